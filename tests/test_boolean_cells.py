"""Every yes-or-no a document prints says 是 or 否: a blank would read as "not known".

The kind is checked whole: each Boolean column of a record is either a column of the
documents (the workbook's detail sheet, the form, the Art. 7 list sent upward and its table
in the summary document) or folded into another column's words; and each of those columns,
for every answer, prints the answer's word (None, a question not answered, stays blank).
"""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Boolean
from test_reports_support import BEIJING

from reports.columns import COLUMNS
from reports.facts import RecordFacts
from reports.figures import Art7Row
from reports.text import yes_no
from reports.xlsx import ART7_KEYS, art7_texts, art7_values
from storage.models import Record
from storage.vocabulary import Language

BOOLEANS = frozenset(c.key for c in Record.__table__.columns if isinstance(c.type, Boolean))
FOLDED = {
    "received_confirmed": "received_at",  # a receipt not confirmed: the words for it
    "case_not_filed": "case_number",  # 未立案 in place of the case number
    "cosigners_done": "state_cosigned",  # the co-signature step's state
}
"""Boolean columns a document shows inside another column, and that column."""
SHOWN = BOOLEANS - set(FOLDED)


def facts_with(**answers: bool | None) -> RecordFacts:
    record = Record(
        received_at=datetime(2026, 11, 30, 8, tzinfo=UTC),
        number="温法过问〔2026〕3号",
        inquirer_name="李四",
        **answers,
    )
    return RecordFacts(record, "张伟", "民事审判第一庭", (), (), (), ())


def test_every_boolean_column_is_a_column_or_folded_into_one() -> None:
    keys = {column.key for column in COLUMNS}
    assert keys >= SHOWN, SHOWN - keys
    assert set(FOLDED.values()) <= keys
    assert {"main_leader", "serious"} <= set(ART7_KEYS)


@given(
    answers=st.fixed_dictionaries({name: st.none() | st.booleans() for name in sorted(SHOWN)}),
    language=st.sampled_from(list(Language)),
)
def test_every_boolean_cell_prints_its_answer(
    answers: dict[str, bool | None], language: Language
) -> None:
    facts = facts_with(**answers)
    for column in COLUMNS:
        if column.key not in SHOWN:
            continue
        expected = yes_no(answers[column.key], language) or None
        assert column.get(facts, language, BEIJING) == expected, column.key
        if column.many is not None:
            assert column.many([facts], language, BEIJING) == [expected], column.key
    main_leader, serious = bool(answers["main_leader"]), bool(answers["serious"])
    row = Art7Row(facts, main_leader, serious)
    cells = art7_values(row, language, BEIJING)
    texts = art7_texts(row, language, BEIJING)
    for key, answer in (("main_leader", main_leader), ("serious", serious)):
        index = ART7_KEYS.index(key)
        assert cells[index] == yes_no(answer, language), key
        assert texts[index] == yes_no(answer, language), key
