"""A document as a few kinds of block, written out as PDF or DOCX by the renderers.

The form and the quarterly summary are both headings, paragraphs, label-value tables, grids
and pictures; describing them once keeps the PDF and the DOCX of one document saying the same.
"""

from __future__ import annotations

import re
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
    """Label and value, one a row: the body of a form."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Grid:
    """A table with a header row; ``widths`` are relative column widths."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()


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
        elif isinstance(block, Grid | Signatures):
            out += [*block.header, *(text for row in block.rows for text in row)]
    return out
