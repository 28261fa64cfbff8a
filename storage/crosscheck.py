"""The rows that matter compared with the audit events that recorded them.

The chain proves that no event was changed; it proves nothing about a row changed beside it.
So ``guowen verify`` replays the events of what must never change quietly and compares:

- every submitted or withdrawn record with its ``submitted`` / ``withdrawn`` snapshot and the
  ``amended`` events after it (the record's frozen fields, number, status, handler, cosigners),
  its milestones with ``milestone_met`` (when, the platform reference), each co-signature with
  ``cosigned`` / ``disputed`` (status, reason), ``paper_signed`` (a person present not in the
  bot, by name) and ``cosign_reasked`` (pending again after a correction), a withdrawal's
  reason with ``withdrawn``;
- every amendment row with its ``amended`` event (field, old, new, reason, who);
- every staff member with ``staff_added``, ``staff_changed``, ``staff_disabled``,
  ``staff_enabled`` and ``language_set`` (name, department, roles, active, language), every
  department with ``department_added``; a person no event registered is named when they
  hold a role or a chat account (a bare name can do nothing);
- every chat binding with its ``identity_bound`` event (who the account speaks for), until an
  ``identity_released`` event unbinds it;
- every draft with the events that set its fields: ``record_created`` (received at, handler,
  department), each ``field_set`` (a column, or who of the court's staff was present) and each
  correction kept while it was a draft (``amended``), replayed in order; the co-signers it
  names are all pending;
- every reminder that went out or failed for good with its ``reminder_sent`` /
  ``reminder_failed`` event (status, kind, recipient, record; when sent, late, repeated; why
  it failed), and every row marked sent or failed that no event speaks of. Planning and
  cancelling a reminder are not audited, so a pending or cancelled row is not compared.

A row the events describe but that is gone is ``REMOVED``; a row that differs is ``ALTERED``
with the differing fields; a row no event speaks of is ``UNLOGGED``. Each problem names the
record (its number, else ``#id``), the person, or the reminder. A draft's ``fields`` (the
intake's own notes: questions skipped, what opened it) are written without events and are not
compared.

Memory grows with the number of records and staff (a few hundred bytes each), not with the
number of events, which are read in pages.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audit import AuditKind
from storage.db import Database
from storage.models import (
    AuditEvent,
    ChatIdentity,
    Department,
    Record,
    RecordAmendment,
    Reminder,
    Staff,
)
from storage.records import COSIGNERS_FIELD, FIELDS, snapshot, to_json
from storage.vocabulary import CosignStatus, Milestone, RecordStatus, ReminderStatus

KINDS = (
    AuditKind.RECORD_CREATED,
    AuditKind.FIELD_SET,
    AuditKind.MILESTONE_MET,
    AuditKind.COSIGNED,
    AuditKind.DISPUTED,
    AuditKind.PAPER_SIGNED,
    AuditKind.COSIGN_REASKED,
    AuditKind.SUBMITTED,
    AuditKind.AMENDED,
    AuditKind.WITHDRAWN,
    AuditKind.STAFF_ADDED,
    AuditKind.STAFF_DISABLED,
    AuditKind.STAFF_ENABLED,
    AuditKind.STAFF_CHANGED,
    AuditKind.LANGUAGE_SET,
    AuditKind.DEPARTMENT_ADDED,
    AuditKind.IDENTITY_BOUND,
    AuditKind.IDENTITY_RELEASED,
    AuditKind.REMINDER_SENT,
    AuditKind.REMINDER_FAILED,
)


class RowSubject(StrEnum):
    """The table a row of a cross-check problem is in."""

    RECORD = "record"
    AMENDMENT = "amendment"
    STAFF = "staff"
    DEPARTMENT = "department"
    IDENTITY = "identity"
    REMINDER = "reminder"


class RowProblemKind(StrEnum):
    """How a row disagrees with the audit trail: removed, altered, or changed without an event."""

    REMOVED = "removed"
    ALTERED = "altered"
    UNLOGGED = "unlogged"


@dataclass(frozen=True)
class RowProblem:
    """A row that disagrees with its audit events.

    ``ref`` names it as a person would look it up: a record's number (or ``#id`` when it has
    none), a person's name with ``#id``, an account as ``transport:id``. ``seq`` is the event
    that describes it (the last one, for a replayed row), None for an unlogged row.
    """

    kind: RowProblemKind
    subject: RowSubject
    ref: str
    seq: int | None = None
    fields: tuple[str, ...] = ()


def _normal(value: Any) -> Any:
    """One spelling for one value: times in UTC, lists element by element."""
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).isoformat()
    return value


def _differ(expected: dict[str, Any], actual: dict[str, Any]) -> tuple[str, ...]:
    keys = expected.keys() | actual.keys()
    return tuple(sorted(k for k in keys if _normal(expected.get(k)) != _normal(actual.get(k))))


def _id(subject: str | None, prefix: str) -> int | None:
    if subject is None or not subject.startswith(prefix + ":"):
        return None
    tail = subject[len(prefix) + 1 :]
    return int(tail) if tail.isascii() and tail.isdigit() and len(tail) < 19 else None


def _frozen(snapshot_: dict[str, Any]) -> dict[str, Any]:
    """A record's state as its submission or withdrawal left it: nothing met, nobody signed."""
    state = dict(snapshot_)
    state.update(platform_entered_at=None, platform_ref=None, form_delivered_at=None)
    for staff_id in snapshot_.get("cosigners") or []:
        state[f"cosigner {staff_id}"] = {"status": CosignStatus.PENDING, "reason": None}
    for name in snapshot_.get("offline") or []:
        state[f"offline {name}"] = {"status": CosignStatus.PENDING, "reason": None}
    return state


def _opened(event: AuditEvent, payload: dict[str, Any]) -> dict[str, Any]:
    """A draft's state as ``record_created`` left it (``records.create_draft``): received at
    the time given, not yet confirmed, in the handler's department, nothing else answered."""
    state: dict[str, Any] = dict.fromkeys(FIELDS)
    state.update(
        received_at=payload.get("received_at"),
        received_confirmed=False,
        department_id=payload.get("department_id"),
        number=None,
        status=RecordStatus.DRAFT.value,
        handler_id=event.actor_staff_id,
        cosigners=[],
    )
    return _frozen(state)


def _amended(state: dict[str, Any], name: str, payload: dict[str, Any]) -> None:
    try:
        state[name] = json.loads(str(payload.get("new")))
    except ValueError:
        state[name] = payload.get("new")


def _recast(state: dict[str, Any], named: Any, offline: Any) -> None:
    """Who co-signs after a correction of the staff present (``amend_cosigners``): those
    still named keep their answers, the newly named are pending, in the rows' order; the
    same for those not in the bot (``offline``, names)."""
    names = [str(n) for n in offline] if isinstance(offline, list) else []
    had = [str(n) for n in state.get("offline") or []]
    for name in had:
        if name not in names:
            state.pop(f"offline {name}", None)
    for name in names:
        if name not in had:
            state[f"offline {name}"] = {"status": CosignStatus.PENDING, "reason": None}
    kept = [n for n in had if n in names] + [n for n in names if n not in had]
    if kept:
        state["offline"] = kept
    else:
        state.pop("offline", None)
    wanted = [int(i) for i in named] if isinstance(named, list) else []
    before = [i for i in state.get("cosigners") or [] if isinstance(i, int)]
    for staff_id in before:
        if staff_id not in wanted:
            state.pop(f"cosigner {staff_id}", None)
    added = [i for i in wanted if i not in before]
    for staff_id in added:
        state[f"cosigner {staff_id}"] = {"status": CosignStatus.PENDING, "reason": None}
    state["cosigners"] = [i for i in before if i in wanted] + added


def _record_state(record: Record) -> dict[str, Any]:
    state = snapshot(record)
    state["platform_entered_at"] = to_json(record.platform_entered_at)
    state["platform_ref"] = record.platform_ref
    state["form_delivered_at"] = to_json(record.form_delivered_at)
    for cosigner in record.cosigners:
        key = f"offline {cosigner.name}" if cosigner.offline else f"cosigner {cosigner.staff_id}"
        state[key] = {
            "status": cosigner.status,
            "reason": cosigner.reason,
        }
    if record.status == RecordStatus.WITHDRAWN:
        state["withdraw_reason"] = record.withdraw_reason
    return state


def _offline_logged(expected: dict[str, Any], actual: dict[str, Any]) -> dict[str, Any]:
    """``actual`` without its staff present not in the bot when the chain never named any
    for the record: those of a record submitted before they became co-signer rows (the
    names were then kept in the record's ``fields``, outside the chain)."""
    if any(key == "offline" or key.startswith("offline ") for key in expected):
        return actual
    return {k: v for k, v in actual.items() if k != "offline" and not k.startswith("offline ")}


@dataclass
class _RecordTrail:
    seq: int
    state: dict[str, Any]
    amendments: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def _draft_order(state: dict[str, Any]) -> dict[str, Any]:
    """A draft's state with its co-signers in the bot sorted: ``field_set`` names them sorted,
    the rows keep the order the judge picked them in."""
    named = state.get("cosigners")
    if not isinstance(named, list):
        return state
    return {**state, "cosigners": sorted(named, key=str)}


SENT_KEYS = ("status", "kind", "recipient_staff_id", "record_id", "sent_at", "late", "repeat")
FAILED_KEYS = ("status", "kind", "recipient_staff_id", "record_id", "detail")
"""What a ``reminder_sent`` / ``reminder_failed`` event says of its row, as the row's columns:
a row so settled never changes again (``reminders.dispatch``)."""


def _settled(event: AuditEvent, payload: dict[str, Any], record_id: int | None) -> dict[str, Any]:
    """The reminder row's columns as its ``reminder_sent`` or ``reminder_failed`` event
    records them."""
    state: dict[str, Any] = {
        "kind": payload.get("kind"),
        "recipient_staff_id": payload.get("to"),
        "record_id": record_id,
    }
    if event.kind == AuditKind.REMINDER_SENT:
        state.update(
            status=ReminderStatus.SENT.value,
            sent_at=event.at.isoformat(),
            late=payload.get("late"),
            repeat=payload.get("repeat"),
        )
    else:
        state.update(status=ReminderStatus.FAILED.value, detail=payload.get("detail"))
    return state


@dataclass
class _StaffTrail:
    seq: int
    state: dict[str, Any]


@dataclass
class _Trails:
    records: dict[int, _RecordTrail] = field(default_factory=dict)
    staff: dict[int, _StaffTrail] = field(default_factory=dict)
    departments: dict[int, tuple[int, str]] = field(default_factory=dict)
    # (transport, external id) -> (seq, staff id, chat id if the event records it)
    identities: dict[tuple[str, str], tuple[int, int, str | None]] = field(default_factory=dict)
    created: dict[int, int] = field(default_factory=dict)
    """Every record the chain says was opened (``record_created``), by id: its event's seq.
    A draft is never deleted (it is withdrawn and kept), so a row gone is a removal."""
    drafts: dict[int, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    """The corrections kept while a record was a draft (``records.amend_draft``), by record:
    carried into its trail once it is submitted or withdrawn."""
    opened: dict[int, _RecordTrail] = field(default_factory=dict)
    """Every draft still a draft for the chain, by id: its fields as ``record_created``,
    ``field_set`` and the draft's corrections (``amended``) left them."""
    reminders: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    """Every reminder the chain says went out or failed for good, by id: its event's seq and
    the row's columns as the event records them (``_settled``)."""

    def take(self, event: AuditEvent, payload: dict[str, Any]) -> None:
        kind, seq = event.kind, event.seq
        record_id = _id(event.subject, "record")
        staff_id = _id(event.subject, "staff")
        if kind == AuditKind.RECORD_CREATED and record_id is not None:
            self.created[record_id] = seq
            self.opened[record_id] = _RecordTrail(seq, _opened(event, payload))
        elif kind == AuditKind.FIELD_SET and record_id in self.opened:
            trail = self.opened[record_id]
            column = str(payload.get("field"))
            if column == COSIGNERS_FIELD:
                _recast(trail.state, payload.get("value"), payload.get("offline"))
            else:
                trail.state[column] = payload.get("value")
            trail.seq = seq
        elif kind in (AuditKind.REMINDER_SENT, AuditKind.REMINDER_FAILED):
            reminder_id = payload.get("reminder")
            if isinstance(reminder_id, int):
                self.reminders[reminder_id] = (seq, _settled(event, payload, record_id))
        elif kind == AuditKind.SUBMITTED and record_id is not None:
            self.opened.pop(record_id, None)
            early = self.drafts.pop(record_id, [])
            self.records[record_id] = _RecordTrail(seq, _frozen(payload), early)
        elif kind == AuditKind.WITHDRAWN and record_id is not None:
            state = payload.get("snapshot")
            self.opened.pop(record_id, None)
            if isinstance(state, dict):
                frozen = {**_frozen(state), "withdraw_reason": payload.get("reason")}
                early = self.drafts.pop(record_id, [])
                self.records[record_id] = _RecordTrail(seq, frozen, early)
        elif kind == AuditKind.MILESTONE_MET and record_id in self.records:
            trail = self.records[record_id]
            milestone = payload.get("milestone")
            if milestone == Milestone.PLATFORM_ENTERED:
                trail.state["platform_entered_at"] = event.at.isoformat()
                trail.state["platform_ref"] = payload.get("reference")
            elif milestone == Milestone.FORM_DELIVERED:
                trail.state["form_delivered_at"] = event.at.isoformat()
            trail.seq = seq
        elif kind in (AuditKind.COSIGNED, AuditKind.DISPUTED) and record_id in self.records:
            trail = self.records[record_id]
            status = CosignStatus.CONFIRMED if kind == AuditKind.COSIGNED else CosignStatus.DISPUTED
            trail.state[f"cosigner {payload.get('cosigner')}"] = {
                "status": status.value,
                "reason": payload.get("reason"),
            }
            trail.seq = seq
        elif kind == AuditKind.COSIGN_REASKED and record_id in self.records:
            trail = self.records[record_id]
            for asked in payload.get("cosigners") or []:
                trail.state[f"cosigner {asked}"] = {"status": CosignStatus.PENDING, "reason": None}
            for name in payload.get("offline") or {}:
                trail.state[f"offline {name}"] = {"status": CosignStatus.PENDING, "reason": None}
            trail.seq = seq
        elif kind == AuditKind.PAPER_SIGNED and record_id in self.records:
            trail = self.records[record_id]
            name = payload.get("offline")
            trail.state[f"offline {name}"] = {
                "status": CosignStatus.CONFIRMED.value,
                "reason": None,
            }
            trail.seq = seq
        elif kind == AuditKind.AMENDED and record_id in self.records:
            trail = self.records[record_id]
            name = str(payload.get("field"))
            if name == COSIGNERS_FIELD:
                _recast(trail.state, payload.get("staff_ids"), payload.get("offline"))
            else:
                _amended(trail.state, name, payload)
            trail.seq = seq
            trail.amendments.append((seq, {**payload, "by": event.actor_staff_id}))
        elif kind == AuditKind.AMENDED and record_id is not None:  # a draft's correction
            kept = (seq, {**payload, "by": event.actor_staff_id})
            self.drafts.setdefault(record_id, []).append(kept)
            if (draft := self.opened.get(record_id)) is not None:
                _amended(draft.state, str(payload.get("field")), payload)
                draft.seq = seq
        elif kind == AuditKind.STAFF_ADDED and staff_id is not None:
            state = {
                "name": payload.get("name"),
                "department": payload.get("department"),
                "roles": sorted(str(role) for role in payload.get("roles") or []),
                "active": True,
                "language": None,
            }
            self.staff[staff_id] = _StaffTrail(seq, state)
        elif kind == AuditKind.STAFF_DISABLED and staff_id in self.staff:
            self.staff[staff_id].state["active"] = False
            self.staff[staff_id].seq = seq
        elif kind == AuditKind.STAFF_ENABLED and staff_id in self.staff:
            self.staff[staff_id].state["active"] = True
            self.staff[staff_id].seq = seq
        elif kind == AuditKind.STAFF_CHANGED and staff_id in self.staff:
            after = payload.get("after") or {}
            state = self.staff[staff_id].state
            state["name"] = after.get("name")
            state["department"] = after.get("department")
            state["roles"] = sorted(str(role) for role in after.get("roles") or [])
            self.staff[staff_id].seq = seq
        elif kind == AuditKind.LANGUAGE_SET and staff_id in self.staff:
            self.staff[staff_id].state["language"] = payload.get("language")
            self.staff[staff_id].seq = seq
        elif kind == AuditKind.DEPARTMENT_ADDED:
            department_id = _id(event.subject, "department")
            if department_id is not None:
                self.departments[department_id] = (seq, str(payload.get("name")))
        elif kind == AuditKind.IDENTITY_BOUND and staff_id is not None:
            account = (str(payload.get("transport")), str(payload.get("external_id")))
            chat = payload.get("chat_id")
            self.identities[account] = (seq, staff_id, str(chat) if chat is not None else None)
        elif kind == AuditKind.IDENTITY_RELEASED:
            account = (str(payload.get("transport")), str(payload.get("external_id")))
            self.identities.pop(account, None)


async def _trails(db: Database, page: int) -> _Trails:
    trails = _Trails()
    last = 0
    wanted = [kind.value for kind in KINDS]
    while True:
        async with db.transaction() as session:
            query = (
                select(AuditEvent)
                .where(AuditEvent.kind.in_(wanted), AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(page)
            )
            events = list((await session.execute(query)).scalars())
        if not events:
            return trails
        for event in events:
            try:
                payload = json.loads(event.payload)
            except ValueError:
                continue  # the chain walk names an altered event already
            if isinstance(payload, dict):
                trails.take(event, payload)
        last = events[-1].seq


def _record_ref(record: Record | None, record_id: int, state: dict[str, Any]) -> str:
    number = record.number if record is not None else state.get("number")
    return str(number) if number else f"#{record_id}"


def _amendment_state(row: RecordAmendment) -> dict[str, Any]:
    return {
        "field": row.field,
        "old": row.old_value,
        "new": row.new_value,
        "reason": row.reason,
        "by": row.by_staff_id,
    }


def _amendments(
    ref: str,
    trail: _RecordTrail | None,
    rows: Iterable[RecordAmendment],
    early: list[tuple[int, dict[str, Any]]],
) -> Iterable[RowProblem]:
    logged = trail.amendments if trail is not None else early
    stored = list(rows)
    for index in range(max(len(logged), len(stored))):
        name = f"{ref} #{index + 1}"
        if index >= len(stored):
            seq = logged[index][0]
            yield RowProblem(RowProblemKind.REMOVED, RowSubject.AMENDMENT, name, seq)
        elif index >= len(logged):
            yield RowProblem(RowProblemKind.UNLOGGED, RowSubject.AMENDMENT, name)
        else:
            seq, expected = logged[index]
            actual = _amendment_state(stored[index])
            if changed := _differ({k: expected.get(k) for k in actual}, actual):
                yield RowProblem(RowProblemKind.ALTERED, RowSubject.AMENDMENT, name, seq, changed)


async def _records(session: AsyncSession, trails: _Trails) -> AsyncIterator[RowProblem]:
    rows = {record.id: record for record in (await session.execute(select(Record))).scalars()}
    # The drafts the chain opened: each must still have its row (a draft is withdrawn and
    # kept, never deleted; one deleted would take its running deadlines with it).
    for record_id in sorted(set(trails.created) - set(rows) - set(trails.records)):
        ref = f"#{record_id}"
        yield RowProblem(RowProblemKind.REMOVED, RowSubject.RECORD, ref, trails.created[record_id])
    amendment_rows: dict[int, list[RecordAmendment]] = {}
    query_amendments = select(RecordAmendment).order_by(RecordAmendment.id)
    for amendment in (await session.execute(query_amendments)).scalars():
        amendment_rows.setdefault(amendment.record_id, []).append(amendment)
    for record_id in sorted(set(rows) | set(trails.records) | set(amendment_rows)):
        trail = trails.records.get(record_id)
        record = rows.get(record_id)
        ref = _record_ref(record, record_id, trail.state if trail else {})
        draft = trails.opened.get(record_id)
        if record is None and trail is not None:
            yield RowProblem(RowProblemKind.REMOVED, RowSubject.RECORD, ref, trail.seq)
        elif record is not None and trail is None and record.status == RecordStatus.DRAFT:
            if draft is not None and (
                changed := _differ(
                    _draft_order(draft.state),
                    _draft_order(_offline_logged(draft.state, _record_state(record))),
                )
            ):
                yield RowProblem(RowProblemKind.ALTERED, RowSubject.RECORD, ref, draft.seq, changed)
        elif record is not None and trail is None:
            yield RowProblem(RowProblemKind.UNLOGGED, RowSubject.RECORD, ref)
        elif record is not None and trail is not None:
            changed = _differ(trail.state, _offline_logged(trail.state, _record_state(record)))
            if changed:
                yield RowProblem(RowProblemKind.ALTERED, RowSubject.RECORD, ref, trail.seq, changed)
        early = trails.drafts.get(record_id, [])
        for problem in _amendments(ref, trail, amendment_rows.get(record_id, []), early):
            yield problem


def _staff_state(person: Staff) -> dict[str, Any]:
    return {
        "name": person.name,
        "department": person.department.name if person.department else None,
        "roles": sorted(person.roles),
        "active": person.active,
        "language": person.language,
    }


async def _people(session: AsyncSession, trails: _Trails) -> AsyncIterator[RowProblem]:
    people = {p.id: p for p in (await session.execute(select(Staff))).scalars().unique()}
    accounts = {
        (row.transport, row.external_id): row
        for row in (await session.execute(select(ChatIdentity))).scalars()
    }
    # A person with no role and no chat account can do nothing; only the others must be logged.
    able = {row.staff_id for row in accounts.values()} | {p.id for p in people.values() if p.roles}

    def name(staff_id: int) -> str:
        trail = trails.staff.get(staff_id)
        person = people.get(staff_id)
        known = person.name if person is not None else trail.state["name"] if trail else None
        return f"{known} #{staff_id}" if known else f"#{staff_id}"

    for staff_id in sorted(set(people) | set(trails.staff)):
        trail = trails.staff.get(staff_id)
        person = people.get(staff_id)
        if person is None and trail is not None:
            yield RowProblem(RowProblemKind.REMOVED, RowSubject.STAFF, name(staff_id), trail.seq)
        elif person is not None and trail is None and staff_id in able:
            yield RowProblem(RowProblemKind.UNLOGGED, RowSubject.STAFF, name(staff_id))
        elif person is not None and trail is not None:
            changed = _differ(trail.state, _staff_state(person))
            if changed:
                kind, subject = RowProblemKind.ALTERED, RowSubject.STAFF
                yield RowProblem(kind, subject, name(staff_id), trail.seq, changed)

    departments = {d.id: d.name for d in (await session.execute(select(Department))).scalars()}
    for department_id in sorted(set(departments) | set(trails.departments)):
        logged = trails.departments.get(department_id)
        stored = departments.get(department_id)
        ref = f"{stored or (logged[1] if logged else '')} #{department_id}".strip()
        if stored is None and logged is not None:
            yield RowProblem(RowProblemKind.REMOVED, RowSubject.DEPARTMENT, ref, logged[0])
        elif stored is not None and logged is None:
            yield RowProblem(RowProblemKind.UNLOGGED, RowSubject.DEPARTMENT, ref)
        elif stored is not None and logged is not None and stored != logged[1]:
            subject = RowSubject.DEPARTMENT
            yield RowProblem(RowProblemKind.ALTERED, subject, ref, logged[0], ("name",))

    for account in sorted(set(accounts) | set(trails.identities)):
        logged_identity = trails.identities.get(account)
        row = accounts.get(account)
        owner = row.staff_id if row is not None else logged_identity[1] if logged_identity else 0
        ref = f"{name(owner)} ({account[0]}:{account[1]})"
        if row is None and logged_identity is not None:
            seq = logged_identity[0]
            yield RowProblem(RowProblemKind.REMOVED, RowSubject.IDENTITY, ref, seq)
        elif row is not None and logged_identity is None:
            yield RowProblem(RowProblemKind.UNLOGGED, RowSubject.IDENTITY, ref)
        elif row is not None and logged_identity is not None:
            seq, staff_id, chat = logged_identity
            changed = tuple(
                name_
                for name_, differs in (
                    ("chat_id", chat is not None and row.chat_id != chat),
                    ("staff", row.staff_id != staff_id),
                )
                if differs
            )
            if changed:
                claimed = f"{name(staff_id)} → {ref}" if row.staff_id != staff_id else ref
                subject = RowSubject.IDENTITY
                yield RowProblem(RowProblemKind.ALTERED, subject, claimed, seq, changed)


async def _reminders(session: AsyncSession, trails: _Trails) -> AsyncIterator[RowProblem]:
    """Every reminder the chain says went out or failed, compared with its row, and every row
    marked so that no event speaks of. A row is named ``#id``, with its record's number (or
    ``#id``) in brackets when it is about one."""
    settled = (ReminderStatus.SENT.value, ReminderStatus.FAILED.value)
    query = select(Reminder).where(Reminder.status.in_(settled))
    rows = {row.id: row for row in (await session.execute(query)).scalars()}
    missing = sorted(set(trails.reminders) - set(rows))
    for start in range(0, len(missing), 500):  # within any database's parameter limit
        chunk = select(Reminder).where(Reminder.id.in_(missing[start : start + 500]))
        rows.update({row.id: row for row in (await session.execute(chunk)).scalars()})
    about = {row.record_id for row in rows.values()}
    about |= {state["record_id"] for _seq, state in trails.reminders.values()}
    wanted = sorted(i for i in about if isinstance(i, int))
    numbers: dict[int, str | None] = {}
    for start in range(0, len(wanted), 500):
        named = select(Record.id, Record.number).where(Record.id.in_(wanted[start : start + 500]))
        numbers.update({i: n for i, n in (await session.execute(named)).all()})

    def ref(reminder_id: int, record_id: Any) -> str:
        if not isinstance(record_id, int):
            return f"#{reminder_id}"
        return f"#{reminder_id} ({numbers.get(record_id) or f'#{record_id}'})"

    for reminder_id in sorted(set(rows) | set(trails.reminders)):
        row = rows.get(reminder_id)
        logged = trails.reminders.get(reminder_id)
        if row is None and logged is not None:
            seq, state = logged
            name = ref(reminder_id, state["record_id"])
            yield RowProblem(RowProblemKind.REMOVED, RowSubject.REMINDER, name, seq)
        elif row is not None and logged is None:
            name = ref(reminder_id, row.record_id)
            yield RowProblem(RowProblemKind.UNLOGGED, RowSubject.REMINDER, name)
        elif row is not None and logged is not None:
            seq, state = logged
            actual = {key: to_json(getattr(row, key)) for key in state}
            if changed := _differ(state, actual):
                name = ref(reminder_id, row.record_id)
                yield RowProblem(RowProblemKind.ALTERED, RowSubject.REMINDER, name, seq, changed)


async def rows(db: Database, *, page: int = 500) -> AsyncIterator[RowProblem]:
    """Every record (draft or not), amendment, person, department, binding and settled
    reminder that differs from its events."""
    trails = await _trails(db, page)
    async with db.transaction() as session:
        async for problem in _records(session, trails):
            yield problem
        async for problem in _people(session, trails):
            yield problem
        async for problem in _reminders(session, trails):
            yield problem
