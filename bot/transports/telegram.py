"""Telegram, through python-telegram-bot: the only module that imports ``telegram``.

Updates arrive by long polling or by webhook and become ``IncomingMessage``s. Each one is
claimed in the database before it is handled, so an update that Telegram delivers twice (a
restart before it was confirmed, a webhook answer that got lost) is handled once. Updates of
one chat are handled one after another, in arrival order; different chats run side by side.

Replies go out in HTML parse mode with the handlers' plain text escaped, within Telegram's
flood limits (30 messages a second overall, about one a second per chat). A failure comes back
as a ``Delivery``, never as an exception: ``FAILED`` when the person blocked the bot or the
message can never be sent, ``RETRY`` when the network or Telegram stayed down through every
retry, so the notifier can tell one from the other.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import urllib.parse
import warnings
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
from aiolimiter import AsyncLimiter
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOrigin,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler
from telegram.request import HTTPXRequest

from bot.app import App
from bot.config import Telegram as TelegramSettings
from handlers.i18n import t
from handlers.ports import (
    Attachment,
    AttachmentKind,
    Button,
    Capabilities,
    Delivery,
    DeliveryStatus,
    FileUnavailable,
    Handled,
    IncomingMessage,
    OutgoingMessage,
)
from storage.evidence import UnavailableReason
from storage.models import ChatIdentity, ProcessedUpdate, Staff
from storage.vocabulary import Language

log = logging.getLogger(__name__)

NAME = "telegram"
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # the cloud Bot API's getFile limit
TEXT_LIMIT = 4096  # characters of a message, after entities are parsed
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
ALLOWED_UPDATES = ("message", "callback_query")
CHUNK = 1 << 16

T = TypeVar("T")
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class TelegramOptions:
    """Timing and limits; the defaults suit production, tests shrink the delays.

    ``retry_delays`` are the pauses before each retry of a call that failed on the network or
    with a 5xx: their number is the number of retries. Files come with the cloud's 20 MB limit
    from ``cloud_file_url``, without it from any other ``base_file_url`` (a local server).
    """

    cloud_file_url: str = "https://api.telegram.org/file/bot"
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    flood_retries: int = 3
    overall_rate: float = 30.0
    per_chat_rate: float = 1.0
    per_chat_burst: int = 3
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    write_timeout: float = 20.0
    media_write_timeout: float = 60.0
    poll_timeout: float = 30.0
    download_timeout: float = 60.0
    max_concurrent: int = 32
    max_queued: int = 512
    keep_updates: timedelta = timedelta(days=2)
    prune_every: timedelta = timedelta(hours=1)
    trust_env: bool = True


# -- flood limits -------------------------------------------------------------------------


class FloodLimiter(AIORateLimiter):
    """PTB's limiter (the overall rate, groups, and waiting out a 429's ``retry_after``), plus
    a leaky bucket per private chat for the messages the bot sends there.

    Telegram asks for about one message a second in a chat and tolerates short bursts; a reply
    of two or three messages goes out at once and a longer run is paced.
    """

    def __init__(self, options: TelegramOptions) -> None:
        super().__init__(
            overall_max_rate=options.overall_rate,
            overall_time_period=1,
            max_retries=options.flood_retries,
        )
        self._chat_rate = options.per_chat_rate
        self._chat_burst = max(1, options.per_chat_burst)
        self._chats: dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        if chat_id not in self._chats and len(self._chats) > 1024:
            for key, idle in list(self._chats.items()):
                if idle.has_capacity(idle.max_rate):
                    del self._chats[key]
        if chat_id not in self._chats:
            period = self._chat_burst / self._chat_rate
            self._chats[chat_id] = AsyncLimiter(max_rate=self._chat_burst, time_period=period)
        return self._chats[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Any],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        chat_id = data.get("chat_id")
        private = isinstance(chat_id, int) and chat_id > 0
        paced = private and endpoint.startswith("send") and self._chat_rate > 0
        async with self._chat_limiter(cast(int, chat_id)) if paced else nullcontext():
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# -- updates to ports ---------------------------------------------------------------------


def _attachments(message: Message) -> tuple[Attachment, ...]:
    """The message's file, as the sender sent it (the largest size of a photo)."""
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        return (
            Attachment(
                AttachmentKind.PHOTO,
                largest.file_id,
                mime_type="image/jpeg",
                size=largest.file_size,
            ),
        )
    if message.document:
        doc = message.document
        return (
            Attachment(
                AttachmentKind.DOCUMENT, doc.file_id, doc.file_name, doc.mime_type, doc.file_size
            ),
        )
    if message.voice:
        voice = message.voice
        return (
            Attachment(
                AttachmentKind.VOICE,
                voice.file_id,
                None,
                voice.mime_type,
                voice.file_size,
                _duration(voice),
            ),
        )
    if message.audio:
        audio = message.audio
        return (
            Attachment(
                AttachmentKind.AUDIO,
                audio.file_id,
                audio.file_name,
                audio.mime_type,
                audio.file_size,
                _duration(audio),
            ),
        )
    if message.video:
        video = message.video
        return (
            Attachment(
                AttachmentKind.VIDEO,
                video.file_id,
                video.file_name,
                video.mime_type,
                video.file_size,
                _duration(video),
            ),
        )
    if message.video_note:
        note = message.video_note
        return (
            Attachment(
                AttachmentKind.VIDEO_NOTE,
                note.file_id,
                None,
                "video/mp4",
                note.file_size,
                _duration(note),
            ),
        )
    return ()


def _duration(media: object) -> int | None:
    """Whole seconds, whichever type this PTB version gives (it is moving to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = getattr(media, "duration", None)
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) if isinstance(value, int | float) else None


def _origin(origin: MessageOrigin) -> str:
    """Who wrote the forwarded message, as Telegram tells it."""
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    if isinstance(origin, MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, MessageOriginChat):
        title = origin.sender_chat.title or str(origin.sender_chat.id)
        return f"{title} ({origin.author_signature})" if origin.author_signature else title
    if isinstance(origin, MessageOriginChannel):
        title = origin.chat.title or str(origin.chat.id)
        return f"{title} ({origin.author_signature})" if origin.author_signature else title
    return origin.type


def chat_of(update: Update) -> int | None:
    """The private chat an update belongs to; None for anything the bot does not handle."""
    if update.message is not None:
        message = update.message
        if message.chat.type != "private" or message.from_user is None:
            return None
        return None if message.from_user.is_bot else message.chat.id
    query = update.callback_query
    if query is not None and query.data is not None:
        if query.message is not None:
            return query.message.chat.id if query.message.chat.type == "private" else None
        return query.from_user.id
    return None


def incoming(
    update: Update, chat_id: int, now: datetime, callback_data: str | None
) -> IncomingMessage:
    """The ports' view of a message or a button press (``chat_of`` accepted the update)."""
    if update.callback_query is not None:
        query = update.callback_query
        return IncomingMessage(
            transport=NAME,
            chat_id=str(chat_id),
            user_id=str(query.from_user.id),
            user_name=query.from_user.full_name,
            received_at=now,
            callback=callback_data,
            callback_message_id=str(query.message.message_id) if query.message else None,
        )
    message = update.message
    assert message is not None and message.from_user is not None
    origin = message.forward_origin
    return IncomingMessage(
        transport=NAME,
        chat_id=str(chat_id),
        user_id=str(message.from_user.id),
        user_name=message.from_user.full_name,
        received_at=now,
        text=message.text or message.caption or "",
        message_id=str(message.message_id),
        attachments=_attachments(message),
        forwarded_at=origin.date if origin else None,
        forwarded_from=_origin(origin) if origin else None,
        media_group_id=message.media_group_id,
    )


# -- text ---------------------------------------------------------------------------------


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 units."""
    total = 0
    for index, char in enumerate(text):
        total += 2 if ord(char) > 0xFFFF else 1
        if total > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at line ends where a line allows it."""
    if _units(text) <= limit:
        return [text] if text.strip() else []
    pieces: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        if _units(current) + _units(line.rstrip("\n")) <= limit:
            current += line
            continue
        if current.strip():
            pieces.append(current.rstrip("\n"))
        current = ""
        while _units(line.rstrip("\n")) > limit:
            cut = _fitting(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current.strip():
        pieces.append(current.rstrip("\n"))
    return pieces


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


# -- webhook ------------------------------------------------------------------------------


class WebhookServer:
    """A small HTTP/1.1 endpoint for Telegram's webhook calls, meant to sit behind the court's
    TLS proxy (or a local Bot API server).

    Only ``POST`` to the webhook's path with the right secret token is accepted; the token is
    compared in constant time, and a call without it or with a wrong one is answered 403 and
    logged, before its body is read.
    """

    MAX_HEAD = 16 * 1024
    MAX_BODY = 1024 * 1024
    IDLE = 75.0

    def __init__(
        self,
        listen: str,
        path: str,
        secret: str,
        accept: Callable[[bytes], Awaitable[int]],
    ) -> None:
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]") or "127.0.0.1"
        self.port = int(port)
        self.path = path or "/"
        self._secret = secret.encode("utf-8")
        self._accept = accept
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, limit=self.MAX_HEAD
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()
        self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        self._writers.add(writer)
        try:
            keep = True
            while keep:
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.IDLE)
                except (
                    asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError,
                    TimeoutError,
                    ConnectionError,
                ):
                    return
                status, keep = await self._answer(head, reader, peer)
                phrase = HTTPStatus(status).phrase
                connection = "keep-alive" if keep else "close"
                writer.write(
                    f"HTTP/1.1 {status} {phrase}\r\nContent-Length: 0\r\n"
                    f"Connection: {connection}\r\n\r\n".encode("ascii")
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()
            with suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(
        self, head: bytes, reader: asyncio.StreamReader, peer: object
    ) -> tuple[int, bool]:
        """The status for one request, and whether the connection stays open."""
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3:
            return 400, False
        method, target, version = parts
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if urllib.parse.urlsplit(target).path != self.path:
            return 404, False
        if method != "POST":
            return 405, False
        token = headers.get("x-telegram-bot-api-secret-token")
        if token is None:
            log.warning("webhook call from %s without the secret token: refused", peer)
            return 403, False
        if not hmac.compare_digest(token.encode("latin-1"), self._secret):
            log.warning("webhook call from %s with a wrong secret token: refused", peer)
            return 403, False
        if "transfer-encoding" in headers:
            return 411, False
        try:
            length = int(headers.get("content-length", ""))
        except ValueError:
            return 411, False
        if not 0 <= length <= self.MAX_BODY:
            return 413, False
        body = await asyncio.wait_for(reader.readexactly(length), self.IDLE)
        keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
        return await self._accept(body), keep


# -- the transport ------------------------------------------------------------------------


class TelegramTransport:
    """The bot on Telegram: receiving, sending, files and the command menu."""

    def __init__(
        self,
        app: App,
        settings: TelegramSettings,
        options: TelegramOptions | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.options = options or TelegramOptions()
        self.application: AnyApplication | None = None
        self.webhook: WebhookServer | None = None
        self.username = ""
        self._bot_id = 0
        self._http: httpx.AsyncClient | None = None
        self._receiving = False
        self._tails: dict[int, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(self.options.max_concurrent)
        self._queued = asyncio.Semaphore(self.options.max_queued)
        self._pressed: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._long_data: OrderedDict[str, str] = OrderedDict()
        self._handled: deque[int] = deque(maxlen=4096)
        self._handled_changed = asyncio.Condition()
        self._pruned_at: datetime | None = None
        self._commands: asyncio.Task[None] | None = None
        files = settings.base_file_url.rstrip("/")
        local = bool(files) and files != self.options.cloud_file_url.rstrip("/")
        self._cloud_limit: int | None = None if local else CLOUD_DOWNLOAD_LIMIT
        self._requests: tuple[HTTPXRequest, ...] = ()

    @property
    def name(self) -> str:
        return NAME

    # -- life cycle -----------------------------------------------------------------------

    def _build(self) -> AnyApplication:
        options = self.options
        httpx_kwargs = {"trust_env": options.trust_env}
        request = HTTPXRequest(
            connection_pool_size=max(8, options.max_concurrent * 2),
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            write_timeout=options.write_timeout,
            media_write_timeout=options.media_write_timeout,
            pool_timeout=options.read_timeout,
            httpx_kwargs=httpx_kwargs,
        )
        polling = HTTPXRequest(
            connection_pool_size=2,
            connect_timeout=options.connect_timeout,
            read_timeout=options.read_timeout,
            httpx_kwargs=httpx_kwargs,
        )
        builder = (
            Application.builder()
            .token(self.settings.token.get_secret_value())
            .request(request)
            .get_updates_request(polling)
            .rate_limiter(FloodLimiter(options))
            .job_queue(None)
        )
        if self.settings.base_url:
            builder = builder.base_url(self.settings.base_url)
        if self.settings.base_file_url:
            builder = builder.base_file_url(self.settings.base_file_url)
        if self.settings.mode == "webhook":
            builder = builder.updater(None)
        self._requests = (request, polling)
        application = cast(AnyApplication, builder.build())
        application.add_handler(TypeHandler(Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application

    async def start(self) -> None:
        """Connect (``getMe``), then receive updates; returns once the bot is listening."""
        application = self._build()
        try:
            await self._call(application.initialize)
        except BaseException:
            await asyncio.gather(*(r.shutdown() for r in self._requests), return_exceptions=True)
            raise
        self.application = application
        self._bot_id = application.bot.id
        self.username = application.bot.username
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(
                self.options.download_timeout, connect=self.options.connect_timeout
            ),
            trust_env=self.options.trust_env,
        )
        await application.start()
        self._receiving = True
        if self.settings.mode == "webhook":
            path = urllib.parse.urlsplit(self.settings.webhook_url).path
            self.webhook = WebhookServer(
                self.settings.listen,
                path,
                self.settings.webhook_secret.get_secret_value(),
                self._accept_webhook,
            )
            await self.webhook.start()
            await self._call(
                partial(
                    application.bot.set_webhook,
                    url=self.settings.webhook_url,
                    secret_token=self.settings.webhook_secret.get_secret_value(),
                    allowed_updates=list(ALLOWED_UPDATES),
                )
            )
            log.info("telegram: @%s receives by webhook on %s", self.username, self.settings.listen)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=timedelta(seconds=self.options.poll_timeout),
                allowed_updates=list(ALLOWED_UPDATES),
                bootstrap_retries=len(self.options.retry_delays),
                error_callback=self._polling_error,
            )
            log.info("telegram: @%s receives by polling", self.username)
        self._commands = asyncio.create_task(self._register_commands(), name="telegram:commands")

    async def stop(self) -> None:
        """Stop receiving, finish every update already taken in, then disconnect.

        Polling confirms the fetched updates to Telegram on the way out; all of them are
        handled before this returns, so nothing confirmed is lost and no record is left
        half-written.
        """
        application = self.application
        if application is None:
            return
        self._receiving = False
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None
        if application.running:
            await application.stop()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._commands is not None:
            self._commands.cancel()
            await asyncio.gather(self._commands, return_exceptions=True)
            self._commands = None
        await application.shutdown()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        self.application = None
        log.info("telegram: stopped")

    def _polling_error(self, error: TelegramError) -> None:
        log.warning("telegram: fetching updates failed: %s", error)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram: an update could not be processed", exc_info=context.error)

    # -- receiving ------------------------------------------------------------------------

    async def _accept_webhook(self, body: bytes) -> int:
        application = self.application
        if application is None or not self._receiving:
            return 503
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("webhook: a call whose body is not an update: ignored")
            return 400
        await application.update_queue.put(update)
        return 200

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Queue the update behind the earlier ones of its chat; PTB hands them over in order.

        Waiting for a free place in the queue (rather than handling here) keeps PTB's fetching
        going while a slow update, such as a large download, holds only its own chat.
        """
        arrived = self.app.clock.now()
        await self._queued.acquire()
        chat_id = chat_of(update)
        key = chat_id if chat_id is not None else 0
        previous = self._tails.get(key)
        task = asyncio.create_task(
            self._in_turn(previous, update, chat_id, arrived),
            name=f"telegram:update:{update.update_id}",
        )
        self._tails[key] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._finished(key, done))

    def _finished(self, key: int, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._queued.release()
        if self._tails.get(key) is task:
            del self._tails[key]

    async def _in_turn(
        self,
        previous: asyncio.Task[None] | None,
        update: Update,
        chat_id: int | None,
        arrived: datetime,
    ) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            async with self._slots:
                await self._handle(update, chat_id, arrived)
        except Exception:
            log.exception("telegram: update %s failed", update.update_id)
        finally:
            self._handled.append(update.update_id)
            async with self._handled_changed:
                self._handled_changed.notify_all()

    async def wait_handled(self, update_id: int) -> None:
        """Return once ``update_id`` has been handled, skipped as a repeat, or ignored.

        Lets a test or the benchmark act like a person who waits for the answer.
        """
        async with self._handled_changed:
            await self._handled_changed.wait_for(lambda: update_id in self._handled)

    async def _handle(self, update: Update, chat_id: int | None, arrived: datetime) -> None:
        query = update.callback_query
        user_id = query.from_user.id if query is not None else None
        claimed, language = await self._claim(update.update_id, user_id, arrived)
        if not claimed:
            log.info("telegram: update %s seen again: not handled twice", update.update_id)
            return
        if chat_id is None:
            log.info("telegram: update %s is not from a private chat: ignored", update.update_id)
            if query is not None:
                await self._quietly(query.answer)
            return
        data: str | None = None
        if query is not None:
            assert query.data is not None
            data = self._long_data.get(query.data, query.data)
            if not await self._settle(update, chat_id, language):
                return
        message = incoming(update, chat_id, arrived, data)
        await self.app.dispatch(message)
        if self._changes_commands(message):
            await self._chat_commands(chat_id, message.user_id)

    async def _claim(
        self, update_id: int, user_id: int | None, now: datetime
    ) -> tuple[bool, Language]:
        """Record the update as taken in; False when it already was (a repeat).

        Also reads the sender's language for the words the transport adds to a button press.
        """
        keep = self.options.keep_updates
        values = {
            "transport": NAME,
            "update_key": f"{self._bot_id}:{update_id}",
            "received_at": now,
        }
        language = self.app.settings.language
        async with self.app.db.transaction() as session:
            if self._pruned_at is None or now - self._pruned_at >= self.options.prune_every:
                await session.execute(
                    delete(ProcessedUpdate).where(
                        ProcessedUpdate.transport == NAME, ProcessedUpdate.received_at < now - keep
                    )
                )
                self._pruned_at = now
            insert = (
                postgresql.insert(ProcessedUpdate).values(**values).on_conflict_do_nothing()
                if self.app.db.dialect == "postgresql"
                else sqlite.insert(ProcessedUpdate).values(**values).on_conflict_do_nothing()
            )
            result = cast(CursorResult[Any], await session.execute(insert))
            if user_id is not None:
                chosen = await session.scalar(
                    select(Staff.language)
                    .join(ChatIdentity, ChatIdentity.staff_id == Staff.id)
                    .where(ChatIdentity.transport == NAME, ChatIdentity.external_id == str(user_id))
                )
                if chosen:
                    language = Language(chosen)
        return result.rowcount == 1, language

    async def _settle(self, update: Update, chat_id: int, language: Language) -> bool:
        """Answer a button press and take the buttons off its message, so that a second press
        on the same message does nothing; False for that second press."""
        query = update.callback_query
        assert query is not None and query.data is not None
        message = query.message
        if message is not None:
            key = (chat_id, message.message_id)
            if key in self._pressed:
                await self._quietly(partial(query.answer, t(language, "telegram.button_used")))
                return False
            self._pressed[key] = None
            while len(self._pressed) > 10_000:
                self._pressed.popitem(last=False)
        await self._quietly(query.answer)
        if message is None:
            return True
        bot = self._bot()
        label = None
        if isinstance(message, Message) and message.reply_markup is not None:
            for row in message.reply_markup.inline_keyboard:
                for button in row:
                    if button.callback_data == query.data:
                        label = button.text
        text = message.text if isinstance(message, Message) else None
        if text and label:
            chosen = t(language, "telegram.chosen", choice=label)
            edited = f"{text}\n\n{chosen}"
            if _units(edited) <= TEXT_LIMIT:
                await self._quietly(
                    partial(
                        bot.edit_message_text,
                        _escape(edited),
                        chat_id=chat_id,
                        message_id=message.message_id,
                        parse_mode=ParseMode.HTML,
                    )
                )
                return True
        await self._quietly(
            partial(bot.edit_message_reply_markup, chat_id=chat_id, message_id=message.message_id)
        )
        return True

    # -- calling the Bot API --------------------------------------------------------------

    def _bot(self) -> Bot:
        if self.application is None:
            raise RuntimeError("the Telegram transport is not running")
        return cast(Bot, self.application.bot)

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """``make()``, retried with backoff on network errors, 5xx and an unrelenting 429.

        A 400 or 403 is Telegram's final word and is raised at once.
        """
        delays = self.options.retry_delays
        for attempt in range(len(delays) + 1):
            try:
                return await make()
            except BadRequest:
                raise
            except RetryAfter as error:
                if attempt == len(delays):
                    raise
                await asyncio.sleep(max(delays[attempt], _seconds(error)))
            except NetworkError as error:
                if attempt == len(delays):
                    raise
                log.info("telegram: %s; retrying in %ss", error, delays[attempt])
                await asyncio.sleep(delays[attempt])
        raise AssertionError("unreachable")

    async def _quietly(self, make: Callable[[], Awaitable[object]]) -> None:
        """A call whose failure changes nothing for the person (acknowledging a press)."""
        try:
            await self._call(make)
        except TelegramError as error:
            log.info("telegram: %s", error)

    # -- sending --------------------------------------------------------------------------

    def _data(self, data: str) -> str:
        """Callback data within Telegram's 64 bytes; a longer one travels as a short token."""
        if len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
            return data
        token = "~" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]
        self._long_data[token] = data
        self._long_data.move_to_end(token)
        while len(self._long_data) > 10_000:
            self._long_data.popitem(last=False)
        return token

    def _keyboard(self, buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
        rows = [
            [
                InlineKeyboardButton(button.label, callback_data=self._data(button.data))
                for button in row
            ]
            for row in buttons
            if row
        ]
        return InlineKeyboardMarkup(rows) if rows else None

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        """Deliver ``message``; a failure is a ``Delivery``, never an exception."""
        if self.application is None:
            return Delivery(DeliveryStatus.RETRY, detail="telegram transport not running")
        try:
            target = int(chat_id)
        except ValueError:
            return Delivery(DeliveryStatus.FAILED, detail=f"not a Telegram chat: {chat_id}")
        try:
            sent = await self._send(target, message)
        except Forbidden as error:
            return Delivery(DeliveryStatus.FAILED, detail=f"forbidden: {error.message}")
        except BadRequest as error:
            return Delivery(DeliveryStatus.FAILED, detail=f"bad request: {error.message}")
        except (NetworkError, RetryAfter) as error:
            return Delivery(DeliveryStatus.RETRY, detail=f"gave up after retries: {error}")
        except TelegramError as error:
            return Delivery(DeliveryStatus.FAILED, detail=f"{type(error).__name__}: {error}")
        except OSError as error:
            return Delivery(DeliveryStatus.FAILED, detail=f"file: {error}")
        if sent is None:
            return Delivery(DeliveryStatus.FAILED, detail="nothing to send")
        return Delivery(DeliveryStatus.SENT, message_id=str(sent.message_id))

    async def _send(self, chat_id: int, message: OutgoingMessage) -> Message | None:
        bot = self._bot()
        markup = self._keyboard(message.buttons)
        path = message.document or message.photo
        caption: str | None = None
        pieces = split_text(message.text)
        if path is not None and _units(message.text) <= CAPTION_LIMIT:
            caption, pieces = (_escape(message.text) or None), []
        sent: Message | None = None
        for number, piece in enumerate(pieces, start=1):
            last = number == len(pieces) and path is None
            sent = await self._call(
                partial(
                    bot.send_message,
                    chat_id,
                    _escape(piece),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                )
            )
        if message.photo is not None:
            photo = message.photo
            try:
                return await self._call(
                    partial(
                        bot.send_photo,
                        chat_id,
                        photo,
                        caption=caption,
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                )
            except BadRequest as error:
                log.info("telegram: photo refused (%s); sending it as a document", error)
        if path is not None:
            return await self._call(
                partial(
                    bot.send_document,
                    chat_id,
                    path,
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    filename=path.name,
                )
            )
        return sent

    # -- files ----------------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        """Inline keyboards, editable messages, 4,096 characters, files up to 50 MB."""
        return Capabilities(edit=True, max_buttons=100, text_limit=TEXT_LIMIT)

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        """Presses are answered before dispatch (see ``_settle``)."""

    async def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        """The file's bytes, streamed from the Bot API (or read where a local server put it).

        Raises ``FileUnavailable``: ``TOO_BIG_FOR_TRANSPORT`` over the cloud API's 20 MB limit
        (known from the update's size, or from getFile's refusal), ``DOWNLOAD_FAILED`` when
        Telegram or the network did not hand the file over.
        """
        limit = self._cloud_limit
        if limit is not None and attachment.size is not None and attachment.size > limit:
            raise FileUnavailable(
                UnavailableReason.TOO_BIG_FOR_TRANSPORT, f"{attachment.size} bytes"
            )
        bot = self._bot()
        try:
            found = await self._call(partial(bot.get_file, attachment.file_id))
        except BadRequest as error:
            if "too big" in error.message.lower():
                raise FileUnavailable(
                    UnavailableReason.TOO_BIG_FOR_TRANSPORT, error.message
                ) from None
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, error.message) from None
        except TelegramError as error:
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, str(error)) from None
        location = found.file_path
        if not location:
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, "no file path")
        if not location.startswith(("http://", "https://")):
            async for chunk in self._read_local(Path(location)):
                yield chunk
            return
        async for chunk in self._fetch(location):
            yield chunk

    async def _read_local(self, path: Path) -> AsyncIterator[bytes]:
        """A local Bot API server (``--local``) hands out paths on its own disk."""
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except OSError as error:
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, str(error)) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def _fetch(self, url: str) -> AsyncIterator[bytes]:
        """Stream ``url``; retried until the first byte arrives, not after.

        The URL holds the bot's token, so neither it nor an error that may quote it is logged.
        """
        client = self._http
        if client is None:
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, "transport not running")
        parts = urllib.parse.urlsplit(url)
        url = urllib.parse.urlunsplit(parts._replace(path=urllib.parse.quote(parts.path)))
        delays = self.options.retry_delays
        for attempt in range(len(delays) + 1):
            started = False
            try:
                async with client.stream("GET", url) as response:
                    if response.status_code >= 500 and attempt < len(delays):
                        await asyncio.sleep(delays[attempt])
                        continue
                    if response.status_code != 200:
                        raise FileUnavailable(
                            UnavailableReason.DOWNLOAD_FAILED, f"HTTP {response.status_code}"
                        )
                    started = True
                    async for chunk in response.aiter_bytes(CHUNK):
                        yield chunk
                    return
            except httpx.HTTPError as error:
                if started or attempt == len(delays):
                    raise FileUnavailable(
                        UnavailableReason.DOWNLOAD_FAILED, type(error).__name__
                    ) from None
                await asyncio.sleep(delays[attempt])
        raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, "server error")

    # -- the command menu -----------------------------------------------------------------

    def _menu(self, roles: frozenset[str], language: Language) -> list[BotCommand]:
        return [
            BotCommand(command.name, t(language, command.help_key)[:256])
            for command in self.app.engine.registry.visible(roles)
            if command.name.isascii() and len(command.name) <= 32
        ]

    async def _register_commands(self) -> None:
        """The menu in the court's language for everyone, then each bound person's own menu
        (their roles' commands, in their language) in their chat."""
        try:
            await self._menus()
        except Exception:
            log.exception("telegram: the command menus could not be registered")

    async def _menus(self) -> None:
        bot = self._bot()
        court = self.app.settings.language
        await self._quietly(partial(bot.set_my_commands, self._menu(frozenset(), court)))
        async with self.app.db.transaction() as session:
            rows = (
                await session.execute(
                    select(ChatIdentity.chat_id, Staff)
                    .join(Staff, ChatIdentity.staff_id == Staff.id)
                    .where(ChatIdentity.transport == NAME, Staff.active.is_(True))
                )
            ).all()
            people = [(chat, person.roles, person.language) for chat, person in rows]
        for chat, roles, chosen in people:
            language = Language(chosen) if chosen else court
            scope = BotCommandScopeChat(int(chat))
            menu = self._menu(roles, language)
            await self._quietly(partial(bot.set_my_commands, menu, scope=scope))

    @staticmethod
    def _changes_commands(message: IncomingMessage) -> bool:
        text = message.text.strip().lower()
        return text.startswith(("/start", "/language")) or (message.callback or "").startswith(
            "lang:"
        )

    async def _chat_commands(self, chat_id: int, user_id: str) -> None:
        """After binding or a change of language, the person's menu follows."""
        async with self.app.db.transaction() as session:
            row = (
                await session.execute(
                    select(Staff)
                    .join(ChatIdentity, ChatIdentity.staff_id == Staff.id)
                    .where(ChatIdentity.transport == NAME, ChatIdentity.external_id == user_id)
                )
            ).scalar_one_or_none()
            if row is None or not row.active:
                return
            roles, chosen = row.roles, row.language
        language = Language(chosen) if chosen else self.app.settings.language
        await self._quietly(
            partial(
                self._bot().set_my_commands,
                self._menu(roles, language),
                scope=BotCommandScopeChat(chat_id),
            )
        )
