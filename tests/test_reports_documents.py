"""Documents fit for the archive: every character kept, a form people sign, a workbook that
prints, and analysis sentences that say what their figures say."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from PIL import Image
from test_reports_support import (
    BEIJING,
    COURT,
    NUMBER,
    docx_text,
    form_files,
    local,
    make_record,
    open_court,
    pdf_text,
    report_files,
)

from handlers import reports_cmd
from handlers.engine import Context, Services
from handlers.i18n import t
from handlers.ports import IncomingMessage
from reminders.clock import FakeClock
from reports import charts, fonts
from reports.analysis import analysis
from reports.columns import COLUMNS
from reports.figures import Figures
from reports.paper import column_points, text_lines
from reports.period import parse_period
from reports.text import tr
from reports.xlsx import DETAIL_BREAKS, DETAIL_LEAST_SCALE, DETAIL_SCALE, count_axis
from storage.db import Database
from storage.evidence import EvidenceStore
from storage.models import ChatIdentity, Record, Staff
from storage.vocabulary import Language, Milestone

# Rare name characters (CJK Extension B) and one no font has (a plane-15 private-use one).
JI = "\U00020bb7"  # 𠮷
TING = "\U0002123c"  # 𡈼
NOWHERE = "\U000ffffd"
RARE_FIELDS = {
    "inquirer_name": f"{JI}某",
    "inquirer_unit": f"{TING}县公安局",
    "inquirer_position": f"{JI}局长",
    "case_name": f"{JI}某诉{TING}某民间借贷纠纷案",
    "summary": f"要求{JI}某案从轻处理{NOWHERE}",
    "place": f"{TING}县第三审判庭",
    "persons_present": f"书记员{JI}某",
}
NOW = local("2026-04-02 09:00")


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(autouse=True)
def fresh_fonts() -> Iterator[None]:
    fonts.configure(None)
    yield
    fonts.configure(None)


def shown_in_pdf(value: str) -> str:
    """What the PDF must hold for ``value``: itself, placeholders where no font has a glyph."""
    return "".join(fonts.placeholder(c) if not fonts.fonts().drawable(c) else c for c in value)


def test_the_chain_has_a_font_for_extension_b() -> None:
    chain = fonts.fonts()
    for char in (JI, TING, "某"):
        face = chain.face_for(char)
        assert face is not None, "install fonts-hanazono (.ci/run does)"
    assert chain.face_for(NOWHERE) is None
    assert chain.runs(f"{JI}某{NOWHERE}")[-1][1].endswith("[U+FFFFD]")
    assert chain.missing([f"{JI}某{NOWHERE}", NOWHERE]) == [NOWHERE]


async def test_rare_characters_survive_every_document(db: Database, tmp_path: Path) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        cosigners=[people["孙丽"], people["周强"]],
        confirm_after=timedelta(hours=2),
        **RARE_FIELDS,
    )
    form = await form_files(db, record_id, tmp_path / "form", now=NOW)
    report = await report_files(db, "2026Q1", tmp_path / "report", now=NOW)
    pdf = flat(pdf_text(form.pdf))
    with zipfile.ZipFile(form.docx) as archive:
        docx_xml = archive.read("word/document.xml").decode("utf-8")
    docx = docx_text(form.docx)
    [detail] = [s for s in load_workbook(report.xlsx).worksheets if s.title == "明细"]
    cells = {str(c.value) for row in detail.iter_rows() for c in row if c.value is not None}
    for field, value in RARE_FIELDS.items():
        assert flat(shown_in_pdf(value)) in pdf, field  # PDF: each glyph drawn, or its code
        assert value in docx, field  # DOCX keeps the characters themselves
        assert value in cells, field  # XLSX keeps them too
    assert "[U+FFFFD]" in pdf and NOWHERE not in pdf
    # The sender is told which character had no font.
    assert form.missing == (NOWHERE,)
    # In the DOCX, Extension B characters sit in runs naming SimSun-ExtB in every slot.
    assert f'w:eastAsia="{fonts.EXTENSION_FONT}"' in docx_xml
    assert f">{JI}</w:t>" in docx_xml  # a run of its own


def test_chart_labels_pass_the_same_font_check(tmp_path: Path) -> None:
    assert charts.shown(f"{JI}某") == f"{JI}某"
    assert charts.shown(f"某{NOWHERE}") == "某[U+FFFFD]"
    # The rare character is drawn (ink where the label is), not left blank.
    blank = charts.bar_chart(tmp_path / "blank.png", "", [(" ", 1.0)])
    drawn = charts.bar_chart(tmp_path / "drawn.png", "", [(JI, 1.0)])

    def ink(path: Path) -> int:
        with Image.open(path) as image:
            label = image.convert("L").crop((30, 76, 300, 120))
            return sum(label.histogram()[:128])

    assert ink(drawn) > ink(blank) + 20


async def test_the_form_has_signature_lines_for_the_handler_and_each_person_present(
    db: Database, tmp_path: Path
) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        cosigners=[people["孙丽"], people["周强"]],
        confirm_after=timedelta(hours=2),
        material_route="via_integrity_officer",
    )
    form = await form_files(db, record_id, tmp_path, now=NOW)
    from docx import Document

    tables = Document(str(form.docx)).tables
    [signs] = [t for t in tables if [c.text for c in t.rows[0].cells][3:] == ["签名", "日期"]]
    rows = [[c.text for c in row.cells] for row in signs.rows[1:]]
    assert [(r[0], r[1]) for r in rows] == [
        ("承办人", "张伟"),
        ("在场法院工作人员", "孙丽"),
        ("在场法院工作人员", "周强"),
        ("部门廉政监察员", ""),
    ]
    assert rows[0][2] == "已于 2026-03-06 11:00 提交"
    assert rows[1][2] == rows[2][2] == "已确认（2026-03-06 12:00）"
    assert all(r[3] == r[4] == "" for r in rows)  # left blank for the pen
    text = flat(pdf_text(form.pdf))
    for words in ("签名栏", "签名", "日期", "承办人张伟", "已确认（2026-03-0612:00）"):
        assert words in text
    # Chinese labels only: no type codes.
    docx = docx_text(form.docx)
    for code in ("image", "document", "external", "via_integrity_officer"):
        assert code not in docx and code not in text


async def test_an_art5_record_is_worded_as_the_rule_words_it(db: Database, tmp_path: Path) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db, people["张伟"], local("2026-03-06 10:00"), kind="reference_opinion"
    )
    form = await form_files(db, record_id, tmp_path, now=NOW)
    text = flat(pdf_text(form.pdf))
    for words in ("受人民法院委托或者许可", "依照工作程序", "相关材料应当存入案件正卷归档备查"):
        assert words in text


async def test_the_docx_is_laid_out_as_an_official_document(db: Database, tmp_path: Path) -> None:
    from docx import Document

    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(db, people["张伟"], local("2026-03-06 10:00"))
    form = await form_files(db, record_id, tmp_path, now=NOW)
    document = Document(str(form.docx))
    section = document.sections[0]
    mm = 36000  # EMU per millimetre
    assert [round(m / mm) for m in (section.page_width, section.page_height)] == [210, 297]
    assert [
        round(m / mm)
        for m in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [37, 35, 28, 26]
    with zipfile.ZipFile(form.docx) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
        footer = "".join(
            archive.read(n).decode("utf-8") for n in archive.namelist() if "footer" in n
        )
        font_table = archive.read("word/fontTable.xml").decode("utf-8")
    # 方正小标宋简体 and 仿宋_GB2312, by their English family names.
    assert 'w:eastAsia="FZXiaoBiaoSong-B05S"' in body and 'w:eastAsia="FangSong_GB2312"' in body
    assert "<w:cantSplit/>" in body and "<w:tblHeader/>" in body
    assert "<w:keepNext/>" in body  # headings keep with their tables
    assert "— " in footer and "PAGE" in footer and " —" in footer
    assert 'w:name="FZXiaoBiaoSong-B05S"' in font_table and 'w:val="SimHei"' in font_table
    assert 'w:name="FangSong_GB2312"' in font_table and 'w:val="FangSong"' in font_table


async def test_the_workbook_prints(db: Database, tmp_path: Path) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    for day in range(2, 9):
        summary = "要求对原告从轻处理，" * (day - 1)  # some long enough to wrap
        await make_record(db, people["张伟"], local(f"2026-03-0{day} 10:00"), summary=summary)
    files = await report_files(db, "2026Q1", tmp_path, now=NOW)
    book = load_workbook(files.xlsx)
    for sheet in book.worksheets:
        assert sheet.print_options.horizontalCentered, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title  # repeated on every page
        assert "&P" in sheet.oddFooter.center.text, sheet.title  # page numbers
    for title in ("汇总", "第七条清单", "办理时效"):  # one page wide, as many tall as needed
        sheet = book[title]
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    for title in ("第七条清单", "办理时效", "明细"):
        assert book[title].page_setup.orientation == "landscape", title
    # The summary: portrait, A to C, a page break before a table and chart that would be cut
    # (tests/test_reports_print.py places every chart on its printed page).
    summary = book["汇总"]
    assert summary.page_setup.orientation == "portrait"
    assert summary.print_area.startswith("'汇总'!$A$1:$C$")
    assert int(summary.print_area.rsplit("$", 1)[1]) >= summary.max_row
    assert summary.row_breaks.brk  # several tables with charts: more than one page
    # The detail's 43 columns: A3 landscape, four blocks of columns, the number repeated.
    detail = book["明细"]
    assert detail.page_setup.paperSize == 8  # A3
    assert not detail.sheet_properties.pageSetUpPr.fitToPage
    scale = int(detail.page_setup.scale)
    assert DETAIL_LEAST_SCALE <= scale <= DETAIL_SCALE  # each block fits: test_reports_detail_pages
    assert detail.page_setup.pageOrder == "overThenDown"
    assert detail.print_title_cols == "$A:$A"
    keys = [column.key for column in COLUMNS]
    assert [b.id for b in detail.col_breaks.brk] == [keys.index(k) + 1 for k in DETAIL_BREAKS]
    widths = [detail.column_dimensions[get_column_letter(n)].width for n in range(1, 44)]
    # Widened where a header word or a vocabulary word would be split, never narrowed.
    assert all(w >= c.width for w, c in zip(widths, COLUMNS, strict=True))
    starts = [0] + [keys.index(k) + 1 for k in DETAIL_BREAKS]
    for first, last in zip(starts, [*starts[1:], 43], strict=True):
        block = sum(column_points(w) for w in widths[first:last])
        if first:
            block += column_points(widths[0])  # the repeated number column
        # A3 landscape less the margins, at the scale, with a fifth to spare for wider fonts.
        assert block * scale / 100 * 1.2 <= 1191 - 72, (first, last)
    for title in ("明细", "第七条清单", "办理时效"):  # 办理时效: under the report's title
        sheet = book[title]
        assert sheet.freeze_panes in ("A2", "B2"), title
        first = 1 if title == "明细" else 2  # the others under the report's title
        header = [c for c in next(sheet.iter_rows(min_row=first, max_row=first)) if c.value]
        assert all(c.border.bottom.style == "thin" for c in header), title
        assert all(c.alignment.wrap_text for c in header), title  # long titles wrap, not cut
        assert sheet.row_dimensions[first].height >= 30, title
    art7 = book["第七条清单"]
    assert art7.column_dimensions["B"].width >= 16  # a date and time, not ####
    # Each data cell keeps its own style, though styles are worked out once per workbook.
    keys = [column.key for column in COLUMNS]
    for row in detail.iter_rows(min_row=2):
        assert all(c.border.left.style == "thin" for c in row)
        assert not any(c.font.bold for c in row)
        received = row[keys.index("received_at")]
        assert received.number_format == "yyyy-mm-dd hh:mm" and received.is_date
        summary_cell = row[keys.index("summary")]
        lines = text_lines(summary_cell.value, COLUMNS[keys.index("summary")].width)
        assert bool(summary_cell.alignment.wrap_text) == (lines > 1)
    # Count charts step by whole numbers from 0: no axis of fractional inquiries.
    for chart in summary._charts:
        axis = chart.y_axis
        assert axis.scaling.min == 0 and axis.majorUnit == int(axis.majorUnit) >= 1
        assert axis.scaling.max % axis.majorUnit == 0
    [share_chart] = book["办理时效"]._charts
    assert (share_chart.y_axis.scaling.min, share_chart.y_axis.scaling.max) == (0, 1)


@given(st.integers(min_value=0, max_value=10**7))
def test_a_count_axis_steps_by_whole_numbers(biggest: int) -> None:
    step, top = count_axis(biggest)
    assert step >= 1 and str(step).strip("0") in ("1", "2", "5")
    assert top % step == 0 and top >= biggest and top // step <= 8


def test_a_wrapped_note_is_given_its_lines() -> None:
    assert text_lines("短", 100) == 1
    assert text_lines("字" * 60, 100) == 2  # 132 widths: a full-width character per break
    assert text_lines("哈希值 " + "0" * 64, 75) == 2  # the hash moves whole to the next line
    assert text_lines("哈希值 " + "0" * 64, 50) == 4  # and is broken where it must, a line spare
    assert text_lines("名称\n" + "0" * 64, 80) == 2


async def test_an_empty_quarter_charts_say_no_records(db: Database, tmp_path: Path) -> None:
    files = await report_files(db, "2026Q1", tmp_path, now=NOW)
    book = load_workbook(files.xlsx)
    sheet = book["办理时效"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "无记录" in values
    assert 0 not in values[values.index("各环节按期办理率") :]  # no 0 % share
    assert not sheet._charts  # no chart of nothing
    summary = book["汇总"]
    assert not summary._charts
    rows = list(summary.iter_rows(values_only=True))
    heads = [n for n, row in enumerate(rows) if row[1] == "件数"]
    assert rows[heads[0]][0] == "总体情况"  # the headline's counts, then the tables to chart
    assert len(heads) == 6
    for n, head in enumerate(heads[1:], 1):  # each table's last row says 无记录, in its frame
        end = heads[n + 1] if n + 1 < len(heads) else len(rows)
        body = [row for row in rows[head + 1 : end] if any(v is not None for v in row)]
        assert body[-1][0] == "无记录" and rows[head][2:] == (None,) * len(rows[head][2:])


# --- the analysis: each sentence from the figure it states ---------------------------------


def figures_of(departments: dict[str, tuple[int, int, int]]) -> Figures:
    """A quarter whose departments have (on time, late, missed) registration steps."""
    from reports.facts import Names
    from reports.period import Period

    period = parse_period("2026Q1", now=NOW, tz=BEIJING)
    assert isinstance(period, Period)
    names = Names({}, {n: name for n, name in enumerate(departments, 1)})
    figures = Figures(period, names, external=1)
    total = figures.milestones[Milestone.REGISTERED]
    for n, (on_time, late, missed) in enumerate(departments.values(), 1):
        tally = figures.department_milestones[n][Milestone.REGISTERED]
        tally.on_time, tally.late, tally.missed = on_time, late, missed
        total.on_time += on_time
        total.late += late
        total.missed += missed
    figures.by_category["government"] = 1
    figures.by_channel["phone"] = 1
    return figures


def overdue_sentence(lines: list[str]) -> str:
    [line] = [line for line in lines if line.startswith("逾期项数最多的部门为")]
    return line


def test_the_issue_s_quarter_names_the_department_with_more_overdue() -> None:
    # 刑事审判庭: 0 late + 2 missed of 2 due (0 %); 民事审判第一庭: 1 + 2 of 10 (70 %).
    figures = figures_of({"刑事审判庭": (0, 0, 2), "民事审判第一庭": (7, 1, 2)})
    lines = analysis(figures, Language.ZH)
    assert overdue_sentence(lines) == tr(
        Language.ZH,
        "analysis.worst_department",
        list=tr(
            Language.ZH,
            "analysis.overdue_item",
            name="民事审判第一庭",
            late=1,
            missed=2,
            total=3,
        ),
    )
    [lowest] = [line for line in lines if line.startswith("按期办理率最低的部门为")]
    assert lowest.startswith("按期办理率最低的部门为刑事审判庭（按期率 0.0%")


tallies = st.tuples(st.integers(0, 6), st.integers(0, 4), st.integers(0, 4))


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(["民一庭", "刑庭", "行政庭", "执行局"]), tallies,
                       min_size=1))  # fmt: skip
def test_each_ranking_sentence_is_derived_from_its_own_figure(
    departments: dict[str, tuple[int, int, int]],
) -> None:
    lines = analysis(figures_of(departments), Language.ZH)
    overdue = {name: late + missed for name, (_, late, missed) in departments.items()}
    most = max(overdue.values())
    said = [line for line in lines if line.startswith("逾期项数最多的部门为")]
    if most == 0:
        assert said == []
    else:
        [sentence] = said
        for name, count in overdue.items():
            # Named exactly when its count is the largest, with that count.
            assert (f"{name}（逾期 {count} 项" in sentence) == (count == most)
    shares = {
        name: on / (on + late + missed)
        for name, (on, late, missed) in departments.items()
        if on + late + missed
    }
    said = [line for line in lines if line.startswith("按期办理率最低的部门为")]
    if len(set(shares.values())) <= 1:
        assert said == []
    else:
        [sentence] = said
        lowest = min(shares.values())
        for name, share in shares.items():
            assert (f"{name}（按期率 {lowest:.1%}" in sentence) == (share == lowest)


async def test_the_sender_is_told_of_characters_no_font_has(db: Database, tmp_path: Path) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db, people["张伟"], local("2026-03-06 10:00"), inquirer_name=f"{JI}某{NOWHERE}"
    )
    services = Services(
        clock=FakeClock(datetime(2026, 3, 9, 1, 0, tzinfo=UTC)),
        court_name=COURT,
        record_number=NUMBER,
        evidence=EvidenceStore(tmp_path / "data" / "evidence", max_bytes=10**6),
    )
    now = services.clock.now()
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        person = await session.get(Staff, people["张伟"].id)
        assert record is not None and person is not None
        identity = ChatIdentity(
            transport="fake", external_id="zw", chat_id="zw", staff_id=person.id, bound_at=now
        )
        message = IncomingMessage(transport="fake", chat_id="zw", user_id="zw", received_at=now)
        ctx = Context(session, message, person, identity, services, now)
        sent = await reports_cmd.form_copy(ctx, record)
    pdf_caption = sent[0].text
    assert pdf_caption.endswith(t(Language.ZH, "report.missing_glyphs", chars="[U+FFFFD]"))
    assert sent[0].document is not None
    assert "[U+FFFFD]" in flat(pdf_text(sent[0].document))


async def test_the_report_s_sender_is_told_of_characters_no_font_has(
    db: Database, tmp_path: Path
) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    await make_record(  # an Art. 7 record: its inquirer is named in the summary
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        main_leader=True,
        inquirer_name=f"{JI}某{NOWHERE}",
    )
    services = Services(
        clock=FakeClock(datetime(2026, 4, 2, 1, 0, tzinfo=UTC)),
        court_name=COURT,
        record_number=NUMBER,
        evidence=EvidenceStore(tmp_path / "data" / "evidence", max_bytes=10**6),
    )
    now = services.clock.now()
    async with db.transaction() as session:
        person = await session.get(Staff, people["张伟"].id)
        assert person is not None
        identity = ChatIdentity(
            transport="fake", external_id="zw", chat_id="zw", staff_id=person.id, bound_at=now
        )
        message = IncomingMessage(transport="fake", chat_id="zw", user_id="zw", received_at=now)
        ctx = Context(session, message, person, identity, services, now)
        files = await reports_cmd.make_report(ctx, parse_period("2026Q1", now=now, tz=BEIJING))
        sent = reports_cmd.report_messages(ctx, files, "统计已生成。")
    assert files.missing == (NOWHERE,)  # Ji has a font (HanaMinB); the private-use one none
    warning = t(Language.ZH, "report.missing_glyphs_report", chars="[U+FFFFD]")
    assert sent[0].text == "统计已生成。\n" + warning
    assert sent[0].photo == files.chart
    # The workbook and the summary keep the characters themselves.
    assert f"{JI}某{NOWHERE}" in docx_text(files.summary)
    cells = {
        c.value for s in load_workbook(files.xlsx).worksheets for r in s.iter_rows() for c in r
    }
    assert f"{JI}某{NOWHERE}" in cells
