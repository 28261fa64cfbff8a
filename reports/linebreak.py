"""Where a line of mixed Chinese and Latin text may break, by the Unicode line breaking
algorithm (UAX #14, through ``uniseg``), which carries the rules of CJK typesetting (GB/T
15834 punctuation; W3C "Requirements for Chinese Text Layout" 3.1.7, 禁则): no line starts
with closing punctuation (，。、：；！？, closing brackets and quotes: classes CL, CP, EX, IS,
NS), none ends with opening punctuation (OP). Two rules of guowen's tables come on top: a
short bracketed group (（字节）) and a run of Latin letters, digits and signs of at most
:data:`LONGEST_KEPT` characters (a word, a number, a date, an e-mail address) are not split
while a line holds them.

reportlab's CJK wrapping breaks between any two characters and lets only a few closing marks
hang past the line's end (not ：，；！？), so the PDF writer breaks its lines here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from uniseg.linebreak import line_break, line_break_boundaries

CLOSING_CLASSES = frozenset({"CL", "CP", "EX", "IS", "NS"})
"""UAX #14 classes of the characters no line may start with (LB13, LB16, LB21)."""

OPENING_CLASSES = frozenset({"OP"})
"""UAX #14 classes of the characters no line may end with (LB14)."""

# A short bracketed group (（字节）, （第九条）, (KiB)): kept on one line, so that no line
# ends or starts inside it (大小（字 / 节）).
GROUP = re.compile(r"[（(][^\s（）()]{1,8}[）)]")

# A record number in the shape of a document number (温法过问〔2026〕12号, GB/T 9704 7.2.4:
# the issuer's short name, the year in 〔〕, the serial, 号) or a case number (（2026）豫0825民初
# 1234号之一, the SPC rules on case numbers): one word, which a table's column holds whole.
NUMBER = re.compile(  # 号 (U+53F7), 之 (U+4E4B) and the numerals 一 to 十 as escapes
    r"[\u3400-\u9fff]{0,8}〔\d{4}〕\d{1,9}\u53f7"
    r"|（\d{4}）[^\s（）()，。、；：]{1,16}?\d{1,9}\u53f7"
    r"(?:\u4e4b[\u4e00\u4e8c\u4e09\u56db\u4e94\u516d\u4e03\u516b\u4e5d\u5341]{1,3})?"
)

LONGEST_KEPT = 24
"""Characters: a longer run of Latin text (a SHA-256, a file name) may break anywhere."""


@functools.lru_cache(maxsize=4096)
def cannot_start(char: str) -> bool:
    """Whether no line may start with ``char`` (one character): closing punctuation, and a
    closing quotation mark (class QU, Unicode category Pf: ” ’)."""
    kind = line_break(char).name
    return kind in CLOSING_CLASSES or (kind == "QU" and unicodedata.category(char) == "Pf")


@functools.lru_cache(maxsize=4096)
def cannot_end(char: str) -> bool:
    """Whether no line may end with ``char`` (one character): opening punctuation, and an
    opening quotation mark (class QU, Unicode category Pi: “ ‘)."""
    kind = line_break(char).name
    return kind in OPENING_CLASSES or (kind == "QU" and unicodedata.category(char) == "Pi")


def _wide(char: str) -> bool:
    return ord(char) >= 0x2E80


def _latin(char: str) -> bool:
    return not char.isspace() and not _wide(char)


def _runs(text: str) -> list[tuple[int, int, bool]]:
    """Start and end of each run of Latin characters, and whether it is kept whole (at most
    :data:`LONGEST_KEPT` long)."""
    runs: list[tuple[int, int, bool]] = []
    start = None
    for index, char in enumerate(text + " "):
        if index < len(text) and _latin(char):
            if start is None:
                start = index
        elif start is not None:
            runs.append((start, index, index - start <= LONGEST_KEPT))
            start = None
    return runs


def break_allowed(text: str, *, keep_words: bool = True) -> list[bool]:
    """For each index ``i`` of ``text``, whether a line may break before ``text[i]`` (the
    first is False): where UAX #14 allows it, not inside a short bracketed group
    (:data:`GROUP`), and with ``keep_words`` not inside a kept Latin run. Inside a longer
    Latin run (and without ``keep_words`` inside any) a line may also break between two
    characters unless the next is closing or the last opening punctuation; never after
    opening punctuation and the spaces after it (a line would end with it once they drop)."""
    allowed = [False] * len(text)
    for index in line_break_boundaries(text):
        if 0 < index < len(text):
            allowed[index] = True
    for start, end, kept in _runs(text):
        for index in range(start + 1, end):
            if kept and keep_words:
                allowed[index] = False
            elif not cannot_start(text[index]) and not cannot_end(text[index - 1]):
                allowed[index] = True
    for match in GROUP.finditer(text):
        for index in range(match.start() + 1, match.end()):
            allowed[index] = False
    for index in range(1, len(text)):  # never after an opening mark, spaces between aside
        if allowed[index] and text[index - 1].isspace():
            before = text[:index].rstrip()
            if before and cannot_end(before[-1]):
                allowed[index] = False
    return allowed


def _closes(text: str, index: int) -> bool:
    """Whether ``text`` from ``index`` on, spaces aside, starts with a mark no line may
    start with: a line broken there would start with it once its spaces are dropped."""
    rest = text[index:].lstrip()
    return bool(rest) and cannot_start(rest[0])


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
            while not point and index < len(text) and _closes(text, index):
                index += 1  # closing marks (and spaces before them) hung past the room's end
                point = index if index == len(text) or not _closes(text, index) else 0
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
