"""A record's handling department (承办部门) is never moved out of its overseers' sight unsaid.

Trial 9 F26: a handler "corrected" 承办部门 of an overdue record to 信息技术科; its integrity
officer lost it and was not told. Over each department of the court × typed or pressed ×
a record received from an hour to six days ago (on time, or with steps overdue): only a
department where handlers work is offered (the handler's own first) and accepted; an office
with none (纪检监察室, 审判管理办公室, 院领导, 信息技术科) is refused with nothing kept; a move
is told to the integrity officers of both departments and to discipline (the overdue steps
named), kept in the audit chain, and the department it leaves keeps the record in sight
(/record, /overdue).

Scripted on Friday 2026-03-06 10:00 in Beijing (the ``clock`` fixture).
"""

from __future__ import annotations

import json
from datetime import timedelta

from dialogue import (
    AMEND,
    DEPARTMENTS,
    Court,
    DialogueBot,
    Press,
    amendments_of,
    events_of,
    lab,
    says,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from test_correction_dependents import submitted
from test_correction_fields import label

from handlers.moved import DEPARTMENT_MOVED
from reminders.clock import FakeClock
from storage.audit import AuditKind
from storage.db import Database
from storage.vocabulary import Channel, Milestone

HANDLING = ("民一庭", "刑事审判庭")
"""The departments where the demo court's handlers work, 张伟's own first."""
OFFICER = {"民一庭": "钱进", "刑事审判庭": "吴敏"}
BYSTANDERS = ("刘洋", "陈静", "孙丽")


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    to=st.sampled_from(DEPARTMENTS),
    typed=st.booleans(),
    hours=st.integers(1, 24 * 6),
)
@example(to="信息技术科", typed=True, hours=72)  # the trial's case
@example(to="刑事审判庭", typed=False, hours=72)  # overdue, moved to another division
async def test_a_moved_department_is_a_division_and_told_to_both_officers(
    db: Database,
    clock: FakeClock,
    court: Court,
    bot: DialogueBot,
    to: str,
    typed: bool,
    hours: int,
) -> None:
    record_id, number = await submitted(db, clock, court, Channel.WECHAT, timedelta(hours=hours))
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    [prompt] = await judge.act(Press(label("department")))
    offered = [button.label for row in prompt.buttons for button in row]
    assert offered == list(HANDLING), offered
    seen = {name: len(court.chat(name).inbox()) for name in ("钱进", "吴敏", "李刚", *BYSTANDERS)}
    replies = [r.text for r in await judge.act(to if typed else Press(to) if to in offered else to)]
    if to not in HANDLING:
        names = "、".join(HANDLING)
        refusal = says("intake.error.department_handles_none", name=to, names=names)
        assert replies[0].startswith(refusal), replies
        await judge.act("/cancel")
        assert await amendments_of(db, record_id) == []
        return
    if to == "民一庭":
        assert replies[0].startswith(says("amend.unchanged")), replies
        await judge.act("/cancel")
        return
    assert replies[-1] == says("amend.ask_reason"), replies
    overdue_before = await _overdue(court, "钱进", number)
    said = [r.text for r in await judge.act("填错了")]
    assert says("amend.department_told", old="民一庭", new=to) in said, said
    told = [e for e in await events_of(db, record_id) if e.kind == AuditKind.ALERT_SENT]
    [event] = [e for e in told if json.loads(e.payload).get("alert") == DEPARTMENT_MOVED]
    payload = json.loads(event.payload)
    expected = {court.id(n) for n in ("钱进", OFFICER[to], "李刚")}
    assert set(payload["to"]) == expected
    steps = "、".join(lab(Milestone(m)) for m in payload["missed"])
    overdue = says("amend.department_overdue", steps=steps) if payload["missed"] else ""
    notice = says(
        "amend.department_notice",
        handler="张伟",
        title=number,
        old="民一庭",
        new=to,
        reason="填错了",
        overdue=overdue,
    )
    for name in ("钱进", OFFICER[to], "李刚"):
        assert court.chat(name).inbox()[-1].text == notice, name
    assert bool(payload["missed"]) == overdue_before
    for name in BYSTANDERS:
        assert len(court.chat(name).inbox()) == seen[name], name
    # The officer it left still sees it, and its overdue steps as before.
    [card] = await court.chat("钱进").act(f"/record {number}")
    assert not card.text.startswith(says("views.not_found", ref=number)[:6]), card.text
    assert await _overdue(court, "钱进", number) == overdue_before
    assert (await _overdue(court, OFFICER[to], number)) == overdue_before


async def _overdue(court: Court, name: str, number: str) -> bool:
    """Whether ``name``'s /overdue lists record ``number``."""
    replies = await court.chat(name).act("/overdue")
    return any(number in reply.text for reply in replies)
