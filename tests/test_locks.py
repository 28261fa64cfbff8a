"""``storage.locks`` on PostgreSQL: a chat's messages wait for each other across connections
(other chats do not), and one process of several leads the start-up work until it lets go."""

from __future__ import annotations

import asyncio

import pytest
from conftest import PG_URL
from sqlalchemy import text

from storage.db import Database
from storage.locks import Leadership, chat_turn

on_postgresql = pytest.mark.skipif(
    not PG_URL, reason="advisory locks are PostgreSQL's (set GUOWEN_TEST_DATABASE_URL)"
)


async def waiting_for_a_lock(db: Database) -> int:
    async with db.read() as session:
        found = await session.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' "
                "AND datname = current_database()"
            )
        )
        return int(found or 0)


async def until_waiting(db: Database, count: int) -> None:
    """Until ``count`` transactions wait at an advisory lock (another connection's state:
    nothing to await but the server's own view)."""
    async with asyncio.timeout(30):
        while await waiting_for_a_lock(db) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


@on_postgresql
async def test_a_chats_second_message_waits_for_the_first_whichever_connection(
    db: Database,
) -> None:
    order: list[str] = []
    first_holds = asyncio.Event()
    first_may_end = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as session:
            await chat_turn(session, "telegram", "1001")
            first_holds.set()
            await first_may_end.wait()
            order.append("first")

    async def second() -> None:
        async with db.transaction() as session:
            await chat_turn(session, "telegram", "1001")
            order.append("second")

    async def other_chat() -> None:
        async with db.transaction() as session:
            await chat_turn(session, "telegram", "2002")
            await chat_turn(session, "wecom", "1001")  # the same id on another transport
            order.append("other")

    one = asyncio.create_task(first())
    await first_holds.wait()
    two = asyncio.create_task(second())
    await until_waiting(db, 1)
    await other_chat()  # not held up by chat 1001's turn
    assert order == ["other"] and not two.done()
    first_may_end.set()
    await asyncio.gather(one, two)
    assert order == ["other", "first", "second"]


@on_postgresql
async def test_a_lost_connection_gives_the_chats_turn_back(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await chat_turn(session, "telegram", "1001")
            raise RuntimeError("the message failed")
    async with asyncio.timeout(30), db.transaction() as session:
        await chat_turn(session, "telegram", "1001")  # taken at once


@on_postgresql
async def test_one_instance_leads_until_it_lets_go(database_url: str) -> None:
    one, two = Database(database_url), Database(database_url)
    first, second = Leadership(one.engine), Leadership(two.engine)
    try:
        assert await first.acquire() is True
        assert await second.acquire() is False
        assert await first.acquire() is True  # asking again changes nothing
        await first.release()
        assert await second.acquire() is True
        assert await first.acquire() is False
    finally:
        await first.release()
        await second.release()
        await one.close()
        await two.close()


@on_postgresql
async def test_a_killed_leaders_lock_is_freed_with_its_connection(database_url: str) -> None:
    one, two = Database(database_url), Database(database_url)
    first, second = Leadership(one.engine), Leadership(two.engine)
    try:
        assert await first.acquire() is True
        assert first._connection is not None
        pid = await first._connection.scalar(text("SELECT pg_backend_pid()"))
        async with two.engine.connect() as admin:  # the leader's connection lost, as by SIGKILL
            assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        async with asyncio.timeout(30):
            while not await second.acquire():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        await second.release()
        await first.release()  # its connection is gone: nothing to unlock, nothing raised
        await one.close()
        await two.close()


async def test_on_sqlite_the_one_process_leads_and_turns_are_free(
    db: Database, database_url: str
) -> None:
    if PG_URL:
        pytest.skip("the SQLite case")
    leadership = Leadership(db.engine)
    assert await leadership.acquire() is True
    async with db.transaction() as session:
        await chat_turn(session, "telegram", "1001")
    await leadership.release()
