"""A chat account that can read others' records is announced, never silent.

Whoever holds an account reads what its person reads, so an invite code redeemed for someone
already bound (a new phone, or an admin's way into a judge's records) is told at once to that
person on every chat they already use, and to ``discipline``; and the first account of anyone
whose roles read other people's records (discipline, trial management, leaders, the compiler,
integrity officers) is told to ``discipline`` too, so a person an admin registered for himself
meets the people who know who belongs. Each announcement is audited as ``binding_announced``
beside the ``identity_bound`` event. The new chat itself is not among those told: it may be
the intruder's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import join, t
from handlers.ports import OutgoingMessage, Reply
from storage import audit
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.models import ChatIdentity, Staff
from storage.vocabulary import Language, Role, known_roles, label

# Roles that read records other than one's own (``storage.records.can_view``).
READERS = frozenset(
    {Role.DISCIPLINE, Role.TRIAL_MANAGEMENT, Role.LEADER, Role.COMPILER, Role.INTEGRITY_OFFICER}
)


async def announce_binding(
    session: AsyncSession,
    person: Staff,
    bound: ChatIdentity,
    *,
    at: datetime,
    tz: ZoneInfo,
    language: Language | str,
) -> list[Reply]:
    """The messages owed when ``bound`` is not ``person``'s first account; [] when it is.

    ``language`` is the court's, for people who chose none. Appends the audit event in the
    caller's transaction; the replies are sent after it commits.
    """
    earlier = [i for i in await staff_repo.identities_of(session, person.id) if i.id != bound.id]
    readers = [role for role in known_roles(person.roles) if role in READERS]
    if not earlier and not readers:
        return []
    when = at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    replies: dict[tuple[str, str], Reply] = {}
    new_chat = (bound.transport, bound.chat_id)

    def add(account: ChatIdentity, text: str) -> None:
        key = (account.transport, account.chat_id)
        if key != new_chat and key not in replies:
            replies[key] = Reply(account.transport, account.chat_id, OutgoingMessage(text))

    own = person.language or language
    for account in earlier:
        add(
            account,
            t(
                own,
                "access.new_binding_self",
                name=person.name,
                transport=bound.transport,
                when=when,
            ),
        )
    told = [person.id]
    department = person.department.name if person.department else "-"
    for officer in await staff_repo.with_role(session, Role.DISCIPLINE):
        if officer.id == person.id:
            continue
        lang = Language(officer.language or language)
        if earlier:
            notice = t(
                lang,
                "access.new_binding_discipline",
                name=person.name,
                department=department,
                transport=bound.transport,
                when=when,
                count=len(earlier),
            )
        else:
            roles = join(lang, [label(role, lang) for role in readers])
            notice = t(
                lang,
                "access.new_reader_discipline",
                name=person.name,
                department=department,
                roles=roles,
                transport=bound.transport,
                when=when,
            )
        accounts = await staff_repo.identities_of(session, officer.id)
        for account in accounts:
            add(account, notice)
        if accounts:
            told.append(officer.id)
    await audit.append(
        session,
        AuditKind.BINDING_ANNOUNCED,
        at=at,
        actor_staff_id=person.id,
        actor=person.name,
        subject=f"staff:{person.id}",
        payload={
            "identity": bound.id,
            "transport": bound.transport,
            "external_id": bound.external_id,
            "earlier": [account.id for account in earlier],
            "told": told,
        },
    )
    return list(replies.values())
