"""The audit chain never forks: many tasks in one process, and two processes on PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.clock import FakeClock
from storage import audit
from storage.audit import AuditKind, ChainProblem
from storage.db import Database
from storage.models import AuditEvent, AuditHead

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import asyncio, sys
from datetime import UTC, datetime
from storage import audit
from storage.audit import AuditKind
from storage.db import Database

async def main(url: str, name: str, count: int) -> None:
    db = Database(url)
    async with db.transaction() as session:
        await audit.head(session)
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        async with db.transaction() as session:
            await audit.append(
                session, AuditKind.REMINDER_SENT, at=datetime(2026, 3, 6, tzinfo=UTC),
                actor=name, payload={"i": i},
            )
    await db.close()
    print("done", flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


async def _chain(db: Database) -> tuple[list[AuditEvent], list[ChainProblem | int]]:
    async with db.transaction() as session:
        steps = [step async for step in audit.walk(session, batch=37)]
    async with db.transaction() as session:
        events = list(
            (await session.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars()
        )
    return events, steps


def _assert_one_line(events: list[AuditEvent], steps: list[ChainProblem | int], n: int) -> None:
    assert [e.seq for e in events] == list(range(1, n + 1))
    assert len({e.prev_hash for e in events}) == n  # no two events share a predecessor
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert steps == list(range(1, n + 1))


async def test_many_tasks_appending_at_once_make_one_line(db: Database, clock: FakeClock) -> None:
    async def writer(task: int) -> None:
        for i in range(3):
            async with db.transaction() as session:
                await audit.append(
                    session,
                    AuditKind.FIELD_SET,
                    at=clock.now() + timedelta(seconds=task),
                    subject=f"record:{task}",
                    payload={"task": task, "i": i},
                )

    await asyncio.gather(*(writer(task) for task in range(40)))
    events, steps = await _chain(db)
    _assert_one_line(events, steps, 120)
    async with db.transaction() as session:
        assert (await audit.head(session)).hash == events[-1].hash


async def test_a_head_read_earlier_in_the_session_is_not_trusted(
    db: Database, clock: FakeClock
) -> None:
    """Read the head, let another transaction append, then append: still one line."""
    if db.dialect == "sqlite":
        pytest.skip("SQLite serialises whole write transactions (BEGIN IMMEDIATE)")
    async with db.transaction() as first:
        stale = await audit.head(first)
        assert stale.seq == 0
        async with db.transaction() as second:
            await audit.append(second, AuditKind.STAFF_ADDED, at=clock.now())
        assert (await audit.head(first)).seq == 1
        await audit.append(first, AuditKind.STAFF_ADDED, at=clock.now())
    events, steps = await _chain(db)
    _assert_one_line(events, steps, 2)


async def test_a_walk_while_others_append_reports_nothing_false(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appends land between batches, and just before the walk reads the head.

    The second is the narrow window of a real `guowen verify` beside a running bot: the last
    event has been read, the head has not, and another instance appends in between.
    """
    if db.dialect == "sqlite":
        pytest.skip("on SQLite a walk holds the write lock, so nobody appends meanwhile")

    async def append_elsewhere() -> None:
        async with db.transaction() as other:
            await audit.append(other, AuditKind.STAFF_ADDED, at=clock.now())

    for _ in range(5):
        await append_elsewhere()
    real_head = audit.head
    heads_read = 0

    async def head_after_an_append(session: AsyncSession) -> AuditHead:
        nonlocal heads_read
        heads_read += 1
        if heads_read == 1:
            await append_elsewhere()
        return await real_head(session)

    monkeypatch.setattr(audit, "head", head_after_an_append)
    seen: list[ChainProblem | int] = []
    async with db.transaction() as walker:
        async for step in audit.walk(walker, batch=2):
            seen.append(step)
            if step == 2:
                await append_elsewhere()
    assert seen == [1, 2, 3, 4, 5, 6, 7]


async def test_two_processes_on_one_postgresql_make_one_line(
    db: Database, database_url: str
) -> None:
    if db.dialect != "postgresql":
        pytest.skip(
            "two processes share PostgreSQL; the SQLite default serves one bot process "
            "(set GUOWEN_TEST_DATABASE_URL to run this)"
        )
    count = 150
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            CHILD,
            database_url,
            name,
            str(count),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for name in ("a", "b")
    ]
    for child in children:  # both connected before either starts: they really overlap
        assert child.stdout is not None
        assert await child.stdout.readline() == b"ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        await child.stdin.drain()
    for child in children:
        out, _err = await child.communicate()
        assert child.returncode == 0 and out == b"done\n"

    events, steps = await _chain(db)
    _assert_one_line(events, steps, 2 * count)
    assert sorted(e.actor or "" for e in events) == ["a"] * count + ["b"] * count
