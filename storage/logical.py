"""A logical dump of the database through SQLAlchemy, and loading it into an empty database.

What ``guowen backup`` writes for PostgreSQL when ``pg_dump`` is not on the bot's machine (and
what can move a court from SQLite to PostgreSQL or back): every table of ``storage.models``
in foreign-key order, read in the caller's transaction (so one REPEATABLE READ snapshot gives
one consistent state), written as JSON lines:

- a header ``{"format": 1, "revision": "<alembic revision>", "dialect": "postgresql"}``;
- per table ``{"table": NAME, "columns": [...]}``, then one JSON array per row, in primary-key
  order (timestamps as ISO 8601 in UTC, JSON columns as they are).

Loading needs an empty database (no tables): the migrations are run up to the dump's
revision, the rows inserted table by table in the same order, the audit chain's head advanced
one event at a time (the head's trigger admits nothing else), the sequences set past the
largest ids, and the migrations run on to the newest revision. Needs only the database URL
and the privileges ``guowen db upgrade`` needs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, Table, TypeDecorator, bindparam, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, alembic_config, upgrade
from storage.models import AuditEvent, AuditHead, Base

FORMAT = 1
BATCH = 1000
"""Rows fetched from the source, or inserted into the target, per round trip."""
HEAD = AuditHead.__tablename__


class LoadError(Exception):
    """A dump that cannot be loaded: ``code`` is ``not_empty``, ``not_a_dump`` or
    ``head_mismatch`` (the chain loaded does not end at the dumped head)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def dump(connection: AsyncConnection, out: IO[str]) -> int:
    """Write every table to ``out`` as described above, in ``connection``'s transaction.

    Returns the number of rows written. Memory stays at one batch of rows.
    """
    revision = await connection.run_sync(_current_revision)
    header = {"format": FORMAT, "revision": revision, "dialect": connection.dialect.name}
    out.write(json.dumps(header) + "\n")
    rows = 0
    for table in _tables():
        columns = [column.name for column in table.columns]
        out.write(json.dumps({"table": table.name, "columns": columns}) + "\n")
        order = list(table.primary_key.columns) or list(table.columns)
        result = await connection.stream(
            select(table).order_by(*order).execution_options(yield_per=BATCH)
        )
        async for partition in result.partitions(BATCH):
            for row in partition:
                values = [_plain(value) for value in row]
                out.write(json.dumps(values, ensure_ascii=False) + "\n")
                rows += 1
    return rows


def _read(source: Path) -> Iterator[dict[str, Any] | list[Any]]:
    with source.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _decoders(table: Table, columns: list[str]) -> list[Any]:
    decoders: list[Any] = []
    for name in columns:
        kind = table.columns[name].type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        decoders.append(datetime.fromisoformat if isinstance(kind, DateTime) else None)
    return decoders


def _row(columns: list[str], decoders: list[Any], values: list[Any]) -> dict[str, Any]:
    return {
        name: (decode(value) if decode is not None and value is not None else value)
        for name, decode, value in zip(columns, decoders, values, strict=True)
    }


def _migrate_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _is_empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


async def load(db: Database, source: Path) -> int:
    """Load the dump ``source`` into the empty database ``db``; returns the rows loaded.

    Raises ``LoadError`` (``not_empty``: the database has tables; ``not_a_dump``;
    ``head_mismatch``), and whatever the database raises for rows it refuses; nothing is
    committed then but the migrations' empty tables.
    """
    lines = _read(source)
    header = next(lines, None)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise LoadError("not_a_dump", str(source))
    async with db.engine.connect() as connection:
        if not await connection.run_sync(_is_empty):
            raise LoadError("not_empty", db.engine.url.render_as_string(hide_password=True))
    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate_to, str(header["revision"]))
    tables = {table.name: table for table in _tables()}
    loaded = 0
    head: dict[str, Any] | None = None
    async with db.engine.begin() as connection:
        table: Table | None = None
        columns: list[str] = []
        decoders: list[Any] = []
        batch: list[dict[str, Any]] = []

        async def flush() -> None:
            if table is not None and batch and table.name != HEAD:
                await connection.execute(table.insert(), batch)
            batch.clear()

        for line in lines:
            if isinstance(line, dict):
                await flush()
                table = tables.get(str(line.get("table")))
                if table is None:
                    raise LoadError("not_a_dump", f"unknown table {line.get('table')!r}")
                columns = [str(name) for name in line.get("columns", [])]
                decoders = _decoders(table, columns)
                continue
            if table is None:
                raise LoadError("not_a_dump", "a row before its table")
            row = _row(columns, decoders, line)
            if table.name == HEAD:
                head = row
                continue
            batch.append(row)
            loaded += 1
            if len(batch) >= BATCH:
                await flush()
        await flush()
        if head is not None:
            await _advance_head(connection, head)
        if db.dialect == "postgresql":
            await _reset_sequences(connection)
    await upgrade(db.engine)
    return loaded


async def _advance_head(connection: AsyncConnection, head: dict[str, Any]) -> None:
    """Move the chain's head forward event by event up to the dumped one, as appends do."""
    events = await connection.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq <= head["seq"])
        .order_by(AuditEvent.seq)
    )
    steps = [{"s": seq, "h": digest} for seq, digest in events.all()]
    statement = (
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(seq=bindparam("s"), hash=bindparam("h"))
        .execution_options(synchronize_session=False)
    )
    for start in range(0, len(steps), BATCH):  # one row at a time: the trigger checks each
        await connection.execute(statement, steps[start : start + BATCH])
    found = (await connection.execute(select(AuditHead.seq, AuditHead.hash))).one()
    if (found[0], found[1]) != (head["seq"], head["hash"]):
        raise LoadError("head_mismatch", f"#{found[0]} {found[1]}")


async def _reset_sequences(connection: AsyncConnection) -> None:
    """Set each serial column's sequence past its largest value (PostgreSQL)."""
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is not True and not (
                column.autoincrement == "auto" and column.type.python_type is int
            ):
                continue
            await connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f'COALESCE(MAX("{column.name}"), 1), MAX("{column.name}") IS NOT NULL) '
                    f'FROM "{table.name}"'
                )
            )
