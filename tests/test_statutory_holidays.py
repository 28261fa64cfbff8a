"""A year whose official schedule is not loaded still rests on its statutory holidays.

《全国年节及纪念日放假办法》 (as amended 2024, in force 2025) fixes the holidays themselves; the
State Council's yearly schedule only adds bridging days and 调休 make-up working days. Until
that schedule is loaded, a deadline must not end on 元旦 or 春节 (民事诉讼法 Art. 85: a period
whose last day is a holiday ends on the next working day), and the caveat stays, since the
bridging days are still unknown. A loaded schedule always wins over the statutory days.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st
from test_calendar import OFFICIAL_2026_DAYS_OFF
from test_unconfirmed_calendar import schedules

from reminders.calendar import (
    COURT_TZ,
    CalendarSource,
    ChinaCalendar,
    Counting,
    YearSchedule,
    schedule_from_package,
    statutory_days,
)
from reminders.deadlines import DeadlineRules

CAL = ChinaCalendar({})
HOLIDAYS = {"元旦", "春节", "清明", "劳动节", "端午", "中秋", "国庆节"}
FIRST_UNLOADED = max(CAL.known_years()) + 1
UNLOADED_DAYS = st.dates(date(FIRST_UNLOADED - 1, 12, 1), date(FIRST_UNLOADED + 20, 12, 31))


@st.composite
def before_holidays(draw: st.DrawFn) -> date:
    """A day up to two weeks before a statutory holiday of an unloaded year, where a period
    of a few days would end on it if nothing stopped it."""
    year = draw(st.integers(FIRST_UNLOADED, FIRST_UNLOADED + 20))
    holiday = draw(st.sampled_from(sorted(statutory_days(year))))
    return holiday - timedelta(days=draw(st.integers(1, 14)))


RECEIPTS = st.one_of(before_holidays(), UNLOADED_DAYS)


def _received(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=COURT_TZ)


def test_statutory_days_are_off_in_the_official_2025_and_2026_schedules() -> None:
    for year in (2025, 2026):
        schedule = schedule_from_package(year)
        assert schedule is not None
        days = statutory_days(year)
        assert set(days.values()) == HOLIDAYS
        assert {day.year for day in days} == {year}
        assert set(days) <= schedule.days_off, sorted(set(days) - schedule.days_off)
        assert not set(days) & schedule.workdays
    assert set(statutory_days(2026)) <= set(OFFICIAL_2026_DAYS_OFF)


def test_no_statutory_days_before_the_2024_amendment() -> None:
    assert not statutory_days(2024)
    assert CAL.is_working_day(date(2024, 1, 1)) is False  # the package knows 2024


@given(
    received=RECEIPTS,
    hour=st.integers(0, 23),
    days=st.integers(1, 10),
    counting=st.sampled_from(Counting),
)
def test_a_deadline_in_an_unloaded_year_never_ends_on_a_statutory_holiday(
    received: date, hour: int, days: int, counting: Counting
) -> None:
    last = CAL.last_day(_received(received, hour), days, counting)
    # Receipts late in the last known year count here only if they run into the next.
    assume(CAL.source_for(last.year) is CalendarSource.WEEKENDS_ONLY)
    assert last not in statutory_days(last.year)
    assert last.weekday() < 5
    # The caveat stays: bridging days and 调休 working days are still unknown.
    rules = DeadlineRules(counting=counting, register_days=days)
    assert last.year in rules.unconfirmed(rules.after(_received(received, hour), days))


@given(day=UNLOADED_DAYS)
def test_unloaded_days_are_off_on_weekends_and_statutory_holidays(day: date) -> None:
    rests = day.weekday() >= 5 or day in statutory_days(day.year)
    assert CAL.is_working_day(day) is not rests


@given(
    schedule=schedules(FIRST_UNLOADED),
    day=st.dates(date(FIRST_UNLOADED, 1, 1), date(FIRST_UNLOADED, 12, 31)),
)
def test_a_loaded_schedule_wins_over_the_statutory_days(schedule: YearSchedule, day: date) -> None:
    cal = ChinaCalendar({FIRST_UNLOADED: schedule})
    if day in schedule.workdays:
        expected = True
    elif day in schedule.days_off:
        expected = False
    else:
        expected = day.weekday() < 5
    assert cal.is_working_day(day) is expected


def test_phone_inquiry_received_on_30_december_is_not_due_on_new_years_day() -> None:
    """The trial court's case: received 2026-12-30 10:00, 2027 not loaded."""
    received = _received(date(2026, 12, 30))
    for counting in Counting:
        rules = DeadlineRules(counting=counting)
        for days in (rules.register_days, rules.report_days, rules.cosign_days):
            deadline = rules.after(received, days)
            last = (deadline - timedelta(microseconds=1)).date()
            assert last != date(2027, 1, 1)
            assert last >= date(2027, 1, 4)
            assert rules.unconfirmed(deadline) == (2027,)
