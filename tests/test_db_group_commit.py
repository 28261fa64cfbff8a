"""SQLite's write transactions share commits (``storage.db.GroupCommit``) and none is told it
is done before its own commit is on disk; a failure stays with its transaction, a failed
commit reaches every transaction of its batch.

These run on a SQLite file of their own whatever database the suite runs on: the group commit
is SQLite's (PostgreSQL commits each transaction itself).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from storage import inline_sqlite
from storage.db import Database


class Refused(Exception):
    """A transaction's own failure."""


@pytest.fixture
async def lite(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'group.db'}")
    async with db.engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
    yield db
    await db.close()


def committed(db: Database) -> list[int]:
    """The rows another connection sees: only what is committed."""
    path = db.engine.url.database
    assert path is not None
    with sqlite3.connect(path) as other:
        return sorted(row[0] for row in other.execute("SELECT v FROM t"))


async def write(
    db: Database, value: int, *, fail: bool = False, seen: list[int] | None = None
) -> None:
    """Insert ``value`` in a transaction of its own; after the block, record what another
    connection sees."""
    async with db.transaction() as session:
        await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
        await asyncio.sleep(0)  # let the others queue up
        if fail:
            raise Refused(value)
    if seen is not None:
        seen.extend(v for v in committed(db) if v == value)


async def test_transactions_that_queue_up_share_one_commit(lite: Database) -> None:
    begins: list[object] = []
    event.listen(lite.engine.sync_engine, "begin", begins.append)
    seen: list[int] = []
    await asyncio.gather(*(write(lite, n, seen=seen) for n in range(20)))
    assert committed(lite) == list(range(20))
    assert sorted(seen) == list(range(20))  # each saw its own row committed on returning
    assert lite.writer is not None
    assert lite.writer.batched == 20
    assert lite.writer.commits == len(begins) < 20


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fails=st.lists(st.booleans(), min_size=1, max_size=12), batch=st.integers(1, 6))
async def test_each_transaction_returns_after_its_own_commit_and_a_failure_undoes_only_itself(
    lite: Database, fails: list[bool], batch: int
) -> None:
    assert lite.writer is not None
    lite.writer.max_batch = batch
    async with lite.transaction() as session:
        await session.execute(text("DELETE FROM t"))
    seen: list[int] = []
    results = await asyncio.gather(
        *(write(lite, n, fail=fail, seen=seen) for n, fail in enumerate(fails)),
        return_exceptions=True,
    )
    kept = [n for n, fail in enumerate(fails) if not fail]
    assert committed(lite) == kept
    assert sorted(seen) == kept
    for n, (fail, result) in enumerate(zip(fails, results, strict=True)):
        if fail:
            assert isinstance(result, Refused) and result.args == (n,)
        else:
            assert result is None


async def test_a_failed_commit_reaches_every_transaction_of_its_batch(
    lite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = inline_sqlite.Connection.commit
    failures = [sqlite3.OperationalError("disk I/O error")]

    async def commit(self: inline_sqlite.Connection) -> None:
        if failures:
            raise failures.pop()
        await real(self)

    monkeypatch.setattr(inline_sqlite.Connection, "commit", commit)
    results = await asyncio.gather(*(write(lite, n) for n in range(5)), return_exceptions=True)
    failed = [n for n, result in enumerate(results) if result is not None]
    assert failed  # the first batch's commit failed: each of its transactions was told
    assert all("disk I/O error" in str(results[n]) for n in failed)
    assert committed(lite) == [n for n in range(5) if n not in failed]
    await write(lite, 99)  # the writer goes on
    assert 99 in committed(lite)


async def test_a_transaction_sqlite_rolled_back_whole_fails_the_ones_before_it(
    lite: Database,
) -> None:
    async def breaks() -> None:
        async with lite.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES (7)"))
            raw = await (await session.connection()).get_raw_connection()
            assert isinstance(raw.driver_connection, inline_sqlite.Connection)
            raw.driver_connection._conn.rollback()  # as SQLite does on a full disk
            raise sqlite3.OperationalError("database or disk is full")

    first = asyncio.create_task(write(lite, 1))
    await asyncio.sleep(0)
    results = await asyncio.gather(first, breaks(), return_exceptions=True)
    errors = (sqlite3.OperationalError, OperationalError)
    assert all(isinstance(result, errors) for result in results), results
    assert committed(lite) == []  # nothing silently half-kept
    await write(lite, 2)
    assert committed(lite) == [2]


async def test_a_transaction_cancelled_while_waiting_its_turn_holds_nobody_up(
    lite: Database,
) -> None:
    release, inside = asyncio.Event(), asyncio.Event()

    async def slow() -> None:
        async with lite.transaction() as session:
            await session.execute(text("INSERT INTO t (v) VALUES (1)"))
            inside.set()
            await release.wait()

    holder = asyncio.create_task(slow())
    await inside.wait()
    waiting = asyncio.create_task(write(lite, 2))
    after = asyncio.create_task(write(lite, 3))
    await asyncio.sleep(0)
    waiting.cancel()
    release.set()
    await asyncio.gather(holder, after)
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert committed(lite) == [1, 3]


async def test_bookkeeping_that_does_not_wait_commits_with_the_next_transaction(
    lite: Database,
) -> None:
    assert lite.writer is not None
    lite.writer.linger = lite.writer.max_wait = 3600.0  # only the next one or a flush commits
    async with lite.transaction(wait=False) as session:
        await session.execute(text("INSERT INTO t (v) VALUES (1)"))
    assert committed(lite) == []
    await write(lite, 2)
    assert committed(lite) == [1, 2]
    assert lite.writer.commits == 1
    async with lite.transaction(wait=False) as session:
        await session.execute(text("INSERT INTO t (v) VALUES (3)"))
    await lite.close()  # a clean stop commits what was left open
    assert committed(lite) == [1, 2, 3]


INSERT = text("INSERT INTO t (v) VALUES (:v)")


async def test_deferred_bookkeeping_commits_with_the_next_transaction_or_a_flush(
    lite: Database,
) -> None:
    assert lite.writer is not None
    lite.writer.linger = lite.writer.max_wait = 3600.0  # only the next one or a flush commits
    await lite.bookkeep(INSERT, {"v": 1})
    assert committed(lite) == []
    await write(lite, 2)
    assert committed(lite) == [1, 2]
    assert lite.writer.commits == 1
    await lite.bookkeep(INSERT, {"v": 3})
    await lite.close()  # a clean stop runs and commits what was put off
    assert committed(lite) == [1, 2, 3]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=8))
async def test_deferred_bookkeeping_undone_with_its_batch_runs_again_with_the_next(
    lite: Database, plan: list[tuple[bool, bool]]
) -> None:
    """Each step puts off one row, then a transaction that may fail whole (as SQLite does on
    a full disk, taking the batch with it); every row put off is committed once at the end,
    and no transaction's own row survives its failure."""
    assert lite.writer is not None
    lite.writer.linger = lite.writer.max_wait = 3600.0
    async with lite.engine.begin() as connection:
        await connection.execute(text("DELETE FROM t"))
    kept: list[int] = []
    for n, (breaks, fails) in enumerate(plan):
        await lite.bookkeep(INSERT, {"v": 1000 + n})
        try:
            async with lite.transaction() as session:
                await session.execute(INSERT, {"v": n})
                if breaks:
                    raw = await (await session.connection()).get_raw_connection()
                    assert isinstance(raw.driver_connection, inline_sqlite.Connection)
                    raw.driver_connection._conn.rollback()
                    raise sqlite3.OperationalError("database or disk is full")
                if fails:
                    raise Refused(n)
        except (Refused, sqlite3.OperationalError, OperationalError):
            continue
        kept.append(n)
    await lite.writer.flush()
    assert committed(lite) == kept + [1000 + n for n in range(len(plan))]


async def test_a_write_transaction_hands_only_its_begin_and_its_commit_to_a_thread(
    lite: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a write transaction statements run on the event loop's thread; what may wait
    (``BEGIN IMMEDIATE``, ``COMMIT``) goes to a worker thread, and the pool's reset of the
    connection after the commit (a rollback with nothing to roll back) goes nowhere."""
    await write(lite, 0)  # the pool's connection is made (its connect and PRAGMAs)
    handed: list[str] = []
    real = asyncio.to_thread

    async def to_thread(function: object, *args: object) -> object:
        handed.append(str(args[0]).split()[0] if args else getattr(function, "__name__", "?"))
        return await real(function, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(inline_sqlite.asyncio, "to_thread", to_thread)
    for value in (1, 2, 3):
        await write(lite, value)

    assert handed == ["BEGIN", "commit"] * 3
    assert committed(lite) == [0, 1, 2, 3]
