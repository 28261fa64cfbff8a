"""A correction never changes whether an Art. 6 step was done in time silently (Art. 10).

Over each deadline-bearing field (the receipt time, the inquiry's time, the channel, the
source: an Art. 5 opinion owes no platform entry) ×
channel × direction (earlier, later) of a submitted record received from an hour to twelve
days ago: when the stored record's steps (``reports.facts.timeliness_lines`` of the record
before and after) change verdict, the judge is told which before giving the reason, the
department's integrity officer (钱进) and the discipline inspection office (李刚) are told,
and the audit chain keeps it, a step that stops or starts being owed (逾期未办 ↔ 不需办理)
too; when none changes, nobody is told. A receipt time that follows
the inquiry's (an electronic message, a call, a visit) is never corrected alone; its
correction of the inquiry's time moves it, the old values kept.

Scripted on Friday 2026-03-06 10:00 in Beijing (the ``clock`` fixture).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from dialogue import AMEND, Court, DialogueBot, Press, amendments_of, events_of, lab, says
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import event as reached
from hypothesis import strategies as st
from reminder_kit import BEIJING, rules
from test_correction_dependents import (
    ANSWERS,
    Answers,
    Correction,
    correct,
    finish,
    refused_alone,
    submitted,
)
from test_correction_fields import label

from handlers.receipt import FOLLOWING
from handlers.verdicts import VERDICT_CHANGED
from reminders.clock import FakeClock
from reports.facts import MILESTONE_ORDER, State, timeliness_lines
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Channel, Milestone, RecordKind

OVERSEERS = ("钱进", "李刚")
"""民一庭's integrity officer and the discipline inspection office: told of a changed verdict."""
BYSTANDERS = ("吴敏", "刘洋", "陈静")
"""Another department's integrity officer, trial management, a leader: not told."""


async def states(db: Database, record_id: int, now: datetime) -> dict[Milestone, State]:
    """How each step of the stored record stands (the co-signature aside: it counts from
    the submission, which no correction moves)."""
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        return {
            line.milestone: line.state
            for line in timeliness_lines(record, rules(), now)
            if line.milestone is not Milestone.COSIGNED
        }


async def stored(db: Database, record_id: int) -> Record:
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        return record


def word(state: State | None) -> str:
    """A step's verdict as audited: its state, or ``not_owed`` for a step not owed."""
    return "not_owed" if state is None else state.value


def changed(before: dict[Milestone, State], after: dict[Milestone, State]) -> list[Milestone]:
    """The steps, in their order, whose verdict differs, a step owed on one side only too."""
    return [m for m in MILESTONE_ORDER if before.get(m) != after.get(m)]


def described(before: dict[Milestone, State], after: dict[Milestone, State]) -> str:
    """The changed steps as ``amend.verdict_line`` words them, in the steps' order."""
    return "、".join(
        says(
            "amend.verdict_line",
            step=lab(step),
            before=says(f"amend.state.{word(before.get(step))}"),
            after=says(f"amend.state.{word(after.get(step))}"),
        )
        for step in changed(before, after)
    )


def inboxes(court: Court) -> dict[str, int]:
    return {name: len(court.chat(name).inbox()) for name in OVERSEERS + BYSTANDERS}


def case(
    channel: Channel,
    key: str,
    *,
    back: int,
    shift: int = 0,
    kind: RecordKind = RecordKind.EXTERNAL,
) -> example:
    """An explicit example of ``test_a_changed_verdict_is_said_told_and_audited``: the record
    sent over ``channel`` ``back`` hours ago, its ``key`` corrected (by ``shift`` hours, to
    微信, to ``kind``), the overseers answering nothing."""
    return example(
        channel=channel,
        key=key,
        back=back,
        shift=shift,
        to=Channel.WECHAT,
        answers=Answers(),
        kind=kind,
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    channel=st.sampled_from([Channel.WECHAT, Channel.SMS, Channel.PHONE, Channel.LETTER]),
    key=st.sampled_from(["received_at", "inquiry_at", "channel", "kind"]),
    kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    back=st.integers(1, 24 * 12),
    shift=st.integers(-24 * 12, 24 * 12),
    to=st.sampled_from([Channel.WECHAT, Channel.LETTER, Channel.PHONE]),
    answers=ANSWERS,
)
@case(  # a letter's receipt moved 9 days back: registered late (on time → late)
    Channel.LETTER, "received_at", back=240, shift=-216
)
@case(  # 信函 → 微信: the receipt follows the inquiry 10 days back (on time → late)
    Channel.LETTER, "channel", back=240
)
@case(  # a WeChat message 10 days back corrected to an hour ago (late → on time)
    Channel.WECHAT, "inquiry_at", back=240, shift=239
)
@case(  # trial 9 F27: a WeChat message 3 days back, its platform entry overdue, called an
    # Art. 5 opinion: 录入平台 逾期未办 → 不需办理, said and told as any change of verdict
    Channel.WECHAT,
    "kind",
    back=72,
    kind=RecordKind.REFERENCE_OPINION,
)
@case(  # and back: an opinion called an outside inquiry owes the platform entry, overdue
    Channel.LETTER, "kind", back=100
)
async def test_a_changed_verdict_is_said_told_and_audited(
    db: Database,
    clock: FakeClock,
    court: Court,
    bot: DialogueBot,
    channel: Channel,
    key: str,
    back: int,
    shift: int,
    to: Channel,
    answers: Answers,
    kind: RecordKind,
) -> None:
    now = clock.now()
    source = RecordKind.REFERENCE_OPINION if kind is RecordKind.EXTERNAL else RecordKind.EXTERNAL
    record_id, number = await submitted(db, clock, court, channel, timedelta(hours=back), source)
    record = await stored(db, record_id)
    if key == "received_at" and channel in FOLLOWING:
        await refused_alone(court, number, channel)
        assert await amendments_of(db, record_id) == []
        return
    moment: datetime | None = None
    if key == "received_at":  # never before the inquiry nor in the future
        moment = min(max(record.received_at + timedelta(hours=shift), record.inquiry_at), now)
    elif key == "inquiry_at":
        latest = record.received_at if channel not in FOLLOWING else now
        moment = min(record.inquiry_at + timedelta(hours=shift), latest)
    if (moment is not None and moment == getattr(record, key)) or (
        key == "channel" and to == channel
    ):
        return
    if moment is not None and now - moment > timedelta(days=30):
        return  # asked to confirm as far back first (``test_intake_times``)
    before = await states(db, record_id, now)
    seen = inboxes(court)
    first = await correct(court, number, Correction(key=key, channel=to, kind=kind), moment)
    said = await finish(court, first, answers)
    assert says("amend.done", title=number) in said, said
    after = await states(db, record_id, now)
    changes = described(before, after)
    reached(f"{key}: {'verdict changed' if changes else 'no verdict changed'}")
    warned = says("amend.verdict_warning", changes=changes)
    told = [e for e in await events_of(db, record_id) if e.kind == AuditKind.ALERT_SENT]
    told = [e for e in told if json.loads(e.payload).get("alert") == VERDICT_CHANGED]
    if changes:
        # Said before the reason, which confirms the correction.
        assert said.index(warned) < said.index(says("amend.ask_reason")), said
        for name in OVERSEERS:
            assert court.chat(name).inbox()[-1].text == says(
                "amend.verdict_notice",
                handler="张伟",
                title=number,
                field=label(key),
                reason="记录有误",
                changes=changes,
            )
        [event] = told
        payload = json.loads(event.payload)
        assert sorted(payload["to"]) == sorted(court.id(n) for n in OVERSEERS)
        assert payload["changes"] == [
            [m.value, word(before.get(m)), word(after.get(m))] for m in changed(before, after)
        ]
    else:
        assert not any(s.startswith(warned.split("：")[0]) for s in said), said
        assert told == []
    for name in BYSTANDERS + (() if changes else OVERSEERS):
        assert len(court.chat(name).inbox()) == seen[name], name
    # Nothing rewritten silently: the old receipt time stays in the correction's history.
    corrected = await stored(db, record_id)
    if corrected.received_at != record.received_at:
        moved = [a for a in await amendments_of(db, record_id) if a.field == "received_at"]
        assert moved and json.loads(moved[0].old_value) == record.received_at.isoformat()


async def test_the_trial_wechat_receipt_alone_is_refused_and_the_inquiry_time_moves_both(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot
) -> None:
    """The trial's case: a WeChat record received 7 days before, registered late; its 收到时间
    alone is refused (the message was received when sent); the inquiry's time corrected to
    today moves the receipt, turns 填表登记 on time, and says so before the reason."""
    record_id, number = await submitted(db, clock, court, Channel.WECHAT, timedelta(days=7))
    await refused_alone(court, number, Channel.WECHAT)
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("inquiry_at")))
    replies = [r.text for r in await judge.act("今天早上8点")]
    assert replies[0].startswith(says("amend.verdict_warning", changes="").split("：")[0])
    assert "逾期办理 → 按期" in replies[0], replies
    assert replies[-1] == says("amend.ask_reason")
    await judge.act("输入时把今天误写成上周")
    record = await stored(db, record_id)
    assert record.received_at == record.inquiry_at == datetime(2026, 3, 6, 8, 0, tzinfo=BEIJING)
    assert "逾期办理 → 按期" in court.chat("李刚").inbox()[-1].text
    assert [a.field for a in await amendments_of(db, record_id)] == ["inquiry_at", "received_at"]
