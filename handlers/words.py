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
