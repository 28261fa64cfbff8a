"""The quarterly workbook as it prints, read back with openpyxl and from the charts' XML: in
every sheet each text fits its cell or wraps in a row tall enough for it, the header row is
frozen and repeated, the pages are landscape (the summary portrait) and one page wide, and
each chart shows every category's label and lies whole on one printed page."""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string, range_boundaries
from test_reports_support import (
    Evidence,
    local,
    make_record,
    open_court,
    report_files,
)

from reports.paper import BOLD, PAPER_POINTS, column_points
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Language, Role

NOW = local("2026-10-08 10:00")
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
EMU_POINT = 12700
LINE = 12.0  # the least height of a line of 11 pt text, in points
LABEL = 12.0  # the least room for a 9 pt category label, in points
LONG = {
    "inquirer_name": "欧阳某某",
    "inquirer_unit": "中共某某省某某市某某县委员会政法委员会办公室综合科",
    "inquirer_position": "常务副主任兼机关党委书记",
    "case_name": "某某房地产开发有限公司诉某某建筑工程集团有限公司建设工程施工合同纠纷案",
    "intermediary": "staff",
    "intermediary_name": "欧阳小明",
    "intermediary_relation": "原县委办公室秘书，现任某某街道党工委副书记",
    "place": "某某县人民法院第三审判庭东侧会议室",
    "persons_present": "书记员张某某、法官助理李某某、司法警察王某某",
}


async def long_quarter(db: Database) -> None:
    """Q3 2026 with long names everywhere: a department, units, cases, a summary of several
    lines, every Art. 9 item, evidence with its SHA-256."""
    people = await open_court(db, local("2026-06-01 09:00"))
    async with db.transaction() as session:
        long_department = await staff_repo.add_staff(
            session,
            name="欧阳建国",
            department_name="民事审判第一庭（少年家事审判庭）",
            roles=(Role.HANDLER,),
            at=local("2026-06-01 09:00"),
            actor="test",
            new_department=True,
        )
    for n, handler in enumerate((long_department, people["张伟"], people["周强"], long_department)):
        await make_record(
            db,
            handler,
            local(f"2026-0{7 + n % 3}-1{n} 10:00"),
            summary="打电话询问案件进展情况，要求承办法官尽快安排开庭并考虑被告方的实际困难。"
            * (n + 1),
            art9_items=list(range(1, 15)) if n == 0 else [2, 7, 11],
            evidence=[Evidence(f"通话录音截图第{k}页.png", f"{n}-{k}".encode()) for k in range(3)],
            platform_after=timedelta(days=1) if n % 2 else None,
            **LONG,
        )


async def workbook(db: Database, folder: Path, period: str, language: Language) -> Any:
    files = await report_files(db, period, folder, now=NOW, language=language)
    return files.xlsx


def least_width(text: str) -> float:
    """The width of a line of ``text``, in widths of the digit 0, at its narrowest: a
    full-width character two, any other one (no font draws them narrower)."""
    return sum(2.0 if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in text)


def least_lines(text: str, room: float) -> int:
    return sum(max(1, math.ceil(least_width(part) / room)) for part in text.split("\n"))


def widths_of(sheet: Any) -> dict[int, float]:
    return {
        column_index_from_string(letter): dimension.width
        for letter, dimension in sheet.column_dimensions.items()
        if dimension.width
    }


def height_of(sheet: Any, row: int) -> float:
    return sheet.row_dimensions[row].height or 15.0


def last_row(sheet: Any) -> int:
    """The last row, a row of nothing but its height (a chart's) included."""
    return max(sheet.max_row, *sheet.row_dimensions.keys())


def printed_columns(sheet: Any) -> range:
    """The columns the sheet prints (its print area's, or every column it sizes)."""
    if sheet.print_area:
        first, _, last, _ = range_boundaries(sheet.print_area.split("!")[-1].replace("$", ""))
        return range(first, last + 1)
    return range(1, max(widths_of(sheet)) + 1)


def room_of(sheet: Any) -> tuple[float, float]:
    """The width and height of the rows one printed page holds, in points of the sheet,
    from the page setup read back: paper, orientation, margins, fitted or fixed scale."""
    page_w, page_h = PAPER_POINTS[str(sheet.page_setup.paperSize)]
    if sheet.page_setup.orientation == "landscape":
        page_w, page_h = page_h, page_w
    margins = sheet.page_margins
    room_w = page_w - 72 * (margins.left + margins.right)
    room_h = page_h - 72 * (margins.top + margins.bottom + margins.header + margins.footer)
    widths = widths_of(sheet)
    printed = sum(column_points(widths.get(c, 13)) for c in printed_columns(sheet))
    if sheet.sheet_properties.pageSetUpPr.fitToPage:
        scale = min(1.0, room_w / printed)
    else:
        scale = int(sheet.page_setup.scale) / 100
    return room_w / scale, room_h / scale


def pages_of(sheet: Any) -> dict[int, int]:
    """The printed page of each row: a page ends at a manual break or when the next row
    would not fit; row 1 (the print title) is repeated at the top of every page."""
    assert sheet.print_title_rows == "$1:$1", sheet.title
    _, room = room_of(sheet)
    breaks = {b.id for b in sheet.row_breaks.brk}
    title = height_of(sheet, 1)
    page, used, pages = 0, 0.0, {}
    for row in range(1, last_row(sheet) + 1):
        height = height_of(sheet, row)
        if used > title and used + height > room:
            page, used = page + 1, title
        pages[row] = page
        used += height
        if row in breaks:
            page, used = page + 1, title
    return pages


def merged_widths(sheet: Any) -> dict[tuple[int, int], float]:
    widths = widths_of(sheet)
    spans = {}
    for merged in sheet.merged_cells.ranges:
        spans[(merged.min_row, merged.min_col)] = sum(
            widths.get(c, 13) for c in range(merged.min_col, merged.max_col + 1)
        )
    return spans


def check_texts_fit(sheet: Any) -> int:
    """Every text longer than its column (or merged cells) wraps, in a row tall enough for
    its lines; returns how many texts wrap."""
    widths, spans, wrapped = widths_of(sheet), merged_widths(sheet), 0
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, datetime):  # yyyy-mm-dd hh:mm, not ####
                assert widths[cell.column] >= 18, (sheet.title, cell.coordinate)
            if not isinstance(cell.value, str):
                continue
            room = spans.get((cell.row, cell.column), widths.get(cell.column, 13))
            if cell.font.bold:  # a header or a title: bold fonts draw it up to BOLD wider
                room /= BOLD
            lines = least_lines(cell.value, room)
            where = (sheet.title, cell.coordinate, cell.value[:30])
            if lines > 1:
                wrapped += 1
                assert cell.alignment.wrap_text, where
                assert height_of(sheet, cell.row) >= min(409, LINE * lines), where
    return wrapped


def charts_xml(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        return [archive.read(n).decode("utf-8") for n in names]


def check_chart_labels(path: Path) -> int:
    """Each chart's category axis is drawn with every label (none skipped); returns the
    number of charts."""
    texts = charts_xml(path)
    for text in texts:
        root = ElementTree.fromstring(text)
        axes = root.findall(f".//{CHART}catAx")
        assert axes
        for axis in axes:
            skip = axis.find(f"{CHART}tickLblSkip")
            assert skip is not None and skip.get("val") == "1"
            deleted = axis.find(f"{CHART}delete")
            assert deleted is None or deleted.get("val") in ("0", "false")
    return len(texts)


def check_charts_print_whole(sheet: Any) -> None:
    """Each chart lies inside the printed width and on one printed page, tall enough for a
    line per category label."""
    pages = pages_of(sheet)
    room_w, _ = room_of(sheet)
    widths = widths_of(sheet)
    columns = printed_columns(sheet)
    for chart in sheet._charts:
        anchor = chart.anchor
        first_row = anchor._from.row + 1
        tall = (anchor._from.rowOff + anchor.ext.height) / EMU_POINT
        wide = (anchor._from.colOff + anchor.ext.width) / EMU_POINT
        column = anchor._from.col + 1
        assert column in columns
        printed = sum(column_points(widths.get(c, 13)) for c in columns if c >= column)
        assert wide <= min(printed, room_w), (sheet.title, chart.title)
        rows, covered = [], 0.0
        while covered < tall:
            rows.append(first_row + len(rows))
            covered += height_of(sheet, rows[-1])
        assert rows[-1] <= last_row(sheet), (sheet.title, rows)
        assert len({pages[row] for row in rows}) == 1, (sheet.title, rows)
        reference = chart.series[0].cat.strRef.f
        _, top, _, bottom = range_boundaries(reference.split("!")[-1].replace("$", ""))
        categories = bottom - top + 1
        assert anchor.ext.height / EMU_POINT >= 60 + LABEL * categories, chart.title


def check_prints(path: Path) -> tuple[int, int]:
    """Every print rule on every sheet; returns the texts wrapped and the charts."""
    book = load_workbook(path)
    wrapped = 0
    for sheet in book.worksheets:
        portrait = sheet is book.worksheets[0]  # the summary: a column of tables and charts
        assert sheet.page_setup.orientation == ("portrait" if portrait else "landscape")
        assert sheet.freeze_panes in ("A2", "B2"), sheet.title  # the header row stays
        assert sheet.print_title_rows == "$1:$1", sheet.title  # and repeats on each page
        room_w, _ = room_of(sheet)
        widths = widths_of(sheet)
        if sheet.sheet_properties.pageSetUpPr.fitToPage:  # one page wide
            assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        else:  # the detail: blocks of columns, each a page wide, the number column repeated
            assert sheet.print_title_cols == "$A:$A"
            edges = [1, *(b.id + 1 for b in sheet.col_breaks.brk), printed_columns(sheet)[-1] + 1]
            for first, end in itertools.pairwise(edges):
                block = sum(column_points(widths[c]) for c in range(first, end))
                if first > 1:
                    block += column_points(widths[1])
                assert block <= room_w, (sheet.title, first)
        wrapped += check_texts_fit(sheet)
        check_charts_print_whole(sheet)
    return wrapped, check_chart_labels(path)


@pytest.mark.parametrize("language", [Language.ZH, Language.EN])
async def test_every_sheet_prints_whole(db: Database, tmp_path: Path, language: Language) -> None:
    await long_quarter(db)
    path = await workbook(db, tmp_path, "2026Q3", language)
    wrapped, charts = check_prints(path)
    assert wrapped >= 10 and charts == 6  # the long names did wrap; every chart was checked
    book = load_workbook(path)
    summary = book.worksheets[0]
    heads = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row}
    overview = "总体情况" if language == Language.ZH else "Overview"
    assert heads[overview] == ("件数" if language == Language.ZH else "Count")
    detail = book.worksheets[3]
    sha = next(c for c in detail[1] if c.value and "SHA-256" in c.value)
    for row in detail.iter_rows(min_row=2):
        kept = row[sha.column - 1].value
        for line in kept.splitlines()[1::2]:  # each hash on a line of its own, whole
            assert re.fullmatch(r"[0-9a-f]{64}", line)
            assert least_width(line) <= detail.column_dimensions[sha.column_letter].width


async def test_an_empty_quarter_prints_too(db: Database, tmp_path: Path) -> None:
    await long_quarter(db)
    path = await workbook(db, tmp_path, "2026Q1", Language.ZH)
    _, charts = check_prints(path)
    assert charts == 0  # 无记录 where the charts would be
    summary = load_workbook(path).worksheets[0]
    nothing = [row for row in summary.iter_rows(values_only=True) if "无记录" in row]
    assert len(nothing) == 5
