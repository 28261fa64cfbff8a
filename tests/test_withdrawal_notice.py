"""A withdrawn draft reaches those who oversee what it carried or were told of it.

A draft with Art. 9 special report items, withdrawn, is told to its department's integrity
officer and to discipline inspection with the reason and the items; everyone a reminder
about the draft reached besides the judge (the breach's overseers) is told as well. Those
only Art. 7's alerts reached hear of the withdrawal from those alerts
(``test_alert_followup``), so they are told here only of special report items. Nobody is
told twice, the judge not at all, and the telling is one ``alert_sent`` audit event.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from dialogue import (
    ART9_DONE,
    ART9_NONE,
    CASE_NUMBER,
    NO,
    SUBMIT,
    YES,
    Court,
    Press,
    art9,
    phone_record,
    says,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.alerts import WITHDRAWAL
from handlers.i18n import join
from handlers.invites import READS_WITHDRAWN, may
from storage import audit
from storage.audit import AuditKind
from storage.db import Database
from storage.models import Reminder
from storage.vocabulary import ART9_LABELS, Language, ReminderStatus

ZH = Language("zh-CN")
OVERSEERS = ("钱进", "李刚")
"""民一庭's integrity officer and discipline inspection (harness.PEOPLE)."""
ART7 = ("李刚", "刘洋", "陈静")
"""Those Art. 7's alerts reach."""
EVERYONE = ("张伟", "孙丽", "王芳", "钱进", "周强", "吴敏", "李刚", "刘洋", "陈静", "赵磊")
LATER = timedelta(days=10)
"""Past a draft's 2-day deadline and the breach notices, whatever holidays fall between."""

_examples = itertools.count(1)


@settings(
    max_examples=12,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court: a shrunk example would meet the drafts before it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    items=st.sets(st.integers(1, 14), max_size=3),
    serious=st.booleans(),
    main_leader=st.booleans(),
    late=st.booleans(),
)
@example(items=set(), serious=False, main_leader=False, late=False)
@example(items={2}, serious=False, main_leader=False, late=False)
@example(items=set(), serious=True, main_leader=False, late=True)
@example(items={14}, serious=False, main_leader=True, late=False)
async def test_a_withdrawn_draft_reaches_those_who_oversee_or_were_told(
    court: Court,
    db: Database,
    items: set[int],
    serious: bool,
    main_leader: bool,
    late: bool,
) -> None:
    n = next(_examples)
    judge = court.chat("张伟")
    inquirer = f"赵{n}号"
    draft = f"草稿 #{n}"
    script = phone_record(
        inquirer=inquirer,
        draft=n,
        serious=YES if serious else NO,
        main_leader=YES if main_leader else NO,
    )
    for action, _ in script:
        if action == Press(ART9_NONE) and items:
            for item in sorted(items):
                await judge.act(Press(art9(item)))
            await judge.act(Press(ART9_DONE))
            if 14 in items:
                await judge.act(f"要求转移财产{n}")
            continue
        if action == Press(SUBMIT):
            break
        await judge.act(action)
    if late:
        court.bot.clock.set(court.bot.clock.now() + LATER)
        await court.bot.app.dispatcher.tick()
    reminded = await _reminded(db, n, court.id("张伟"))
    if late:
        assert court.id("钱进") in reminded  # the breach reached the integrity officer
    reason = f"误登记{n}"
    await judge.act(f"/cancel {reason}")

    names = {court.id(name): name for name in EVERYONE}
    expected = {names[i] for i in reminded}
    if items:
        expected |= set(OVERSEERS)
    elif serious or main_leader:
        expected -= set(ART7)
    words = says("common.none")
    if items:
        words = join(ZH, (f"({i}) {ART9_LABELS[i][ZH]}" for i in sorted(items)), strong=True)
    if 14 in items:
        words += says("alerts.art9_other", other=f"要求转移财产{n}")
    values = dict(
        title=draft,
        handler="张伟",
        inquirer=inquirer,
        unit="温县某局",
        case=CASE_NUMBER,
        reason=reason,
        items=words,
    )
    for name in EVERYONE:
        # /withdrawn is invited only to those who may use it (handlers.invites)
        allowed = may(court.staff[name].roles, READS_WITHDRAWN)
        see = says("alerts.withdrawn_draft_see") if allowed else ""
        text = says("alerts.withdrawn_draft", see=see, **values)
        got = [
            m.text
            for m in court.chat(name).inbox()
            if m.text.startswith(draft) and f"过问人 {inquirer}（" in m.text
        ]
        assert got == ([text] if name in expected else []), name
    told = await _told(db, n)
    if expected:
        assert len(told) == 1
        body = told[0]
        assert sorted(body["to"]) == sorted(court.id(name) for name in expected)
        assert (body["reason"], body["items"]) == (reason, sorted(items))
    else:
        assert told == []


async def _reminded(db: Database, record_id: int, handler: int) -> set[int]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(Reminder.recipient_staff_id).where(
                Reminder.record_id == record_id,
                Reminder.status == ReminderStatus.SENT,
                Reminder.recipient_staff_id != handler,
            )
        )
        return set(rows.scalars())


async def _told(db: Database, record_id: int) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        events = await audit.record_events(session, record_id, AuditKind.ALERT_SENT)
        return [event.payload for event in events if event.payload["alert"] == WITHDRAWAL]
