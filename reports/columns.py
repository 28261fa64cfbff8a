"""The fields of a record in the form's order: one list for the printed form and the detail
sheet, so that a row of the spreadsheet reads like the form it came from.

Each column turns a record's facts into a value: text, a number, a timezone-aware time, or
None when the field does not apply. The writers format times in the court's zone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple, cast
from zoneinfo import ZoneInfo

from reports.facts import RecordFacts, State
from reports.text import art9_name, tr, vocab, word, yes_no
from storage.models import Record, stored_field
from storage.records import EarlierAnswer
from storage.vocabulary import (
    NONE_ANSWER,
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
_KEPT = frozenset({type(None), str, datetime})  # the types a column shows as they are
_MISSING: Value = cast(Value, object())  # not worked out yet
Many = Callable[[Sequence[RecordFacts], Language, ZoneInfo], list[Value]]


def stamp(moment: datetime | None, tz: ZoneInfo) -> str:
    """``moment`` as ``YYYY-MM-DD HH:MM`` in ``tz``; ``""`` for None (an empty cell).

    The text ``strftime("%Y-%m-%d %H:%M")`` gives (the year unpadded, as C's ``%Y``), in a
    third of its time: a report stamps a time or more per record."""
    if not moment:
        return ""
    m = moment.astimezone(tz)
    return f"{m.year}-{m.month:02d}-{m.day:02d} {m.hour:02d}:{m.minute:02d}"


@dataclass(frozen=True)
class Column:
    """One column of the record sheet: its catalog key, how to read it and its width.

    ``get`` returns a plain value (text, number, aware datetime or None) from a record's
    facts; ``width`` is in characters as spreadsheet programs count them.
    """

    key: str
    get: Getter
    width: int = 14
    many: Many | None = None
    """The same values for many records at once (a report's batch), when quicker than
    ``get`` record by record."""

    def values(self, facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
        """``get`` of each of ``facts``, in their order; a question skipped at the intake
        says so (``skipped_marked``)."""
        if self.many is not None:
            return skipped_marked(self.key, facts, self.many(facts, language, tz), language)
        get = self.get
        return skipped_marked(self.key, facts, [get(f, language, tz) for f in facts], language)

    def one(self, facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        """``get`` of one record's ``facts``, a skipped question marked as ``values`` does."""
        return skipped_marked(self.key, (facts,), [self.get(facts, language, tz)], language)[0]

    def title(self, language: Language) -> str:
        """The column's header in ``language`` (``field.<key>`` of the reports catalog)."""
        return tr(language, f"field.{self.key}")


def skipped_marked(
    key: str, facts: Sequence[RecordFacts], values: list[Value], language: Language
) -> list[Value]:
    """``values`` (one per record of ``facts``) with each None of a question the record's
    intake skipped (its step named ``key`` in ``fields["skipped"]``) read as skipped
    (``common.skipped``): not answered, which is not "none", on every document alike. A
    record read without its ``fields`` (a report's plain row) is left as it is."""
    if all(value is not None for value in values):
        return values
    mark = word(language, "common.skipped")
    return [
        mark if value is None and key in _skipped(one.record) else value
        for one, value in zip(facts, values, strict=True)
    ]


def _skipped(record: Record) -> list[str]:
    """The steps ``record``'s intake skipped; none known for a row read without ``fields``."""
    fields = getattr(record, "fields", None) or {}
    skipped = fields.get("skipped") or []
    return skipped if isinstance(skipped, list) else []


def _attr(name: str) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        value = getattr(facts.record, name)
        if value is None or type(value) is str or isinstance(value, datetime):
            return value
        return str(value)

    return get


def _attr_many(name: str) -> Many:
    take = attrgetter(f"record.{name}")

    def many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
        values = list(map(take, facts))
        if set(map(type, values)) <= _KEPT:  # the usual column: each value as it is
            return values
        return [
            value if value is None or type(value) is str or isinstance(value, datetime)
            else str(value)
            for value in values
        ]  # fmt: skip

    return many


def _enum_many(name: str, enum: type[Channel] | type[UnitCategory] | type[Intermediary]) -> Many:
    take = attrgetter(f"record.{name}")

    def many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
        return [vocab(enum, value, language) or None for value in map(take, facts)]

    return many


def _yes_no_many(name: str) -> Many:
    take = attrgetter(f"record.{name}")

    def many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
        words = {None: None, True: yes_no(True, language), False: yes_no(False, language)}
        return [words[value] if value in words else (yes_no(value, language) or None)
                for value in map(take, facts)]  # fmt: skip

    return many


def _enum(name: str, enum: type[Channel] | type[UnitCategory] | type[Intermediary]) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        return vocab(enum, getattr(facts.record, name), language) or None

    return get


def _yes_no(name: str) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        return yes_no(getattr(facts.record, name), language) or None

    return get


def _present(record: Record) -> str | None:
    return record.persons_present


def _persons_present(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    """The persons present who are not court staff as typed; the answer none
    (``NONE_ANSWER``) in words."""
    value = facts.record.persons_present
    return tr(language, "common.none") if value == NONE_ANSWER else value


def _kind(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return vocab(RecordKind, facts.record.kind, language) or None


def _status(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return vocab(RecordStatus, facts.record.status, language)


def _case_number_many(
    facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo
) -> list[Value]:
    not_filed = word(language, "common.not_filed")
    return [not_filed if one.record.case_not_filed else one.record.case_number for one in facts]


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


def _art9_told_many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
    """:func:`_art9_told` of each, worked out once per distinct list of items (a quarter's
    records share a few dozen) and what the other behaviour was."""
    known: dict[tuple[tuple[int, ...], str | None], Value] = {}
    found: list[Value] = []
    for one in facts:
        items = one.record.art9_items
        if items is None:
            found.append(None)
            continue
        key = (tuple(items), one.record.art9_other if ART9_OTHER in items else None)
        value = known.get(key, _MISSING)
        if value is _MISSING:
            value = known[key] = _art9_told(one, language, tz)
        found.append(value)
    return found


def _route(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if facts.record.channel in ORAL_CHANNELS:
        return tr(language, "form.no_materials")  # the form's words: Art. 6 concerns materials
    return vocab(MaterialRoute, facts.record.material_route, language) or None


def _originals(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    if facts.record.channel in ORAL_CHANNELS and facts.record.kind == RecordKind.EXTERNAL:
        return tr(language, "form.no_materials")  # the form's words: Art. 4, written materials
    return vocab(OriginalsDestination, facts.record.originals_destination, language) or None


def _by_key(get: Getter, key: Callable[[Record], object]) -> Many:
    """:func:`Column.values` of a column whose value depends on ``key`` of the record alone:
    ``get`` once per distinct key (a few dozen), then a look-up per record."""

    def many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
        known: dict[object, Value] = {}
        found: list[Value] = []
        for one in facts:
            which = key(one.record)
            value = known.get(which, _MISSING)
            if value is _MISSING:
                value = known[which] = get(one, language, tz)
            found.append(value)
        return found

    return many


class CosignerEntry(NamedTuple):
    """One person of the staff present as the documents list them (Art. 3): name, current
    status, when answered (or removed), and the note (a dispute's reason, earlier answers)."""

    name: str
    status: str
    at: str
    note: str


def _answered(language: Language, answer: EarlierAnswer, tz: ZoneInfo) -> str:
    status = CosignStatus.CONFIRMED if answer.confirmed else CosignStatus.DISPUTED
    text = tr(
        language,
        "form.sign_at",
        status=vocab(CosignStatus, status, language),
        at=stamp(answer.at, tz),
    )
    if answer.reason:
        text = tr(language, "form.sign_disputed", answer=text, reason=answer.reason)
    return text


def _before(language: Language, answers: Sequence[EarlierAnswer], tz: ZoneInfo) -> str:
    said = [_answered(language, answer, tz) for answer in answers]
    joined = tr(language, "form.cosign_rounds_separator").join(said)
    return tr(language, "form.cosign_before", answers=joined) if said else ""


def cosigner_entries(facts: RecordFacts, language: Language, tz: ZoneInfo) -> list[CosignerEntry]:
    """The staff present, one entry a person, never two (Art. 3): those named now, their
    answers before a correction asked them again in the note; then those a correction
    removed, with what they had answered (a dispute stays on the record); then those not in
    the bot, who sign the printed form by hand."""
    separator = tr(language, "form.cosign_rounds_separator")
    entries: list[CosignerEntry] = []
    for c in facts.cosigners:
        status = cosign_words(c.status, c.offline, language)
        if c.earlier:
            status = tr(language, "form.cosign_again", status=status)
        notes = [_before(language, c.earlier, tz), c.reason or ""]
        note = separator.join(n for n in notes if n)
        entries.append(CosignerEntry(c.name, status, stamp(c.responded_at, tz), note))
    for r in facts.removed:
        note = _before(language, r.answers, tz) or tr(language, "form.cosign_unanswered")
        removed = tr(language, "form.cosign_removed")
        entries.append(CosignerEntry(r.name, removed, stamp(r.removed_at, tz), note))
    return entries


def cosign_words(status: CosignStatus | str, offline: bool, language: Language) -> str:
    """A co-signer's status in words (Art. 3); for one not in the bot, who signs the printed
    form by hand, ``form.cosign_offline`` until the handler confirms that signature, then
    ``form.cosign_paper_signed``."""
    if not offline:
        return vocab(CosignStatus, status, language)
    if status == CosignStatus.CONFIRMED:
        return tr(language, "form.cosign_paper_signed")
    return tr(language, "form.cosign_offline")


def _cosigners(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    lines = [
        tr(language, "form.cosigner_line", name=e.name, status=e.status, at=e.at or "-")
        + (f" ({e.note})" if e.note else "")
        for e in cosigner_entries(facts, language, tz)
    ]
    return "\n".join(lines) or None


def _cosigners_many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
    """:func:`_cosigners` of each; a record without staff present, now or removed, has none."""
    return [
        _cosigners(one, language, tz) if one.cosigners or one.removed else None for one in facts
    ]


def _handler(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return facts.handler


def _department(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return facts.department or None


def _handler_many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
    return [one.handler for one in facts]


def _department_many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
    return [one.department or None for one in facts]


def state_words(state: State, language: Language) -> str:
    """A milestone's state (on time, late, missed, pending) as words in ``language``."""
    return word(language, f"state.{state.value}")


def _milestone_state(which: Milestone) -> Getter:
    def get(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
        line = facts.milestone(which)
        return state_words(line.state, language) if line else None

    return get


def _milestone_state_many(which: Milestone) -> Many:
    def many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
        words = {state: state_words(state, language) for state in State}
        found: list[Value] = []
        for one in facts:
            for line in one.milestones:
                if line.milestone is which:
                    found.append(words[line.state])
                    break
            else:
                found.append(None)
        return found

    return many


def _state(key: str, which: Milestone) -> Column:
    """A column showing how milestone ``which`` stands (None: not owed)."""
    return Column(key, _milestone_state(which), 10, _milestone_state_many(which))


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


def _evidence_many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
    return [_evidence(one, language, tz) if one.evidence else None for one in facts]


def _cosigned_at_many(
    facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo
) -> list[Value]:
    found: list[Value] = []
    for one in facts:
        for line in one.milestones:
            if line.milestone is Milestone.COSIGNED:
                found.append(line.met)
                break
        else:
            found.append(None)
    return found


def _evidence_count(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return len(facts.evidence)


def _amendments(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return len(facts.amendments)


DAY_ONLY = "inquiry_day_only"
"""``Record.fields`` key: only the day of the inquiry is known (``handlers.fields.day_only``);
its ``inquiry_at`` is that day's 00:00 in the court's zone, a placeholder, never a time."""


DAY_ONLY_VALUES = "inquiry_day_only_values"
"""``Record.fields`` key: the stored values (canonical JSON, as a ``RecordAmendment`` keeps
them) of ``inquiry_at`` that stood for a day only, so that the corrections print them so."""


def day_only_values(record: Record) -> frozenset[str]:
    """The ``inquiry_at`` values of ``record``'s corrections that stood for a day only
    (``DAY_ONLY_VALUES``); none for a report's row, which has no ``fields``."""
    return frozenset(stored_field(record, DAY_ONLY_VALUES) or ())


RECEIVED_DAY_ONLY = "received_day_only"
"""``Record.fields`` key: only the day an electronic message was received is known (the
judge gave its day alone, ``handlers.receipt``); its ``received_at`` is that day's 00:00."""


def day_only(record: Record, key: str = DAY_ONLY) -> bool:
    """Whether only the day of ``record``'s inquiry (``key`` ``DAY_ONLY``) or receipt
    (``RECEIVED_DAY_ONLY``) is known: ``fields[key]`` of a record, or the column of that name
    of a report's row (``reports.quarterly.records_in``)."""
    return bool(stored_field(record, key))


def received_value(record: Record, language: Language, tz: ZoneInfo) -> Value:
    """The receipt time as the documents print it: the aware time, or, when only its day is
    known, that day with the words for time unknown (``form.day_only``), never 00:00."""
    moment = record.received_at
    if moment is not None and day_only(record, RECEIVED_DAY_ONLY):
        return tr(language, "form.day_only", day=moment.astimezone(tz).strftime("%Y-%m-%d"))
    return moment


def _received_at(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    return received_value(facts.record, language, tz)


def _received_at_many(
    facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo
) -> list[Value]:
    return [received_value(one.record, language, tz) for one in facts]


def _inquiry_at(facts: RecordFacts, language: Language, tz: ZoneInfo) -> Value:
    """The inquiry time as text, ``YYYY-MM-DD HH:MM`` in ``tz``, or the day with the words for
    time unknown (``form.day_only``) when only the day is known: never a made-up 00:00. Text in
    every row, so that the detail sheet's column sorts by day, then time, in one order."""
    moment = facts.record.inquiry_at
    if moment is None:
        return None
    if day_only(facts.record):
        day = moment.astimezone(tz).strftime("%Y-%m-%d")
        return tr(language, "form.day_only", day=day)
    return stamp(moment, tz)


def _inquiry_at_many(facts: Sequence[RecordFacts], language: Language, tz: ZoneInfo) -> list[Value]:
    found: list[Value] = []
    for one in facts:
        record = one.record
        moment = record.inquiry_at
        if moment is None:
            found.append(None)
        elif not day_only(record):
            m = moment.astimezone(tz)
            found.append(f"{m.year}-{m.month:02d}-{m.day:02d} {m.hour:02d}:{m.minute:02d}")
        else:
            found.append(_inquiry_at(one, language, tz))
    return found


def _plain(key: str, width: int = 14) -> Column:
    """A column showing the record's attribute ``key`` as stored (a text, a time or None)."""
    return Column(key, _attr(key), width, _attr_many(key))


def _words(
    key: str, enum: type[Channel] | type[UnitCategory] | type[Intermediary], width: int
) -> Column:
    """A column showing the record's vocabulary value ``key`` as words."""
    return Column(key, _enum(key, enum), width, _enum_many(key, enum))


def _answer(key: str, width: int) -> Column:
    """A column showing the record's yes-or-no ``key`` as words (None: not answered)."""
    return Column(key, _yes_no(key), width, _yes_no_many(key))


# The intake's fields in the order the intake asks them, then what happened afterwards.
FIELDS: tuple[Column, ...] = (
    _plain("number", 24),
    Column("status", _status, 8, _by_key(_status, attrgetter("status"))),
    Column("kind", _kind, 18, _by_key(_kind, attrgetter("kind"))),
    Column("received_at", _received_at, 19, _received_at_many),
    Column("inquiry_at", _inquiry_at, 19, _inquiry_at_many),
    _words("channel", Channel, 10),
    _plain("channel_other"),
    _plain("inquirer_name", 10),
    _plain("inquirer_unit", 20),
    _plain("inquirer_position"),
    _words("unit_category", UnitCategory, 12),
    _answer("retired", 10),
    _answer("main_leader", 14),
    _words("intermediary", Intermediary, 12),
    _plain("intermediary_name"),
    _plain("intermediary_relation"),
    _plain("case_name", 28),
    Column("case_number", _case_number, 26, _case_number_many),
    Column("department", _department, many=_department_many),
    Column("handler", _handler, 10, many=_handler_many),
    _plain("summary", 40),
    Column("art9", _art9_told, 30, _art9_told_many),
    _answer("serious", 14),
    _plain("place"),
    Column("persons_present", _persons_present, 20, _by_key(_persons_present, _present)),
    Column("cosigners", _cosigners, 24, _cosigners_many),
    Column("route", _route, 20, _by_key(_route, attrgetter("channel", "material_route"))),
    Column(
        "originals",
        _originals,
        14,
        _by_key(_originals, attrgetter("channel", "kind", "originals_destination")),
    ),
    _plain("originals_note"),
)

FORM_ONLY: tuple[Column, ...] = (
    Column("art9", _art9, 30),
    _plain("art9_other", 30),
)
"""The form's own columns: the Art. 9 items alone, and on a line of its own what the other
behaviour of item (14) was (the detail sheet puts it in the items' cell)."""

AFTER: tuple[Column, ...] = (
    _plain("submitted_at", 19),
    _state("state_registered", Milestone.REGISTERED),
    _plain("platform_entered_at", 19),
    _plain("platform_ref"),
    _state("state_platform_entered", Milestone.PLATFORM_ENTERED),
    _plain("form_delivered_at", 19),
    _state("state_form_delivered", Milestone.FORM_DELIVERED),
    Column("cosigned_at", _cosigned_at, 19, _cosigned_at_many),
    _state("state_cosigned", Milestone.COSIGNED),
    _plain("serious_alerted_at", 19),
    _plain("upward_listed_at", 19),
    Column("evidence_count", _evidence_count, 8),
    Column("evidence", _evidence, HASH_WIDTH, _evidence_many),
    Column("amendments", _amendments, 8),
)

COLUMNS: tuple[Column, ...] = FIELDS + AFTER
