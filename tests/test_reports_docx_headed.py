"""A DOCX heading stays with its table, and a table with nothing to show says so.

Trial 10 F7: the summary's "五、按承办部门" printed a header row alone (no record of an
outside cadre, one Art. 5 opinion), where the workbook says 无记录; and "十、本季度补登记的以往
季度记录" left its heading and note at the foot of a portrait page, its one-row table alone on
a landscape page. Over made-up documents of any order of headings, notes, tables (none to
thirty rows, portrait or wide enough for landscape pages), pairs and pictures: every heading
and the notes under it keep with the table they introduce and stand in its section (its page
orientation), and no table is a header alone; and over the summary of such a quarter.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_reports_docx_keeps import W, _heading, _kept, _picture, _text, chart  # noqa: F401  (the fixture)
from test_reports_support import COURT, local, make_record, open_court, report_files

from reports.document import Block, Document, Grid, Heading, Pairs, Para, Picture
from reports.render_docx import grid_layout, write_docx
from reports.text import tr
from storage.db import Database
from storage.vocabulary import Language

NOTHING = "无记录"
NARROW = ("承办部门", "件数")
WIDE = (
    "记录编号",
    "收到时间",
    "登记（提交）时间",
    "登记是否逾期",
    "过问人",
    "工作单位",
    "承办部门",
)


def _row(header: tuple[str, ...], i: int) -> tuple[str, ...]:
    if header is NARROW:
        return (f"部门{i}", str(i))
    return (f"温法过问〔2026〕{i}号", "2026-09-20 10:00", "2026-12-05 10:00", "逾期办理",
            "钱卫东", "市人大常委会办公厅综合处第三联络组", "民事审判第一庭")  # fmt: skip


def _grid(header: tuple[str, ...], n: int) -> Grid:
    return Grid(header, tuple(_row(header, i) for i in range(n)), "" if n else NOTHING)


def _blocks(picture: Path) -> st.SearchStrategy[list[Block]]:
    grids = st.builds(_grid, st.sampled_from([NARROW, WIDE]), st.integers(0, 30))
    block = st.one_of(
        st.just(Heading("十、本季度补登记的以往季度记录")),
        st.just(Para("以下记录按收到时间属以往季度，不计入本期各项数字。", small=True)),
        grids,
        st.integers(1, 8).map(lambda n: Pairs(tuple((f"项{i}", str(i)) for i in range(n)))),
        st.just(Picture(picture, 15)),
    )
    return st.lists(block, min_size=1, max_size=10)


def _body(docx: Path) -> list[etree._Element]:
    xml = zipfile.ZipFile(docx).read("word/document.xml")
    body = etree.fromstring(xml).find(f"{W}body")
    assert body is not None
    return [e for e in body if e.tag in (f"{W}p", f"{W}tbl")]


def _breaks(element: etree._Element) -> bool:
    """Whether ``element`` ends a section (its page orientation): a paragraph with a
    ``w:sectPr``."""
    return element.find(f"{W}pPr/{W}sectPr") is not None


def unheaded(docx: Path) -> list[str]:
    """What ``docx`` prints apart from its table: each heading, and each note between it and
    the table or picture it introduces, that does not keep with what follows or stands in
    another section than that table; and each table that is a header row alone."""
    found: list[str] = []
    body = _body(docx)
    for n, element in enumerate(body):
        if element.tag == f"{W}tbl":
            rows = element.findall(f"{W}tr")
            headed = rows[0].find(f"{W}trPr/{W}tblHeader") is not None
            if headed and len(rows) == 1:
                found.append(f"a header alone: {_text(rows[0])!r}")
            continue
        if not _heading(element):
            continue
        lead = [element]
        k = n + 1
        while k < len(body) and body[k].tag == f"{W}p" and not _heading(body[k]):
            if _picture(body[k]):
                break
            lead.append(body[k])
            k += 1
        if k == len(body) or _heading(body[k]):
            continue  # a heading of prose, or of nothing: kept with its first line
        if body[k].tag == f"{W}p" and not _picture(body[k]):
            continue
        for paragraph in lead:
            if not _kept(paragraph) and _text(paragraph):
                found.append(f"not kept with its table: {_text(paragraph)!r}")
            if _breaks(paragraph):
                found.append(f"a page break after {_text(paragraph)!r}, before its table")
    return found


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
@example(data=None)  # the trial's section 十: heading, note, a wide table of one row
def test_a_heading_stays_with_its_table_and_no_table_is_a_header_alone(
    tmp_path: Path,
    chart: Path,  # noqa: F811
    data: st.DataObject | None,
) -> None:
    if data is None:
        blocks: list[Block] = [
            Heading("九、办理时效"),
            _grid(NARROW, 3),
            Para("各承办人的情况见统计表“办理时效”工作表。", small=True),
            Heading("十、本季度补登记的以往季度记录"),
            Para("以下记录按收到时间属以往季度，不计入本期各项数字。", small=True),
            _grid(WIDE, 1),
        ]
        assert grid_layout([WIDE, _row(WIDE, 1)], len(WIDE))[0]  # landscape pages
    else:
        blocks = data.draw(_blocks(chart))
    docx = write_docx(Document("汇总", COURT, tuple(blocks)), tmp_path / "d.docx")
    assert unheaded(docx) == []
    tables = [e for e in _body(docx) if e.tag == f"{W}tbl"]
    grids = [b for b in blocks if isinstance(b, Grid | Pairs)]
    assert len(tables) == len(grids)
    for table, block in zip(tables, grids, strict=True):
        if isinstance(block, Grid) and not block.rows:
            assert _text(table.findall(f"{W}tr")[-1]) == NOTHING


def test_a_table_with_no_rows_says_why() -> None:
    with pytest.raises(ValueError, match="says why"):
        Grid(NARROW, ())


@pytest.mark.parametrize("language", list(Language))
async def test_a_quarter_of_opinions_only_says_no_record_by_department(
    db: Database, tmp_path: Path, language: Language
) -> None:
    """The trial's quarter: one Art. 5 opinion, no outside cadre's inquiry, so no department
    counted; a record of the quarter before registered late, for section 十."""
    people = await open_court(db, local("2026-07-01 09:00"))
    await make_record(db, people["张伟"], local("2026-10-12 10:00"), kind="reference_opinion")
    received = local("2026-09-20 10:00")  # registered on 12-05, as in the trial
    await make_record(
        db, people["孙丽"], received, submit_after=local("2026-12-05 10:00") - received
    )
    files = await report_files(
        db, "2026Q4", tmp_path, now=local("2026-12-31 10:00"), language=language
    )
    assert files.figures.external == 0 and files.figures.late_registered
    assert unheaded(files.summary) == []
    body = _body(files.summary)
    heading = tr(language, "report.section.departments")
    [at] = [n for n, e in enumerate(body) if _heading(e) and _text(e).endswith(heading)]
    table = next(e for e in body[at:] if e.tag == f"{W}tbl")
    assert _text(table.findall(f"{W}tr")[-1]) == tr(language, "chart.no_record")
