"""What a person still holds: the one answer ``guowen staff disable`` reads before disabling.

Disabling a person stops every reminder addressed to them (``Dispatcher.facts`` sends nothing
to a disabled person). Whatever they still owe then goes unchased, and a role the rules
require (Art. 6, 8, 10; DESIGN.md §1) may be left with nobody. ``holdings`` lists it: their
drafts (Art. 10 punishes an abandoned draft), the steps of submitted records they owe as
handler or as staff present (``reminders.owers.owed_by``), and each role of theirs of which
they are the last active holder (court-wide, or for an integrity officer in a department
that has handlers). ``overseers`` says who is told when the person is disabled all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.deadlines import DeadlineRules
from reminders.outbox import Planned, ensure
from reminders.owers import owed_by
from reminders.planner import unmet
from storage import staff as staff_repo
from storage.models import Department, Record, RecordCosigner, Staff
from storage.vocabulary import Milestone, RecordStatus, ReminderKind, Role

REQUIRED_ROLES: tuple[Role, ...] = (
    Role.INTEGRITY_OFFICER,
    Role.DISCIPLINE,
    Role.TRIAL_MANAGEMENT,
    Role.COMPILER,
    Role.ADMIN,
)
"""Roles the rules need someone in: a department's integrity officer (Art. 6, 10), discipline
inspection (Art. 8, 10), trial management and its compiler (Art. 8, 12), and an admin to
manage staff at all. Court-wide, except the integrity officer, who is per department."""


@dataclass
class Holdings:
    """What ``person`` still holds.

    ``drafts``: their drafts, oldest first; ``steps``: submitted records with the steps they
    owe (``Milestone`` values in ``Milestone`` order), by record id; ``last_roles``: each
    role in ``REQUIRED_ROLES`` nobody else active holds (for an integrity officer: in their
    department)."""

    person: Staff
    drafts: list[Record] = field(default_factory=list)
    steps: list[tuple[Record, list[Milestone]]] = field(default_factory=list)
    last_roles: list[Role] = field(default_factory=list)
    told: list[int] = field(default_factory=list)
    """Who was sent a notice of these holdings (staff ids, in id order): filled by ``disable``
    and ``change`` when they go ahead all the same."""

    @property
    def empty(self) -> bool:
        """Whether the person holds nothing: disabling them leaves nothing unowned."""
        return not (self.drafts or self.steps or self.last_roles)

    def records(self) -> list[Record]:
        """Every record in ``drafts`` and ``steps``, by id."""
        return sorted([*self.drafts, *(r for r, _ in self.steps)], key=lambda r: r.id)

    def payload(self) -> dict[str, object]:
        """The holdings as JSON-ready values (audit events, the notice's reminder rows):
        ``drafts`` ids, ``steps`` as ``[record id, [milestone, ...]]``, ``roles``."""
        return {
            "drafts": [r.id for r in self.drafts],
            "steps": [[r.id, [m.value for m in owed]] for r, owed in self.steps],
            "roles": [role.value for role in self.last_roles],
        }


async def holdings(session: AsyncSession, person: Staff, rules: DeadlineRules) -> Holdings:
    """What ``person`` still holds (``Holdings``): drafts they handle, unmet steps of
    submitted records they owe (``owed_by``, a co-signer until they answer), and the roles
    of ``REQUIRED_ROLES`` of which they are the last active holder. A disabled person holds
    no role (``with_role`` counts active staff only), so asking again after disabling lists
    only records."""
    found = Holdings(person)
    cosigned = select(RecordCosigner.record_id).where(RecordCosigner.staff_id == person.id)
    query = (
        select(Record)
        .where(
            Record.status.in_([RecordStatus.DRAFT, RecordStatus.SUBMITTED]),
            or_(Record.handler_id == person.id, Record.id.in_(cosigned)),
        )
        .order_by(Record.id)
    )
    for record in (await session.execute(query)).scalars().unique():
        if record.status == RecordStatus.DRAFT:
            if record.handler_id == person.id:
                found.drafts.append(record)
            continue
        owed = [
            milestone
            for milestone in Milestone
            if milestone in unmet(record, rules)
            and any(o.staff_id == person.id and o.pending for o in owed_by(record, milestone))
        ]
        if owed:
            found.steps.append((record, owed))
    if person.active:
        for role in REQUIRED_ROLES:
            if role not in person.roles:
                continue
            per_department = role is Role.INTEGRITY_OFFICER
            others = [
                other
                for other in await staff_repo.with_role(session, role)
                if other.id != person.id
                and (not per_department or other.department_id == person.department_id)
            ]
            if not others and (not per_department or await _oversees(session, person)):
                found.last_roles.append(role)
    return found


async def _oversees(session: AsyncSession, person: Staff) -> bool:
    """Whether ``person``'s department has another active handler for its integrity officer
    to watch (an officer of a department without handlers oversees nobody:
    ``storage.staff.department_gaps``)."""
    return any(
        other.id != person.id and other.department_id == person.department_id
        for other in await staff_repo.with_role(session, Role.HANDLER)
    )


async def overseers(session: AsyncSession, held: Holdings) -> dict[int, Holdings]:
    """Who is told that ``held.person`` was disabled holding ``held``, and what each is told
    about: each record goes to its department's active integrity officers, or to discipline
    inspection where it has none (those a breach reaches, DESIGN.md §4); a role left empty
    goes to discipline inspection (Art. 8). Where nobody else is in discipline inspection,
    the court's leaders stand in for it. The person is never among them. By staff id, in id
    order."""
    person = held.person

    async def others(role: Role) -> list[Staff]:
        return [p for p in await staff_repo.with_role(session, role) if p.id != person.id]

    discipline = await others(Role.DISCIPLINE) or await others(Role.LEADER)
    officers = await others(Role.INTEGRITY_OFFICER)
    told: dict[int, Holdings] = {}

    def part(staff: Staff) -> Holdings:
        return told.setdefault(staff.id, Holdings(person))

    for record in held.drafts:
        mine = [o for o in officers if o.department_id == record.department_id] or discipline
        for overseer in mine:
            part(overseer).drafts.append(record)
    for record, owed in held.steps:
        mine = [o for o in officers if o.department_id == record.department_id] or discipline
        for overseer in mine:
            part(overseer).steps.append((record, owed))
    for watcher in discipline if held.last_roles else ():
        part(watcher).last_roles.extend(held.last_roles)
    return dict(sorted(told.items()))


async def disable(
    session: AsyncSession,
    person: Staff,
    rules: DeadlineRules,
    *,
    at: datetime,
    actor: str,
    force: bool = False,
) -> tuple[bool, Holdings]:
    """Disable ``person`` unless they still hold something (``holdings``); with ``force``,
    disable them all the same and queue a ``STAFF_DISABLED`` notice, due at once, to each
    overseer (``overseers``) naming what of it is theirs. The audit event
    (``staff_disabled``) keeps the holdings, whether it was forced and who was told.

    Returns whether the person was disabled now (False: already disabled, or refused because
    they hold something and ``force`` is not given) and what they held."""
    held = await holdings(session, person, rules)
    if not person.active or (not held.empty and not force):
        return False, held
    detail = await _tell(session, held, at=at, prefix="disabled")
    changed = await staff_repo.disable_staff(session, person, at=at, actor=actor, detail=detail)
    return changed, held


async def _tell(
    session: AsyncSession,
    held: Holdings,
    *,
    at: datetime,
    prefix: str,
    extra: dict[str, object] | None = None,
) -> dict[str, object]:
    """Queue a ``STAFF_DISABLED`` notice, due at ``at``, to each overseer of ``held``
    (``overseers``) naming what of it is theirs (``extra`` added to each payload: a change's
    ``change``); note them in ``held.told``. The audit detail of it: the holdings, forced, who
    was told (empty when nothing is held)."""
    if held.empty:
        return {}
    person = held.person
    told = await overseers(session, held)
    department = person.department.name if person.department else None
    stamp = at.isoformat()
    await ensure(
        session,
        [
            Planned(
                key=f"{prefix}:{person.id}:{stamp}:{staff_id}",
                kind=ReminderKind.STAFF_DISABLED,
                recipient_staff_id=staff_id,
                due_at=at,
                payload={
                    "staff": person.id,
                    "name": person.name,
                    "department": department,
                    **part.payload(),
                    **(extra or {}),
                },
            )
            for staff_id, part in told.items()
        ],
        at=at,
    )
    held.told = list(told)
    return {"held": held.payload(), "forced": True, "told": list(told)}


async def losses(
    session: AsyncSession,
    person: Staff,
    rules: DeadlineRules,
    *,
    department_id: int | None,
    roles: frozenset[Role],
) -> Holdings:
    """What ``person`` would leave unowned by now belonging to ``department_id`` with ``roles``
    (``guowen staff set``): without ``Role.HANDLER`` any more, the drafts they handle and the
    steps they owe as handler (a co-signature is theirs whatever their roles); each role of
    ``REQUIRED_ROLES`` of which they are the last active holder (``holdings``) that they drop,
    or, for an integrity officer, that leaves with them for another department. A disabled
    person holds no role, so only records count for them."""
    held = await holdings(session, person, rules)
    lost = Holdings(person)
    if Role.HANDLER in person.roles and Role.HANDLER not in roles:
        lost.drafts = held.drafts
        lost.steps = [(r, owed) for r, owed in held.steps if r.handler_id == person.id]
    moving = department_id != person.department_id
    lost.last_roles = [
        role
        for role in held.last_roles
        if role not in roles or (role is Role.INTEGRITY_OFFICER and moving)
    ]
    return lost


async def change(
    session: AsyncSession,
    person: Staff,
    rules: DeadlineRules,
    *,
    name: str | None,
    department: Department | None,
    roles: frozenset[Role] | None,
    at: datetime,
    actor: str,
    force: bool = False,
) -> tuple[staff_repo.StaffChange | None, Holdings]:
    """Change ``person``'s ``name``, ``department`` and ``roles`` (None: unchanged;
    ``storage.staff.change_staff``) unless it leaves something unowned (``losses``); with
    ``force``, change them all the same and queue a notice, due at once, to each overseer
    (``overseers``), as ``disable`` does. The audit event (``staff_changed``) keeps what was
    left, that it was forced and who was told.

    Returns the change (None: refused, or nothing to change: ``losses`` is then empty) and
    what it leaves unowned.
    Raises ``StaffError`` as ``change_staff`` does."""
    after_department = department.id if department is not None else person.department_id
    after_roles = roles if roles is not None else person.roles
    lost = await losses(session, person, rules, department_id=after_department, roles=after_roles)
    staff_repo.check_change(person, name=name, department=department, roles=roles)
    before = staff_repo.snapshot(person)
    after = staff_repo.snapshot(person, name=name, department=department, roles=roles)
    if before == after or (not lost.empty and not force):
        return None, lost
    extra: dict[str, object] = {"change": {"before": before, "after": after}}
    detail = await _tell(session, lost, at=at, prefix="changed", extra=extra)
    done = await staff_repo.change_staff(
        session,
        person,
        name=name,
        department=department,
        roles=roles,
        at=at,
        actor=actor,
        detail=detail,
    )
    return done, lost
