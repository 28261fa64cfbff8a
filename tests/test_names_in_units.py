"""Who inquired, typed in the wrong shape or the wrong place (trial 10, F1 and F13).

A name run straight into its unit (刘建华县交通局, 李明市人大常委会副主任) is split where a
surname (``handlers/data/surnames.txt``) opens it and the unit's name opens as units do (a
level, a place of the SPC court table, a unit word): only proposed, one press each, the name
never filed as the unit. A unit typed alone at the name question (县交通局) names nobody, and
one press keeps it as the unit; a person's name typed at the unit question (李明, 局长李明)
is not a unit, and one press moves it to the name (the title to the position), another keeps
it as typed (a company named like a person).

Over surnames (single and compound, from the data) × given names × units × titles ×
separators (none among them).
"""

from __future__ import annotations

import pytest
from dialogue import Court, Offers, Press, asks, dialogue, phone_record, record_row, says
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_misplaced_names import NOW, PERSONS, context

from handlers.engine import UserError
from handlers.fields import (
    BY_STEP,
    SPLIT_NAME,
    UNIT_AND_TITLE,
    UNIT_AS_TYPED,
    UNIT_NAME_TITLE,
    NameNotUnit,
    Step,
    UnitInName,
    UnitNotName,
)
from handlers.units import unit_head
from handlers.words import COMPOUND_SURNAMES, official_titles, surnames
from storage.casenumber import place_names
from storage.db import Database
from storage.models import Record
from storage.vocabulary import RecordKind

SURNAMES = st.one_of(
    st.sampled_from(sorted(surnames() - COMPOUND_SURNAMES)),
    st.sampled_from(sorted(COMPOUND_SURNAMES)),
)
GIVEN = st.sampled_from(["建华", "伟", "芳", "国强", "晓明", "丽", "明", "军", "志刚", "秀英"])
UNITS = st.sampled_from(
    [
        "县交通局",
        "市人大常委会",
        "区住建局",
        "县政府办公室",
        "温县财政局",
        "焦作市公安局",
        "省发改委",
        "某公司",
        "中共温县委员会",
    ]
)
# A title holding a unit's word (县委书记, 政协主席) is read as a unit and a title.
TITLES = st.sampled_from(sorted(t for t in official_titles() if unit_head(t) == ("", t)))
SEPARATORS = st.sampled_from(["", " ", "　", "，", "、", ", "])


def _opens_with_place(text: str, surname: str) -> bool:
    """Whether ``text`` opens with a place longer than its surname (高平市…, a unit whole)."""
    return any(text[:k] in place_names() for k in range(len(surname) + 1, 9))


@settings(max_examples=400, deadline=None)
@given(
    surname=SURNAMES,
    given_name=GIVEN,
    unit=UNITS,
    title=st.one_of(st.none(), TITLES),
    between=SEPARATORS,
    after=SEPARATORS,
    step=st.sampled_from(PERSONS),
    known_unit=st.sampled_from([None, "温县交通局"]),
    position=st.sampled_from([None, "局长"]),
    submitted=st.booleans(),
)
async def test_a_name_run_into_its_unit_is_split_by_one_press(
    surname: str,
    given_name: str,
    unit: str,
    title: str | None,
    between: str,
    after: str,
    step: Step,
    known_unit: str | None,
    position: str | None,
    submitted: bool,
) -> None:
    """刘建华县交通局局长, 李明市人大常委会副主任, 欧阳建华 县财政局: refused as a name; the
    first button records the name, and in a draft the unit and the title each where still
    empty; no button files the name, whole or in part, as the unit."""
    name = surname + given_name
    assume(name != "张伟")  # the judge's own: asked about (test_staff_names)
    typed = name + between + unit + (after + title if title else "")
    assume(not _opens_with_place(typed, surname))
    # A party body's name (中共…) is a unit whole, whatever follows it (units.unit_head).
    assume(not (unit.startswith("中共") and title and not after))
    record = Record(
        inquirer_unit=known_unit,
        inquirer_position=position,
        submitted_at=NOW if submitted else None,
    )
    field = BY_STEP[step.value]
    with pytest.raises(UnitInName) as refused:
        await field.parse(context(), record, typed)
    joined = "_joined" if not between else ""
    assert refused.value.key == f"intake.error.unit_in_name{joined}" + (
        "" if title else "_untitled"
    )
    answers = [answer for _, answer in refused.value.choices]
    units = [answer.split("|")[1] for answer in answers if answer.count("|") == 2]
    assert not any(kept.startswith(name[k:]) for kept in units for k in range(len(name)))
    draft = step is Step.INQUIRER_NAME and not submitted
    kept: dict[str, str] = {step.value: name}
    if draft and known_unit is None:
        kept["inquirer_unit"] = unit
    if draft and title is not None and position is None:
        kept["inquirer_position"] = title
    assert answers[0].startswith(UNIT_NAME_TITLE if len(kept) > 1 else SPLIT_NAME)
    assert await field.parse(context(), record, answers[0]) == kept


@pytest.mark.parametrize(
    ("typed", "name", "unit", "title"),
    [
        ("刘建华县交通局", "刘建华", "县交通局", ""),
        ("刘建华县交通局局长", "刘建华", "县交通局", "局长"),
        ("李明市人大常委会副主任", "李明", "市人大常委会", "副主任"),
    ],
)
async def test_the_trial_name_run_into_its_unit_is_split_by_one_press(
    court: Court, db: Database, typed: str, name: str, unit: str, title: str
) -> None:
    """The trial (F13): the name run into the unit at the name question is refused, never
    offered as the unit; one press records the name, the unit and the title apart."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    if title:
        press = says("intake.split_unit_name_title", name=name, unit=unit, title=title)
        refused = says("intake.error.unit_in_name_joined", typed=typed, field="过问人")
    else:
        press = says("intake.split_name_unit", name=name, unit=unit)
        refused = says("intake.error.unit_in_name_joined_untitled", typed=typed, field="过问人")
    after = asks(Step.UNIT_CATEGORY) if title else asks(Step.INQUIRER_POSITION)
    await dialogue(judge, [(typed, (refused, Offers(press))), (Press(press), after)])
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"], row["inquirer_position"]) == (
        name,
        unit,
        title or None,
    )


@settings(max_examples=200, deadline=None)
@given(
    unit=UNITS,
    space=st.sampled_from(["", " ", "　"]),
    step=st.sampled_from(PERSONS),
    known_unit=st.sampled_from([None, "温县交通局"]),
    submitted=st.booleans(),
)
async def test_a_unit_alone_names_nobody(
    unit: str, space: str, step: Step, known_unit: str | None, submitted: bool
) -> None:
    """县交通局 at a name question: refused; at the inquirer's in a draft whose unit is still
    empty one press keeps it as the unit, the name asked again. A commissioned reference
    opinion (Art. 5) may be a unit's: taken."""
    record = Record(inquirer_unit=known_unit, submitted_at=NOW if submitted else None)
    field = BY_STEP[step.value]
    opinion = Record(kind=RecordKind.REFERENCE_OPINION, inquirer_unit=known_unit)
    assert await field.parse(context(), opinion, unit) == {step.value: unit}
    with pytest.raises(UnitNotName) as refused:
        await field.parse(context(), record, space + unit + space)
    offered = step is Step.INQUIRER_NAME and known_unit is None and not submitted
    assert refused.value.key == "intake.error.unit_alone" + ("_offer" if offered else "")
    answers = [answer for _, answer in refused.value.choices]
    assert answers == ([f"{UNIT_AND_TITLE}{unit}|"] if offered else [])
    if offered:
        assert await field.parse(context(), record, answers[0]) == {"inquirer_unit": unit}


@pytest.mark.parametrize("typed", ["王局", "欧阳局", "刘建华", "第二十三届人大代表"])
async def test_a_surname_with_a_unit_word_is_no_unit_alone(typed: str) -> None:
    """王局 (a surname and 局: a name as a judge may know one) is taken as a name."""
    field = BY_STEP[Step.INQUIRER_NAME.value]
    assert await field.parse(context(), Record(), typed) == {"inquirer_name": typed}


@settings(max_examples=300, deadline=None)
@given(
    surname=SURNAMES,
    given_name=GIVEN,
    title=st.one_of(st.none(), TITLES),
    title_first=st.booleans(),
    separator=SEPARATORS,
    position=st.sampled_from([None, "局长"]),
    submitted=st.booleans(),
)
async def test_a_name_at_the_unit_question_is_moved_by_one_press(
    surname: str,
    given_name: str,
    title: str | None,
    title_first: bool,
    separator: str,
    position: str | None,
    submitted: bool,
) -> None:
    """李明, 局长李明, 李明 局长 at the unit question: refused as a unit; in a draft one press
    records the name (and the title where the position is empty), the unit asked again; the
    other press keeps it as typed."""
    name = surname + given_name
    assume(name != "张伟")  # the judge's own: never moved to the inquirer (Art. 14)
    assume(not _opens_with_place(name, surname))  # 福建华: a place first reads as a unit
    parts = [title, name] if title_first else [name, title]
    typed = separator.join(part for part in parts if part)
    record = Record(inquirer_position=position, submitted_at=NOW if submitted else None)
    field = BY_STEP[Step.INQUIRER_UNIT.value]
    with pytest.raises(NameNotUnit) as refused:
        await field.parse(context(), record, typed)
    answers = [answer for _, answer in refused.value.choices]
    assert answers[-1] == UNIT_AS_TYPED + typed
    assert await field.parse(context(), record, answers[-1]) == {"inquirer_unit": typed}
    assert refused.value.key == "intake.error.name_not_unit" + ("" if submitted else "_offer")
    if submitted:
        assert len(answers) == 1
        return
    kept = {"inquirer_name": name}
    if title and position is None:
        kept["inquirer_position"] = title
    assert await field.parse(context(), record, answers[0]) == kept


async def test_the_trial_unit_at_the_name_then_a_name_at_the_unit(
    court: Court, db: Database
) -> None:
    """The trial (F13, also): 县交通局 at the name question is kept as the unit by one press,
    the name asked again."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    keep = says("intake.unit_title_as.inquirer_unit", unit="县交通局")
    refused = says(
        "intake.error.unit_alone_offer", typed="县交通局", unit="县交通局", field="过问人"
    )
    await dialogue(
        judge,
        [
            ("县交通局", (refused, Offers(keep))),
            (Press(keep), asks(Step.INQUIRER_NAME)),
        ],
    )
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"]) == (None, "县交通局")


@pytest.mark.parametrize("pressed", [UNIT_AS_TYPED + "县交通局", UNIT_AS_TYPED, "person:张伟||"])
async def test_a_unit_press_that_fits_nothing_typed_is_stale(pressed: str) -> None:
    """The unit question's presses are checked again: ``asunit:`` keeps only what reads as a
    person, and no press moves a court staff member's name (the judge's own) to the inquirer."""
    field = BY_STEP[Step.INQUIRER_UNIT.value]
    with pytest.raises(UserError) as refused:
        await field.parse(context(), Record(), pressed)
    assert refused.value.key == "error.stale_button"
