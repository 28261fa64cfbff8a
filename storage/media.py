"""What a file is, read from its bytes: type sniffing, image checks, durations, thumbnails.

``filetype`` reads the magic numbers and ``tinytag`` the durations of WAV, MP3 and FLAC; what
they do not cover is read here: WeChat's SILK and AMR voice, OLE documents, ISO media brands
(HEIF, QuickTime, 3GP, audio-only MP4), OFD and office zips, and the damage checks (a cut Ogg,
MP4 or PDF). Nothing here trusts a file's name or declared MIME type, and nothing refuses a
file: a damaged or disguised one is described and flagged, never rejected.
"""

from __future__ import annotations

import codecs
import io
import logging
import os
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, BinaryIO, cast

if TYPE_CHECKING:
    from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
    from tinytag import TinyTag, TinyTagException

log = logging.getLogger(__name__)

THUMBNAIL_PX = 320
_HEAD = 64 * 1024
_READ = 1024 * 1024


class EvidenceKind(StrEnum):
    """What an evidence file is, as sniffed from its bytes (not its name); stored as the value."""

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


# --------------------------------------------------------------------------- type sniffing


@dataclass(frozen=True)
class Sniffed:
    """A file's MIME type and kind, as sniffed from its first bytes."""

    mime: str
    kind: EvidenceKind


_K = EvidenceKind
_HEIC = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_AVIF = {b"avif", b"avis"}
_HEIF = {b"mif1", b"msf1"}
_M4A = {b"M4A ", b"M4B ", b"M4P ", b"F4A "}
_BMP_DIB = {12, 40, 52, 56, 64, 108, 124}
# What ``filetype`` does not know: WeChat's SILK and AMR-WB voice, any OLE document (WPS,
# older Office), and a word in a Matroska header (filetype wants the DocType element).
_OWN: tuple[tuple[bytes, str, EvidenceKind], ...] = (
    (b"#!AMR-WB\n", "audio/amr-wb", _K.VOICE),
    (b"#!SILK_V3", "audio/silk", _K.VOICE),
    (b"\x02#!SILK_V3", "audio/silk", _K.VOICE),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage", _K.DOCUMENT),
)
# filetype's names for a few types, as the records have always named them.
_ALIASES = {
    "audio/x-wav": "audio/wav",
    "audio/x-flac": "audio/flac",
    "application/x-rar-compressed": "application/vnd.rar",
}
_VOICE = {"audio/amr", "audio/amr-wb", "audio/silk"}
_DOCUMENT_MIMES = (
    "application/msword",
    "application/vnd.ms-",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
    "application/rtf",
    "application/ofd",
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


def _kind(mime: str, head: bytes) -> Sniffed:
    """What a MIME type named by ``filetype`` is as evidence; Ogg told apart by its codec."""
    major = mime.split("/")[0]
    if mime == "audio/ogg" and b"\x80theora" in head[:512]:
        return Sniffed("video/ogg", _K.VIDEO)
    if mime in _VOICE or (mime == "audio/ogg" and b"OpusHead" in head[:512]):
        return Sniffed(mime, _K.VOICE)
    if major in ("image", "audio", "video", "text"):
        kind = {"image": _K.IMAGE, "audio": _K.AUDIO, "video": _K.VIDEO, "text": _K.TEXT}[major]
        return Sniffed(mime, kind)
    if mime == "application/pdf":
        return Sniffed(mime, _K.PDF)
    if mime.startswith(_DOCUMENT_MIMES):
        return Sniffed(mime, _K.DOCUMENT)
    return Sniffed(mime, _K.OTHER)


def _is_text(head: bytes, complete: bool) -> bool:
    """UTF-8 without control characters; the cut at the end of a partial head is allowed."""
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    try:
        decoded = codecs.getincrementaldecoder("utf-8")("strict").decode(body, final=complete)
    except UnicodeDecodeError:
        return False
    return all(ch in "\t\n\r\f\v\x1b" or (ord(ch) >= 32 and ord(ch) != 127) for ch in decoded)


def sniff(head: bytes, *, complete: bool = False) -> Sniffed:
    """The type of a file from its first bytes (up to 64 KiB); ``complete`` when that is all.

    ``filetype`` reads the magic numbers; a small table adds what it does not know, ISO
    media are told apart by their brands, and UTF-8 without control characters is text.
    """
    if not head:
        return Sniffed("application/x-empty", _K.OTHER)
    for magic, mime, kind in _OWN:
        if head.startswith(magic):
            return Sniffed(mime, kind)
    if head[4:8] == b"ftyp":  # filetype calls QuickTime, 3GP and HEIF "mp4"
        return _ftyp(head)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # the zip's index tells what it holds
        return Sniffed("application/zip", _K.OTHER)
    import filetype  # read at the first file sniffed, not at start-up

    guess = filetype.guess(head)
    bitmap = head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in _BMP_DIB
    if guess is not None and (guess.mime != "image/bmp" or bitmap):  # "BM" may start a text
        return _kind(_ALIASES.get(guess.mime, guess.mime), head)
    if head.startswith(b"\x1aE\xdf\xa3"):
        webm = b"webm" in head[:64]
        return Sniffed("video/webm" if webm else "video/x-matroska", _K.VIDEO)
    if b"%PDF-" in head[:1024]:  # readers accept a PDF header after some junk
        return Sniffed("application/pdf", _K.PDF)
    if _is_text(head, complete):
        return Sniffed("text/plain", _K.TEXT)
    return OCTET_STREAM


# --------------------------------------------------------------------------- reading the bytes


class NoPreview(StrEnum):
    """Why a kept image that is not damaged has no thumbnail."""

    TOO_LARGE = "too_large"
    """Decoding it would take more memory than ``PREVIEW_BYTES`` allows."""


@dataclass(frozen=True)
class Analysis:
    """What the bytes are, whether they look damaged, and the facts a reader wants first.

    ``width``/``height`` in pixels; ``duration_ms`` in milliseconds; ``thumbnail``: JPEG bytes
    of a preview at most ``THUMBNAIL_PX`` on a side; ``preview``: why an undamaged image has
    none (``NoPreview`` value).
    """

    mime: str
    kind: EvidenceKind
    damage: DamageReason | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    thumbnail: bytes | None = None
    preview: str | None = None


def _flag(sniffed: Sniffed | Analysis, damage: DamageReason | None, **facts: Any) -> Analysis:
    return Analysis(sniffed.mime, sniffed.kind, damage, **facts)


# Formats Pillow reads only with an optional codec: not reading them is no sign of damage.
_PILLOW_OPTIONAL = {"image/heic", "image/heif", "image/avif"}

PREVIEW_BYTES = 256 * 1024 * 1024
"""Most memory (256 MiB) one image may take decoded, at the scale it is decoded at."""

MIN_BYTES_PER_MPX = 100
"""Fewest bytes a genuine picture takes per million pixels. Deflate packs at most 1032:1, so
even a blank one-bit scan takes about 120 bytes per million pixels and a JPEG about 4,000: a
file smaller than this for the size it claims cannot hold that picture (a decompression bomb's
shape, or a header over missing data)."""

_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "PA": 2, "I;16": 2, "I;16B": 2, "I;16L": 2}
_FACTORIES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/webp": "WEBP",
}


def _decoded_bytes(image: Image.Image) -> int:
    width, height = image.size
    return width * height * _BYTES_PER_PIXEL.get(image.mode, 4)


def _open_unchecked(path: Path, sniffed: Sniffed) -> Image.Image | None:
    """Open an image above Pillow's pixel limit without decoding it (header only).

    ``Image.open`` refuses such files outright; the format's own opener reads just the
    header, so the decision to decode stays with ``_image``, which never decodes more than
    ``PREVIEW_BYTES``.
    """
    name = _FACTORIES.get(sniffed.mime)
    if name is None:
        return None
    Image.init()
    factory, _accept = Image.OPEN[name]
    opened: Image.Image = cast(Any, factory)(path)  # a path: the image owns its file
    return opened


def _image(path: Path, sniffed: Sniffed) -> Analysis:
    """Dimensions, damage and a thumbnail, decoding at most ``PREVIEW_BYTES`` of pixels.

    A picture above Pillow's ``Image.MAX_IMAGE_PIXELS`` is kept whole and only decoded when it
    fits the memory cap at a reduced scale (a JPEG decodes at 1/2 to 1/8 of its size through
    ``Image.draft``); otherwise it is described as too large to preview. Only a file too small
    for the picture it claims (``MIN_BYTES_PER_MPX``) is flagged as a decompression bomb. The
    size is checked here rather than through Pillow's warning, so the outcome does not depend
    on how warnings are filtered.
    """
    _load_pillow()
    width = height = None
    size = path.stat().st_size
    try:
        try:
            with Image.open(path) as probe:
                width, height = probe.size
                huge = _huge(probe)
                if not huge:
                    probe.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            opened = _open_unchecked(path, sniffed)
            if opened is None:
                return _flag(sniffed, DamageReason.DECOMPRESSION_BOMB)
            with opened as probe:
                width, height = probe.size
            huge = True
        if huge and size * 1_000_000 < width * height * MIN_BYTES_PER_MPX:
            return _flag(sniffed, DamageReason.DECOMPRESSION_BOMB, width=width, height=height)
        image = _open_unchecked(path, sniffed) if huge else Image.open(path)
        if image is None:  # pragma: no cover - a huge image of a format opened above
            return _too_large(sniffed, width, height)
        with image:
            image.draft(image.mode if image.mode in ("L", "RGB") else "RGB", _draft(huge))
            if huge and _decoded_bytes(image) > PREVIEW_BYTES:
                return _too_large(sniffed, width, height)
            image.load()
            thumbnail = _thumbnail(image)
    except UnidentifiedImageError:
        if sniffed.mime in _PILLOW_OPTIONAL:
            return _flag(sniffed, None)
        return _flag(sniffed, DamageReason.UNDECODABLE)
    except MemoryError:
        return _too_large(sniffed, width, height)
    except OSError as error:
        reason = "truncated" in str(error).lower()
        damage = DamageReason.TRUNCATED if reason else DamageReason.UNDECODABLE
        return _flag(sniffed, damage, width=width, height=height)
    except (SyntaxError, ValueError, EOFError, struct.error):
        return _flag(sniffed, DamageReason.UNDECODABLE, width=width, height=height)
    return _flag(sniffed, None, width=width, height=height, thumbnail=thumbnail)


def _draft(huge: bool) -> tuple[int, int]:
    """The size a JPEG is decoded at (at least this, at 1/2 to 1/8 of its own): twice the
    thumbnail's for a sharp preview, the thumbnail's own for a picture over the pixel limit."""
    side = THUMBNAIL_PX if huge else THUMBNAIL_PX * 2
    return side, side


def _huge(image: Image.Image) -> bool:
    limit = Image.MAX_IMAGE_PIXELS
    width, height = image.size
    return limit is not None and width * height > limit


def _too_large(sniffed: Sniffed, width: int | None, height: int | None) -> Analysis:
    return _flag(sniffed, None, width=width, height=height, preview=NoPreview.TOO_LARGE.value)


def _displayable(image: Image.Image) -> Image.Image:
    """The image in L, LA, RGB or RGBA with its colours and transparency as meant.

    Integer and float greys are scaled to 0-255 (16-bit by their bit depth, others by the
    range they use); palettes keep their transparency; CMYK and YCbCr are converted; LAB goes
    through the CIE colour space (littleCMS).
    """
    mode = image.mode
    if mode in ("P", "PA", "La", "RGBa") or (mode in ("L", "RGB") and "transparency" in image.info):
        return image.convert("RGBA")
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16"):  # read through the raw bytes: converting I;16B is lossy
        native = Image.frombytes("I;16", image.size, image.tobytes(), "raw", mode)
        return native.convert("I").point(lambda value: value / 256).convert("L")
    if mode in ("I", "F"):
        low, high = cast(tuple[float, float], image.getextrema())
        floats = image.convert("F")
        if mode == "F" and low >= 0 and high <= 1:
            scale, offset = 255.0, 0.0
        elif low >= 0 and high <= 255:
            scale, offset = 1.0, 0.0
        elif mode == "I" and low >= 0 and high <= 65535:
            scale, offset = 1 / 256, 0.0
        else:
            scale = 255.0 / (high - low) if high > low else 0.0
            offset = -low * scale
        return floats.point(lambda value: value * scale + offset).convert("L")
    if mode == "LAB":
        transform = ImageCms.buildTransform(
            ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
        )
        converted = ImageCms.applyTransform(image, transform)
        return converted if converted is not None else image.convert("RGB")
    return image.convert("RGB")


def _thumbnail(image: Image.Image) -> bytes | None:
    """A small JPEG for previews; derived data, so failing to make one flags nothing."""
    try:
        small = _displayable(ImageOps.exif_transpose(image))
        small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), reducing_gap=3.0)
        if small.mode in ("RGBA", "LA"):
            rgba = small.convert("RGBA")
            small = Image.new("RGB", rgba.size, "white")
            small.paste(rgba, mask=rgba.getchannel("A"))
        else:
            small = small.convert("RGB")
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80)
    except (OSError, ValueError, ImageCms.PyCMSError):
        log.warning("no thumbnail for a %s image", image.format, exc_info=True)
        return None
    return out.getvalue()


def _tinytag(path: Path, sniffed: Sniffed, damage: DamageReason | None = None) -> Analysis:
    """The duration as ``tinytag`` reads it (WAV, MP3, FLAC): exact from the stream's own
    header (Xing/VBRI for MP3), else estimated from the bit rate; none found: undecodable."""
    _load_tinytag()
    try:
        duration = TinyTag.get(path, tags=False).duration
    except TinyTagException:
        duration = None
    if duration is None:
        return _flag(sniffed, damage or DamageReason.UNDECODABLE)
    return _flag(sniffed, damage, duration_ms=round(duration * 1000))


def _wav(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    truncated = int.from_bytes(head[4:8], "little") + 8 > size
    return _tinytag(path, sniffed, DamageReason.TRUNCATED if truncated else None)


def _tagged(path: Path, head: bytes, size: int, sniffed: Sniffed) -> Analysis:
    return _tinytag(path, sniffed)


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
    "audio/mpeg": _tagged,
    "audio/amr": _amr,
    "audio/amr-wb": _amr,
    "audio/silk": _silk,
    "audio/flac": _tagged,
    "audio/mp4": _mp4,
    "video/mp4": _mp4,
    "video/quicktime": _mp4,
    "video/3gpp": _mp4,
    "application/pdf": _pdf,
    "application/zip": _zip,
}


def _load_pillow() -> None:
    """Pillow, imported at the first image rather than at start (about 5 MiB and a tenth of a
    second that an idle bot, or one that is only sent other files, does not need); the import
    lock makes concurrent first calls safe."""
    global Image, ImageCms, ImageOps, UnidentifiedImageError
    from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError


def _load_tinytag() -> None:
    """tinytag, imported at the first WAV, MP3 or FLAC file (as ``_load_pillow``)."""
    global TinyTag, TinyTagException
    from tinytag import TinyTag, TinyTagException


def analyse(path: Path) -> Analysis:
    """Everything the store records about a file's bytes. Blocking: run it in a thread.

    Only the first 64 KiB are read to tell the type; then only what that type's reader needs
    (an image is decoded for its check and preview; a video's boxes, a PDF's tail, a zip's
    index are read where they are). A reader's library is imported at its first file.
    """
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
