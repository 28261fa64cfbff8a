"""Documents a court files as they are: a correction names its field in the court's words,
every section is numbered, the lines to sign never stand alone on a page, and tables are not
broken across pages or run into the picture after them."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from PIL import Image
from pypdf import PdfReader
from test_reports_support import (
    BEIJING,
    COURT,
    RULES,
    docx_text,
    local,
    make_record,
    open_court,
    pdf_text,
)

from reports.amendment import field_label, label_key, value_words
from reports.columns import COLUMNS
from reports.document import Document, Grid, Heading, Pairs, Para, Picture, Signatures
from reports.facts import facts_for, load_names
from reports.form import build_form, form_document
from reports.render_docx import HEAD_ROWS, TAIL_ROWS, WHOLE_ROWS, write_docx
from reports.render_pdf import write_pdf
from reports.text import catalog, tr
from storage import records as records_repo
from storage.audit import canonical_json
from storage.db import Database
from storage.models import Record
from storage.records import FIELDS, to_json
from storage.vocabulary import (
    Channel,
    Intermediary,
    Language,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    UnitCategory,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NOW = local("2026-04-02 09:00")
# A new value for every field a correction can change (``storage.records.FIELDS``).
NEW_VALUES: dict[str, Any] = {
    "kind": "reference_opinion",
    "received_at": datetime(2026, 3, 6, 1, 30, tzinfo=UTC),
    "received_confirmed": False,
    "inquiry_at": datetime(2026, 3, 5, 8, 0, tzinfo=UTC),
    "channel": "other_network",
    "channel_other": "钉钉",
    "inquirer_name": "赵某",
    "inquirer_unit": "温县某委",
    "inquirer_position": "副主任",
    "unit_category": "social_organisation",
    "retired": True,
    "main_leader": True,
    "intermediary": "relative",
    "intermediary_name": "钱某",
    "intermediary_relation": "配偶",
    "case_name": "赵某诉钱某合同纠纷案",
    "case_number": "（2026）豫0825民初456号",
    "case_not_filed": True,
    "department_id": None,  # set to another department in the test
    "summary": "要求尽快开庭",
    "art9_items": [2, 7],
    "art9_other": "要求通报合议庭评议意见",
    "serious": True,
    "place": "办公室",
    "persons_present": "书记员某",
    "material_route": "direct",
    "originals_destination": "sub_file",
    "originals_note": "已入副卷第3页",
}
# Every code a stored correction may carry: column names and vocabulary values.
CODES = (
    set(FIELDS)
    | {column.key for column in COLUMNS}
    | {"true", "false", "null"}
    | {
        member.value
        for enum in (Channel, UnitCategory, Intermediary, MaterialRoute, OriginalsDestination,
                     RecordKind)
        for member in enum
    }
)  # fmt: skip


def codes_in(text: str) -> list[str]:
    """The code names in ``text``: an ASCII run that is a code, holds a code (a cell may
    break a code over lines, so runs are read with whitespace removed), or is snake_case."""
    runs = re.findall(r"[A-Za-z_]+", "".join(text.split()))
    return [
        run
        for run in runs
        if run.lower() in CODES
        or "_" in run
        or any(len(code) >= 5 and code in run.lower() for code in CODES)
    ]


def test_every_stored_field_has_a_label_in_both_languages() -> None:
    for language in Language:
        missing = [name for name in FIELDS if label_key(name) not in catalog(language)]
        assert missing == [], language
    for name in FIELDS:
        assert codes_in(field_label(name, Language.ZH)) == [], name


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_stored_value_is_worded_without_codes(name: str) -> None:
    value = NEW_VALUES[name] if NEW_VALUES[name] is not None else "民一庭"
    for stored in (canonical_json(to_json(value)), "null"):
        words = value_words(name, stored, Language.ZH, BEIJING)
        assert words and codes_in(words) == [], (name, stored, words)


def test_a_value_that_is_no_json_is_shown_as_stored() -> None:
    assert value_words("summary", "不是JSON{", Language.ZH, BEIJING) == "不是JSON{"
    assert field_label("no_such_field", Language.ZH) == "no_such_field"


async def test_a_form_with_every_field_corrected_shows_no_code(
    db: Database, tmp_path: Path
) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        cosigners=[people["孙丽"], people["周强"]],
        confirm_after=timedelta(hours=2),
        channel="letter",
    )
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        values = {**NEW_VALUES, "department_id": people["周强"].department_id}
        for n, (name, value) in enumerate(values.items()):
            await records_repo.amend(
                session,
                record,
                name,
                value,
                reason="据原始记录更正",
                actor=people["张伟"],
                at=local("2026-03-07 09:00") + timedelta(minutes=n),
            )
    async with db.transaction() as session:
        files = await build_form(
            session,
            record_id,
            language=Language.ZH,
            tz=BEIJING,
            rules=RULES,
            out_dir=tmp_path,
            now=NOW,
            court_name=COURT,
        )
        record = await session.get(Record, record_id)
        assert record is not None
        (facts,) = await facts_for(session, [record], await load_names(session), RULES, NOW)
    assert len(facts.amendments) == len(FIELDS)
    pdf, docx = pdf_text(files.pdf), docx_text(files.docx)
    assert codes_in(pdf) == []
    assert codes_in(docx) == []
    for name in ("summary", "department_id", "art9_items", "channel"):
        assert field_label(name, Language.ZH) in docx
    assert "刑事审判庭" in docx  # the department by its name, never its id
    document = form_document(
        facts,
        language=Language.ZH,
        tz=BEIJING,
        court_name=COURT,
        printed_at=NOW,
        head_seq=1,
        head_hash="0" * 64,
    )
    numerals = tuple(f"{n}、" for n in tr(Language.ZH, "common.numerals").split())
    headings = [block.text for block in document.blocks if isinstance(block, Heading)]
    assert tr(Language.ZH, "form.section.amendments", n="九") in headings
    assert all(text.startswith(numerals) for text in headings), headings


def _form_like(filler: int, evidence: int, staff: int) -> Document:
    pairs = Pairs(tuple((f"栏目{n}", "内容" * (n % 7 + 1)) for n in range(filler)))
    rows = tuple((str(n), f"证据{n}.png", "图片", "3,000", "2026-03-06") for n in range(evidence))
    signers = tuple(("在场法院工作人员", f"人员{n}", "已确认") for n in range(staff))
    return Document(
        "统计表",
        COURT,
        (
            Heading("一、收到情况"),
            pairs,
            Heading("二、证据材料清单"),
            Grid(("序号", "文件名", "类型", "大小", "收到时间"), rows),
            Heading("三、签名栏"),
            Signatures(
                ("身份", "姓名", "系统内确认", "签名", "日期"),
                (("承办人", "张伟", "已提交"), *signers),
            ),
            Para("打印说明", small=True),
        ),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    filler=st.integers(min_value=0, max_value=60),
    evidence=st.integers(min_value=1, max_value=30),
    staff=st.integers(min_value=0, max_value=4),
)
def test_the_lines_to_sign_never_stand_alone_on_a_pdf_page(
    tmp_path_factory: pytest.TempPathFactory, filler: int, evidence: int, staff: int
) -> None:
    path = write_pdf(_form_like(filler, evidence, staff), tmp_path_factory.mktemp("f") / "f.pdf")
    pages = ["".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]
    [page] = [text for text in pages if "三、签名栏" in text]
    assert f"证据{evidence - 1}.png" in page  # the last evidence row is on the same page
    assert all(f"人员{n}" in page for n in range(staff))  # and the block is whole
    assert "打印说明" in page  # the printing note never stands alone on a last page


def _xml(path: Path) -> Any:
    with zipfile.ZipFile(path) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def _keeps(row: Any) -> bool:
    paragraphs = row.findall(f".//{W}p")
    return bool(paragraphs) and all(p.find(f"{W}pPr/{W}keepNext") is not None for p in paragraphs)


@pytest.mark.parametrize("evidence", [1, 2, 3, 5, 23, 34])
def test_docx_tables_keep_their_rows_their_heading_and_the_signatures(
    tmp_path: Path, evidence: int
) -> None:
    body = _xml(write_docx(_form_like(8, evidence, 2), tmp_path / "f.docx")).find(f"{W}body")
    children = list(body)
    tables = [child for child in children if child.tag == f"{W}tbl"]
    pairs, grid, signatures = tables
    for table in tables:
        rows = table.findall(f"{W}tr")
        assert all(row.find(f"{W}trPr/{W}cantSplit") is not None for row in rows)
        before = children[children.index(table) - 1]
        assert before.find(f"{W}pPr/{W}keepNext") is not None  # the heading keeps with it
    rows = pairs.findall(f"{W}tr")  # its first rows with the heading, then free
    assert [_keeps(row) for row in rows] == [True] * (HEAD_ROWS - 1) + [False] * (
        len(rows) - HEAD_ROWS + 1
    )
    rows = grid.findall(f"{W}tr")
    if len(rows) <= WHOLE_ROWS:  # a short grid is kept whole, with the signatures after it
        assert all(_keeps(row) for row in rows)
    else:  # header and first rows with the heading, the end with the signatures; the middle
        head = rows[: HEAD_ROWS + 1][:-1]  # flows
        assert all(_keeps(row) for row in (*head, *rows[-TAIL_ROWS:]))
        middle = rows[HEAD_ROWS:-TAIL_ROWS]
        assert not any(_keeps(row) for row in middle)
    assert all(_keeps(row) for row in signatures.findall(f"{W}tr"))


def test_docx_pictures_and_paragraphs_never_touch_a_table(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    Image.new("RGB", (600, 200), "white").save(chart)
    document = Document(
        "汇总",
        COURT,
        (
            Heading("一、按过问方式"),
            Grid(("过问方式", "件数"), (("电话", "7"), ("当面", "1"))),
            Picture(chart, 15),
            Grid(("月份", "件数"), (("1月", "2"),)),
            Grid(("环节", "按期"), (("填表登记", "7"),)),
            Para("说明", small=True),
        ),
    )
    body = _xml(write_docx(document, tmp_path / "s.docx")).find(f"{W}body")
    children = list(body)
    for n, child in enumerate(children[:-1]):
        if child.tag != f"{W}tbl":
            continue
        after = children[n + 1]
        assert after.tag == f"{W}p" and after.find(f".//{W}drawing") is None
        assert after.find(f".//{W}t") is None  # an empty line, before any text or picture
