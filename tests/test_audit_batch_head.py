"""Transactions that share a SQLite batch (``storage.db.GroupCommit``) take the audit head from
the ones before them rather than reading it again (``storage.db.BATCH_HEAD``), and the chain
stays one line whatever they do: append one event or several (``append_many``) or none, fail
after appending (their savepoint rolled back), or roll back a savepoint of their own.

On PostgreSQL each transaction reads (and locks) the head itself; the chain is checked alike.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from reminders.clock import FakeClock
from storage import audit
from storage.audit import AuditKind, ChainProblem
from storage.db import Database


class Refused(Exception):
    """A transaction's own failure, after it appended."""


# What one transaction does: how many events it appends one by one, how many in one
# ``append_many``, whether a savepoint of its own appends one and is rolled back, whether it
# fails at the end.
work = st.tuples(
    st.integers(0, 2), st.integers(0, 2), st.booleans(), st.booleans(), st.integers(0, 2)
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=st.lists(work, min_size=1, max_size=12))
async def test_transactions_of_one_batch_keep_one_line_with_fewer_head_reads(
    db: Database, clock: FakeClock, plan: list[tuple[int, int, bool, bool, int]]
) -> None:
    reads: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.startswith("SELECT audit_head.seq, audit_head.hash"):
            reads.append(statement)

    async with db.transaction() as session:
        before = (await audit.head(session)).seq

    async def one(
        task: int, singles: int, many: int, undone: bool, fails: bool, yields: int
    ) -> int:
        at = clock.now() + timedelta(seconds=task)
        async with db.transaction() as session:
            for i in range(singles):
                await audit.append(session, AuditKind.FIELD_SET, at=at, payload={"t": task, "i": i})
                for _ in range(yields):
                    await asyncio.sleep(0)  # let the others queue up
            if undone:
                nested = await session.begin_nested()
                await audit.append(session, AuditKind.FIELD_SET, at=at, payload={"undone": task})
                await nested.rollback()
            events = [audit.Event(AuditKind.FIELD_SET, at, payload={"m": m}) for m in range(many)]
            await audit.append_many(session, events)
            if fails:
                raise Refused(task)
        return singles + many

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        results = await asyncio.gather(
            *(one(task, *step) for task, step in enumerate(plan)), return_exceptions=True
        )
    finally:
        event.remove(engine, "before_cursor_execute", note)

    kept = sum(result for result in results if isinstance(result, int))
    assert all(isinstance(r, (int, Refused)) for r in results), results
    async with db.transaction() as session:
        steps = [step async for step in audit.walk(session, batch=50)]
        head = (await audit.head(session)).seq
    assert head == before + kept
    assert [s for s in steps if isinstance(s, ChainProblem)] == []
    assert steps[-1] == head if steps else head == 0
    if db.dialect == "sqlite" and db.writer is not None and len(plan) > 1:
        # Every transaction after the first of a batch, unless one before it in the batch
        # failed or rolled a savepoint back, reuses the head.
        assert len(reads) < len(plan) or any(fails or undone for _s, _m, undone, fails, _y in plan)
