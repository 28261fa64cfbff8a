"""A typed reply read as the press of the one button it names.

Judges answer on a phone by typing as often as by tapping: ``当面`` for the button
``当面（口头）``, ``2`` for the second button, ``确认`` for ``✔ 确认``. A reply names a button
when it is the button's label, the label without its leading mark (``✔``, ``↩``, ``✎``), the
label's leading word (the text before its first bracket or comma), or, where buttons are
counted, the button's number. A leading word two buttons share names neither: the question is
asked again with its buttons.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from storage.numbers import parse_int

_MARKS = re.compile(r"^[^\w(（]+")
"""What a label may start with before its words: a mark such as ``✔ `` or ``↩ ``."""
_LEADING = re.compile(r"^[^（(，,、：:；;/]+")
"""A label's leading word: everything before its first bracket, comma or colon."""


class AmbiguousPress(Exception):
    """The typed word is the leading word of several buttons (their indexes, from 0)."""

    def __init__(self, indexes: Sequence[int]) -> None:
        super().__init__(indexes)
        self.indexes = tuple(indexes)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def core(label: str) -> str:
    """The label without its leading mark: ``✔ 确认`` → ``确认``."""
    return _MARKS.sub("", label.strip()).strip()


def leading_word(label: str) -> str:
    """``当面（口头）`` → ``当面``; ``均不涉及，情节不严重`` → ``均不涉及``; a label that starts
    with a bracket (``(1) 为案件当事人请托说情``) has none (empty)."""
    found = _LEADING.match(core(label))
    return found.group(0).strip() if found else ""


def pressed(typed: str, labels: Sequence[str], *, numbered: bool, words: bool = True) -> int | None:
    """The index (from 0) of the button ``typed`` names among ``labels``, or None.

    Tried in turn, without case or surrounding and repeated space: a whole label, a label
    without its mark, the number of a button (``numbered``: counting from 1; full-width
    digits too), a leading word (``words``: not where a reply is free text, whose answer may
    begin like a button). Raises ``AmbiguousPress`` when the typed text is the leading word of
    more than one button and nothing earlier matched.
    """
    word = _fold(typed)
    if not word:
        return None
    for index, label in enumerate(labels):
        if _fold(label) == word:
            return index
    for index, label in enumerate(labels):
        if _fold(core(label)) == word:
            return index
    if numbered:
        number = parse_int(word, low=1, high=len(labels))
        if number is not None:
            return number - 1
    if not words:
        return None
    named = [i for i, label in enumerate(labels) if word == _fold(leading_word(label))]
    if len(named) > 1:
        raise AmbiguousPress(named)
    return named[0] if named else None
