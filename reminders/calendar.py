"""Deadline arithmetic on China's official working calendar.

Court deadlines are counted in days but end on working days, and "working day" in China is
decided each year by the State Council: statutory holidays are bridged with rest days and paid
back with weekend make-up working days (调休). A deadline computed on the plain Monday-Friday
week is therefore wrong several times a year, always around the busiest filing dates.

The schedule for a year comes from, in order of precedence:

1. a file the administrator loaded for that year (the State Council publishes next year's
   schedule in late autumn, usually after the installed ``chinesecalendar`` was released);
2. the ``chinesecalendar`` package, for the years it ships;
3. the statutory holidays themselves (:func:`statutory_days`), which the law fixes without the
   yearly schedule, plus weekends, so that the bot keeps working when nobody loaded the new
   year and no deadline ends on 元旦 or 春节; the bridging days and make-up working days stay
   unknown until the schedule is loaded, and admins are warned beforehand (see
   :meth:`HolidayTable.needs_next_year_warning`).

Everything here is pure: no I/O and no clock reads, callers pass the times in. Nothing here
speaks to users either; :class:`HolidayFileProblem` codes are translated by the caller.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_fields
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo

__all__ = [
    "COURT_TZ",
    "MAX_HOLIDAY_DAYS",
    "CalendarSource",
    "ChinaCalendar",
    "Counting",
    "HolidayFileError",
    "HolidayFileProblem",
    "HolidayTable",
    "LoadOutcome",
    "ScheduleChange",
    "YearSchedule",
    "dump_year",
    "parse_holidays_file",
    "plan_load",
    "schedule_from_package",
    "statutory_days",
]

COURT_TZ: Final = ZoneInfo("Asia/Shanghai")

# The longest run in the official schedules so far is 10 days (Spring Festival 2020, extended
# for the epidemic). A longer range in an admin file is far more likely a typo in a month.
MAX_HOLIDAY_DAYS: Final = 10

# Years a schedule file may declare. Wide enough for any court, narrow enough that a typo such
# as 20027 is caught instead of silently creating a useless table.
_MIN_YEAR: Final = 1949
_MAX_YEAR: Final = 2199

# The first year of 《全国年节及纪念日放假办法》 as amended in 2024 (in force 1 January 2025),
# whose holidays :func:`statutory_days` knows; earlier years had other holidays.
STATUTORY_FROM: Final = 2025

_ONE_DAY: Final = timedelta(days=1)
_SATURDAY: Final = 5


class CalendarSource(StrEnum):
    """Where a year's schedule came from; admins see this to judge how far to trust it."""

    LOADED = "loaded"
    PACKAGE = "package"
    # No official schedule: weekends and, from ``STATUTORY_FROM``, the statutory holidays.
    WEEKENDS_ONLY = "weekends_only"


class Counting(StrEnum):
    """How a period of days is counted; the law that sets the period decides which applies."""

    # 民事诉讼法 Art. 85: every calendar day counts, but the period cannot end on a day off.
    CALENDAR = "calendar"
    # Periods stated in 工作日: only working days count.
    WORKDAYS = "workdays"


class HolidayFileProblem(StrEnum):
    """Why a holidays file was refused. Values are stable: they are translated and logged."""

    INVALID_TOML = "invalid_toml"
    UNKNOWN_FIELD = "unknown_field"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    BAD_YEAR = "bad_year"
    BAD_DATE = "bad_date"
    BAD_RANGE = "bad_range"
    DATE_OUTSIDE_YEAR = "date_outside_year"
    RANGE_REVERSED = "range_reversed"
    RANGE_TOO_LONG = "range_too_long"
    WORKDAY_NOT_WEEKEND = "workday_not_weekend"
    HOLIDAY_IS_WORKDAY = "holiday_is_workday"
    DUPLICATE_NAME = "duplicate_name"
    DUPLICATE_DATE = "duplicate_date"
    NO_HOLIDAYS = "no_holidays"


class HolidayFileError(ValueError):
    """A holidays file failed a sense check.

    ``detail`` carries only the offending value (a date, a name, a field path) so that the
    message shown to the admin can be composed in their language around it.
    """

    def __init__(self, problem: HolidayFileProblem, detail: str = "") -> None:
        super().__init__(problem, detail)
        self.problem = problem
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.problem}: {self.detail}" if self.detail else str(self.problem)


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule, in the shape the State Council publishes it.

    Each holiday is a named run of consecutive days off (bridging rest days included);
    ``workdays`` are the weekend days that are worked to pay for them.
    """

    year: int
    holidays: tuple[tuple[str, frozenset[date]], ...]
    workdays: frozenset[date]

    @property
    def days_off(self) -> frozenset[date]:
        """Every day off of the year's holidays, bridging rest days included."""
        return frozenset(day for _, days in self.holidays for day in days)


# --------------------------------------------------------------------------------------------
# Holidays file


_TOP_KEYS: Final = frozenset({"year", "holiday", "workday"})
_HOLIDAY_KEYS: Final = frozenset({"name", "days"})
_WORKDAY_KEYS: Final = frozenset({"date"})
_TOML_POSITION: Final = re.compile(r"line (?P<line>\d+), column (?P<column>\d+)")


def parse_holidays_file(text: str) -> YearSchedule:
    """Read an admin's holidays file, refusing anything that does not look like a schedule.

    The checks catch the typos that would otherwise silently shift deadlines: a wrong year or
    month, a reversed range, a make-up day on a weekday, a day that is both off and worked.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message is an English sentence; keep only where it happened.
        position = _TOML_POSITION.search(str(exc))
        detail = f"{position['line']}:{position['column']}" if position else ""
        raise HolidayFileError(HolidayFileProblem.INVALID_TOML, detail) from exc
    _reject_unknown(raw, _TOP_KEYS, "")

    year = _parse_year(raw)
    holidays: list[tuple[str, frozenset[date]]] = []
    seen_names: set[str] = set()
    seen_days: set[date] = set()
    for index, entry in enumerate(_tables(raw, "holiday"), start=1):
        where = f"holiday[{index}]"
        _reject_unknown(entry, _HOLIDAY_KEYS, where)
        name = _parse_name(entry, where)
        if name in seen_names:
            raise HolidayFileError(HolidayFileProblem.DUPLICATE_NAME, name)
        seen_names.add(name)
        days = _parse_days(entry, where, year)
        for day in sorted(days):
            if day in seen_days:
                raise HolidayFileError(HolidayFileProblem.DUPLICATE_DATE, day.isoformat())
        seen_days.update(days)
        holidays.append((name, days))
    if not holidays:
        raise HolidayFileError(HolidayFileProblem.NO_HOLIDAYS)

    workdays: set[date] = set()
    for index, entry in enumerate(_tables(raw, "workday"), start=1):
        where = f"workday[{index}]"
        _reject_unknown(entry, _WORKDAY_KEYS, where)
        if "date" not in entry:
            raise HolidayFileError(HolidayFileProblem.MISSING_FIELD, f"{where}.date")
        day = _parse_date(entry["date"], f"{where}.date", year)
        if day.weekday() < _SATURDAY:
            raise HolidayFileError(HolidayFileProblem.WORKDAY_NOT_WEEKEND, day.isoformat())
        if day in seen_days:
            raise HolidayFileError(HolidayFileProblem.HOLIDAY_IS_WORKDAY, day.isoformat())
        if day in workdays:
            raise HolidayFileError(HolidayFileProblem.DUPLICATE_DATE, day.isoformat())
        workdays.add(day)

    return YearSchedule(year=year, holidays=tuple(holidays), workdays=frozenset(workdays))


def dump_year(schedule: YearSchedule) -> str:
    """Write a schedule in the file format, so admins can start from a known year and edit.

    ``parse_holidays_file(dump_year(s)) == s`` for every schedule the parser accepts.
    Raises ValueError for a holiday whose days are not one run, which the format cannot express.
    """
    lines = [f"year = {schedule.year}"]
    for name, days in schedule.holidays:
        first, last = _as_range(days)
        if first is None or last is None:
            raise ValueError(name)
        span = (
            _toml_str(first.isoformat())
            if first == last
            else f"[{_toml_str(first.isoformat())}, {_toml_str(last.isoformat())}]"
        )
        lines += ["", "[[holiday]]", f"name = {_toml_str(name)}", f"days = {span}"]
    for day in sorted(schedule.workdays):
        lines += ["", "[[workday]]", f"date = {_toml_str(day.isoformat())}"]
    return "\n".join(lines) + "\n"


class LoadOutcome(StrEnum):
    """What loading a holidays file does to the year's schedule in force. Values are stable:
    they are translated and audited."""

    # Nothing was known of the year: the file is its schedule.
    NEW = "new"
    # The file is the whole year (every holiday in force has its counterpart, make-up days
    # stated), or keeps every day in force, or the admin asked for replacement: it replaces.
    REPLACED = "replaced"
    # A partial file (one extra day off, say): its days join the schedule in force, none dropped.
    MERGED = "merged"
    # A partial file that contradicts the schedule in force (a make-up working day made a day
    # off, or the reverse): refused unless the admin asks for replacement.
    REFUSED = "refused"


@dataclass(frozen=True)
class ScheduleChange:
    """The effect of loading ``incoming`` over the year's schedule in force.

    ``stored`` is what the year's schedule becomes (``incoming`` itself when it replaces, the
    union when merged; for ``REFUSED``, what ``--replace`` would store). The four sets are the
    days whose meaning changes from the schedule in force to ``stored``.
    """

    outcome: LoadOutcome
    stored: YearSchedule
    days_off_added: frozenset[date]
    days_off_removed: frozenset[date]
    workdays_added: frozenset[date]
    workdays_removed: frozenset[date]
    off_over_work: frozenset[date] = frozenset()
    """For ``REFUSED``: days the file has off that are make-up working days in force."""
    work_over_off: frozenset[date] = frozenset()
    """For ``REFUSED``: days the file has worked that are days off in force."""

    @property
    def drops_days(self) -> bool:
        """Whether a day off or make-up working day in force would stop being one."""
        return bool(self.days_off_removed or self.workdays_removed)


def plan_load(
    current: YearSchedule | None, incoming: YearSchedule, *, replace: bool = False
) -> ScheduleChange:
    """What loading ``incoming`` does to ``current`` (the year's schedule in force: the one
    loaded last, else the package's; None when the year is unknown).

    A file never drops a day in force silently: it replaces ``current`` only when it is the
    whole year (:func:`_whole_year`), drops nothing anyway, or ``replace`` is set; a partial
    file is merged into ``current``, and refused when it contradicts a day in force.
    Raises ValueError when the two schedules are of different years.
    """
    if current is None:
        return _change(LoadOutcome.NEW, None, incoming)
    if current.year != incoming.year:
        raise ValueError(incoming.year)
    replacing = _change(LoadOutcome.REPLACED, current, incoming)
    if replace or not replacing.drops_days or _whole_year(current, incoming):
        return replacing
    off_over_work = incoming.days_off & current.workdays
    work_over_off = incoming.workdays & current.days_off
    if off_over_work or work_over_off:
        refused = _change(LoadOutcome.REFUSED, current, incoming)
        return replace_fields(refused, off_over_work=off_over_work, work_over_off=work_over_off)
    return _change(LoadOutcome.MERGED, current, _merged(current, incoming))


def _change(
    outcome: LoadOutcome, current: YearSchedule | None, stored: YearSchedule
) -> ScheduleChange:
    off = current.days_off if current else frozenset()
    work = current.workdays if current else frozenset()
    return ScheduleChange(
        outcome=outcome,
        stored=stored,
        days_off_added=stored.days_off - off,
        days_off_removed=off - stored.days_off,
        workdays_added=stored.workdays - work,
        workdays_removed=work - stored.workdays,
    )


def _whole_year(current: YearSchedule, incoming: YearSchedule) -> bool:
    # A year's calendar as the State Council publishes it: every holiday in force has a
    # counterpart overlapping it (dates may move), and make-up days are stated if the year in
    # force has any. A file naming one day, or last autumn's list of one festival, is not.
    covered = all(
        any(days & theirs for _, theirs in incoming.holidays) for _, days in current.holidays
    )
    return covered and (bool(incoming.workdays) or not current.workdays)


def _merged(current: YearSchedule, incoming: YearSchedule) -> YearSchedule:
    # The days in force keep their names; each incoming run adds its new days, split where it
    # straddles days already off. A piece that adjoins a holiday the run is part of (the same
    # name, or a run overlapping it: the file's 元旦 01-01..01-03 over the law's 元旦 01-01)
    # lengthens that holiday, so each holiday is named once with its whole range; only a piece
    # standing apart is a holiday of its own, named uniquely as the file format requires.
    holidays = [(name, set(days)) for name, days in current.holidays]
    used = {name for name, _ in holidays}
    taken = set(current.days_off)
    for name, days in incoming.holidays:
        fresh = sorted(days - taken)
        pieces: list[list[date]] = []
        for day in fresh:
            if pieces and pieces[-1][-1] + _ONE_DAY == day:
                pieces[-1].append(day)
            else:
                pieces.append([day])
        for piece in pieces:
            joined = _adjoining(holidays, name, days, piece)
            if joined is not None:
                joined.update(piece)
                continue
            label, copy = name, 1
            while label in used:
                label = f"{name} {piece[0].isoformat()}" + (f" ({copy})" if copy > 1 else "")
                copy += 1
            used.add(label)
            holidays.append((label, set(piece)))
        taken.update(fresh)
    return YearSchedule(
        year=current.year,
        holidays=tuple((name, frozenset(run)) for name, run in holidays),
        workdays=current.workdays | incoming.workdays,
    )


def _adjoining(
    holidays: Sequence[tuple[str, set[date]]], name: str, run: frozenset[date], piece: list[date]
) -> set[date] | None:
    """The days of the holiday among ``holidays`` that ``piece`` (new days of the incoming
    ``run`` called ``name``) lengthens: one that ends the day before it or starts the day after,
    is the same holiday (named ``name``, or overlapping ``run``) and stays within
    ``MAX_HOLIDAY_DAYS``; the same name first. None when there is none."""
    before, after = piece[0] - _ONE_DAY, piece[-1] + _ONE_DAY
    fitting = [
        (theirs != name, days)
        for theirs, days in holidays
        if (before in days or after in days)
        and (theirs == name or days & run)
        and len(days) + len(piece) <= MAX_HOLIDAY_DAYS
    ]
    return min(fitting, key=lambda item: item[0])[1] if fitting else None


def schedule_from_package(year: int) -> YearSchedule | None:
    """The ``chinesecalendar`` data for a year in file shape, or None if it does not know it.

    The package labels each day separately, so a combined holiday (国庆节 with 中秋 inside it)
    comes out as two interleaved labels, and it sometimes leaves out a weekend day inside a
    holiday. Runs are rebuilt the way the State Council writes them: consecutive days off,
    bridged over ordinary weekend days, named after every holiday they contain. A name used
    twice in one year (元旦 in January and again from 30 December) gets its start date appended
    so that the schedule passes :func:`parse_holidays_file`.
    """
    package = _package_years()
    if year not in package:
        return None
    labelled, workdays = package[year]
    runs: list[tuple[list[str], list[date]]] = []
    for day in sorted(labelled):
        name = labelled[day]
        if runs and _only_weekend_days_between(runs[-1][1][-1], day, workdays):
            names, days = runs[-1]
            days += _days_between(days[-1], day)
            days.append(day)
            if name not in names:
                names.append(name)
        else:
            runs.append(([name], [day]))

    holidays: list[tuple[str, frozenset[date]]] = []
    used: set[str] = set()
    for names, days in runs:
        name = "、".join(names)
        if name in used:
            name = f"{name} {days[0].isoformat()}"
        used.add(name)
        holidays.append((name, frozenset(days)))
    return YearSchedule(year=year, holidays=tuple(holidays), workdays=workdays)


def _parse_year(raw: Mapping[str, Any]) -> int:
    if "year" not in raw:
        raise HolidayFileError(HolidayFileProblem.MISSING_FIELD, "year")
    year = raw["year"]
    # bool is an int in Python; `year = true` is not a year.
    if not isinstance(year, int) or isinstance(year, bool) or not _MIN_YEAR <= year <= _MAX_YEAR:
        raise HolidayFileError(HolidayFileProblem.BAD_YEAR, str(year))
    return year


def _tables(raw: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
    entries = raw.get(key, [])
    if not isinstance(entries, list):
        raise HolidayFileError(HolidayFileProblem.WRONG_TYPE, key)
    for entry in entries:
        if not isinstance(entry, dict):
            raise HolidayFileError(HolidayFileProblem.WRONG_TYPE, key)
        yield entry


def _reject_unknown(entry: Mapping[str, Any], allowed: frozenset[str], where: str) -> None:
    # A misspelt key ("workdays", "date" in a holiday) would otherwise be dropped silently.
    for key in entry:
        if key not in allowed:
            raise HolidayFileError(
                HolidayFileProblem.UNKNOWN_FIELD, f"{where}.{key}" if where else key
            )


def _parse_name(entry: Mapping[str, Any], where: str) -> str:
    if "name" not in entry:
        raise HolidayFileError(HolidayFileProblem.MISSING_FIELD, f"{where}.name")
    name = entry["name"]
    if not isinstance(name, str):
        raise HolidayFileError(HolidayFileProblem.WRONG_TYPE, f"{where}.name")
    if not name.strip():
        raise HolidayFileError(HolidayFileProblem.MISSING_FIELD, f"{where}.name")
    return name


def _parse_days(entry: Mapping[str, Any], where: str, year: int) -> frozenset[date]:
    if "days" not in entry:
        raise HolidayFileError(HolidayFileProblem.MISSING_FIELD, f"{where}.days")
    value = entry["days"]
    field = f"{where}.days"
    if isinstance(value, list):
        if len(value) != 2:  # a range is exactly [first, last]
            raise HolidayFileError(HolidayFileProblem.BAD_RANGE, field)
        first = _parse_date(value[0], field, year)
        last = _parse_date(value[1], field, year)
    else:
        first = last = _parse_date(value, field, year)
    if last < first:
        raise HolidayFileError(
            HolidayFileProblem.RANGE_REVERSED, f"{first.isoformat()}..{last.isoformat()}"
        )
    if (last - first).days + 1 > MAX_HOLIDAY_DAYS:
        raise HolidayFileError(
            HolidayFileProblem.RANGE_TOO_LONG, f"{first.isoformat()}..{last.isoformat()}"
        )
    return frozenset(_days_from(first, last))


def _parse_date(value: object, field: str, year: int) -> date:
    # TOML has native dates; accept them as well as the quoted form shown to admins, but not a
    # date-time, which would mean the admin put a time where a day belongs.
    if isinstance(value, datetime):
        raise HolidayFileError(HolidayFileProblem.BAD_DATE, value.isoformat())
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise HolidayFileError(HolidayFileProblem.BAD_DATE, value) from None
        # fromisoformat also takes "20270101" and "2027-W01-1"; only the plain form is expected.
        if value != day.isoformat():
            raise HolidayFileError(HolidayFileProblem.BAD_DATE, value)
    else:
        raise HolidayFileError(HolidayFileProblem.WRONG_TYPE, field)
    if day.year != year:
        raise HolidayFileError(HolidayFileProblem.DATE_OUTSIDE_YEAR, day.isoformat())
    return day


def _as_range(days: frozenset[date]) -> tuple[date | None, date | None]:
    if not days:
        return None, None
    first, last = min(days), max(days)
    if (last - first).days + 1 != len(days):
        return None, None
    return first, last


def _toml_str(value: str) -> str:
    out = ['"']
    for char in value:
        if char in {'"', "\\"}:
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


# --------------------------------------------------------------------------------------------
# chinesecalendar


@functools.cache
def _package_years() -> Mapping[int, tuple[Mapping[date, str], frozenset[date]]]:
    """Per year: the days off with their Chinese holiday names, and the make-up working days.

    Read once: the package's tables are module constants, and every calendar shares them.
    """
    import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

    package_holidays: Mapping[date, str] = chinese_calendar.holidays
    package_workdays: Mapping[date, str] = chinese_calendar.workdays
    labelled: dict[int, dict[date, str]] = {}
    worked: dict[int, set[date]] = {}
    for day, label in package_holidays.items():
        labelled.setdefault(day.year, {})[day] = _chinese_name(label)
    for day in package_workdays:
        worked.setdefault(day.year, set()).add(day)
    return MappingProxyType(
        {
            year: (MappingProxyType(days), frozenset(worked.get(year, ())))
            for year, days in labelled.items()
        }
    )


def _chinese_name(label: str) -> str:
    # The package stores the English name; the court's schedule uses the Chinese one.
    import chinese_calendar  # type: ignore[import-untyped, unused-ignore]

    chinese: str = chinese_calendar.Holiday(label).chinese
    return chinese


# --------------------------------------------------------------------------------------------
# The statutory holidays


@functools.cache
def statutory_days(year: int) -> Mapping[date, str]:
    """The days off that the law itself fixes in ``year``, each with its holiday's Chinese name;
    empty before ``STATUTORY_FROM``.

    《全国年节及纪念日放假办法》 Art. 2 (as amended 2024, in force 2025): 元旦 1 January; 春节
    农历除夕 and 正月初一 to 初三; 清明节 the day of the solar term 清明; 劳动节 1 and 2 May;
    端午节 农历五月初五; 中秋节 农历八月十五; 国庆节 1 to 3 October. These are off whatever the
    State Council's yearly schedule adds (bridging days) or takes back (调休 make-up working
    days on weekends), so they stand in for a year nobody loaded. The lunar dates and 清明 come
    from ``lunar_python`` (寿星天文历 algorithms). Raises ``ValueError`` for a year outside
    ``lunar_python``'s range (before 1 or after 9999).
    """
    if year < STATUTORY_FROM:
        return MappingProxyType({})
    from chinese_calendar import Holiday  # type: ignore[import-untyped, unused-ignore]
    from lunar_python import Lunar  # type: ignore[import-untyped, unused-ignore]

    def solar(lunar_month: int, lunar_day: int) -> date:
        day = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()
        return date(day.getYear(), day.getMonth(), day.getDay())

    # The Chinese names as ``chinesecalendar`` gives them, so they match the shipped years'.
    names = {holiday.name: str(holiday.chinese) for holiday in Holiday}
    spring = solar(1, 1)
    # ``lunar_python`` names the solar terms in Chinese; 清明 is the tomb-sweeping day's.
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()[names["tomb_sweeping_day"]]
    days: dict[date, str] = {date(year, 1, 1): names["new_years_day"]}
    for offset in range(-1, 3):  # 除夕, then 初一 to 初三
        days[spring + timedelta(days=offset)] = names["spring_festival"]
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = names[
        "tomb_sweeping_day"
    ]
    days[date(year, 5, 1)] = days[date(year, 5, 2)] = names["labour_day"]
    days[solar(5, 5)] = names["dragon_boat_festival"]
    days[solar(8, 15)] = names["mid_autumn_festival"]
    for day in range(1, 4):
        days[date(year, 10, day)] = names["national_day"]
    return MappingProxyType(days)


def statutory_schedule(year: int) -> YearSchedule | None:
    """The statutory holidays of ``year`` (:func:`statutory_days`) as a schedule in file shape,
    one run per holiday, no make-up days: what is in force for a year whose official schedule
    is neither loaded nor shipped, so that a partial file loaded for it is merged into them,
    not put in their place (:func:`plan_load`). None before ``STATUTORY_FROM``."""
    days = statutory_days(year)
    if not days:
        return None
    runs: dict[str, set[date]] = {}
    for day, name in days.items():
        runs.setdefault(name, set()).add(day)
    holidays = tuple((name, frozenset(run)) for name, run in runs.items())
    return YearSchedule(year, holidays, frozenset())


# --------------------------------------------------------------------------------------------
# The table and the calendar


@dataclass(frozen=True, eq=False)
class HolidayTable:
    """Which days are off and which weekend days are worked, per year, and where that came from.

    Build it with :meth:`from_sources`; years it holds nothing for are weekends-only.
    """

    days_off: Mapping[int, frozenset[date]]
    makeup_workdays: Mapping[int, frozenset[date]]
    sources: Mapping[int, CalendarSource]

    @classmethod
    def from_sources(cls, loaded: Mapping[int, YearSchedule]) -> HolidayTable:
        """Combine admin-loaded years with the package; a loaded year replaces the package's.

        Raises ValueError if a schedule is filed under another year than its own, since that
        would silently leave the intended year weekends-only.
        """
        days_off: dict[int, frozenset[date]] = {}
        makeup: dict[int, frozenset[date]] = {}
        sources: dict[int, CalendarSource] = {}
        for year, (labelled, worked) in _package_years().items():
            days_off[year] = frozenset(labelled)
            makeup[year] = worked
            sources[year] = CalendarSource.PACKAGE
        for year, schedule in loaded.items():
            if schedule.year != year:
                raise ValueError(year)
            days_off[year] = schedule.days_off
            makeup[year] = schedule.workdays
            sources[year] = CalendarSource.LOADED
        return cls(
            days_off=MappingProxyType(days_off),
            makeup_workdays=MappingProxyType(makeup),
            sources=MappingProxyType(sources),
        )

    def known_years(self) -> tuple[int, ...]:
        """Years with a real schedule, ascending; every other year counts weekends and its
        statutory holidays only (:func:`statutory_days`)."""
        return tuple(sorted(self.sources))

    def source_for(self, year: int) -> CalendarSource:
        """Where ``year``'s schedule came from (``WEEKENDS_ONLY`` when nothing but its
        statutory holidays is known)."""
        return self.sources.get(year, CalendarSource.WEEKENDS_ONLY)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is worked: a make-up weekend day is, a holiday is not, else
        Monday to Friday are. In a year without a schedule the statutory holidays
        (:func:`statutory_days`) are the holidays; a loaded or shipped schedule always wins."""
        # Make-up days first: they are weekend days and must beat the weekend rule.
        if day in self.makeup_workdays.get(day.year, frozenset()):
            return True
        if day.year in self.sources:
            if day in self.days_off.get(day.year, frozenset()):
                return False
        elif day in statutory_days(day.year):
            return False
        return day.weekday() < _SATURDAY

    def needs_next_year_warning(self, today: date) -> bool:
        """Whether admins should be told to load a schedule.

        From 1 December, deadlines of the month can already run into next year, so a missing
        next year matters. A missing current year (nobody acted on the December warning) keeps
        the warning up, since deadlines are then being computed without the bridging days and
        make-up working days right now.
        """
        if self.source_for(today.year) is CalendarSource.WEEKENDS_ONLY:
            return True
        return today.month == 12 and self.source_for(today.year + 1) is CalendarSource.WEEKENDS_ONLY


class ChinaCalendar:
    """Working days and legal deadlines in the court's time zone.

    Set lookups per date are already constant time, so no extra cache is kept; the table is
    built once per calendar and the package's data once per process.
    """

    __slots__ = ("_loaded", "table", "tz")

    def __init__(self, loaded: Mapping[int, YearSchedule], tz: ZoneInfo = COURT_TZ) -> None:
        self.table = HolidayTable.from_sources(loaded)
        self.tz = tz
        self._loaded = MappingProxyType(dict(loaded))

    def load(self, loaded: Mapping[int, YearSchedule]) -> None:
        """Take newly loaded years (an admin ran ``guowen holidays load``) without a restart."""
        self.table = HolidayTable.from_sources(loaded)
        self._loaded = MappingProxyType(dict(loaded))

    @property
    def loaded(self) -> Mapping[int, YearSchedule]:
        """The years the admin loaded (``guowen holidays load``), read-only."""
        return self._loaded

    def known_years(self) -> tuple[int, ...]:
        """The years whose holidays are known, loaded or shipped with the package, in order."""
        return self.table.known_years()

    def source_for(self, year: int) -> CalendarSource:
        """Where ``year``'s schedule came from (``CalendarSource``)."""
        return self.table.source_for(year)

    def needs_next_year_warning(self, today: date) -> bool:
        """Whether admins should be told to load a schedule (see ``HolidayTable``)."""
        return self.table.needs_next_year_warning(today)

    def unconfirmed_years(self, first: date, last: date) -> tuple[int, ...]:
        """The years from ``first`` to ``last`` (days, both included), ascending, whose
        official holidays are not known (``CalendarSource.WEEKENDS_ONLY``): a day of theirs is
        counted as worked or not by the weekend and the statutory holidays alone, which the
        State Council's schedule (bridging days, 调休 make-up working days) may contradict once
        loaded. Empty when every year between is known."""
        return tuple(
            year
            for year in range(first.year, last.year + 1)
            if self.table.source_for(year) is CalendarSource.WEEKENDS_ONLY
        )

    def year_to_load(self, today: date) -> int | None:
        """The year whose schedule admins should load now (``needs_next_year_warning``):
        ``today``'s own when nobody loaded it, else next year; None when no warning is due."""
        if not self.table.needs_next_year_warning(today):
            return None
        if self.table.source_for(today.year) is CalendarSource.WEEKENDS_ONLY:
            return today.year
        return today.year + 1

    def schedule_for(self, year: int) -> YearSchedule | None:
        """The schedule in force for a year (loaded, else the package's), for display."""
        if year in self._loaded:
            return self._loaded[year]
        return schedule_from_package(year)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day on the court's calendar."""
        return self.table.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day on or after ``day``: where a period ending on a day off lands."""
        while not self.table.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after ``day``; ``day`` itself never counts.

        ``n == 0`` returns ``day`` unchanged, so "within n working days" reads the same for all
        n. Used for periods in working days and for follow-ups such as one working day after a
        missed deadline.
        """
        if n < 0:
            raise ValueError(n)
        while n:
            day += _ONE_DAY
            if self.table.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``, negative if ``end`` is before ``start``.

        Half-open like :meth:`add_working_days`, so that
        ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        return sum(1 for day in _days_from(start + _ONE_DAY, end) if self.table.is_working_day(day))

    def last_day_after(self, start: date, days: int, counting: Counting) -> date:
        """The last day of a period of ``days`` that starts the day after ``start``."""
        if days < 1:
            raise ValueError(days)
        if counting is Counting.WORKDAYS:
            return self.add_working_days(start, days)
        return self.next_working_day(start + timedelta(days=days))

    def last_day(self, received: datetime, days: int, counting: Counting) -> date:
        """The last day of a period triggered by ``received``, in the court's calendar.

        The day of receipt is the court-local day: a message at 23:30 UTC arrives the next
        morning in Beijing, and the period starts from that Beijing day.
        """
        return self.last_day_after(self._local_date(received), days, counting)

    def deadline(self, received: datetime, days: int, counting: Counting) -> datetime:
        """The instant the period ends: the deadline is met by anything *before* it.

        A period runs to 24:00 of its last day, which is returned as 00:00 of the following
        day in the court's time zone; compare with ``<``, not ``<=``.
        """
        return self._end_of(self.last_day(received, days, counting))

    def quarter_report_deadline(
        self, year: int, quarter: int, days: int, counting: Counting
    ) -> datetime:
        """When a quarterly report is due; the quarter's last day plays the day of receipt.

        Same "ends before" convention as :meth:`deadline`.
        """
        if not 1 <= quarter <= 4:
            raise ValueError(quarter)
        quarter_end = date(year + quarter // 4, 3 * quarter % 12 + 1, 1) - _ONE_DAY
        return self._end_of(self.last_day_after(quarter_end, days, counting))

    def _local_date(self, moment: datetime) -> date:
        # A naive time could be anyone's wall clock; guessing would shift deadlines by a day.
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(moment.isoformat())
        return moment.astimezone(self.tz).date()

    def _end_of(self, last: date) -> datetime:
        return datetime.combine(last + _ONE_DAY, time(0), tzinfo=self.tz)


def _days_from(first: date, last: date) -> Iterator[date]:
    """Every day from ``first`` to ``last``, both included."""
    day = first
    while day <= last:
        yield day
        day += _ONE_DAY


def _days_between(first: date, last: date) -> list[date]:
    """The days strictly between two dates."""
    return list(_days_from(first + _ONE_DAY, last - _ONE_DAY))


def _only_weekend_days_between(first: date, last: date, workdays: frozenset[date]) -> bool:
    # Days that are off anyway may join two runs; a working day between them may not.
    return all(
        day.weekday() >= _SATURDAY and day not in workdays for day in _days_between(first, last)
    )
