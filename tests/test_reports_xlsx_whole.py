"""A short name in a workbook cell is never broken: each vocabulary word, yes or no, state
word and every case number the court and type tables allow fits its column on one line, in
each language, in the detail and Art. 7 sheets (measured as reports.paper measures text).

Spreadsheet programs do not keep a closing bracket with the character before it: LibreOffice
printed 当面（口头 with the ）on a line of its own, and a case number with its 号 alone."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.columns import COLUMNS
from reports.paper import WORD_PAD, text_lines, text_width
from reports.xlsx import ART7_KEYS, ReportWorkbook, art7_words, detail_words
from storage import casenumber
from storage.casenumber import MAX_SERIAL, CaseNumber, widest_case_number
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
COURTS = sorted(casenumber._courts())
TYPES = sorted(casenumber._types())
BOOKS = {language: ReportWorkbook(language, BEIJING) for language in Language}


@pytest.fixture(autouse=True, scope="module")
def _discard_books() -> Iterator[None]:
    """The books' streamed sheets ended after the module, not by the garbage collector."""
    yield
    for book in BOOKS.values():
        book.discard()


DETAIL_CASE = [column.key for column in COLUMNS].index("case_number")
ART7_CASE = ART7_KEYS.index("case_number")

case_numbers = st.builds(
    CaseNumber,
    st.integers(1949, 9999),
    st.sampled_from(COURTS),
    st.sampled_from(TYPES),
    st.integers(1, MAX_SERIAL),
    st.sampled_from(["", "之一", "之十", "之九十九"]),
)


def _fits(text: str, width: float) -> bool:
    return text_lines(text, width) == 1 and text_width(text) + WORD_PAD <= width + 1e-9


@pytest.mark.parametrize("language", list(Language))
def test_every_word_a_cell_may_show_fits_its_column(language: Language) -> None:
    book = BOOKS[language]
    for rows, widths in (
        (detail_words(language), book.detail_widths),
        (art7_words(language), book.art7_widths),
    ):
        for row in rows:
            for text, width in zip(row, widths, strict=True):
                if text and " " not in text:
                    assert _fits(text, width), (text, width)
                for run in text.split():
                    assert text_width(run) + WORD_PAD <= width + 1e-9, (text, width)


@settings(max_examples=300, deadline=None)
@given(number=case_numbers, language=st.sampled_from(list(Language)))
def test_every_case_number_fits_on_one_line(number: CaseNumber, language: Language) -> None:
    book = BOOKS[language]
    assert text_width(number.text) <= text_width(widest_case_number(text_width))
    assert _fits(number.text, book.detail_widths[DETAIL_CASE])
    assert _fits(number.text, book.art7_widths[ART7_CASE])


def test_the_words_that_broke_now_fit() -> None:
    book = BOOKS[Language.ZH]
    channel = [column.key for column in COLUMNS].index("channel")
    assert _fits("当面（口头）", book.detail_widths[channel])
    assert _fits("（2026）豫0825民初12345号", book.art7_widths[ART7_CASE])
