"""The detail sheet's data rows as SpreadsheetML, written without openpyxl's cell objects.

A busy quarter's detail sheet holds a hundred thousand rows: :class:`DetailRows` writes them as
the same ``<row>`` elements openpyxl would write (``reports.xlsx`` splices them into the sheet
openpyxl writes). A module of its own, importing neither openpyxl nor the database layer, so
that a worker process writing them (``reports.detail_worker``) starts in a fraction of the time.
"""

from __future__ import annotations

import math
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, cast
from zoneinfo import ZoneInfo

from reports.document import clean
from reports.paper import row_points, text_lines

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
MAX_TEXT = 32767  # the most a spreadsheet cell holds

StyleKey = tuple[bool, str | None, bool, bool | None, bool]
# XML text: the three markup characters, and a carriage return, which a parser would read
# back as a line feed (XML 1.0, 2.11) if it were written as is.
XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
# What a text needs besides: characters XML forbids (``reports.document.clean``), or markup.
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>\r]")
_KNOWN_CELLS = 2048  # texts kept per column, at most
_SHORT = 64  # characters of a text kept: a name, a word, a state, Art. 9 items
_EPOCH = date(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system
_FIRST, _SECOND = itemgetter(0), itemgetter(1)


def safe_number(value: float) -> str:
    """A number as openpyxl writes it (``openpyxl.compat.safe_string``: ``%.16g``, nothing
    for NaN or infinity), without importing openpyxl."""
    return "" if math.isnan(value) or math.isinf(value) else f"{value:.16g}"


def shown_time(value: datetime, tz: ZoneInfo) -> datetime:
    """``value`` as a workbook's time cell holds it: the wall-clock time in ``tz``, naive, to
    the minute it is shown (``DATE_FORMAT``), with no hidden seconds. Every time cell of the
    report, written by openpyxl or by ``DetailRows``, takes its value from here."""
    return value.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def excel_serial(moment: datetime) -> str:
    """``moment``'s wall-clock time as an Excel serial number (days since 1899-12-30, the
    time as a fraction), written as openpyxl writes it (``openpyxl.utils.datetime.to_excel``,
    ``%.16g``): the same number for the same time, to the last digit."""
    days = moment.toordinal() - _EPOCH
    if 0 < days <= 60:  # Excel's phantom 1900-02-29
        days -= 1
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return "%.16g" % (days + (seconds + moment.microsecond / 10**6) / 86400)


def splice_rows(rows: IO[bytes], sheet_xml: Path, out: IO[bytes]) -> None:
    """Write the sheet written at ``sheet_xml`` to ``out`` with the ``<row>`` elements of the
    file ``rows`` at the end of its ``sheetData`` (copied in 1 MiB pieces); then close
    ``rows``. ``ValueError`` if the sheet has no ``</sheetData>``."""
    head, tail = sheet_xml.read_bytes().split(b"</sheetData>", 1)
    out.write(head)
    rows.seek(0)
    shutil.copyfileobj(rows, out, 1 << 20)
    out.write(b"</sheetData>")
    out.write(tail)
    rows.close()


class DetailRows:
    """The detail sheet's data rows as SpreadsheetML (ECMA-376 Part 1, 18.3.1.73 ``row``,
    18.3.1.4 ``c``), appended to a temporary file so that memory stays flat.

    Each cell gets exactly what :meth:`ReportWorkbook.cell` gives it in openpyxl: a text as an
    inline string (``t="inlineStr"``, never a formula) with its control characters shown as
    U+FFFD, cut at 32,767 characters, wrapped when it holds a line break or takes more than
    one line in its column of ``widths`` (:func:`reports.paper.text_lines`; the row is then
    as tall as its longest text), quote-prefixed when it starts like a formula; a time in the
    court's zone as an Excel serial with the date format; a number as a number; numbers and
    times top-aligned; an empty value as a bordered empty cell. ``style`` maps a style key to
    the cell format's index in the workbook.

    A row names its number (``r``); its cells do not: the attribute is optional, a cell
    without one being the column after the cell before it (18.3.1.4), so every cell of every
    row is written, the empty ones included. A text cell is then the same bytes wherever it
    stands, and a column's repeated texts are encoded once.
    """

    def __init__(
        self,
        tz: ZoneInfo,
        widths: Sequence[float],
        style: Any,
        first_row: int = 2,
        file: IO[bytes] | None = None,
    ) -> None:
        self.tz = tz
        self.widths = list(widths)
        self.next_row = first_row
        self.count = 0
        self._style = style
        self._ids: dict[StyleKey, str] = {}
        # Each column's short texts as written, with their lines: a quarter's rows repeat them.
        self._known: list[dict[str | None, tuple[bytes, int]]] = [{} for _ in widths]
        self._empty = ""
        self._texts: list[list[str]] = []
        # Open while the records stream past; closed by write_into() or close(). ``file``: the
        # rows written there instead (``reports.detail_worker``, in a process of its own).
        self._file: IO[bytes] = (
            file if file is not None else tempfile.TemporaryFile(prefix="guowen-detail-")  # noqa: SIM115
        )

    def _id(self, key: StyleKey) -> str:
        found = self._ids.get(key)
        if found is None:
            found = self._ids[key] = str(self._style(key))
        return found

    def _text(self, text: str, width: float) -> tuple[bytes, int]:
        """A text cell as written (``<c ...>...</c>``, UTF-8), and the lines it takes."""
        if not text:
            return f'<c s="{self._empty}"/>'.encode(), 1
        lines = text_lines(text, width)
        if _SPECIAL.search(text):
            text = clean(text)
            escape = True
        else:
            escape = False
        text = text[:MAX_TEXT]
        style = self._texts["\n" in text or lines > 1][text.startswith(FORMULA_START)]
        space = (
            ' xml:space="preserve"'
            if (text[0].isspace() or text[-1].isspace()) and not text.isspace()
            else ""
        )
        if escape:
            text = text.translate(XML_TEXT)
        return f'<c s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'.encode(), lines

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        """Append ``rows``, each a value per column (text, number, aware time or None).

        Raises ValueError when a row has not one value per column."""
        rows = list(rows)
        if any(len(values) != len(self.widths) for values in rows):
            raise ValueError("a detail row needs one value per column")
        if rows:
            self.add_columns([list(column) for column in zip(*rows, strict=True)])

    def styles(self) -> dict[StyleKey, str]:
        """The cell formats the rows use, registered in the workbook now (in the order the first
        :meth:`add_columns` registers them), by style key: index as written."""
        self._ready()
        return dict(self._ids)

    def _ready(self) -> tuple[bytes, bytes]:
        """The cell styles registered (once); the opening tags of a time and a number cell."""
        if not self._texts:
            self._empty = self._id((False, None, True, None, False))
            # A text's style by (wrapped, quote-prefixed).
            self._texts = [
                [self._id((False, None, True, w, q)) for q in (False, True)] for w in (False, True)
            ]
        number = self._id((False, None, True, False, False))
        dated = self._id((False, DATE_FORMAT, True, False, False))
        return f'<c s="{dated}" t="n"><v>'.encode(), f'<c s="{number}" t="n"><v>'.encode()

    def add_columns(self, columns: Sequence[Sequence[object]]) -> None:
        """Append rows given column by column: ``columns[c][r]`` is row ``r``'s value in
        column ``c``, as :meth:`add` takes it; the same bytes as :meth:`add` of those rows.

        A column's repeated short texts are looked up at once; only the rest (times, numbers,
        texts seen first) is encoded value by value. Raises ValueError when the columns are not
        one per column of the sheet, or not all as long."""
        if len(columns) != len(self.widths):
            raise ValueError("detail columns: one list per column of the sheet")
        count = len(columns[0])
        if any(len(values) != count for values in columns):
            raise ValueError("detail columns of different lengths")
        if not count:
            return
        date_open, number_open = self._ready()
        close = b"</v></c>"
        tz, text_cell = self.tz, self._text
        encoded: list[list[bytes]] = []
        lines: list[list[int]] = []
        for width, known, values in zip(self.widths, self._known, columns, strict=True):
            try:
                cells: list[tuple[bytes, int] | None] = list(map(cast(Any, known).get, values))
            except TypeError:  # a value that cannot be a key: each encoded below
                cells = [None] * count
            if None in cells:
                for i, found in enumerate(cells):
                    if found is not None:
                        continue
                    value = values[i]
                    if value is None or type(value) is str:
                        seen = known.get(value)  # a text met earlier in this batch
                        if seen is not None:
                            cells[i] = seen
                            continue
                        cell = text_cell(value or "", width)
                        if len(known) < _KNOWN_CELLS and (value is None or len(value) <= _SHORT):
                            known[value] = cell
                    elif isinstance(value, datetime):
                        serial = excel_serial(shown_time(value, tz)).encode()
                        cell = (date_open + serial + close, 1)
                    elif isinstance(value, int | float) and not isinstance(value, bool):
                        cell = (number_open + safe_number(value).encode() + close, 1)
                    else:
                        cell = text_cell(str(value), width)
                    cells[i] = cell
            done = cast(list[tuple[bytes, int]], cells)
            encoded.append(list(map(_FIRST, done)))
            lines.append(list(map(_SECOND, done)))
        parts: list[bytes] = []
        put, more = parts.append, parts.extend
        n = self.next_row
        heights = map(max, repeat(1), *lines)  # at least one line: a row of one column too
        for most, row in zip(heights, zip(*encoded, strict=True), strict=True):
            put(
                f'<row r="{n}" ht="{safe_number(row_points(most))}" customHeight="1">'.encode()
                if most > 1
                else f'<row r="{n}">'.encode()
            )
            more(row)
            put(b"</row>")
            n += 1
        self.count += count
        self.next_row = n
        self._file.write(b"".join(parts))

    @property
    def size(self) -> int:
        """Bytes of rows written so far."""
        return self._file.tell()

    def write_into(self, sheet_xml: Path, out: IO[bytes]) -> None:
        """Write the sheet written at ``sheet_xml`` (which holds the header row) to ``out``,
        the rows put at the end of its ``sheetData``; then close the rows' file."""
        splice_rows(self._file, sheet_xml, out)

    def close(self) -> None:
        """Discard the rows' temporary file (a period with no records)."""
        self._file.close()
