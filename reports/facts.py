"""One record as the documents show it: its fields, people, milestones, evidence, corrections.

Everything a form or a report row needs is loaded here in a few queries per batch of records
(never one per record), and resolved to plain values, so the writers that run in a worker
thread never touch the database.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.deadlines import DeadlineRules, clock_started
from reminders.planner import cosign_disputed, met_at
from storage.models import (
    Department,
    EvidenceBlob,
    EvidenceItem,
    Record,
    RecordAmendment,
    Staff,
)
from storage.records import COSIGNERS_FIELD, EarlierAnswer, among, cosign_trail
from storage.vocabulary import CosignStatus, Milestone, RecordKind, RecordStatus

MILESTONE_ORDER = (
    Milestone.REGISTERED,
    Milestone.PLATFORM_ENTERED,
    Milestone.FORM_DELIVERED,
    Milestone.COSIGNED,
)


class State(StrEnum):
    """How a milestone stands: met in time, met late, missed (due and not met), not yet due,
    or, for 签字确认 only, disputed: a staff member present answered that the record is wrong
    (Art. 3), which is not a confirmation, whatever the deadline."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    PENDING = "pending"
    DISPUTED = "disputed"


class MilestoneLine(NamedTuple):
    """One Art. 6 milestone of a record: its ``deadline``, when it was ``met`` and its state.

    A named tuple: a quarter's report makes a few hundred thousand of them."""

    milestone: Milestone
    deadline: datetime
    met: datetime | None
    state: State


@dataclass(frozen=True)
class CosignerLine:
    """A co-signer of an oral inquiry (Art. 3 签字确认): status, when asked, answered, why."""

    name: str
    status: str
    requested_at: datetime | None
    responded_at: datetime | None
    reason: str | None
    earlier: tuple[EarlierAnswer, ...] = ()
    """Answers given before a correction asked this co-signer again, oldest first."""
    offline: bool = False
    """Not in the bot: signs the printed form by hand, confirmed (``status``) once the
    handler confirms that paper signature (Art. 3)."""


@dataclass(frozen=True)
class RemovedLine:
    """A staff member a correction took off the staff present (Art. 3): their answers before
    (a dispute above all), oldest first, and when they were removed (UTC)."""

    name: str
    answers: tuple[EarlierAnswer, ...]
    removed_at: datetime


@dataclass(frozen=True)
class EvidenceLine:
    """One evidence file as the form lists it (Art. 3): name, kind, MIME type, size, digest.

    ``size`` is in bytes; ``sha256`` is the hex digest of the stored bytes; ``damaged`` is
    True when the stored file no longer matches that digest.
    """

    name: str | None
    kind: str | None
    mime: str | None
    size: int | None
    sha256: str | None
    received_at: datetime
    damaged: bool
    unavailable: str | None
    caption: str | None = None
    forward_sender: str | None = None
    forward_chat: str | None = None
    forward_sent_at: datetime | None = None


@dataclass(frozen=True)
class AmendmentLine:
    """A correction: ``field`` as stored (a column of ``storage.records.FIELDS``), ``old`` and
    ``new`` as stored (canonical JSON), a department's id as its name (``resolved``)."""

    at: datetime
    field: str
    old: str
    new: str
    reason: str
    by: str


@dataclass(frozen=True)
class Names:
    """Staff and department names by id: small tables, loaded once per document."""

    staff: dict[int, str]
    departments: dict[int, str]
    homes: dict[int, int | None] = field(default_factory=dict)
    """Each staff member's department id (a co-signer's steps count in it, Art. 10)."""

    def person(self, staff_id: int | None) -> str:
        """The staff member's name, ``#<id>`` when unknown, ``""`` for None."""
        if staff_id is None:
            return ""
        return self.staff.get(staff_id, f"#{staff_id}")

    def department(self, department_id: int | None) -> str:
        """The department's name, ``#<id>`` when unknown, ``""`` for None."""
        if department_id is None:
            return ""
        return self.departments.get(department_id, f"#{department_id}")


@dataclass(frozen=True)
class RecordFacts:
    """A record with everything its form or report row shows, resolved to plain values.

    Built by the loaders of this module from a few queries per batch; the writers use it
    in worker threads without the database.
    """

    record: Record
    handler: str
    department: str
    cosigners: tuple[CosignerLine, ...]
    milestones: tuple[MilestoneLine, ...]
    evidence: tuple[EvidenceLine, ...]
    amendments: tuple[AmendmentLine, ...]
    removed: tuple[RemovedLine, ...] = ()
    """Co-signers a correction removed, with what they answered before (Art. 3)."""

    def milestone(self, which: Milestone) -> MilestoneLine | None:
        """The line of milestone ``which``; None when the record does not owe it (Art. 5)."""
        for line in self.milestones:
            if line.milestone is which:
                return line
        return None


ID_FIELDS: dict[str, Callable[[Names, int | None], str]] = {
    "department_id": Names.department,
}
"""Every correctable column (``storage.records.AMENDABLE``) that stores another table's id,
with how ``Names`` names it: a person reads the name, never the id."""


def resolved(field: str, stored: str, names: Names) -> str:
    """A stored amendment value with an id (``ID_FIELDS``: a department's) replaced by its
    name (as JSON): the documents run in a worker thread without the database, and the chat
    shows the same; an id tells a reader nothing."""
    name_of = ID_FIELDS.get(field)
    if name_of is None:
        return stored
    try:
        value = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(value, int) or isinstance(value, bool):
        return stored
    return json.dumps(name_of(names, value), ensure_ascii=False)


async def load_names(session: AsyncSession) -> Names:
    """Every staff member's and department's name by id (one query each)."""
    staff = (await session.execute(select(Staff.id, Staff.name, Staff.department_id))).all()
    departments = await session.execute(select(Department.id, Department.name))
    return Names(
        {staff_id: name for staff_id, name, _ in staff},
        {department_id: name for department_id, name in departments.all()},
        {staff_id: department_id for staff_id, _, department_id in staff},
    )


DeadlineKey = tuple[date, bool, date | None]


def deadline_key(record: Record, rules: DeadlineRules) -> DeadlineKey | None:
    """What ``rules.for_record`` reads of ``record``: the court-local days its periods start
    (receipt; submission or receipt for the co-signatures), whether it is an Art. 5 opinion
    (no platform milestone) and whether it has co-signers. None when one of those times is
    naive, which the calendar refuses."""
    tz = rules.calendar.tz
    received = record.received_at
    if received.utcoffset() is None:
        return None
    cosign: date | None = None
    if record.cosigners:
        start = record.submitted_at or received
        if start.utcoffset() is None:
            return None
        cosign = start.astimezone(tz).date()
    return received.astimezone(tz).date(), record.kind == RecordKind.REFERENCE_OPINION, cosign


def milestone_lines(
    record: Record,
    rules: DeadlineRules,
    now: datetime,
    known: dict[DeadlineKey, dict[Milestone, datetime]] | None = None,
) -> tuple[MilestoneLine, ...]:
    """Each milestone the record owes, with its deadline, when it was met, and how it stands
    (``State``; 签字确认 with a co-signer's dispute in the current round is ``DISPUTED``).

    ``known``: deadlines already counted, by :func:`deadline_key`, kept and added to (a
    quarter's records share a few dozen days of receipt)."""
    key = None if known is None else deadline_key(record, rules)
    if known is None or key is None:
        deadlines = rules.for_record(record)
    else:
        found = known.get(key)
        if found is None:
            found = known[key] = rules.for_record(record)
        deadlines = found
    lines = []
    for milestone in MILESTONE_ORDER:
        deadline = deadlines.get(milestone)
        if deadline is None:
            continue
        met = met_at(record, milestone)
        if milestone is Milestone.COSIGNED and cosign_disputed(record):
            state = State.DISPUTED
        elif met is not None:
            state = State.ON_TIME if met < deadline else State.LATE
        else:
            state = State.MISSED if deadline <= now else State.PENDING
        lines.append(MilestoneLine(milestone, deadline, met, state))
    return tuple(lines)


def milestones_of(
    records: Sequence[Record],
    rules: DeadlineRules,
    now: datetime,
    known: dict[DeadlineKey, dict[Milestone, datetime]],
) -> list[tuple[MilestoneLine, ...]]:
    """:func:`milestone_lines` of each of ``records`` (a report's batch), in their order; the
    same lines, quicker: the deadlines of each :func:`deadline_key` are put in order once, and
    each step's time is read from the record's columns (``reminders.planner.met_at``)."""
    tz = rules.calendar.tz
    reference = RecordKind.REFERENCE_OPINION
    submitted = RecordStatus.SUBMITTED
    on_time, late, missed, pending = State.ON_TIME, State.LATE, State.MISSED, State.PENDING
    confirmed, dispute = CosignStatus.CONFIRMED, CosignStatus.DISPUTED
    cosign_step = Milestone.COSIGNED
    # Each deadline is compared in UTC, the zone the records' times come in: two times of
    # the same zone compare without asking the zone for its offsets.
    utc_now = now.astimezone(UTC)
    ordered: dict[DeadlineKey, tuple[tuple[int, Milestone, datetime, datetime], ...]] = {}
    found: list[tuple[MilestoneLine, ...]] = []
    for record in records:
        received = record.received_at
        cosigners = record.cosigners
        start = (record.submitted_at or received) if cosigners else received
        if received.utcoffset() is None or start.utcoffset() is None:
            found.append(milestone_lines(record, rules, now, known))
            continue
        key = (
            received.astimezone(tz).date(),
            record.kind == reference,
            start.astimezone(tz).date() if cosigners else None,
        )
        steps = ordered.get(key)
        if steps is None:
            deadlines = known.get(key)
            if deadlines is None:
                deadlines = known[key] = rules.for_record(record)
            steps = ordered[key] = tuple(
                (n, milestone, deadlines[milestone], deadlines[milestone].astimezone(UTC))
                for n, milestone in enumerate(MILESTONE_ORDER)
                if milestone in deadlines
            )
        disputed = False
        if cosigners:
            cosigned = None
            if record.status == submitted:
                disputed = any(c.status == dispute for c in cosigners)
                if record.cosigners_done and all(c.status == confirmed for c in cosigners):
                    times = [c.responded_at for c in cosigners if c.responded_at is not None]
                    cosigned = max(times) if times else record.submitted_at
            mets = (record.submitted_at, record.platform_entered_at, record.form_delivered_at,
                    cosigned)  # fmt: skip
        else:
            mets = (record.submitted_at, record.platform_entered_at, record.form_delivered_at, None)
        lines = []
        for n, milestone, deadline, utc_deadline in steps:
            met = mets[n]
            if disputed and milestone is cosign_step:
                state = State.DISPUTED
            elif met is not None:
                state = on_time if met < utc_deadline else late
            else:
                state = missed if utc_deadline <= utc_now else pending
            lines.append(MilestoneLine(milestone, deadline, met, state))
        found.append(tuple(lines))
    return found


def timeliness_lines(
    record: Record,
    rules: DeadlineRules,
    now: datetime,
    known: dict[DeadlineKey, dict[Milestone, datetime]] | None = None,
) -> tuple[MilestoneLine, ...]:
    """The Art. 6 steps ``record`` counts in the timeliness figures (Art. 10), whatever its
    status; the one rule the report, ``/compliance`` and ``/overdue`` share.

    - A submitted record: :func:`milestone_lines`.
    - A draft: every step it owes, none met (the form is not filled until it is submitted):
      each step whose deadline has passed at ``now`` is missed (逾期未办), the others are
      not yet due. The deadlines count from the receipt time given, as for a submitted
      record.
    - A withdrawn draft: the steps whose deadline passed before the withdrawal, missed (the
      inquiry stood unrecorded past them); a step due after the withdrawal is not owed.
      Withdrawn in time, it owes nothing.
    - An inquiry by the court's own staff (Art. 14): nothing; other rules govern it.
    - A draft, open or withdrawn, whose receipt time the judge never gave or confirmed
      (``reminders.deadlines.clock_started``): nothing; no received inquiry stood unrecorded.

    ``known`` is passed on to :func:`milestone_lines`.
    """
    if record.kind == RecordKind.INTERNAL or not clock_started(record):
        return ()
    if record.status == RecordStatus.WITHDRAWN:
        withdrawn = record.withdrawn_at or now
        return tuple(
            MilestoneLine(line.milestone, line.deadline, None, State.MISSED)
            for line in milestone_lines(record, rules, now, known)
            if line.deadline <= withdrawn
        )
    return milestone_lines(record, rules, now, known)


async def facts_for(
    session: AsyncSession,
    records: Sequence[Record],
    names: Names,
    rules: DeadlineRules,
    now: datetime,
) -> list[RecordFacts]:
    """The facts of ``records``, in their order: four queries for the whole batch."""
    ids = [record.id for record in records]
    evidence: dict[int, list[EvidenceLine]] = defaultdict(list)
    amendments: dict[int, list[AmendmentLine]] = defaultdict(list)
    dialect = session.get_bind().dialect.name
    if ids:
        # Plain rows (Core), not ORM objects: a report reads tens of thousands of them.
        items = await session.execute(
            select(
                EvidenceItem.record_id,
                EvidenceItem.original_name,
                EvidenceItem.declared_mime,
                EvidenceItem.declared_size,
                EvidenceItem.blob_sha256,
                EvidenceItem.received_at,
                EvidenceItem.unavailable_reason,
                EvidenceItem.over_cap,
                EvidenceItem.caption,
                EvidenceItem.forward_sender,
                EvidenceItem.forward_chat,
                EvidenceItem.forward_sent_at,
                EvidenceBlob.sha256.label("blob"),
                EvidenceBlob.kind,
                EvidenceBlob.mime,
                EvidenceBlob.size,
                EvidenceBlob.damaged,
            )
            .outerjoin(EvidenceBlob, EvidenceBlob.sha256 == EvidenceItem.blob_sha256)
            .where(among(EvidenceItem.record_id, ids, dialect))
            .order_by(EvidenceItem.id)
        )
        for item in items:
            kept = item.blob is not None
            evidence[item.record_id].append(
                EvidenceLine(
                    name=item.original_name,
                    kind=item.kind if kept else None,
                    mime=item.mime if kept else item.declared_mime,
                    size=item.size if kept else item.declared_size,
                    sha256=item.blob_sha256,
                    received_at=item.received_at,
                    damaged=bool(kept and item.damaged),
                    unavailable=item.unavailable_reason or ("over_cap" if item.over_cap else None),
                    caption=item.caption,
                    forward_sender=item.forward_sender,
                    forward_chat=item.forward_chat,
                    forward_sent_at=item.forward_sent_at,
                )
            )
        changes = await session.execute(
            select(RecordAmendment.__table__)
            .where(among(RecordAmendment.record_id, ids, dialect))
            .order_by(RecordAmendment.id)
        )
        for change in changes:
            amendments[change.record_id].append(
                AmendmentLine(
                    at=change.at,
                    field=change.field,
                    old=resolved(change.field, change.old_value, names),
                    new=resolved(change.field, change.new_value, names),
                    reason=change.reason,
                    by=names.person(change.by_staff_id),
                )
            )
    # The audit chain is read only for records with co-signers, now or before a correction.
    recast = {
        i for i, lines in amendments.items() if any(a.field == COSIGNERS_FIELD for a in lines)
    }
    trail = await cosign_trail(session, [r.id for r in records if r.cosigners or r.id in recast])
    earlier = trail.earlier
    known: dict[DeadlineKey, dict[Milestone, datetime]] = {}
    person, department = names.person, names.department
    steps = milestones_of(records, rules, now, known)
    return [
        RecordFacts(
            record,
            person(record.handler_id),
            department(record.department_id),
            tuple(
                CosignerLine(
                    name=person(c.staff_id) if c.staff_id is not None else c.name or "",
                    status=c.status,
                    requested_at=c.requested_at,
                    responded_at=c.responded_at,
                    reason=c.reason,
                    earlier=tuple(
                        earlier.get(
                            (record.id, c.staff_id if c.staff_id is not None else c.name or "")
                        )
                        or ()
                    ),
                    offline=c.staff_id is None,
                )
                for c in record.cosigners
            )
            if record.cosigners
            else (),
            lines,
            tuple(evidence[record.id]) if record.id in evidence else (),
            tuple(amendments[record.id]) if record.id in amendments else (),
            tuple(
                RemovedLine(person(r.staff_id) or r.name or "", r.answers, r.removed_at)
                for r in trail.removed[record.id]
            )
            if record.id in trail.removed
            else (),
        )
        for record, lines in zip(records, steps, strict=True)
    ]
