"""Loading a holidays file over a year the calendar already knows never drops a day silently.

Over arbitrary files for a built-in year (a few of its holidays kept or shifted, any extra runs
of days off, any make-up weekend days): without ``--replace`` every day off and make-up working
day in force is kept unless the file is the whole year; what changes is exactly the four
reported sets; what is stored reads back as itself.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot import config
from bot.app import calendar_for
from bot.config import Settings
from bot.holidays import contradiction_lines
from reminders.calendar import (
    MAX_HOLIDAY_DAYS,
    HolidayFileError,
    HolidayFileProblem,
    LoadOutcome,
    YearSchedule,
    dump_year,
    parse_holidays_file,
    plan_load,
    schedule_from_package,
    statutory_schedule,
)
from storage.vocabulary import Language

BUILT_IN = [year for year in range(2021, 2027) if schedule_from_package(year) is not None]


def package(year: int) -> YearSchedule:
    schedule = schedule_from_package(year)
    assert schedule is not None
    return schedule


@st.composite
def files(draw: st.DrawFn) -> YearSchedule:
    """A holidays file the parser accepts for a built-in year."""
    year = draw(st.sampled_from(BUILT_IN))
    official = package(year)
    first_day = date(year, 1, 1)
    length = (date(year + 1, 1, 1) - first_day).days
    runs: list[list[date]] = []
    for _, days in official.holidays:
        if draw(st.booleans()):  # keep this festival, maybe moved by a few days
            shift = timedelta(days=draw(st.integers(-2, 2)))
            runs.append(sorted(day + shift for day in days))
    for _ in range(draw(st.integers(0, 3))):
        start = first_day + timedelta(days=draw(st.integers(0, length - 1)))
        size = draw(st.integers(1, MAX_HOLIDAY_DAYS))
        runs.append([start + timedelta(days=n) for n in range(size)])
    taken: set[date] = set()
    holidays: list[tuple[str, frozenset[date]]] = []
    for index, run in enumerate(runs):
        days = frozenset(run)
        if any(day.year != year for day in days) or days & taken:
            continue
        taken |= days
        holidays.append((draw(st.sampled_from(["元旦", "国庆节", "x", f"假期{index}"])), days))
    assume(holidays)
    weekends = [
        first_day + timedelta(days=n)
        for n in range(length)
        if (first_day + timedelta(days=n)).weekday() >= 5
        and first_day + timedelta(days=n) not in taken
    ]
    workdays = (
        frozenset(draw(st.lists(st.sampled_from(sorted(official.workdays) + weekends), max_size=6)))
        - taken
    )
    named: dict[str, frozenset[date]] = {}
    for name, days in holidays:
        named[name if name not in named else f"{name}{len(named)}"] = days
    schedule = YearSchedule(year=year, holidays=tuple(named.items()), workdays=workdays)
    try:
        return parse_holidays_file(dump_year(schedule))
    except HolidayFileError:
        assume(False)
        raise


def overlaps_every_holiday(current: YearSchedule, incoming: YearSchedule) -> bool:
    return all(
        any(days & theirs for _, theirs in incoming.holidays) for _, days in current.holidays
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.filter_too_much])
@given(files())
def test_a_file_drops_no_day_in_force_unless_it_is_the_whole_year(incoming: YearSchedule) -> None:
    current = package(incoming.year)
    change = plan_load(current, incoming)
    stored = change.stored
    # The report is exactly the difference between what was in force and what is stored.
    assert change.days_off_added == stored.days_off - current.days_off
    assert change.days_off_removed == current.days_off - stored.days_off
    assert change.workdays_added == stored.workdays - current.workdays
    assert change.workdays_removed == current.workdays - stored.workdays
    # What is stored is a file the parser reads back as itself.
    assert parse_holidays_file(dump_year(stored)) == stored
    if change.outcome is LoadOutcome.MERGED:
        assert not change.drops_days
        assert stored.days_off == current.days_off | incoming.days_off
        assert stored.workdays == current.workdays | incoming.workdays
    elif change.outcome is LoadOutcome.REPLACED:
        assert stored == incoming
        if change.drops_days:  # only the whole year may drop a day in force
            assert overlaps_every_holiday(current, incoming)
            assert incoming.workdays or not current.workdays
    else:
        assert change.outcome is LoadOutcome.REFUSED
        # Refused only where the file contradicts the year: a day off made worked or the reverse.
        assert incoming.days_off & current.workdays or incoming.workdays & current.days_off
        assert not overlaps_every_holiday(current, incoming) or (
            current.workdays and not incoming.workdays
        )


@settings(max_examples=100, suppress_health_check=[HealthCheck.filter_too_much])
@given(files())
def test_replace_stores_the_file_as_it_is(incoming: YearSchedule) -> None:
    change = plan_load(package(incoming.year), incoming, replace=True)
    assert change.outcome is LoadOutcome.REPLACED
    assert change.stored == incoming


@settings(max_examples=100, suppress_health_check=[HealthCheck.filter_too_much])
@given(files())
def test_a_year_nobody_knew_takes_the_file_as_it_is(incoming: YearSchedule) -> None:
    change = plan_load(None, incoming)
    assert change.outcome is LoadOutcome.NEW
    assert change.stored == incoming
    assert (change.days_off_added, change.workdays_added) == (
        incoming.days_off,
        incoming.workdays,
    )
    assert not change.drops_days


def test_the_official_year_again_drops_nothing_and_adds_nothing() -> None:
    official = package(2026)
    change = plan_load(official, parse_holidays_file(dump_year(official)))
    assert change.outcome is LoadOutcome.REPLACED
    assert not (change.days_off_added or change.workdays_added or change.drops_days)


# --- the same rule for ``[deadlines] holidays_file`` read at start ----------------------------


def config_with(folder: Path, holidays: str) -> Settings:
    (folder / "h.toml").write_text(holidays, encoding="utf-8")
    text = '[deadlines]\nholidays_file = "h.toml"\n'
    return config.parse(text, folder / "config.toml")


def test_a_partial_holidays_file_in_the_config_keeps_the_official_year(tmp_path: Path) -> None:
    one_day = 'year = 2026\n[[holiday]]\nname = "x"\ndays = "2026-12-31"\n'
    calendar = calendar_for(config_with(tmp_path, one_day))
    assert not calendar.is_working_day(date(2026, 12, 31))
    assert not calendar.is_working_day(date(2026, 10, 5))  # 国庆节 still off
    assert calendar.is_working_day(date(2026, 10, 10))  # its 调休 Saturday still worked


def test_a_holidays_file_in_the_config_contradicting_the_year_is_refused(tmp_path: Path) -> None:
    clash = 'year = 2026\n[[holiday]]\nname = "x"\ndays = "2026-10-10"\n'
    with pytest.raises(HolidayFileError) as refused:
        calendar_for(config_with(tmp_path, clash))
    assert (refused.value.problem, refused.value.detail) == (
        HolidayFileProblem.HOLIDAY_IS_WORKDAY,
        "2026-10-10",
    )


@settings(max_examples=200, suppress_health_check=[HealthCheck.filter_too_much])
@given(files())
def test_a_refusal_lists_only_the_contradicted_days(incoming: YearSchedule) -> None:
    """What a refused file is told is exactly where it contradicts the year in force: each
    contradicted day, and no day that a replacement would merely add or drop."""
    current = package(incoming.year)
    change = plan_load(current, incoming)
    assume(change.outcome is LoadOutcome.REFUSED)
    assert change.off_over_work == incoming.days_off & current.workdays
    assert change.work_over_off == incoming.workdays & current.days_off
    for language in Language:
        text = "\n".join(contradiction_lines(language, change))
        named = {date.fromisoformat(day) for day in re.findall(r"\d{4}-\d{2}-\d{2}", text)}
        assert named == change.off_over_work | change.work_over_off


# --- a file's holidays over the statutory days: each holiday named once, whole ------------------

STATUTORY_YEARS = range(2027, 2041)


@st.composite
def bridged(draw: st.DrawFn) -> YearSchedule:
    """A partial file for a year nobody loaded: some of the law's holidays, each lengthened by
    bridging days before or after it (as the State Council's notice does), named as the law
    names it or otherwise."""
    year = draw(st.sampled_from(STATUTORY_YEARS))
    law = statutory_schedule(year)
    assert law is not None
    holidays = []
    for index, (name, days) in enumerate(law.holidays):
        if not draw(st.booleans()):
            continue
        room = MAX_HOLIDAY_DAYS - len(days)
        before = draw(st.integers(0, room))
        after = draw(st.integers(0, room - before))
        first, last = min(days) - timedelta(days=before), max(days) + timedelta(days=after)
        run = frozenset(first + timedelta(days=n) for n in range((last - first).days + 1))
        if any(day.year != year for day in run) or any(run & other for _, other in holidays):
            continue  # a file names each day once
        holidays.append((draw(st.sampled_from([name, f"假期{index}"])), run))
    assume(holidays)
    return YearSchedule(year=year, holidays=tuple(holidays), workdays=frozenset())


@settings(max_examples=200, suppress_health_check=[HealthCheck.filter_too_much])
@given(bridged())
def test_a_holiday_lengthened_by_a_file_is_named_once_with_its_whole_range(
    incoming: YearSchedule,
) -> None:
    """元旦 2027-01-01..01-03 over the law's 元旦 2027-01-01 is one 元旦 of three days, never
    元旦 and a second holiday "元旦 2027-01-02" of the two days after it."""
    law = statutory_schedule(incoming.year)
    assert law is not None
    change = plan_load(law, incoming)
    assert change.outcome is LoadOutcome.MERGED
    stored = change.stored
    assert parse_holidays_file(dump_year(stored)) == stored
    assert stored.days_off == law.days_off | incoming.days_off
    assert [name for name, _ in stored.holidays] == [name for name, _ in law.holidays]
    # Every day the file adds is in one of the law's holidays, none of them a holiday of its
    # own; a run over one holiday of the law lengthens that one.
    now = dict(stored.holidays)
    for name, days in law.holidays:
        for _, run in incoming.holidays:
            others = [theirs for other, theirs in law.holidays if other != name and run & theirs]
            if run & days and not others:
                assert run | days <= now[name]


def test_show_names_a_merged_holiday_once() -> None:
    """The example of the admin's report: the merged 2027 reads 元旦 2027-01-01 至 01-03."""
    text = 'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2027-01-01", "2027-01-03"]\n'
    law = statutory_schedule(2027)
    assert law is not None
    stored = plan_load(law, parse_holidays_file(text)).stored
    new_year = [(name, days) for name, days in stored.holidays if date(2027, 1, 2) in days]
    assert new_year == [("元旦", frozenset(date(2027, 1, n) for n in (1, 2, 3)))]
