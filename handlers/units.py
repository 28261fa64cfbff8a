"""Work units and positions as people write them: the Art. 13 category a unit's name
suggests, and whether an inquirer may be a principal leader of the court's own-level party
committee or political-legal committee (Art. 7).

The words are data (``handlers/data/unit-words.tsv``): a unit's category is the category of
the longest word its name contains, so an abbreviation (发改委, 县委, 工商联) is one more row.
Art. 7's presumption follows one rule: it never defaults to the answer that keeps the
article silent. It is "yes" for a principal leader (书记, 主任) of the committee of the
court's own place, "no" only where the unit or the position rules Art. 7 out, and otherwise
there is none, so the question is asked outright.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

from storage.casenumber import court_name
from storage.vocabulary import UnitCategory


class Art7Role(StrEnum):
    """What a word says of its unit under Art. 7 (the TSV's ``art7`` column)."""

    NONE = ""
    COMMITTEE = "committee"
    DEPARTMENT = "department"
    PREFIX = "prefix"


@dataclass(frozen=True, slots=True)
class UnitWord:
    """One row of the unit words: ``word`` in a name suggests ``category``."""

    word: str
    category: UnitCategory
    art7: Art7Role


@cache
def unit_words() -> tuple[UnitWord, ...]:
    """The packaged unit words, in the table's order."""
    text = resources.files("handlers").joinpath("data", "unit-words.tsv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows: list[UnitWord] = []
    for line in lines[1:]:
        word, category, art7 = [*line.split("\t"), "", ""][:3]
        rows.append(UnitWord(word.strip(), UnitCategory(category.strip()), Art7Role(art7.strip())))
    return tuple(rows)


def _normal(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _prefix(name: str) -> tuple[str, bool]:
    """``name`` without a party prefix (中共温县委员会 → 温县委员会), and whether it had one."""
    for row in sorted(unit_words(), key=lambda row: -len(row.word)):
        if row.art7 is Art7Role.PREFIX and name.startswith(row.word):
            return name[len(row.word) :], True
    return name, False


def _word_in(name: str) -> UnitWord | None:
    """The longest non-prefix word ``name`` contains; of equal lengths, the one that comes
    first in the name (政协温县委员会: 政协, not 县委), then the table's first."""
    found = [row for row in unit_words() if row.art7 is not Art7Role.PREFIX and row.word in name]
    return min(found, key=lambda row: (-len(row.word), name.find(row.word)), default=None)


def guess_category(unit: str | None) -> UnitCategory | None:
    """The Art. 13 category a unit's name suggests (``温县发改委`` → 行政机关, ``中共温县县委`` →
    党的机关, ``温县工商联`` → 社会团体); None when the name says nothing. Only ever proposed."""
    if not unit:
        return None
    rest, prefixed = _prefix(_normal(unit))
    found = _word_in(rest)
    if found is not None:
        return found.category
    return UnitCategory.PARTY if prefixed else None


OFFICE_TAILS: Final = (
    "办公室",
    "委员会",
    "分局",
    "支队",
    "大队",
    "中队",
    "中心",
    "办",
    "室",
    "科",
    "股",
    "处",
    "队",
    "站",
    "所",
    "组",
)
"""What follows a unit's word within its name (县政府办公室, 交通局办公室, 公安局交警大队)."""


def unit_head(text: str) -> tuple[str, str]:
    """``text`` split after the unit it begins with, up to the end of the last unit word in
    it (``unit_words``) and the office names that follow (``OFFICE_TAILS``), and what comes
    after: ``交通局`` → (交通局, ""), ``县政府办公室`` → (县政府办公室, ""), ``县委李`` → (县委,
    李); a name with a party prefix (中共…) is a unit whole; ("", text) when no unit word is
    in it."""
    normal = _normal(text)
    if _prefix(normal)[1]:  # 中共温县委员会: a party body's name, whatever its words
        return normal, ""
    ends = [
        normal.rfind(row.word) + len(row.word)
        for row in unit_words()
        if row.art7 is not Art7Role.PREFIX and row.word in normal
    ]
    if not ends:
        return "", normal
    end = max(ends)
    while tail := next((t for t in OFFICE_TAILS if normal.startswith(t, end)), ""):
        end += len(tail)
    return normal[:end], normal[end:]


# -- the court's own place (Art. 7: 同级) ----------------------------------------------------

_COURT_SUFFIX: Final = re.compile(r"(?:第[一二三四五六七八九十]+)?(?:高级|中级)?人民法院$")
_ADMIN: Final = "(?:特别行政区|自治区|自治州|自治县|自治旗|省|市|县|区|旗|盟)"
_ADMIN_UNIT: Final = re.compile(f".+?{_ADMIN}")
_ADMIN_SUFFIX: Final = re.compile(f"{_ADMIN}$")


@cache
def court_places(code: str, name: str) -> frozenset[str]:
    """The names of the court's own place, as a unit's name may spell it: ``豫0825`` or
    ``温县人民法院`` → {温县}; ``河南省焦作市中级人民法院`` → {河南省焦作市, 焦作市, 焦作};
    ``郑州市中原区人民法院`` → {郑州市中原区, 中原区, 中原}. The court's code names it by the
    SPC court table (``storage.casenumber.court_name``), else ``name`` does; empty when
    neither names a place (最高人民法院, a railway court)."""
    full = (court_name(code.strip()) if code.strip() else None) or name.strip()
    if not _COURT_SUFFIX.search(full):
        return frozenset()
    region = _COURT_SUFFIX.sub("", full)
    if not region:
        return frozenset()
    parts = _ADMIN_UNIT.findall(region)
    last = parts[-1] if parts else region
    places = {region, last}
    stem = _ADMIN_SUFFIX.sub("", last)
    if len(stem) >= 2:
        places.add(stem)
    return frozenset(places)


class Level(StrEnum):
    """Whose committee a unit is, under Art. 7."""

    OWN = "own"
    """The party committee or political-legal committee of the court's own place."""
    OTHER = "other"
    """A committee, of another place, or of a place the name does not say (县委, 政法委)."""
    NOT_COMMITTEE = "not_committee"
    """Not a committee: another kind of unit, or a body under a committee (组织部, 纪委)."""
    UNKNOWN = "unknown"
    """Nothing recognised in the name."""


_LEVEL_LETTERS: Final = "省市县区州旗盟"


def committee_level(unit: str, places: frozenset[str]) -> Level:
    """Whether ``unit`` is a party committee or political-legal committee, and whose
    (``places``: ``court_places``). A committee's name is a place, then its committee word,
    then nothing but ``员会`` (温县委员会); a place before 政法委 may itself be a committee's
    name (中共温县县委政法委员会)."""
    rest, prefixed = _prefix(_normal(unit))
    found = _word_in(rest)
    if found is None:
        return Level.OTHER if prefixed else Level.UNKNOWN
    if found.art7 is not Art7Role.COMMITTEE:
        return Level.NOT_COMMITTEE
    return Level.OWN if _place_of(rest, found.word) & places else Level.OTHER


def _place_of(name: str, word: str) -> set[str]:
    """The spellings of the place a committee's ``name`` opens with, before ``word``; empty
    when the name has anything after the word but ``员会`` (a body under the committee)."""
    at = name.rfind(word)
    tail = name[at + len(word) :]
    if tail not in ("", "员会"):
        return set()
    place = name[:at]
    if not place:
        return set()
    inner = _word_in(place)
    if (
        inner is not None
        and inner.art7 is Art7Role.COMMITTEE
        and place.endswith((inner.word, inner.word + "员会"))
    ):
        return _place_of(place, inner.word) | {place}
    spellings = {place}
    if word[0] in _LEVEL_LETTERS:
        spellings.add(place + word[0])
    return spellings


# -- the position -------------------------------------------------------------------------

PRINCIPAL_TITLES: Final = ("书记", "主任")
"""A committee's principal leader's titles (党委书记, 政法委书记; 主任 where one heads it)."""
_DEPUTY: Final = re.compile(r"副(?:书记|主任)")
_RETIRED: Final = ("退休", "离休", "原", "前")
_ACTING: Final = ("主持", "代理", "代")
_NOT_PRINCIPAL: Final = ("常委", "委员", "秘书长", "部长", "科长", "科员", "干事", "秘书", "办公室")


def principal(position: str | None) -> bool | None:
    """Whether ``position`` names a principal leader: True for 书记, 主任 (not 副书记);
    False for a deputy or another post (常委, 秘书长); None when it cannot tell (empty, a
    former or acting post, nothing recognised)."""
    if not position:
        return None
    text = _normal(position)
    if any(word in text for word in (*_RETIRED, *_ACTING)):
        return None
    if any(title in _DEPUTY.sub("", text) for title in PRINCIPAL_TITLES):
        return None if "办公室" in text else True
    if _DEPUTY.search(text) or any(word in text for word in _NOT_PRINCIPAL):
        return False
    return None


def _units_in(unit: str, position: str) -> Iterator[str]:
    """The unit, and when the position names a committee of its own (unit 温县, position
    县委书记) that committee, with the unit's name before it and alone."""
    yield unit
    if position:
        head = _DEPUTY.sub("", _normal(position))
        for title in PRINCIPAL_TITLES:
            head = head.replace(title, "")
        if head and _word_in(head) is not None:
            yield _normal(unit) + head
            yield head


def presume_main_leader(
    unit: str | None,
    position: str | None,
    category: str | None,
    places: frozenset[str],
) -> bool | None:
    """Art. 7's 同级党委/政法委主要领导 as presumed: True for a principal leader of the
    court's own place's committee, False where the unit (another category, a department of a
    committee) or the position (a deputy, another post) rules it out, None when unsure:
    then the question is asked, never answered "no" by default."""
    if not unit:
        return None
    text = position or ""
    levels = {committee_level(name, places) for name in _units_in(unit, text)}
    leader = principal(text)
    if Level.OWN in levels:
        return True if leader else (False if leader is False else None)
    if Level.OTHER in levels:
        return False if leader is False else None
    kind = category or (guess.value if (guess := guess_category(unit)) else None)
    if kind is None:
        return None
    if kind != UnitCategory.PARTY:
        return False
    return False if Level.NOT_COMMITTEE in levels else None


AIDE_WORDS = ("秘书", "司机", "助理", "警卫", "身边工作人员", "secretary", "driver", "assistant")
"""Words of a position that is a cadre's aide, not the cadre: such an inquirer is most likely
the intermediary, so no "本人直接" (in person) is presumed."""


def reads_as_aide(position: str | None) -> bool:
    """Whether ``position`` names a cadre's aide (``AIDE_WORDS``: 县长秘书, 司机)."""
    if not position:
        return False
    return any(word in position.casefold() for word in AIDE_WORDS)


_AIDE_PHRASE = re.compile(
    r"^(?P<cadre>.+?)的(?P<relation>秘书|司机|助理|警卫|身边工作人员)(?P<aide>.+)$"
)
"""``X的秘书Y``: Y, an aide (``AIDE_WORDS``) of the cadre X."""


def aide_phrase(text: str) -> tuple[str, str, str] | None:
    """``text`` read as an aide of a cadre named (``王书记的秘书小李``): (the cadre, the
    relation, the aide) = (``王书记``, ``秘书``, ``小李``), whitespace dropped and full-width
    forms read as typed (NFKC); None when ``text`` is no such phrase (a part empty). Art. 2:
    the inquirer is the cadre on whose behalf, the aide the intermediary."""
    normal = "".join(unicodedata.normalize("NFKC", text).split())
    found = _AIDE_PHRASE.match(normal)
    if found is None:
        return None
    return found["cadre"], found["relation"], found["aide"]
