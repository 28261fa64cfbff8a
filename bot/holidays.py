"""``guowen holidays load FILE`` and ``guowen holidays show YEAR``.

The State Council publishes each year's holidays and make-up working days late in the year
before; ``chinesecalendar`` knows only the years up to its release. The admin loads the new
year from a small TOML file; every instance picks it up at its next tick.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from handlers.i18n import join, t
from reminders.calendar import (
    HolidayFileError,
    LoadOutcome,
    ScheduleChange,
    YearSchedule,
    dump_year,
    parse_holidays_file,
    plan_load,
    schedule_from_package,
    statutory_schedule,
)
from storage import audit
from storage.audit import AuditKind
from storage.db import Database
from storage.models import HolidaySchedule
from storage.vocabulary import Language

EXIT_OK = 0
EXIT_USAGE = 2


async def load(
    settings: Settings,
    db: Database,
    path: Path,
    at: datetime,
    out: TextIO,
    err: TextIO,
    *,
    replace: bool = False,
    dry_run: bool = False,
) -> int:
    """``guowen holidays load PATH [--replace] [--dry-run]``: read the admin's holidays file
    (UTF-8; the format of ``reminders.calendar.parse_holidays_file``) and store it, audited,
    for the year it names, first writing what changes against the schedule in force (days off
    and make-up working days added and removed).

    A file never drops a day in force without being asked (``reminders.calendar.plan_load``):
    the whole year's calendar, or any file with ``replace``, replaces the year; a partial file
    is added to it; a partial file contradicting a day in force is refused, saying so first
    and then only the contradicted days (``contradiction_lines``). ``dry_run`` only
    writes the changes. The exit status: 0 loaded (or shown with ``dry_run``), 2 when the file
    cannot be read or is refused (the reason on ``err``).
    """
    lang = settings.language
    try:
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        err.write(t(lang, "holidays.unreadable", path=str(path)) + "\n")
        return EXIT_USAGE
    try:
        schedule = parse_holidays_file(text)
    except HolidayFileError as problem:
        reason = t(lang, f"holidays.problem.{problem.problem.value}")
        key = "holidays.refused" if problem.detail else "holidays.refused_plain"
        err.write(t(lang, key, path=str(path), reason=reason, detail=problem.detail) + "\n")
        return EXIT_USAGE
    async with db.transaction() as session:
        row = await _newest(session, schedule.year)
        # In force: the file loaded last, else the package's, else the statutory holidays the
        # law fixes (a partial file for a new year is merged into them, never drops them).
        shipped = schedule_from_package(schedule.year)
        statutory = statutory_schedule(schedule.year) if row is None and shipped is None else None
        current = parse_holidays_file(row.content) if row else shipped or statutory
        source = _source(settings, row, statutory=statutory is not None)
        change = plan_load(current, schedule, replace=replace)
        if change.outcome is LoadOutcome.REFUSED:  # refused first; then only what contradicts
            err.write(
                t(
                    lang,
                    "holidays.refused_partial",
                    path=str(path),
                    year=schedule.year,
                    source=source,
                )
                + "\n"
            )
            err.write("".join(line + "\n" for line in contradiction_lines(lang, change)))
            return EXIT_USAGE
        out.write(_changes(settings, change))
        if dry_run:
            out.write(t(lang, "holidays.dry_run") + "\n")
            return EXIT_OK
        stored = text if change.stored is schedule else dump_year(change.stored)
        session.add(
            HolidaySchedule(year=schedule.year, content=stored, loaded_at=at, loaded_by="cli")
        )
        await session.flush()
        await audit.append(
            session,
            AuditKind.HOLIDAYS_LOADED,
            at=at,
            actor="cli",
            subject=f"holidays:{schedule.year}",
            payload={
                "year": schedule.year,
                "outcome": change.outcome.value,
                "days_off": sorted(d.isoformat() for d in change.stored.days_off),
                "workdays": sorted(d.isoformat() for d in change.stored.workdays),
                "days_off_added": _iso(change.days_off_added),
                "days_off_removed": _iso(change.days_off_removed),
                "workdays_added": _iso(change.workdays_added),
                "workdays_removed": _iso(change.workdays_removed),
            },
        )
    out.write(
        t(
            lang,
            f"holidays.outcome.{change.outcome.value}",
            path=str(path),
            year=schedule.year,
            source=source,
        )
        + "\n"
    )
    out.write(
        t(
            lang,
            "holidays.loaded",
            year=schedule.year,
            days_off=len(change.stored.days_off),
            workdays=len(change.stored.workdays),
        )
        + "\n"
    )
    return EXIT_OK


async def _newest(session: AsyncSession, year: int) -> HolidaySchedule | None:
    query = (
        select(HolidaySchedule)
        .where(HolidaySchedule.year == year)
        .order_by(HolidaySchedule.id.desc())
    )
    return (await session.execute(query)).scalars().first()


def _source(settings: Settings, row: HolidaySchedule | None, *, statutory: bool = False) -> str:
    if row is None:
        key = "holidays.source_statutory" if statutory else "holidays.source_package"
        return t(settings.language, key)
    at = row.loaded_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
    return t(settings.language, "holidays.source_loaded", at=at)


def _iso(days: frozenset[date]) -> list[str]:
    return sorted(d.isoformat() for d in days)


def contradiction_lines(lang: Language, change: ScheduleChange) -> list[str]:
    """Why a partial file was refused, and nothing else: the days it has off that are make-up
    working days in force, and the days it has worked that are days off in force (what a
    replacement would change is not listed: nothing was loaded)."""
    lines: list[str] = []
    for key, days in (
        ("off_over_work", change.off_over_work),
        ("work_over_off", change.work_over_off),
    ):
        if days:
            listed = join(lang, _iso(days))
            lines.append(t(lang, f"holidays.contradiction.{key}", count=len(days), days=listed))
    return lines


def _changes(settings: Settings, change: ScheduleChange) -> str:
    """The year's changes, one line per kind of change that has days (or one "no change")."""
    lang = settings.language
    lines = [t(lang, "holidays.changes", year=change.stored.year)]
    for key, days in (
        ("off_added", change.days_off_added),
        ("off_removed", change.days_off_removed),
        ("work_added", change.workdays_added),
        ("work_removed", change.workdays_removed),
    ):
        if days:
            listed = join(lang, _iso(days))
            lines.append(t(lang, f"holidays.change.{key}", count=len(days), days=listed))
    if len(lines) == 1:
        lines.append(t(lang, "holidays.change.none"))
    return "".join(line + "\n" for line in lines)


async def show(settings: Settings, db: Database, year: int, out: TextIO) -> int:
    """``guowen holidays show YEAR``: the schedule in force for ``year`` (the one stored last,
    or the package's own) on ``out``, or that none is known; the exit status, 0.
    """
    lang = settings.language
    async with db.transaction() as session:
        row = await _newest(session, year)
    schedule: YearSchedule | None
    schedule = parse_holidays_file(row.content) if row else schedule_from_package(year)
    source = _source(settings, row)
    if schedule is None:
        out.write(t(lang, "holidays.unknown", year=year) + "\n")
        fallback = _statutory(year)
        if fallback is not None:  # the days the deadlines count as off meanwhile
            out.write(t(lang, "holidays.statutory_header", year=year) + "\n")
            _holiday_rows(lang, fallback, out)
        return EXIT_OK
    out.write(t(lang, "holidays.header", year=year, source=source) + "\n")
    _holiday_rows(lang, schedule, out)
    workdays = join(lang, (d.isoformat() for d in sorted(schedule.workdays))) or t(
        lang, "common.none"
    )
    out.write(t(lang, "holidays.workdays", days=workdays) + "\n")
    return EXIT_OK


def _statutory(year: int) -> YearSchedule | None:
    """The statutory days the calendar counts as off in ``year`` when no schedule is loaded
    or shipped (``reminders.calendar.statutory_schedule``, its one computation); None when it
    has none (before ``STATUTORY_FROM``, or a year the calendar cannot reckon)."""
    try:
        return statutory_schedule(year)
    except ValueError:  # beyond the lunar calendar's or ``datetime``'s years
        return None


def _holiday_rows(lang: Language, schedule: YearSchedule, out: TextIO) -> None:
    """One line per holiday of ``schedule``: its name, first and last day and how many days."""
    for name, days in schedule.holidays:
        ordered = sorted(days)
        out.write(
            t(
                lang,
                "holidays.holiday_row",
                name=name,
                first=ordered[0].isoformat(),
                last=ordered[-1].isoformat(),
                count=len(ordered),
            )
            + "\n"
        )
