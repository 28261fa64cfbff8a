"""Every printed page of the quarterly workbook names its court and period.

Trial 10 F20: the detail sheet's pages (the ones filed and compared with the 副卷) began with
the order of the rows and the header row only; the other sheets' pages with the report's
title. For each sheet of a quarter's workbook, with records, empty, with a late registration
(a sheet of its own), in each language: every printed page carries the title, either as
the repeated print-title rows the title row is among or in the page header; and a title
with ``&`` prints as itself there, not as a header code.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from test_reports_support import local, make_record, open_court, report_files

from reports.quarterly import report_title
from reports.xlsx import page_header
from storage.db import Database
from storage.vocabulary import Language

COURT = "温县人民法院"


def _header_texts(sheet: Any) -> list[str]:
    """The page header's parts as printed on every page (``&&`` is one ``&``)."""
    assert not sheet.HeaderFooter.differentFirst and not sheet.HeaderFooter.differentOddEven
    header = sheet.oddHeader
    return [
        (part.text or "").replace("&&", "&") for part in (header.left, header.center, header.right)
    ]


def _repeated_title(sheet: Any, title: str) -> bool:
    """Whether ``sheet``'s print titles repeat a row holding ``title`` on every page."""
    rows = sheet.print_title_rows
    if not rows:
        return False
    first, last = (int(n) for n in rows.replace("$", "").split(":"))
    return any(
        cell.value == title for row in sheet.iter_rows(min_row=first, max_row=last) for cell in row
    )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("quarter", ["2026Q3", "2026Q4"])
async def test_every_printed_page_names_the_court_and_period(
    db: Database, tmp_path: Path, language: Language, quarter: str
) -> None:
    people = await open_court(db, local("2026-06-01 09:00"))
    received = local("2026-09-20 10:00")  # registered in Q4: Q4's late sheet lists it
    await make_record(db, people["孙丽"], received, submit_after=timedelta(days=76))
    await make_record(db, people["张伟"], local("2026-07-02 10:00"), main_leader=True)
    files = await report_files(
        db, quarter, tmp_path, now=local("2026-12-31 10:00"), language=language
    )
    title = report_title(files.period, language, COURT)
    book = load_workbook(files.xlsx)
    assert len(book.worksheets) == (5 if quarter == "2026Q4" else 4)
    for sheet in book.worksheets:
        titled = _repeated_title(sheet, title) or title in _header_texts(sheet)
        assert titled, (sheet.title, sheet.print_title_rows, _header_texts(sheet))


def test_a_page_header_prints_an_ampersand_as_itself() -> None:
    assert page_header("A&B 法院 &P") == "A&&B 法院 &&P"
    assert page_header("温县人民法院") == "温县人民法院"
