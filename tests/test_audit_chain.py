from __future__ import annotations

from datetime import timedelta

from reminders.clock import FakeClock
from storage import audit
from storage.audit import AuditKind, ChainProblem
from storage.db import Database


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
