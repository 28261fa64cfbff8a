"""The DOCX form is laid out on the PDF's grid: each label-value table has the PDF's four
columns (label, value, label, value) in the PDF's proportions, each row the same cells over
the same columns (two pairs side by side, or a value over three columns) with the same texts,
labels bold; each grid (milestones, evidence, corrections) has the PDF's columns and texts.
Checked over made-up label-value tables and over forms of records whose fields are long,
short or missing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import unescape

import docx
import pytest
from docx.table import _Cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.platypus import Paragraph, Table
from test_reports_pdf_tables import tables as pdf_tables
from test_reports_support import BEIJING, COURT, RULES, local, make_record, open_court

from reports.document import Document, Heading, Pairs, clean, pair_rows
from reports.facts import facts_for, load_names
from reports.form import form_document
from reports.render_docx import write_docx
from reports.render_pdf import flowables
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
Layout = list[list[tuple[str, int, bool]]]
"""A table's rows, each cell as (text, columns spanned, bold or shaded as a label)."""


def pdf_text(value: Any) -> str:
    """The text a PDF cell prints: its paragraph's markup without the font runs, unescaped."""
    if isinstance(value, list | tuple):
        return "".join(pdf_text(v) for v in value)
    if not isinstance(value, Paragraph):
        return value if isinstance(value, str) else ""  # a spacer: room to sign
    text = re.sub(r"</?font[^>]*>", "", value.text).replace("<br/>", "\n")
    return unescape(text)


def pdf_layout(table: Table) -> tuple[Layout, list[float]]:
    """The rows of a PDF table as cells over their spans, and its column widths."""
    spans = {(c0, r0): c1 - c0 + 1 for _, (c0, r0), (c1, _r1) in table._spanCmds}
    covered = {
        (c, r) for (c0, r), n in spans.items() for c in range(c0 + 1, c0 + n)
    }  # cells under a span
    rows: Layout = []
    for r, row in enumerate(table._cellvalues):
        cells = []
        for c, value in enumerate(row):
            if (c, r) in covered:
                continue
            label = isinstance(value, Paragraph) and value.style.name.startswith("label")
            cells.append((pdf_text(value), spans.get((c, r), 1), label))
        rows.append(cells)
    return rows, [float(w) for w in table._colWidths]


def docx_layouts(path: Path) -> list[tuple[Layout, list[float]]]:
    """The rows of each DOCX table as cells over their spans, and its grid's widths."""
    found = []
    for table in docx.Document(str(path)).tables:
        grid = [float(col.w) for col in table._tbl.tblGrid.gridCol_lst]
        rows: Layout = []
        for tr in table._tbl.tr_lst:
            rows.append(
                [
                    (
                        _Cell(tc, table).text,
                        tc.grid_span,
                        any(b.get(f"{W}val") not in ("0", "false") for b in tc.iter(f"{W}b")),
                    )
                    for tc in tr.tc_lst
                ]
            )
        found.append((rows, grid))
    return found


def assert_same_layout(document: Document, path: Path) -> int:
    """The DOCX of ``document`` has the PDF's tables: label-value tables cell for cell, with
    the PDF's column proportions; grids column for column with the same texts. Returns the
    label-value tables compared."""
    pdf = [pdf_layout(table) for table in pdf_tables(flowables(document))]
    written = docx_layouts(write_docx(document, path))
    assert len(written) == len(pdf)
    pairs = 0
    for (docx_rows, docx_widths), (pdf_rows, pdf_widths) in zip(written, pdf, strict=True):
        assert len(docx_widths) == len(pdf_widths)
        assert [[(text, span) for text, span, _ in row] for row in docx_rows] == [
            [(clean(text), span) for text, span, _ in row] for row in pdf_rows
        ]
        labels = [{label for _, _, label in row} for row in pdf_rows]
        if all(kinds == {True, False} for kinds in labels):  # label-value pairs, no header
            pairs += 1
            for docx_w, pdf_w in zip(docx_widths, pdf_widths, strict=True):
                assert docx_w / sum(docx_widths) == pytest.approx(pdf_w / sum(pdf_widths), abs=1e-3)
            assert [[bold for _, _, bold in row] for row in docx_rows] == [
                [label for _, _, label in row] for row in pdf_rows
            ]
    return pairs


SHORT = st.sampled_from(["是", "否", "主任", "2026-03-06 10:00", "民一庭", "PT-0001", ""])
LONG = st.sampled_from(
    [
        "温县发展和改革委员会党组书记、主任",
        "（2026）豫0825民初123456号之一",
        "要求对原告从轻处理，并尽快结案，不得拖延，" * 3,
        "Main leader of the same-level Party committee",
        "(1) 为案件当事人请托说情\n(4) 超越职权对案件处理提出倾向性意见或具体要求",
    ]
)
LABEL = st.sampled_from(
    [
        "记录编号",
        "收到时间",
        "是否同级党委或政法委主要领导干部（第七条）",
        "是否情节严重、可能造成冤假错案（第七条）",
        "Main leader of the same-level Party committee or political-legal committee (Art. 7)",
        "Place",
    ]
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(LABEL, st.one_of(SHORT, LONG)), min_size=1, max_size=9))
def test_a_label_value_table_is_the_pdfs_grid(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str]]
) -> None:
    document = Document("表", COURT, (Heading("一、收到情况"), Pairs(tuple(rows))))
    path = tmp_path_factory.mktemp("pairs") / "pairs.docx"
    assert assert_same_layout(document, path) == 1
    laid = pair_rows(tuple(rows))
    assert all(sum(cell.span for cell in row) == 4 for row in laid)
    assert sum(len(row) // 2 for row in laid) == len(rows)  # every pair, once


@pytest.fixture
async def court(db: Database) -> dict[str, Staff]:
    """The court's people, once for all the examples of a test."""
    return await open_court(db, local("2026-03-01 09:00"))


FIELD = st.one_of(st.none(), SHORT.filter(bool), LONG)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    unit=FIELD,
    position=FIELD,
    case_name=FIELD,
    case_number=FIELD.filter(lambda text: text is None or len(text) <= 60),  # its column
    summary=FIELD,
    place=FIELD,
    language=st.sampled_from(list(Language)),
)
async def test_every_section_of_a_form_is_the_pdfs_grid(
    db: Database,
    court: dict[str, Staff],
    tmp_path: Path,
    unit: str | None,
    position: str | None,
    case_name: str | None,
    case_number: str | None,
    summary: str | None,
    place: str | None,
    language: Language,
) -> None:
    record_id = await make_record(
        db,
        court["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        inquirer_unit=unit,
        inquirer_position=position,
        case_name=case_name,
        case_number=case_number,
        summary=summary,
        place=place,
        platform_after=timedelta(days=1),
    )
    now = local("2026-03-12 09:00")
    async with db.read() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        (facts,) = await facts_for(session, [record], await load_names(session), RULES, now)
        document = form_document(
            facts,
            language=language,
            tz=BEIJING,
            court_name=COURT,
            printed_at=now,
            head_seq=1,
            head_hash="0" * 64,
        )
    assert assert_same_layout(document, tmp_path / f"form{record_id}.docx") >= 4
