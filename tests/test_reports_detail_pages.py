"""The detail sheet prints at a fixed scale, column A repeated, one block of related columns
per page: each printed page's columns fit the A3 landscape page between its margins, measured
with the widest digit a spreadsheet program may size columns by (``printed_points``), for any
column widths the texts in them may ask for (trial 9, F9: a block's last column spilled onto a
page of its own)."""

from __future__ import annotations

import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reports.columns import COLUMNS
from reports.paper import PAPER_POINTS, column_pages, fit_whole, printed_points
from reports.xlsx import (
    A3,
    DETAIL_BREAKS,
    DETAIL_LEAST_SCALE,
    DETAIL_SCALE,
    MARGIN_SIDE,
    ReportWorkbook,
)
from storage.vocabulary import Language

ROOM = PAPER_POINTS[A3][1] - 2 * 72 * MARGIN_SIDE  # A3 landscape, less the side margins
KEYS = [column.key for column in COLUMNS]
BLOCKS = [KEYS.index(key) + 1 for key in DETAIL_BREAKS]


def page_widths(widths: list[float], starts: tuple[int, ...]) -> list[float]:
    """Each printed page's width in points of the sheet, column A repeated on the later ones."""
    bounds = [0, *starts, len(widths)]
    return [
        sum(printed_points(w) for w in widths[first:last])
        + (printed_points(widths[0]) if first else 0.0)
        for first, last in itertools.pairwise(bounds)
    ]


def check(widths: list[float], scale: int, starts: tuple[int, ...]) -> None:
    assert 10 <= scale <= DETAIL_SCALE
    assert list(starts) == sorted(set(starts)) and all(0 < s < len(widths) for s in starts)
    assert set(BLOCKS) <= set(starts)  # each block of related columns begins a page
    for width in page_widths(widths, starts):
        assert width * scale / 100 <= ROOM, (width, scale)


# Texts as long as a cell may hold on one line: names, units, case numbers, hashes.
TEXTS = st.text(alphabet=[*"过问案件（）0123456789abcdef-"], min_size=0, max_size=60)


@given(st.lists(TEXTS, min_size=len(COLUMNS), max_size=len(COLUMNS)))
def test_every_page_fits_whatever_the_texts_widen(texts: list[str]) -> None:
    widths = list(fit_whole([c.width for c in COLUMNS], [texts]))
    scale, starts = column_pages(
        widths, BLOCKS, paper=A3, side=MARGIN_SIDE, most=DETAIL_SCALE, least=DETAIL_LEAST_SCALE
    )
    check(widths, scale, starts)
    if scale >= DETAIL_LEAST_SCALE and starts == tuple(BLOCKS) and scale < DETAIL_SCALE:
        # the largest such scale: one point more and some block would not fit
        assert any(w * (scale + 1) / 100 > ROOM for w in page_widths(widths, starts))


@given(st.lists(st.floats(min_value=1, max_value=255), min_size=2, max_size=60))
def test_any_widths_are_split_into_pages_that_fit(widths: list[float]) -> None:
    starts_in = [s for s in (len(widths) // 3, 2 * len(widths) // 3) if s > 0]
    starts_in = sorted(set(starts_in))
    scale, starts = column_pages(
        widths, starts_in, paper=A3, side=MARGIN_SIDE, most=DETAIL_SCALE, least=DETAIL_LEAST_SCALE
    )
    assert set(starts_in) <= set(starts)
    single = min(printed_points(widths[0]) + printed_points(w) for w in widths[1:])
    if single * 10 / 100 <= ROOM:  # what a spreadsheet's least scale can print at all
        for width in page_widths(widths, starts):
            assert width * scale / 100 <= ROOM, (width, scale)


@pytest.mark.parametrize("language", list(Language))
def test_the_workbook_prints_four_pages_that_fit(language: Language) -> None:
    book = ReportWorkbook(language, ZoneInfo("Asia/Shanghai"))
    try:
        scale = int(book.detail.page_setup.scale)
        starts = tuple(b.id for b in book.detail.col_breaks.brk)
        check(list(book.detail_widths), scale, starts)
        assert len(starts) == 3  # README: each row across four pages of related columns
    finally:
        book.discard()
