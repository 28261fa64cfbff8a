"""A person's name, unit or position is never an answer the intake reads as something else.

Over each naming question (the inquirer's name, unit and position, the intermediary's name)
× each kind of misplaced input (a time, as the time parser reads it; a case number, as the
case-number shape reads it; a command): refused, quoted back with the question's example,
nothing stored; the names, units and positions judges give pass. In the dialogue the
question is asked again under the refusal, and the next answer is its answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from dialogue import Court, asks, dialogue, phone_record, record_row, says
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.engine import Context, Services, UserError
from handlers.fields import BY_STEP, Step, answer_example, misplaced
from handlers.ports import IncomingMessage
from reminders.clock import FakeClock
from storage.casenumber import court_place
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 5, 21, 0, tzinfo=BEIJING)  # a Saturday evening
NAMING = (Step.INQUIRER_NAME, Step.INQUIRER_UNIT, Step.INQUIRER_POSITION, Step.INTERMEDIARY_NAME)
PERSONS = (Step.INQUIRER_NAME, Step.INTERMEDIARY_NAME)


class _Nobody:
    """A query's result that finds no row."""

    def scalar_one_or_none(self) -> None:
        return None

    def scalars(self) -> _Nobody:
        return self

    def all(self) -> list[object]:
        return []

    def __iter__(self) -> Iterator[object]:
        return iter(())


class NoOtherStaff:
    """A session of a court with no staff but the judge: every query finds nothing. Its
    ``info`` holds what a transaction keeps (``storage.staff.departments``), and nothing is
    ever pending (``sync_session``)."""

    def __init__(self) -> None:
        self.info: dict[str, object] = {}
        self.sync_session = SimpleNamespace(new=(), dirty=(), deleted=())

    async def execute(self, query: object) -> _Nobody:
        return _Nobody()


def context(language: Language = Language.ZH, court: str = "") -> Context:
    staff = Staff(name="张伟", language=language.value)
    message = IncomingMessage(transport="console", chat_id="1", user_id="1", received_at=NOW)
    services = Services(clock=FakeClock(NOW), tz=BEIJING, court_name=court)
    return Context(cast(Any, NoOtherStaff()), message, staff, cast(Any, None), services, NOW)


@st.composite
def times(draw: st.DrawFn) -> str:
    """A time as a judge types it: a day word, a date or a weekday, with a time of day."""
    hour = draw(st.integers(1, 11))
    day = draw(
        st.sampled_from(
            [
                "昨天",
                "今天",
                "前天",
                "周六",
                "星期三",
                "礼拜天",
                "11月28日",
                "28号",
                "2026-11-30",
                "",
            ]
        )
    )
    part = draw(st.sampled_from(["上午", "下午", "晚上", ""]))
    clock = draw(st.sampled_from([f"{hour}点", f"{hour}点半", f"{hour}:15"]))
    return day + part + clock


CASE_NUMBERS = st.builds(
    lambda year, court, kind, serial, bracket: (
        f"{bracket[0]}{year}{bracket[1]}{court}{kind}{serial}号"
    ),
    year=st.integers(2015, 2026),
    court=st.sampled_from(["豫0825", "豫0826", "豫08", "京01"]),
    kind=st.sampled_from(["民初", "民终", "刑初", "执", "行初"]),
    serial=st.integers(1, 9999),
    bracket=st.sampled_from([("（", "）"), ("(", ")"), ("〔", "〕")]),
)
COMMANDS = st.sampled_from(["/new", "/record 1", "/cancel", "/back", "／help"])
MISPLACED = st.one_of(
    times().map(lambda t: ("time", t)),
    CASE_NUMBERS.map(lambda n: ("case_number", n)),
    COMMANDS.map(lambda c: ("command", c)),
)
PEOPLE = ["王建国", "周一", "周六", "星期三", "李四", "欧阳明日", "王局长", "李副县长"]
UNITS = ["温县住建局", "温县人民政府", "县委政法委", "焦作市第一中级人民法院"]
ROLES = ["第二十三届人大代表", "Zhang Wei"]
GOOD = st.sampled_from(
    [(step, typed) for step in NAMING for typed in ROLES]
    + [(step, typed) for step in (*PERSONS, Step.INQUIRER_POSITION) for typed in PEOPLE]
    + [(step, typed) for step in (Step.INQUIRER_UNIT, Step.INQUIRER_POSITION) for typed in UNITS]
)
"""What passes at each naming question: a person at a person's (or as a position: 王局长),
a unit at the unit's (or the position's: 县委书记 may be typed so), a role anywhere; a unit at
a person's or a person at the unit's is noticed (tests/test_names_in_units.py)."""


@settings(max_examples=200, deadline=None)
@given(step=st.sampled_from(NAMING), case=MISPLACED, language=st.sampled_from(Language))
async def test_a_misplaced_answer_is_refused_with_its_example(
    step: Step, case: tuple[str, str], language: Language
) -> None:
    kind, typed = case
    ctx = context(language)
    assert misplaced(ctx, typed) == kind, typed
    field = BY_STEP[step.value]
    with pytest.raises(UserError) as refused:
        await field.parse(ctx, Record(), typed)
    assert refused.value.key == "intake.error.not_a_name"
    assert refused.value.values["typed"] == typed.strip()
    assert refused.value.values["seems"] == ctx.t(f"intake.seems.{kind}")
    assert refused.value.values["example"] == answer_example(ctx, step.value)


@settings(max_examples=60, deadline=None)
@given(case=GOOD)
async def test_names_units_and_positions_pass(case: tuple[Step, str]) -> None:
    step, typed = case
    field = BY_STEP[step.value]
    assert await field.parse(context(), Record(), typed) == {step.value: typed}


async def test_the_trial_answers_shifted_by_one_question_are_refused(
    court: Court, db: Database
) -> None:
    """The trial: a time typed at the name question (the answer to the question before),
    a case number at the unit's: each refused and asked again; the next answer is taken."""
    judge = court.chat("张伟")
    script = list(phone_record())
    at = next(i for i, (_, expect) in enumerate(script) if asks(Step.INQUIRER_NAME) in str(expect))
    await dialogue(judge, script[: at + 1])
    refused = says(
        "intake.error.not_a_name",
        typed="周六晚上8点",
        seems="一个时间",
        field="过问人",
        example=says("intake.example.inquirer_name"),
    )
    replies = await judge.act("周六晚上8点")
    assert replies[-1].text.startswith(refused), replies[-1].text
    replies = await judge.act("李四")
    assert replies[-1].text.startswith(asks(Step.INQUIRER_UNIT)), replies[-1].text
    replies = await judge.act("（2026）豫0825民初789号")
    assert replies[-1].text.startswith(
        says(
            "intake.error.not_a_name",
            typed="（2026）豫0825民初789号",
            seems="案号",
            field="所在单位",
            example=says("intake.example.inquirer_unit", place="温县"),  # 温县人民法院's
        )
    ), replies[-1].text
    replies = await judge.act("温县政法委")
    assert replies[-1].text.startswith(asks(Step.INQUIRER_POSITION)), replies[-1].text
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"]) == ("李四", "温县政法委")


@pytest.mark.parametrize(
    ("court", "place"),
    [
        ("温县人民法院", "温县"),
        ("北京市朝阳区人民法院", "朝阳区"),
        ("上海市第一中级人民法院", "上海市"),
        ("内蒙古自治区阿拉善左旗人民法院", "阿拉善左旗"),
        ("河南省高级人民法院", "河南省"),
        ("最高人民法院", ""),
    ],
)
def test_a_units_example_is_placed_in_the_courts_own_place(court: str, place: str) -> None:
    """A Beijing judge is not shown a unit of 温县 as the example of a work unit."""
    assert court_place(court) == place
    ctx = context(court=court)
    words = answer_example(ctx, "inquirer_unit")
    assert (place or ctx.t("intake.example_place")) in words
    assert "温县" not in words or place == "温县"


@pytest.mark.parametrize("typed", ["昨天", "前天", "今天", "大前天", "今晚", "昨晚", "yesterday"])
def test_a_day_counted_from_today_alone_is_no_name(typed: str) -> None:
    """An answer to the time question typed one question late: 昨天 names nobody (周一, a
    weekday, may be someone's name and stays one)."""
    ctx = context()
    assert misplaced(ctx, typed) == "time", typed
    assert misplaced(ctx, "周一") is None


def test_the_judges_own_name_is_no_inquirers() -> None:
    """The outside inquirer is someone else: the judge's own name typed there is a slip."""
    ctx = context()
    assert misplaced(ctx, "张伟", person=True) == "self"
    assert misplaced(ctx, " 张伟 ", person=True) == "self"
    assert misplaced(ctx, "张伟", person=False) is None  # a unit or a position: not asked
    assert misplaced(ctx, "王建国", person=True) is None
