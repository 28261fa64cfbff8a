"""The Art. 7 sheet's rows written as bytes (``reports.xlsx.SheetRows``) are the bytes
openpyxl writes for the same cells: texts (markup, line breaks, carriage returns, leading
spaces, formula-like, Chinese), numbers, times, empty boxed cells, a row's height or none."""

from __future__ import annotations

from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_reports_columns_many import BEIJING
from test_reports_detail_rows import VALUES

from reports.xlsx import ReportWorkbook, SheetRows
from storage.vocabulary import Language

ROWS = st.lists(
    st.tuples(
        st.lists(VALUES | st.sampled_from([" 前后 ", "a & <b>", "x\r\ny", "=1+1", "过问"]),
                 max_size=6),
        st.none() | st.sampled_from([15.0, 28.5, 33.0, 409.5]),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)  # fmt: skip


def sheet_data(xml: bytes) -> bytes:
    """What a sheet's ``sheetData`` holds."""
    return xml.split(b"<sheetData>", 1)[1].split(b"</sheetData>", 1)[0]


@settings(max_examples=25, deadline=None)
@given(ROWS)
def test_rows_are_the_bytes_openpyxl_writes(rows: list[tuple[list[object], Any, bool]]) -> None:
    book = ReportWorkbook(Language.ZH, BEIJING)
    try:
        ours = SheetRows(book.art7_sheet)
        theirs = book.book.create_sheet("openpyxl")
        for number, (values, height, bold) in enumerate(rows, 1):
            cells = [book.cell(book.art7_sheet, value, bold=bold) for value in values]
            ours.add(number, cells, height)
            if height:
                theirs.row_dimensions[number].height = height
            theirs.append(cells)
        theirs.close()
        expected = sheet_data(Path(theirs._writer.out).read_bytes())
        with TemporaryDirectory() as folder:
            sheet = Path(folder) / "sheet.xml"
            sheet.write_bytes(b"<sheetData></sheetData>")
            out = Path(folder) / "out.xml"
            with out.open("wb") as stream:
                ours.write_into(sheet, stream)
            assert sheet_data(out.read_bytes()) == expected
    finally:
        book.discard()
