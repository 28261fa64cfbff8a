"""Case numbers over their whole space: every court, every type code (the IP courts' too),
any year up to this one, any serial, a document suffix, typed any way a judge types them."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import load_case_types
from bot.config import defaults
from storage import casenumber
from storage.casenumber import (
    CaseNumber,
    CaseNumberError,
    CaseNumberProblem,
    add_types,
    parse_case_number,
    type_name,
)

YEAR_NOW = 2026
COURTS = sorted(casenumber._courts())
TYPES = sorted(casenumber._types())
IP_TYPES = ("知民初", "知民终", "知行初", "知行终", "知刑初", "知刑终")
BRACKETS = (("（", "）"), ("(", ")"), ("〔", "〕"), ("[", "]"), ("【", "】"), ("", ""))
SUFFIXES = ("", "之一", "之二", "之十", "之十一")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")

numbers = st.builds(
    CaseNumber,
    year=st.integers(1949, YEAR_NOW),
    court_code=st.sampled_from(COURTS),
    type_code=st.sampled_from(TYPES),
    serial=st.integers(1, casenumber.MAX_SERIAL),
    suffix=st.sampled_from(SUFFIXES),
)


@st.composite
def typed(draw: st.DrawFn) -> tuple[CaseNumber, str]:
    """A case number and one way a judge may type it: the year in any brackets or none, with
    or without 年 (``2026年豫0825民初1234号``), digits half- or full-width, spaces."""
    number = draw(numbers)
    left, right = draw(st.sampled_from(BRACKETS))
    hao = "号" if number.suffix or draw(st.booleans()) else ""
    serial = str(number.serial)
    year = str(number.year)
    if draw(st.booleans()):
        year, serial = year.translate(FULL_WIDTH), serial.translate(FULL_WIDTH)
    year += draw(st.sampled_from(("", "年")))
    space = draw(st.sampled_from(("", " ")))
    text = f"{left}{year}{right}{space}{number.court_code}{number.type_code}{space}{serial}"
    return number, f"{text}{hao}{number.suffix}"


def ambiguous(number: CaseNumber) -> bool:
    """A court code without digits followed by a type code that another court code plus
    another type code also spell: the table itself cannot tell them apart."""
    if number.court_code[-1].isdigit():
        return False
    letters = number.court_code + number.type_code
    return any(
        letters.startswith(court) and letters[len(court) :] in casenumber._types()
        for court in casenumber._courts_without_digits()
        if len(court) > len(number.court_code)
    )


@given(typed())
def test_every_typed_form_reads_as_its_number(case: tuple[CaseNumber, str]) -> None:
    number, text = case
    if ambiguous(number):
        return
    assert parse_case_number(text, year_now=YEAR_NOW) == number


@given(numbers)
def test_the_stored_spelling_reads_back_as_itself(number: CaseNumber) -> None:
    if ambiguous(number):
        return
    parsed = parse_case_number(number.text, year_now=YEAR_NOW)
    assert parsed == number
    assert isinstance(parsed, CaseNumber) and parsed.text == number.text


@given(numbers)
def test_the_compact_spelling_reads_back_as_itself(number: CaseNumber) -> None:
    """``CaseNumber.compact`` (a button's data) reads back as the number it spells."""
    if ambiguous(number):
        return
    assert parse_case_number(number.compact, year_now=YEAR_NOW) == number


@given(numbers, st.integers(1, 5000))
def test_any_year_after_this_one_is_refused_as_future(number: CaseNumber, ahead: int) -> None:
    year = YEAR_NOW + ahead
    text = f"（{year}）{number.court_code}{number.type_code}{number.serial}号"
    if year > 9999:
        return
    with pytest.raises(CaseNumberError) as caught:
        parse_case_number(text, year_now=YEAR_NOW)
    assert (caught.value.reason, caught.value.part) == (CaseNumberProblem.FUTURE, str(year))


@pytest.mark.parametrize("code", IP_TYPES)
def test_the_ip_courts_type_codes_are_known(code: str) -> None:
    assert type_name(code) is not None
    for court in ("京73", "最高法", "豫0825"):
        parsed = parse_case_number(f"（2025）{court}{code}8号之一", year_now=YEAR_NOW)
        assert parsed == CaseNumber(2025, court, code, 8, "之一")


def test_no_brackets_is_normalised() -> None:
    parsed = parse_case_number("2026豫0825刑初56号", year_now=YEAR_NOW)
    assert isinstance(parsed, CaseNumber)
    assert parsed.text == "（2026）豫0825刑初56号"


def test_an_admin_adds_type_codes_from_a_file_without_a_release(tmp_path: Path) -> None:
    table = tmp_path / "case-types.tsv"
    table.write_text(
        "# this court's own additions\ncategory\tname\ttype_code\n\t试行案件\t民试初\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseNumberError):
        parse_case_number("（2026）豫0825民试初1号", year_now=YEAR_NOW)
    settings = defaults()
    settings.court.case_types_file = str(table)
    try:
        load_case_types(settings)
        parsed = parse_case_number("（2026）豫0825民试初1号", year_now=YEAR_NOW)
        assert parsed == CaseNumber(2026, "豫0825", "民试初", 1)
        assert type_name("民试初") == "试行案件"
    finally:
        casenumber._EXTRA_TYPES.clear()
        casenumber._types.cache_clear()
        casenumber._types_longest_first.cache_clear()


def test_a_table_without_its_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="type_code"):
        add_types("code\tname\n民试初\t试行\n")
