"""Numbers from people and buttons: one parser, a range, and the ordinary answers."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from fakes import FakeBot, add_person
from hypothesis import given
from hypothesis import strategies as st

from handlers.i18n import t
from reminders.clock import FakeClock
from reports.period import PeriodError, PeriodProblem, parse_period
from storage.db import Database
from storage.numbers import DB_INT_MAX, parse_id, parse_int
from storage.vocabulary import Language, Role


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("１２", 12),
        ("0", 0),
        (str(DB_INT_MAX), DB_INT_MAX),
        (str(DB_INT_MAX + 1), None),
        ("99999999999999999999", None),
        ("9" * 5000, None),
        ("²", None),
        ("1²", None),
        ("①", None),
        ("٣", None),
        ("-1", None),
        ("+1", None),
        ("1_000", None),
        ("1 2", None),
        ("1.5", None),
        ("", None),
    ],
)
def test_only_plain_digits_in_range_are_numbers(text: str, value: int | None) -> None:
    assert parse_int(text) == value


def test_an_id_starts_at_one_and_may_carry_a_hash_sign() -> None:
    assert [parse_id(x) for x in ("#12", "＃１２", "0", "#", "##1")] == [12, 12, None, None, None]


@given(st.text())
def test_any_text_is_a_number_in_range_or_none(text: str) -> None:
    value = parse_int(text, low=1, high=1000)
    assert value is None or (
        1 <= value <= 1000
        and str(value) in text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    )


NOW = datetime(2026, 11, 29, 12, tzinfo=UTC)
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("text", ["0000Q1", "0001Q1", "9999Q4", "0000-01-01", "0001-01-01"])
def test_a_period_with_an_impossible_year_is_a_bad_date(text: str) -> None:
    with pytest.raises(PeriodError) as raised:
        parse_period(text, now=NOW, tz=BEIJING)
    assert raised.value.problem is PeriodProblem.DATE


async def test_huge_and_odd_numbers_get_the_ordinary_answers(
    db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张伟", [Role.HANDLER, Role.ADMIN, Role.DISCIPLINE], user_id="u1")
    chat = FakeBot(db, clock).chat("u1")
    zh = Language.ZH
    huge = "99999999999999999999"
    assert await chat.say(f"/record #{huge}") == [t(zh, "views.not_found", ref=f"#{huge}")]
    assert await chat.say("/record ²") == [t(zh, "views.not_found", ref="²")]
    assert await chat.say(f"/resume {huge}") == [t(zh, "intake.error.no_such_draft", ref=huge)]
    assert await chat.say(f"/invite {huge}") == [t(zh, "staff.not_found", ref=huge)]
    stale = t(zh, "error.stale_button")
    for data in (
        f"cs:{huge}:ok",
        f"in:amend:start:{huge}",
        "in:amend:start:²",
    ):
        assert await chat.press_data(data) == [stale], data
    not_found = t(zh, "views.not_found", ref=huge)
    assert await chat.press_data(f"ms:{huge}:deliver") == [not_found]
    [answer] = await chat.say("/report 0000Q1")
    assert "0000Q1" in answer and t(zh, "error.internal") not in answer
