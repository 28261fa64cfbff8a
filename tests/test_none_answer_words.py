"""The answer "none" to who else was present is kept as typed (无) and read in the reader's
words wherever it is shown: the form (PDF and DOCX), the workbook's columns, a correction's
old and new values, the chat card. An English form never prints 无 for it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from test_reports_support import (
    BEIJING,
    RULES,
    docx_text,
    form_files,
    local,
    make_record,
    open_court,
    pdf_text,
)

from reports.amendment import value_words
from reports.columns import FIELDS
from reports.facts import facts_for, load_names
from reports.text import tr
from storage.db import Database
from storage.models import Record
from storage.vocabulary import NONE_ANSWER, Language


@pytest.mark.parametrize("language", list(Language))
async def test_nobody_else_present_is_said_in_the_readers_words(
    db: Database, tmp_path: Path, language: Language
) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        place="第三审判庭办公室",
        persons_present=NONE_ANSWER,
    )
    none = tr(language, "common.none")
    other = tr(Language.ZH if language is Language.EN else Language.EN, "common.none")
    files = await form_files(
        db,
        record_id,
        tmp_path,
        now=local("2026-03-06 10:00") + timedelta(days=1),
        language=language,
    )
    label = tr(language, "field.persons_present")
    for text in (docx_text(files.docx), pdf_text(files.pdf)):
        flat = "".join(text.split())
        assert "".join(f"{label}{none}".split()) in flat, flat
        if language is Language.EN:
            assert NONE_ANSWER not in flat.replace(other, "")
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None and record.persons_present == NONE_ANSWER  # kept as typed
        names = await load_names(session)
        (facts,) = await facts_for(session, [record], names, RULES, local("2026-03-07 10:00"))
    (column,) = [c for c in FIELDS if c.key == "persons_present"]
    assert column.values([facts], language, BEIJING) == [none]
    stored = json.dumps(NONE_ANSWER, ensure_ascii=False)
    assert value_words("persons_present", stored, language, BEIJING) == none
