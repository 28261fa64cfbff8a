"""The form's evidence list: every file listed, a shared caption said once for its group,
byte-identical files marked as duplicates of the first (Art. 3; evidence is never dropped)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from test_reports_support import BEIJING

from reports.document import Grid, Para
from reports.facts import EvidenceLine
from reports.form import duplicates, evidence_blocks, numbers_words
from reports.text import tr
from storage.vocabulary import Language

AT = datetime(2026, 11, 30, 2, tzinfo=UTC)
DIGESTS = ("a" * 64, "b" * 64, "c" * 64)
CAPTIONS = (None, "十二张截图", "李明发来的微信")


def line(sha256: str | None, caption: str | None) -> EvidenceLine:
    return EvidenceLine(
        name="截图.png",
        kind="image",
        mime="image/png",
        size=3000,
        sha256=sha256,
        received_at=AT,
        damaged=False,
        unavailable=None if sha256 else "over_cap",
        caption=caption,
    )


def numbers_in(words: str, language: Language) -> list[int]:
    """The item numbers ``numbers_words`` wrote, ranges expanded."""
    out: list[int] = []
    for part in words.split(tr(language, "form.evidence_numbers_separator")):
        ends = [int(n) for n in re.findall(r"\d+", part)]
        out += list(range(ends[0], ends[-1] + 1))
    return out


items = st.lists(
    st.tuples(st.sampled_from((*DIGESTS, None)), st.sampled_from(CAPTIONS)),
    min_size=1,
    max_size=14,
)


@given(items, st.sampled_from(tuple(Language)))
def test_each_file_is_listed_each_caption_said_once_each_duplicate_marked(
    spec: list[tuple[str | None, str | None]], language: Language
) -> None:
    evidence = [line(sha, caption) for sha, caption in spec]
    blocks = evidence_blocks(evidence, language, BEIJING)
    grid = blocks[0]
    assert isinstance(grid, Grid)
    assert [row[0] for row in grid.rows] == [str(n) for n in range(1, len(evidence) + 1)]
    paras = [block.text for block in blocks[1:] if isinstance(block, Para)]
    for caption in {c for _, c in spec if c}:
        said = [text for text in paras if f"“{caption}”" in text or f'"{caption}"' in text]
        assert len(said) == 1, (caption, paras)
        prefix = said[0].split("：" if language is Language.ZH else ": ")[0]
        named = numbers_in(prefix, language)
        assert named == [n for n, (_, c) in enumerate(spec, 1) if c == caption]
    first: dict[str, int] = {}
    for n, (sha, _) in enumerate(spec, 1):
        kind = grid.rows[n - 1][2]
        if sha is not None and sha in first:
            assert tr(language, "form.duplicate_of", n=first[sha]) in kind
        else:
            assert not any(tr(language, "form.duplicate_of", n=k) in kind for k in range(1, n + 1))
            if sha is not None:
                first[sha] = n
    assert duplicates(evidence) == {
        n: first[sha] for n, (sha, _) in enumerate(spec, 1) if sha and first[sha] != n
    }


def test_an_album_of_twelve_identical_files_with_one_caption() -> None:
    evidence = [line(DIGESTS[0], "十二张截图") for _ in range(12)]
    blocks = evidence_blocks(evidence, Language.ZH, BEIJING)
    texts = [block.text for block in blocks if isinstance(block, Para)]
    assert texts == [
        "证据 1至12：随附文字“十二张截图”",
        tr(Language.ZH, "form.evidence_duplicates", n="2至12", count=11, first=1),
    ]
    grid = blocks[0]
    assert isinstance(grid, Grid)
    assert len(grid.rows) == 12
    assert all("（与证据 1 相同）" in row[2] for row in grid.rows[1:])
    assert "相同" not in grid.rows[0][2]


def test_numbers_words() -> None:
    assert numbers_words([1, 2], Language.EN) == "1, 2"
    assert numbers_words([1, 2, 3, 5, 7, 8, 9, 10], Language.EN) == "1–3, 5, 7–10"
    assert numbers_words([4], Language.ZH) == "4"
    assert numbers_words([1, 2, 3, 6], Language.ZH) == "1至3、6"
