"""The form copies of a record delivered (报送, Art. 6), as the audit chain holds them.

The first delivery is the ``form_delivered`` milestone (``records.mark_milestone``); each
corrected copy sent after a correction is a ``form_resent`` event naming the copy it
supersedes. Both stay in the chain, so a record's history shows every copy that left.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.audit import AuditKind
from storage.models import AuditEvent, Record, Staff
from storage.vocabulary import Milestone


@dataclass(frozen=True)
class Copy:
    """One delivery of a record's form: when (``at``, UTC), its ``version`` (1 the first),
    and the audit ``seq`` it was recorded at."""

    at: datetime
    version: int
    seq: int


async def copies(session: AsyncSession, record_id: int) -> list[Copy]:
    """Every delivery of the form of ``record_id``, oldest first (empty: never delivered)."""
    rows = await session.execute(
        select(AuditEvent.seq, AuditEvent.kind, AuditEvent.at, AuditEvent.payload)
        .where(
            AuditEvent.subject == f"record:{record_id}",
            AuditEvent.kind.in_([AuditKind.MILESTONE_MET.value, AuditKind.FORM_RESENT.value]),
        )
        .order_by(AuditEvent.seq)
    )
    found: list[Copy] = []
    for seq, kind, at, payload in rows:
        body = json.loads(payload)
        if (
            kind == AuditKind.MILESTONE_MET.value
            and body.get("milestone") != Milestone.FORM_DELIVERED
        ):
            continue
        found.append(Copy(at=at, version=len(found) + 1, seq=seq))
    return found


async def outdated(session: AsyncSession, record_id: int, delivered: Sequence[Copy]) -> bool:
    """Was the record corrected (an ``amended`` event) or given evidence (``evidence_added``)
    after its last copy ``delivered``?"""
    if not delivered:
        return False
    query = select(AuditEvent.seq).where(
        AuditEvent.subject == f"record:{record_id}",
        AuditEvent.kind.in_([AuditKind.AMENDED.value, AuditKind.EVIDENCE_ADDED.value]),
        AuditEvent.seq > delivered[-1].seq,
    )
    return (await session.execute(query.limit(1))).first() is not None


async def resent(
    session: AsyncSession,
    record: Record,
    *,
    version: int,
    supersedes: datetime,
    to: Sequence[int],
    actor: Staff,
    at: datetime,
) -> None:
    """Record that copy ``version`` of the corrected form went to staff ``to`` at ``at``,
    superseding the copy delivered at ``supersedes``."""
    await audit.append(
        session,
        AuditKind.FORM_RESENT,
        at=at,
        actor_staff_id=actor.id,
        actor=actor.name,
        subject=f"record:{record.id}",
        payload={"version": version, "supersedes": supersedes.isoformat(), "to": list(to)},
    )
