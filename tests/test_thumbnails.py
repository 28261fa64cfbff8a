"""Every image kept gets a faithful thumbnail, and a genuine huge scan is never called damaged.

Each image mode Pillow opens is built from one known picture, saved in a format that holds
that mode, analysed as evidence, and its thumbnail compared with a reference rendering of the
same picture: the mean absolute difference of both, scaled down alike, must stay small, so a
blank, inverted or clipped thumbnail fails.
"""

from __future__ import annotations

import functools
import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageCms, ImageStat

from storage import media
from storage.media import DamageReason, NoPreview, analyse

SIDE = (480, 360)
TOLERANCE = 12.0  # of 255: JPEG artefacts and rounding, far below a wrong rendering


@functools.cache
def _truth() -> Image.Image:
    across = Image.linear_gradient("L").rotate(90).resize(SIDE)  # dark right, light left
    down = Image.linear_gradient("L").resize(SIDE)  # dark top, light bottom
    image = Image.merge("RGB", (across, down, Image.new("L", SIDE, 128)))
    image.paste((220, 30, 30), (40, 40, 200, 160))
    image.paste((30, 30, 220), (280, 200, 440, 320))
    image.paste((10, 10, 10), (0, 340, 480, 360))
    return image


def truth() -> Image.Image:
    """The picture every mode is made from: gradients, coloured blocks, a dark bar."""
    return _truth().copy()


def grey() -> Image.Image:
    return truth().convert("L")


def on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def alpha() -> Image.Image:
    """Opaque on the left, see-through on the right."""
    mask = Image.new("L", SIDE, 255)
    mask.paste(0, (320, 0, 480, 360))
    mask.paste(128, (240, 0, 320, 360))
    return mask


def difference(a: Image.Image, b: Image.Image) -> float:
    small = (48, 36)
    left = a.convert("RGB").resize(small, Image.Resampling.BOX)
    right = b.convert("RGB").resize(small, Image.Resampling.BOX)
    return sum(ImageStat.Stat(ImageChops.difference(left, right)).mean) / 3


def saved(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _one_bit() -> tuple[Image.Image, Image.Image]:
    bits = grey().point(lambda v: 255 if v > 100 else 0).convert("1", dither=Image.Dither.NONE)
    return bits, bits.convert("RGB")


def _la() -> tuple[Image.Image, Image.Image]:
    image = grey().convert("LA")
    image.putalpha(alpha())
    return image, on_white(image)


def _palette() -> tuple[Image.Image, Image.Image]:
    image = truth().quantize(64, dither=Image.Dither.NONE)
    index = image.getpixel((60, 60))  # the red block becomes see-through
    image.info["transparency"] = index
    reference = on_white(image.convert("RGBA"))
    return image, reference


def _palette_alpha() -> tuple[Image.Image, Image.Image]:
    image = truth().quantize(64, dither=Image.Dither.NONE).convert("PA")
    image.putalpha(alpha())
    return image, on_white(image.convert("RGBA"))


def _rgba() -> tuple[Image.Image, Image.Image]:
    image = truth().convert("RGBA")
    image.putalpha(alpha())
    return image, on_white(image)


def _sixteen() -> tuple[Image.Image, Image.Image]:
    wide = grey().point(lambda v: v * 257, "I").convert("I;16")
    return wide, grey()


def _sixteen_big_endian() -> tuple[Image.Image, Image.Image]:
    wide = _sixteen()[0]
    return Image.frombytes("I;16B", wide.size, wide.tobytes("raw", "I;16B")), grey()


def _int32() -> tuple[Image.Image, Image.Image]:
    return grey().point(lambda v: v * 257, "I"), grey()


def _floats() -> tuple[Image.Image, Image.Image]:
    return grey().convert("F").point(lambda v: v / 255), grey()


def _lab() -> tuple[Image.Image, Image.Image]:
    transform = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    lab = ImageCms.applyTransform(truth(), transform)
    assert lab is not None
    return lab, truth()


CASES: dict[str, tuple[Callable[[], tuple[Image.Image, Image.Image]], str]] = {
    "1": (_one_bit, "PNG"),
    "L": (lambda: (grey(), grey()), "PNG"),
    "LA": (_la, "PNG"),
    "P+transparency": (_palette, "PNG"),
    "PA": (_palette_alpha, "TIFF"),
    "RGB": (lambda: (truth(), truth()), "PNG"),
    "RGB jpeg": (lambda: (truth(), truth()), "JPEG"),
    "RGBA": (_rgba, "PNG"),
    "RGBA webp": (_rgba, "WEBP"),
    "CMYK": (lambda: (truth().convert("CMYK"), truth()), "TIFF"),
    "CMYK jpeg": (lambda: (truth().convert("CMYK"), truth()), "JPEG"),
    "YCbCr": (lambda: (truth().convert("YCbCr"), truth()), "TIFF"),
    "I": (_int32, "TIFF"),
    "I;16": (_sixteen, "PNG"),
    "I;16 tiff": (_sixteen, "TIFF"),
    "I;16B": (_sixteen_big_endian, "TIFF"),
    "F": (_floats, "TIFF"),
    "LAB": (_lab, "TIFF"),
    "L bmp": (lambda: (grey(), grey()), "BMP"),
}


@pytest.mark.parametrize("case", CASES)
def test_every_image_mode_gets_a_faithful_thumbnail(case: str, tmp_path: Path) -> None:
    make, fmt = CASES[case]
    image, reference = make()
    path = tmp_path / "scan"
    path.write_bytes(saved(image, fmt))
    with Image.open(path) as opened:
        assert opened.mode.split(";")[0] == image.mode.split(";")[0] or fmt in ("JPEG", "WEBP")

    found = analyse(path)
    assert (found.kind, found.damage, found.preview) == ("image", None, None)
    assert (found.width, found.height) == SIDE
    assert found.thumbnail is not None
    with Image.open(io.BytesIO(found.thumbnail)) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) == media.THUMBNAIL_PX
        assert difference(thumbnail, reference) < TOLERANCE
        # the comparison can fail: a blank or an inverted thumbnail is far off
        assert difference(Image.new("RGB", SIDE, "white"), reference) > 3 * TOLERANCE
        assert difference(ImageChops.invert(reference), reference) > 3 * TOLERANCE


def test_a_transparent_gif_sticker_is_shown_on_white(tmp_path: Path) -> None:
    image, _reference = _palette()
    path = tmp_path / "sticker.gif"
    path.write_bytes(saved(image, "GIF"))
    with Image.open(path) as decoded:  # GIF keeps its own palette: the reference is the file's
        assert decoded.info["transparency"] is not None
        reference = on_white(decoded.convert("RGBA"))
    found = analyse(path)
    assert found.thumbnail is not None
    with Image.open(io.BytesIO(found.thumbnail)) as thumbnail:
        assert difference(thumbnail, reference) < TOLERANCE
        keyed = Image.open(path).convert("RGB")  # the see-through colour shown as it is
        assert difference(thumbnail, keyed) > TOLERANCE


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = truth()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show it rotated 90° clockwise
    path = tmp_path / "photo.jpg"
    path.write_bytes(saved(image.rotate(90, expand=True), "JPEG", exif=exif))
    found = analyse(path)
    assert found.thumbnail is not None
    with Image.open(io.BytesIO(found.thumbnail)) as thumbnail:
        assert thumbnail.size[0] > thumbnail.size[1]
        assert difference(thumbnail, image) < TOLERANCE


# --------------------------------------------------------------------------- huge pictures


def one_bit_png(width: int, height: int) -> bytes:
    """A genuine one-bit scan, streamed row by row so the test never holds the picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    packer = zlib.compressobj(1)
    rows = []
    stride = (width + 7) // 8
    white = b"\xff" * stride
    for y in range(height):
        if y % 40 < 12:  # lines of "text": some dark bytes in the white
            mark = os.urandom(stride // 8)
            row = mark + white[len(mark) :]
        else:
            row = white
        rows.append(packer.compress(b"\x00" + row))
    rows.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", b"".join(rows))
        + chunk(b"IEND", b"")
    )


def test_a_genuine_20000_pixel_scan_is_too_large_to_preview_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(one_bit_png(20_000, 20_000))
    found = analyse(path)
    assert (found.kind, found.damage) == ("image", None)
    assert (found.width, found.height) == (20_000, 20_000)
    assert (found.thumbnail, found.preview) == (None, NoPreview.TOO_LARGE)


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow's pixel limit and the decoding cap scaled down, so "huge" fits in a test."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 250_000)
    monkeypatch.setattr(media, "PREVIEW_BYTES", 2_000_000)


@pytest.mark.parametrize("size", [(1600, 1200), (640, 480)])  # above twice, and once, the limit
def test_a_huge_jpeg_is_thumbnailed_at_a_reduced_scale(
    tmp_path: Path, small_limits: None, size: tuple[int, int]
) -> None:
    picture = truth().resize(size)
    path = tmp_path / "scan.jpg"
    path.write_bytes(saved(picture, "JPEG", quality=90))
    found = analyse(path)
    assert (found.damage, found.preview, (found.width, found.height)) == (None, None, size)
    assert found.thumbnail is not None
    with Image.open(io.BytesIO(found.thumbnail)) as thumbnail:
        assert difference(thumbnail, picture) < TOLERANCE


def test_a_huge_picture_over_the_memory_cap_is_described_not_flagged(
    tmp_path: Path, small_limits: None
) -> None:
    path = tmp_path / "scan.png"
    path.write_bytes(saved(truth().resize((1600, 1200)), "PNG"))
    found = analyse(path)
    assert (found.damage, found.preview, found.thumbnail) == (None, NoPreview.TOO_LARGE, None)
    assert (found.width, found.height) == (1600, 1200)


def test_a_file_too_small_for_the_picture_it_claims_is_a_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(one_bit_png(20_000, 20_000)[:33] + one_bit_png(8, 8)[33:])
    found = analyse(path)
    assert (found.damage, found.thumbnail) == (DamageReason.DECOMPRESSION_BOMB, None)
