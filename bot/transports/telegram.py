"""Telegram, through python-telegram-bot 22: the only module that imports ``telegram``.

Updates arrive by long polling or at a webhook route of the process's HTTP server (``bot.http``)
and become ``IncomingMessage``s keyed ``"bot_id:update_id"`` (the engine claims the key in the
message's transaction, so a repeat is handled once). ``App.dispatch`` keeps each chat's order:
nothing here awaits between taking an update in and handing it over. An update the library
cannot parse is quarantined and skipped. Replies go out in HTML mode, escaped, through one rate
limiter holding the one retry loop; a failure is a ``Delivery`` (``FAILED`` for good, ``RETRY``
when the network or Telegram stayed down), never an exception.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import urllib.parse
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, cast

import httpx
import telegram as tg
from aiohttp import web
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, BaseRateLimiter, BaseUpdateProcessor, ExtBot, TypeHandler
from telegram.request import HTTPXRequest

from bot.app import App
from bot.config import Telegram as TelegramSettings
from bot.http import HttpServer, RefusalLog, parse_json, secret_refused
from bot.transports.files import fetch
from bot.transports.pacing import Pacer
from bot.transports.presses import LongData, PressBook
from bot.transports.quarantine import quarantine
from bot.transports.text import split_text, utf16_units
from handlers.i18n import t
from handlers.menus import command_menus
from handlers.ports import (
    Attachment,
    AttachmentKind,
    Capabilities,
    Delivery,
    DeliveryStatus,
    FileUnavailable,
    Handled,
    IncomingMessage,
    OutgoingMessage,
)
from storage.evidence import UnavailableReason
from storage.vocabulary import Language

__all__ = ["TelegramOptions", "TelegramTransport", "chat_of", "incoming", "split_text"]

log = logging.getLogger(__name__)

NAME = "telegram"
CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bytes (20 MiB): the cloud Bot API's getFile limit
TEXT_LIMIT = 4096  # UTF-16 units of a message, after entities are parsed
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HTML = tg.constants.ParseMode.HTML
_KINDS = {
    tg.Document: AttachmentKind.DOCUMENT,
    tg.Animation: AttachmentKind.DOCUMENT,
    tg.Voice: AttachmentKind.VOICE,
    tg.Audio: AttachmentKind.AUDIO,
    tg.Video: AttachmentKind.VIDEO,
    tg.VideoNote: AttachmentKind.VIDEO_NOTE,
}
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class TelegramOptions:
    """Timing and limits (seconds, calls a second); the defaults suit production.
    ``retry_delays``: the pause before each retry (their number is the number of retries).
    Files come with the 20 MiB limit from ``cloud_file_url``, without it from another
    ``base_file_url`` (a local Bot API server). ``max_concurrent``: updates handled at once."""

    cloud_file_url: str = "https://api.telegram.org/file/bot"
    retry_delays: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    overall_rate: float = 30.0
    per_chat_rate: float = 1.0
    per_chat_burst: int = 3
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    write_timeout: float = 20.0
    media_write_timeout: float = 60.0
    poll_timeout: float = 30.0
    download_timeout: float = 60.0
    max_concurrent: int = 64
    trust_env: bool = True


class Limiter(BaseRateLimiter[int]):
    """PTB's rate-limiter hook around every Bot API call (``getUpdates`` excepted: PTB's updater
    retries it) with the one ``Pacer`` and its one retry loop: a 429 holds every call for its
    ``retry_after``; a network error, a timeout or a 5xx waits out the next retry delay;
    ``BadRequest``, ``Forbidden`` and the rest are final at once. Sends to a private chat are
    paced per chat."""

    def __init__(self, options: TelegramOptions) -> None:
        rates = (options.overall_rate, options.per_chat_rate, options.per_chat_burst)
        self._pacer = Pacer(*rates, options.retry_delays)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """``callback(*args, **kwargs)`` paced and retried as the class says."""
        if endpoint == "getUpdates":
            return await callback(*args, **kwargs)
        chat = data.get("chat_id")
        paced = isinstance(chat, int) and chat > 0 and endpoint.startswith("send")
        return await self._pacer.run(
            lambda: callback(*args, **kwargs), chat if paced else None, _wait
        )


def _wait(error: Exception, delay: float) -> tuple[float, bool] | None:
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            after = error.retry_after
        seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
        return max(delay, seconds), True
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        log.info("telegram: %s; retrying in %ss", error, delay)
        return delay, False
    return None


class _Bot(ExtBot[int]):
    """PTB's bot, but a ``getUpdates`` answer is checked update by update: ``Bot.get_updates``
    parses the batch in one ``Update.de_list``, so one update it cannot parse fails the batch
    at every poll and nobody is answered any more. Each update ``Update.de_json`` refuses goes
    to ``unreadable`` and becomes a bare update of its id (ignored): the offset moves past it."""

    def __init__(
        self, unreadable: Callable[[object, str, Exception], Awaitable[None]], **kwargs: Any
    ) -> None:
        self._unreadable = unreadable
        super().__init__(**kwargs)

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        checked = []
        for raw in result:
            try:
                tg.Update.de_json(raw, self)
                checked.append(raw)
            except Exception as error:
                await self._unreadable(raw, json.dumps(raw, ensure_ascii=False), error)
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                checked.append({"update_id": update_id} if isinstance(update_id, int) else None)
        return [raw for raw in checked if raw is not None]


class _Processor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` updates at once; the rest wait in arrival order
    (PTB's semaphore is first come, first served). Notes the updates it finished."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.finished: deque[int] = deque(maxlen=4096)
        self.changed = asyncio.Condition()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle ``update``, then note that it is done."""
        try:
            await coroutine
        finally:
            if isinstance(update, tg.Update):
                self.finished.append(update.update_id)
            async with self.changed:
                self.changed.notify_all()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release (PTB's ``stop`` waits for the updates in hand)."""


def _duration(media: object) -> int | None:
    """Whole seconds, whichever type this PTB version gives (it is moving to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = getattr(media, "duration", None)
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) if isinstance(value, int | float) else None


def _attachments(message: tg.Message) -> tuple[Attachment, ...]:
    """The message's file as the sender sent it (of a photo, the largest size); none for
    what is not a file (a sticker, a location)."""
    found = message.effective_attachment
    if isinstance(found, tuple) and found and isinstance(found[0], tg.PhotoSize):
        big = max(found, key=lambda size: (size.width * size.height, size.file_size or 0))
        return (Attachment(AttachmentKind.PHOTO, big.file_id, None, "image/jpeg", big.file_size),)
    kind = _KINDS.get(type(found))
    if kind is None:
        return ()
    media: Any = found
    mime = "video/mp4" if kind is AttachmentKind.VIDEO_NOTE else media.mime_type
    seconds = None if kind is AttachmentKind.DOCUMENT else _duration(media)
    name = getattr(media, "file_name", None)
    return (Attachment(kind, media.file_id, name, mime, media.file_size, seconds),)


def _origin(origin: tg.MessageOrigin) -> str:
    """Who wrote the forwarded message, as Telegram tells it."""
    if isinstance(origin, tg.MessageOriginUser):
        user = origin.sender_user
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    if isinstance(origin, tg.MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, tg.MessageOriginChat | tg.MessageOriginChannel):
        chat = origin.sender_chat if isinstance(origin, tg.MessageOriginChat) else origin.chat
        title = chat.title or str(chat.id)
        return f"{title} ({origin.author_signature})" if origin.author_signature else title
    return origin.type


def _origin_chat(origin: tg.MessageOrigin) -> str | None:
    """The chat a forwarded message was first posted in (Bot API ``MessageOriginChat``,
    ``MessageOriginChannel``); None for a person's own message."""
    if isinstance(origin, tg.MessageOriginChat):
        return origin.sender_chat.title or str(origin.sender_chat.id)
    if isinstance(origin, tg.MessageOriginChannel):
        return origin.chat.title or str(origin.chat.id)
    return None


def chat_of(update: tg.Update) -> int | None:
    """The private chat an update belongs to; None for anything the bot does not handle."""
    message, query = update.message or update.edited_message, update.callback_query
    if message is not None:
        sender = message.from_user
        private = message.chat.type == "private" and sender is not None and not sender.is_bot
        return message.chat.id if private else None
    if query is not None and query.data is not None:
        if query.message is not None:
            return query.message.chat.id if query.message.chat.type == "private" else None
        return query.from_user.id
    return None


def incoming(
    update: tg.Update, chat_id: int, now: datetime, data: str | None, key: str | None = None
) -> IncomingMessage:
    """The ports' view of a message or a button press (``chat_of`` accepted the update);
    ``data`` is the press's button data, ``key`` the update's key for the engine."""
    query, message = update.callback_query, update.message or update.edited_message
    sender = query.from_user if query is not None else message.from_user if message else None
    assert sender is not None
    common: dict[str, Any] = {
        "transport": NAME,
        "chat_id": str(chat_id),
        "received_at": now,
        "update_key": key,
        "user_id": str(sender.id),
        "user_name": sender.full_name,
    }
    if query is not None:
        pressed = str(query.message.message_id) if query.message else None
        return IncomingMessage(**common, callback=data, callback_message_id=pressed)
    assert message is not None
    origin = message.forward_origin
    return IncomingMessage(
        **common,
        text=message.text or message.caption or "",
        message_id=str(message.message_id),
        attachments=_attachments(message),
        forwarded_at=origin.date if origin else None,
        forwarded_from=_origin(origin) if origin else None,
        forwarded_chat=_origin_chat(origin) if origin else None,
        media_group_id=message.media_group_id,
        edited=update.edited_message is not None,
    )


def _failure(error: Exception) -> Delivery:
    """What a failed send means: ``RETRY`` when the network or Telegram stayed down through
    every retry, ``FAILED`` when the message can never go (blocked, refused, no such file)."""
    if isinstance(error, NetworkError | RetryAfter) and not isinstance(error, BadRequest):
        return Delivery(DeliveryStatus.RETRY, detail=f"gave up after retries: {error}")
    detail = {
        Forbidden: f"forbidden: {getattr(error, 'message', '')}",
        BadRequest: f"bad request: {getattr(error, 'message', '')}",
        ValueError: f"not a Telegram chat: {error}",
        OSError: f"file: {error}",
    }
    found = next((text for kind, text in detail.items() if isinstance(error, kind)), None)
    return Delivery(DeliveryStatus.FAILED, detail=found or f"{type(error).__name__}: {error}")


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


class TelegramTransport:
    """The bot on Telegram: receiving, sending, files and the command menu.

    In webhook mode ``http`` (the process's server, not yet started) gets the webhook's route;
    raises ``ValueError`` for webhook mode without it.
    """

    def __init__(
        self,
        app: App,
        settings: TelegramSettings,
        options: TelegramOptions | None = None,
        http: HttpServer | None = None,
    ) -> None:
        self.app, self.settings, self.http = app, settings, http
        self.options = options or TelegramOptions()
        self.application: AnyApplication | None = None
        self.username = ""
        self._bot_id = 0
        self._client: httpx.AsyncClient | None = None
        self._receiving = False
        self._processor = _Processor(self.options.max_concurrent)
        self._presses: PressBook[tg.CallbackQuery] = PressBook()
        self._long_data = LongData(CALLBACK_DATA_LIMIT)
        self._menus: asyncio.Task[None] | None = None
        self._refusals = RefusalLog(log, "telegram: a webhook call")
        self._secret = settings.webhook_secret.get_secret_value().encode("utf-8")
        files = settings.base_file_url.rstrip("/")
        local = bool(files) and files != self.options.cloud_file_url.rstrip("/")
        self._cloud_limit = None if local else CLOUD_DOWNLOAD_LIMIT
        if settings.mode == "webhook":
            if http is None:
                raise ValueError("Telegram's webhook mode needs the HTTP server ([http] listen)")
            path = urllib.parse.urlsplit(settings.webhook_url).path or "/"
            http.add_route("POST", path, self._webhook)

    @property
    def name(self) -> str:
        """``"telegram"``: the transport's name in the ports and the database."""
        return NAME

    @property
    def capabilities(self) -> Capabilities:
        """Inline keyboards, editable messages, 4,096 characters, files uploadable."""
        return Capabilities(edit=True, max_buttons=100, text_limit=TEXT_LIMIT)

    def _build(self) -> tuple[AnyApplication, tuple[HTTPXRequest, ...]]:
        options, settings = self.options, self.settings
        common: dict[str, Any] = {
            "connect_timeout": options.connect_timeout,
            "read_timeout": options.read_timeout,
            "httpx_kwargs": {"trust_env": options.trust_env},
        }
        request = HTTPXRequest(
            connection_pool_size=max(8, options.max_concurrent),
            write_timeout=options.write_timeout,
            media_write_timeout=options.media_write_timeout,
            pool_timeout=options.read_timeout,
            **common,
        )
        polling = HTTPXRequest(connection_pool_size=2, **common)
        urls = {"base_url": settings.base_url, "base_file_url": settings.base_file_url}
        bot = _Bot(
            self._unreadable,
            token=settings.token.get_secret_value(),
            request=request,
            get_updates_request=polling,
            rate_limiter=Limiter(options),
            **{key: url for key, url in urls.items() if url},
        )
        builder: Any = Application.builder().bot(bot).concurrent_updates(self._processor)
        builder = builder.job_queue(None)
        if settings.mode == "webhook":
            builder = builder.updater(None)
        application = cast(AnyApplication, builder.build())
        application.add_handler(TypeHandler(tg.Update, self._on_update))
        application.add_error_handler(self._on_error)
        return application, (request, polling)

    async def start(self) -> None:
        """Connect (``getMe``), then receive updates; returns once the bot is listening."""
        application, requests = self._build()
        try:
            await application.initialize()
        except BaseException:
            await asyncio.gather(*(r.shutdown() for r in requests), return_exceptions=True)
            raise
        self.application = application
        self._bot_id, self.username = application.bot.id, application.bot.username
        timeout = httpx.Timeout(self.options.download_timeout, connect=self.options.connect_timeout)
        self._client = httpx.AsyncClient(timeout=timeout, trust_env=self.options.trust_env)
        await application.start()
        self._receiving = True
        allowed = list(ALLOWED_UPDATES)
        if self.settings.mode == "webhook":
            url, secret = self.settings.webhook_url, self.settings.webhook_secret.get_secret_value()
            await application.bot.set_webhook(url, secret_token=secret, allowed_updates=allowed)
        else:
            assert application.updater is not None
            await application.updater.start_polling(
                timeout=timedelta(seconds=self.options.poll_timeout),
                allowed_updates=allowed,
                bootstrap_retries=len(self.options.retry_delays),
                error_callback=lambda error: log.warning("telegram: polling: %s", error),
            )
        log.info("telegram: @%s receives by %s", self.username, self.settings.mode)
        self._menus = asyncio.create_task(self._set_menus(), name="telegram:menus")

    async def menus_set(self) -> None:
        """Return once the command menus registered at start are set (or their failure was
        logged): a test or the benchmark then acts on the menus a person would see."""
        if self._menus is not None:
            await asyncio.wait([self._menus])

    async def stop(self) -> None:
        """Stop receiving, finish every update already taken in, then disconnect.

        Polling confirms the fetched updates to Telegram on the way out; PTB's ``stop`` waits
        until all of them are handled, so nothing confirmed is lost or left half-written.
        """
        application = self.application
        if application is None:
            return
        self._receiving = False
        if self._menus is not None:  # before polling's last call, which confirms the updates
            self._menus.cancel()
            await asyncio.gather(self._menus, return_exceptions=True)
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()
        if self._client is not None:
            await self._client.aclose()
        self.application, self._client, self._menus = None, None, None
        self._refusals.flush()
        log.info("telegram: stopped")

    async def _on_error(self, update: object, context: Any) -> None:
        log.error("telegram: an update could not be processed", exc_info=context.error)

    async def wait_handled(self, update_id: int) -> None:
        """Return once ``update_id`` has been handled, skipped or ignored (for tests and the
        benchmark, which wait for an answer as a person does)."""
        processor = self._processor
        async with processor.changed:
            await processor.changed.wait_for(lambda: update_id in processor.finished)

    async def _unreadable(self, raw: object, text: str, error: Exception) -> None:
        """An update the library cannot parse: kept in ``quarantine/`` beside the evidence
        folder (see ``bot.transports.quarantine``), logged once, skipped."""
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        key = f"{self._bot_id}-{update_id}" if isinstance(update_id, int) else None
        folder = self.app.settings.evidence_path.parent / "quarantine"
        await quarantine(folder, NAME, key, text, error)

    async def _webhook(self, request: web.Request) -> web.Response:
        """Telegram's call: 403 without the secret (compared in constant time, before the body
        is read; logged in aggregate), 400 for a body that is not an update's JSON, 503 while
        stopping, else 200 (an unreadable update is quarantined and taken, or Telegram would
        send it again and again)."""
        refused = secret_refused(request, SECRET_HEADER, self._secret, self._refusals)
        if refused is not None:
            return refused
        application = self.application
        if application is None or not self._receiving or self.http is None:
            return web.Response(status=503)
        body = await self.http.read_body(request)
        raw = parse_json(body)
        if not isinstance(raw, dict) or not isinstance(raw.get("update_id"), int):
            return web.Response(status=400)
        try:
            await application.update_queue.put(tg.Update.de_json(raw, application.bot))
        except Exception as error:
            await self._unreadable(raw, body.decode("utf-8", "replace"), error)
        return web.Response(status=200)

    async def _on_update(self, update: tg.Update, context: object) -> None:
        """Hand the update to ``App.dispatch`` without awaiting anything first (App keeps each
        chat's order); a press on a message already pressed is answered, not handled."""
        chat_id = chat_of(update)
        query = update.callback_query
        if chat_id is None:
            if query is not None:
                await self._quietly(query.answer)
            return
        key = f"{self._bot_id}:{update.update_id}"
        data = None
        if query is not None:
            data = self._long_data.expand(query.data or "")
            pressed = (chat_id, query.message.message_id) if query.message else None
            earlier = self._presses.earlier(pressed)
            if earlier is not None:
                language = await earlier  # answered once the earlier press is settled
                used = t(language, "telegram.button_used") if language else None
                await self._quietly(partial(query.answer, used))
                return
            self._presses.begin(key, query, pressed)
        message = incoming(update, chat_id, self.app.clock.now(), data, key)
        try:
            await self.app.dispatch(message)
        finally:
            unsettled = self._presses.take(key)
            if unsettled is not None:  # the engine failed before settling: answered, no edit
                self._presses.settle(unsettled, None)
                await self._quietly(unsettled.query.answer)
        if message.text.strip().lower().startswith(("/start", "/language")) or (
            message.callback or ""
        ).startswith("lang:"):
            await self._set_menus(user_id=message.user_id)  # a binding or a new language

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        """Answer a button press once the engine has handled it. Accepted: the prompt gets
        "✔ 已选择：…" (catalog ``telegram.chosen``) and loses its buttons, and a second press on
        it is answered ``telegram.button_used``. Not accepted (a stranger, a disabled person, a
        repeat): the press is answered and the message left as it is."""
        press = self._presses.take(message.update_key or "")
        if press is None:
            return
        language = handled.language or self.app.settings.language
        try:
            await self._quietly(press.query.answer)
            if handled.accepted:
                await self._mark_chosen(press.query, language)
        finally:  # a second press on the message is answered only now
            self._presses.settle(press, language if handled.accepted else None)

    async def _mark_chosen(self, query: tg.CallbackQuery, language: Language) -> None:
        shown = query.message
        if not isinstance(shown, tg.Message):
            return
        where: dict[str, Any] = {"chat_id": shown.chat.id, "message_id": shown.message_id}
        rows = shown.reply_markup.inline_keyboard if shown.reply_markup else ()
        labels = [b.text for row in rows for b in row if b.callback_data == query.data]
        if shown.text and labels:
            edited = f"{shown.text}\n\n{t(language, 'telegram.chosen', choice=labels[0])}"
            if utf16_units(edited) <= TEXT_LIMIT:
                edit = self._bot().edit_message_text
                await self._quietly(partial(edit, _escape(edited), parse_mode=HTML, **where))
                return
        await self._quietly(partial(self._bot().edit_message_reply_markup, **where))

    def _bot(self) -> ExtBot[int]:
        if self.application is None:
            raise RuntimeError("the Telegram transport is not running")
        return cast(ExtBot[int], self.application.bot)

    async def _quietly(self, make: Callable[[], Awaitable[object]]) -> None:
        """A call whose failure changes nothing for the person (acknowledging a press)."""
        try:
            await make()
        except TelegramError as error:
            log.info("telegram: %s", error)

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        """Deliver ``message``; a failure is a ``Delivery``, never an exception."""
        if self.application is None:
            return Delivery(DeliveryStatus.RETRY, detail="telegram transport not running")
        try:
            sent = await self._send(int(chat_id), message)
        except (ValueError, TelegramError, OSError) as error:
            return _failure(error)
        if sent is None:
            return Delivery(DeliveryStatus.FAILED, detail="nothing to send")
        return Delivery(DeliveryStatus.SENT, message_id=str(sent.message_id))

    async def _send(self, chat_id: int, message: OutgoingMessage) -> tg.Message | None:
        bot = self._bot()
        short = self._long_data.shorten
        rows = [
            [tg.InlineKeyboardButton(b.label, None, short(b.data)) for b in row]
            for row in message.buttons
        ]
        markup = tg.InlineKeyboardMarkup([row for row in rows if row]) if any(rows) else None
        path = message.document or message.photo
        caption: str | None = None
        pieces = split_text(message.text, TEXT_LIMIT)
        if path is not None and utf16_units(message.text) <= CAPTION_LIMIT:
            caption, pieces = (_escape(message.text) or None), []
        sent: tg.Message | None = None
        for number, piece in enumerate(pieces, start=1):
            keyboard = markup if number == len(pieces) and path is None else None
            sent = await bot.send_message(chat_id, _escape(piece), HTML, reply_markup=keyboard)
        with_file: dict[str, Any] = {"caption": caption, "parse_mode": HTML, "reply_markup": markup}
        if message.photo is not None:
            try:
                return await bot.send_photo(chat_id, message.photo, **with_file)
            except BadRequest as error:
                log.info("telegram: photo refused (%s); sending it as a document", error)
        if path is not None:
            return await bot.send_document(chat_id, path, filename=path.name, **with_file)
        return sent

    async def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        """The file's bytes, streamed from the Bot API (or read where a local server put it).

        Raises ``FileUnavailable``: ``TOO_BIG_FOR_TRANSPORT`` over the cloud API's 20 MiB limit
        (known from the update's size, or from getFile's refusal), ``DOWNLOAD_FAILED`` when
        Telegram or the network did not hand the file over.
        """
        limit, size = self._cloud_limit, attachment.size
        if limit is not None and size is not None and size > limit:
            raise FileUnavailable(UnavailableReason.TOO_BIG_FOR_TRANSPORT, f"{size} bytes")
        failed = UnavailableReason.DOWNLOAD_FAILED
        try:
            found = await self._bot().get_file(attachment.file_id)
        except BadRequest as error:
            big = "too big" in error.message.lower()
            reason = UnavailableReason.TOO_BIG_FOR_TRANSPORT if big else failed
            raise FileUnavailable(reason, error.message) from None
        except TelegramError as error:
            raise FileUnavailable(failed, str(error)) from None
        if not found.file_path:
            raise FileUnavailable(failed, "no file path")
        async for chunk in fetch(found.file_path, self._client, self.options.retry_delays):
            yield chunk

    async def _set_menus(self, user_id: str | None = None) -> None:
        """The menu in the court's language for everyone, then each bound person's own (their
        roles' commands, in their language) in their chat; with ``user_id``, theirs alone."""
        try:
            court, registry = self.app.settings.language, self.app.engine.registry
            menus = await command_menus(self.app.db, registry, NAME, court, user_id=user_id)
            for menu in menus:
                commands = [
                    tg.BotCommand(name, text[:256])
                    for name, text in menu.commands
                    if name.isascii() and len(name) <= 32
                ]
                scope = tg.BotCommandScopeChat(int(menu.chat_id)) if menu.chat_id else None
                await self._quietly(partial(self._bot().set_my_commands, commands, scope=scope))
        except Exception:
            log.exception("telegram: the command menus could not be registered")
