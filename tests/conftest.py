"""Shared fixtures: a freshly migrated database per test, on SQLite or PostgreSQL;
``testbot``, the bot on each transport; ``bot`` and ``court``, the bot on the console-like fake
transport and the court's people on it.

``GUOWEN_TEST_DATABASE_URL`` (a ``postgresql+asyncpg://`` URL) runs the whole suite on
PostgreSQL; without it every test gets its own SQLite file. The schema is migrated once into a
template and copied per test, so each test starts from an empty, current database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dialogue import COURT_NAME, RECORD_NUMBER, Court, DialogueBot, open_court, settings_for
from fake_botapi import BotHarness, fake_api, telegram_settings
from fakes import FakeBot
from harness import Harness
from sqlalchemy.engine import make_url
from wecom_kit import WeComHarness, fake_wecom, wecom_settings

from reminders.clock import FakeClock
from storage.db import Database, make_engine, upgrade

PG_URL = os.environ.get("GUOWEN_TEST_DATABASE_URL", "")
# One template per test run, so two runs on one server never drop each other's.
TEMPLATE = f"guowen_template_{os.getpid()}"


def _asyncpg_dsn(url: str, database: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database=database)
        .render_as_string(hide_password=False)
    )


async def _pg_admin(statements: list[str]) -> None:
    import asyncpg

    admin = make_url(PG_URL).database or "postgres"
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL, admin))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_URL:
        asyncio.run(
            _pg_admin(
                [
                    f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)",
                    f"CREATE DATABASE {TEMPLATE}",
                ]
            )
        )
        url = make_url(PG_URL).set(database=TEMPLATE).render_as_string(hide_password=False)
        asyncio.run(_migrate(url))
        yield url
        asyncio.run(_pg_admin([f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"]))
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def database_url(template_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A URL of a new database holding the current schema and nothing else."""
    if PG_URL:
        name = f"guowen_t_{uuid.uuid4().hex[:12]}"
        await _pg_admin([f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"])
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        await _pg_admin([f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
    else:
        source = make_url(template_url).database
        assert source is not None
        target = tmp_path / "guowen.db"
        shutil.copyfile(source, target)
        yield f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.close()


@pytest.fixture
def clock() -> FakeClock:
    """Friday 2026-03-06 10:00 in Beijing: a working day with a weekend ahead."""
    return FakeClock(datetime(2026, 3, 6, 2, 0, tzinfo=UTC))


TRANSPORTS = ("console", "telegram", "wecom")
"""The transports ``testbot`` runs on: the console-like fake, Telegram through the fake Bot
API, WeCom through the fake WeCom server."""


@pytest.fixture(params=TRANSPORTS)
async def testbot(
    request: pytest.FixtureRequest, db: Database, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The bot on one transport (each of ``TRANSPORTS`` in turn; a test narrows them with
    ``@pytest.mark.parametrize("testbot", [...], indirect=True)``), the court's settings of
    ``dialogue.settings_for``, started, with nobody registered yet (``await testbot.seed()``
    registers ``harness.PEOPLE``)."""
    transport = str(request.param)
    if transport == "console":
        yield FakeBot(db, clock, settings_for(tmp_path))
        return
    if transport == "telegram":
        async with fake_api() as api:
            settings = telegram_settings(api, tmp_path)
            settings.court.name, settings.court.record_number = COURT_NAME, RECORD_NUMBER
            async with BotHarness(api, db, clock, settings).running() as bot:
                yield bot
        return
    async with fake_wecom(clock) as fake:
        settings = wecom_settings(fake, tmp_path)
        settings.court.name, settings.court.record_number = COURT_NAME, RECORD_NUMBER
        async with WeComHarness(fake, db, clock, settings).running() as wecom:
            yield wecom


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    """The bot on the console-like fake transport with the court's settings; a module that
    needs other settings, or the bot on a real transport's fake, gives its own ``bot``."""
    return DialogueBot(db, clock, settings_for(tmp_path))


@pytest.fixture
async def court(bot: DialogueBot) -> Court:
    """``harness.PEOPLE``, registered and bound on ``bot``."""
    return await open_court(bot)
