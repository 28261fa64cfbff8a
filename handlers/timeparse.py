"""Reading a date and time the way a judge types it on a phone.

``2026-03-06 14:30``, ``2026/3/6 14:30``, ``2026年3月6日14:30``, ``3月6日 14时30分``,
``3-6 14:30``, ``今天 9:30``, ``昨天 15:00``, ``前天 8点``, or just ``14:30`` (today). A time of
day is required: the receipt day decides the deadlines and the hour makes the record credible.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class TimeProblem(StrEnum):
    FORMAT = "format"
    NO_TIME = "no_time"
    INVALID = "invalid"


class TimeParseError(ValueError):
    def __init__(self, problem: TimeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


_RELATIVE = {
    "今天": 0,
    "今日": 0,
    "today": 0,
    "昨天": 1,
    "昨日": 1,
    "yesterday": 1,
    "前天": 2,
}
_DATE = re.compile(
    r"^(?:(?P<y>\d{4})\s*[-/.年]\s*)?(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?$"
)
_TIME = re.compile(
    r"^(?:(?P<ampm>上午|下午|晚上|凌晨|中午))?\s*(?P<h>\d{1,2})\s*(?:[:：时点]\s*(?P<mi>\d{1,2})?\s*分?)?$"
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")


def _split(text: str) -> tuple[str, str]:
    """Separate the date part from the time part."""
    text = text.strip()
    for word in sorted(_RELATIVE, key=len, reverse=True):
        if text.lower().startswith(word):
            return text[: len(word)], text[len(word) :].strip()
    match = re.match(r"^(\S+?[日号])\s*(.*)$", text)
    if match:
        return match.group(1), match.group(2).strip()
    if " " in text:
        first, rest = text.split(None, 1)
        return first, rest.strip()
    if re.fullmatch(r"[\d:：时点分上下午晚凌中]+", text) and not re.search(r"[-/.年月]", text):
        return "", text
    return text, ""


def _day(part: str, today: date) -> date:
    if not part:
        return today
    if part.lower() in _RELATIVE:
        return today - timedelta(days=_RELATIVE[part.lower()])
    match = _DATE.match(part)
    if not match:
        raise TimeParseError(TimeProblem.FORMAT)
    year = int(match.group("y")) if match.group("y") else today.year
    try:
        return date(year, int(match.group("m")), int(match.group("d")))
    except ValueError:
        raise TimeParseError(TimeProblem.INVALID) from None


def _clock(part: str) -> time:
    if not part:
        raise TimeParseError(TimeProblem.NO_TIME)
    match = _TIME.match(part)
    if not match:
        raise TimeParseError(TimeProblem.FORMAT)
    hour = int(match.group("h"))
    minute = int(match.group("mi") or 0)
    if match.group("ampm") in ("下午", "晚上") and hour < 12:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise TimeParseError(TimeProblem.INVALID)
    return time(hour, minute)


def parse_local(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """A typed local date and time as an aware datetime in ``tz``; ``now`` anchors 今天."""
    cleaned = text.translate(_FULLWIDTH).strip()
    if not cleaned:
        raise TimeParseError(TimeProblem.FORMAT)
    today = now.astimezone(tz).date()
    date_part, time_part = _split(cleaned)
    day = _day(date_part, today)
    return datetime.combine(day, _clock(time_part), tzinfo=tz)
