"""What the intake presumes about the inquirer, and from where (trial findings 1 and 2).

Art. 7's same-level main leader is presumed 是 for a principal leader of the court's own
county's party committee or political-legal committee, and one press of 确认 alerts
discipline and trial management; where the unit leaves it open, it is asked outright. A
name is no identity: the unit and position are always asked, and what earlier records wrote
is offered only from records the judge may open.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from dialogue import (
    BACK,
    Court,
    Person,
    Press,
    asks,
    lab,
    local,
    proposing_bot,
    record_row,
    says,
)
from sqlalchemy import select

from handlers.fields import Step
from storage.db import Database
from storage.models import Record, RecordCosigner, Staff
from storage.records import can_view
from storage.vocabulary import Channel, CosignStatus, RecordKind, RecordStatus, UnitCategory

OK = says("intake.proposed.ok")
MAIN_LEADER = says("card.main_leader")


bot = proposing_bot(local("2026-11-30 10:00"))


async def tap(person: Person, label: str) -> list[str]:
    """Press the button labelled ``label``; the texts of the replies."""
    return [message.text for message in await person.act(Press(label))]


async def to_the_name(court: Court, judge_name: str) -> None:
    judge = court.chat(judge_name)
    await judge.say("/new")
    await tap(judge, OK)
    assert (await tap(judge, lab(Channel.PHONE)))[-1] == asks(Step.INQUIRER_NAME)


@pytest.mark.parametrize(
    ("unit", "position"),
    [
        ("温县政法委", "书记"),
        ("中共温县县委", "书记"),
        ("中共温县委员会", "书记"),
        ("温县县委政法委", "书记"),
        ("中共温县县委政法委员会", "书记"),
    ],
)
async def test_the_own_county_committees_secretary_is_presumed_yes_and_alerted(
    court: Court, db: Database, unit: str, position: str
) -> None:
    await to_the_name(court, "张伟")
    judge = court.chat("张伟")
    await judge.say("李明")
    await judge.say(unit)
    [card] = await judge.say(position)
    assert f"{MAIN_LEADER}：{says('intake.yes')}" in card
    await tap(judge, OK)
    upward = says(
        "alerts.upward_draft",
        title="草稿 #1",
        handler="张伟",
        inquirer="李明",
        unit=unit,
        case=says("card.missing"),
    )
    assert [m.text for m in court.chat("李刚").inbox()] == [upward]
    assert [m.text for m in court.chat("刘洋").inbox()] == [upward]
    assert (await record_row(db, 1))["main_leader"] is True


@pytest.mark.parametrize(
    ("unit", "position"),
    [("县委", "书记"), ("政法委", "书记"), ("温县县委", "负责人"), ("武陟县委", "书记")],
)
async def test_a_committee_not_surely_the_counties_own_is_asked_outright(
    court: Court, unit: str, position: str
) -> None:
    await to_the_name(court, "张伟")
    judge = court.chat("张伟")
    await judge.say("李明")
    await judge.say(unit)
    [card] = await judge.say(position)
    assert MAIN_LEADER not in card
    assert (await tap(judge, OK))[-1].startswith(asks(Step.MAIN_LEADER))


# -- namesakes -------------------------------------------------------------------------------

EARLIER: tuple[tuple[str, str, str, str | None], ...] = (
    ("张伟", "温县住建局", "局长", None),
    ("孙丽", "温县财政局", "处长", "周强"),
    ("周强", "温县人大常委会", "副主任", None),
    ("王芳", "温县工商联", "主席", None),
)
"""Earlier records of a 王建国: (handler, unit, position, a cosigner or None)."""


async def add_earlier(court: Court, db: Database) -> list[Record]:
    moment = local("2026-11-01 09:00")
    async with db.transaction() as session:
        for n, (handler, unit, position, cosigner) in enumerate(EARLIER):
            at = moment + timedelta(days=n)
            record = Record(
                status=RecordStatus.SUBMITTED.value,
                kind=RecordKind.EXTERNAL.value,
                handler_id=court.id(handler),
                department_id=court.staff[handler].department_id,
                received_at=at,
                received_confirmed=True,
                created_at=at,
                submitted_at=at,
                inquirer_name="王建国",
                inquirer_unit=unit,
                inquirer_position=position,
                unit_category=UnitCategory.GOVERNMENT.value,
                retired=False,
                fields={},
            )
            session.add(record)
            await session.flush()
            if cosigner is not None:
                session.add(
                    RecordCosigner(
                        record_id=record.id,
                        staff_id=court.id(cosigner),
                        status=CosignStatus.CONFIRMED,
                    )
                )
    async with db.transaction() as session:
        query = select(Record).order_by(Record.id)
        return list((await session.execute(query)).scalars().all())


def texts_of(row: dict[str, Any]) -> str:
    """Every value a draft holds, as one text."""
    return repr(row)


@pytest.mark.parametrize("viewer", ["张伟", "孙丽", "王芳", "周强"])
async def test_only_what_the_judge_may_open_is_offered_and_nothing_is_taken_unasked(
    court: Court, db: Database, viewer: str
) -> None:
    earlier = await add_earlier(court, db)
    async with db.transaction() as session:
        person = await session.get(Staff, court.id(viewer))
        assert person is not None
        seen = [r for r in earlier if can_view(person, r)]
    unseen = [r for r in earlier if r not in seen]
    assert unseen, "every viewer has a namesake's record they may not open"
    await to_the_name(court, viewer)
    judge = court.chat(viewer)
    units = [r.inquirer_unit for r in reversed(seen) if r.inquirer_unit]

    # The unit is asked; only the units of records the judge may open are offered.
    [question] = await judge.say("王建国")
    assert question.startswith(asks(Step.INQUIRER_UNIT))
    assert judge.offered() == [*units, BACK]
    for record in unseen:
        assert record.inquirer_unit not in question

    # Pressed, the position is asked too, its earlier answer offered.
    if units:
        [position] = await tap(judge, units[0])
        assert position.startswith(asks(Step.INQUIRER_POSITION))
        mine = next(r for r in reversed(seen) if r.inquirer_unit == units[0])
        assert judge.offered() == [mine.inquirer_position, BACK]
        assert (await tap(judge, BACK))[-1].startswith(asks(Step.INQUIRER_UNIT))

    # A unit no record of the judge's has: nothing offered, the position asked.
    [question] = await judge.say("温县某局")
    assert question == asks(Step.INQUIRER_POSITION)
    assert judge.offered() == [BACK]
    await judge.say("科长")
    draft = await record_row(db, 5)
    assert draft["status"] == RecordStatus.DRAFT
    held = texts_of(draft)
    for record in unseen:
        assert record.inquirer_unit not in held and record.inquirer_position not in held
    assert (draft["inquirer_unit"], draft["inquirer_position"]) == ("温县某局", "科长")


async def test_the_trial_namesake_is_asked_and_offered_nothing_across_divisions(
    court: Court, db: Database
) -> None:
    """The trial's run: 周强 (刑事审判庭) names 王建国, recorded by 张伟 in 民一庭."""
    await add_earlier(court, db)
    await to_the_name(court, "周强")
    judge = court.chat("周强")
    replies = await judge.say("王建国")
    assert replies == [asks(Step.INQUIRER_UNIT) + "\n" + says("intake.earlier_offer")]
    assert "温县住建局" not in judge.offered()
