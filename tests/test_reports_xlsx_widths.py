"""No header word is split: every column of every sheet is at least as wide as the longest
word of its headers, in each language (measured as reports.paper measures text)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl.utils import get_column_letter

from reports.columns import COLUMNS, HASH_WIDTH
from reports.paper import WORD_PAD, head_text, longest_word, text_lines, text_width
from reports.text import tr
from reports.xlsx import (
    ART7_KEYS,
    ReportWorkbook,
    summary_heads,
    time_texts,
    timeliness_heads,
)
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("language", list(Language))
def test_no_header_word_is_wider_than_its_column(language: Language, tmp_path: Path) -> None:
    book = ReportWorkbook(language, BEIJING)
    sheets = [
        (book.detail, [[c.title(language) for c in COLUMNS]], book.detail_widths),
        (book.art7_sheet, [[tr(language, f"art7.{k}") for k in ART7_KEYS]], book.art7_widths),
        (book.summary, summary_heads(language), book.summary_widths),
        (book.timeliness, timeliness_heads(language), book.timeliness_widths),
    ]
    for sheet, heads, widths in sheets:
        for head in heads:
            for title, width in zip(head, widths, strict=False):
                assert longest_word(title) <= width, (sheet.title, title, width)
        for index, width in enumerate(widths):
            letter = sheet.column_dimensions
            assert letter[_letter(index)].width == width
    book.save(tmp_path / "report.xlsx")


def _letter(index: int) -> str:
    return str(get_column_letter(index + 1))


def test_a_bracketed_group_is_never_split() -> None:
    assert longest_word("填表登记（二日内）") == longest_word("（二日内）")
    # 填表登记 / （二日内）: the group moves whole to the second line.
    assert text_lines("填表登记（二日内）", 12) == 2


def test_a_bracketed_group_starts_a_line_of_its_own_in_a_narrow_header() -> None:
    assert head_text("填表登记（二日内）", 12) == "填表登记\n（二日内）"
    assert head_text("（二日内）", 12) == "（二日内）"
    assert head_text("录入平台（二日内）", 40) == "录入平台（二日内）"


def test_a_hash_fits_on_one_line_of_the_evidence_column() -> None:
    assert HASH_WIDTH >= 64 * 1.3
    assert text_lines("shot1.png\n" + "e" * 64, HASH_WIDTH) == 2


@pytest.mark.parametrize("language", list(Language))
def test_a_time_column_holds_its_widest_time_with_room_beside_it(language: Language) -> None:
    """Two time columns side by side never touch in print (2026-11-27 16:302026-11-27（时间
    不详）): each is at least its widest value's width plus the padding, whole on one line; and
    the printed page says in what order the rows stand."""
    book = ReportWorkbook(language, BEIJING)
    times = [(c.key, w) for c, w in zip(COLUMNS, book.detail_widths, strict=True)
             if c.key.endswith("_at")]  # fmt: skip
    assert {"received_at", "inquiry_at"} <= {key for key, _ in times}
    for key, width in times:
        for text in time_texts(language, key):
            assert width >= text_width(text) + WORD_PAD, (key, text, width)
    assert any("时间不详" in t or "unknown" in t for t in time_texts(language, "received_at"))
    assert book.detail.oddHeader.right.text == tr(language, "report.detail_order")
    book.discard()  # its streamed sheets' writers ended here, not by the garbage collector
