"""The files a message carries, fetched and kept before its transaction begins.

Each file becomes one ``EvidenceFile`` (its provenance with its analysed bytes, or why the
bytes could not be kept) that travels unchanged to the evidence row: held in the conversation
as JSON while the judge answers a question, and linked by ``handlers.evidence_link``. This
module does not import the engine, so the engine imports it at the top.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from handlers.ports import Attachment, Downloader, FileUnavailable, IncomingMessage
from storage.evidence import (
    EvidenceChecksumMismatch,
    EvidenceFile,
    EvidenceStorageFull,
    EvidenceStore,
    EvidenceStoreUnavailable,
    ForwardOrigin,
    Provenance,
    UnavailableReason,
)

log = logging.getLogger(__name__)

TEXT_NAME = "forwarded-message.txt"
"""The name a forwarded text is kept under (its bytes are the text in UTF-8)."""


def is_forwarded_text(file: EvidenceFile) -> bool:
    """Whether ``file`` is a forwarded text message (kept as ``TEXT_NAME``), not a file."""
    origin = file.provenance
    return origin.file_id is None and origin.file_name == TEXT_NAME


def carries_evidence(message: IncomingMessage) -> bool:
    """Files, or a forwarded text: both open or extend a record. An edited message brings
    no new files (its files came with the message it edits)."""
    if message.edited:
        return False
    return bool(message.attachments) or (message.is_forward and bool(message.text.strip()))


def provenance_of(message: IncomingMessage, attachment: Attachment | None = None) -> Provenance:
    """Where ``attachment`` (None: the message's forwarded text) came from.

    The caption is the message's text when it came with files; a forwarded text is the
    evidence itself, so it is no caption. The forward's origin is the original author (or a
    hidden user's chosen name, or a chat's title) and the original date, as the transport
    tells them.
    """
    forwarded = None
    if message.is_forward or message.forwarded_from is not None:
        forwarded = ForwardOrigin(
            sender=message.forwarded_from,
            chat=message.forwarded_chat,
            sent_at=message.forwarded_at,
        )
    common: dict[str, Any] = {
        "sender_id": message.user_id,
        "message_id": message.message_id,
        "forwarded": forwarded,
    }
    if attachment is None:
        body = message.text.encode("utf-8")
        return Provenance(
            message.transport,
            message.received_at,
            file_name=TEXT_NAME,
            declared_mime="text/plain",
            declared_size=len(body),
            **common,
        )
    return Provenance(
        message.transport,
        message.received_at,
        file_id=attachment.file_id,
        file_name=attachment.file_name,
        declared_mime=attachment.mime_type,
        declared_size=attachment.size,
        caption=message.text or None,
        **common,
    )


async def _single(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def fetch_files(
    store: EvidenceStore, download: Downloader, message: IncomingMessage
) -> list[EvidenceFile]:
    """Fetch, keep and analyse the message's files, one ``EvidenceFile`` each.

    Never raises for a file that cannot be kept: a transport's refusal, a failed download, a
    full disk or an object store that is down (or got other bytes than were hashed) becomes
    the value's ``unavailable`` reason, so the metadata is still recorded.
    """
    if not message.attachments and message.is_forward:
        origin = provenance_of(message)
        try:
            return [await store.prepare(_single(message.text.encode("utf-8")), origin)]
        except EvidenceStorageFull:
            log.exception("evidence store full while keeping a forwarded text")
            return [EvidenceFile(origin, unavailable=UnavailableReason.STORAGE_FULL)]
        except (EvidenceStoreUnavailable, EvidenceChecksumMismatch):
            log.exception("evidence store did not keep a forwarded text")
            return [EvidenceFile(origin, unavailable=UnavailableReason.STORE_UNAVAILABLE)]
    files: list[EvidenceFile] = []
    for attachment in message.attachments:
        origin = provenance_of(message, attachment)
        try:
            files.append(await store.prepare(download(message, attachment), origin))
            continue
        except FileUnavailable as unavailable:
            reason = unavailable.reason
        except EvidenceStorageFull:
            log.exception("evidence store full while keeping %s", attachment.file_id)
            reason = UnavailableReason.STORAGE_FULL
        except (EvidenceStoreUnavailable, EvidenceChecksumMismatch):
            log.exception("evidence store did not keep %s", attachment.file_id)
            reason = UnavailableReason.STORE_UNAVAILABLE
        except OSError:
            log.exception("could not fetch %s", attachment.file_id)
            reason = UnavailableReason.DOWNLOAD_FAILED
        files.append(EvidenceFile(origin, unavailable=reason))
    return files


def files_to_json(files: Iterable[EvidenceFile]) -> list[dict[str, Any]]:
    """The files as JSON-ready dicts, to be held in a conversation."""
    return [file.to_json() for file in files]


def files_from_json(items: list[dict[str, Any]]) -> list[EvidenceFile]:
    """The inverse of ``files_to_json``; also reads what an older version held.

    Raises ``ValueError`` for a malformed item.
    """
    return [EvidenceFile.from_json(item) for item in items]
