"""The clockwork: APScheduler runs the outbox tick every ``tick_seconds``.

The database is the truth about what is due (APScheduler's own job store is not used), so a
missed or doubled tick changes nothing: the next one sends what is due, once. The first tick
runs at start, so what fell due while the bot was down goes out at once, marked late.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from reminders.anchor import ChainAnchor
from reminders.dispatch import Dispatcher

log = logging.getLogger(__name__)


class Scheduler:
    """The reminders' clockwork (APScheduler's ``AsyncIOScheduler``): a ``Dispatcher.tick`` every
    ``tick_seconds`` and, with ``anchor``, the audit chain's anchor every ``anchor_minutes``;
    one run of each at a time, and ``stop`` waits for the run in hand.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        tick_seconds: int,
        anchor: ChainAnchor | None = None,
        anchor_minutes: int = 10,
    ) -> None:
        self.dispatcher = dispatcher
        self.anchor = anchor
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._in_hand: set[asyncio.Task[object]] = set()
        if anchor is not None:
            self._scheduler.add_job(
                self._anchor,
                "interval",
                minutes=anchor_minutes,
                id="chain-anchor",
                max_instances=1,
                coalesce=True,
            )
        self._scheduler.add_job(
            self._tick,
            "interval",
            seconds=tick_seconds,
            id="outbox-tick",
            max_instances=1,
            coalesce=True,
        )

    async def _held(self, job: Callable[[], Awaitable[None]]) -> None:
        """Run ``job`` as a task ``stop`` waits for, so no stop cuts a transaction in half."""
        task: asyncio.Task[object] = asyncio.ensure_future(job())
        self._in_hand.add(task)
        try:
            await asyncio.shield(task)
        finally:
            if task.done():
                self._in_hand.discard(task)

    async def _tick(self) -> None:
        await self._held(self._tick_once)

    async def _tick_once(self) -> None:
        try:
            result = await self.dispatcher.tick()
        except Exception:
            log.exception("reminder tick failed; the next one will try again")
            return
        if result.claimed:
            log.info(
                "reminders: %d sent, %d cancelled, %d to retry, %d failed",
                result.sent,
                result.cancelled,
                result.retried,
                result.failed,
            )

    async def _anchor(self) -> None:
        await self._held(self._anchor_once)

    async def _anchor_once(self) -> None:
        """The daily chain head to discipline (``reminders.anchor``); acts once a day."""
        assert self.anchor is not None
        try:
            await self.anchor.run()
        except Exception:
            log.exception("sending the audit chain head failed; the next run will try again")

    def start(self) -> None:
        """Start ticking, with one tick at once for whatever fell due while stopped."""
        self._scheduler.add_job(self._tick, id="outbox-first-tick")
        self._scheduler.start()

    async def stop(self) -> None:
        """Start no more jobs, then wait for the ones in hand (each ends its transaction)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        while self._in_hand:
            await asyncio.gather(*self._in_hand, return_exceptions=True)
            self._in_hand = {task for task in self._in_hand if not task.done()}
