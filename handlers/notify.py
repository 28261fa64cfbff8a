"""Messages to people other than the sender, each in their own language, on every account
they have bound."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from handlers.engine import Context
from handlers.i18n import t
from handlers.ports import Button, OutgoingMessage, Reply
from storage import staff as staff_repo
from storage.models import Staff
from storage.vocabulary import Language, Role


def language_of(ctx: Context, person: Staff) -> Language:
    """The language ``person`` chose, or the court's default."""
    return Language(person.language) if person.language else ctx.services.language


async def tell(
    ctx: Context,
    people: Iterable[Staff],
    key: str,
    values: Mapping[str, object] | None = None,
    buttons: tuple[tuple[Button, ...], ...] = (),
) -> list[Staff]:
    """Queue ``key`` for each person; returns those with no bound account (nobody to tell)."""
    unreachable: list[Staff] = []
    seen: set[int] = set()
    for person in people:
        if person.id in seen:
            continue
        seen.add(person.id)
        accounts = await staff_repo.identities_of(ctx.session, person.id)
        if not accounts:
            unreachable.append(person)
            continue
        text = t(language_of(ctx, person), key, **(values or {}))
        for account in accounts:
            ctx.replies.append(
                Reply(account.transport, account.chat_id, OutgoingMessage(text, buttons))
            )
    return unreachable


async def with_roles(ctx: Context, *roles: Role) -> list[Staff]:
    """Active staff holding any of ``roles``, each once, in the order found."""
    people: dict[int, Staff] = {}
    for role in roles:
        for person in await staff_repo.with_role(ctx.session, role):
            people.setdefault(person.id, person)
    return list(people.values())
