"""A record's handling department (承办部门) over time, read back from the audit chain.

A record's department is set when its draft is opened (``record_created``: the handler's
own), may be answered otherwise while it is a draft (``field_set``), and corrected after
(``amended``, with a ``RecordAmendment``; a draft's answer once its breach was told too).
Whose integrity officer oversees a step is the department's that held the record then
(Art. 6, Art. 10): a breach that arose under a department stays that department's, however
the record is corrected later. ``department_moves`` reads the history of the records whose
department ever changed, in one query; ``department_at`` answers for a moment.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditKind
from storage.models import AuditEvent, Record

DEPARTMENT = "department_id"
"""The field a department's answer or correction names in its audit event."""

BEGINNING = datetime.min.replace(tzinfo=UTC)

DepartmentHistory = tuple[tuple[datetime, int | None], ...]
"""A record's departments oldest first, each with the moment (UTC) it took the record over;
the first from ``BEGINNING``: the record is held by some department from before its receipt."""


def department_at(
    history: DepartmentHistory, current: int | None, at: datetime | None
) -> int | None:
    """The department of ``history`` that held the record at ``at``: the last one that took
    it over strictly before ``at`` (a move at the very moment a period ends comes after it);
    ``current`` (the record's department now) for ``at`` None or an empty history."""
    if at is None or not history:
        return current
    times = [moment for moment, _ in history]
    index = bisect_left(times, at) - 1
    return history[max(index, 0)][1]


def _record_id(subject: str | None) -> int | None:
    if subject is None or not subject.startswith("record:"):
        return None
    tail = subject[len("record:") :]
    return int(tail) if tail.isdigit() else None


def _moved(payload: Mapping[str, Any]) -> bool:
    return payload.get("field") == DEPARTMENT


async def department_moves(
    session: AsyncSession, records: ColumnElement[bool]
) -> dict[int, DepartmentHistory]:
    """The department history (``DepartmentHistory``) of each record ``records`` selects
    (a condition on ``Record``) whose department was ever answered otherwise or corrected,
    by record id; a record whose department never changed is absent (its department is its
    own throughout). One statement: the records' department events and the opening event of
    each record that has one, in chain order."""
    subject = literal("record:", String) + cast(Record.id, String)
    chosen = select(subject).where(records).scalar_subquery()
    changes = and_(
        AuditEvent.kind.in_([AuditKind.FIELD_SET.value, AuditKind.AMENDED.value]),
        AuditEvent.payload.contains(f'"field":"{DEPARTMENT}"', autoescape=True),
    )
    moved = select(AuditEvent.subject).where(AuditEvent.subject.in_(chosen), changes)
    query = (
        select(AuditEvent.subject, AuditEvent.at, AuditEvent.kind, AuditEvent.payload)
        .where(
            AuditEvent.subject.in_(moved.scalar_subquery()),
            or_(changes, AuditEvent.kind == AuditKind.RECORD_CREATED.value),
        )
        .order_by(AuditEvent.seq)
    )
    found: dict[int, list[tuple[datetime, int | None]]] = {}
    for name, at, kind, text in (await session.execute(query)).all():
        record_id = _record_id(name)
        if record_id is None:
            continue
        payload = json.loads(text)
        history = found.setdefault(record_id, [])
        if kind == AuditKind.RECORD_CREATED:
            if DEPARTMENT in payload:
                history[:] = [(BEGINNING, payload[DEPARTMENT])]
            continue
        if not _moved(payload):
            continue
        if kind == AuditKind.AMENDED:
            if not history:  # opened before the chain kept its department: the old value
                history.append((BEGINNING, json.loads(payload["old"])))
            history.append((at, json.loads(payload["new"])))
        else:
            history.append((at, payload["value"]) if history else (BEGINNING, payload["value"]))
    return {record_id: tuple(history) for record_id, history in found.items() if history}
