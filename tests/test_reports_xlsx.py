"""The quarterly report's files, opened and checked against the records they count."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image
from test_reports_support import (
    Evidence,
    docx_text,
    local,
    make_record,
    number_of,
    open_court,
    report_files,
    sheet_rows,
    summary_table,
    worksheet_xml,
)

from reports.columns import COLUMNS
from reports.quarterly import ReportFiles
from storage.db import Database
from storage.vocabulary import Language

NOW = local("2026-10-08 10:00")
INJECTIONS = {
    "inquirer_name": '=HYPERLINK("http://example.invalid","点我")',
    "inquirer_unit": "@SUM(1+1)*cmd|' /C calc'!A0",
    "inquirer_position": "-2+3",
    "summary": "+86 138 0000 0000 打来电话",
}


@dataclass
class Quarter3:
    numbers: dict[str, str]


async def quarter_3(db: Database) -> Quarter3:
    """Q3 2026: six outside inquiries, one Art. 5 opinion, a draft, a withdrawn draft, an
    internal inquiry, and records just outside the quarter on both sides."""
    people = await open_court(db, local("2026-03-01 09:00"))  # Q2, compared with, wholly recorded
    zhang, sun, zhou = people["张伟"], people["孙丽"], people["周强"]
    ids: dict[str, int] = {}
    ids["A"] = await make_record(
        db,
        zhang,
        local("2026-07-01 00:10"),  # the quarter's first minutes, Beijing time
        platform_after=timedelta(days=1),
        deliver_after=timedelta(days=1),
    )
    ids["B"] = await make_record(
        db,
        zhang,
        local("2026-07-15 10:00"),
        channel="wechat",
        unit_category="party",
        material_route="direct",  # counts; C's (in person: no materials) does not
        art9_items=[1, 4],
        main_leader=True,
        platform_after=timedelta(days=5),
        evidence=[Evidence("截图.png", b"screenshot")],
        **INJECTIONS,
    )
    ids["C"] = await make_record(
        db,
        sun,
        local("2026-08-03 10:00"),
        channel="in_person",
        unit_category="congress",
        art9_items=[4],
        serious=True,
        retired=True,
        intermediary="staff",
        intermediary_name="秘书小李",
        place="办公室",
        material_route="direct",
        cosigners=[zhou],
        confirm_after=timedelta(hours=2),
    )
    ids["E"] = await make_record(
        db,
        zhou,
        local("2026-08-20 10:00"),
        kind="reference_opinion",
        unit_category="institution",
        art9_items=None,
        serious=None,
        intermediary=None,
        material_route=None,
        originals_destination="main_file",
    )
    await make_record(db, zhang, local("2026-08-21 10:00"), submit_after=None)  # a draft
    await make_record(db, sun, local("2026-08-22 10:00"), withdraw=True)
    await make_record(db, zhang, local("2026-08-23 10:00"), kind="internal")  # Art. 14
    ids["K1"] = await make_record(db, zhang, local("2026-09-10 10:00"))
    ids["K2"] = await make_record(db, sun, local("2026-09-10 10:00"))  # same instant
    ids["D"] = await make_record(
        db,
        zhou,
        local("2026-09-30 23:50"),  # the quarter's last minutes
        channel="letter",
        unit_category="procuratorate",
        art9_items=[13],
    )
    await make_record(db, zhang, local("2026-06-30 23:50"))  # Q2: the previous quarter
    await make_record(db, zhang, local("2026-10-01 00:00"))  # Q4
    return Quarter3({key: await number_of(db, value) for key, value in ids.items()})


async def report(
    db: Database,
    folder: Path,
    text: str = "2026Q3",
    *,
    language: Language = Language.ZH,
    batch: int = 500,
) -> ReportFiles:
    return await report_files(db, text, folder, now=NOW, language=language, batch=batch)


async def test_the_summary_counts_match_the_records(db: Database, tmp_path: Path) -> None:
    await quarter_3(db)
    files = await report(db, tmp_path)
    headline = summary_table(files.xlsx, "总体情况")
    assert headline["外部领导干部干预过问案件"] == 6
    assert headline["受委托提出的参考意见（第五条，单独统计）"] == 1
    assert headline["涉及同级党委或政法委主要领导干部（第七条）"] == 1
    assert headline["情节严重、应立即报告（第七条）"] == 1
    assert headline["涉及特别报告事项（第九条）"] == 3
    assert headline["其中离退休领导干部"] == 1
    assert headline["经身边工作人员或亲属转达"] == 1
    assert headline["材料直接到达承办人（第六条）"] == 1
    assert headline["未提交的草稿（第十条）"] == 1
    assert headline["已撤回的草稿（第十条）"] == 1
    assert headline["上期外部领导干部干预过问案件"] == 1
    assert headline["较上期变化"] == "增加 5 件（500%）"

    categories = summary_table(files.xlsx, "按过问人单位类别（第十三条）")
    assert {k: v for k, v in categories.items() if v} == {
        "党的机关": 1,
        "人大机关": 1,
        "行政机关": 3,
        "检察机关": 1,
    }
    assert len(categories) == 10  # every Art. 13 category, zeros included
    channels = summary_table(files.xlsx, "按过问方式")
    assert {k: v for k, v in channels.items() if v} == {
        "电话": 3,
        "微信": 1,
        "当面（口头）": 1,
        "函文信件": 1,
    }
    assert summary_table(files.xlsx, "按承办部门") == {"民一庭": 5, "刑事审判庭": 1}
    art9 = summary_table(files.xlsx, "按特别报告事项（第九条）")
    assert {k.split(")")[0] + ")": v for k, v in art9.items() if v} == {
        "(1)": 1,
        "(4)": 2,
        "(13)": 1,
    }
    assert summary_table(files.xlsx, "按月份") == {"2026年7月": 2, "2026年8月": 1, "2026年9月": 3}
    assert files.figures.external == 6 and files.figures.reference == 1


async def test_the_detail_sheet_has_every_counted_record_in_receipt_order(
    db: Database, tmp_path: Path
) -> None:
    quarter = await quarter_3(db)
    files = await report(db, tmp_path)
    rows = sheet_rows(files.xlsx, 3)
    # A narrow header's bracketed group starts its own line: the title is otherwise whole.
    head = tuple(str(title).replace("\n", "") for title in rows[0])
    assert head == tuple(column.title(Language.ZH) for column in COLUMNS)
    numbers = [row[0] for row in rows[1:]]
    n = quarter.numbers
    assert numbers == [n["A"], n["B"], n["C"], n["E"], n["K1"], n["K2"], n["D"]]
    by_number = {row[0]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    b = by_number[n["B"]]
    assert b["过问方式"] == "微信"
    assert b["特别报告事项（第九条）"].splitlines() == [
        "(1) 为案件当事人请托说情",
        "(4) 超越职权对案件处理提出倾向性意见或具体要求",
    ]
    assert b["证据材料数"] == 1
    assert b["录入平台（二日内）"] == "逾期办理"
    assert b["报送复印件（三日内）"] == "逾期未办"
    assert by_number[n["A"]]["报送复印件（三日内）"] == "按期"
    assert by_number[n["E"]]["性质（第五条）"] == "受委托提出的参考意见（第五条）"
    assert by_number[n["D"]]["收到时间"].strftime("%Y-%m-%d %H:%M") == "2026-09-30 23:50"


async def test_values_that_look_like_formulas_stay_text(db: Database, tmp_path: Path) -> None:
    quarter = await quarter_3(db)
    files = await report(db, tmp_path)
    sheet = load_workbook(files.xlsx).worksheets[3]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == quarter.numbers["B"])
    cells = dict(zip(header, row, strict=True))
    for field, value in INJECTIONS.items():
        title = next(c.title(Language.ZH) for c in COLUMNS if c.key == field)
        cell = cells[title]
        assert cell.value == value, field  # kept exactly as recorded
        assert cell.data_type == "s", field
        assert cell.quotePrefix, field
    for name, xml in worksheet_xml(files.xlsx).items():
        assert not re.search(r"<f[\s>]", xml), f"a formula in {name}"
        assert "HYPERLINK" not in xml or "inlineStr" in xml


async def test_the_art7_list_and_the_timeliness_figures(db: Database, tmp_path: Path) -> None:
    quarter = await quarter_3(db)
    files = await report(db, tmp_path)
    art7 = sheet_rows(files.xlsx, 1)
    assert art7[0][0].startswith("温县人民法院") and art7[1][0] == "记录编号"  # title, header
    assert [row[0] for row in art7[2:]] == [quarter.numbers["B"], quarter.numbers["C"]]
    assert [(row[10], row[11]) for row in art7[2:]] == [("是", "否"), ("否", "是")]
    timeliness = sheet_rows(files.xlsx, 2)
    # under the title and the header: on time, late, missed, disputed, not yet due, share
    steps = {row[0]: row[1:7] for row in timeliness[2:6]}
    # 张伟's draft of 08-21, never submitted: its three steps are missed (Art. 10); 孙丽's
    # draft withdrawn within minutes owes none.
    assert steps["填表登记"] == (7, 0, 1, 0, 0, pytest.approx(7 / 8))
    # D came on 09-30 23:50: its deadlines end on 10-08 at 24:00 (National Day), not yet due.
    assert steps["录入平台"] == (1, 1, 4, 0, 1, pytest.approx(1 / 6))  # Art. 5 owes no entry
    assert steps["报送表格复印件"] == (1, 0, 6, 0, 1, pytest.approx(1 / 7))
    assert steps["在场人员签字确认"] == (1, 0, 0, 0, 0, 1)
    handlers = {row[0]: row for row in timeliness if row and row[1] in ("民一庭", "刑事审判庭")}
    # name, department, records, four shares, late, missed, drafts open, withdrawn
    assert handlers["张伟"][2] == 3 and handlers["张伟"][7:11] == (1, 6, 1, 0)
    assert handlers["孙丽"][2] == 2 and handlers["孙丽"][7:11] == (0, 4, 0, 1)
    assert handlers["周强"][2] == 2 and handlers["周强"][7:11] == (0, 1, 0, 0)


async def test_native_charts_in_the_workbook(db: Database, tmp_path: Path) -> None:
    await quarter_3(db)
    files = await report(db, tmp_path)
    with zipfile.ZipFile(files.xlsx) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 6  # five on the summary sheet, one on the timeliness sheet
        first = archive.read(charts[0]).decode("utf-8")
    assert "<barChart>" in first
    assert "<val><numRef><f>'汇总'!$B$" in first  # the chart reads the summary sheet's cells
    assert "<cat><strRef><f>'汇总'!$A$" in first


async def test_batches_change_nothing(db: Database, tmp_path: Path) -> None:
    await quarter_3(db)
    whole = await report(db, tmp_path / "whole")
    pieces = await report(db, tmp_path / "pieces", batch=2)  # ties at 09-10 10:00 cross a page
    assert sheet_rows(whole.xlsx, 3) == sheet_rows(pieces.xlsx, 3)
    assert sheet_rows(whole.xlsx, 0)[3:] == sheet_rows(pieces.xlsx, 0)[3:]


async def test_the_summary_document_and_the_picture(db: Database, tmp_path: Path) -> None:
    quarter = await quarter_3(db)
    files = await report(db, tmp_path)
    text = docx_text(files.summary)
    assert "2026年第三季度，本院共记录外部领导干部干预过问案件 6 件" in text
    assert "较上期（1 件）增加 5 件，增幅 500%。" in text
    assert "涉及同级党委或政法委主要领导干部的 1 件" in text
    assert quarter.numbers["B"] in text
    assert files.head_hash in text
    with Image.open(files.chart) as picture:
        assert picture.format == "PNG" and picture.size[0] == 1400


async def test_an_empty_quarter_says_so(db: Database, tmp_path: Path) -> None:
    await quarter_3(db)
    files = await report(db, tmp_path, "2026Q1")
    empty = "本期无过问记录：没有外部领导干部干预过问案件的记录。"
    assert files.figures.empty
    assert any(row and row[0] == empty for row in sheet_rows(files.xlsx, 0))
    assert sheet_rows(files.xlsx, 3)[1][0] == empty
    art7 = sheet_rows(files.xlsx, 1)
    assert art7[0][0].startswith("温县人民法院")  # the report's title, as on every sheet
    assert art7[1][0] == "记录编号" and art7[2][0].startswith("本期没有")
    said = "2026年第一季度无过问记录：本院未记录外部领导干部干预过问案件。"
    assert said in docx_text(files.summary)
    assert files.chart.stat().st_size > 0


async def test_a_range_of_days_in_english(db: Database, tmp_path: Path) -> None:
    await quarter_3(db)
    files = await report(db, tmp_path, "2026-09-01 2026-09-30", language=Language.EN)
    assert load_workbook(files.xlsx).sheetnames == [
        "Summary",
        "Art. 7 list",
        "Timeliness",
        "Records",
    ]
    headline = summary_table(files.xlsx, "Overview")
    assert headline["Inquiries by outside leading cadres"] == 3
    assert headline["Inquiries in the previous period"] == 1  # 2026-08-02 .. 2026-08-31
    assert files.xlsx.name == "inquiry-report_2026-09-01_2026-09-30.xlsx"
