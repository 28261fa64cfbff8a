"""A table header breaks only where a line may break: never inside a short bracketed group
(大小（字 / 节）, 期限（当日24时 / 止）), in the PDF (its own line breaking) and in the DOCX
(a header too wide for its column starts its bracketed group on a line of its own, and the
column holds the group), for any header words, columns and widths."""

from __future__ import annotations

import zipfile
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_reports_docx_widths import tables
from test_reports_pdf_tables import tables as pdf_tables

from reports.document import Document, Grid, Heading
from reports.linebreak import GROUP
from reports.render_docx import _word_cm, write_docx
from reports.render_pdf import MARGIN, PADDING, flowables, text_width
from reports.text import tr
from storage.vocabulary import Language

WIDTH = 595.27 - 2 * MARGIN
CATALOG = [
    tr(language, key)
    for language in Language
    for key in ("form.evidence_size", "form.milestone_deadline", "form.evidence_name")
]
HAN = st.lists(st.sampled_from("证据材料清单收到时间大小类型办理期限"), min_size=1, max_size=8).map(
    "".join
)
GROUPED = st.builds(
    lambda head, group: f"{head}（{group}）",
    HAN,
    st.lists(st.sampled_from("字节第九条当日24时止"), min_size=1, max_size=8).map("".join),
)
HEADER = st.one_of(st.sampled_from(CATALOG), HAN, GROUPED)


def line_texts(paragraph: Any, width: float) -> list[str]:
    paragraph.wrap(width, 10_000)
    lines = paragraph.blPara.lines
    if paragraph.blPara.kind == 0:
        return ["".join(words) for _, words in lines]
    return ["".join(getattr(w, "text", "") for w in line.words) for line in lines]


def split_groups(lines: list[str]) -> list[str]:
    """The bracketed groups of the text that a line boundary cuts."""
    text = "".join(lines)
    cuts, at = set(), 0
    for line in lines[:-1]:
        at += len(line)
        cuts.add(at)
    return [m.group() for m in GROUP.finditer(text) if any(m.start() < c < m.end() for c in cuts)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(HEADER, min_size=2, max_size=7),
)
def test_no_pdf_header_is_broken_inside_a_bracketed_group(
    header: list[str],
) -> None:
    rows = (tuple("1" for _ in header),)
    document = Document("表", "", (Heading("一"), Grid(tuple(header), rows)))
    [table] = pdf_tables(flowables(document))
    table.wrap(WIDTH, 10_000)
    for c, value in enumerate(table._cellvalues[0]):
        [paragraph] = value if isinstance(value, list | tuple) else [value]
        room = table._colWidths[c] - 2 * PADDING
        lines = line_texts(paragraph, room)
        for group in split_groups(lines):
            assert text_width(group, paragraph.style.fontSize) > room, (header[c], lines)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.lists(HEADER, min_size=2, max_size=7),
)
@example(  # a grid just inside the portrait page, long words at their narrowest
    header=[
        *["大小（字节）"] * 4,
        "期限（当日24时止）",
        "Deadline (ends 24:00)",
        "证（字字字字字字字）",
    ],
)
def test_a_docx_header_too_wide_for_its_column_starts_its_group_on_a_new_line(
    tmp_path_factory: Any, header: list[str]
) -> None:
    rows = (tuple("1" for _ in header),)
    document = Document("表", "", (Heading("一"), Grid(tuple(header), rows)))
    docx = write_docx(document, tmp_path_factory.mktemp("h") / "h.docx")
    [(grid, _, size)] = tables(docx)
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    for title, width in zip(header, grid, strict=True):
        for group in GROUP.findall(title):
            assert _word_cm(group, size) <= width + 0.01 or sum(grid) > 15.6, (title, width)
        # A Latin header breaks at the space before its group: Size / (bytes).
        if _word_cm(title, size) > width + 0.01 and GROUP.search(title) and " (" not in title:
            last = GROUP.findall(title)[-1]
            if title.endswith(last) and title != last:
                # The line break (w:br) stands before the group's run.
                head = title[: -len(last)]
                assert f"{head}</w:t><w:br/><w:t>{last}" in xml, title


def test_the_catalog_headers_that_broke() -> None:
    assert "大小（字节）" in CATALOG and "期限（当日24时止）" in CATALOG
    assert GROUP.findall("大小（字节）") == ["（字节）"]
    assert split_groups(["大小（字", "节）"]) == ["（字节）"]
    assert split_groups(["大小", "（字节）"]) == []
