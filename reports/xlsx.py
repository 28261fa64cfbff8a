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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

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
CHART_ROWS = 17
# The summary sheet prints at this scale (per cent), so that columns A to L fit the width of
# a landscape A4 page; at it about 45 rows of 15 pt fit a page's 18 cm, and the summary starts
# a new page before a table and chart that would be cut.
SUMMARY_SCALE = 75
PAGE_ROWS = 34 * 100 // SUMMARY_SCALE
A4 = "9"  # the paperSize code of A4 (ECMA-376, 18.18.62 ST_PaperSize... as a string)
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CELL_FONT = "SimSun"


# The summary sheet prints columns A to L at full scale: labels, counts, a gap, the charts.
SUMMARY_COLUMNS = "ABCDEFGHIJKL"
SUMMARY_WIDTHS = (36, 12, 3, *(9.5,) * 9)
NOTE_CHARS = 120  # half-width characters a merged note row holds on a line


def print_setup(sheet: Any, *, title_rows: str | None, fit: bool = True) -> None:
    """Landscape A4 centred horizontally; ``fit``: one page wide and as many tall as needed
    (``fitToHeight`` 0), else at full scale with the page breaks the writer sets; the header
    row repeated on each printed page (print titles)."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = A4
    if fit:
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    if title_rows:
        sheet.print_title_rows = title_rows


MAX_TEXT = 32767  # the most a spreadsheet cell holds


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
        self._page_row = 0  # summary rows on the current printed page
        print_setup(self.detail, title_rows="1:1")
        print_setup(self.art7_sheet, title_rows="1:1")
        print_setup(self.summary, title_rows=None, fit=False)
        self.summary.page_setup.scale = SUMMARY_SCALE
        print_setup(self.timeliness, title_rows="1:1")
        self.timeliness.freeze_panes = "A2"
        for index, column in enumerate(COLUMNS, 1):
            self.detail.column_dimensions[get_column_letter(index)].width = column.width
        self.detail.freeze_panes = "B2"
        self.detail.append(self._header(self.detail, [c.title(language) for c in COLUMNS]))
        self.art7_sheet.freeze_panes = "A2"
        self.art7_sheet.append(
            self._header(self.art7_sheet, [tr(language, f"art7.{k}") for k in ART7_KEYS])
        )
        for letter, width in zip(SUMMARY_COLUMNS, SUMMARY_WIDTHS, strict=True):
            self.summary.column_dimensions[letter].width = width
        self.timeliness.column_dimensions["A"].width = 36
        self.timeliness.column_dimensions["B"].width = 12
        for letter in "CDEFGHIJKLMN":
            self.timeliness.column_dimensions[letter].width = 14
        for index in range(1, len(ART7_KEYS) + 1):
            self.art7_sheet.column_dimensions[get_column_letter(index)].width = 16

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
            cell.border = BORDER
            return cell
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=value.astimezone(self.tz).replace(tzinfo=None))
            cell.number_format = DATE_FORMAT
        elif isinstance(value, int | float) and not isinstance(value, bool):
            cell = WriteOnlyCell(sheet, value=value)
        else:
            text = clean(str(value))[:MAX_TEXT]
            if text.startswith(FORMULA_START):
                cell = WriteOnlyCell(sheet)
                cell._value = text  # bypasses the setter, which would make "=..." a formula
                cell.data_type = "s"
                cell.quotePrefix = True
            else:
                cell = WriteOnlyCell(sheet, value=text)
            wrap = "\n" in text or (boxed and len(text) > 40)
            cell.alignment = self._wrap if wrap else self._top
        cell.font = self._bold if bold else self._plain
        if boxed:
            cell.border = BORDER
        if fmt:
            cell.number_format = fmt
        return cell

    def _header(self, sheet: Any, titles: Sequence[str]) -> list[Any]:
        return [self.cell(sheet, title, bold=True) for title in titles]

    # -- streamed rows ----------------------------------------------------------------------

    def add_record(self, facts: RecordFacts) -> None:
        language, tz, sheet = self.language, self.tz, self.detail
        sheet.append([self.cell(sheet, column.get(facts, language, tz)) for column in COLUMNS])
        self.detail_rows += 1

    def add_art7(self, row: Art7Row) -> None:
        sheet = self.art7_sheet
        sheet.append([self.cell(sheet, value) for value in art7_values(row, self.language)])
        self.art7_rows += 1

    # -- the figures ------------------------------------------------------------------------

    def _put(self, values: Sequence[object], *, bold: bool = False, boxed: bool = True) -> int:
        """Append a row to the summary sheet; returns its number (charts need it)."""
        boxed = boxed and bool(values)
        self.summary.append([self.cell(self.summary, v, bold=bold, boxed=boxed) for v in values])
        self._row += 1
        self._page_row += 1
        return self._row

    def _note(self, text: str, *, bold: bool = False) -> None:
        """A line of text across the printed width (A to L), wrapped, its row tall enough."""
        cell = self.cell(self.summary, text, bold=bold, boxed=False)
        cell.alignment = self._wrap
        self.summary.append([cell])
        self._row += 1
        self._page_row += 1
        self.summary.merged_cells.add(f"A{self._row}:{SUMMARY_COLUMNS[-1]}{self._row}")
        width = sum(2 if ord(char) > 0x2E80 else 1 for char in text)
        lines = max(1, -(-width // NOTE_CHARS))
        self.summary.row_dimensions[self._row].height = 15 * lines + 3
        self._page_row += lines - 1

    def _keep_together(self, rows: int) -> None:
        """Start a new printed page unless ``rows`` more rows fit on this one."""
        if self._page_row and self._page_row + rows > PAGE_ROWS:
            self.summary.row_breaks.append(Break(id=self._row))
            self._page_row = 0

    def _chart(
        self, title: str, first: int, last: int, *, percent: bool = False, sheet: Any = None
    ) -> None:
        """A bar chart of column B (values) by column A (labels), rows ``first``..``last``."""
        target = sheet if sheet is not None else self.summary
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None
        chart.width = 16
        chart.height = 7.5
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        if percent:
            chart.y_axis.number_format = "0%"
            chart.y_axis.scaling.min = 0
            chart.y_axis.scaling.max = 1
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
            self._chart(title, start + 1, end)
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
        sheet.append(self._header(sheet, [tr(language, "report.section.timeliness"), *heads]))
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
        if self.detail_rows == 0:
            self.detail.append([self.cell(self.detail, tr(language, "report.empty"))])
        if self.art7_rows == 0:
            self.art7_sheet.append([self.cell(self.art7_sheet, tr(language, "art7.none"))])
        self.write_summary(figures, title=title, notes=notes)
        self.write_timeliness(figures)

    def save(self, path: Path) -> Path:
        self.book.save(str(path))
        return path


TALLY_KEYS = ("on_time", "late", "missed", "pending", "share")


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
