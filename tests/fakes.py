"""Test doubles: a fake chat service, a scripted chat on top of it, and empty databases.

``FakeTransport`` is one more implementation of ``handlers.ports.Transport``: it keeps a
transcript of everything the bot sent instead of talking to a network. ``Chat`` lets a test
read like the conversation it checks::

    chat = bot.chat("u1")
    assert await chat.say("/language") == ["请选择语言："]
    assert await chat.press(2) == ["Done: I will speak English with you from now on."]
"""

from __future__ import annotations

import asyncio
import itertools
import os
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness import Harness, register
from named_buttons import named_buttons_problem
from settings_kit import make_settings
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.app import App
from bot.config import Settings
from handlers.ports import (
    Attachment,
    Button,
    Capabilities,
    Delivery,
    DeliveryStatus,
    Handled,
    IncomingMessage,
    OutgoingMessage,
)
from reminders.clock import Clock
from storage.db import Database
from storage.models import AuditEvent, Base, Staff
from storage.vocabulary import Role

TRANSPORT = "fake"
PG_URL = os.environ.get("GUOWEN_TEST_DATABASE_URL", "")


@dataclass(frozen=True)
class Sent:
    chat_id: str
    message: OutgoingMessage


class FakeTransport:
    """A chat service that records what it is asked to send and serves files from memory."""

    def __init__(
        self, files: dict[str, bytes] | None = None, capabilities: Capabilities | None = None
    ) -> None:
        self.sent: list[Sent] = []
        self.files: dict[str, bytes] = dict(files or {})
        self.downloads: list[str] = []
        self.settled: list[tuple[IncomingMessage, Handled, int]] = []
        """Each press settled: the press, the engine's decision, and how many messages had
        been sent by then (so a test sees the press was settled before the replies)."""
        self.lose: int = 0
        """Sends to lose (a crash or a network failure after the commit): each is neither
        recorded nor confirmed (``RETRY``), so its reply stays owed."""
        self._capabilities = capabilities or Capabilities()

    @property
    def name(self) -> str:
        return TRANSPORT

    @property
    def capabilities(self) -> Capabilities:
        return self._capabilities

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        self.settled.append((message, handled, len(self.sent)))

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        if self.lose > 0:
            self.lose -= 1
            return Delivery(DeliveryStatus.RETRY, detail="lost")
        self.sent.append(Sent(chat_id, message))
        return Delivery(DeliveryStatus.SENT, message_id=str(len(self.sent)))

    async def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        self.downloads.append(attachment.file_id)
        data = self.files[attachment.file_id]
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    def to(self, chat_id: str) -> list[OutgoingMessage]:
        """Everything sent to ``chat_id``, oldest first."""
        return [item.message for item in self.sent if item.chat_id == chat_id]


_message_ids = itertools.count(1)


def incoming(
    clock: Clock,
    user_id: str,
    text: str = "",
    *,
    callback: str | None = None,
    attachments: Iterable[Attachment] = (),
    chat_id: str | None = None,
    user_name: str | None = None,
) -> IncomingMessage:
    """One message from ``user_id`` on the fake transport (a private chat unless told)."""
    return IncomingMessage(
        transport=TRANSPORT,
        chat_id=chat_id or user_id,
        user_id=user_id,
        user_name=user_name,
        received_at=clock.now(),
        message_id=f"m{next(_message_ids)}",
        text=text,
        callback=callback,
        attachments=tuple(attachments),
    )


class FakeBot(Harness):
    """The ``Harness`` on a ``FakeTransport``; ``restart`` rebuilds the app and transport.

    A restart keeps only the database (and the clock, which stands for the world outside), as
    a real process restart would.
    """

    transport_name = TRANSPORT
    transport: FakeTransport

    def __init__(self, db: Database, clock: Clock, settings: Settings | None = None) -> None:
        super().__init__(db, clock, make_settings() if settings is None else settings)

    def make_transport(self, app: App) -> FakeTransport:
        return FakeTransport()

    def restart(self) -> None:
        self.rebuild()

    def chat(self, user_id: str, user_name: str | None = None) -> Chat:
        return Chat(self, user_id, user_name)

    async def send_text(self, account: str, text: str) -> list[str]:
        return await self.chat(account).say(text)

    async def send_data(self, account: str, data: str) -> list[str]:
        return await self.chat(account).press_data(data)

    def texts_to(self, account: str) -> list[str]:
        return [message.text for message in self.transport.to(account)]

    async def choices(self, account: str) -> list[tuple[str, str]]:
        for message in reversed(self.transport.to(account)):
            if message.buttons:
                return [(b.label, b.data) for row in message.buttons for b in row]
        return []


class Chat:
    """One person's private chat with the bot, as they would type it."""

    def __init__(self, bot: FakeBot, user_id: str, user_name: str | None = None) -> None:
        self.bot = bot
        self.user_id = user_id
        self.user_name = user_name
        self.last: list[OutgoingMessage] = []

    async def send(self, message: IncomingMessage) -> list[OutgoingMessage]:
        """Dispatch ``message``; the messages the bot sent back to this chat."""
        transport = self.bot.transport
        before = len(transport.sent)
        await self.bot.app.dispatch(message)
        self.last = [
            item.message for item in transport.sent[before:] if item.chat_id == self.user_id
        ]
        problem = named_buttons_problem(self.last)
        assert problem is None, f"{self.user_name or self.user_id}: {problem}"
        return self.last

    def _message(
        self,
        text: str = "",
        *,
        callback: str | None = None,
        attachments: Iterable[Attachment] = (),
    ) -> IncomingMessage:
        return incoming(
            self.bot.clock,
            self.user_id,
            text,
            callback=callback,
            attachments=attachments,
            user_name=self.user_name,
        )

    async def say(self, text: str) -> list[str]:
        """Type ``text``; the texts of the bot's replies."""
        return [reply.text for reply in await self.send(self._message(text))]

    async def attach(self, *attachments: Attachment, caption: str = "") -> list[str]:
        """Send files (with an optional caption); the texts of the bot's replies."""
        sent = await self.send(self._message(caption, attachments=attachments))
        return [reply.text for reply in sent]

    def buttons(self) -> list[Button]:
        """The buttons of the bot's last reply that had any, in reading order."""
        for message in reversed(self.last):
            if message.buttons:
                return [button for row in message.buttons for button in row]
        raise AssertionError(f"the last replies have no buttons: {self.last!r}")

    async def press_data(self, data: str) -> list[str]:
        """A press on a button carrying ``data``, such as one on an old message."""
        sent = await self.send(self._message(callback=data))
        return [reply.text for reply in sent]

    async def press(self, number: int) -> list[str]:
        """Press the ``number``-th button (counting from 1, as the console shows them)."""
        buttons = self.buttons()
        if not 1 <= number <= len(buttons):
            raise AssertionError(f"no button {number} among {buttons!r}")
        return await self.press_data(buttons[number - 1].data)


async def add_person(
    db: Database,
    clock: Clock,
    name: str,
    roles: Iterable[Role],
    *,
    department: str | None = "民一庭",
    user_id: str | None = None,
) -> Staff:
    """Register a staff member and, when ``user_id`` is given, bind that fake chat account."""
    return await register(
        db, clock, name, roles, department=department, transport=TRANSPORT, account=user_id
    )


async def row_counts(db: Database) -> dict[str, int]:
    """How many rows every table of the schema holds."""
    counts: dict[str, int] = {}
    async with db.transaction() as session:
        for table in Base.metadata.sorted_tables:
            query = select(func.count()).select_from(table)
            counts[table.name] = int((await session.execute(query)).scalar_one())
    return counts


async def audit_events(db: Database, after_seq: int = 0) -> list[AuditEvent]:
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.seq > after_seq).order_by(AuditEvent.seq)
        return list((await session.execute(query)).scalars().all())


# Empty databases (no schema at all), for the migration and command-line tests.


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@asynccontextmanager
async def empty_database(folder: Path) -> AsyncIterator[str]:
    """The URL of a database with nothing in it: a new PostgreSQL database when the suite
    runs on PostgreSQL, else a SQLite file in ``folder`` that does not exist yet."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{folder / 'empty.db'}"
        return
    name = f"guowen_e_{uuid.uuid4().hex[:12]}"
    await _pg_admin(f"CREATE DATABASE {name}")
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def empty_database_sync(folder: Path) -> Iterator[str]:
    """``empty_database`` for plain (non-async) tests, such as those that call the CLI."""
    if not PG_URL:
        yield f"sqlite+aiosqlite:///{folder / 'empty.db'}"
        return
    name = f"guowen_e_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f"CREATE DATABASE {name}"))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
