"""Migrations: an empty database comes up to the newest schema, and doing it again is a no-op."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fakes import PG_URL, empty_database
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from bot import cli
from handlers.i18n import t
from storage.audit import GENESIS
from storage.db import Database, alembic_config, revision
from storage.models import Base


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head
    return head


def schema(connection: Connection) -> dict[str, object]:
    """Tables, columns, indexes and the migration revision, to compare two states."""
    found = inspect(connection)
    return {
        name: (
            [(c["name"], str(c["type"]), c["nullable"]) for c in found.get_columns(name)],
            sorted(str(sorted(i.items())) for i in found.get_indexes(name)),
        )
        for name in sorted(found.get_table_names())
    }


def differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_an_empty_database_comes_up_to_head_and_stays_there(tmp_path: Path) -> None:
    async with empty_database(tmp_path) as url:
        db = Database(url)
        try:
            assert await revision(db.engine) == (None, head_revision())

            await db.upgrade()

            assert await revision(db.engine) == (head_revision(), head_revision())
            async with db.engine.connect() as conn:
                tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
                first = await conn.run_sync(schema)
                assert await conn.run_sync(differences) == []
                head = (await conn.execute(text("SELECT id, seq, hash FROM audit_head"))).all()
            assert set(Base.metadata.tables) | {"alembic_version"} <= tables
            assert [tuple(row) for row in head] == [(1, 0, GENESIS)]

            async with db.engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO departments (name, created_at) "
                        "VALUES ('民一庭', CURRENT_TIMESTAMP)"
                    )
                )
            await db.upgrade()  # the second time changes nothing

            assert await revision(db.engine) == (head_revision(), head_revision())
            async with db.engine.connect() as conn:
                assert await conn.run_sync(schema) == first
                names = (await conn.execute(text("SELECT name FROM departments"))).scalars()
                assert list(names) == ["民一庭"]
                head = (await conn.execute(text("SELECT seq, hash FROM audit_head"))).all()
            assert [tuple(row) for row in head] == [(0, GENESIS)]
        finally:
            await db.close()
    assert PG_URL or (tmp_path / "empty.db").is_file()


async def test_two_databases_migrate_independently(tmp_path: Path) -> None:
    """The migration environment keeps no state between two databases in one process."""
    for folder in ("one", "two"):
        async with empty_database(tmp_path / folder) as url:
            db = Database(url)
            try:
                await db.upgrade()
                assert await revision(db.engine) == (head_revision(), head_revision())
            finally:
                await db.close()


def test_db_upgrade_creates_a_database_in_a_new_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh server the data folder does not exist yet; ``db upgrade`` makes it."""
    monkeypatch.delenv("GUOWEN_DATABASE_URL", raising=False)
    target = tmp_path / "srv" / "guowen" / "data" / "guowen.db"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndatabase_url = "sqlite+aiosqlite:///{target}"\n', encoding="utf-8"
    )
    head = head_revision()
    assert not (tmp_path / "srv").exists()

    out = io.StringIO()
    assert cli.main(["--config", str(config), "db", "upgrade"], out=out) == 0
    assert target.is_file()
    assert out.getvalue() == t(None, "cli.db_revision", current=head, head=head) + "\n"

    again = io.StringIO()
    assert cli.main(["db", "upgrade", "--config", str(config)], out=again) == 0
    assert again.getvalue() == out.getvalue()
    status = io.StringIO()
    assert cli.main(["db", "status", "--config", str(config)], out=status) == 0
    assert status.getvalue() == out.getvalue()


def test_db_status_on_an_unmigrated_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUOWEN_DATABASE_URL", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "g.db"}"\n',
        encoding="utf-8",
    )
    out = io.StringIO()
    assert cli.main(["db", "status", "--config", str(config)], out=out) == 1
    assert out.getvalue() == t(None, "cli.db_revision", current="-", head=head_revision()) + "\n"
