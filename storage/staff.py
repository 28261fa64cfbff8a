"""Staff, departments, chat identities and invites: the repository behind access control.

Functions flush but never commit; the caller owns the transaction. Every change appends an
audit event in the same transaction, so a change and its trace are stored together or not at
all.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import bindparam, event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage import audit
from storage.audit import AuditKind
from storage.models import ChatIdentity, Conversation, Department, Invite, Staff, StaffRole
from storage.numbers import parse_id
from storage.vocabulary import DEPARTMENT_ROLES, MAX_INVITE_HOURS, Role

# Crockford-style alphabet: no 0/O or 1/I/L to misread when a code is typed from paper.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
# A Chinese character (or the middle dot of a transcribed name, 买买提·艾力): the spaces
# between two of them are padding (Word name lists write 张伟 as 张　伟), never part of a name.
_HAN = r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff·•・]"
_PADDING = re.compile(rf"(?<={_HAN}) (?={_HAN})")


class StaffProblem(StrEnum):
    """Why a person could not be found or used; the catalog's ``staff.<value>`` says it."""

    NOT_FOUND = "not_found"
    AMBIGUOUS = "ambiguous"
    INACTIVE = "inactive"
    EMPTY_NAME = "empty_name"
    DEPARTMENT_REQUIRED = "department_required"
    DEPARTMENT_UNKNOWN = "department_unknown"


class StaffError(Exception):
    """A person's reference (``ref``: the name or number as typed) that cannot be used, and why."""

    def __init__(self, problem: StaffProblem, ref: str) -> None:
        super().__init__(f"{problem}: {ref}")
        self.problem = problem
        self.ref = ref


def hash_code(code: str) -> str:
    """The SHA-256 (hex) of an invite code as typed: NFKC-normalised (a full-width keyboard's
    "ＡＢＣＤ－２３４５" is "ABCD2345"), spaces and dashes dropped, upper-cased. Only this hash
    is stored, never the code.
    """
    # NFKC first: a phone's Chinese keyboard in full-width mode sends "ＡＢＣＤ－２３４５".
    normalised = "".join(unicodedata.normalize("NFKC", code).split()).upper().replace("-", "")
    return hashlib.sha256(normalised.encode("ascii", "ignore")).hexdigest()


def new_code() -> str:
    """A fresh invite code: 12 characters from 31 that cannot be mistaken for each other (no 0/O,
    1/I/L), in groups of four joined by dashes (``ABCD-2345-WXYZ``); about 59 bits of chance.
    """
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def person_name(name: str) -> str:
    """A person's name as stored and shown: whitespace (ASCII and no-break spaces, the
    ideographic space U+3000, tabs) dropped at both ends and between two Chinese characters,
    any other inner run one space (an English name keeps its space). "张　伟" (U+3000) is
    "张伟"; "John", a tab and "Smith" is "John Smith"."""
    return _PADDING.sub("", " ".join(name.split()))


def person_key(name: str) -> str:
    """What two people's names are compared by, wherever a name is looked up (``find_staff``,
    the CLI's double-entry and namesake checks, the chat's names): NFKC-normalised (full-width
    letters are plain ones), every whitespace and invisible format character (zero-width
    space, BOM) removed, case-folded. ``"张　伟"``, ``"张 伟"`` and ``"张伟"`` have one key."""
    folded = unicodedata.normalize("NFKC", name)
    kept = (ch for ch in folded if not ch.isspace() and unicodedata.category(ch) != "Cf")
    return "".join(kept).casefold()


def same_person_name(one: str, other: str) -> bool:
    """Whether two names are one name (``person_key``), however spaced."""
    return person_key(one) == person_key(other)


def department_name(name: str) -> str:
    """A department's name as stored and shown: leading and trailing whitespace (the ideographic
    space too) dropped and every inner run of it one space; its characters as typed (the court's
    full-width "（二组）" stays). ``"民事审判第一庭\u3000"`` is ``"民事审判第一庭"``."""
    return " ".join(name.split())


def department_key(name: str) -> str:
    """What two department names are compared by: NFKC-normalised (full-width letters, digits,
    brackets and spaces are their plain forms), whitespace as in ``department_name``,
    case-folded. Two names with one key are one department."""
    return " ".join(unicodedata.normalize("NFKC", name).split()).casefold()


async def match_department(session: AsyncSession, name: str) -> Department | None:
    """The existing department whose name has ``name``'s ``department_key``; None when none has."""
    wanted = department_key(name)
    for known in await departments(session):
        if department_key(known.name) == wanted:
            return known
    return None


async def department(session: AsyncSession, name: str, *, at: datetime) -> Department:
    """The department called ``name`` (compared by ``department_key``), created (and audited)
    under its ``department_name`` when no department has that key."""
    found = await match_department(session, name)
    if found is not None:
        return found
    stored = department_name(name)
    created = Department(name=stored, created_at=at)
    session.add(created)
    await session.flush()
    await audit.append(
        session,
        AuditKind.DEPARTMENT_ADDED,
        at=at,
        subject=f"department:{created.id}",
        payload={"name": stored},
    )
    return created


async def add_staff(
    session: AsyncSession,
    *,
    name: str,
    department_name: str | None,
    roles: Iterable[Role],
    at: datetime,
    actor: str,
    actor_staff_id: int | None = None,
    new_department: bool = False,
) -> Staff:
    """Register a person (audited as ``actor``): their department and roles. The department is
    the existing one whose name matches ``department_name`` (``match_department``: whitespace
    and full-width forms do not count); a department is created only when ``new_department``
    says so, since a name typed another way ("民一庭" for "民事审判第一庭") would otherwise
    split a division and leave its handlers' breaches unheard by its integrity officer (Art. 10).
    Raises ``StaffError``: ``EMPTY_NAME`` for a blank name; ``DEPARTMENT_REQUIRED`` (``ref``: the
    name) for a role of ``DEPARTMENT_ROLES`` without a department, blank counted as none;
    ``DEPARTMENT_UNKNOWN`` (``ref``: the department name as given) for a name no department has
    without ``new_department``.
    """
    name = person_name(name)
    if not name:
        raise StaffError(StaffProblem.EMPTY_NAME, name)
    roles = list(roles)
    department_name = (department_name or "").strip() or None
    if department_name is None and DEPARTMENT_ROLES.intersection(roles):
        raise StaffError(StaffProblem.DEPARTMENT_REQUIRED, name)
    dept = await match_department(session, department_name) if department_name else None
    if department_name and dept is None:
        if not new_department:
            raise StaffError(StaffProblem.DEPARTMENT_UNKNOWN, department_name)
        dept = await department(session, department_name, at=at)
    unique_roles = sorted(set(roles))
    person = Staff(
        name=name,
        department_id=dept.id if dept else None,
        active=True,
        created_at=at,
        role_rows=[StaffRole(role=str(role)) for role in unique_roles],
    )
    session.add(person)
    await session.flush()
    await audit.append(
        session,
        AuditKind.STAFF_ADDED,
        at=at,
        actor=actor,
        actor_staff_id=actor_staff_id,
        subject=f"staff:{person.id}",
        payload={
            "name": name,
            "department": dept.name if dept else None,
            "roles": [str(r) for r in unique_roles],
        },
    )
    await session.refresh(person, ["department"])
    return person


async def find_staff(session: AsyncSession, ref: str) -> Staff:
    """A staff member by id (digits) or name, compared by ``person_key`` (spaces and full-width
    forms do not count: "张　伟" is 张伟). Of several people with the name, the one active
    person; raises ``StaffError``: ``NOT_FOUND``, or ``AMBIGUOUS`` for a name two people share
    (both active, or neither)."""
    ref = ref.strip()
    if (staff_id := parse_id(ref)) is not None:
        person = await session.get(Staff, staff_id)
        if person is None:
            raise StaffError(StaffProblem.NOT_FOUND, ref)
        return person
    matches = await named(session, ref)
    if not matches:
        raise StaffError(StaffProblem.NOT_FOUND, ref)
    active = [person for person in matches if person.active]
    if len(active) == 1:
        return active[0]
    if len(matches) == 1:
        return matches[0]
    raise StaffError(StaffProblem.AMBIGUOUS, ref)


async def active_named(session: AsyncSession, name: str) -> Staff | None:
    """The first active person (by number) whose name is ``name`` by ``person_key``; None
    for none."""
    wanted = person_key(name)
    query = select(Staff.id, Staff.name).where(Staff.active).order_by(Staff.id)
    found = next(
        (n for n, its in (await session.execute(query)).all() if person_key(its) == wanted), None
    )
    return None if found is None else await session.get(Staff, found)


async def named(session: AsyncSession, name: str) -> list[Staff]:
    """Every person, active or not, whose name is ``name`` by ``person_key``, by number."""
    wanted = person_key(name)
    return [person for person in await list_staff(session) if person_key(person.name) == wanted]


async def list_staff(session: AsyncSession) -> Sequence[Staff]:
    """Every person, active or not, by number."""
    return (await session.execute(select(Staff).order_by(Staff.id))).scalars().all()


ROLE_HOLDERS = "guowen_role_holders"
"""Key, in ``session.info``, of ``with_role``'s answers in this transaction."""

DEPARTMENTS = "guowen_departments"
"""Key, in ``session.info``, of ``departments``' answer in this transaction."""


_ROLE_HOLDERS = (
    select(Staff)
    .join(StaffRole)
    .where(StaffRole.role == bindparam("role"), Staff.active.is_(True))
    .order_by(Staff.id)
)
"""Active staff holding the role ``role``, built once."""


async def with_role(session: AsyncSession, role: Role) -> Sequence[Staff]:
    """Active staff holding ``role``, read once a transaction: the answer is kept until a
    flush writes a staff or role row (``_forget_role_holders``)."""
    if _pending(session.sync_session, Staff, StaffRole):
        session.info.pop(ROLE_HOLDERS, None)  # the query's autoflush writes them first
    known: dict[str, Sequence[Staff]] = session.info.setdefault(ROLE_HOLDERS, {})
    found = known.get(str(role))
    if found is None:
        rows = await session.execute(_ROLE_HOLDERS, {"role": str(role)})
        found = known[str(role)] = rows.scalars().unique().all()
    return found


def _pending(session: Session, *models: type[object]) -> bool:
    """A row of one of ``models`` is added, changed or deleted and not yet written."""
    return any(
        isinstance(obj, models)
        for rows in (session.new, session.dirty, session.deleted)
        for obj in rows
    )


@event.listens_for(Session, "before_flush")
def _forget_role_holders(session: Session, _context: object, _instances: object) -> None:
    """A staff or role row about to be written makes ``with_role``'s answers stale; a
    department row, ``departments``' answer."""
    if ROLE_HOLDERS in session.info and _pending(session, Staff, StaffRole):
        del session.info[ROLE_HOLDERS]
    if DEPARTMENTS in session.info and _pending(session, Department):
        del session.info[DEPARTMENTS]


@event.listens_for(Session, "after_soft_rollback")
def _forget_role_holders_rolled_back(session: Session, _previous: object) -> None:
    """A rolled-back savepoint may have held a staff, role or department row that
    ``with_role`` or ``departments`` saw."""
    session.info.pop(ROLE_HOLDERS, None)
    session.info.pop(DEPARTMENTS, None)


@dataclass(frozen=True)
class IssuedInvite:
    """A new code for ``staff``; ``bound`` are the chat accounts they already use.

    When ``bound`` is not empty the code makes a second account for the same person: whoever
    redeems it reads what that person reads, so the caller says so to the admin, and the bot
    tells the person and ``discipline`` when the code is used.
    """

    staff: Staff
    code: str
    expires_at: datetime
    bound: tuple[ChatIdentity, ...] = ()


async def issue_invite(
    session: AsyncSession,
    person: Staff,
    *,
    at: datetime,
    valid_for: timedelta,
    actor: str,
    actor_staff_id: int | None = None,
) -> IssuedInvite:
    """A new invite code for ``person``, valid for ``valid_for`` from ``at`` (only its hash is
    stored; the code is in the result, with the chat accounts the person is bound to already).
    Audited. Raises ``StaffError`` (``INACTIVE``) for a disabled person, ``ValueError`` for a
    ``valid_for`` that is not positive or longer than ``MAX_INVITE_HOURS``.
    """
    if not timedelta(0) < valid_for <= timedelta(hours=MAX_INVITE_HOURS):
        raise ValueError(f"an invite is valid for 1 to {MAX_INVITE_HOURS} hours, not {valid_for}")
    if not person.active:
        raise StaffError(StaffProblem.INACTIVE, person.name)
    already = tuple(await identities_of(session, person.id))
    code = new_code()
    invite = Invite(
        staff_id=person.id,
        code_hash=hash_code(code),
        created_at=at,
        expires_at=at + valid_for,
    )
    session.add(invite)
    await session.flush()
    await audit.append(
        session,
        AuditKind.INVITE_ISSUED,
        at=at,
        actor=actor,
        actor_staff_id=actor_staff_id,
        subject=f"staff:{person.id}",
        payload={
            "invite": invite.id,
            "expires_at": invite.expires_at.isoformat(),
            "already_bound": [bound.id for bound in already],
        },
    )
    return IssuedInvite(staff=person, code=code, expires_at=invite.expires_at, bound=already)


async def disable_staff(
    session: AsyncSession,
    person: Staff,
    *,
    at: datetime,
    actor: str,
    actor_staff_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> bool:
    """Disable ``person``; False when they already were. Their bindings stop working at once.
    ``detail`` goes into the audit event beside the name (what they still held, who was
    told: ``reminders.holdings.disable``)."""
    if not person.active:
        return False
    person.active = False
    await session.flush()
    await audit.append(
        session,
        AuditKind.STAFF_DISABLED,
        at=at,
        actor=actor,
        actor_staff_id=actor_staff_id,
        subject=f"staff:{person.id}",
        payload={"name": person.name, **(detail or {})},
    )
    return True


async def enable_staff(
    session: AsyncSession,
    person: Staff,
    *,
    at: datetime,
    actor: str,
    actor_staff_id: int | None = None,
) -> bool:
    """Enable a disabled ``person`` again; False when they were active. The chat accounts
    still bound to them (``identities_of``: those not released meanwhile) work again at once,
    so the caller names them. Audited as ``staff_enabled`` with those accounts."""
    if person.active:
        return False
    person.active = True
    await session.flush()
    accounts = await identities_of(session, person.id)
    await audit.append(
        session,
        AuditKind.STAFF_ENABLED,
        at=at,
        actor=actor,
        actor_staff_id=actor_staff_id,
        subject=f"staff:{person.id}",
        payload={"name": person.name, "identities": [account.id for account in accounts]},
    )
    return True


@dataclass(frozen=True)
class StaffChange:
    """A person before and after ``change_staff``: ``snapshot``s (name, department, roles)."""

    before: dict[str, object]
    after: dict[str, object]


def snapshot(
    person: Staff,
    *,
    name: str | None = None,
    department: Department | None = None,
    roles: Iterable[Role] | None = None,
) -> dict[str, object]:
    """``person``'s name, department name (None: none) and roles (values, sorted) as the audit
    keeps them (``staff_added``'s shape), each replaced by the one given."""
    there = department if department is not None else person.department
    return {
        "name": person_name(name) if name is not None else person.name,
        "department": there.name if there is not None else None,
        "roles": sorted(str(role) for role in (person.roles if roles is None else roles)),
    }


def check_change(
    person: Staff,
    *,
    name: str | None = None,
    department: Department | None = None,
    roles: Iterable[Role] | None = None,
) -> None:
    """Raises ``StaffError`` for a change ``change_staff`` refuses: ``EMPTY_NAME`` for a blank
    new name; ``DEPARTMENT_REQUIRED`` (``ref``: the name) for a role of ``DEPARTMENT_ROLES``
    left without a department."""
    if name is not None and not person_name(name):
        raise StaffError(StaffProblem.EMPTY_NAME, name)
    held = set(person.roles if roles is None else roles)
    if department is None and person.department_id is None and DEPARTMENT_ROLES & held:
        raise StaffError(StaffProblem.DEPARTMENT_REQUIRED, person.name)


async def change_staff(
    session: AsyncSession,
    person: Staff,
    *,
    name: str | None = None,
    department: Department | None = None,
    roles: Iterable[Role] | None = None,
    at: datetime,
    actor: str,
    actor_staff_id: int | None = None,
    detail: dict[str, object] | None = None,
) -> StaffChange | None:
    """Give ``person`` another ``name``, ``department`` or set of ``roles`` (None: unchanged),
    audited as ``staff_changed`` with ``before`` and ``after`` (``snapshot``) and ``detail``
    (what they left, who was told: ``reminders.holdings.change``). A mistyped department is
    corrected here, never by a second registration. None when nothing changes. Raises
    ``StaffError`` as ``check_change`` does."""
    check_change(person, name=name, department=department, roles=roles)
    before = snapshot(person)
    after = snapshot(person, name=name, department=department, roles=roles)
    if before == after:
        return None
    if name is not None:
        person.name = person_name(name)
    if department is not None:
        person.department_id = department.id
    if roles is not None:
        wanted = {str(role) for role in roles}
        person.role_rows = [row for row in person.role_rows if str(row.role) in wanted]
        kept = {str(row.role) for row in person.role_rows}
        person.role_rows.extend(StaffRole(role=Role(role)) for role in sorted(wanted - kept))
    await session.flush()
    await audit.append(
        session,
        AuditKind.STAFF_CHANGED,
        at=at,
        actor=actor,
        actor_staff_id=actor_staff_id,
        subject=f"staff:{person.id}",
        payload={"before": before, "after": after, **(detail or {})},
    )
    await session.refresh(person, ["department", "role_rows"])
    return StaffChange(before, after)


class AccountTaken(Exception):
    """A chat account is bound to another person who is active: one account never speaks for
    two active people, so it is not moved; ``holder`` is that person."""

    def __init__(self, holder: Staff) -> None:
        super().__init__(f"bound to active staff {holder.id}")
        self.holder = holder


async def release_identity(
    session: AsyncSession,
    bound: ChatIdentity,
    *,
    at: datetime,
    actor: str,
    actor_staff_id: int | None = None,
    reason: str,
) -> None:
    """Unbind the chat account ``bound`` from its disabled person, so that it can be bound to
    someone else and is not revived if they are enabled again (``reason``: ``released`` by the
    administrator, or ``rebound`` to another person). The row goes; the ``identity_released``
    audit event keeps all of it, and the ``invite_used`` event keeps which invite bound it.
    The chat's open dialogue is closed: it was the former person's.
    Raises ``AccountTaken`` when its person is active (disable them first)."""
    holder = await session.get(Staff, bound.staff_id)
    if holder is not None and holder.active:
        raise AccountTaken(holder)
    for invite in (
        await session.execute(select(Invite).where(Invite.used_by_identity_id == bound.id))
    ).scalars():
        invite.used_by_identity_id = None
    # The chat's open dialogue was its former person's (their draft stays their record).
    await session.execute(
        update(Conversation)
        .where(Conversation.transport == bound.transport, Conversation.chat_id == bound.chat_id)
        .values(step=None, data={}, record_id=None, updated_at=at)
    )
    await audit.append(
        session,
        AuditKind.IDENTITY_RELEASED,
        at=at,
        actor=actor,
        actor_staff_id=actor_staff_id,
        subject=f"staff:{bound.staff_id}",
        payload={
            "identity": bound.id,
            "transport": bound.transport,
            "external_id": bound.external_id,
            "chat_id": bound.chat_id,
            "display_name": bound.display_name,
            "bound_at": bound.bound_at.isoformat(),
            "reason": reason,
        },
    )
    await session.delete(bound)
    await session.flush()


async def identity(session: AsyncSession, transport: str, external_id: str) -> ChatIdentity | None:
    """The chat identity of ``external_id`` (the service's user id) on ``transport``, if bound."""
    query = select(ChatIdentity).where(
        ChatIdentity.transport == transport, ChatIdentity.external_id == external_id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def identities_of(session: AsyncSession, staff_id: int) -> Sequence[ChatIdentity]:
    """Every chat account ``staff_id`` is bound to, oldest first."""
    query = select(ChatIdentity).where(ChatIdentity.staff_id == staff_id).order_by(ChatIdentity.id)
    return (await session.execute(query)).scalars().all()


USED_STEP = timedelta(minutes=1)
"""``ChatIdentity.last_used_at`` is written when it is older than this, not on every message."""


def note_use(bound: ChatIdentity, at: datetime) -> None:
    """The person wrote from ``bound`` at ``at``: its ``last_used_at`` moves on (written with
    the message's transaction; at most once per ``USED_STEP``)."""
    last = bound.last_used_at
    if last is None or at - last >= USED_STEP or at < last:
        bound.last_used_at = at


def used_last(accounts: Sequence[ChatIdentity]) -> list[ChatIdentity]:
    """Where to reach a person bound on several chat accounts: the one they wrote from last;
    all of them when none was used yet (nobody is left unreached)."""
    used = [account for account in accounts if account.last_used_at is not None]
    if not used:
        return list(accounts)
    return [max(used, key=lambda account: (account.last_used_at, account.id))]


async def bind(
    session: AsyncSession,
    *,
    person: Staff,
    transport: str,
    external_id: str,
    chat_id: str,
    display_name: str | None,
    at: datetime,
    via: str,
) -> ChatIdentity:
    """Bind a chat account to ``person`` (``via``: how, e.g. ``invite``), audited; the identity."""
    bound = ChatIdentity(
        transport=transport,
        external_id=external_id,
        chat_id=chat_id,
        staff_id=person.id,
        display_name=display_name,
        bound_at=at,
    )
    session.add(bound)
    await session.flush()
    await audit.append(
        session,
        AuditKind.IDENTITY_BOUND,
        at=at,
        actor_staff_id=person.id,
        actor=person.name,
        subject=f"staff:{person.id}",
        payload={
            "transport": transport,
            "external_id": external_id,
            "chat_id": chat_id,
            "via": via,
        },
    )
    return bound


async def redeem_invite(
    session: AsyncSession,
    code: str,
    *,
    transport: str,
    external_id: str,
    chat_id: str,
    display_name: str | None,
    at: datetime,
    replacing: ChatIdentity | None = None,
) -> ChatIdentity | None:
    """Bind the sender with a one-time code; None for a wrong, expired or used code, or one
    whose person is disabled. ``replacing``: the sender's account as it is bound now, to a
    disabled person (a colleague's work phone handed on): released from them first
    (``release_identity``, reason ``rebound``) when the code is good, never otherwise.
    Raises ``AccountTaken`` when ``replacing``'s person is active."""
    invite = (
        await session.execute(
            select(Invite).where(Invite.code_hash == hash_code(code)).with_for_update()
        )
    ).scalar_one_or_none()
    if invite is None or invite.used_at is not None or invite.expires_at <= at:
        return None
    person = await session.get(Staff, invite.staff_id)
    if person is None or not person.active:
        return None
    if replacing is not None:
        await release_identity(
            session,
            replacing,
            at=at,
            actor=person.name,
            actor_staff_id=person.id,
            reason="rebound",
        )
    bound = await bind(
        session,
        person=person,
        transport=transport,
        external_id=external_id,
        chat_id=chat_id,
        display_name=display_name,
        at=at,
        via="invite",
    )
    invite.used_at = at
    invite.used_by_identity_id = bound.id
    await session.flush()
    await audit.append(
        session,
        AuditKind.INVITE_USED,
        at=at,
        actor_staff_id=person.id,
        actor=person.name,
        subject=f"staff:{person.id}",
        payload={"invite": invite.id, "identity": bound.id},
    )
    return bound


async def deny(
    session: AsyncSession, *, transport: str, external_id: str, reason: str, at: datetime
) -> None:
    """Log a refused message: who (the chat account) and why, never what they wrote."""
    await audit.append(
        session,
        AuditKind.ACCESS_DENIED,
        at=at,
        subject=f"{transport}:{external_id}",
        payload={"transport": transport, "external_id": external_id, "reason": reason},
    )


async def count_staff(session: AsyncSession) -> int:
    """How many people are registered, active or not."""
    return int((await session.execute(select(func.count(Staff.id)))).scalar_one())


_DEPARTMENTS = select(Department).order_by(Department.id)
"""Every department, by number, built once."""


async def departments(session: AsyncSession) -> Sequence[Department]:
    """Every department, by number, read once a transaction as ``with_role`` is: the answer
    (a tuple) is kept until a flush writes a department row (``_forget_role_holders``), so an
    answer naming several people (Art. 14, ``handlers.fields.staff_named`` on each) reads
    the departments once."""
    if _pending(session.sync_session, Department):
        session.info.pop(DEPARTMENTS, None)  # the query's autoflush writes them first
    found: Sequence[Department] | None = session.info.get(DEPARTMENTS)
    if found is None:
        found = session.info[DEPARTMENTS] = tuple((await session.execute(_DEPARTMENTS)).scalars())
    return found


async def handling_departments(session: AsyncSession, first: int | None) -> list[Department]:
    """The departments a case may be handled in (承办部门): those where an active handler
    works, by number, department ``first`` (the handler's own) ahead of the others. An
    office with no handler (信息技术科, 纪检监察室, 院领导) handles no case, and a record
    put there would leave its integrity officer's sight for one with nobody to oversee."""
    handling = {
        person.department_id
        for person in await list_staff(session)
        if person.active and Role.HANDLER in person.roles
    }
    found = [d for d in await departments(session) if d.id in handling]
    return sorted(found, key=lambda d: d.id != first)


async def find_department(session: AsyncSession, ref: str) -> Department | None:
    """A department by id or by name (``match_department``: whitespace and full-width forms do
    not count)."""
    ref = ref.strip()
    if (department_id := parse_id(ref)) is not None:
        return await session.get(Department, department_id)
    return await match_department(session, ref)


@dataclass(frozen=True)
class DepartmentGap:
    """A department whose active staff hold one side of Art. 10 and not the other: ``missing``
    is ``Role.INTEGRITY_OFFICER`` (its handlers' breaches reach no integrity officer) or
    ``Role.HANDLER`` (its integrity officer oversees nobody: most likely a department named
    another way)."""

    department: Department
    missing: Role


async def department_gaps(session: AsyncSession) -> list[DepartmentGap]:
    """Every department, by number, with active handlers but no active integrity officer or the
    other way round (Art. 10: a handler's breaches go to their department's integrity officer)."""
    held: dict[int, set[Role]] = {}
    for person in await list_staff(session):
        if person.active and person.department_id is not None:
            held.setdefault(person.department_id, set()).update(person.roles)
    gaps = []
    for known in await departments(session):
        roles = held.get(known.id, set())
        has_handler = Role.HANDLER in roles
        has_officer = Role.INTEGRITY_OFFICER in roles
        if has_handler and not has_officer:
            gaps.append(DepartmentGap(known, Role.INTEGRITY_OFFICER))
        elif has_officer and not has_handler:
            gaps.append(DepartmentGap(known, Role.HANDLER))
    return gaps


COURT_OFFICES: tuple[Role, ...] = (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT, Role.COMPILER)
"""The court-wide roles the rules need someone in: discipline inspection and trial
management each receive every form copy (Art. 6) and discipline every breach (Art. 8, 10);
the compiler owes the quarterly report (Art. 7, 8)."""


async def missing_offices(session: AsyncSession) -> list[Role]:
    """The roles of ``COURT_OFFICES`` no active staff member holds, in that order."""
    held: set[Role] = set()
    for person in await list_staff(session):
        if person.active:
            held.update(person.roles)
    return [role for role in COURT_OFFICES if role not in held]
