"""Reminders taken, marked and audited a batch at a time (issue 14.3).

Whatever the batch size, a tick ends with each row where one send at a time would leave it:
sent rows marked with one audit event each, in order, the chain intact; a transient failure
waits its own backoff; a permanent one is failed, audited and reported to the integrity
officer; quiet hours hold the batch back. The clock only moves through the FakeClock.
"""

from __future__ import annotations

from collections import Counter, deque

import pytest
from reminder_kit import (
    RecordingNotifier,
    bj,
    make_dispatcher,
    new_record,
    open_court,
    reminders,
)
from sqlalchemy import select

from reminders.clock import FakeClock
from reminders.dispatch import BACKOFF, Dispatcher, Outcome
from storage import audit
from storage.audit import AuditKind, ChainProblem
from storage.db import Database
from storage.models import AuditEvent

DUE_KINDS = {"breach", "breach_officer", "escalation"}


def batched(dispatcher: Dispatcher, size: int) -> Dispatcher:
    dispatcher.claim_at_once = size
    return dispatcher


async def chain_problems(db: Database) -> list[ChainProblem]:
    async with db.read() as session:
        return [item async for item in audit.walk(session) if isinstance(item, ChainProblem)]


async def events(db: Database, kind: AuditKind) -> list[str]:
    """The payloads of the chain's events of ``kind``, in order."""
    async with db.read() as session:
        query = (
            select(AuditEvent.payload).where(AuditEvent.kind == kind.value).order_by(AuditEvent.seq)
        )
        return list((await session.execute(query)).scalars().all())


@pytest.mark.parametrize("size", [1, 3, 100])
async def test_a_mixed_batch_leaves_each_row_as_one_send_would(
    db: Database, clock: FakeClock, size: int
) -> None:
    court = await open_court(db, clock)
    for n in range(4):
        handler = "张伟" if n % 2 else "周强"
        await new_record(db, clock, court.id(handler), received=bj("2026-03-06 09:00"))
    now = bj("2026-03-11 12:00")  # breach, officer and escalation of each record are due
    clock.set(now)
    notifier = RecordingNotifier(
        script={
            court.id("张伟"): deque([Outcome.RETRY] * 2),  # a busy chat service: both retried
            court.id("周强"): deque([Outcome.FAILED] * 2),  # blocked the bot: failed for good
        }
    )
    result = await batched(make_dispatcher(db, clock, notifier), size).tick()

    rows = {r.id: r for r in await reminders(db) if r.kind in DUE_KINDS}
    assert len(rows) == 12
    by_status = Counter(r.status for r in rows.values())
    assert by_status == {"sent": 8, "pending": 2, "failed": 2}
    told = await reminders(db, kind="delivery_failed")
    # The permanent failures are reported to 周强's department's integrity officer, in this
    # tick when a batch came after them, else in the next.
    assert {r.recipient_staff_id for r in told} == {court.id("吴敏")}
    assert len(told) == 2
    notices = sum(r.status == "sent" for r in told)
    assert (result.sent, result.retried, result.failed) == (8 + notices, 2, 2)
    for row in rows.values():
        if row.recipient_staff_id == court.id("张伟"):
            assert (row.status, row.attempts, row.next_attempt_at) == (
                "pending",
                1,
                now + BACKOFF[0],
            )
            assert row.detail == "scripted retry"
        elif row.recipient_staff_id == court.id("周强"):
            assert (row.status, row.detail) == ("failed", "scripted failed")
        else:
            assert (row.status, row.sent_at) == ("sent", now)
    # Every sent row has its one event, in the order the rows were sent; failures theirs.
    sent = await events(db, AuditKind.REMINDER_SENT)
    assert sent == [
        audit.canonical_json(
            {
                "reminder": n.reminder_id,
                "kind": n.kind.value,
                "to": n.to,
                "late": n.late,
                "repeat": False,
            }
        )
        for n in notifier.sent
    ]
    failed = await events(db, AuditKind.REMINDER_FAILED)
    assert len(failed) == 2
    assert await chain_problems(db) == []

    # The retried rows go out after their own backoff, once.
    clock.set(now + BACKOFF[0])
    again = await batched(make_dispatcher(db, clock, notifier), size).tick()
    assert again.sent == 2 + 2 - notices  # the two retried, and the notices still owed
    counted = Counter(n.reminder_id for n in notifier.sent)
    assert set(counted.values()) == {1}
    assert await chain_problems(db) == []


@pytest.mark.parametrize("size", [2, 100])
async def test_quiet_hours_hold_the_batch_until_morning(
    db: Database, clock: FakeClock, size: int
) -> None:
    court = await open_court(db, clock)
    for _ in range(3):
        await new_record(db, clock, court.id("张伟"), received=bj("2026-03-06 09:00"))
    notifier = RecordingNotifier()
    dispatcher = batched(make_dispatcher(db, clock, notifier), size)
    clock.set(bj("2026-03-10 23:00"))  # breach notices are due; quiet hours
    assert (await dispatcher.tick()).claimed == 0
    assert not notifier.attempts
    assert {r.status for r in await reminders(db) if r.kind in DUE_KINDS} <= {"pending"}
    clock.set(bj("2026-03-11 08:00"))
    result = await dispatcher.tick()
    assert result.sent == len(notifier.sent) > 0
    assert all(n.at == bj("2026-03-11 08:00") for n in notifier.sent)
    assert len({n.reminder_id for n in notifier.sent}) == len(notifier.sent)
    assert await chain_problems(db) == []


async def test_a_batch_appends_after_single_events_and_the_chain_verifies(
    db: Database, clock: FakeClock
) -> None:
    """Single appends and batches interleave on one chain; the head is the batch's last."""
    at = clock.now()
    async with db.transaction() as session:
        await audit.append(session, AuditKind.REMINDER_SENT, at=at, payload={"n": 0})
        seq = await audit.append_many(
            session,
            [audit.Event(AuditKind.REMINDER_SENT, at=at, payload={"n": n}) for n in (1, 2, 3)],
        )
        last = await audit.append(session, AuditKind.REMINDER_SENT, at=at, payload={"n": 4})
    assert last.seq == seq + 1
    async with db.transaction() as session:
        assert await audit.append_many(session, []) == last.seq
        head = await audit.head(session)
    assert (head.seq, head.hash) == (last.seq, last.hash)
    payloads = await events(db, AuditKind.REMINDER_SENT)
    assert payloads == [audit.canonical_json({"n": n}) for n in range(5)]
    assert await chain_problems(db) == []
    with pytest.raises(ValueError):
        async with db.transaction() as session:
            naive = at.replace(tzinfo=None)
            await audit.append_many(session, [audit.Event(AuditKind.REMINDER_SENT, at=naive)])
