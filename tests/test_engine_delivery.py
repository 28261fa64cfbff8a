"""One message, one transaction: the update claimed once, the replies owed in the outbox and
sent after the commit (after a restart when the first run could not), button presses settled
only once the sender's access is known, and a chat's turn forgotten once it is idle."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from fakes import FakeBot, FakeTransport, add_person, incoming
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from handlers.engine import Context, UserError
from handlers.i18n import t
from handlers.ports import Capabilities
from reminders.clock import FakeClock
from storage import audit
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, OutboxReply, ProcessedUpdate, Record, Staff
from storage.vocabulary import Language, Role


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


@pytest.fixture
def bot(db: Database, clock: FakeClock) -> FakeBot:
    return FakeBot(db, clock)


@contextmanager
def transactions(db: Database) -> Iterator[list[str]]:
    """Every transaction begun on ``db`` meanwhile (one entry each)."""
    begun: list[str] = []

    def count(_connection: object) -> None:
        begun.append("begin")

    event.listen(db.engine.sync_engine, "begin", count)
    try:
        yield begun
    finally:
        event.remove(db.engine.sync_engine, "begin", count)


async def count_rows(
    db: Database, model: type[OutboxReply | Record | ProcessedUpdate | AuditEvent]
) -> int:
    async with db.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def test_a_message_is_handled_in_one_transaction(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    await bot.chat("u1").say("/help")  # the run's first message also looks for unsent replies
    message = replace(incoming(clock, "u1", "/new"), update_key="1:100")
    if db.writer is not None:
        await db.writer.flush()  # the sent replies' deletion, which waits for the next commit
    with transactions(db) as begun:
        handled = await bot.app.engine.handle(message)
    assert len(begun) == 1
    assert handled.accepted and not handled.repeat
    assert len(handled.owed) == len(handled.replies) >= 1
    # The replies are in the outbox, committed with the draft, until they are sent.
    assert await count_rows(db, OutboxReply) == len(handled.replies)
    assert await count_rows(db, Record) == 1


async def test_an_update_delivered_twice_is_handled_once(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    message = replace(incoming(clock, "u1", "/new"), update_key="1:7")
    chat = bot.chat("u1")
    first = await chat.send(message)
    assert first
    again = await chat.send(message)
    assert again == []
    handled = await bot.app.engine.handle(message)
    assert handled.repeat and not handled.accepted and handled.replies == ()
    assert await count_rows(db, Record) == 1
    assert await count_rows(db, ProcessedUpdate) == 1
    # After a restart too: the claim is in the database, not in the process.
    bot.restart()
    assert await bot.chat("u1").send(message) == []
    assert await count_rows(db, Record) == 1


async def test_a_reply_lost_after_the_commit_is_sent_after_a_restart(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    await add_person(db, clock, "李四", [Role.HANDLER], user_id="u2")
    bot.transport.lose = 2  # the process dies (or the network fails) right after the commit
    assert await bot.chat("u1").say("/new") == []
    assert await count_rows(db, Record) == 1
    owed = await count_rows(db, OutboxReply)
    assert owed == 2

    bot.restart()
    # Anyone's first message after the restart has the lost replies sent first.
    await bot.chat("u2").say("/whoami")
    resent = bot.transport.to("u1")
    assert [m.text.split("\n", 1)[0] for m in resent] == [zh("reply.resent")] * 2
    assert zh("intake.ask.received_at", time="2026-03-06 10:00") in resent[1].text
    assert resent[1].buttons  # the question keeps its buttons
    assert await count_rows(db, OutboxReply) == 0


async def test_sent_replies_leave_nothing_in_the_outbox(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    chat = bot.chat("u1")
    await chat.say("/new")
    await chat.press(1)
    assert await count_rows(db, OutboxReply) == 0


@pytest.mark.parametrize("who", ["stranger", "disabled", "active"])
async def test_a_press_is_settled_after_the_access_check_and_before_the_replies(
    bot: FakeBot, db: Database, clock: FakeClock, who: str
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    if who == "disabled":
        async with db.transaction() as session:
            found = await session.get(Staff, person.id)
            assert found is not None
            found.active = False
    user = "u9" if who == "stranger" else "u1"
    replies = await bot.chat(user).press_data("lang:en")
    [(press, handled, sent_before)] = bot.transport.settled
    assert press.callback == "lang:en"
    assert sent_before == 0  # settled before any reply went out
    assert handled.accepted is (who == "active")
    expected = {
        "stranger": zh("access.refused"),
        "disabled": zh("access.disabled"),
        "active": t(Language.EN, "language.set"),
    }
    assert replies == [expected[who]]


async def test_the_chat_turns_are_forgotten_when_idle(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    chats = [bot.chat(f"x{n}") for n in range(30)] + [bot.chat("u1")] * 3
    await asyncio.gather(*(chat.say("/help") for chat in chats))
    assert len(bot.app.chats) == 0


def text_only(bot: FakeBot) -> FakeTransport:
    """Make the bot's transport one that cannot show buttons (like a plain-text channel)."""
    bot.transport = FakeTransport(capabilities=Capabilities(max_buttons=0, edit=False))
    bot.app.add_transport(bot.transport)
    return bot.transport


async def test_without_buttons_choices_are_numbered_and_answered_by_number_or_label(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    transport = text_only(bot)
    chat = bot.chat("u1")
    [choose] = await chat.send(incoming(clock, "u1", "/language"))
    assert choose.buttons == ()
    assert choose.text.splitlines() == [
        zh("language.choose"),
        f"1. {zh('language.zh-CN')}",
        f"2. {zh('language.en')}",
    ]
    # The transport cannot edit: what was chosen comes back as a short text first.
    chosen = t(Language.EN, "press.chosen", choice=zh("language.en"))
    assert await chat.say("2") == [chosen, t(Language.EN, "language.set")]
    # The label typed back is the press too; a number not offered is just text.
    await chat.say("/language")
    typed = t(Language.EN, "language.zh-CN")
    assert await chat.say(typed) == [zh("press.chosen", choice=typed), zh("language.set")]
    assert await chat.say("7") == [zh("help.hint", name="张三")]
    assert transport.sent and all(not sent.message.buttons for sent in transport.sent)


async def test_without_buttons_an_intake_is_answered_by_numbers(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    text_only(bot)
    chat = bot.chat("u1")
    replies = await chat.say("/new")
    assert replies[-1].endswith("1. " + zh("intake.confirm_time"))
    replies = await chat.say("1")  # the receipt time confirmed: next, where it came from
    assert replies[-1].startswith(zh("intake.ask.source"))
    assert "\n1. " in replies[-1]


async def test_replies_whose_deletion_a_crash_lost_are_sent_again_as_repeats(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    if db.writer is None:
        pytest.skip("the deletion waits for the next commit on SQLite only")
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    await add_person(db, clock, "李四", [Role.HANDLER], user_id="u2")
    db.writer.linger = db.writer.max_wait = 3600.0  # however slow the machine
    await bot.chat("u1").say("/new")
    sent = [m.text for m in bot.transport.to("u1")]
    # The process dies before the next commit: the sent replies' deletion is lost with it.
    db.writer._deferred.clear()
    await db.writer._abandon(RuntimeError("the process died"))
    assert await count_rows(db, Record) == 1  # the step itself was committed before the reply
    assert await count_rows(db, OutboxReply) == len(sent)

    bot.restart()
    await bot.chat("u2").say("/whoami")
    again = bot.transport.to("u1")  # the new run's transport
    assert [m.text.split("\n", 1) for m in again] == [[zh("reply.resent"), s] for s in sent]
    assert await count_rows(db, OutboxReply) == 0


_PROBES = itertools.count()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(outcomes=st.lists(st.sampled_from(["ok", "refused", "failed"]), min_size=1, max_size=5))
async def test_an_undone_step_leaves_no_audit_event_but_its_claim_and_reply_commit(
    bot: FakeBot, db: Database, clock: FakeClock, outcomes: list[str]
) -> None:
    """The step runs in the message's transaction itself: a refusal (``UserError``) or a
    failure undoes all it wrote, its audit event too, while the update's claim and the reply
    still commit; the chain stays one verified line."""
    async with db.transaction() as session:
        known = await session.scalar(select(Staff.id).where(Staff.name == "张三"))
    if known is None:
        await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    told: list[str] = []

    async def probe(ctx: Context, how: str) -> None:
        await audit.append(ctx.session, AuditKind.LANGUAGE_SET, at=ctx.now, subject=how)
        await ctx.go(None, note=how)
        if how == "refused":
            raise UserError("error.unknown_command", command="probe")
        if how == "failed":
            raise RuntimeError("the step broke")
        ctx.reply("done")

    bot.app.engine.registry.command("probe", probe, "help.help", hidden=True)
    for how in outcomes:
        before = await count_rows(db, AuditEvent)
        claims = await count_rows(db, ProcessedUpdate)
        key = f"probe:{next(_PROBES)}"  # a new update in every example
        message = replace(incoming(clock, "u1", f"/probe {how}"), update_key=key)
        sent = [m.text for m in await bot.chat("u1").send(message)]
        told += sent
        expected = {
            "ok": "done",
            "refused": zh("error.unknown_command", command="probe"),
            "failed": zh("error.internal"),
        }[how]
        assert sent == [expected]
        assert await count_rows(db, AuditEvent) == before + (how == "ok")
        assert await count_rows(db, ProcessedUpdate) == claims + 1
        assert await bot.chat("u1").send(message) == []  # claimed, whatever the outcome
    async with db.transaction() as session:
        problems = [found async for found in audit.walk(session) if not isinstance(found, int)]
    assert problems == []
