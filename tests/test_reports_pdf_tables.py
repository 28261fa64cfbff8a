"""PDF tables hold their text: each row as tall as the text of each of its cells (a
co-signer's long answer never runs into the next person's row), each column as wide as its
longest word ("correction", "100.0%", "36,461", 序号 are never split over two lines), a long
hash still breaks; the chart labels drawn whole; clauses joined without a doubled mark."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw
from pypdf import PdfReader
from reportlab.platypus import Paragraph, Table

from reports import charts
from reports.document import Document, Grid, Heading, Para, Signatures
from reports.form import CLAUSE_ENDS, clauses
from reports.render_pdf import (
    LONGEST_KEPT,
    MARGIN,
    PADDING,
    column_widths,
    flowables,
    text_width,
    unbroken_words,
    write_pdf,
)

WIDTH = 595.27 - 2 * MARGIN
LATIN = st.text("abcdefghijklmnopqrstuvwxyzABC", min_size=1, max_size=14)
NUMBER = st.builds(
    lambda n, unit: f"{n:,}{unit}", st.integers(0, 10**7), st.sampled_from(["", "%", "KiB"])
)
HAN = st.text("过问记录更正后已确认有异议院长办公室（）。；", min_size=1, max_size=12)
WORD = st.one_of(LATIN, NUMBER, HAN, st.just("0" * 64))
CELL = st.lists(WORD, min_size=0, max_size=12).map(" ".join)


def tables(items: list[Any]) -> list[Table]:
    """Every table among ``items`` and the flowables they hold."""
    found: list[Table] = []
    for item in items:
        if isinstance(item, Table):
            found.append(item)
        found += tables(list(getattr(item, "_content", [])))
    return found


def check_cells_fit(document: Document) -> int:
    """Each cell's text, wrapped in its column, lies within its row's height; each word a
    line must not split is no wider than its column. Returns the rows checked."""
    checked = 0
    for table in tables(flowables(document)):
        table.wrap(WIDTH, 10_000)
        for r, row in enumerate(table._cellvalues):
            for c, value in enumerate(row):
                room = table._colWidths[c] - 2 * PADDING
                cells = value if isinstance(value, list) else [value]
                for content in cells:
                    if not hasattr(content, "wrap"):
                        continue
                    _, tall = content.wrap(room, 10_000)
                    assert tall + 4 <= table._rowHeights[r] + 0.01, (r, c)
                    if isinstance(content, Paragraph):
                        text = "".join(frag.text for frag in content.frags)
                        for word in unbroken_words(text):
                            assert text_width(word, content.style.fontSize) <= room + 0.01, word
            checked += 1
    return checked


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    answers=st.lists(CELL, min_size=1, max_size=4),
    grid=st.lists(st.tuples(CELL, CELL, CELL, CELL), min_size=1, max_size=4),
)
def test_every_pdf_table_row_holds_its_text(
    answers: list[str], grid: list[tuple[str, str, str, str]]
) -> None:
    document = Document(
        "统计表",
        "温县人民法院",
        (
            Heading("五、在场人员确认"),
            Grid(("序号", "Confirmation", "确认时间", "说明"), tuple(grid)),
            Heading("十、签名栏"),
            Signatures(
                ("身份", "姓名", "系统内确认", "签名", "日期"),
                tuple(("在场法院工作人员", f"人员{n}", text) for n, text in enumerate(answers)),
            ),
        ),
    )
    assert check_cells_fit(document) == 2 + len(grid) + len(answers)


def _pdf_lines(path: Path) -> list[str]:
    return [line for page in PdfReader(str(path)).pages for line in page.extract_text().split("\n")]


@pytest.mark.parametrize("font_words", [False, True])
def test_a_signed_form_keeps_each_answer_in_its_row_and_each_word_whole(
    tmp_path: Path, font_words: bool
) -> None:
    long_answer = (
        "Disputed (2026-11-30 13:08): the inquiry was at half past nine, not ten, and the "
        "notes must go to the president's office.; after the correction: Confirmed "
        "(2026-11-30 13:09)"
    )
    if font_words:
        long_answer = "有异议（2026-11-30 13:08）：过问时间不是上午10点，是上午9点半。" * 3
    words = ["correction", "100.0%", "36,461", "Confirmation", "Delivered", "platform"]
    document = Document(
        "Form",
        "Wen County",
        (
            Grid(("No.", "Name", "Confirmation", "Size"), (("1", "a.png", "pending", "36,461"),)),
            Grid(
                ("Step", "Delivered", "Missed", "Share"),
                (("platform", "0", "1", "100.0%"), ("after the correction: pending", "", "", "")),
            ),
            Signatures(
                ("Role", "Name", "Confirmed in the bot", "Signature", "Date"),
                (
                    ("Handler", "Zhang Wei", "Submitted"),
                    ("Staff present", "Sun Li", long_answer),
                    ("Staff present", "Wang Fang", "Confirmed (2026-11-30 13:08)"),
                ),
            ),
        ),
    )
    assert check_cells_fit(document) == 9
    lines = _pdf_lines(write_pdf(document, tmp_path / "f.pdf"))
    for word in words:
        assert any(word in line for line in lines), (word, lines)


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=5),
    weights=st.lists(st.floats(0.1, 10), min_size=3, max_size=3),
)
def test_columns_share_the_width_and_hold_their_longest_word(
    rows: list[list[str]], weights: list[float]
) -> None:
    widths = column_widths(rows, weights, WIDTH, 8.5)
    assert sum(widths) == pytest.approx(WIDTH)
    least = [
        max(
            (text_width(w, 8.5) + 2 * PADDING for row in rows for w in unbroken_words(row[n])),
            default=0.0,
        )
        for n in range(3)
    ]
    if sum(least) <= WIDTH - 3:
        assert all(w >= need - 0.01 for w, need in zip(widths, least, strict=True))


def test_a_hash_and_a_long_file_name_may_break() -> None:
    digest = "a3" * 32
    assert unbroken_words(f"证据 {digest}") == []
    assert unbroken_words("序号") == ["序号"]
    assert unbroken_words("当面（口头） 100.0%") == ["100.0%", "（口头）"]
    assert all(len(w) <= LONGEST_KEPT for w in unbroken_words("x" * 30 + " ok"))


@settings(deadline=None)
@given(
    parts=st.lists(st.text("更正后已确认。；，.;: abc", min_size=1, max_size=8), max_size=5),
    separator=st.sampled_from(["；", "; "]),
)
def test_joined_clauses_never_double_a_mark(parts: list[str], separator: str) -> None:
    spaces = " " if separator.endswith(" ") else ""
    for n in range(1, len(parts)):
        before = clauses(separator, parts[:n])
        after = clauses(separator, parts[: n + 1])
        ended = before.rstrip()[-1:] in CLAUSE_ENDS  # the text so far ends in a mark
        part = parts[n]
        if before.rstrip()[-1:] in {".", "!", "?"}:  # a new sentence starts with a capital
            part = part[:1].upper() + part[1:]
        assert after == before + (spaces if ended else separator) + part  # else as typed
    assert "。；" not in clauses("；", ["有异议：请转院长办公室。", "更正后已确认"])
    assert clauses("; ", ["room.", "after the correction"]) == "room. After the correction"


LABELS = st.text(
    st.sampled_from(list("co-signed by staff present 在场人员签字确认（二日内）")), min_size=1,
    max_size=90,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(LABELS, min_size=1, max_size=8))
def test_every_bar_label_is_drawn_whole(labels: list[str]) -> None:
    drawn: list[tuple[float, float, str]] = []
    real = charts.put

    def record(draw: Any, xy: tuple[float, float], text: str, *args: Any, **kw: Any) -> None:
        drawn.append((xy[0], xy[1], text))
        real(draw, xy, text, *args, **kw)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(charts, "put", record)
        image = Image.new("RGB", (700, 400))
        box = (20, 20, 680, 380)
        charts.draw_bars(ImageDraw.Draw(image), box, [(label, 0.5) for label in labels])
    texts = [text for x, _, text in drawn if x == box[0]]  # the labels, line by line
    flat = re.sub(r"\s+", "", "".join(texts))
    assert flat == re.sub(r"\s+", "", "".join(charts.shown(label) for label in labels))
    assert not any(text.endswith("…") for text in texts)


def test_the_headline_label_of_the_trial_is_whole(tmp_path: Path) -> None:
    label = "co-signed by staff present (two days)"
    image = Image.new("RGB", (600, 200))
    layout = charts.put_fitted(ImageDraw.Draw(image), (0, 50), label, 24, (260, 42), (0, 0, 0))
    assert "".join(layout.lines) == label and layout.size >= charts.SMALLEST
    draw = ImageDraw.Draw(image)
    assert all(charts.text_width(draw, line.rstrip(), layout.size) <= 260 for line in layout.lines)


def test_a_short_cjk_header_fits_its_column() -> None:
    widths = column_widths([("序号", "文件名"), ("1", "x" * 64)], (0.3, 8), WIDTH, 8.5)
    assert widths[0] >= text_width("序号", 8.5) + 2 * PADDING


@settings(deadline=None)
@given(
    notes=st.lists(st.text("打印说明审计链头", min_size=1, max_size=40), min_size=1, max_size=3),
    before=st.sampled_from(["grid", "para", "none"]),
)
def test_the_notes_after_the_signatures_go_with_them(notes: list[str], before: str) -> None:
    """A page never holds only the printing note: each paragraph after the signature table
    is in the one flowable that keeps the table together."""
    lead = {
        "grid": (Grid(("序号", "文件名"), (("1", "a.png"),)),),
        "para": (Para("过问内容"),),
        "none": (),
    }[before]
    header = ("身份", "姓名", "系统内确认", "签名", "日期")
    signatures = Signatures(header, (("承办人", "张伟", "已提交"),))
    blocks = (*lead, Heading("十、签名栏"), signatures, *(Para(n, small=True) for n in notes))
    story = flowables(Document("统计表", "温县人民法院", blocks))

    [kept] = [item for item in story if any(isinstance(t, Table) and len(t._cellvalues[0]) == 5
                                            for t in tables([item]))]  # fmt: skip
    paragraphs = [p for p in _all(kept) if isinstance(p, Paragraph)]
    texts = ["".join(frag.text for frag in p.frags) for p in paragraphs]
    assert all(note in texts for note in notes)
    assert not any(isinstance(item, Paragraph) and item.style.name == "small" for item in story)


def _all(item: Any) -> list[Any]:
    return [item, *(x for part in getattr(item, "_content", []) for x in _all(part))]
