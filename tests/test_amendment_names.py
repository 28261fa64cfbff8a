"""A correction shown to a person names its values as people read them, never as stored.

/record, a co-signer's re-confirmation and the form's correction table show each
amendment old → new. A column that stores another table's id (a department's) shows the
name; a choice shows its label; a flag 是/否; an Art. 9 item its text. The kind is checked
whole: every correctable column with a foreign key has a way to be named
(``reports.facts.ID_FIELDS``), and every correctable column, corrected, shows no code and no
bare id in the chat line.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reports_layout import NEW_VALUES, codes_in
from test_reports_support import BEIJING, fresh_database, local, make_record, open_court

from handlers import card
from handlers.engine import Context
from handlers.i18n import t
from reports.facts import ID_FIELDS, load_names
from storage import records as records_repo
from storage.models import Record
from storage.records import AMENDABLE
from storage.vocabulary import Language

VALUES: dict[str, Any] = {**NEW_VALUES, "platform_ref": "PT-2026-0001"}


class _Services:
    tz: ZoneInfo = BEIJING


class _Chat:
    """What ``card.amendment_line`` reads of a chat's context."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self.services = _Services()

    def t(self, key: str, /, **values: object) -> str:
        return t(self.language, key, **values)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(BEIJING)


def test_every_correctable_column_holding_an_id_is_named() -> None:
    keyed = {
        column.key
        for column in Record.__table__.columns
        if column.foreign_keys and column.key in AMENDABLE
    }
    assert keyed, "the department is a correctable id"
    assert keyed <= set(ID_FIELDS), keyed - set(ID_FIELDS)


def test_every_correctable_column_has_a_value_to_try() -> None:
    assert set(VALUES) >= AMENDABLE, AMENDABLE - set(VALUES)


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(sorted(AMENDABLE)),
    language=st.sampled_from(list(Language)),
)
async def test_every_correction_is_shown_in_words(
    template_url: str, tmp_path: Any, name: str, language: Language
) -> None:
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, local("2026-03-01 09:00"))
        handler, other = people["张伟"], people["周强"]
        assert handler.department_id != other.department_id
        record_id = await make_record(db, handler, local("2026-03-06 10:00"))
        value = VALUES[name]
        if name in ID_FIELDS:
            value = other.department_id
        async with db.transaction() as session:
            record = await session.get(Record, record_id)
            assert record is not None
            old_value = getattr(record, name)
            amendment = await records_repo.amend(
                session,
                record,
                name,
                value,
                reason="据原始记录更正",
                actor=handler,
                at=local("2026-03-07 09:00") + timedelta(minutes=1),
            )
            names = await load_names(session)
            line = card.amendment_line(cast(Context, _Chat(language)), amendment, record, names)
    if language == Language.ZH:  # English words are ASCII: codes are looked for in Chinese
        assert codes_in(line.replace("PT-2026-0001", "")) == [], (name, line)
    if name in ID_FIELDS:
        old_name = names.department(old_value)
        new_name = names.department(value)
        assert old_name and new_name and old_name != new_name
        assert old_name in line and new_name in line, line
        # No bare id on either side of the arrow.
        assert not re.search(rf"(?<![0-9]){old_value}\s*(→|->)", line), line
        assert not re.search(rf"(→|->)\s*{value}(?![0-9])", line), line


@pytest.mark.parametrize("language", list(Language))
def test_an_unknown_department_id_is_marked_not_bare(language: Language) -> None:
    from reports.facts import Names, resolved

    names = Names({}, {1: "民事审判第一庭"})
    assert resolved("department_id", "1", names) == '"民事审判第一庭"'
    assert resolved("department_id", "9", names) == '"#9"'
    assert resolved("department_id", "null", names) == "null"
    assert resolved("summary", "1", names) == "1"
