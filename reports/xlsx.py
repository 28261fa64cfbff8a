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
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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
        self._bold = Font(bold=True)
        self._wrap = Alignment(wrap_text=True, vertical="top")
        for index, column in enumerate(COLUMNS, 1):
            self.detail.column_dimensions[get_column_letter(index)].width = column.width
        self.detail.freeze_panes = "B2"
        self.detail.append(self._header(self.detail, [c.title(language) for c in COLUMNS]))
        self.art7_sheet.freeze_panes = "A2"
        self.art7_sheet.append(
            self._header(self.art7_sheet, [tr(language, f"art7.{k}") for k in ART7_KEYS])
        )
        for sheet in (self.summary, self.timeliness):
            sheet.column_dimensions["A"].width = 36
        for index in range(1, len(ART7_KEYS) + 1):
            self.art7_sheet.column_dimensions[get_column_letter(index)].width = 16

    # -- cells ------------------------------------------------------------------------------

    def cell(self, sheet: Any, value: object, *, bold: bool = False, fmt: str | None = None) -> Any:
        """A value as a cell that can never become a formula."""
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value=value.astimezone(self.tz).replace(tzinfo=None))
            cell.number_format = DATE_FORMAT
            return cell
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not (bold or fmt):
                return value
            cell = WriteOnlyCell(sheet, value=value)
        else:
            text = clean(str(value))[:MAX_TEXT]
            if text.startswith(FORMULA_START):
                cell = WriteOnlyCell(sheet)
                cell._value = text  # bypasses the setter, which would make "=..." a formula
                cell.data_type = "s"
                cell.quotePrefix = True
            elif bold or "\n" in text:
                cell = WriteOnlyCell(sheet, value=text)
                if "\n" in text:
                    cell.alignment = self._wrap
            else:
                return text
        if bold:
            cell.font = self._bold
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

    def _put(self, values: Sequence[object], *, bold: bool = False) -> int:
        """Append a row to the summary sheet; returns its number (charts need it)."""
        self.summary.append([self.cell(self.summary, v, bold=bold) for v in values])
        self._row += 1
        return self._row

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
        start = self._put([title, tr(language, "report.count")], bold=True)
        for label, count in rows:
            self._put([label, count])
        if not rows:
            self._put([tr(language, "report.none_in_period")])
        end = self._row
        if chart and rows:
            self._chart(title, start + 1, end)
            while self._row < start + CHART_ROWS:
                self._put([])
        self._put([])

    def write_summary(self, figures: Figures, *, title: str, notes: Sequence[str]) -> None:
        language = self.language
        self._put([title], bold=True)
        for note in notes:
            self._put([note])
        if figures.empty:
            self._put([tr(language, "report.empty")], bold=True)
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
            sheet.append([name, *counts, self.share(sheet, tally)])
        sheet.append([])
        # The chart reads labels from column A and values from column B: a block of its own.
        top = len(rows) + 3
        share_head = [tr(language, "timeliness.share_title"), tr(language, "timeliness.share")]
        sheet.append(self._header(sheet, share_head))
        for name, tally in rows:
            sheet.append([name, self.cell(sheet, tally.share or 0.0, fmt=PERCENT)])
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
            cells += [row.late, row.missed]
            if handlers:
                cells += [row.drafts, row.withdrawn]
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
