"""Documents as DOCX through python-docx, laid out as Chinese official documents are.

GB/T 9704-2012 conventions where they apply to a form and a report: A4, margins 37 mm top,
35 mm bottom, 28 mm left, 26 mm right; the title in 方正小标宋简体 (fallback 黑体/SimHei),
headings in 黑体, the body in 仿宋_GB2312 (fallback 仿宋/FangSong) at 三号 (16 pt) for prose
and 四号/五号 in tables; the page number as "— 1 —" centred in the footer.

Every run names its fonts in all slots, the East Asian one included (``w:eastAsia``): without
it Word draws Chinese in a Latin font's fallback. A character beyond the Basic Multilingual
Plane (CJK Extension B and on, e.g. ``𠮷``) is put in a run of its own in SimSun-ExtB, which
Windows ships; LibreOffice finds HanaMinB (``fonts-hanazono``) for it through fontconfig. The
characters themselves are written unchanged. The font table names each font's fallback
(``w:altName``), so a PC without 方正小标宋简体 or 仿宋_GB2312 substitutes the right face.

A grid's columns are as wide as their texts ask (``grid_layout``, the PDF's rule), at 五号 or
小五; a grid a portrait page cannot hold so goes on landscape pages of its own, its heading
with it. Label-value pairs are printed on the PDF's four-column grid
(``reports.document.pair_rows``).

Table rows never break across pages (``w:cantSplit``), header rows repeat on every page
(``w:tblHeader``), a heading keeps with what follows: a grid of at most ``WHOLE_ROWS`` rows
whole; a longer one's header and first ``HEAD_ROWS`` rows (each keeps with the next), and the
rest flows on, so a page is not left half empty for a long table moved whole; a note between a
heading and its table keeps with the table too. A grid with nothing to show says so in a last
row across its columns (``Grid.nothing``, 无记录), never by a header alone. A picture (a
chart) keeps with the last rows of the table before it. The signature table keeps with its
heading, the last rows of what precedes it and the printing note: lines to sign never stand
alone on a page. A paragraph right after a table or a picture (a note on it, the document's
closing line) keeps the table's last rows or the picture on its page, so it never stands alone
on the last page. An empty line follows each table, so a picture or paragraph after it never
touches its border; before a heading the heading's own space above does (with the empty line
there, LibreOffice would leave the heading alone at the foot of a page, its keep-with-next
unheeded)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from pathlib import Path
from typing import Any

from docx import Document as new_document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from reportlab.pdfbase.ttfonts import TTFont

from reports.document import (
    Block,
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
from reports.fonts import (
    BODY_FALLBACK,
    BODY_FONT,
    EXTENSION_FONT,
    HEADING_FONT,
    TITLE_FALLBACK,
    TITLE_FONT,
    beyond_bmp,
)
from reports.linebreak import GROUP, NUMBER
from reports.paper import content_widths, head_text, share_widths

PAGE_WIDTH_MM = 210
PAGE_HEIGHT_MM = 297
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_CM = (PAGE_WIDTH_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) / 10
LANDSCAPE_WIDTH_CM = (PAGE_HEIGHT_MM - MARGINS_MM["left"] - MARGINS_MM["right"]) / 10
"""The text width of a landscape page (the same margins), for a grid a portrait page cannot
hold readably."""
CELL_SIDES_CM = 0.4
"""A table cell's left and right margins together: Word's and LibreOffice's default 0.19 cm
each, rounded up."""
ROUNDING_CM = 0.1
"""Room a word asks for beyond its width and the cell's margins: LibreOffice lays a table
out in twips and rounds, so a word that fits its column to a hundredth of a centimetre (a
record number of 4.17 cm in a column of 4.18 cm) still wraps."""
LATIN_FACES = {False: "Vera.ttf", True: "VeraBd.ttf"}
"""Bitstream Vera and Vera Bold, shipped with reportlab: DejaVu Sans and DejaVu Sans Bold,
the faces LibreOffice and WPS substitute where the body font (FangSong_GB2312) is missing,
grew from them and keep their widths for every character Vera has (Word's FangSong is
narrower)."""
LONG_WORD_CM = 5.0
"""The widest a word may ask its column to be; a longer one (a hash) breaks in any case.
A record or case number (:data:`reports.linebreak.NUMBER`) asks for its whole width."""
BROKEN_WORD_CM = 3.0
"""The widest a long word asks for (``LONG_WORD_CM``) when a grid would otherwise leave the
portrait page: a phone's file name (Screenshot_2026-12-01-09-30-00-123_com.tencent.mm.jpg)
beside a SHA-256 then breaks over more lines rather than sending the form's evidence list to
a landscape page of its own."""
# Point sizes by Chinese name: 二号 22, 三号 16, 四号 14, 小四 12, 五号 10.5, 小五 9.
TITLE_PT = 22.0
HEADING_PT = 16.0
BODY_PT = 16.0
SUBTITLE_PT = 12.0
SIGN_PT = 12.0
GRID_PT = 10.5
SMALL_PT = 9.0
PAIRS_PT = SMALL_PT
"""A label-value table's size: its grid (``reports.document.PAIR_COLUMNS``, 49 ems) over the
text width, as in the PDF."""
GRID_SIZES = (GRID_PT, SMALL_PT)
"""A grid's point sizes, tried in turn (Chinese sizes 5 and small 5), on a portrait page and
then on a landscape one: never smaller (a table at 6 pt is not read)."""
READABLE_EMS = 6
"""Characters a line a column of text keeps where its texts are that long, so a case name is
never printed three characters a line: a grid that cannot give each column that much on a
portrait page goes on a landscape one."""
WHOLE_CELL = 4
"""A cell this short (a two-character CJK header, No.) is one word: it is never broken."""
SIGN_ROW_CM = 1.3
CELL_TOP_TWIPS = 30  # 1.5 pt
# Rows after a table's header kept on the page of its heading; the rest flows on.
HEAD_ROWS = 2
# A grid of at most this many rows, its header included, is kept whole on one page (the
# summary's category tables: ten categories, a header and a total); a longer one flows on.
WHOLE_ROWS = 16
# Rows at a table's end kept with what must not stand apart from it (a chart, the signatures).
TAIL_ROWS = 2
# Space between a table and a paragraph or picture after it, so neither touches its border.
AFTER_TABLE_PT = 6.0
# Fallbacks written into the font table (what Word substitutes when a font is absent).
ALT_NAMES = {
    TITLE_FONT: TITLE_FALLBACK,
    BODY_FONT: BODY_FALLBACK,
    HEADING_FONT: "Microsoft YaHei",
    EXTENSION_FONT: "SimSun",
}


def _fonts_of(run_props: Any, name: str) -> None:
    fonts = run_props.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        run_props.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
    fonts.set(qn("w:hint"), "eastAsia")


def add_text(
    paragraph: Paragraph, text: str, *, font: str, size: float, bold: bool = False
) -> None:
    """``text`` as runs of ``paragraph``: characters beyond the BMP in ``EXTENSION_FONT``."""
    pieces: list[tuple[bool, str]] = []
    for char in clean(text):
        wide = beyond_bmp(char)
        if pieces and pieces[-1][0] == wide:
            pieces[-1] = (wide, pieces[-1][1] + char)
        else:
            pieces.append((wide, char))
    for wide, piece in pieces:
        r = paragraph._p.add_r()
        r.append(deepcopy(_run_properties(EXTENSION_FONT if wide else font, size, bold)))
        r.text = piece  # after the properties: it keeps them (``CT_R.clear_content``)


STAMP = re.compile(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2})")
"""A printed time (``2026-11-30 10:00``, ``reports.columns.stamp``)."""


def add_unbroken_stamps(paragraph: Paragraph, text: str, *, font: str, size: float) -> None:
    """``text`` as runs of ``paragraph`` (``add_text``), each printed time in it never split
    over two lines: its hyphens are no-break hyphens (``w:noBreakHyphen``, ECMA-376 Part 1,
    17.3.3.18), which read back as ``-``, and its space a no-break space."""
    for n, part in enumerate(STAMP.split(text)):
        if n % 2 == 0:
            if part:
                add_text(paragraph, part, font=font, size=size)
            continue
        for m, piece in enumerate(part.replace(" ", "\u00a0").split("-")):
            if m:
                r = paragraph._p.add_r()
                r.append(deepcopy(_run_properties(font, size, False)))
                r.append(OxmlElement("w:noBreakHyphen"))
            add_text(paragraph, piece, font=font, size=size)


@functools.cache
def _run_properties(font: str, size: float, bold: bool) -> Any:
    """A run's ``w:rPr`` at ``size`` pt, ``bold`` or not, ``font`` in all four slots: made once
    through python-docx (``Run.font.size``, ``Run.bold``) and copied into each run, for the
    report's tables of thousands of cells. Never changed after it is made."""
    run = new_document().add_paragraph().add_run()
    run.font.size = Pt(size)
    run.bold = bold
    _fonts_of(run._r.get_or_add_rPr(), font)
    return run._r.rPr


def _paragraph(
    container: Any,
    text: str,
    *,
    font: str = BODY_FONT,
    size: float = BODY_PT,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph()
    add_text(paragraph, text, font=font, size=size, bold=bold)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _row_rules(table: Table, *, header: bool) -> None:
    """No row breaks across a page; the header row repeats on each page."""
    for n, row in enumerate(table.rows):
        props = row._tr.get_or_add_trPr()
        props.append(OxmlElement("w:cantSplit"))
        if header and n == 0:
            props.append(OxmlElement("w:tblHeader"))


def _cell_margins(table: Table) -> None:
    """A little room above and below each cell's text, so it does not touch the rules."""
    margins = OxmlElement("w:tblCellMar")
    for side, twips in (("top", CELL_TOP_TWIPS), ("bottom", CELL_TOP_TWIPS)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(twips))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


def _fill(
    table: Table, rows: list[tuple[str, ...]], widths: list[float], *, header: bool, size: float
) -> None:
    # Row by row: ``table.cell(r, c)`` recomputes the whole grid on every call.
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)  # the grid (w:gridCol), which LibreOffice reads
    for r, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.width = Cm(widths[c])
            bold = header and r == 0
            if header and r == 0 and _word_cm(value, size) > widths[c] and " (" not in value:
                value = head_text(value, 0)  # 大小 / （字节）: never 大小（字 / 节）
            paragraph = cell.paragraphs[0]
            add_text(paragraph, value, font=BODY_FONT, size=size, bold=bold)
            paragraph.paragraph_format.space_after = Pt(0)
            if header and r == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _row_rules(table, header=header)
    _cell_margins(table)


def _keep_with_next(rows: Iterable[Any]) -> None:
    """Each of ``rows`` stays on the page of the row (or paragraph) after it."""
    for row in rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.keep_with_next = True


def _keep_with_heading(table: Table, *, header: bool) -> None:
    """The table's header (when ``header``) and first ``HEAD_ROWS`` rows stay on the page of
    the heading above (the heading keeps with the table); the rest flows on. A grid (a
    ``header``) of at most ``WHOLE_ROWS`` rows is kept whole. Rows never split
    (``_row_rules``)."""
    first = HEAD_ROWS + (1 if header else 0)
    if header and len(table.rows) <= WHOLE_ROWS:
        first = len(table.rows)
    _keep_with_next(table.rows[: min(first, len(table.rows)) - 1])


def _keep_end_with_next(placed: list[Table | Paragraph]) -> None:
    """The last ``TAIL_ROWS`` rows of a table in ``placed`` (and the line after it) stay on
    the page of what comes next."""
    for before in placed:
        if isinstance(before, Table):
            _keep_with_next(before.rows[-TAIL_ROWS:])
        else:
            before.paragraph_format.keep_with_next = True


def _pairs(doc: DocxDocument, block: Pairs) -> Table:
    """A label-value table on the grid the PDF prints too (``reports.document.pair_rows``,
    ``pair_widths``): each cell over its span of the four columns, labels bold, at
    ``PAIRS_PT``."""
    laid = pair_rows(block.rows)
    widths = pair_widths(TEXT_WIDTH_CM)
    table: Table = doc.add_table(rows=len(laid), cols=len(widths), style="Table Grid")
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row, cells in zip(table.rows, laid, strict=True):
        tcs = list(row._tr.tc_lst)
        start = 0
        for part in cells:
            first = tcs[start]
            for tc in tcs[start + 1 : start + part.span]:
                row._tr.remove(tc)  # the span's other cells: the first cell spans them
            if part.span > 1:
                first.grid_span = part.span
            first.width = Cm(sum(widths[start : start + part.span]))
            paragraph = Paragraph(first.p_lst[0], row)
            add_text(paragraph, part.text, font=BODY_FONT, size=PAIRS_PT, bold=part.label)
            paragraph.paragraph_format.space_after = Pt(0)
            start += part.span
    _row_rules(table, header=False)
    _cell_margins(table)
    return table


@functools.cache
def _latin_face(bold: bool) -> TTFont:
    """Bitstream Vera (``bold``: Vera Bold) from reportlab's fonts, loaded once."""
    return TTFont(LATIN_FACES[bold], LATIN_FACES[bold])


@functools.lru_cache(maxsize=8192)
def _char_points(char: str, size: float, bold: bool) -> float:
    """One character's width in points at ``size`` pt, as wide as an office suite may draw
    it (see :func:`_word_cm`)."""
    face = _latin_face(bold).face
    if ord(char) >= 0x2E80 or ord(char) not in face.charWidths:
        return size  # CJK, or a sign Vera lacks: 1 em
    return float(face.charWidths[ord(char)]) / 1000 * size


_IDEOGRAPH = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
AUTOSPACE = re.compile(f"(?<=[{_IDEOGRAPH}])(?=[A-Za-z0-9])|(?<=[A-Za-z0-9])(?=[{_IDEOGRAPH}])")
"""Where an ideograph meets a Latin letter or digit: an office suite spaces them apart."""


def _word_cm(word: str, size: float, *, bold: bool = True) -> float:
    """A word's width in cm at ``size`` pt, ``bold`` or regular, as wide as an office suite
    may draw it, plus the cell's side margins (``CELL_SIDES_CM``) and ``ROUNDING_CM``: a CJK
    character (a full-width bracket too) 1 em, the rest at the widths of DejaVu Sans or
    DejaVu Sans Bold (``LATIN_FACES``), 1 em where those lack the character; and a quarter em
    wherever an ideograph meets a Latin letter or digit, the space an office suite puts
    there (``w:autoSpaceDE``, ``w:autoSpaceDN``, on by default: 豫 0825 民初 123 号)."""
    points = sum(_char_points(char, size, bold) for char in word)
    points += len(AUTOSPACE.findall(word)) * size / 4
    return points / 72 * 2.54 + CELL_SIDES_CM + ROUNDING_CM


def _least(
    rows: Iterable[Iterable[str]],
    count: int,
    size: float,
    *,
    header: bool = True,
    long_cm: float = LONG_WORD_CM,
) -> list[float]:
    """Each column's least width in cm at ``size`` pt: its longest word (a Latin word never
    breaks, CJK breaks between characters, a short bracketed group such as （字节）, a cell
    of up to ``WHOLE_CELL`` characters such as 序号 and a record or case number are one
    word), the first row measured bold when it is the ``header``, the rest regular, as
    ``_fill`` writes them. A word wider than ``long_cm`` (``LONG_WORD_CM``: a SHA-256, a
    URL) breaks wherever it is put, so it asks for that much only; what is never broken, a
    bracketed group (at most ten characters) and a record or case number, asks for its
    whole width."""
    least = [0.0] * count
    for r, row in enumerate(rows):
        bold = header and r == 0
        for n, cell in enumerate(row):
            text = clean(cell).strip()
            if len(text) <= WHOLE_CELL:
                words = [text]
            else:
                words = [w for w in re.split(r"[\s/]+|(?<=[\u2e80-\U0010ffff])", text) if w]
            widths = [min(_word_cm(w, size, bold=bold), long_cm) for w in words]
            whole = [*GROUP.findall(text), *NUMBER.findall(text)]
            widths += [_word_cm(w, size, bold=bold) for w in whole]
            least[n] = max([least[n], *widths])
    return least


def _widest(rows: Sequence[Sequence[str]], count: int, size: float) -> list[float]:
    """Each column's widest text in cm at ``size`` pt as ``_word_cm`` measures it: each cell's
    longest line whole, the first row (the header, bold) on two lines."""
    widest = [0.0] * count
    bare = CELL_SIDES_CM + ROUNDING_CM
    for r, row in enumerate(rows):
        for n, cell in enumerate(row):
            line = max(_word_cm(part, size, bold=r == 0) - bare for part in clean(cell).split("\n"))
            widest[n] = max(widest[n], (line / 2 if r == 0 else line) + bare)
    return widest


def grid_layout(rows: Sequence[Sequence[str]], count: int) -> tuple[bool, float, list[float]]:
    """How a grid of ``rows`` (its header first) prints: ``(landscape, size, widths)``, the
    widths in cm from what the columns hold (``reports.paper.content_widths``, as the PDF).

    The first page and size, portrait before landscape and ``GRID_SIZES`` in turn, at which
    each column gets at least its longest word (``_least``, long words at ``LONG_WORD_CM``,
    on a portrait page at the smallest size at last ``BROKEN_WORD_CM``) and
    ``READABLE_EMS`` characters a line where its texts are longer (``_widest``); failing
    that, landscape at the smallest size with the longest words in proportion."""
    for landscape in (False, True):
        width = LANDSCAPE_WIDTH_CM if landscape else TEXT_WIDTH_CM
        for size, long_cm in grid_tries(landscape=landscape):
            least = _least(rows, count, size, long_cm=long_cm)
            widest = _widest(rows, count, size)
            readable = READABLE_EMS * size / 72 * 2.54 + CELL_SIDES_CM + ROUNDING_CM
            need = [max(m, min(w, readable)) for m, w in zip(least, widest, strict=True)]
            if sum(need) <= width:
                return landscape, size, content_widths(need, widest, width)
    return True, size, content_widths(least, widest, LANDSCAPE_WIDTH_CM)


def grid_tries(*, landscape: bool) -> list[tuple[float, float]]:
    """The (point size, widest long word in cm) ``grid_layout`` tries in turn on a page:
    each of ``GRID_SIZES`` with ``LONG_WORD_CM``, then on a portrait page the smallest size
    with ``BROKEN_WORD_CM``."""
    tries = [(size, LONG_WORD_CM) for size in GRID_SIZES]
    return tries if landscape else [*tries, (GRID_SIZES[-1], BROKEN_WORD_CM)]


def _page(section: Section, *, landscape: bool) -> None:
    """``section`` on A4, portrait or ``landscape``, with the margins of GB/T 9704."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long = Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.footer_distance = Mm(28 - 7)


TABLES = (Grid, Pairs, Signatures, Picture)
"""The blocks a heading introduces and must stay with (a picture: a chart, drawn as one)."""


def _landscape_blocks(blocks: Sequence[Block]) -> set[int]:
    """The indices of ``blocks`` printed on landscape pages: each grid ``grid_layout`` puts
    there, with its section's heading and the notes between them (a heading left on the
    portrait page would stand alone, its table on the next), and what follows it up to the
    next heading."""
    wide: set[int] = set()
    for n, block in enumerate(blocks):
        if isinstance(block, Grid) and grid_layout([block.header, *block.rows],
                                                    len(block.header))[0]:  # fmt: skip
            first = n
            while first and isinstance(blocks[first - 1], Para):
                first -= 1
            if not first or not isinstance(blocks[first - 1], Heading):
                first = n  # notes on what came before, not this table's: they stay there
            while first and isinstance(blocks[first - 1], Heading):
                first -= 1
            last = n + 1
            while last < len(blocks) and not isinstance(blocks[last], Heading):
                last += 1
            wide.update(range(first, last))
    return wide


def _spacer(doc: DocxDocument) -> Paragraph:
    """An empty line ``AFTER_TABLE_PT`` high after a table: what follows (a picture, a note)
    never touches its border, two tables never run into one, and a table kept with what
    follows it (LibreOffice reads rows kept together so) is kept with this line only."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    paragraph.paragraph_format.line_spacing = Pt(AFTER_TABLE_PT)
    paragraph.paragraph_format.space_before = Pt(0)
    paragraph.paragraph_format.space_after = Pt(0)
    return paragraph


def _page_number(paragraph: Paragraph) -> None:
    """The PAGE field between em dashes, ``— N —`` (GB/T 9704, 7.5)."""
    add_text(paragraph, "— ", font=BODY_FONT, size=14)
    run = paragraph.add_run()
    run.font.size = Pt(14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    add_text(paragraph, " —", font=BODY_FONT, size=14)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _font_table(doc: DocxDocument) -> None:
    """Name each font with its fallback in ``word/fontTable.xml`` (``w:altName``)."""
    for part in doc.part.package.parts:
        if str(part.partname) != "/word/fontTable.xml":
            continue
        root = etree.fromstring(part.blob)
        for name, alternative in ALT_NAMES.items():
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            alt = etree.SubElement(font, qn("w:altName"))
            alt.set(qn("w:val"), alternative)
            charset = etree.SubElement(font, qn("w:charset"))
            charset.set(qn("w:val"), "86")  # GB2312
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def write_docx(document: Document, path: Path) -> Path:
    """Write ``document`` to ``path`` as a DOCX laid out as the module says; returns ``path``."""
    doc = new_document()
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _fonts_of(normal.element.get_or_add_rPr(), BODY_FONT)
    section = doc.sections[0]
    _page(section, landscape=False)
    _paragraph(
        doc,
        document.title,
        font=TITLE_FONT,
        size=TITLE_PT,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
    )
    if document.subtitle:
        _paragraph(doc, document.subtitle, size=SUBTITLE_PT, align=WD_ALIGN_PARAGRAPH.CENTER)
    before_heading: list[Table | Paragraph] = []  # what the last block but headings placed
    headed = False  # a heading stands between ``before_heading`` and this block
    previous: Block | None = None  # the block that placed ``before_heading``
    wide = _landscape_blocks(document.blocks)
    leading = False  # only headings and their notes since the last table or picture
    for n, block in enumerate(document.blocks):
        placed: list[Table | Paragraph]
        # The next block that is not a note: what this block's notes introduce.
        following = next((b for b in document.blocks[n + 1 :] if not isinstance(b, Para)), None)
        leading = isinstance(block, Heading) or (leading and isinstance(block, Para))
        if (n in wide) != (n - 1 in wide) and n:
            # A wide grid on landscape pages, with its heading; then portrait again.
            _page(doc.add_section(WD_SECTION.NEW_PAGE), landscape=n in wide)
            before_heading, previous, headed = [], None, False
        if isinstance(block, Heading):
            spacer = before_heading[-1] if before_heading else None
            if not headed and isinstance(previous, Grid | Pairs) and isinstance(spacer, Paragraph):
                # The heading's space above parts it from the table: no empty line between,
                # beside which LibreOffice would leave the heading alone at a page's foot.
                spacer._p.getparent().remove(spacer._p)
                before_heading.pop()
            headed = True
            heading = _paragraph(doc, block.text, font=HEADING_FONT, size=HEADING_PT)
            heading.paragraph_format.keep_with_next = True
            heading.paragraph_format.space_before = Pt(8)
            continue
        if isinstance(block, Para):
            if not headed and isinstance(previous, Grid | Pairs | Picture):
                # A note under a table or picture (no heading between) is never left alone
                # on a page: the table's last rows or the picture go over with it.
                _keep_end_with_next(before_heading)
            paragraph = _paragraph(doc, block.text, size=SMALL_PT if block.small else BODY_PT)
            if leading and isinstance(following, TABLES):
                # A note between a heading and its table keeps the heading with the table.
                paragraph.paragraph_format.keep_with_next = True
            placed = [paragraph]
        elif isinstance(block, Pairs):
            if not block.rows:
                continue
            table = _pairs(doc, block)
            _keep_with_heading(table, header=False)
            placed = [table, _spacer(doc)]
        elif isinstance(block, Grid):
            rows = [block.header, *block.rows]
            _, size, widths = grid_layout(rows, len(block.header))
            if block.nothing:  # 无记录: a last row across the columns, as the workbook's
                rows.append((block.nothing, *("",) * (len(block.header) - 1)))
            table = doc.add_table(rows=len(rows), cols=len(block.header), style="Table Grid")
            _fill(table, rows, widths, header=True, size=size)
            if block.nothing and len(block.header) > 1:
                last = table.rows[-1].cells
                last[0].merge(last[-1])
            _keep_with_heading(table, header=True)
            placed = [table, _spacer(doc)]
        elif isinstance(block, Signatures):
            rows = [block.header, *((*row, "", "") for row in block.rows)]
            table = doc.add_table(rows=len(rows), cols=5, style="Table Grid")
            weights = (2.2, 2, 3.4, 3.4, 2.4)  # room to sign and date by hand
            widths = share_widths(weights, _least(rows, 5, SIGN_PT), TEXT_WIDTH_CM)
            _fill(table, rows, widths, header=True, size=SIGN_PT)
            for row in table.rows[1:]:
                row.height = Cm(SIGN_ROW_CM)
                row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
            # Never alone on a page: the block stays with its heading, the end of what comes
            # before that, and the line after it.
            _keep_with_next(table.rows)
            _keep_end_with_next(before_heading)
            after = _spacer(doc)
            after.paragraph_format.keep_with_next = True  # with the printing note below
            placed = [table, after]
        elif isinstance(block, Picture):
            if not headed and any(isinstance(before, Table) for before in before_heading):
                _keep_end_with_next(before_heading)  # a chart with the table it draws
            picture = doc.add_paragraph()
            picture.paragraph_format.space_after = Pt(AFTER_TABLE_PT)
            picture.paragraph_format.keep_together = True
            picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
            width = Cm(min(block.width_cm, TEXT_WIDTH_CM))
            picture.add_run().add_picture(str(block.path), width=width)
            placed = [picture]
        before_heading = placed
        previous = block
        headed = False
    footer = section.footer.paragraphs[0]
    _page_number(footer)
    if document.footer:
        line = section.footer.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_unbroken_stamps(line, document.footer, font=BODY_FONT, size=7)
    _font_table(doc)
    props = doc.core_properties
    props.title = clean(document.title)[:255]
    props.subject = clean(document.subtitle)[:255]
    props.author = clean(document.meta.get("author", ""))[:255]
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
