"""Intake through Telegram: complete intakes through the real PTB ``Application`` and the fake
Bot API on loopback, on SQLite, beside a plain python-telegram-bot as the reference.

    python benchmarks/intake.py [--people 1,50] [--intakes 5] [--limits off|telegram]
                                [--bots guowen,plain,durable] [--transport telegram|wecom]

The reference (``plain``) is a minimal PTB bot: one ``ConversationHandler`` with a
``PicklePersistence``, asking the same number of questions with the same buttons, fetching the
forwarded screenshot through getFile as guowen does, keeping nothing else (no evidence, audit
chain or durable transaction). A second reference (``durable``) is the same plain bot keeping
each update it handles as one audit event committed through guowen's own storage (``Database``
on SQLite, group commit, ``synchronous=FULL``) before it answers: the floor of a step that is
a committed, durable transaction with its audit event, whatever else a bot does. Each bot and
each number of judges runs in a fresh process of its own, laid out alike: the fake Bot API,
the simulated judges and the bot in one process and one event loop, so the CPU per update of
each includes the same harness. The load average of the (shared) machine is printed with the
table; compare the ratios, not the absolute figures.

With ``--transport wecom`` the same intakes then go through WeCom (the fake WeCom server) too.

Each simulated judge does ``--intakes`` complete intakes one after another, alternating a
forwarded text and a forwarded screenshot (a real PNG, fetched through getFile); the judges
run side by side. Each answers as soon as the bot has handled the previous update. Reported:

- updates handled per second, over the whole run;
- p50 and p99 of the time from an update's arrival at the (fake) Bot API to the bot's answer,
  its first message in that chat (for a button press: the next question, after the press was
  acknowledged and the prompt edited);
- peak RSS of the process (it also holds the fake server and the simulated judges);
- CPU time of the process per update (user + system, all threads);
- the Bot API calls of one complete intake of each kind, by method;
- SQL statements and SQLite transactions per update, counted with SQLAlchemy's engine events
  (``before_cursor_execute``; ``begin``), over the whole run, beside the reference of the
  single counted intakes; each SQLite transaction is one commit (one fsync), and may hold
  several of guowen's transactions (group commit, ``storage.db.GroupCommit``), also reported.

``--transport wecom`` runs the Telegram figures first, as the reference measured in the same
run, then the same intakes through the WeCom transport, its callback route on the process's
HTTP server and the fake WeCom server (``tests/fake_wecom.py``): each update is a callback
encrypted and signed as WeCom posts it, answered at once and handled after. A screenshot is an
``image`` message fetched through ``media/get``; WeCom has no forwarded text, so the text
intake opens with ``/new``. A press is a ``template_card_event`` on the card that carries the
button, or the choice's number typed back when the question went out as a numbered list (more
than 6 choices). Reported beside Telegram's: updates per second, p50 and p99 of arrival (the
callback posted) to the bot's first ``message/send`` in that chat, and the WeCom API calls of
one complete intake of each kind, by path. WeCom's pacing (30 messages a minute to a member)
waits on a fake clock, so it costs no time here.

``--limits telegram`` keeps Telegram's flood limits (30 messages a second overall, about one a
second per chat with bursts of three): the figures then show the pacing, not the bot. ``off``
lifts them, to measure the bot itself.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fake_wecom as fw  # noqa: E402
from fake_botapi import (  # noqa: E402
    PHONE_INTAKE,
    TOKEN,
    BotHarness,
    FakeBotApi,
    TgUser,
    add_telegram_person,
    fake_api,
    forwarded_from,
    png_bytes,
    quick_options,
    telegram_settings,
)
from fake_wecom import FakeWeCom  # noqa: E402
from sqlalchemy import event  # noqa: E402
from wecom_kit import WeComHarness, add_wecom_person, fake_wecom, wecom_settings  # noqa: E402

from handlers.ports import Delivery, IncomingMessage  # noqa: E402
from reminders.clock import FakeClock  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.vocabulary import Role  # noqa: E402

ANSWERS = {"sendMessage", "sendPhoto", "sendDocument"}
SETUP = {"getMe", "deleteWebhook", "setMyCommands"}


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


class Bot(Protocol):
    """A bot under measurement: the fake Bot API it talks to, and a wait for one update."""

    api: FakeBotApi

    async def wait(self, update_id: int) -> None: ...


class Guowen:
    """guowen's ``BotHarness`` waited on for as long as ``Judge.WAIT`` (a burst on a loaded
    machine may take longer than the tests' 15 s)."""

    def __init__(self, harness: BotHarness) -> None:
        self.harness = harness
        self.api = harness.api

    async def wait(self, update_id: int) -> None:
        async with asyncio.timeout(Judge.WAIT):
            await self.harness.transport.wait_handled(update_id)


class Judge:
    """One simulated judge: pushes an update, waits until the bot is done with it, repeats."""

    WAIT = 300.0
    """Seconds a judge waits for the bot to handle an update before the run fails."""

    def __init__(self, bot: Bot, user: TgUser, clock: FakeClock) -> None:
        self.bot = bot
        self.user = user
        self.clock = clock
        self.timings: list[tuple[float, float]] = []  # (arrived, handled)
        self.broken = 0
        self.submitted = False
        """Whether one of this judge's intakes was submitted (``answers`` then differ)."""

    async def _do(self, push: Callable[[], Awaitable[int]]) -> None:
        update_id = await push()
        await self.bot.wait(update_id)
        self.timings.append((self.bot.api.pushed_at[update_id], time.perf_counter()))

    async def intake(self, number: int) -> None:
        """One complete intake: the forward that opens it, then ``answers``; raises
        ``AssertionError`` when a button to press was not offered or nothing was submitted."""
        user = self.user
        origin = forwarded_from("王局长", self.clock.now() - timedelta(hours=1))
        # Each judge's material is their own: the same bytes twice would be asked about as a
        # file already held (``handlers.intake.media``), as a court would want.
        if number % 2:
            await self._do(lambda: user.photo(png_bytes(user.id * 1000 + number), forward=origin))
        else:
            words = f"王局长来电（第{number}次）询问案件（{user.id}）"
            await self._do(lambda: user.text(words, forward=origin))
        for action, value in answers(after_submission=self.submitted):
            if action == "press":
                await self._do(lambda value=value: user.press(value))  # type: ignore[misc]
            else:
                await self._do(lambda value=value: user.text(value))  # type: ignore[misc]
        assert user.api.sent_to(user.id)[-1]["text"].startswith(("已提交", "Submitted"))
        self.submitted = True


START_NEW = ("press", "in:media:new")
"""The answer to "add this file to a submitted record, or a new one?", which a forward with no
draft open gets once the judge has a submitted record (``handlers.intake.media``)."""


def answers(*, after_submission: bool) -> tuple[tuple[str, str], ...]:
    """What a judge answers after the forward that opens an intake, in order, until the record
    is submitted: guowen's questions for a forwarded phone call (``PHONE_INTAKE``), and the
    questions the plain bot asks, one for one. ``after_submission``: the judge has submitted
    a record before, so guowen first asks whether the forward is a new inquiry.

    ``tests/test_bench_intake.py`` runs these against both bots, so they cannot drift from
    guowen's dialogue unnoticed."""
    first = (START_NEW,) if after_submission else ()
    return (*first, ("press", "in:received_at:v:ok"), *PHONE_INTAKE, ("press", "in:review:submit"))


class SqlCount:
    """Statements and transactions on one engine, through SQLAlchemy's engine events; the
    ``BEGIN IMMEDIATE`` the SQLite set-up issues is counted as a transaction, not a statement."""

    def __init__(self, db: Database) -> None:
        self.statements = 0
        self.transactions = 0
        sync = db.engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._statement)
        event.listen(sync, "begin", self._begin)

    def _statement(self, _conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            self.statements += 1

    def _begin(self, _conn: object) -> None:
        self.transactions += 1

    def snapshot(self) -> tuple[int, int]:
        return self.statements, self.transactions


def latencies(api: FakeBotApi, judges: list[Judge]) -> list[float]:
    """Arrival to the first answer in the judge's chat, for each update that got one."""
    answers: dict[int, list[float]] = {}
    for call in api.calls:
        if call.method in ANSWERS and call.status == 200 and call.chat_id is not None:
            answers.setdefault(call.chat_id, []).append(call.at)
    found = []
    for judge in judges:
        times = sorted(answers.get(judge.user.id, []))
        for arrived, handled in judge.timings:
            index = bisect.bisect_left(times, arrived)
            if index < len(times) and times[index] <= handled:
                found.append(times[index] - arrived)
    return found


def calls_between(api: FakeBotApi, start: int, end: int) -> Counter[str]:
    return Counter(call.method for call in api.calls[start:end] if call.method not in SETUP)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _figures(api: FakeBotApi, judges: list[Judge], elapsed: float, cpu: float) -> dict[str, float]:
    updates = sum(len(judge.timings) for judge in judges)
    waits = sorted(latencies(api, judges))
    return {
        "updates": updates,
        "seconds": elapsed,
        "per_second": updates / elapsed,
        "p50_ms": statistics.median(waits) * 1000,
        "p99_ms": waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))] * 1000,
        "answered": len(waits),
        "cpu_ms": cpu * 1000 / updates,
        "rss_mb": _peak_rss_mb(),
        "broken": sum(judge.broken for judge in judges),
    }


async def bench(people: int, intakes: int, limits: str, work: Path) -> dict[str, Any]:
    """guowen: the real ``App`` and ``TelegramTransport`` on a fresh SQLite database."""
    clock = FakeClock(datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    db = Database(f"sqlite+aiosqlite:///{work / 'bench.db'}")
    await db.upgrade()
    async with fake_api() as api:
        options = replace(quick_options(api), retry_delays=(1.0, 2.0, 4.0, 8.0))
        if limits == "telegram":
            options = replace(options, overall_rate=30.0, per_chat_rate=1.0, per_chat_burst=3)
        bot = BotHarness(api, db, clock, telegram_settings(api, work), options)
        users = [api.user(5000 + n, f"法官{n}") for n in range(people)]
        for n, user in enumerate(users):
            await add_telegram_person(db, clock, f"法官{n}", [Role.HANDLER], user)
        await bot.start()
        sql = SqlCount(db)
        try:
            # One intake of each kind alone, to count what it costs.
            alone = Judge(Guowen(bot), api.user(4999, "计数"), clock)
            await add_telegram_person(db, clock, "计数", [Role.HANDLER], alone.user)
            costs = []
            sql_alone = sql.snapshot()
            for number in (0, 1):
                start, done = len(api.calls), len(alone.timings)
                await alone.intake(number)
                costs.append((len(alone.timings) - done, calls_between(api, start, len(api.calls))))
            alone_updates = len(alone.timings)
            sql_alone = tuple(b - a for a, b in zip(sql_alone, sql.snapshot(), strict=True))
            sql_start = sql.snapshot()

            judges = [Judge(Guowen(bot), user, clock) for user in users]
            batched = db.writer.batched if db.writer is not None else 0
            cpu = _cpu_seconds()
            started = time.perf_counter()
            await asyncio.gather(*(_many(judge, intakes) for judge in judges))
            elapsed = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu
            sql_run = tuple(b - a for a, b in zip(sql_start, sql.snapshot(), strict=True))
            batched = db.writer.batched - batched if db.writer is not None else 0
        finally:
            await bot.stop()
            await db.close()

    figures: dict[str, Any] = _figures(api, judges, elapsed, cpu)
    updates = figures["updates"]
    figures["statements"] = sql_run[0] / updates
    figures["transactions"] = sql_run[1] / updates
    figures["batched"] = batched / updates
    figures["statements_alone"] = sql_alone[0] / alone_updates
    figures["transactions_alone"] = sql_alone[1] / alone_updates
    figures["intakes"] = [
        (kind, count, dict(cost))
        for (count, cost), kind in zip(
            costs, ("forwarded text", "forwarded screenshot"), strict=True
        )
    ]
    return figures


async def bench_plain(
    people: int, intakes: int, work: Path, *, durable: bool = False
) -> dict[str, Any]:
    """The reference: a plain PTB ``ConversationHandler`` bot with ``PicklePersistence``;
    ``durable``: the same bot keeping each update as one committed audit event through
    guowen's own storage (``DurableBot``), the floor of a durable, audited step."""
    clock = FakeClock(datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    db: Database | None = None
    if durable:
        db = Database(f"sqlite+aiosqlite:///{work / 'durable.db'}")
        await db.upgrade()
    async with fake_api() as api:
        bot = PlainBot(api, work / "plain.pickle") if db is None else DurableBot(api, work, db)
        await bot.start()
        try:
            users = [api.user(5000 + n, f"法官{n}") for n in range(people)]
            alone = Judge(bot, api.user(4999, "计数"), clock)
            costs = []
            for number in (0, 1):
                start, done = len(api.calls), len(alone.timings)
                await alone.intake(number)
                costs.append((len(alone.timings) - done, calls_between(api, start, len(api.calls))))
            judges = [Judge(bot, user, clock) for user in users]
            cpu = _cpu_seconds()
            started = time.perf_counter()
            await asyncio.gather(*(_many(judge, intakes) for judge in judges))
            elapsed = time.perf_counter() - started
            cpu = _cpu_seconds() - cpu
        finally:
            await bot.stop()
            if db is not None:
                await db.close()
    figures: dict[str, Any] = _figures(api, judges, elapsed, cpu)
    figures["intakes"] = [
        (kind, count, dict(cost))
        for (count, cost), kind in zip(
            costs, ("forwarded text", "forwarded screenshot"), strict=True
        )
    ]
    return figures


class PlainBot:
    """A minimal python-telegram-bot: one ``ConversationHandler`` (persistent, through
    ``PicklePersistence``) whose state is the number of the question it waits for. Each
    answer is kept in ``user_data``; a button press is acknowledged (answerCallbackQuery), its
    prompt edited (editMessageText) and the next question sent (sendMessage) with its buttons,
    as guowen does; a forwarded screenshot is fetched through getFile first."""

    def __init__(self, api: FakeBotApi, pickle: Path) -> None:
        from telegram.ext import (
            Application,
            CallbackQueryHandler,
            ConversationHandler,
            MessageHandler,
            PicklePersistence,
            TypeHandler,
            filters,
        )
        from telegram.warnings import PTBUserWarning

        self.api = api
        self._done: dict[int, asyncio.Event] = {}
        persistence = PicklePersistence(filepath=pickle)
        self.application = (
            Application.builder()
            .token(TOKEN)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .persistence(persistence)
            .concurrent_updates(True)
            .connection_pool_size(64)
            .job_queue(None)
            .build()
        )
        answer = [
            CallbackQueryHandler(self._answer),
            MessageHandler(filters.TEXT & ~filters.COMMAND, self._answer),
        ]
        with warnings.catch_warnings():  # per chat, not per message: as meant (PTB warns)
            warnings.simplefilter("ignore", PTBUserWarning)
            conversation = ConversationHandler(
                entry_points=[
                    MessageHandler(filters.FORWARDED & (filters.TEXT | filters.PHOTO), self._open)
                ],
                states={number: answer for number in range(len(self.questions(True)))},
                fallbacks=[],
                name="intake",
                persistent=True,
            )
        self.application.add_handler(conversation)
        self.application.add_handler(TypeHandler(object, self._handled), group=1)

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        assert self.application.updater is not None
        await self.application.updater.start_polling(timeout=5)

    async def stop(self) -> None:
        assert self.application.updater is not None
        await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()

    async def wait(self, update_id: int) -> None:
        async with asyncio.timeout(Judge.WAIT):
            await self._done.setdefault(update_id, asyncio.Event()).wait()

    async def _handled(self, update: Any, _context: Any) -> None:
        self._done.setdefault(update.update_id, asyncio.Event()).set()

    @staticmethod
    def questions(after_submission: bool) -> tuple[tuple[str, str], ...]:
        """What the plain bot asks for, in order: what guowen asks a judge (``answers``)."""
        return answers(after_submission=after_submission)

    async def _ask(self, update: Any, context: Any, number: int) -> None:
        questions = context.user_data["questions"]
        kind, data = questions[number]
        buttons = []
        if kind == "press":
            from telegram import InlineKeyboardButton, InlineKeyboardMarkup

            rows = [[InlineKeyboardButton(data.rsplit(":", 1)[-1], callback_data=data)]]
            rows.append([InlineKeyboardButton("其他", callback_data=f"{data}:other")])
            buttons = [InlineKeyboardMarkup(rows)]
        await update.effective_chat.send_message(
            f"问题 {number + 1}/{len(questions)}", reply_markup=buttons[0] if buttons else None
        )

    async def _keep(self, update: Any, value: str) -> None:
        """What the bot keeps of an update besides ``user_data``: nothing here."""

    async def _open(self, update: Any, context: Any) -> int:
        message = update.effective_message
        await self._keep(update, message.text or "photo")
        if message.photo:
            file = await message.photo[-1].get_file()
            context.user_data["photo"] = len(await file.download_as_bytearray())
        context.user_data["answers"] = [message.text or ""]
        submitted = bool(context.user_data.get("submitted"))
        context.user_data["questions"] = self.questions(submitted)
        await self._ask(update, context, 0)
        return 0

    async def _answer(self, update: Any, context: Any) -> int:
        from telegram.ext import ConversationHandler

        query = update.callback_query
        if query is not None:
            await query.answer()
            await query.edit_message_text(f"{query.message.text} ✓ {query.data}")
            value = query.data
        else:
            value = update.effective_message.text
        await self._keep(update, value)
        answers = context.user_data.setdefault("answers", [])
        answers.append(value)
        number = len(answers) - 1
        if number >= len(context.user_data["questions"]):
            await update.effective_chat.send_message(f"已提交（{len(answers)} 项）")
            context.user_data["submitted"] = True
            return int(ConversationHandler.END)
        await self._ask(update, context, number)
        return number


class DurableBot(PlainBot):
    """The plain bot keeping every update it handles as one audit event (``storage.audit``)
    committed in one transaction of guowen's own ``Database`` (SQLite, group commit) before
    it answers: the least a durable, audited step costs, with no record, draft, deadline,
    de-duplication or staff look-up. A floor for guowen, not a bot a court could use."""

    def __init__(self, api: FakeBotApi, work: Path, db: Database) -> None:
        super().__init__(api, work / "durable.pickle")
        self.db = db

    async def _keep(self, update: Any, value: str) -> None:
        from storage.audit import AuditKind, append

        async with self.db.transaction() as session:
            await append(
                session,
                AuditKind.FIELD_SET,
                at=datetime.now(UTC),
                actor=str(update.effective_user.id),
                subject=str(update.update_id),
                payload={"value": value},
            )


async def _many(judge: Judge | WeComJudge, intakes: int) -> None:
    """``intakes`` intakes one after another; one the bot broke (an apology instead of the
    next question, e.g. after a lock timeout) is counted and the judge starts the next."""
    for number in range(intakes):
        try:
            await judge.intake(number)
        except AssertionError:
            judge.broken += 1


class WeComJudge:
    """One simulated judge on WeCom: posts a callback, waits until the bot has handled it
    (``done``: the update key's event, set when ``App.dispatch`` returns), repeats."""

    def __init__(self, bot: WeComHarness, user: str, done: dict[str, asyncio.Event]) -> None:
        self.bot = bot
        self.user = user
        self.done = done
        self.timings: list[tuple[float, float]] = []  # (arrived, handled)
        self.broken = 0
        self.submitted = False

    async def _post(self, xml: str, key: str) -> None:
        self.done[key] = asyncio.Event()
        arrived = time.perf_counter()
        status, _ = await self.bot.fake.post_callback(self.bot.url, xml)
        assert status == 200
        await self.done[key].wait()
        del self.done[key]
        self.timings.append((arrived, time.perf_counter()))

    async def say(self, text: str) -> None:
        msg_id = next(MSG_IDS)
        await self._post(fw.message_xml(self.user, "text", msg_id, Content=text), f"msg:{msg_id}")

    async def press(self, data: str) -> None:
        if data == "in:art9:v:无":  # Art. 9 is one vote card on WeCom: "none" ticked
            card = self.bot.card_with(self.user, "in:art9:set:")
            code = self.bot.fake.press_code(card["task_id"])
            xml = fw.vote_xml(self.user, card["task_id"], "in:art9:set:", code, ["无"])
            await self._post(xml, f"card:{code}")
            return
        try:
            xml = self.bot.press_xml(self.user, data)
        except AssertionError:  # a numbered list: the choice's number typed back
            choices = await self.bot.offered(self.user)
            [number] = [n for n, (_, value) in enumerate(choices, start=1) if value == data]
            await self.say(str(number))
            return
        code = xml.split("<ResponseCode><![CDATA[")[1].split("]]>")[0]
        await self._post(xml, f"card:{code}")

    async def intake(self, number: int) -> None:
        if number % 2:
            seed = zlib.crc32(self.user.encode()) * 1000 + number  # each judge's own bytes
            media_id = self.bot.fake.add_media(png_bytes(seed), "IMG.png", "image/png")
            msg_id = next(MSG_IDS)
            xml = fw.message_xml(self.user, "image", msg_id, PicUrl="u", MediaId=media_id)
            await self._post(xml, f"msg:{msg_id}")
        else:
            await self.say("/new")  # a command: never asked whether it is a new inquiry
        for action, value in answers(after_submission=self.submitted and number % 2 == 1):
            await (self.press(value) if action == "press" else self.say(value))
        last = [s for s in self.bot.received(self.user) if s["msgtype"] == "text"][-1]
        assert last["text"]["content"].startswith(("已提交", "Submitted"))
        self.submitted = True


MSG_IDS = itertools.count(8_100_000_000_000_000_001)


def wecom_latencies(fake: FakeWeCom, judges: list[WeComJudge]) -> list[float]:
    """Arrival (the callback posted) to the first ``message/send`` in the judge's chat."""
    sends: dict[str, list[float]] = {}
    for call in fake.calls:
        if call.path == "message/send" and isinstance(call.body, dict):
            sends.setdefault(str(call.body.get("touser")), []).append(call.at)
    found = []
    for judge in judges:
        times = sorted(sends.get(judge.user, []))
        for arrived, handled in judge.timings:
            index = bisect.bisect_left(times, arrived)
            if index < len(times) and times[index] <= handled:
                found.append(times[index] - arrived)
    return found


async def bench_wecom(people: int, intakes: int, work: Path) -> dict[str, int]:
    """The same intakes through WeCom, printed; returns the updates and the intakes broken."""
    clock = FakeClock(datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    db = Database(f"sqlite+aiosqlite:///{work / 'bench-wecom.db'}")
    await db.upgrade()
    done: dict[str, asyncio.Event] = {}
    async with fake_wecom(clock) as fake:
        bot = WeComHarness(fake, db, clock, wecom_settings(fake, work / "wecom"))
        handle = bot.app.dispatch

        async def dispatch(message: IncomingMessage) -> list[Delivery]:
            try:
                return await handle(message)
            finally:
                event = done.get(message.update_key or "")
                if event is not None:
                    event.set()

        bot.app.dispatch = dispatch  # type: ignore[method-assign]
        users = [f"judge{n}" for n in range(people)]
        for n, user in enumerate(users):
            await add_wecom_person(db, clock, f"法官{n}", [Role.HANDLER], user)
        await bot.start()
        try:
            alone = WeComJudge(bot, "counted", done)
            await add_wecom_person(db, clock, "计数", [Role.HANDLER], alone.user)
            costs = []
            for number in (0, 1):
                start, updates_before = len(fake.calls), len(alone.timings)
                await alone.intake(number)
                paths = Counter(call.path for call in fake.calls[start:])
                costs.append((len(alone.timings) - updates_before, paths))
            judges = [WeComJudge(bot, user, done) for user in users]
            started = time.perf_counter()
            await asyncio.gather(*(_many(judge, intakes) for judge in judges))
            elapsed = time.perf_counter() - started
        finally:
            await bot.stop()
            await db.close()
    updates = sum(len(judge.timings) for judge in judges)
    waits = sorted(wecom_latencies(fake, judges))
    p50 = statistics.median(waits)
    p99 = waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))]
    print()
    print("the same intakes through WeCom (callbacks on the HTTP server, the fake WeCom server)")
    print(
        f"{people} judges x {intakes} complete intakes = {people * intakes} intakes, "
        f"{updates} updates in {elapsed:.1f} s"
    )
    print(f"updates handled per second: {updates / elapsed:.1f}")
    print(
        f"arrival to the bot's answer: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms "
        f"({len(waits)} answered updates)"
    )
    print(f"dropped by WeCom's 30-a-minute limit: {len(fake.dropped)}")
    for (count, cost), kind in zip(costs, ("/new and text", "screenshot"), strict=True):
        total = sum(cost.values())
        parts = ", ".join(f"{path} {n}" for path, n in sorted(cost.items()))
        print(f"one intake ({kind}, {count} updates): {total} WeCom API calls: {parts}")
    broken = sum(judge.broken for judge in judges)
    print(f"intakes broken: {broken}")
    return {"updates": updates, "broken": broken}


def _ptb_version() -> str:
    import telegram

    return telegram.__version__


def _child(bot: str, people: int, intakes: int, limits: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="guowen-bench-") as work:
        if bot in ("plain", "durable"):
            durable = bot == "durable"
            return asyncio.run(bench_plain(people, intakes, Path(work), durable=durable))
        return asyncio.run(bench(people, intakes, limits, Path(work)))


def _run_child(bot: str, people: int, intakes: int, limits: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", bot, "--people", str(people),
         "--intakes", str(intakes), "--limits", limits],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{bot} with {people} judges failed: {done.stderr.strip()[-300:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _report(rows: list[tuple[int, dict[str, dict[str, Any]]]], limits: str, load: str) -> None:
    print(
        f"intake through PTB {_ptb_version()} and the fake Bot API on loopback; "
        f"flood limits {limits}; guowen on SQLite; load average before/after: {load}"
    )
    bots = list(rows[0][1])
    # Each bot's figure over the reference's (plain), when the reference ran.
    compared = [bot for bot in bots if bot != "plain"] if "plain" in bots else []
    print(
        f"{'judges':>6}  {'figure':<22}"
        + "".join(f"{bot:>12}" for bot in bots)
        + "".join(f"{bot + '/plain':>16}" for bot in compared)
    )
    for people, figures in rows:
        for key, label, digits in (
            ("per_second", "updates/s", 1),
            ("p50_ms", "p50 ms", 0),
            ("p99_ms", "p99 ms", 0),
            ("cpu_ms", "CPU ms/update", 2),
            ("rss_mb", "peak RSS MiB", 0),
            ("broken", "intakes broken", 0),
        ):
            values = [figures[bot][key] for bot in bots]
            reference = figures["plain"][key] if compared else 0
            ratios = "".join(
                f"{figures[bot][key] / reference:>16.2f}" if reference else f"{'':>16}"
                for bot in compared
            )
            print(
                f"{people:>6}  {label:<22}"
                + "".join(f"{value:>12.{digits}f}" for value in values)
                + ratios
            )
        mine = figures.get("guowen")
        if mine is not None:
            print(
                f"{people:>6}  guowen SQL per update: {mine['statements']:.1f} statements, "
                f"{mine['transactions']:.2f} SQLite transactions (commits, each one fsync) "
                f"holding {mine['batched']:.2f} of guowen's transactions (whole run, reminder "
                f"ticks included; the two intakes alone: {mine['statements_alone']:.1f}, "
                f"{mine['transactions_alone']:.2f})"
            )
    for bot in bots:
        for kind, count, cost in rows[0][1][bot]["intakes"]:
            total = sum(cost.values())
            polls = cost.get("getUpdates", 0)
            parts = ", ".join(f"{method} {n}" for method, n in sorted(cost.items()))
            print(
                f"{bot}: one intake ({kind}, {count} updates): {total - polls} calls besides "
                f"getUpdates: {parts}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="1,50", help="judges working at once, comma-separated")
    parser.add_argument("--intakes", type=int, default=5, help="complete intakes per judge")
    parser.add_argument("--limits", choices=("off", "telegram"), default="off")
    parser.add_argument(
        "--bots",
        default="guowen,plain,durable",
        help="comma-separated: guowen, plain (the reference), durable (plain + one audited "
        "commit per update)",
    )
    parser.add_argument("--child", choices=("guowen", "plain", "durable"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--transport",
        choices=("telegram", "wecom"),
        default="telegram",
        help="wecom: the same intakes through WeCom after Telegram's",
    )
    args = parser.parse_args()
    if args.child:
        figures = _child(args.child, int(args.people), args.intakes, args.limits)
        print(json.dumps(figures))
        return
    before = " ".join(f"{n:.2f}" for n in os.getloadavg())
    rows = []
    for people in (int(n) for n in args.people.split(",")):
        rows.append(
            (
                people,
                {
                    bot: _run_child(bot, people, args.intakes, args.limits)
                    for bot in args.bots.split(",")
                },
            )
        )
    after = " ".join(f"{n:.2f}" for n in os.getloadavg())
    _report(rows, args.limits, f"{before} / {after}")
    if args.transport == "wecom":
        for people in (int(n) for n in args.people.split(",")):
            with tempfile.TemporaryDirectory(prefix="guowen-bench-") as work:
                asyncio.run(bench_wecom(people, args.intakes, Path(work)))


if __name__ == "__main__":
    main()
