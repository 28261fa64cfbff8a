"""No page of a PDF guowen prints ends with a section heading: a heading goes over to the
next page with the start of its section, whatever the section holds (a paragraph, a
label-value table, a grid) and whatever follows it (the signature table too)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reports.document import Document, Grid, Heading, Pairs, Para, Signatures
from reports.render_pdf import write_pdf

FOOTER = "audit head 12"
LINE = "过" * 45  # one full line of body text
TEXT = "要求法院在判决前先向县委政法委汇报，并且考虑到企业的实际困难。"


def _body(kind: str, size: int) -> Para | Pairs | Grid:
    if kind == "para":
        return Para(TEXT * size)
    if kind == "pairs":
        return Pairs(tuple((f"项目{n}", TEXT[: 5 + n]) for n in range(size)))
    return Grid(
        ("环节", "期限", "办理时间"),
        tuple(
            ("填表登记", "2026-12-02", TEXT[:8]),
        )
        * size,
    )


SECTIONS = st.lists(
    st.tuples(st.sampled_from(["para", "pairs", "grid"]), st.integers(1, 6)), min_size=3, max_size=9
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sections=SECTIONS, lead=st.integers(0, 70))
def test_no_page_ends_with_a_heading(
    tmp_path: Path, sections: list[tuple[str, int]], lead: int
) -> None:
    headings = [f"{n}、第{n}节" for n in range(1, len(sections) + 3)]
    blocks: list[Heading | Para | Pairs | Grid | Signatures] = [Para(LINE * lead)] if lead else []
    for heading, (kind, size) in zip(headings, sections, strict=False):
        blocks += [Heading(heading), _body(kind, size)]
    blocks += [
        Heading(headings[-2]),
        Para("未附证据材料。"),
        Heading(headings[-1]),
        Signatures(("身份", "姓名", "确认", "签名", "日期"), (("承办人", "张伟", "—"),)),
        Para("打印说明", small=True),
    ]
    _check(
        write_pdf(Document(title="表", blocks=tuple(blocks), footer=FOOTER), tmp_path / "t.pdf"),
        headings,
    )


def test_the_forms_last_sections_never_leave_a_heading_behind(tmp_path: Path) -> None:
    """The form's end, a section of one paragraph (未附证据材料。) and the signature table,
    after body text one line longer each time: every place the page can end is tried."""
    headings = ["八、证据材料清单", "九、签名栏"]
    for lead in range(75):
        blocks = (
            Para(LINE * lead),
            Heading(headings[0]),
            Para("未附证据材料。"),
            Heading(headings[1]),
            Signatures(("身份", "姓名", "确认", "签名", "日期"), (("承办人", "张伟", "—"),)),
            Para("打印说明", small=True),
        )
        document = Document(title="表", blocks=blocks, footer=FOOTER)
        _check(write_pdf(document, tmp_path / f"{lead}.pdf"), headings)


def _check(path: Path, headings: list[str]) -> None:
    pages = PdfReader(path).pages
    for number, page in enumerate(pages, 1):
        lines = [
            line.strip()
            for line in page.extract_text().splitlines()
            if line.strip() and FOOTER not in line and not line.strip().startswith("—")
        ]
        assert lines, number
        assert lines[-1] not in headings, (number, lines[-3:])
