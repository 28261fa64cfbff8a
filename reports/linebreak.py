"""Where a line of mixed Chinese and Latin text may break, by the rules of CJK typesetting
(GB/T 15834 punctuation; W3C "Requirements for Chinese Text Layout" 3.1.7, 禁则): no line
starts with closing punctuation (，。、：；！？ and closing brackets and quotes), none ends
with opening punctuation (opening brackets and quotes), and a short bracketed group or a run
of Latin letters, digits and signs (a word, a number, a date) is not split while a line
holds it.

reportlab's CJK wrapping breaks between any two characters and lets only a few closing marks
hang past the line's end (not ：，；！？), so the PDF writer breaks its lines here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CANNOT_START = frozenset(
    "、。，．：；？！）〕］｝〉》」』】〗〙〛’”｠»…‥々〻ゝゞ・ー"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "!),.:;?]}%％‰℃°′″"
)
"""Characters no line may start with: closing punctuation, stops, small kana, units."""

CANNOT_END = frozenset("（〔［｛〈《「『【〖〘〚‘“｟«([{￥＄£$")
"""Characters no line may end with: opening brackets and quotes, currency signs."""

# A short bracketed group (（字节）, （第九条）, (KiB)): kept on one line, so that no line
# ends or starts inside it (大小（字 / 节）).
GROUP = re.compile(r"[（(][^\s（）()]{1,8}[）)]")

LONGEST_KEPT = 24
"""Characters: a longer run of Latin text (a SHA-256, a file name) may break anywhere."""


def _wide(char: str) -> bool:
    return ord(char) >= 0x2E80


def _latin(char: str) -> bool:
    return not char.isspace() and not _wide(char)


def _runs(text: str) -> list[tuple[int, int]]:
    """Start and end of each run of Latin characters of at most :data:`LONGEST_KEPT`."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, char in enumerate(text + " "):
        if index < len(text) and _latin(char):
            if start is None:
                start = index
        elif start is not None:
            if index - start <= LONGEST_KEPT:
                runs.append((start, index))
            start = None
    return runs


def break_allowed(text: str, *, keep_words: bool = True) -> list[bool]:
    """For each index ``i`` of ``text``, whether a line may break before ``text[i]`` (the
    first is False): not before closing punctuation, not after opening punctuation (spaces
    between them aside), not inside a short bracketed group (:data:`GROUP`), and with
    ``keep_words`` not inside a kept Latin run."""
    allowed = [False] + [True] * (len(text) - 1) if text else []
    for index in range(1, len(text)):
        # The marks either side, spaces between them aside: "（ " ends no line either.
        before = text[:index].rstrip()[-1:]
        after = text[index:].lstrip()[:1]
        if (after in CANNOT_START and after) or (before in CANNOT_END and before):
            allowed[index] = False
    spans = [match.span() for match in GROUP.finditer(text)]
    for start, end in spans + (_runs(text) if keep_words else []):
        for index in range(start + 1, end):
            allowed[index] = False
    return allowed


def line_ends(
    text: str, widths: Sequence[float], rooms: Sequence[float], hard: Sequence[bool] = ()
) -> list[int]:
    """The index after each line's last character when ``text`` (each character
    ``widths[i]`` wide, in any unit) fills lines ``rooms[n]`` wide (the last room repeats);
    ``hard[i]`` ends a line after character ``i`` (a line break). The last index is
    ``len(text)``; spaces may run past a room's end.

    A line breaks at the last place :func:`break_allowed` allows within its room; where there
    is none, the closing marks that do not fit stay on the line it closes, past the room's
    end (CJK typesetting hangs it); failing that, the line breaks inside a Latin word, and
    only a line with no other place breaks where its room ends."""
    allowed = break_allowed(text)
    weak = break_allowed(text, keep_words=False)
    ends: list[int] = []
    start, used = 0, 0.0
    index = 0
    while index < len(text):
        room = rooms[min(len(ends), len(rooms) - 1)]
        used += widths[index]
        if used > room + 1e-6 and index > start and not text[index].isspace():
            point = next((p for p in range(index, start, -1) if allowed[p]), 0)
            while not point and index < len(text) and text[index] in CANNOT_START:
                index += 1  # closing marks hung past the room's end
                point = index if index == len(text) or text[index] not in CANNOT_START else 0
            point = point or next((p for p in range(index, start, -1) if weak[p]), index)
            if point >= len(text):
                break
            ends.append(point)
            start, used = point, 0.0
            index = point
            continue
        index += 1
        if index <= len(hard) and hard[index - 1] and index < len(text):
            ends.append(index)
            start, used = index, 0.0
    ends.append(len(text))
    return ends
