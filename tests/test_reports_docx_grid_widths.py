"""Each DOCX grid takes its column widths from what its columns hold, as the PDF does: no
column narrower than its longest word, none narrower than a few characters a line where its
texts are longer (a case name is never printed four characters a line), and where the texts
do not all fit on one line none wider than its widest text asks (a column of 是/否 keeps the
width its header needs on two lines). The table fits its page at 五号 or 小五, never smaller:
a grid a portrait page cannot hold so goes on a landscape page. The summary's Art. 7 list
names each case by its case number (Art. 7: the list goes to the higher Party committee)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reports_docx_numbers import broken_numbers
from test_reports_docx_widths import TABLE, narrow_columns, styled_table
from test_reports_form import PRINTED, in_person_record
from test_reports_support import BEIJING, CASE_NUMBER, COURT, RULES

from reports.document import Document, Grid, Heading, Para
from reports.period import parse_period
from reports.quarterly import build_report
from reports.render_docx import (
    CELL_SIDES_CM,
    GRID_SIZES,
    LANDSCAPE_WIDTH_CM,
    READABLE_EMS,
    ROUNDING_CM,
    TEXT_WIDTH_CM,
    _least,
    _word_cm,
    write_docx,
)
from reports.text import tr
from storage.db import Database
from storage.vocabulary import Language

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BARE = CELL_SIDES_CM + ROUNDING_CM


def wants(rows: list[list[str]], size: float) -> list[float]:
    """Each column's widest text on one line in cm at ``size`` pt (the header's on two), as
    the renderer measures a word (``_word_cm``), with the cell's margins."""
    widest = [0.0] * len(rows[0])
    for r, row in enumerate(rows):
        for n, text in enumerate(row):
            line = max(_word_cm(part, size, bold=r == 0) - BARE for part in text.split("\n"))
            widest[n] = max(widest[n], (line / 2 if r == 0 else line) + BARE)
    return widest


def page_widths(path: Path) -> list[float]:
    """The text width in cm of the page each table of ``path`` stands on, in order."""
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    widths: list[float] = []
    start = 0
    for section in re.finditer(r"<w:sectPr.*?</w:sectPr>", xml, re.S):  # each ends a section
        landscape = 'w:orient="landscape"' in section.group()
        count = xml[start : section.start()].count("<w:tbl>")
        widths += [LANDSCAPE_WIDTH_CM if landscape else TEXT_WIDTH_CM] * count
        start = section.end()
    return widths


def check_grid(path: Path) -> tuple[int, bool]:
    """Every grid of ``path`` (tables with a header row) fits its page at a readable size and
    takes its widths from its texts. Returns the grids checked, and whether the longest words
    of each fit its page at once (else they are scaled down to it)."""
    checked, fitted = 0, True
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    for page, table in zip(page_widths(path), TABLE.findall(xml), strict=True):
        if "<w:tblHeader/>" not in table:
            continue  # label-value pairs or signatures: no grid
        [(grid, cells, size)] = styled_table(table)
        checked += 1
        rows = [[text.replace("&amp;", "&") for text, _ in row] for row in cells]
        assert size in GRID_SIZES, size  # 五号 or 小五, never smaller
        assert sum(grid) <= page + 0.01  # within the text width of its page
        least, widest = _least(rows, len(grid), size), wants(rows, size)
        if sum(least) >= page:
            fitted = False
            continue  # words wider than any page: scaled down to it
        readable = READABLE_EMS * size / 72 * 2.54 + BARE
        need = [max(m, min(w, readable)) for m, w in zip(least, widest, strict=True)]
        for n, width in enumerate(grid):
            assert width >= least[n] - 0.01, (rows[0][n], width)
            if sum(need) <= page:  # a few characters a line where the text is longer
                assert width >= need[n] - 0.01, (rows[0][n], width)
            if sum(widest) > page:  # not every text on one line: none wider than it asks
                assert width <= max(widest[n], need[n]) + 0.01, (rows[0][n], width)
    return checked, fitted


CJK = st.sampled_from(
    ["张某诉李某民间借贷纠纷案", "温县发展和改革委员会", "王建国（副县长）", "民事审判第一庭",
     "是", "否", "要求对原告从轻处理并尽快结案", "逾期未办"]
)  # fmt: skip
LATIN = st.sampled_from(
    ["Wang Jianguo", "Zhang v. Li, loan dispute", "Received", "Yes", "No", "100.0%", "36,461"]
)
NUMBERS = st.sampled_from(
    ["温法过问〔2026〕99999号", CASE_NUMBER, "（2026）豫0825民初123456号之一", "2026-03-06 10:00"]
)
CELL = st.one_of(CJK, LATIN, NUMBERS, st.just(""))
HEADER = st.sampled_from(
    ["记录编号", "收到时间", "过问人（职务）", "案号", "案件名称", "同级主要领导干部", "情节严重",
     "Main leader", "Serious", "序号"]
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(columns=st.integers(2, 9), data=st.data())
def test_every_grid_takes_its_widths_from_its_texts(
    tmp_path: Path, columns: int, data: st.DataObject
) -> None:
    header = tuple(data.draw(HEADER) for _ in range(columns))
    rows = tuple(
        tuple(data.draw(CELL) for _ in range(columns)) for _ in range(data.draw(st.integers(1, 4)))
    )
    document = Document(
        "表", COURT, (Para("前言"), Heading("一、表"), Grid(header, rows), Heading("二、后"))
    )
    path = write_docx(document, tmp_path / "grid.docx")
    checked, fitted = check_grid(path)
    assert checked == 1
    if fitted:
        assert narrow_columns(path) == []
        assert broken_numbers(path) == []


async def test_the_art7_list_names_each_case_by_its_number(db: Database, tmp_path: Path) -> None:
    await in_person_record(db)  # main leader and serious: on the Art. 7 list
    for language in Language:
        async with db.read() as session:
            report = await build_report(
                session,
                parse_period("2026Q1", now=PRINTED, tz=BEIJING),
                language=language,
                tz=BEIJING,
                rules=RULES,
                now=PRINTED,
                out_dir=tmp_path / language.value,
                court_name=COURT,
            )
        assert check_grid(report.summary) >= (4, True)
        assert broken_numbers(report.summary) == []
        header = tr(language, "art7.case_number")
        [art7] = [
            table
            for table in docx.Document(str(report.summary)).tables
            if header in [cell.text for cell in table.rows[0].cells]
        ]
        column = [cell.text for cell in art7.rows[0].cells].index(header)
        assert [row.cells[column].text for row in art7.rows[1:]] == [CASE_NUMBER]
