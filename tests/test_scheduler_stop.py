"""Stopping the reminder clock waits for the tick in hand, so no stop cuts a transaction."""

from __future__ import annotations

import asyncio
from typing import cast

from reminders.dispatch import Dispatcher, TickResult
from reminders.scheduler import Scheduler


class SlowDispatcher:
    """A dispatcher whose tick holds until released, as a tick does on a slow database."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = 0

    async def tick(self) -> TickResult:
        self.started.set()
        await self.release.wait()
        self.finished += 1
        return TickResult()


async def test_stop_waits_for_the_tick_in_hand() -> None:
    dispatcher = SlowDispatcher()
    scheduler = Scheduler(cast(Dispatcher, dispatcher), tick_seconds=3600)
    scheduler.start()
    await asyncio.wait_for(dispatcher.started.wait(), 5)
    stopping = asyncio.ensure_future(scheduler.stop())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not stopping.done()  # the tick has not ended: stop holds
    dispatcher.release.set()
    await asyncio.wait_for(stopping, 5)
    assert dispatcher.finished == 1


async def test_stop_with_nothing_in_hand_returns_at_once() -> None:
    dispatcher = SlowDispatcher()
    dispatcher.release.set()
    scheduler = Scheduler(cast(Dispatcher, dispatcher), tick_seconds=3600)
    scheduler.start()
    await asyncio.wait_for(dispatcher.started.wait(), 5)
    await asyncio.wait_for(scheduler.stop(), 5)
    assert dispatcher.finished == 1
