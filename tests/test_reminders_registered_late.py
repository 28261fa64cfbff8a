"""A record registered after its steps fell due: its reminders say so, not "迟发".

"迟发：原定 … 发送" tells discipline inspection the bot failed to send on time. For a record
registered late, the reminders could not have gone earlier: for records of several ages
registered at several hours (quiet hours included), every reminder about it that was due
before it was registered says when it was registered and received, and none says 迟发;
nor is any counted late in the outbox. A reminder planned in time and sent late (the bot
down) still says 迟发 (``test_reminders_delivery``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from dialogue import SUBMIT, Court, DialogueBot, Press
from reminder_kit import BEIJING, bj, reminders, run_until
from test_report_outdated import stored

from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


@pytest.mark.parametrize(
    ("days", "hour"),
    [(36, 10), (10, 2), (20, 23), (6, 8)],
    ids=["36d-day", "10d-night", "20d-evening", "6d-morning"],
)
async def test_a_late_registrations_reminders_say_it_was_registered_late(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot, days: int, hour: int
) -> None:
    now = bj("2026-12-09 00:00") + timedelta(hours=hour)
    received = now - timedelta(days=days)
    clock.set(now)
    record_id, _ = await stored(db, court, received, now, submit=False)
    judge = court.chat("张伟")
    await judge.act("/resume")
    said = [r.text for r in await judge.act(Press(SUBMIT))]
    assert any("〔2026〕" in text for text in said), said
    rows = await reminders(db, record_id=record_id)
    overdue = [r for r in rows if r.due_at < r.created_at]
    assert overdue, "the late registration's steps were due before it"
    # Through the quiet hours if need be, and a day on.
    await run_until(bot.app.dispatcher, clock, now + timedelta(hours=30))
    texts = [s.message.text for s in bot.transcript]
    head = zh(
        "reminders.registered_late",
        registered=now.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        received=received.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"),
        due="",
    ).split("；")[0]
    late = zh("reminders.late", due="").split("：")[0]
    marked = [text for text in texts if text.startswith(head)]
    assert marked, texts
    assert not [text for text in texts if text.startswith(late)], texts
    sent = [r for r in await reminders(db, record_id=record_id) if r.status == "sent"]
    assert sent and not any(r.late for r in sent if r.due_at < r.created_at)
