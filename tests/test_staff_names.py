"""A court staff member's name typed as the outside inquirer's is asked about, never taken
silently: an inquiry by the court's own staff falls under other rules (Art. 14, DESIGN §2),
as the source question's 本院工作人员 does.

Over the judge's own name and other staff members' (of the judge's department and of
another), at the inquirer's name question: refused, saying whose name it is, with a button
for Art. 14 (confirmed first, then the draft withdrawn, as the source question's answer
does; "no" asks the name again) and one for an outside namesake (the name kept). In a
correction of a submitted record only the namesake is offered.
"""

from __future__ import annotations

import pytest
from dialogue import (
    AMEND,
    Court,
    Exactly,
    Offers,
    Press,
    all_records,
    asks,
    dialogue,
    phone_record,
    record_row,
    says,
)
from test_correction_fields import label

from handlers.fields import Step
from storage.db import Database
from storage.vocabulary import RecordKind, RecordStatus


async def _to_name(court: Court) -> None:
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])


def _refusal(name: str) -> str:
    who = says("intake.staff_who.self" if name == "张伟" else "intake.staff_who.staff")
    return says("intake.error.staff_name", typed=name, who=who)


ART14 = says("intake.staff_art14")
NAMES = ["张伟", "孙丽", "李刚"]
"""The judge, a judge of the same department, a member of another office."""


@pytest.mark.parametrize("name", NAMES)
async def test_a_staff_name_kept_as_an_outside_namesake(
    court: Court, db: Database, name: str
) -> None:
    await _to_name(court)
    namesake = says("intake.staff_namesake", name=name)
    await dialogue(
        court.chat("张伟"),
        [
            (name, (_refusal(name), Offers(ART14, namesake))),
            (Press(namesake), asks(Step.INQUIRER_UNIT)),
        ],
    )
    assert (await record_row(db, 1))["inquirer_name"] == name


@pytest.mark.parametrize("name", NAMES)
async def test_a_staff_name_as_art_14_withdraws_the_draft_once_confirmed(
    court: Court, db: Database, name: str
) -> None:
    await _to_name(court)
    confirm = says("intake.art14_confirm_named", name=name, title="草稿 #1")
    no = says("intake.art14_no_named")
    await dialogue(
        court.chat("张伟"),
        [
            (name, _refusal(name)),
            (Press(ART14), (Exactly(confirm), Offers(says("intake.art14_yes"), no))),
            (Press(no), asks(Step.INQUIRER_NAME)),
            (name, _refusal(name)),
            (Press(ART14), confirm),
            (Press(says("intake.art14_yes")), says("intake.art14", title="草稿 #1")),
        ],
    )
    [record] = await all_records(db)
    assert (record.status, record.kind, record.inquirer_name) == (
        RecordStatus.WITHDRAWN,
        RecordKind.INTERNAL,
        None,
    )


async def test_a_correction_to_a_staff_name_offers_only_the_namesake(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    namesake = says("intake.staff_namesake", name="孙丽")
    refusal = says(
        "intake.error.staff_name_submitted", typed="孙丽", who=says("intake.staff_who.staff")
    )
    await judge.act("/record 温法过问〔2026〕1号")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("inquirer_name")))
    replies = await judge.act("孙丽")
    assert replies[-1].text.startswith(refusal), replies[-1].text
    labels = [b.label for row in replies[-1].buttons for b in row]
    assert labels[0] == namesake and ART14 not in labels
    replies = await judge.act(Press(namesake))
    assert replies[-1].text == says("amend.ask_reason"), [r.text for r in replies]


@pytest.mark.parametrize(
    "typed", ["民一庭孙丽", "孙丽（民一庭）", "孙丽同志", "庭长孙丽", "孙丽庭长"]
)
async def test_a_staff_name_with_words_around_it_is_asked_about(
    court: Court, db: Database, typed: str
) -> None:
    await _to_name(court)
    namesake = says("intake.staff_namesake", name=typed)
    who = says("intake.staff_who.staff")
    await dialogue(
        court.chat("张伟"),
        [
            (
                typed,
                (says("intake.error.staff_name", typed=typed, who=who), Offers(ART14, namesake)),
            ),
            (Press(namesake), asks(Step.INQUIRER_UNIT)),
        ],
    )
    assert (await record_row(db, 1))["inquirer_name"] == typed
