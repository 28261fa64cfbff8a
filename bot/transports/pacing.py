"""Pacing calls to a chat service's API, with the one retry loop around each call.

Chat services cap the calls a bot makes (Telegram: about 30 messages a second in all and one a
second in a chat); ``Pacer`` keeps to both rates and retries a failed call as its transport's
``wait`` says, at most ``len(retry_delays) + 1`` attempts in all, whatever the failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AsyncExitStack
from typing import TypeVar

from aiolimiter import AsyncLimiter

T = TypeVar("T")

Wait = Callable[[Exception, float], tuple[float, bool] | None]
"""(error, the next retry delay in seconds) -> None when the error is final, else (seconds to
wait, whether every call waits too: a service-wide "too many requests")."""


class Pacer:
    """``overall_rate`` calls a second in all, evenly spaced (in any second at most that many);
    to one chat ``per_chat_burst`` calls at once,
    then ``per_chat_rate`` a second. A rate of 0 turns that limit off."""

    def __init__(
        self,
        overall_rate: float,
        per_chat_rate: float,
        per_chat_burst: int,
        retry_delays: tuple[float, ...],
    ) -> None:
        # One call every 1/rate seconds, no burst: a full bucket of ``rate`` calls followed by
        # ``rate`` a second would put twice the rate in the first second.
        self._overall = AsyncLimiter(1, 1 / overall_rate) if overall_rate > 0 else None
        self._chat_rate, self._burst = per_chat_rate, max(1, per_chat_burst)
        self._delays = retry_delays
        self._chats: dict[Hashable, AsyncLimiter] = {}
        self._hold_until = 0.0  # loop time; a service-wide refusal holds every call until then

    def _chat(self, chat: Hashable) -> AsyncLimiter:
        if chat not in self._chats and len(self._chats) > 1024:
            for key, idle in list(self._chats.items()):
                if idle.has_capacity(idle.max_rate):
                    del self._chats[key]
        period = self._burst / self._chat_rate
        return self._chats.setdefault(chat, AsyncLimiter(self._burst, period))

    async def run(self, call: Callable[[], Awaitable[T]], chat: Hashable | None, wait: Wait) -> T:
        """``call()`` within the rates (``chat`` None: not paced per chat), retried as
        ``wait`` says; the last error is raised."""
        loop = asyncio.get_running_loop()
        for delay in (*self._delays, None):
            await asyncio.sleep(max(0.0, self._hold_until - loop.time()))
            try:
                async with AsyncExitStack() as limits:
                    if self._overall is not None:
                        await limits.enter_async_context(self._overall)
                    if chat is not None and self._chat_rate > 0:
                        await limits.enter_async_context(self._chat(chat))
                    return await call()
            except Exception as error:
                decided = None if delay is None else wait(error, delay)
                if decided is None:
                    raise
                seconds, everyone = decided
                if everyone:
                    self._hold_until = max(self._hold_until, loop.time() + seconds)
                else:
                    await asyncio.sleep(seconds)
        raise AssertionError("unreachable")
