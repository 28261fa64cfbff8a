"""``guowen holidays load FILE`` and ``guowen holidays show YEAR``.

The State Council publishes each year's holidays and make-up working days late in the year
before; ``chinesecalendar`` knows only the years up to its release. The admin loads the new
year from a small TOML file; every instance picks it up at its next tick.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import select

from bot.config import Settings
from handlers.i18n import join, t
from reminders.calendar import (
    HolidayFileError,
    YearSchedule,
    parse_holidays_file,
    schedule_from_package,
)
from storage import audit
from storage.audit import AuditKind
from storage.db import Database
from storage.models import HolidaySchedule

EXIT_OK = 0
EXIT_USAGE = 2


async def load(
    settings: Settings, db: Database, path: Path, at: datetime, out: TextIO, err: TextIO
) -> int:
    """``guowen holidays load PATH``: read the admin's holidays file (UTF-8; the format of
    ``reminders.calendar.parse_holidays_file``) and store it, audited, for the year it names.
    The exit status: 0 loaded, 2 when the file cannot be read or is refused (the reason on
    ``err``).
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
        session.add(
            HolidaySchedule(year=schedule.year, content=text, loaded_at=at, loaded_by="cli")
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
                "days_off": sorted(d.isoformat() for d in schedule.days_off),
                "workdays": sorted(d.isoformat() for d in schedule.workdays),
            },
        )
    out.write(
        t(
            lang,
            "holidays.loaded",
            year=schedule.year,
            days_off=len(schedule.days_off),
            workdays=len(schedule.workdays),
        )
        + "\n"
    )
    return EXIT_OK


async def show(settings: Settings, db: Database, year: int, out: TextIO) -> int:
    """``guowen holidays show YEAR``: the schedule in force for ``year`` (the one stored last,
    or the package's own) on ``out``, or that none is known; the exit status, 0.
    """
    lang = settings.language
    async with db.transaction() as session:
        query = (
            select(HolidaySchedule)
            .where(HolidaySchedule.year == year)
            .order_by(HolidaySchedule.id.desc())
        )
        row = (await session.execute(query)).scalars().first()
    schedule: YearSchedule | None
    if row is not None:
        schedule = parse_holidays_file(row.content)
        source = t(
            lang,
            "holidays.source_loaded",
            at=row.loaded_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
        )
    else:
        schedule = schedule_from_package(year)
        source = t(lang, "holidays.source_package")
    if schedule is None:
        out.write(t(lang, "holidays.unknown", year=year) + "\n")
        return EXIT_OK
    out.write(t(lang, "holidays.header", year=year, source=source) + "\n")
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
    workdays = join(lang, (d.isoformat() for d in sorted(schedule.workdays))) or t(
        lang, "common.none"
    )
    out.write(t(lang, "holidays.workdays", days=workdays) + "\n")
    return EXIT_OK
