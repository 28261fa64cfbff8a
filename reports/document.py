"""A document as a few kinds of block, written out as PDF or DOCX by the renderers.

The form and the quarterly summary are both headings, paragraphs, label-value tables, grids
and pictures; describing them once keeps the PDF and the DOCX of one document saying the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Characters XML 1.0 forbids (and so DOCX, XLSX and reportlab's markup): a value someone typed
# or forwarded may carry them; they are shown as U+FFFD rather than failing the document.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids replaced by U+FFFD; nothing else changes."""
    return _ILLEGAL.sub("\ufffd", text)


@dataclass(frozen=True)
class Heading:
    """A section heading of a document."""

    text: str


@dataclass(frozen=True)
class Para:
    """A paragraph of text; ``small`` prints it in the notes' smaller size."""

    text: str
    small: bool = False


@dataclass(frozen=True)
class Pairs:
    """Label and value pairs: the body of a form, laid out by :func:`pair_rows`."""

    rows: tuple[tuple[str, str], ...]


PAIR_COLUMNS = (13.0, 11.5, 13.0, 11.5)
"""The grid of a label-value table, label, value, label, value, in ems of its text: the
renderers share the table's width in these proportions and print it at a size where it is
at least this many ems wide (the PDF's 8.5 pt over 17.4 cm, the DOCX's 9 pt over 15.6 cm)."""
PAIR_PADDING = 1.6
"""Ems of a cell that hold no text: its margins (DOCX's 0.5 cm at 9 pt)."""
LATIN_EM = 0.6
"""The width of a character other than CJK, in ems: DejaVu Sans averages 0.6 (capitals and
``m`` more, ``i`` less); a CJK character is 1 em."""


def ems(text: str) -> float:
    """The width of ``text`` on one line in ems: a CJK or full-width character 1, any other
    :data:`LATIN_EM`."""
    return sum(1.0 if ord(char) >= 0x2E80 else LATIN_EM for char in text)


@dataclass(frozen=True)
class PairCell:
    """A cell of a label-value table: ``text`` over ``span`` columns of ``PAIR_COLUMNS``;
    ``label`` says it is a label (bold, shaded)."""

    text: str
    span: int
    label: bool


def pair_rows(rows: Sequence[tuple[str, str]]) -> tuple[tuple[PairCell, ...], ...]:
    """The rows of a label-value table on the grid of :data:`PAIR_COLUMNS`, the one layout
    the PDF and the DOCX of a form print, pairs in the order given: two pairs side by side
    where both are short (the value on one line of its column, the label in two); else one
    pair a row, its value over the other three columns; a label longer than two lines of its
    column (an English one) over the first two columns and its value over the other two.
    Each row's spans sum to four."""
    label_line, value_line = (PAIR_COLUMNS[0] - PAIR_PADDING, PAIR_COLUMNS[1] - PAIR_PADDING)

    def short(label: str, value: str) -> bool:
        return "\n" not in value and ems(value) <= value_line and ems(label) <= 2 * label_line

    out: list[tuple[PairCell, ...]] = []
    pending = list(rows)
    while pending:
        label, value = pending.pop(0)
        if pending and short(label, value) and short(*pending[0]):
            other_label, other_value = pending.pop(0)
            pair = (PairCell(label, 1, True), PairCell(value, 1, False))
            out.append((*pair, PairCell(other_label, 1, True), PairCell(other_value, 1, False)))
        elif ems(clean(label)) <= 2 * label_line:
            out.append((PairCell(label, 1, True), PairCell(value, 3, False)))
        else:
            out.append((PairCell(label, 2, True), PairCell(value, 2, False)))
    return tuple(out)


def pair_widths(width: float) -> list[float]:
    """The columns of a label-value table ``width`` wide (any unit), by :data:`PAIR_COLUMNS`."""
    return [width * part / sum(PAIR_COLUMNS) for part in PAIR_COLUMNS]


@dataclass(frozen=True)
class Grid:
    """A table with a header row; the renderers give each column the width its texts ask
    (:func:`reports.paper.content_widths`)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    nothing: str = ""
    """What the table says when it has nothing to show ("no records"): a last row across all its
    columns, as the workbook's tables say it. A grid with no rows must say it: a header
    alone reads as a table whose rows were lost. Raises ``ValueError`` otherwise."""

    def __post_init__(self) -> None:
        if not self.rows and not self.nothing:
            raise ValueError(f"a table with no rows says why: {self.header!r}")


@dataclass(frozen=True)
class Picture:
    """A PNG picture (a chart) at ``width_cm`` centimetres wide, its height kept in proportion."""

    path: Path
    width_cm: float = 16.0


@dataclass(frozen=True)
class Signatures:
    """Lines to sign by hand: one row a person, ``(role, name, confirmed in the bot)``; the
    renderers add an empty signature and date cell to each, tall enough to write in."""

    header: tuple[str, str, str, str, str]
    rows: tuple[tuple[str, str, str], ...]


Block = Heading | Para | Pairs | Grid | Picture | Signatures


@dataclass(frozen=True)
class Document:
    """A whole document: title, subtitle, blocks in order, a footer on every page.

    ``meta`` goes into the file's properties (PDF info, DOCX core properties), e.g.
    ``author``.
    """

    title: str
    subtitle: str = ""
    blocks: tuple[Block, ...] = ()
    footer: str = ""
    """Printed at the foot of every page: the audit chain head, so paper pins the history."""
    meta: dict[str, str] = field(default_factory=dict)


def texts(document: Document) -> list[str]:
    """Every text of ``document``, for the font check (``reports.fonts.Fonts.missing``)."""
    out = [document.title, document.subtitle, document.footer]
    for block in document.blocks:
        if isinstance(block, Heading | Para):
            out.append(block.text)
        elif isinstance(block, Pairs):
            out += [text for row in block.rows for text in row]
        elif isinstance(block, Grid):
            out += [*block.header, *(text for row in block.rows for text in row), block.nothing]
        elif isinstance(block, Signatures):
            out += [*block.header, *(text for row in block.rows for text in row)]
    return out
