"""Every column of every DOCX table is as wide as its longest word, measured in DejaVu Sans
or, in a bold cell, DejaVu Sans Bold (the faces LibreOffice and WPS draw when the court's
仿宋_GB2312 is missing) with the office suites' default cell margins: English never breaks
mid-word (Confirmatio/n, N/o/.)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ImageFont
from test_reports_form import PRINTED, in_person_record
from test_reports_support import BEIJING, COURT, RULES, form_files

from reports.document import Document, Grid, Heading, Signatures
from reports.period import parse_period
from reports.quarterly import build_report
from reports.render_docx import (
    GRID_PT,
    LONG_WORD_CM,
    WHOLE_CELL,
    _word_cm,
    write_docx,
)
from storage.db import Database
from storage.vocabulary import Language

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
MARGINS_CM = 2 * 0.19  # Word's and LibreOffice's default left and right cell margins
TWIPS_CM = 567
WORDS = re.compile(r"[\u2e80-\U0010ffff]|[^\s/\u2e80-\U0010ffff]+")  # CJK breaks anywhere


def measured_cm(word: str, size: float, *, bold: bool = True) -> float:
    """``word``'s width in DejaVu Sans (``bold``: DejaVu Sans Bold) at ``size`` pt, a CJK
    character 1 em, in cm, with the cell margins."""
    font = ImageFont.truetype(str(DEJAVU_BOLD if bold else DEJAVU), 1000)
    points = sum(
        size if ord(char) >= 0x2E80 else font.getlength(char) / 1000 * size for char in word
    )
    return points / 72 * 2.54 + MARGINS_CM


TABLE = re.compile(r"<w:tbl>.*?</w:tbl>", re.S)
SPAN = re.compile(r'<w:gridSpan w:val="(\d+)"')
TEXT = re.compile(r"<w:t(?: [^>]*)?>([^<]*)</w:t>")


def styled_tables(docx: Path) -> list[tuple[list[float], list[list[tuple[str, bool]]], float]]:
    """Each table of ``docx``: its grid's column widths (cm), its rows' cells as text and
    whether the cell is bold, and the point size of its text. A table whose rows span its
    columns differently (a form's label-value pairs: four cells, or a value over three
    columns) is given as one table per shape of row, each cell's width that of the columns
    it spans."""
    xml = zipfile.ZipFile(docx).read("word/document.xml").decode("utf-8")
    return [found for table in TABLE.findall(xml) for found in styled_table(table)]


def styled_table(table: str) -> list[tuple[list[float], list[list[tuple[str, bool]]], float]]:
    """The table of XML ``table`` as :func:`styled_tables` gives it: one table per shape of
    row."""
    grid = [int(w) / TWIPS_CM for w in re.findall(r'<w:gridCol w:w="(\d+)"', table)]
    half_points = re.search(r'<w:sz w:val="(\d+)"', table)
    size = int(half_points.group(1)) / 2 if half_points else GRID_PT
    shapes: dict[tuple[int, ...], list[list[tuple[str, bool]]]] = {}
    for row in re.findall(r"<w:tr[ >].*?</w:tr>", table, re.S):
        cells = re.findall(r"<w:tc>.*?</w:tc>", row, re.S)
        spans = tuple(int(m.group(1)) if (m := SPAN.search(c)) else 1 for c in cells)
        texts = [("".join(TEXT.findall(c)), "<w:b/>" in c) for c in cells]
        shapes.setdefault(spans, []).append(texts)
    found = []
    for spans, rows in shapes.items():
        starts = [sum(spans[:n]) for n in range(len(spans))]
        widths = [sum(grid[a : a + k]) for a, k in zip(starts, spans, strict=True)]
        found.append((widths, rows, size))
    return found


def tables(docx: Path) -> list[tuple[list[float], list[list[str]], float]]:
    """Each table of ``docx``: its grid's column widths (cm), its rows' cell texts and the
    point size of its text."""
    return [
        (grid, [[text for text, _ in row] for row in rows], size)
        for grid, rows, size in styled_tables(docx)
    ]


def words_of(cell: str) -> list[str]:
    """What never breaks in ``cell``: a short cell whole (序号), else its words."""
    text = cell.replace("&amp;", "&").strip()
    return [text] if 0 < len(text) <= WHOLE_CELL else WORDS.findall(text)


def unfitted(docx: Path) -> list[list[str]]:
    """The header rows of the tables whose words cannot all fit the text width at once, as
    the renderer estimates them at the table's size."""
    found = []
    for grid, rows, size in styled_tables(docx):
        least = [0.0] * len(grid)
        for row in rows:
            for n, (cell, bold) in enumerate(row):
                for word in words_of(cell):
                    least[n] = max(least[n], min(_word_cm(word, size, bold=bold), LONG_WORD_CM))
        if sum(least) >= sum(grid) - 0.01:  # the text width of its page, portrait or landscape
            found.append([text for text, _ in rows[0]])
    return found


def narrow_columns(docx: Path) -> list[tuple[str, float, float]]:
    """The words no wider than ``LONG_WORD_CM`` (a longer one, a hash, breaks in any column)
    that do not fit their column whole, with the column's width and their own (cm), in the
    tables whose minimums fit the text width at once as the renderer estimates them."""
    narrow = []
    for grid, rows, size in styled_tables(docx):
        wanted, estimated = [0.0] * len(grid), [0.0] * len(grid)
        for row in rows:
            for n, (cell, bold) in enumerate(row):
                for word in words_of(cell):
                    if (width := measured_cm(word, size, bold=bold)) <= LONG_WORD_CM:
                        wanted[n] = max(wanted[n], width)
                    estimated[n] = max(
                        estimated[n], min(_word_cm(word, size, bold=bold), LONG_WORD_CM)
                    )
        if sum(estimated) >= sum(grid) - 0.01:
            continue
        for n, (width, least) in enumerate(zip(grid, wanted, strict=True)):
            if width + 0.01 < least:
                narrow.append((rows[0][n][0], width, least))
    return narrow


@pytest.fixture(autouse=True, scope="module")
def dejavu_bold() -> None:
    assert DEJAVU.exists() and DEJAVU_BOLD.exists(), "install fonts-dejavu-core (.ci/run does)"


LATIN = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyzMWDC.()-:0123456789"), min_size=1,
                max_size=14)  # fmt: skip
CJK = st.text(st.sampled_from("审判庭确认纪检监察收到时间承办人"), min_size=1, max_size=8)
CELL = st.lists(st.one_of(LATIN, CJK), min_size=1, max_size=4).map(" ".join)
HASH = st.just("9955d79b956f3aa2c0d1277d37374bafd110d5aa795b8a7c6b07de6272d31a7a")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    columns=st.integers(2, 7),
    data=st.data(),
)
def test_every_grid_column_holds_its_longest_word(
    tmp_path: Path, columns: int, data: st.DataObject
) -> None:
    header = tuple(data.draw(CELL) for _ in range(columns))
    rows = tuple(
        tuple(data.draw(st.one_of(CELL, HASH)) for _ in range(columns))
        for _ in range(data.draw(st.integers(1, 4)))
    )
    document = Document("表", COURT, (Heading("一、表"), Grid(header, rows)))
    docx = write_docx(document, tmp_path / "grid.docx")
    [(_, _, size)] = tables(docx)
    assert size <= GRID_PT
    assert narrow_columns(docx) == []


def test_the_signature_columns_hold_their_words(tmp_path: Path) -> None:
    signers = (("Court staff present", "孙丽", "confirmed (2026-03-06 13:00)"),)
    header = ("Role", "Name", "Confirmed in the bot", "Signature", "Date")
    document = Document(
        "Form", COURT, (Signatures(header, (("Handler", "张伟", "submitted"), *signers)),)
    )
    assert narrow_columns(write_docx(document, tmp_path / "s.docx")) == []


@pytest.mark.parametrize("language", [Language.EN, Language.ZH])
async def test_the_form_and_the_summary_hold_their_words(
    db: Database, tmp_path: Path, language: Language
) -> None:
    _, record_id = await in_person_record(db)
    form = await form_files(db, record_id, tmp_path / "form", now=PRINTED, language=language)
    async with db.read() as session:
        report = await build_report(
            session,
            parse_period("2026Q1", now=PRINTED, tz=BEIJING),
            language=language,
            tz=BEIJING,
            rules=RULES,
            now=PRINTED,
            out_dir=tmp_path / "report",
            court_name=COURT,
        )
    assert len(tables(form.docx)) >= 8 and len(tables(report.summary)) >= 4
    assert unfitted(form.docx) == unfitted(report.summary) == []
    assert narrow_columns(form.docx) == []
    assert narrow_columns(report.summary) == []
