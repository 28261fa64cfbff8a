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
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Final

from handlers.words import COMPOUND_SURNAMES, official_titles, surnames
from storage.casenumber import court_name, place_names
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


# -- a person written with their unit and title ---------------------------------------------

PART_SEPARATORS: Final = re.compile(r"[\s,、;；]+")
"""What a judge puts between a name, a unit and a title (after NFKC: spaces of either width,
commas ``，`` ``,``, the enumeration comma ``、``, semicolons)."""
NAME_DOTS: Final = "·•・"
"""The middle dots of transcribed names (``阿依古丽·买买提``)."""
ROLE_WORDS: Final = frozenset({"代表", "干部", "同志", "职工", "工作人员"})
"""Words after a unit that name a role, not a person (第二十三届人大代表, 县委干部); the
titles are ``words.official_titles``."""
NAME_LENGTH: Final = range(2, 5)
"""A Chinese name without a middle dot: two to four characters (李明, 欧阳建华)."""


@dataclass(frozen=True, slots=True)
class PersonParts:
    """A person's answer read as parts: ``name`` always, ``unit`` and ``title`` ("" when not
    written)."""

    name: str
    unit: str
    title: str
    joined: bool = field(default=False, compare=False)
    """Whether the name runs straight into the unit, where it ends not written."""


def _han(text: str) -> bool:
    return bool(text) and all(unicodedata.name(c, "").startswith("CJK UNIFIED") for c in text)


def plain_name(text: str) -> bool:
    """Whether ``text`` (normalised, no spaces) reads as a person's full name alone: two to
    four Chinese characters (not a two-character surname alone, ``欧阳``), or Chinese runs
    joined by middle dots (``NAME_DOTS``), with no
    unit word (``unit_head``) and no official title ending it (``王局长`` is a surname and a
    title, ``words.COMPOUND_SURNAMES``)."""
    if text in COMPOUND_SURNAMES or text in ROLE_WORDS:  # 欧阳 alone, 人大 + 代表
        return False
    runs = re.split(f"[{NAME_DOTS}]", text)
    if len(runs) == 1 and len(text) not in NAME_LENGTH:
        return False
    if not all(_han(run) for run in runs) or unit_head(text)[0]:
        return False
    return not any(text.endswith(title) for title in official_titles())


def _unit_ends(text: str) -> dict[int, bool]:
    """Where a unit ``text`` begins with may end, when what comes before reads as a unit
    whole: after each unit word (``unit_words``) and the office names that follow it
    (``OFFICE_TAILS``), each mapped to whether all of those are taken (True, as
    ``unit_head`` does) or not yet (False: 交通局 before 队长)."""
    if _prefix(text)[1]:
        return {len(text): True}
    ends: dict[int, bool] = {}
    for row in unit_words():
        if row.art7 is Art7Role.PREFIX:
            continue
        for found in re.finditer(re.escape(row.word), text):
            steps = [found.end()]
            while tail := next((t for t in OFFICE_TAILS if text.startswith(t, steps[-1])), ""):
                steps.append(steps[-1] + len(tail))
            for end in steps:
                if unit_head(text[:end]) == (text[:end], ""):
                    ends[end] = ends.get(end, False) or end == steps[-1]
    return ends


def _longer_title(name: str, title: str) -> bool:
    """Whether a longer title than ``title`` ends ``name`` + ``title`` (王副 + 主任: 副主任), so
    the name is shorter than read."""
    joined = name + title
    return any(len(t) > len(title) and joined.endswith(t) for t in official_titles())


@cache
def _segment(text: str, after_name: bool = False) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Every reading of one run between separators as (kind, text) parts in order — titles,
    units (``_unit_ends``), full names (``plain_name``); only a title straight after a name
    (``after_name``: where a name ends and a unit or another name begins is not written)."""
    if not text:
        return ((),)
    found: list[tuple[tuple[str, str], ...]] = []
    starting = [title for title in official_titles() if text.startswith(title)]
    if starting:  # the longest title only: 主任科员, not 主任 and a name 科员
        title = max(starting, key=len)
        found += [(("title", title), *parts) for parts in _segment(text[len(title) :])]
    words = [
        found.span()
        for word in (
            *(row.word for row in unit_words() if row.art7 is not Art7Role.PREFIX),
            *OFFICE_TAILS,
        )
        for found in re.finditer(re.escape(word), text)
    ]

    def goes_on(end: int, kind: str, part: str) -> bool:
        """Whether the unit's own words (and office names, ``OFFICE_TAILS``) go on into the
        part after it: a word ending inside a name (县人大 + 常委会, 县委 + 员会), or running
        past a title's end (县人大 + 常委 + 会)."""
        stop = end + len(part)
        return any(
            start < stop < last or (kind == "name" and end < last <= stop) for start, last in words
        )

    for end, full in ({} if after_name else _unit_ends(text)).items():
        if any(end < len(title) for title in starting):
            continue  # 局 inside 局长: the title opening it, not a unit
        found += [
            (("unit", text[:end]), *parts)
            for parts in _segment(text[end:])
            if (full and not parts) or (parts and not goes_on(end, *parts[0]))
            if full or parts[0][0] == "title"  # 交通局 + 队长, never 县政府办 + 公室
        ]
    for name, unit_first in () if after_name else _joined(text):
        found += [(("name", name), *parts) for parts in unit_first]
    for end in () if after_name else range(2, len(text) + 1):
        if plain_name(text[:end]):
            rest = _segment(text[end:], after_name=True)
            found += [
                (("name", text[:end]), *parts)
                for parts in rest
                if not parts or not _longer_title(text[:end], parts[0][1])
            ]
    return tuple(found)


LEVEL_WORDS: Final = "省市县区州旗盟乡镇"
"""A place's level: what no given name ends with (李明市 is 李明 and 市…), and what a unit's
name may open with (县交通局, 市人大常委会)."""
UNIT_OPENINGS: Final = (*LEVEL_WORDS, "某")
"""What else a unit's name may open with: a level (县交通局), 某 for a place not named."""
GIVEN_LENGTH: Final = range(1, 3)
"""A given name's characters after the surname, where a name runs straight into a unit."""


def _opening(unit: str) -> int | None:
    """How well where ``unit`` begins reads as the start of a unit's name: 0 for a place of
    the SPC court table (``storage.casenumber.place_names``: 温县, 焦作市), 1 for a level or
    某 (``UNIT_OPENINGS``), a party prefix (中共) or a unit word (``unit_words``: 人大常委会,
    公司), 2 for anything else; None for a name that cannot be a unit's (one character before
    its first unit word: 通局)."""
    if any(unit[:k] in place_names() for k in range(2, len(unit))):
        return 0
    words = [row.word for row in unit_words() if row.word in unit]
    if unit.startswith(UNIT_OPENINGS) or any(unit.startswith(word) for word in words):
        return 1
    first = min((unit.find(word) for word in words), default=0)
    return 2 if first >= 2 else None


def person_name(name: str) -> bool:
    """Whether ``name`` (normalised, no spaces) reads as a person's full name as people are
    named: a surname (``words.surnames``: 王, 欧阳) and one or two characters
    (``GIVEN_LENGTH``), none of them a level (``LEVEL_WORDS``: 温县某委 is a unit's) and not
    opening with a place longer than its surname (``storage.casenumber.place_names``:
    周口); or Chinese runs joined by a middle dot (``NAME_DOTS``: 阿依古丽·买买提). Stricter
    than ``plain_name``, which any two to four characters pass."""
    if not plain_name(name):
        return False
    if any(dot in name for dot in NAME_DOTS):
        return True
    return any(
        len(name) - len(surname) in GIVEN_LENGTH
        and not any(letter in LEVEL_WORDS for letter in name)
        and not any(name[:k] in place_names() for k in range(len(surname) + 1, len(name) + 1))
        for surname in surnames()
        if name.startswith(surname)
    )


def _joined(text: str) -> list[tuple[str, tuple[tuple[tuple[str, str], ...], ...]]]:
    """The names ``text`` may open with where a unit is written straight after (刘建华县交通局,
    李明市人大常委会副主任), each with its readings of the rest that open with that unit
    (``_segment``): a person's name (``person_name``: a surname and one or two characters,
    no level among them, 李明市 is 李明 and 市…), the unit opening best (``_opening``) of
    all; none where ``text`` opens with a place longer than a surname (张家口市…, 温县…: a
    unit's name whole)."""
    starting = sorted(surname for surname in surnames() if text.startswith(surname))
    longest = max(map(len, starting), default=0)
    if not starting or any(text[:k] in place_names() for k in range(longest + 1, 9)):
        return []
    found: list[tuple[int, str, tuple[tuple[tuple[str, str], ...], ...]]] = []
    for surname in starting:
        for given in GIVEN_LENGTH:
            name = text[: len(surname) + given]
            if len(name) == len(text) or not person_name(name):
                continue
            opening = _opening(text[len(name) :])
            readings = tuple(
                parts for parts in _segment(text[len(name) :]) if parts and parts[0][0] == "unit"
            )
            if opening is not None and readings:
                found.append((opening, name, readings))
    best = min((opening for opening, _, _ in found), default=None)
    return [(name, readings) for opening, name, readings in found if opening == best]


def person_readings(text: str) -> tuple[PersonParts, ...]:
    """``text`` read as a full name with, in any order, a unit and an official title:
    separated by ``PART_SEPARATORS`` or by nothing (``刘建华 县交通局 局长``, ``李明，县交通局
    局长``, ``县交通局 李明 局长``, ``交通局李明``, ``局长 李明``, ``刘建华县交通局``). Each
    reading has exactly one full name (``plain_name``) and at most one unit and one title and
    nothing else, with the most parts of all; empty when there is none. A name run straight
    into a unit after it (``_joined``) is read where a surname opens it and nothing else reads
    (王建华副县委书记 is a name and a title), and may be read in more than one way
    (``PersonParts.joined``: where the name ends is not written)."""
    normal = unicodedata.normalize("NFKC", text).strip()
    readings: list[tuple[tuple[str, str], ...]] = [()]
    for run in PART_SEPARATORS.split(normal):
        readings = [(*done, *parts) for done in readings for parts in _segment(run)]
        readings = [parts for parts in readings if len({kind for kind, _ in parts}) == len(parts)]
    found = [
        PersonParts(
            read["name"],
            read.get("unit", ""),
            read.get("title", ""),
            joined=bool(read.get("unit")) and read["name"] + read["unit"] in normal,
        )
        for read in map(dict, dict.fromkeys(readings))
        if "name" in read
    ]
    written = [read for read in found if not read.joined] or found
    most = max((bool(read.unit) + bool(read.title) for read in written), default=0)
    return tuple(read for read in written if bool(read.unit) + bool(read.title) == most)


def unit_alone(text: str) -> bool:
    """Whether ``text`` reads as a unit's name and nothing else (``县交通局``, ``市人大常委会``):
    ``unit_head`` takes it whole, and no person opens it, neither a full name
    (``person_readings``: 刘建华县交通局) nor a surname alone before its first unit word
    (``王局``: a name as a judge may know one)."""
    normal = _normal(text)
    if not normal or unit_head(normal) != (normal, "") or person_readings(normal):
        return False
    if _prefix(normal)[1]:
        return True
    first = min(normal.find(row.word) for row in unit_words() if row.word in normal)
    return normal[:first] not in surnames()


def person_parts(text: str) -> PersonParts | None:
    """``text`` read as a full name with a unit and an official title (``person_readings``)
    when it reads so in exactly one way; None otherwise."""
    readings = person_readings(text)
    return readings[0] if len(readings) == 1 else None
