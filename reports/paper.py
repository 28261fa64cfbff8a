"""How a worksheet prints: the width of a text in a column, the rows it takes, the height of a
printed page, and the size of a chart that shows every one of its categories.

Spreadsheet programs draw a streamed row one line tall and cut what does not fit: they do not
measure wrapped text when a file is opened. So the workbook states every row's height itself,
from the text in its cells, and places each chart in rows it has measured.

Units: a column's width is counted in widths of the digit 0 of the default font (ECMA-376
Part 1, 18.3.1.13; 7 px at 96 dpi); heights and page sizes in points (1/72 inch); charts in
centimetres, as openpyxl takes them.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence

ROW_POINTS = 15.0  # a row of one line of 11 pt SimSun as Excel, WPS and LibreOffice draw it
MAX_ROW_POINTS = 409.0  # the tallest row a spreadsheet keeps (Excel's limit)
WIDE = 2.2  # a full-width character, in widths of the digit 0 (SimSun at 11 pt: 2.1)
NARROW = 1.1  # a half-width one
CJK_START = 0x2E80  # from the CJK radicals on, characters are full-width

# A4 and A3, (width, height) in points, portrait.
PAPER_POINTS = {"9": (595.0, 842.0), "8": (842.0, 1191.0)}
HEADER_FOOTER = 0.3  # inches each, printed inside the top and bottom margins

# Tokens a line breaks between: a short bracketed group without spaces (（二日内）, kept
# whole so that no line starts or ends with a lone bracket), one full-width character, or a
# run of other characters with the spaces after it (a word, a number, a hash), or spaces alone.
_GROUP = r"[（(][^\s（）()]{1,8}[）)]"
_TOKENS = re.compile(_GROUP + r"\s*|[\u2e80-\U0003ffff]|[^\s\u2e80-\U0003ffff]+\s*|\s+")
_WORDS = re.compile(_GROUP + r"|[\u2e80-\U0003ffff]|[^\s\u2e80-\U0003ffff]+")
WORD_PAD = 1.0  # widths of the digit 0 a column keeps beside its longest word (cell padding)
# A bold word in the fonts spreadsheet programs fall back to (DejaVu Serif Bold) is up to this
# many times as wide as text_width measures it (LibreOffice split "Intermediary" in 14.2).
BOLD = 1.25
_WIDE_CHARS = re.compile(r"[\u2e80-\U0010ffff]")  # as text_width counts them
_NOT_WIDE = re.compile(r"[^\u2e80-\U0003ffff]|\s")  # what is not a one-character token
_CJK = chr(CJK_START)
# Sums of 1.1 and 2.2 over a cell's 32,767 characters stray from the exact width by far less;
# widths closer than this to a line's room are counted as the sums of floats count them.
_TIE = 1e-3

CM_POINTS = 72 / 2.54
CHART_LABEL_POINTS = 9  # the size of a chart's category labels
CHART_FRAME = 2.6  # cm of a bar chart that are not bars: the title, the value axis, padding
CHART_CATEGORY = 0.62  # cm per category: a 9 pt label and room between two of them
CHART_MIN = 6.0  # cm


def text_width(text: str) -> float:
    """The width of ``text`` on one line, in widths of the digit 0."""
    return sum(WIDE if ord(char) >= CJK_START else NARROW for char in text)


def longest_word(text: str) -> float:
    """The width of the widest token of ``text`` that a line never breaks (a word, a number,
    a short bracketed group, one full-width character), in widths of the digit 0; 0 for no
    text."""
    return max((text_width(word) for word in _WORDS.findall(text)), default=0.0)


def fit_widths(widths: Sequence[float], rows: Iterable[Sequence[str]]) -> tuple[float, ...]:
    """``widths`` widened where a column would split a word: each column at least as wide as
    the longest word (:func:`longest_word`) of the texts in it across ``rows`` (headers, and
    the words its cells may show), times :data:`BOLD`, plus :data:`WORD_PAD`. A row shorter
    than ``widths`` covers its first columns."""
    fitted = list(widths)
    for row in rows:
        for index, text in enumerate(row[: len(fitted)]):
            if text:
                fitted[index] = max(fitted[index], longest_word(text) * BOLD + WORD_PAD)
    return tuple(fitted)


def fit_whole(widths: Sequence[float], rows: Iterable[Sequence[str]]) -> tuple[float, ...]:
    """``widths`` widened so that no text of ``rows`` (plain cell texts: a vocabulary word, a
    case number) is broken except at a space: each column at least as wide as the widest run
    between spaces of its texts, plus :data:`WORD_PAD`. Spreadsheet programs do not keep a
    bracket with its neighbours (LibreOffice prints 当面（口头 and then ）alone), so a
    short name is kept on one line by its column's width, not by their line breaking."""
    fitted = list(widths)
    for row in rows:
        for index, text in enumerate(row[: len(fitted)]):
            runs = text.split()
            if runs:
                widest = max(text_width(run) for run in runs)
                fitted[index] = max(fitted[index], widest + WORD_PAD)
    return tuple(fitted)


def share_widths(weights: Sequence[float], least: Sequence[float], width: float) -> list[float]:
    """Column widths over a table ``width`` wide (any unit), shared by ``weights``, but each
    column at least ``least`` (its longest word, as the caller measures it in its medium),
    the room taken from the columns wider than they need in proportion to their spare. Where
    the least widths together reach ``width`` they are scaled down to it. One pass suffices:
    what a column gives up is less than its spare while the minimums fit."""
    count = len(weights)
    total = sum(least)
    if total >= width:
        return [width * m / total for m in least] if total else [width / count] * count
    widths = [width * w / sum(weights) for w in weights]
    short = sum(max(m - w, 0.0) for w, m in zip(widths, least, strict=True))
    if not short:
        return widths
    spare = [max(w - m, 0.0) for w, m in zip(widths, least, strict=True)]
    room = sum(spare)
    return [max(w, m) - s * short / room for w, m, s in zip(widths, least, spare, strict=True)]


def content_widths(least: Sequence[float], widest: Sequence[float], width: float) -> list[float]:
    """Column widths over a table ``width`` wide (any unit) from what the columns hold, as a
    browser lays out a table of automatic layout (CSS 2.1, 17.5.2.2): each column at least
    ``least`` (its longest word, or whatever the caller keeps readable) and, where the room
    allows, ``widest`` (its widest text on one line, as the caller measures it in its
    medium). Where every column's ``widest`` fits, each gets it and the room left over is
    shared in proportion to them; else each gets ``least`` and the rest is shared in
    proportion to what each still wants (``widest - least``), so a column of 是/否 keeps
    the width it needs and the long texts take the rest. Where the least widths together
    reach ``width`` they are scaled down to it. The widths sum to ``width``."""
    count = len(least)
    wants = [max(w, m) for w, m in zip(widest, least, strict=True)]
    floor = sum(least)
    if floor >= width:
        return [width * m / floor for m in least] if floor else [width / count] * count
    full = sum(wants)
    if full <= width:
        return [w + (width - full) * w / full for w in wants]
    spare = [w - m for w, m in zip(wants, least, strict=True)]
    return [m + (width - floor) * s / sum(spare) for m, s in zip(least, spare, strict=True)]


_LAST_GROUP = re.compile(_GROUP + r"$")
_ANY_GROUP = re.compile(_GROUP)


def head_text(title: str, room: float) -> str:
    """A header ``title`` as written in a cell ``room`` widths of the digit 0 wide: where it
    does not fit on one line and ends in a short bracketed group (（二日内）), the group starts
    a line of its own, so that no program breaks inside it and leaves a lone bracket."""
    group = _LAST_GROUP.search(title)
    if group is None or group.start() == 0 or text_width(title) * BOLD + WORD_PAD <= room:
        return title
    return title[: group.start()].rstrip() + "\n" + group.group()


def _paragraph_lines(text: str, room: float) -> int:
    lines, used = 1, 0.0
    for token in _TOKENS.findall(text):
        word = text_width(token.rstrip())
        if used + word <= room:
            used += text_width(token)
            continue
        if used:
            lines, used = lines + 1, 0.0
        if word > room:  # a word longer than a line is broken: where, each program decides
            lines += int(word // room) + 1  # (at a slash, a dot...): a line to spare
            word %= room
        used = word + text_width(token) - text_width(token.rstrip())
    return lines


def _units(text: str) -> int:
    """The width of ``text`` in half-widths (``NARROW``): one per character, two per wide one."""
    return len(text) + len(_WIDE_CHARS.findall(text))


def _quick_lines(text: str, room: float) -> int | None:
    """:func:`_paragraph_lines` counted in whole half-widths, exactly; None when a width
    comes within ``_TIE`` of ``room`` (where the sums of floats decide) or a word does not
    fit on a line of its own: the caller then counts as :func:`_paragraph_lines` does."""
    if text and _NOT_WIDE.search(text) is None and _ANY_GROUP.search(text) is None:
        # full-width characters only, each a line break
        per_line = int(room // WIDE)
        if (
            per_line < 1
            or abs(per_line * WIDE - room) < _TIE
            or abs((per_line + 1) * WIDE - room) < _TIE
        ):
            return None
        return -(-len(text) // per_line)
    lines, used = 1, 0
    for token in _TOKENS.findall(text):
        if len(token) == 1:
            full = 2 if token >= _CJK else 1
            word = 0 if token.isspace() else full
        elif token.isascii():
            full, word = len(token), len(token.rstrip())
        else:
            full, word = _units(token), _units(token.rstrip())
        width = (used + word) * NARROW
        if abs(width - room) < _TIE:
            return None
        if width <= room:
            used += full
            continue
        if used:
            lines, used = lines + 1, 0
        if word * NARROW > room - _TIE:
            return None
        used = full
    return lines


def text_lines(text: str, room: float) -> int:
    """How many lines ``text`` takes, wrapped in a cell ``room`` widths of the digit 0 wide:
    lines break at its line breaks, after a full-width character and between words; a word
    that does not fit on the rest of a line moves whole to the next one, and one longer than
    a line is broken, with a line to spare."""
    if "\n" not in text:
        if len(text) * WIDE <= room:
            return 1
        parts = [text]
    else:
        parts = text.split("\n")
    room = max(room, 1.0)
    total = 0
    for part in parts:
        if _units(part) * NARROW <= room - _TIE:
            total += 1
            continue
        lines = _quick_lines(part, room)
        total += _paragraph_lines(part, room) if lines is None else lines
    return total


def head_lines(titles: Sequence[str], widths: Sequence[float]) -> list[int]:
    """The lines each bold header title of ``titles`` takes in its column of ``widths``: as
    :func:`text_lines` counts them in a column :data:`BOLD` times narrower, since a bold
    fallback font draws a title up to that much wider."""
    return [text_lines(title, width / BOLD) for title, width in zip(titles, widths, strict=False)]


def row_points(lines: int) -> float:
    """The height of a row showing ``lines`` lines of text, in points (a spreadsheet keeps at
    most 409)."""
    return min(MAX_ROW_POINTS, ROW_POINTS * lines + (3.0 if lines > 1 else 0.0))


def column_points(width: float) -> float:
    """The printed width of a column ``width`` characters wide, in points (ECMA-376 Part 1,
    18.3.1.13: ``width`` is in widths of the digit 0 of the default font, 7 px at 96 dpi,
    plus 5 px of padding)."""
    return (width * 7 + 5) * 72 / 96


# The digit 0 of the default font (Calibri 11) is 7 px at 96 dpi where the font is installed.
# Where it is not (Calibri and Carlito missing, as on many Linux court PCs), LibreOffice
# measures column widths in the digit of the font it substitutes, DejaVu Sans: 9.06 px,
# measured from a printed sheet (trial 9, F9). A sheet printed at a fixed scale is sized
# with this wider digit, a little rounded up, so its columns fit the page in either case.
WIDEST_DIGIT = 9.2  # px at 96 dpi


def printed_points(width: float) -> float:
    """The printed width of a column ``width`` characters wide at most, in points: as
    :func:`column_points`, with the digit 0 :data:`WIDEST_DIGIT` px wide."""
    return (width * WIDEST_DIGIT + 5) * 72 / 96


def column_pages(
    widths: Sequence[float],
    starts: Sequence[int],
    *,
    paper: str,
    side: float,
    most: int,
    least: int,
) -> tuple[int, tuple[int, ...]]:
    """The print scale (percent) and the columns that start a printed page, for columns of
    ``widths`` printed landscape on ``paper`` (``side`` inches of margin left and right) at
    a fixed scale, column 0 repeated on every page (print titles), and ``starts`` (indices
    > 0, ascending) beginning blocks of related columns, each to be one page.

    The scale is the largest, at most ``most``, at which every block fits its page
    (:func:`printed_points`); not below ``least``, unless one column beside column 0 needs
    less (then that, at least 10, a spreadsheet's least scale). A block still too wide at
    that scale is split where its next column would not fit, so each page fits: the pages
    start at ``starts`` and at those splits. Returns (scale, page starts), the starts as
    indices into ``widths``, ascending, without 0."""
    page_w = PAPER_POINTS[paper][1]  # landscape: the portrait height is the width
    room = page_w - 2 * 72 * side
    points = [printed_points(w) for w in widths]
    title = points[0]
    bounds = [0, *starts, len(widths)]
    blocks = [(first, last) for first, last in itertools.pairwise(bounds) if first < last]

    def fits(width: float) -> int:
        return math.floor(100 * room / width)

    def block_width(first: int, last: int) -> float:
        return sum(points[first:last]) + (title if first else 0.0)

    scale = min(most, min(fits(block_width(first, last)) for first, last in blocks))
    single = min(fits(title + p) for p in points[1:]) if len(points) > 1 else fits(title)
    scale = max(10, min(max(scale, least), single, most))
    out: list[int] = []
    for first, last in blocks:
        if first:
            out.append(first)
        used = title if first else 0.0
        for index in range(first, last):
            if index != first and (used + points[index]) * scale / 100 > room:
                out.append(index)
                used = title
            used += points[index]
    return scale, tuple(out)


def page_scale(widths: Sequence[float], *, paper: str, portrait: bool, side: float) -> float:
    """The scale at which columns of ``widths`` print one page wide (never enlarged), with
    ``side`` inches of margin on the left and on the right."""
    page_w, page_h = PAPER_POINTS[paper]
    if not portrait:
        page_w, page_h = page_h, page_w
    room = page_w - 2 * 72 * side
    return min(1.0, room / sum(column_points(w) for w in widths))


def page_room(
    widths: Sequence[float], *, paper: str, portrait: bool, side: float, top: float
) -> float:
    """The height of the rows one printed page holds, in points of the sheet (before the
    print scale), when columns of ``widths`` are fitted to the page width; ``top`` inches of
    margin at the top and the bottom, the page header and footer inside them."""
    page_w, page_h = PAPER_POINTS[paper]
    if not portrait:
        page_w, page_h = page_h, page_w
    room = page_h - 2 * 72 * top - 2 * 72 * HEADER_FOOTER
    return room / page_scale(widths, paper=paper, portrait=portrait, side=side)


def chart_height(categories: int) -> float:
    """The height in cm of a bar chart that shows each of ``categories`` labels."""
    return max(CHART_MIN, CHART_FRAME + CHART_CATEGORY * categories)
