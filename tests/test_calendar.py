"""Deadlines on China's official calendar.

The expected dates are worked out by hand from the State Council's 2026 schedule, which is
also written out literally below so that a changed package release cannot silently change what
the tests expect.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from reminders.calendar import (
    MAX_HOLIDAY_DAYS,
    CalendarSource,
    ChinaCalendar,
    Counting,
    HolidayFileError,
    HolidayFileProblem,
    HolidayTable,
    YearSchedule,
    dump_year,
    parse_holidays_file,
    schedule_from_package,
)

CST = ZoneInfo("Asia/Shanghai")
CAL = ChinaCalendar({})


def _span(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# 国务院办公厅关于2026年部分节假日安排的通知
OFFICIAL_2026_DAYS_OFF = [
    *_span("2026-01-01", "2026-01-03"),  # 元旦
    *_span("2026-02-15", "2026-02-23"),  # 春节
    *_span("2026-04-04", "2026-04-06"),  # 清明
    *_span("2026-05-01", "2026-05-05"),  # 劳动节
    *_span("2026-06-19", "2026-06-21"),  # 端午
    *_span("2026-09-25", "2026-09-27"),  # 中秋
    *_span("2026-10-01", "2026-10-07"),  # 国庆节
]
OFFICIAL_2026_MAKEUP = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]
PACKAGE_2026_DAYS_OFF = sorted(d for d in chinese_calendar.holidays if d.year == 2026)
PACKAGE_2026_MAKEUP = sorted(d for d in chinese_calendar.workdays if d.year == 2026)
PACKAGE_YEARS = range(2004, 2027)

FILE_2027 = """\
year = 2027

[[holiday]]
name = "元旦"
days = ["2027-01-01", "2027-01-03"]   # inclusive range

[[holiday]]
name = "春节"
days = ["2027-02-06", "2027-02-12"]

[[workday]]
date = "2027-02-13"
"""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _end_of(day: str) -> datetime:
    """The instant a period whose last day is ``day`` ends: 24:00 Beijing time."""
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time(), CST)


def _schedule_2027(*lines: str) -> dict[int, YearSchedule]:
    return {2027: parse_holidays_file("year = 2027\n" + "\n".join(lines) + "\n")}


# --- the 2026 schedule -----------------------------------------------------------------------


def test_package_2026_schedule_is_the_official_one() -> None:
    assert PACKAGE_2026_DAYS_OFF == OFFICIAL_2026_DAYS_OFF
    assert PACKAGE_2026_MAKEUP == OFFICIAL_2026_MAKEUP


@pytest.mark.parametrize("day", PACKAGE_2026_DAYS_OFF, ids=str)
def test_package_2026_days_off_are_not_working_days(day: date) -> None:
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize("day", PACKAGE_2026_MAKEUP, ids=str)
def test_package_2026_makeup_days_are_working_days(day: date) -> None:
    assert day.weekday() >= 5
    assert CAL.is_working_day(day)


def test_official_2026_list_agrees_with_calendar() -> None:
    assert not any(CAL.is_working_day(d) for d in OFFICIAL_2026_DAYS_OFF)
    assert all(CAL.is_working_day(d) for d in OFFICIAL_2026_MAKEUP)


def test_every_package_day_agrees_with_package() -> None:
    day = date(PACKAGE_YEARS.start, 1, 1)
    while day.year < PACKAGE_YEARS.stop:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_package_years_are_known() -> None:
    assert CAL.known_years() == tuple(PACKAGE_YEARS)
    assert CAL.source_for(2026) is CalendarSource.PACKAGE
    assert CAL.source_for(2027) is CalendarSource.WEEKENDS_ONLY
    assert CAL.source_for(2003) is CalendarSource.WEEKENDS_ONLY


# --- calendar-day periods (民事诉讼法 Art. 85) --------------------------------------------------


def test_two_days_from_friday_end_monday_midnight() -> None:
    received = _at("2026-03-06T10:00:00+08:00")
    assert CAL.last_day(received, 2, Counting.CALENDAR) == date(2026, 3, 9)
    assert CAL.deadline(received, 2, Counting.CALENDAR) == _at("2026-03-10T00:00:00+08:00")


def test_deadline_is_exclusive_end_of_last_day() -> None:
    end = CAL.deadline(_at("2026-03-06T10:00:00+08:00"), 2, Counting.CALENDAR)
    assert end.tzinfo == CST
    assert (end - timedelta(microseconds=1)).date() == date(2026, 3, 9)


@pytest.mark.parametrize("days", range(1, 9))
def test_periods_ending_in_national_day_move_to_october_8(days: int) -> None:
    received = _at("2026-09-30T15:00:00+08:00")
    assert CAL.last_day(received, days, Counting.CALENDAR) == date(2026, 10, 8)
    assert CAL.deadline(received, days, Counting.CALENDAR) == _end_of("2026-10-08")


def test_period_may_end_on_a_makeup_saturday() -> None:
    received = _at("2026-09-30T15:00:00+08:00")
    assert CAL.last_day(received, 9, Counting.CALENDAR) == date(2026, 10, 9)
    assert CAL.last_day(received, 10, Counting.CALENDAR) == date(2026, 10, 10)
    assert CAL.last_day(received, 11, Counting.CALENDAR) == date(2026, 10, 12)


def test_calendar_period_over_spring_festival() -> None:
    received = _at("2026-02-13T09:00:00+08:00")
    assert CAL.last_day(received, 1, Counting.CALENDAR) == date(2026, 2, 14)
    assert CAL.last_day(received, 3, Counting.CALENDAR) == date(2026, 2, 24)


def test_receipt_day_is_the_beijing_day_not_the_utc_day() -> None:
    received = datetime(2026, 9, 29, 17, 0, tzinfo=UTC)  # 2026-09-30 01:00 in Beijing
    assert CAL.last_day(received, 1, Counting.CALENDAR) == date(2026, 10, 8)
    assert CAL.deadline(received, 1, Counting.CALENDAR) == _end_of("2026-10-08")
    same_day_in_beijing = datetime(2026, 9, 29, 15, 59, tzinfo=UTC)
    assert CAL.last_day(same_day_in_beijing, 1, Counting.CALENDAR) == date(2026, 9, 30)


def test_deadline_is_given_in_court_time_zone() -> None:
    end = CAL.deadline(_at("2026-03-06T02:00:00+00:00"), 2, Counting.CALENDAR)
    assert end.utcoffset() == timedelta(hours=8)
    assert end == _at("2026-03-09T16:00:00+00:00")


def test_naive_datetime_is_rejected() -> None:
    naive = datetime(2026, 3, 6, 10, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError):
        CAL.deadline(naive, 2, Counting.CALENDAR)
    with pytest.raises(ValueError):
        CAL.last_day(naive, 2, Counting.WORKDAYS)


@pytest.mark.parametrize("days", [0, -1])
def test_period_must_be_positive(days: int) -> None:
    with pytest.raises(ValueError):
        CAL.deadline(_at("2026-03-06T10:00:00+08:00"), days, Counting.CALENDAR)


# --- working-day periods ---------------------------------------------------------------------


def test_workdays_skip_the_weekend() -> None:
    received = _at("2026-03-06T10:00:00+08:00")  # Friday
    assert CAL.last_day(received, 1, Counting.WORKDAYS) == date(2026, 3, 9)
    assert CAL.deadline(received, 2, Counting.WORKDAYS) == _end_of("2026-03-10")


def test_workdays_over_spring_festival_count_the_makeup_saturday() -> None:
    received = _at("2026-02-13T09:00:00+08:00")  # Friday before 春节
    assert CAL.last_day(received, 1, Counting.WORKDAYS) == date(2026, 2, 14)
    assert CAL.last_day(received, 2, Counting.WORKDAYS) == date(2026, 2, 24)
    assert CAL.last_day(received, 3, Counting.WORKDAYS) == date(2026, 2, 25)


def test_workdays_received_on_a_holiday() -> None:
    received = _at("2026-10-03T12:00:00+08:00")
    assert CAL.last_day(received, 1, Counting.WORKDAYS) == date(2026, 10, 8)
    assert CAL.last_day(received, 3, Counting.WORKDAYS) == date(2026, 10, 10)


def test_working_day_helpers() -> None:
    assert CAL.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert CAL.next_working_day(date(2026, 10, 10)) == date(2026, 10, 10)
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert CAL.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3
    assert CAL.working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3
    assert CAL.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 10, 1), -1)


def test_add_and_count_working_days_are_inverse() -> None:
    start = date(2026, 1, 1)
    for n in range(0, 260, 7):
        assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


# --- quarterly reports -----------------------------------------------------------------------


def test_q3_report_due_in_national_day_moves_to_october_8() -> None:
    assert CAL.quarter_report_deadline(2026, 3, 5, Counting.CALENDAR) == _end_of("2026-10-08")


@pytest.mark.parametrize(
    ("quarter", "last_day"),
    [(1, "2026-04-07"), (2, "2026-07-06"), (3, "2026-10-08"), (4, "2027-01-05")],
)
def test_quarter_reports_five_days(quarter: int, last_day: str) -> None:
    # Q1: 04-05 is 清明 -> 04-07. Q2: 07-05 Sunday. Q4: 2027-01-05 Tuesday (weekends only).
    assert CAL.quarter_report_deadline(2026, quarter, 5, Counting.CALENDAR) == _end_of(last_day)


def test_quarter_report_in_workdays() -> None:
    # 2026-09-30 + 5 working days: 10-08, 10-09, 10-10 (make-up), 10-12, 10-13.
    assert CAL.quarter_report_deadline(2026, 3, 5, Counting.WORKDAYS) == _end_of("2026-10-13")


@pytest.mark.parametrize("quarter", [0, 5])
def test_quarter_out_of_range(quarter: int) -> None:
    with pytest.raises(ValueError):
        CAL.quarter_report_deadline(2026, quarter, 5, Counting.CALENDAR)


# --- into an unpublished year ----------------------------------------------------------------


def test_into_unknown_2027_falls_back_to_weekends_and_statutory_holidays() -> None:
    received = _at("2026-12-30T10:00:00+08:00")
    # 2027-01-02 is a Saturday: Monday 01-04.
    assert CAL.last_day(received, 3, Counting.CALENDAR) == date(2027, 1, 4)
    assert CAL.last_day(received, 1, Counting.WORKDAYS) == date(2026, 12, 31)
    # Without a schedule, New Year's Day 2027 (a Friday) is still off: the law fixes it.
    assert CAL.last_day(received, 2, Counting.WORKDAYS) == date(2027, 1, 4)
    assert CAL.last_day(received, 2, Counting.CALENDAR) == date(2027, 1, 4)


def test_into_loaded_2027_with_new_years_holiday() -> None:
    cal = ChinaCalendar(
        _schedule_2027('[[holiday]]\nname = "元旦"\ndays = ["2027-01-01", "2027-01-03"]')
    )
    received = _at("2026-12-30T10:00:00+08:00")
    assert cal.source_for(2027) is CalendarSource.LOADED
    assert cal.is_working_day(date(2027, 1, 4))
    assert cal.last_day(received, 3, Counting.CALENDAR) == date(2027, 1, 4)
    assert cal.deadline(received, 3, Counting.CALENDAR) == _end_of("2027-01-04")
    assert cal.last_day(received, 2, Counting.WORKDAYS) == date(2027, 1, 4)


def test_loaded_2027_holiday_on_a_weekday_moves_the_deadline() -> None:
    cal = ChinaCalendar(
        _schedule_2027('[[holiday]]\nname = "元旦"\ndays = ["2027-01-01", "2027-01-04"]')
    )
    received = _at("2026-12-30T10:00:00+08:00")
    assert cal.last_day(received, 3, Counting.CALENDAR) == date(2027, 1, 5)
    assert CAL.last_day(received, 3, Counting.CALENDAR) == date(2027, 1, 4)


def test_loaded_2027_makeup_saturday_is_a_working_day() -> None:
    cal = ChinaCalendar(
        _schedule_2027(
            '[[holiday]]\nname = "元旦"\ndays = "2027-01-01"',
            '[[workday]]\ndate = "2027-01-02"',
        )
    )
    received = _at("2026-12-30T10:00:00+08:00")
    assert cal.last_day(received, 3, Counting.CALENDAR) == date(2027, 1, 2)


def test_loaded_year_replaces_the_package() -> None:
    text = dump_year(schedule_from_package(2026) or pytest.fail("2026 missing"))
    text = text.replace(
        'days = ["2026-10-01", "2026-10-07"]', 'days = ["2026-10-01", "2026-10-08"]'
    )
    cal = ChinaCalendar({2026: parse_holidays_file(text)})
    assert cal.source_for(2026) is CalendarSource.LOADED
    assert cal.known_years() == tuple(PACKAGE_YEARS)
    assert cal.last_day(_at("2026-09-30T10:00:00+08:00"), 2, Counting.CALENDAR) == date(2026, 10, 9)


def test_loaded_schedule_must_be_filed_under_its_own_year() -> None:
    schedule = parse_holidays_file(FILE_2027)
    with pytest.raises(ValueError):
        HolidayTable.from_sources({2028: schedule})


def test_schedule_for_prefers_loaded() -> None:
    schedule = parse_holidays_file(FILE_2027)
    cal = ChinaCalendar({2027: schedule})
    assert cal.schedule_for(2027) == schedule
    assert cal.schedule_for(2026) == schedule_from_package(2026)
    assert cal.schedule_for(2028) is None
    assert cal.known_years()[-1] == 2027


# --- warning admins --------------------------------------------------------------------------


def test_next_year_warning_starts_on_december_1() -> None:
    assert not CAL.needs_next_year_warning(date(2026, 11, 30))
    assert CAL.needs_next_year_warning(date(2026, 12, 1))
    assert CAL.needs_next_year_warning(date(2026, 12, 31))
    assert not CAL.needs_next_year_warning(date(2025, 12, 1))


def test_no_warning_once_2027_is_loaded() -> None:
    cal = ChinaCalendar({2027: parse_holidays_file(FILE_2027)})
    assert not cal.needs_next_year_warning(date(2026, 12, 1))
    assert not cal.needs_next_year_warning(date(2027, 6, 1))
    assert cal.needs_next_year_warning(date(2027, 12, 1))


def test_warning_stays_while_current_year_is_unknown() -> None:
    assert CAL.needs_next_year_warning(date(2027, 1, 5))


# --- holidays file ---------------------------------------------------------------------------


def test_parse_example_file() -> None:
    schedule = parse_holidays_file(FILE_2027)
    assert schedule.year == 2027
    assert schedule.holidays == (
        ("元旦", frozenset(_span("2027-01-01", "2027-01-03"))),
        ("春节", frozenset(_span("2027-02-06", "2027-02-12"))),
    )
    assert schedule.workdays == frozenset({date(2027, 2, 13)})
    assert len(schedule.days_off) == 10


def test_round_trip() -> None:
    schedule = parse_holidays_file(FILE_2027)
    text = dump_year(schedule)
    assert parse_holidays_file(text) == schedule
    assert dump_year(parse_holidays_file(text)) == text


def test_single_date_and_native_toml_dates() -> None:
    schedule = parse_holidays_file(
        'year = 2027\n[[holiday]]\nname = "清明"\ndays = 2027-04-05\n'
        '[[holiday]]\nname = "端午"\ndays = [2027-06-09, 2027-06-11]\n'
    )
    assert schedule.holidays == (
        ("清明", frozenset({date(2027, 4, 5)})),
        ("端午", frozenset(_span("2027-06-09", "2027-06-11"))),
    )
    assert 'days = "2027-04-05"' in dump_year(schedule)
    assert parse_holidays_file(dump_year(schedule)) == schedule


def test_names_with_quotes_round_trip() -> None:
    schedule = YearSchedule(2027, (('a "b" \\ c', frozenset({date(2027, 1, 1)})),), frozenset())
    assert parse_holidays_file(dump_year(schedule)) == schedule


def test_longest_allowed_range() -> None:
    last = date(2027, 2, 1) + timedelta(days=MAX_HOLIDAY_DAYS - 1)
    schedule = parse_holidays_file(
        f'year = 2027\n[[holiday]]\nname = "春节"\ndays = ["2027-02-01", "{last}"]\n'
    )
    assert len(schedule.days_off) == MAX_HOLIDAY_DAYS


@pytest.mark.parametrize("year", PACKAGE_YEARS)
def test_package_years_round_trip_and_agree(year: int) -> None:
    schedule = schedule_from_package(year)
    assert schedule is not None
    assert parse_holidays_file(dump_year(schedule)) == schedule
    cal = ChinaCalendar({year: schedule})
    assert cal.source_for(year) is CalendarSource.LOADED
    for day in _span(f"{year}-01-01", f"{year}-12-31"):
        assert cal.is_working_day(day) == chinese_calendar.is_workday(day), day


def test_package_2026_schedule_names() -> None:
    schedule = schedule_from_package(2026)
    assert schedule is not None
    assert [name for name, _ in schedule.holidays] == [
        "元旦",
        "春节",
        "清明",
        "劳动节",
        "端午",
        "中秋",
        "国庆节",
    ]
    assert sorted(schedule.workdays) == OFFICIAL_2026_MAKEUP


def test_package_combined_and_repeated_holidays_get_distinct_names() -> None:
    names_2009 = [name for name, _ in (schedule_from_package(2009) or pytest.fail()).holidays]
    assert "国庆节、中秋" in names_2009
    names_2007 = [name for name, _ in (schedule_from_package(2007) or pytest.fail()).holidays]
    assert names_2007[0] == "元旦"
    assert names_2007[-1] == "元旦 2007-12-30"


def test_unknown_package_year() -> None:
    assert schedule_from_package(2027) is None
    assert schedule_from_package(2003) is None


def test_dump_rejects_days_that_are_not_one_run() -> None:
    broken = YearSchedule(
        2027, (("x", frozenset({date(2027, 1, 1), date(2027, 1, 3)})),), frozenset()
    )
    with pytest.raises(ValueError):
        dump_year(broken)


NEW_YEAR = '[[holiday]]\nname = "元旦"\ndays = ["2027-01-01", "2027-01-03"]\n'


@pytest.mark.parametrize(
    ("text", "problem", "detail"),
    [
        pytest.param("year = \n", HolidayFileProblem.INVALID_TOML, "1:8", id="invalid-toml"),
        pytest.param(
            "year = 2027\nworkdays = []\n" + NEW_YEAR,
            HolidayFileProblem.UNKNOWN_FIELD,
            "workdays",
            id="unknown-top-key",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\ndate = "2027-01-01"\n',
            HolidayFileProblem.UNKNOWN_FIELD,
            "holiday[1].date",
            id="unknown-holiday-key",
        ),
        pytest.param(NEW_YEAR, HolidayFileProblem.MISSING_FIELD, "year", id="no-year"),
        pytest.param(
            'year = 2027\n[[holiday]]\ndays = "2027-01-01"\n',
            HolidayFileProblem.MISSING_FIELD,
            "holiday[1].name",
            id="no-name",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = " "\ndays = "2027-01-01"\n',
            HolidayFileProblem.MISSING_FIELD,
            "holiday[1].name",
            id="blank-name",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\n',
            HolidayFileProblem.MISSING_FIELD,
            "holiday[1].days",
            id="no-days",
        ),
        pytest.param(
            "year = 2027\n" + NEW_YEAR + "[[workday]]\n",
            HolidayFileProblem.MISSING_FIELD,
            "workday[1].date",
            id="no-workday-date",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = 1\ndays = "2027-01-01"\n',
            HolidayFileProblem.WRONG_TYPE,
            "holiday[1].name",
            id="name-not-string",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\ndays = 5\n',
            HolidayFileProblem.WRONG_TYPE,
            "holiday[1].days",
            id="days-not-date",
        ),
        pytest.param(
            'year = 2027\nholiday = "元旦"\n',
            HolidayFileProblem.WRONG_TYPE,
            "holiday",
            id="holiday-not-table",
        ),
        pytest.param(
            'year = "2027"\n' + NEW_YEAR, HolidayFileProblem.BAD_YEAR, "2027", id="year-str"
        ),
        pytest.param(
            "year = true\n" + NEW_YEAR, HolidayFileProblem.BAD_YEAR, "True", id="year-bool"
        ),
        pytest.param("year = 20027\n", HolidayFileProblem.BAD_YEAR, "20027", id="year-typo"),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "春节"\ndays = "2027-02-30"\n',
            HolidayFileProblem.BAD_DATE,
            "2027-02-30",
            id="no-such-day",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "春节"\ndays = "20270206"\n',
            HolidayFileProblem.BAD_DATE,
            "20270206",
            id="compact-date",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "春节"\ndays = 2027-02-06T00:00:00\n',
            HolidayFileProblem.BAD_DATE,
            "2027-02-06T00:00:00",
            id="date-time",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2027-01-01"]\n',
            HolidayFileProblem.BAD_RANGE,
            "holiday[1].days",
            id="range-one-item",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\n'
            'days = ["2027-01-01", "2027-01-02", "2027-01-03"]\n',
            HolidayFileProblem.BAD_RANGE,
            "holiday[1].days",
            id="range-three-items",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2026-12-31", "2027-01-02"]\n',
            HolidayFileProblem.DATE_OUTSIDE_YEAR,
            "2026-12-31",
            id="holiday-in-other-year",
        ),
        pytest.param(
            "year = 2027\n" + NEW_YEAR + '[[workday]]\ndate = "2028-01-02"\n',
            HolidayFileProblem.DATE_OUTSIDE_YEAR,
            "2028-01-02",
            id="workday-in-other-year",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2027-01-03", "2027-01-01"]\n',
            HolidayFileProblem.RANGE_REVERSED,
            "2027-01-03..2027-01-01",
            id="reversed",
        ),
        pytest.param(
            'year = 2027\n[[holiday]]\nname = "春节"\ndays = ["2027-02-01", "2027-02-11"]\n',
            HolidayFileProblem.RANGE_TOO_LONG,
            "2027-02-01..2027-02-11",
            id="eleven-days",
        ),
        pytest.param(
            "year = 2027\n" + NEW_YEAR + '[[workday]]\ndate = "2027-02-08"\n',
            HolidayFileProblem.WORKDAY_NOT_WEEKEND,
            "2027-02-08",
            id="makeup-on-monday",
        ),
        pytest.param(
            "year = 2027\n" + NEW_YEAR + '[[workday]]\ndate = "2027-01-02"\n',
            HolidayFileProblem.HOLIDAY_IS_WORKDAY,
            "2027-01-02",
            id="off-and-worked",
        ),
        pytest.param(
            "year = 2027\n" + NEW_YEAR + '[[holiday]]\nname = "元旦"\ndays = "2027-12-31"\n',
            HolidayFileProblem.DUPLICATE_NAME,
            "元旦",
            id="duplicate-name",
        ),
        pytest.param(
            "year = 2027\n" + NEW_YEAR + '[[holiday]]\nname = "x"\ndays = "2027-01-03"\n',
            HolidayFileProblem.DUPLICATE_DATE,
            "2027-01-03",
            id="overlapping-holidays",
        ),
        pytest.param(
            "year = 2027\n"
            + NEW_YEAR
            + '[[workday]]\ndate = "2027-02-13"\n[[workday]]\ndate = "2027-02-13"\n',
            HolidayFileProblem.DUPLICATE_DATE,
            "2027-02-13",
            id="workday-twice",
        ),
        pytest.param(
            'year = 2027\n[[workday]]\ndate = "2027-02-13"\n',
            HolidayFileProblem.NO_HOLIDAYS,
            "",
            id="no-holidays",
        ),
    ],
)
def test_holidays_file_sense_checks(text: str, problem: HolidayFileProblem, detail: str) -> None:
    with pytest.raises(HolidayFileError) as caught:
        parse_holidays_file(text)
    assert caught.value.problem is problem
    assert caught.value.detail == detail
    assert isinstance(caught.value, ValueError)
