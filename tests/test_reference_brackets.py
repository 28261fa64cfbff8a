"""A record or case reference is never bracketed twice in what the judge reads.

Every chat message that takes a record or case reference is rendered, in both languages, with
every form that reference takes (a case number, a case name only, no case yet ``（未填）``, not
filed ``尚未立案``, a draft ``草稿 #4``, a submitted record ``过问〔2026〕1号``), each
reference placeholder given that form; no bracket pair doubles (``（（``, ``））``,
``（ （``, ``((``, ``))``).
"""

from __future__ import annotations

import re

import pytest

from handlers.i18n import catalogs, t
from storage.vocabulary import Language

_FIELD = re.compile(r"\{(\w+)(:[^{}]*)?\}")
_REFERENCE = re.compile(r"\{(case|title|record)\b")
_DOUBLED = ("（（", "））", "（ （", "） ）", "((", "))", "( (", ") )")


def _forms(language: Language) -> list[dict[str, str]]:
    """Each form of a case reference beside each form of a record's title."""
    cases = [
        "（2026）豫0825民初1234号",
        "(2026)豫0825民初1234号",
        "张某诉李某民间借贷纠纷",
        t(language, "card.missing"),
        t(language, "card.not_filed"),
        "-",
    ]
    titles = [t(language, "card.draft_title", id=4), "过问〔2026〕1号", "2026-1"]
    return [{"case": c, "title": r, "record": r} for c in cases for r in titles]


def _messages() -> list[tuple[Language, str]]:
    return [
        (language, key)
        for language, catalog in catalogs().items()
        for key, template in sorted(catalog.items())
        if _REFERENCE.search(template)
    ]


def test_the_messages_with_a_reference_are_found() -> None:
    keys = {key for _, key in _messages()}
    assert {"reminders.breach", "reminders.escalation", "alerts.serious"} <= keys


@pytest.mark.parametrize(("language", "key"), _messages())
def test_no_reference_is_bracketed_twice(language: Language, key: str) -> None:
    template = catalogs()[language][key]
    for form in _forms(language):
        values: dict[str, object] = {
            name: 1 if spec else form.get(name, "某县人大常委会")
            for name, spec in _FIELD.findall(template)
        }
        shown = t(language, key, **values)
        doubled = [pair for pair in _DOUBLED if pair in shown]
        assert not doubled, f"{key} with {form!r}: {shown}"


def test_the_overdue_draft_reads_once_bracketed() -> None:
    missing = t(Language.ZH, "card.missing")
    shown = t(
        Language.ZH,
        "reminders.breach",
        title="草稿 #4",
        case=missing,
        missing="向部门廉政监察员报告",
        deadline="12月2日24:00",
    )
    assert shown.startswith(
        "过问记录 草稿 #4（案件 未填）逾期未办：向部门廉政监察员报告（12月2日24:00）。"
    )
    english = t(
        Language.EN,
        "reminders.breach",
        title="Draft #4",
        case=t(Language.EN, "card.missing"),
        missing="x",
        deadline="y",
    )
    assert "(case missing)" in english
