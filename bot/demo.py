"""``guowen demo``: a console chat on a throwaway database with a seeded demo court."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shlex
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from bot.config import Settings, defaults
from bot.runner import chain_anchor
from bot.samples import Sample, write_samples
from bot.transports.console import NAME as CONSOLE
from bot.transports.console import ConsoleTransport
from handlers.i18n import join, t
from reminders.clock import Clock, SystemClock
from storage import staff as staff_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language, RecordStatus, Role, label

COURT = "温县人民法院"
CODE = "豫0825"

# (name, department, roles): one of each role the court needs, with Chinese names.
PEOPLE: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("张伟", "民事审判第一庭", (Role.HANDLER,)),
    ("孙丽", "民事审判第一庭", (Role.HANDLER,)),
    ("王芳", "民事审判第一庭", (Role.INTEGRITY_OFFICER,)),
    ("周强", "刑事审判庭", (Role.HANDLER,)),
    ("吴敏", "刑事审判庭", (Role.INTEGRITY_OFFICER,)),
    ("李刚", "纪检监察室", (Role.DISCIPLINE,)),
    ("刘洋", "审判管理办公室", (Role.TRIAL_MANAGEMENT, Role.COMPILER)),
    ("陈静", "院领导", (Role.LEADER,)),
    ("赵磊", "信息技术科", (Role.ADMIN,)),
)
FIRST_SPEAKER = "张伟"

# What ends the demo from outside: ``kill``, a closed terminal, Ctrl-C. Each way its temporary
# folder is deleted as at /quit.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class DemoClock:
    """The demo's clock: the start time, plus the real time elapsed since, plus the jumps
    ``/clock`` made. So consecutive actions are stamped apart as in a court, and a jump
    lands where asked.

    ``monotonic`` gives the real time elapsed, in seconds (``time.monotonic`` unless a test
    gives its own). Raises ``ValueError`` for a naive ``start``.
    """

    def __init__(self, start: datetime, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware start")
        self._start = start
        self._monotonic = monotonic
        self._origin = monotonic()
        self._jumped = timedelta()

    def now(self) -> datetime:
        """The start, plus the real time elapsed, plus the jumps."""
        elapsed = timedelta(seconds=self._monotonic() - self._origin)
        return self._start + elapsed + self._jumped

    def set(self, moment: datetime) -> None:
        """Jump on to ``moment``; real time runs on from there. A ``moment`` that real time
        has already passed (the one read a moment ago, before a tick ran) leaves the clock
        where it is: it never runs backwards, and never fails for it.

        Raises ``ValueError`` for a naive ``moment``.
        """
        if moment.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware time")
        self._jumped += max(moment - self.now(), timedelta())


def demo_settings(root: Path, language: Language) -> Settings:
    """Settings for a demo court in ``root`` (a fresh temporary folder): SQLite and the evidence
    folder inside it, the court's language ``language``, the demo court's name and code.
    """
    settings = defaults(root / "config.toml")
    settings.court.name = COURT
    settings.court.code = CODE
    settings.court.record_number = "温法过问〔{year}〕{n}号"
    settings.court.language = language.value
    settings.storage.database_url = f"sqlite+aiosqlite:///{root / 'guowen.db'}"
    settings.storage.evidence_dir = str(root / "evidence")
    return settings


async def seed(db: Database, clock: Clock) -> None:
    """The demo court's staff, each with a console account so every message shows."""
    async with db.transaction() as session:
        for name, department, roles in PEOPLE:
            person = await staff_repo.add_staff(
                session,
                name=name,
                department_name=department,
                roles=roles,
                at=clock.now(),
                actor="demo",
                new_department=True,
            )
            await staff_repo.bind(
                session,
                person=person,
                transport=CONSOLE,
                external_id=str(person.id),
                chat_id=str(person.id),
                display_name=name,
                at=clock.now(),
                via="console",
            )


class DemoStartError(ValueError):
    """The demo's ``--start`` is not ``YYYY-MM-DD HH:MM``."""


class DemoFolderError(OSError):
    """The demo's documents folder (``--out``) cannot be used: ``filename`` is the folder,
    ``errno`` why (``ENOTDIR``: a file is in the way; ``EACCES``: no permission...)."""


def _make_writable(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=folder):
        pass


def usable_folder(folder: Path) -> Path:
    """``folder``, made if need be (with its parents) and found writable, resolved
    (blocking).

    Raises ``DemoFolderError`` naming ``folder`` and the reason otherwise.
    """
    try:
        _make_writable(folder)
    except OSError as problem:
        number = problem.errno if problem.errno is not None else errno.EIO
        raise DemoFolderError(number, problem.strerror or str(problem), str(folder)) from None
    return folder.resolve()


def demo_start(text: str | None, tz: ZoneInfo) -> datetime | None:
    """``text`` (``YYYY-MM-DD HH:MM``, the court's local time) as an aware UTC time; None for
    None. Raises ``DemoStartError`` when it is not in that form."""
    if text is None:
        return None
    try:
        local = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    except ValueError:
        raise DemoStartError(text) from None
    return local.astimezone(UTC)


async def open_drafts(db: Database) -> list[tuple[int, str]]:
    """The drafts neither submitted nor withdrawn, oldest first, as (record id, handler's
    name): what leaving the demo loses with its temporary database."""
    async with db.transaction() as session:
        query = (
            select(Record.id, Staff.name)
            .join(Staff, Staff.id == Record.handler_id)
            .where(Record.status == RecordStatus.DRAFT)
            .order_by(Record.id)
        )
        return [(record_id, name) for record_id, name in (await session.execute(query)).all()]


def drafts_text(language: Language, drafts: list[tuple[int, str]]) -> str:
    """The drafts ``drafts`` ((record id, handler) pairs) as the catalog names them, each
    with whose it is: 草稿 #3（张伟）、草稿 #4（孙丽）."""
    return join(
        language,
        [
            t(
                language,
                "demo.draft_of",
                draft=t(language, "card.draft_title", id=draft),
                handler=name,
            )
            for draft, name in drafts
        ],
    )


@contextlib.contextmanager
def stopped_by_signals(stop: Callable[[signal.Signals], None]) -> Iterator[None]:
    """While inside, ``STOP_SIGNALS`` call ``stop`` with the signal on the running loop
    instead of killing the process; the handlers are removed on leaving. Where the loop
    cannot take signal handlers (not the main thread) nothing is installed.
    """
    loop = asyncio.get_running_loop()
    installed = []
    for number in STOP_SIGNALS:
        try:
            loop.add_signal_handler(number, stop, number)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(number)
    try:
        yield
    finally:
        for number in installed:
            loop.remove_signal_handler(number)


class Stop:
    """Where a stop signal (``STOP_SIGNALS``) lands: the first one is kept in ``signal`` and
    cancels ``task``, the task doing the demo's work at that moment."""

    def __init__(self, task: asyncio.Task[object]) -> None:
        self.task = task
        self.signal: signal.Signals | None = None

    def __call__(self, number: signal.Signals) -> None:
        """Keep the first signal and cancel ``task``; a later one changes nothing."""
        if self.signal is None:
            self.signal = signal.Signals(number)
            self.task.cancel()

    def closing(self, language: Language) -> list[str]:
        """The closing line that names the signal, if one came."""
        if self.signal is None:
            return []
        return [t(language, "demo.stopped", signal=self.signal.name)]

    def status(self) -> int:
        """The exit status: 128 + the signal's number, or 0 when none came."""
        return 0 if self.signal is None else 128 + self.signal


async def run_demo(
    inp: TextIO,
    out: TextIO,
    language: Language,
    *,
    start: str | None = None,
    documents: Path | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    """``guowen demo``: a court with a few people in a temporary folder, spoken to through the
    console (``inp`` and ``out``), with a clock that runs from the start and that ``/clock +2d``
    moves on (``DemoClock``; ``monotonic`` is its source of real time); the exit status (0, or
    128 + the signal's number when SIGTERM, SIGHUP or SIGINT ended it).

    ``start`` (``YYYY-MM-DD HH:MM`` in the court's time) starts the clock there rather than
    now, to try a quarter's end or a holiday. Raises ``DemoStartError`` for another form.
    The forms and reports the demo makes are kept in ``documents`` (created if need be;
    default: a new ``guowen-documents-*`` folder in the temporary directory, removed at
    exit if nothing was written to it); the folder is named at start and, if it holds
    anything, at exit. The temporary folder (database and evidence) is deleted however the
    demo ends: /quit, end of input, SIGTERM, SIGHUP (a closed terminal), SIGINT (Ctrl-C) or
    an error.
    Drafts still open are named before they are lost: at an interactive /quit, which then
    asks to confirm, and in the closing lines otherwise.
    """
    task = asyncio.current_task()
    assert task is not None  # a coroutine run by asyncio
    stop = Stop(task)
    with stopped_by_signals(stop):
        return await _in_folder(inp, out, language, start, documents, monotonic, stop)


async def _in_folder(
    inp: TextIO,
    out: TextIO,
    language: Language,
    start: str | None,
    documents: Path | None,
    monotonic: Callable[[], float],
    stop: Stop,
) -> int:
    """``run_demo`` with its stop signals in place: the temporary folder made, the session
    run, the folder deleted however it ends."""
    root = Path(tempfile.mkdtemp(prefix="guowen-demo-"))
    made = documents is None
    db: Database | None = None
    try:
        settings = demo_settings(root, language)
        begin = demo_start(start, settings.tz) or SystemClock().now()
        if documents is None:
            documents = Path(tempfile.mkdtemp(prefix="guowen-documents-"))
        documents = await asyncio.to_thread(usable_folder, documents)
        clock = DemoClock(begin, monotonic)
        db = Database(settings.storage.database_url)
        await db.upgrade()
        await seed(db, clock)
        samples = await asyncio.to_thread(write_samples, root / "samples", language)
        return await _session(settings, db, clock, inp, out, language, documents, stop, samples)
    except asyncio.CancelledError:
        if stop.signal is None or stop.task is not asyncio.current_task():
            raise
        stop.task.uncancel()  # stopped while starting: nothing to lose yet
        _close(out, [*stop.closing(language), t(language, "demo.bye")])
        return stop.status()
    finally:
        if db is not None:
            await db.close()
        shutil.rmtree(root, ignore_errors=True)
        if made and documents is not None and documents.is_dir() and not _holds_anything(documents):
            documents.rmdir()


def samples_text(language: Language, samples: list[Sample]) -> str:
    """The lines naming the sample files, each as the ``/attach`` command that sends it."""
    lines = [t(language, "demo.samples")]
    lines += [
        t(language, "demo.sample_line", path=shlex.quote(str(sample.path)), what=sample.what)
        for sample in samples
    ]
    return "\n".join(lines)


def _holds_anything(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _close(out: TextIO, lines: list[str]) -> None:
    """Write the closing ``lines``; a closed terminal takes none, and that is no error."""
    with contextlib.suppress(OSError, ValueError):
        out.write("".join(f"{line}\n" for line in lines))
        out.flush()


async def _session(
    settings: Settings,
    db: Database,
    clock: DemoClock,
    inp: TextIO,
    out: TextIO,
    language: Language,
    documents: Path,
    stop: Stop,
    samples: list[Sample],
) -> int:
    """The demo's conversation, from the guide to the closing lines; the exit status. A stop
    signal ends the conversation where it is (``stop``). The ``samples`` to forward are named
    after the guide and after each /help, each with its ``/attach`` line."""
    app = App(settings, db, clock, reports=documents)
    app.dispatcher.warn_operators = False  # no operators: the admin's chat is told instead
    console = ConsoleTransport(app, out=out, inp=inp, fresh_database=True)

    def stamp(moment: datetime) -> str:
        return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")

    def next_midnight(moment: datetime) -> datetime:
        day = moment.astimezone(settings.tz).date() + timedelta(days=1)
        return datetime.combine(day, datetime.min.time(), tzinfo=settings.tz)

    anchor = chain_anchor(app, db, clock, settings)

    def next_morning(moment: datetime) -> datetime:
        """The first of the court's mornings (``anchor.at``) after ``moment``."""
        local = moment.astimezone(settings.tz)
        morning = datetime.combine(local.date(), anchor.at, tzinfo=settings.tz)
        return morning if morning > local else morning + timedelta(days=1)

    async def move_clock(offset: timedelta) -> str:
        """Move time on from one due reminder to the next, so each arrives on time, and
        through each midnight, where a tick plans the new day's reminders (the admins' daily
        holiday warning, the quarter's), and each morning, where discipline receives the
        day's audit-chain head as ``guowen run`` sends it (``reminders.anchor``); what is sent
        at each stop comes under that stop's time, the last stop's too."""
        target = clock.now() + offset
        ticked: datetime | None = None  # the last stop: time only ever moves on
        while True:
            due = await app.dispatcher.next_due()
            morning = next_morning(clock.now())
            stop = min(next_midnight(clock.now()), morning)
            if due is not None and due < stop and (ticked is None or due > ticked):
                stop = max(due, clock.now())
            if stop > target:
                break
            ticked = stop
            clock.set(stop)
            console.heading = t(language, "demo.clock_at", now=stamp(clock.now()))
            await app.dispatcher.tick()
            if stop == morning:
                await anchor.run()
        clock.set(target)
        console.heading = t(language, "demo.clock_at", now=stamp(clock.now()))
        await app.dispatcher.tick()
        console.heading = None
        return t(language, "demo.clock_moved", now=stamp(clock.now()))

    async def leaving() -> str | None:
        drafts = await open_drafts(db)
        if not drafts:
            return None
        return t(language, "demo.drafts_open", drafts=drafts_text(language, drafts))

    console.clock_hook = move_clock
    console.leaving = leaving
    app.add_transport(console)
    people = "\n".join(
        t(
            language,
            "demo.person",
            name=name,
            department=department,
            roles=join(language, [label(role, language) for role in roles]),
        )
        for name, department, roles in PEOPLE
    )
    console.roster = t(language, "demo.roster", people=people)
    out.write(t(language, "demo.guide", court=COURT, people=people) + "\n")
    out.write(t(language, "demo.documents", path=str(documents)) + "\n")
    console.help_extra = samples_text(language, samples)
    out.write(console.help_extra + "\n")
    out.flush()
    await app.dispatcher.tick()
    await console.line(f"/as {FIRST_SPEAKER}")

    talking = asyncio.ensure_future(console.run())
    stop.task = talking
    try:
        await talking
    except asyncio.CancelledError:
        if stop.signal is None:
            raise
    drafts = await open_drafts(db)
    closing = stop.closing(language)
    if drafts:
        closing.append(t(language, "demo.drafts_lost", drafts=drafts_text(language, drafts)))
    closing.append(t(language, "demo.bye"))
    if await asyncio.to_thread(_holds_anything, documents):
        closing.append(t(language, "demo.documents_kept", path=str(documents)))
    _close(out, closing)
    return stop.status()
