"""An official title alone (局长, 书记, 副市长) is no person's name: typed where the inquirer's
or the intermediary's name is asked it is refused, saying a name is needed, and where the
inquirer's position is still empty one button keeps the title there, the name asked again.
A surname with the title (王局长) names a person, as a judge may know one, and is taken; a
title is a good answer to the position question. A full name with a title after it
(刘建华局长) keeps no title in the name: refused with one button that records the name alone,
and the title as the position where that is still empty; a unit with a title (交通局局长)
names nobody: refused, with one button that keeps the unit and the title where still empty;
a unit, a full name and a title (县交通局李明局长) are refused as a name, with one button that
records the three apart (the unit and position where both are still empty in a draft, else
the name alone).

Over every title of ``handlers/data/official-titles.txt`` (and its 副 form) × with or without
a surname × each naming question.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Forward,
    Offers,
    Press,
    asks,
    dialogue,
    lab,
    local,
    open_court,
    phone_record,
    png_bytes,
    record_row,
    says,
    settings_for,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_misplaced_names import NOW, context

from handlers import ocr
from handlers.fields import (
    BY_STEP,
    SPLIT_NAME,
    TITLE_AS_POSITION,
    UNIT_AND_TITLE,
    UNIT_NAME_TITLE,
    Step,
    TitleInName,
    TitleNotName,
    UnitInName,
    UnitNotName,
    misplaced,
)
from handlers.ports import AttachmentKind
from handlers.units import unit_head
from handlers.words import official_titles
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Channel, Language

TITLES = st.sampled_from(sorted(official_titles()))
SURNAMES = st.sampled_from(["王", "李", "张", "刘", "陈", "欧阳", "司马"])
GIVEN = st.sampled_from(["建华", "伟", "芳", "国强", "晓明", "丽"])
UNITS = st.sampled_from(
    [
        "交通局",
        "温县财政局",
        "县政府办公室",
        "县人大常委会",
        "温县住房和城乡建设局",
        "某公司",
        "中共温县委员会",
        "公安局交警大队",
    ]
)
PERSONS = (Step.INQUIRER_NAME, Step.INTERMEDIARY_NAME)


def test_the_list_is_data_with_the_trial_titles() -> None:
    assert {"局长", "书记", "主任", "院长", "副市长", "副局长"} <= official_titles()


@settings(max_examples=200, deadline=None)
@given(
    title=TITLES,
    step=st.sampled_from(PERSONS),
    language=st.sampled_from(Language),
    position=st.sampled_from([None, "局长"]),
    space=st.sampled_from(["", " ", "　"]),
)
async def test_a_title_alone_is_refused_as_a_name(
    title: str, step: Step, language: Language, position: str | None, space: str
) -> None:
    ctx = context(language)
    typed = space + title + space
    assert misplaced(ctx, typed, person=True) == "title"
    with pytest.raises(TitleNotName) as refused:
        await BY_STEP[step.value].parse(ctx, Record(inquirer_position=position), typed)
    offered = step is Step.INQUIRER_NAME and position is None
    assert refused.value.key == "intake.error.title_not_name" + ("_offer" if offered else "")
    assert refused.value.values["typed"] == title
    assert [answer for _, answer in refused.value.choices] == (
        [TITLE_AS_POSITION + typed.strip()] if offered else []
    )


@settings(max_examples=200, deadline=None)
@given(title=TITLES, surname=SURNAMES, step=st.sampled_from(PERSONS))
async def test_a_surname_with_a_title_is_a_name(title: str, surname: str, step: Step) -> None:
    named = surname + title
    assert await BY_STEP[step.value].parse(context(), Record(), named) == {step.value: named}


@settings(max_examples=100, deadline=None)
@given(title=TITLES)
async def test_a_title_is_a_position(title: str) -> None:
    field = BY_STEP[Step.INQUIRER_POSITION.value]
    assert await field.parse(context(), Record(), title) == {"inquirer_position": title}


async def test_the_trial_title_at_the_name_question_is_kept_as_the_position(
    court: Court, db: Database
) -> None:
    """The trial: 局长 at the name question is refused with the offer; pressed, 局长 is the
    position and the name is asked again; 王局长 is taken, and the position is not asked."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    refused = says("intake.error.title_not_name_offer", typed="局长", field="过问人")
    replies = await judge.act("局长")
    assert replies[-1].text.startswith(refused), replies[-1].text
    button = says("intake.title_as_position", title="局长")
    assert button in [b.label for row in replies[-1].buttons for b in row]
    replies = await judge.act(Press(button))
    assert replies[-1].text.startswith(asks(Step.INQUIRER_NAME)), replies[-1].text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_position"]) == (None, "局长")
    replies = await judge.act("院长")  # the position is kept now: no offer
    assert replies[-1].text.startswith(
        says("intake.error.title_not_name", typed="院长", field="过问人")
    ), replies[-1].text
    replies = await judge.act("王局长")
    assert replies[-1].text.startswith(asks(Step.INQUIRER_UNIT)), replies[-1].text
    replies = await judge.act("温县某局")
    assert not replies[-1].text.startswith(asks(Step.INQUIRER_POSITION)), replies[-1].text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_position"]) == ("王局长", "局长")


@settings(max_examples=200, deadline=None)
@given(
    title=TITLES,
    surname=SURNAMES,
    given_name=GIVEN,
    step=st.sampled_from(PERSONS),
    position=st.sampled_from([None, "局长"]),
    submitted=st.booleans(),
)
async def test_a_full_name_with_a_title_is_split(
    title: str,
    surname: str,
    given_name: str,
    step: Step,
    position: str | None,
    submitted: bool,
) -> None:
    name = surname + given_name
    assume(name != "张伟")  # the judge's own: asked about (test_staff_names)
    record = Record(inquirer_position=position, submitted_at=NOW if submitted else None)
    field = BY_STEP[step.value]
    with pytest.raises(TitleInName) as refused:
        await field.parse(context(), record, name + title)
    both = step is Step.INQUIRER_NAME and position is None and not submitted
    [(label, answer)] = refused.value.choices
    assert answer == SPLIT_NAME + name + (f"|{title}" if both else "")
    assert label == (
        says("intake.split_name_position", name=name, title=title)
        if both
        else says("intake.split_name", name=name)
    )
    kept = {step.value: name, **({"inquirer_position": title} if both else {})}
    assert await field.parse(context(), record, answer) == kept


@settings(max_examples=200, deadline=None)
@given(
    title=TITLES,
    unit=UNITS,
    step=st.sampled_from(PERSONS),
    known_unit=st.sampled_from([None, "温县交通局"]),
    position=st.sampled_from([None, "局长"]),
)
async def test_a_unit_with_a_title_names_nobody(
    title: str, unit: str, step: Step, known_unit: str | None, position: str | None
) -> None:
    record = Record(inquirer_unit=known_unit, inquirer_position=position)
    field = BY_STEP[step.value]
    typed = unit + title
    with pytest.raises(UnitNotName) as refused:
        await field.parse(context(), record, typed)
    empty = {
        name: value
        for name, value in (("inquirer_unit", unit), ("inquirer_position", title))
        if getattr(record, name) is None
    }
    offered = step is Step.INQUIRER_NAME and bool(empty)
    assert refused.value.key == "intake.error.unit_not_name" + ("_offer" if offered else "")
    assert [answer for _, answer in refused.value.choices] == (
        [f"{UNIT_AND_TITLE}{unit}|{title}"] if offered else []
    )
    if offered:
        assert await field.parse(context(), record, f"{UNIT_AND_TITLE}{unit}|{title}") == empty


async def test_the_trial_a_unit_and_title_then_a_name_with_its_title(
    court: Court, db: Database
) -> None:
    """The trial: 交通局局长 at the name question is refused; pressed, 交通局 is the unit and
    局长 the position, the name asked again; 刘建华局长 is refused, its button records
    刘建华 (the position is kept already), and the questions after the position go on."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    refused = says(
        "intake.error.unit_not_name_offer", typed="交通局局长", title="局长", field="过问人"
    )
    both = says("intake.unit_title_as_both", unit="交通局", title="局长")
    await dialogue(
        judge,
        [
            ("交通局局长", (refused, Offers(both))),
            (Press(both), asks(Step.INQUIRER_NAME)),
            (
                "刘建华局长",
                (
                    says(
                        "intake.error.title_in_name",
                        typed="刘建华局长",
                        title="局长",
                        field="过问人",
                    ),
                    Offers(says("intake.split_name", name="刘建华")),
                ),
            ),
            (Press(says("intake.split_name", name="刘建华")), asks(Step.UNIT_CATEGORY)),
        ],
    )
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"], row["inquirer_position"]) == (
        "刘建华",
        "交通局",
        "局长",
    )


SEPARATORS = st.sampled_from(["", " ", "　", "  ", "，", ",", "、", ", ", "， "])
PLAIN_NAMES = st.one_of(
    st.builds(str.__add__, SURNAMES, GIVEN),
    st.sampled_from(["阿依古丽·买买提", "帕尔哈提·艾则孜", "欧阳晓明", "司马国强"]),
)


@settings(max_examples=400, deadline=None)
@given(
    name=PLAIN_NAMES,
    unit=st.one_of(st.none(), UNITS),
    title=st.one_of(st.none(), TITLES),
    order=st.permutations(["name", "unit", "title"]),
    separator=SEPARATORS,
    step=st.sampled_from(PERSONS),
    known_unit=st.sampled_from([None, "温县交通局"]),
    position=st.sampled_from([None, "局长"]),
    submitted=st.booleans(),
)
async def test_a_name_with_its_unit_or_title_is_split_by_one_press(
    name: str,
    unit: str | None,
    title: str | None,
    order: list[str],
    separator: str,
    step: Step,
    known_unit: str | None,
    position: str | None,
    submitted: bool,
) -> None:
    """A full name with a unit and/or a title, in any order, with spaces, commas or nothing
    between (刘建华 县交通局 局长, 李明，县交通局局长, 县交通局李明局长, 交通局李明): refused as a
    name; its one button records the name, and in a draft the unit and title each where the
    inquirer's is still empty, and nothing else."""
    assume(unit is not None or title is not None)
    assume(name != "张伟")  # the judge's own: asked about (test_staff_names)
    # A title holding a unit's word (县委书记, 政协主席) is read as a unit and a title.
    assume(title is None or unit_head(title) == ("", title))
    parts = {"name": name, "unit": unit, "title": title}
    written = [parts[kind] for kind in order if parts[kind] is not None]
    kinds = [kind for kind in order if parts[kind] is not None]
    if not separator:
        # A name run straight into a unit after it (刘建华县交通局) is proposed where a surname
        # opens it, in as many ways as it may end (test_names_in_units), and a party body's
        # name (中共…) is a unit whole, whatever follows it (units.unit_head).
        assume("name,unit" not in ",".join(kinds))
        assume(unit is None or not unit.startswith("中共") or kinds[-1] == "unit")
    typed = separator.join(written)
    record = Record(
        inquirer_unit=known_unit,
        inquirer_position=position,
        submitted_at=NOW if submitted else None,
    )
    field = BY_STEP[step.value]
    refusal = UnitInName if unit is not None else TitleInName
    with pytest.raises(refusal) as refused:
        await field.parse(context(), record, typed)
    [(_, answer)] = refused.value.choices
    draft = step is Step.INQUIRER_NAME and not submitted
    kept: dict[str, str] = {step.value: name}
    if draft and unit is not None and known_unit is None:
        kept["inquirer_unit"] = unit
    if draft and title is not None and position is None:
        kept["inquirer_position"] = title
    assert answer.startswith(
        UNIT_NAME_TITLE if "inquirer_unit" in kept else (UNIT_NAME_TITLE, SPLIT_NAME)
    )
    assert await field.parse(context(), record, answer) == kept


@settings(max_examples=200, deadline=None)
@given(name=PLAIN_NAMES, step=st.sampled_from(PERSONS))
async def test_a_plain_name_is_taken_as_typed(name: str, step: Step) -> None:
    """A full name alone (two to four characters, 欧阳…, names with ·) is the answer."""
    assume(name != "张伟")
    assert await BY_STEP[step.value].parse(context(), Record(), name) == {step.value: name}


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("县交通局李明局长", "李明"),
        ("刘建华 县交通局 局长", "刘建华"),
        ("刘建华，县交通局局长", "刘建华"),
        ("县交通局 刘建华 局长", "刘建华"),
    ],
)
async def test_the_trial_unit_name_and_title_are_split_by_one_press(
    court: Court, db: Database, typed: str, name: str
) -> None:
    """Trials 9 and 10 (F13): a unit, a name and a title at the name question, run together
    or written apart; one press records the name, 县交通局 and 局长 (never the name as the
    unit), and the questions after the position go on."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    press = says("intake.split_unit_name_title", name=name, unit="县交通局", title="局长")
    refused = says(
        "intake.error.unit_in_name", typed=typed, unit="县交通局", title="局长", field="过问人"
    )
    await dialogue(
        judge, [(typed, (refused, Offers(press))), (Press(press), asks(Step.UNIT_CATEGORY))]
    )
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"], row["inquirer_position"]) == (
        name,
        "县交通局",
        "局长",
    )


@pytest.mark.parametrize("typed", ["县委李书记", "交通局王局长", "县政府办公室欧阳主任"])
async def test_a_unit_with_a_surname_and_title_is_a_name(typed: str) -> None:
    """A unit, a surname and a title (县委李书记) name a person as a judge may know one."""
    field = BY_STEP[Step.INQUIRER_NAME.value]
    assert await field.parse(context(), Record(), typed) == {"inquirer_name": typed}


async def test_a_name_read_from_a_screenshot_with_its_title_is_asked_at_confirming(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A WeChat contact's name read with its title (刘建华局长): confirming the card that
    proposes it asks the name question under the refusal, with the button that splits it."""
    clock.set(local("2026-03-06 10:00"))
    settings = settings_for(tmp_path, propose=True)
    settings.intake.ocr = True
    bot = DialogueBot(db, clock, settings)
    court = await open_court(bot)

    async def read(data: bytes, *, year_now: int) -> ocr.Reading:
        return ocr.Reading((), case_number=None, inquirer_name="刘建华局长", inquirer_unit=None)

    monkeypatch.setattr(ocr, "read", read)
    split = says("intake.split_name_position", name="刘建华", title="局长")
    ok = Press(says("intake.proposed.ok"))
    photo = Forward(bot.file(AttachmentKind.PHOTO, png_bytes()), at=local("2026-03-06 09:00"))
    await dialogue(
        court.chat("张伟"),
        [
            (photo, says("intake.proposed.intro")),
            (ok, asks(Step.CHANNEL)),
            (Press(lab(Channel.WECHAT)), "过问人：刘建华局长"),
            (
                ok,
                (
                    says(
                        "intake.error.title_in_name",
                        typed="刘建华局长",
                        title="局长",
                        field="过问人",
                    ),
                    Offers(split),
                ),
            ),
            (Press(split), asks(Step.INQUIRER_UNIT)),
        ],
    )
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_position"]) == ("刘建华", "局长")
