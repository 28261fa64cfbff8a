"""An inquiry known only to the day (只记日期，时间不详) is printed as that day with the words
for time unknown wherever the inquiry time is printed: the PDF and DOCX forms and the quarterly
workbook's detail sheet, in both languages; never as a made-up 00:00.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_reports_support import (
    BEIJING,
    docx_text,
    form_files,
    local,
    make_record,
    number_of,
    open_court,
    pdf_text,
    report_files,
    sheet_rows,
)

from reports.columns import COLUMNS, stamp
from reports.facts import RecordFacts
from reports.text import tr
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language

INQUIRY_AT = next(column for column in COLUMNS if column.key == "inquiry_at")
NOW = local("2026-10-20 09:00")


def flat(text: str) -> str:
    return "".join(text.split())


def day_only_words(language: Language, day: str) -> str:
    return tr(language, "form.day_only", day=day)


async def letter_known_to_the_day(db: Database) -> tuple[int, int]:
    """A letter whose inquiry is known to 2026-08-25 only, and a call at 2026-08-26 00:00."""
    people = await open_court(db, local("2026-06-01 09:00"))
    letter = await make_record(
        db,
        people["张伟"],
        local("2026-08-27 10:00"),
        channel="letter",
        inquiry_at=local("2026-08-25 00:00"),
    )
    call = await make_record(
        db, people["张伟"], local("2026-08-26 10:00"), inquiry_at=local("2026-08-26 00:00")
    )
    async with db.transaction() as session:
        record = await session.get(Record, letter)
        assert record is not None
        record.fields = {**record.fields, "inquiry_day_only": True}
    return letter, call


@pytest.mark.parametrize("language", list(Language), ids=lambda lang: lang.value)
async def test_the_forms_print_the_day_and_time_unknown(
    db: Database, tmp_path: Path, language: Language
) -> None:
    letter, call = await letter_known_to_the_day(db)
    files = await form_files(db, letter, tmp_path / "letter", now=NOW, language=language)
    words = day_only_words(language, "2026-08-25")
    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        assert flat(words) in flat(text)
        assert "2026-08-2500:00" not in flat(text)
    # A time that is known is printed as it is, 00:00 included.
    files = await form_files(db, call, tmp_path / "call", now=NOW, language=language)
    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        assert "2026-08-2600:00" in flat(text)


@pytest.mark.parametrize("language", list(Language), ids=lambda lang: lang.value)
async def test_the_detail_sheet_prints_the_day_and_time_unknown_and_sorts(
    db: Database, tmp_path: Path, language: Language
) -> None:
    letter, call = await letter_known_to_the_day(db)
    files = await report_files(db, "2026Q3", tmp_path, now=NOW, language=language)
    rows = sheet_rows(files.xlsx, 3)
    head = [str(title).replace("\n", "") for title in rows[0]]
    at = head.index(INQUIRY_AT.title(language))
    cells = {row[0]: row[at] for row in rows[1:]}
    assert cells[await number_of(db, letter)] == day_only_words(language, "2026-08-25")
    assert cells[await number_of(db, call)] == "2026-08-26 00:00"
    # One type in the column: sorted as text, it is in the order of the days.
    assert all(isinstance(cell, str) for cell in cells.values())
    assert sorted(cells.values()) == [day_only_words(language, "2026-08-25"), "2026-08-26 00:00"]


def facts_of(moment: datetime | None, only_day: bool) -> RecordFacts:
    record = SimpleNamespace(inquiry_at=moment, fields={"inquiry_day_only": only_day})
    return RecordFacts(
        record=cast(Record, record),
        handler="",
        department="",
        cosigners=(),
        milestones=(),
        evidence=(),
        amendments=(),
    )


ZONES = st.sampled_from([BEIJING, ZoneInfo("UTC"), ZoneInfo("America/New_York")])
# Hypothesis takes naive bounds and attaches the zones itself.
MOMENTS = st.datetimes(
    min_value=datetime(2021, 6, 23),  # noqa: DTZ001
    max_value=datetime(2040, 12, 31),  # noqa: DTZ001
    timezones=ZONES,
)


@given(
    st.lists(st.tuples(MOMENTS, st.booleans()), min_size=1, max_size=8),
    st.sampled_from(list(Language)),
)
def test_the_column_never_invents_a_time_and_sorts_by_day(
    inquiries: list[tuple[datetime, bool]], language: Language
) -> None:
    batch = [
        facts_of(
            datetime.combine(moment.astimezone(BEIJING).date(), datetime.min.time(), BEIJING)
            if only_day
            else moment,
            only_day,
        )
        for moment, only_day in inquiries
    ]
    values = INQUIRY_AT.values(batch, language, BEIJING)
    assert values == [INQUIRY_AT.get(one, language, BEIJING) for one in batch]
    for one, value, (_, only_day) in zip(batch, values, inquiries, strict=True):
        assert one.record.inquiry_at is not None
        day = one.record.inquiry_at.astimezone(BEIJING).strftime("%Y-%m-%d")
        if only_day:
            assert value == day_only_words(language, day)
            assert ":" not in str(value).replace(day, "")  # no clock time at all
        else:
            assert value == stamp(one.record.inquiry_at, BEIJING)
    # Sorted as the text it is, the column is in the order of the days.
    days = [str(value)[:10] for value in sorted(str(value) for value in values)]
    assert days == sorted(days)
    assert INQUIRY_AT.get(facts_of(None, True), language, BEIJING) is None


def test_the_words_are_the_catalogs() -> None:
    assert day_only_words(Language.ZH, "2026-08-25") == "2026-08-25（时间不详）"
    assert day_only_words(Language.EN, "2026-08-25") == "2026-08-25 (time unknown)"


# -- a receipt known only to its day (an electronic message whose day alone was given) ------


@pytest.mark.parametrize("language", list(Language), ids=lambda lang: lang.value)
async def test_a_receipt_known_to_the_day_is_printed_so_on_the_forms_and_the_workbook(
    db: Database, tmp_path: Path, language: Language
) -> None:
    people = await open_court(db, local("2026-06-01 09:00"))
    message = await make_record(
        db,
        people["张伟"],
        local("2026-08-25 00:00"),
        channel="wechat",
        inquiry_at=local("2026-08-25 00:00"),
        main_leader=True,
    )
    async with db.transaction() as session:
        record = await session.get(Record, message)
        assert record is not None
        record.fields = {**record.fields, "inquiry_day_only": True, "received_day_only": True}
    words = day_only_words(language, "2026-08-25")
    files = await form_files(db, message, tmp_path / "form", now=NOW, language=language)
    for text in (pdf_text(files.pdf), docx_text(files.docx)):
        assert flat(text).count(flat(words)) >= 2  # received and inquired: both the day alone
        assert "2026-08-2500:00" not in flat(text)
    report = await report_files(db, "2026Q3", tmp_path / "report", now=NOW, language=language)
    number = await number_of(db, message)
    detail = sheet_rows(report.xlsx, 3)
    head = [str(title).replace("\n", "") for title in detail[0]]
    received = next(column for column in COLUMNS if column.key == "received_at")
    [row] = [row for row in detail[1:] if row[0] == number]
    assert row[head.index(received.title(language))] == words
    art7 = sheet_rows(report.xlsx, 1)
    assert any(r[0] == number and r[1] == words for r in art7), art7
    assert flat(words) in flat(docx_text(report.summary))
