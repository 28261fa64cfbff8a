"""A fake WeCom (企业微信) server on 127.0.0.1, and WeCom's callback algorithm written from its
specification.

``FakeWeCom`` speaks ``gettoken``, ``message/send``, ``message/update_template_card``,
``media/upload``, ``media/get`` and ``menu/create`` under ``/cgi-bin/`` as WeCom does, with
JSON answers carrying ``errcode``. It records every call it answers (``calls``), and can be
told to answer the next calls of a path with an ``errcode`` (``inject``), a 5xx
(``inject_status``) or no answer at all until the server stops (``hang``). Like WeCom it
drops, silently, messages beyond 30 a minute from the app to one member (counted on the
clock the test gives it), so ``delivered`` and ``dropped`` show what a member really got.
Members in ``missing`` get 60111 (no such userid), those in ``invisible`` 81013 (outside the
app's visible range).

The callback side (``encrypt``, ``decrypt``, ``signature``, ``envelope``) is written here from
WeCom's 加解密方案 and does not use wechatpy, so the transport's wechatpy-based crypto and this
one check each other:

* key = base64-decode(EncodingAESKey + "="), 32 bytes; IV = the key's first 16 bytes;
* plaintext = 16 random bytes + the message's length (4 bytes, big-endian) + message + CorpID,
  padded with PKCS#7 to a multiple of 32 bytes, encrypted with AES-256-CBC, base64-encoded;
* msg_signature = SHA-1 (hex) over the sorted concatenation of token, timestamp, nonce and
  the ciphertext.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import os
import secrets
import socket
import struct
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from aiohttp import ClientSession, web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CORP_ID = "ww0123456789abcdef"
SECRET = "fake-app-secret-for-the-tests"
AGENT_ID = 1000002
TOKEN = "QDG6eK"
ENCODING_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
BLOCK = 32
CARD_BUTTONS = 6
VOTE_OPTIONS = 20
TEXT_BYTES = 2048

# --------------------------------------------------------------------------- the algorithm


def aes_key(encoding_aes_key: str = ENCODING_AES_KEY) -> bytes:
    key = base64.b64decode(encoding_aes_key + "=")
    assert len(key) == 32
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """SHA-1 over the four values sorted and joined, as lowercase hex."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def encrypt(
    message: str,
    corp_id: str = CORP_ID,
    encoding_aes_key: str = ENCODING_AES_KEY,
    random16: bytes | None = None,
) -> str:
    body = message.encode("utf-8")
    plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + corp_id.encode()
    pad = BLOCK - len(plain) % BLOCK
    plain += bytes([pad]) * pad
    key = aes_key(encoding_aes_key)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def decrypt(
    encrypted: str, encoding_aes_key: str = ENCODING_AES_KEY
) -> tuple[str, str]:  # (message, corp id)
    key = aes_key(encoding_aes_key)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    pad = plain[-1]
    assert 1 <= pad <= BLOCK and plain[-pad:] == bytes([pad]) * pad, "bad PKCS#7 padding"
    content = plain[16:-pad]
    (length,) = struct.unpack(">I", content[:4])
    return content[4 : 4 + length].decode("utf-8"), content[4 + length :].decode()


def envelope(encrypted: str, corp_id: str = CORP_ID, agent_id: int = AGENT_ID) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{corp_id}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        f"<AgentID><![CDATA[{agent_id}]]></AgentID></xml>"
    )


@dataclass(frozen=True)
class Signed:
    """A callback as WeCom posts it: query parameters and the XML body."""

    params: dict[str, str]
    body: str


def sign_callback(
    xml: str, token: str = TOKEN, timestamp: str | None = None, nonce: str | None = None
) -> Signed:
    encrypted = encrypt(xml)
    timestamp = timestamp or "1764400000"
    nonce = nonce or secrets.token_hex(5)
    params = {
        "msg_signature": signature(token, timestamp, nonce, encrypted),
        "timestamp": timestamp,
        "nonce": nonce,
    }
    return Signed(params, envelope(encrypted))


# --------------------------------------------------------------------------- callback bodies

_ids = itertools.count(7_300_000_000_000_000_001)


def _fields(**values: object) -> str:
    parts = []
    for name, value in values.items():
        if isinstance(value, int):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            cdata = str(value).replace("]]>", "]]]]><![CDATA[>")
            parts.append(f"<{name}><![CDATA[{cdata}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def message_xml(user: str, kind: str, msg_id: int | None = None, **values: object) -> str:
    """A member's message as WeCom's plaintext XML (``MsgType`` ``kind``)."""
    return _fields(
        ToUserName=CORP_ID,
        FromUserName=user,
        CreateTime=1764400000,
        MsgType=kind,
        **values,
        MsgId=msg_id if msg_id is not None else next(_ids),
        AgentID=AGENT_ID,
    )


def event_xml(user: str, event: str, **values: object) -> str:
    return _fields(
        ToUserName=CORP_ID,
        FromUserName=user,
        CreateTime=1764400000,
        MsgType="event",
        Event=event,
        **values,
        AgentID=AGENT_ID,
    )


def vote_xml(user: str, task_id: str, key: str, response_code: str, ticked: list[str]) -> str:
    """A submit on a ``vote_interaction`` card with the options ``ticked`` (their ids)."""
    ids = "".join(f"<OptionId><![CDATA[{option}]]></OptionId>" for option in ticked)
    selected = (
        "<SelectedItems><SelectedItem><QuestionKey><![CDATA[choice]]></QuestionKey>"
        f"<OptionIds>{ids}</OptionIds></SelectedItem></SelectedItems>"
    )
    xml = event_xml(
        user,
        "template_card_event",
        EventKey=key,
        TaskId=task_id,
        CardType="vote_interaction",
        ResponseCode=response_code,
    )
    return xml.replace("</xml>", selected + "</xml>")


# --------------------------------------------------------------------------- the server


@dataclass
class Call:
    path: str
    query: dict[str, str]
    body: Any = None
    at: float = field(default_factory=time.perf_counter)
    """When the call arrived (``time.perf_counter``), for the benchmark's latencies."""


@dataclass
class Media:
    data: bytes
    file_name: str
    content_type: str
    kind: str = "file"


@dataclass
class _Token:
    value: str
    expires: datetime


@dataclass
class FakeWeCom:
    """The fake server; ``now`` is the test's clock, for tokens and the 30-a-minute limit."""

    now: Callable[[], datetime]
    corp_id: str = CORP_ID
    secret: str = SECRET
    agent_id: int = AGENT_ID
    token_lifetime: timedelta = timedelta(seconds=7200)
    per_member_per_minute: int = 30
    calls: list[Call] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    dropped: list[dict[str, Any]] = field(default_factory=list)
    card_updates: list[dict[str, Any]] = field(default_factory=list)
    menus: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, Media] = field(default_factory=dict)
    missing: set[str] = field(default_factory=set)
    invisible: set[str] = field(default_factory=set)
    tokens_issued: list[str] = field(default_factory=list)
    _tokens: dict[str, _Token] = field(default_factory=dict)
    _sent: dict[str, deque[datetime]] = field(default_factory=dict)
    _faults: dict[str, deque[tuple[str, int]]] = field(default_factory=dict)
    _cards: dict[str, dict[str, Any]] = field(default_factory=dict)
    _responses: dict[str, str] = field(default_factory=dict)
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    _runner: web.AppRunner | None = None
    port: int = 0

    # ---- lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{path:.+}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/"

    # ---- what a test sets up

    def inject(self, path: str, errcode: int, times: int = 1) -> None:
        """The next ``times`` calls of ``path`` are answered with ``errcode``."""
        self._faults.setdefault(path, deque()).extend([("errcode", errcode)] * times)

    def inject_status(self, path: str, status: int, times: int = 1) -> None:
        self._faults.setdefault(path, deque()).extend([("status", status)] * times)

    def hang(self, path: str, times: int = 1) -> None:
        """The next ``times`` calls of ``path`` get no answer (a timeout for the client)."""
        self._faults.setdefault(path, deque()).extend([("hang", 0)] * times)

    def cut(self, path: str = "media/get", times: int = 1) -> None:
        """The next ``times`` downloads stop halfway: the connection closes mid-body."""
        self._faults.setdefault(path, deque()).extend([("cut", 0)] * times)

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on with 42001."""
        for token in self._tokens.values():
            token.expires = self.now() - timedelta(seconds=1)

    def add_media(self, data: bytes, file_name: str, content_type: str) -> str:
        media_id = "1" + secrets.token_hex(16)
        self.media[media_id] = Media(data, file_name, content_type)
        return media_id

    def count(self, path: str) -> int:
        return sum(1 for call in self.calls if call.path == path)

    def texts(self, user: str) -> list[str]:
        """The text of every message a member really received, in order."""
        return [
            sent["text"]["content"]
            for sent in self.delivered
            if sent["touser"] == user and sent["msgtype"] == "text"
        ]

    # ---- callbacks to the bot

    async def post_callback(self, url: str, xml: str, *, tamper: bool = False) -> tuple[int, str]:
        """``xml`` encrypted and signed as WeCom would POST it to ``url``; (status, body).
        ``tamper``: the signature is computed with another token."""
        signed = sign_callback(xml, token="not-the-token" if tamper else TOKEN)
        async with (
            ClientSession() as session,
            session.post(url, params=signed.params, data=signed.body) as response,
        ):
            return response.status, await response.text()

    async def verify_url(self, url: str, echo: str, *, tamper: bool = False) -> tuple[int, str]:
        """WeCom's URL verification: a GET with an encrypted ``echostr``; (status, body)."""
        encrypted = encrypt(echo)
        timestamp, nonce = "1764400000", secrets.token_hex(5)
        token = "not-the-token" if tamper else TOKEN
        params = {
            "msg_signature": signature(token, timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": encrypted,
        }
        async with ClientSession() as session, session.get(url, params=params) as response:
            return response.status, await response.text()

    # ---- the API

    def _error(self, errcode: int, errmsg: str = "fake error") -> web.Response:
        return web.json_response({"errcode": errcode, "errmsg": errmsg})

    def _authorised(self, query: dict[str, str]) -> web.Response | None:
        token = self._tokens.get(query.get("access_token", ""))
        if token is None:
            return self._error(40014, "invalid access_token")
        if self.now() >= token.expires:
            return self._error(42001, "access_token expired")
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        query = dict(request.query)
        body: Any = None
        if request.content_type == "application/json":
            body = await request.json()
        elif request.content_type.startswith("multipart/"):
            body = await self._read_multipart(request)
        self.calls.append(Call(path, query, body))
        faults = self._faults.get(path)
        if faults:
            what, value = faults.popleft()
            if what == "errcode":
                return self._error(value)
            if what == "status":
                return web.Response(status=value, text="server error")
            if what == "cut":
                return await self._cut(request, query)
            await self._release.wait()
            return web.Response(status=504)
        if path == "gettoken":
            return self._gettoken(query)
        refused = self._authorised(query)
        if refused is not None:
            return refused
        handlers = {
            "message/send": self._message_send,
            "message/update_template_card": self._update_card,
            "media/upload": self._upload,
            "media/get": self._media_get,
            "menu/create": self._menu_create,
        }
        handler = handlers.get(path)
        if handler is None:
            return self._error(40078, "unknown path")
        return handler(query, body)

    async def _read_multipart(self, request: web.Request) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            assert not isinstance(part, type(reader)), "nested multipart"
            parts[part.name or ""] = {
                "filename": part.filename,
                "content_type": part.headers.get("Content-Type"),
                "data": await part.read(decode=False),  # type: ignore[union-attr]
            }
        return parts

    def _gettoken(self, query: dict[str, str]) -> web.Response:
        if query.get("corpid") != self.corp_id:
            return self._error(40013, "invalid corpid")
        if query.get("corpsecret") != self.secret:
            return self._error(40001, "invalid secret")
        value = secrets.token_urlsafe(24)
        self._tokens[value] = _Token(value, self.now() + self.token_lifetime)
        self.tokens_issued.append(value)
        return web.json_response(
            {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": value,
                "expires_in": int(self.token_lifetime.total_seconds()),
            }
        )

    def _message_send(self, query: dict[str, str], body: Any) -> web.Response:
        assert isinstance(body, dict), "message/send takes JSON"
        if body.get("agentid") != self.agent_id:
            return self._error(40056, "invalid agentid")
        user = body.get("touser", "")
        if user in self.missing:
            return self._error(60111, "userid not found")
        if user in self.invisible:
            return self._error(81013, "user & party & tag all invalid")
        kind = body.get("msgtype")
        answer: dict[str, Any] = {"errcode": 0, "errmsg": "ok", "msgid": secrets.token_hex(8)}
        if kind == "text":
            content = body["text"]["content"]
            if not content or len(content.encode("utf-8")) > TEXT_BYTES:
                return self._error(44004, "text content over 2048 bytes or empty")
        elif kind in {"file", "image"}:
            if body[kind]["media_id"] not in self.media:
                return self._error(40007, "invalid media_id")
        elif kind == "template_card":
            card = body["template_card"]
            if card.get("card_type") == "vote_interaction":
                options = [option["id"] for option in card["checkbox"]["option_list"]]
                if not options or len(options) > VOTE_OPTIONS or len(set(options)) != len(options):
                    return self._error(40058, "no, too many or repeated options")
                if card["checkbox"].get("mode") not in {0, 1} or not card["submit_button"]["key"]:
                    return self._error(40058, "checkbox mode or submit button missing")
                keys = [card["submit_button"]["key"]]
            elif card.get("card_type") == "button_interaction":
                keys = [button["key"] for button in card.get("button_list", [])]
            else:
                return self._error(40058, "card type not supported")
            if not keys:
                return self._error(40058, "buttons missing")
            if len(keys) > CARD_BUTTONS or len(set(keys)) != len(keys):
                return self._error(40058, "too many or repeated buttons")
            task_id = card.get("task_id", "")
            if not task_id or task_id in self._cards or len(task_id) > 128:
                return self._error(40058, "task_id missing, reused or too long")
            if not card.get("main_title", {}).get("title"):
                return self._error(40058, "main_title.title missing")
            self._cards[task_id] = card
            code = secrets.token_hex(12)
            self._responses[code] = task_id
            answer["response_code"] = code
        else:
            return self._error(40008, "invalid message type")
        sent = self._sent.setdefault(user, deque())
        now = self.now()
        while sent and sent[0] <= now - timedelta(minutes=1):
            sent.popleft()
        if len(sent) >= self.per_member_per_minute:
            self.dropped.append(body)  # WeCom drops it and still answers ok
        else:
            sent.append(now)
            self.delivered.append({**body, "response_code": answer.get("response_code")})
        return web.json_response(answer)

    def press_code(self, task_id: str) -> str:
        """The ``ResponseCode`` a press on card ``task_id`` carries (its event's and the one
        ``update_template_card`` needs)."""
        return next(code for code, task in self._responses.items() if task == task_id)

    def _update_card(self, query: dict[str, str], body: Any) -> web.Response:
        code = body.get("response_code", "")
        if code not in self._responses:
            return self._error(40124, "invalid or used response_code")
        task_id = self._responses.pop(code)
        if body.get("agentid") != self.agent_id:
            return self._error(40056, "invalid agentid")
        self.card_updates.append({**body, "task_id": task_id})
        return web.json_response({"errcode": 0, "errmsg": "ok", "invaliduser": []})

    def _upload(self, query: dict[str, str], body: Any) -> web.Response:
        kind = query.get("type", "")
        if kind not in {"image", "voice", "video", "file"}:
            return self._error(40004, "invalid media type")
        part = (body or {}).get("media")
        if part is None:
            return self._error(41001, "media part missing")
        if len(part["data"]) < 5:
            return self._error(40005, "file under 5 bytes")
        media_id = "3" + secrets.token_hex(16)
        self.media[media_id] = Media(
            part["data"], part["filename"] or "", part["content_type"] or "", kind
        )
        return web.json_response(
            {"errcode": 0, "errmsg": "", "type": kind, "media_id": media_id, "created_at": "1"}
        )

    def _media_get(self, query: dict[str, str], body: Any) -> web.Response:
        found = self.media.get(query.get("media_id", ""))
        if found is None:
            return self._error(40007, "invalid media_id")
        return web.Response(
            body=found.data,
            headers={
                "Content-Type": found.content_type,
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name)}",
            },
        )

    async def _cut(self, request: web.Request, query: dict[str, str]) -> web.StreamResponse:
        found = self.media[query["media_id"]]
        response = web.StreamResponse(
            headers={"Content-Type": found.content_type, "Content-Length": str(len(found.data))}
        )
        await response.prepare(request)
        await response.write(found.data[: len(found.data) // 2])
        assert request.transport is not None
        request.transport.close()
        return response

    def _menu_create(self, query: dict[str, str], body: Any) -> web.Response:
        if query.get("agentid") != str(self.agent_id):
            return self._error(40056, "invalid agentid")
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})


# --------------------------------------------------------------------------- time for the client


@dataclass
class FakeSleep:
    """The client's ``sleep``: moves the test's ``FakeClock`` instead of waiting, and records
    every pause (seconds)."""

    clock: Any
    pauses: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(timedelta(seconds=max(seconds, 0.0)))
        await asyncio.sleep(0)
