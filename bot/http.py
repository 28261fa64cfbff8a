"""The process's one HTTP server (aiohttp.web): Telegram's webhook now; WeCom's callback and
``/healthz`` register their routes on it the same way.

It sits behind the court's TLS proxy and is built to survive the open internet's edge:

- at most ``max_connections`` connections are served at once; one more is closed as soon as it
  is accepted, so idle or hostile clients cannot use up the process's file descriptors;
- a connection must deliver a complete request head within ``header_timeout`` seconds (aiohttp
  closes a connection that has not, from its first byte on), and a handler reads a body within
  ``body_timeout`` seconds (``read_body``);
- bodies are limited to ``max_body`` bytes (413 beyond);
- refusals (a wrong secret, a forged signature) are logged in aggregate by ``RefusalLog``: the
  first from a peer at once, the rest as one summary line per peer and period.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from bot.config import Settings

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger(__name__)

Handler: TypeAlias = "Callable[[web.Request], Awaitable[web.StreamResponse]]"


def split_listen(listen: str) -> tuple[str, int]:
    """``"host:port"`` (IPv6 hosts in brackets) as (host, port); an empty host is 127.0.0.1.

    Raises ``ValueError`` when the port is not a number.
    """
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


class _Refused(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is made."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class HttpServer:
    """One aiohttp.web application on ``listen`` (``host:port``; port 0 picks a free one).

    Routes are added with ``add_route`` before ``start``; ``stop`` closes every connection.
    """

    def __init__(
        self,
        listen: str,
        *,
        max_connections: int = 100,
        header_timeout: float = 10.0,
        body_timeout: float = 30.0,
        max_body: int = 1 << 20,
    ) -> None:
        from aiohttp import web  # imported once a server is wanted, not at start

        self.host, self.port = split_listen(listen)
        self.max_connections = max_connections
        self.body_timeout = body_timeout
        self._header_timeout = header_timeout
        self._app = web.Application(client_max_size=max_body)
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self.refused_connections = 0

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve ``method`` requests to ``path`` (aiohttp's route syntax) with ``handler``.

        Other methods on the same path are answered 405, unknown paths 404. Raises
        ``RuntimeError`` once the server has started.
        """
        if self._runner is not None:
            raise RuntimeError("routes are added before the HTTP server starts")
        self._app.router.add_route(method, path, handler)

    @property
    def connections(self) -> int:
        """Connections being served now."""
        return len(self._runner.server.connections) if self._runner and self._runner.server else 0

    async def start(self) -> None:
        """Listen; ``port`` then holds the actual port. Raises ``OSError`` if it is taken."""
        from aiohttp import web

        runner = web.AppRunner(
            self._app,
            access_log=None,
            keepalive_timeout=self._header_timeout,
            handler_cancellation=True,
            shutdown_timeout=1.0,
        )
        await runner.setup()
        self._runner = runner
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._protocol, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("http: listening on %s:%s", self.host, self.port)

    def _protocol(self) -> asyncio.BaseProtocol:
        runner = self._runner
        assert runner is not None and runner.server is not None
        if len(runner.server.connections) >= self.max_connections:
            self.refused_connections += 1
            if self.refused_connections % 1000 == 1:
                log.warning(
                    "http: %d connection(s) closed at once: %d are open, the cap",
                    self.refused_connections,
                    self.max_connections,
                )
            return _Refused()
        return runner.server()

    async def stop(self) -> None:
        """Stop listening and close every connection (requests in hand get a second)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def read_body(self, request: web.Request) -> bytes:
        """The request's body within ``body_timeout``.

        Raises ``web.HTTPRequestTimeout`` (408) for a body that trickles in too slowly and
        ``web.HTTPRequestEntityTooLarge`` (413) over ``max_body``.
        """
        try:
            async with asyncio.timeout(self.body_timeout):
                return await request.read()
        except TimeoutError:
            from aiohttp import web

            raise web.HTTPRequestTimeout() from None


def secret_refused(
    request: web.Request, header: str, secret: bytes, refusals: RefusalLog
) -> web.Response | None:
    """403 when ``request`` lacks ``header`` or it differs from ``secret`` (compared in
    constant time; the refusal noted in ``refusals``, never the value given); None when it
    matches. Call it before reading the body."""
    from aiohttp import web

    given = request.headers.get(header)
    matches = hmac.compare_digest((given or "").encode("utf-8", "surrogateescape"), secret)
    if given is not None and matches:
        return None
    reason = "with a wrong secret token" if given else "without the secret token"
    refusals.note(request.remote, reason + ": refused")
    return web.Response(status=403)


def add_json_webhook(
    server: HttpServer,
    path: str,
    secret: tuple[str, bytes],
    refusals: RefusalLog,
    take: Callable[[dict[str, Any], bytes], Awaitable[bool]],
    ready: Callable[[], bool],
) -> None:
    """Route ``POST path`` to a service that posts one JSON object a call with a shared
    ``secret`` (header name, value) in a header, as Telegram's ``setWebhook`` does: 403
    without the secret (``secret_refused``, before the body is read), 503 while not
    ``ready()`` (starting or stopping), 400 for a body that is not a JSON object or that
    ``take(object, body)`` refuses (returns False), else 200."""
    from aiohttp import web

    async def webhook(request: web.Request) -> web.Response:
        refused = secret_refused(request, *secret, refusals)
        if refused is not None:
            return refused
        if not ready():
            return web.Response(status=503)
        body = await server.read_body(request)
        raw = parse_json(body)
        taken = isinstance(raw, dict) and await take(raw, body)
        return web.Response(status=200 if taken else 400)

    server.add_route("POST", path, webhook)


def parse_json(body: bytes) -> object | None:
    """``body`` as JSON; None when it is not JSON, or nested too deeply to parse."""
    try:
        parsed: object = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return parsed


@dataclass
class RefusalLog:
    """Refused calls, logged in aggregate per peer: the first refusal from a peer is logged at
    once with its reason; later ones within ``period`` seconds are counted and written as one
    summary line when the period is over (at the next refusal from anyone, or ``flush``).

    ``clock`` gives seconds (monotonic); tests inject one.
    """

    logger: logging.Logger
    what: str
    period: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _since: dict[str, float] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def note(self, peer: str | None, reason: str) -> None:
        """One refused call from ``peer`` (an address), refused for ``reason`` (words)."""
        now = self.clock()
        self._summarise(now)
        key = peer or "?"
        if key in self._since:
            self._counts[key] = self._counts.get(key, 0) + 1
            return
        self._since[key] = now
        self.logger.warning("%s from %s %s", self.what, key, reason)

    def flush(self) -> None:
        """Write the summaries now, whatever the time."""
        self._summarise(float("inf"))

    def _summarise(self, now: float) -> None:
        for key, since in list(self._since.items()):
            if now - since < self.period:
                continue
            del self._since[key]
            count = self._counts.pop(key, 0)
            if count:
                self.logger.warning(
                    "%s from %s: %d more refused in %.0f s", self.what, key, count, self.period
                )


def listen_address(settings: Settings) -> str:
    """Where the HTTP server listens: ``[http] listen``; when that is empty and Telegram
    receives by webhook, the older ``[telegram] listen``; else "" (no server)."""
    if settings.http.listen:
        return settings.http.listen
    telegram = settings.telegram
    return telegram.listen if telegram.enabled and telegram.mode == "webhook" else ""
