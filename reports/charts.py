"""Charts as PNG pictures, drawn with Pillow: for the summary document and the chat.

Horizontal bars, because category names in Chinese are long and read best on the left. The
headline picture is what a leader sees in the chat without opening a file: the period, the
main counts, the unit categories and the on-time shares.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from functools import cache, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from PIL import Image, ImageDraw, ImageFont

from reports.fonts import fonts

INK = (33, 37, 41)
MUTED = (108, 117, 125)
BAR = (34, 101, 170)
GOOD = (46, 139, 87)
GRID = (222, 226, 230)
PAPER = (255, 255, 255)
TILE = (241, 245, 249)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


# The cached FreeType faces are shared: one picture is drawn at a time.
_DRAWING = threading.Lock()
P = ParamSpec("P")
R = TypeVar("R")


def one_at_a_time(draw: Callable[P, R]) -> Callable[P, R]:
    @wraps(draw)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with _DRAWING:
            return draw(*args, **kwargs)

    return locked


@cache
def font(size: int) -> Font:
    path = fonts().path
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size, index=0)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _fit(draw: ImageDraw.ImageDraw, text: str, face: Font, width: int) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` pixels."""
    if draw.textlength(text, font=face) <= width:
        return text
    while text and draw.textlength(text + "…", font=face) > width:
        text = text[:-1]
    return text + "…"


def draw_bars(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    items: Sequence[tuple[str, float]],
    *,
    percent: bool = False,
    color: tuple[int, int, int] = BAR,
) -> None:
    """Bars for ``items`` inside ``box`` (left, top, right, bottom), labels on the left."""
    left, top, right, bottom = box
    if not items:
        return
    label_width = (right - left) * 2 // 5
    row = min(44, (bottom - top) // len(items))
    face = font(max(12, row * 11 // 20))
    biggest = 1.0 if percent else max(max(value for _, value in items), 1.0)
    bar_left = left + label_width + 8
    bar_room = right - bar_left - 90
    for n, (label, value) in enumerate(items):
        y = top + n * row
        draw.text(
            (left, y + row // 2),
            _fit(draw, label, face, label_width),
            fill=INK,
            font=face,
            anchor="lm",
        )
        draw.rectangle((bar_left, y + 5, right - 90, y + row - 5), fill=GRID)
        length = int(bar_room * (value / biggest)) if biggest else 0
        if length > 0:
            draw.rectangle((bar_left, y + 5, bar_left + length, y + row - 5), fill=color)
        shown = f"{value:.0%}" if percent else f"{value:g}"
        draw.text((right - 84, y + row // 2), shown, fill=INK, font=face, anchor="lm")


@one_at_a_time
def bar_chart(
    path: Path, title: str, items: Sequence[tuple[str, float]], *, percent: bool = False
) -> Path:
    height = 90 + 44 * max(len(items), 1)
    image = Image.new("RGB", (1200, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((30, 24), title, fill=INK, font=font(30))
    draw_bars(draw, (30, 76, 1170, height - 14), items, percent=percent)
    image.save(path, "PNG")
    return path


@one_at_a_time
def headline_card(
    path: Path,
    *,
    title: str,
    subtitle: str,
    tiles: Sequence[tuple[str, str]],
    left_title: str,
    left: Sequence[tuple[str, float]],
    right_title: str,
    right: Sequence[tuple[str, float]],
    footer: str,
    notice: str = "",
) -> Path:
    """The picture sent in the chat: big numbers on top, two bar charts below."""
    width = 1400
    rows = max(len(left), len(right), 1)
    height = 480 if notice else 460 + 46 * rows
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    draw.text((40, 30), _fit(draw, title, font(40), width - 80), fill=INK, font=font(40))
    draw.text((40, 88), _fit(draw, subtitle, font(24), width - 80), fill=MUTED, font=font(24))
    tile_w = (width - 80 - 20 * (len(tiles) - 1)) // max(len(tiles), 1)
    for n, (label, value) in enumerate(tiles):
        x = 40 + n * (tile_w + 20)
        draw.rounded_rectangle((x, 140, x + tile_w, 290), radius=14, fill=TILE)
        draw.text((x + tile_w // 2, 205), value, fill=BAR, font=font(60), anchor="mm")
        face = font(22)
        draw.text(
            (x + tile_w // 2, 262),
            _fit(draw, label, face, tile_w - 16),
            fill=INK,
            font=face,
            anchor="mm",
        )
    if notice:
        draw.text((width // 2, 370), _fit(draw, notice, font(34), width - 80), fill=MUTED,
                  font=font(34), anchor="mm")  # fmt: skip
    else:
        half = (width - 120) // 2
        draw.text((40, 320), left_title, fill=INK, font=font(28))
        draw_bars(draw, (40, 370, 40 + half, height - 70), left)
        draw.text((80 + half, 320), right_title, fill=INK, font=font(28))
        draw_bars(draw, (80 + half, 370, width - 40, height - 70), right, percent=True, color=GOOD)
    draw.text(
        (40, height - 40), _fit(draw, footer, font(18), width - 80), fill=MUTED, font=font(18)
    )
    image.save(path, "PNG")
    return path
