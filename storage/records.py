"""Inquiry records: drafts, fields, submission, amendments, withdrawal and co-signatures.

Each change appends an audit event in the caller's transaction. A draft's fields may be set
freely; once submitted a record changes only through amendments, which keep the old value, the
new value, who, when and why.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    and_,
    bindparam,
    event,
    exists,
    func,
    inspect,
    literal_column,
    not_,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from storage import audit
from storage.audit import AuditKind, canonical_json
from storage.db import insert_ignore
from storage.models import (
    AuditEvent,
    QuarterReport,
    Record,
    RecordAmendment,
    RecordCosigner,
    RecordCounter,
    Staff,
)
from storage.vocabulary import CosignStatus, Milestone, RecordStatus, Role

FIELDS: frozenset[str] = frozenset(
    {
        "kind",
        "received_at",
        "received_confirmed",
        "inquiry_at",
        "channel",
        "channel_other",
        "inquirer_name",
        "inquirer_unit",
        "inquirer_position",
        "unit_category",
        "retired",
        "main_leader",
        "intermediary",
        "intermediary_name",
        "intermediary_relation",
        "case_name",
        "case_number",
        "case_not_filed",
        "department_id",
        "summary",
        "art9_items",
        "art9_other",
        "serious",
        "place",
        "persons_present",
        "material_route",
        "originals_destination",
        "originals_note",
    }
)

AMENDABLE: frozenset[str] = FIELDS | {"platform_ref"}
"""The columns a correction may change: the intake's, and the reference the court's platform
gave the record (Art. 6), which the handler may give or correct after submission."""
CosignKey = int | str
"""Who a co-signer is, in the trail: a staff id, or the name of a person present who is not
in the bot (``RecordCosigner.offline``)."""


def key_of(cosigner: RecordCosigner) -> CosignKey:
    """The co-signer's ``CosignKey``: their staff id, else their name."""
    return cosigner.staff_id if cosigner.staff_id is not None else cosigner.name or ""


STAFF_IN_PERSONS = "staff_in_persons_present"
"""Key, in ``Record.fields``, of the ids of court staff the judge named among the persons
present who are not court staff; the court-staff-present question offers to move them."""

COSIGNERS_FIELD = "cosigners"
"""A correction's field name for who of the court's staff was present (``amend_cosigners``)."""


TOUCHED = "touched_records"
HELD = "touched_record_objects"
CHANGED = "guowen_changed"
"""Key, in a record's ``InstanceState.info``, of the names of its columns flushed since
``forget_changes`` (``NEW`` among them for a record inserted meanwhile)."""
NEW = "<new>"
COSIGNERS = "guowen_cosigners_changed"
"""Key, in ``session.info``: a co-signer row was inserted, changed or deleted."""


def touch(session: AsyncSession, record: Record) -> None:
    """Note that ``record`` changed in this transaction, so its reminders are planned again.

    The record is held (the identity map holds only weak references), so the re-planning
    finds it loaded rather than reading it again."""
    session.info.setdefault(TOUCHED, set()).add(record.id)
    session.info.setdefault(HELD, {})[record.id] = record


def touched(session: AsyncSession) -> set[int]:
    """The ids of the records ``touch`` noted in this session's transaction."""
    return set(session.info.get(TOUCHED, set()))


def touched_records(session: AsyncSession) -> dict[int, Record]:
    """The records ``touch`` noted that are still loaded in the session, by id."""
    return dict(session.info.get(HELD, {}))


def changes(session: AsyncSession, record: Record) -> set[str]:
    """The names of the record's columns flushed since ``forget_changes`` (``NEW`` when it was
    inserted meanwhile), plus ``"cosigners"`` when any co-signer row changed in the session.
    Conservative: a change undone by a rolled-back savepoint still counts."""
    names = set(inspect(record).info.get(CHANGED, ()))
    if session.info.get(COSIGNERS):
        names.add("cosigners")
    return names


def forget_changes(session: AsyncSession, records: Iterable[Record]) -> None:
    """Start noting changes afresh (after the reminders of ``records`` were planned)."""
    for record in records:
        inspect(record).info.pop(CHANGED, None)
    session.info.pop(COSIGNERS, None)


@event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: object, _instances: object) -> None:
    """Note which columns of each record a flush writes (see ``changes``)."""
    for obj in session.new:
        if isinstance(obj, Record):
            inspect(obj).info.setdefault(CHANGED, set()).add(NEW)
        elif isinstance(obj, RecordCosigner):
            session.info[COSIGNERS] = True
    for obj in session.dirty:
        if isinstance(obj, Record):
            # The attributes set since the last flush (their old values are kept there): a
            # value set to what it was counts too, which only re-plans once more.
            state = inspect(obj)
            state.info.setdefault(CHANGED, set()).update(state.committed_state)
        elif isinstance(obj, RecordCosigner):
            session.info[COSIGNERS] = True
    if any(isinstance(obj, RecordCosigner) for obj in session.deleted):
        session.info[COSIGNERS] = True


class RecordStateError(Exception):
    """An operation that the record's status does not allow (a bug in the caller)."""


def to_json(value: Any) -> Any:
    """``value`` as JSON can hold it: a datetime as ISO 8601, a set sorted into a list, a tuple as
    a list; anything else as it is.
    """
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return value


def snapshot(record: Record) -> dict[str, Any]:
    """Every field of the record as plain JSON values, for the audit trail."""
    data = {name: to_json(getattr(record, name)) for name in sorted(FIELDS)}
    data["number"] = record.number
    data["status"] = record.status
    data["handler_id"] = record.handler_id
    data["cosigners"] = [c.staff_id for c in record.cosigners if c.staff_id is not None]
    offline = offline_names(record)
    if offline:
        data["offline"] = offline
    return data


def offline_names(record: Record) -> list[str]:
    """The names of the staff present who are not in the bot, in the rows' order (Art. 3)."""
    return [c.name or "" for c in record.cosigners if c.staff_id is None]


def _named(names: Sequence[str]) -> list[str]:
    """``names`` stripped, blanks dropped, each once, in order."""
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


def _recast_rows(
    record: Record,
    people: Sequence[Staff],
    offline: Sequence[str],
    requested_at: datetime | None,
) -> tuple[list[RecordCosigner], list[RecordCosigner]]:
    """Make ``record.cosigners`` name ``people`` and the ``offline`` names: rows of those no
    longer named leave the list (returned first, for the caller to delete), rows of the newly
    named are appended pending (returned second)."""
    wanted: set[CosignKey] = {person.id for person in people} | set(offline)
    gone = [c for c in record.cosigners if key_of(c) not in wanted]
    for cosigner in gone:
        record.cosigners.remove(cosigner)
    have = {key_of(c) for c in record.cosigners}
    added: list[RecordCosigner] = []
    for person in people:
        if person.id not in have:
            added.append(
                RecordCosigner(
                    record_id=record.id,
                    staff_id=person.id,
                    staff=person,
                    status=CosignStatus.PENDING,
                    requested_at=requested_at,
                )
            )
    for name in offline:
        if name not in have:
            added.append(
                RecordCosigner(
                    record_id=record.id,
                    staff_id=None,
                    name=name,
                    status=CosignStatus.PENDING,
                    requested_at=requested_at,
                )
            )
    record.cosigners.extend(added)
    return gone, added


def _actor(person: Staff) -> dict[str, Any]:
    return {"actor_staff_id": person.id, "actor": person.name}


async def create_draft(
    session: AsyncSession, *, handler: Staff, received_at: datetime, at: datetime
) -> Record:
    """A new draft record of ``handler`` (in their department), received at ``received_at`` (not
    yet confirmed by them), audited; it has no number until it is submitted.
    """
    record = Record(
        status=RecordStatus.DRAFT,
        handler_id=handler.id,
        department_id=handler.department_id,
        received_at=received_at,
        received_confirmed=False,
        created_at=at,
        fields={},
    )
    session.add(record)
    await session.flush()
    await session.refresh(record, ["cosigners"])
    touch(session, record)
    await audit.append(
        session,
        AuditKind.RECORD_CREATED,
        at=at,
        subject=f"record:{record.id}",
        payload={"received_at": received_at.isoformat(), "department_id": record.department_id},
        **_actor(handler),
    )
    return record


async def set_fields(
    session: AsyncSession,
    record: Record,
    values: Mapping[str, Any],
    *,
    actor: Staff,
    at: datetime,
) -> None:
    """Set draft fields; each change is one ``field_set`` event."""
    if record.status != RecordStatus.DRAFT:
        raise RecordStateError(f"record {record.id} is {record.status}; amend it instead")
    for name, value in values.items():
        if name not in FIELDS:
            raise KeyError(name)
        if getattr(record, name) == value:
            continue
        setattr(record, name, value)
        touch(session, record)
        await audit.append(
            session,
            AuditKind.FIELD_SET,
            at=at,
            subject=f"record:{record.id}",
            payload={"field": name, "value": to_json(value)},
            **_actor(actor),
        )
    await session.flush()


async def set_cosigners(
    session: AsyncSession,
    record: Record,
    people: Sequence[Staff],
    *,
    actor: Staff,
    at: datetime,
    offline: Sequence[str] = (),
) -> None:
    """Name the court staff who were present (draft only); replaces an earlier choice.

    ``offline``: the names of those present who are not in the bot; each is a co-signer row
    without a staff id, who signs the printed form by hand (Art. 3)."""
    if record.status != RecordStatus.DRAFT:
        raise RecordStateError(f"record {record.id} is {record.status}")
    names = _named(offline)
    gone, _added = _recast_rows(record, people, names, None)
    for cosigner in gone:
        await session.delete(cosigner)
    await session.flush()
    payload: dict[str, Any] = {
        "field": "cosigners",
        "value": sorted(person.id for person in people),
    }
    if names:
        payload["offline"] = names
    await audit.append(
        session,
        AuditKind.FIELD_SET,
        at=at,
        subject=f"record:{record.id}",
        payload=payload,
        **_actor(actor),
    )


async def _next_number(session: AsyncSession, year: int) -> int:
    # The year's row is created ignoring a conflict, then locked: two instances numbering the
    # year's first record at once both find it, and the second waits for the first's number.
    dialect = session.get_bind().dialect.name
    await session.execute(insert_ignore(dialect, RecordCounter).values(year=year, last=0))
    counter = (
        await session.execute(
            select(RecordCounter).where(RecordCounter.year == year).with_for_update()
        )
    ).scalar_one()
    counter.last += 1
    await session.flush()
    return counter.last


async def submit(
    session: AsyncSession,
    record: Record,
    *,
    actor: Staff,
    at: datetime,
    number_format: str,
    tz: ZoneInfo,
) -> Record:
    """Freeze the record and give it its number; the snapshot goes into the audit chain."""
    if record.status != RecordStatus.DRAFT:
        raise RecordStateError(f"record {record.id} is {record.status}")
    year = at.astimezone(tz).year
    n = await _next_number(session, year)
    record.number = number_format.format(year=year, n=n)
    record.status = RecordStatus.SUBMITTED
    record.submitted_at = at
    for cosigner in record.cosigners:
        cosigner.requested_at = at
    record.cosigners_done = not record.cosigners
    touch(session, record)
    await session.flush()
    await audit.append(
        session,
        AuditKind.SUBMITTED,
        at=at,
        subject=f"record:{record.id}",
        payload=snapshot(record),
        **_actor(actor),
    )
    return record


async def amend(
    session: AsyncSession,
    record: Record,
    name: str,
    value: Any,
    *,
    reason: str,
    actor: Staff,
    at: datetime,
) -> RecordAmendment:
    """Change field ``name`` of a submitted record to ``value``, keeping the old value and
    ``reason`` in a ``RecordAmendment`` and the audit trail (a submitted record is never
    rewritten silently). Raises ``RecordStateError`` unless the record is submitted and
    ``KeyError`` for a field that is not one of ``AMENDABLE``.
    """
    if record.status != RecordStatus.SUBMITTED:
        raise RecordStateError(f"record {record.id} is {record.status}")
    if name not in AMENDABLE:
        raise KeyError(name)
    return await _changed(session, record, name, value, reason=reason, actor=actor, at=at)


async def amend_draft(
    session: AsyncSession,
    record: Record,
    name: str,
    value: Any,
    *,
    reason: str,
    actor: Staff,
    at: datetime,
) -> RecordAmendment:
    """Change field ``name`` of a draft to ``value`` as a correction, not a plain answer: the
    old value, the new one, who, when and ``reason`` kept in a ``RecordAmendment`` and the
    audit trail, as ``amend`` keeps a submitted record's. For a draft's deadline-bearing time
    once a notice of its breach went out (``handlers.told``): the breach told stays on record.
    Raises ``RecordStateError`` unless the record is a draft and ``KeyError`` for a field that
    is not one of ``FIELDS``.
    """
    if record.status != RecordStatus.DRAFT:
        raise RecordStateError(f"record {record.id} is {record.status}; amend it instead")
    if name not in FIELDS:
        raise KeyError(name)
    return await _changed(session, record, name, value, reason=reason, actor=actor, at=at)


async def _changed(
    session: AsyncSession,
    record: Record,
    name: str,
    value: Any,
    *,
    reason: str,
    actor: Staff,
    at: datetime,
) -> RecordAmendment:
    """Set ``record``'s field ``name`` to ``value`` and keep the change (``_kept``)."""
    old = canonical_json(to_json(getattr(record, name)))
    setattr(record, name, value)
    new = canonical_json(to_json(value))
    return await _kept(session, record, name, old, new, reason=reason, actor=actor, at=at)


async def _kept(
    session: AsyncSession,
    record: Record,
    name: str,
    old: str,
    new: str,
    *,
    reason: str,
    actor: Staff,
    at: datetime,
    **told: Any,
) -> RecordAmendment:
    """Keep one correction of ``record``'s field ``name`` (``old`` and ``new`` as canonical
    JSON): a ``RecordAmendment`` row and an ``AMENDED`` audit event, whose payload also
    holds ``told``; the record is marked changed (``touch``) for the reminders."""
    amendment = RecordAmendment(
        record_id=record.id,
        field=name,
        old_value=old,
        new_value=new,
        reason=reason,
        by_staff_id=actor.id,
        at=at,
    )
    session.add(amendment)
    touch(session, record)
    await session.flush()
    await audit.append(
        session,
        AuditKind.AMENDED,
        at=at,
        subject=f"record:{record.id}",
        payload={"field": name, "old": old, "new": new, "reason": reason, **told},
        **_actor(actor),
    )
    return amendment


async def amend_cosigners(
    session: AsyncSession,
    record: Record,
    people: Sequence[Staff],
    *,
    reason: str,
    actor: Staff,
    at: datetime,
    offline: Sequence[str] = (),
) -> tuple[RecordAmendment | None, list[RecordCosigner]]:
    """Correct who of the court's staff was present at a submitted record's inquiry (Art. 3):
    the names before and after are kept in a ``RecordAmendment`` (field ``cosigners``, each
    value a list of names) and the audit trail (with ``staff_ids``, those named in their
    order, and ``offline``, the names of those not in the bot). A person no longer
    named stops co-signing, their answers (or paper signature) staying in the audit chain; a
    person newly named is asked from ``at``, one not in the bot pending until their paper
    signature is confirmed. Returns the amendment and the co-signers added; ``(None, [])``
    when the same people are named. Raises ``RecordStateError`` unless the record is
    submitted.
    """
    if record.status != RecordStatus.SUBMITTED:
        raise RecordStateError(f"record {record.id} is {record.status}")
    names = _named(offline)
    wanted: set[CosignKey] = {person.id for person in people} | set(names)
    if wanted == {key_of(c) for c in record.cosigners}:
        return None, []
    old = canonical_json([c.who for c in record.cosigners])
    new = canonical_json([person.name for person in people] + names)
    gone, added = _recast_rows(record, people, names, at)
    for cosigner in gone:
        await session.delete(cosigner)
    record.cosigners_done = all_confirmed(record)
    amendment = await _kept(
        session,
        record,
        COSIGNERS_FIELD,
        old,
        new,
        reason=reason,
        actor=actor,
        at=at,
        staff_ids=[person.id for person in people],
        offline=names,
    )
    return amendment, added


async def drop_present(
    session: AsyncSession, record: Record, *, reason: str, actor: Staff, at: datetime
) -> tuple[RecordAmendment | None, list[Staff]]:
    """Nobody was present at a submitted record's inquiry any more (Art. 3: a record corrected
    to a channel that is not in person has no court staff present): every co-signer stops
    co-signing, those not in the bot too, their answers (or paper signatures) staying in the
    audit chain (``amend_cosigners`` to nobody). One ``RecordAmendment`` (field ``cosigners``,
    old: every name, new: none) keeps them. Returns it and the co-signers in the bot taken
    off (to be told); ``(None, [])`` when nobody was named. Raises ``RecordStateError``
    unless the record is submitted."""
    if record.status != RecordStatus.SUBMITTED:
        raise RecordStateError(f"record {record.id} is {record.status}")
    before = [c.staff for c in record.cosigners if c.staff is not None]
    amendment, _ = await amend_cosigners(
        session, record, [], reason=reason, actor=actor, at=at, offline=()
    )
    record.fields = {
        k: v
        for k, v in record.fields.items()
        if k not in (STAFF_IN_PERSONS, "staff_present_answered")
    }
    record.cosigners_done = True
    return amendment, before


async def amendments(session: AsyncSession, record_id: int) -> Sequence[RecordAmendment]:
    """The amendments of ``record_id``, oldest first."""
    query = (
        select(RecordAmendment)
        .where(RecordAmendment.record_id == record_id)
        .order_by(RecordAmendment.id)
    )
    return (await session.execute(query)).scalars().all()


async def withdraw(
    session: AsyncSession, record: Record, *, reason: str, actor: Staff, at: datetime
) -> None:
    """Withdraw a draft: kept for ever, visible to the integrity officer, never deleted."""
    if record.status != RecordStatus.DRAFT:
        raise RecordStateError(f"record {record.id} is {record.status}")
    record.status = RecordStatus.WITHDRAWN
    record.withdrawn_at = at
    record.withdraw_reason = reason
    touch(session, record)
    await session.flush()
    await audit.append(
        session,
        AuditKind.WITHDRAWN,
        at=at,
        subject=f"record:{record.id}",
        payload={"reason": reason, "snapshot": snapshot(record)},
        **_actor(actor),
    )


def all_confirmed(record: Record) -> bool:
    """Whether every co-signer of ``record`` has confirmed it (Art. 3 签字确认): what
    ``Record.cosigners_done`` holds. A dispute is an answer, not a confirmation."""
    return all(c.status == CosignStatus.CONFIRMED for c in record.cosigners)


async def respond(
    session: AsyncSession,
    cosigner: RecordCosigner,
    *,
    confirmed: bool,
    reason: str | None,
    actor: Staff,
    at: datetime,
) -> None:
    """A co-signer's answer (Art. 3: the other court staff present sign to confirm):
    confirmed, or disputed with ``reason``; audited, and the record notes when every
    co-signer has confirmed (``all_confirmed``).
    """
    await _answered(
        session,
        cosigner,
        CosignStatus.CONFIRMED if confirmed else CosignStatus.DISPUTED,
        reason,
        AuditKind.COSIGNED if confirmed else AuditKind.DISPUTED,
        {"cosigner": cosigner.staff_id, "reason": reason},
        actor=actor,
        at=at,
    )


async def _answered(
    session: AsyncSession,
    cosigner: RecordCosigner,
    status: CosignStatus,
    reason: str | None,
    kind: AuditKind,
    payload: dict[str, Any],
    *,
    actor: Staff,
    at: datetime,
) -> None:
    """``cosigner``'s answer stored at ``at`` and audited (``kind``, ``payload``); the record
    notes whether every co-signer has now confirmed (``all_confirmed``)."""
    cosigner.status = status
    cosigner.reason = reason
    cosigner.responded_at = at
    record = cosigner.record
    record.cosigners_done = all_confirmed(record)
    touch(session, record)
    await session.flush()
    await audit.append(
        session,
        kind,
        at=at,
        subject=f"record:{cosigner.record_id}",
        payload=payload,
        **_actor(actor),
    )


async def confirm_paper(
    session: AsyncSession, cosigner: RecordCosigner, *, actor: Staff, at: datetime
) -> None:
    """The handler confirms that ``cosigner``, present but not in the bot, signed the printed
    form by hand (Art. 3: the staff present sign to confirm): confirmed at ``at``, audited
    (``paper_signed``, with who confirmed it), and the record notes when every co-signer has
    confirmed (``all_confirmed``). Raises ``RecordStateError`` for a co-signer in the bot
    (they answer in their own chat) or one already confirmed."""
    if cosigner.staff_id is not None or cosigner.status != CosignStatus.PENDING:
        raise RecordStateError(f"co-signer {cosigner.id} is {cosigner.status}")
    await _answered(
        session,
        cosigner,
        CosignStatus.CONFIRMED,
        None,
        AuditKind.PAPER_SIGNED,
        {"offline": cosigner.name},
        actor=actor,
        at=at,
    )


async def reask_cosigners(
    session: AsyncSession, record: Record, *, actor: Staff, at: datetime
) -> list[RecordCosigner]:
    """After a correction every co-signer confirms the corrected text again (Art. 3): each
    is pending anew, asked at ``at``; their earlier answers stay in the audit chain. The
    co-signers asked again, in order."""
    asked = list(record.cosigners)
    if not asked:
        return []
    previous = {c.staff_id: c.status for c in asked if c.staff_id is not None}
    offline = {c.name or "": c.status for c in asked if c.staff_id is None}
    for cosigner in asked:
        cosigner.status = CosignStatus.PENDING
        cosigner.reason = None
        cosigner.requested_at = at
        cosigner.responded_at = None
    record.cosigners_done = False
    touch(session, record)
    await session.flush()
    await audit.append(
        session,
        AuditKind.COSIGN_REASKED,
        at=at,
        subject=f"record:{record.id}",
        payload={
            "cosigners": [c.staff_id for c in asked if c.staff_id is not None],
            "previous": previous,
            **({"offline": offline} if offline else {}),
        },
        **_actor(actor),
    )
    return asked


@dataclass(frozen=True)
class EarlierAnswer:
    """A co-signer's answer that a later correction asked again (Art. 3): confirmed, or
    disputed with ``reason``, given at ``at`` (UTC)."""

    confirmed: bool
    reason: str | None
    at: datetime


def among(column: Any, ids: Sequence[int] | Sequence[str], dialect: str) -> ColumnElement[bool]:
    """``column IN ids`` for a batch of ids (a report's 2,000 records). On SQLite the ids go as
    one JSON text read by ``json_each`` (one bound parameter: the statement is compiled once,
    not rendered again with a placeholder per id each time); elsewhere an expanding ``IN``."""
    if dialect == "sqlite":
        listed: Select[Any] = select(literal_column("value")).select_from(
            func.json_each(json.dumps(list(ids)))
        )
        return cast(ColumnElement[bool], column.in_(listed))
    return cast(ColumnElement[bool], column.in_(list(ids)))


@dataclass(frozen=True)
class RemovedCosigner:
    """A staff member a correction took off the staff present (Art. 3) after they were
    asked: their answers, oldest first (none when they had not answered), and when the
    correction removed them (``removed_at``, UTC)."""

    staff_id: int | None
    answers: tuple[EarlierAnswer, ...]
    removed_at: datetime
    name: str | None = None
    """The name of a person not in the bot (``staff_id`` None), who had signed by hand or
    not (their paper signature confirmed is the answer)."""

    @property
    def key(self) -> CosignKey:
        """The person's ``CosignKey``."""
        return self.staff_id if self.staff_id is not None else self.name or ""


@dataclass
class CosignTrail:
    """What the audit chain says of a batch of records' co-signers beyond their current rows
    (``cosign_trail``): ``earlier`` answers by ``(record_id, staff_id)``, oldest first, and
    ``removed`` co-signers by record, in the order they were removed. A person not in the
    bot is keyed by name (``CosignKey``)."""

    earlier: dict[tuple[int, CosignKey], list[EarlierAnswer]]
    removed: dict[int, list[RemovedCosigner]]


async def cosign_trail(session: AsyncSession, record_ids: Sequence[int]) -> CosignTrail:
    """The co-signers' history of ``record_ids`` read back from the audit chain (one query).

    A ``record_cosigners`` row holds only the current round of a person still named; the
    rest is in the chain: the staff named at submission (``submitted``), each answer
    (``respond``), each round asked again (``reask_cosigners``) and each correction of the
    staff present (``amend_cosigners``). A person removed keeps their answers, a dispute
    above all, as a ``RemovedCosigner``; a person named again later gets them back as
    earlier answers, so nobody is listed twice.
    """
    trail = CosignTrail(defaultdict(list), defaultdict(list))
    if not record_ids:
        return trail
    subjects = {f"record:{record_id}": record_id for record_id in record_ids}
    dialect = session.get_bind().dialect.name
    kinds = (
        AuditKind.SUBMITTED.value,
        AuditKind.COSIGNED.value,
        AuditKind.DISPUTED.value,
        AuditKind.PAPER_SIGNED.value,
        AuditKind.COSIGN_REASKED.value,
        AuditKind.AMENDED.value,
    )
    rows = await session.execute(
        select(AuditEvent.subject, AuditEvent.kind, AuditEvent.at, AuditEvent.payload)
        .where(among(AuditEvent.subject, list(subjects), dialect), AuditEvent.kind.in_(kinds))
        .order_by(AuditEvent.seq)
    )
    named: dict[int, list[CosignKey]] = {}
    current: dict[int, dict[CosignKey, EarlierAnswer]] = defaultdict(dict)
    for subject, kind, at, payload in rows:
        record_id = subjects[str(subject)]
        body = json.loads(payload)
        if kind == AuditKind.SUBMITTED.value:
            named[record_id] = _keys(body.get("cosigners"), body.get("offline"))
        elif kind == AuditKind.COSIGN_REASKED.value:
            for key, answer in current.pop(record_id, {}).items():
                trail.earlier[(record_id, key)].append(answer)
        elif kind == AuditKind.AMENDED.value:
            if body.get("field") == COSIGNERS_FIELD:
                wanted = _keys(body.get("staff_ids"), body.get("offline"))
                _recast(trail, record_id, named, current, wanted, at)
        elif kind == AuditKind.PAPER_SIGNED.value:
            signed = EarlierAnswer(confirmed=True, reason=None, at=at)
            current[record_id][str(body.get("offline") or "")] = signed
        else:
            current[record_id][int(body["cosigner"])] = EarlierAnswer(
                confirmed=kind == AuditKind.COSIGNED.value, reason=body.get("reason"), at=at
            )
    return trail


def _keys(staff_ids: Any, offline: Any) -> list[CosignKey]:
    """The ``CosignKey`` of the people an event names: staff ids, then offline names."""
    keys: list[CosignKey] = [int(i) for i in staff_ids] if isinstance(staff_ids, list) else []
    keys += [str(name) for name in offline] if isinstance(offline, list) else []
    return keys


def _recast(
    trail: CosignTrail,
    record_id: int,
    named: dict[int, list[CosignKey]],
    current: dict[int, dict[CosignKey, EarlierAnswer]],
    wanted: list[CosignKey],
    at: datetime,
) -> None:
    """A correction of the staff present, as ``cosign_trail`` reads it."""
    removed = trail.removed[record_id]
    for key in named.get(record_id, []):
        if key in wanted:
            continue
        answers = trail.earlier.pop((record_id, key), [])
        answer = current.get(record_id, {}).pop(key, None)
        answers += [answer] if answer is not None else []
        staff_id, name = (key, None) if isinstance(key, int) else (None, key)
        removed.append(RemovedCosigner(staff_id, tuple(answers), at, name))
    for key in wanted:
        again = [r for r in removed if r.key == key]
        if again and key not in named.get(record_id, []):
            removed[:] = [r for r in removed if r.key != key]
            trail.earlier[(record_id, key)] = [a for r in again for a in r.answers]
    named[record_id] = wanted
    if not removed:
        trail.removed.pop(record_id, None)


async def earlier_answers(
    session: AsyncSession, record_ids: Sequence[int]
) -> dict[tuple[int, CosignKey], list[EarlierAnswer]]:
    """Each co-signer's answers before the latest correction re-asked them, oldest first,
    keyed by ``(record_id, staff_id)`` (``cosign_trail``'s ``earlier``), so a dispute stays
    on the record after a correction."""
    return (await cosign_trail(session, record_ids)).earlier


async def reasked(session: AsyncSession, record: Record) -> bool:
    """Were the co-signers asked again after a correction (``reask_cosigners``)?"""
    return bool(await audit.record_events(session, record.id, AuditKind.COSIGN_REASKED))


async def platform_ref_holder(
    session: AsyncSession, reference: str, *, other_than: int
) -> Record | None:
    """The record, other than ``other_than``, that already carries the platform reference
    ``reference`` (compared without surrounding blanks or letter case), if any: one platform
    entry (Art. 6, 登记录入) is one record. Withdrawn records are left out (a duplicate record
    withdrawn gives its reference up); the lowest id first."""
    wanted = reference.strip().upper()
    if not wanted:
        return None
    query = (
        select(Record)
        .where(
            func.upper(func.trim(Record.platform_ref)) == wanted,
            Record.id != other_than,
            Record.status != RecordStatus.WITHDRAWN,
        )
        .order_by(Record.id)
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def mark_milestone(
    session: AsyncSession,
    record: Record,
    milestone: Milestone,
    *,
    actor: Staff,
    at: datetime,
    reference: str | None = None,
    deadline: datetime | None = None,
) -> bool:
    """Record that ``milestone`` was met now; False when it already was."""
    column = {
        Milestone.PLATFORM_ENTERED: "platform_entered_at",
        Milestone.FORM_DELIVERED: "form_delivered_at",
    }[milestone]
    if record.status != RecordStatus.SUBMITTED:
        raise RecordStateError(f"record {record.id} is {record.status}")
    if getattr(record, column) is not None:
        return False
    setattr(record, column, at)
    if milestone is Milestone.PLATFORM_ENTERED:
        record.platform_ref = reference
    touch(session, record)
    await session.flush()
    await audit.append(
        session,
        AuditKind.MILESTONE_MET,
        at=at,
        subject=f"record:{record.id}",
        payload={
            "milestone": milestone.value,
            "reference": reference,
            "deadline": deadline.isoformat() if deadline else None,
            "on_time": deadline is None or at < deadline,
        },
        **_actor(actor),
    )
    return True


async def get(session: AsyncSession, record_id: int) -> Record | None:
    """The record ``record_id``, or None; its cosigners read in the same statement."""
    return await session.get(Record, record_id, options=_with_cosigners())


@cache
def _with_cosigners() -> tuple[ORMOption, ...]:
    """The loader option of ``get``, built on first use, not at import (a loader option
    configures every mapper, which the first query does anyway and start-up need not wait
    for), and once: building it costs more than the statement's cached compilation."""
    return (joinedload(Record.cosigners),)


_BRACKETS = str.maketrans({"(": "〔", ")": "〕", "（": "〔", "）": "〕", "[": "〔", "]": "〕"})


async def by_number(session: AsyncSession, number: str) -> Record | None:
    """A record by its number as typed: any kind of bracket, spaces ignored."""
    typed = "".join(number.split())
    candidates = {typed, typed.translate(_BRACKETS)}
    query = select(Record).where(Record.number.in_(sorted(candidates)))
    return (await session.execute(query)).scalars().first()


async def of_handler(
    session: AsyncSession, handler_id: int, statuses: Iterable[RecordStatus]
) -> Sequence[Record]:
    """The records of handler ``handler_id`` in ``statuses``, by the time they were received."""
    query = (
        select(Record)
        .where(Record.handler_id == handler_id, Record.status.in_(statuses))
        .order_by(Record.received_at)
    )
    return (await session.execute(query)).scalars().all()


async def withdrawn(
    session: AsyncSession, *, department_id: int | None
) -> Sequence[tuple[Record, str]]:
    """Withdrawn drafts with their handler's name; one department's, or all when None."""
    query = (
        select(Record, Staff.name)
        .join(Staff, Staff.id == Record.handler_id)
        .where(Record.status == RecordStatus.WITHDRAWN)
        .order_by(Record.withdrawn_at)
    )
    if department_id is not None:
        query = query.where(Record.department_id == department_id)
    return [(record, name) for record, name in (await session.execute(query)).all()]


async def pending_cosign(session: AsyncSession, staff_id: int) -> Sequence[RecordCosigner]:
    """The co-signatures ``staff_id`` still owes on submitted records, oldest first."""
    query = (
        select(RecordCosigner)
        .join(Record)
        .where(
            RecordCosigner.staff_id == staff_id,
            RecordCosigner.status == CosignStatus.PENDING,
            Record.status == RecordStatus.SUBMITTED,
        )
        .order_by(RecordCosigner.id)
    )
    return (await session.execute(query)).scalars().all()


WHOLE_COURT = frozenset({Role.DISCIPLINE, Role.TRIAL_MANAGEMENT, Role.LEADER, Role.COMPILER})


def can_view(person: Staff, record: Record, *, former: Iterable[int] = ()) -> bool:
    """The handler; the integrity officer of the department, or of one of the ``former``
    departments the record was corrected away from (``former_departments``); discipline,
    management and leaders.

    The admin sees no record contents (least privilege) unless they also hold such a role.
    """
    roles = person.roles
    if record.handler_id == person.id:
        return True
    if any(role in roles for role in WHOLE_COURT):
        return True
    if Role.INTEGRITY_OFFICER in roles and person.department_id is not None:
        return person.department_id in {record.department_id, *former}
    return any(c.staff_id == person.id for c in record.cosigners)


DEPARTMENT_FIELD = "department_id"
"""The ``RecordAmendment.field`` of a correction of the handling department (承办部门)."""


async def former_departments(session: AsyncSession, record_id: int) -> set[int]:
    """The departments ``record_id`` was corrected away from (``RecordAmendment`` rows of
    ``DEPARTMENT_FIELD``, old values): their integrity officers keep it in sight, as the
    breaches that arose under them stay theirs to follow (Art. 10)."""
    rows = await session.execute(
        select(RecordAmendment.old_value).where(
            RecordAmendment.record_id == record_id, RecordAmendment.field == DEPARTMENT_FIELD
        )
    )
    olds = (json.loads(value) for value in rows.scalars())
    return {value for value in olds if isinstance(value, int)}


async def may_view(session: AsyncSession, person: Staff, record: Record) -> bool:
    """``can_view`` with the departments ``record`` was corrected away from."""
    if can_view(person, record):
        return True
    if Role.INTEGRITY_OFFICER not in person.roles or person.department_id is None:
        return False
    return person.department_id in await former_departments(session, record.id)


def in_department(department: Any, department_json: Any) -> ColumnElement[bool]:
    """The records of a department for its integrity officer: those it handles now and
    those corrected away from it (``former_departments``). ``department`` is its id and
    ``department_json`` the id as a correction keeps it (``department_json``), each a value
    or a ``bindparam``."""
    return or_(
        Record.department_id == department,
        exists().where(
            RecordAmendment.record_id == Record.id,
            RecordAmendment.field == DEPARTMENT_FIELD,
            RecordAmendment.old_value == department_json,
        ),
    )


def department_json(department_id: int | None) -> str:
    """``department_id`` as a correction keeps it (``RecordAmendment.old_value``)."""
    return canonical_json(department_id)


VISIBLE: ColumnElement[bool] = or_(
    Record.handler_id == bindparam("viewer_id"),
    bindparam("whole_court", type_=Boolean),
    and_(
        bindparam("department_officer", type_=Boolean),
        in_department(bindparam("viewer_department_id"), bindparam("viewer_department_json")),
    ),
    and_(
        not_(bindparam("department_officer", type_=Boolean)),
        exists().where(
            RecordCosigner.record_id == Record.id,
            RecordCosigner.staff_id == bindparam("viewer_id"),
        ),
    ),
)
"""``can_view`` as a SQL condition on ``records``, built once: a query of plain columns
filters with it rather than loading each ``Record`` and its co-signers to ask ``can_view``.
Its parameters are ``visible_to(person)``."""


def visible_to(person: Staff) -> dict[str, Any]:
    """The parameters of ``VISIBLE`` for ``person``: the same answer as ``can_view`` for
    every record (an integrity officer of a department sees its records and their own, and
    no co-signed one of another department)."""
    roles = person.roles
    return {
        "viewer_id": person.id,
        "whole_court": any(role in roles for role in WHOLE_COURT),
        "department_officer": Role.INTEGRITY_OFFICER in roles and person.department_id is not None,
        "viewer_department_id": person.department_id,
        "viewer_department_json": department_json(person.department_id),
    }


async def quarter_reported(
    session: AsyncSession, label: str, *, actor: Staff, at: datetime
) -> bool:
    """Trial management reported the quarter (Art. 7); False when it already had."""
    if await session.get(QuarterReport, label) is not None:
        return False
    session.add(QuarterReport(quarter=label, reported_at=at, reported_by_staff_id=actor.id))
    await session.flush()
    await audit.append(
        session,
        AuditKind.MILESTONE_MET,
        at=at,
        subject=f"quarter:{label}",
        payload={"milestone": "quarter_report", "quarter": label},
        **_actor(actor),
    )
    return True
