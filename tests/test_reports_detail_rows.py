"""The detail sheet's rows, written as SpreadsheetML by ``reports.xlsx.DetailRows``, hold
exactly the cells openpyxl writes for the same values through ``ReportWorkbook.cell``: the
same value, type, number format, font, borders, alignment and quote prefix."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils.datetime import to_excel

from reports.columns import COLUMNS as DETAIL
from reports.detail_rows import FORMULA_START, excel_serial
from reports.xlsx import ReportWorkbook
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
ZONES = st.sampled_from([BEIJING, ZoneInfo("UTC"), ZoneInfo("America/New_York")])
# hypothesis takes naive bounds and draws aware times in ``timezones``.
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 1),  # noqa: DTZ001
    max_value=datetime(2200, 1, 1),  # noqa: DTZ001
    timezones=ZONES,
)
# Texts a record may hold: Chinese, markup, line breaks, carriage returns and tabs, characters
# XML forbids, leading or trailing spaces, formula starts, long texts that wrap.
TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(list("过问案件 &<>\"'\n\r\t\x00\x0b\x1f\ufffe=+-@a1"))).map(
        lambda text: text * 3
    ),
    st.sampled_from(FORMULA_START).flatmap(lambda start: st.text(max_size=50).map(start.__add__)),
    st.text(min_size=41, max_size=120),
    st.text(),
)
VALUES = st.one_of(
    st.none(),
    st.just(""),
    TEXTS,
    st.integers(min_value=-(10**9), max_value=10**9),
    MOMENTS,
    st.booleans(),
)
COLUMNS = 6


@given(MOMENTS)
def test_a_time_is_the_serial_openpyxl_writes(moment: datetime) -> None:
    local = moment.astimezone(BEIJING)
    assert excel_serial(local) == f"{to_excel(local.replace(tzinfo=None)):.16g}"


def cells(path: Path) -> list[list[tuple[object, ...]]]:
    sheet = load_workbook(path).worksheets[3]
    return [
        [
            (
                sheet.row_dimensions[cell.row].height,
                cell.value,
                cell.data_type,
                cell.number_format,
                repr(cell.font),
                repr(cell.border),
                repr(cell.alignment),
                cell.quotePrefix,
            )
            for cell in row
        ]
        for row in sheet.iter_rows(min_row=2, max_col=COLUMNS)
    ]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(VALUES, min_size=COLUMNS, max_size=COLUMNS), min_size=1, max_size=8))
def test_detail_rows_are_the_cells_openpyxl_writes(drawn: list[list[object]]) -> None:
    rows = [values + [None] * (len(DETAIL) - COLUMNS) for values in drawn]
    with TemporaryDirectory() as folder:
        reference = ReportWorkbook(Language.ZH, BEIJING)
        sheet = reference.detail
        for values in rows:
            reference._fitted(sheet, values, reference.detail_widths)
        reference.save(Path(folder) / "openpyxl.xlsx")

        streamed = ReportWorkbook(Language.ZH, BEIJING)
        streamed.detail_data.add(rows)
        streamed.detail_rows = len(rows)
        streamed.save(Path(folder) / "streamed.xlsx")

        assert cells(Path(folder) / "streamed.xlsx") == cells(Path(folder) / "openpyxl.xlsx")


def test_rows_follow_the_header_and_nothing_is_lost(tmp_path: Path) -> None:
    book = ReportWorkbook(Language.ZH, BEIJING)
    at = datetime(2026, 7, 1, 0, 10, tzinfo=UTC)
    row = ["过问〔2026〕1号", "a & b <c>", 3, at, None, "=1+1"] + [None] * (len(DETAIL) - 6)
    rows: list[list[object]] = [row] * 3
    book.detail_data.add(rows[:2])
    book.detail_data.add(rows[2:])
    book.detail_rows = 3
    path = book.save(tmp_path / "book.xlsx")
    sheet = load_workbook(path).worksheets[3]
    assert sheet.max_row == 4  # the header, then the three rows
    assert [cell.value for cell in sheet[4][:COLUMNS]] == [
        "过问〔2026〕1号",
        "a & b <c>",
        3,
        at.astimezone(BEIJING).replace(tzinfo=None),  # Beijing's wall clock, as Excel shows
        None,
        "=1+1",
    ]
    assert sheet["F4"].data_type == "s"
