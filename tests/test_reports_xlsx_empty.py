"""An empty table of the workbook says so inside its own frame: every text on a sheet after
its first table stands in a bordered cell (no 无记录 or 本期无 printed beside a header or
under a table), on every sheet of an empty period and of a period with records, in each
language."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from test_reports_support import local, make_record, open_court, report_files

from reports.text import tr
from storage.db import Database
from storage.vocabulary import Language

NOW = local("2026-11-30 10:00")


def stray_texts(sheet: Worksheet) -> list[tuple[str, object]]:
    """The texts after the sheet's first bordered cell that stand in no bordered cell (a
    merged cell counts by its first cell), with their coordinates."""
    stray: list[tuple[str, object]] = []
    started = False
    for row in sheet.iter_rows():
        boxed = [cell.border.left.style is not None for cell in row]
        started = started or any(boxed)
        for cell, bordered in zip(row, boxed, strict=True):
            if started and cell.value not in (None, "") and not bordered:
                stray.append((cell.coordinate, cell.value))
    return stray


async def _workbook(db: Database, tmp_path: Path, quarter: str, language: Language) -> Path:
    files = await report_files(
        db, quarter, tmp_path / f"{quarter}-{language.value}", now=NOW, language=language
    )
    return files.xlsx


@pytest.mark.parametrize("language", list(Language))
async def test_every_table_of_a_period_keeps_its_words_in_its_frame(
    db: Database, tmp_path: Path, language: Language
) -> None:
    people = await open_court(db, local("2026-10-01 09:00"))
    await make_record(db, people["张伟"], local("2026-11-02 10:00"))
    nothing = {
        tr(language, "chart.no_record"),
        tr(language, "report.none_in_period"),
        tr(language, "art7.none"),
        tr(language, "report.empty"),
    }
    said = 0
    for quarter in ("2026Q3", "2026Q4"):  # empty, then with a record
        book = load_workbook(await _workbook(db, tmp_path, quarter, language))
        for sheet in book.worksheets:
            assert stray_texts(sheet) == [], (quarter, sheet.title)
            said += sum(1 for row in sheet.iter_rows(values_only=True) for v in row if v in nothing)
    assert said >= 6  # 5 summary tables, Art. 7, the people tables, the detail: all in frames
