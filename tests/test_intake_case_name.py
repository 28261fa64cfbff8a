"""A case number typed at the case-name question is a case number, never the name.

Any text shaped as a case number (``storage.casenumber.case_number_shaped``) is checked as the
案号 question checks it: this court's is taken as the number, another court's is refused as
another court's, a court code that does not exist is refused as not existing. Over the space
of spellings (brackets of every style or none, full-width digits, spaces, with or without 号,
a document suffix) × court codes (this court's, another court's, one that does not exist);
and ordinary case names are no case numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Exactly,
    asks,
    dialogue,
    phone_record,
    record_row,
    says,
    settings_for,
    until,
)
from hypothesis import given
from hypothesis import strategies as st

from handlers.fields import Step
from reminders.clock import FakeClock
from storage import casenumber
from storage.casenumber import (
    CaseNumber,
    CaseNumberError,
    CaseNumberProblem,
    case_number_shaped,
    parse_case_number,
)
from storage.db import Database

YEAR_NOW = 2026
OWN = "豫0825"
COURTS = sorted(casenumber._courts())
NONEXISTENT = sorted(
    code
    for code in (f"{p}{n:04d}" for p in ("豫", "京", "粤") for n in range(800, 900))
    if code not in casenumber._courts()
)
TYPES = sorted(casenumber._types())
BRACKETS = (("（", "）"), ("(", ")"), ("〔", "〕"), ("[", "]"), ("【", "】"), ("", ""))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def spelled(draw: st.DrawFn, court: st.SearchStrategy[str]) -> tuple[str, str]:
    """A court code from ``court`` and one way a judge may type a case number of it."""
    code = draw(court)
    kind = draw(st.sampled_from(TYPES))
    year = str(draw(st.integers(1949, YEAR_NOW)))
    serial = str(draw(st.integers(1, casenumber.MAX_SERIAL)))
    suffix = draw(st.sampled_from(("", "之一", "之十一")))
    left, right = draw(st.sampled_from(BRACKETS))
    if draw(st.booleans()):
        year, serial = year.translate(FULL_WIDTH), serial.translate(FULL_WIDTH)
    space = draw(st.sampled_from(("", " ")))
    hao = "号" if suffix or draw(st.booleans()) else ""
    return code, f"{left}{year}{right}{space}{code}{kind}{space}{serial}{hao}{suffix}"


@given(spelled(st.sampled_from(COURTS)))
def test_every_known_courts_number_is_shaped_as_one(case: tuple[str, str]) -> None:
    _code, text = case
    assert case_number_shaped(text)


@given(spelled(st.sampled_from(NONEXISTENT)))
def test_a_number_with_a_court_code_that_does_not_exist_is_shaped_as_one(
    case: tuple[str, str],
) -> None:
    code, text = case
    assert case_number_shaped(text)
    with pytest.raises(CaseNumberError) as refused:
        parse_case_number(text, year_now=YEAR_NOW)
    assert (refused.value.reason, refused.value.part) == (CaseNumberProblem.COURT, code)


@given(
    st.lists(st.sampled_from("张王李赵刘陈某甲乙丙"), min_size=1, max_size=4).map("".join),
    st.lists(st.sampled_from("张王李赵刘陈某甲乙丙公司"), min_size=1, max_size=6).map("".join),
    st.sampled_from(("民间借贷纠纷", "买卖合同纠纷", "离婚纠纷", "故意伤害", "")),
    st.sampled_from(("", "2026年", "（2026）", "2025年度", "第3号")),
)
def test_a_case_name_is_no_case_number(
    plaintiff: str, defendant: str, cause: str, head: str
) -> None:
    assert not case_number_shaped(f"{head}{plaintiff}诉{defendant}{cause}案")


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    """The court's own code set, as the court user's demo has it."""
    settings = settings_for(tmp_path)
    settings.court.code = OWN
    return DialogueBot(db, clock, settings)


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("(2026)豫0826民初55号", "案号中的法院代字“豫0826”不存在。"),
        ("（2026）豫0826民初55", "案号中的法院代字“豫0826”不存在。"),
        ("2026豫9999刑初7号", "案号中的法院代字“豫9999”不存在。"),
        ("（2026）豫0823民初55号", "案号中的法院代字“豫0823”是武陟县人民法院的"),
        ("[2025]京0105民初8号之一", "案号中的法院代字“京0105”是北京市朝阳区人民法院的"),
    ],
)
async def test_a_number_refused_at_the_name_question_is_said_and_not_stored(
    court: Court, db: Database, typed: str, refusal: str
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, until(phone_record(), Step.CASE_NAME))
    replies = await judge.act(typed)
    assert len(replies) == 1, [r.text for r in replies]
    [reply] = replies
    assert reply.text.startswith(refusal), reply.text
    assert asks(Step.CASE_NAME) in reply.text
    assert reply.buttons
    row = await record_row(db, 1)
    assert (row["case_name"], row["case_number"]) == (None, None)


async def test_this_courts_number_at_the_name_question_is_the_case_number(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    number = CaseNumber(2026, OWN, "民初", 55)
    await dialogue(
        judge,
        [
            *until(phone_record(), Step.CASE_NAME),
            (
                "2026 豫0825民初 55号",
                Exactly(
                    says("intake.case_number_at_name", number=number.text), asks(Step.CASE_NAME)
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert (row["case_name"], row["case_number"]) == (None, number.text)
