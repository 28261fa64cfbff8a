"""The daily anchor: discipline gets the chain head every morning, on every chat, once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fakes import FakeBot, add_person, audit_events
from sqlalchemy import text

from handlers.anchor_words import AnchorMessenger
from handlers.i18n import t
from reminders.anchor import ChainAnchor
from reminders.clock import FakeClock
from storage import append_only
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.verify import (
    AnchorProblem,
    AnchorProblemKind,
    Progress,
    Summary,
    parse_anchor,
    verify,
)
from storage.vocabulary import Language, Role

BEIJING = ZoneInfo("Asia/Shanghai")


async def test_discipline_gets_the_head_each_morning_once_and_it_anchors_verify(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(datetime(2026, 3, 6, 0, 0, tzinfo=UTC))  # 08:00 in Beijing
    officer = await add_person(db, clock, "纪检员", [Role.DISCIPLINE], user_id="d1")
    async with db.transaction() as session:
        await staff_repo.bind(
            session,
            person=officer,
            transport="fake",
            external_id="d2",
            chat_id="d2",
            display_name=None,
            at=clock.now(),
            via="test",
        )
    await add_person(db, clock, "张伟", [Role.HANDLER], user_id="u1")
    bot = FakeBot(db, clock)
    anchor = ChainAnchor(
        db, clock, BEIJING, AnchorMessenger(bot.app.services, bot.app.deliver), at=time(8, 30)
    )

    assert await anchor.run() is None  # 08:00: not yet
    assert bot.transport.sent == []

    clock.advance(timedelta(minutes=40))
    sent = await anchor.run()
    assert sent is not None
    expected = t(
        Language.ZH,
        "maintenance.anchor_daily",
        court=bot.app.services.court_name,
        day="2026-03-06",
        seq=sent.seq,
        hash=sent.hash,
    )
    assert [m.text for m in bot.transport.to("d1")] == [expected]
    assert [m.text for m in bot.transport.to("d2")] == [expected]
    assert bot.transport.to("u1") == []
    [event] = [e for e in await audit_events(db) if e.kind == AuditKind.ANCHOR_SENT]
    assert event.subject == "anchor:2026-03-06"
    assert json.loads(event.payload) == {
        "seq": sent.seq,
        "hash": sent.hash,
        "delivered_to": [officer.id],
    }

    clock.advance(timedelta(hours=3))
    assert await anchor.run() is None  # once a day
    assert len(bot.transport.sent) == 2

    # What the officer keeps is what verify checks against: cut the chain back, it fails.
    held = re.search(r"--expect-head ([0-9]+:[0-9a-f]{64})", expected)
    assert held is not None
    kept = parse_anchor(held.group(1))
    assert kept is not None
    async with db.transaction() as session:
        connection = await session.connection()
        for table in ("audit_events", "audit_head"):
            for name in append_only.trigger_names(db.dialect, table):
                on = "" if db.dialect == "sqlite" else f" ON {table}"
                await connection.exec_driver_sql(f"DROP TRIGGER {name}{on}")
        await session.execute(text("DELETE FROM audit_events WHERE seq >= :s"), {"s": kept.seq})
        await session.execute(
            text(
                "UPDATE audit_head SET seq = :s, hash = (SELECT hash FROM audit_events "
                "WHERE seq = :s)"
            ),
            {"s": kept.seq - 1},
        )
    problems = [
        report
        async for report in verify(db, tmp_path / "evidence", expect_head=kept)
        if not isinstance(report, Progress | Summary)
    ]
    assert [p for p in problems if isinstance(p, AnchorProblem)] == [
        AnchorProblem(AnchorProblemKind.MISSING, kept.seq, kept.hash, None, kept.seq - 1)
    ]

    clock.advance(timedelta(days=1))
    following = await anchor.run()
    assert following is not None and following.day.isoformat() == "2026-03-07"
    assert len(bot.transport.to("d1")) == 2
