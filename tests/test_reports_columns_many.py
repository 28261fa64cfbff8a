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

from handlers.fields import Step
from reports.columns import COLUMNS
from reports.detail_rows import DetailRows, StyleKey
from reports.facts import (
    MILESTONE_ORDER,
    CosignerLine,
    EvidenceLine,
    MilestoneLine,
    RecordFacts,
    State,
)
from reports.text import tr
from storage.models import Record
from storage.vocabulary import (
    Channel,
    CosignStatus,
    Intermediary,
    Language,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
)

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
    record.status = draw(st.sampled_from([*(m.value for m in RecordStatus), "odd"]))
    record.kind = draw(st.sampled_from([None, *(m.value for m in RecordKind), "odd"]))
    record.channel_other = None
    record.case_not_filed, record.case_number = draw(st.booleans()), draw(TEXTS)
    # A few lists of items, met again and again in a batch, as a quarter's records do.
    record.art9_items = draw(
        st.sampled_from([None, [], [1], [14], [3, 14], [2, 5]])
        | st.lists(st.integers(1, 14), unique=True, max_size=4)
    )
    record.art9_other = draw(st.none() | TEXTS) if 14 in (record.art9_items or ()) else None
    record.material_route = draw(st.sampled_from([None, *(m.value for m in MaterialRoute)]))
    record.originals_destination = draw(
        st.sampled_from([None, *(m.value for m in OriginalsDestination)])
    )
    record.fields = {"inquiry_day_only": draw(st.booleans())}
    return RecordFacts(
        record=cast(Record, record),
        handler=draw(TEXTS) or "",
        department=draw(TEXTS) or "",
        cosigners=draw(st.lists(COSIGNERS, max_size=2).map(tuple)),
        milestones=draw(LINES),
        evidence=draw(st.lists(EVIDENCE, max_size=2).map(tuple)),
        amendments=(),
    )


COSIGNERS = st.builds(
    CosignerLine,
    name=st.text(max_size=8),
    status=st.sampled_from([m.value for m in CosignStatus]),
    requested_at=st.none() | MOMENTS,
    responded_at=st.none() | MOMENTS,
    reason=st.none() | TEXTS,
    offline=st.booleans(),
)
EVIDENCE = st.builds(
    EvidenceLine,
    name=st.none() | st.text(max_size=8),
    kind=st.none(),
    mime=st.none(),
    size=st.none(),
    sha256=st.none() | st.text("0123456789abcdef", min_size=64, max_size=64),
    received_at=MOMENTS,
    damaged=st.just(False),
    unavailable=st.none(),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(facts(), max_size=8), st.sampled_from(list(Language)))
def test_a_column_of_a_batch_is_each_records_value(
    batch: list[RecordFacts], language: Language
) -> None:
    for column in COLUMNS:
        one_by_one = [column.get(one, language, BEIJING) for one in batch]
        together = column.values(batch, language, BEIJING)
        assert together == one_by_one, column.key
        assert list(map(type, together)) == list(map(type, one_by_one)), column.key


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


STEPS = sorted(step.value for step in Step)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(facts(), st.lists(st.sampled_from(STEPS), max_size=4)), max_size=6),
    st.sampled_from(list(Language)),
)
def test_a_question_skipped_at_the_intake_reads_skipped_in_every_column(
    batch: list[tuple[RecordFacts, list[str]]], language: Language
) -> None:
    """A record's question skipped at the intake is not answered, and not "none": every
    column of that question, in a batch (the XLSX detail) and one by one (the form), reads
    skipped where the record holds nothing; every other value is the column's own."""
    records = []
    for one, skipped in batch:
        cast(Any, one.record).fields = {**one.record.fields, "skipped": skipped}
        records.append(one)
    mark = tr(language, "common.skipped")
    for column in COLUMNS:
        own = [column.get(one, language, BEIJING) for one in records]
        expected = [
            mark if value is None and column.key in one.record.fields["skipped"] else value
            for one, value in zip(records, own, strict=True)
        ]
        assert column.values(records, language, BEIJING) == expected, column.key
        assert [column.one(one, language, BEIJING) for one in records] == expected, column.key
