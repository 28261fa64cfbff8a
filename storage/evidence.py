"""The evidence store: files kept byte for byte, named by SHA-256, never rewritten.

全程留痕、永久存储、有据可查. A file is streamed to a temporary file while it is hashed (a 1 GB
video never sits in memory), fsynced, made read-only and linked under its hash at
``<root>/<sha[0:2]>/<sha[2:4]>/<sha>``. Linking never replaces an existing file, so the same bytes
sent twice are stored once and linked to both records. Only then are the database rows
written; a transaction that rolls back leaves at worst an unreferenced file, never a row
without its bytes.

What a file is comes from its bytes, not from its name or declared MIME type. A damaged,
disguised or suspicious file is still kept and flagged, never refused: refusing it would lose
the evidence. Files over the size cap, or ones the transport could not deliver, are recorded
with their metadata only, so the record still shows that they existed.

What a file is (its type, damage, duration, thumbnail) is read by ``storage.media``.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, cast

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.audit import AuditKind
from storage.media import (
    Analysis,
    DamageReason,
    EvidenceKind,
    analyse,
    is_disguised,
)
from storage.models import EvidenceBlob, EvidenceItem

log = logging.getLogger(__name__)

_READ = 1024 * 1024


class UnavailableReason(StrEnum):
    """Why an item has metadata but no bytes."""

    OVER_CAP = "over_cap"
    TOO_BIG_FOR_TRANSPORT = "too_big_for_transport"
    DOWNLOAD_FAILED = "download_failed"
    STORAGE_FULL = "storage_full"


class EvidenceStorageFull(Exception):
    """The disk (or quota) filled up while a file was written; nothing half-written is left."""


# --------------------------------------------------------------------------- files on disk


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def fan_out(root: Path, sha256: str) -> Path:
    """``<root>/<sha[0:2]>/<sha[2:4]>/<sha>``; a malformed name (a tampered row) is refused."""
    if not _is_sha256(sha256):
        raise ValueError(f"not a SHA-256 name: {sha256[:80]!r}")
    return root / sha256[0:2] / sha256[2:4] / sha256


@contextmanager
def _disk_full() -> Iterator[None]:
    try:
        yield
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise EvidenceStorageFull(str(error)) from error
        raise


def _fsync_dir(path: Path) -> None:
    """Make a new directory entry durable (a rename is only safe once its folder is synced)."""
    if os.name == "nt":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_dir(path: Path) -> None:
    if path.is_dir():
        return
    missing = []
    parent = path
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    path.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        _fsync_dir(created.parent)


class _Spool:
    """A temporary file being written and hashed; blocking methods, called from threads."""

    def __init__(self, path: Path, file: BinaryIO) -> None:
        self.path = path
        self.size = 0
        self.sha256 = ""
        self._file = file
        self._hash = hashlib.sha256()

    @classmethod
    def create(cls, directory: Path) -> _Spool:
        with _disk_full():
            _ensure_dir(directory)
            fd, name = tempfile.mkstemp(prefix=".incoming-", dir=directory)
        return cls(Path(name), os.fdopen(fd, "wb"))

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        with _disk_full():
            self._file.write(data)
        self.size += len(data)

    def finish(self) -> None:
        """Flush and fsync, then make the file read-only before it gets its real name."""
        with _disk_full():
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        self.sha256 = self._hash.hexdigest()
        os.chmod(self.path, 0o444)

    def discard(self) -> None:
        with suppress(OSError):
            self._file.close()
        self.path.unlink(missing_ok=True)


_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV}


def _place(source: Path, target: Path) -> bool:
    """Give ``source`` the name ``target`` unless that name exists; True when it was new.

    A hard link cannot replace an existing file, so two writers of the same bytes, or a
    retry, never rewrite stored evidence. Filesystems without hard links fall back to a rename.
    """
    with _disk_full():
        _ensure_dir(target.parent)
        try:
            os.link(source, target)
            created = True
        except FileExistsError:
            created = False
        except OSError as error:
            if error.errno not in _NO_HARD_LINKS:
                raise
            created = not target.exists()
            if created:
                os.replace(source, target)
        if created:
            _fsync_dir(target.parent)
    if not created and target.stat().st_size != source.stat().st_size:
        log.error("%s exists with another size; kept as it is: run `guowen verify`", target.name)
    source.unlink(missing_ok=True)
    return created


# --------------------------------------------------------------------------- the store


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def _aware(at: datetime, name: str) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value is not None else None


def item_payload(item: EvidenceItem, blob: EvidenceBlob | None) -> dict[str, Any]:
    """What an ``evidence_added`` event says about an item and its bytes.

    ``guowen verify`` rebuilds this from the rows and compares it with the event, so an item
    or blob row changed or removed behind the triggers' back is found through the chain.
    """
    payload: dict[str, Any] = {
        "item": item.id,
        "record": item.record_id,
        "sha256": item.blob_sha256,
        "name": item.original_name,
        "declared_mime": item.declared_mime,
        "declared_size": item.declared_size,
        "transport": item.transport,
        "file_id": item.transport_file_id,
        "message_id": item.source_message_id,
        "received_at": _timestamp(item.received_at),
        "added_at": _timestamp(item.added_at),
        "added_by": item.added_by_staff_id,
        "over_cap": item.over_cap,
        "unavailable": item.unavailable_reason,
        "disguised": item.disguised,
    }
    if blob is not None:
        payload |= {
            "size": blob.size,
            "mime": blob.mime,
            "kind": blob.kind,
            "damaged": blob.damaged,
            "damage": blob.damage_reason,
            "width": blob.width,
            "height": blob.height,
            "duration_ms": blob.duration_ms,
            "thumbnail": blob.thumbnail_sha256,
        }
    return payload


async def _close(chunks: AsyncIterable[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


@dataclass(frozen=True)
class _Provenance:
    record_id: int
    original_name: str | None
    declared_mime: str | None
    declared_size: int | None
    transport: str
    transport_file_id: str | None
    source_message_id: str | None
    received_at: datetime

    def item(self, *, at: datetime, actor_staff_id: int | None, **flags: Any) -> EvidenceItem:
        return EvidenceItem(
            record_id=self.record_id,
            original_name=_clip(self.original_name, 255),
            declared_mime=_clip(self.declared_mime, 100),
            declared_size=self.declared_size,
            transport=self.transport,
            transport_file_id=_clip(self.transport_file_id, 255),
            source_message_id=_clip(self.source_message_id, 100),
            received_at=self.received_at,
            added_at=at,
            added_by_staff_id=actor_staff_id,
            **flags,
        )


@dataclass(frozen=True)
class Prepared:
    """Bytes kept on disk under their hash, not yet linked to a record."""

    sha256: str
    size: int
    mime: str
    kind: EvidenceKind
    damage: DamageReason | None
    width: int | None
    height: int | None
    duration_ms: int | None
    thumbnail_sha256: str | None


class EvidenceStore:
    """Files under ``root``; rows and audit events in the caller's session and transaction.

    Two steps, so a long download never holds a database transaction (on SQLite, the write
    lock): ``prepare`` streams, checks and keeps the bytes without touching the database;
    ``link`` records them for a record in the caller's transaction. ``ingest`` does both.
    A prepared file that is never linked stays on disk unreferenced: nothing deletes evidence.
    """

    _REMEMBERED = 1024

    def __init__(self, root: Path, *, max_bytes: int, write_size: int = _READ) -> None:
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.root = root
        self.max_bytes = max_bytes
        self._write_size = write_size
        self._recent: OrderedDict[str, Prepared] = OrderedDict()

    @property
    def temp_dir(self) -> Path:
        return self.root / "tmp"

    def path_of(self, sha256: str) -> Path:
        return fan_out(self.root, sha256)

    def thumbnail_path_of(self, sha256: str) -> Path:
        return fan_out(self.root / "thumbs", sha256)

    async def prepare(
        self, chunks: AsyncIterable[bytes], *, declared_size: int | None = None
    ) -> Prepared | None:
        """Keep the bytes from ``chunks``; None (nothing kept) when they exceed the cap.

        Raises ``EvidenceStorageFull`` when the disk fills up, leaving nothing behind.
        """
        if declared_size is not None and declared_size > self.max_bytes:
            await _close(chunks)
            return None
        spool = await self._spool(chunks)
        if spool is None:
            await _close(chunks)
            return None
        try:
            analysis = await asyncio.to_thread(analyse, spool.path)
            thumbnail = None
            if analysis.thumbnail is not None:
                thumbnail = await asyncio.to_thread(self._keep_thumbnail, analysis.thumbnail)
            await asyncio.to_thread(_place, spool.path, self.path_of(spool.sha256))
        finally:
            spool.discard()
        return self._remember(spool.sha256, spool.size, analysis, thumbnail)

    async def link(
        self,
        session: AsyncSession,
        *,
        sha256: str | None,
        unavailable: UnavailableReason | None = None,
        record_id: int,
        original_name: str | None,
        declared_mime: str | None,
        declared_size: int | None,
        transport: str,
        transport_file_id: str | None,
        source_message_id: str | None,
        received_at: datetime,
        at: datetime,
        actor_staff_id: int | None,
    ) -> EvidenceItem:
        """Record prepared bytes (``sha256``), or a file without bytes (``unavailable``).

        The result's ``over_cap`` and ``unavailable_reason`` say why bytes are missing;
        ``blob.damaged`` and ``disguised`` say what is odd about kept bytes.
        """
        _aware(received_at, "received_at")
        _aware(at, "at")
        origin = _Provenance(
            record_id,
            original_name,
            declared_mime,
            declared_size,
            transport,
            transport_file_id,
            source_message_id,
            received_at,
        )
        if unavailable is not None and sha256 is None:
            return await self._metadata_only(session, origin, unavailable, at, actor_staff_id)
        if unavailable is not None or sha256 is None:
            raise ValueError("link takes either prepared bytes (sha256) or why they are missing")
        blob = await session.get(EvidenceBlob, sha256)
        duplicate = blob is not None
        if blob is None:
            prepared = self._recent.get(sha256) or await self._reread(sha256)
            blob, duplicate = await self._blob_row(session, prepared, at)
        item = origin.item(
            at=at,
            actor_staff_id=actor_staff_id,
            blob_sha256=blob.sha256,
            blob=blob,
            over_cap=False,
            unavailable_reason=None,
            disguised=is_disguised(blob.kind, name=original_name, mime=declared_mime),
        )
        return await self._add(session, item, blob, at, duplicate=duplicate)

    async def ingest(
        self,
        session: AsyncSession,
        chunks: AsyncIterable[bytes],
        *,
        record_id: int,
        original_name: str | None,
        declared_mime: str | None,
        declared_size: int | None,
        transport: str,
        transport_file_id: str | None,
        source_message_id: str | None,
        received_at: datetime,
        at: datetime,
        actor_staff_id: int | None,
    ) -> EvidenceItem:
        """``prepare`` then ``link``: keep the bytes from ``chunks`` as evidence of a record.

        Over the cap the item keeps the metadata only (``over_cap``); a full disk raises
        ``EvidenceStorageFull``. The bytes are placed before the session is first used.
        """
        _aware(received_at, "received_at")
        _aware(at, "at")
        prepared = await self.prepare(chunks, declared_size=declared_size)
        return await self.link(
            session,
            sha256=prepared.sha256 if prepared else None,
            unavailable=None if prepared else UnavailableReason.OVER_CAP,
            record_id=record_id,
            original_name=original_name,
            declared_mime=declared_mime,
            declared_size=declared_size,
            transport=transport,
            transport_file_id=transport_file_id,
            source_message_id=source_message_id,
            received_at=received_at,
            at=at,
            actor_staff_id=actor_staff_id,
        )

    async def record_unavailable(
        self,
        session: AsyncSession,
        *,
        record_id: int,
        original_name: str | None,
        declared_mime: str | None,
        declared_size: int | None,
        transport: str,
        transport_file_id: str | None,
        source_message_id: str | None,
        received_at: datetime,
        at: datetime,
        actor_staff_id: int | None,
        reason: UnavailableReason = UnavailableReason.TOO_BIG_FOR_TRANSPORT,
    ) -> EvidenceItem:
        """Record a file the transport could not deliver: its metadata is evidence too."""
        return await self.link(
            session,
            sha256=None,
            unavailable=reason,
            record_id=record_id,
            original_name=original_name,
            declared_mime=declared_mime,
            declared_size=declared_size,
            transport=transport,
            transport_file_id=transport_file_id,
            source_message_id=source_message_id,
            received_at=received_at,
            at=at,
            actor_staff_id=actor_staff_id,
        )

    def _remember(
        self, sha256: str, size: int, analysis: Analysis, thumbnail: str | None
    ) -> Prepared:
        prepared = Prepared(
            sha256,
            size,
            analysis.mime,
            analysis.kind,
            analysis.damage,
            analysis.width,
            analysis.height,
            analysis.duration_ms,
            thumbnail,
        )
        self._recent[sha256] = prepared
        self._recent.move_to_end(sha256)
        while len(self._recent) > self._REMEMBERED:
            self._recent.popitem(last=False)
        return prepared

    async def _reread(self, sha256: str) -> Prepared:
        """What ``prepare`` found, worked out again from the kept file (after a restart)."""
        path = self.path_of(sha256)
        analysis = await asyncio.to_thread(analyse, path)
        thumbnail = None
        if analysis.thumbnail is not None:
            thumbnail = await asyncio.to_thread(self._keep_thumbnail, analysis.thumbnail)
        size = (await asyncio.to_thread(path.stat)).st_size
        return self._remember(sha256, size, analysis, thumbnail)

    async def _metadata_only(
        self,
        session: AsyncSession,
        origin: _Provenance,
        reason: UnavailableReason,
        at: datetime,
        actor_staff_id: int | None,
    ) -> EvidenceItem:
        item = origin.item(
            at=at,
            actor_staff_id=actor_staff_id,
            blob_sha256=None,
            blob=None,
            over_cap=reason is UnavailableReason.OVER_CAP,
            unavailable_reason=reason.value,
            disguised=False,
        )
        return await self._add(session, item, None, at, duplicate=False)

    async def _add(
        self,
        session: AsyncSession,
        item: EvidenceItem,
        blob: EvidenceBlob | None,
        at: datetime,
        *,
        duplicate: bool,
    ) -> EvidenceItem:
        session.add(item)
        await session.flush()
        payload = item_payload(item, blob) | {"duplicate": duplicate}
        await audit.append(
            session,
            AuditKind.EVIDENCE_ADDED,
            at=at,
            actor_staff_id=item.added_by_staff_id,
            subject=f"record:{item.record_id}",
            payload=payload,
        )
        return item

    async def _spool(self, chunks: AsyncIterable[bytes]) -> _Spool | None:
        """Stream to a temporary file; None (and nothing kept) when the cap is exceeded.

        Writing and hashing run in a thread while the next chunks arrive, one buffer at a
        time, so memory stays at about two buffers whatever the file's size.
        """
        spool = await asyncio.to_thread(_Spool.create, self.temp_dir)
        pending: asyncio.Future[None] | None = None
        buffer = bytearray()
        received = 0
        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > self.max_bytes:
                    break
                buffer += chunk
                if len(buffer) >= self._write_size:
                    if pending is not None:
                        await pending
                    pending = asyncio.ensure_future(asyncio.to_thread(spool.write, bytes(buffer)))
                    buffer.clear()
            if pending is not None:
                await pending
            if received > self.max_bytes:
                spool.discard()
                return None
            if buffer:
                await asyncio.to_thread(spool.write, bytes(buffer))
            await asyncio.to_thread(spool.finish)
        except BaseException:
            if pending is not None:
                await asyncio.wait([pending])
                if not pending.cancelled():
                    pending.exception()  # retrieved: the first error is the one raised
            spool.discard()
            raise
        return spool

    def _keep_thumbnail(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.thumbnail_path_of(sha256)
        if not target.exists():
            spool = _Spool.create(self.temp_dir)
            try:
                spool.write(data)
                spool.finish()
                _place(spool.path, target)
            finally:
                spool.discard()
        return sha256

    async def _blob_row(
        self, session: AsyncSession, prepared: Prepared, at: datetime
    ) -> tuple[EvidenceBlob, bool]:
        """Insert the blob unless it is there already; True as second value when it was."""
        sha256 = prepared.sha256
        values = {
            "sha256": sha256,
            "size": prepared.size,
            "mime": prepared.mime,
            "kind": prepared.kind.value,
            "damaged": prepared.damage is not None,
            "damage_reason": prepared.damage.value if prepared.damage else None,
            "width": prepared.width,
            "height": prepared.height,
            "duration_ms": prepared.duration_ms,
            "thumbnail_sha256": prepared.thumbnail_sha256,
            "stored_at": at,
        }
        dialect = (await session.connection()).dialect.name
        if dialect == "postgresql":
            statement: Any = postgresql.insert(EvidenceBlob).on_conflict_do_nothing()
        elif dialect == "sqlite":
            statement = sqlite.insert(EvidenceBlob).on_conflict_do_nothing()
        else:  # pragma: no cover - the two supported databases are above
            statement = insert(EvidenceBlob)
            if await session.get(EvidenceBlob, sha256) is not None:
                statement = None
        inserted = False
        if statement is not None:
            result = await session.execute(statement.values(**values))
            inserted = cast(CursorResult[Any], result).rowcount == 1
        blob = await session.get(EvidenceBlob, sha256)
        if blob is None:  # pragma: no cover - inserted or found just above
            raise RuntimeError(f"evidence blob {sha256} vanished")
        return blob, not inserted
