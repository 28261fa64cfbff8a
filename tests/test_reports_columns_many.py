"""The report's batch paths give what the record-by-record paths give: each detail column's
values for a batch of records (``Column.values``) are its ``get`` of each record, and the
detail rows are the same bytes however a report's batches cut them (the texts a column
has seen are kept from batch to batch). That those bytes are the cells openpyxl writes is
``test_reports_detail_rows``'s."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from test_reports_detail_rows import VALUES

from reports.columns import COLUMNS
from reports.detail_rows import DetailRows, StyleKey
from reports.facts import MILESTONE_ORDER, MilestoneLine, RecordFacts, State
from storage.models import Record
from storage.vocabulary import Channel, Intermediary, Language, UnitCategory

BEIJING = ZoneInfo("Asia/Shanghai")
MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
TEXTS = st.one_of(st.none(), st.just(""), st.text(max_size=30), st.sampled_from(["=1+1", "a\nb"]))
ENUMS = {"channel": Channel, "unit_category": UnitCategory, "intermediary": Intermediary}
ANSWERS = ("retired", "main_leader", "serious")
LINES = st.lists(
    st.builds(
        MilestoneLine,
        st.sampled_from(MILESTONE_ORDER),
        MOMENTS,
        st.one_of(st.none(), MOMENTS),
        st.sampled_from(list(State)),
    ),
    max_size=4,
    unique_by=lambda line: line.milestone,
).map(tuple)


def value_of(key: str) -> st.SearchStrategy[Any]:
    """Values a record's attribute ``key`` may hold, odd ones included (never lost)."""
    if key in ENUMS:
        return st.one_of(st.none(), st.sampled_from([m.value for m in ENUMS[key]]), TEXTS)
    if key in ANSWERS:
        return st.one_of(st.none(), st.booleans())
    if key.endswith("_at"):
        return st.one_of(st.none(), MOMENTS)
    return st.one_of(TEXTS, st.integers(-5, 5), MOMENTS)


KEYS = sorted(
    {c.key for c in COLUMNS if not c.key.startswith("state_")}
    - {"status", "kind", "department", "handler", "art9", "cosigners", "route", "originals"}
    - {"evidence", "evidence_count", "amendments", "case_number", "cosigned_at"}
)


@st.composite
def facts(draw: st.DrawFn) -> RecordFacts:
    record = SimpleNamespace(**{key: draw(value_of(key)) for key in KEYS})
    record.status, record.kind, record.channel_other = "submitted", "external", None
    record.case_not_filed, record.case_number = False, "案号"
    record.art9_items = draw(st.none() | st.lists(st.integers(1, 14), unique=True, max_size=4))
    record.art9_other = draw(st.none() | TEXTS) if 14 in (record.art9_items or ()) else None
    record.material_route, record.originals_destination = None, None
    record.fields = {"inquiry_day_only": draw(st.booleans())}
    return RecordFacts(
        record=cast(Record, record),
        handler=draw(TEXTS) or "",
        department=draw(TEXTS) or "",
        cosigners=(),
        milestones=draw(LINES),
        evidence=(),
        amendments=(),
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(facts(), max_size=6), st.sampled_from(list(Language)))
def test_a_column_of_a_batch_is_each_records_value(
    batch: list[RecordFacts], language: Language
) -> None:
    for column in COLUMNS:
        one_by_one = [column.get(one, language, BEIJING) for one in batch]
        assert column.values(batch, language, BEIJING) == one_by_one, column.key


WIDTHS = [column.width for column in COLUMNS]
STYLES: dict[StyleKey, int] = {}


def style(key: StyleKey) -> int:
    """A cell format's index, the same for the same key in every sheet of the test."""
    return STYLES.setdefault(key, len(STYLES))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(VALUES, min_size=6, max_size=6), min_size=1, max_size=8), st.data())
def test_rows_are_the_same_bytes_however_the_batches_cut_them(
    drawn: list[list[object]], data: st.DataObject
) -> None:
    rows = [values + [None] * (len(COLUMNS) - 6) for values in drawn]
    cut = data.draw(st.integers(0, len(rows)))
    with TemporaryDirectory() as folder:
        whole = DetailRows(BEIJING, WIDTHS, style)
        whole.add_columns([list(column) for column in zip(*rows, strict=True)])
        cut_in_two = DetailRows(BEIJING, WIDTHS, style)
        cut_in_two.add(rows[:cut])
        cut_in_two.add(rows[cut:])
        one_by_one = DetailRows(BEIJING, WIDTHS, style)  # no text repeated within a batch
        for row in rows:
            one_by_one.add([row])
        written = []
        for rows_file in (whole, cut_in_two, one_by_one):
            sheet = Path(folder) / "sheet.xml"
            sheet.write_bytes(b"<sheetData></sheetData>")
            out = Path(folder) / "out.xml"
            with out.open("wb") as stream:
                rows_file.write_into(sheet, stream)
            written.append(out.read_bytes())
        assert written[0] == written[1] == written[2]
        assert written[0].count(b"<row ") == len(rows)
