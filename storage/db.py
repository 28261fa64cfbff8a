"""Engine, sessions and migrations.

SQLite is the embedded default. Its writers are serialised with ``BEGIN IMMEDIATE`` so two
transactions never both read the audit chain's head and then both append to it; PostgreSQL
gets the same guarantee from a row lock on that head.

On SQLite, this process's write transactions take turns first come, first served and share
their commits (``GroupCommit``): the transactions that queued up while one ran go on in the
same SQLite transaction, each in a savepoint of its own, and one ``COMMIT`` (one fsync) makes
all of them durable. Each caller's ``Database.transaction`` block returns only once that commit
is on disk, so nothing is told or sent before its own commit.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert

from storage.inline_sqlite import connector

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite+aiosqlite:///data/guowen.db"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


BATCH_HEAD = "guowen_batch_audit_head"
"""Key, in a ``GroupCommit`` transaction's ``session.info``, of the audit chain's head as
``(seq, hash)`` when the batch knows it: the SQLite write lock has been held since the batch
began, and the batch's transactions before this one moved the head there, so the next append
need not read it (``storage.audit.append``). Absent or None: read it. ``storage.audit`` moves
it with each append and clears it when a savepoint rolls back; the batch takes it from each
transaction that succeeds and forgets it when one fails or the batch ends."""

READ_ONLY = "guowen_read_only"
"""Execution option of a connection that only reads: SQLite begins it deferred, so it takes no
write lock and never waits for a writer (see ``Database.read``)."""


def _sqlite_begin(conn: Connection) -> None:
    deferred = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def private_folders(path: Path) -> None:
    """Create the missing folders above ``path`` for the bot's own user only (0700)."""
    missing = [folder for folder in path.parents if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)


def private_file(path: Path) -> None:
    """Create ``path`` (and its missing folders) for the bot's own user only: the file
    0600, new folders 0700; SQLite gives its -wal and -shm files the database's mode.
    An existing file is left as it is."""
    private_folders(path)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def make_engine(url: str) -> AsyncEngine:
    """An engine for ``url``; a SQLite file's folder is created on first use.

    SQLite runs through ``storage.inline_sqlite``: a write transaction's statements on the
    event loop's thread, only ``BEGIN IMMEDIATE``, ``COMMIT`` and reads outside a write
    transaction in a worker thread (see there).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        uri = str(parsed.query.get("uri", "")).lower() in ("true", "1")
        database = parsed.database or ":memory:"
        if database != ":memory:" and not uri:
            private_folders(Path(database))
        engine = create_async_engine(url, async_creator=connector(database, timeout=60, uri=uri))
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def insert_ignore(
    dialect: str, table: type[DeclarativeBase] | Table, *, index_elements: list[Any] | None = None
) -> Insert:
    """An ``INSERT`` into ``table`` that skips each row whose key (the primary key, or the
    unique ``index_elements``) is already there: ``INSERT ... ON CONFLICT DO NOTHING`` on
    PostgreSQL and SQLite (3.24+), the one place the dialects are told apart for it.

    ``dialect`` is ``Database.dialect`` or ``session.get_bind().dialect.name``. The result's
    ``rowcount`` is the number of rows inserted (0 for a row already there). Raises
    ``ValueError`` for another dialect.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # only a PostgreSQL database loads it

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table).on_conflict_do_nothing(index_elements=index_elements)
    raise ValueError(f"no insert-ignore for the {dialect} dialect")


class GroupCommit:
    """SQLite write transactions of one process, first come first served, with shared commits.

    A transaction that finds nobody writing opens a SQLite transaction (``BEGIN IMMEDIATE``)
    on a pooled connection and runs in it directly. When it is done and others have queued up
    meanwhile, it hands the still open SQLite transaction to the next in line, who runs in a
    savepoint (``SAVEPOINT`` ... ``RELEASE``; its failure rolls back its own work only), and so
    on, until nobody waits, ``max_batch`` transactions have run or the first began
    ``max_wait`` seconds ago; then one ``COMMIT`` makes the batch durable. Every transaction of
    the batch waits for that commit before its block returns, and gets its error if it fails:
    a transaction that saw its predecessors' writes is never kept without them. The first
    transaction of a batch failing rolls back the SQLite transaction (nobody else is in it yet).

    A transaction that need not wait (``wait=False``: bookkeeping a crash may lose, such as
    the deletion of sent replies' outbox rows) leaves the batch open when nobody else is in
    line: the next transaction's commit, or ``linger`` seconds, makes it durable. Bookkeeping
    that is one Core statement can be put off altogether (``defer``): it runs on the next
    batch's connection before that batch's next transaction, with no session or savepoint of
    its own, and commits with it, or ``linger`` seconds later when no transaction comes.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_batch: int = 32,
        max_wait: float = 0.25,
        linger: float = 0.5,
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.linger = linger
        self.commits = 0
        """SQLite commits made (each one fsync with ``synchronous=FULL``)."""
        self.batched = 0
        """Transactions those commits made durable."""
        self._busy = False
        self._queue: deque[asyncio.Future[None]] = deque()
        self._open: AsyncConnection | None = None
        self._outcome: asyncio.Future[None] | None = None
        self._size = 0
        self._began = 0.0
        self._lingering: asyncio.TimerHandle | None = None
        self._flushing: set[asyncio.Task[None]] = set()
        self._deferred: list[tuple[Executable, dict[str, Any]]] = []
        self._ran: list[tuple[Executable, dict[str, Any]]] = []
        """Deferred statements run in the open batch: put back should it be abandoned."""
        self._bookkept = False
        self._head: tuple[int, str] | None = None
        """The audit head as this batch's transactions left it (``BATCH_HEAD``)."""

    def defer(self, statement: Executable, parameters: dict[str, Any]) -> None:
        """Run ``statement`` with ``parameters`` (Core, bookkeeping a crash may lose) before
        the next transaction of a batch, committed with it; within ``linger`` seconds when
        none comes (``flush``). A failure of it is logged and fails no transaction."""
        self._deferred.append((statement, parameters))
        if self._lingering is None:
            loop = asyncio.get_running_loop()
            self._lingering = loop.call_later(self.linger, self._linger_over)

    def _put_back(self) -> None:
        """The deferred statements of a batch rolled back are to run with the next one."""
        if self._ran:
            self._deferred[:0], self._ran = self._ran, []
        if self._deferred and self._lingering is None:
            loop = asyncio.get_running_loop()
            self._lingering = loop.call_later(self.linger, self._linger_over)

    async def _run_deferred(self, connection: AsyncConnection) -> None:
        """The deferred statements, on the batch's connection (outside any savepoint)."""
        work, self._deferred = self._deferred, []
        for statement, parameters in work:
            try:
                await connection.execute(statement, parameters)
            except DBAPIError:
                if not await self._alive(connection):
                    raise
                log.warning("deferred bookkeeping failed", exc_info=True)
            else:
                self._bookkept = True
                self._ran.append((statement, parameters))

    async def _open_batch(self) -> AsyncConnection:
        """A new batch: a pooled connection in a begun SQLite transaction."""
        opened = await self.engine.connect()
        try:
            await opened.begin()
        except BaseException:
            await opened.close()
            raise
        self._open = opened
        self._outcome = asyncio.get_running_loop().create_future()
        self._size = 0
        self._bookkept = False
        self._ran = []
        self._head = None
        self._began = time.monotonic()
        return opened

    async def _turn(self) -> None:
        """Wait for this transaction's turn (first come, first served)."""
        if not self._busy and not self._queue:
            self._busy = True
            return
        turn = asyncio.get_running_loop().create_future()
        self._queue.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._pass()  # the turn came with the cancellation: give it on
            else:
                self._queue.remove(turn)
            raise

    def _pass(self) -> None:
        """Give the turn to the next in line, or leave the writer free."""
        while self._queue:
            turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._busy = False

    @asynccontextmanager
    async def transaction(
        self, sessions: async_sessionmaker[AsyncSession], *, wait: bool = True
    ) -> AsyncIterator[AsyncSession]:
        """One unit of work in the current batch; see the class. Raises what the block raised,
        or (``wait``) the error of the batch's ``COMMIT``."""
        await self._turn()
        connection: AsyncConnection | None = None
        try:
            first = self._open is None
            connection = await self._open_batch() if first else self._open
            assert connection is not None
            outcome = self._outcome
            assert outcome is not None
            if self._deferred:
                await self._run_deferred(connection)
            mode = "rollback_only" if first else "create_savepoint"
            session = sessions(bind=connection, join_transaction_mode=mode)
            session.info[BATCH_HEAD] = self._head
        except BaseException as error:
            if connection is not None and self._open is connection:
                await self._abandon(error)  # its deferred bookkeeping broke the batch
            else:
                self._pass()
            raise
        try:
            async with session, session.begin():
                yield session
        except BaseException as error:
            self._head = None
            if first or not await self._alive(connection):
                await self._abandon(error)
                raise
            await self._done(outcome, failed=True, wait=True)
            raise
        self._head = session.info.get(BATCH_HEAD)
        await self._done(outcome, failed=False, wait=wait)

    async def _alive(self, connection: AsyncConnection) -> bool:
        """Whether SQLite still holds the batch's transaction (an I/O error or a full disk may
        have rolled all of it back)."""
        raw = await connection.get_raw_connection()
        return bool(getattr(raw.driver_connection, "in_transaction", True))

    async def _abandon(self, error: BaseException) -> None:
        """The batch's SQLite transaction is gone: its transactions get ``error``."""
        connection, outcome = self._open, self._outcome
        self._open = self._outcome = None
        self._put_back()
        try:
            if connection is not None:
                with suppress(Exception):
                    await connection.rollback()
                await connection.close()
        finally:
            if outcome is not None and not outcome.done():
                outcome.set_exception(error if isinstance(error, Exception) else RuntimeError())
                outcome.exception()  # retrieved: its first transaction raises it itself
            self._pass()

    async def _done(self, outcome: asyncio.Future[None], *, failed: bool, wait: bool) -> None:
        """This transaction's part of the batch is over: hand the batch on, or commit it; wait
        for the commit either way (a failed one only lets the batch go on; one that need not
        wait leaves the batch open for the next, at most ``linger`` seconds)."""
        if not failed:
            self._size += 1
        full = self._size >= self.max_batch or time.monotonic() - self._began >= self.max_wait
        if self._queue and not full:
            self._pass()
            if not failed and wait:
                await asyncio.shield(outcome)
            return
        if not wait and not full:
            if self._lingering is None:
                loop = asyncio.get_running_loop()
                self._lingering = loop.call_later(self.linger, self._linger_over)
            self._pass()
            return
        await asyncio.shield(self._commit())
        if not failed and wait:
            outcome.result()

    def _linger_over(self) -> None:
        self._lingering = None
        task = asyncio.ensure_future(self.flush())
        self._flushing.add(task)
        task.add_done_callback(self._flushing.discard)

    async def flush(self) -> None:
        """Commit a batch left open by transactions that did not wait for it (``wait=False``)
        and run and commit the deferred statements (``defer``); a failure is logged, as nobody
        waits for it. Nothing to do when no batch is open and nothing is deferred."""
        await self._turn()
        if self._open is None and not self._deferred:
            self._pass()
            return
        try:
            connection = self._open or await self._open_batch()
            if self._deferred:
                await self._run_deferred(connection)
        except Exception as error:
            await self._abandon(error)
            log.exception("deferred bookkeeping failed; it runs again with the next batch")
            return
        outcome = self._outcome
        await self._commit()
        if outcome is not None and outcome.exception() is not None:
            log.error("a batch of bookkeeping transactions was lost", exc_info=outcome.exception())

    async def _commit(self) -> None:
        """Commit the batch and tell its transactions; the turn then goes on."""
        connection, outcome, size = self._open, self._outcome, self._size
        size += self._bookkept
        self._open = self._outcome = None
        assert connection is not None and outcome is not None
        if self._lingering is not None:
            self._lingering.cancel()
            self._lingering = None
        try:
            if size:
                await connection.commit()
                self.commits += 1
                self.batched += self._size
            else:
                await connection.rollback()
        except Exception as error:
            self._put_back()
            outcome.set_exception(error)
            outcome.exception()  # each transaction raises it through ``result``
            with suppress(Exception):
                await connection.rollback()
        else:
            self._ran = []
            outcome.set_result(None)
        finally:
            try:
                await connection.close()
            finally:
                self._pass()


class Database:
    """The engine and a session factory; each use case owns its transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.writer = GroupCommit(self.engine) if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        """The SQLAlchemy dialect's name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, *, wait: bool = True) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed (durably) when the block ends, rolled back if it raises.

        ``wait=False`` is for bookkeeping a crash may lose (see ``GroupCommit``): on SQLite the
        block may return before its commit, which comes with the next transaction's or within
        ``GroupCommit.linger`` seconds; elsewhere it changes nothing.

        On SQLite this process's write transactions take turns first come, first served
        (``GroupCommit``), rather than all polling SQLite's busy handler for its one write
        lock, which lets a late comer in before one that has waited for seconds; the ones
        that queued up meanwhile share one commit. Raises what the block raised, or the error
        of the commit.
        """
        if self.writer is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self.writer.transaction(self.sessions, wait=wait) as session:
            yield session

    async def bookkeep(self, statement: Executable, parameters: dict[str, Any]) -> None:
        """Run the Core ``statement`` with ``parameters``: bookkeeping a crash may lose (such
        as deleting sent replies' outbox rows). On SQLite it is put off (``GroupCommit.defer``)
        and runs, with no transaction of its own, before the next transaction, committed with
        it or within ``GroupCommit.linger`` seconds; elsewhere in a transaction of its own,
        committed before this returns. Raises the statement's error only in that second case."""
        if self.writer is not None:
            self.writer.defer(statement, parameters)
            return
        async with self.transaction() as session:
            await (await session.connection()).execute(statement, parameters)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session that only reads, rolled back at the end: on SQLite a deferred ``BEGIN``,
        so it neither takes the write lock nor waits behind a writer (WAL readers see the last
        committed state). Writing through it is a programming error."""
        async with self.engine.connect() as connection:
            await connection.execution_options(**{READ_ONLY: True})
            async with AsyncSession(bind=connection, expire_on_commit=False) as session:
                yield session
                await session.rollback()

    async def upgrade(self) -> None:
        """Bring the schema to the newest migration (Alembic ``upgrade head``); a new SQLite
        file is made 0600 first. A database already at ``scripts_head()`` is left alone without
        loading alembic (about 11 MiB and a tenth of a second at every start)."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            private_file(Path(url.database))
        head = scripts_head()
        if head is not None and await stamped(self.engine) == head:
            return
        await upgrade(self.engine)

    async def close(self) -> None:
        """Commit what is left open (``transaction(wait=False)``), then close every pooled
        connection."""
        if self.writer is not None:
            await self.writer.flush()
        await self.engine.dispose()


def alembic_config() -> Config:
    """Alembic's configuration for guowen's migrations (alembic is imported on first use: a
    bot already at the newest revision does not load it)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(files("storage") / "migrations"))
    return config


def _upgrade(connection: Connection) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema to the newest migration; a no-op when it is already there."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


_ASSIGNED = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(None|\"[^\"]*\"|'[^']*')\s*$", re.M)


@cache
def scripts_head() -> str | None:
    """The newest revision of ``storage/migrations/versions``, read from the scripts'
    ``revision = "..."`` and ``down_revision = "..."`` lines without importing alembic; None
    when the chain is not one plain line (a merge, several heads, an unreadable script), and
    alembic decides then."""
    revisions: dict[str, str | None] = {}
    for script in (files("storage") / "migrations" / "versions").iterdir():
        if not script.name.endswith(".py") or script.name.startswith("_"):
            continue
        fields = {name: value for name, value in _ASSIGNED.findall(script.read_text("utf-8"))}
        if "revision" not in fields or "down_revision" not in fields:
            return None
        down = fields["down_revision"]
        revisions[fields["revision"][1:-1]] = None if down == "None" else down[1:-1]
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None


async def stamped(engine: AsyncEngine) -> str | None:
    """The revision in the database's ``alembic_version`` table; None for a database without
    one (new) or with several rows (branches)."""
    try:
        async with engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def _current(connection: Connection) -> tuple[str | None, str]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    context = MigrationContext.configure(connection)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return context.get_current_revision(), head or ""


async def revision(engine: AsyncEngine) -> tuple[str | None, str]:
    """The database's revision and the code's newest one."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current)
