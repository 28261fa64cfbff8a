"""Words people type or write that the intake reads: input grammar, not interface text.

The words of a position that may mean a retired cadre, the typed "none" at any question
and "no" at the Art. 9 question, and the official titles that name nobody
(``official_titles``: data in ``handlers/data/official-titles.txt``, as the words of a
unit's name are ``handlers.units``'). Each only ever makes a proposal or reads an answer;
the catalogs hold what the bot says.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

# Words in a position that say the cadre is retired (the question asks a retired cadre for
# the former post, "离退休的，请写原职务"): with one, 离退休 is presumed "yes" on the card.
RETIRED_WORDS = ("退休", "离休")
# The same words negated ("not yet retired"): whether retired is asked, never proposed.
NOT_RETIRED_WORDS = ("未退休", "没退休", "没有退休", "未离休", "没离休", "尚未离休")
# A former post (原副主席) at the start of the position or of one of its parts.
_FORMER_POST = re.compile(r"(?:^|[,，、;；\s(（])原")
# 原 anywhere else, or 前 (前任, 前局长): may mean retired, may mean moved: asked.
_MAYBE_RETIRED = ("原", "前")

# Typed at any question, "none" or "nobody": the natural answer to several questions in a
# row (no persons present, no court staff present), so never taken for an answer resent.
NONE_WORDS = frozenset({"无", "没有", "没有人", "无人", "none", "no", "nobody"})

# Typed at the Art. 9 question, "none of the items" (均不涉及), never "not serious" too:
# whether it is serious (Art. 7) is the judge's own answer, asked next.
NO_ITEM_WORDS = NONE_WORDS | {"否", "不涉及", "均不涉及", "0"}


def retired_position(position: str | None) -> bool | None:
    """Whether ``position`` as typed says a retired cadre (Art. 13 counts them alike): True
    when it says so (``已退休``, ``离休``, ``原副主席``: the question asks a retired cadre
    for the former post), None when it may or may not (``未退休``; a 原 inside it, as in
    ``县政协原主席`` or ``太原市…``; ``前局长``: then whether retired is asked), False when it
    says nothing of it.
    An empty position is None. Spaces and full-width forms are read as typed (NFKC)."""
    if not position:
        return None
    text = unicodedata.normalize("NFKC", position).strip()
    if any(word in text for word in NOT_RETIRED_WORDS):
        return None
    if any(word in text for word in RETIRED_WORDS) or _FORMER_POST.search(text):
        return True
    if any(word in text for word in _MAYBE_RETIRED):
        return None
    return False


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


@cache
def surnames() -> frozenset[str]:
    """The Chinese surnames of ``handlers/data/surnames.txt`` (百家姓 and common modern ones),
    single (王) and compound (欧阳, 司马)."""
    text = resources.files("handlers").joinpath("data", "surnames.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


COMPOUND_SURNAMES = frozenset(surname for surname in surnames() if len(surname) == 2)
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


ADDRESS_WORDS = ("同志",)
"""Words of address after a name (``周强同志``): they name nobody by themselves."""

_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|〔[^〔〕]*〕")
"""A bracketed note (``周强（刑庭）``), full-width brackets read as half-width (NFKC)."""


@cache
def _shortenings() -> tuple[tuple[str, str], ...]:
    """The rows of ``handlers/data/department-abbreviations.tsv``: (word, short)."""
    data = resources.files("handlers").joinpath("data", "department-abbreviations.tsv")
    lines = [line for line in data.read_text("utf-8").splitlines() if line.strip()]
    rows = [line.split("\t") for line in lines if not line.startswith("#")][1:]
    return tuple((row[0].strip(), row[1].strip() if len(row) > 1 else "") for row in rows)


@cache
def department_abbreviations(name: str) -> frozenset[str]:
    """The usual shortenings of a court department's ``name`` (``刑事审判庭`` → 刑庭, 刑事庭;
    ``民事审判第一庭`` → 民一庭, 民事一庭 …; ``行政审判庭`` → 行政庭; ``审判管理办公室`` →
    审管办): every name the rows of ``handlers/data/department-abbreviations.tsv`` give,
    applied in any number, of two characters or more, ``name`` itself not among them (立案庭,
    执行局 have none). Whitespace dropped, full-width forms read as typed (NFKC)."""
    start = "".join(unicodedata.normalize("NFKC", name).split())
    names = {start}
    for word, short in _shortenings():
        names |= {each.replace(word, short) for each in names if word in each}
    return frozenset(each for each in names if len(each) >= 2) - {start}


def name_readings(text: str, departments: Iterable[str]) -> list[str]:
    """The names ``text`` may be, typed with words around a person's name: ``text`` itself
    (whitespace dropped, NFKC), then what is left after removing bracketed notes (``_NOTE``)
    and, as often as they come, a department name of ``departments`` or its shortening
    (``department_abbreviations``: 刑庭, 民一庭) before or after, a word
    of address after (``ADDRESS_WORDS``), an official title before or after
    (``official_titles``). ``刑事审判庭周强``, ``周强（刑庭）``, ``周强同志``, ``院长陈静`` and
    ``陈静院长`` each read as their name among others; shortest-stripped first, never empty.
    Whose name a reading is (``storage.staff.person_key``) is the caller's to say."""
    start = "".join(unicodedata.normalize("NFKC", text).split())
    named = {"".join(unicodedata.normalize("NFKC", name).split()) for name in departments}
    affixes = sorted(
        named
        | {short for name in named for short in department_abbreviations(name)}
        | official_titles(),
        key=len,
        reverse=True,
    )
    affixes = [affix for affix in affixes if affix]
    readings = [start]
    seen = {start}
    for reading in readings:  # grows while read: each step shortens a reading
        noted = _NOTE.sub("", reading)
        shorter = [noted] if noted != reading else []
        shorter += [reading[: -len(word)] for word in ADDRESS_WORDS if reading.endswith(word)]
        for affix in affixes:
            if reading.startswith(affix):
                shorter.append(reading[len(affix) :])
            if reading.endswith(affix):
                shorter.append(reading[: -len(affix)])
        for kept in shorter:
            if kept and kept not in seen:
                seen.add(kept)
                readings.append(kept)
    return readings
