"""WeCom (企业微信) and 政务微信, through wechatpy: the only module that imports ``wechatpy``.

This module holds the parts of the transport that stand on their own:

* ``WeComCallbackCrypto``: the callback's URL verification and message decryption
  (``wechatpy.enterprise.crypto.WeChatCrypto``: AES-256-CBC, SHA-1 signature), with a bad
  signature raised as ``BadSignature`` (the HTTP layer answers 403) and anything else
  malformed as ``BadCallback`` (400);
* ``to_incoming``: a decrypted callback (``wechatpy.enterprise.parse_message``) as the port's
  ``IncomingMessage``;
* ``WeComClient``: an async client of the server API (``gettoken``, ``message/send``,
  ``message/update_template_card``, ``media/upload``, ``media/get``, ``menu/create``) under
  ``api_base_url``, which a private deployment or 政务微信 sets to its own host;
* ``Pacer``: WeCom drops messages beyond 30 a minute from one app to one member and caps an
  app's daily total, so every ``message/send`` waits for its turn here instead;
* ``WeComTransport``: the ``Transport`` port over the client (chat id = user id = the member's
  WeCom ``userid``): closed questions as ``button_interaction`` cards, a multiple choice as a
  ``vote_interaction`` card (multiple selection, one submit), more choices than a card holds as
  a numbered list.

``bot.transports.wecom_service`` puts it into ``guowen run``: the callback route on the one
HTTP server, the app's menu, and the hand-over of callbacks to the app.

Failures of a person or of the network come back as a ``Delivery``, never as an exception:
``FAILED`` when the member is unknown or outside the app's visible range (60111, 81013), or
the message can never be sent; ``RETRY`` when WeCom or the network stayed down through every
retry. An expired token (40014, 42001) is refreshed once, one refresh at a time; a rate limit
(45009, 45033) is waited out with growing pauses.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
import secrets
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final
from xml.parsers.expat import ExpatError
from zoneinfo import ZoneInfo

import httpx
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException

from handlers.i18n import join, t
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
    MultiChoice,
    OutgoingMessage,
)
from reminders.clock import Clock
from storage.evidence import UnavailableReason
from storage.vocabulary import Language

log = logging.getLogger(__name__)

NAME: Final = "wecom"
DEFAULT_API_BASE_URL: Final = "https://qyapi.weixin.qq.com/cgi-bin/"
TEXT_LIMIT_BYTES: Final = 2048
"""``message/send`` text content: at most 2,048 bytes of UTF-8 (WeCom truncates beyond)."""
CARD_BUTTONS: Final = 6
"""A ``button_interaction`` template card's ``button_list`` holds at most 6 buttons."""
VOTE_OPTIONS: Final = 20
"""A ``vote_interaction`` card's ``checkbox.option_list`` holds at most 20 options."""
CARD_TITLE_CHARS: Final = 36
"""``main_title.title``: WeCom advises at most 36 characters."""
CARD_TEXT_CHARS: Final = 160
"""``sub_title_text``: WeCom advises at most 160 characters."""
MiB: Final = 1024 * 1024
UPLOAD_LIMITS: Final = {"image": 10 * MiB, "file": 20 * MiB}
"""Temporary media WeCom accepts, by ``type``: images up to 10 MiB, files up to 20 MiB."""

TOKEN_EXPIRED: Final = frozenset({40014, 42001})
RATE_LIMITED: Final = frozenset({45009, 45033})
MEMBER_UNREACHABLE: Final = frozenset({60111, 81013})
BUSY: Final = -1
"""``errcode`` -1: WeCom is busy; try again."""

CHINA: Final = ZoneInfo("Asia/Shanghai")
"""WeCom's days (for the daily cap) turn over at midnight in China."""

Sleep = Callable[[float], Awaitable[None]]


# --------------------------------------------------------------------------- callback crypto


class BadCallback(Exception):
    """A callback that is not a well-formed WeCom callback for this app (HTTP 400)."""


class BadSignature(BadCallback):
    """A callback whose ``msg_signature`` does not match (HTTP 403): not from WeCom."""


class WeComCallbackCrypto:
    """The callback's signature and encryption, as WeCom's 加解密方案 defines them.

    ``token`` and ``encoding_aes_key`` (43 characters) are set in the app's 接收消息 page;
    ``corp_id`` is the court's CorpID, which every plaintext must end with.
    """

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str) -> None:
        if not re.fullmatch(r"[A-Za-z0-9+/]{43}", encoding_aes_key):
            raise ValueError("an EncodingAESKey is 43 characters of base64")
        self._crypto = WeChatCrypto(token, encoding_aes_key, corp_id)

    def verify_url(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """The plaintext of ``echostr`` for WeCom's URL verification (the GET on the callback
        URL): the body to answer with, exactly, without a newline.

        Raises ``BadSignature`` when the signature is wrong, ``BadCallback`` when ``echostr``
        does not decrypt to a message for this corp.
        """
        try:
            plain = self._crypto.check_signature(msg_signature, timestamp, nonce, echostr)
        except InvalidSignatureException:
            raise BadSignature("URL verification with a wrong signature") from None
        except Exception as error:  # wechatpy raises assorted errors for bad ciphertext
            raise BadCallback(f"echostr: {type(error).__name__}") from None
        return str(plain)

    def decrypt(self, body: bytes | str, msg_signature: str, timestamp: str, nonce: str) -> str:
        """The plaintext XML of a POSTed callback (the envelope with ``Encrypt``).

        Raises ``BadSignature`` when the signature over token, timestamp, nonce and the
        ciphertext is wrong, ``BadCallback`` when the envelope or the ciphertext is malformed
        or for another corp.
        """
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            plain = self._crypto.decrypt_message(text, msg_signature, timestamp, nonce)
        except InvalidSignatureException:
            raise BadSignature("callback with a wrong signature") from None
        except Exception as error:  # malformed XML, base64, padding or another corp
            raise BadCallback(f"callback: {type(error).__name__}") from None
        return str(plain)


# --------------------------------------------------------------------------- incoming messages

_COMMAND_KEY = re.compile(r"^[a-z_]{1,32}$")


def _raw(message: Any) -> Mapping[str, Any]:
    data = getattr(message, "_data", None)
    return data if isinstance(data, Mapping) else {}


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def to_incoming(xml: str, received_at: datetime) -> IncomingMessage | None:
    """A decrypted callback as the port's ``IncomingMessage``; None for what the bot ignores.

    The transport is ``"wecom"``; ``chat_id`` and ``user_id`` are the sender's ``userid``
    (``FromUserName``). ``update_key`` is ``msg:<MsgId>`` for a message and
    ``card:<ResponseCode>`` for a press on a template card (``EventKey`` repeats across
    cards, ``ResponseCode`` does not); other events get ``event:<user>:<CreateTime>:<Event>``.
    Images, voices (AMR), videos and files arrive as attachments whose ``file_id`` is the
    ``MediaId`` (for ``media/get``, valid 3 days); a location as text; ``enter_agent`` as
    ``/start`` and a menu ``click`` as ``/<EventKey>``; a ``template_card_event`` as a press
    whose ``callback`` is the pressed button's key and ``callback_message_id`` the card's
    ``TaskId``. XML the library cannot read, and events the bot has no use for, are logged
    and skipped (None), never raised.
    """
    try:
        message = parse_message(xml)
    except (ExpatError, KeyError, TypeError, ValueError) as error:
        log.warning("wecom: skipped a callback that cannot be read (%s)", type(error).__name__)
        return None
    if message is None:
        return None
    data = _raw(message)
    user = _text(data.get("FromUserName"))
    if not user:
        log.warning("wecom: skipped a callback without FromUserName")
        return None
    kind = _text(data.get("MsgType")).lower()
    base = IncomingMessage(transport=NAME, chat_id=user, user_id=user, received_at=received_at)
    if kind == "event":
        return _event(base, data)
    msg_id = _text(data.get("MsgId"))
    if not msg_id:
        log.warning("wecom: skipped a %s message without MsgId", kind or "typeless")
        return None
    base = replace(base, message_id=msg_id, update_key=f"msg:{msg_id}")
    media = _text(data.get("MediaId"))
    if kind == "text":
        return replace(base, text=_text(data.get("Content")))
    if kind == "image" and media:
        return replace(base, attachments=(Attachment(AttachmentKind.PHOTO, media),))
    if kind == "voice" and media:
        voice_format = _text(data.get("Format")).lower() or "amr"
        guessed = mimetypes.guess_type(f"voice.{voice_format}")[0]
        voice_mime = (guessed or f"audio/{voice_format}").lower()
        voice = Attachment(AttachmentKind.VOICE, media, None, voice_mime)
        return replace(base, attachments=(voice,))
    if kind in {"video", "shortvideo"} and media:
        return replace(base, attachments=(Attachment(AttachmentKind.VIDEO, media),))
    if kind == "file" and media:
        name = _text(data.get("FileName")) or _text(data.get("Title")) or None
        mime = mimetypes.guess_type(name)[0] if name else None
        return replace(base, attachments=(Attachment(AttachmentKind.DOCUMENT, media, name, mime),))
    if kind == "location":
        label = _text(data.get("Label"))
        where = f"{_text(data.get('Location_X'))}, {_text(data.get('Location_Y'))}"
        return replace(base, text=f"{label} ({where})" if label else where)
    if kind == "link":
        parts = (_text(data.get("Title")), _text(data.get("Description")), _text(data.get("Url")))
        return replace(base, text="\n".join(part for part in parts if part))
    log.info("wecom: skipped a %s message", kind or "typeless")
    return None


def _event(base: IncomingMessage, data: Mapping[str, Any]) -> IncomingMessage | None:
    event = _text(data.get("Event")).lower()
    key = _text(data.get("EventKey"))
    stamp = f"event:{base.user_id}:{_text(data.get('CreateTime'))}:{event}"
    if event == "enter_agent":
        return replace(base, text="/start", update_key=stamp)
    if event == "click" and _COMMAND_KEY.match(key):
        return replace(base, text=f"/{key}", update_key=f"{stamp}:{key}")
    if event == "template_card_event":
        code = _text(data.get("ResponseCode"))
        if not key or not code:
            log.warning("wecom: skipped a card event without EventKey or ResponseCode")
            return None
        selected = _selected(data.get("SelectedItems"))
        return replace(
            base,
            callback=key if selected is None else key + ",".join(selected),
            callback_message_id=_text(data.get("TaskId")) or None,
            update_key=f"card:{code}",
        )
    log.info("wecom: skipped a %s event", event or "nameless")
    return None


def _listed(value: Any) -> list[Any]:
    """An XML element that may occur once or more, as parsed: always a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _selected(items: Any) -> list[str] | None:
    """The option ids ticked on a ``vote_interaction`` card (``SelectedItems``), in the
    card's order of questions; None for a press on an ordinary button."""
    if not isinstance(items, Mapping):
        return None
    ticked: list[str] = []
    for item in _listed(items.get("SelectedItem")):
        options = item.get("OptionIds") if isinstance(item, Mapping) else None
        if isinstance(options, Mapping):
            ticked += [_text(option) for option in _listed(options.get("OptionId"))]
    return [option for option in ticked if option]


# --------------------------------------------------------------------------- voice

_AMR_NB = b"#!AMR\n"
_AMR_WB = b"#!AMR-WB\n"
# Speech bytes after each frame's 1-byte header, by frame type (RFC 4867, section 5.3);
# a frame type missing here is not used in storage files.
_AMR_NB_FRAME = {0: 12, 1: 13, 2: 15, 3: 17, 4: 19, 5: 20, 6: 26, 7: 31, 8: 5, 15: 0}
_AMR_WB_FRAME = {0: 17, 1: 23, 2: 32, 3: 36, 4: 40, 5: 46, 6: 50, 7: 58, 8: 60, 9: 5, 14: 0, 15: 0}
AMR_FRAME_MS: Final = 20


def amr_duration_ms(data: bytes) -> int | None:
    r"""The length in milliseconds of an AMR (or AMR-WB) voice as WeCom stores it: the
    single-channel storage format of RFC 4867 section 5 (a ``#!AMR\n`` or ``#!AMR-WB\n``
    header, then frames of 20 ms, each a header byte whose bits 3-6 give the frame type and
    so its size). None when ``data`` is not such a file or ends inside a frame (damaged)."""
    if data.startswith(_AMR_WB):
        sizes, position = _AMR_WB_FRAME, len(_AMR_WB)
    elif data.startswith(_AMR_NB):
        sizes, position = _AMR_NB_FRAME, len(_AMR_NB)
    else:
        return None
    frames = 0
    while position < len(data):
        size = sizes.get((data[position] >> 3) & 0x0F)
        if size is None:
            return None
        position += 1 + size
        frames += 1
    return frames * AMR_FRAME_MS if position == len(data) else None


# --------------------------------------------------------------------------- text and cards


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """``text`` in pieces of at most ``limit`` bytes of UTF-8 each, cut at line breaks.

    A line longer than ``limit`` on its own is cut between characters. The line break at a
    cut is dropped; nothing else is. An empty or blank text gives no pieces (WeCom refuses
    empty content). Raises ``ValueError`` for a ``limit`` under 4 bytes (one character).
    """
    if limit < 4:
        raise ValueError("a piece must hold any one character: 4 bytes at least")
    if not text.strip():
        return []
    if len(text.encode("utf-8")) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode("utf-8")) <= limit and (current or line):
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode("utf-8")) > limit:
            head = line.encode("utf-8")[:limit].decode("utf-8", "ignore")
            pieces.append(head)
            line = line[len(head) :]
        current = line
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def numbered_list(text: str, buttons: Sequence[Button], language: Language | None) -> str:
    """Buttons that do not fit on a card, as text: ``N. label`` a line, counting from 1, and a
    line saying to reply with the number (catalog ``wecom.reply_with_number``)."""
    lines = [text] if text.strip() else []
    lines += [f"{number}. {button.label}" for number, button in enumerate(buttons, 1)]
    lines.append(t(language, "wecom.reply_with_number"))
    return "\n".join(lines)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def card_text(text: str) -> tuple[str, str, bool]:
    """How a prompt goes on a card: (title, sub-title text, whether the whole text fits).

    The first line is the title and the rest the sub-title when they fit WeCom's advised
    lengths; otherwise the whole text goes before the card as text and the card is titled
    with the last line (the question).
    """
    lines = [line for line in text.strip().split("\n") if line.strip()]
    if not lines:
        return "", "", True
    title, rest = lines[0], "\n".join(lines[1:])
    if len(title) <= CARD_TITLE_CHARS and len(rest) <= CARD_TEXT_CHARS:
        return title, rest, True
    return _shorten(lines[-1], CARD_TITLE_CHARS), "", False


# --------------------------------------------------------------------------- pacing


class Pacer:
    """Paces ``message/send`` the way WeCom counts it: to one member at most ``per_member``
    messages in any ``window`` and ``per_member_hourly`` in any hour (WeCom: 30 a minute and
    1,000 an hour, the rest dropped unsent), and at most ``daily_cap`` a day in all (days in
    China time; None: no cap).

    Nothing is dropped: a message that may not go yet waits (through ``sleep``, so tests move
    a fake ``clock`` instead of waiting) and the messages to one member go in the order they
    came. Use ``turn(member)`` around everything sent to one member in one go, and
    ``take(member)`` inside it before each ``message/send``.
    """

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        *,
        per_member: int = 30,
        window: timedelta = timedelta(minutes=1),
        per_member_hourly: int = 1000,
        daily_cap: int | None = None,
    ) -> None:
        if min(per_member, per_member_hourly) < 1 or (daily_cap is not None and daily_cap < 1):
            raise ValueError("the pacer needs room for at least one message")
        self.clock = clock
        self.sleep = sleep
        self.limits = ((per_member, window), (per_member_hourly, timedelta(hours=1)))
        self.daily_cap = daily_cap
        self._span = max(span for _, span in self.limits)
        self._locks: dict[str, asyncio.Lock] = {}
        self._sent: dict[str, deque[datetime]] = {}
        self._day: date | None = None
        self._today = 0

    @asynccontextmanager
    async def turn(self, member: str) -> AsyncIterator[None]:
        """Holds ``member``'s queue: sends to one member run one at a time, first come first
        served (``asyncio.Lock`` wakes its waiters in order)."""
        lock = self._locks.setdefault(member, asyncio.Lock())
        async with lock:
            yield

    def _wait(self, sent: deque[datetime], now: datetime) -> float:
        """Seconds until one more message fits every per-member limit (0: now)."""
        while sent and sent[0] <= now - self._span:
            sent.popleft()
        wait = 0.0
        for count, span in self.limits:
            if count <= len(sent):
                inside = [moment for moment in sent if moment > now - span]
                if len(inside) >= count:
                    oldest = inside[len(inside) - count]
                    wait = max(wait, (oldest + span - now).total_seconds())
        return wait

    async def take(self, member: str) -> None:
        """Waits until one more message may go to ``member`` and counts it as sent."""
        sent = self._sent.setdefault(member, deque())
        while True:
            now = self.clock.now()
            wait = self._wait(sent, now)
            if wait > 0:
                await self.sleep(wait)
                continue
            day = now.astimezone(CHINA).date()
            if day != self._day:
                self._day, self._today = day, 0
            if self.daily_cap is not None and self._today >= self.daily_cap:
                midnight = datetime.combine(day + timedelta(days=1), time(), CHINA)
                await self.sleep(max((midnight - now).total_seconds(), 1.0))
                continue
            sent.append(now)
            self._today += 1
            return


# --------------------------------------------------------------------------- the API client


@dataclass(frozen=True)
class WeComOptions:
    """What the client needs: ``corp_id``, ``agent_id`` and the app's ``secret``;
    ``api_base_url`` up to and including ``/cgi-bin/``; ``timeout_s`` per HTTP call;
    ``retries`` after a network error, a 5xx or a busy answer (pauses of ``backoff_s``,
    doubling); ``rate_retries`` after a rate limit (pauses of ``rate_backoff_s``, doubling);
    ``token_margin_s`` before its expiry a token is renewed; ``download_cap`` bytes of one
    ``media/get`` (default 20 MiB, WeCom's largest file); ``per_member_per_minute``,
    ``per_member_per_hour`` and ``daily_cap`` for the ``Pacer``."""

    corp_id: str
    agent_id: int
    secret: str
    api_base_url: str = DEFAULT_API_BASE_URL
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 1.0
    rate_retries: int = 5
    rate_backoff_s: float = 2.0
    token_margin_s: float = 300.0
    download_cap: int = 20 * MiB
    per_member_per_minute: int = 30
    per_member_per_hour: int = 1000
    daily_cap: int | None = None


class WeComError(Exception):
    """WeCom refused a call with ``errcode`` (not retried further)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeComUnavailable(Exception):
    """WeCom or the network did not answer usefully through every retry; ``errcode`` is
    WeCom's refusal when it gave one (``gettoken``: 40013 corp id, 40001 secret, 60020 IP)."""

    def __init__(self, message: str, errcode: int | None = None) -> None:
        super().__init__(message)
        self.errcode = errcode


# gettoken's refusals (WeCom 全局错误码) and what the court's IT officer checks for each: a key
# of [wecom], or the app's trusted IPs (企业可信IP).
GETTOKEN_REFUSALS: Final[dict[int, str]] = {
    40013: "corp_id",
    41002: "corp_id",
    40001: "secret",
    40091: "secret",
    41004: "secret",
    60020: "trusted_ip",
}


@dataclass
class _Token:
    value: str = ""
    expires: datetime | None = None


def _errcode_of(body: Mapping[str, Any]) -> int:
    """A JSON answer's ``errcode`` (0 when absent, -1 "busy" when not a number)."""
    code = body.get("errcode", 0)
    if isinstance(code, bool) or not isinstance(code, int | str):
        return BUSY
    try:
        return int(code or 0)
    except ValueError:
        return BUSY


def _delivery_for(error: Exception) -> Delivery:
    """FAILED for what retrying cannot mend (the member, the message); RETRY for WeCom's or
    the network's trouble, including a token refused again right after its renewal."""
    if isinstance(error, WeComError) and error.errcode not in TOKEN_EXPIRED:
        if error.errcode in MEMBER_UNREACHABLE:
            return Delivery(DeliveryStatus.FAILED, detail=f"member unreachable: {error}")
        return Delivery(DeliveryStatus.FAILED, detail=str(error))
    return Delivery(DeliveryStatus.RETRY, detail=f"gave up after retries: {error}")


class WeComClient:
    """The WeCom server API for one self-built app (自建应用), asynchronous, over httpx.

    The access token (``gettoken``) is cached and renewed ``token_margin_s`` before it
    expires, one renewal at a time; a call refused with 40014 or 42001 renews it and is tried
    once more. Every ``message/send`` goes through the ``Pacer``. Methods that deliver return
    a ``Delivery`` and never raise for a person's or the network's failure.
    """

    def __init__(
        self,
        options: WeComOptions,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        *,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.options = options
        self.clock = clock
        self.sleep = sleep
        base = options.api_base_url if options.api_base_url.endswith("/") else ""
        self._http = http or httpx.AsyncClient(
            base_url=base or f"{options.api_base_url}/", timeout=options.timeout_s
        )
        self.pacer = Pacer(
            clock,
            sleep,
            per_member=options.per_member_per_minute,
            per_member_hourly=options.per_member_per_hour,
            daily_cap=options.daily_cap,
        )
        self._token = _Token()
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        """Close the HTTP client (its connection pool to the WeCom API)."""
        await self._http.aclose()

    # ---- tokens

    async def access_token(self, stale: str = "") -> str:
        """A valid access token. ``stale``: a token WeCom just refused; it is renewed unless
        another caller renewed it meanwhile. Raises ``WeComUnavailable`` when ``gettoken``
        fails (a wrong corp id or secret is logged as an error)."""
        async with self._token_lock:
            token = self._token
            fresh = token.expires is not None and self.clock.now() < token.expires
            if token.value and fresh and token.value != stale:
                return token.value
            params = {"corpid": self.options.corp_id, "corpsecret": self.options.secret}
            body = await self._request("GET", "gettoken", params=params)
            code = _errcode_of(body)
            value = body.get("access_token")
            if code != 0 or not isinstance(value, str) or not value:
                log.error("wecom: gettoken refused: errcode %s %s", code, body.get("errmsg"))
                raise WeComUnavailable(f"gettoken errcode {code}", errcode=code)
            expires_in = body.get("expires_in")
            lifetime = float(expires_in) if isinstance(expires_in, int | float) else 7200.0
            margin = min(self.options.token_margin_s, lifetime / 2)
            self._token = _Token(value, self.clock.now() + timedelta(seconds=lifetime - margin))
            return value

    # ---- calls

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str],
        json: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> dict[str, Any]:
        """One call with retries over network errors, 5xx and ``errcode`` -1; the JSON."""
        attempt = 0
        while True:
            problem: str
            try:
                response = await self._http.request(
                    method, path, params=params, json=json, files=files
                )
            except httpx.HTTPError as error:
                problem = type(error).__name__
            else:
                if response.status_code >= 500:
                    problem = f"HTTP {response.status_code}"
                elif response.status_code != 200:
                    raise WeComUnavailable(f"{path}: HTTP {response.status_code}")
                else:
                    try:
                        body = response.json()
                    except ValueError:
                        problem = "not JSON"
                    else:
                        if not isinstance(body, dict):
                            problem = "not a JSON object"
                        elif body.get("errcode") == BUSY:
                            problem = "busy"
                        else:
                            return body
            attempt += 1
            if attempt > self.options.retries:
                raise WeComUnavailable(f"{path}: {problem}")
            log.info("wecom: %s failed (%s); retry %d", path, problem, attempt)
            await self.sleep(self.options.backoff_s * 2 ** (attempt - 1))

    async def call(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        method: str = "POST",
    ) -> dict[str, Any]:
        """``path`` (relative to ``api_base_url``) with the access token; the JSON answer.

        Token expired (40014, 42001): renewed, tried once more. Rate limit (45009, 45033):
        paused and tried again up to ``rate_retries`` times. Raises ``WeComError`` for any
        other ``errcode`` and ``WeComUnavailable`` when WeCom stayed out of reach.
        """
        renewed = False
        limited = 0
        stale = ""
        while True:
            token = await self.access_token(stale)
            query = {**(params or {}), "access_token": token}
            body = await self._request(method, path, params=query, json=json, files=files)
            code = _errcode_of(body)
            if code == 0:
                return body
            errmsg = str(body.get("errmsg", ""))
            if code in TOKEN_EXPIRED and not renewed:
                renewed, stale = True, token
                continue
            if code in RATE_LIMITED and limited < self.options.rate_retries:
                limited += 1
                log.warning("wecom: %s rate-limited (%d); pause %d", path, code, limited)
                await self.sleep(self.options.rate_backoff_s * 2 ** (limited - 1))
                continue
            if code in RATE_LIMITED:
                raise WeComUnavailable(f"{path}: still rate-limited ({code})")
            raise WeComError(code, errmsg)

    # ---- sending

    async def _send(self, user: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        await self.pacer.take(user)
        body = {"touser": user, "agentid": self.options.agent_id, **payload}
        answer = await self.call("message/send", json=body)
        invalid = str(answer.get("invaliduser", "") or "")
        if invalid and user.lower() in invalid.lower().split("|"):
            raise WeComError(81013, f"invaliduser {invalid}")
        return answer

    async def send_text(self, user: str, text: str) -> Delivery:
        """``text`` to member ``user`` in as many messages as WeCom's 2,048 bytes need (cut at
        line breaks). The ``Delivery`` of the last piece, or of the first that failed."""
        async with self.pacer.turn(user):
            return await self._send_text(user, text)

    async def _send_text(self, user: str, text: str) -> Delivery:
        delivery = Delivery(DeliveryStatus.FAILED, detail="nothing to send")
        for piece in split_text(text):
            try:
                answer = await self._send(user, {"msgtype": "text", "text": {"content": piece}})
            except (WeComError, WeComUnavailable) as error:
                return _delivery_for(error)
            delivery = Delivery(DeliveryStatus.SENT, message_id=str(answer.get("msgid", "")))
        return delivery

    async def upload(self, path: Path, kind: str = "file") -> str:
        """``path`` uploaded as temporary media (3 days) of ``kind`` ("file" or "image"),
        under its own file name and extension; the ``media_id``.

        Raises ``WeComError`` (and ``ValueError`` over WeCom's size limit, ``OSError`` when
        the file cannot be read), ``WeComUnavailable``."""
        data = await asyncio.to_thread(path.read_bytes)
        if len(data) > UPLOAD_LIMITS[kind]:
            raise ValueError(f"{path.name}: {len(data)} bytes, over WeCom's {kind} limit")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        answer = await self.call(
            "media/upload", params={"type": kind}, files={"media": (path.name, data, mime)}
        )
        media_id = answer.get("media_id")
        if not isinstance(media_id, str) or not media_id:
            raise WeComUnavailable("media/upload: no media_id")
        return media_id

    async def send_file(self, user: str, path: Path, kind: str = "file") -> Delivery:
        """``path`` to ``user``: uploaded (``media/upload``) then sent (``message/send``)."""
        async with self.pacer.turn(user):
            return await self._send_file(user, path, kind)

    async def send_text_and_file(self, user: str, text: str, path: Path, kind: str) -> Delivery:
        """``text`` (when not blank), then the file, to ``user`` with nothing between them."""
        async with self.pacer.turn(user):
            if text.strip():
                before = await self._send_text(user, text)
                if before.status is not DeliveryStatus.SENT:
                    return before
            return await self._send_file(user, path, kind)

    async def _send_file(self, user: str, path: Path, kind: str) -> Delivery:
        try:
            media_id = await self.upload(path, kind)
            answer = await self._send(user, {"msgtype": kind, kind: {"media_id": media_id}})
        except (OSError, ValueError) as error:
            return Delivery(DeliveryStatus.FAILED, detail=f"file: {error}")
        except (WeComError, WeComUnavailable) as error:
            return _delivery_for(error)
        return Delivery(DeliveryStatus.SENT, message_id=str(answer.get("msgid", "")))

    async def send_card(
        self, user: str, text: str, buttons: Sequence[Button], task_id: str
    ) -> Delivery:
        """A ``button_interaction`` template card: ``text`` as its title and sub-title (or
        sent before it when too long), one button per ``Button`` whose ``key`` is the
        button's data, under ``task_id`` (unique per app, at most 128 of ``[0-9A-Za-z_@-]``).

        Raises ``ValueError`` for more than ``CARD_BUTTONS`` buttons or repeated data."""
        if not 0 < len(buttons) <= CARD_BUTTONS:
            raise ValueError(f"a card holds 1 to {CARD_BUTTONS} buttons")
        if len({button.data for button in buttons}) != len(buttons):
            raise ValueError("the buttons of a card need distinct data")
        async with self.pacer.turn(user):
            return await self._send_card(user, text, buttons, task_id)

    async def _send_card(
        self, user: str, text: str, buttons: Sequence[Button], task_id: str
    ) -> Delivery:
        button_list = [{"text": button.label, "style": 1, "key": button.data} for button in buttons]
        return await self._send_template(
            user, text, task_id, "button_interaction", {"button_list": button_list}
        )

    async def _send_template(
        self, user: str, text: str, task_id: str, card_type: str, parts: dict[str, Any]
    ) -> Delivery:
        """A template card of ``card_type`` with ``parts`` (its buttons or its checkboxes):
        ``text`` as its title and sub-title (``card_text``), or sent first on its own when
        too long for them (a failure there is the card's)."""
        title, sub_title, fits = card_text(text)
        if not fits:
            before = await self._send_text(user, text)
            if before.status is not DeliveryStatus.SENT:
                return before
        card: dict[str, Any] = {
            "card_type": card_type,
            "main_title": {"title": title},
            "task_id": task_id,
            **parts,
        }
        if sub_title:
            card["sub_title_text"] = sub_title
        try:
            await self._send(user, {"msgtype": "template_card", "template_card": card})
        except (WeComError, WeComUnavailable) as error:
            return _delivery_for(error)
        return Delivery(DeliveryStatus.SENT, message_id=task_id)

    async def send_vote_card(
        self, user: str, text: str, multi: MultiChoice, task_id: str
    ) -> Delivery:
        """A ``vote_interaction`` template card: ``text`` as its title and sub-title (or sent
        before it when too long), one checkbox option per ``multi.options`` (``mode`` 1:
        several may be ticked, ``id`` the option's data) and ``multi.submit`` as its submit
        button (``key`` the submit's data). Raises ``ValueError`` for no options or more than
        ``VOTE_OPTIONS``, or repeated option data."""
        options = multi.options
        if not 0 < len(options) <= VOTE_OPTIONS:
            raise ValueError(f"a vote card holds 1 to {VOTE_OPTIONS} options")
        if len({option.data for option in options}) != len(options):
            raise ValueError("the options of a vote card need distinct data")
        vote = {
            "checkbox": {
                "question_key": "choice",
                "mode": 1,
                "option_list": [{"id": option.data, "text": option.label} for option in options],
            },
            "submit_button": {"text": multi.submit.label, "key": multi.submit.data},
        }
        async with self.pacer.turn(user):
            return await self._send_template(user, text, task_id, "vote_interaction", vote)

    async def update_card(self, user: str, response_code: str, replace_name: str) -> Delivery:
        """The pressed card's buttons replaced by one grey, unpressable button reading
        ``replace_name`` (``message/update_template_card``; a ``response_code`` serves once,
        within 24 hours)."""
        body = {
            "userids": [user],
            "agentid": self.options.agent_id,
            "response_code": response_code,
            "button": {"replace_name": replace_name},
        }
        try:
            await self.call("message/update_template_card", json=body)
        except (WeComError, WeComUnavailable) as error:
            return _delivery_for(error)
        return Delivery(DeliveryStatus.SENT)

    async def create_menu(self, items: Sequence[tuple[str, str]]) -> None:
        """The app's menu (``menu/create``): up to 3 ``(label, command)`` click buttons whose
        key is the command name (a press arrives as ``/command``). Raises ``ValueError`` for
        more than 3 items or a key that is not a command name, ``WeComError`` and
        ``WeComUnavailable``."""
        if not 0 < len(items) <= 3:
            raise ValueError("a WeCom menu has 1 to 3 top-level buttons")
        for _, command in items:
            if not _COMMAND_KEY.match(command):
                raise ValueError(f"not a command name: {command!r}")
        buttons = [{"type": "click", "name": label, "key": command} for label, command in items]
        await self.call(
            "menu/create", params={"agentid": str(self.options.agent_id)}, json={"button": buttons}
        )

    # ---- downloading

    async def download(self, media_id: str) -> AsyncIterator[bytes]:
        """The bytes of temporary media ``media_id`` (``media/get``), streamed in chunks.

        Raises ``FileUnavailable``: ``TOO_BIG_FOR_TRANSPORT`` beyond ``download_cap`` bytes
        (announced or counted), ``DOWNLOAD_FAILED`` when WeCom refuses (an unknown or expired
        media id) or the network fails through every retry.
        """
        cap = self.options.download_cap
        renewed = False
        started = False
        attempt = 0
        stale = ""
        while True:
            try:
                token = await self.access_token(stale)
            except WeComUnavailable as error:
                raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, str(error)) from None
            params = {"access_token": token, "media_id": media_id}
            problem = ""
            try:
                async with self._http.stream("GET", "media/get", params=params) as response:
                    if response.status_code >= 500:
                        problem = f"HTTP {response.status_code}"
                    elif response.status_code != 200:
                        raise FileUnavailable(
                            UnavailableReason.DOWNLOAD_FAILED, f"HTTP {response.status_code}"
                        )
                    elif _maybe_error(response):
                        raw = bytearray()
                        async for chunk in response.aiter_bytes():
                            raw += chunk
                            if len(raw) > cap:
                                raise FileUnavailable(
                                    UnavailableReason.TOO_BIG_FOR_TRANSPORT, f"over {cap} bytes"
                                )
                        code = _errcode_in(bytes(raw))
                        if code is None:  # a JSON or text file, sent without a file name
                            started = True
                            yield bytes(raw)
                            return
                        if code in TOKEN_EXPIRED and not renewed:
                            renewed, stale = True, token
                            continue
                        if code == BUSY or code in RATE_LIMITED:
                            problem = f"errcode {code}"
                        else:
                            raise FileUnavailable(
                                UnavailableReason.DOWNLOAD_FAILED, f"errcode {code}"
                            )
                    else:
                        announced = response.headers.get("content-length", "")
                        if announced.isdigit() and int(announced) > cap:
                            raise FileUnavailable(
                                UnavailableReason.TOO_BIG_FOR_TRANSPORT, f"{announced} bytes"
                            )
                        total = 0
                        async for chunk in response.aiter_bytes():
                            total += len(chunk)
                            if total > cap:
                                raise FileUnavailable(
                                    UnavailableReason.TOO_BIG_FOR_TRANSPORT,
                                    f"over {cap} bytes",
                                )
                            started = True
                            yield chunk
                        return
            except httpx.HTTPError as error:
                if started:  # bytes went out already: starting again would repeat them
                    raise FileUnavailable(
                        UnavailableReason.DOWNLOAD_FAILED, f"cut off: {type(error).__name__}"
                    ) from None
                problem = type(error).__name__
            attempt += 1
            if attempt > self.options.retries:
                raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, problem)
            await self.sleep(self.options.backoff_s * 2 ** (attempt - 1))


def _maybe_error(response: httpx.Response) -> bool:
    """WeCom answers a refused ``media/get`` with JSON and no file name; a file comes with a
    ``Content-Disposition`` (so a JSON or text file a person sent is never taken for one)."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    named = "content-disposition" in response.headers
    return kind in {"application/json", "text/plain"} and not named


def _errcode_in(raw: bytes) -> int | None:
    """The ``errcode`` of a JSON error answer; None when ``raw`` is not one."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or "errcode" not in body:
        return None
    return _errcode_of(body)


# --------------------------------------------------------------------------- the transport


@dataclass
class _Card:
    user: str
    labels: dict[str, str]
    submit: str | None = None
    """A vote card's submit key: a press carries it and then the ticked options' data."""


@dataclass
class _Choices:
    labels: list[str]
    data: list[str]


@dataclass
class _Memory:
    """What the transport remembers of its own cards and numbered lists (in memory only)."""

    cards: OrderedDict[str, _Card] = field(default_factory=OrderedDict)
    lists: dict[str, _Choices] = field(default_factory=dict)
    answered: OrderedDict[str, None] = field(default_factory=OrderedDict)
    limit: int = 10_000

    def card(self, task_id: str, card: _Card) -> None:
        self.cards[task_id] = card
        while len(self.cards) > self.limit:
            self.cards.popitem(last=False)

    def answer(self, task_id: str) -> None:
        self.answered[task_id] = None
        while len(self.answered) > self.limit:
            self.answered.popitem(last=False)


class WeComTransport:
    """The ``Transport`` port over a ``WeComClient``: chat id = user id = WeCom ``userid``.

    Buttons go out as a template card when they fit one (at most ``CARD_BUTTONS``, one row or
    several); otherwise as a numbered list, and a number or a label typed back is turned into
    the press it stands for by ``resolve``. WeCom cannot edit a message, so a pressed card is
    updated by ``settle_press`` to show the choice instead of its buttons.

    ``verify_url`` and ``receive`` are what the HTTP callback route calls (with ``crypto``
    given); ``language`` is the language of the transport's own words when no person's is
    known (the numbered list's last line).
    """

    def __init__(
        self,
        client: WeComClient,
        language: Language | None = None,
        crypto: WeComCallbackCrypto | None = None,
    ) -> None:
        self.client = client
        self.language = language
        self.crypto = crypto
        self._memory = _Memory()

    def _crypto(self) -> WeComCallbackCrypto:
        if self.crypto is None:
            raise BadCallback("this transport takes no callbacks (no token and key)")
        return self.crypto

    def verify_url(self, query: Mapping[str, str]) -> str:
        """The answer to WeCom's URL verification GET (``msg_signature``, ``timestamp``,
        ``nonce``, ``echostr``): the decrypted ``echostr``, to be sent exactly. Raises
        ``BadSignature`` (403) or ``BadCallback`` (400, also for a missing parameter)."""
        try:
            signature, timestamp = query["msg_signature"], query["timestamp"]
            nonce, echostr = query["nonce"], query["echostr"]
        except KeyError as missing:
            raise BadCallback(f"URL verification without {missing}") from None
        return self._crypto().verify_url(signature, timestamp, nonce, echostr)

    def receive(
        self, query: Mapping[str, str], body: bytes, received_at: datetime
    ) -> IncomingMessage | None:
        """A POSTed callback as an ``IncomingMessage`` (see ``to_incoming``), a typed answer
        to a numbered list already turned into its press (``resolve``); None for what the
        bot ignores. Raises ``BadSignature`` (403) or ``BadCallback`` (400)."""
        try:
            signature, timestamp, nonce = (
                query["msg_signature"],
                query["timestamp"],
                query["nonce"],
            )
        except KeyError as missing:
            raise BadCallback(f"callback without {missing}") from None
        xml = self._crypto().decrypt(body, signature, timestamp, nonce)
        message = to_incoming(xml, received_at)
        return None if message is None else self.resolve(message)

    @property
    def name(self) -> str:
        """``wecom``: the transport's name in stored rows."""
        return NAME

    @property
    def capabilities(self) -> Capabilities:
        """No editing, up to 6 buttons (a card), 682 characters (2,048 bytes of UTF-8 at 3
        bytes a character, as Chinese takes), files, a multiple choice (a vote card), and replies
        coalesced (WeCom counts messages against 30 a minute per member)."""
        return Capabilities(
            edit=False,
            max_buttons=CARD_BUTTONS,
            text_limit=TEXT_LIMIT_BYTES // 3,
            multi_select=True,
            coalesce=True,
        )

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        """One message to member ``chat_id``: text, a file or photo (text first, then the
        file), or a question with buttons (a card, or a numbered list)."""
        buttons = [button for row in message.buttons for button in row]
        attachment = message.document or message.photo
        if attachment is not None:
            kind = "image" if message.photo is not None else "file"
            return await self.client.send_text_and_file(chat_id, message.text, attachment, kind)
        multi = message.multi
        if multi is not None and 0 < len(multi.options) <= VOTE_OPTIONS:
            return await self._send_vote(chat_id, message, multi, buttons)
        if not buttons:
            return await self.client.send_text(chat_id, message.text)
        self._memory.lists.pop(chat_id, None)
        if len(buttons) <= CARD_BUTTONS and len({b.data for b in buttons}) == len(buttons):
            task_id = f"gw-{secrets.token_hex(12)}"
            self._memory.card(task_id, _Card(chat_id, {b.data: b.label for b in buttons}))
            return await self.client.send_card(chat_id, message.text, buttons, task_id)
        delivery = await self.client.send_text(
            chat_id, numbered_list(message.text, buttons, self.language)
        )
        if delivery.status is DeliveryStatus.SENT:
            self._memory.lists[chat_id] = _Choices(
                [b.label for b in buttons], [b.data for b in buttons]
            )
        return delivery

    async def _send_vote(
        self, chat_id: str, message: OutgoingMessage, multi: MultiChoice, buttons: list[Button]
    ) -> Delivery:
        """A multiple choice as a vote card; the message's other buttons (back, skip) follow
        on a small card of their own (a vote card has only its submit button)."""
        task_id = f"gw-{secrets.token_hex(12)}"
        labels = {option.data: option.label for option in multi.options}
        self._memory.card(task_id, _Card(chat_id, labels, multi.submit.data))
        delivery = await self.client.send_vote_card(chat_id, message.text, multi, task_id)
        if delivery.status is not DeliveryStatus.SENT or not buttons:
            return delivery
        others = replace(message, text=t(self.language, "wecom.other_actions"), multi=None)
        return await self.send(chat_id, others)

    def resolve(self, message: IncomingMessage) -> IncomingMessage:
        """A typed reply to the sender's last numbered list, as the press it stands for: the
        number (``2``, counting from 1) or the label typed back. Other messages unchanged."""
        choices = self._memory.lists.get(message.chat_id)
        typed = message.text.strip().rstrip(".")
        if choices is None or message.callback is not None or not typed:
            return message
        index: int | None = None
        if typed.isdecimal() and 1 <= int(typed) <= len(choices.data):
            index = int(typed) - 1
        elif typed in choices.labels:
            index = choices.labels.index(typed)
        if index is None:
            return message
        del self._memory.lists[message.chat_id]
        return replace(
            message, text="", callback=choices.data[index], callback_label=choices.labels[index]
        )

    def answered(self, task_id: str) -> bool:
        """Whether a press on card ``task_id`` was accepted already (remembered in memory for
        the last 10,000 cards): a second press on it is not a second answer."""
        return task_id in self._memory.answered

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        """After a card press the engine accepted: the card shows ``已选择：X`` (catalog
        ``wecom.chosen``) in place of its buttons, so it cannot be pressed twice. A press not
        accepted leaves the card as it was. Failures are logged, not raised."""
        key = message.update_key or ""
        if not handled.accepted or message.callback is None or not key.startswith("card:"):
            return
        if message.callback_message_id:
            self._memory.answer(message.callback_message_id)
        card = self._memory.cards.get(message.callback_message_id or "")
        label = card.labels.get(message.callback) if card is not None else None
        language = handled.language or self.language
        if card is not None and card.submit and message.callback.startswith(card.submit):
            ticked = message.callback.removeprefix(card.submit).split(",")
            label = join(language, [card.labels.get(data, data) for data in ticked if data])
        text = (
            t(language, "wecom.chosen", choice=label)
            if label
            else t(language, "wecom.chosen_plain")
        )
        text = _shorten(text, CARD_TITLE_CHARS)
        delivery = await self.client.update_card(message.user_id, key.removeprefix("card:"), text)
        if delivery.status is not DeliveryStatus.SENT:
            log.warning("wecom: card not updated: %s", delivery.detail)

    async def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        """The attachment's bytes through ``media/get`` (see ``WeComClient.download``)."""
        async for chunk in self.client.download(attachment.file_id):
            yield chunk
