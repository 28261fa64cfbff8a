"""What a DOCX reader sees on a line: a printed time in the footer is never split, a label of
the form or the overview takes at most two lines, and the Art. 7 table's headers and record
numbers take at most two (none one character a line)."""

from __future__ import annotations

import math
import re
from datetime import timedelta
from pathlib import Path

import docx
import pytest
from test_reports_support import BEIJING, COURT, RULES, form_files, local, make_record, open_court

from reports.period import parse_period
from reports.quarterly import build_report
from reports.render_docx import CELL_SIDES_CM, GRID_SIZES, PAIRS_PT, _word_cm
from reports.text import tr
from storage.db import Database
from storage.vocabulary import Language

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def lines(text: str, width_cm: float, size: float) -> int:
    """Lines ``text`` takes in a cell ``width_cm`` wide at ``size`` pt, as ``_word_cm``
    measures it (a generous measure: the real count is at most this)."""
    return max(1, math.ceil((_word_cm(text, size) - CELL_SIDES_CM) / (width_cm - CELL_SIDES_CM)))


def footer_times_whole(path: Path) -> None:
    for section in docx.Document(str(path)).sections:
        for paragraph in section.footer.paragraphs:
            texts = [node.text or "" for node in paragraph._p.iter(f"{W}t")]
            # No plain hyphen or space a line could break at inside a printed time.
            assert not any(re.search(r"\d-|-\d|\d \d{2}:", t) for t in texts), texts
            if re.search(r"\d{4}-\d{2}-\d{2}", paragraph.text):
                assert len(list(paragraph._p.iter(f"{W}noBreakHyphen"))) >= 2


@pytest.mark.parametrize("language", list(Language))
async def test_docx_lines(db: Database, tmp_path: Path, language: Language) -> None:
    people = await open_court(db, local("2026-11-01 09:00"))
    ids = [
        await make_record(db, people["张伟"], local(f"2026-11-2{n} 10:00"), main_leader=True,
                          serious=n == 1, unit_category="party", platform_after=timedelta(days=1))
        for n in range(3)
    ]  # fmt: skip
    now = local("2026-11-30 12:00")
    async with db.transaction() as session:
        report = await build_report(
            session,
            parse_period("2026Q4", now=now, tz=BEIJING),
            language=language,
            tz=BEIJING,
            rules=RULES,
            now=now,
            out_dir=tmp_path,
            court_name=COURT,
        )
    form = await form_files(db, ids[0], tmp_path, now=now, language=language)
    for path in (report.summary, form.docx):
        footer_times_whole(path)
        for table in docx.Document(str(path)).tables:
            if table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None:
                continue  # a grid, not label-value pairs
            for row in table.rows:
                for label in row._tr.tc_lst[::2]:  # label, value, label, value
                    text = "".join(t.text or "" for t in label.iter(f"{W}t"))
                    assert lines(text, label.width.cm, PAIRS_PT) <= 2, text
    header = tr(language, "art7.main_leader")
    [art7] = [
        table
        for table in docx.Document(str(report.summary)).tables
        if header in [cell.text for cell in table.rows[0].cells]
    ]
    size = int(art7._tbl.xpath(".//w:sz/@w:val")[0]) / 2  # half-points
    assert size >= GRID_SIZES[-1]
    for row in art7.rows:
        for n, cell in enumerate(row.cells):
            if row is art7.rows[0] or n == 0:
                assert lines(cell.text, cell.width.cm, size) <= 2, cell.text
