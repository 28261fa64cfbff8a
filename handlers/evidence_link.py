"""Files that arrive with a message become evidence of a record.

The bytes are fetched and stored before the message's transaction begins (a long download
never holds the database), and linked to the record inside it. A file that cannot be kept (too
large for the transport or for the store, a failed download, a full disk) is still recorded by
its metadata, and the handler is told plainly to keep the original.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from handlers.i18n import join
from handlers.ports import Downloader, FileUnavailable, IncomingMessage
from storage.evidence import EvidenceStorageFull, EvidenceStore, UnavailableReason
from storage.media import EvidenceKind
from storage.models import EvidenceBlob, EvidenceItem, Record

if TYPE_CHECKING:
    from handlers.engine import Context

log = logging.getLogger(__name__)
TEXT_NAME = "forwarded-message.txt"


@dataclass(frozen=True)
class IncomingFile:
    """One received file: where it came from, and its stored bytes' hash if kept."""

    transport: str
    file_id: str | None
    file_name: str | None
    mime: str | None
    size: int | None
    message_id: str | None
    received_at: datetime
    sha256: str | None = None
    problem: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["received_at"] = self.received_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IncomingFile:
        values = dict(data)
        values["received_at"] = datetime.fromisoformat(values["received_at"])
        return cls(**values)


def files_from_json(items: list[dict[str, Any]]) -> list[IncomingFile]:
    return [IncomingFile.from_json(item) for item in items]


def carries_evidence(message: IncomingMessage) -> bool:
    """Files, or a forwarded text: both open or extend a record."""
    return bool(message.attachments) or (
        message.forwarded_at is not None and bool(message.text.strip())
    )


async def _single(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def prepare(
    store: EvidenceStore, download: Downloader, message: IncomingMessage
) -> list[IncomingFile]:
    """Fetch and store the message's files; never raises for a file that cannot be kept."""
    files: list[IncomingFile] = []
    received = message.received_at
    if not message.attachments and message.forwarded_at is not None:
        body = message.text.encode("utf-8")
        prepared = await store.prepare(_single(body), declared_size=len(body))
        files.append(
            IncomingFile(
                message.transport,
                None,
                TEXT_NAME,
                "text/plain",
                len(body),
                message.message_id,
                received,
                sha256=prepared.sha256 if prepared else None,
                problem=None if prepared else UnavailableReason.OVER_CAP.value,
            )
        )
        return files
    for attachment in message.attachments:
        sha256: str | None = None
        problem: str | None = None
        try:
            prepared = await store.prepare(
                download(message, attachment), declared_size=attachment.size
            )
            if prepared is None:
                problem = UnavailableReason.OVER_CAP.value
            else:
                sha256 = prepared.sha256
        except FileUnavailable as unavailable:
            problem = unavailable.reason.value
        except EvidenceStorageFull:
            log.exception("evidence store full while keeping %s", attachment.file_id)
            problem = UnavailableReason.STORAGE_FULL.value
        except OSError:
            log.exception("could not fetch %s", attachment.file_id)
            problem = UnavailableReason.DOWNLOAD_FAILED.value
        files.append(
            IncomingFile(
                message.transport,
                attachment.file_id,
                attachment.file_name,
                attachment.mime_type,
                attachment.size,
                message.message_id,
                received,
                sha256=sha256,
                problem=problem,
            )
        )
    return files


async def attach_files(ctx: Context, record: Record, files: list[IncomingFile]) -> None:
    """Link prepared files to ``record``; tell the handler about any that were not kept."""
    store: EvidenceStore | None = ctx.services.evidence
    if store is None:
        raise RuntimeError("no evidence store wired in")
    for incoming in files:
        item = await store.link(
            ctx.session,
            sha256=incoming.sha256,
            unavailable=UnavailableReason(incoming.problem) if incoming.problem else None,
            record_id=record.id,
            original_name=incoming.file_name,
            declared_mime=incoming.mime,
            declared_size=incoming.size,
            transport=incoming.transport,
            transport_file_id=incoming.file_id,
            source_message_id=incoming.message_id,
            received_at=incoming.received_at,
            at=ctx.now,
            actor_staff_id=ctx.staff.id,
        )
        name = incoming.file_name or ctx.t("evidence.unnamed")
        if incoming.problem:
            ctx.reply(
                ctx.t(
                    f"evidence.{incoming.problem}",
                    name=name,
                    size=_megabytes(incoming.size),
                    limit=_megabytes(store.max_bytes),
                )
            )
        elif item.blob is not None and item.blob.damaged:
            ctx.reply(ctx.t("evidence.damaged", name=name))
        elif item.disguised:
            ctx.reply(
                ctx.t("evidence.disguised", name=name, kind=item.blob.kind if item.blob else "")
            )


def _megabytes(size: int | None) -> str:
    return "?" if size is None else f"{size / 1_000_000:.1f}"


async def evidence_line(ctx: Context, record: Record) -> str:
    """One line counting the record's evidence by kind, and what was not kept."""
    query = (
        select(EvidenceItem, EvidenceBlob)
        .outerjoin(EvidenceBlob, EvidenceItem.blob_sha256 == EvidenceBlob.sha256)
        .where(EvidenceItem.record_id == record.id)
    )
    rows = (await ctx.session.execute(query)).all()
    if not rows:
        return ctx.t("evidence.none")
    kinds: dict[str, int] = {}
    missing = 0
    for _item, blob in rows:
        if blob is None:
            missing += 1
            continue
        kinds[blob.kind] = kinds.get(blob.kind, 0) + 1
    parts = [
        ctx.t("evidence.count", kind=ctx.t(f"evidence.kind.{kind}"), count=count)
        for kind, count in sorted(kinds.items())
    ]
    if missing:
        parts.append(ctx.t("evidence.metadata_only", count=missing))
    return ctx.t("evidence.line", total=len(rows), parts=join(ctx.language, parts))


KINDS = tuple(kind.value for kind in EvidenceKind)
