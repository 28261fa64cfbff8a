"""Cutting a reply into messages a chat service accepts, counting as the services do.

Telegram counts a message's length in UTF-16 code units (an emoji outside the Basic
Multilingual Plane is two); WeCom's limits are in bytes and can use ``split_text`` with a
different ``measure``.
"""

from __future__ import annotations

from collections.abc import Callable


def utf16_units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """How many characters of ``text`` fit in ``limit`` (at least one, so a cut moves on)."""
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


def split_text(
    text: str, limit: int = 4096, measure: Callable[[str], int] = utf16_units
) -> list[str]:
    """Pieces of at most ``limit`` (as ``measure`` counts), cut at line ends where a line
    allows it and inside a line only where it is longer than ``limit``. Blank text gives no
    piece; joining the pieces with newlines gives back ``text`` without its final newlines.
    """
    if measure(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if measure(current) + measure(line.rstrip("\n")) <= limit:
            current += line
            continue
        if current.strip():
            pieces.append(current.rstrip("\n"))
        current = ""
        while measure(line.rstrip("\n")) > limit:
            cut = _fitting(line, limit, measure)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current.strip():
        pieces.append(current.rstrip("\n"))
    return pieces
