"""Words people type or write that the intake reads: input grammar, not interface text.

The words of a position that may mean a retired cadre and the typed "no" at the Art. 9
question (the words of a unit's name are ``handlers.units``' data). Each only ever makes a
proposal or reads an answer; the catalogs hold what the bot says.
"""

from __future__ import annotations

# Words in a position that may mean a retired cadre (the question asks for the former post):
# with one of them, whether retired is asked, never proposed.
RETIRED_WORDS = ("退休", "离休", "原")

# Typed at the Art. 9 question, "none of the items" (均不涉及), never "not serious" too:
# whether it is serious (Art. 7) is the judge's own answer, asked next.
NO_ITEM_WORDS = frozenset({"无", "没有", "否", "不涉及", "均不涉及", "none", "no", "0"})
