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
own, which is streamed inside openpyxl's ``<sheetData>`` as the workbook is saved. openpyxl keeps
writing everything else (the header row, widths, print settings, the other sheets and charts).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import cycle
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell._writer import write_cell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.text import RichText
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.units import cm_to_EMU
from openpyxl.worksheet.pagebreak import Break, ColBreak
from openpyxl.writer.excel import ExcelWriter

from reports.columns import COLUMNS, received_value, stamp, state_words
from reports.detail_rows import (
    DATE_FORMAT,
    FORMULA_START,
    MAX_TEXT,
    XML_TEXT,
    DetailRows,
    StyleKey,
    shown_time,
    splice_rows,
)
from reports.document import clean
from reports.facts import MILESTONE_ORDER, RecordFacts, State
from reports.figures import Art7Row, Figures, LateRow, Tally
from reports.paper import (
    CHART_LABEL_POINTS,
    CM_POINTS,
    HEADER_FOOTER,
    MAX_ROW_POINTS,
    ROW_POINTS,
    WORD_PAD,
    chart_height,
    column_pages,
    fit_whole,
    fit_widths,
    head_lines,
    head_text,
    page_room,
    row_points,
    text_lines,
    text_width,
)
from reports.tables import (
    TimelinessRow,
    art9,
    by_department,
    by_handler,
    categories,
    channels,
    departments,
    empty_notice,
    headline,
    milestone_name,
    milestone_rows,
    months,
    share_value,
    share_words,
)
from reports.text import tr, vocab, word, yes_no
from storage.casenumber import widest_case_number
from storage.vocabulary import (
    Channel,
    Intermediary,
    Language,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
)

if TYPE_CHECKING:
    from reports.detail_worker import DetailWorker

PERCENT = "0.0%"
A4 = "9"  # paperSize codes (ECMA-376 Part 1, 18.18.62 ST_PaperSize... as a string)
A3 = "8"
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CELL_FONT = "SimSun"
MARGIN_SIDE = 0.5  # inches
MARGIN_TOP = 0.6

# The summary sheet prints portrait, one page wide: labels in A (an Art. 9 item on one line),
# counts in B, and each table's chart below it across A to C, as wide as the printed page.
# Its row 1, the report's title, repeats on every page; a table and its chart never straddle
# a page, and a chart sits in a row of its own height, which a page break never cuts.
SUMMARY_COLUMNS = "ABC"
SUMMARY_WIDTHS = (58, 14, 18)
PAGE_POINTS = page_room(SUMMARY_WIDTHS, paper=A4, portrait=True, side=MARGIN_SIDE, top=MARGIN_TOP)
CHART_WIDTH = 16.5  # cm: a little less than columns A to C
CHART_MARGIN = 6.0  # points above and below a chart, inside its rows
EMU_POINT = 12700  # EMUs in a point (ECMA-376 Part 1, 20.1.2.1)
TIMELINESS_WIDTHS = (30, 14, *(13,) * 12)
HEADER_LINES = 2  # a header row is at least this many lines tall

# The detail sheet's 43 columns cannot be read at one page width (A4 would print them at about
# a fifth of their size). A court office files the register in full, so it prints on A3
# landscape at about two thirds of its size (the largest scale at which each block fits its
# page, ``column_pages``), each row across four pages, one block of related columns per page:
# the inquiry and the inquirer; the intermediary, the case and what was asked; the people
# present, the originals and the first deadlines; the later events and the evidence. Each
# block fits its page with the widest words and case numbers its columns are widened to.
# The record number (column A) and the header row repeat on every page, and the pages of the
# same rows follow one another (over, then down), so each sheet of paper names the records
# it continues.
DETAIL_SCALE = 70  # the most: the blocks are laid out for it
DETAIL_LEAST_SCALE = 50  # below it a block is split rather than printed smaller
DETAIL_BREAKS = ("main_leader", "art9", "state_platform_entered")
DETAIL_WIDTHS = tuple(column.width for column in COLUMNS)
EMPTY_DETAIL_COLUMNS = 8  # an empty detail prints its first columns and says it is empty


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
    sheet.page_margins.header = sheet.page_margins.footer = HEADER_FOOTER
    sheet.oddFooter.center.text = "&P / &N"
    if title_rows:
        sheet.print_title_rows = title_rows


def page_header(text: str) -> str:
    """``text`` as a page header or footer prints it: a spreadsheet reads ``&`` there as the
    start of a code (``&P`` the page number), so each is doubled to print as itself."""
    return text.replace("&", "&&")


# Deflate level of the workbook's parts. The detail sheet of a busy quarter is a few hundred
# MiB of XML: level 1 deflates it about three times faster than zlib's default 6, for a file
# about a third larger (well under a chat's 50 MB upload limit at 100,000 records).
DEFLATE_LEVEL = 1


class ReportWorkbook:
    """One workbook being written; not thread-safe, used by one thread at a time.

    ``worker``: a process to write the detail rows in (``reports.detail_worker``), handed
    the rows from the first record on; the workbook closes it (:meth:`save`,
    :meth:`discard`). Without one, the rows are written in this process: the same bytes."""

    def __init__(
        self, language: Language, tz: ZoneInfo, *, worker: DetailWorker | None = None
    ) -> None:
        self.language = language
        self._worker = worker
        self.tz = tz
        self.book = Workbook(write_only=True)
        self.summary = self.book.create_sheet(tr(language, "sheet.summary"))
        self.art7_sheet = self.book.create_sheet(tr(language, "sheet.art7"))
        self.timeliness = self.book.create_sheet(tr(language, "sheet.timeliness"))
        self.detail = self.book.create_sheet(tr(language, "sheet.detail"))
        self.detail_rows = 0
        self.art7_rows = 0
        self._rows: dict[str, int] = {}  # rows written so far, by sheet title
        self._bold = Font(name=CELL_FONT, bold=True)
        self._plain = Font(name=CELL_FONT)
        self._wrap = Alignment(wrap_text=True, vertical="top")
        self._top = Alignment(vertical="top")
        self._styles: dict[tuple[bool, str | None, bool, bool | None, bool], StyleArray] = {}
        self._head = Alignment(wrap_text=True, vertical="center", horizontal="center")
        # Each column at least as wide as the longest word of its headers in this language.
        detail_titles = [c.title(language) for c in COLUMNS]
        art7_titles = [tr(language, f"art7.{k}") for k in ART7_KEYS]
        self.detail_widths = fit_times(
            fit_whole(fit_widths(DETAIL_WIDTHS, [detail_titles]), detail_words(language)),
            language,
        )
        self.art7_widths = fit_whole(
            fit_widths(ART7_COLUMN_WIDTHS, [art7_titles]), art7_words(language)
        )
        self.summary_widths = fit_widths(SUMMARY_WIDTHS, summary_heads(language))
        self.timeliness_widths = fit_widths(TIMELINESS_WIDTHS, timeliness_heads(language))
        # The sheets of tables with charts, laid out page by page here.
        summary_room = page_room(
            self.summary_widths, paper=A4, portrait=True, side=MARGIN_SIDE, top=MARGIN_TOP
        )
        timeliness_room = page_room(
            self.timeliness_widths, paper=A4, portrait=False, side=MARGIN_SIDE, top=MARGIN_TOP
        )
        self._pages = {
            self.summary.title: Pages(summary_room),
            self.timeliness.title: Pages(timeliness_room),
            self.art7_sheet.title: Pages(
                page_room(self.art7_widths, paper=A4, portrait=False, side=MARGIN_SIDE,
                          top=MARGIN_TOP)
            ),
        }  # fmt: skip
        # The Art. 7 rows, written under the report's title (known at the end) by finish().
        self._art7: list[list[object]] = []
        self._art7_bytes = SheetRows(self.art7_sheet)
        self._art7_titles = art7_titles
        print_setup(self.detail, title_rows="1:1", fit=False, paper=A3)
        keys = [column.key for column in COLUMNS]
        scale, starts = column_pages(
            self.detail_widths,
            [keys.index(key) + 1 for key in DETAIL_BREAKS],
            paper=A3,
            side=MARGIN_SIDE,
            most=DETAIL_SCALE,
            least=DETAIL_LEAST_SCALE,
        )
        self.detail.page_setup.scale = scale
        self.detail.page_setup.pageOrder = "overThenDown"
        self.detail.print_title_cols = "A:A"
        # The order of the rows, on every printed page: a clerk checks them by record number.
        # (The report's title, left of it, is known at ``finish``: ``_page_title``.)
        self.detail.oddHeader.right.text = page_header(tr(language, "report.detail_order"))
        for start in starts:
            self.detail.col_breaks.append(Break(id=start))
        print_setup(self.art7_sheet, title_rows="1:1")
        print_setup(self.summary, title_rows="1:1", portrait=True)
        print_setup(self.timeliness, title_rows="1:1")
        # A streamed sheet writes its column widths and panes with its first row: those first.
        widths = (
            (self.detail, self.detail_widths),
            (self.summary, self.summary_widths),
            (self.timeliness, self.timeliness_widths),
            (self.art7_sheet, self.art7_widths),
        )
        for sheet, sizes in widths:
            for index, width in enumerate(sizes, 1):
                sheet.column_dimensions[get_column_letter(index)].width = width
        self.detail.freeze_panes = "B2"
        for sheet in (self.summary, self.timeliness, self.art7_sheet):
            sheet.freeze_panes = "A2"
        self._head_row(self.detail, detail_titles, self.detail_widths)
        self.detail_data: DetailRows | DetailWorker = DetailRows(
            tz, self.detail_widths, self._style_id
        )

    # -- cells ------------------------------------------------------------------------------

    def cell(
        self,
        sheet: Any,
        value: object,
        *,
        bold: bool = False,
        fmt: str | None = None,
        boxed: bool = True,
        lines: int = 1,
    ) -> Any:
        """A value as a cell that can never become a formula; ``boxed`` draws its borders
        (table cells), off for titles and notes above the tables; a text of more than one
        of ``lines`` (in its column, :func:`reports.paper.text_lines`) wraps."""
        if value is None or value == "":
            if not boxed:
                return None
            cell = WriteOnlyCell(sheet)
            self._style(cell, (False, None, True, None, False))
            return cell
        wrap: bool | None = None
        quote = False
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=shown_time(value, self.tz))
            fmt = fmt or DATE_FORMAT
            wrap = False  # at the top of a tall row, beside the texts
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cell = WriteOnlyCell(sheet, value=value)
            wrap = False
        else:
            text = clean(str(value))[:MAX_TEXT]
            if text.startswith(FORMULA_START):
                cell = WriteOnlyCell(sheet)
                cell._value = text  # bypasses the setter, which would make "=..." a formula
                cell.data_type = "s"
                quote = True
            else:
                cell = WriteOnlyCell(sheet, value=text)
            wrap = "\n" in text or lines > 1
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

    # -- rows -------------------------------------------------------------------------------

    def _write(self, sheet: Any, cells: Sequence[Any], height: float | None = None) -> int:
        """Append ``cells`` as the next row of ``sheet``, ``height`` points tall (None: one
        line); returns its number. A streamed row is written when appended: its height first.
        On a sheet laid out page by page every row's height is stated, and a row that would
        not fit on the printed page starts the next one (a page break before it), after the
        header of the table it belongs to, written again."""
        pages = self._pages.get(sheet.title)
        if pages is not None:
            height = height or ROW_POINTS
            if pages.used > pages.title and pages.used + height > pages.room:
                self._new_page(sheet)
                if pages.head is not None:
                    self._head_row(sheet, *pages.head)
            pages.used += height
        row = self._rows.get(sheet.title, 0) + 1
        if height:
            sheet.row_dimensions[row].height = height
        if sheet is self.art7_sheet and row > 1:  # its title row by openpyxl, the rest here
            self._art7_bytes.add(row, cells, height)
        else:
            sheet.append(cells)
        self._rows[sheet.title] = row
        return row

    def _fitted(
        self,
        sheet: Any,
        values: Sequence[object],
        widths: Sequence[float],
        *,
        bold: bool = False,
        boxed: bool = True,
        lines: list[int] | None = None,
    ) -> int:
        """A row of ``values`` (or cells made already), each text wrapped in its column of
        ``widths`` and the row tall enough for the longest; returns its number. ``lines``:
        :func:`fitted_lines` of the row, when counted already."""
        if lines is None:
            lines = fitted_lines(values, widths)
        cells = [
            value if isinstance(value, Cell)
            else self.cell(sheet, value, bold=bold, boxed=boxed, lines=n)
            for value, n in zip(values, lines, strict=True)
        ]  # fmt: skip
        most = max(lines, default=1)
        return self._write(sheet, cells, row_points(most) if most > 1 else None)

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

    def _head_row(
        self,
        sheet: Any,
        titles: Sequence[str],
        widths: Sequence[float],
        least: int = HEADER_LINES,
    ) -> int:
        """A table's header row, at least ``least`` lines and tall enough for its longest
        wrapped title."""
        titles = [head_text(title, width) for title, width in zip(titles, widths, strict=False)]
        lines = max(least, *head_lines(titles, widths))
        return self._write(sheet, self._header(sheet, titles), row_points(lines))

    def _new_page(self, sheet: Any) -> None:
        """A page break after the last row written."""
        sheet.row_breaks.append(Break(id=self._rows[sheet.title]))
        pages = self._pages[sheet.title]
        pages.used = pages.title

    def _table(
        self,
        sheet: Any,
        head: Sequence[str],
        body: Sequence[Sequence[object]],
        widths: Sequence[float],
        *,
        after: float = 0.0,
        least: int = 1,
        nothing: str = "",
    ) -> tuple[int, int]:
        """A table on a sheet laid out page by page: after a blank row, its header row and
        ``body``, kept on one printed page with the ``after`` points that follow (its chart)
        where they fit there; a table longer than a page has its header written again on each
        page, unless a chart follows (a chart reads one unbroken block of rows). ``nothing``
        (无记录), when given, is a last row inside the table's frame (:meth:`_nothing_row`).
        Returns the numbers of its header row and its last row."""
        pages = self._pages[sheet.title]
        shown = [head_text(title, width) for title, width in zip(head, widths, strict=False)]
        points = row_points(max(least, *head_lines(shown, widths)))
        body_lines = [fitted_lines(values, widths) for values in body]  # counted once
        points += sum(row_points(max(lines)) for lines in body_lines)
        if nothing:
            points += row_points(text_lines(nothing, sum(widths[: len(head)])))
        if pages.used > pages.title and pages.used + ROW_POINTS + points + after > pages.room:
            self._new_page(sheet)
        if pages.used > pages.title:
            self._write(sheet, [])
        top = self._head_row(sheet, head, widths, least)
        pages.head = None if after else (head, widths, least)
        for values, lines in zip(body, body_lines, strict=True):
            self._fitted(sheet, values, widths, lines=lines)
        if nothing:
            self._nothing_row(sheet, nothing, widths[: len(head)])
        pages.head = None
        return top, self._rows[sheet.title]

    def _nothing_row(self, sheet: Any, text: str, widths: Sequence[float]) -> int:
        """A table's row saying it has nothing to show (无记录, 本期无): one bordered cell
        merged across the table's columns of ``widths``, so the words stand inside the
        table's frame, never beside it; wrapped, its row tall enough. Returns its number."""
        lines = text_lines(text, sum(widths))
        cells = [self.cell(sheet, text, lines=lines), *(self.cell(sheet, "") for _ in widths[1:])]
        row = self._write(sheet, cells, row_points(lines))
        if len(widths) > 1:
            sheet.merged_cells.add(f"A{row}:{get_column_letter(len(widths))}{row}")
        return row

    # -- streamed rows ----------------------------------------------------------------------

    def add_record(self, facts: RecordFacts) -> None:
        """Append one record's row to the detail sheet (columns of ``reports.columns``)."""
        self.add_records((facts,))

    def add_records(self, records: Sequence[RecordFacts]) -> None:
        """Detail rows, one per record, in the order given."""
        language, tz = self.language, self.tz
        if records:
            columns = [c.values(records, language, tz) for c in COLUMNS]
            if self._worker is not None and isinstance(self.detail_data, DetailRows):
                self._hand_over(self._worker)
            self.detail_data.add_columns(columns)
        self.detail_rows += len(records)

    def _hand_over(self, worker: DetailWorker) -> None:
        """The detail rows written by ``worker`` from now on, with the cell formats registered
        here, as the first rows written here would have registered them."""
        local = cast(DetailRows, self.detail_data)
        worker.set_up(self.tz, self.detail_widths, local.styles(), local.next_row)
        local.close()
        self.detail_data = worker

    def add_art7(self, row: Art7Row) -> None:
        """Append one Art. 7 row (main leader or serious case) to its sheet."""
        self._art7.append(art7_values(row, self.language, self.tz))
        self.art7_rows += 1

    # -- the figures ------------------------------------------------------------------------

    def _note(self, sheet: Any, text: str, widths: Sequence[float], *, bold: bool = False) -> float:
        """A line of text across the printed width (merged), wrapped, its row tall enough;
        returns its height in points."""
        cell = self.cell(sheet, text, bold=bold, boxed=False)
        cell.alignment = self._wrap
        height = row_points(text_lines(text, sum(widths)))
        row = self._write(sheet, [cell], height)
        sheet.merged_cells.add(f"A{row}:{get_column_letter(len(widths))}{row}")
        return height

    def _chart(
        self,
        title: str,
        first: int,
        last: int,
        *,
        biggest: int = 0,
        percent: bool = False,
        sheet: Any = None,
    ) -> BarChart:
        """A bar chart of column B (values) by column A (labels), rows ``first``..``last``,
        each label shown (none skipped), the first at the top as in the table; its value axis
        starts at 0 and steps by whole numbers up to ``biggest`` (counts), or runs from 0 %
        to 100 % (``percent``). Placed by :meth:`_place_chart`."""
        target = sheet if sheet is not None else self.summary
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None
        chart.width = CHART_WIDTH
        chart.height = chart_cm(last - first + 1)
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.x_axis.tickLblSkip = 1  # every category's label, however many
        chart.x_axis.tickMarkSkip = 1
        chart.x_axis.noMultiLvlLbl = True
        chart.x_axis.scaling.orientation = "maxMin"
        chart.y_axis.crosses = "max"  # the value axis below the bars, the categories reversed
        size = CharacterProperties(sz=CHART_LABEL_POINTS * 100)
        chart.x_axis.txPr = RichText(
            p=[Paragraph(pPr=ParagraphProperties(defRPr=size), endParaRPr=size)]
        )
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
        return chart

    def _place_chart(self, sheet: Any, chart: BarChart) -> None:
        """Rows of their own for ``chart``, as tall as it with a margin above and below, and
        the chart anchored in them at column A: a page break falls between rows, so it never
        cuts the chart (a chart taller than a spreadsheet row spans rows of equal height)."""
        points = chart_points_of(chart.height)
        parts = int(-(-points // MAX_ROW_POINTS))
        first = self._rows.get(sheet.title, 0) + 1
        for _ in range(parts):
            self._write(sheet, [], points / parts)
        chart.anchor = OneCellAnchor(
            _from=AnchorMarker(col=0, row=first - 1, rowOff=int(CHART_MARGIN * EMU_POINT)),
            ext=XDRPositiveSize2D(cm_to_EMU(chart.width), cm_to_EMU(chart.height)),
        )
        sheet.add_chart(chart)

    def _counts(self, title: str, rows: Sequence[tuple[str, int | str]], *, chart: bool) -> None:
        """A count table of the summary, and its chart below it; where nothing was counted,
        no chart and a last row 无记录 inside the table's frame. Leading rows whose value is
        words (months not registered here) are in the table but not in the chart, which
        would draw them as 0."""
        language = self.language
        counts = [count for _, count in rows if isinstance(count, int)]
        skipped = next((n for n, (_, count) in enumerate(rows) if isinstance(count, int)), 0)
        # A chart of nothing but zeros would read as a finding: the table says 无记录 instead.
        chart = chart and any(counts)
        head = [title, tr(language, "report.count")]
        body: list[list[object]] = [[label, count] for label, count in rows]
        nothing = "" if chart else tr(language, "chart.no_record")
        drawn = chart_points(len(rows) - skipped) if chart else 0.0
        top, end = self._table(
            self.summary, head, body, self.summary_widths, after=drawn, nothing=nothing
        )
        if chart:
            made = self._chart(title, top + 1 + skipped, end, biggest=max(counts))
            self._place_chart(self.summary, made)

    def write_summary(self, figures: Figures, *, title: str, notes: Sequence[str]) -> None:
        """The summary sheet: title and notes, the headline, then each count table with its
        chart below it, a page break before a table and chart that would be cut."""
        language, sheet = self.language, self.summary
        self._pages[sheet.title].title = self._note(sheet, title, self.summary_widths, bold=True)
        for note in notes:
            self._note(sheet, note, self.summary_widths)
        if figures.empty:
            self._note(sheet, empty_notice(figures, language), self.summary_widths, bold=True)
        head = [tr(language, "report.section.headline"), tr(language, "report.count")]
        self._table(sheet, head, headline(figures, language), self.summary_widths)
        self._counts(
            tr(language, "report.section.categories"), categories(figures, language), chart=True
        )
        self._counts(
            tr(language, "report.section.channels"), channels(figures, language), chart=True
        )
        self._counts(
            tr(language, "report.section.departments"), departments(figures, language), chart=True
        )
        self._counts(tr(language, "report.section.art9"), art9(figures, language), chart=True)
        self._counts(tr(language, "report.section.months"), months(figures, language), chart=True)
        last = self._rows[self.summary.title]
        self.summary.print_area = f"A1:{SUMMARY_COLUMNS[-1]}{last}"

    def share(self, sheet: Any, tally: Tally | None) -> Any:
        """An on-time share as a percentage; the words of ``share_words`` when nothing was due."""
        share = tally.share if tally is not None else None
        if share is None:
            return self.cell(sheet, share_words(tally, self.language))
        return self.cell(sheet, share, fmt=PERCENT)

    def write_timeliness(self, figures: Figures, *, title: str = "") -> None:
        """The timeliness sheet: under the report's title (repeated on every printed page),
        the steps' figures, their on-time shares with a chart, and the figures by department
        and by handler."""
        language, sheet, widths = self.language, self.timeliness, self.timeliness_widths
        self._pages[sheet.title].title = self._note(sheet, title, widths, bold=True)
        rows = milestone_rows(figures, language)
        heads = [tr(language, f"timeliness.{k}") for k in TALLY_KEYS]
        steps = [
            [
                name,
                tally.on_time,
                tally.late,
                tally.missed,
                tally.disputed,
                tally.pending,
                self.share(sheet, tally),
            ]
            for name, tally in rows
        ]
        head = [tr(language, "report.section.timeliness"), *heads]
        self._table(sheet, head, steps, widths, least=HEADER_LINES)
        # The chart reads labels from column A and values from column B: a block of its own.
        # A step with nothing due has no share and no bar (a 0 % bar would claim every step
        # was late): its label says why, 尚无到期事项 while records owe it, 无记录 when none does;
        # with nothing due at all there is no chart.
        shares: list[list[object]] = []
        for name, tally in rows:
            value = share_value(tally, language)
            if isinstance(value, str):
                why = "not_due" if tally.pending else "no_record"
                shares.append([tr(language, f"chart.{why}_label", name=name), value])
            else:
                shares.append([name, self.cell(sheet, value, fmt=PERCENT)])
        chart = any(tally.share is not None for _, tally in rows)
        share_head = [tr(language, "timeliness.share_title"), tr(language, "timeliness.share")]
        drawn = chart_points(len(rows)) if chart else 0.0
        top, end = self._table(sheet, share_head, shares, widths, after=drawn)
        if chart:
            made = self._chart(share_head[0], top + 1, end, percent=True, sheet=sheet)
            self._place_chart(sheet, made)
        names = [milestone_name(m, language) for m in MILESTONE_ORDER]
        departments = by_department(figures, language)
        self._people(tr(language, "timeliness.by_department"), names, departments, False)
        handlers = by_handler(figures, language)
        self._people(tr(language, "timeliness.by_handler"), names, handlers, True)

    def _people(
        self, title: str, milestones: list[str], rows: list[TimelinessRow], handlers: bool
    ) -> None:
        language, sheet = self.language, self.timeliness
        head = people_head(language, title, handlers)
        body: list[list[object]] = []
        for row in rows:
            values: list[object] = [row.name]
            if handlers:
                values.append(row.department)
            values.append(row.records)
            values += [self.share(sheet, row.tallies.get(m)) for m in MILESTONE_ORDER]
            values += [row.late, row.missed]
            if handlers:
                values += [row.drafts, row.withdrawn]
            body.append(values)
        nothing = "" if rows else tr(language, "report.none_in_period")
        self._table(sheet, head, body, self.timeliness_widths, least=HEADER_LINES, nothing=nothing)

    def finish(self, figures: Figures, *, title: str, notes: Sequence[str]) -> None:
        """End the streamed sheets, then write the summary and timeliness sheets.

        An empty period gets one line of words instead of empty columns.
        """
        language = self.language
        self._page_title(title)
        if self.detail_rows == 0:  # a line of words: one page, not four of empty columns
            first = self.detail_widths[:EMPTY_DETAIL_COLUMNS]
            words = empty_notice(figures, language) or tr(language, "report.empty")
            self._nothing_row(self.detail, words, first)
            self.detail.col_breaks = ColBreak()
            # The scale was written with the sheet's first row; the print area comes last.
            self.detail.print_area = f"A1:{get_column_letter(len(first))}2"
        self.write_art7(title=title)
        self.write_summary(figures, title=title, notes=notes)
        self.write_timeliness(figures, title=title)
        self.write_late(figures.late_registered, title=title)
        self.write_late(
            figures.due_earlier, title=title, name="sheet.due_earlier", intro="summary.due_intro"
        )

    def _page_title(self, title: str) -> None:
        """The report's title (court and period) at the head of every printed page of the
        detail sheet, in the page header: the other sheets repeat their title row (print
        titles), but the detail sheet's first row is its header, streamed before the title
        is known, and its pages are the ones filed and compared with the 副卷."""
        header = self.detail.oddHeader.left
        header.text = page_header(title)
        header.font = "-,Bold"

    def write_art7(self, *, title: str) -> None:
        """The Art. 7 list (main leaders, serious cases) under the report's title, repeated on
        every printed page like the other sheets' titles, its header again on each page; when
        the period has none, a row of words inside the table's frame."""
        sheet, widths = self.art7_sheet, self.art7_widths
        self._pages[sheet.title].title = self._note(sheet, title, widths, bold=True)
        nothing = "" if self._art7 else tr(self.language, "art7.none")
        self._table(
            sheet, self._art7_titles, self._art7, widths, least=HEADER_LINES, nothing=nothing
        )

    def write_late(
        self,
        rows: Sequence[LateRow],
        *,
        title: str,
        name: str = "sheet.late",
        intro: str = "summary.late_intro",
    ) -> None:
        """The records received in an earlier period and registered (submitted) in this one
        (Art. 6, Art. 7), or (``name``, ``intro``: the catalog keys of the sheet's name and
        its words) those of ``Figures.due_earlier``, on a sheet of their own after the
        others: under the report's title (repeated on every printed page) and the words
        that say why they are listed, the columns of the summary document's list
        (``LATE_KEYS``), A4 landscape one page wide, the header again on each page. A period
        without such records has no such sheet."""
        if not rows:
            return
        language = self.language
        sheet = self.book.create_sheet(tr(language, name))
        titles = [tr(language, f"late.{key}") for key in LATE_KEYS]
        texts = [
            [
                row.number,
                "",
                "",
                *late_states(row, language),
                row.inquirer,
                row.unit,
                row.department,
            ]
            for row in rows
        ]
        widths = fit_whole(fit_widths(LATE_WIDTHS, [titles]), texts)
        print_setup(sheet, title_rows="1:1")
        for index, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        room = page_room(widths, paper=A4, portrait=False, side=MARGIN_SIDE, top=MARGIN_TOP)
        pages = self._pages[sheet.title] = Pages(room)
        pages.title = self._note(sheet, title, widths, bold=True)
        self._note(sheet, tr(language, intro), widths)
        body: list[list[object]] = [
            [row.number, row.received_at, row.submitted_at, *late_states(row, language),
             row.inquirer, row.unit, row.department]
            for row in rows
        ]  # fmt: skip
        self._table(sheet, titles, body, widths, least=HEADER_LINES)
        sheet.print_area = f"A1:{get_column_letter(len(widths))}{self._rows[sheet.title]}"

    def _close_rows(self) -> None:
        """The detail rows' file closed, their worker process ended."""
        self.detail_data.close()
        self._art7_bytes.close()
        if self._worker is not None:
            self._worker.close()

    def discard(self) -> None:
        """Give up the workbook: its rows' file and its sheets' files removed (openpyxl's
        streamed sheets are written to temporary files), a worker process killed."""
        self._close_rows()
        for sheet in self.book.worksheets:
            if not sheet.closed:  # its XML writer ended, not left to the garbage collector
                with contextlib.suppress(Exception):
                    sheet.close()
            writer = getattr(sheet, "_writer", None)
            if writer is not None and Path(writer.out).exists():
                with contextlib.suppress(OSError, ValueError):
                    writer.cleanup()

    def save(self, path: Path) -> Path:
        """Save the workbook at ``path`` (XLSX); returns ``path``.

        Raises ``reports.detail_worker.DetailWorkerError`` when the rows' worker failed."""
        spliced: dict[str, DetailRows | DetailWorker | SheetRows] = {}
        if self.detail_rows:
            self.detail.close()  # openpyxl writes the sheet: header row, settings, no data
            spliced[str(self.detail._writer.out)] = self.detail_data
        else:
            self.detail_data.close()
            if self._worker is not None:
                self._worker.close()
        if self._rows.get(self.art7_sheet.title, 0) > 1:  # its title row written by openpyxl
            spliced[str(self.art7_sheet._writer.out)] = self._art7_bytes
        else:
            self._art7_bytes.close()
        # ``Workbook.save`` (openpyxl.writer.excel.save_workbook) with the deflate level set.
        with zipfile.ZipFile(
            path, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=DEFLATE_LEVEL
        ) as archive:
            self.book.properties.modified = datetime.now(UTC).replace(tzinfo=None)
            ExcelWriter(self.book, cast(zipfile.ZipFile, _Spliced(archive, spliced))).save()
        return path


class SheetRows:
    """Rows of a streamed sheet written as the bytes openpyxl writes for them
    (``openpyxl.worksheet._writer.WorksheetWriter.write_row`` and ``lxml_write_cell``: cell
    references, ASCII with character references), without its per-cell work, into a
    temporary file put inside the sheet's ``sheetData`` as the workbook is saved (the
    :class:`DetailRows` interface: ``size``, ``write_into``, ``close``). For a long table
    (the Art. 7 list of a busy quarter): openpyxl took about a millisecond a row.

    A cell it does not know the bytes of (a formula, rich text, a comment, a hyperlink) is
    written by openpyxl's own cell writer."""

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet
        self._styles = sheet.parent._cell_styles
        self._file = tempfile.TemporaryFile(prefix="guowen-rows-")  # noqa: SIM115
        self._letters: list[str] = []

    def _letter(self, column: int) -> str:
        while len(self._letters) < column:
            self._letters.append(get_column_letter(len(self._letters) + 1))
        return self._letters[column - 1]

    def add(self, row: int, cells: Sequence[Any], height: float | None) -> None:
        """Row number ``row`` of ``cells`` (cells or None, from column A), ``height`` points
        tall (None: the default height)."""
        parts = [f'<row r="{row}"'.encode()]
        if height:
            parts.append(f' ht="{safe_string(height)}" customHeight="1">'.encode())
        else:
            parts.append(b">")
        for column, cell in enumerate(cells, 1):
            if cell is None:
                continue
            styled = cell.has_style
            value = cell._value
            if value is None and not styled:
                continue
            kind = cell.data_type
            if kind not in ("s", "n", "d") or cell._comment or cell.hyperlink:
                parts.append(self._by_openpyxl(cell, column, row))
                continue
            where = f'<c r="{self._letter(column)}{row}"'
            style = f' s="{self._styles.add(cell._style)}"' if styled else ""
            if kind == "d":
                value = to_excel(value, self._sheet.parent.epoch)
            if value is None or value == "":
                kind = "inlineStr" if kind == "s" else "n"
                parts.append(f'{where}{style} t="{kind}"></c>'.encode())
            elif kind == "s":
                if not isinstance(value, str):
                    parts.append(self._by_openpyxl(cell, column, row))
                    continue
                space = ' xml:space="preserve"' if value != value.strip() else ""
                text = value.translate(XML_TEXT).encode("ascii", "xmlcharrefreplace")
                parts.append(
                    f'{where}{style} t="inlineStr"><is><t{space}>'.encode()
                    + text
                    + b"</t></is></c>"
                )
            else:
                parts.append(f'{where}{style} t="n"><v>{safe_string(value)}</v></c>'.encode())
        parts.append(b"</row>")
        self._file.write(b"".join(parts))

    def _by_openpyxl(self, cell: Any, column: int, row: int) -> bytes:
        from lxml import etree  # openpyxl's own writer, which lxml drives here

        cell.column, cell.row = column, row
        out = io.BytesIO()
        with etree.xmlfile(out) as xf:
            write_cell(xf, self._sheet, cell, cell.has_style)
        return out.getvalue()

    @property
    def size(self) -> int:
        """Bytes of rows written so far."""
        return self._file.tell()

    def write_into(self, sheet_xml: Path, out: IO[bytes]) -> None:
        """The sheet written at ``sheet_xml`` to ``out``, these rows at the end of its
        ``sheetData``; then the rows' file closed."""
        splice_rows(self._file, sheet_xml, out)

    def close(self) -> None:
        """Discard the rows' file."""
        self._file.close()


class _Spliced:
    """A ``zipfile.ZipFile`` for ``ExcelWriter``: a sheet written at one of ``rows``' paths
    is stored with those rows put inside its ``sheetData`` (:meth:`DetailRows.write_into`),
    streamed into the archive rather than joined in a file first; the rest as ZipFile does."""

    def __init__(
        self, archive: zipfile.ZipFile, rows: dict[str, DetailRows | DetailWorker | SheetRows]
    ) -> None:
        self._archive = archive
        self._rows = rows

    def write(self, filename: str, arcname: str | None = None) -> None:
        """``ZipFile.write``, the detail sheet's rows put in on the way."""
        rows = self._rows.get(str(filename))
        if rows is None:
            self._archive.write(filename, arcname)
            return
        sheet = Path(filename)
        # Dated like ``ZipFile.write`` dates a file, compressed as the archive's other parts.
        info = zipfile.ZipInfo.from_file(sheet, arcname)
        info.compress_type = self._archive.compression
        info._compresslevel = self._archive.compresslevel  # type: ignore[attr-defined]
        big = sheet.stat().st_size + rows.size > zipfile.ZIP64_LIMIT // 2
        with self._archive.open(info, "w", force_zip64=big) as out:
            rows.write_into(sheet, out)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._archive, name)


@dataclass
class Pages:
    """A sheet being laid out page by page: ``room`` points of rows a printed page holds,
    ``title`` of them taken by the row repeated at the top of each page, ``used`` on the
    current page, and the header of the table being written (titles, widths, lines), to be
    written again after a page break."""

    room: float
    title: float = 0.0
    used: float = 0.0
    head: tuple[Sequence[str], Sequence[float], int] | None = None


# The detail sheet's columns whose cells show words of a fixed vocabulary.
DETAIL_VOCABULARY: dict[str, type[StrEnum]] = {
    "status": RecordStatus,
    "kind": RecordKind,
    "channel": Channel,
    "unit_category": UnitCategory,
    "intermediary": Intermediary,
    "route": MaterialRoute,
    "originals": OriginalsDestination,
}
# The detail sheet's columns whose cells show yes or no.
YES_NO_COLUMNS = frozenset({"retired", "main_leader", "serious"})


def detail_words(language: Language) -> list[list[str]]:
    """Rows of the words the detail sheet's vocabulary, yes-no and milestone-state cells may
    show in ``language``, and the widest case number, each in its column (for
    :func:`reports.paper.fit_whole`)."""
    keys = [column.key for column in COLUMNS]
    rows: list[list[str]] = []
    for key, enum in DETAIL_VOCABULARY.items():
        for member in enum:
            row = [""] * len(keys)
            row[keys.index(key)] = vocab(enum, member.value, language)
            rows.append(row)
    for state in State:
        row = [state_words(state, language) if key.startswith("state_") else "" for key in keys]
        rows.append(row)
    for answer in (True, False):
        shown = yes_no(answer, language)
        rows.append([shown if key in YES_NO_COLUMNS else "" for key in keys])
    for case_number in (widest_case_number(text_width), word(language, "common.not_filed")):
        row = [""] * len(keys)
        row[keys.index("case_number")] = case_number
        rows.append(row)
    return rows


DAY_ONLY_COLUMNS = frozenset({"received_at", "inquiry_at"})
"""The detail sheet's time columns that may show a day whose time is unknown
(``form.day_only``, ``reports.columns.received_value``); the other ``*_at`` columns show
stamps only."""


def time_texts(language: Language, key: str) -> tuple[str, ...]:
    """The widest texts the detail sheet's time column ``key`` shows in ``language``: a stamp
    (``YYYY-MM-DD HH:MM``) and, in ``DAY_ONLY_COLUMNS``, a day whose time is unknown."""
    stamp = "2026-12-28 23:58"
    if key not in DAY_ONLY_COLUMNS:
        return (stamp,)
    return stamp, tr(language, "form.day_only", day="2026-12-28")


def fit_times(widths: Sequence[float], language: Language) -> tuple[float, ...]:
    """``widths`` of the detail sheet widened so that each time column (``*_at``) holds its
    widest text whole on one line with :data:`reports.paper.WORD_PAD` beside it: two times
    side by side never touch in print (2026-11-27 16:302026-11-27（时间不详）)."""
    fitted = list(widths)
    for index, column in enumerate(COLUMNS):
        if column.key.endswith("_at"):
            widest = max(text_width(text) for text in time_texts(language, column.key))
            fitted[index] = max(fitted[index], widest + WORD_PAD)
    return tuple(fitted)


def art7_words(language: Language) -> list[list[str]]:
    """Rows of the words the Art. 7 sheet's vocabulary cells may show in ``language``, an
    open draft's name (six digits), and the widest case number, each in its column (for
    :func:`reports.paper.fit_whole`)."""
    rows: list[list[str]] = []
    for member in UnitCategory:
        row = [""] * len(ART7_KEYS)
        row[ART7_KEYS.index("category")] = vocab(UnitCategory, member.value, language)
        rows.append(row)
    row = [""] * len(ART7_KEYS)
    row[ART7_KEYS.index("number")] = tr(language, "art7.draft_number", id=999999)
    rows.append(row)
    for key in ("main_leader", "serious"):
        for answer in (True, False):
            row = [""] * len(ART7_KEYS)
            row[ART7_KEYS.index(key)] = yes_no(answer, language)
            rows.append(row)
    for case_number in (widest_case_number(text_width), tr(language, "common.not_filed")):
        row = [""] * len(ART7_KEYS)
        row[ART7_KEYS.index("case_number")] = case_number
        rows.append(row)
    return rows


def summary_heads(language: Language) -> list[list[str]]:
    """The header rows of the summary sheet's tables in ``language``."""
    count = tr(language, "report.count")
    sections = ("headline", "categories", "channels", "departments", "art9", "months")
    return [[tr(language, f"report.section.{key}"), count] for key in sections]


def people_head(language: Language, title: str, handlers: bool) -> list[str]:
    """The header of a timeliness table by department or (``handlers``) by handler."""
    milestones = [milestone_name(m, language) for m in MILESTONE_ORDER]
    head = [title]
    if handlers:
        head.append(tr(language, "timeliness.department"))
    head += [tr(language, "timeliness.records")]
    head += [tr(language, "timeliness.share_of", milestone=m) for m in milestones]
    head += [tr(language, "timeliness.late"), tr(language, "timeliness.missed")]
    if handlers:
        head += [tr(language, "timeliness.drafts"), tr(language, "timeliness.withdrawn")]
    return head


def timeliness_heads(language: Language) -> list[list[str]]:
    """The header rows of the timeliness sheet's tables in ``language``."""
    steps = [tr(language, "report.section.timeliness")]
    steps += [tr(language, f"timeliness.{k}") for k in TALLY_KEYS]
    shares = [tr(language, "timeliness.share_title"), tr(language, "timeliness.share")]
    return [
        steps,
        shares,
        people_head(language, tr(language, "timeliness.by_department"), False),
        people_head(language, tr(language, "timeliness.by_handler"), True),
    ]


def fitted_lines(values: Sequence[object], widths: Sequence[float]) -> list[int]:
    """The lines each of ``values`` takes in its column of ``widths``: a text as wrapped there
    (:func:`reports.paper.text_lines`), anything else one."""
    return [
        text_lines(value, width) if isinstance(value, str) else 1
        for value, width in zip(values, widths[: len(values)], strict=True)
    ]


def chart_cm(categories: int) -> float:
    """The height in cm of a summary chart of ``categories`` bars: each label shown, and the
    chart, a table's title and header on one printed page."""
    return min(chart_height(categories), (PAGE_POINTS - 4 * ROW_POINTS) / CM_POINTS)


def chart_points_of(height: float) -> float:
    """The rows a chart ``height`` cm tall takes, in points, with its margins."""
    return height * CM_POINTS + 2 * CHART_MARGIN


def chart_points(categories: int) -> float:
    """The rows a summary chart of ``categories`` bars takes, in points."""
    return chart_points_of(chart_cm(categories))


TALLY_KEYS = ("on_time", "late", "missed", "disputed", "pending", "share")


ART7_WIDTHS = {
    "number": 24,
    "received_at": 19,
    "inquirer": 10,
    "unit": 20,
    "position": 12,
    "category": 12,
    "case_name": 24,
    "case_number": 26,
    "department": 14,
    "handler": 10,
    "main_leader": 10,
    "serious": 10,
    "serious_alerted_at": 19,
    "upward_listed_at": 19,
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
ART7_COLUMN_WIDTHS = tuple(ART7_WIDTHS.get(key, 14) for key in ART7_KEYS)

LATE_KEYS = (
    "number",
    "received_at",
    "submitted_at",
    "registration",
    "platform",
    "delivered",
    "cosigned",
    "inquirer",
    "unit",
    "department",
)
"""The columns of the late-registration sheet, as the summary document lists them: after
the times, each Art. 6 step's state (``late_states``, in ``MILESTONE_ORDER``)."""
LATE_WIDTHS = (24, 19, 19, 10, 10, 10, 10, 12, 24, 20)


def late_states(row: LateRow, language: Language) -> list[str]:
    """How each of ``row``'s steps stands, in words (``state_words``), in
    ``MILESTONE_ORDER``: a step the record does not owe as ``state.not_owed``."""
    return [
        word(language, "state.not_owed") if state is None else state_words(state, language)
        for state in (row.state(milestone) for milestone in MILESTONE_ORDER)
    ]


def art7_values(row: Art7Row, language: Language, tz: ZoneInfo) -> list[object]:
    """One Art. 7 row's cells in ``ART7_KEYS`` order, vocabulary as words in ``language``; a
    receipt known only to its day as that day and the words for time unknown (``tz``); an
    open draft named as one, unsubmitted (``art7.draft_number``: it has no record number)."""
    record = row.facts.record
    number = tr(language, "art7.draft_number", id=record.id) if row.draft else record.number
    return [
        number,
        received_value(record, language, tz),
        record.inquirer_name,
        record.inquirer_unit,
        record.inquirer_position,
        vocab(UnitCategory, record.unit_category, language),
        record.case_name,
        tr(language, "common.not_filed") if record.case_not_filed else record.case_number,
        row.facts.department,
        row.facts.handler,
        yes_no(row.main_leader, language),  # 否 printed, never a blank cell read as unknown
        yes_no(row.serious, language),
        record.serious_alerted_at,
        record.upward_listed_at,
    ]


def art7_texts(row: Art7Row, language: Language, tz: ZoneInfo) -> tuple[str, ...]:
    """The same row as text, for the summary document."""
    return tuple(
        stamp(value, tz) if isinstance(value, datetime) else str(value or "")
        for value in art7_values(row, language, tz)
    )
