"""What a correction changes besides its field: the fields that depend on the one corrected.

The intake asks a question only where it applies (``Field.applies``): the place, the persons
present and the court staff present only for an inquiry in person (Art. 3); the materials'
route and where the originals went only where there are materials (Art. 4, 6: not by phone
or in person); the other channel's name only for another channel; and the receipt time of
an electronic message, a call or a visit follows the inquiry's time (``handlers.receipt``).
A correction after submission keeps a record one the intake could have given for the same
answers:

- a field that no longer applies after the correction is cleared by it (``dropped``), its
  old value kept in the correction like the field corrected;
- a field that applies only after the correction is asked before the correction is kept
  (``needed``), as the intake would ask it;
- the receipt time follows the same rule as in a draft (``follow_receipt``).

A record's source corrected (an external inquiry to a reference opinion, Art. 5) keeps the
fields of an external inquiry the judge gave: the form prints them (``KEEPS``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.engine import Context
from handlers.fields import FIELDS, Field, Step, holds
from handlers.receipt import receipt_of
from reports.columns import DAY_ONLY_VALUES, RECEIVED_DAY_ONLY, day_only_values
from storage import records as records_repo
from storage.models import Record, RecordAmendment
from storage.vocabulary import OriginalsDestination, RecordKind

KEEPS = frozenset({Step.SOURCE})
"""The fields whose correction clears nothing that no longer applies: a reference opinion's
Art. 9 items and the like, kept from before its source was corrected, are printed."""
DERIVED: dict[Step, tuple[str, ...]] = {Step.SOURCE: ("originals_destination", "originals_note")}
"""The columns a field's answer sets besides its own, which no question of its own asked:
the source's answer puts a reference opinion's originals in the main file (Art. 5), and
answered back gives the judge's earlier answer back (``handlers.originals``). The receipt
time, which follows the inquiry's, is settled apart (``follow_receipt``)."""
RECEIPT_FROM = frozenset({"channel", "inquiry_at"})
"""The columns the receipt rule reads (``handlers.receipt.receipt_of``): a correction of one
of them settles the receipt time again."""


def copy_of(record: Record, values: Mapping[str, Any] | None = None) -> Record:
    """A copy of ``record`` (never added to a session) with ``values`` (a field parser's
    columns) taken: to judge which questions apply after a correction."""
    shadow = Record(**{c.key: getattr(record, c.key) for c in Record.__mapper__.column_attrs})
    for name, value in (values or {}).items():
        if not name.startswith("_"):
            setattr(shadow, name, value)
    shadow.fields = dict(record.fields)
    return shadow


def _held(record: Record, field: Field, answered: Mapping[str, str]) -> bool:
    if field.step.value in answered:
        return True
    return holds(record, field)


def needed(before: Record, after: Record, answered: Mapping[str, str]) -> Field | None:
    """The first question, in the intake's order, that applies to ``after`` but did not to
    ``before``, or that the correction emptied (``before`` held a value, ``after`` holds none:
    a value guowen set that goes with the answer that set it, the main file of Art. 5 say),
    and that ``after`` does not answer (nor ``answered``, the steps answered during the
    correction); None when nothing more is needed. The court staff present are asked
    whoever the record names: nobody is named where the question did not apply."""
    for field in FIELDS:
        emptied = holds(before, field) and not holds(after, field)
        if not field.applies(after) or (field.applies(before) and not emptied):
            continue
        if field.step is Step.STAFF_PRESENT:
            if field.step.value not in answered:
                return field
            continue
        if not _held(after, field, answered):
            return field
    return None


def art5_main_file(record: Record) -> bool:
    """Whether ``record`` is a reference opinion whose originals go to the main file (Art. 5):
    its source gives that, whatever the channel (``handlers.fields``' source parser)."""
    return (
        record.kind == RecordKind.REFERENCE_OPINION
        and record.originals_destination == OriginalsDestination.MAIN_FILE
    )


def _answerable(record: Record, field: Field) -> bool:
    """Whether ``record`` may hold ``field``: it applies, or ``record`` is a reference
    opinion that keeps an external inquiry's answer from before its source was corrected
    (``KEEPS``), as long as the answer would apply to that inquiry (a letter's route, not a
    call's)."""
    if field.applies(record):
        return True
    if record.kind != RecordKind.REFERENCE_OPINION:
        return False
    return field.applies(copy_of(record, {"kind": RecordKind.EXTERNAL.value}))


def present_kept(before: Record, after: Record, corrected: Field) -> bool:
    """Whether the court staff named present on ``before`` stay on ``after`` (a copy as a
    correction of ``corrected`` leaves it), by the rule ``dropped`` clears them: they go
    only where the question could be answered before and no longer can."""
    if corrected.step in KEEPS and after.kind == RecordKind.REFERENCE_OPINION:
        return True
    staff = next(f for f in FIELDS if f.step is Step.STAFF_PRESENT)
    return not _answerable(before, staff) or _answerable(after, staff)


def dropped(before: Record, after: Record, corrected: Field) -> list[Field]:
    """The questions that applied to ``before`` and no longer apply to ``after``
    (``_answerable``; corrected in ``corrected``) while ``after`` holds a value for them,
    in the intake's order; none for a correction of the source to a reference opinion
    (``KEEPS``: the external inquiry's answers are printed), while one back to an external
    inquiry clears what only the opinion had (its originals in the main file, say). The court
    staff present count when anyone is named, in the bot or not (a co-signer row either
    way); a reference opinion's originals in the main file stay (``art5_main_file``)."""
    if corrected.step in KEEPS and after.kind == RecordKind.REFERENCE_OPINION:
        return []  # back to an external inquiry, what only the opinion had goes as usual
    gone: list[Field] = []
    for field in FIELDS:
        # Set by Art. 5 rather than asked: it goes when the record is no opinion, cleared by
        # the source's answer itself (``handlers.originals``) and said as cleared here.
        by_art5 = field.step is Step.ORIGINALS and art5_main_file(before)
        if not (_answerable(before, field) or by_art5) or _answerable(after, field):
            continue
        if field.step is Step.STAFF_PRESENT:
            if after.cosigners:
                gone.append(field)
        elif field.step is Step.ORIGINALS and art5_main_file(after):
            continue
        elif holds(after, field) or by_art5:
            gone.append(field)
    return gone


async def follow_receipt(ctx: Context, record: Record, why: str) -> RecordAmendment | None:
    """Settle a submitted ``record``'s receipt time by the draft's rule
    (``handlers.receipt.receipt_of``, ``handlers.intake.ask.settle_receipt``): when it moves
    the move is a correction with ``why`` (the old receipt kept), and its deadlines and
    reminders follow it (``storage.records.touch``). None when it stays."""
    settled = receipt_of(record, ctx.services.tz)
    if settled is None:
        return None
    moment, only_day = settled
    was_day_only = bool(record.fields.get(RECEIVED_DAY_ONLY))
    fields = {k: v for k, v in record.fields.items() if k != RECEIVED_DAY_ONLY}
    if only_day:
        fields[RECEIVED_DAY_ONLY] = True
    if moment == record.received_at:
        if fields != record.fields:
            record.fields = fields
        return None
    amendment = await records_repo.amend(
        ctx.session, record, "received_at", moment, reason=why, actor=ctx.staff, at=ctx.now
    )
    marked = set(day_only_values(record))
    marked.update(
        value
        for value, only in ((amendment.old_value, was_day_only), (amendment.new_value, only_day))
        if only
    )
    if marked != day_only_values(record):
        fields[DAY_ONLY_VALUES] = sorted(marked)
    record.fields = fields
    return amendment
