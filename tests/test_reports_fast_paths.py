"""The report's fast paths give what the plain library paths give: the records read in
batches (times parsed from SQLite's text, vocabularies and yes-or-no answers converted a
column at a time, named tuples) hold the values the ORM reads, of the same types, in
the same order, whatever the batch size; a run of text in the summary document is the XML
python-docx writes for it run by run."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from docx import Document as new_document
from docx.shared import Pt
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import select
from test_reports_support import local, make_record, open_court

from reports.fonts import BODY_FONT, EXTENSION_FONT, beyond_bmp
from reports.period import parse_period
from reports.quarterly import records_in
from reports.render_docx import _fonts_of, add_text
from storage.db import Database
from storage.models import Record

BEIJING = ZoneInfo("Asia/Shanghai")


async def test_records_in_batches_are_the_rows_the_orm_reads(db: Database) -> None:
    people = await open_court(db, local("2026-06-01 09:00"))
    zhang, sun = people["张伟"], people["孙丽"]
    same = local("2026-08-03 10:00")  # two records received at the same moment
    for n in range(7):
        await make_record(
            db,
            zhang if n % 2 else sun,
            same if n in (3, 4) else local("2026-07-01 00:10") + timedelta(days=9 * n, hours=n),
            channel="in_person" if n == 2 else "phone",
            cosigners=[zhang] if n == 2 else [],
            platform_after=timedelta(days=1) if n % 3 else None,
            art9_items=[1, 4] if n == 5 else [],
        )
    period = parse_period("2026Q3", now=local("2026-10-08 10:00"), tz=BEIJING)
    columns = [c.key for c in Record.__table__.c if c.key != "fields"]
    async with db.transaction() as session:
        expected = [
            tuple(getattr(record, key) for key in columns)
            for record in (
                await session.execute(select(Record).order_by(Record.received_at, Record.id))
            ).scalars()
        ]
        for batch in (1, 2, 3, 100):
            read = [record async for rows in records_in(session, period, BEIJING, batch)
                    for record in rows]  # fmt: skip
            assert [tuple(getattr(r, key) for key in columns) for r in read] == expected
            # Of the same types too: a vocabulary's member, not its text; a bool, not 0 or 1.
            assert [tuple(type(getattr(r, key)) for key in columns) for r in read] == [
                tuple(map(type, values)) for values in expected
            ]
            for record in read:
                assert record.received_at.utcoffset() == timedelta(0)
                assert [c.staff_id for c in record.cosigners] == (
                    [zhang.id] if record.channel == "in_person" else []  # n == 2
                )


def python_docx_runs(paragraph: object, text: str, font: str, size: float, bold: bool) -> None:
    """What ``add_text`` did before: python-docx's own calls, run by run."""
    pieces: list[tuple[bool, str]] = []
    for char in text:
        wide = beyond_bmp(char)
        if pieces and pieces[-1][0] == wide:
            pieces[-1] = (wide, pieces[-1][1] + char)
        else:
            pieces.append((wide, char))
    for wide, piece in pieces:
        run = paragraph.add_run(piece)  # type: ignore[attr-defined]
        run.font.size = Pt(size)
        run.bold = bold
        _fonts_of(run._r.get_or_add_rPr(), EXTENSION_FONT if wide else font)


TEXTS = st.text(alphabet=st.sampled_from(list("过问案件 ab\t\n𠮷=-"))).filter(bool)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(TEXTS, st.sampled_from([9.0, 10.5, 12.0]), st.booleans()), max_size=5))
def test_a_run_of_text_is_the_xml_python_docx_writes(runs: list[tuple[str, float, bool]]) -> None:
    document = new_document()
    fast, plain = document.add_paragraph(), document.add_paragraph()
    for text, size, bold in runs:
        add_text(fast, text, font=BODY_FONT, size=size, bold=bold)
        python_docx_runs(plain, text, BODY_FONT, size, bold)
    assert etree.tostring(fast._p) == etree.tostring(plain._p)
