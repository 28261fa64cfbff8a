from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from reminders.clock import FakeClock
from storage import audit
from storage.audit import AuditKind, ChainProblem
from storage.db import Database
from storage.models import AuditEvent, AuditHead


async def test_chain_links_each_event_to_the_previous(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as session:
        first = await audit.append(
            session, AuditKind.STAFF_ADDED, at=clock.now(), subject="staff:1"
        )
        clock.advance(timedelta(seconds=1))
        second = await audit.append(
            session, AuditKind.INVITE_ISSUED, at=clock.now(), payload={"名字": "张三"}
        )
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash
    async with db.transaction() as session:
        results = [item async for item in audit.walk(session)]
        assert results == [1, 2]
        assert (await audit.head(session)).hash == second.hash
    assert not any(isinstance(item, ChainProblem) for item in results)


class Undone(Exception):
    """Raised inside a savepoint to roll its appends back."""


Step = tuple[str, int]
"""One operation of a transaction: ("one", n) appends event n, ("many", n) appends events
n, n+1, n+2 as one batch, ("head", 0) reads the head as ``audit.head`` does (an ``AuditHead``
in the session's identity map), ("undone", n) appends event n in a savepoint rolled back."""

steps = st.lists(
    st.tuples(st.sampled_from(["one", "many", "head", "undone"]), st.just(0)),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(transactions=st.lists(steps, min_size=1, max_size=5), together=st.booleans())
async def test_appends_of_any_kind_and_order_keep_one_verified_line(
    db: Database, clock: FakeClock, transactions: list[list[Step]], together: bool
) -> None:
    """Single appends, batches, head reads and savepoints rolled back, in transactions run one
    after another or all at once: the chain holds exactly the events kept, in each
    transaction's order, the head is on the last of them and the walk finds nothing wrong.
    A head read earlier in a transaction never hides an append made after it."""
    async with db.read() as session:
        start = (await audit.head(session)).seq
    numbers = iter(range(10**6))
    plans = [[(kind, 10 * next(numbers)) for kind, _ in steps] for steps in transactions]

    async def run(plan: list[Step]) -> list[int]:
        kept: list[int] = []
        held: list[AuditHead] = []
        async with db.transaction() as session:
            for kind, n in plan:
                at = clock.now()
                if kind == "one":
                    await audit.append(session, AuditKind.REMINDER_SENT, at=at, payload={"n": n})
                    kept.append(n)
                elif kind == "many":
                    batch = [n, n + 1, n + 2]
                    events = [
                        audit.Event(AuditKind.REMINDER_SENT, at=at, payload={"n": m}) for m in batch
                    ]
                    await audit.append_many(session, events)
                    kept += batch
                elif kind == "head":
                    held.append(await audit.head(session))  # kept in the identity map
                else:
                    with contextlib.suppress(Undone):
                        async with session.begin_nested():
                            await audit.append(
                                session, AuditKind.REMINDER_SENT, at=at, payload={"n": -1 - n}
                            )
                            raise Undone
        return kept

    if together:
        kept = await asyncio.gather(*(run(plan) for plan in plans))
    else:
        kept = [await run(plan) for plan in plans]
    async with db.read() as session:
        query = (
            select(AuditEvent.payload, AuditEvent.hash)
            .where(AuditEvent.seq > start)
            .order_by(AuditEvent.seq)
        )
        stored = (await session.execute(query)).all()
        head = await audit.head(session)
        head_seq, head_hash = head.seq, head.hash
        problems = [item async for item in audit.walk(session) if isinstance(item, ChainProblem)]
    payloads = [json.loads(payload)["n"] for payload, _hash in stored]
    assert sorted(payloads) == sorted(n for numbers_kept in kept for n in numbers_kept)
    for numbers_kept in kept:  # each transaction's events in its own order
        assert [n for n in payloads if n in set(numbers_kept)] == numbers_kept
    assert head_seq == start + len(stored)
    assert head_hash == (stored[-1][1] if stored else head_hash)
    assert problems == []
