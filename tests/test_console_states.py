"""/cancel and /back at every step a chat can wait at (``handlers.state.StepName``).

Each step is reached as a person reaches it, then /cancel or /back is typed. /cancel always
ends the dialogue, saying what it dropped (a draft is kept: its withdrawal's reason is asked,
or at that question the draft goes on; at /new's add-or-new question no record is started);
/back always stays in the dialogue, at its previous question or, at its first, the same
question again. Neither ever says there is nothing open, nor that the command is unknown.
Every card and command: ``test_card_commands``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from dialogue import (
    AMEND,
    EDIT,
    Court,
    DialogueBot,
    Person,
    Press,
    Tap,
    lab,
    open_court,
    says,
    settings_for,
)
from reminder_kit import rules, run_until
from sqlalchemy import select
from test_correction_fields import Spec, drafted

from handlers.fields import BY_STEP, FIELDS, Step
from handlers.intake.common import question
from handlers.ports import OutgoingMessage
from handlers.state import CORRECTING, StepName
from reminders.clock import FakeClock
from reminders.planner import Timing, plan_records
from storage.db import Database
from storage.models import Conversation
from storage.vocabulary import Channel

NUMBER = "温法过问〔2026〕1号"
IN_PERSON = frozenset({Step.PLACE, Step.PERSONS_PRESENT, Step.STAFF_PRESENT})

Reach = Callable[[Court, Database, FakeClock], Awaitable[Person]]


def _at_question(step: Step) -> Reach:
    """A draft with only ``step``'s question left: /resume asks it."""

    async def reach(court: Court, db: Database, clock: FakeClock) -> Person:
        channel = Channel.IN_PERSON if step in IN_PERSON else Channel.OTHER
        spec = Spec(channel=channel, cosigner=False)
        await drafted(db, clock, court, spec, submit=False, unanswered=[BY_STEP[step.value]])
        judge = court.chat("张伟")
        await judge.act("/resume")
        return judge

    return reach


async def _review(court: Court, db: Database, clock: FakeClock) -> Person:
    await drafted(db, clock, court, Spec(cosigner=False), submit=False)
    judge = court.chat("张伟")
    await judge.act("/resume")
    return judge


async def _edit(court: Court, db: Database, clock: FakeClock) -> Person:
    judge = await _review(court, db, clock)
    await judge.act(Press(EDIT))
    return judge


async def _proposed(court: Court, db: Database, clock: FakeClock) -> Person:
    """With ``[intake] propose`` on (this step's bot), the usual answers are proposed."""
    steps = (Step.INTERMEDIARY, Step.CASE_NAME)  # the main leader answered: unsure, it is asked
    unanswered = [BY_STEP[step.value] for step in steps]
    await drafted(db, clock, court, Spec(cosigner=False), submit=False, unanswered=unanswered)
    judge = court.chat("张伟")
    await judge.act("/resume")
    return judge


async def _held_reason(court: Court, db: Database, clock: FakeClock) -> Person:
    """A draft's receipt time edited from its review card after its breach was told."""
    record = await drafted(db, clock, court, Spec(cosigner=False), submit=False)
    async with db.transaction() as session:
        await plan_records(session, [record.id], rules(), Timing(), clock.now())
    clock.set(clock.now() + timedelta(days=5))
    await run_until(court.bot.app.dispatcher, clock, clock.now() + timedelta(hours=1))
    judge = await _review_again(court)
    await judge.act(Press(EDIT))
    await judge.act(Press(says("card.received_at")))
    await judge.act("2026-03-06 08:30")
    return judge


async def _review_again(court: Court) -> Person:
    judge = court.chat("张伟")
    await judge.act("/resume")
    return judge


async def _media(court: Court, db: Database, clock: FakeClock) -> Person:
    judge = await _at_question(Step.SUMMARY)(court, db, clock)
    await judge.act("/new")
    return judge


async def _cancel_reason(court: Court, db: Database, clock: FakeClock) -> Person:
    judge = await _at_question(Step.SUMMARY)(court, db, clock)
    await judge.act("/cancel")
    return judge


async def _amend_field(court: Court, db: Database, clock: FakeClock) -> Person:
    record = await drafted(db, clock, court, Spec())
    judge = court.chat("张伟")
    await judge.act(f"/record {record.number}")
    await judge.act(Press(AMEND))
    return judge


async def _amend_value(court: Court, db: Database, clock: FakeClock) -> Person:
    judge = await _amend_field(court, db, clock)
    await judge.act(Press(says("card.summary")))
    return judge


async def _amend_reason(court: Court, db: Database, clock: FakeClock) -> Person:
    judge = await _amend_value(court, db, clock)
    await judge.act("要求尽快判决")
    return judge


async def _amend_also(court: Court, db: Database, clock: FakeClock) -> Person:
    spec = replace(Spec(), channel=Channel.PHONE, texts=False, cosigner=False)
    record = await drafted(db, clock, court, spec)
    judge = court.chat("张伟")
    await judge.act(f"/record {record.number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(says("card.channel")))
    await judge.act(Press(lab(Channel.IN_PERSON)))
    return judge


async def _cosign_reason(court: Court, db: Database, clock: FakeClock) -> Person:
    record = await drafted(db, clock, court, replace(Spec(), channel=Channel.IN_PERSON))
    sun = court.chat("孙丽")
    await sun.act(Tap(f"cs:{record.id}:no"))
    return sun


async def _platform_ref(court: Court, db: Database, clock: FakeClock) -> Person:
    record = await drafted(db, clock, court, Spec(entered=False))
    judge = court.chat("张伟")
    await judge.act(Tap(f"ms:{record.id}:platform"))
    return judge


async def _invite(court: Court, db: Database, clock: FakeClock) -> Person:
    admin = court.chat("赵磊")
    await admin.act("/invite")
    return admin


REACH: dict[StepName, Reach] = {
    **{question(field.step): _at_question(field.step) for field in FIELDS},
    StepName.INTAKE_REVIEW: _review,
    StepName.INTAKE_EDIT: _edit,
    StepName.INTAKE_PROPOSED: _proposed,
    StepName.INTAKE_MEDIA: _media,
    StepName.INTAKE_CANCEL_REASON: _cancel_reason,
    StepName.INTAKE_HELD_REASON: _held_reason,
    StepName.AMEND_FIELD: _amend_field,
    StepName.AMEND_VALUE: _amend_value,
    StepName.AMEND_REASON: _amend_reason,
    StepName.AMEND_ALSO: _amend_also,
    StepName.COSIGN_REASON: _cosign_reason,
    StepName.PLATFORM_REF: _platform_ref,
    StepName.INVITE_WHO: _invite,
}
"""How a person comes to wait at each step."""

NEVER = (
    says("common.nothing_to_cancel"),
    says("intake.error.no_draft"),
    says("intake.error.no_draft_new"),
    says("error.internal"),
)


def test_every_step_is_reached_here() -> None:
    assert set(REACH) == set(StepName)


@pytest.fixture
def bot(
    db: Database, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest
) -> DialogueBot:
    """The court's bot; ``[intake] propose`` on only to reach the proposals."""
    propose = request.node.callspec.params["step"] == StepName.INTAKE_PROPOSED
    return DialogueBot(db, clock, settings_for(tmp_path, propose=propose))


async def waiting_at(db: Database, person: Person) -> str | None:
    async with db.transaction() as session:
        query = select(Conversation.step).where(Conversation.chat_id == person.user_id)
        return (await session.execute(query)).scalar_one_or_none()


def _never_said(replies: list[OutgoingMessage], typed: str) -> None:
    assert replies, typed
    for reply in replies:
        assert reply.text not in NEVER, (typed, reply.text)
        assert not reply.text.startswith(says("error.unknown_command", command="")[:4]), reply.text


@pytest.mark.parametrize("typed", ["/cancel", "取消"])
@pytest.mark.parametrize("step", sorted(StepName))
async def test_cancel_ends_the_dialogue_at_every_step(
    bot: DialogueBot, db: Database, clock: FakeClock, step: StepName, typed: str
) -> None:
    court = await open_court(bot)
    person = await REACH[step](court, db, clock)
    assert await waiting_at(db, person) == step.value
    replies = await person.act(typed)  # a typed cancel word is /cancel, never an answer
    _never_said(replies, typed)
    after = await waiting_at(db, person)
    if step is StepName.INTAKE_MEDIA:  # /new's question, nothing held: the draft goes on
        assert replies[0].text == says("intake.new_cancelled", title="草稿 #1")
        assert after == question(Step.SUMMARY).value
    elif step is StepName.INTAKE_CANCEL_REASON:  # the draft is kept and goes on
        assert replies[0].text.startswith(says("intake.cancel_kept", title="草稿 #1")[:6])
        assert after is not None and after != step.value
    elif step is StepName.INTAKE_HELD_REASON:  # the held change dropped, its question again
        assert replies[0].text == says("intake.reason_held.dropped", field=says("card.received_at"))
        assert after == question(Step.RECEIVED_AT).value, after
    elif step.value.startswith("intake.") and not step.value.startswith("intake.amend"):
        assert replies[-1].text == says("intake.cancel_reason", title="草稿 #1")
        assert after == StepName.INTAKE_CANCEL_REASON.value
    else:  # each says what was dropped
        assert after is None, (step, after)
        said = LEFT.get(step, says("intake.amend_cancelled"))
        assert replies[-1].text.startswith(said), (step, replies[-1].text)


LEFT = {
    StepName.COSIGN_REASON: says("cosign.dispute_cancelled", title=NUMBER),
    StepName.PLATFORM_REF: says("milestones.platform_cancelled", title=NUMBER),
    StepName.INVITE_WHO: says("staff.invite_cancelled"),
    StepName.INTAKE_CANCEL_REASON: says("intake.cancel_kept", title="草稿 #1"),
    **dict.fromkeys(CORRECTING, says("intake.amend_cancelled")),
}
"""What /cancel says it dropped in a dialogue that /new leaves."""


@pytest.mark.parametrize("step", sorted(StepName))
async def test_new_at_every_step_starts_a_record_or_asks_first(
    bot: DialogueBot, db: Database, clock: FakeClock, step: StepName
) -> None:
    """/new leaves another dialogue saying what it dropped, then starts a record, or, with
    a draft open, asks first whether to go on with it; at that question it is its "start a
    new record". Never "press a button", never a stale button."""
    court = await open_court(bot)
    person = await REACH[step](court, db, clock)
    replies = await person.act("/new")
    if step is StepName.INVITE_WHO:  # an administrator opens no record: the invitation waits
        assert replies[-1].text.startswith(says("error.unknown_command", command="new"))
        assert await waiting_at(db, person) == step.value
        return
    _never_said(replies, "/new")
    texts = [reply.text for reply in replies]
    refused = (says("intake.error.choose"), says("error.stale_button"))
    assert not any(no in text for text in texts for no in refused), texts
    if step in LEFT:
        assert texts[0].startswith(LEFT[step]), (step, texts)
    after = await waiting_at(db, person)
    asked_first = after == StepName.INTAKE_MEDIA.value and step is not StepName.INTAKE_MEDIA
    started = after == question(Step.RECEIVED_AT).value
    assert asked_first or started, (step, after, texts)
    assert replies[-1].buttons, texts


@pytest.mark.parametrize("step", sorted(StepName))
async def test_back_stays_in_the_dialogue_at_every_step(
    bot: DialogueBot, db: Database, clock: FakeClock, step: StepName
) -> None:
    court = await open_court(bot)
    person = await REACH[step](court, db, clock)
    assert await waiting_at(db, person) == step.value
    replies = await person.act("/back")
    _never_said(replies, "/back")
    after = await waiting_at(db, person)
    assert after is not None, step
    if after == step.value and step is not StepName.INTAKE_MEDIA:
        # the first question of its dialogue: said so, and asked again
        assert replies[-1].text.startswith(says("intake.error.no_back")) or step in (
            StepName.INTAKE_REVIEW,
            StepName.INTAKE_EDIT,
        ), (step, replies[-1].text)
    expected = {
        StepName.AMEND_REASON: StepName.AMEND_VALUE,
        StepName.AMEND_ALSO: StepName.AMEND_VALUE,
        StepName.AMEND_VALUE: StepName.AMEND_FIELD,
        StepName.INTAKE_MEDIA: StepName.INTAKE_MEDIA,
    }
    if step in expected:
        assert after == expected[step].value
