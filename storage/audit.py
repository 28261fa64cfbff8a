"""The audit trail: every change is an event, each event carries the hash of the one before.

The chain is one line: writers lock the single ``audit_head`` row (PostgreSQL) or hold
SQLite's write lock (``BEGIN IMMEDIATE``) while they read the head and append, so two writers
can never both link to the same predecessor. The head is printed on every form and report:
rewriting history afterwards contradicts paper that has already left the building.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy import event as orm_events
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.db import BATCH_HEAD
from storage.models import AuditEvent, AuditHead

GENESIS = "0" * 64


class AuditKind(StrEnum):
    """What an audit event records; stored as its value, so the values never change."""

    STAFF_ADDED = "staff_added"
    STAFF_DISABLED = "staff_disabled"
    STAFF_ENABLED = "staff_enabled"
    STAFF_CHANGED = "staff_changed"
    IDENTITY_RELEASED = "identity_released"
    DEPARTMENT_ADDED = "department_added"
    INVITE_ISSUED = "invite_issued"
    INVITE_USED = "invite_used"
    INVITE_REFUSED = "invite_refused"
    IDENTITY_BOUND = "identity_bound"
    ACCESS_DENIED = "access_denied"
    LANGUAGE_SET = "language_set"
    RECORD_CREATED = "record_created"
    FIELD_SET = "field_set"
    SUBMITTED = "submitted"
    AMENDED = "amended"
    WITHDRAWN = "withdrawn"
    EVIDENCE_ADDED = "evidence_added"
    EVIDENCE_REFUSED = "evidence_refused"
    EVIDENCE_HELD = "evidence_held"
    COSIGNED = "cosigned"
    COSIGN_REASKED = "cosign_reasked"
    DISPUTED = "disputed"
    PAPER_SIGNED = "paper_signed"
    MILESTONE_MET = "milestone_met"
    FORM_SENT = "form_sent"
    FORM_RESENT = "form_resent"
    FORM_HANDED = "form_handed"
    REMINDER_SENT = "reminder_sent"
    REMINDER_FAILED = "reminder_failed"
    ALERT_SENT = "alert_sent"
    REPORT_EXPORTED = "report_exported"
    REPORT_OUTDATED = "report_outdated"
    BACKUP_TAKEN = "backup_taken"
    HOLIDAYS_LOADED = "holidays_loaded"
    ANCHOR_SENT = "anchor_sent"
    BINDING_ANNOUNCED = "binding_announced"


def canonical_json(value: Any) -> str:
    """One spelling for one value: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    at: datetime,
    kind: str,
    actor_staff_id: int | None,
    actor: str | None,
    subject: str | None,
    payload: str,
    prev_hash: str,
) -> str:
    """The SHA-256 (hex) of one event chained to ``prev_hash``: the canonical JSON of its fields
    (``at`` as UTC with microseconds), so changing or removing any event breaks the chain.
    """
    document = canonical_json(
        {
            "seq": seq,
            "at": _timestamp(at),
            "kind": kind,
            "actor_staff_id": actor_staff_id,
            "actor": actor,
            "subject": subject,
            "payload": payload,
            "prev": prev_hash,
        }
    )
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def hash_of(event: AuditEvent) -> str:
    """``event_hash`` of a stored event, to compare with its ``hash``."""
    return event_hash(
        seq=event.seq,
        at=event.at,
        kind=event.kind,
        actor_staff_id=event.actor_staff_id,
        actor=event.actor,
        subject=event.subject,
        payload=event.payload,
        prev_hash=event.prev_hash,
    )


_HEAD_TABLE = cast(Table, AuditHead.__table__)
_EVENTS_TABLE = cast(Table, AuditEvent.__table__)
_HEAD = select(_HEAD_TABLE.c.seq, _HEAD_TABLE.c.hash).where(_HEAD_TABLE.c.id == 1).with_for_update()
"""The chain's head as ``(seq, hash)``, locked (PostgreSQL) until the transaction ends; built
once. Read and moved as Core statements, never as an ``AuditHead`` object, so no object in a
session's identity map can hold a head another append has moved since."""
_INSERT_EVENT = insert(_EVENTS_TABLE)
_MOVE_HEAD = (
    update(_HEAD_TABLE)
    .where(_HEAD_TABLE.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


async def _head_now(session: AsyncSession) -> tuple[int, str]:
    """The chain's head as ``(seq, hash)``: as this SQLite batch left it (``BATCH_HEAD``: the
    write lock held since, nobody else can have moved it), else read and locked (``_HEAD``)."""
    known: tuple[int, str] | None = session.info.get(BATCH_HEAD)
    if known is not None:
        return known
    seq, digest = (await (await session.connection()).execute(_HEAD)).one()
    if BATCH_HEAD in session.info:  # a transaction of a batch: the ones after it reuse it
        session.info[BATCH_HEAD] = (int(seq), str(digest))
    return int(seq), str(digest)


@orm_events.listens_for(Session, "after_soft_rollback")
def _forget_head_rolled_back(session: Session, _previous: object) -> None:
    """A rolled-back savepoint may have undone an append: the head is read again."""
    if session.info.get(BATCH_HEAD) is not None:
        session.info[BATCH_HEAD] = None


async def append(
    session: AsyncSession,
    kind: AuditKind,
    *,
    at: datetime,
    actor_staff_id: int | None = None,
    actor: str | None = None,
    subject: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add one event to the chain inside the caller's transaction; the event as stored (an
    ``AuditEvent`` not added to the session).

    Three Core statements on the session's connection (read the head locked, insert the event,
    move the head onto it; the append-only guard wants the event stored first), none of them
    an ORM flush: the caller's pending changes are flushed with its own next flush. In a SQLite
    batch whose earlier transactions left the head known (``storage.db.BATCH_HEAD``) the read
    is skipped; the guard still refuses a head that is not the stored one. Raises
    ``ValueError`` for a naive ``at`` before anything is written.
    """
    if at.tzinfo is None:
        raise ValueError("audit time must be timezone-aware")
    connection = await session.connection()
    prev_seq, prev_hash = await _head_now(session)
    at = at.astimezone(UTC)
    body = canonical_json(dict(payload or {}))
    seq = prev_seq + 1
    row = {
        "seq": seq,
        "at": at,
        "kind": str(kind),
        "actor_staff_id": actor_staff_id,
        "actor": actor,
        "subject": subject,
        "payload": body,
        "prev_hash": prev_hash,
    }
    row["hash"] = digest = event_hash(
        seq=seq,
        at=at,
        kind=str(kind),
        actor_staff_id=actor_staff_id,
        actor=actor,
        subject=subject,
        payload=body,
        prev_hash=prev_hash,
    )
    await connection.execute(_INSERT_EVENT, row)
    await connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": digest})
    if BATCH_HEAD in session.info:
        session.info[BATCH_HEAD] = (seq, digest)
    return AuditEvent(**row)


@dataclass(frozen=True)
class Event:
    """One event for ``append_many``: the arguments ``append`` takes, ``at`` timezone-aware."""

    kind: AuditKind
    at: datetime
    actor_staff_id: int | None = None
    actor: str | None = None
    subject: str | None = None
    payload: Mapping[str, Any] | None = None


async def append_many(session: AsyncSession, events: Sequence[Event]) -> int:
    """Add ``events`` to the chain in their order, inside the caller's transaction; returns the
    new head's ``seq``.

    The head is locked and read once; the events are inserted in one statement, then the head
    is moved one link at a time in one ``executemany`` (the database's guard lets it move only
    one step forward onto a stored event), so the chain is the same as ``append`` one by one
    would make. Raises ``ValueError`` for a naive ``at`` before anything is written.
    """
    if any(event.at.tzinfo is None for event in events):
        raise ValueError("audit time must be timezone-aware")
    seq, prev = await _head_now(session)
    if not events:
        return int(seq)
    rows: list[dict[str, Any]] = []
    for event in events:
        seq += 1
        at = event.at.astimezone(UTC)
        body = canonical_json(dict(event.payload or {}))
        digest = event_hash(
            seq=seq,
            at=at,
            kind=str(event.kind),
            actor_staff_id=event.actor_staff_id,
            actor=event.actor,
            subject=event.subject,
            payload=body,
            prev_hash=prev,
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "kind": str(event.kind),
                "actor_staff_id": event.actor_staff_id,
                "actor": event.actor,
                "subject": event.subject,
                "payload": body,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    await session.flush()
    await session.execute(insert(AuditEvent), rows)
    await session.execute(
        _MOVE_HEAD, [{"new_seq": row["seq"], "new_hash": row["hash"]} for row in rows]
    )
    if BATCH_HEAD in session.info:
        session.info[BATCH_HEAD] = (seq, prev)
    return int(seq)


def record_subject(record_id: int) -> str:
    """The audit ``subject`` of the events about one record: ``record:<id>``."""
    return f"record:{record_id}"


@dataclass(frozen=True)
class RecordEvent:
    """One stored event about a record, as ``record_events`` reads it: its chain position
    ``seq``, ``kind``, time ``at`` (as stored: UTC) and ``payload`` (the JSON object decoded)."""

    seq: int
    kind: AuditKind
    at: datetime
    payload: dict[str, Any]


async def record_events(
    session: AsyncSession, record_id: int, *kinds: AuditKind, after: int | None = None
) -> list[RecordEvent]:
    """The events about record ``record_id`` (subject ``record:<id>``) of any of ``kinds``,
    oldest first (by ``seq``); only those after chain position ``after`` when given.

    One statement in the caller's transaction; an empty list when there are none (or no
    ``kinds``). Raises ``ValueError`` (``json.JSONDecodeError``) only for a stored payload that
    is not JSON, which ``append`` never writes.
    """
    if not kinds:
        return []
    query = select(AuditEvent.seq, AuditEvent.kind, AuditEvent.at, AuditEvent.payload).where(
        AuditEvent.subject == record_subject(record_id),
        AuditEvent.kind.in_([kind.value for kind in kinds]),
    )
    if after is not None:
        query = query.where(AuditEvent.seq > after)
    rows = await session.execute(query.order_by(AuditEvent.seq))
    return [
        RecordEvent(seq=int(seq), kind=AuditKind(kind), at=at, payload=json.loads(payload))
        for seq, kind, at, payload in rows
    ]


async def head(session: AsyncSession) -> AuditHead:
    """The chain's last link, as printed on forms and reports.

    Read afresh every time (``populate_existing``): an earlier read in the same session must
    not hide a link another transaction has added since.
    """
    query = select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one()


class ChainProblemKind(StrEnum):
    """How the audit chain is broken, as ``verify`` reports it."""

    ALTERED = "event_altered"
    REMOVED = "event_removed"
    BROKEN_LINK = "broken_link"
    HEAD_MISMATCH = "head_mismatch"


@dataclass(frozen=True)
class ChainProblem:
    """One break in the chain; for ``REMOVED`` the gap is ``seq`` .. ``last_seq``."""

    kind: ChainProblemKind
    seq: int
    detail: str = ""
    last_seq: int | None = None


async def _events(session: AsyncSession, batch: int, after: int) -> AsyncIterator[AuditEvent]:
    last = after
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEvent)
                    .where(AuditEvent.seq > last)
                    .order_by(AuditEvent.seq)
                    .limit(batch)
                    .execution_options(populate_existing=True)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield row
        last = rows[-1].seq
        # Keep memory flat on a long chain without dropping the caller's own objects.
        for row in rows:
            session.expunge(row)


def _removed(first: int, last: int) -> ChainProblem:
    return ChainProblem(ChainProblemKind.REMOVED, first, f"{first}..{last}", last)


async def walk(session: AsyncSession, *, batch: int = 2000) -> AsyncIterator[ChainProblem | int]:
    """Re-hash the chain in order; yields each checked seq and every problem found.

    Other writers may append while the walk runs (the bot keeps working during
    ``guowen verify``). An event and the head move in one transaction, so when the head is
    found beyond the last event read, the walk reads on; only events that are still absent
    then are reported as removed.
    """
    expected_seq = 1
    prev_hash = GENESIS
    while True:
        walked = 0
        async for event in _events(session, batch, expected_seq - 1):
            walked += 1
            if event.seq != expected_seq:
                yield _removed(expected_seq, event.seq - 1)
            elif event.prev_hash != prev_hash:
                yield ChainProblem(ChainProblemKind.BROKEN_LINK, event.seq)
            if hash_of(event) != event.hash:
                yield ChainProblem(ChainProblemKind.ALTERED, event.seq)
            prev_hash = event.hash
            expected_seq = event.seq + 1
            yield event.seq
        last = await head(session)
        if last.seq < expected_seq or walked == 0:
            break
    if last.seq >= expected_seq:
        yield _removed(expected_seq, last.seq)
    elif last.hash != prev_hash:
        yield ChainProblem(ChainProblemKind.HEAD_MISMATCH, last.seq)
