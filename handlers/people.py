"""Who is behind a chat, for a transport that must say so itself: the console names the person
a reply goes to and, in the demo, speaks as any registered person (``/as``).

Transports do no SQL; each function here is one transaction of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers.i18n import catalog, t
from storage import staff as staff_repo
from storage.db import Database
from storage.models import ChatIdentity, Staff
from storage.staff import StaffError, StaffProblem
from storage.vocabulary import Language

CONSOLE = "console"
"""The console transport's name (``bot.transports.console``)."""
CONSOLE_GUEST = "guest"
"""The chat id of the console's own default speaker, before ``/as`` names anyone."""


def account_words(language: Language, account: ChatIdentity) -> str:
    """A bound chat account as staff read it, wherever they are told of one (the chat's
    /invite, ``guowen staff``): the transport's name in ``language`` (``cli.transport.*``;
    its code when the catalog has none) and the account's id, the console's default speaker
    named as such, e.g. 企业微信账号“zhangwei”, 控制台账号“默认用户”."""
    key = f"cli.transport.{account.transport}"
    transport = t(language, key) if key in catalog(language) else account.transport
    user = account.external_id
    if account.transport == CONSOLE and user == CONSOLE_GUEST:
        user = t(language, "cli.console_default_user")
    return t(language, "cli.account", transport=transport, id=user)


@dataclass(frozen=True)
class Speaker:
    """A person a chat is bound to: the chat's external id and the person's name."""

    external_id: str
    name: str


async def name_of(db: Database, transport: str, chat_id: str) -> str | None:
    """The name of the person bound to ``chat_id`` on ``transport``; None when nobody is."""
    async with db.transaction() as session:
        bound = await staff_repo.identity(session, transport, chat_id)
        if bound is None:
            return None
        person = await session.get(Staff, bound.staff_id)
        return person.name if person else None


async def speak_as(db: Database, transport: str, ref: str, *, at: datetime) -> Speaker:
    """Bind ``transport``'s chat ``str(staff id)`` to the person ``ref`` (a name or a number,
    as ``storage.staff.find_staff`` reads it) unless it is bound already, and return it.

    Raises ``StaffError``: no such person, several of that name, or ``INACTIVE`` (a disabled
    person cannot be spoken as).
    """
    async with db.transaction() as session:
        person = await staff_repo.find_staff(session, ref)
        if not person.active:
            raise StaffError(StaffProblem.INACTIVE, person.name)
        external = str(person.id)
        if await staff_repo.identity(session, transport, external) is None:
            await staff_repo.bind(
                session,
                person=person,
                transport=transport,
                external_id=external,
                chat_id=external,
                display_name=person.name,
                at=at,
                via=transport,
            )
        return Speaker(external, person.name)
