"""A record number (温法过问〔2026〕12345号) or a case number (（2026）豫0825民初123456号之一) is
never broken inside a DOCX table cell: the column holding it is at least as wide as the number
on one line, measured in the faces LibreOffice draws where the court's fonts are missing
(DejaVu Sans for digits, a CJK character 1 em) with the cells' margins and some room for
rounding. Checked over made-up tables of any shape and over the real summary (its Art. 7 and
late-registration tables) and form (a correction of the case number), in each language."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from test_reports_docx_widths import measured_cm, styled_tables, unfitted
from test_reports_support import (
    BEIJING,
    COURT,
    RULES,
    form_files,
    local,
    make_record,
    open_court,
)
from test_reports_xlsx_whole import case_numbers

from reports.document import Document, Grid, Heading
from reports.linebreak import NUMBER
from reports.paper import text_width
from reports.period import parse_period
from reports.quarterly import build_report
from reports.render_docx import LANDSCAPE_WIDTH_CM, TEXT_WIDTH_CM, _least, grid_layout, write_docx
from storage import records as records_repo
from storage.casenumber import CaseNumber, widest_case_number
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language

SLACK_CM = 0.05
"""What a number leaves spare in its column: LibreOffice rounds a table's widths to twips."""
FORMATS = ("过问〔{year}〕{n}号", "温法过问〔{year}〕{n}号", "焦中法过问〔{year}〕{n}号")
WIDEST_RECORD = "温法过问〔2026〕99999号"

record_numbers = st.builds(
    lambda form, year, n: form.format(year=year, n=n),
    st.sampled_from(FORMATS),
    st.integers(2000, 2099),
    st.integers(1, 99_999),
)
numbers = st.one_of(record_numbers, case_numbers.map(lambda c: c.text))
WORDS = st.sampled_from(
    ["王建国（副县长）", "温县人民政府", "2026-11-30 10:00", "Wang Jianguo", "是", "否",
     "张某诉李某民间借贷纠纷案", "Zhang v. Li, loan dispute", "民事审判第一庭", "Received"]
)  # fmt: skip


def broken_numbers(docx: Path) -> list[tuple[str, float, float]]:
    """Each record or case number in a table of ``docx`` that its column cannot hold on one
    line, with the column's width and the number's (cm)."""
    broken = []
    for grid, rows, size in styled_tables(docx):
        for row in rows:
            for n, (text, bold) in enumerate(row):
                for number in NUMBER.findall(text):
                    width = measured_cm(number, size, bold=bold) + SLACK_CM
                    if width > grid[n] + 1e-9:
                        broken.append((number, grid[n], width))
    return broken


def test_the_pattern_finds_every_number_whole() -> None:
    for number in (WIDEST_RECORD, widest_case_number(text_width), "（2026）豫0825民初1号之一"):
        assert NUMBER.findall(f"改为 {number} → {number}") == [number, number]
    assert NUMBER.findall("王建国（副县长）2026年11月") == []


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(columns=st.integers(2, 7), data=st.data())
def test_a_number_in_any_table_fits_its_column(
    tmp_path: Path, columns: int, data: st.DataObject
) -> None:
    header = tuple(data.draw(st.one_of(WORDS, st.just("记录编号"))) for _ in range(columns))
    cell = st.one_of(numbers, WORDS, st.tuples(numbers, numbers).map(lambda p: f"{p[0]} → {p[1]}"))
    rows = tuple(
        tuple(data.draw(cell) for _ in range(columns)) for _ in range(data.draw(st.integers(1, 3)))
    )
    document = Document("表", COURT, (Heading("一、表"), Grid(header, rows)))
    landscape, size, _ = grid_layout([header, *rows], columns)
    page = LANDSCAPE_WIDTH_CM if landscape else TEXT_WIDTH_CM
    if sum(_least([header, *rows], columns, size)) >= page:  # more than a page holds
        return
    assert broken_numbers(write_docx(document, tmp_path / "grid.docx")) == []


@pytest.mark.parametrize("language", list(Language))
async def test_the_summary_and_the_form_hold_the_widest_numbers(
    db: Database, tmp_path: Path, language: Language
) -> None:
    people = await open_court(db, local("2026-06-01 09:00"))
    handler = people["张伟"]
    widest_case = widest_case_number(text_width)
    serious = await make_record(
        db, handler, local("2026-11-02 10:00"), serious=True, case_number=widest_case
    )
    late = await make_record(  # received in Q3, registered in Q4
        db, handler, local("2026-09-29 10:00"), submit_after=timedelta(days=3)
    )
    async with db.transaction() as session:
        for record_id, n in ((serious, 99_999), (late, 99_998)):
            number = f"温法过问〔2026〕{n}号"
            numbered = update(Record).where(Record.id == record_id).values(number=number)
            await session.execute(numbered)
        record = await session.get(Record, serious)
        assert record is not None
        other = CaseNumber(2026, "豫0825", "民初", 123_456, "之一").text
        await records_repo.amend(
            session,
            record,
            "case_number",
            other,
            reason="案号有误",
            actor=handler,
            at=local("2026-11-03 10:00"),
        )
    now = local("2026-11-30 10:00")
    async with db.transaction() as session:
        report = await build_report(
            session,
            parse_period("2026Q4", now=now, tz=BEIJING),
            language=language,
            tz=BEIJING,
            rules=RULES,
            now=now,
            out_dir=tmp_path / "report",
            court_name=COURT,
        )
    form = await form_files(db, serious, tmp_path / "form", now=now, language=language)
    found = 0
    for docx in (report.summary, form.docx):
        assert unfitted(docx) == []
        assert broken_numbers(docx) == []
        found += sum(
            len(NUMBER.findall(text))
            for _, rows, _ in styled_tables(docx)
            for row in rows
            for text, _ in row
        )
    assert found >= 4  # Art. 7 and late lists' record numbers, the correction's case numbers
