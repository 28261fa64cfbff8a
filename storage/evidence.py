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

The byte-level readers (type sniffing, image checks, durations) live here rather than in a
library: they need to be predictable on hostile input and cost no new dependency.
"""

from __future__ import annotations

import asyncio
import codecs
import errno
import hashlib
import io
import logging
import os
import struct
import tempfile
import wave
import zipfile
from collections import OrderedDict
from collections.abc import AsyncIterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePath
from typing import Any, BinaryIO, cast

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage.audit import AuditKind
from storage.models import EvidenceBlob, EvidenceItem

log = logging.getLogger(__name__)

THUMBNAIL_PX = 320
_HEAD = 64 * 1024
_READ = 1024 * 1024


class EvidenceKind(StrEnum):
    IMAGE = "image"
    AUDIO = "audio"
    VOICE = "voice"
    VIDEO = "video"
    PDF = "pdf"
    DOCUMENT = "document"
    TEXT = "text"
    OTHER = "other"


class DamageReason(StrEnum):
    """Why a kept file is flagged; the bytes are stored all the same."""

    EMPTY = "empty"
    TRUNCATED = "truncated"
    UNDECODABLE = "undecodable"
    DECOMPRESSION_BOMB = "decompression_bomb"


class UnavailableReason(StrEnum):
    """Why an item has metadata but no bytes."""

    OVER_CAP = "over_cap"
    TOO_BIG_FOR_TRANSPORT = "too_big_for_transport"
    DOWNLOAD_FAILED = "download_failed"
    STORAGE_FULL = "storage_full"


class EvidenceStorageFull(Exception):
    """The disk (or quota) filled up while a file was written; nothing half-written is left."""


# --------------------------------------------------------------------------- type sniffing


@dataclass(frozen=True)
class Sniffed:
    mime: str
    kind: EvidenceKind


_K = EvidenceKind
_HEIC = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_AVIF = {b"avif", b"avis"}
_HEIF = {b"mif1", b"msf1"}
_M4A = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_BMP_DIB = {12, 40, 52, 56, 64, 108, 124}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SIMPLE: tuple[tuple[bytes, str, EvidenceKind], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", _K.IMAGE),
    (b"\x89PNG\r\n\x1a\n", "image/png", _K.IMAGE),
    (b"GIF87a", "image/gif", _K.IMAGE),
    (b"GIF89a", "image/gif", _K.IMAGE),
    (b"II*\x00", "image/tiff", _K.IMAGE),
    (b"MM\x00*", "image/tiff", _K.IMAGE),
    (b"fLaC", "audio/flac", _K.AUDIO),
    (b"#!AMR-WB\n", "audio/amr-wb", _K.VOICE),
    (b"#!AMR\n", "audio/amr", _K.VOICE),
    (b"#!SILK_V3", "audio/silk", _K.VOICE),
    (b"\x02#!SILK_V3", "audio/silk", _K.VOICE),
    (_OLE, "application/x-ole-storage", _K.DOCUMENT),
    (b"{\\rtf", "application/rtf", _K.DOCUMENT),
    (b"PK\x03\x04", "application/zip", _K.OTHER),
    (b"PK\x05\x06", "application/zip", _K.OTHER),
    (b"Rar!\x1a\x07", "application/vnd.rar", _K.OTHER),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed", _K.OTHER),
    (b"\x1f\x8b", "application/gzip", _K.OTHER),
)
OCTET_STREAM = Sniffed("application/octet-stream", _K.OTHER)


def _ftyp(head: bytes) -> Sniffed:
    """ISO base media files: HEIF images, M4A audio, MP4/MOV/3GP video, told by their brands."""
    box = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    brands = {major} | {head[i : i + 4] for i in range(16, min(box, len(head)) - 3, 4)}
    if brands & _HEIC:
        return Sniffed("image/heic", _K.IMAGE)
    if brands & _AVIF:
        return Sniffed("image/avif", _K.IMAGE)
    if major in _HEIF:
        return Sniffed("image/heif", _K.IMAGE)
    if major in _M4A:
        return Sniffed("audio/mp4", _K.AUDIO)
    if major == b"qt  ":
        return Sniffed("video/quicktime", _K.VIDEO)
    if major[:3] in (b"3gp", b"3g2"):
        return Sniffed("video/3gpp", _K.VIDEO)
    return Sniffed("video/mp4", _K.VIDEO)


def _ogg(head: bytes) -> Sniffed:
    if b"OpusHead" in head[:512]:
        return Sniffed("audio/ogg", _K.VOICE)
    if b"\x80theora" in head[:512]:
        return Sniffed("video/ogg", _K.VIDEO)
    return Sniffed("audio/ogg", _K.AUDIO)


def _riff(head: bytes) -> Sniffed | None:
    form = head[8:12]
    if form == b"WAVE":
        return Sniffed("audio/wav", _K.AUDIO)
    if form == b"WEBP":
        return Sniffed("image/webp", _K.IMAGE)
    if form == b"AVI ":
        return Sniffed("video/x-msvideo", _K.VIDEO)
    return None


@dataclass(frozen=True)
class _Mp3Frame:
    length: int
    samples: int
    rate: int
    bitrate: int
    xing_offset: int


_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP3_KBPS = {
    (3, 3): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (3, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (3, 1): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (2, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


def _mp3_frame(data: bytes, at: int) -> _Mp3Frame | None:
    """The MPEG audio frame header at ``at``, or None when those bytes are not one."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version = (data[at + 1] >> 3) & 3
    layer = (data[at + 1] >> 1) & 3
    index = data[at + 2] >> 4
    rate_index = (data[at + 2] >> 2) & 3
    if version == 1 or layer == 0 or index in (0, 15) or rate_index == 3:
        return None
    padding = (data[at + 2] >> 1) & 1
    mono = (data[at + 3] >> 6) == 3
    table = (3, layer) if version == 3 else (2, 3 if layer == 3 else 2)
    kbps = _MP3_KBPS[table][index] * 1000
    rate = _MP3_RATES[version][rate_index]
    if layer == 3:
        samples, length = 384, (12 * kbps // rate + padding) * 4
    else:
        samples = 1152 if layer == 2 or version == 3 else 576
        length = samples // 8 * kbps // rate + padding
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    return _Mp3Frame(length, samples, rate, kbps, at + 4 + side)


def _id3_size(head: bytes) -> int:
    if head[:3] != b"ID3" or len(head) < 10:
        return 0
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return size + 10 + (10 if head[5] & 0x10 else 0)


def _is_mp3(head: bytes) -> bool:
    frame = _mp3_frame(head, 0)
    if frame is None:
        return False
    following = _mp3_frame(head, frame.length)
    return following is not None or frame.length >= len(head)


def _is_text(head: bytes, complete: bool) -> bool:
    """UTF-8 without control characters; the cut at the end of a partial head is allowed."""
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    try:
        decoded = codecs.getincrementaldecoder("utf-8")("strict").decode(body, final=complete)
    except UnicodeDecodeError:
        return False
    return all(ch in "\t\n\r\f\v\x1b" or (ord(ch) >= 32 and ord(ch) != 127) for ch in decoded)


def sniff(head: bytes, *, complete: bool = False) -> Sniffed:
    """The type of a file from its first bytes (up to 64 KiB); ``complete`` when that is all."""
    if not head:
        return Sniffed("application/x-empty", _K.OTHER)
    for magic, mime, kind in _SIMPLE:
        if head.startswith(magic):
            return Sniffed(mime, kind)
    if head[4:8] == b"ftyp":
        return _ftyp(head)
    if head.startswith(b"RIFF") and (riff := _riff(head)) is not None:
        return riff
    if head.startswith(b"OggS"):
        return _ogg(head)
    if head.startswith(b"\x1aE\xdf\xa3"):
        webm = b"webm" in head[:64]
        return Sniffed("video/webm" if webm else "video/x-matroska", _K.VIDEO)
    if b"%PDF-" in head[:1024]:
        return Sniffed("application/pdf", _K.PDF)
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_DIB:
        return Sniffed("image/bmp", _K.IMAGE)
    if head.startswith(b"ID3") or _is_mp3(head):
        return Sniffed("audio/mpeg", _K.AUDIO)
    if head[0] == 0xFF and head[1:2] and head[1] & 0xF6 == 0xF0:
        return Sniffed("audio/aac", _K.AUDIO)
    if _is_text(head, complete):
        return Sniffed("text/plain", _K.TEXT)
    return OCTET_STREAM


# --------------------------------------------------------------------------- reading the bytes


@dataclass(frozen=True)
class Analysis:
    """What the bytes are, whether they look damaged, and the facts a reader wants first."""

    mime: str
    kind: EvidenceKind
    damage: DamageReason | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    thumbnail: bytes | None = None


def _flag(sniffed: Sniffed | Analysis, damage: DamageReason | None, **facts: Any) -> Analysis:
    return Analysis(sniffed.mime, sniffed.kind, damage, **facts)


# Formats Pillow reads only with an optional codec: not reading them is no sign of damage.
_PILLOW_OPTIONAL = {"image/heic", "image/heif", "image/avif"}


def _image(path: Path, sniffed: Sniffed) -> Analysis:
    """Dimensions, damage and a thumbnail; an image above Pillow's pixel limit is not decoded.

    Pillow raises ``DecompressionBombError`` above twice ``Image.MAX_IMAGE_PIXELS`` and only
    warns between once and twice; the size is checked here as well, so the outcome does not
    depend on how warnings are filtered.
    """
    width = height = None
    try:
        with Image.open(path) as probe:
            width, height = probe.size
            limit = Image.MAX_IMAGE_PIXELS
            if limit is not None and width * height > limit:
                return _flag(sniffed, DamageReason.DECOMPRESSION_BOMB, width=width, height=height)
            probe.verify()
        with Image.open(path) as image:
            image.draft("RGB", (THUMBNAIL_PX * 2, THUMBNAIL_PX * 2))
            image.load()
            thumbnail = _thumbnail(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _flag(sniffed, DamageReason.DECOMPRESSION_BOMB, width=width, height=height)
    except UnidentifiedImageError:
        if sniffed.mime in _PILLOW_OPTIONAL:
            return _flag(sniffed, None)
        return _flag(sniffed, DamageReason.UNDECODABLE)
    except OSError as error:
        reason = "truncated" in str(error).lower()
        damage = DamageReason.TRUNCATED if reason else DamageReason.UNDECODABLE
        return _flag(sniffed, damage, width=width, height=height)
    except (SyntaxError, ValueError, EOFError, struct.error):
        return _flag(sniffed, DamageReason.UNDECODABLE, width=width, height=height)
    return _flag(sniffed, None, width=width, height=height, thumbnail=thumbnail)


def _thumbnail(image: Image.Image) -> bytes | None:
    """A small JPEG for previews; derived data, so failing to make one flags nothing."""
    try:
        small = ImageOps.exif_transpose(image)
        small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        if small.mode in ("RGBA", "LA", "P", "PA"):
            rgba = small.convert("RGBA")
            small = Image.new("RGB", rgba.size, "white")
            small.paste(rgba, mask=rgba.getchannel("A"))
        else:
            small = small.convert("RGB")
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80)
    except (OSError, ValueError):
        log.warning("no thumbnail for a %s image", image.format, exc_info=True)
        return None
    return out.getvalue()


def _wav(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    truncated = int.from_bytes(head[4:8], "little") + 8 > size
    damage = DamageReason.TRUNCATED if truncated else None
    try:
        with wave.open(str(path), "rb") as audio:
            frames, rate = audio.getnframes(), audio.getframerate()
        return _flag(sniffed, damage, duration_ms=frames * 1000 // rate if rate else None)
    except (wave.Error, EOFError):
        pass  # not PCM (ADPCM, float, ...): fall back to the byte rate and the data chunk
    with path.open("rb") as f:
        byte_rate = data = None
        for kind, start, end, _complete in _chunks(f, 12, size, little=True):
            if kind == b"fmt ":
                f.seek(start + 8)
                byte_rate = int.from_bytes(f.read(4), "little")
            elif kind == b"data":
                data = end - start
    if not byte_rate or data is None:
        return _flag(sniffed, damage or DamageReason.UNDECODABLE)
    return _flag(sniffed, damage, duration_ms=data * 1000 // byte_rate)


def _ogg_duration(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    """Opus (Telegram voice) and Vorbis: the last page's granule position over the rate."""
    body = head[27 + head[26] :]
    serial = head[14:18]
    if body.startswith(b"OpusHead"):
        rate, pre_skip = 48000, int.from_bytes(body[10:12], "little")
    elif body.startswith(b"\x01vorbis"):
        rate, pre_skip = int.from_bytes(body[12:16], "little"), 0
    else:
        return _flag(sniffed, None)
    with path.open("rb") as f:
        f.seek(max(0, size - 2 * 65536))
        tail = f.read()
    end = len(tail)
    while (page := tail.rfind(b"OggS", 0, end)) >= 0:
        end = page
        if page + 27 > len(tail) or tail[page + 4] != 0 or tail[page + 14 : page + 18] != serial:
            continue
        granule = int.from_bytes(tail[page + 6 : page + 14], "little", signed=True)
        if granule < 0 or not rate:
            continue
        lacing = tail[page + 27 : page + 27 + tail[page + 26]]
        cut = page + 27 + len(lacing) + sum(lacing) > len(tail) or len(lacing) < tail[page + 26]
        damage = DamageReason.TRUNCATED if cut else None
        return _flag(sniffed, damage, duration_ms=max(0, granule - pre_skip) * 1000 // rate)
    return _flag(sniffed, DamageReason.TRUNCATED)


def _mp3(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    """Exact from a Xing/Info or VBRI header; otherwise estimated from the first frame's rate."""
    start = _id3_size(head)
    with path.open("rb") as f:
        f.seek(start)
        data = f.read(_HEAD)
        f.seek(max(0, size - 128))
        id3v1 = 128 if f.read(3) == b"TAG" else 0
    at = data.find(b"\xff")
    while at >= 0:
        frame = _mp3_frame(data, at)
        if frame is not None and (
            _mp3_frame(data, at + frame.length) is not None or at + frame.length >= len(data)
        ):
            break
        at = data.find(b"\xff", at + 1)
    else:
        return _flag(sniffed, DamageReason.UNDECODABLE)
    frames = 0
    x = frame.xing_offset
    if data[x : x + 4] in (b"Xing", b"Info") and data[x + 7] & 1:
        frames = int.from_bytes(data[x + 8 : x + 12], "big")
    elif data[at + 36 : at + 40] == b"VBRI":
        frames = int.from_bytes(data[at + 50 : at + 54], "big")
    if frames:
        return _flag(sniffed, None, duration_ms=frames * frame.samples * 1000 // frame.rate)
    audio = size - start - at - id3v1
    return _flag(sniffed, None, duration_ms=audio * 8 * 1000 // frame.bitrate)


_AMR_NB = (12, 13, 15, 17, 19, 20, 26, 31, 5, 6, 5, 5, -1, -1, -1, 0)
_AMR_WB = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, -1, -1, -1, -1, 0, 0)


def _amr(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    """AMR (WeChat voice): every frame is 20 ms; its size follows from the header byte."""
    wide = sniffed.mime == "audio/amr-wb"
    sizes = _AMR_WB if wide else _AMR_NB
    pos, frames = (9 if wide else 6), 0
    damage = None
    with path.open("rb") as f:
        while pos < size and damage is None:
            f.seek(pos)
            block = f.read(_READ)
            i = 0
            while i < len(block):
                payload = sizes[(block[i] >> 3) & 0x0F]
                if payload < 0:
                    damage = DamageReason.UNDECODABLE
                    break
                i += 1 + payload
                frames += 1
            pos += i
    if pos > size:
        damage = DamageReason.TRUNCATED
    return _flag(sniffed, damage, duration_ms=frames * 20)


def _silk(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    """SILK (older WeChat voice): length-prefixed 20 ms frames, ended by -1 or the file's end."""
    pos, frames = (10 if head[0] == 2 else 9), 0
    with path.open("rb") as f:
        while pos + 2 <= size:
            f.seek(pos)
            block = f.read(_READ)
            i = 0
            while i + 2 <= len(block):
                length = int.from_bytes(block[i : i + 2], "little", signed=True)
                if length < 0:
                    return _flag(sniffed, None, duration_ms=frames * 20)
                i += 2 + length
                frames += 1
            if i == 0:
                break
            pos += i
    damage = DamageReason.TRUNCATED if pos > size else None
    return _flag(sniffed, damage, duration_ms=frames * 20)


def _flac(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    if head[4] & 0x7F != 0 or len(head) < 26:
        return _flag(sniffed, DamageReason.UNDECODABLE)
    info = int.from_bytes(head[18:26], "big")
    rate, samples = info >> 44, info & ((1 << 36) - 1)
    return _flag(sniffed, None, duration_ms=samples * 1000 // rate if rate and samples else None)


def _chunks(
    f: BinaryIO, start: int, end: int, *, little: bool = False
) -> Iterator[tuple[bytes, int, int, bool]]:
    """The boxes (ISO media, big-endian) or chunks (RIFF, little-endian) between two offsets.

    Yields kind, payload start, payload end (clipped to ``end``) and whether it was complete.
    """
    pos, seen = start, 0
    while pos + 8 <= end and seen < 100_000:
        f.seek(pos)
        header = f.read(16)
        if len(header) < 8:
            return
        if little:
            kind, size = header[0:4], int.from_bytes(header[4:8], "little")
            payload, stop, following = pos + 8, pos + 8 + size, pos + 8 + size + (size & 1)
        else:
            length, kind, payload = int.from_bytes(header[0:4], "big"), header[4:8], pos + 8
            if length == 1 and len(header) == 16:
                length, payload = int.from_bytes(header[8:16], "big"), pos + 16
            elif length == 0:
                length = end - pos
            if pos + length < payload:
                return
            stop = following = pos + length
        yield kind, payload, min(stop, end), stop <= end
        pos = following
        seen += 1


def _child(f: BinaryIO, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for found, child_start, child_end, _complete in _chunks(f, start, end):
        if found == kind:
            return child_start, child_end
    return None


def _mp4(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    """MP4, M4A, MOV, 3GP: the duration from ``mvhd``; audio-only files are audio, not video."""
    duration = None
    handlers: set[bytes] = set()
    with path.open("rb") as f:
        top = list(_chunks(f, 0, size))
        moov = next(((s, e) for name, s, e, _ in top if name == b"moov"), None)
        truncated = moov is None or not all(complete for *_, complete in top)
        for box_kind, start, end, _complete in _chunks(f, *moov) if moov else ():
            if box_kind == b"mvhd":
                f.seek(start)
                box = f.read(32)
                if box[:1] == b"\x01":
                    scale, length = int.from_bytes(box[20:24], "big"), box[24:32]
                else:
                    scale, length = int.from_bytes(box[12:16], "big"), box[16:20]
                ticks = int.from_bytes(length, "big")
                if scale and length != b"\xff" * len(length):
                    duration = ticks * 1000 // scale
            elif box_kind == b"trak":
                mdia = _child(f, start, end, b"mdia")
                hdlr = _child(f, *mdia, b"hdlr") if mdia else None
                if hdlr:
                    f.seek(hdlr[0] + 8)
                    handlers.add(f.read(4))
    mime, kind = sniffed.mime, sniffed.kind
    if kind is EvidenceKind.VIDEO and b"soun" in handlers and b"vide" not in handlers:
        mime = "audio/3gpp" if mime == "video/3gpp" else "audio/mp4"
        kind = EvidenceKind.AUDIO
    damage = DamageReason.TRUNCATED if truncated else None
    return Analysis(mime, kind, damage, duration_ms=duration)


def _pdf(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    with path.open("rb") as f:
        f.seek(max(0, size - 2048))
        tail = f.read()
    return _flag(sniffed, None if b"%%EOF" in tail else DamageReason.TRUNCATED)


_OOXML = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}


def _zip(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    """DOCX/XLSX/PPTX, OpenDocument and OFD (GB/T 33190) are zips; only the index is read."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as entry:
                    declared = entry.read(100).decode("ascii", "replace").strip()
                if declared.startswith("application/vnd.oasis.opendocument."):
                    return Analysis(declared, EvidenceKind.DOCUMENT)
    except zipfile.BadZipFile:
        return _flag(sniffed, DamageReason.TRUNCATED)
    if "[Content_Types].xml" in names:
        for part, mime in _OOXML.items():
            if part in names:
                return Analysis(mime, EvidenceKind.DOCUMENT)
    if "OFD.xml" in names:
        return Analysis("application/ofd", EvidenceKind.DOCUMENT)
    return _flag(sniffed, None)


_READERS = {
    "audio/wav": _wav,
    "audio/ogg": _ogg_duration,
    "video/ogg": _ogg_duration,
    "audio/mpeg": _mp3,
    "audio/amr": _amr,
    "audio/amr-wb": _amr,
    "audio/silk": _silk,
    "audio/flac": _flac,
    "audio/mp4": _mp4,
    "video/mp4": _mp4,
    "video/quicktime": _mp4,
    "video/3gpp": _mp4,
    "application/pdf": _pdf,
    "application/zip": _zip,
}


def analyse(path: Path) -> Analysis:
    """Everything the store records about a file's bytes. Blocking: run it in a thread."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
        size = os.fstat(f.fileno()).st_size
    sniffed = sniff(head, complete=len(head) == size)
    if size == 0:
        return _flag(sniffed, DamageReason.EMPTY)
    try:
        if sniffed.kind is EvidenceKind.IMAGE:
            return _image(path, sniffed)
        reader = _READERS.get(sniffed.mime)
        return reader(path, head, size, sniffed) if reader else _flag(sniffed, None)
    except Exception:  # hostile bytes may trip any reader; the file is kept all the same
        log.warning("could not read a file sniffed as %s", sniffed.mime, exc_info=True)
        return _flag(sniffed, DamageReason.UNDECODABLE)


# --------------------------------------------------------------------------- declared vs sniffed

_I, _A, _V = EvidenceKind.IMAGE, EvidenceKind.AUDIO, EvidenceKind.VIDEO
_D, _T = EvidenceKind.DOCUMENT, EvidenceKind.TEXT
_EXTENSIONS: dict[str, EvidenceKind] = {
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"), _I),
    **dict.fromkeys((".heic", ".heif", ".avif"), _I),
    **dict.fromkeys((".mp3", ".m4a", ".wav", ".flac", ".aac", ".ogg", ".oga", ".opus"), _A),
    **dict.fromkeys((".amr", ".silk"), _A),
    **dict.fromkeys((".mp4", ".mov", ".3gp", ".avi", ".mkv", ".webm", ".m4v"), _V),
    ".pdf": EvidenceKind.PDF,
    **dict.fromkeys((".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".rtf"), _D),
    **dict.fromkeys((".wps", ".et", ".dps", ".ofd", ".odt", ".ods", ".odp"), _D),
    **dict.fromkeys((".txt", ".csv", ".md", ".json", ".xml", ".log"), _T),
}
_DOCUMENT_MIMES = (
    "application/msword",
    "application/vnd.ms-",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/rtf",
    "application/ofd",
)
_MEDIA = frozenset({_A, EvidenceKind.VOICE, _V})
_COMPATIBLE: dict[EvidenceKind, frozenset[EvidenceKind]] = {
    _I: frozenset({_I}),
    _A: _MEDIA,
    _V: _MEDIA,
    EvidenceKind.PDF: frozenset({EvidenceKind.PDF}),
    _D: frozenset({_D}),
    # A text file in GBK or UTF-16 is not UTF-8: "other" is no contradiction.
    _T: frozenset({_T, EvidenceKind.OTHER}),
}


def declared_kinds(name: str | None, mime: str | None) -> set[EvidenceKind]:
    """What the sender's file name and MIME type claim the file is (possibly nothing)."""
    claims: set[EvidenceKind] = set()
    if name:
        suffix = PurePath(name.replace("\\", "/")).suffix.lower()
        if suffix in _EXTENSIONS:
            claims.add(_EXTENSIONS[suffix])
    if mime:
        base = mime.split(";")[0].strip().lower()
        major = base.split("/")[0]
        if major in ("image", "audio", "video", "text"):
            claims.add({"image": _I, "audio": _A, "video": _V, "text": _T}[major])
        elif base == "application/pdf":
            claims.add(EvidenceKind.PDF)
        elif base.startswith(_DOCUMENT_MIMES):
            claims.add(_D)
    return claims


def is_disguised(kind: EvidenceKind | str, *, name: str | None, mime: str | None) -> bool:
    """The name or declared type claims something the bytes are not (a text file as .jpg)."""
    actual = EvidenceKind(kind)
    return any(actual not in _COMPATIBLE[claim] for claim in declared_kinds(name, mime))


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
