"""``guowen report PERIOD [--out DIR]``: the report's files from the command line.

The same three files as ``/report`` in the chat (workbook, summary document, headline
picture), written to ``--out`` (default: the reports folder beside the evidence folder), with
a progress bar on a terminal. The records are read in a transaction of their own that takes
no write lock, so a running bot keeps recording while a large period is counted; the export
is then recorded as an audit event naming the user at the terminal.
"""

from __future__ import annotations

import gc
import getpass
import logging
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from bot import folders
from bot.app import rules_for
from bot.config import Settings
from handlers.i18n import t
from handlers.reports_cmd import caveats
from reminders.clock import Clock, SystemClock
from reports import fonts
from reports.exports import record_export, report_detail
from reports.files import safe_name
from reports.form import missing_words
from reports.period import (
    PeriodError,
    default_words,
    recorded_period,
    records_begin,
    refusal_values,
)
from reports.quarterly import build_report
from storage.db import Database
from storage.vocabulary import Language

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_USAGE = 2


class Bar:
    """A one-line progress bar on a terminal; silent elsewhere."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str, *, show: bool) -> None:
        self._stream = stream
        self._label = label
        self._show = show
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        """Redraw the bar at ``done`` of ``total`` (only when the whole percent changed)."""
        if not self._show:
            return
        percent = 100 if total <= 0 else min(100, done * 100 // total)
        if percent == self._last:
            return
        self._last = percent
        filled = self.WIDTH * percent // 100
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(f"\r{self._label} [{bar}] {percent:3d}% ({done}/{total})")
        self._stream.flush()

    def clear(self) -> None:
        """Erase the bar's line, if one is drawn."""
        if self._show and self._last >= 0:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()


REPORT_GC_THRESHOLD = 50_000
"""New objects between two collections of the youngest generation while a report is made."""


def _deferred_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


def _sqlite_reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def reader_engine(url: str) -> AsyncEngine:
    """An engine for one consistent read that blocks no writer.

    The bot's SQLite engine begins every transaction ``IMMEDIATE`` (it is a writer); here a
    deferred ``BEGIN`` holds a WAL snapshot instead. PostgreSQL reads at REPEATABLE READ, so
    every batch sees the same moment.
    """
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_async_engine(url, connect_args={"timeout": 60})
        event.listen(engine.sync_engine, "connect", _sqlite_reader_pragmas)
        event.listen(engine.sync_engine, "begin", _deferred_begin)
        return engine
    return create_async_engine(url, isolation_level="REPEATABLE READ")


def default_out(settings: Settings, label: str, now: datetime) -> Path:
    """A new folder beside the bot's own exports: ``reports/report/2026Q3/<time>-cli-xxxx``."""
    parent = settings.evidence_path.resolve().parent / "reports" / "report" / safe_name(label)
    parent.mkdir(parents=True, exist_ok=True)
    stamp = now.astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    return Path(tempfile.mkdtemp(prefix=f"{stamp}-cli-", dir=parent))


def _refuse(
    errors: TextIO, lang: Language, problem: PeriodError, now: datetime, settings: Settings
) -> None:
    values = refusal_values(problem, now, settings.tz)
    values["default"] = t(lang, values["default"])
    key = f"report.bad_{problem.problem.value}"
    errors.write(t(lang, key, command="guowen report", **values) + "\n")


def _unusable(errors: TextIO, lang: Language, folder: Path, problem: OSError) -> None:
    words = folders.reason(lang, problem)
    errors.write(t(lang, "cli.out_unusable", path=folder, reason=words) + "\n")


async def report(
    settings: Settings,
    period_text: str,
    out_dir: Path | None,
    out: TextIO,
    *,
    err: TextIO | None = None,
    language: Language | None = None,
    progress: bool | None = None,
    clock: Clock | None = None,
) -> int:
    """``guowen report PERIOD``: build the period's report files (``reports.exports``) in
    ``out_dir`` (a new folder under ``reports/report/<period>/`` beside the evidence folder
    when None: ``default_out``), audit the export and name the files on ``out``; the exit
    status (2 for a period that cannot be read, in the future or ended before the court's
    records begin, or for an output folder that cannot be made or written, with the reason on
    ``err``: the folder is checked before the report is counted). Without a period,
    ``reports.period.default_period``, said on ``err`` as /report says it (which quarter, and
    how to ask for the other: ``reports.period.default_words``); a refusal's example is one
    it accepts. A period
    without records is a report all the same, and says so.
    """
    errors = err or sys.stderr
    lang = language or settings.language
    tz = settings.tz
    now = (clock or SystemClock()).now()
    fonts.configure(settings.reports.font_path)
    show = errors.isatty() if progress is None else progress
    bar: Bar | None = None
    chosen = ""
    db = Database(settings.storage.database_url)
    reader = reader_engine(settings.storage.database_url)
    # The libraries loaded by now live as long as the command: a full collection of the
    # garbage collector, which the report's millions of short-lived rows trigger, need not
    # walk them each time (``gc.freeze``); given back to it when the report is written.
    # And a collection starts after 50,000 new objects rather than 700: the rows are freed
    # by their counts of references, few make cycles, and a quarter's report collected a
    # few thousand times for little (about a tenth of its time in the report's process).
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(REPORT_GC_THRESHOLD, *thresholds[1:])
    try:
        if out_dir is not None:  # said before the database is opened: nothing to count yet
            try:
                folders.can_make(out_dir)
            except folders.FolderError as problem:
                _unusable(errors, lang, out_dir, problem)
                return EXIT_USAGE
        await db.upgrade()
        async with AsyncSession(reader, expire_on_commit=False) as session, session.begin():
            try:  # the same reading, default and examples as /report (chat_period)
                period = await recorded_period(session, period_text, now=now, tz=tz)
            except PeriodError as problem:
                _refuse(errors, lang, problem, now, settings)
                return EXIT_USAGE
            if not period_text.strip():  # which quarter it took, as /report says it
                key, values = default_words(period, now, tz, await records_begin(session))
                chosen = t(lang, key, command="guowen report", **values)
            bar = Bar(errors, t(lang, "cli_report.progress", period=period.label), show=show)
            target = out_dir
            try:
                target = target or default_out(settings, period.label, now)
                files = await build_report(
                    session,
                    period,
                    language=lang,
                    tz=tz,
                    rules=rules_for(settings),
                    now=now,
                    out_dir=target,
                    court_name=settings.court.name,
                    progress=bar,
                )
            except OSError as problem:
                if problem.filename is None:  # not a file: the database's connection
                    raise
                bar.clear()
                _unusable(errors, lang, target or Path(problem.filename), problem)
                return EXIT_USAGE
        bar.clear()
        user = getpass.getuser()
        async with db.transaction() as session:
            await record_export(
                session,
                files,
                what="report",
                subject=f"period:{period.label}",
                at=now,
                actor_staff_id=None,
                actor=f"cli:{user}",
                detail=report_detail(period, files.figures, language=lang, via="cli"),
            )
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if bar is not None:
            bar.clear()
        await reader.dispose()
        await db.close()
    figures = files.figures
    out.write(
        t(
            lang,
            "cli_report.done_empty" if figures.empty else "cli_report.done",
            period=period.label,
            external=figures.external,
            reference=figures.reference,
            drafts=figures.drafts,
            withdrawn=figures.withdrawn,
        )
        + "\n"
    )
    # The chat's caveats (handlers.reports_cmd.headline_text), on standard error: standard
    # output stays the summary line and then one path per line, for scripts.
    if chosen:
        print(chosen, file=errors)
    for line in caveats(lang, figures):
        print(line, file=errors)
    for path in files.paths:
        out.write(f"{path}\n")
    if files.missing:  # never a silent gap: the user is told which characters no font has
        errors.write(t(lang, "report.missing_glyphs_report", chars=missing_words(files.missing)))
        errors.write("\n")
    return EXIT_OK
