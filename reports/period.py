"""The period a report covers: a quarter (``2026Q3``) or two dates, both days included.

A record belongs to the period when its receipt time, read in the court's time zone, falls
on one of the period's days (Art. 6 counts from receipt, and so does the quarter of Art. 7).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.quarters import Quarter
from reports.text import catalog, tr
from storage.models import AuditEvent, Record
from storage.numbers import parse_int
from storage.vocabulary import Language

# A range longer than this is almost certainly a typo in a year.
MAX_DAYS = 5 * 366
# Years a court's period can name; beyond them the calendar arithmetic has nothing to say.
FIRST_YEAR = 1900
LAST_YEAR = 9998
_DATE = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
_RANGE = re.compile(rf"^{_DATE}\s*(?:\s|\.\.|~|～|,|，|—|–)\s*{_DATE}$")
_ONE_DATE = re.compile(rf"^{_DATE}$")


class PeriodProblem(StrEnum):
    """Why a typed period was refused (``PeriodError.problem``); each has its catalog message."""

    FORMAT = "format"
    DATE = "date"
    ORDER = "order"
    TOO_LONG = "too_long"
    NOT_STARTED = "not_started"
    BEFORE_RECORDS = "before_records"
    BEFORE_USE = "before_use"
    NOTHING_RECORDED = "nothing_recorded"


class PeriodError(Exception):
    """What a person typed is not a period; ``problem`` says why."""

    def __init__(self, problem: PeriodProblem, text: str, since: date | None = None) -> None:
        super().__init__(f"{problem}: {text!r}")
        self.problem = problem
        self.text = text
        self.since = since
        """The first day the court's records know (``BEFORE_RECORDS``, ``BEFORE_USE``), else
        None."""
        self.suggestion: Period | None = None
        """The period a refusal gives as its example (``default_period``): set by
        ``accepted_period``, which knows where the records begin; else None."""

    @property
    def since_quarter(self) -> str:
        """The label of the quarter of ``since`` (``2026Q1``: the first a report can speak
        for, the example given with ``BEFORE_RECORDS``); empty without ``since``."""
        if self.since is None:
            return ""
        return Quarter(self.since.year, (self.since.month - 1) // 3 + 1).label


@dataclass(frozen=True)
class Period:
    """The days a report covers, ``first`` to ``last`` both included; ``quarter`` when one."""

    first: date
    last: date
    quarter: Quarter | None = None

    @classmethod
    def of_quarter(cls, quarter: Quarter) -> Period:
        """The period of ``quarter``, from its first to its last day."""
        return cls(quarter.first_day, quarter.last_day, quarter)

    @property
    def label(self) -> str:
        """A name safe in a file name: ``2026Q3`` or ``2026-07-01_2026-09-30``."""
        if self.quarter is not None:
            return self.quarter.label
        return f"{self.first.isoformat()}_{self.last.isoformat()}"

    def title(self, language: Language) -> str:
        """The period as a title: ``2026年第三季度`` or ``2026-07-01 至 2026-09-30`` (zh-CN)."""
        if self.quarter is not None:
            name = tr(language, f"period.q{self.quarter.number}")
            return tr(language, "period.quarter", year=self.quarter.year, name=name)
        return tr(
            language, "period.range", first=self.first.isoformat(), last=self.last.isoformat()
        )

    @property
    def days(self) -> int:
        """The number of days in the period, both ends included."""
        return (self.last - self.first).days + 1

    def start(self, tz: ZoneInfo) -> datetime:
        """00:00 of the first day in ``tz`` (inclusive)."""
        return datetime.combine(self.first, time(), tzinfo=tz)

    def end(self, tz: ZoneInfo) -> datetime:
        """24:00 of the last day, as the next day's first instant (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=tz)

    def previous(self) -> Period:
        """The period before, to compare with: the previous quarter, or as many days before."""
        if self.quarter is not None:
            return Period.of_quarter(self.quarter.previous())
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def months(self) -> list[tuple[int, int]]:
        """Every (year, month) the period touches, in order."""
        found: list[tuple[int, int]] = []
        year, month = self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            found.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return found

    def ended(self, now: datetime, tz: ZoneInfo) -> bool:
        """Whether 24:00 of the last day (in ``tz``) has passed at ``now``."""
        return now >= self.end(tz)


def last_completed_quarter(now: datetime, tz: ZoneInfo) -> Period:
    """The last quarter that ended before ``now`` (in ``tz``): the one Art. 7 summarises."""
    return Period.of_quarter(Quarter.of(now, tz).previous())


def default_period(
    now: datetime, tz: ZoneInfo, begin: datetime | None, *, current: bool = False
) -> Period:
    """The period a command without one covers, and the example every refusal gives: the
    current quarter so far when ``current`` (/compliance) or when the records (``begin``,
    ``records_begin``) do not reach back into the previous quarter; else the previous
    quarter (Art. 7 summarises the last one ended). Accepted by ``accepted_period`` whenever
    ``begin`` is not None and not after ``now``."""
    this = Quarter.of(now, tz)
    previous = Period.of_quarter(this.previous())
    if current or begin is None or previous.last < begin.astimezone(tz).date():
        return Period.of_quarter(this)
    return previous


def default_words(
    period: Period, now: datetime, tz: ZoneInfo, begin: datetime | None
) -> tuple[str, dict[str, str]]:
    """What /report and ``guowen report`` without a period say of the one they took
    (``period``, from ``default_period`` without ``current``): the catalog key and values.
    ``report.default_took_last``: the previous quarter (Art. 7: its summary is due within
    five days after it ends), with the current quarter's label (``other``) for who wants it
    on a quarter's last days; ``report.default_took_current``: the current quarter so far,
    because the records (from ``begin``, its date as ``since``) do not reach back into the
    previous one."""
    this = Quarter.of(now, tz)
    if period.quarter is not None and period.quarter == this.previous():
        return "report.default_took_last", {"quarter": period.label, "other": this.label}
    since = begin.astimezone(tz).date().isoformat() if begin is not None else ""
    return "report.default_took_current", {"quarter": period.label, "since": since}


def _date(parts: Sequence[str], text: str) -> date:
    year = parse_int(parts[0], low=FIRST_YEAR, high=LAST_YEAR)
    month = parse_int(parts[1], low=1, high=12)
    day = parse_int(parts[2], low=1, high=31)
    if year is None or month is None or day is None:
        raise PeriodError(PeriodProblem.DATE, text)
    try:
        return date(year, month, day)
    except ValueError:
        raise PeriodError(PeriodProblem.DATE, text) from None


def _folded(text: str) -> str:
    """``text`` as a quarter's word is compared: NFKC, case folded, without whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def quarter_word(text: str) -> int | None:
    """How many quarters before the current one the words ``text`` name, in any language
    (the document catalog's ``period.this_quarter`` / ``period.last_quarter``, alternatives
    between ``|``: 本季度 0, 上季度 1, ``last quarter`` 1); None for other text."""
    typed = _folded(text)
    for back, key in enumerate(("period.this_quarter", "period.last_quarter")):
        for language in Language:
            if typed in {_folded(word) for word in catalog(language)[key].split("|") if word}:
                return back
    return None


def relative_quarter(back: int, now: datetime, tz: ZoneInfo) -> Quarter:
    """The quarter ``back`` quarters before the one ``now`` is in (court time ``tz``): 0 is
    本季度, 1 上季度; what ``quarter_word``'s words and the chat's 本季度报告 name."""
    quarter = Quarter.of(now, tz)
    for _ in range(back):
        quarter = quarter.previous()
    return quarter


def parse_period(
    text: str, *, now: datetime, tz: ZoneInfo, default: Period | None = None
) -> Period:
    """``""`` (``default``, else the last completed quarter), ``2026Q3``, ``2026年第三季度``,
    本季度 or 上季度 (``quarter_word``, as of ``now``), or ``2026-07-01 2026-09-30``: the one
    reading of a typed period, for /report, /compliance and ``guowen report``. Raises
    ``PeriodError`` for text that is no period, a date that does not exist, a range backwards
    or longer than ``MAX_DAYS``, or a period that has not begun at ``now``."""
    cleaned = text.strip()
    if not cleaned:
        return default if default is not None else last_completed_quarter(now, tz)
    back = quarter_word(cleaned)
    quarter = relative_quarter(back, now, tz) if back is not None else Quarter.parse(cleaned)
    if quarter is not None:
        if not FIRST_YEAR <= quarter.year <= LAST_YEAR:
            raise PeriodError(PeriodProblem.DATE, cleaned)
        period = Period.of_quarter(quarter)
    else:
        match = _RANGE.match(cleaned)
        if match is None:
            single = _ONE_DATE.match(cleaned)
            if single is not None:
                day = _date(single.groups(), cleaned)
                period = Period(day, day)
            else:
                raise PeriodError(PeriodProblem.FORMAT, cleaned)
        else:
            groups = match.groups()
            first = _date(groups[:3], cleaned)
            last = _date(groups[3:], cleaned)
            if last < first:
                raise PeriodError(PeriodProblem.ORDER, cleaned)
            period = Period(first, last)
    if period.days > MAX_DAYS:
        raise PeriodError(PeriodProblem.TOO_LONG, cleaned)
    if period.first > now.astimezone(tz).date():
        raise PeriodError(PeriodProblem.NOT_STARTED, cleaned)
    return period


def refusal_values(problem: PeriodError, now: datetime, tz: ZoneInfo) -> dict[str, str]:
    """What a refusal's catalog message (``report.bad_<problem>``) names besides the command:
    ``text``; the example ``quarter`` and its ``first`` and ``last`` day (``problem``'s
    ``suggestion``, else the last completed quarter); ``default``, the catalog key of the
    example's words (``report.default_current`` while it runs at ``now``, else
    ``report.default_last``); ``since`` and ``since_quarter`` (``BEFORE_RECORDS``,
    ``BEFORE_USE``)."""
    example = problem.suggestion or last_completed_quarter(now, tz)
    running = not example.ended(now, tz)
    return {
        "text": problem.text,
        "default": "report.default_current" if running else "report.default_last",
        "quarter": example.label,
        "first": example.first.isoformat(),
        "last": example.last.isoformat(),
        "since": problem.since.isoformat() if problem.since else "",
        "since_quarter": problem.since_quarter,
    }


async def records_begin(session: AsyncSession) -> datetime | None:
    """The earliest moment the court's records know: the first audit event or the earliest
    receipt of any record (one registered late may have been received before the court used
    guowen), whichever is earlier; None when nothing is recorded at all."""
    first_event = (await session.execute(select(func.min(AuditEvent.at)))).scalar_one_or_none()
    first_receipt = (
        await session.execute(select(func.min(Record.received_at)))
    ).scalar_one_or_none()
    known = [moment for moment in (first_event, first_receipt) if moment is not None]
    return min(known) if known else None


async def in_use_since(session: AsyncSession) -> datetime | None:
    """When the court began to use the system: its first audit event (the first staff member
    registered, the first record opened), or None when nothing is recorded. A record received
    before it was registered late, after that moment: a period that ended before it was not
    registered here, whatever records were registered for it since (``records_begin`` is the
    earlier of the two)."""
    return (await session.execute(select(func.min(AuditEvent.at)))).scalar_one_or_none()


async def any_record(session: AsyncSession) -> bool:
    """Whether the court has any inquiry record at all (a draft counts)."""
    return (await session.execute(select(Record.id).limit(1))).first() is not None


def check_recorded(
    period: Period, begin: datetime | None, text: str, tz: ZoneInfo, *, recorded: bool = True
) -> None:
    """Refuse a period the records cannot speak for.

    A period that ended before ``begin`` (``records_begin``) would read as a quarter without
    inquiries when in truth nothing of it was recorded here, so it raises ``PeriodError``
    (``BEFORE_RECORDS`` with ``since``; ``BEFORE_USE`` with ``since`` when there is no
    inquiry record at all (not ``recorded``: ``begin`` is the court's first use, naming no
    record); ``NOTHING_RECORDED`` when ``begin`` is None). A period with no counted record
    after ``begin`` is a true zero (Art. 7) and passes.
    """
    if begin is None:
        raise PeriodError(PeriodProblem.NOTHING_RECORDED, text or period.label)
    since = begin.astimezone(tz).date()
    if period.last < since:
        problem = PeriodProblem.BEFORE_RECORDS if recorded else PeriodProblem.BEFORE_USE
        raise PeriodError(problem, text or period.label, since)


def accepted_period(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    begin: datetime | None,
    current: bool = False,
    recorded: bool = True,
) -> Period:
    """The period ``text`` names (``parse_period``; ``""`` is ``default_period``), refused
    as ``check_recorded`` refuses one the records (from ``begin``; ``recorded``: whether any
    inquiry record exists) cannot speak for. Raises
    ``PeriodError`` whose ``suggestion`` is ``default_period``: the one example a refusal
    gives, itself accepted."""
    default = default_period(now, tz, begin, current=current)
    try:
        period = parse_period(text, now=now, tz=tz, default=default)
        check_recorded(period, begin, text.strip(), tz, recorded=recorded)
    except PeriodError as problem:
        problem.suggestion = default
        raise
    return period


async def recorded_period(
    session: AsyncSession,
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    current: bool = False,
) -> Period:
    """``accepted_period`` with the session's ``records_begin``: what /report and
    /compliance both accept, so neither shows zeros for a period the other says was never
    recorded here. Raises ``PeriodError``."""
    begin = await records_begin(session)
    recorded = await any_record(session)
    return accepted_period(text, now=now, tz=tz, begin=begin, current=current, recorded=recorded)
