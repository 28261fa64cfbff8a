"""A day of a month counted from this one (trial 9, F15): ``上个月28号下午``, ``上月28日``,
``上月底``, ``本月5号`` read as that day of that month (底/末: its last), the hour then asked
as after ``三天前``; a day the month lacks (``上个月31号`` in November) is refused saying so,
as ``2月30日`` is.

Over today × months back × day of the month × the ways it is written (hypothesis), against
the calendar counted here month by month; and the trial's dialogue from /new's card.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialogue import Court, Exactly, asks, dialogue, proposing_bot, says
from hypothesis import given
from hypothesis import strategies as st
from test_intake_hour_part import MONDAY, hour_question
from test_intake_times import REST_NEW, taken
from test_timeparse import chinese

from handlers.fields import Step
from handlers.timeparse import DayPart, TimeParseError, TimeProblem, read_time

BEIJING = ZoneInfo("Asia/Shanghai")
MONTH_WORDS = {
    0: ("本月", "这个月", "这月"),
    -1: ("上个月", "上月"),
    -2: ("上上个月", "上上月"),
}

bot = proposing_bot(MONDAY)


def month_of(today: date, shift: int) -> tuple[int, int]:
    """The year and month ``shift`` months from ``today``'s, stepped one month at a time."""
    year, month = today.year, today.month
    for _ in range(-shift):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return year, month


@given(
    today=st.dates(date(2021, 1, 1), date(2035, 12, 31)),
    shift=st.sampled_from(sorted(MONTH_WORDS)),
    mday=st.integers(1, 31),
    data=st.data(),
)
def test_a_day_of_a_month_counted_from_this_one_is_that_day_or_refused(
    today: date, shift: int, mday: int, data: st.DataObject
) -> None:
    """上个月N号 / 上月N日 / 本月N号 (digits or Chinese numerals, 号 or 日), alone or with a
    part of the day or an hour: that month's day N; a day the month lacks is NO_DAY naming
    the year, month and day, as ``2月30日``."""
    word = data.draw(st.sampled_from(MONTH_WORDS[shift]))
    number = data.draw(st.sampled_from((str(mday), chinese(mday))))
    text = word + number + data.draw(st.sampled_from(("号", "日")))
    tail = data.draw(st.sampled_from(("", "下午", "下午3点", " 15:30")))
    now = datetime.combine(today, time(10, 0), tzinfo=BEIJING)
    year, month = month_of(today, shift)
    if mday > calendar.monthrange(year, month)[1]:
        try:
            read_time(text + tail, now=now, tz=BEIJING)
        except TimeParseError as refused:
            assert refused.problem is TimeProblem.NO_DAY
            assert refused.numbers == {"year": year, "month": month, "mday": mday}
            return
        raise AssertionError(f"{text + tail} read on {today}, though the month lacks the day")
    read = read_time(text + tail, now=now, tz=BEIJING)
    assert read.day == date(year, month, mday)
    assert read.clock == {"": None, "下午": None, "下午3点": time(15), " 15:30": time(15, 30)}[tail]
    assert read.part == (DayPart.AFTERNOON if tail == "下午" else None)


@given(
    today=st.dates(date(2021, 1, 1), date(2035, 12, 31)),
    shift=st.sampled_from(sorted(MONTH_WORDS)),
    end=st.sampled_from(("底", "末", "月底", "月末")),
)
def test_the_end_of_a_month_is_its_last_day(today: date, shift: int, end: str) -> None:
    """上月底, 上个月月末, 本月底: the month's last day (28, 29, 30 or 31), no hour."""
    word = MONTH_WORDS[shift][0]
    now = datetime.combine(today, time(10, 0), tzinfo=BEIJING)
    year, month = month_of(today, shift)
    read = read_time(word + end, now=now, tz=BEIJING)
    assert (read.day, read.clock) == (date(year, month, calendar.monthrange(year, month)[1]), None)
    assert read.day + timedelta(days=1) == date(*month_of(read.day + timedelta(days=1), 0), 1)


async def test_the_trial_last_months_28th_afternoon_asks_its_hour(court: Court) -> None:
    """The trial: Monday 2026-11-30, /new, ``上个月28号下午`` at the card: the hour of 28
    October's afternoon is asked, and ``3点`` is 15:00."""
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            (
                "上个月28号下午",
                Exactly(REST_NEW, hour_question("10月28日（周三）", "afternoon")),
            ),
            ("3点", Exactly(taken("10月28日（周三）15:00"), asks(Step.CHANNEL))),
        ],
    )


async def test_the_end_of_last_month_asks_its_hour(court: Court) -> None:
    """``上月底`` at /new's card on Monday 2026-11-30: 31 October's hour is asked."""
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            ("上月底", Exactly(REST_NEW, says("intake.ask.hour", day="10月31日（周六）"))),
        ],
    )
