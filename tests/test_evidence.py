"""The evidence store: bytes kept as received, typed from the bytes, flagged but never refused.

The media builders and record helpers here are shared with the verify and backup tests.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import json
import os
import stat
import struct
import wave
import zipfile
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from reminders.clock import FakeClock
from storage import blobs as blob_store
from storage.audit import AuditKind
from storage.db import Database
from storage.evidence import (
    EvidenceFile,
    EvidenceStorageFull,
    EvidenceStore,
    Provenance,
    UnavailableReason,
)
from storage.media import DamageReason, EvidenceKind, sniff
from storage.models import AuditEvent, Base, EvidenceBlob, EvidenceItem, Record, Staff

MB = 1024 * 1024

# --------------------------------------------------------------------------- shared helpers


def png_bytes(size: tuple[int, int] = (640, 480), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (800, 600)) -> bytes:
    image = Image.new("RGB", size)
    for x in range(0, size[0], 8):  # some detail, so a cut file is really cut
        image.paste((x % 256, 90, 255 - x % 256), (x, 0, x + 4, size[1]))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x01" * int(seconds * rate))
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data).to_bytes(4, "big")
    return len(data).to_bytes(4, "big") + kind + data + crc


def bomb_png(width: int, height: int) -> bytes:
    """A tiny file whose header claims a huge picture (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + _png_chunk(b"IEND", b"")
    )


def _ogg_page(serial: int, seq: int, granule: int, packet: bytes, flags: int = 0) -> bytes:
    lacing = bytes([255] * (len(packet) // 255) + [len(packet) % 255])
    return (
        b"OggS\x00"
        + bytes([flags])
        + granule.to_bytes(8, "little", signed=True)
        + serial.to_bytes(4, "little")
        + seq.to_bytes(4, "little")
        + b"\x00\x00\x00\x00"
        + bytes([len(lacing)])
        + lacing
        + packet
    )


def opus_bytes(seconds: int, pre_skip: int = 312) -> bytes:
    """An OGG/Opus file like a Telegram voice message (audio packets are filler)."""
    head = b"OpusHead\x01\x01" + pre_skip.to_bytes(2, "little") + (48000).to_bytes(4, "little")
    return (
        _ogg_page(7, 0, 0, head + b"\x00\x00\x00", flags=2)
        + _ogg_page(7, 1, 0, b"OpusTags" + b"\x00" * 8)
        + _ogg_page(7, 2, 48000, b"\xfc" * 300)
        + _ogg_page(7, 3, 48000 * seconds + pre_skip, b"\xfc" * 300, flags=4)
    )


def amr_bytes(frames: int) -> bytes:
    return b"#!AMR\n" + (b"\x3c" + b"\x00" * 31) * frames  # mode 7 (12.2 kbit/s), 20 ms each


def mp3_bytes(frames: int) -> bytes:
    return (b"\xff\xfb\x90\x00" + b"\x00" * 413) * frames  # MPEG-1 layer III, 128 kbit/s


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def mp4_bytes(brand: bytes, handlers: tuple[bytes, ...], ms: int, *, moov: bool = True) -> bytes:
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"isom")
    mvhd = _box(b"mvhd", bytes(12) + (1000).to_bytes(4, "big") + ms.to_bytes(4, "big") + bytes(80))
    traks = b"".join(
        _box(b"trak", _box(b"mdia", _box(b"hdlr", bytes(8) + kind + bytes(13))))
        for kind in handlers
    )
    index = _box(b"moov", mvhd + traks) if moov else b""
    return ftyp + _box(b"mdat", b"\x00" * 2000) + index


def docx_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("说明.txt", "过问")
    return out.getvalue()


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def make_record(db: Database, clock: FakeClock) -> tuple[int, int]:
    """A handler and a draft record; returns (staff id, record id)."""
    async with db.transaction() as session:
        staff = Staff(name="张三", active=True, created_at=clock.now())
        session.add(staff)
        await session.flush()
        record = Record(
            status="draft",
            handler_id=staff.id,
            received_at=clock.now(),
            created_at=clock.now(),
            fields={},
        )
        session.add(record)
        await session.flush()
        return staff.id, record.id


async def add_file(
    db: Database,
    store: EvidenceStore,
    clock: FakeClock,
    ids: tuple[int, int],
    data: bytes,
    name: str | None = None,
    mime: str | None = None,
) -> EvidenceItem:
    staff_id, record_id = ids
    origin = Provenance(
        "telegram",
        clock.now() - timedelta(minutes=5),
        file_name=name,
        declared_mime=mime,
        declared_size=len(data),
        file_id=f"file-{hashlib.md5(data).hexdigest()[:8]}",
        message_id="42",
    )
    async with db.transaction() as session:
        return await store.ingest(
            session,
            chunks_of(data),
            origin,
            record_id=record_id,
            at=clock.now(),
            actor_staff_id=staff_id,
        )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence", max_bytes=8 * MB, write_size=256 * 1024)


@pytest.fixture
async def ids(db: Database, clock: FakeClock) -> tuple[int, int]:
    return await make_record(db, clock)


async def blobs(db: Database) -> list[EvidenceBlob]:
    async with db.transaction() as session:
        return list((await session.execute(select(EvidenceBlob))).scalars())


async def count(db: Database, model: type[Base]) -> int:
    async with db.transaction() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def leftovers(store: EvidenceStore) -> list[str]:
    return sorted(p.name for p in store.temp_dir.iterdir()) if store.temp_dir.exists() else []


# --------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("data", "mime", "kind"),
    [
        (png_bytes((8, 8)), "image/png", "image"),
        (jpeg_bytes((8, 8)), "image/jpeg", "image"),
        (b"GIF89a" + bytes(20), "image/gif", "image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", "image"),
        (b"BM" + bytes(12) + (40).to_bytes(4, "little") + bytes(20), "image/bmp", "image"),
        (b"II*\x00" + bytes(10), "image/tiff", "image"),
        (_box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic"), "image/heic", "image"),
        (_box(b"ftyp", b"mif1\x00\x00\x00\x00mif1"), "image/heif", "image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf", "pdf"),
        (opus_bytes(1), "audio/ogg", "voice"),
        (amr_bytes(3), "audio/amr", "voice"),
        (b"#!AMR-WB\n" + bytes(10), "audio/amr-wb", "voice"),
        (b"\x02#!SILK_V3" + bytes(10), "audio/silk", "voice"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", "audio"),
        (mp3_bytes(3), "audio/mpeg", "audio"),
        (wav_bytes(0.1), "audio/wav", "audio"),
        (mp4_bytes(b"M4A ", (b"soun",), 1000), "audio/mp4", "audio"),
        (mp4_bytes(b"isom", (b"vide", b"soun"), 1000), "video/mp4", "video"),
        (mp4_bytes(b"qt  ", (b"vide",), 1000), "video/quicktime", "video"),
        (b"PK\x03\x04" + bytes(26), "application/zip", "other"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(8), "application/x-ole-storage", "document"),
        ("外部人员过问案件记录\n".encode(), "text/plain", "text"),
        (b"BMW X5 \xe8\xbd\xa6\xe7\x89\x8c\n" * 4, "text/plain", "text"),  # not a bitmap
        (b"\xff\xf1\x50\x80" + bytes(40), "audio/aac", "audio"),
        (b"RIFF\x00\x00\x00\x00AVI LIST", "video/x-msvideo", "video"),
        (b"fLaC" + bytes(40), "audio/flac", "audio"),
        (b"\x00\x01\x02\x03" * 50, "application/octet-stream", "other"),
        (b"", "application/x-empty", "other"),
    ],
)
def test_the_type_comes_from_the_bytes(data: bytes, mime: str, kind: str) -> None:
    found = sniff(data[:65536], complete=True)
    assert (found.mime, found.kind) == (mime, kind)


def test_a_partial_head_may_cut_a_chinese_character_and_still_be_text() -> None:
    text = ("过问" * 40000).encode()
    assert sniff(text[: 65536 - 1]).kind is EvidenceKind.TEXT


# --------------------------------------------------------------------------- storing


async def test_an_image_is_kept_byte_for_byte_read_only_with_a_thumbnail(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = png_bytes((1280, 720))
    item = await add_file(db, store, clock, ids, data, "微信截图.png", "image/png")

    sha = hashlib.sha256(data).hexdigest()
    path = store.root / sha[:2] / sha[2:4] / sha
    assert store.path_of(sha) == path
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert item.blob is not None and item.blob_sha256 == sha
    blob = item.blob
    assert (blob.mime, blob.kind, blob.size) == ("image/png", "image", len(data))
    assert (blob.width, blob.height, blob.damaged, blob.damage_reason) == (1280, 720, False, None)
    assert blob.thumbnail_sha256 is not None
    thumb = store.thumbnail_path_of(blob.thumbnail_sha256)
    assert hashlib.sha256(thumb.read_bytes()).hexdigest() == blob.thumbnail_sha256
    with Image.open(thumb) as small:
        assert small.format == "JPEG" and max(small.size) == 320
    assert (item.original_name, item.declared_mime, item.declared_size) == (
        "微信截图.png",
        "image/png",
        len(data),
    )
    assert (item.over_cap, item.unavailable_reason, item.disguised) == (False, None, False)
    assert item.received_at == clock.now() - timedelta(minutes=5)
    assert leftovers(store) == []

    async with db.transaction() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.kind == "evidence_added"))
        ).scalar_one()
    payload = json.loads(event.payload)
    assert event.kind == AuditKind.EVIDENCE_ADDED and event.subject == f"record:{ids[1]}"
    assert (payload["sha256"], payload["size"], payload["declared_size"]) == (
        sha,
        len(data),
        len(data),
    )
    assert payload["item"] == item.id and payload["duplicate"] is False


async def test_the_same_bytes_twice_are_stored_once_and_linked_to_both(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = jpeg_bytes()
    first = await add_file(db, store, clock, ids, data, "a.jpg", "image/jpeg")
    other = await make_record(db, clock)
    second = await add_file(db, store, clock, other, data, "b.jpg", "image/jpeg")

    assert first.blob_sha256 == second.blob_sha256
    assert first.id != second.id and second.record_id == other[1]
    assert await count(db, EvidenceBlob) == 1
    assert await count(db, EvidenceItem) == 2
    files = [p for p in store.root.rglob("*") if p.is_file() and "thumbs" not in p.parts]
    assert len(files) == 1
    async with db.transaction() as session:
        events = (await session.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars()
        flags = [json.loads(e.payload)["duplicate"] for e in events if e.kind == "evidence_added"]
    assert flags == [False, True]


async def test_concurrent_writers_of_the_same_bytes_share_one_blob(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = png_bytes((300, 200))
    items = await asyncio.gather(*(add_file(db, store, clock, ids, data) for _ in range(4)))
    assert len({item.id for item in items}) == 4
    assert await count(db, EvidenceBlob) == 1
    assert leftovers(store) == []


async def test_a_large_file_is_streamed_through_several_buffers(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = os.urandom(3 * MB + 17)
    item = await add_file(db, store, clock, ids, data, "录音.bin")
    assert item.blob is not None and item.blob.sha256 == hashlib.sha256(data).hexdigest()
    assert store.path_of(item.blob.sha256).read_bytes() == data
    assert (item.blob.kind, item.blob.thumbnail_sha256) == ("other", None)


async def test_a_truncated_jpeg_is_kept_and_flagged(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    whole = jpeg_bytes()
    data = whole[: len(whole) // 2]
    item = await add_file(db, store, clock, ids, data, "cut.jpg", "image/jpeg")
    assert item.blob is not None
    assert store.path_of(item.blob.sha256).read_bytes() == data
    assert (item.blob.kind, item.blob.damaged) == ("image", True)
    assert item.blob.damage_reason == DamageReason.TRUNCATED
    assert item.blob.thumbnail_sha256 is None and item.disguised is False


async def test_a_text_file_named_jpg_is_kept_and_flagged_as_disguised(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = "这不是图片，是一段文字。\n".encode()
    item = await add_file(db, store, clock, ids, data, "照片.jpg", "image/jpeg")
    assert item.blob is not None
    assert (item.blob.kind, item.blob.mime, item.disguised) == ("text", "text/plain", True)
    assert store.path_of(item.blob.sha256).read_bytes() == data


@pytest.mark.parametrize("side", [100_000, 10_000])  # above twice, and above once, the limit
async def test_a_decompression_bomb_is_kept_flagged_and_never_decoded(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int], side: int
) -> None:
    data = bomb_png(side, side)
    item = await add_file(db, store, clock, ids, data, "bomb.png", "image/png")
    assert item.blob is not None
    assert item.blob.damage_reason == DamageReason.DECOMPRESSION_BOMB
    assert item.blob.thumbnail_sha256 is None
    assert store.path_of(item.blob.sha256).read_bytes() == data


@pytest.mark.parametrize(
    ("data", "kind", "ms", "tolerance"),
    [
        (wav_bytes(2.5), "audio", 2500, 0),
        (opus_bytes(3), "voice", 3000, 0),
        (amr_bytes(50), "voice", 1000, 0),
        (b"#!SILK_V3" + (b"\x05\x00" + bytes(5)) * 25 + b"\xff\xff", "voice", 500, 0),
        (mp3_bytes(100), "audio", 2612, 10),
        (mp4_bytes(b"M4A ", (b"soun",), 4500), "audio", 4500, 0),
        (mp4_bytes(b"isom", (b"soun",), 61000), "audio", 61000, 0),
        (mp4_bytes(b"isom", (b"vide", b"soun"), 7250), "video", 7250, 0),
    ],
)
async def test_voice_and_audio_get_their_duration(
    db: Database,
    store: EvidenceStore,
    clock: FakeClock,
    ids: tuple[int, int],
    data: bytes,
    kind: str,
    ms: int,
    tolerance: int,
) -> None:
    item = await add_file(db, store, clock, ids, data)
    assert item.blob is not None
    assert item.blob.kind == kind and not item.blob.damaged
    assert item.blob.duration_ms is not None
    assert abs(item.blob.duration_ms - ms) <= tolerance


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (mp4_bytes(b"isom", (b"vide",), 1000, moov=False), DamageReason.TRUNCATED),
        (opus_bytes(3)[:-200], DamageReason.TRUNCATED),
        (b"%PDF-1.4\n1 0 obj\n<<>>\n", DamageReason.TRUNCATED),
        (docx_bytes()[:-30], DamageReason.TRUNCATED),
        (b"#!AMR\n" + b"\x3c" + bytes(10), DamageReason.TRUNCATED),
    ],
)
async def test_damaged_media_is_kept_and_flagged(
    db: Database,
    store: EvidenceStore,
    clock: FakeClock,
    ids: tuple[int, int],
    data: bytes,
    reason: DamageReason,
) -> None:
    item = await add_file(db, store, clock, ids, data)
    assert item.blob is not None and item.blob.damage_reason == reason
    assert store.path_of(item.blob.sha256).read_bytes() == data


async def test_documents_are_told_apart_from_plain_zips(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    docx = await add_file(db, store, clock, ids, docx_bytes(), "函.docx")
    plain = await add_file(db, store, clock, ids, zip_bytes(), "函.docx")
    assert docx.blob is not None and plain.blob is not None
    assert docx.blob.kind == "document" and docx.blob.mime.endswith("wordprocessingml.document")
    assert (docx.disguised, plain.blob.kind, plain.disguised) == (False, "other", True)


async def test_over_the_cap_the_metadata_is_kept_and_reading_stops(
    db: Database, tmp_path: Path, clock: FakeClock, ids: tuple[int, int]
) -> None:
    store = EvidenceStore(tmp_path / "evidence", max_bytes=100_000)
    consumed = 0

    async def stream() -> AsyncIterator[bytes]:
        nonlocal consumed
        for _ in range(100):
            consumed += 1
            yield b"\x00" * 10_000

    origin = Provenance(
        "telegram",
        clock.now(),
        file_name="庭审录像.mp4",
        declared_mime="video/mp4",
        file_id="big",
        message_id="7",
    )
    async with db.transaction() as session:
        item = await store.ingest(
            session, stream(), origin, record_id=ids[1], at=clock.now(), actor_staff_id=ids[0]
        )
    assert consumed == 11
    assert (item.over_cap, item.blob_sha256, item.blob) == (True, None, None)
    assert item.unavailable_reason == UnavailableReason.OVER_CAP
    assert (item.original_name, item.transport_file_id) == ("庭审录像.mp4", "big")
    assert leftovers(store) == []
    assert await count(db, EvidenceBlob) == 0
    assert not [p for p in store.root.rglob("*") if p.is_file()]


async def test_a_declared_size_over_the_cap_is_not_even_read(
    db: Database, tmp_path: Path, clock: FakeClock, ids: tuple[int, int]
) -> None:
    store = EvidenceStore(tmp_path / "evidence", max_bytes=1000)

    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("read although the declared size is over the cap")
        yield b""  # pragma: no cover

    origin = Provenance("telegram", clock.now(), file_name="a.mp4", declared_size=5000, file_id="x")
    async with db.transaction() as session:
        item = await store.ingest(
            session, never(), origin, record_id=ids[1], at=clock.now(), actor_staff_id=None
        )
    assert item.over_cap and item.declared_size == 5000


async def test_a_file_the_transport_cannot_deliver_is_recorded_with_its_metadata(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    origin = Provenance(
        "telegram",
        clock.now(),
        file_name="录音.m4a",
        declared_mime="audio/mp4",
        declared_size=60 * MB,
        file_id="BQACAgUAAxk",
        message_id="99",
    )
    async with db.transaction() as session:
        item = await store.record_unavailable(
            session, origin, record_id=ids[1], at=clock.now(), actor_staff_id=ids[0]
        )
    assert item.unavailable_reason == UnavailableReason.TOO_BIG_FOR_TRANSPORT
    assert (item.over_cap, item.blob_sha256, item.declared_size) == (False, None, 60 * MB)
    async with db.transaction() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.kind == "evidence_added"))
        ).scalar_one()
    assert json.loads(event.payload)["unavailable"] == "too_big_for_transport"


async def test_a_full_disk_leaves_nothing_behind(
    db: Database,
    store: EvidenceStore,
    clock: FakeClock,
    ids: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class FullDisk(io.RawIOBase):
        """A file that takes one megabyte and then reports the disk full."""

        def __init__(self, real: io.BufferedWriter) -> None:
            self.real, self.left = real, MB

        def write(self, data: object) -> int:
            assert isinstance(data, bytes)
            if len(data) > self.left:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.left -= len(data)
            return self.real.write(data)

        def fileno(self) -> int:
            return self.real.fileno()

        def close(self) -> None:
            self.real.close()

    real_create = blob_store.Spool.create.__func__  # type: ignore[attr-defined]

    def create(cls: type[blob_store.Spool], directory: Path) -> blob_store.Spool:
        spool = real_create(cls, directory)
        spool._file = FullDisk(spool._file)
        return spool

    monkeypatch.setattr(blob_store.Spool, "create", classmethod(create))
    with pytest.raises(EvidenceStorageFull):
        await add_file(db, store, clock, ids, os.urandom(2 * MB), "big.bin")
    assert leftovers(store) == []
    assert await count(db, EvidenceItem) == 0
    assert not [p for p in store.root.rglob("*") if p.is_file()]


async def test_a_broken_download_leaves_nothing_behind(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    async def stream() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield os.urandom(200_000)
        raise ConnectionResetError("peer went away")

    origin = Provenance("wecom", clock.now(), file_id="m")
    with pytest.raises(ConnectionResetError):
        async with db.transaction() as session:
            await store.ingest(
                session, stream(), origin, record_id=ids[1], at=clock.now(), actor_staff_id=None
            )
    assert leftovers(store) == []
    assert not [p for p in store.root.rglob("*") if p.is_file()]


async def test_naive_times_are_refused(
    db: Database, store: EvidenceStore, ids: tuple[int, int]
) -> None:
    naive = datetime(2026, 3, 6, 10, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        Provenance("console", naive, declared_size=1)
    origin = Provenance("console", datetime.now(UTC), declared_size=1)
    async with db.transaction() as session:
        with pytest.raises(ValueError, match="timezone-aware"):
            await store.ingest(
                session, chunks_of(b"x"), origin, record_id=ids[1], at=naive, actor_staff_id=None
            )


def test_a_malformed_name_never_becomes_a_path(store: EvidenceStore) -> None:
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_of("../../etc/passwd")


# --------------------------------------------------------------------------- two steps


def provenance(clock: FakeClock) -> Provenance:
    return Provenance(
        "telegram",
        clock.now(),
        file_name="扫描件.jpg",
        declared_mime="image/jpeg",
        file_id="AgACAgUAAxk",
        message_id="5",
    )


def link_to(ids: tuple[int, int], clock: FakeClock) -> dict[str, Any]:
    return {"record_id": ids[1], "at": clock.now(), "actor_staff_id": ids[0]}


async def test_bytes_are_prepared_outside_any_transaction_and_linked_later(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = jpeg_bytes()
    file = await store.prepare(chunks_of(data), provenance(clock))
    prepared = file.prepared
    assert prepared is not None
    assert store.path_of(prepared.sha256).read_bytes() == data
    assert await count(db, EvidenceBlob) == 0 and await count(db, EvidenceItem) == 0

    async with db.transaction() as session:
        item = await store.link(session, file, **link_to(ids, clock))
    assert item.blob is not None and item.blob.sha256 == prepared.sha256
    assert (item.blob.kind, item.blob.thumbnail_sha256) == ("image", prepared.thumbnail_sha256)


async def test_a_link_after_a_restart_reads_nothing_again(
    db: Database,
    store: EvidenceStore,
    clock: FakeClock,
    ids: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = png_bytes((500, 400))
    file = await store.prepare(chunks_of(data), provenance(clock))
    prepared = file.prepared
    assert prepared is not None
    held = json.dumps(file.to_json())  # waiting in the conversation over the restart

    def no_second_analysis(path: Path) -> None:
        raise AssertionError(f"{path} analysed again")

    monkeypatch.setattr("storage.evidence.analyse", no_second_analysis)
    restarted = EvidenceStore(store.root, max_bytes=store.max_bytes)
    async with db.transaction() as session:
        item = await restarted.link(
            session, EvidenceFile.from_json(json.loads(held)), **link_to(ids, clock)
        )
    blob = item.blob
    assert blob is not None
    found = (blob.size, blob.mime, blob.width, blob.height, blob.thumbnail_sha256)
    assert found == (len(data), "image/png", 500, 400, prepared.thumbnail_sha256)
    assert not item.disguised  # a PNG named .jpg is still an image: no disguise


async def test_a_file_held_by_an_older_version_is_still_linked(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    data = png_bytes((50, 40))
    kept = await store.prepare(chunks_of(data), provenance(clock))
    assert kept.prepared is not None
    older = {
        "transport": "telegram",
        "file_id": "AgAC",
        "file_name": "截图.png",
        "mime": "image/png",
        "size": len(data),
        "message_id": "5",
        "received_at": clock.now().isoformat(),
        "sha256": kept.prepared.sha256,
        "problem": None,
    }
    async with db.transaction() as session:
        item = await store.link(session, EvidenceFile.from_json(older), **link_to(ids, clock))
    assert item.blob is not None and (item.blob.width, item.blob.height) == (50, 40)
    assert (item.original_name, item.transport_file_id) == ("截图.png", "AgAC")


async def test_a_file_has_bytes_or_a_reason_but_not_both(
    db: Database, store: EvidenceStore, clock: FakeClock, ids: tuple[int, int]
) -> None:
    prepared = (await store.prepare(chunks_of(b"x"), provenance(clock))).prepared
    assert prepared is not None
    with pytest.raises(ValueError, match="either"):
        EvidenceFile(provenance(clock))
    with pytest.raises(ValueError, match="either"):
        EvidenceFile(provenance(clock), prepared, UnavailableReason.STORAGE_FULL)
    async with db.transaction() as session:
        item = await store.link(
            session,
            EvidenceFile(provenance(clock), unavailable=UnavailableReason.STORAGE_FULL),
            **link_to(ids, clock),
        )
    assert (item.unavailable_reason, item.over_cap) == ("storage_full", False)


async def test_prepare_over_the_cap_keeps_nothing(tmp_path: Path, clock: FakeClock) -> None:
    store = EvidenceStore(tmp_path / "evidence", max_bytes=10)
    file = await store.prepare(chunks_of(b"x" * 11, size=4), provenance(clock))
    assert file.prepared is None and file.unavailable is UnavailableReason.OVER_CAP
    assert leftovers(store) == []


# --------------------------------------------------------------------------- schema


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_models_and_the_migrations_agree(db: Database) -> None:
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_differences) == []
