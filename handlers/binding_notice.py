"""A second chat account for a person who already has one is announced, never silent.

Whoever holds an account reads what its person reads, so an invite code redeemed for someone
already bound (a new phone, or an admin's way into a judge's records) is told at once to that
person on every chat they already use, and to ``discipline``, and audited as
``binding_announced`` beside the ``identity_bound`` event. The new chat itself is not among
those told: it may be the intruder's.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import t
from handlers.ports import OutgoingMessage, Reply
from storage import audit
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.models import ChatIdentity, Staff
from storage.vocabulary import Language, Role


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
    if not earlier:
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
        notice = t(
            officer.language or language,
            "access.new_binding_discipline",
            name=person.name,
            department=department,
            transport=bound.transport,
            when=when,
            count=len(earlier),
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
