"""WeCom (企业微信, 政务微信) in ``guowen run``: the callback route on the process's one HTTP
server, the app's menu, and the hand-over of each callback to ``App.dispatch``.

WeCom waits 5 seconds for a callback's answer and sends an unanswered one again, up to three
times. So a callback is answered at once, with an empty body, and handled after: its
``IncomingMessage`` goes to a task of its own. The tasks start in the order the callbacks
came, and ``App.dispatch`` takes the chat's turn before awaiting anything, so one member's
messages are handled in that order. A callback sent again while the first is still in hand is
dropped here (its ``update_key`` was seen); one sent again after a restart, or to another
instance, is found by the engine, which claims every ``update_key`` (``MsgId``,
``ResponseCode``) in the message's own transaction: either way it has no second effect.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import Final

from aiohttp import web

from bot.app import App
from bot.config import Wecom as WecomSettings
from bot.http import HttpServer, RefusalLog
from bot.transports.wecom import (
    BadCallback,
    BadSignature,
    Sleep,
    WeComCallbackCrypto,
    WeComClient,
    WeComOptions,
    WeComTransport,
)
from handlers.i18n import t
from handlers.ports import IncomingMessage

log = logging.getLogger(__name__)

MENU: Final = (
    ("wecom.menu.new", "new"),
    ("wecom.menu.mine", "mine"),
    ("wecom.menu.report", "report"),
)
"""The app's menu (``menu/create``): catalog key of the label, and the command a click runs.
A person whose roles do not allow a command is told so when they click it."""

SEEN_KEYS: Final = 10_000
"""Update keys remembered in memory, so a callback WeCom sends again while the first is still
being handled is not handled a second time (the database claim covers the rest)."""


def options_for(settings: WecomSettings) -> WeComOptions:
    """The client's options from ``[wecom]``: corp id, agent id, secret and ``api_base_url``
    (public WeCom, a private deployment, or 政务微信); the rest keep their defaults."""
    return WeComOptions(
        corp_id=settings.corp_id,
        agent_id=settings.agent_id,
        secret=settings.secret.get_secret_value(),
        api_base_url=settings.api_base_url,
    )


class WeComService:
    """The WeCom transport of a running bot.

    ``http`` (the process's server, not yet started) gets the callback's GET (URL
    verification) and POST routes at ``[wecom] callback_path``. ``options`` replaces what
    ``options_for`` makes of ``settings`` (tests shrink the retries and pauses); ``sleep`` is
    the client's pause (tests move a fake clock). ``transport`` is what ``App.add_transport``
    takes.
    """

    def __init__(
        self,
        app: App,
        settings: WecomSettings,
        http: HttpServer,
        *,
        options: WeComOptions | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.app, self.settings, self.http = app, settings, http
        self.options = options or options_for(settings)
        self.client = WeComClient(self.options, app.clock, sleep)
        crypto = WeComCallbackCrypto(settings.token, settings.encoding_aes_key, settings.corp_id)
        self.transport = WeComTransport(self.client, app.settings.language, crypto)
        self._refusals = RefusalLog(log, "wecom: a callback")
        self._receiving = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._last: dict[str, asyncio.Task[None]] = {}
        self._menu: asyncio.Task[None] | None = None
        http.add_route("GET", settings.callback_path, self._verify)
        http.add_route("POST", settings.callback_path, self._callback)

    async def start(self) -> None:
        """Fetch an access token (so a wrong corp id or secret stops the start), take
        callbacks, and register the app's menu in the background. Raises
        ``WeComUnavailable`` when no token could be had."""
        await self.client.access_token()
        self._receiving = True
        self._menu = asyncio.create_task(self._create_menu(), name="wecom:menu")
        log.info(
            "wecom: agent %s receives at %s", self.options.agent_id, self.settings.callback_path
        )

    async def menu_set(self) -> None:
        """Return once the menu registered at start is set (or its failure was logged)."""
        if self._menu is not None:
            await asyncio.wait([self._menu])

    async def idle(self) -> None:
        """Return once every callback taken in so far has been handled."""
        while self._tasks:
            await asyncio.wait(list(self._tasks))

    async def stop(self) -> None:
        """Stop taking callbacks (WeCom sends them again later), finish the ones in hand,
        then close the client."""
        self._receiving = False
        if self._menu is not None:
            await asyncio.gather(self._menu, return_exceptions=True)
        await self.idle()
        await self.client.aclose()
        self._refusals.flush()
        log.info("wecom: stopped")

    async def _create_menu(self) -> None:
        language = self.app.settings.language
        items: Sequence[tuple[str, str]] = [(t(language, key), command) for key, command in MENU]
        try:
            await self.client.create_menu(items)
        except Exception:
            log.exception("wecom: the app's menu could not be registered")

    async def _verify(self, request: web.Request) -> web.Response:
        """WeCom's URL verification: the decrypted ``echostr``, exactly (no newline); 403 for
        a wrong signature (logged in aggregate), 400 for anything else malformed."""
        try:
            plain = self.transport.verify_url(request.query)
        except BadSignature:
            self._refusals.note(request.remote, "with a wrong signature: refused")
            return web.Response(status=403)
        except BadCallback as error:
            log.info("wecom: URL verification refused: %s", error)
            return web.Response(status=400)
        return web.Response(text=plain, content_type="text/plain")

    async def _callback(self, request: web.Request) -> web.Response:
        """A POSTed callback: 403 for a wrong signature, 400 for a malformed one, 503 while
        stopping (WeCom sends it again); else answered 200 with an empty body at once and
        handled after (see the module)."""
        if not self._receiving:
            return web.Response(status=503)
        body = await self.http.read_body(request)
        try:
            message = self.transport.receive(request.query, body, self.app.clock.now())
        except BadSignature:
            self._refusals.note(request.remote, "with a wrong signature: refused")
            return web.Response(status=403)
        except BadCallback as error:
            log.info("wecom: callback refused: %s", error)
            return web.Response(status=400)
        if message is not None:
            self._take(message)
        return web.Response(status=200, body=b"")

    def _take(self, message: IncomingMessage) -> None:
        key = message.update_key
        if key is not None:
            if key in self._seen:
                log.info("wecom: %s sent again while in hand; skipped", key)
                return
            self._seen[key] = None
            while len(self._seen) > SEEN_KEYS:
                self._seen.popitem(last=False)
        chat = message.chat_id
        before = self._last.get(chat)
        task = asyncio.create_task(self._handle(message, before), name=f"wecom:{key}")
        self._last[chat] = task
        self._tasks.add(task)
        task.add_done_callback(partial(self._done, chat))

    def _done(self, chat: str, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if self._last.get(chat) is task:
            del self._last[chat]

    async def _handle(self, message: IncomingMessage, before: asyncio.Task[None] | None) -> None:
        """One member's callbacks one after the other, in the order they came: a press on a
        card already answered is refused politely (``wecom.button_used``) and not handled."""
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        try:
            if message.callback_message_id and self.transport.answered(message.callback_message_id):
                text = t(self.app.settings.language, "wecom.button_used")
                await self.client.send_text(message.chat_id, text)
                return
            await self.app.dispatch(message)
        except Exception:
            log.exception("wecom: a callback from %s could not be handled", message.user_id)
