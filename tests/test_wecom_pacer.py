"""The WeCom pacer: whatever the traffic, no window holds more messages than WeCom allows,
none is dropped, each member's go in order, and none waits longer than it must."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import fake_wecom as fw
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.wecom import Pacer
from reminders.clock import FakeClock

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=10)


def most_in_any(times: list[datetime], span: timedelta) -> int:
    return max((sum(1 for other in times if t - span < other <= t) for t in times), default=0)


@settings(max_examples=80, deadline=None)
@given(
    plan=st.lists(
        st.tuples(st.sampled_from(["a", "b"]), st.integers(min_value=0, max_value=15)),
        max_size=40,
    ),
    per_window=st.integers(min_value=1, max_value=4),
    per_hour=st.integers(min_value=4, max_value=12),
)
def test_the_pacer_keeps_every_limit_and_drops_nothing(
    plan: list[tuple[str, int]], per_window: int, per_hour: int
) -> None:
    """``plan``: (member, seconds after the previous message was handed over)."""

    async def run() -> dict[str, list[tuple[int, datetime]]]:
        clock = FakeClock(START)
        sleep = fw.FakeSleep(clock)
        pacer = Pacer(
            clock, sleep, per_member=per_window, window=WINDOW, per_member_hourly=per_hour
        )
        sent: dict[str, list[tuple[int, datetime]]] = {"a": [], "b": []}
        for number, (member, gap) in enumerate(plan):
            clock.advance(timedelta(seconds=gap))
            async with pacer.turn(member):
                await pacer.take(member)
                sent[member].append((number, clock.now()))
        return sent

    sent = asyncio.run(run())
    for member in ("a", "b"):
        numbers = [number for number, _ in sent[member]]
        assert numbers == [n for n, (who, _) in enumerate(plan) if who == member]
        times = [moment for _, moment in sent[member]]
        assert times == sorted(times)
        assert most_in_any(times, WINDOW) <= per_window
        assert most_in_any(times, timedelta(hours=1)) <= per_hour


def test_a_message_waits_only_until_the_window_frees() -> None:
    async def run() -> list[float]:
        clock = FakeClock(START)
        sleep = fw.FakeSleep(clock)
        pacer = Pacer(clock, sleep, per_member=2, window=WINDOW)
        for _ in range(3):
            async with pacer.turn("a"):
                await pacer.take("a")
            clock.advance(timedelta(seconds=1))
        return sleep.pauses

    assert asyncio.run(run()) == [8.0]
