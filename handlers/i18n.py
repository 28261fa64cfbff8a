"""Message catalogs: every sentence a person reads comes from here.

Each language is a folder of TOML files under ``handlers/locale/``, read by the one catalog
loader (``storage.catalog``); their tables are flattened into dotted keys (``[access]
refused`` is ``access.refused``). A key may live in one file only, and both languages must
hold the same keys with the same placeholders: a test checks it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from functools import cache

from babel import Locale
from babel.dates import format_date, get_day_names

from storage.catalog import CatalogError as CatalogError
from storage.catalog import fill, load
from storage.lists import join_list
from storage.vocabulary import Language

DEFAULT = Language.ZH


@cache
def catalog(language: Language) -> dict[str, str]:
    """Every chat sentence of ``language``, by dotted key (``storage.catalog.load``), read at
    its first use: a court's bot starts in its own language and reads the other once asked."""
    return load("handlers", (language.value,))[language.value]


def catalogs() -> dict[Language, dict[str, str]]:
    """Every chat sentence of each language, by dotted key."""
    return {language: catalog(language) for language in Language}


def t(language: Language | str | None, key: str, /, **values: object) -> str:
    """The message ``key`` in ``language`` (the default when unknown), filled with ``values``
    (a plural choice as ``storage.catalog.Plurals`` reads it). Raises ``KeyError`` for an
    unknown key or a value the message needs and was not given."""
    try:
        lang = Language(language) if language else DEFAULT
    except ValueError:
        lang = DEFAULT
    template = catalog(lang)[key]
    if "{" in template:
        values = _single_brackets(template, values)
    return fill(lang.value, template, values)


_BRACKETS = {"\N{FULLWIDTH LEFT PARENTHESIS}": "\N{FULLWIDTH RIGHT PARENTHESIS}", "(": ")"}
_PLACEHOLDER = re.compile(r"\{(\w+)")


def _enclosed(value: str) -> bool:
    """Whether ``value`` is one bracketed phrase as a whole: ``（未填）``, ``(missing)``."""
    return any(
        value.startswith(left) and value.endswith(right) and value.count(left) == 1
        for left, right in _BRACKETS.items()
    )


def _single_brackets(template: str, values: dict[str, object]) -> dict[str, object]:
    """A value that is already in brackets (``（未填）``, ``（已跳过）``), put where the
    message already has it in brackets (``（{x}）``, ``（案件 {case}）``), is written without
    its own: never ``（（未填））`` nor ``（案件 （未填））``."""
    inside: set[str] = set()
    depth = 0
    at = 0
    for match in _PLACEHOLDER.finditer(template):
        for ch in template[at : match.start()]:
            if ch in _BRACKETS:
                depth += 1
            elif ch in _BRACKETS.values():
                depth = max(0, depth - 1)
        at = match.start()
        if depth:
            inside.add(match[1])
    return {
        name: value[1:-1]
        if name in inside and isinstance(value, str) and _enclosed(value)
        else value
        for name, value in values.items()
    }


def join(language: Language | str | None, items: Iterable[str], *, strong: bool = False) -> str:
    """A list as the language writes one: 甲、乙 / A, B (``storage.lists``, CLDR through
    Babel); ``strong`` for items that hold commas themselves: 甲；乙 / A; B."""
    if strong:
        return t(language, "common.strong_separator").join(items)
    try:
        lang = Language(language) if language else DEFAULT
    except ValueError:
        lang = DEFAULT
    return join_list(lang.value, items)


def weekday(language: Language | str | None, day: date) -> str:
    """``day``'s weekday, abbreviated as the language writes it (周五 / Fri): CLDR's names,
    through Babel."""
    try:
        lang = Language(language) if language else DEFAULT
    except ValueError:
        lang = DEFAULT
    names = get_day_names("abbreviated", locale=Locale.parse(lang.value, sep="-"))
    return str(names[day.weekday()])


def day_words(language: Language | str | None, day: date, *, year: bool = False) -> str:
    """``day`` as every message writes a date: 12月2日（周三） / Wed 2 Dec, with the year when
    ``year`` (2027年1月5日（周二） / Tue 5 Jan 2027). The one place dates are worded: the
    CLDR pattern is the catalog's ``time.day`` (``time.day_with_year``), filled by Babel's
    ``format_date``, so English never reads as month/day in one message and day/month in
    another."""
    try:
        lang = Language(language) if language else DEFAULT
    except ValueError:
        lang = DEFAULT
    pattern = t(lang, "time.day_with_year" if year else "time.day")
    return str(format_date(day, pattern, locale=Locale.parse(lang.value, sep="-")))


def parse_language(text: str) -> Language | None:
    """A language from what a person might type: zh, zh-CN, 中文, en, English."""
    aliases = {
        "zh": Language.ZH,
        "zh-cn": Language.ZH,
        "zh_cn": Language.ZH,
        "中文": Language.ZH,
        "简体中文": Language.ZH,
        "en": Language.EN,
        "english": Language.EN,
        "英文": Language.EN,
    }
    return aliases.get(text.strip().lower())


@cache
def words(key: str, fold: Callable[[str], str] = str.casefold) -> frozenset[str]:
    """The words of catalog entry ``key`` (separated by ``|``) in every language, each as
    ``fold`` reads it (casefolded by default): what a person may type for it whichever
    language their chat is set to. The one reading of the typed words of ``[words]``."""
    return frozenset(
        fold(word.strip())
        for language in Language
        for word in catalog(language)[key].split("|")
        if word.strip()
    )
