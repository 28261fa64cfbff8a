"""A section heading never ends a PDF page: it stays with its table's header and first rows
(or its paragraph), whatever the length of what comes before."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader
from test_reports_layout import W, _keeps, _xml
from test_reports_support import COURT

from reports.document import Document, Grid, Heading, Pairs, Para, Picture, Signatures
from reports.render_docx import (
    GRID_PT,
    HEAD_ROWS,
    TAIL_ROWS,
    WHOLE_ROWS,
    _word_cm,
    write_docx,
)
from reports.render_pdf import write_pdf

HEADINGS = ("一、收到情况", "八、证据材料清单", "九、更正记录", "十、签名栏")


def _form(filler: int, corrections: int, staff: int) -> Document:
    pairs = Pairs(tuple((f"栏目{n}", "内容" * (n % 7 + 1)) for n in range(filler)))
    rows = tuple((f"更正{n}", "职务", "主任", "副主任", "笔误") for n in range(corrections))
    signers = tuple(("在场法院工作人员", f"人员{n}", "已确认") for n in range(staff))
    return Document(
        "统计表",
        COURT,
        (
            Heading(HEADINGS[0]),
            pairs,
            Heading(HEADINGS[1]),
            Para("未附证据材料。"),
            Heading(HEADINGS[2]),
            Grid(("更正时间", "栏目", "原值", "新值", "理由"), rows),
            Heading(HEADINGS[3]),
            Signatures(
                ("身份", "姓名", "系统内确认", "签名", "日期"),
                (("承办人", "张伟", "已提交"), *signers),
            ),
            Para("打印说明", small=True),
        ),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    filler=st.integers(min_value=1, max_value=90),
    corrections=st.integers(min_value=1, max_value=40),
    staff=st.integers(min_value=0, max_value=3),
)
def test_no_pdf_page_ends_with_a_heading(
    tmp_path_factory: pytest.TempPathFactory, filler: int, corrections: int, staff: int
) -> None:
    path = write_pdf(_form(filler, corrections, staff), tmp_path_factory.mktemp("h") / "f.pdf")
    pages = [page.extract_text().split("\n") for page in PdfReader(str(path)).pages]
    for lines in pages:
        body = [line.strip() for line in lines if line.strip() and "—" not in line]
        assert body[-1] not in HEADINGS, body[-3:]
    text = ["".join(page) for page in pages]
    [page] = [t for t in text if HEADINGS[2] in "".join(t.split())]
    # the heading's page holds the table's header and its first rows
    assert "更正0" in page and (corrections < 2 or "更正1" in page)


def test_a_docx_chart_keeps_with_the_last_rows_of_its_table(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    Image.new("RGB", (600, 200), "white").save(chart)
    rows = tuple((f"单位{n}", str(n)) for n in range(30))
    document = Document(
        "汇总",
        COURT,
        (Heading("四、按单位类别"), Grid(("单位类别", "件数"), rows), Picture(chart, 15)),
    )
    body = _xml(write_docx(document, tmp_path / "s.docx")).find(f"{W}body")
    [table] = body.findall(f"{W}tbl")
    kept = [_keeps(row) for row in table.findall(f"{W}tr")]
    assert kept[-TAIL_ROWS:] == [True] * TAIL_ROWS  # the last rows go with the chart
    assert kept[:HEAD_ROWS] == [True] * HEAD_ROWS  # the first ones with the heading
    assert not any(kept[HEAD_ROWS:-TAIL_ROWS])  # the rest flows


@pytest.mark.parametrize(
    "header",
    [
        ("Department", "Form filled", "Entered in the platform", "Delivered", "Missed", "Late"),
        ("承办部门", "填表登记", "录入平台", "报送复印件", "逾期", "未办"),
    ],
)
def test_docx_columns_are_as_wide_as_their_longest_word(
    tmp_path: Path, header: tuple[str, ...]
) -> None:
    rows = (("民事审判第一庭", "3", "2", "1", "0", "0"),)
    document = Document("汇总", COURT, (Heading("五、办理期限"), Grid(header, rows)))
    body = _xml(write_docx(document, tmp_path / "s.docx")).find(f"{W}body")
    [table] = body.findall(f"{W}tbl")
    widths = [int(col.get(f"{W}w")) / 567 for col in table.findall(f"{W}tblGrid/{W}gridCol")]
    for width, cell in zip(widths, header, strict=True):
        words = cell.split() if cell.isascii() else list(cell)  # CJK breaks anywhere
        longest = max(_word_cm(word, GRID_PT) for word in words)
        assert width >= longest - 0.01, (cell, width, longest)


@pytest.mark.parametrize("count", [1, 2, WHOLE_ROWS - 2, WHOLE_ROWS - 1, WHOLE_ROWS, 40])
def test_a_short_docx_grid_is_kept_whole_a_long_one_flows(tmp_path: Path, count: int) -> None:
    """A category table (ten rows, a header, a total) never breaks across pages; a long list
    keeps only its head with the heading, so no page is left half empty for it."""
    rows = tuple((f"单位{n}", str(n)) for n in range(count))
    after = Para("注：以上为本期数字。")
    document = Document(
        "汇总", COURT, (Heading("三、按单位类别"), Grid(("单位类别", "件数"), rows), after)
    )
    body = _xml(write_docx(document, tmp_path / "s.docx")).find(f"{W}body")
    [table] = body.findall(f"{W}tbl")
    kept = [_keeps(row) for row in table.findall(f"{W}tr")]
    if count + 1 <= WHOLE_ROWS:
        assert kept[:-1] == [True] * count  # each row keeps with the next: one page
    else:
        assert kept[:HEAD_ROWS] == [True] * HEAD_ROWS
        assert not any(kept[HEAD_ROWS:-TAIL_ROWS])
