"""Every font a PDF of guowen uses is embedded: a reader without the font still prints the
form as it was made (reportlab otherwise falls back to its standard Helvetica, referenced but
never embedded, for a table cell holding a plain string and for each page's start)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject
from test_reports_support import (
    Evidence,
    form_files,
    local,
    make_record,
    open_court,
)

from reports import fonts
from reports.document import Document, Grid, Heading, Pairs, Para, Signatures
from reports.render_pdf import write_pdf
from storage.db import Database
from storage.vocabulary import Language

PRINTED = local("2026-03-09 08:00")


def font_dicts(resources: Any, seen: set[int]) -> list[DictionaryObject]:
    """Each font dictionary of ``resources``, and of the form XObjects they hold."""
    found: list[DictionaryObject] = []
    if resources is None or id(resources) in seen:
        return found
    seen.add(id(resources))
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        found.append(font.get_object())
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            found += font_dicts(xobject.get("/Resources"), seen)
    return found


def not_embedded(path: Path) -> set[str]:
    """The base font names of ``path``'s fonts that carry no font program (PDF 1.7, 9.9)."""
    bare: set[str] = set()
    for page in PdfReader(path).pages:
        for font in font_dicts(page.get("/Resources"), set()):
            if font.get("/Subtype") == "/Type3":
                continue  # its glyphs are drawn in the file itself
            described = font
            if font.get("/Subtype") == "/Type0":
                descendants: Any = font["/DescendantFonts"]
                described = descendants[0].get_object()
            descriptor = described.get("/FontDescriptor")
            files = ("/FontFile", "/FontFile2", "/FontFile3")
            if descriptor is None or not any(k in descriptor.get_object() for k in files):
                bare.add(str(font.get("/BaseFont")))
    return bare


def all_fonts(path: Path) -> set[str]:
    return {
        str(font.get("/BaseFont"))
        for page in PdfReader(path).pages
        for font in font_dicts(page.get("/Resources"), set())
    }


@pytest.fixture(autouse=True)
def embedded_chain() -> None:
    if not fonts.fonts().embedded:
        pytest.skip("no TrueType CJK font on this machine: the built-in one is never embedded")


def test_every_kind_of_block_and_cell_in_an_embedded_font(tmp_path: Path) -> None:
    """Each block a document holds, with empty and spanned cells, empty paragraphs, a footer
    and page numbers over several pages."""
    blocks = (
        Heading("一、收到情况 Receipt"),
        Para(""),
        Para("正文 text • – — “” ✔"),
        Para("", small=True),
        Pairs((("名称", ""), ("Label", "value"), ("长栏目" * 3, "内容" * 40))),
        Grid(("序号", "", "x"), tuple((str(n), "", "值" * (n % 9)) for n in range(120))),
        Signatures(("身份", "姓名", "系统内确认", "签名", "日期"), (("承办人", "", ""),)),
        Para("printed", small=True),
    )
    path = write_pdf(Document("标题 Title", "", blocks, footer="", meta={}), tmp_path / "d.pdf")
    assert len(PdfReader(path).pages) > 1
    assert all_fonts(path)
    assert not not_embedded(path)


@pytest.mark.parametrize("language", list(Language))
async def test_every_font_of_a_form_is_embedded(
    db: Database, tmp_path: Path, language: Language
) -> None:
    people = await open_court(db, local("2026-03-01 09:00"))
    full = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        place="第三审判庭办公室",
        persons_present="书记员孙某",
        art9_items=[1, 4],
        cosigners=[people["孙丽"]],
        confirm_after=timedelta(hours=3),
        platform_after=timedelta(days=4),
        evidence=[Evidence("微信截图.png", b"png"), Evidence("letter.jpg", b"jpg")],
    )
    draft = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 11:00"),
        submit_after=None,
        inquirer_name=None,
        case_name=None,
        case_number=None,
        summary=None,
    )
    for record_id in (full, draft):
        files = await form_files(
            db, record_id, tmp_path / str(record_id), now=PRINTED, language=language
        )
        assert all_fonts(files.pdf)
        assert not not_embedded(files.pdf), files.pdf
