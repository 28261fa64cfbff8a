"""SQLite for the async engine with one thread hand-off per write transaction, not per call.

SQLAlchemy's ``sqlite+aiosqlite`` dialect drives an aiosqlite connection, which runs every
cursor call (execute, fetch, close) in the connection's own thread: some 3.8 hand-offs per
statement, most of a message's database time. ``connect`` gives that dialect (through
``create_async_engine(async_creator=...)``) a connection with aiosqlite's interface that
runs the calls of a write transaction directly on the event loop's thread instead, where they
cost microseconds (the pages are in the cache, and the transaction already holds SQLite's write
lock, so nothing in it waits for a lock). What may wait goes to a worker thread: ``BEGIN
IMMEDIATE`` (it waits for another process's writer), ``COMMIT`` (the fsync), ``PRAGMA``, and
every statement outside a write transaction (a read-only session, which may be a long report
query). ``storage.db.Database`` serialises its own write transactions first come, first
served, so two of them never wait for each other inside SQLite.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

_OFFLOADED = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "COMMIT", "END", "PRAGMA")


def _waits(statement: str) -> bool:
    return statement.lstrip()[:16].upper().startswith(_OFFLOADED)


class _Queue:
    """aiosqlite's private queue of calls, as SQLAlchemy's dialect uses it to set the
    isolation level: the call runs at once and its future gets the result."""

    @staticmethod
    def put_nowait(item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as error:
            future.set_exception(error)


class Cursor:
    """A ``sqlite3.Cursor`` behind aiosqlite's awaitable cursor interface."""

    def __init__(self, connection: Connection) -> None:
        self._owner = connection
        self._cursor = connection._conn.cursor()

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """Run one statement (PEP 249 ``execute``) on this thread inside a write transaction.

        Statements that may wait (``BEGIN IMMEDIATE``, ``COMMIT``, ``PRAGMA``) and reads outside
        a write transaction go to a worker thread. ``sqlite3.Error`` is raised as SQLite's.
        """
        await self._owner._run(sql, self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Cursor:
        """Run one statement once per parameter set (PEP 249 ``executemany``), as ``execute``."""
        await self._owner._run(sql, self._cursor.executemany, sql, parameters)
        return self

    async def fetchone(self) -> Any:
        """The next row (a tuple), or None after the last (PEP 249 ``fetchone``)."""
        return await self._owner._call(self._cursor.fetchone)

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` rows (default ``arraysize``), PEP 249 ``fetchmany``."""
        size = self._cursor.arraysize if size is None else size
        return await self._owner._call(self._cursor.fetchmany, size)

    async def fetchall(self) -> list[Any]:
        """Every remaining row (PEP 249 ``fetchall``)."""
        return await self._owner._call(self._cursor.fetchall)

    async def close(self) -> None:
        """Close the cursor at once (no I/O: SQLite cursors hold no file)."""
        self._cursor.close()

    async def nextset(self) -> None:
        """No further result sets: SQLite returns one per statement (PEP 249 ``nextset``)."""
        return None

    async def setinputsizes(self, *_sizes: Any) -> None:
        """Accepted and ignored, as ``sqlite3`` does (PEP 249 ``setinputsizes``)."""
        return None

    @property
    def description(self) -> Any:
        """The columns of the last query, seven-item tuples (PEP 249); None after a write."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows the last write changed; -1 for a query (PEP 249 ``rowcount``)."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """The rowid of the last inserted row (``sqlite3.Cursor.lastrowid``)."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows ``fetchmany`` returns by default (PEP 249 ``arraysize``)."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Connection:
    """A ``sqlite3.Connection`` behind the part of aiosqlite's interface SQLAlchemy uses.

    Inside a write transaction (after ``BEGIN IMMEDIATE``, until it ends) calls run on the
    calling thread; anything else, and the statements that may wait (``_OFFLOADED``), run in
    a worker thread. One caller at a time, as a pooled connection is used.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._tx = _Queue()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        """The ``sqlite3`` isolation level; SQLAlchemy reads it to run its own ``BEGIN``.

        Raises ``ValueError`` after ``close``.
        """
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        """SQLite's own view: a transaction is open on this connection (``sqlite3``'s
        ``in_transaction``). False after an error SQLite answered by rolling back the whole
        transaction (a full disk, an I/O error), whatever SQLAlchemy believes."""
        return self._connection is not None and self._connection.in_transaction

    @property
    def _writing(self) -> bool:
        """In a write transaction: SQLite's write lock is already held."""
        return self._conn.in_transaction and not self._reading

    _reading = False

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        if self._writing:
            return function(*args)
        return await asyncio.to_thread(function, *args)

    async def _run(self, sql: str, function: Callable[..., Any], *args: Any) -> None:
        head = sql.lstrip()[:16].upper()
        if head.startswith("BEGIN"):
            self._reading = not head.startswith(("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"))
        if self._writing and not _waits(sql):
            function(*args)
        else:
            await asyncio.to_thread(function, *args)

    def cursor(self) -> Cursor:
        """A new cursor on this connection; raises ``ValueError`` after ``close``."""
        return Cursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        """Run one statement on a new cursor and return it (aiosqlite ``Connection.execute``)."""
        cursor = Cursor(self)
        return await cursor.execute(sql, parameters)

    async def commit(self) -> None:
        """Commit in a worker thread: the fsync may wait on the disk."""
        await asyncio.to_thread(self._conn.commit)

    async def rollback(self) -> None:
        """Roll back: at once inside a write transaction, otherwise in a worker thread.

        With no transaction open it does nothing, as ``sqlite3`` would, and hands nothing to a
        thread: the pool's reset of a connection returned after its ``COMMIT`` (once per write
        transaction, while the next writer waits its turn) costs no thread hand-off."""
        if not self._conn.in_transaction:
            return
        if self._writing:
            self._conn.rollback()
        else:
            await asyncio.to_thread(self._conn.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function (``sqlite3.Connection.create_function``'s arguments)."""
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        """Close the connection in a worker thread; a second close does nothing."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await asyncio.to_thread(connection.close)

    def stop(self) -> None:
        """Close at once (SQLAlchemy's ``terminate``)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()


def connector(database: str, *, timeout: float, uri: bool = False) -> Callable[[], Any]:
    """The ``async_creator`` of an engine on the SQLite file ``database`` (``:memory:`` too);
    ``timeout`` in seconds is SQLite's busy timeout for another process's lock."""

    async def connect() -> Connection:
        if database not in ("", ":memory:") and not uri:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        raw = await asyncio.to_thread(
            sqlite3.connect,
            database or ":memory:",
            timeout=timeout,
            check_same_thread=False,
            uri=uri,
        )
        return Connection(raw)

    return connect
