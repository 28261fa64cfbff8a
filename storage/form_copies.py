"""The form copies of a record delivered (报送, Art. 6), as the audit chain holds them.

The first copy goes out as one ``FORM_COPY`` reminder to each person listed in the
discipline inspection office (纪检监察部门) and the trial management office (审判管理部门). Art. 6
is met only when each office has the copy: one of its people was sent it by chat, or the
handler confirmed handing a printed copy over (a ``form_handed`` event). Then, and not when
/deliver was sent, the ``form_delivered`` milestone is marked (``settle``), at the time the
last office got it. Each corrected copy sent after a correction is a ``form_resent`` event
naming the copy it supersedes. All stay in the chain, so a record's history shows every copy.

Every copy a recipient must receive (the first, a corrected one, one with evidence added)
that does not go by chat is handed over in print and confirmed for that copy: the
``form_handed`` event names its ``version``, and a confirmation counts only for the copy the
person was last sent (``latest``). The step's time is when both offices first had a copy of
any version (``settle``); a corrected copy sent after that leaves the step and its deadline as
they are, and one still outstanding is shown on /record and chased by reminders instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import audit
from storage import records as records_repo
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.models import Record, Reminder, Staff
from storage.vocabulary import Milestone, ReminderKind, ReminderStatus, Role

OFFICES: tuple[Role, ...] = (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT)
"""The offices that must each hold the form copy (Art. 6)."""


NO_CHAT_ACCOUNT = "no chat account"
"""Why a copy cannot go by chat: the person has no bound chat account."""
DISABLED = "disabled"
"""Why a copy cannot go by chat: the person was disabled since it was planned."""


class Arrival(StrEnum):
    """Where one person's form copy is: ``sent`` by chat, ``handed`` over in print (the
    handler's word), ``pending`` (queued to go by chat, or being retried; not received yet),
    ``unreachable`` (cannot go by chat: no bound chat account, or the person disabled; known
    before any send is tried) or ``failed`` (a send was tried and failed for good)."""

    SENT = "sent"
    HANDED = "handed"
    PENDING = "pending"
    UNREACHABLE = "unreachable"
    FAILED = "failed"


@dataclass(frozen=True)
class Recipient:
    """One person the first form copy of a record went to: ``staff_id``, ``name``, the
    ``offices`` of ``OFFICES`` they hold now, ``state``, ``at`` (UTC: when it arrived, sent
    or handed; when it is to go out, pending; else None) and ``detail`` (why a send failed,
    as the transport said; ``NO_CHAT_ACCOUNT`` or ``DISABLED`` when unreachable)."""

    staff_id: int
    name: str
    offices: tuple[Role, ...]
    state: Arrival
    at: datetime | None
    detail: str | None

    @property
    def arrived(self) -> bool:
        """Did the copy reach this person (by chat or by hand)?"""
        return self.state in (Arrival.SENT, Arrival.HANDED)


@dataclass(frozen=True)
class Copy:
    """One delivery of a record's form: when (``at``, UTC), its ``version`` (1 the first),
    the audit ``seq`` it was recorded at, and whether it went for evidence added
    (``supplemented``, the entries unchanged) or because the co-signers answered
    (``cosigned``, Art. 3, the entries unchanged) rather than for a correction."""

    at: datetime
    version: int
    seq: int
    supplemented: bool = False
    cosigned: bool = False


async def copies(session: AsyncSession, record_id: int) -> list[Copy]:
    """Every copy of the form of ``record_id`` sent, oldest first (empty: never sent).

    The first is the ``form_sent`` event of /deliver (a copy is held from the moment it went,
    before each office had one); a record delivered before that event existed has the
    milestone 报送表格复印件 as its first copy instead. Each ``form_resent`` follows."""
    events = await audit.record_events(
        session, record_id, AuditKind.FORM_SENT, AuditKind.MILESTONE_MET, AuditKind.FORM_RESENT
    )
    found: list[Copy] = []
    for event in events:
        if event.kind == AuditKind.MILESTONE_MET:
            met = event.payload.get("milestone") == Milestone.FORM_DELIVERED
            if not met or found:  # the step met after the first copy went: no copy of its own
                continue
        elif event.kind == AuditKind.FORM_SENT and found:
            continue
        why = event.payload if event.kind == AuditKind.FORM_RESENT else {}
        found.append(
            Copy(
                at=event.at,
                version=len(found) + 1,
                seq=event.seq,
                supplemented=bool(why.get("supplemented", False)),
                cosigned=bool(why.get("cosigned", False)),
            )
        )
    return found


async def _append(
    session: AsyncSession,
    kind: AuditKind,
    record: Record,
    actor: Staff,
    at: datetime,
    payload: dict[str, Any],
) -> None:
    """One audit event of ``record``'s form copies, by ``actor`` at ``at``."""
    await audit.append(
        session,
        kind,
        at=at,
        actor_staff_id=actor.id,
        actor=actor.name,
        subject=audit.record_subject(record.id),
        payload=payload,
    )


async def sent(
    session: AsyncSession, record: Record, *, to: Sequence[int], actor: Staff, at: datetime
) -> None:
    """Record that the first copy of the form went to staff ``to`` at ``at`` (/deliver,
    Art. 6): from then on each of them holds it, and a correction sends them the corrected
    form (``copies``), whether or not each office has it yet."""
    await _append(session, AuditKind.FORM_SENT, record, actor, at, {"version": 1, "to": list(to)})


async def joined(
    session: AsyncSession,
    record: Record,
    *,
    version: int,
    to: Sequence[int],
    actor: Staff,
    at: datetime,
) -> None:
    """Record that copy ``version`` of the form of ``record`` also went to staff ``to`` at
    ``at``: people registered in an office of ``OFFICES`` after the copy went, when nobody
    there was (``newcomers``), so that office gets it too (Art. 6). The copy's version and
    time stay as they were (``copies`` counts only the first ``form_sent``)."""
    payload = {"version": version, "to": list(to), "joined": True}
    await _append(session, AuditKind.FORM_SENT, record, actor, at, payload)


async def newcomers(
    session: AsyncSession, record: Record, people: Sequence[Recipient]
) -> dict[Role, Sequence[Staff]]:
    """For each office of ``OFFICES`` none of ``people`` (every recipient of every copy of
    the form of ``record``) holds and no printed copy was handed to (``offices_handed``):
    its active holders now, read at this moment (``staff.with_role``), not when the copy
    went. Empty lists are left out: those offices still have nobody registered."""
    by_hand = await offices_handed(session, record)
    found: dict[Role, Sequence[Staff]] = {}
    for office in unstaffed(people):
        holders = await staff_repo.with_role(session, office)
        if office not in by_hand and holders:
            found[office] = holders
    return found


async def changes_since(
    session: AsyncSession, record_id: int, delivered: Sequence[Copy]
) -> set[AuditKind]:
    """What changed the record since its last copy ``delivered``: ``amended`` (a
    correction) and/or ``evidence_added``; empty when nothing did, or none was sent."""
    if not delivered:
        return set()
    events = await audit.record_events(
        session,
        record_id,
        AuditKind.AMENDED,
        AuditKind.EVIDENCE_ADDED,
        after=delivered[-1].seq,
    )
    return {event.kind for event in events}


async def outdated(session: AsyncSession, record_id: int, delivered: Sequence[Copy]) -> bool:
    """Was the record corrected (an ``amended`` event) or given evidence (``evidence_added``)
    after its last copy ``delivered``?"""
    return bool(await changes_since(session, record_id, delivered))


async def resent(
    session: AsyncSession,
    record: Record,
    *,
    version: int,
    supersedes: datetime,
    to: Sequence[int],
    actor: Staff,
    at: datetime,
    supplemented: bool = False,
    cosigned: bool = False,
) -> None:
    """Record that copy ``version`` of the corrected form went to staff ``to`` at ``at``,
    superseding the copy delivered at ``supersedes``; ``supplemented`` when it went for
    evidence added, ``cosigned`` when it went because the co-signers answered (Art. 3),
    the entries unchanged either way."""
    payload: dict[str, Any] = {
        "version": version,
        "supersedes": supersedes.isoformat(),
        "to": list(to),
    }
    if supplemented:
        payload["supplemented"] = True
    if cosigned:
        payload["cosigned"] = True
    await _append(session, AuditKind.FORM_RESENT, record, actor, at, payload)


async def recipients(session: AsyncSession, record: Record, version: int = 1) -> list[Recipient]:
    """Everyone copy ``version`` (1: the first; then each corrected copy) of the form of
    ``record`` went to, but the handler's own copy for the sub-file, with where their copy
    is; in the order the copies were planned. A hand-over counts for the copy it names
    (``form_handed`` events before versions were named are the first copy's)."""
    query = (
        select(Reminder)
        .where(
            Reminder.record_id == record.id,
            Reminder.kind == ReminderKind.FORM_COPY,
            Reminder.recipient_staff_id != record.handler_id,
        )
        .order_by(Reminder.id)
        .execution_options(populate_existing=True)
    )
    rows = [
        row
        for row in (await session.execute(query)).scalars()
        if int((row.payload or {}).get("version", 1)) == version
    ]
    if not rows:
        return []
    handed: dict[int, datetime] = {}
    for event in await audit.record_events(session, record.id, AuditKind.FORM_HANDED):
        data = event.payload
        if "to" not in data:  # handed to an office with nobody registered (``office_handed``)
            continue
        if int(data.get("version", 1)) == version:
            handed.setdefault(int(data["to"]), event.at)
    holders = {role: {p.id for p in await staff_repo.with_role(session, role)} for role in OFFICES}
    found: list[Recipient] = []
    for row in rows:
        person = await session.get(Staff, row.recipient_staff_id)
        offices = tuple(role for role in OFFICES if row.recipient_staff_id in holders[role])
        state: Arrival = Arrival.PENDING
        at: datetime | None = None
        detail: str | None = None
        if row.status == ReminderStatus.SENT:
            state, at = Arrival.SENT, row.sent_at
        elif row.recipient_staff_id in handed:
            state, at = Arrival.HANDED, handed[row.recipient_staff_id]
        elif row.status == ReminderStatus.FAILED:
            state, detail = Arrival.FAILED, row.detail
        else:
            state, at, detail = await _unsent(session, row, person)
        found.append(
            Recipient(
                staff_id=row.recipient_staff_id,
                name=person.name if person else "-",
                offices=offices,
                state=state,
                at=at,
                detail=detail,
            )
        )
    return found


async def _unsent(
    session: AsyncSession, row: Reminder, person: Staff | None
) -> tuple[Arrival, datetime | None, str | None]:
    """Where a copy not sent, handed or failed yet is: ``unreachable`` (with why) when the
    person is disabled or has no bound chat account, else ``pending`` with the time it is to
    go out (form copies go in quiet hours too: ``reminders.outbox.IGNORE_QUIET_HOURS``)."""
    if person is None or not person.active:
        return Arrival.UNREACHABLE, None, DISABLED
    if not await staff_repo.identities_of(session, person.id):
        return Arrival.UNREACHABLE, None, NO_CHAT_ACCOUNT
    return Arrival.PENDING, row.next_attempt_at or row.due_at, None


def reached(people: Sequence[Recipient]) -> dict[Role, datetime | None]:
    """For each office of ``OFFICES`` one of ``people`` belongs to: when the first of its
    people got the copy (None: none has yet)."""
    when: dict[Role, datetime | None] = {}
    for person in people:
        for office in person.offices:
            at = person.at if person.arrived else None
            before = when.get(office)
            if office not in when or (at is not None and (before is None or at < before)):
                when[office] = at
    return when


def completing(people: Sequence[Recipient]) -> bool:
    """Whether the copies of ``people`` now going out complete Art. 6's step 报送表格复印件:
    every office of ``OFFICES`` has one of them whose copy arrived or is going by chat
    (``pending``), not only people it cannot reach (``unreachable``) or whose send failed;
    an office none of them holds (nobody registered there) leaves it open, its copy to be
    handed over in print (``unstaffed``)."""
    return all(
        any(
            office in person.offices and (person.arrived or person.state is Arrival.PENDING)
            for person in people
        )
        for office in OFFICES
    )


def unstaffed(people: Sequence[Recipient]) -> list[Role]:
    """The offices of ``OFFICES`` that none of ``people`` (a copy's recipients) holds: nobody
    there was registered when the copy went, so it went to nobody there. Whether anyone is
    registered there now is asked of the staff as they are (``newcomers``): such an office's
    copy goes to them on the next /deliver; with nobody there, it is handed to the office in
    print, confirmed by the handler (``office_handed``)."""
    return [office for office in OFFICES if not any(office in p.offices for p in people)]


async def office_handed(
    session: AsyncSession, record: Record, *, office: Role, actor: Staff, at: datetime
) -> None:
    """Record the handler's word that a printed copy of the form of ``record`` was handed
    to ``office`` (one of ``OFFICES``) at ``at``: the office has nobody registered, so no
    person could be sent or handed it (Art. 6, the paper path; ``offices_handed``)."""
    payload = {"office": office.value, "version": 1}
    await _append(session, AuditKind.FORM_HANDED, record, actor, at, payload)


async def offices_handed(session: AsyncSession, record: Record) -> dict[Role, datetime]:
    """Each office of ``OFFICES`` a printed copy of the form of ``record`` was handed to as
    an office (``office_handed``), with when it first was (UTC)."""
    found: dict[Role, datetime] = {}
    for event in await audit.record_events(session, record.id, AuditKind.FORM_HANDED):
        office = event.payload.get("office")
        if office is not None:
            found.setdefault(Role(office), event.at)
    return found


async def handed(
    session: AsyncSession,
    record: Record,
    *,
    to: Staff,
    actor: Staff,
    at: datetime,
    version: int = 1,
) -> None:
    """Record the handler's word that copy ``version`` of the form of ``record``, printed,
    was handed to ``to`` at ``at`` (Art. 6, delivered in person when the chat could not
    reach them)."""
    payload = {"to": to.id, "name": to.name, "version": version}
    await _append(session, AuditKind.FORM_HANDED, record, actor, at, payload)


async def latest(session: AsyncSession, record: Record) -> dict[int, int]:
    """For each person a form copy of ``record`` went to (the handler's own copy aside):
    the version of the last copy they were sent, the one that counts for them now."""
    rows = await session.execute(
        select(Reminder.recipient_staff_id, Reminder.payload).where(
            Reminder.record_id == record.id,
            Reminder.kind == ReminderKind.FORM_COPY,
            Reminder.recipient_staff_id != record.handler_id,
        )
    )
    found: dict[int, int] = {}
    for staff_id, payload in rows:
        version = int((payload or {}).get("version", 1))
        found[staff_id] = max(found.get(staff_id, 0), version)
    return found


async def every_copy(session: AsyncSession, record: Record) -> dict[int, list[Recipient]]:
    """Each version of the form of ``record`` sent, with its ``recipients``, oldest first."""
    versions = sorted(set((await latest(session, record)).values()) | {1})
    found: dict[int, list[Recipient]] = {}
    for version in range(1, versions[-1] + 1):
        found[version] = await recipients(session, record, version)
    return found


async def everyone(session: AsyncSession, record: Record) -> list[Recipient]:
    """Every recipient of every copy of the form of ``record`` (``every_copy``), oldest copy
    first: whom the offices of ``OFFICES`` are judged held by (``unstaffed``)."""
    return [p for copy in (await every_copy(session, record)).values() for p in copy]


async def version_payload(session: AsyncSession, record: Record, version: int) -> dict[str, Any]:
    """The reminder payload copy ``version`` of the form of ``record`` went out with (its
    ``version``, what it supersedes, why it went), the handler's own-copy mark left out: what
    a copy of the same version to a further person carries."""
    rows = await session.execute(
        select(Reminder.payload)
        .where(Reminder.record_id == record.id, Reminder.kind == ReminderKind.FORM_COPY)
        .order_by(Reminder.id)
    )
    for payload in rows.scalars():
        if int((payload or {}).get("version", 1)) == version:
            return {k: v for k, v in (payload or {}).items() if k != "copy"}
    return {"version": version} if version > 1 else {}


async def outstanding(session: AsyncSession, record: Record) -> list[tuple[int, Recipient]]:
    """Each person whose last copy of the form of ``record`` (``latest``) has not arrived,
    with that copy's version: the copies to hand over now."""
    last = await latest(session, record)
    found: list[tuple[int, Recipient]] = []
    for version, people in (await every_copy(session, record)).items():
        found.extend(
            (version, p) for p in people if last.get(p.staff_id) == version and not p.arrived
        )
    return found


async def settle(
    session: AsyncSession, record: Record, *, deadline: datetime | None
) -> datetime | None:
    """Mark ``form_delivered`` (Art. 6) once every office of ``OFFICES`` got a copy: one of
    its people (the first copy, or a corrected one that went before the first arrived), or,
    for an office none of the copies' recipients holds, the office itself in print
    (``office_handed``); at the time the last of them first got one. That time, or None
    while an office still lacks it (or when the milestone was already marked: its time
    then, which a later copy never moves). ``deadline`` decides whether it was on time."""
    if record.form_delivered_at is not None:
        return record.form_delivered_at
    people = [p for copy in (await every_copy(session, record)).values() for p in copy]
    when = reached(people)
    by_hand = await offices_handed(session, record)
    for office in OFFICES:
        if when.get(office) is None and office in by_hand:
            when[office] = by_hand[office]
    if any(when.get(office) is None for office in OFFICES):
        return None
    last = max(at for at in when.values() if at is not None)
    handler = await session.get(Staff, record.handler_id)
    assert handler is not None
    await records_repo.mark_milestone(
        session, record, Milestone.FORM_DELIVERED, actor=handler, at=last, deadline=deadline
    )
    return last
