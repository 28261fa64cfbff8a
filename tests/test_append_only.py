"""Evidence and audit rows cannot be changed or deleted, even with hand-typed SQL.

The migrations create triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL);
these tests run on whichever database the suite runs on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from test_evidence import add_file, make_record, png_bytes

from reminders.clock import FakeClock
from storage import audit
from storage.append_only import trigger_names
from storage.audit import AuditKind
from storage.db import Database, alembic_config
from storage.evidence import EvidenceStore
from storage.models import AuditEvent, EvidenceBlob, EvidenceItem

TABLES = ("audit_events", "evidence_blobs", "evidence_items")
STATEMENTS = {
    "audit_events": (
        "UPDATE audit_events SET payload = '{}'",
        "DELETE FROM audit_events",
    ),
    "evidence_blobs": (
        "UPDATE evidence_blobs SET size = 0",
        "DELETE FROM evidence_blobs",
    ),
    "evidence_items": (
        "UPDATE evidence_items SET original_name = 'x'",
        "DELETE FROM evidence_items",
    ),
}


@pytest.fixture
async def filled(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence", max_bytes=1 << 20)
    ids = await make_record(db, clock)
    await add_file(db, store, clock, ids, png_bytes((40, 30)), "截图.png")
    async with db.transaction() as session:
        await audit.append(session, AuditKind.STAFF_ADDED, at=clock.now())


async def _rows(db: Database, table: str) -> list[tuple[object, ...]]:
    async with db.transaction() as session:
        return [tuple(row) for row in (await session.execute(text(f"SELECT * FROM {table}")))]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
async def test_the_database_refuses_to_change_history(
    db: Database, filled: None, table: str, verb: str
) -> None:
    before = await _rows(db, table)
    assert before
    statement = STATEMENTS[table][0 if verb == "UPDATE" else 1]
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text(statement))
    assert await _rows(db, table) == before


async def test_truncate_is_refused_on_postgresql(db: Database, filled: None) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is refused above")
    for table in TABLES:
        with pytest.raises(DBAPIError, match="append-only"):
            async with db.transaction() as session:
                await session.execute(text(f"TRUNCATE {table} CASCADE"))
        assert await _rows(db, table)


async def test_the_orm_cannot_delete_evidence_either(db: Database, filled: None) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            item = (await session.execute(select(EvidenceItem))).unique().scalar_one()
            await session.delete(item)
    async with db.transaction() as session:
        for model in (EvidenceItem, EvidenceBlob, AuditEvent):
            assert (await session.execute(select(func.count()).select_from(model))).scalar_one()


def _migrate(connection: Connection, revision: str, *, down: bool) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


def _state(connection: Connection) -> tuple[set[str], set[str]]:
    tables = set(inspect(connection).get_table_names())
    if connection.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    return tables, {row[0] for row in connection.exec_driver_sql(query)}


async def test_the_evidence_migration_creates_and_drops_its_tables_and_triggers(
    db: Database,
) -> None:
    expected = {name for table in TABLES for name in trigger_names(db.dialect, table)}
    async with db.engine.begin() as connection:
        tables, triggers = await connection.run_sync(_state)
    assert {"evidence_blobs", "evidence_items"} <= tables and expected <= triggers

    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate, "0001", down=True)
        tables, triggers = await connection.run_sync(_state)
    assert not {"evidence_blobs", "evidence_items"} & tables
    assert set(trigger_names(db.dialect, "audit_events")) <= triggers
    assert not (expected - set(trigger_names(db.dialect, "audit_events"))) & triggers

    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate, "head", down=False)
        tables, triggers = await connection.run_sync(_state)
    assert expected <= triggers


# --------------------------------------------------------------------------- the chain's head

HEAD_TAMPERS = {
    "delete": "DELETE FROM audit_head",
    "rewind": "UPDATE audit_head SET seq = seq - 1, hash = (SELECT hash FROM audit_events "
    "WHERE seq = (SELECT seq - 1 FROM audit_head))",
    "forge": "UPDATE audit_head SET hash = '" + "f" * 64 + "'",
    "skip": "UPDATE audit_head SET seq = seq + 1",
    "second row": "INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, '" + "0" * 64 + "')",
}


@pytest.mark.parametrize("tamper", sorted(HEAD_TAMPERS))
async def test_the_chain_head_cannot_be_deleted_rewound_or_forged(
    db: Database, filled: None, tamper: str
) -> None:
    before = await _rows(db, "audit_head")
    assert before and before[0][1] >= 2
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text(HEAD_TAMPERS[tamper]))
    assert await _rows(db, "audit_head") == before


async def test_the_chain_head_still_moves_forward_with_each_event(
    db: Database, filled: None, clock: FakeClock
) -> None:
    async with db.transaction() as session:
        first = await audit.append(session, AuditKind.STAFF_ADDED, at=clock.now())
        second = await audit.append(session, AuditKind.STAFF_DISABLED, at=clock.now())
    assert second.seq == first.seq + 1
    assert await _rows(db, "audit_head") == [(1, second.seq, second.hash)]


async def test_the_chain_head_cannot_be_truncated_on_postgresql(db: Database, filled: None) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE is refused above")
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text("TRUNCATE audit_head"))
    assert await _rows(db, "audit_head")


async def test_the_head_guard_migration_comes_and_goes(db: Database) -> None:
    guard = set(trigger_names(db.dialect, "audit_head"))
    async with db.engine.begin() as connection:
        _tables, triggers = await connection.run_sync(_state)
    assert guard <= triggers
    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate, "0005", down=True)
        _tables, triggers = await connection.run_sync(_state)
    assert not guard & triggers
    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate, "head", down=False)
        _tables, triggers = await connection.run_sync(_state)
    assert guard <= triggers
