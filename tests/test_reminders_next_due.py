"""``Dispatcher.next_due``: the next moment a pending reminder may go out is never before now
and never inside the quiet hours, and at that moment the reminder does go out.

``guowen demo``'s ``/clock`` moves time from one such moment to the next: a moment in the
past (a late registration's breach, due weeks ago, pending at night) once sent the demo clock
back and round the same stop for ever.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, Court, RecordingNotifier, bj, end_of, make_dispatcher, new_record
from reminder_kit import open_court as kit_court
from sqlalchemy import delete

from reminders.clock import FakeClock
from reminders.outbox import Planned, ReminderKind, ensure
from storage.db import Database
from storage.models import Reminder

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database, each starting with no reminder pending.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
START = bj("2026-03-06 10:00")


@pytest.fixture
async def court(db: Database, clock: FakeClock) -> Court:
    """One court for every example of a test (the examples share its database)."""
    return await kit_court(db, clock)


@settings(max_examples=40, derandomize=True, **_COMMON)
@given(
    due_minutes=st.integers(min_value=-60 * 24 * 60, max_value=3 * 24 * 60),
    now_minutes=st.integers(min_value=0, max_value=7 * 24 * 60),
)
async def test_next_due_is_never_past_nor_quiet_and_sends_there(
    db: Database, clock: FakeClock, court: Court, due_minutes: int, now_minutes: int
) -> None:
    clock.set(START)
    now = START + timedelta(minutes=now_minutes)
    due = now + timedelta(minutes=due_minutes)
    record_id = await new_record(db, clock, court.id("张伟"), received=START)
    async with db.transaction() as session:
        await session.execute(delete(Reminder))
        await ensure(
            session,
            [
                Planned(
                    key=f"r{record_id}",
                    kind=ReminderKind.BREACH,
                    recipient_staff_id=court.id("张伟"),
                    due_at=due,
                    record_id=record_id,
                    deadline=end_of("2026-03-09"),
                )
            ],
            at=START,
        )
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    clock.set(now)
    moment = await dispatcher.next_due()
    assert moment is not None
    assert moment >= now, (due, now, moment)
    assert not dispatcher.quiet.contains(moment.astimezone(BEIJING)), moment
    if not dispatcher.quiet.contains(max(due, now).astimezone(BEIJING)):
        assert moment == max(due, now)
    # Time moved to that moment sends it: a loop stepping from one such moment to the next
    # always gets on.
    clock.set(moment)
    result = await dispatcher.tick()
    assert result.claimed == 1, (due, now, moment, result)
    after = await dispatcher.next_due()  # the tick may plan others (the quarter's), later
    assert after is None or after > moment, (moment, after)
