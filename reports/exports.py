"""Every document that leaves the bot is an audit event: who took it, what, and its hash.

The event names the person (or the command line's user), the subject (a record or a
period), each file's SHA-256 and the chain head printed on the files. A file shown later can
then be checked against the chain: same bytes, same head, taken by whom and when.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from reports.files import sha256_of
from storage import audit
from storage.audit import AuditKind
from storage.models import AuditEvent


async def fingerprints(paths: Sequence[Path]) -> dict[str, str]:
    """File name → SHA-256, hashed in a worker thread."""

    def work() -> dict[str, str]:
        return {path.name: sha256_of(path) for path in paths}

    return await asyncio.to_thread(work)


async def record_export(
    session: AsyncSession,
    *,
    what: str,
    subject: str,
    paths: Sequence[Path],
    head_seq: int,
    head_hash: str,
    at: datetime,
    actor_staff_id: int | None,
    actor: str,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append ``report_exported`` in the caller's transaction.

    ``what`` is ``report`` or ``form``; ``subject`` is ``period:2026Q3`` or ``record:12``.
    """
    payload: dict[str, Any] = {
        "what": what,
        "files": await fingerprints(paths),
        "printed_head": {"seq": head_seq, "hash": head_hash},
        **dict(detail or {}),
    }
    return await audit.append(
        session,
        AuditKind.REPORT_EXPORTED,
        at=at,
        actor_staff_id=actor_staff_id,
        actor=actor,
        subject=subject,
        payload=payload,
    )
