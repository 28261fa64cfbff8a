"""A fake Telegram Bot API server on 127.0.0.1, and a harness that runs the real bot on it.

python-telegram-bot talks to ``FakeBotApi`` through ``base_url`` as it would to Telegram: long
polling or webhook calls, messages with inline keyboards, button presses, files behind
``getFile``. The server records every call it answers, and can be told to answer the next
call of a method with a 429, a 5xx, a 403 or no answer at all (a timeout). Unknown methods get
a 400 ``ok: false``, because a 404 is fatal to PTB.

``TgUser`` is a person in a private chat with the bot; ``BotHarness`` runs the real ``App``
and ``TelegramTransport`` against the server and lets a test wait, as a person would, for the
bot to finish with each update::

    api = FakeBotApi(); await api.start()
    bot = BotHarness(api, db, clock, telegram_settings(api, tmp_path)); await bot.start()
    zhang = api.user(1001, "张伟")
    assert await bot.run(zhang.text("/whoami")) == [...]
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from harness import Harness, register
from settings_kit import make_settings

from bot.app import App
from bot.config import Settings
from bot.http import HttpServer, listen_address
from bot.transports.telegram import TelegramOptions, TelegramTransport
from reminders.clock import Clock
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Role

TOKEN = "123456789:AAFakeTokenForTheTestsOnly"
BOT_ID = 123456789
BOT_USERNAME = "guowen_test_bot"
CLOUD_LIMIT = 20 * 1024 * 1024
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "过问", "username": BOT_USERNAME}

_TAG = re.compile(
    r"</?(b|strong|i|em|u|ins|s|strike|del|code|pre|a|span|tg-spoiler|tg-emoji|blockquote)"
    r"(\s[^>]*)?>"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def parse_html(text: str) -> str | None:
    """The text a person sees, as Telegram parses HTML mode; None where Telegram refuses."""
    stripped = _TAG.sub("", text)
    if any(mark in _ENTITY.sub("", stripped) for mark in "<>&"):
        return None
    return html.unescape(stripped)


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Call:
    """One request as the server saw it."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    files: dict[str, bytes] = field(default_factory=dict)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass
class Fault:
    status: int
    description: str
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: int | None = None


@dataclass
class StoredFile:
    data: bytes
    size: int


class FakeBotApi:
    """The server. ``local=True`` behaves like a local Bot API server: no 20 MiB limit."""

    def __init__(self, *, local: bool = False) -> None:
        self.local = local
        self.calls: list[Call] = []
        self.pending: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.forced: deque[dict[str, Any]] = deque()
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.webhook: dict[str, str] | None = None
        self.blocked: set[int] = set()
        self.faults: dict[str, deque[Fault]] = {}
        self.file_delay = 0.0
        self.file_failures = 0
        self.file_requests = 0
        self.pushed_at: dict[int, float] = {}
        self._update_ids = itertools.count(500_000)
        self._message_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self._delivery: asyncio.Task[None] | None = None
        self.port = 0

    # -- running --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        self._closing = True
        async with self._arrived:
            self._arrived.notify_all()
        if self._delivery is not None:
            self._delivery.cancel()
            await asyncio.gather(self._delivery, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -- what a test arranges -------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int = 500,
        *,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id`` if given) with
        ``status``; with ``delay``, answer only after that long (a client times out first)."""
        text = description or {
            429: f"Too Many Requests: retry after {retry_after}",
            403: "Forbidden: bot was blocked by the user",
            500: "Internal Server Error",
            502: "Bad Gateway",
            504: "Gateway Timeout",
        }.get(status, "Error")
        queue = self.faults.setdefault(method, deque())
        for _ in range(times):
            queue.append(Fault(status, text, retry_after, delay, chat_id))

    def block(self, chat_id: int) -> None:
        """The person blocked the bot: every message to them is refused with 403."""
        self.blocked.add(chat_id)

    def add_file(self, data: bytes, size: int | None = None) -> str:
        file_id = f"file-{next(self._file_ids)}"
        self.files[file_id] = StoredFile(data, len(data) if size is None else size)
        return file_id

    def user(self, user_id: int, first_name: str, last_name: str | None = None) -> TgUser:
        return TgUser(self, user_id, first_name, last_name)

    async def push(self, body: dict[str, Any]) -> int:
        """A new update (``body`` without its id), as if a person had just acted."""
        update_id = next(self._update_ids)
        update = {"update_id": update_id, **body}
        self.pending.append(update)
        self.pushed_at[update_id] = time.perf_counter()
        async with self._arrived:
            self._arrived.notify_all()
        return update_id

    async def push_batch(self, bodies: list[dict[str, Any]]) -> list[int]:
        """Several updates at once, so that one ``getUpdates`` answer carries them all."""
        ids = []
        for body in bodies:
            update_id = next(self._update_ids)
            self.pending.append({"update_id": update_id, **body})
            self.pushed_at[update_id] = time.perf_counter()
            ids.append(update_id)
        async with self._arrived:
            self._arrived.notify_all()
        return ids

    async def redeliver(self, update_id: int) -> None:
        """Send an already confirmed update once more, as Telegram does when a confirmation
        was lost around a restart."""
        original = next(u for u in self.delivered if u["update_id"] == update_id)
        self.forced.append(original)
        async with self._arrived:
            self._arrived.notify_all()

    # -- what a test reads ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in ``chat_id``, oldest first, as they look now (after edits)."""
        return [m for (chat, _), m in sorted(self.messages.items()) if chat == chat_id]

    # -- the API --------------------------------------------------------------------------

    async def _params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        params: dict[str, Any] = dict(request.query)
        files: dict[str, bytes] = {}
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.body_exists:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    files[name] = value.file.read()
                else:
                    params[name] = value
        for name in ("reply_markup", "allowed_updates", "commands", "scope"):
            if isinstance(params.get(name), str):
                params[name] = json.loads(params[name])
        return params, files

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _error(status: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params, files = await self._params(request)
        call = Call(method, params, time.perf_counter(), files=files)
        self.calls.append(call)
        if request.match_info["token"] != TOKEN:
            call.status = 401
            return self._error(401, "Unauthorized")
        fault = self._fault(method, call.chat_id)
        if fault is not None:
            call.status = fault.status
            if fault.delay:
                await asyncio.sleep(fault.delay)
            extra = {"retry_after": fault.retry_after} if fault.retry_after is not None else {}
            return self._error(fault.status, fault.description, **extra)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            call.status = 400
            return self._error(400, f"Bad Request: method {method} not found")
        response: web.StreamResponse = await handler(params, files)
        call.status = response.status
        return response

    def _fault(self, method: str, chat_id: int | None) -> Fault | None:
        queue = self.faults.get(method)
        if not queue:
            return None
        for fault in list(queue):
            if fault.chat_id is None or fault.chat_id == chat_id:
                queue.remove(fault)
                return fault
        return None

    async def _m_getMe(self, params: dict[str, Any], files: dict[str, bytes]) -> web.Response:
        return self._ok(
            {
                **BOT_USER,
                "can_join_groups": False,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        )

    async def _m_deleteWebhook(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        self.webhook = None
        if str(params.get("drop_pending_updates", "")).lower() == "true":
            self.pending.clear()
        return self._ok(True)

    async def _m_setWebhook(self, params: dict[str, Any], files: dict[str, bytes]) -> web.Response:
        self.webhook = {"url": params["url"], "secret": params.get("secret_token", "")}
        if self._delivery is None or self._delivery.done():
            self._delivery = asyncio.create_task(self._deliver_by_webhook())
        return self._ok(True)

    async def _m_getUpdates(self, params: dict[str, Any], files: dict[str, bytes]) -> web.Response:
        if self.webhook is not None:
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._confirm(lambda update: update["update_id"] < offset)
        deadline = asyncio.get_running_loop().time() + timeout
        async with self._arrived:
            while True:
                ready = list(self.forced) + [u for u in self.pending if u["update_id"] >= offset]
                remaining = deadline - asyncio.get_running_loop().time()
                if ready or remaining <= 0 or self._closing:
                    break
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)
        self.forced.clear()
        return self._ok(ready[:limit])

    def _confirm(self, done: Any) -> None:
        kept = []
        for update in self.pending:
            if done(update):
                self.delivered.append(update)
            else:
                kept.append(update)
        self.pending[:] = kept

    async def _deliver_by_webhook(self) -> None:
        """Post updates to the webhook one at a time, in order, retrying until it answers 200."""
        import aiohttp

        async with aiohttp.ClientSession() as session:
            while not self._closing and self.webhook is not None:
                async with self._arrived:
                    while not (self.pending or self.forced) and not self._closing:
                        await self._arrived.wait()
                if self._closing or self.webhook is None:
                    return
                update = self.forced[0] if self.forced else self.pending[0]
                headers = {"X-Telegram-Bot-Api-Secret-Token": self.webhook["secret"]}
                try:
                    async with session.post(
                        self.webhook["url"], json=update, headers=headers
                    ) as response:
                        delivered = response.status == 200
                except aiohttp.ClientError:
                    delivered = False
                if delivered:
                    if self.forced and self.forced[0] is update:
                        self.forced.popleft()
                    else:
                        self._confirm(lambda u, update=update: u is update)
                else:
                    await asyncio.sleep(0.05)

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"}

    def _check_markup(self, markup: Any) -> str | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode("utf-8")) <= 64:
                    return "Bad Request: BUTTON_DATA_INVALID"
        return None

    def _visible(self, params: dict[str, Any], key: str, limit: int) -> tuple[str | None, str]:
        """The text a person sees, or a Bot API error description."""
        raw = str(params.get(key) or "")
        text = parse_html(raw) if params.get("parse_mode") == "HTML" else raw
        if text is None:
            return None, "Bad Request: can't parse entities: unsupported start tag"
        if units(text) > limit:
            return None, f"Bad Request: {key} is too long"
        return text, ""

    def _store(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message_id = next(self._message_ids)
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            **{key: value for key, value in content.items() if value is not None},
        }
        self.messages[(chat_id, message_id)] = message
        return message

    async def _m_sendMessage(self, params: dict[str, Any], files: dict[str, bytes]) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        text, problem = self._visible(params, "text", 4096)
        if text is None:
            return self._error(400, problem)
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if problem := self._check_markup(params.get("reply_markup")) or "":
            return self._error(400, problem)
        return self._ok(self._store(chat_id, text=text, reply_markup=params.get("reply_markup")))

    async def _send_file(
        self, kind: str, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return self._error(403, "Forbidden: bot was blocked by the user")
        caption, problem = self._visible(params, "caption", 1024)
        if caption is None:
            return self._error(400, problem)
        data = files.get(kind)
        if data is None and str(params.get(kind, "")).startswith("attach://"):
            data = files.get(params[kind][len("attach://") :])
        if data is None:
            return self._error(400, f"Bad Request: there is no {kind} in the request")
        file_id = self.add_file(data)
        body: Any = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(data)}
        if kind == "photo":
            body = [{**body, "width": 100, "height": 100}]
        return self._ok(
            self._store(
                chat_id,
                caption=caption or None,
                reply_markup=params.get("reply_markup"),
                **{kind: body},
            )
        )

    async def _m_sendDocument(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        return await self._send_file("document", params, files)

    async def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, bytes]) -> web.Response:
        return await self._send_file("photo", params, files)

    def _existing(self, params: dict[str, Any]) -> dict[str, Any] | None:
        return self.messages.get((int(params["chat_id"]), int(params["message_id"])))

    async def _m_editMessageText(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        message = self._existing(params)
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        text, problem = self._visible(params, "text", 4096)
        if text is None:
            return self._error(400, problem)
        markup = params.get("reply_markup")
        if text == message.get("text") and markup == message.get("reply_markup"):
            return self._error(400, "Bad Request: message is not modified")
        message["text"] = text
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return self._ok(message)

    async def _m_editMessageReplyMarkup(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        message = self._existing(params)
        if message is None:
            return self._error(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if markup == message.get("reply_markup"):
            return self._error(400, "Bad Request: message is not modified")
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return self._ok(message)

    async def _m_answerCallbackQuery(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        return self._ok(True)

    async def _m_setMyCommands(
        self, params: dict[str, Any], files: dict[str, bytes]
    ) -> web.Response:
        scope = params.get("scope") or {"type": "default"}
        key = json.dumps(scope, sort_keys=True) + "|" + str(params.get("language_code") or "")
        self.commands[key] = params["commands"]
        return self._ok(True)

    async def _m_getFile(self, params: dict[str, Any], files: dict[str, bytes]) -> web.Response:
        file_id = str(params["file_id"])
        stored = self.files.get(file_id)
        if stored is None:
            return self._error(400, "Bad Request: invalid file_id")
        if stored.size > CLOUD_LIMIT and not self.local:
            return self._error(400, "Bad Request: file is too big")
        return self._ok(
            {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": stored.size,
                "file_path": f"documents/{file_id}.bin",
            }
        )

    async def _file(self, request: web.Request) -> web.StreamResponse:
        self.file_requests += 1
        call = Call("file", {"path": request.match_info["path"]}, time.perf_counter())
        self.calls.append(call)
        if request.match_info["token"] != TOKEN:
            call.status = 401
            return web.Response(status=401)
        if self.file_delay:
            await asyncio.sleep(self.file_delay)
        if self.file_failures:
            self.file_failures -= 1
            call.status = 500
            return web.Response(status=500)
        file_id = Path(request.match_info["path"]).stem
        stored = self.files.get(file_id)
        if stored is None:
            call.status = 404
            return web.Response(status=404)
        response = web.StreamResponse()
        response.content_length = len(stored.data)
        await response.prepare(request)
        for start in range(0, len(stored.data), 1 << 20):
            await response.write(stored.data[start : start + (1 << 20)])
        await response.write_eof()
        return response


class TgUser:
    """A person in a private chat with the bot; each action pushes one update."""

    def __init__(
        self, api: FakeBotApi, user_id: int, first_name: str, last_name: str | None = None
    ) -> None:
        self.api = api
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self._message_ids = itertools.count(1)

    @property
    def sender(self) -> dict[str, Any]:
        found: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            found["last_name"] = self.last_name
        return found

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def _message(self, **content: Any) -> dict[str, Any]:
        """A message from this person, in the private chat unless ``chat`` says otherwise."""
        return {
            "message_id": 10_000 + next(self._message_ids),
            "date": int(time.time()),
            "chat": self.chat,
            "from": self.sender,
            **{key: value for key, value in content.items() if value is not None},
        }

    async def send(self, **content: Any) -> int:
        return await self.api.push({"message": self._message(**content)})

    async def text(self, text: str, *, forward: dict[str, Any] | None = None) -> int:
        return await self.send(text=text, forward_origin=forward)

    async def photo(
        self,
        data: bytes,
        *,
        caption: str | None = None,
        forward: dict[str, Any] | None = None,
        media_group_id: str | None = None,
    ) -> int:
        file_id = self.api.add_file(data)
        sizes = [
            {"file_id": self.api.add_file(data[:100]), "file_unique_id": "s", "width": 90,
             "height": 160, "file_size": 100},
            {"file_id": file_id, "file_unique_id": file_id, "width": 720, "height": 1280,
             "file_size": len(data)},
        ]  # fmt: skip
        return await self.send(
            photo=sizes, caption=caption, forward_origin=forward, media_group_id=media_group_id
        )

    async def document(
        self,
        data: bytes,
        *,
        file_name: str,
        mime_type: str = "application/octet-stream",
        size: int | None = None,
        declare_size: bool = True,
        caption: str | None = None,
    ) -> int:
        file_id = self.api.add_file(data, size)
        document: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "mime_type": mime_type,
        }
        if declare_size:
            document["file_size"] = self.api.files[file_id].size
        return await self.send(document=document, caption=caption)

    async def voice(self, data: bytes, *, duration: int = 4) -> int:
        file_id = self.api.add_file(data)
        voice = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return await self.send(voice=voice)

    def last_with_button(self, data: str) -> dict[str, Any]:
        for message in reversed(self.api.sent_to(self.id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                if any(button.get("callback_data") == data for button in row):
                    return message
        raise AssertionError(f"no message to {self.id} has a button {data!r}")

    def buttons(self) -> list[dict[str, str]]:
        """The buttons of the newest message that has any."""
        for message in reversed(self.api.sent_to(self.id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            if rows:
                return [button for row in rows for button in row]
        raise AssertionError(f"no message to {self.id} has buttons")

    async def press(self, data: str, message: dict[str, Any] | None = None) -> int:
        """Press the button carrying ``data`` on ``message`` (default: the newest one)."""
        message = message if message is not None else self.last_with_button(data)
        query = {
            "id": f"cq-{self.id}-{next(self._message_ids)}",
            "from": self.sender,
            "chat_instance": f"ci-{self.id}",
            "message": json.loads(json.dumps(message)),
            "data": data,
        }
        return await self.api.push({"callback_query": query})


def forwarded_from(name: str, at: datetime, user_id: int = 777) -> dict[str, Any]:
    """A ``forward_origin`` for a message first sent by ``name`` at ``at``."""
    return {
        "type": "user",
        "date": int(at.timestamp()),
        "sender_user": {"id": user_id, "is_bot": False, "first_name": name},
    }


def quick_options(api: FakeBotApi, **changes: Any) -> TelegramOptions:
    """Production behaviour with tiny delays and no pacing, so tests never wait for seconds.

    The fake stands for the cloud Bot API (with its 20 MiB download limit) unless it was
    started as a local server.
    """
    options = TelegramOptions(
        cloud_file_url="" if api.local else api.base_file_url,
        retry_delays=(0.01, 0.02, 0.05),
        overall_rate=0,
        per_chat_rate=0,
        connect_timeout=2.0,
        read_timeout=2.0,
        poll_timeout=5.0,
        trust_env=False,
    )
    return replace(options, **changes)


def telegram_settings(
    api: FakeBotApi,
    folder: Path,
    database_url: str = "",
    *,
    mode: str = "polling",
    listen: str = "",
) -> Settings:
    settings = make_settings(
        folder / "evidence", config=folder / "config.toml", database_url=database_url
    )
    tg = settings.telegram
    tg.enabled, tg.token, tg.mode = True, TOKEN, mode
    tg.base_url = api.base_url
    tg.base_file_url = api.base_file_url
    if mode == "webhook":
        tg.listen = listen or f"127.0.0.1:{free_port()}"
        tg.webhook_url = f"http://{tg.listen}/telegram/hook"
        tg.webhook_secret = "s3cret-for-tests"
    return settings


class BotHarness(Harness):
    """The ``Harness`` on ``TelegramTransport`` and ``FakeBotApi`` (with the process's HTTP
    server when the settings give it a listen address, as ``guowen run`` does); ``restart``
    rebuilds them on the same database, as a restarted process would. A seeded person gets a
    ``TgUser`` of their own (ids from 1001)."""

    transport_name = "telegram"
    transport: TelegramTransport

    def __init__(
        self,
        api: FakeBotApi,
        db: Database,
        clock: Clock,
        settings: Settings,
        options: TelegramOptions | None = None,
    ) -> None:
        self.api = api
        self.options = options or quick_options(api)
        self.users: dict[str, TgUser] = {}
        super().__init__(db, clock, settings)

    def make_transport(self, app: App) -> TelegramTransport:
        listen = listen_address(self.settings)
        self.http = HttpServer(listen) if listen else None
        return TelegramTransport(app, self.settings.telegram, self.options, self.http)

    async def start(self) -> None:
        if self.http is not None:
            await self.http.start()
        await self.transport.start()
        await self.transport.menus_set()

    async def stop(self) -> None:
        await self.transport.stop()
        if self.http is not None:
            await self.http.stop()

    async def restart(self) -> None:
        await self.stop()
        self.rebuild()
        await self.start()

    def account_for(self, name: str, account: str) -> str:
        user = self.api.user(1001 + len(self.users), name)
        self.users[str(user.id)] = user
        return str(user.id)

    async def wait(self, update_id: int) -> None:
        async with asyncio.timeout(15):
            await self.transport.wait_handled(update_id)

    async def run(self, pushed: Iterable[int] | int, chat: int | None = None) -> list[str]:
        """Wait until the bot has handled the update(s); the texts it sent to ``chat`` (the
        pusher's chat if not given) meanwhile, captions included."""
        ids = [pushed] if isinstance(pushed, int) else list(pushed)
        before = {key for key in self.api.messages}
        for update_id in ids:
            await self.wait(update_id)
        fresh = [
            message
            for key, message in sorted(self.api.messages.items())
            if key not in before and (chat is None or key[0] == chat)
        ]
        return [_shown(message) for message in fresh]

    def _user(self, user: TgUser | str) -> TgUser:
        return user if isinstance(user, TgUser) else self.users[self.account(user)]

    async def say(self, person: TgUser | str, text: str) -> list[str]:
        user = self._user(person)
        return await self.run(await user.text(text), user.id)

    async def tap(self, person: TgUser | str, data: str) -> list[str]:
        """``person`` presses the newest button carrying ``data``."""
        user = self._user(person)
        return await self.run(await user.press(data), user.id)

    async def send_text(self, account: str, text: str) -> list[str]:
        return await self.say(account, text)

    async def send_data(self, account: str, data: str) -> list[str]:
        return await self.tap(account, data)

    def texts_to(self, account: str) -> list[str]:
        return [_shown(message) for message in self.api.sent_to(int(account))]

    async def choices(self, account: str) -> list[tuple[str, str]]:
        buttons = self.users[account].buttons()
        return [(button["text"], button["callback_data"]) for button in buttons]


def _shown(message: dict[str, Any]) -> str:
    return str(message.get("text") or message.get("caption") or "")


@asynccontextmanager
async def fake_api(*, local: bool = False) -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(local=local)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running_bot(
    api: FakeBotApi,
    db: Database,
    clock: Clock,
    folder: Path,
    options: TelegramOptions | None = None,
    **settings: Any,
) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, db, clock, telegram_settings(api, folder, **settings), options)
    async with harness.running():
        yield harness


def api_fixture() -> Any:
    """A module's ``api`` fixture (``api = api_fixture()``): the fake Bot API, running for
    the test."""

    @pytest.fixture
    async def api() -> AsyncIterator[FakeBotApi]:
        async with fake_api() as server:
            yield server

    return api


def bot_fixture() -> Any:
    """A module's ``bot`` fixture (``bot = bot_fixture()``): the bot polling the module's
    ``api`` with the court's settings (``running_bot``)."""

    @pytest.fixture
    async def bot(
        api: FakeBotApi, db: Database, clock: Clock, tmp_path: Path
    ) -> AsyncIterator[BotHarness]:
        async with running_bot(api, db, clock, tmp_path) as harness:
            yield harness

    return bot


async def add_telegram_person(
    db: Database,
    clock: Clock,
    name: str,
    roles: Iterable[Role],
    user: TgUser | None = None,
    *,
    department: str | None = "民一庭",
) -> Staff:
    """Register a staff member and, with ``user``, bind that Telegram account."""
    account = None if user is None else str(user.id)
    return await register(
        db, clock, name, roles, department=department, transport="telegram", account=account
    )


# The answers of one complete intake of an inquiry by phone, after the draft is open and the
# receipt time confirmed: ("press", data) or ("say", text), in the order the bot asks.
PHONE_INTAKE: tuple[tuple[str, str], ...] = (
    ("press", "in:source:v:external"),
    ("press", "in:inquiry_at:v:same"),
    ("press", "in:channel:v:phone"),
    ("say", "李某"),
    ("say", "某县人民政府"),
    ("say", "副县长"),
    ("press", "in:unit_category:v:government"),
    ("press", "in:retired:v:no"),
    ("press", "in:main_leader:v:no"),
    ("press", "in:intermediary:v:none"),
    ("say", "张某诉王某民间借贷纠纷案"),
    ("press", "in:case_number:v:not_filed"),
    ("say", "询问案件进展，希望尽快结案"),
    ("press", "in:art9:v:无"),
    ("press", "in:serious:v:no"),
)
"""A phone call brings no materials: their route (Art. 6) and originals (Art. 4) are not asked."""


def png_bytes(seed: int = 0) -> bytes:
    """A small, valid PNG (a screenshot stands in for many), different for each seed."""
    import io

    from PIL import Image

    image = Image.new("RGB", (64, 48), ((seed * 37) % 256, (seed * 91) % 256, 120))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)
