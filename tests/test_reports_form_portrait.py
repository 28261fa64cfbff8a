"""The form's evidence list stays on the form's portrait pages, whatever the files are called.

A phone names a screenshot ``Screenshot_2026-12-01-09-30-00-123_com.tencent.mm.jpg``; beside
its SHA-256 such a name asked for more than a portrait page holds, so the DOCX form sent its
evidence list (and, kept with it, the signatures) to a landscape page of its own: four pages
where the PDF prints two. A long word breaks over more lines instead (``BROKEN_WORD_CM``).
Checked over file names as phones, scanners and people write them, in both languages, on the
grid's layout and on whole forms.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import test_reports_form
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reports_form import in_person_record
from test_reports_support import BEIJING, Evidence, form_files, local

from reports.document import Grid
from reports.facts import EvidenceLine
from reports.form import evidence_blocks
from reports.render_docx import TEXT_WIDTH_CM, grid_layout
from storage.db import Database
from storage.vocabulary import Language

PHONE = "Screenshot_2026-12-01-09-30-00-123_com.tencent.mm.jpg"

STAMP = st.datetimes().map(lambda moment: moment.strftime("%Y%m%d_%H%M%S"))
NAMES = st.one_of(
    st.just(PHONE),
    STAMP.map(lambda s: f"IMG_{s}.jpg"),
    STAMP.map(lambda s: f"Screenshot_{s}_com.tencent.mm.png"),
    STAMP.map(lambda s: f"mmexport{s.replace('_', '')}123.jpg"),
    STAMP.map(lambda s: f"微信图片_{s}.png"),
    STAMP.map(lambda s: f"录音_{s}.m4a"),
    st.text(st.characters(codec="ascii", categories=("L", "N")), min_size=1, max_size=60).map(
        lambda name: f"{name}.pdf"
    ),
    st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=30),
)
KINDS = st.sampled_from([("image", "image/jpeg"), ("audio", "audio/mp4"), ("document", None)])


def line(name: str, kind: tuple[str, str | None], size: int, damaged: bool) -> EvidenceLine:
    return EvidenceLine(
        name=name,
        kind=kind[0],
        mime=kind[1],
        size=size,
        sha256=hashlib.sha256(name.encode("utf-8")).hexdigest(),
        received_at=local("2026-12-01 09:30"),
        damaged=damaged,
        unavailable=None,
    )


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(
        st.tuples(NAMES, KINDS, st.integers(0, 500 * 2**20), st.booleans()), min_size=1, max_size=6
    ),
    language=st.sampled_from(Language),
)
def test_an_evidence_list_fits_a_portrait_page(
    items: list[tuple[str, tuple[str, str | None], int, bool]], language: Language
) -> None:
    evidence = [line(*item) for item in items]
    (grid, *_) = evidence_blocks(evidence, language, BEIJING)
    assert isinstance(grid, Grid)
    landscape, _size, widths = grid_layout([grid.header, *grid.rows], len(grid.header))
    assert not landscape, [item[0] for item in items]
    assert sum(widths) <= TEXT_WIDTH_CM + 0.01


def orientations(path: Path) -> list[bool]:
    """Whether each section of the DOCX at ``path`` is landscape, in order."""
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    return [
        'w:orient="landscape"' in section
        for section in re.findall(r"<w:sectPr.*?</w:sectPr>", xml, re.S)
    ]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(
    "name",
    [
        PHONE,
        "IMG_20261201_093000_HDR_portrait_mode.jpg",
        "关于张某诉李某民间借贷纠纷案的情况反映函.pdf",
    ],
)
async def test_a_form_with_a_phones_file_names_is_all_portrait(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: Language,
    name: str,
) -> None:
    monkeypatch.setattr(test_reports_form, "SCREENSHOT", Evidence(PHONE, b"\x89PNG phone"))
    monkeypatch.setattr(test_reports_form, "LETTER", Evidence(name, b"a letter, photographed"))
    _, record_id = await in_person_record(db)
    files = await form_files(
        db,
        record_id,
        tmp_path,
        now=local("2026-03-06 10:00") + timedelta(days=6),
        language=language,
    )
    assert orientations(files.docx) == [False]
