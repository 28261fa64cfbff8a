"""A dispatcher killed in the middle of a tick (issues 11.2, 14.3).

240 reminders are due; the dispatcher is stopped in its 14th send. Killed outright (a
``BaseException`` as a SIGKILL would: nothing after that line runs), it holds the batch it had
taken (``CLAIMED_AT_ONCE``): those rows come back after the lease flagged as possible repeats,
and only the ones it had tried go out twice. Cancelled (a graceful stop), it marks what went
out and holds only the row in flight. Either way what it had not taken goes out at the next
tick of whichever instance ticks next, a restarted one or a healthy second one, and nothing
else is sent twice. A row that cannot be worked out waits its backoff and holds up no other.
The clock only moves through the FakeClock, a tick every ``TICK``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from reminder_kit import (
    Note,
    RecordingNotifier,
    bj,
    make_dispatcher,
    new_record,
    open_court,
    reminders,
)
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.clock import FakeClock
from reminders.dispatch import BACKOFF, CLAIMED_AT_ONCE, LEASE, Facts
from storage.db import Database

TICK = timedelta(seconds=60)  # the scheduler's default tick
DUE = 240
SENT_BEFORE_DYING = 13
DUE_KINDS = {"breach", "breach_officer", "escalation"}


class Died(BaseException):
    """The process ending in the middle of a send (not an error it could catch)."""


@dataclass
class AfterCrash:
    """What a crash mid-tick cost: rows neither sent nor claimable after the crash, rows
    flagged as possible repeats, and how long after the crash the last row that was not in
    flight went out."""

    held: int
    flagged: int
    delay: timedelta
    in_flight: int


@pytest.mark.parametrize("how", ["killed", "cancelled"])
@pytest.mark.parametrize("who", ["restarted", "second-instance"])
async def test_a_crash_mid_tick_delays_the_rest_by_a_tick_and_flags_only_what_was_held(
    database_url: str, db: Database, clock: FakeClock, who: str, how: str
) -> None:
    court = await open_court(db, clock)
    for n in range(DUE // 3):
        await new_record(
            db, clock, court.id("张伟" if n % 2 else "周强"), received=bj("2026-03-06 09:00")
        )
    crash = bj("2026-03-11 12:00")  # breach, officer and escalation of each record are due
    clock.set(crash)

    dying = RecordingNotifier()

    stop: type[BaseException] = Died if how == "killed" else asyncio.CancelledError

    async def die(note: object) -> None:
        if len(dying.attempts) > SENT_BEFORE_DYING:
            raise stop

    dying.during = die
    with pytest.raises(stop):
        await make_dispatcher(db, clock, dying, instance="one").tick()
    [in_flight] = [n.reminder_id for n in dying.attempts[SENT_BEFORE_DYING:]]
    rows = [r for r in await reminders(db) if r.kind in DUE_KINDS]
    assert len(rows) == DUE
    held = [r for r in rows if r.status == "sending"]

    # The next ticks: the same instance restarted, or another one that was running all along.
    second = Database(database_url) if who == "second-instance" else db
    notifier = RecordingNotifier()
    try:
        next_one = make_dispatcher(
            second, clock, notifier, instance="one" if who == "restarted" else "two"
        )
        sent_at: dict[int, datetime] = {}
        while clock.now() < crash + LEASE + 2 * TICK:
            clock.advance(TICK)
            await next_one.tick()
            for note in notifier.sent:
                sent_at.setdefault(note.reminder_id, clock.now())
    finally:
        if second is not db:
            await second.close()

    everything = await reminders(db)
    rows = [r for r in everything if r.kind in DUE_KINDS]
    assert {r.status for r in rows} == {"sent"}
    assert not [r for r in everything if r.kind not in DUE_KINDS and r.status == "sent"]
    rest = [
        r.id for r in rows if r.id not in {h.id for h in held} | {n.reminder_id for n in dying.sent}
    ]
    figures = AfterCrash(
        held=len(held),
        flagged=sum(r.repeat for r in everything),
        delay=max(sent_at[i] for i in rest) - crash,
        in_flight=len([r for r in held if r.id == in_flight]),
    )
    print(f"\ncrash mid-tick ({who}): {figures}")
    tried = {n.reminder_id for n in dying.attempts}
    if how == "killed":
        # The batch taken was held, the row in flight among it; it comes back flagged, after
        # the lease. The rows it had sent may have arrived: they are sent again, flagged.
        assert SENT_BEFORE_DYING < figures.held <= CLAIMED_AT_ONCE
        assert figures == AfterCrash(
            held=figures.held, flagged=figures.held, delay=TICK, in_flight=1
        )
        assert tried <= {r.id for r in held}
        again = tried
    else:
        # Stopped gracefully: what went out is marked; only the row being sent was held.
        assert figures == AfterCrash(held=1, flagged=1, delay=TICK, in_flight=1)
        again = {in_flight}
    assert {r.id for r in rows if r.repeat} == {r.id for r in held}
    assert all(sent_at[r.id] - crash > LEASE for r in held)
    # Nothing sent twice but what was tried while held (its first send may have arrived).
    counted = Counter(n.reminder_id for n in dying.attempts + notifier.attempts)
    assert counted == {r.id: 2 if r.id in again else 1 for r in rows}
    assert len(dying.sent) == SENT_BEFORE_DYING
    assert all(n.repeat for n in notifier.sent if n.reminder_id in again)


class BrokenFor(RecordingNotifier):
    """Cannot work out one reminder's words (a bug, a missing catalog entry) until mended."""

    def __init__(self) -> None:
        super().__init__()
        self.broken: int | None = None

    async def prepare(self, session: AsyncSession, facts: Facts) -> Note | None:
        if self.broken is None:
            self.broken = facts.reminder.id
        if facts.reminder.id == self.broken:
            raise KeyError("reminders.breach")
        return await super().prepare(session, facts)


async def test_a_reminder_that_cannot_be_prepared_waits_its_backoff_and_holds_up_no_other(
    db: Database, clock: FakeClock
) -> None:
    court = await open_court(db, clock)
    for handler in ("张伟", "周强"):
        await new_record(db, clock, court.id(handler), received=bj("2026-03-06 09:00"))
    now = bj("2026-03-11 12:00")
    clock.set(now)
    notifier = BrokenFor()
    result = await make_dispatcher(db, clock, notifier).tick()

    rows = [r for r in await reminders(db) if r.kind in DUE_KINDS]
    [bad] = [r for r in rows if r.id == notifier.broken]
    assert (bad.status, bad.attempts, bad.next_attempt_at, bad.repeat) == (
        "pending",
        1,
        now + BACKOFF[0],
        False,
    )
    assert "KeyError" in (bad.detail or "")
    assert sorted(n.reminder_id for n in notifier.sent) == sorted(r.id for r in rows if r != bad)
    assert (result.sent, result.retried) == (len(rows) - 1, 1)

    notifier.broken = -1  # mended: it goes out when its backoff is over, once
    clock.set(now + BACKOFF[0])
    assert (await make_dispatcher(db, clock, notifier).tick()).sent == 1
    counted = Counter(n.reminder_id for n in notifier.sent)
    assert counted == {r.id: 1 for r in rows}
