"""The words printed on forms and reports, in both languages.

``reports/`` sits below ``handlers/`` and may not use the chat's catalogs, so its documents
keep a catalog of their own: ``reports/locale/<language>.toml``, read by the one loader
(``storage.catalog``) and flattened into dotted keys
like the chat's (``[field] case_name`` is ``field.case_name``). Both languages hold the same
keys with the same placeholders; a test checks it. Vocabulary values (channels, unit
categories, Art. 9 items) are named by ``storage.vocabulary``, so a document and a chat
message never disagree about what a code means.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache, lru_cache

from storage.catalog import fill, load
from storage.vocabulary import ART9_LABELS, LABELS, Language, at_start


@cache
def catalog(language: Language) -> dict[str, str]:
    """Every document text of ``language``, by dotted key (``storage.catalog.load``)."""
    return load("reports", tuple(lang.value for lang in Language))[language.value]


def tr(language: Language, key: str, /, **values: object) -> str:
    """The document text ``key`` in ``language``, filled with ``values`` (a plural choice,
    ``{n:one=record|other=records}``, as ``storage.catalog.Plurals`` reads it)."""
    return fill(language.value, catalog(language)[key], values)


@lru_cache(maxsize=256)  # a report asks for yes, no and a milestone's state per record
def word(language: Language, key: str, /) -> str:
    """The document text ``key`` in ``language`` that takes no values (:func:`tr`)."""
    return tr(language, key)


@lru_cache(maxsize=4096)  # a report asks it for each of a quarter's records
def vocab(
    enum: type[StrEnum], value: str | None, language: Language, *, in_sentence: bool = False
) -> str:
    """A stored vocabulary value as words; an unknown value is shown as stored, never lost.

    As a document prints it in a table cell or as a label's value, its first letter a capital
    (``storage.vocabulary.at_start``: ``People's congress``); ``in_sentence``: as written inside
    a sentence (``people's congress``)."""
    if value is None:
        return ""
    try:
        member = enum(value)
    except ValueError:
        return value
    names = LABELS.get(member)
    if not names:
        return value
    return names[language] if in_sentence else at_start(names[language])


def art9_name(item: int, language: Language) -> str:
    """The Art. 9 special item ``item`` (1–14) by its name; the number itself when unknown."""
    names = ART9_LABELS.get(item)
    return names[language] if names else str(item)


def numeral(n: int, language: Language) -> str:
    """A section number as the language writes it (一、二、 in Chinese documents)."""
    names = tr(language, "common.numerals").split()
    return names[n - 1] if 0 < n <= len(names) else str(n)


def yes_no(value: bool | None, language: Language) -> str:
    """``common.yes`` or ``common.no`` in ``language``; ``""`` for None (not answered)."""
    if value is None:
        return ""
    return word(language, "common.yes" if value else "common.no")
