"""Every period the bot or ``guowen report`` suggests is one it accepts.

A court that began recording in 2026Q4 asked ``/report`` in November: the default (the last
completed quarter, 2026Q3) was then refused as before its records, and ``/report 2027Q1``
suggested 2026Q3 as its example. ``reports.period.default_period`` now picks both: the last
quarter when the records reach it, else the current quarter so far. Whatever is typed and
whenever, every example a refusal names (the quarter, the two days, the first quarter of the
records) and the default are accepted when typed back, and the words of the default say
which quarter it is.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from test_reports_support import BEIJING, local

from handlers.i18n import t
from reminders.quarters import Quarter
from reports.period import (
    Period,
    PeriodError,
    PeriodProblem,
    accepted_period,
    default_period,
    refusal_values,
)
from storage.vocabulary import Language

QUARTERS = st.builds(lambda y, q: f"{y}Q{q}", st.integers(2024, 2029), st.integers(0, 5))
DAYS = st.dates(min_value=date(2024, 1, 1), max_value=date(2029, 12, 31))
RANGES = st.builds(lambda a, b: f"{a.isoformat()} {b.isoformat()}", DAYS, DAYS)
ODD = st.sampled_from(["", "上季度", "2026Q", "2026-13-01", "2020-01-01 2027-01-01"])
TEXTS = st.one_of(QUARTERS, RANGES, DAYS.map(lambda d: d.isoformat()), ODD)
START = local("2025-01-01 00:00")
MOMENTS = st.integers(0, 4 * 366 * 24 * 60).map(lambda minutes: START + timedelta(minutes=minutes))
"""Records begin and now, to the minute, over four years (quarter and day ends in reach)."""


def accepts(text: str, now: datetime, begin: datetime) -> Period:
    return accepted_period(text, now=now, tz=BEIJING, begin=begin)


def suggestions(problem: PeriodError, now: datetime) -> list[str]:
    """Every period the refusal's message names, as a person would type it back."""
    values = refusal_values(problem, now, BEIJING)
    named = [values["quarter"], f"{values['first']} {values['last']}"]
    if problem.problem is PeriodProblem.BEFORE_RECORDS:
        named.append(values["since_quarter"])
    return named


@settings(max_examples=400, deadline=None, database=None, derandomize=True)
@given(begin=MOMENTS, later=st.integers(0, 3 * 366 * 24 * 60), text=TEXTS)
def test_every_suggested_period_and_the_default_are_accepted(
    begin: datetime, later: int, text: str
) -> None:
    now = begin + timedelta(minutes=later)
    default = accepts("", now, begin)
    assert default == default_period(now, BEIJING, begin)
    assert accepts(default.label, now, begin) == default
    this = Quarter.of(now, BEIJING)
    assert default.quarter in (this, this.previous())
    if default.quarter == this:  # the last quarter only when the records cannot speak for it
        assert begin.astimezone(BEIJING).date() > this.previous().last_day
    try:
        accepts(text, now, begin)
    except PeriodError as problem:
        assert problem.suggestion == default
        values = refusal_values(problem, now, BEIJING)
        words = "report.default_last" if default.ended(now, BEIJING) else "report.default_current"
        assert values["default"] == words
        for named in suggestions(problem, now):
            accepts(named, now, begin)  # raises PeriodError when a suggestion is refused


def test_a_court_that_began_this_quarter_gets_this_quarter() -> None:
    """The case reported: records from 2026-10-05, asked on 2026-11-30."""
    begin, now = local("2026-10-05 09:00"), local("2026-11-30 10:00")
    assert accepts("", now, begin) == Period.of_quarter(Quarter(2026, 4))
    try:
        accepts("2027Q1", now, begin)
    except PeriodError as problem:
        values = refusal_values(problem, now, BEIJING)
        values["default"] = t(Language.ZH, values["default"])
        message = t(Language.ZH, "report.bad_not_started", command="/report", **values)
        assert message.endswith("例如本季度：/report 2026Q4。"), message
    else:
        raise AssertionError("2027Q1 has not begun on 2026-11-30")
    # The last quarter once the records reach back into it, by a minute.
    assert accepts("", now, local("2026-09-30 23:59")) == Period.of_quarter(Quarter(2026, 3))


@given(
    year=st.integers(min_value=2021, max_value=2035),
    number=st.integers(min_value=1, max_value=4),
    ordinal=st.booleans(),
    numeral=st.booleans(),
)
def test_a_quarter_written_as_a_court_writes_it_is_that_quarter(
    year: int, number: int, ordinal: bool, numeral: bool
) -> None:
    """2026年第三季度, 2026年第3季度, 2026年三季度: the quarter 2026Q3, as typed."""
    which = "一二三四"[number - 1] if numeral else str(number)
    written = f"{year}年{'第' if ordinal else ''}{which}季度"
    assert Quarter.parse(written) == Quarter(year, number)
    assert Quarter.parse(written + "末") is None
