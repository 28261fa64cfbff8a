"""Words people type or write that the intake reads: input grammar, not interface text.

The unit category a unit's name suggests (Art. 13), the words of a position that may mean a
retired cadre, and the typed "no" at the Art. 9 question. Each only ever makes a proposal or
reads an answer; the catalogs hold what the bot says.
"""

from __future__ import annotations

from storage.vocabulary import UnitCategory

# Art. 13's unit category read from the unit's name: the first word the name contains (the
# more particular words first: 人大常委会 before 委员会-like endings). A name none contains
# has no proposal, and the question is asked.
CATEGORY_WORDS: tuple[tuple[str, UnitCategory], ...] = (
    ("检察院", UnitCategory.PROCURATORATE),
    ("人大常委会", UnitCategory.CONGRESS),
    ("人民代表大会", UnitCategory.CONGRESS),
    ("政协", UnitCategory.CPPCC),
    ("政治协商会议", UnitCategory.CPPCC),
    ("纪律检查委员会", UnitCategory.PARTY),
    ("纪委", UnitCategory.PARTY),
    ("政法委", UnitCategory.PARTY),
    ("组织部", UnitCategory.PARTY),
    ("宣传部", UnitCategory.PARTY),
    ("统战部", UnitCategory.PARTY),
    ("党委", UnitCategory.PARTY),
    ("军分区", UnitCategory.MILITARY),
    ("人民武装部", UnitCategory.MILITARY),
    ("人民政府", UnitCategory.GOVERNMENT),
    ("政府", UnitCategory.GOVERNMENT),
    ("发展和改革委员会", UnitCategory.GOVERNMENT),
    ("公安局", UnitCategory.GOVERNMENT),
    ("局", UnitCategory.GOVERNMENT),
    ("厅", UnitCategory.GOVERNMENT),
    ("有限公司", UnitCategory.COMPANY),
    ("公司", UnitCategory.COMPANY),
    ("协会", UnitCategory.SOCIAL_ORGANISATION),
    ("学会", UnitCategory.SOCIAL_ORGANISATION),
    ("商会", UnitCategory.SOCIAL_ORGANISATION),
)

# Words in a position that may mean a retired cadre (the question asks for the former post):
# with one of them, whether retired is asked, never proposed.
RETIRED_WORDS = ("退休", "离休", "原")

# Typed at the Art. 9 question, "none of the items" (均不涉及), never "not serious" too:
# whether it is serious (Art. 7) is the judge's own answer, asked next.
NO_ITEM_WORDS = frozenset({"无", "没有", "否", "不涉及", "均不涉及", "none", "no", "0"})
