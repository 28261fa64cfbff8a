"""The outbox: reminders as database rows.

Planning inserts rows by a unique key, so planning twice changes nothing; cancelling marks
rows, never deletes them, and planning a cancelled key again makes it pending again. Dispatchers
claim due rows with ``FOR UPDATE SKIP LOCKED`` (on PostgreSQL; SQLite serialises writers
anyway), so several instances never send one twice. A claimed row is ``sending``: in flight,
in the batch its dispatcher is sending one by one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert_ignore
from storage.models import Reminder
from storage.vocabulary import ReminderKind as ReminderKind
from storage.vocabulary import ReminderStatus as ReminderStatus

# Sent at any hour: a form copy is the handler's act of delivery, not a nudge.
IGNORE_QUIET_HOURS = frozenset({ReminderKind.FORM_COPY})
# Kinds that planning a record's milestones does not make, so never cancels: the form copies,
# and the chase of a corrected copy still to be handed over (the dispatcher drops it once
# the copy arrived or a newer one superseded it).
NOT_PLANNED = frozenset({ReminderKind.FORM_COPY, ReminderKind.COPY_OUTSTANDING})
BEFORE_DEADLINE = frozenset(
    {
        ReminderKind.DAY_BEFORE,
        ReminderKind.LAST_DAY,
        ReminderKind.COSIGN_DAY_BEFORE,
        ReminderKind.COSIGN_LAST_DAY,
        ReminderKind.PAPER_DAY_BEFORE,
        ReminderKind.PAPER_LAST_DAY,
        ReminderKind.QUARTER_DUE_SOON,
        ReminderKind.QUARTER_DUE_TODAY,
    }
)

RECEIPT_BREACH = frozenset(
    {ReminderKind.BREACH, ReminderKind.BREACH_OFFICER, ReminderKind.ESCALATION}
)
"""The notices that one of a record's Art. 6 steps (counted from its receipt time) is overdue:
to the handler, the department's integrity officers, and discipline inspection."""


async def breach_told(session: AsyncSession, record_id: int) -> bool:
    """Whether a notice of ``RECEIPT_BREACH`` about record ``record_id`` was sent (the row is
    ``sent``): someone was told of a breach that depends on the record's receipt time."""
    query = (
        select(Reminder.id)
        .where(
            Reminder.record_id == record_id,
            Reminder.kind.in_(RECEIPT_BREACH),
            Reminder.status == ReminderStatus.SENT,
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


@dataclass(frozen=True)
class Planned:
    """A reminder the planner wants in the outbox: ``key`` makes it unique (``ensure`` inserts it
    once), ``due_at`` is when it may go out, ``deadline`` the deadline it is about.
    """

    key: str
    kind: ReminderKind
    recipient_staff_id: int
    due_at: datetime
    record_id: int | None = None
    quarter: str | None = None
    deadline: datetime | None = None
    payload: dict[str, Any] = field(default_factory=dict)


async def ensure(session: AsyncSession, planned: Sequence[Planned], *, at: datetime) -> int:
    """Insert the planned rows whose key is new, revive cancelled ones; returns how many were
    inserted.

    A planned key whose row was cancelled (a change made it no longer due; a later change made
    it due again) is pending again, with the due time planned now: so after any sequence of
    changes the pending rows are what planning the final state from scratch gives. Rows sent
    or failed are left as they are.

    Another instance may be planning the same keys at the same moment (every dispatcher plans
    the calendar's reminders on every tick): a key inserted meanwhile is skipped by the
    database (``ON CONFLICT DO NOTHING``) instead of failing the whole transaction.
    """
    if not planned:
        return 0
    keys = [p.key for p in planned]
    wanted = {p.key: p for p in planned}
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        query = select(Reminder.key, Reminder.status).where(Reminder.key.in_(chunk))
        found = (await session.execute(query)).all()
        existing.update(key for key, _ in found)
        cancelled = [key for key, status in found if status == ReminderStatus.CANCELLED]
        if cancelled:
            await _revive(session, [wanted[key] for key in cancelled], at=at)
    rows: list[dict[str, Any]] = []
    for item in planned:
        if item.key in existing:
            continue
        existing.add(item.key)
        rows.append(
            {
                "key": item.key,
                "kind": item.kind,
                "record_id": item.record_id,
                "quarter": item.quarter,
                "deadline": item.deadline,
                "recipient_staff_id": item.recipient_staff_id,
                "due_at": item.due_at,
                "status": ReminderStatus.PENDING,
                "attempts": 0,
                "late": False,
                "repeat": False,
                "payload": dict(item.payload),
                "created_at": at,
            }
        )
    if rows:
        await session.flush()
        dialect = session.get_bind().dialect.name
        await session.execute(insert_ignore(dialect, Reminder, index_elements=[Reminder.key]), rows)
    return len(rows)


async def _revive(session: AsyncSession, planned: Sequence[Planned], *, at: datetime) -> None:
    """Make cancelled rows pending again, as planned now: a later change made them due again.

    Only rows still cancelled are touched (another instance may have revived one meanwhile);
    the row keeps its id and says when it came back; its attempts start again from none.
    """
    for item in planned:
        if item.kind in BEFORE_DEADLINE and item.deadline is not None and item.deadline <= at:
            continue  # "due tomorrow" after the deadline would be false; the dispatcher agrees
        await session.execute(
            update(Reminder)
            .where(Reminder.key == item.key, Reminder.status == ReminderStatus.CANCELLED)
            .values(
                status=ReminderStatus.PENDING,
                due_at=item.due_at,
                attempts=0,
                next_attempt_at=None,
                claimed_by=None,
                claimed_until=None,
                late=False,
                repeat=False,
                payload=dict(item.payload),
                detail=f"due again ({at.isoformat()})",
            )
            .execution_options(synchronize_session="fetch")
        )


async def cancel_for_record(
    session: AsyncSession,
    record_id: int,
    *,
    keep: Iterable[str],
    at: datetime,
    due: Mapping[str, datetime] | None = None,
) -> int:
    """Cancel the record's pending reminders that are no longer planned.

    A kept row whose planned time moved (a holiday schedule loaded since, say) moves with it.
    """
    kept = set(keep)
    moved = due or {}
    query = select(Reminder).where(
        Reminder.record_id == record_id,
        Reminder.status == ReminderStatus.PENDING,
        Reminder.kind.not_in(NOT_PLANNED),
    )
    cancelled = 0
    for row in (await session.execute(query)).scalars().all():
        if row.key not in kept:
            row.status = ReminderStatus.CANCELLED
            row.detail = f"no longer due ({at.isoformat()})"
            cancelled += 1
        elif row.key in moved and row.due_at != moved[row.key]:
            row.due_at = moved[row.key]
    await session.flush()
    return cancelled


async def release_stale(session: AsyncSession, *, now: datetime) -> int:
    """Rows left in flight by a dispatcher that died (or outlived its lease): due again,
    flagged as possible repeats, since their send may have arrived. Returns how many.

    A dispatcher claims a row only for the send it is about to make (``Dispatcher.tick``), so
    each such row really was being sent; rows it had not reached were never taken.
    """
    result = await session.execute(
        update(Reminder)
        .where(Reminder.status == ReminderStatus.SENDING, Reminder.claimed_until < now)
        .values(status=ReminderStatus.PENDING, repeat=True, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim(
    session: AsyncSession,
    *,
    now: datetime,
    instance: str,
    limit: int,
    lease: timedelta,
    quiet: bool,
) -> list[Reminder]:
    """Take up to ``limit`` due rows for this dispatcher, marked ``sending`` until ``now +
    lease``; other dispatchers skip them (``FOR UPDATE SKIP LOCKED``). In quiet hours only the
    kinds that ignore them. A claimed row counts as in flight: claim only what is sent next.
    """
    query = (
        select(Reminder)
        .where(and_(*_due_conditions(now, quiet)))
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.execute(query)).scalars().all())
    for row in rows:
        row.status = ReminderStatus.SENDING
        row.claimed_by = instance
        row.claimed_until = now + lease
    await session.flush()
    return rows


def _due_conditions(now: datetime, quiet: bool) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        Reminder.status == ReminderStatus.PENDING,
        Reminder.due_at <= now,
        or_(Reminder.next_attempt_at.is_(None), Reminder.next_attempt_at <= now),
    ]
    if quiet:
        conditions.append(Reminder.kind.in_(sorted(IGNORE_QUIET_HOURS)))
    return conditions


async def due(
    session: AsyncSession, *, now: datetime, limit: int, quiet: bool, lock: bool = False
) -> list[Reminder]:
    """Up to ``limit`` rows due at ``now``, oldest first, without taking them (``take`` or
    ``take_many`` does). In quiet hours only the kinds that ignore them. ``lock``: ``FOR UPDATE
    SKIP LOCKED`` on PostgreSQL, so another dispatcher's transaction skips them until this one
    ends (SQLite's write lock serialises dispatchers anyway)."""
    query = (
        select(Reminder)
        .where(and_(*_due_conditions(now, quiet)))
        .order_by(Reminder.due_at, Reminder.id)
        .limit(limit)
    )
    if lock:
        query = query.with_for_update(skip_locked=True)
    return list((await session.execute(query)).scalars().all())


async def take(
    session: AsyncSession, reminder_id: int, *, instance: str, now: datetime, lease: timedelta
) -> bool:
    """Mark the row in flight (``sending``, leased to ``instance`` until ``now + lease``) if
    it is still pending; False when it is not (another dispatcher took it meanwhile). One
    ``UPDATE``: on PostgreSQL a second dispatcher's waits for the first's commit, then finds
    the row no longer pending."""
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.SENDING, claimed_by=instance, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def mark_sent(
    session: AsyncSession, reminder_id: int, *, at: datetime, late: bool, detail: str | None
) -> None:
    """The row went out at ``at`` (one ``UPDATE``)."""
    await session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id)
        .values(status=ReminderStatus.SENT, sent_at=at, late=late, detail=detail)
        .execution_options(synchronize_session=False)
    )


async def take_many(
    session: AsyncSession,
    reminder_ids: Sequence[int],
    *,
    instance: str,
    now: datetime,
    lease: timedelta,
) -> int:
    """Mark the rows in flight (``sending``, leased to ``instance`` until ``now + lease``) in
    one ``UPDATE … WHERE id IN``, those still pending; returns how many were taken. The caller
    found them due with ``due(…, lock=True)`` in the same transaction, so none is missed."""
    if not reminder_ids:
        return 0
    result = await session.execute(
        update(Reminder)
        .where(Reminder.id.in_(reminder_ids), Reminder.status == ReminderStatus.PENDING)
        .values(status=ReminderStatus.SENDING, claimed_by=instance, claimed_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class Sent:
    """One row that went out: when (``at``), whether late, and the transport's note."""

    reminder_id: int
    at: datetime
    late: bool
    detail: str | None = None


async def mark_sent_many(session: AsyncSession, sent: Sequence[Sent]) -> None:
    """The rows went out (one ``executemany`` of ``UPDATE … WHERE id = ?``)."""
    if not sent:
        return
    statement = (
        update(Reminder.__table__)  # type: ignore[arg-type]
        .where(Reminder.__table__.c.id == bindparam("row_id"))
        .values(
            status=ReminderStatus.SENT,
            sent_at=bindparam("row_at"),
            late=bindparam("row_late"),
            detail=bindparam("row_detail"),
        )
    )
    await session.execute(
        statement,
        [
            {"row_id": s.reminder_id, "row_at": s.at, "row_late": s.late, "row_detail": s.detail}
            for s in sent
        ],
    )


async def release(session: AsyncSession, reminder_ids: Sequence[int], *, instance: str) -> int:
    """Put rows this dispatcher took but never tried back to pending, unflagged (nothing of
    them went out), in one ``UPDATE``; returns how many."""
    if not reminder_ids:
        return 0
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.id.in_(reminder_ids),
            Reminder.status == ReminderStatus.SENDING,
            Reminder.claimed_by == instance,
        )
        .values(status=ReminderStatus.PENDING, claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def renew(
    session: AsyncSession, reminder_ids: Sequence[int], *, instance: str, until: datetime
) -> list[int]:
    """Extend the lease of the rows still in flight for ``instance`` to ``until`` (one
    ``UPDATE … RETURNING``); returns their ids (a row missing was released, and perhaps taken
    by another instance)."""
    if not reminder_ids:
        return []
    result = await session.execute(
        update(Reminder)
        .where(
            Reminder.id.in_(reminder_ids),
            Reminder.status == ReminderStatus.SENDING,
            Reminder.claimed_by == instance,
        )
        .values(claimed_until=until)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())
