"""python-telegram-bot's plumbing for the transport: the one rate limiter (with the one retry
loop), a bot that quarantines an update it cannot parse instead of failing the whole
``getUpdates`` batch, the update processor that notes what it finished, and what a failed
Bot API call means for a delivery.
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import telegram as tg
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter, BaseUpdateProcessor, ExtBot

from bot.transports.pacing import Pacer
from handlers.ports import Delivery, DeliveryStatus

log = logging.getLogger(__name__)


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


class CheckingBot(ExtBot[int]):
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


class Processor(BaseUpdateProcessor):
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


def failure(error: Exception) -> Delivery:
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
