"""One rule for an English vocabulary name (unit category, channel, milestone...): where it
starts a table cell, a label's value or a button, its first letter is a capital
(``People's congress`` beside ``Party organ`` and ``Government``); inside a sentence it is
used as written (``people's congress``). Checked over the whole vocabulary, in every place a
name is printed: the chat's buttons and card, the documents' cells and the analysis."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers import card
from handlers.fields import FIELDS, Input, choice_label
from handlers.i18n import t
from handlers.intake import proposals
from reports.analysis import analysis
from reports.columns import COLUMNS
from reports.document import Grid
from reports.facts import EvidenceLine, Names, RecordFacts
from reports.figures import Figures
from reports.form import evidence_blocks
from reports.period import parse_period
from reports.tables import categories, channels, milestone_name
from reports.text import tr, vocab
from storage.media import EvidenceKind
from storage.models import Record
from storage.vocabulary import (
    LABELS,
    Channel,
    Intermediary,
    Language,
    MaterialRoute,
    Milestone,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
    at_start,
    label,
)

TZ = ZoneInfo("Asia/Shanghai")
ENUM_OF_COLUMN: dict[str, type[StrEnum]] = {
    "channel": Channel,
    "unit_category": UnitCategory,
    "intermediary": Intermediary,
    "material_route": MaterialRoute,
    "originals_destination": OriginalsDestination,
}
MEMBERS = [member for member in LABELS]


def ctx(language: Language) -> Any:
    """What the card and the buttons read of a chat context: its language and catalog."""
    return SimpleNamespace(language=language, t=lambda key, **values: t(language, key, **values))


def starts_alike(text: str, name: str) -> bool:
    return text == at_start(name) and (not text[:1].isalpha() or not text[:1].islower())


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("member", MEMBERS, ids=str)
def test_a_document_cell_starts_with_a_capital_and_a_sentence_keeps_the_name(
    member: StrEnum, language: Language
) -> None:
    name = label(member, language)
    assert starts_alike(vocab(type(member), member.value, language), name)
    assert vocab(type(member), member.value, language, in_sentence=True) == name


@pytest.mark.parametrize("language", list(Language))
async def test_the_card_says_a_value_as_its_button_does(language: Language) -> None:
    checked = 0
    for field in FIELDS:
        if field.input is not Input.CHOICE or field.columns[0] not in ENUM_OF_COLUMN:
            continue
        enum = ENUM_OF_COLUMN[field.columns[0]]
        for value in field.choices:
            record = Record(fields={}, **{field.columns[0]: value})
            shown = await card.value_of(ctx(language), record, field)
            button = choice_label(ctx(language), field, value)
            assert shown == button, (field.step, value)
            # The presumption card and a proposed answer on the record card say it alike.
            assert proposals.shown(ctx(language), record, field, value) == button
            proposed = card.proposed_value(ctx(language), record, field, value)
            assert proposed == t(language, "card.proposed", value=button)
            assert starts_alike(shown, label(enum(value), language))
            checked += 1
    assert checked >= len(UnitCategory) + len(Channel)


@pytest.mark.parametrize("language", list(Language))
def test_the_form_and_register_cells_start_with_a_capital(language: Language) -> None:
    by_key = {column.key: column for column in COLUMNS}
    printed = {
        **{key: key for key in ENUM_OF_COLUMN},
        "material_route": "route",
        "originals_destination": "originals",
        "status": "status",
        "kind": "kind",
    }
    enums: dict[str, type[StrEnum]] = {**ENUM_OF_COLUMN, "status": RecordStatus, "kind": RecordKind}
    for attribute, enum in enums.items():
        for member in enum:
            values = {"channel": Channel.LETTER.value, attribute: member.value}
            facts = RecordFacts(Record(**values), "", "", (), (), (), ())
            value = by_key[printed[attribute]].get(facts, language, TZ)
            assert starts_alike(str(value), label(member, language)), (attribute, member)
    for milestone in Milestone:
        assert starts_alike(milestone_name(milestone, language), label(milestone, language))


@pytest.mark.parametrize("language", list(Language))
def test_table_rows_start_with_a_capital_and_the_analysis_keeps_the_names(
    language: Language,
) -> None:
    period = parse_period("2026Q4", now=datetime(2026, 12, 1, tzinfo=TZ), tz=TZ)
    figures = Figures(period, Names({}, {}), external=len(UnitCategory))
    for n, category in enumerate(UnitCategory, 1):
        figures.by_category[category.value] = n
    for n, channel in enumerate(Channel, 1):
        figures.by_channel[channel.value] = n
    for (name, _), category in zip(categories(figures, language), UnitCategory, strict=True):
        assert starts_alike(name, label(category, language))
    for (name, _), channel in zip(channels(figures, language), Channel, strict=True):
        assert starts_alike(name, label(channel, language))
    text = "\n".join(analysis(figures, language))
    top = [c for c in sorted(UnitCategory, key=lambda c: -figures.by_category[c.value])][:3]
    for category in top:
        assert (
            tr(
                language,
                "analysis.item",
                name=label(category, language),
                n=figures.by_category[category.value],
            )
            in text
        )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("kind", list(EvidenceKind), ids=str)
def test_an_evidence_type_starts_its_cell_with_a_capital(
    kind: EvidenceKind, language: Language
) -> None:
    item = EvidenceLine(
        "a", kind.value, None, 1, "0" * 64, datetime(2026, 1, 1, tzinfo=TZ), False, None
    )
    [grid, *_] = evidence_blocks([item], language, TZ)
    assert isinstance(grid, Grid)
    assert starts_alike(grid.rows[0][2], tr(language, f"evidence_kind.{kind.value}"))
