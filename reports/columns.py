"""The fields of a record in the form's order: one list for the printed form and the detail
sheet, so that a row of the spreadsheet reads like the form it came from.

Each column turns a record's facts into a value: text, a number, a timezone-aware time, or
None when the field does not apply. The writers format times in the court's zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from reports.facts import RecordFacts, State
from reports.text import art9_name, tr, vocab, word, yes_no
from storage.vocabulary import (
    ORAL_CHANNELS,
    Channel,
    CosignStatus,
    Intermediary,
    Language,
    MaterialRoute,
    Milestone,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
)

Value = str | int | datetime | None
ART9_OTHER = 14
"""Art. 9 item (14): other behaviour that should be reported specially, said in words."""

# A SHA-256 (64 hex digits) on one line of the evidence column: the letters a-f print wider
# than the digit 0 in the fonts spreadsheet programs fall back to (LibreOffice wrapped a hash
# after 59 of them in 76 widths), so each is allowed 1.3 widths.
HASH_WIDTH = 84
Getter = Callable[[RecordFacts, Language, ZoneInfo], Value]


def stamp(moment: datetime | None, tz: ZoneInfo) -> str:
    """``moment`` as ``YYYY-MM-DD HH:MM`` in ``tz``; ``""`` for None (an empty cell)."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else ""


@dataclass(frozen=True)
class Column:
    """One column of the record sheet: its catalog key, how to read it and its width.

    ``get`` returns a plain value (text, number, aware datetime or None) from a record's
    facts; ``width`` is in characters as spreadsheet programs count them.
    """

    key: str
    get: Getter
    width: int = 14

    def title(self, language: Language) -> str:
        """The column's header in ``language`` (``field.<key>`` of the reports catalog)."""
        return tr(language, f"field.{self.key}")


def _attr(name: str) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        value = getattr(facts.record, name)
        if value is None or type(value) is str or isinstance(value, datetime):
            return value
        return str(value)

    return get


def _enum(name: str, enum: type[Channel] | type[UnitCategory] | type[Intermediary]) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        return vocab(enum, getattr(facts.record, name), language) or None

    return get


def _yes_no(name: str) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        return yes_no(getattr(facts.record, name), language) or None

    return get


def _kind(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return vocab(RecordKind, facts.record.kind, language) or None


def _status(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return vocab(RecordStatus, facts.record.status, language)


def _case_number(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if facts.record.case_not_filed:
        return word(language, "common.not_filed")
    return facts.record.case_number


def _art9(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    items = facts.record.art9_items
    if items is None:
        return None
    if not items:
        return word(language, "common.none")
    return "\n".join(f"({n}) {art9_name(n, language)}" for n in items)


def _art9_told(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    """The Art. 9 items, item (14) followed by what the other behaviour was: one cell of the
    detail sheet says it all."""
    items = facts.record.art9_items
    other = facts.record.art9_other
    if not items or ART9_OTHER not in items or not other:
        return _art9(facts, language, tz)
    return "\n".join(
        tr(language, "form.art9_told", item=f"({n}) {art9_name(n, language)}", other=other)
        if n == ART9_OTHER
        else f"({n}) {art9_name(n, language)}"
        for n in items
    )


def _route(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if facts.record.channel in ORAL_CHANNELS:
        return tr(language, "form.no_materials")  # the form's words: Art. 6 concerns materials
    return vocab(MaterialRoute, facts.record.material_route, language) or None


def _originals(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if facts.record.channel in ORAL_CHANNELS and facts.record.kind == RecordKind.EXTERNAL:
        return tr(language, "form.no_materials")  # the form's words: Art. 4, written materials
    return vocab(OriginalsDestination, facts.record.originals_destination, language) or None


def _cosigners(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if not facts.cosigners:
        return None
    lines: list[str] = []
    for c in facts.cosigners:
        for answer in c.earlier:
            status = CosignStatus.CONFIRMED if answer.confirmed else CosignStatus.DISPUTED
            lines.append(
                tr(
                    language,
                    "form.cosigner_line",
                    name=c.name,
                    status=vocab(CosignStatus, status, language),
                    at=stamp(answer.at, tz) or "-",
                )
                + (f" ({answer.reason})" if answer.reason else "")
            )
        status_text = vocab(CosignStatus, c.status, language)
        if c.earlier:
            status_text = tr(language, "form.cosign_again", status=status_text)
        lines.append(
            tr(
                language,
                "form.cosigner_line",
                name=c.name,
                status=status_text,
                at=stamp(c.responded_at, tz) or "-",
            )
            + (f" ({c.reason})" if c.reason else "")
        )
    return "\n".join(lines)


def _handler(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return facts.handler


def _department(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return facts.department or None


def state_words(state: State, language: Language) -> str:
    """A milestone's state (on time, late, missed, pending) as words in ``language``."""
    return word(language, f"state.{state.value}")


def _milestone_state(which: Milestone) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        line = facts.milestone(which)
        return state_words(line.state, language) if line else None

    return get


def _cosigned_at(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    line = facts.milestone(Milestone.COSIGNED)
    return line.met if line else None


def _evidence(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if not facts.evidence:
        return None
    # The name, then the SHA-256 on a line of its own, where it is read whole.
    return "\n".join(
        f"{item.name or '-'}\n{item.sha256 or tr(language, 'form.not_kept')}"
        for item in facts.evidence
    )


def _evidence_count(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return len(facts.evidence)


def _amendments(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return len(facts.amendments)


# The intake's fields in the order the intake asks them, then what happened afterwards.
FIELDS: tuple[Column, ...] = (
    Column("number", _attr("number"), 24),
    Column("status", _status, 8),
    Column("kind", _kind, 18),
    Column("received_at", _attr("received_at"), 19),
    Column("inquiry_at", _attr("inquiry_at"), 19),
    Column("channel", _enum("channel", Channel), 10),
    Column("channel_other", _attr("channel_other")),
    Column("inquirer_name", _attr("inquirer_name"), 10),
    Column("inquirer_unit", _attr("inquirer_unit"), 20),
    Column("inquirer_position", _attr("inquirer_position")),
    Column("unit_category", _enum("unit_category", UnitCategory), 12),
    Column("retired", _yes_no("retired"), 10),
    Column("main_leader", _yes_no("main_leader"), 14),
    Column("intermediary", _enum("intermediary", Intermediary), 12),
    Column("intermediary_name", _attr("intermediary_name")),
    Column("intermediary_relation", _attr("intermediary_relation")),
    Column("case_name", _attr("case_name"), 28),
    Column("case_number", _case_number, 26),
    Column("department", _department),
    Column("handler", _handler, 10),
    Column("summary", _attr("summary"), 40),
    Column("art9", _art9_told, 30),
    Column("serious", _yes_no("serious"), 14),
    Column("place", _attr("place")),
    Column("persons_present", _attr("persons_present"), 20),
    Column("cosigners", _cosigners, 24),
    Column("route", _route, 20),
    Column("originals", _originals, 14),
    Column("originals_note", _attr("originals_note")),
)

FORM_ONLY: tuple[Column, ...] = (
    Column("art9", _art9, 30),
    Column("art9_other", _attr("art9_other"), 30),
)
"""The form's own columns: the Art. 9 items alone, and on a line of its own what the other
behaviour of item (14) was (the detail sheet puts it in the items' cell)."""

AFTER: tuple[Column, ...] = (
    Column("submitted_at", _attr("submitted_at"), 19),
    Column("state_registered", _milestone_state(Milestone.REGISTERED), 10),
    Column("platform_entered_at", _attr("platform_entered_at"), 19),
    Column("platform_ref", _attr("platform_ref")),
    Column("state_platform_entered", _milestone_state(Milestone.PLATFORM_ENTERED), 10),
    Column("form_delivered_at", _attr("form_delivered_at"), 19),
    Column("state_form_delivered", _milestone_state(Milestone.FORM_DELIVERED), 10),
    Column("cosigned_at", _cosigned_at, 19),
    Column("state_cosigned", _milestone_state(Milestone.COSIGNED), 10),
    Column("serious_alerted_at", _attr("serious_alerted_at"), 19),
    Column("upward_listed_at", _attr("upward_listed_at"), 19),
    Column("evidence_count", _evidence_count, 8),
    Column("evidence", _evidence, HASH_WIDTH),
    Column("amendments", _amendments, 8),
)

COLUMNS: tuple[Column, ...] = FIELDS + AFTER
