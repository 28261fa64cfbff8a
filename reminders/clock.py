"""The only place that reads the wall clock.

Everything else takes a ``Clock``, so tests and the demo move time instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where the time comes from: the system in production, ``FakeClock`` in tests and the demo."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    """The system's clock, in UTC."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)


class FakeClock:
    """A clock that stands still until told to move."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        """The time the clock stands at."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock on by ``delta``; the new time.

        Raises ``ValueError`` for a negative delta.
        """
        if delta < timedelta(0):
            raise ValueError("time does not run backwards")
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Put the clock at ``moment``. Raises ``ValueError`` for a naive datetime."""
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware time")
        self._now = moment
