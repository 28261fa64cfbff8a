"""What a message's transaction records about delivery: the update it claimed and the replies
it owes.

A chat service delivers at least once, so the engine claims each update's key in the
message's own transaction (``claim_update``): a repeat finds it taken and is not handled
twice. Replies are written to the outbox in that same transaction (``owe``) and deleted once
sent (``delivered``); what a crashed run left unsent is taken up again by ``orphans``. Rows
hold the reply's text only until it is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.dml import Insert

from storage.db import insert_ignore
from storage.models import OutboxReply, ProcessedUpdate

KEEP_UPDATES = timedelta(days=2)
"""How long a claimed update key is kept: a chat service never repeats an update that old
(Telegram keeps an unconfirmed update for 24 hours)."""


@cache
def _claim(dialect: str) -> Insert:
    return insert_ignore(dialect, ProcessedUpdate)


_DELIVERED = delete(OutboxReply).where(OutboxReply.id.in_(bindparam("ids", expanding=True)))


async def claim_update(session: AsyncSession, transport: str, key: str, at: datetime) -> bool:
    """Claim ``key`` of ``transport`` as taken in at ``at``; False when it already was (a
    repeat). One ``INSERT ... ON CONFLICT DO NOTHING`` on ``processed_updates``, run as Core
    on the session's connection (once per message: the ORM's bulk-insert path costs more
    than the statement)."""
    connection = await session.connection()
    statement = _claim(connection.dialect.name)
    values = {"transport": transport, "update_key": key, "received_at": at}
    result = await connection.execute(statement, values)
    return result.rowcount == 1


async def prune_updates(session: AsyncSession, before: datetime) -> None:
    """Forget update keys claimed before ``before`` (see ``KEEP_UPDATES``)."""
    await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.received_at < before))


_OUTBOX = cast(Table, OutboxReply.__table__)
_OWE = insert(_OUTBOX).returning(_OUTBOX.c.id)
"""One outbox row, its id returned; built once."""


async def owe(
    session: AsyncSession,
    rows: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    language: str | None,
    at: datetime,
) -> list[int]:
    """Write replies, as ``(transport, chat_id, message JSON)``, to the outbox; their ids in
    the same order. Nothing is written for an empty ``rows``. One Core ``INSERT ...
    RETURNING id`` per reply on the session's connection (no ORM unit of work)."""
    wanted = [
        {
            "transport": transport,
            "chat_id": chat_id,
            "message": message,
            "language": language,
            "created_at": at,
        }
        for transport, chat_id, message in rows
    ]
    if not wanted:
        return []
    connection = await session.connection()
    return [int((await connection.execute(_OWE, row)).scalar_one()) for row in wanted]


def deletion(ids: Iterable[int]) -> tuple[Executable, dict[str, Any]] | None:
    """The statement deleting the outbox rows ``ids`` and its parameters, for
    ``Database.bookkeep``; None for no ids."""
    wanted = sorted(set(ids))
    return (_DELIVERED, {"ids": wanted}) if wanted else None


async def delivered(session: AsyncSession, ids: Iterable[int]) -> None:
    """Delete the outbox rows ``ids``: sent (or given up on) and owed no longer."""
    wanted = sorted(set(ids))
    if wanted:
        await (await session.connection()).execute(_DELIVERED, {"ids": wanted})


async def orphans(
    session: AsyncSession,
    *,
    written_by: datetime,
    now: datetime,
    lease: timedelta,
    limit: int = 100,
) -> Sequence[OutboxReply]:
    """Unsent rows written at or before ``written_by`` (by a run that crashed before sending
    them) and not leased by another run; leased to this one until ``now + lease``, oldest
    first, at most ``limit``."""
    query = (
        select(OutboxReply)
        .where(
            OutboxReply.created_at <= written_by,
            or_(OutboxReply.claimed_until.is_(None), OutboxReply.claimed_until < now),
        )
        .order_by(OutboxReply.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    found = (await session.execute(query)).scalars().all()
    if found:
        await session.execute(
            update(OutboxReply)
            .where(OutboxReply.id.in_([row.id for row in found]))
            .values(claimed_until=now + lease)
        )
    return found
