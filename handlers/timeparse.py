"""Reading a date and time the way a judge types it on a phone.

``2026-03-06 14:30``, ``2026/3/6 14:30``, ``2026年3月6日14:30``, ``3月6日 14时30分``,
``3-6 14:30``, ``11月28日下午三点``, ``28号下午3点``, ``今天 9:30``, ``今天早上8点``,
``昨天 15:00``, ``昨晚8点``, ``前天下午3点半``, ``凌晨1点``, or just ``14:30`` (today).
Chinese numerals (三点, 十一月二十八日, 两点一刻) and full-width digits read as digits.

English as a table beside the Chinese: ``2 days ago 3pm``, ``yesterday 8pm``, ``3pm
yesterday``, ``today 9:30``, ``last night 9``, ``28 Nov 15:00``, ``Nov 28 15:00``; the echo
(``11月28日（周六）15:00``, ``Sat 28 Nov 15:00``) reads back, its weekday checked against the
date.

A weekday after its week (``上周五下午3点``, ``上个星期五``, ``上礼拜五``, ``本周一``,
``这个星期三``, ``last friday 3pm``, ``this monday``) is that day of that week, Monday to
Sunday, whether or not still to come (``下周一`` is read, to be refused as in the future); a
day of a month counted from this one (``上个月28号下午``, ``上月28日``, ``上月底``,
``本月5号``) is that day of that month, its last for 底 or 末 (a day the month lacks,
``上个月31号`` in a 30-day month, refused as ``2月30日`` is). A
moment back from now (``刚才``, ``刚刚``, ``5分钟前``, ``半小时前``, ``一个半小时前``,
``两小时前``, ``just now``, ``2 hours ago``) is read to the minute, from ``now``.

A weekday alone (``周六晚上10点``, ``星期三下午3点半``, ``礼拜天上午9点10分``, ``saturday 10pm``)
is the latest such day not after today; when it is today's weekday it may be today or the same
day a week back, and neither is chosen: the ``Moment`` is today's and names the other
(``Moment.other``), for the judge to be asked which is meant. A date without a year, or a
bare ``28号``, is the latest such day that is not after today: inquiries lie in the past.
``明天`` and ``后天`` are read, so that a time in the future is refused as such rather than
as unreadable. A date alone reads as a ``Moment`` without a clock, with the part of the day it
names (``昨天下午``: ``DayPart.AFTERNOON``); the hour asked for it is then read within that part
(``read_time(..., part=...)``: ``3点`` is 15:00, ``9点`` or ``上午3点`` no time of that part).
An hour 1–12 without a part of the day (``3点``) may be the morning's or the afternoon's: it
is read, and flagged (``Moment.twelve``) for the caller to ask which.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class TimeProblem(StrEnum):
    """Why a typed time was refused: nothing read (FORMAT), a day without a time (NO_TIME),
    a bare number (BARE: ``3``, a button's number, 3:00 or 15:00 — never guessed), a month,
    day of the month, hour or minute that does not exist (NO_MONTH ``13月``, NO_DAY ``2月30日``,
    NO_HOUR ``25点``/``下午13点``, NO_MINUTE ``14:75``), a weekday the date does not fall on
    (WEEKDAY), two weekdays (WEEKDAYS ``周六周日 9点``), a time of day after words that are
    no day (DAY_UNREAD ``大大前天3点``), or a day before words that are no time of day
    (CLOCK_UNREAD ``昨天傍晚左右``)."""

    FORMAT = "format"
    NO_TIME = "no_time"
    BARE = "bare"
    NO_MONTH = "no_month"
    NO_DAY = "no_day"
    NO_HOUR = "no_hour"
    NO_MINUTE = "no_minute"
    WEEKDAY = "weekday"
    WEEKDAYS = "weekdays"
    DAY_UNREAD = "day_unread"
    CLOCK_UNREAD = "clock_unread"
    PART = "part"
    """A time of day outside the part of the day already given (``下午``, then ``9点``)."""


class DayPart(StrEnum):
    """A part of the day named without an hour (``昨天下午``, ``昨晚``, ``this morning``)."""

    EARLY = "early"
    MORNING = "morning"
    NOON = "noon"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class TimeParseError(ValueError):
    """A typed time that cannot be read; ``problem`` says which way (``TimeProblem``), and
    what was read on the way: ``day`` (a day read), ``clock`` (a time of day read), ``part``
    (the words not read), ``numbers`` (the ``month``, ``mday`` day of the month, ``hour`` or
    ``minute`` that does not exist, ``weekday`` named (0 Monday), and ``year`` where the
    day's year is known)."""

    def __init__(
        self,
        problem: TimeProblem,
        *,
        day: date | None = None,
        clock: time | None = None,
        part: str = "",
        **numbers: int,
    ) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.day = day
        self.clock = clock
        self.part = part
        self.numbers = numbers


@dataclass(frozen=True)
class Moment:
    """A typed day, with the time of day when one was given (``clock`` None: a date alone)."""

    day: date
    clock: time | None
    dated: bool
    """Whether the text named a day (a bare ``15:00`` does not)."""
    other: date | None = None
    """A weekday alone that is today's (``周六`` typed on a Saturday): the same day a week
    back, which the words may mean as well as today (``day``); None when they name one day."""
    twelve: bool = False
    """An hour 1–12 typed with 点 or 时 and no part of the day (``3点``, ``三点半``,
    ``昨天12点``): the morning's or the afternoon's, which the words do not say (``clock`` is
    the morning's reading but for 12, which reads as noon; ``halves`` gives both). A part of
    the day (下午, 今晚, pm), an hour over 12 or written with a leading zero (``15点``,
    ``03点``), or a colon (``3:00``, a clock's own notation) is never so."""
    part: DayPart | None = None
    """A day named with a part of it but no hour (``昨天下午``): that part; None otherwise."""

    def halves(self) -> tuple[time, time]:
        """The morning's and the afternoon's reading of a ``twelve`` clock (``3点``: 3:00 and
        15:00; ``12点``: 0:00 and 12:00). Raises ``ValueError`` for a clock that is not."""
        if not self.twelve or self.clock is None:
            raise ValueError("not an unmarked hour")
        morning = self.clock.replace(hour=self.clock.hour % 12)
        return morning, morning.replace(hour=morning.hour + 12)

    def at(self, tz: ZoneInfo) -> datetime:
        """The moment in ``tz``; a date alone is its first minute."""
        return datetime.combine(self.day, self.clock or time(0, 0), tzinfo=tz)


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十]+")


def _numeral(text: str) -> str:
    """A Chinese numeral up to 99 (十一, 二十八, 三十, 两) in digits; others unchanged."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            return text
        value = (_DIGITS.get(tens, -100) if tens else 1) * 10 + (
            _DIGITS.get(ones, -100) if ones else 0
        )
        return str(value) if value >= 0 else text
    if all(ch in _DIGITS for ch in text):
        return "".join(str(_DIGITS[ch]) for ch in text)
    return text


# Day words: days back from today (negative: ahead), and the part of the day they imply.
_DAY_WORDS: dict[str, tuple[int, str | None]] = {
    "大前天": (3, None),
    "前天": (2, None),
    "前晚": (2, "晚"),
    "昨天": (1, None),
    "昨日": (1, None),
    "昨晚": (1, "晚"),
    "昨夜": (1, "晚"),
    "昨早": (1, "早"),
    "今天": (0, None),
    "今日": (0, None),
    "今早": (0, "早"),
    "今晨": (0, "早"),
    "今晚": (0, "晚"),
    "明天": (-1, None),
    "明日": (-1, None),
    "明早": (-1, "早"),
    "明晚": (-1, "晚"),
    "后天": (-2, None),
}
# The English day words, as a table like the Chinese ones above.
_DAY_WORDS |= {
    "the day before yesterday": (2, None),
    "yesterday morning": (1, "早"),
    "yesterday afternoon": (1, "午"),
    "yesterday evening": (1, "晚"),
    "last night": (1, "晚"),
    "yesterday": (1, None),
    "this morning": (0, "早"),
    "this afternoon": (0, "午"),
    "this evening": (0, "晚"),
    "tonight": (0, "晚"),
    "today": (0, None),
    "tomorrow": (-1, None),
}


def relative_day(text: str) -> bool:
    """Whether ``text`` opens with a day counted from today (昨天, 前天, 今晚, yesterday…:
    ``_DAY_WORDS``), which names nobody, unlike a weekday (周一 may be a person's name)."""
    folded = text.strip().casefold()
    return any(folded.startswith(word) for word in _DAY_WORDS)


_PERIODS = {
    "凌晨": "凌晨",
    "清晨": "早",
    "早上": "早",
    "早晨": "早",
    "上午": "早",
    "早": "早",
    "中午": "中午",
    "午后": "午",
    "下午": "午",
    "傍晚": "晚",
    "晚上": "晚",
    "夜里": "晚",
    "夜间": "晚",
    "晚": "晚",
    "in the morning": "早",
    "morning": "早",
    "noon": "中午",
    "in the afternoon": "午",
    "afternoon": "午",
    "in the evening": "晚",
    "evening": "晚",
    "night": "晚",
}
# The parts of the day as ``_PERIODS`` reads them, each with the word that writes it, and the
# hours of the day that lie in it (evening: also its midnight, the next day's 0:00).
_PART_OF = {
    "凌晨": DayPart.EARLY,
    "早": DayPart.MORNING,
    "中午": DayPart.NOON,
    "午": DayPart.AFTERNOON,
    "晚": DayPart.EVENING,
}
_PERIOD_OF = {part: period for period, part in _PART_OF.items()}
PART_WORDS = {
    DayPart.EARLY: "凌晨",
    DayPart.MORNING: "上午",
    DayPart.NOON: "中午",
    DayPart.AFTERNOON: "下午",
    DayPart.EVENING: "晚上",
}
"""Each part of the day as a word ``read_time`` reads (a date + it: that day, that part)."""
_PART_HOURS = {
    DayPart.EARLY: range(0, 7),
    DayPart.MORNING: range(5, 13),
    DayPart.NOON: range(11, 14),
    DayPart.AFTERNOON: range(12, 20),
    DayPart.EVENING: range(17, 24),
}
# Said after the hour ("3pm", "8 in the evening"); "am" reads as 凌晨 does, 12am being 0:00.
_SUFFIXES = {"a.m.": "凌晨", "am": "凌晨", "p.m.": "午", "pm": "午"} | {
    word: period for word, period in _PERIODS.items() if word.isascii()
}
# "3天前", "2 days ago": days back from today.
_DAYS_AGO = re.compile(r"^(?P<n>\d{1,3})\s*(?:天前|days? ago)")
# Words that only join the others ("yesterday at 8pm", "on 11/28").
_FILLER = re.compile(r"\b(?:at|on)\b|,")
# A weekday before or after a date, as the echo writes it ("11月28日（周六）15:00", "Sat 28 Nov"):
# checked against the date; alone ("周六晚上10点"), the latest such day not in the future.
_WEEKDAYS = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "日": 6, "天": 6}
_WEEKDAYS |= {"mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2}
_WEEKDAYS |= {"wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4}
_WEEKDAYS |= {"friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6}
_WEEKDAY = re.compile(
    r"(?P<zhweek>上上个?|上个?|本|这个?|下个?)?\(?(?:周|星期|礼拜)(?P<zh>[1-7日天])\)?"
    r"|\b(?:(?P<enweek>last|this|next) )?(?P<en>[a-z]{3,9})\b\.?",
)
# The week a weekday is in, said before it (上周五, 上个星期五, 这周五, last friday): weeks
# from this one (Monday to Sunday), back negative.
_WEEKS = {"上上": -2, "上上个": -2, "上": -1, "上个": -1, "本": 0, "这": 0, "这个": 0}
_WEEKS |= {"下": 1, "下个": 1, "last": -1, "this": 0, "next": 1}
_FULL_DATE = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
)
# The English echo's date ("28 nov", "28 nov 2025", day first as ``i18n.day_words`` writes
# it) and the month-first form a person may type ("nov 28").
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_NAMED_DATE = re.compile(
    rf"^(?:(?P<d>\d{{1,2}}) {_MONTH}|{_MONTH.replace('mon', 'mon2')} (?P<d2>\d{{1,2}}))"
    r"(?: (?P<y>\d{4})\b)?"
)
_DAY_ONLY = re.compile(r"^(?P<d>\d{1,2})\s*[日号]")
# A day of a month counted from this one (上个月28号, 上月28日, 上月底, 本月5号, 这个月月底):
# months from this one, back negative; 底/末 is the month's last day.
_MONTH_DAY = re.compile(
    r"^(?P<rel>上上个?|上个?|本|这个?|下个?)\s*月\s*(?:月?(?P<end>底|末)|(?P<d>\d{1,2})\s*[日号])"
)
_MONTHS_BACK = {"上上": -2, "上上个": -2, "上": -1, "上个": -1, "本": 0, "这": 0, "这个": 0}
_MONTHS_BACK |= {"下": 1, "下个": 1}
_CLOCK = re.compile(
    r"^(?P<h>\d{1,2})\s*(?:(?P<sep>[:：])\s*(?P<mi>\d{2})|(?:[点时])\s*"
    r"(?:(?P<half>半)|(?P<q>[13])刻|(?P<mi2>\d{1,2})\s*分?)?)?$"
)


_BARE = re.compile(r"^\d+$")
"""A number alone, without 点, a colon or a part of the day: no time of day by itself."""


def _normalise(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    cleaned = re.sub(r"\s+", " ", cleaned)
    return _NUMERAL.sub(lambda m: _numeral(m.group(0)), cleaned)


NEAR_AHEAD = 7
"""Days ahead within which a month and day typed without a year are this year's, to be
refused as still to come (``12月5日`` typed on 1 December is a slip, not last year's)."""


def _latest(year: int | None, month: int, day: int, today: date) -> date:
    """The day ``month``/``day`` of ``year``; without a year, the latest not after today,
    but this year's when it lies at most ``NEAR_AHEAD`` days ahead (never moved a year back
    unasked for a slip of a few days)."""
    if not 1 <= month <= 12:
        raise TimeParseError(TimeProblem.NO_MONTH, month=month)
    try:
        if year is not None:
            return date(year, month, day)
        found = date(today.year, month, day)
        if found <= today or (found - today).days <= NEAR_AHEAD:
            return found
        return date(today.year - 1, month, day)
    except ValueError:
        if year is None:  # as without a year: this year's month, or last year's
            year = today.year if month <= today.month else today.year - 1
        raise TimeParseError(TimeProblem.NO_DAY, year=year, month=month, mday=day) from None


def _day_of_month(day: int, today: date) -> date:
    """``28号``: this month's 28th, or last month's when that is still to come."""
    if not 1 <= day <= 31:
        raise TimeParseError(TimeProblem.NO_DAY, mday=day)
    year, month = today.year, today.month
    if day > today.day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    try:
        return date(year, month, day)
    except ValueError:
        raise TimeParseError(TimeProblem.NO_DAY, year=year, month=month, mday=day) from None


def _month_day(match: re.Match[str], today: date) -> date:
    """The day ``_MONTH_DAY`` matched: that month's day, or its last (底, 末). Raises
    ``TimeParseError`` NO_DAY, with the year and month, for a day the month lacks
    (上个月31号 in a 30-day month), as for ``2月30日``."""
    index = today.year * 12 + today.month - 1 + _MONTHS_BACK[match.group("rel")]
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    day = last if match.group("end") else int(match.group("d"))
    if not 1 <= day <= last:
        raise TimeParseError(TimeProblem.NO_DAY, year=year, month=month, mday=day)
    return date(year, month, day)


def _take_day(text: str, today: date) -> tuple[date | None, str | None, str]:
    """The day at the head of ``text``, the part of day it implies, and the rest."""
    for word in sorted(_DAY_WORDS, key=len, reverse=True):
        if text.startswith(word):
            back, period = _DAY_WORDS[word]
            return today - timedelta(days=back), period, text[len(word) :].strip()
    match = _DAYS_AGO.match(text)
    if match:
        ago = timedelta(days=int(match.group("n")))
        return today - ago, None, text[match.end() :].strip()
    match = _MONTH_DAY.match(text)
    if match:
        return _month_day(match, today), None, text[match.end() :].strip()
    match = _FULL_DATE.match(text)
    if match and (match.group("y") or re.search(r"[月/.-]", match.group(0))):
        year = int(match.group("y")) if match.group("y") else None
        day = _latest(year, int(match.group("m")), int(match.group("d")), today)
        return day, None, text[match.end() :].strip()
    match = _NAMED_DATE.match(text)
    if match:
        month = _MONTHS.index(match.group("mon") or match.group("mon2")) + 1
        year = int(match.group("y")) if match.group("y") else None
        day = _latest(year, month, int(match.group("d") or match.group("d2")), today)
        return day, None, text[match.end() :].strip()
    match = _DAY_ONLY.match(text)
    if match:
        return _day_of_month(int(match.group("d")), today), None, text[match.end() :].strip()
    return None, None, text


def _take_period(text: str) -> tuple[str | None, str]:
    for word in sorted(_PERIODS, key=len, reverse=True):
        if text.startswith(word):
            return _PERIODS[word], text[len(word) :].strip()
    return None, text


def _take_suffix(text: str, period: str | None) -> tuple[str | None, str]:
    """The part of day said after the hour ("3pm", "8 in the evening"), and the rest."""
    for word in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(word) and text[: -len(word)].rstrip()[-1:].isdigit():
            return _SUFFIXES[word], text[: -len(word)].strip()
    return period, text


def _day_first(text: str) -> str:
    """English may name the day after the time ("3pm yesterday"): the day moved first."""
    for word in sorted((w for w in _DAY_WORDS if w.isascii()), key=len, reverse=True):
        if text.endswith(" " + word):
            return f"{word} {text[: -len(word)].strip()}"
    match = re.search(r" (\d{1,3} days? ago)$", text)
    return f"{match.group(1)} {text[: match.start()]}" if match else text


def _clock(text: str, period: str | None) -> tuple[time, int, bool]:
    """The time of day, the days it moves (夜里12点 is the next day's 0:00), and whether it is
    an unmarked hour 1–12 (``Moment.twelve``)."""
    period, rest = _take_suffix(text, period)
    match = _CLOCK.match(rest)
    if not match:
        raise TimeParseError(TimeProblem.FORMAT)
    hour = int(match.group("h"))
    if rest != text and hour > 12:  # "13pm", "15 in the afternoon": a 12-hour clock
        raise TimeParseError(TimeProblem.NO_HOUR, hour=hour)
    if match.group("half"):
        minute = 30
    elif match.group("q"):
        minute = 15 * int(match.group("q"))
    else:
        minute = int(match.group("mi") or match.group("mi2") or 0)
    shift = 0
    twelve = (
        period is None
        and match.group("sep") is None
        and 1 <= hour <= 12
        and not match.group("h").startswith("0")
    )
    if period == "凌晨" and hour == 12:
        hour = 0
    elif period == "晚" and hour in (0, 12):  # 晚上12点, 晚上0点: midnight, the next day
        hour, shift = 0, 1
    elif (period == "中午" and hour < 6) or (period in ("午", "晚") and hour < 12):
        hour += 12
    elif period in ("凌晨", "早") and hour > 12:
        raise TimeParseError(TimeProblem.NO_HOUR, hour=hour)
    if not 0 <= hour <= 23:
        raise TimeParseError(TimeProblem.NO_HOUR, hour=hour)
    if not 0 <= minute <= 59:
        raise TimeParseError(TimeProblem.NO_MINUTE, minute=minute)
    return time(hour, minute), shift, twelve


def _clock_in(text: str, period: str | None, part: DayPart) -> tuple[time, int]:
    """``_clock`` of an hour that completes a day given with ``part`` (``昨天下午``, then
    ``3点``): read in that part unless it names its own (``下午3点``, ``15:00``), and lying in
    it. Raises ``TimeParseError``: PART for a time of day outside it (``9点``, ``上午3点`` after
    下午), NO_HOUR for none at all (``25点``)."""
    try:
        clock, shift, _ = _clock(text, period or _PERIOD_OF[part])
    except TimeParseError as refused:
        if refused.problem is not TimeProblem.NO_HOUR:
            raise
        _clock(text, period)  # a time of day all the same (``15点`` after 上午): not in the part
        raise TimeParseError(TimeProblem.PART) from None
    fits = clock.hour in _PART_HOURS[part] if shift == 0 else part is DayPart.EVENING
    if period is None and clock.hour == 12 and _clock(text, None)[0].hour == 0:
        fits = False  # 0点, 0:30 alone: midnight on the 24-hour clock, never noon
    if not fits:
        raise TimeParseError(TimeProblem.PART)
    return clock, shift


def read_time(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    day: date | None = None,
    part: DayPart | None = None,
) -> Moment:
    """What ``text`` says: a day and, when given, a time of day.

    ``now`` anchors 今天, the year and a moment back from it (``刚才``, ``5分钟前``); ``day``
    is the day a bare time of day falls on (today when None). Raises ``TimeParseError``
    saying why and what was read on the way (``TimeProblem``): FORMAT when nothing is read,
    NO_MONTH/NO_DAY/NO_HOUR/NO_MINUTE for a day or time that does not exist (13月, 2月30日,
    25点, 14:75), WEEKDAY for a date named with another weekday, WEEKDAYS for two,
    DAY_UNREAD/CLOCK_UNREAD when only the time of day or only the day is read, BARE for a
    number alone (``3``, ``今天 3``, ``三``), which may be a button's number or either 3:00
    or 15:00, PART for a time of day outside ``part`` (``9点``, ``上午3点`` after 下午).
    ``part``: the part of the ``day`` already given (``昨天下午``, asked its hour): a time of
    day typed without a day, or with ``day`` itself, is read within it (``3点``: 15:00, never
    an unmarked hour).
    """
    weekdays: list[tuple[int, int | None]] = []  # (0 Monday, the week named or None)

    def weekday(match: re.Match[str]) -> str:
        name = match.group("zh") or match.group("en")
        if name not in _WEEKDAYS:
            return match.group(0)
        week = match.group("zhweek") or match.group("enweek")
        weekdays.append((_WEEKDAYS[name], _WEEKS[week] if week else None))
        return " "

    local = now.astimezone(tz)
    normalised = _FILLER.sub(" ", _normalise(text))
    ago = _ago(re.sub(r"\s+", " ", normalised).strip(), local)
    if ago is not None:
        return ago
    cleaned = _WEEKDAY.sub(weekday, normalised)
    cleaned = _day_first(re.sub(r"\s+", " ", cleaned).strip())
    if not cleaned and not weekdays:
        raise TimeParseError(TimeProblem.FORMAT)
    today = local.date()
    found, implied, rest = _take_day(cleaned, today)
    if len(weekdays) > 1:
        raise TimeParseError(TimeProblem.WEEKDAYS)
    if weekdays and found is not None and found.weekday() != weekdays[0][0]:
        raise TimeParseError(TimeProblem.WEEKDAY, day=found, weekday=weekdays[0][0])
    other: date | None = None
    if weekdays and found is None:
        named, week = weekdays[0]
        if week is not None:  # 上周五: that week's Friday, whether or not still to come
            monday = today - timedelta(days=today.weekday())
            found = monday + timedelta(days=7 * week + named)
        else:  # 周六: the latest Saturday not after today
            found = today - timedelta(days=(today.weekday() - named) % 7)
            if found == today:  # or a week back: asked, never chosen
                other = today - timedelta(days=7)
    period, rest = _take_period(rest)
    period = period or implied
    if not rest:
        if found is None:
            raise TimeParseError(TimeProblem.FORMAT)
        return Moment(found, None, True, other, part=_PART_OF.get(period or ""))
    if period is None and _BARE.match(rest):
        raise TimeParseError(TimeProblem.BARE)
    carried = part if part is not None and found in (None, day) else None
    try:
        if carried is None:
            clock, shift, twelve = _clock(rest, period)
        else:
            (clock, shift), twelve = _clock_in(rest, period, carried), False
    except TimeParseError as unread:
        if unread.problem is not TimeProblem.FORMAT:
            raise
        if found is not None:  # 昨天傍晚左右: a day, and no time of day after it
            raise TimeParseError(TimeProblem.CLOCK_UNREAD, day=found, part=rest) from None
        raise _day_unread(rest, period) from None
    if other is not None:
        other += timedelta(days=shift)
    on = (found or day or today) + timedelta(days=shift)
    return Moment(on, clock, found is not None, other, twelve)


# A moment back from now ("刚才", "5分钟前", "半小时前", "一个半小时前", "2 hours ago"):
# the amount (半, "a", "an", "half an": read by ``_HALVES``) and its unit.
_AGO = re.compile(
    r"^(?:(?P<now>刚才|刚刚|just now)|(?P<n>\d{1,4}|半|an?|half an) ?个?(?P<half>半)?"
    r"(?P<unit>分钟|分|刻钟|小时|钟头|minute|min|hour|hr)s? ?(?:以前|之前|前|ago))$"
)
_UNITS = {"分钟": 1, "分": 1, "刻钟": 15, "小时": 60, "钟头": 60, "minute": 1, "min": 1}
_UNITS |= {"hour": 60, "hr": 60}
_HALVES = {"半": 1, "a": 2, "an": 2, "half an": 1}
"""The amounts in words, in halves of the unit."""


def _ago(text: str, now: datetime) -> Moment | None:
    """``text`` as a moment back from ``now`` (local, aware), to the minute; None when it
    is not one."""
    match = _AGO.match(text)
    if match is None:
        return None
    back = timedelta(0)
    if match.group("n"):
        amount = match.group("n")
        halves = _HALVES[amount] if amount in _HALVES else 2 * int(amount)
        halves += 1 if match.group("half") else 0
        back = timedelta(minutes=_UNITS[match.group("unit")]) * halves / 2
    then = (now - back).astimezone(now.tzinfo).replace(second=0, microsecond=0)
    return Moment(then.date(), then.time().replace(tzinfo=None), True)


def _day_unread(text: str, period: str | None) -> TimeParseError:
    """``text`` unread as a time of day: DAY_UNREAD with the clock read at its end and the
    words before it when there is one (``大大前天下午3点``), else FORMAT."""
    for start in range(1, len(text)):
        head, tail = text[:start].strip(), text[start:].strip()
        if not head or head[-1].isdigit():
            continue
        said, tail = _take_period(tail)
        try:
            clock, _, _ = _clock(tail, said or period)
        except TimeParseError:
            continue
        return TimeParseError(TimeProblem.DAY_UNREAD, clock=clock, part=head)
    return TimeParseError(TimeProblem.FORMAT)


def parse_local(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """A typed local date and time as an aware datetime in ``tz``; ``now`` anchors 今天.

    Raises ``TimeParseError`` (NO_TIME for a date without the time of day).
    """
    moment = read_time(text, now=now, tz=tz)
    if moment.clock is None:
        raise TimeParseError(TimeProblem.NO_TIME, day=moment.day)
    return moment.at(tz)
