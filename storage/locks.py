"""Locks that keep several ``guowen run`` processes on one PostgreSQL database one bot.

A chat's turn (``chat_turn``) is a PostgreSQL *transaction-level advisory lock* keyed on the
chat, taken first thing in the message's transaction. Why an advisory lock and not a row lock:

- a row lock needs a row, and a chat's first message has none yet (its ``conversations`` row is
  written by that very message; a ``SELECT ... FOR UPDATE`` on nothing locks nothing, and two
  first messages would both insert);
- it needs no table, no migration and no write: it costs one round trip;
- it is released by the commit or the rollback, and by PostgreSQL itself when the connection
  is lost, so a process killed in the middle of a message never leaves a chat stuck.

While one instance handles a chat's message, the same chat's next message, whichever instance
it reached, waits at the lock, so the chat's steps are applied one after the other; a person
answers the question they were shown, so the next step arrives after the previous one was
answered. Other chats are not held up.

Start-up work that one instance does for all (registering Telegram's webhook and command menus)
goes to the instance holding ``Leadership``: a PostgreSQL *session-level* advisory lock held on
a connection of its own for the life of the process, given up when it stops or dies.

SQLite has one writer and serialises every transaction with ``BEGIN IMMEDIATE``; it is meant
for one process, so there both are no-ops (the process is always the leader).
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

log = logging.getLogger(__name__)

CHAT_SPACE = 0x67770001
"""The first key of a chat's lock (``pg_advisory_xact_lock(int, int)``): guowen's chats."""
LEADER_SPACE = 0x67770002
"""The first key of the start-up leadership lock."""


def _key(*parts: str) -> int:
    """A signed 32-bit key for ``parts`` (the lock's second key), stable across processes."""
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


async def chat_turn(session: AsyncSession, transport: str, chat_id: str) -> None:
    """Wait until no other transaction holds ``transport``'s chat ``chat_id``, then hold it
    until this transaction ends (``pg_advisory_xact_lock``). Two chats may share a key (32
    bits): they then merely wait for each other. A no-op on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"),
        {"space": CHAT_SPACE, "key": _key(transport, chat_id)},
    )


class Leadership:
    """Whether this process is the one that does the start-up work for all instances.

    ``acquire`` tries ``pg_try_advisory_lock`` on a connection kept open until ``release``;
    the answer does not wait for the leader. A no-op yielding True on SQLite.
    """

    def __init__(self, engine: AsyncEngine, name: str = "start") -> None:
        self.engine = engine
        self.name = name
        self.leader = False
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """True when this process now leads (or the database is SQLite); False when another
        instance does. Raises SQLAlchemy's errors when the database cannot be reached."""
        if self.engine.dialect.name != "postgresql":
            self.leader = True
            return True
        if self._connection is not None:
            return self.leader
        connection = await self.engine.connect()
        try:
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:space, :key)"),
                {"space": LEADER_SPACE, "key": _key(self.name)},
            )
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection, self.leader = connection, True
        log.info("locks: this instance leads the start-up work (%s)", self.name)
        return True

    async def release(self) -> None:
        """Give the leadership up: unlocked, and the connection dropped rather than pooled (a
        pooled connection would keep a session lock)."""
        connection, self._connection = self._connection, None
        self.leader = False
        if connection is None:
            return
        try:
            await connection.execute(
                text("SELECT pg_advisory_unlock(:space, :key)"),
                {"space": LEADER_SPACE, "key": _key(self.name)},
            )
            await connection.commit()
        except (SQLAlchemyError, OSError) as error:  # a lost connection holds no lock
            log.info("locks: the leadership's connection was already gone: %s", error)
        finally:
            await connection.invalidate()
            await connection.close()
