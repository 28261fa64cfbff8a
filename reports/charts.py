"""Charts as PNG pictures, drawn with Pillow: for the summary document and the chat.

Horizontal bars, because category names in Chinese are long and read best on the left. The
headline picture is what a leader sees in the chat without opening a file: the period, the
main counts, the unit categories and the on-time shares.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

from PIL import Image, ImageDraw, ImageFont

from reports.fonts import drawing_fonts

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
    """Wrap a drawing function so that one picture is drawn at a time in the process.

    The FreeType faces are cached and shared between threads; Pillow's faces are not safe
    to use from two threads at once.
    """

    @wraps(draw)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        with _DRAWING:
            return draw(*args, **kwargs)

    return locked


@cache
def _face(path: Path | None, size: int) -> Font:
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size, index=0)
        except OSError:
            pass
    return ImageFont.load_default(size)


def font(size: int) -> Font:
    """The first font of the chain at ``size`` pixels."""
    return _face(drawing_fonts().path, size)


def _runs(text: str, size: int) -> list[tuple[Font, str]]:
    """``text`` in runs of one font each (``reports.fonts``: a character no font has is
    drawn as its ``[U+XXXXX]`` placeholder)."""
    chain = drawing_fonts()
    return [
        (_face(face.path if face else chain.path, size), piece)
        for face, piece in chain.runs(text, pdf=False)
    ]


def shown(text: str) -> str:
    """The text a chart draws for ``text``: itself, with placeholders where no font has a
    character (what the tests read back, since a PNG holds no text)."""
    return "".join(piece for _, piece in drawing_fonts().runs(text, pdf=False))


def text_width(draw: ImageDraw.ImageDraw, text: str, size: int) -> float:
    """The width in pixels of ``text`` at ``size`` pixels, each run measured in its own font."""
    return sum(draw.textlength(piece, font=face) for face, piece in _runs(text, size))


def put(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    fill: tuple[int, int, int],
    anchor: str = "la",
) -> None:
    """Draw ``text`` at ``xy`` like ``ImageDraw.text`` with ``anchor`` (``l``/``m`` then
    ``a``/``m``), each run in a font that has its characters."""
    x, y = xy
    if anchor[0] == "m":
        x -= text_width(draw, text, size) / 2
    for face, piece in _runs(text, size):
        draw.text((x, y), piece, fill=fill, font=face, anchor="l" + anchor[1])
        x += draw.textlength(piece, font=face)


# Where a title may wrap: after a full-width character, or after a word and its spaces.
_BREAKS = re.compile(r"[\u2e80-\U0003ffff]|[^\s\u2e80-\U0003ffff]+\s*|\s+")
LINE = 1.2  # a line of text is this many times its size tall
SMALLEST = 6  # pixels: below this a title is not shrunk further, it takes more lines


@dataclass(frozen=True)
class TitleLayout:
    """How a title is drawn: at ``size`` pixels, in ``lines`` that together hold every
    character of it (as drawn, :func:`shown`), none wider than the room it was given."""

    size: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The title as drawn, its lines joined."""
        return "".join(self.lines)


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> list[str]:
    lines = [""]
    for token in _BREAKS.findall(text):
        if lines[-1] and text_width(draw, (lines[-1] + token).rstrip(), size) > width:
            lines.append("")
        lines[-1] += token
    return lines


def title_layout(
    draw: ImageDraw.ImageDraw, text: str, size: int, width: int, height: int
) -> TitleLayout:
    """A title in ``width`` x ``height`` pixels, never cut: on one line at ``size`` where it
    fits, else at the largest smaller size where it fits on the lines ``height`` holds
    (wrapping to a second line once one line would need too small a font), down to
    :data:`SMALLEST` pixels, where it takes as many lines as it needs."""
    text = shown(text)
    for tried in range(size, SMALLEST - 1, -1):
        lines = _wrap(draw, text, tried, width)
        if len(lines) * round(tried * LINE) <= height:
            return TitleLayout(tried, tuple(lines))
    return TitleLayout(SMALLEST, tuple(_wrap(draw, text, SMALLEST, width)))


def put_title(
    draw: ImageDraw.ImageDraw,
    xy: tuple[int, int],
    text: str,
    size: int,
    room: tuple[int, int],
    fill: tuple[int, int, int],
) -> TitleLayout:
    """Draw a title at ``xy`` laid out by :func:`title_layout` in ``room`` (width, height)
    pixels; returns the layout drawn."""
    layout = title_layout(draw, text, size, *room)
    x, y = xy
    for n, line in enumerate(layout.lines):
        put(draw, (x, y + n * round(layout.size * LINE)), line, layout.size, fill)
    return layout


def put_fitted(
    draw: ImageDraw.ImageDraw,
    xy: tuple[float, float],
    text: str,
    size: int,
    room: tuple[int, int],
    fill: tuple[int, int, int],
    anchor: str = "lm",
) -> TitleLayout:
    """Draw ``text`` whole in ``room`` (width, height) pixels, laid out by
    :func:`title_layout` (shrunk, then wrapped, never cut), its lines centred on ``xy``'s
    height (``anchor`` ``lm``: starting at ``xy``'s x; ``mm``: centred on it); returns the
    layout drawn."""
    layout = title_layout(draw, text, size, *room)
    step = round(layout.size * LINE)
    x, y = xy
    top = y - step * (len(layout.lines) - 1) / 2
    for n, line in enumerate(layout.lines):
        put(draw, (x, top + n * step), line.rstrip(), layout.size, fill, anchor[0] + "m")
    return layout


def draw_bars(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    items: Sequence[tuple[str, float | str | None]],
    *,
    percent: bool = False,
    color: tuple[int, int, int] = BAR,
    nothing: str = "-",
) -> None:
    """Bars for ``items`` inside ``box`` (left, top, right, bottom), labels on the left; a
    value of None has no bar and reads ``nothing`` (e.g. 无记录), a value in words (a share
    of nothing due yet: 尚无到期事项) has no bar and reads those words. Words are written
    where the bar would be, fitted to its room: they never reach past ``box``."""
    left, top, right, bottom = box
    if not items:
        return
    label_width = (right - left) * 2 // 5
    row = min(44, (bottom - top) // len(items))
    size = max(12, row * 11 // 20)
    values = [value for _, value in items if isinstance(value, float | int)]
    biggest = 1.0 if percent else max(max(values, default=1.0), 1.0)
    bar_left = left + label_width + 8
    bar_room = right - bar_left - 90
    for n, (label, value) in enumerate(items):
        y = top + n * row
        put_fitted(draw, (left, y + row // 2), label, size, (label_width, row - 2), INK)
        if value is None or isinstance(value, str):
            words = nothing if value is None else value
            room = (right - bar_left - 16, row - 2)
            put_fitted(draw, (bar_left + 8, y + row // 2), words, size, room, MUTED)
            continue
        draw.rectangle((bar_left, y + 5, right - 90, y + row - 5), fill=GRID)
        length = int(bar_room * (value / biggest)) if biggest else 0
        if length > 0:
            draw.rectangle((bar_left, y + 5, bar_left + length, y + row - 5), fill=color)
        figure = f"{value:.0%}" if percent else f"{value:g}"
        put(draw, (right - 84, y + row // 2), figure, size, INK, "lm")


@one_at_a_time
def bar_chart(
    path: Path,
    title: str,
    items: Sequence[tuple[str, float | str | None]],
    *,
    percent: bool = False,
    nothing: str = "-",
) -> Path:
    """A bar chart as a 1200 px wide PNG; see :func:`draw_bars` for ``items``."""
    height = 90 + 44 * max(len(items), 1)
    image = Image.new("RGB", (1200, height), PAPER)
    draw = ImageDraw.Draw(image)
    put_title(draw, (30, 24), title, 30, (1140, 48), INK)
    draw_bars(draw, (30, 76, 1170, height - 14), items, percent=percent, nothing=nothing)
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
    left: Sequence[tuple[str, float | str | None]],
    right_title: str,
    right: Sequence[tuple[str, float | str | None]],
    footer: str,
    notice: str = "",
    nothing: str = "-",
) -> Path:
    """The picture sent in the chat: big numbers on top, two bar charts below."""
    width = 1400
    rows = max(len(left), len(right), 1)
    height = 480 if notice else 460 + 46 * rows
    image = Image.new("RGB", (width, height), PAPER)
    draw = ImageDraw.Draw(image)
    put_title(draw, (40, 30), title, 40, (width - 80, 56), INK)
    put_fitted(draw, (40, 100), subtitle, 24, (width - 80, 32), MUTED)
    tile_w = (width - 80 - 20 * (len(tiles) - 1)) // max(len(tiles), 1)
    for n, (label, value) in enumerate(tiles):
        x = 40 + n * (tile_w + 20)
        draw.rounded_rectangle((x, 140, x + tile_w, 290), radius=14, fill=TILE)
        put_fitted(draw, (x + tile_w // 2, 205), value, 60, (tile_w - 16, 72), BAR, "mm")
        put_fitted(draw, (x + tile_w // 2, 262), label, 22, (tile_w - 16, 52), INK, "mm")
    if notice:
        put_fitted(draw, (width // 2, 370), notice, 34, (width - 80, 120), MUTED, "mm")
    else:
        half = (width - 120) // 2
        put_title(draw, (40, 320), left_title, 28, (half, 48), INK)
        draw_bars(draw, (40, 370, 40 + half, height - 70), left, nothing=nothing)
        put_title(draw, (80 + half, 320), right_title, 28, (half, 48), INK)
        draw_bars(draw, (80 + half, 370, width - 40, height - 70), right, percent=True,
                  color=GOOD, nothing=nothing)  # fmt: skip
    put_fitted(draw, (40, height - 30), footer, 18, (width - 80, 44), MUTED)
    image.save(path, "PNG")
    return path
