"""Telegram, through python-telegram-bot 22: the only package that imports ``telegram``
(``updates``: an update as the ports see it; ``api``: PTB's rate limiter, bot and update
processor as the transport configures them).

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
import logging
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any, cast

import httpx
import telegram as tg
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, ExtBot, TypeHandler
from telegram.request import HTTPXRequest

from bot.app import App
from bot.config import Telegram as TelegramSettings
from bot.http import HttpServer, RefusalLog, add_json_webhook
from bot.transports.files import fetch
from bot.transports.presses import LongData, PressBook
from bot.transports.quarantine import quarantine
from bot.transports.telegram.api import CheckingBot, Limiter, Processor, TelegramOptions, failure
from bot.transports.telegram.updates import NAME, chat_of, incoming
from bot.transports.text import split_text, utf16_units  # split_text: re-exported
from handlers.i18n import t
from handlers.menus import command_menus
from handlers.ports import (
    Attachment,
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

CLOUD_DOWNLOAD_LIMIT = 20 * 1024 * 1024  # bytes (20 MiB): the cloud Bot API's getFile limit
TEXT_LIMIT = 4096  # UTF-16 units of a message, after entities are parsed
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HTML = tg.constants.ParseMode.HTML
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


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
        self._processor = Processor(self.options.max_concurrent)
        self._presses: PressBook[tg.CallbackQuery] = PressBook()
        self._long_data = LongData(CALLBACK_DATA_LIMIT)
        self._menus: asyncio.Task[None] | None = None
        self.registers = True
        """Whether ``start`` registers the webhook and the command menus: only one instance
        of several does (``guowen run`` sets it from ``storage.locks.Leadership``)."""
        self._refusals = RefusalLog(log, "telegram: a webhook call")
        files = settings.base_file_url.rstrip("/")
        local = bool(files) and files != self.options.cloud_file_url.rstrip("/")
        self._cloud_limit = None if local else CLOUD_DOWNLOAD_LIMIT
        if settings.mode == "webhook":
            if http is None:
                raise ValueError("Telegram's webhook mode needs the HTTP server ([http] listen)")
            path = urllib.parse.urlsplit(settings.webhook_url).path or "/"
            secret = (SECRET_HEADER, settings.webhook_secret.get_secret_value().encode("utf-8"))
            take, ready = self._take, lambda: self._receiving
            add_json_webhook(http, path, secret, self._refusals, take, ready)

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
        # One TLS context (the CA bundle parsed once, not once per client) for the three clients.
        self._tls = httpx.create_ssl_context(trust_env=options.trust_env)
        common: dict[str, Any] = {
            "connect_timeout": options.connect_timeout,
            "read_timeout": options.read_timeout,
            "httpx_kwargs": {"trust_env": options.trust_env, "verify": self._tls},
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
        bot = CheckingBot(
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
        self._client = httpx.AsyncClient(
            timeout=timeout, trust_env=self.options.trust_env, verify=self._tls
        )
        await application.start()
        self._receiving = True
        allowed = list(ALLOWED_UPDATES)
        if self.settings.mode == "webhook":
            if self.registers:
                url = self.settings.webhook_url
                secret = self.settings.webhook_secret.get_secret_value()
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
        if self.registers:
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

    async def _take(self, raw: dict[str, Any], body: bytes) -> bool:
        """A webhook call's update into PTB's queue (an unreadable one is quarantined and
        taken, or Telegram would send it again and again); False without an ``update_id``.

        Returns once the update has been handled and its transaction committed, not when it
        was queued: a process that dies before answering leaves the update to Telegram's
        retry, which another instance behind the same address may take (the update's key,
        claimed in that transaction, keeps it from being handled twice)."""
        if not isinstance(raw.get("update_id"), int) or self.application is None:
            return False
        application = self.application
        try:
            update = tg.Update.de_json(raw, application.bot)
        except Exception as error:
            await self._unreadable(raw, body.decode("utf-8", "replace"), error)
            return True
        await application.update_queue.put(update)
        await self.wait_handled(update.update_id)
        return True

    async def _on_update(self, update: tg.Update, context: object) -> None:
        """Hand the update to ``App.dispatch`` without awaiting anything first (App keeps each
        chat's order); a press goes through the ``PressBook``, so a press on a message already
        pressed is answered, not handled."""
        chat_id = chat_of(update)
        query = update.callback_query
        if chat_id is None:
            if query is not None:
                await self._quietly(query.answer)
            return
        key = f"{self._bot_id}:{update.update_id}"
        data = self._long_data.expand(query.data or "") if query is not None else None
        message = incoming(update, chat_id, self.app.clock.now(), data, key)
        if query is None:
            await self.app.dispatch(message)
        else:
            pressed = (chat_id, query.message.message_id) if query.message else None
            dispatch = partial(self.app.dispatch, message)
            await self._presses.hand_over(key, query, pressed, dispatch, self._answer)
        if message.text.strip().lower().startswith(("/start", "/language")) or (
            message.callback or ""
        ).startswith("lang:"):
            await self._set_menus(user_id=message.user_id)  # a binding or a new language

    async def _answer(self, query: tg.CallbackQuery, used: Language | None) -> None:
        """answerCallbackQuery; ``used``: pressed already, ``telegram.button_used`` in it."""
        text = t(used, "telegram.button_used") if used is not None else None
        await self._quietly(partial(query.answer, text))

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        """Answer a button press once the engine has handled it. Accepted: the prompt loses its
        buttons (editMessageReplyMarkup) and, where the engine chose a line for it
        (``handled.chosen``, "✔ 已选择：…"), ends with that line (editMessageText); a second
        press on it is answered ``telegram.button_used``. Not accepted (a stranger, a disabled
        person, a repeat): the press is answered and the message left as it is."""
        key, court = message.update_key or "", self.app.settings.language
        mark = partial(self._mark_chosen, handled.chosen)
        await self._presses.finish(key, handled, court, self._answer, mark)

    async def _mark_chosen(
        self, chosen: str | None, query: tg.CallbackQuery, language: Language
    ) -> None:
        shown = query.message
        if not isinstance(shown, tg.Message):
            return
        where: dict[str, Any] = {"chat_id": shown.chat.id, "message_id": shown.message_id}
        if shown.text and chosen:
            edited = f"{shown.text}\n\n{chosen}"
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
            return failure(error)
        if sent is None:
            return Delivery(DeliveryStatus.FAILED, detail="nothing to send")
        return Delivery(DeliveryStatus.SENT, message_id=str(sent.message_id))

    async def _send(self, chat_id: int, message: OutgoingMessage) -> tg.Message | None:
        """``message`` (its text within ``TEXT_LIMIT``: ``bot.app.fit`` cut it) as one Bot API
        call, or two when its file's caption would be too long (the text, then the file with
        the buttons); a photo Telegram refuses goes as a document."""
        bot = self._bot()
        short = self._long_data.shorten
        rows = [
            [tg.InlineKeyboardButton(b.label, None, short(b.data)) for b in row]
            for row in message.buttons
        ]
        markup = tg.InlineKeyboardMarkup([row for row in rows if row]) if any(rows) else None
        path, text = message.document or message.photo, _escape(message.text)
        if path is None:
            return (
                await bot.send_message(chat_id, text, HTML, reply_markup=markup)
                if text.strip()
                else None
            )
        if utf16_units(message.text) > CAPTION_LIMIT:
            await bot.send_message(chat_id, text, HTML)
            text = ""
        with_file: dict[str, Any] = {
            "caption": text or None,
            "parse_mode": HTML,
            "reply_markup": markup,
        }
        if message.photo is not None:
            try:
                return await bot.send_photo(chat_id, message.photo, **with_file)
            except BadRequest as error:
                log.info("telegram: photo refused (%s); sending it as a document", error)
        return await bot.send_document(chat_id, path, filename=path.name, **with_file)

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
