"""Documents as PDF through reportlab, with the CJK font of ``reports.fonts``.

Runs in a worker thread (``asyncio.to_thread``): building a PDF is CPU work the event loop
must not wait on. Every value is escaped, because reportlab's paragraphs read markup: a case
summary holding ``<b>`` or ``&`` prints as typed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import ttfonts
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import NullActionFlowable
from reportlab.platypus.flowables import _Container, _listWrapOn
from reportlab.platypus.paragraph import ParaLines, cjkU, makeCJKParaLine

from reports.document import (
    Document,
    Grid,
    Heading,
    Pairs,
    Para,
    Picture,
    Signatures,
    clean,
    pair_rows,
    pair_widths,
)
from reports.fonts import fonts
from reports.linebreak import GROUP, line_ends
from reports.paper import content_widths, share_widths

MARGIN = 1.8 * cm
# reportlab keeps a TrueType font's subsetting state in the shared font object: one document
# at a time, whichever worker thread builds it.
_RENDERING = threading.Lock()
LABEL_SHADE = colors.HexColor("#f3f3f3")


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """The ToUnicode CMap of ``reportlab``, with each code point written as UTF-16BE.

    reportlab 4 writes ``<20BB7>`` for U+20BB7, which is no valid UTF-16 (PDF 1.7, 9.10.3):
    readers then extract nothing for characters beyond the Basic Multilingual Plane. A
    surrogate pair (``<D842DFB7>``) is what the specification asks for.
    """
    text: str = _reportlab_cmap(fontname, subset)
    for value in subset:
        if value > 0xFFFF:
            pair = chr(value).encode("utf-16-be").hex().upper()
            text = text.replace(f"> <{value:04X}>", f"> <{pair}>")
    return text


_reportlab_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def markup(text: str) -> str:
    """``text`` as reportlab paragraph markup: escaped, each run in a font that has it."""
    chain = fonts()
    parts = []
    for face, piece in chain.runs(clean(text)):
        body = escape(piece).replace("\n", "<br/>")
        if face is None or face.pdf_name == chain.pdf or face.pdf_name is None:
            parts.append(body)
        else:
            parts.append(f'<font name="{face.pdf_name}">{body}</font>')
    return "".join(parts)


def draw_line(
    canvas: Any, x: float, y: float, text: str, size: float, *, right: bool = False
) -> None:
    """One line on the canvas, each run in a font that has it (the page footer)."""
    chain = fonts()
    runs = [(face.pdf_name if face and face.pdf_name else chain.pdf, piece)
            for face, piece in chain.runs(clean(text))]  # fmt: skip
    if right:
        x -= sum(stringWidth(piece, name, size) for name, piece in runs)
    for name, piece in runs:
        canvas.setFont(name, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, name, size)


# Characters of the scripts that break between any two characters (CJK ideographs, kana,
# hangul, full-width forms and their punctuation).
_WIDE = r"\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff"
_HAS_WIDE = re.compile(f"[{_WIDE}]")
# A word no line may split: a run of other characters between spaces and wide characters
# ("correction", "100.0%", "36,461", "2026-11-30").
_WORD = re.compile(f"[^\\s{_WIDE}]+")
LONGEST_KEPT = 24  # characters: a longer word (a SHA-256, a file name) may break anywhere
SHORT_WIDE = 4  # characters: a cell of at most this many wide characters (序号) is one word
PADDING = 3  # points, each side of a table cell (``_GRID``)
SIGN_ROW = 1.2 * cm  # the least height of a row to sign by hand


def unbroken_words(text: str) -> list[str]:
    """The words of cell ``text`` a line must not split: each run of characters other than
    spaces and wide (CJK) characters, of at most :data:`LONGEST_KEPT` characters, each short
    bracketed group (（字节）, :data:`reports.linebreak.GROUP`), and the whole text when it is
    a short run of wide characters (a header such as 序号)."""
    text = clean(text).strip()
    if text and len(text) <= SHORT_WIDE and not re.search(r"\s", text):
        return [text]
    words = [word for word in _WORD.findall(text) if len(word) <= LONGEST_KEPT]
    return words + GROUP.findall(text)


def text_width(text: str, size: float) -> float:
    """The width in points of ``text`` at ``size`` points, each run in the font that draws it."""
    chain = fonts()
    return sum(
        float(stringWidth(piece, face.pdf_name if face and face.pdf_name else chain.pdf, size))
        for face, piece in chain.runs(clean(text))
    )


def column_widths(
    rows: Sequence[Sequence[str]], weights: Sequence[float], width: float, size: float
) -> list[float]:
    """Widths in points of a table ``width`` points wide: shared by ``weights``, but each
    column at least as wide as its widest :func:`unbroken_words` at ``size`` points with its
    padding, the room taken from the columns wider than they need. Where the least widths
    together exceed ``width``, they are scaled down to it."""
    return share_widths(weights, _least(rows, len(weights), size), width)


def _least(rows: Sequence[Sequence[str]], count: int, size: float) -> list[float]:
    """Each of the first ``count`` columns' widest :func:`unbroken_words` at ``size`` points
    with its padding, in points."""
    least = [0.0] * count
    for row in rows:
        for n, cell in enumerate(row[:count]):
            for word in unbroken_words(cell):
                least[n] = max(least[n], text_width(word, size) + 2 * PADDING + 0.5)
    return least


def grid_widths(rows: Sequence[Sequence[str]], width: float, size: float) -> list[float]:
    """Widths in points of a grid ``width`` points wide whose first row is its header, from
    what its columns hold (:func:`reports.paper.content_widths`): each column at least its
    widest :func:`unbroken_words`, and where the room allows its widest cell on one line at
    ``size`` points with its padding, the header's on two."""
    count = len(rows[0]) if rows else 0
    widest = [0.0] * count
    for r, row in enumerate(rows):
        for n, text in enumerate(row[:count]):
            line = max(text_width(part, size) for part in clean(text).split("\n"))
            widest[n] = max(widest[n], (line / 2 if r == 0 else line) + 2 * PADDING + 0.5)
    return content_widths(_least(rows, count, size), widest, width)


class KinsokuParagraph(Paragraph):  # type: ignore[misc]
    """A paragraph whose CJK-wrapped lines (``wordWrap="CJK"``) break where
    :func:`reports.linebreak.line_ends` allows: no line starts with ：，。） and the like, none
    ends with （《“, and a Latin word or number is not split. Other wrapping is reportlab's."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        """The paragraph's lines for ``maxWidths`` (points: one per line, the last repeats)
        as reportlab's ``ParaLines`` (kind 1: lines of fragments)."""
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        rooms = list(maxWidths) if isinstance(maxWidths, list | tuple) else [maxWidths]
        glyphs: list[Any] = []
        for frag in self.frags:
            text = frag.text.decode("utf8") if isinstance(frag.text, bytes) else frag.text
            glyphs.extend(cjkU(char, frag, "utf8") for char in text or "")
            if not text:
                glyphs.append(cjkU("", frag, "utf8"))
        if not glyphs:
            style = self.style
            return ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                             textColor=style.textColor, lines=[], ascent=style.fontSize,
                             descent=-0.2 * style.fontSize)  # fmt: skip
        hard = [hasattr(g.frag, "lineBreak") for g in glyphs]
        chars = "".join(
            str(g) or ("\n" if line_break else "\ufeff")
            for g, line_break in zip(glyphs, hard, strict=True)
        )
        ends = line_ends(chars, [g.width for g in glyphs], rooms, hard)
        calc_bounds = getattr(self, "autoLeading", getattr(self.style, "autoLeading", "")) not in (
            "",
            "off",
        )
        lines = []
        start = 0
        for number, end in enumerate(ends):
            room = rooms[min(number, len(rooms) - 1)]
            used = sum(g.width for g in glyphs[start:end])
            lines.append(
                makeCJKParaLine(
                    glyphs[start:end], room, used, room - used, hard[end - 1], calc_bounds
                )
            )
            start = end
        return ParaLines(kind=1, lines=lines)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    latin = {"wordWrap": None, "splitLongWords": 1}
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=1, spaceAfter=8),
        "heading": ParagraphStyle(
            "heading",
            parent=base,
            fontSize=11,
            leading=14,
            spaceBefore=6,
            spaceAfter=3,
            keepWithNext=1,  # a heading never ends a page: it stays with its table
        ),
        # Space after a paragraph is its style's, not a Spacer: a Spacer that no longer fits
        # under the last line of a page would start a page of its own.
        "body": ParagraphStyle("para", parent=base, spaceAfter=3),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5, spaceAfter=3),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "label": ParagraphStyle("label", parent=base, fontSize=8, leading=10),
        # Text with no wide character breaks between words (a longer word than the line
        # still breaks): reportlab's CJK wrapping may split a word near a line's end.
        "cell latin": ParagraphStyle("cell latin", parent=base, fontSize=8.5, leading=10.5,
                                     **latin),
        "label latin": ParagraphStyle("label latin", parent=base, fontSize=8, leading=10,
                                      **latin),
    }  # fmt: skip


def cell(text: str, styles: dict[str, ParagraphStyle], name: str = "cell") -> Paragraph:
    """A table cell: ``text`` in style ``name``, broken between words where it holds no wide
    (CJK) character, between any two characters otherwise."""
    latin = not _HAS_WIDE.search(clean(text))
    return KinsokuParagraph(markup(text), styles[f"{name} latin" if latin else name])


_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
)


def _in_chain_font(table: Table) -> Table:
    """``table`` with the chain's first font for its cells that hold a plain string (an empty
    cell, a spanned one): reportlab sets the font even for those, and its default, Helvetica,
    would be a font the PDF references without embedding it."""
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), fonts().pdf)]))
    return table


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = _in_chain_font(Table(rows, colWidths=widths, repeatRows=1))
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
    return table


def _pairs(block: Pairs, styles: dict[str, ParagraphStyle], width: float) -> Table:
    """Label-value rows on the grid the DOCX prints too (:func:`reports.document.pair_rows`):
    two pairs side by side where both are short, so a form fits a page."""
    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = []
    for r, cells in enumerate(pair_rows(block.rows)):
        row: list[Any] = []
        for part in cells:
            c = len(row)
            row.append(cell(part.text, styles, "label" if part.label else "cell"))
            row += [""] * (part.span - 1)
            if part.span > 1:
                commands.append(("SPAN", (c, r), (c + part.span - 1, r)))
            if part.label:
                commands.append(("BACKGROUND", (c, r), (c + part.span - 1, r), LABEL_SHADE))
        data.append(row)
    table = _in_chain_font(Table(data, colWidths=pair_widths(width)))
    table.setStyle(_GRID)
    table.setStyle(TableStyle(commands))
    return table


def _signatures(block: Signatures, styles: dict[str, ParagraphStyle], width: float) -> Table:
    """Rows to sign by hand: role, name, the in-bot confirmation, then signature and date."""
    weights = (2.2, 2, 3.4, 3.4, 2.4)
    size = styles["cell"].fontSize
    widths = column_widths([block.header, *block.rows], weights, width, size)
    rows: list[list[Any]] = [[cell(text, styles, "label") for text in block.header]]
    # Each row is as tall as its text, and at least SIGN_ROW for the hand signature: the
    # empty signature cell holds a spacer that tall (less its padding).
    rows += [[cell(text, styles) for text in row] + [Spacer(1, SIGN_ROW - 4), ""]
             for row in block.rows]  # fmt: skip
    table = _in_chain_font(Table(rows, colWidths=widths, repeatRows=1))
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), LABEL_SHADE),
                               ("VALIGN", (0, 1), (-1, -1), "MIDDLE")]))  # fmt: skip
    return table


class WithPreceding(_Container, Flowable):  # type: ignore[misc]
    """``block`` (the signature table with its heading) kept with the end of ``before``.

    Drawn as one where both fit in the space left on the page. Where they do not, a table
    ``before`` breaks early so that its last row goes on to the next page with ``block``
    (header repeated), and a paragraph goes over whole: lines to sign never stand alone on a
    page, where they could be put under another record. ``block`` is never split.
    """

    def __init__(self, before: Flowable, block: list[Flowable]) -> None:
        super().__init__()
        self._content = [before, *block]

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Reportlab's ``Flowable.wrap``: the (width, height) in points of all parts together."""
        self.width, self.height = _listWrapOn(self._content, available_width, self.canv)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """Reportlab's ``Flowable.split``: the flowables to draw here and on the next page."""
        width, height = available_width, available_height
        before, *block = self._content
        # A flowable handed back must fit as it is, or be an action: KeepTogether is neither.
        together = [NullActionFlowable(), KeepTogether(self._content)]
        if not isinstance(before, Table):
            return together
        _, before_height = before.wrap(width, height)
        if before_height > height:  # the table goes over the page anyway: its rest carries on
            parts = before.split(width, height)
            return [parts[0], WithPreceding(parts[1], block)] if len(parts) == 2 else together
        last = before._rowHeights[-1]  # set by wrap
        parts = before.split(width, before_height - last - 0.01)
        return [parts[0], KeepTogether([parts[1], *block])] if len(parts) == 2 else together


class Headed(_Container, Flowable):  # type: ignore[misc]
    """A section heading kept with the start of its table ``body``: never at a page's foot.

    ``body`` is a table, or a ``WithPreceding`` whose first part is one. Drawn as one where
    it fits; where it does not, the heading goes with the table's first ``first`` rows (header
    included, or the whole table when shorter) and the rest flows on, or, without room for
    those rows here, the whole goes to the next page.
    """

    def __init__(self, heading: Flowable, body: Flowable, first: int) -> None:
        super().__init__()
        self._content = [heading, body]
        self._first = first

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        """Reportlab's ``Flowable.wrap``: the (width, height) in points of both together."""
        self.width, self.height = _listWrapOn(self._content, available_width, self.canv)
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """Reportlab's ``Flowable.split``: what goes on this page and the next, or ``[]`` (all
        on the next page)."""
        heading, body = self._content
        _, lead = heading.wrap(available_width, available_height)
        lead += heading.getSpaceBefore() + heading.getSpaceAfter()
        parts = body.split(available_width, available_height - lead)
        first = parts[0] if parts else None
        if isinstance(first, NullActionFlowable) or not isinstance(first, Table):
            return self._whole()
        rows = len(first._cellvalues)
        wanted = min(self._first, len(_first_table(body)._cellvalues))
        return [heading, *parts] if rows >= wanted else self._whole()

    def _whole(self) -> list[Flowable]:
        frame = getattr(self, "_frame", None)
        if frame is not None and getattr(frame, "_atTop", False):
            return list(self._content)  # at the top of a page already: flow as it comes
        return []


def _first_table(body: Flowable) -> Table:
    first = body._content[0] if isinstance(body, WithPreceding) else body
    assert isinstance(first, Table)
    return first


def _is_heading(story: list[Any], styles: dict[str, ParagraphStyle]) -> bool:
    """Whether the last flowable of ``story`` is a section heading."""
    return bool(story) and isinstance(story[-1], Paragraph) and story[-1].style is styles["heading"]


def _headed(story: list[Any], heading_style: ParagraphStyle) -> list[Any]:
    """``story`` with each section heading joined to the table after it (``Headed``): the
    header and first two rows of a grid, the first two rows of a label-value table."""
    out: list[Any] = []
    for item in story:
        before = out[-1] if out else None
        is_heading = isinstance(before, Paragraph) and before.style is heading_style
        body = item._content[0] if isinstance(item, WithPreceding) else item
        if is_heading and isinstance(body, Table):
            first = 3 if getattr(body, "repeatRows", 0) else 2
            out[-1] = Headed(out[-1], item, first)
        else:
            out.append(item)
    return out


def flowables(document: Document) -> list[Flowable]:
    """The reportlab flowables of ``document`` for an A4 page within :data:`MARGIN`.

    The signature table goes whole on one page with its heading and the end of what precedes
    it, and the paragraphs after it (the printing note) go with it: a page never holds only
    the note.
    """
    font = fonts().pdf
    styles = _styles(font)
    width = A4[0] - 2 * MARGIN
    story: list[Any] = [KinsokuParagraph(markup(document.title), styles["title"])]
    if document.subtitle:
        story.append(KinsokuParagraph(markup(document.subtitle), styles["subtitle"]))
    signed: list[Flowable] | None = None  # the flowables kept with the signature table
    for block in document.blocks:
        if isinstance(block, Para) and signed is not None:
            signed.append(
                KinsokuParagraph(markup(block.text), styles["small" if block.small else "body"])
            )
            continue
        signed = None
        if isinstance(block, Heading):
            story.append(KinsokuParagraph(markup(block.text), styles["heading"]))
        elif isinstance(block, Para):
            story.append(
                KinsokuParagraph(markup(block.text), styles["small" if block.small else "body"])
            )
        elif isinstance(block, Pairs):
            if block.rows:
                story.append(_pairs(block, styles, width))
        elif isinstance(block, Grid):
            texts = [block.header, *block.rows]
            size = styles["cell"].fontSize
            widths = grid_widths(texts, width, size)
            grid = [[cell(text, styles) for text in row] for row in texts]
            if block.nothing:  # 无记录: a last row across the columns, as the workbook's
                grid.append([cell(block.nothing, styles), *[""] * (len(block.header) - 1)])
            table = _grid(grid, widths)
            if block.nothing:
                table.setStyle(TableStyle([("SPAN", (0, -1), (-1, -1))]))
            story.append(table)
        elif isinstance(block, Signatures):
            # The whole table on one page, with its heading (KeepTogether is no flowable that
            # keepWithNext joins, so the heading goes inside it) and the end of what precedes.
            heading = [story.pop()] if story and isinstance(story[-1], Paragraph) else []
            kept = [*heading, _signatures(block, styles, width)]
            if not story:
                story.append(KeepTogether(kept))
            else:
                before = story.pop()
                if not isinstance(before, Table) and _is_heading(story, styles):
                    # A section of one paragraph (未附证据材料。) goes with its heading.
                    before = KeepTogether([story.pop(), before])
                story.append(WithPreceding(before, kept))
            signed = story[-1]._content
        elif isinstance(block, Picture):
            image = Image(str(block.path))
            scale = min(block.width_cm * cm, width) / image.drawWidth
            image.drawWidth *= scale
            image.drawHeight *= scale
            story.append(image)
    return _headed(story, styles["heading"])


def write_pdf(document: Document, path: Path) -> Path:
    """Write ``document`` as an A4 PDF at ``path`` with the font chain embedded; returns ``path``.

    Characters no font has are printed as ``[U+XXXXX]`` placeholders (``reports.fonts``).
    """

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        draw_line(canvas, MARGIN, 1.0 * cm, document.footer, 7)
        draw_line(canvas, A4[0] - MARGIN, 1.0 * cm, f"— {doc.page} —", 7, right=True)
        canvas.restoreState()

    path.parent.mkdir(parents=True, exist_ok=True)
    template = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=clean(document.title),
        author=clean(document.meta.get("author", "")),
        subject=clean(document.subtitle),
        creator="guowen",
        # reportlab's canvas starts each page in its base font (Helvetica, never embedded)
        # unless told otherwise: the chain's first font is the one every page starts in.
        initialFontName=fonts().pdf,
    )
    with _RENDERING:
        template.build(flowables(document), onFirstPage=footer, onLaterPages=footer)
    return path
