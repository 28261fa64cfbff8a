"""Times as judges type them: every way of writing one moment reads as that moment.

Property-based (hypothesis): a moment in the last weeks is written in one of the forms judges
use (a date with 月日 or 号 or dashes, 今天/昨天/前天/昨晚, 上午/下午/晚上/凌晨, 点 with 半 or
一刻 or minutes, Chinese numerals, full-width digits), and must read back as itself; any text
at all either reads or raises ``TimeParseError``, nothing else. English forms ("2 days ago
3pm", "yesterday 8pm") read too, and every echo of an accepted time reads back as itself.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.engine import Context, Services
from handlers.fields import when
from handlers.ports import IncomingMessage
from handlers.timeparse import Moment, TimeParseError, TimeProblem, parse_local, read_time
from reminders.clock import FakeClock
from storage.models import Staff
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=BEIJING)  # a Sunday
TODAY = NOW.date()
DIGITS = "零一二三四五六七八九"
FULL = str.maketrans("0123456789:", "０１２３４５６７８９：")


def chinese(n: int) -> str:
    """0..59 in Chinese numerals as people write them (十一, 二十八, 三十)."""
    if n < 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def period_and_hour(hour: int) -> tuple[str, int]:
    """The 12-hour clock with its word: 凌晨1点, 上午8点, 中午12点, 下午3点, 晚上8点."""
    if hour < 6:
        return "凌晨", hour
    if hour < 12:
        return "上午", hour
    if hour == 12:
        return "中午", 12
    if hour < 18:
        return "下午", hour - 12
    return "晚上", hour - 12


@st.composite
def typed(draw: st.DrawFn) -> tuple[str, date, time]:
    """A moment in the last 40 days (to the minute), and one way a judge writes it."""
    back = draw(st.integers(0, 40))
    day = TODAY - timedelta(days=back)
    hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from([0, 15, 30, 45, 5, 59]))
    numerals = draw(st.booleans())

    def num(n: int) -> str:
        return chinese(n) if numerals else str(n)

    relative = {0: "今天", 1: "昨天", 2: "前天"}
    dates = [f"{num(day.month)}月{num(day.day)}日", f"{day.year}-{day.month}-{day.day}"]
    if day.month == TODAY.month or (back < day.day and day.day > TODAY.day):
        dates.append(f"{num(day.day)}号")
    if back in relative:
        dates.append(relative[back])
    written_day = draw(st.sampled_from(dates))
    word, twelve = period_and_hour(hour)
    if minute == 30:
        tail = "半"
    elif minute == 15:
        tail = "一刻"
    elif minute:
        tail = f"{num(minute)}分"
    else:
        tail = ""
    clocks = [f"{hour}:{minute:02d}", f"{word}{num(twelve)}点{tail}"]
    if hour >= 18 and back == 1:
        clocks.append(f"__昨晚{num(twelve)}点{tail}")
    clock = draw(st.sampled_from(clocks))
    if clock.startswith("__"):
        text = clock[2:]
    else:
        joins = [" "] if written_day[-1].isdigit() else ["", " "]
        text = written_day + draw(st.sampled_from(joins)) + clock
    if draw(st.booleans()):
        text = text.translate(FULL)
    return text, day, time(hour, minute)


@given(typed())
def test_every_way_of_writing_a_moment_reads_as_that_moment(
    case: tuple[str, date, time],
) -> None:
    text, day, clock = case
    assert read_time(text, now=NOW, tz=BEIJING) == Moment(day, clock, True), text


@given(st.text(max_size=30))
def test_any_text_reads_or_is_refused_with_a_reason(text: str) -> None:
    try:
        read_time(text, now=NOW, tz=BEIJING)
    except TimeParseError as problem:
        assert problem.problem in TimeProblem


@pytest.mark.parametrize(
    ("text", "expected"),  # year, month, day, hour, minute in Beijing
    [
        ("11月28日下午三点", (2026, 11, 28, 15, 0)),
        ("前天下午3点半", (2026, 11, 27, 15, 30)),
        ("今天早上8点", (2026, 11, 29, 8, 0)),
        ("凌晨1点", (2026, 11, 29, 1, 0)),
        ("昨晚8点", (2026, 11, 28, 20, 0)),
        ("28号下午3点", (2026, 11, 28, 15, 0)),
        ("十一月二十八日下午三点", (2026, 11, 28, 15, 0)),
        ("１１月２８日　１５：００", (2026, 11, 28, 15, 0)),
        ("12月30日 9:00", (2025, 12, 30, 9, 0)),  # no year: the latest past one
        ("30号 9点", (2026, 10, 30, 9, 0)),  # the 30th still to come: last month's
        ("明天 15:00", (2026, 11, 30, 15, 0)),  # read, so that it is refused as future
        ("昨天夜里12点", (2026, 11, 29, 0, 0)),
        ("中午12点", (2026, 11, 29, 12, 0)),
        ("下午两点一刻", (2026, 11, 29, 14, 15)),
    ],
)
def test_the_forms_judges_type(text: str, expected: tuple[int, int, int, int, int]) -> None:
    assert parse_local(text, now=NOW, tz=BEIJING) == datetime(*expected, tzinfo=BEIJING)


def test_a_date_alone_is_a_day_without_its_hour() -> None:
    assert read_time("11月28日", now=NOW, tz=BEIJING) == Moment(date(2026, 11, 28), None, True)
    with pytest.raises(TimeParseError) as refused:
        parse_local("11月28日", now=NOW, tz=BEIJING)
    assert refused.value.problem is TimeProblem.NO_TIME
    # An hour typed after it falls on that day.
    held = read_time("下午3点", now=NOW, tz=BEIJING, day=date(2026, 11, 28))
    assert held == Moment(date(2026, 11, 28), time(15, 0), False)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("乱写", TimeProblem.FORMAT),
        ("", TimeProblem.FORMAT),
        ("2月30日 10:00", TimeProblem.NO_DAY),
        ("今天 25:00", TimeProblem.NO_HOUR),
        ("凌晨15点", TimeProblem.NO_HOUR),
        ("32号 9点", TimeProblem.NO_DAY),
    ],
)
def test_unreadable_and_impossible_times_are_told_apart(text: str, problem: TimeProblem) -> None:
    with pytest.raises(TimeParseError) as refused:
        read_time(text, now=NOW, tz=BEIJING)
    assert refused.value.problem is problem


@pytest.mark.parametrize(
    ("text", "expected"),  # year, month, day, hour, minute in Beijing
    [
        ("2 days ago 3pm", (2026, 11, 27, 15, 0)),
        ("yesterday 8pm", (2026, 11, 28, 20, 0)),
        ("today 9:30", (2026, 11, 29, 9, 30)),
        ("yesterday at 8:15 p.m.", (2026, 11, 28, 20, 15)),
        ("3pm yesterday", (2026, 11, 28, 15, 0)),
        ("last night 9", (2026, 11, 28, 21, 0)),
        ("this morning 8", (2026, 11, 29, 8, 0)),
        ("yesterday 8 in the evening", (2026, 11, 28, 20, 0)),
        ("the day before yesterday 12am", (2026, 11, 27, 0, 0)),
        ("today 12pm", (2026, 11, 29, 12, 0)),
        ("Sat 11/28 15:00", (2026, 11, 28, 15, 0)),
        ("Sat 28 Nov 15:00", (2026, 11, 28, 15, 0)),  # the English echo, read back
        ("Fri 28 Nov 2025 15:00", (2025, 11, 28, 15, 0)),
        ("Nov 28 3pm", (2026, 11, 28, 15, 0)),
        ("3天前下午3点", (2026, 11, 26, 15, 0)),
        ("11月28日（周六）15:00", (2026, 11, 28, 15, 0)),  # the Chinese echo, read back
    ],
)
def test_english_and_relative_forms(text: str, expected: tuple[int, int, int, int, int]) -> None:
    assert parse_local(text, now=NOW, tz=BEIJING) == datetime(*expected, tzinfo=BEIJING)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("11月28日（周五）15:00", TimeProblem.WEEKDAY),  # 28 November 2026 is a Saturday
        ("Fri 11/28 15:00", TimeProblem.WEEKDAY),
        ("Fri 28 Nov 15:00", TimeProblem.WEEKDAY),
        ("周六周日 9点", TimeProblem.WEEKDAYS),  # two weekdays: which?
        ("today 13pm", TimeProblem.NO_HOUR),
    ],
)
def test_a_weekday_is_checked_never_guessed(text: str, problem: TimeProblem) -> None:
    with pytest.raises(TimeParseError) as refused:
        read_time(text, now=NOW, tz=BEIJING)
    assert refused.value.problem is problem


WEEKDAY_NAMES = ("一", "二", "三", "四", "五", "六")
ENGLISH_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@st.composite
def weekday_typed(draw: st.DrawFn) -> tuple[str, datetime, datetime]:
    """A clock (any minute of a year), a weekday and time of day written as a judge writes
    them (周六晚上10点, 星期三下午3点半, 礼拜天上午9点10分, 周6 22:00, saturday 10pm), and the
    moment meant: the latest such weekday and time not after the clock; for today's weekday,
    today's (whether or not it has come), the same day a week back being the other meaning."""
    now = datetime(2026, 1, 1, tzinfo=BEIJING) + timedelta(
        minutes=draw(st.integers(0, 365 * 24 * 60))
    )
    weekday = draw(st.integers(0, 6))
    hour = draw(st.integers(0, 23))
    minute = draw(st.sampled_from([0, 5, 10, 15, 30, 45, 59]))
    numerals = draw(st.booleans())

    def num(n: int) -> str:
        return chinese(n) if numerals else str(n)

    if weekday == 6:
        name = draw(st.sampled_from(["日", "天", "7"]))
    else:
        name = draw(st.sampled_from([WEEKDAY_NAMES[weekday], str(weekday + 1)]))
    head = draw(st.sampled_from(["周", "星期", "礼拜"])) + name
    word, twelve = period_and_hour(hour)
    tail = {30: "半", 15: draw(st.sampled_from(["一刻", "15分"])), 0: ""}.get(
        minute, f"{num(minute)}分"
    )
    clocks = [f"{hour}:{minute:02d}", f"{word}{num(twelve)}点{tail}"]
    text = head + draw(st.sampled_from(["", " "])) + draw(st.sampled_from(clocks))
    if draw(st.booleans()):
        text = text.translate(FULL)
    if draw(st.booleans()) and hour:  # the English table beside the Chinese
        suffix = "am" if hour < 12 else "pm"
        text = f"{ENGLISH_DAYS[weekday]} {(hour - 1) % 12 + 1}:{minute:02d}{suffix}"
        if hour == 12:
            text = f"{ENGLISH_DAYS[weekday]} 12:{minute:02d} noon"
    meant = next(
        moment
        for back in range(8)
        for moment in [
            datetime.combine(now.date() - timedelta(days=back), time(hour, minute), tzinfo=BEIJING)
        ]
        if moment.weekday() == weekday and (moment <= now or back == 0)
    )
    return text, now, meant


@settings(max_examples=300, deadline=None)
@given(weekday_typed())
def test_a_weekday_and_a_time_read_as_the_latest_such_moment_never_the_future(
    case: tuple[str, datetime, datetime],
) -> None:
    """Each weekday × time of day × now: another day's weekday is the latest such moment,
    never in the future; today's weekday is today's or a week back, never chosen: both are
    given (``Moment.other``), to be asked (``fields.WhichDay``), whether the time has come."""
    text, now, meant = case
    moment = read_time(text, now=now, tz=BEIJING)
    assert moment.at(BEIJING) == meant, text
    assert moment.dated
    if meant.date() == now.date():
        assert moment.other == now.date() - timedelta(days=7), text
    else:
        assert moment.other is None and moment.at(BEIJING) <= now, text


def echo_context(language: Language) -> Context:
    staff = Staff(name="张伟", language=language.value)
    message = IncomingMessage(transport="console", chat_id="1", user_id="1", received_at=NOW)
    services = Services(clock=FakeClock(NOW), tz=BEIJING)
    return Context(cast(Any, None), message, staff, cast(Any, None), services, NOW)


@settings(deadline=None)
@given(
    back=st.integers(0, 800),
    minute_of_day=st.integers(0, 24 * 60 - 1),
    language=st.sampled_from(Language),
    clock=st.sampled_from([True, None]),
)
def test_every_echo_reads_back_as_the_moment_it_echoes(
    back: int, minute_of_day: int, language: Language, clock: bool | None
) -> None:
    """The echo ``11月28日（周六）15:00`` / ``Sat 28 Nov 15:00`` (``fields.when``), typed back in
    either language, is the moment it showed: format then parse is the identity."""
    day = TODAY - timedelta(days=back)
    moment = datetime.combine(day, time(*divmod(minute_of_day, 60)), tzinfo=BEIJING)
    echo = when(echo_context(language), moment, clock=clock)
    expected = Moment(day, moment.timetz().replace(tzinfo=None) if clock else None, True)
    assert read_time(echo, now=NOW, tz=BEIJING) == expected, echo


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=99),
    form=st.sampled_from(["digits", "full", "chinese"]),
    day=st.sampled_from(["", "今天 ", "昨天", "today ", "2 days ago ", "11月28日 "]),
)
def test_a_number_alone_is_never_a_time_of_day(n: int, form: str, day: str) -> None:
    written = {"digits": str(n), "full": str(n).translate(FULL), "chinese": chinese(n)}[form]
    with pytest.raises(TimeParseError) as refused:
        read_time(day + written, now=NOW, tz=BEIJING)
    assert refused.value.problem is TimeProblem.BARE


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("周日", TODAY),
        ("星期天", TODAY),
        ("sunday", TODAY),
        ("周六", TODAY - timedelta(days=1)),
        ("礼拜一", date(2026, 11, 23)),
    ],
)
def test_a_weekday_alone_is_the_latest_such_day(text: str, day: date) -> None:
    """Today's weekday alone names today and, as ``other``, a week back: to be asked."""
    other = day - timedelta(days=7) if day == TODAY else None
    assert read_time(text, now=NOW, tz=BEIJING) == Moment(day, None, True, other)


@given(
    today=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    ahead=st.integers(min_value=1, max_value=360),
)
def test_a_month_and_day_a_few_days_ahead_is_this_years_never_a_year_back(
    today: date, ahead: int
) -> None:
    """``12月5日`` typed on 1 December is a slip, refused later as still to come: never moved
    a year back unasked. A date further ahead without a year is last year's, as before."""
    day = today + timedelta(days=ahead)
    if (day.month, day.day) == (2, 29):
        return
    now = datetime.combine(today, time(12), tzinfo=ZoneInfo("Asia/Shanghai"))
    read = read_time(f"{day.month}月{day.day}日", now=now, tz=ZoneInfo("Asia/Shanghai"))
    if day.year == today.year and ahead <= 7:
        assert read.day == day
    elif day.year == today.year:
        assert read.day == day.replace(year=today.year - 1)
