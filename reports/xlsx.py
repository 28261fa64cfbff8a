"""The quarterly workbook, streamed: openpyxl's write-only mode keeps memory flat.

Sheets, in tab order: the summary (counts with native bar charts), the Art. 7 list, the
timeliness figures, and the detail (one row per record, columns in the form's order). The
detail and Art. 7 rows are appended while the records stream past; the summary and the
timeliness sheet are written at the end, from the figures.

Formula injection: a text that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) would be read as a formula by a spreadsheet. Such a cell is written as an explicit
inline string (``t="inlineStr"``, never an ``<f>`` element) and styled with ``quotePrefix``, so
that Excel, WPS and LibreOffice keep it as text even when someone edits it. The value itself is
kept exactly as recorded: this is evidence, and a prefixed apostrophe would change it.

The detail sheet's rows, a hundred thousand in a busy quarter, are the bulk of the file: they
are written by :class:`DetailRows` as the same ``<row>`` elements openpyxl would write (inline
strings, the same cell styles registered in the workbook's style table), into a file of their
own, which is put inside openpyxl's ``<sheetData>`` when the workbook is saved. openpyxl keeps
writing everything else (the header row, widths, print settings, the other sheets and charts).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import cycle
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, ColBreak

from reports.columns import COLUMNS, stamp
from reports.document import clean
from reports.facts import MILESTONE_ORDER, RecordFacts
from reports.figures import Art7Row, Figures, Tally
from reports.tables import (
    TimelinessRow,
    art9,
    by_department,
    by_handler,
    categories,
    channels,
    departments,
    headline,
    milestone_name,
    milestone_rows,
    months,
)
from reports.text import tr, vocab
from storage.vocabulary import Language, UnitCategory

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT = "0.0%"
# A chart is about 7.5 cm high: each charted table takes at least this many rows.
CHART_ROWS = 14
A4 = "9"  # paperSize codes (ECMA-376 Part 1, 18.18.62 ST_PaperSize... as a string)
A3 = "8"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CELL_FONT = "SimSun"
MARGIN_SIDE = 0.5  # inches
MARGIN_TOP = 0.6
ROW_POINTS = 15.0  # a row of one line of 11 pt SimSun as Excel, WPS and LibreOffice draw it

# The summary sheet prints portrait, one page wide (columns A to J: labels, counts, a gap,
# the charts), as many pages tall as it needs; a table and its chart never straddle a page.
SUMMARY_COLUMNS = "ABCDEFGHIJ"
SUMMARY_WIDTHS = (34, 12, 2, *(9,) * 7)
NOTE_CHARS = 100  # half-width characters a merged note row holds on a line

# The detail sheet's 43 columns cannot be read at one page width (A4 would print them at about
# a fifth of their size). A court office files the register in full, so it prints on A3
# landscape at 70 %, each row across four pages, one block of related columns per page:
# the inquiry and the inquirer; the case and what was asked; the people present, the
# originals and the deadlines; the later events and the evidence. The record number (column
# A) and the header row repeat on every page, and the pages of the same rows follow one
# another (over, then down), so each sheet of paper names the records it continues.
DETAIL_SCALE = 70
DETAIL_BREAKS = ("intermediary_relation", "persons_present", "state_cosigned")
HEADER_LINES = 3  # a wrapped header row holds this many lines


def column_points(width: float) -> float:
    """The printed width of a column ``width`` characters wide, in points (ECMA-376 Part 1,
    18.3.1.13: ``width`` is in widths of the digit 0 of the default font, 7 px at 96 dpi,
    plus 5 px of padding)."""
    return (width * 7 + 5) * 72 / 96


def fit_rows(widths: Sequence[float], *, portrait: bool, repeated: int = 0) -> int:
    """How many one-line rows a printed page holds when the columns of ``widths`` are fitted
    to the width of an A4 page (never enlarged), less ``repeated`` title rows."""
    page_w, page_h = (595.0, 842.0) if portrait else (842.0, 595.0)
    room_w = page_w - 2 * 72 * MARGIN_SIDE
    room_h = page_h - 2 * 72 * MARGIN_TOP - 2 * 72 * 0.3  # header and footer
    scale = min(1.0, room_w / sum(column_points(w) for w in widths))
    return int(room_h / (ROW_POINTS * scale)) - repeated


PAGE_ROWS = fit_rows(SUMMARY_WIDTHS, portrait=True, repeated=1)


def text_lines(text: str, room: int) -> int:
    """How many lines ``text`` takes, wrapped in a cell ``room`` characters wide: a
    full-width character is a little more than two widths of the digit 0, a half-width one a
    little more than one; a long unbroken word (the chain hash) moves whole to the next line,
    so a text that wraps gets one line spare."""
    width = sum(2.2 if ord(char) > 0x2E80 else 1.1 for char in text)
    return 1 if width <= room else int(-(-width // room)) + 1


def count_axis(biggest: int) -> tuple[int, int]:
    """A value axis for counts: a whole-number step (1, 2 or 5 times a power of ten) giving
    at most eight gridlines, and the axis maximum, a multiple of it (at least one step)."""
    step, factors = 1, cycle((2, 2.5, 2))  # 1, 2, 5, 10, 20, 50 ...
    while biggest > step * 8:
        step = round(step * next(factors))
    return step, max(step, -(-biggest // step) * step)


def print_setup(
    sheet: Any,
    *,
    title_rows: str | None,
    fit: bool = True,
    portrait: bool = False,
    paper: str = A4,
) -> None:
    """Centred horizontally, narrow margins; ``fit``: one page wide and as many tall as
    needed (``fitToHeight`` 0), never enlarged; ``title_rows`` (e.g. ``1:1``) repeated at the
    top of each printed page (print titles); page numbers in the footer."""
    sheet.page_setup.orientation = "portrait" if portrait else "landscape"
    sheet.page_setup.paperSize = paper
    if fit:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = MARGIN_SIDE
    sheet.page_margins.top = sheet.page_margins.bottom = MARGIN_TOP
    sheet.oddFooter.center.text = "&P / &N"
    if title_rows:
        sheet.print_title_rows = title_rows


MAX_TEXT = 32767  # the most a spreadsheet cell holds


StyleKey = tuple[bool, str | None, bool, bool | None, bool]
# XML text: the three markup characters, and a carriage return, which a parser would read
# back as a line feed (XML 1.0, 2.11) if it were written as is.
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# What a text needs besides: characters XML forbids (``reports.document.clean``), or markup.
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>\r]")
_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system


def excel_serial(moment: datetime) -> str:
    """``moment``'s wall-clock time as an Excel serial number (days since 1899-12-30, the
    time as a fraction), written as openpyxl writes it (``openpyxl.utils.datetime.to_excel``,
    ``%.16g``): the same number for the same time, to the last digit."""
    days = moment.toordinal() - _EPOCH
    if 0 < days <= 60:  # Excel's phantom 1900-02-29
        days -= 1
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return "%.16g" % (days + (seconds + moment.microsecond / 10**6) / 86400)


class DetailRows:
    """The detail sheet's data rows as SpreadsheetML (ECMA-376 Part 1, 18.3.1.73 ``row``,
    18.3.1.4 ``c``), appended to a temporary file so that memory stays flat.

    Each cell gets exactly what :meth:`ReportWorkbook.cell` gives it in openpyxl: a text as an
    inline string (``t="inlineStr"``, never a formula) with its control characters shown as
    U+FFFD, cut at 32,767 characters, wrapped when it holds a line break or is over 40
    characters, quote-prefixed when it starts like a formula; a time in the court's zone as an
    Excel serial with the date format; a number as a number; an empty value as a bordered
    empty cell. ``style`` maps a style key to the cell format's index in the workbook.
    """

    def __init__(self, tz: ZoneInfo, columns: int, style: Any, first_row: int = 2) -> None:
        self.tz = tz
        self.letters = [get_column_letter(n) for n in range(1, columns + 1)]
        self.next_row = first_row
        self.count = 0
        self._style = style
        self._ids: dict[StyleKey, str] = {}
        # Open while the records stream past; closed by splice() or close().
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="guowen-detail-")  # noqa: SIM115

    def _id(self, key: StyleKey) -> str:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = str(self._style(key))
        return found

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        """Append ``rows``, each a value per column (text, number, aware time or None)."""
        tz, letters = self.tz, self.letters
        empty = number = self._id((False, None, True, None, False))
        dated = self._id((False, DATE_FORMAT, True, None, False))
        # A text's style by (wrapped, quote-prefixed).
        texts = [
            [self._id((False, None, True, w, q)) for q in (False, True)] for w in (False, True)
        ]
        parts: list[str] = []
        put = parts.append
        for values in rows:
            n = self.next_row
            put(f'<row r="{n}">')
            for letter, value in zip(letters, values, strict=True):
                text: str
                if value is None or isinstance(value, str):
                    text = value or ""
                elif isinstance(value, datetime):
                    serial = excel_serial(value.astimezone(tz))
                    put(f'<c r="{letter}{n}" s="{dated}" t="n"><v>{serial}</v></c>')
                    continue
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    put(f'<c r="{letter}{n}" s="{number}" t="n"><v>{safe_string(value)}</v></c>')
                    continue
                else:
                    text = str(value)
                if not text:
                    put(f'<c r="{letter}{n}" s="{empty}"/>')
                    continue
                if _SPECIAL.search(text):
                    text = clean(text)
                    escape = True
                else:
                    escape = False
                text = text[:MAX_TEXT]
                style = texts["\n" in text or len(text) > 40][text.startswith(FORMULA_START)]
                space = (
                    ' xml:space="preserve"'
                    if (text[0].isspace() or text[-1].isspace()) and not text.isspace()
                    else ""
                )
                if escape:
                    text = text.translate(_XML_TEXT)
                put(f'<c r="{letter}{n}" s="{style}" t="inlineStr"><is><t{space}>')
                put(text)
                put("</t></is></c>")
            put("</row>")
            self.next_row += 1
            self.count += 1
        self._file.write("".join(parts).encode())

    def splice(self, sheet_xml: Path) -> None:
        """Put the rows at the end of the ``sheetData`` of the sheet written at ``sheet_xml``
        (which holds the header row), replacing that file; then close the rows' file."""
        head, tail = sheet_xml.read_bytes().split(b"</sheetData>", 1)
        joined = sheet_xml.with_name(sheet_xml.name + ".rows")
        with joined.open("wb") as out:
            out.write(head)
            self._file.seek(0)
            shutil.copyfileobj(self._file, out, 1 << 20)
            out.write(b"</sheetData>")
            out.write(tail)
        os.replace(joined, sheet_xml)
        self._file.close()

    def close(self) -> None:
        self._file.close()


class ReportWorkbook:
    """One workbook being written; not thread-safe, used by one thread at a time."""

    def __init__(self, language: Language, tz: ZoneInfo) -> None:
        self.language = language
        self.tz = tz
        self.book = Workbook(write_only=True)
        self.summary = self.book.create_sheet(tr(language, "sheet.summary"))
        self.art7_sheet = self.book.create_sheet(tr(language, "sheet.art7"))
        self.timeliness = self.book.create_sheet(tr(language, "sheet.timeliness"))
        self.detail = self.book.create_sheet(tr(language, "sheet.detail"))
        self.detail_rows = 0
        self.art7_rows = 0
        self._row = 0  # rows written to the summary sheet so far
        self._bold = Font(name=CELL_FONT, bold=True)
        self._plain = Font(name=CELL_FONT)
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._top = Alignment(vertical="top")
        self._styles: dict[tuple[bool, str | None, bool, bool | None, bool], StyleArray] = {}
        self._head = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self._page_row = 0  # summary rows on the current printed page
        print_setup(self.detail, title_rows="1:1", fit=False, paper=A3)
        self.detail.page_setup.scale = DETAIL_SCALE
        self.detail.page_setup.pageOrder = "overThenDown"
        self.detail.print_title_cols = "A:A"
        keys = [column.key for column in COLUMNS]
        for key in DETAIL_BREAKS:
            self.detail.col_breaks.append(Break(id=keys.index(key) + 1))
        print_setup(self.art7_sheet, title_rows="1:1")
        print_setup(self.summary, title_rows="1:1", portrait=True)
        print_setup(self.timeliness, title_rows="1:1")
        self.timeliness.freeze_panes = "A2"
        for index, column in enumerate(COLUMNS, 1):
            self.detail.column_dimensions[get_column_letter(index)].width = column.width
        self.detail.freeze_panes = "B2"
        self._head_row(self.detail, [c.title(language) for c in COLUMNS])
        self.detail_data = DetailRows(tz, len(COLUMNS), self._style_id)
        for letter, width in zip(SUMMARY_COLUMNS, SUMMARY_WIDTHS, strict=True):
            self.summary.column_dimensions[letter].width = width
        self.timeliness.column_dimensions["A"].width = 30
        self.timeliness.column_dimensions["B"].width = 14
        for letter in "CDEFGHIJKLMN":
            self.timeliness.column_dimensions[letter].width = 13
        for index, key in enumerate(ART7_KEYS, 1):
            width = ART7_WIDTHS.get(key, 14)
            self.art7_sheet.column_dimensions[get_column_letter(index)].width = width
        # A streamed sheet writes its column widths with its first row: widths first.
        self.art7_sheet.freeze_panes = "A2"
        self._head_row(self.art7_sheet, [tr(language, f"art7.{k}") for k in ART7_KEYS])

    # -- cells ------------------------------------------------------------------------------

    def cell(
        self,
        sheet: Any,
        value: object,
        *,
        bold: bool = False,
        fmt: str | None = None,
        boxed: bool = True,
    ) -> Any:
        """A value as a cell that can never become a formula; ``boxed`` draws its borders
        (table cells), off for titles and notes above the tables."""
        if value is None or value == "":
            if not boxed:
                return None
            cell = WriteOnlyCell(sheet)
            self._style(cell, (False, None, True, None, False))
            return cell
        wrap: bool | None = None
        quote = False
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=value.astimezone(self.tz).replace(tzinfo=None))
            fmt = fmt or DATE_FORMAT
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cell = WriteOnlyCell(sheet, value=value)
        else:
            text = clean(str(value))[:MAX_TEXT]
            if text.startswith(FORMULA_START):
                cell = WriteOnlyCell(sheet)
                cell._value = text  # bypasses the setter, which would make "=..." a formula
                cell.data_type = "s"
                quote = True
            else:
                cell = WriteOnlyCell(sheet, value=text)
            wrap = "\n" in text or (boxed and len(text) > 40)
        self._style(cell, (bold, fmt, boxed, wrap, quote))
        return cell

    def _style(self, cell: Any, key: tuple[bool, str | None, bool, bool | None, bool]) -> None:
        """Give ``cell`` the style ``key`` names (bold, number format, borders, wrapped or
        top-aligned text or neither, quote prefix): worked out once per workbook and copied
        after, since each style attribute set on a cell looks the style up by its hash."""
        style = self._styles.get(key)
        if style is None:
            bold, fmt, boxed, wrap, quote = key
            cell.font = self._bold if bold else self._plain
            if boxed:
                cell.border = BORDER
            if fmt:
                cell.number_format = fmt
            if wrap is not None:
                cell.alignment = self._wrap if wrap else self._top
            if quote:
                cell.quotePrefix = True
            self._styles[key] = StyleArray(cell._style)
        else:
            cell._style = StyleArray(style)

    def _style_id(self, key: StyleKey) -> int:
        """The index of style ``key`` in the workbook's cell formats (``cellXfs``)."""
        cell = WriteOnlyCell(self.detail)
        self._style(cell, key)
        index: int = self.book._cell_styles.add(cell._style)
        return index

    def _header(self, sheet: Any, titles: Sequence[str]) -> list[Any]:
        """Bold, boxed, wrapped and centred header cells: a long title takes two or three
        lines rather than being cut at the column's edge."""
        cells = [self.cell(sheet, title, bold=True) for title in titles]
        for cell in cells:
            cell.alignment = self._head
        return cells

    def _head_row(self, sheet: Any, titles: Sequence[str]) -> None:
        """The first row of a streamed sheet, tall enough for its wrapped titles."""
        sheet.row_dimensions[1].height = ROW_POINTS * HEADER_LINES  # before the row is written
        sheet.append(self._header(sheet, titles))

    # -- streamed rows ----------------------------------------------------------------------

    def add_record(self, facts: RecordFacts) -> None:
        self.add_records((facts,))

    def add_records(self, records: Sequence[RecordFacts]) -> None:
        """Detail rows, one per record, in the order given."""
        language, tz = self.language, self.tz
        self.detail_data.add(
            [column.get(facts, language, tz) for column in COLUMNS] for facts in records
        )
        self.detail_rows += len(records)

    def add_art7(self, row: Art7Row) -> None:
        sheet = self.art7_sheet
        sheet.append([self.cell(sheet, value) for value in art7_values(row, self.language)])
        self.art7_rows += 1

    # -- the figures ------------------------------------------------------------------------

    def _put(self, values: Sequence[object], *, bold: bool = False, boxed: bool = True) -> int:
        """Append a row to the summary sheet; returns its number (charts need it)."""
        boxed = boxed and bool(values)
        cells = [self.cell(self.summary, v, bold=bold, boxed=boxed) for v in values]
        lines = 1
        if len(cells) > 1 and isinstance(values[1], str):  # a value in words, in a narrow column
            cells[1].alignment = self._wrap
            lines = text_lines(values[1], int(SUMMARY_WIDTHS[1]))
            self.summary.row_dimensions[self._row + 1].height = ROW_POINTS * lines + 3
        self.summary.append(cells)
        self._row += 1
        self._page_row += lines
        return self._row

    def _note(self, text: str, *, bold: bool = False) -> None:
        """A line of text across the printed width (A to J), wrapped, its row tall enough."""
        cell = self.cell(self.summary, text, bold=bold, boxed=False)
        cell.alignment = self._wrap
        lines = text_lines(text, NOTE_CHARS)
        # A streamed row is written when appended: its height goes first.
        self.summary.row_dimensions[self._row + 1].height = ROW_POINTS * lines + 3
        self.summary.append([cell])
        self._row += 1
        self._page_row += lines
        self.summary.merged_cells.add(f"A{self._row}:{SUMMARY_COLUMNS[-1]}{self._row}")

    def _keep_together(self, rows: int) -> None:
        """Start a new printed page unless ``rows`` more rows fit on this one."""
        if self._page_row and self._page_row + rows > PAGE_ROWS:
            self.summary.row_breaks.append(Break(id=self._row))
            self._page_row = 0

    def _chart(
        self,
        title: str,
        first: int,
        last: int,
        *,
        biggest: int = 0,
        percent: bool = False,
        sheet: Any = None,
    ) -> None:
        """A bar chart of column B (values) by column A (labels), rows ``first``..``last``;
        its value axis starts at 0 and steps by whole numbers up to ``biggest`` (counts), or
        runs from 0 % to 100 % (``percent``)."""
        target = sheet if sheet is not None else self.summary
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None
        chart.width = 12.5  # cm: columns D to J
        chart.height = 6.5
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.y_axis.scaling.min = 0
        if percent:
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.max = 1
            chart.y_axis.majorUnit = 0.2
        else:
            step, top = count_axis(biggest)
            chart.y_axis.number_format = "0"
            chart.y_axis.scaling.max = top
            chart.y_axis.majorUnit = step
        data = Reference(target, min_col=2, min_row=first - 1, max_row=last)
        labels = Reference(target, min_col=1, min_row=first, max_row=last)
        chart.add_data(data, titles_from_data=True)
        for series in chart.series:  # the labels are text: a string reference, not a number one
            series.cat = AxDataSource(strRef=StrRef(f=str(labels)))
        target.add_chart(chart, f"D{first - 1}")

    def _table(self, title: str, rows: Sequence[tuple[str, int]], *, chart: bool) -> None:
        language = self.language
        # A chart of nothing but zeros would read as a finding: where it would be, 无记录.
        chart = chart and any(count for _, count in rows)
        self._keep_together(max(len(rows) + 1, CHART_ROWS if chart else 0) + 1)
        head = [self.cell(self.summary, text, bold=True)
                for text in (title, tr(language, "report.count"))]  # fmt: skip
        if not chart:
            head += [None, self.cell(self.summary, tr(language, "chart.no_record"), boxed=False)]
        self.summary.append(head)
        self._row += 1
        self._page_row += 1
        start = self._row
        for label, count in rows:
            self._put([label, count])
        if not rows:
            self._put([tr(language, "report.none_in_period")])
        end = self._row
        if chart:
            self._chart(title, start + 1, end, biggest=max(n for _, n in rows))
            while self._row < start + CHART_ROWS:
                self._put([])
        self._put([])

    def write_summary(self, figures: Figures, *, title: str, notes: Sequence[str]) -> None:
        """The summary sheet: title and notes, the headline, then each count table with its
        chart beside it, a page break before a table and chart that would be cut."""
        language = self.language
        self._note(title, bold=True)
        for note in notes:
            self._note(note)
        if figures.empty:
            self._note(tr(language, "report.empty"), bold=True)
        self._put([])
        self._put([tr(language, "report.section.headline")], bold=True)
        for label, value in headline(figures, language):
            self._put([label, value])
        self._put([])
        self._table(
            tr(language, "report.section.categories"), categories(figures, language), chart=True
        )
        self._table(
            tr(language, "report.section.channels"), channels(figures, language), chart=True
        )
        self._table(
            tr(language, "report.section.departments"), departments(figures, language), chart=True
        )
        self._table(tr(language, "report.section.art9"), art9(figures, language), chart=True)
        self._table(tr(language, "report.section.months"), months(figures, language), chart=True)
        self.summary.print_area = f"A1:{SUMMARY_COLUMNS[-1]}{self._row}"

    def share(self, sheet: Any, tally: Tally | None) -> Any:
        """An on-time share as a percentage; ``-`` when nothing was due yet."""
        share = tally.share if tally is not None else None
        return self.cell(sheet, "-") if share is None else self.cell(sheet, share, fmt=PERCENT)

    def write_timeliness(self, figures: Figures) -> None:
        language, sheet = self.language, self.timeliness
        rows = milestone_rows(figures, language)
        heads = [tr(language, f"timeliness.{k}") for k in TALLY_KEYS]
        self._head_row(sheet, [tr(language, "report.section.timeliness"), *heads])
        for name, tally in rows:
            counts = [tally.on_time, tally.late, tally.missed, tally.pending]
            cells = [self.cell(sheet, value) for value in (name, *counts)]
            sheet.append([*cells, self.share(sheet, tally)])
        sheet.append([])
        # The chart reads labels from column A and values from column B: a block of its own.
        top = len(rows) + 3
        share_head = [tr(language, "timeliness.share_title"), tr(language, "timeliness.share")]
        sheet.append(self._header(sheet, share_head))
        # A step with nothing due has no share: its label says 无记录 and it has no bar (a 0 %
        # bar would claim every step was late); with nothing due at all there is no chart.
        nothing = tr(language, "chart.no_record")
        for name, tally in rows:
            if tally.share is None:
                label = tr(language, "chart.no_record_label", name=name)
                sheet.append([self.cell(sheet, label), self.cell(sheet, nothing)])
            else:
                sheet.append([self.cell(sheet, name), self.cell(sheet, tally.share, fmt=PERCENT)])
        if any(tally.share is not None for _, tally in rows):
            title = tr(language, "timeliness.share_title")
            self._chart(title, top + 1, top + len(rows), percent=True, sheet=sheet)
        for _ in range(CHART_ROWS - len(rows)):
            sheet.append([])
        names = [milestone_name(m, language) for m in MILESTONE_ORDER]
        departments = by_department(figures, language)
        self._people(tr(language, "timeliness.by_department"), names, departments, False)
        sheet.append([])
        handlers = by_handler(figures, language)
        self._people(tr(language, "timeliness.by_handler"), names, handlers, True)

    def _people(
        self, title: str, milestones: list[str], rows: list[TimelinessRow], handlers: bool
    ) -> None:
        language, sheet = self.language, self.timeliness
        head = [title]
        if handlers:
            head.append(tr(language, "timeliness.department"))
        head += [tr(language, "timeliness.records")]
        head += [tr(language, "timeliness.share_of", milestone=m) for m in milestones]
        head += [tr(language, "timeliness.late"), tr(language, "timeliness.missed")]
        if handlers:
            head += [tr(language, "timeliness.drafts"), tr(language, "timeliness.withdrawn")]
        sheet.append(self._header(sheet, head))
        for row in rows:
            values: list[object] = [row.name]
            if handlers:
                values.append(row.department)
            values.append(row.records)
            cells = [self.cell(sheet, value) for value in values]
            cells += [self.share(sheet, row.tallies.get(m)) for m in MILESTONE_ORDER]
            cells += [self.cell(sheet, row.late), self.cell(sheet, row.missed)]
            if handlers:
                cells += [self.cell(sheet, row.drafts), self.cell(sheet, row.withdrawn)]
            sheet.append(cells)
        if not rows:
            sheet.append([self.cell(sheet, tr(language, "report.none_in_period"))])

    def finish(self, figures: Figures, *, title: str, notes: Sequence[str]) -> None:
        language = self.language
        if self.detail_rows == 0:  # a line of words: one page, not four of empty columns
            self.detail.append([self.cell(self.detail, tr(language, "report.empty"))])
            self.detail.col_breaks = ColBreak()
            print_setup(self.detail, title_rows="1:1", paper=A3)
        if self.art7_rows == 0:
            self.art7_sheet.append([self.cell(self.art7_sheet, tr(language, "art7.none"))])
        self.write_summary(figures, title=title, notes=notes)
        self.write_timeliness(figures)

    def save(self, path: Path) -> Path:
        if self.detail_rows:
            self.detail.close()  # openpyxl writes the sheet: header row, settings, no data
            self.detail_data.splice(Path(self.detail._writer.out))
        else:
            self.detail_data.close()
        self.book.save(str(path))
        return path


TALLY_KEYS = ("on_time", "late", "missed", "pending", "share")


ART7_WIDTHS = {
    "number": 20,
    "received_at": 17,
    "inquirer": 10,
    "unit": 20,
    "position": 12,
    "category": 12,
    "case_name": 24,
    "case_number": 22,
    "department": 14,
    "handler": 10,
    "main_leader": 8,
    "serious": 8,
    "serious_alerted_at": 17,
    "upward_listed_at": 17,
}

ART7_KEYS = (
    "number",
    "received_at",
    "inquirer",
    "unit",
    "position",
    "category",
    "case_name",
    "case_number",
    "department",
    "handler",
    "main_leader",
    "serious",
    "serious_alerted_at",
    "upward_listed_at",
)


def art7_values(row: Art7Row, language: Language) -> list[object]:
    record = row.facts.record
    return [
        record.number,
        record.received_at,
        record.inquirer_name,
        record.inquirer_unit,
        record.inquirer_position,
        vocab(UnitCategory, record.unit_category, language),
        record.case_name,
        tr(language, "common.not_filed") if record.case_not_filed else record.case_number,
        row.facts.department,
        row.facts.handler,
        tr(language, "common.yes") if row.main_leader else "",
        tr(language, "common.yes") if row.serious else "",
        record.serious_alerted_at,
        record.upward_listed_at,
    ]


def art7_texts(row: Art7Row, language: Language, tz: ZoneInfo) -> tuple[str, ...]:
    """The same row as text, for the summary document."""
    return tuple(
        stamp(value, tz) if isinstance(value, datetime) else str(value or "")
        for value in art7_values(row, language)
    )
