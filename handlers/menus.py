"""Command menus, for any transport that shows one (Telegram's "/" menu; WeCom's app menu).

The default menu lists what everyone may use, in the court's language; each bound, active
person gets their roles' commands in their own language, in their chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from handlers.engine import Registry
from handlers.i18n import t
from storage.db import Database
from storage.models import ChatIdentity, Staff
from storage.vocabulary import Language


@dataclass(frozen=True)
class Menu:
    """One menu: ``chat_id`` None for the default one; ``commands`` as (name, description)
    pairs in registration order, descriptions in ``language``."""

    chat_id: str | None
    language: Language
    commands: tuple[tuple[str, str], ...]


def menu_for(
    registry: Registry, roles: frozenset[str], language: Language, chat_id: str | None = None
) -> Menu:
    """The menu of someone with ``roles`` (empty: a person not yet bound)."""
    commands = tuple(
        (command.name, t(language, command.help_key)) for command in registry.visible(roles)
    )
    return Menu(chat_id, language, commands)


async def command_menus(
    db: Database,
    registry: Registry,
    transport_name: str,
    court_language: Language,
    *,
    user_id: str | None = None,
) -> list[Menu]:
    """The default menu, then one per bound active person on ``transport_name``.

    With ``user_id`` (the transport's id of a person), only that person's menu, or none when
    they are not bound or disabled: what a transport refreshes after a binding or a change of
    language. One read-only transaction.
    """
    query = (
        select(ChatIdentity.chat_id, Staff)
        .join(Staff, ChatIdentity.staff_id == Staff.id)
        .where(ChatIdentity.transport == transport_name, Staff.active.is_(True))
        .order_by(ChatIdentity.chat_id)
    )
    if user_id is not None:
        query = query.where(ChatIdentity.external_id == user_id)
    async with db.transaction() as session:
        rows = [
            (chat, person.roles, person.language) for chat, person in await session.execute(query)
        ]
    menus = [] if user_id is not None else [menu_for(registry, frozenset(), court_language)]
    for chat_id, roles, chosen in rows:
        language = Language(chosen) if chosen else court_language
        menus.append(menu_for(registry, frozenset(roles), language, chat_id))
    return menus
