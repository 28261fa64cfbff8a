"""PDF lines follow the CJK line-breaking rules (禁则): no line starts with closing
punctuation (：，。）」 …), none ends with opening punctuation (（《“ …), a short Latin word
or number is not split — in every paragraph and table cell of the PDF, at any width."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from reports.document import Document, Grid, Heading, Para
from reports.fonts import fonts
from reports.linebreak import (
    LONGEST_KEPT,
    break_allowed,
    cannot_end,
    cannot_start,
    line_ends,
)
from reports.render_pdf import (
    KinsokuParagraph,
    _styles,
    cell,
    flowables,
    markup,
    text_width,
)

HAN = "过问记录更正后已确认有异议院长办公室案件情况"
CLOSING = "，。、：；！？）》」』】"
OPENING = "（《「『【“"
LATIN = st.lists(st.sampled_from("abcdefgxyz0123456789"), min_size=1, max_size=10).map("".join)
PIECE = st.one_of(
    st.lists(st.sampled_from(HAN), min_size=1, max_size=6).map("".join),
    st.sampled_from(CLOSING),
    st.sampled_from(OPENING),
    LATIN,
    st.just(" "),
)


def _few_marks_in_a_row(text: str) -> bool:
    """At most two marks in a row, spaces between them aside (they drop at a line's ends, so
    ``（ （ （`` leaves a line nowhere to break as ``（（（`` does)."""
    bare = text.replace(" ", "")
    return not any(all(c in CLOSING + OPENING for c in bare[i : i + 3]) for i in range(len(bare)))


# A text in which a line always has somewhere to break.
TEXT = st.lists(PIECE, min_size=1, max_size=40).map("".join).filter(_few_marks_in_a_row)


def line_texts(paragraph: Any, width: float) -> list[str]:
    """The text of each line of ``paragraph`` wrapped ``width`` points wide."""
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:  # words split at spaces: each line ends at one
        return ["".join(words).strip() + " " for _, words in lines]
    return ["".join(getattr(w, "text", "") for w in line.words) for line in lines]


def check_lines(lines: list[str], fits: Callable[[str], bool]) -> None:
    """No line starts with closing or ends with opening punctuation, spaces aside; no line
    ends inside a Latin run of at most LONGEST_KEPT characters that ``fits`` a line."""
    for before, line in itertools.pairwise(lines):
        shown, last = line.lstrip(), before.rstrip()
        if not shown or not last:
            continue
        assert not cannot_start(shown[0]), (before, line)
        assert not cannot_end(last[-1]), (before, line)
        if (before[-1] + line[0]).isascii() and (before[-1] + line[0]).isalnum():
            head = re.match(r"[a-z0-9]*", line)
            tail = re.search(r"[a-z0-9]*$", before)
            assert head and tail
            word = tail.group() + head.group()
            # With the opening marks and spaces before it (the closing marks after it may hang).
            rest = before[: -len(tail.group())]
            kept = len(rest)
            while kept and (rest[kept - 1].isspace() or cannot_end(rest[kept - 1])):
                kept -= 1
            unit = rest[kept:] + word
            assert len(word) > LONGEST_KEPT or not fits(unit), (before, line)


@settings(max_examples=200, deadline=None)
@given(text=TEXT, width=st.floats(40, 300), name=st.sampled_from(["cell", "body", "heading"]))
@example(text="aaaaaaa， ，过", width=40.0, name="cell")  # a space between two closing marks
@example(text="过过过过“ 过", width=40.0, name="cell")  # an opening mark, then a space
@example(text="“a aaaaaaa", width=40.0, name="cell")  # two words: the break is at the space
def test_no_pdf_line_starts_with_closing_or_ends_with_opening_punctuation(
    text: str, width: float, name: str
) -> None:
    styles = _styles(fonts().pdf)
    paragraph = (
        cell(text, styles) if name == "cell" else KinsokuParagraph(markup(text), styles[name])
    )
    lines = line_texts(paragraph, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    size = paragraph.style.fontSize
    check_lines(lines, lambda word: text_width(word, size) <= width)


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(st.sampled_from(HAN + CLOSING + OPENING + "ab1 "), min_size=1, max_size=60).map(
        "".join
    ),
    room=st.floats(1, 20),
)
@example(text="过， ，过", room=1.0)  # two closing marks hang, a space between them
def test_each_line_fits_and_breaks_where_allowed_when_it_can(text: str, room: float) -> None:
    widths = [1.0] * len(text)
    ends = line_ends(text, widths, [room])
    allowed = break_allowed(text)
    weak = break_allowed(text, keep_words=False)
    assert ends[-1] == len(text) and ends == sorted(set(ends))
    start = 0
    for end in ends[:-1]:
        line = text[start:end]
        # Within its room (spaces may run past it, closing marks may hang), broken at an
        # allowed place unless the line had none.
        shown = line.rstrip()
        bare = shown.replace(" ", "")  # closing marks hang with the spaces between them
        hung = 0
        while hung < len(bare) and cannot_start(bare[len(bare) - 1 - hung]):
            hung += 1
        hangs = hung > 0
        assert len(shown.replace(" ", "")) <= max(room, 1) + hung + 1e-6
        if not allowed[end]:
            assert not any(allowed[start + 1 : end]), (text, start, end)
            if not weak[end] and not hangs:
                assert not any(weak[start + 1 : end]), (text, start, end)
        start = end


def test_the_form_lines_follow_the_rules() -> None:
    """A whole document: headings, paragraphs and the cells of its tables."""
    summary = (
        "询问案件进展，并要求承办人对被告从轻处理：理由是被告家庭困难，"
        "已经积极筹款（此为口头转达）。"
    )
    document = Document(
        title="外部领导干部干预过问案件情况统计表",
        subtitle="温县人民法院",
        blocks=(
            Heading("四、过问情况及分类"),
            Para(summary * 3),
            Grid(
                header=("过问内容", "大小（字节）"),
                rows=((summary, "12,345"), ("特别报告事项（第九条）：无", "1")),
            ),
        ),
    )
    checked = 0
    for item in flowables(document):
        for paragraph in _paragraphs(item):
            for width in (60, 90, 150, 300):
                size = paragraph.style.fontSize
                check_lines(
                    line_texts(paragraph, width), lambda w, s=size, r=width: text_width(w, s) <= r
                )
                checked += 1
    assert checked > 10


def _paragraphs(item: Any) -> list[Any]:
    if isinstance(item, KinsokuParagraph):
        return [item]
    found: list[Any] = []
    for row in getattr(item, "_cellvalues", []):
        for value in row:
            for content in value if isinstance(value, list) else [value]:
                found += _paragraphs(content)
    for content in getattr(item, "_content", []):
        found += _paragraphs(content)
    return found
