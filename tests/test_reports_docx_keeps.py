"""No short paragraph of a DOCX stands alone on a page: a paragraph right after a table or a
picture (a note on it, the summary's closing line "Each handler's figures are on the
workbook's Timeliness sheet.") keeps the table's last rows or the picture on its page, and
no empty line stands between a table and the heading after it (LibreOffice then leaves the
heading alone at a page's foot). Checked over made-up documents of any order of blocks and
over the summary of an empty and of a full quarter, in each language."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from test_reports_support import BEIJING, COURT, RULES, local, make_record, open_court

from reports.document import Block, Document, Grid, Heading, Pairs, Para, Picture
from reports.fonts import HEADING_FONT
from reports.period import parse_period
from reports.quarterly import build_report
from reports.render_docx import TAIL_ROWS, write_docx
from storage.db import Database
from storage.vocabulary import Language

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _kept(paragraph: etree._Element) -> bool:
    return paragraph.find(f"{W}pPr/{W}keepNext") is not None


def _text(paragraph: etree._Element) -> str:
    return "".join(t.text or "" for t in paragraph.iter(f"{W}t"))


def _heading(paragraph: etree._Element) -> bool:
    fonts = paragraph.find(f"{W}r/{W}rPr/{W}rFonts")
    return fonts is not None and fonts.get(f"{W}eastAsia") == HEADING_FONT


def _picture(element: etree._Element) -> bool:
    return element.tag == f"{W}p" and element.find(f".//{W}drawing") is not None


def lone_paragraphs(docx: Path) -> list[str]:
    """What could stand alone on a page in ``docx``: each paragraph of text after a table or
    picture that does not keep it (its last ``TAIL_ROWS`` rows, every empty line between),
    and each heading with an empty line between it and the table above."""
    xml = zipfile.ZipFile(docx).read("word/document.xml")
    body = etree.fromstring(xml).find(f"{W}body")
    assert body is not None
    found: list[str] = []
    children = [e for e in body if e.tag in (f"{W}p", f"{W}tbl")]
    for n, element in enumerate(children):
        if element.tag != f"{W}p" or not _text(element) or _picture(element):
            continue
        between = []
        k = n - 1
        while k >= 0 and children[k].tag == f"{W}p" and not _text(children[k]):
            if _picture(children[k]):
                break
            between.append(children[k])
            k -= 1
        if k < 0:
            continue
        before = children[k]
        if _heading(element):
            if before.tag == f"{W}tbl" and between:
                found.append(f"an empty line above heading {_text(element)!r}")
            continue
        if _heading(before) or (before.tag == f"{W}p" and not _picture(before)):
            continue
        if before.tag == f"{W}tbl":
            rows = before.findall(f"{W}tr")[-TAIL_ROWS:]
            last = [p for row in rows for p in row.iter(f"{W}p")]
        else:
            last = [before]
        if not all(_kept(p) for p in [*last, *between]):
            found.append(_text(element))
    return found


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chart") / "chart.png"
    Image.new("RGB", (600, 200), "white").save(path)
    return path


def _blocks(chart: Path) -> st.SearchStrategy[list[Block]]:
    rows = st.integers(1, 30).map(lambda n: tuple((f"单位{i}", str(i)) for i in range(n)))
    block = st.one_of(
        st.just(Heading("一、标题")),
        st.sampled_from([Para("各承办人的情况见统计表“办理时效”工作表。", small=True),
                         Para("本期没有涉及同级党委主要领导干部的记录。")]),
        rows.map(lambda r: Grid(("单位类别", "件数"), r)),
        rows.map(lambda r: Pairs(r)),
        st.just(Picture(chart, 15)),
    )  # fmt: skip
    return st.lists(block, min_size=1, max_size=10)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_no_paragraph_after_a_table_or_picture_can_stand_alone(
    tmp_path: Path, chart: Path, data: st.DataObject
) -> None:
    blocks = data.draw(_blocks(chart))
    docx = write_docx(Document("汇总", COURT, tuple(blocks)), tmp_path / "d.docx")
    assert lone_paragraphs(docx) == []


@pytest.mark.parametrize("language", list(Language))
async def test_the_summary_of_an_empty_and_a_full_quarter_ends_with_its_table(
    db: Database, tmp_path: Path, language: Language
) -> None:
    people = await open_court(db, local("2026-06-01 09:00"))
    await make_record(db, people["张伟"], local("2026-11-02 10:00"))
    now = local("2026-11-30 10:00")
    checked = 0
    for quarter in ("2026Q3", "2026Q4"):
        async with db.transaction() as session:
            report = await build_report(
                session,
                parse_period(quarter, now=now, tz=BEIJING),
                language=language,
                tz=BEIJING,
                rules=RULES,
                now=now,
                out_dir=tmp_path / quarter,
                court_name=COURT,
            )
        assert lone_paragraphs(report.summary) == [], quarter
        checked += 1
    assert checked == 2
