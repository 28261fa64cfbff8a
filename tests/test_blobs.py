"""The folder store's one pass: bytes hashed while written, whatever the chunking, and nothing
half-written ever visible under a blob's name."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import random
import stat
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import blobs as blob_store
from storage.blobs import BlobStore, EvidenceStorageFull, Kept

KIB = 1024
MIB = 1024 * KIB

sizes = st.one_of(
    st.integers(min_value=0, max_value=4 * KIB),
    st.integers(min_value=0, max_value=3 * MIB),
)
chunkings = st.lists(st.integers(min_value=1, max_value=300 * KIB), min_size=1, max_size=6)
write_sizes = st.sampled_from([1, 7 * KIB, 64 * KIB, MIB, 4 * MIB])
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def payload(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


async def stream(data: bytes, cuts: list[int], fail_at: int | None = None) -> AsyncIterator[bytes]:
    """``data`` in pieces of the ``cuts`` sizes in turn; a reset once ``fail_at`` bytes went."""
    position, turn = 0, 0
    while position < len(data):
        if fail_at is not None and position >= fail_at:
            raise ConnectionResetError("peer went away")
        step = cuts[turn % len(cuts)]
        yield data[position : position + step]
        position += step
        turn += 1
    if fail_at is not None:
        raise ConnectionResetError("peer went away")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@contextmanager
def store_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="guowen-blobs-") as top:
        yield Path(top) / "evidence"


@SLOW
@given(size=sizes, seed=st.integers(0, 2**32), cuts=chunkings, write_size=write_sizes)
def test_any_chunking_keeps_the_bytes_under_their_sha256(
    size: int, seed: int, cuts: list[int], write_size: int
) -> None:
    data = payload(size, seed)
    with store_dir() as root:
        store = BlobStore(root, write_size=write_size)
        kept = asyncio.run(store.keep(stream(data, cuts), max_bytes=4 * MIB))
        assert kept is not None
        sha256 = hashlib.sha256(data).hexdigest()
        assert (kept.sha256, kept.size, kept.new) == (sha256, size, True)
        assert kept.path == store.path_of(sha256)
        assert kept.path.read_bytes() == data
        assert stat.S_IMODE(kept.path.stat().st_mode) == blob_store.FILE_MODE
        assert files_under(root) == [kept.path]  # the spool is gone


@SLOW
@given(
    size=st.integers(min_value=1, max_value=2 * MIB),
    seed=st.integers(0, 2**32),
    cuts=chunkings,
    cap=st.integers(min_value=0, max_value=2 * MIB),
)
def test_over_the_cap_nothing_is_kept_and_reading_stops(
    size: int, seed: int, cuts: list[int], cap: int
) -> None:
    data = payload(size, seed)
    pulled = 0

    async def counted() -> AsyncIterator[bytes]:
        nonlocal pulled
        async for chunk in stream(data, cuts):
            pulled += len(chunk)
            yield chunk

    with store_dir() as root:
        kept = asyncio.run(BlobStore(root, write_size=64 * KIB).keep(counted(), max_bytes=cap))
        if size <= cap:
            assert kept is not None and kept.path.read_bytes() == data
        else:
            assert kept is None
            assert files_under(root) == []
            assert pulled - max(cuts) <= cap  # stopped at the first chunk over the cap


FAILURES = ("stream", "disk_full", "fsync", "link", "cancel")


@contextmanager
def failing(kind: str, after: int) -> Iterator[None]:
    """Make the ``kind`` step of keeping a file fail (``after``: bytes written first)."""
    with pytest.MonkeyPatch.context() as patch:
        if kind == "disk_full":
            write = blob_store.Spool.write

            def full(self: blob_store.Spool, pieces: list[bytes]) -> None:
                if self.size + sum(map(len, pieces)) > after:
                    with blob_store._disk_full():
                        raise OSError(errno.ENOSPC, "No space left on device")
                write(self, pieces)

            patch.setattr(blob_store.Spool, "write", full)
        elif kind == "fsync":

            def broken_fsync(fd: int) -> None:
                raise OSError(errno.EIO, "Input/output error")

            patch.setattr(blob_store.os, "fsync", broken_fsync)
        elif kind == "link":

            def broken_link(*args: Any, **kwargs: Any) -> None:
                raise OSError(errno.EIO, "Input/output error")

            patch.setattr(blob_store.os, "link", broken_link)
        yield


async def keep_until(
    kind: str, store: BlobStore, data: bytes, cuts: list[int], after: int
) -> Kept | None:
    if kind == "stream":
        return await store.keep(stream(data, cuts, fail_at=after), max_bytes=4 * MIB)
    if kind != "cancel":
        return await store.keep(stream(data, cuts), max_bytes=4 * MIB)
    reached = asyncio.Event()

    async def stalls() -> AsyncIterator[bytes]:
        async for chunk in stream(data[:after], cuts):
            yield chunk
        reached.set()
        await asyncio.Event().wait()  # a download that never finishes
        yield b""  # pragma: no cover

    task = asyncio.ensure_future(store.keep(stalls(), max_bytes=4 * MIB))
    await reached.wait()
    task.cancel()
    return await task


@SLOW
@given(
    size=st.integers(min_value=1, max_value=3 * MIB),
    seed=st.integers(0, 2**32),
    cuts=chunkings,
    write_size=write_sizes,
    kind=st.sampled_from(FAILURES),
    where=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_a_failure_anywhere_leaves_no_blob_and_no_spool(
    size: int, seed: int, cuts: list[int], write_size: int, kind: str, where: float
) -> None:
    data = payload(size, seed)
    after = int(size * where)
    expected: dict[str, type[BaseException]] = {
        "stream": ConnectionResetError,
        "disk_full": EvidenceStorageFull,
        "fsync": OSError,
        "link": OSError,
        "cancel": asyncio.CancelledError,
    }
    with store_dir() as root:
        store = BlobStore(root, write_size=write_size)
        with failing(kind, after), pytest.raises(expected[kind]):
            asyncio.run(keep_until(kind, store, data, cuts, after))
        assert files_under(root) == []
        # nothing half-written stands in the way: the same file is kept whole afterwards
        kept = asyncio.run(store.keep(stream(data, cuts), max_bytes=4 * MIB))
        assert kept is not None and kept.path.read_bytes() == data


def _regular_fsyncs(patch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of every regular file fsynced (folders are fsynced too, not counted)."""
    seen: list[int] = []
    real: Callable[[int], None] = os.fsync

    def fsync(fd: int) -> None:
        status = os.fstat(fd)
        if stat.S_ISREG(status.st_mode):
            seen.append(status.st_size)
        real(fd)

    patch.setattr(blob_store.os, "fsync", fsync)
    return seen


@pytest.mark.parametrize("durable", [True, False])
async def test_only_a_spool_that_becomes_the_stored_file_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    data = os.urandom(3 * MIB + 5)
    synced = _regular_fsyncs(monkeypatch)
    store = BlobStore(tmp_path / "evidence", write_size=MIB, durable=durable)
    spool = await store.spool(stream(data, [64 * KIB]), 4 * MIB)
    assert spool is not None and spool.path.read_bytes() == data
    assert spool.sha256 == hashlib.sha256(data).hexdigest()
    assert synced == ([len(data)] if durable else [])  # one fsync of the whole file, or none
    spool.discard()
