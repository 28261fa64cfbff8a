"""Words people type or write that the intake reads: input grammar, not interface text.

The words of a position that may mean a retired cadre, the typed "none" at any question
and "no" at the Art. 9 question, and the official titles that name nobody
(``official_titles``: data in ``handlers/data/official-titles.txt``, as the words of a
unit's name are ``handlers.units``'). Each only ever makes a proposal or reads an answer;
the catalogs hold what the bot says.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources

# Words in a position that may mean a retired cadre (the question asks for the former post):
# with one of them, whether retired is asked, never proposed.
RETIRED_WORDS = ("退休", "离休", "原")

# Typed at any question, "none" or "nobody": the natural answer to several questions in a
# row (no persons present, no court staff present), so never taken for an answer resent.
NONE_WORDS = frozenset({"无", "没有", "没有人", "无人", "none", "no", "nobody"})

# Typed at the Art. 9 question, "none of the items" (均不涉及), never "not serious" too:
# whether it is serious (Art. 7) is the judge's own answer, asked next.
NO_ITEM_WORDS = NONE_WORDS | {"否", "不涉及", "均不涉及", "0"}


@cache
def official_titles() -> frozenset[str]:
    """The official titles of ``handlers/data/official-titles.txt``, with their 副 forms."""
    text = resources.files("handlers").joinpath("data", "official-titles.txt").read_text("utf-8")
    titles = {line.strip() for line in text.splitlines()}
    titles = {title for title in titles if title and not title.startswith("#")}
    return frozenset(titles | {"副" + title for title in titles if not title.startswith("副")})


def bare_title(text: str) -> bool:
    """Whether ``text`` is an official title alone (``局长``, ``副市长``), naming nobody: no
    surname or name with it (``王局长`` is a name as a judge may know one). Spaces and
    full-width forms are read as typed otherwise (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", text).split()) in official_titles()


COMPOUND_SURNAMES = frozenset(
    {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "司徒", "夏侯", "尉迟"}
    | {"公孙", "长孙", "宇文", "轩辕", "端木", "独孤", "南宫", "西门", "呼延", "澹台", "万俟"}
)
"""Two-character surnames: ``欧阳局长`` is a surname with a title, as ``王局长`` is."""


def title_at_end(text: str) -> tuple[str, str] | None:
    """``text`` split before the longest official title (``official_titles``) that ends it:
    ``刘建华局长`` → (``刘建华``, ``局长``), ``交通局副局长`` → (``交通局``, ``副局长``); None
    when no title ends it, when nothing comes before the title (a title alone,
    ``bare_title``), or when only a surname does (``王局长``, ``欧阳局长``: a name as a judge
    may know one, ``COMPOUND_SURNAMES``). Spaces and full-width forms as in ``bare_title``.
    Whether what comes before is a unit is ``handlers.units.unit_head``'s to say."""
    normal = "".join(unicodedata.normalize("NFKC", text).split())
    if normal in official_titles():
        return None
    for title in sorted(official_titles(), key=len, reverse=True):
        if normal.endswith(title) and len(normal) > len(title):
            before = normal[: -len(title)]
            if len(before) == 1 or before in COMPOUND_SURNAMES:
                return None
            return before, title
    return None
