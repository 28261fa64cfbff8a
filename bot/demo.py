"""``guowen demo``: a console chat on a throwaway database with a seeded demo court."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.app import App
from bot.config import Settings, defaults
from bot.transports.console import NAME as CONSOLE
from bot.transports.console import ConsoleTransport
from handlers.i18n import join, t
from reminders.clock import FakeClock, SystemClock
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Language, Role, label

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


async def seed(db: Database, clock: FakeClock) -> None:
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


async def run_demo(
    inp: TextIO,
    out: TextIO,
    language: Language,
    *,
    start: str | None = None,
    documents: Path | None = None,
) -> int:
    """``guowen demo``: a court with a few people in a temporary folder, spoken to through the
    console (``inp`` and ``out``), with a clock ``/clock +2d`` can move; the exit status.

    ``start`` (``YYYY-MM-DD HH:MM`` in the court's time) starts the clock there rather than
    now, to try a quarter's end or a holiday. Raises ``DemoStartError`` for another form.
    The forms and reports the demo makes are kept in ``documents`` (created if need be;
    default: a new ``guowen-documents-*`` folder in the temporary directory, removed at
    exit if nothing was written to it); the folder is named at start and, if it holds
    anything, at exit.
    """
    root = Path(tempfile.mkdtemp(prefix="guowen-demo-"))
    settings = demo_settings(root, language)
    try:
        begin = demo_start(start, settings.tz) or SystemClock().now()
    except DemoStartError:
        shutil.rmtree(root, ignore_errors=True)
        raise
    made = documents is None
    if documents is None:
        documents = Path(tempfile.mkdtemp(prefix="guowen-documents-"))
    else:
        documents.mkdir(parents=True, exist_ok=True)
    documents = documents.resolve()
    clock = FakeClock(begin)
    db = Database(settings.storage.database_url)
    try:
        await db.upgrade()
        await seed(db, clock)
        app = App(settings, db, clock, reports=documents)

        async def move_clock(offset: timedelta) -> str:
            """Move time on from one due reminder to the next, so each arrives on time."""
            target = clock.now() + offset
            while True:
                due = await app.dispatcher.next_due()
                if due is None or due > target:
                    break
                clock.set(max(due, clock.now()))
                stamp = clock.now().astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
                console.write(t(language, "demo.clock_at", now=stamp))
                await app.dispatcher.tick()
            clock.set(target)
            await app.dispatcher.tick()
            moved = clock.now().astimezone(settings.tz)
            return t(language, "demo.clock_moved", now=moved.strftime("%Y-%m-%d %H:%M"))

        console = ConsoleTransport(app, out=out, inp=inp, clock_hook=move_clock)
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
        out.write(t(language, "demo.guide", court=COURT, people=people) + "\n")
        out.write(t(language, "demo.documents", path=str(documents)) + "\n")
        await app.dispatcher.tick()
        await console.line(f"/as {FIRST_SPEAKER}")
        await console.run()
        out.write(t(language, "demo.bye") + "\n")
        if any(documents.iterdir()):
            out.write(t(language, "demo.documents_kept", path=str(documents)) + "\n")
        return 0
    finally:
        await db.close()
        shutil.rmtree(root, ignore_errors=True)
        if made and not any(documents.iterdir()):
            documents.rmdir()
