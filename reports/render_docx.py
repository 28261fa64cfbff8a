"""Documents as DOCX through python-docx, for a court that edits before it files.

Chinese text needs the East Asian font slot set (``w:eastAsia``), or Word falls back to a
Latin font and draws boxes on some systems; every style used here gets it.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document as new_document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.styles.style import ParagraphStyle
from docx.table import Table

from reports.document import Document, Grid, Heading, Pairs, Para, Picture, clean
from reports.fonts import DOCX_FONT


def _east_asian(style: ParagraphStyle, size: float | None = None) -> None:
    style.font.name = DOCX_FONT
    if size is not None:
        style.font.size = Pt(size)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), DOCX_FONT)


def _fill(table: Table, rows: list[tuple[str, ...]], *, header: bool) -> None:
    # Row by row: ``table.cell(r, c)`` recomputes the whole grid on every call.
    for r, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.text = clean(value)
            if (header and r == 0) or (not header and c == 0):
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def write_docx(document: Document, path: Path) -> Path:
    doc = new_document()
    styles = doc.styles
    for name, size in (("Normal", 10.5), ("Title", 18), ("Heading 1", 13), ("Heading 2", 12)):
        style = styles[name]
        assert isinstance(style, ParagraphStyle)
        _east_asian(style, size)
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(2)
    title = doc.add_paragraph(clean(document.title), style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if document.subtitle:
        doc.add_paragraph(clean(document.subtitle)).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for block in document.blocks:
        if isinstance(block, Heading):
            doc.add_heading(clean(block.text), level=2)
        elif isinstance(block, Para):
            paragraph = doc.add_paragraph(clean(block.text))
            if block.small:
                for run in paragraph.runs:
                    run.font.size = Pt(8)
        elif isinstance(block, Pairs):
            if block.rows:
                table = doc.add_table(rows=len(block.rows), cols=2, style="Table Grid")
                _fill(table, list(block.rows), header=False)
                for row in table.rows:
                    row.cells[0].width = Cm(4.4)
                    row.cells[1].width = Cm(12.6)
        elif isinstance(block, Grid):
            rows = [block.header, *block.rows]
            table = doc.add_table(rows=len(rows), cols=len(block.header), style="Table Grid")
            _fill(table, rows, header=True)
        elif isinstance(block, Picture):
            doc.add_picture(str(block.path), width=Cm(block.width_cm))
    if document.footer:
        footer = section.footer.paragraphs[0]
        footer.text = clean(document.footer)
        for run in footer.runs:
            run.font.size = Pt(7)
    props = doc.core_properties
    props.title = clean(document.title)[:255]
    props.subject = clean(document.subtitle)[:255]
    props.author = clean(document.meta.get("author", ""))[:255]
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
