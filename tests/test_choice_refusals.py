"""Any refusal at a question with buttons shows those buttons again.

Every question answered by a button (the intake's choices, yes/no and Art. 9's items; the
review, the edit list, the proposals, the add-or-new question; a correction's list and a
choice's new value) is reached as a judge reaches it, then refused each way a message can be
refused there: words that answer nothing, an edit of an older message (Telegram
``edited_message``), a button that no longer fits, an unknown command. The refusal carries
the question's buttons, as it was asked. An edit of the last answer that its question
refuses asks that question again with its buttons.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Person,
    Press,
    Tap,
    open_court,
    says,
    settings_for,
)
from test_console_states import REACH, Reach, _amend_field, waiting_at
from test_correction_fields import Spec, drafted

from handlers.fields import BY_STEP, FIELDS, Input, Step
from handlers.intake.common import question
from handlers.ports import OutgoingMessage
from handlers.state import StepName
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import UnitCategory


async def _amend_choice(court: Court, db: Database, clock: FakeClock) -> Person:
    judge = await _amend_field(court, db, clock)
    await judge.act(Press(says("card.channel")))
    return judge


CHOICES: dict[str, Reach] = {
    **{
        question(field.step).value: REACH[question(field.step)]
        for field in FIELDS
        if field.input in (Input.CHOICE, Input.YES_NO, Input.MULTI)
    },
    **{
        step.value: REACH[step]
        for step in (
            StepName.INTAKE_REVIEW,
            StepName.INTAKE_EDIT,
            StepName.INTAKE_PROPOSED,
            StepName.INTAKE_MEDIA,
            StepName.AMEND_FIELD,
        )
    },
    "amend_value_of_a_choice": _amend_choice,
}
"""Every question answered by a button, by its step (a choice's new value apart)."""


def buttons_of(message: OutgoingMessage) -> list[list[tuple[str, str]]]:
    return [[(b.label, b.data) for b in row] for row in message.buttons]


REFUSALS = ("words", "edited", "stale", "unknown")


@pytest.fixture
def bot(
    db: Database, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest
) -> DialogueBot:
    """The court's bot; ``[intake] propose`` on only to reach the proposals."""
    callspec = getattr(request.node, "callspec", None)
    where = callspec.params.get("where") if callspec is not None else None
    propose = where == StepName.INTAKE_PROPOSED.value
    return DialogueBot(db, clock, settings_for(tmp_path, propose=propose))


@pytest.mark.parametrize("refusal", REFUSALS)
@pytest.mark.parametrize("where", sorted(CHOICES))
async def test_a_refusal_at_a_question_with_buttons_shows_them(
    bot: DialogueBot, db: Database, clock: FakeClock, where: str, refusal: str
) -> None:
    court = await open_court(bot)
    person = await CHOICES[where](court, db, clock)
    asked = person.inbox()[-1]
    assert asked.buttons, (where, asked.text)
    step = await waiting_at(db, person)
    if refusal == "words":
        replies = await person.act("？？")
    elif refusal == "edited":
        replies = await person.send(replace(person.message("改过的话"), edited=True))
    elif refusal == "stale":
        replies = await person.act(Tap("in:gone:v:phone"))
    else:
        replies = await person.act("/nosuchcommand")
    assert replies, (where, refusal)
    assert buttons_of(replies[-1]) == buttons_of(asked), (where, refusal, replies[-1].text)
    assert await waiting_at(db, person) == step


async def test_an_edit_the_question_refuses_asks_that_question_again_with_its_buttons(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """The judge typed the unit category, was asked whether the cadre is retired, and edits
    the typed category into words that are none: that question again, its buttons under it."""
    court = await open_court(bot)
    steps = (Step.UNIT_CATEGORY, Step.RETIRED)
    unanswered = [BY_STEP[step.value] for step in steps]
    await drafted(db, clock, court, Spec(cosigner=False), submit=False, unanswered=unanswered)
    judge = court.chat("张伟")
    [asked] = await judge.act("/resume")
    typed = judge.message(UnitCategory.GOVERNMENT.value)
    await judge.send(typed)
    assert await waiting_at(db, judge) == question(Step.RETIRED).value
    replies = await judge.send(replace(typed, text="行政单位", edited=True))
    assert replies[0].text == says("intake.edited_refused", field=says("card.unit_category"))
    assert replies[-1].text.startswith(says("intake.error.choose") + "\n\n")
    assert buttons_of(replies[-1]) == buttons_of(asked)
    assert await waiting_at(db, judge) == question(Step.UNIT_CATEGORY).value


def test_every_choice_question_is_tried() -> None:
    asked_by_button = {
        question(field.step).value
        for field in FIELDS
        if field.input in (Input.CHOICE, Input.YES_NO, Input.MULTI)
    }
    assert asked_by_button <= set(CHOICES)
