"""Documents as PDF through reportlab, with the CJK font of ``reports.fonts``.

Runs in a worker thread (``asyncio.to_thread``): building a PDF is CPU work the event loop
must not wait on. Every value is escaped, because reportlab's paragraphs read markup: a case
summary holding ``<b>`` or ``&`` prints as typed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.document import Document, Grid, Heading, Pairs, Para, Picture, clean
from reports.fonts import fonts

MARGIN = 1.8 * cm
# reportlab keeps a TrueType font's subsetting state in the shared font object: one document
# at a time, whichever worker thread builds it.
_RENDERING = threading.Lock()
LABEL_SHADE = colors.HexColor("#f3f3f3")


def markup(text: str) -> str:
    return escape(clean(text)).replace("\n", "<br/>")


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=4
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, alignment=1, spaceAfter=8),
        "heading": ParagraphStyle(
            "heading", parent=base, fontSize=11, leading=14, spaceBefore=6, spaceAfter=3
        ),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "label": ParagraphStyle("label", parent=base, fontSize=8, leading=10),
    }


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


def _grid(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(_GRID)
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8"))]))
    return table


def _pairs(block: Pairs, styles: dict[str, ParagraphStyle], font: str, width: float) -> Table:
    """Label-value rows, two pairs side by side where both are short: a form fits a page."""
    label_w = 3.4 * cm
    value_w = width / 2 - label_w
    size = styles["cell"].fontSize

    def short(label: str, value: str) -> bool:
        return (
            "\n" not in value
            and stringWidth(clean(value), font, size) <= value_w - 8
            and stringWidth(clean(label), font, size) <= 2 * (label_w - 8)
        )

    def cells(label: str, value: str) -> list[Any]:
        return [Paragraph(markup(label), styles["label"]), Paragraph(markup(value), styles["cell"])]

    data: list[list[Any]] = []
    commands: list[tuple[Any, ...]] = [("BACKGROUND", (0, 0), (0, -1), LABEL_SHADE)]
    rows = list(block.rows)
    while rows:
        label, value = rows.pop(0)
        r = len(data)
        if rows and short(label, value) and short(*rows[0]):
            data.append(cells(label, value) + cells(*rows.pop(0)))
            commands.append(("BACKGROUND", (2, r), (2, r), LABEL_SHADE))
        else:
            data.append([*cells(label, value), "", ""])
            commands.append(("SPAN", (1, r), (3, r)))
    table = Table(data, colWidths=[label_w, value_w, label_w, value_w])
    table.setStyle(_GRID)
    table.setStyle(TableStyle(commands))
    return table


def write_pdf(document: Document, path: Path) -> Path:
    font = fonts().pdf
    styles = _styles(font)
    width = A4[0] - 2 * MARGIN
    story: list[Any] = [Paragraph(markup(document.title), styles["title"])]
    if document.subtitle:
        story.append(Paragraph(markup(document.subtitle), styles["subtitle"]))
    for block in document.blocks:
        if isinstance(block, Heading):
            story.append(Paragraph(markup(block.text), styles["heading"]))
        elif isinstance(block, Para):
            story.append(Paragraph(markup(block.text), styles["small" if block.small else "body"]))
            story.append(Spacer(1, 3))
        elif isinstance(block, Pairs):
            if block.rows:
                story.append(_pairs(block, styles, font, width))
        elif isinstance(block, Grid):
            weights = list(block.widths) or [1.0] * len(block.header)
            total = sum(weights)
            grid = [
                [Paragraph(markup(cell), styles["cell"]) for cell in row]
                for row in (block.header, *block.rows)
            ]
            story.append(_grid(grid, [width * w / total for w in weights]))
        elif isinstance(block, Picture):
            image = Image(str(block.path))
            scale = min(block.width_cm * cm, width) / image.drawWidth
            image.drawWidth *= scale
            image.drawHeight *= scale
            story.append(image)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawString(MARGIN, 1.0 * cm, clean(document.footer))
        canvas.drawRightString(A4[0] - MARGIN, 1.0 * cm, str(doc.page))
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
    )
    with _RENDERING:
        template.build(story, onFirstPage=footer, onLaterPages=footer)
    return path
