"""Which days a report covers: a quarter, two dates, or the last completed quarter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_reports_support import BEIJING

from reminders.quarters import Quarter
from reports.period import Period, PeriodError, PeriodProblem, check_recorded, parse_period
from storage.vocabulary import Language

NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)  # Thursday 2026-10-08 10:00 in Beijing


def parse(text: str, now: datetime = NOW) -> Period:
    return parse_period(text, now=now, tz=BEIJING)


def test_nothing_is_the_last_completed_quarter() -> None:
    assert parse("") == Period(date(2026, 7, 1), date(2026, 9, 30), Quarter(2026, 3))
    # On the first instant of a quarter (Beijing time) the one before has just completed.
    first_instant = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    assert parse("  ", first_instant).label == "2026Q3"
    assert parse("", datetime(2026, 1, 5, tzinfo=UTC)).label == "2025Q4"


@pytest.mark.parametrize("text", ["2026Q3", "2026q3", "2026 Q3", " 2026Q3 "])
def test_a_quarter(text: str) -> None:
    period = parse(text)
    assert (period.first, period.last, period.label) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026Q3",
    )


@pytest.mark.parametrize(
    "text",
    [
        "2026-07-01 2026-09-30",
        "2026-07-01  2026-9-30",
        "2026-07-01..2026-09-30",
        "2026-07-01~2026-09-30",
    ],
)
def test_two_dates_both_included(text: str) -> None:
    period = parse(text)
    assert (period.first, period.last, period.quarter) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        None,
    )
    assert period.label == "2026-07-01_2026-09-30"
    assert period.start(BEIJING) == datetime(2026, 7, 1, tzinfo=BEIJING)
    assert period.end(BEIJING) == datetime(2026, 10, 1, tzinfo=BEIJING)


def test_one_date_is_one_day() -> None:
    period = parse("2026-07-01")
    assert (period.first, period.last, period.days) == (date(2026, 7, 1), date(2026, 7, 1), 1)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Q3", PeriodProblem.FORMAT),
        ("2026Q5", PeriodProblem.FORMAT),
        ("next quarter", PeriodProblem.FORMAT),  # last/this quarter are read (quarter_word)
        ("下季度", PeriodProblem.FORMAT),
        ("2026-07-01 to 2026-09-30 and more", PeriodProblem.FORMAT),
        ("2026-02-30 2026-03-31", PeriodProblem.DATE),
        ("2026-13-01", PeriodProblem.DATE),
        ("2026-09-30 2026-07-01", PeriodProblem.ORDER),
        ("2010-01-01 2026-09-30", PeriodProblem.TOO_LONG),
        ("2027Q1", PeriodProblem.NOT_STARTED),
        ("2026-10-09 2026-10-31", PeriodProblem.NOT_STARTED),
    ],
)
def test_what_is_not_a_period(text: str, problem: PeriodProblem) -> None:
    with pytest.raises(PeriodError) as caught:
        parse(text)
    assert caught.value.problem is problem
    assert caught.value.text == text.strip()


def test_the_current_quarter_may_be_asked_for_before_it_ends() -> None:
    period = parse("2026Q4")
    assert not period.ended(NOW, BEIJING)
    assert parse("2026Q3").ended(NOW, BEIJING)


def test_the_previous_period_to_compare_with() -> None:
    assert parse("2026Q1").previous().label == "2025Q4"
    ranged = parse("2026-07-11 2026-07-20").previous()
    assert (ranged.first, ranged.last) == (date(2026, 7, 1), date(2026, 7, 10))


def test_months_of_a_period() -> None:
    assert parse("2025-11-15 2026-02-01").months() == [(2025, 11), (2025, 12), (2026, 1), (2026, 2)]


def test_titles_in_both_languages() -> None:
    assert parse("2026Q3").title(Language.ZH) == "2026年第三季度"
    assert parse("2026Q3").title(Language.EN) == "2026 Q3"
    assert parse("2026-07-01 2026-07-31").title(Language.ZH) == "2026-07-01 至 2026-07-31"


@given(
    first=st.dates(date(2019, 1, 1), date(2026, 10, 8)),
    length=st.integers(0, 400),
    begin=st.one_of(
        st.none(),
        st.datetimes(datetime(2019, 1, 1), datetime(2026, 10, 8), timezones=st.just(UTC)),  # noqa: DTZ001
    ),
    recorded=st.booleans(),
)
def test_only_a_period_ended_before_the_records_begin_is_refused(
    first: date, length: int, begin: datetime | None, recorded: bool
) -> None:
    """Refused before ``begin``; as ``BEFORE_USE`` when there is no inquiry record at all,
    whose message names the day the court began, not a first record that does not exist."""
    period = Period(first, first + timedelta(days=length))
    if begin is None:
        with pytest.raises(PeriodError) as nothing:
            check_recorded(period, begin, "", BEIJING, recorded=recorded)
        assert nothing.value.problem is PeriodProblem.NOTHING_RECORDED
        return
    since = begin.astimezone(BEIJING).date()
    if period.last < since:
        with pytest.raises(PeriodError) as caught:
            check_recorded(period, begin, "", BEIJING, recorded=recorded)
        expected = PeriodProblem.BEFORE_RECORDS if recorded else PeriodProblem.BEFORE_USE
        assert caught.value.problem is expected
        assert (caught.value.since, caught.value.text) == (since, period.label)
    else:  # a period the records cover, even a day of it, is a report, zero or not
        check_recorded(period, begin, "", BEIJING, recorded=recorded)
