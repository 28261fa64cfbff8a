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
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from reports.files import sha256_of
from storage import audit
from storage.audit import AuditKind
from storage.models import AuditEvent
from storage.vocabulary import Language

if TYPE_CHECKING:
    from reports.figures import Figures
    from reports.period import Period


class Printed(Protocol):
    """What an export made (``reports.form.FormFiles``, ``reports.quarterly.ReportFiles``):
    its files and the audit chain head they print."""

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file made, as the reader receives them."""
        ...

    @property
    def head_seq(self) -> int:
        """The sequence number of the chain head the files print."""
        ...

    @property
    def head_hash(self) -> str:
        """The hash of the chain head the files print."""
        ...


async def fingerprints(paths: Sequence[Path]) -> dict[str, str]:
    """File name → SHA-256, hashed in a worker thread."""

    def work() -> dict[str, str]:
        return {path.name: sha256_of(path) for path in paths}

    return await asyncio.to_thread(work)


async def record_export(
    session: AsyncSession,
    printed: Printed,
    *,
    what: str,
    subject: str,
    at: datetime,
    actor_staff_id: int | None,
    actor: str,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append ``report_exported`` for ``printed``'s files in the caller's transaction.

    ``what`` is ``report`` or ``form``; ``subject`` is ``period:2026Q3`` or ``record:12``.
    """
    payload: dict[str, Any] = {
        "what": what,
        "files": await fingerprints(printed.paths),
        "printed_head": {"seq": printed.head_seq, "hash": printed.head_hash},
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


def report_detail(
    period: Period, figures: Figures, *, language: Language, via: str, draft: bool | None = None
) -> dict[str, Any]:
    """What a quarterly report's export event says besides its files, wherever it was taken
    (``via``: ``chat``, ``cli``): the period's first and last day (ISO), the language, whether
    a draft (when the caller can make one), and its two counts (Art. 2 and Art. 5)."""
    detail: dict[str, Any] = {
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "language": language.value,
    }
    if draft is not None:
        detail["draft"] = draft
    return {**detail, "via": via, "external": figures.external, "reference": figures.reference}
