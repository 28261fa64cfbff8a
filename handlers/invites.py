"""Who a reply may invite to do what: a reply never invites an action the reader's roles
refuse (forwarding material or /new to someone who does not handle cases, say).

The roles a command needs are given where it is registered; the texts that invite it are
chosen here, by the same sets, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Collection

from handlers.engine import Context
from storage.vocabulary import Role

REGISTERS: frozenset[Role] = frozenset({Role.HANDLER})
"""Who registers inquiry records: /new, /resume and forwarded material (the case's handler,
DESIGN §1)."""


def registers(ctx: Context) -> bool:
    """Whether the sender may register records (``REGISTERS``): whether a reply may invite
    them to forward material or send /new."""
    return bool(REGISTERS & ctx.roles)


READS_WITHDRAWN: frozenset[Role] = frozenset(
    {Role.HANDLER, Role.INTEGRITY_OFFICER, Role.DISCIPLINE}
)
"""Who may list withdrawn drafts (/withdrawn): the handler their own, the department's
integrity officers and discipline inspection those they oversee."""


def may(roles: Collection[str], needed: frozenset[Role]) -> bool:
    """Whether a person holding ``roles`` (role names) holds one of ``needed``: whether a
    message to them may invite the command those roles are needed for."""
    return any(role in needed for role in roles)
