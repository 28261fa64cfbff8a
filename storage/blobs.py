"""The file half of the evidence store: bytes named by their SHA-256, read-only, never rewritten.

No database here. A file is streamed to a temporary file while it is hashed in the same pass
(a 1 GiB video never sits in memory), fsynced, made read-only and linked under its hash at
``<root>/<sha[0:2]>/<sha[2:4]>/<sha>``. Linking never replaces an existing file, so the same
bytes sent twice are stored once; nothing here deletes or overwrites a stored file. Thumbnails
are kept the same way under ``<root>/thumbs``.

``Blobs`` is the interface the rest of guowen keeps and reads evidence through; ``BlobStore``
(the folder) is one implementation, ``storage.objects.S3Blobs`` (an S3-compatible object store)
the other. The database half (rows and audit events) is ``storage.evidence``.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import tempfile
from collections import deque
from collections.abc import AsyncIterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

log = logging.getLogger(__name__)

MIB = 1024 * 1024
WRITE_SIZE = MIB
"""Bytes gathered before one hand-off to the writing thread (hash and write in one pass)."""
WRITES_AHEAD = 3
"""Buffers handed to a file's writing thread before the event loop waits for the oldest."""
WRITEBACK_EVERY = 8 * MIB
"""Bytes written between two requests to the kernel to start writing them to the disk."""


class EvidenceStorageFull(Exception):
    """The disk (or quota) filled up while a file was written; nothing half-written is left."""


class EvidenceStoreUnavailable(Exception):
    """The evidence store could not be reached or refused a write; nothing was kept there.

    ``where`` names the store (``s3://bucket/prefix``), ``reason`` what its client said.
    """

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class EvidenceChecksumMismatch(Exception):
    """The bytes sent to the store are not the ones named by the SHA-256: nothing was kept."""


def _is_sha256(value: str) -> bool:
    return len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def fan_out(root: Path, sha256: str) -> Path:
    """``<root>/<sha[0:2]>/<sha[2:4]>/<sha>``.

    Raises ``ValueError`` for a name that is not 64 lower-case hex digits (a tampered row must
    never become a path outside the store).
    """
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
    for created in reversed(missing):
        created.mkdir(mode=DIR_MODE, exist_ok=True)
        _fsync_dir(created.parent)


FILE_MODE = 0o400
"""A kept file: read-only, and for the bot's own user only (evidence is confidential)."""
DIR_MODE = 0o700
"""A folder of kept files: the bot's own user only."""

_WRITEBACK = getattr(os, "POSIX_FADV_DONTNEED", None)


class Spool:
    """A temporary file being written and hashed; blocking methods, called from threads.

    ``durable``: the spool becomes the stored file, so its pages are sent to the disk as it
    grows and it is fsynced before it is named. A spool that is only read back and removed
    (sent on to an object store) is neither: its pages stay in memory for that read.
    """

    def __init__(self, path: Path, file: BinaryIO, *, durable: bool = True) -> None:
        self.path = path
        self.size = 0
        self.sha256 = ""
        self.durable = durable
        self._file = file
        self._hash = hashlib.sha256()
        self._flushed = 0

    @classmethod
    def create(cls, directory: Path) -> Spool:
        """A new spool file, ``.incoming-*`` in ``directory`` (created when missing).

        Raises ``EvidenceStorageFull`` when the disk or quota is full, other ``OSError`` as is.
        """
        with _disk_full():
            _ensure_dir(directory)
            fd, name = tempfile.mkstemp(prefix=".incoming-", dir=directory)
        return cls(Path(name), os.fdopen(fd, "wb", buffering=0))

    def write(self, pieces: list[bytes]) -> None:
        """Hash and write ``pieces`` in one pass; then start the disk write-back of them."""
        with _disk_full():
            for piece in pieces:
                self._hash.update(piece)
                written = self._file.write(piece)
                if written < len(piece):  # a raw write may be short: write the rest
                    view = memoryview(piece)[written:]
                    while view:
                        view = view[self._file.write(view) :]
                self.size += len(piece)
        self._start_writeback()

    def _start_writeback(self) -> None:
        """Ask the kernel to start writing what is written so far, without waiting for it.

        The final fsync then finds most pages on their way already, and the file's pages do
        not pile up in the page cache (Linux starts write-back for POSIX_FADV_DONTNEED).
        """
        if not self.durable or _WRITEBACK is None or self.size - self._flushed < WRITEBACK_EVERY:
            return
        with suppress(OSError, AttributeError, ValueError):
            fd = self._file.fileno()
            os.posix_fadvise(fd, self._flushed, self.size - self._flushed, _WRITEBACK)
            self._flushed = self.size

    def finish(self) -> None:
        """Flush and fsync (a durable spool), then make the file read-only before it gets its
        real name."""
        with _disk_full():
            self._file.flush()
            if self.durable:
                os.fsync(self._file.fileno())
            self._file.close()
        self.sha256 = self._hash.hexdigest()
        os.chmod(self.path, FILE_MODE)

    def discard(self) -> None:
        """Close and delete the spool file: nothing of it stays on disk (close errors ignored)."""
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


@dataclass(frozen=True)
class Kept:
    """Bytes now stored: their SHA-256 (64 hex digits), size in bytes and final path.

    ``new`` is False when the same bytes were stored before (nothing was written over them).
    """

    sha256: str
    size: int
    path: Path
    new: bool


async def _close(chunks: AsyncIterable[bytes]) -> None:
    aclose = getattr(chunks, "aclose", None)
    if aclose is not None:
        await aclose()


class Opened(Protocol):
    """Stored bytes being read: ``read(n)`` up to ``n`` bytes (b"" at the end), then ``close``."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes (all that is left for -1); ``b""`` at the end."""
        ...

    def close(self) -> None:
        """Release the file; reading after it is an error."""
        ...


@dataclass(frozen=True)
class Reading:
    """One stored file opened for reading: its ``size`` in bytes and the ``stream``."""

    size: int
    stream: Opened

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()


class Blobs(Protocol):
    """Where evidence bytes are kept, named by their SHA-256: a folder or an object store.

    Both keep the same content-addressed names (``<sha[0:2]>/<sha[2:4]>/<sha>``, thumbnails
    under ``thumbs/``); neither ever deletes or overwrites a stored file. ``root`` is a local
    folder in both: files are spooled under ``root/tmp`` while they are hashed, and reports
    are written beside it.
    """

    root: Path

    @property
    def location(self) -> str:
        """The store as a person names it: a folder, or ``s3://bucket/prefix``."""
        ...

    @property
    def temp_dir(self) -> Path:
        """Where files are spooled before they get their name."""
        ...

    async def keep(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> Kept | None:
        """Stream ``chunks`` into the store; None once they exceed ``max_bytes``.

        ``Kept.path`` is a local copy readable until ``settle`` is called. Raises
        ``EvidenceStorageFull`` or ``EvidenceStoreUnavailable``; both leave nothing behind.
        """
        ...

    async def settle(self, kept: Kept) -> None:
        """The local copy of ``kept`` is no longer needed (a spool file is removed)."""
        ...

    def keep_thumbnail(self, data: bytes) -> str:
        """Keep a derived preview (blocking: call it from a thread); returns its SHA-256."""
        ...

    def open(self, sha256: str, *, thumbnail: bool = False) -> Reading:
        """The stored bytes named ``sha256`` (blocking). ``FileNotFoundError`` when absent,
        ``ValueError`` for a name that is not a SHA-256, ``OSError`` when unreadable."""
        ...

    def where(self, sha256: str, *, thumbnail: bool = False) -> str:
        """Where the bytes named ``sha256`` are, for a message (a path or an ``s3://`` URL)."""
        ...


def copy_out(blobs: Blobs, sha256: str, target: Path, *, thumbnail: bool = False) -> Path:
    """Write the stored bytes named ``sha256`` to ``target`` (blocking), to send them on.

    The copy is hashed on the way: ``EvidenceChecksumMismatch`` (and no file) when the store
    gave back other bytes; ``FileNotFoundError`` when the store has none.
    """
    digest = hashlib.sha256()
    with blobs.open(sha256, thumbnail=thumbnail) as reading, target.open("xb") as out:
        try:
            while block := reading.stream.read(WRITE_SIZE):
                digest.update(block)
                out.write(block)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    if digest.hexdigest() != sha256:
        target.unlink(missing_ok=True)
        raise EvidenceChecksumMismatch(f"{blobs.where(sha256, thumbnail=thumbnail)} differs")
    return target


class BlobStore:
    """Content-addressed files under ``root``; nothing here touches a database.

    ``write_size`` is how many bytes (default 1 MiB) are gathered before one hand-off to the
    writing thread: memory stays at about ``WRITES_AHEAD`` + 1 such buffers whatever a file's
    size.
    ``durable`` False: spools are not fsynced (for a store that keeps the bytes elsewhere and
    only reads the spool back once, ``storage.objects.S3Blobs``).
    """

    def __init__(self, root: Path, *, write_size: int = WRITE_SIZE, durable: bool = True) -> None:
        if write_size < 1:
            raise ValueError("write_size must be positive")
        self.root = root
        self._write_size = write_size
        self._durable = durable

    @property
    def location(self) -> str:
        """The folder, as a person names it."""
        return str(self.root)

    @property
    def temp_dir(self) -> Path:
        """Where files are spooled before they get their name (same filesystem as ``root``)."""
        return self.root / "tmp"

    def open(self, sha256: str, *, thumbnail: bool = False) -> Reading:
        """The stored file named ``sha256`` opened for reading (blocking)."""
        path = self.thumbnail_path_of(sha256) if thumbnail else self.path_of(sha256)
        stream = path.open("rb")
        return Reading(os.fstat(stream.fileno()).st_size, stream)

    def where(self, sha256: str, *, thumbnail: bool = False) -> str:
        """The file's path, for a message; the folder itself for a malformed name."""
        try:
            return str(self.thumbnail_path_of(sha256) if thumbnail else self.path_of(sha256))
        except ValueError:
            return str(self.root)

    async def settle(self, kept: Kept) -> None:
        """Nothing to do: ``kept.path`` is the stored file itself."""

    def path_of(self, sha256: str) -> Path:
        """Where the bytes named ``sha256`` are kept; ``ValueError`` for a malformed name."""
        return fan_out(self.root, sha256)

    def thumbnail_path_of(self, sha256: str) -> Path:
        """Where the thumbnail named ``sha256`` is kept; ``ValueError`` for a malformed name."""
        return fan_out(self.root / "thumbs", sha256)

    async def keep(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> Kept | None:
        """Stream ``chunks`` into the store; None (nothing kept) once they exceed ``max_bytes``.

        Reading stops at the first chunk over the cap. Raises ``EvidenceStorageFull`` when the
        disk fills up, and passes on whatever the stream raises; both leave nothing behind.
        """
        spool = await self.spool(chunks, max_bytes)
        if spool is None:
            await _close(chunks)
            return None
        try:
            target = self.path_of(spool.sha256)
            new = await asyncio.to_thread(_place, spool.path, target)
        finally:
            spool.discard()
        return Kept(spool.sha256, spool.size, target, new)

    def keep_thumbnail(self, data: bytes) -> str:
        """Keep a derived preview (blocking: call it from a thread); returns its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.thumbnail_path_of(sha256)
        if not target.exists():
            spool = Spool.create(self.temp_dir)
            try:
                spool.write([data])
                spool.finish()
                _place(spool.path, target)
            finally:
                spool.discard()
        return sha256

    async def spool(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Spool | None:
        """Stream to a temporary file; None (and nothing kept) when the cap is exceeded.

        Hashing and writing run on one thread of the file's own, a call per ``write_size``
        bytes, in order, while the next chunks arrive: the event loop never waits on the disk,
        and it hands on up to ``WRITES_AHEAD`` buffers before it waits for the oldest, so the
        thread always has the next one when it finishes a write. On any failure (the stream's,
        the disk's, a cancellation) the same thread removes the spool after the writes it
        holds, and nothing is left.
        """
        loop = asyncio.get_running_loop()
        writer = ThreadPoolExecutor(1, thread_name_prefix="guowen-spool")
        try:
            spool = await loop.run_in_executor(writer, Spool.create, self.temp_dir)
        except BaseException:
            writer.shutdown(wait=False)
            raise
        spool.durable = self._durable
        in_flight: deque[asyncio.Future[None]] = deque()
        pieces: list[bytes] = []
        gathered = received = 0
        try:
            async for chunk in chunks:
                received += len(chunk)
                if received > max_bytes:
                    break
                pieces.append(bytes(chunk))
                gathered += len(chunk)
                if gathered >= self._write_size:
                    if len(in_flight) >= WRITES_AHEAD:
                        await in_flight.popleft()
                    in_flight.append(loop.run_in_executor(writer, spool.write, pieces))
                    pieces, gathered = [], 0
            if received > max_bytes:
                await self._drop(loop, writer, spool, in_flight)
                return None
            in_flight.append(loop.run_in_executor(writer, self._finish, spool, pieces))
            while in_flight:
                await in_flight.popleft()
        except BaseException:
            await self._drop(loop, writer, spool, in_flight)
            raise
        finally:
            writer.shutdown(wait=False)
        return spool

    @staticmethod
    async def _drop(
        loop: asyncio.AbstractEventLoop,
        writer: ThreadPoolExecutor,
        spool: Spool,
        in_flight: deque[asyncio.Future[None]],
    ) -> None:
        """Remove ``spool`` on its writing thread, after the writes already handed to it (a
        cancelled wait does not stop a write that has started)."""
        removed = loop.run_in_executor(writer, spool.discard)
        await asyncio.wait([removed])
        for write in (*in_flight, removed):
            if write.done() and not write.cancelled():
                write.exception()  # retrieved: the first error is the one raised

    @staticmethod
    def _finish(spool: Spool, pieces: list[bytes]) -> None:
        if pieces:
            spool.write(pieces)
        spool.finish()
