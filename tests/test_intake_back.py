"""/back goes to the question the judge answered last in this draft, never to one that was
derived or proposed and never asked (the department, after the case number).

Each path of answers is walked back to its start: every /back asks the question answered
just before, in the reverse of the order they were answered, and at the first one /back is
refused with the question asked again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    Again,
    Court,
    DialogueBot,
    Exactly,
    asks,
    asks_received,
    dialogue,
    open_court,
    phone_record,
    record_row,
    says,
    settings_for,
    until,
)

from handlers.fields import Step
from reminders.clock import FakeClock
from storage.db import Database

ANSWERED = (
    Step.SOURCE,
    Step.INQUIRY_AT,
    Step.CHANNEL,
    Step.INQUIRER_NAME,
    Step.INQUIRER_UNIT,
    Step.INQUIRER_POSITION,
    Step.UNIT_CATEGORY,
    Step.RETIRED,
    Step.MAIN_LEADER,
    Step.INTERMEDIARY,
    Step.CASE_NAME,
    Step.CASE_NUMBER,
)
"""The questions a phone call's judge answers before 过问内容, after the receipt time."""


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    return DialogueBot(db, clock, settings_for(tmp_path))


@pytest.fixture
async def court(bot: DialogueBot) -> Court:
    return await open_court(bot)


@pytest.mark.parametrize("typed", ["/back", "返回"])
async def test_back_walks_the_answers_back_in_reverse(court: Court, typed: str) -> None:
    judge = court.chat("张伟")
    received = asks_received("2026-03-06 10:00")
    walk = [(typed, asks(step)) for step in reversed(ANSWERED)]
    await dialogue(
        judge,
        [
            *until(phone_record(), Step.SUMMARY),
            # At 过问内容 after the case number: the case number, never 承办部门.
            *walk,
            (typed, received),
            (typed, Again(says("intake.error.no_back"), received)),
        ],
    )


@pytest.mark.parametrize(
    "typed", ["（2026）豫0825民初1234号", "(2026)豫0825民初1234号", " （2026）豫0825民初1234号 "]
)
async def test_a_case_number_typed_as_the_name_is_taken_as_the_number(
    court: Court, db: Database, typed: str
) -> None:
    judge = court.chat("张伟")
    number = "（2026）豫0825民初1234号"
    name = "张某诉李某民间借贷纠纷案"
    await dialogue(
        judge,
        [
            *until(phone_record(), Step.CASE_NAME),
            (
                typed,
                Exactly(says("intake.case_number_at_name", number=number), asks(Step.CASE_NAME)),
            ),
            # The number is recorded: the name is asked, then 过问内容, never 案号 again.
            (name, asks(Step.SUMMARY)),
            ("/back", asks(Step.CASE_NAME)),
            (
                "（2026）豫0825民初99号",
                Again(
                    says("intake.error.case_name_is_number", number="（2026）豫0825民初99号"),
                    asks(Step.CASE_NAME),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert (row["case_number"], row["case_name"]) == (number, name)
