"""A report counts each record's Art. 6 deadlines once per court-local day of receipt
(``reports.facts.milestone_lines`` with ``known``): the lines are those counted afresh."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reminders.calendar import ChinaCalendar, Counting, schedule_from_package
from reminders.deadlines import DeadlineRules
from reports.facts import DeadlineKey, milestone_lines, milestones_of
from storage.models import Record
from storage.vocabulary import CosignStatus, Milestone, RecordKind, RecordStatus

BEIJING = ZoneInfo("Asia/Shanghai")
YEARS = {year: s for year in (2025, 2026) if (s := schedule_from_package(year)) is not None}
CALENDAR = ChinaCalendar(YEARS, BEIJING)
NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
# Around the October holidays and midnight in Beijing, in the zones a record may carry.
MOMENTS = st.builds(
    lambda minutes, zone: (
        datetime(2026, 9, 26, tzinfo=UTC) + timedelta(minutes=minutes)
    ).astimezone(zone),
    st.integers(min_value=0, max_value=20 * 24 * 60),
    st.sampled_from([UTC, BEIJING, ZoneInfo("America/New_York")]),
)
LATER = st.none() | st.integers(min_value=0, max_value=7 * 24 * 60).map(
    lambda minutes: timedelta(minutes=minutes)
)


@st.composite
def records(draw: st.DrawFn) -> Record:
    received = draw(MOMENTS)
    after = [draw(LATER) for _ in range(4)]
    at = [received + delta if delta is not None else None for delta in after]
    cosigners = [
        SimpleNamespace(
            responded_at=draw(st.none() | st.just(received + timedelta(hours=n))),
            status=draw(st.sampled_from(list(CosignStatus))),
        )
        for n in range(draw(st.integers(min_value=0, max_value=2)))
    ]
    return cast(
        Record,
        SimpleNamespace(
            received_at=received,
            submitted_at=at[0],
            platform_entered_at=at[1],
            form_delivered_at=at[2],
            kind=draw(st.sampled_from([*RecordKind, None])),
            status=draw(st.sampled_from(list(RecordStatus))),
            cosigners=cosigners,
            cosigners_done=draw(st.booleans()),
        ),
    )


@settings(suppress_health_check=[HealthCheck.too_slow])  # a batch of records a draw
@given(
    st.lists(records(), min_size=1, max_size=12),
    st.sampled_from(list(Counting)),
    st.integers(min_value=1, max_value=3),
)
def test_known_deadlines_give_the_lines_counted_afresh(
    batch: list[Record], counting: Counting, days: int
) -> None:
    rules = DeadlineRules(
        counting=counting, register_days=days, cosign_days=days + 1, calendar=CALENDAR
    )
    known: dict[DeadlineKey, dict[Milestone, datetime]] = {}
    for record in batch:
        assert milestone_lines(record, rules, NOW, known) == milestone_lines(record, rules, NOW)
    assert len(known) <= len(batch)


@settings(suppress_health_check=[HealthCheck.too_slow])  # a batch of records a draw
@given(
    st.lists(records(), max_size=12),
    st.sampled_from(list(Counting)),
    st.integers(min_value=1, max_value=3),
)
def test_a_batch_gives_each_record_its_lines_counted_afresh(
    batch: list[Record], counting: Counting, days: int
) -> None:
    """``milestones_of`` (a report's batch) gives, record by record, the lines
    ``milestone_lines`` counts alone: the same deadlines, times met and states."""
    rules = DeadlineRules(
        counting=counting, register_days=days, cosign_days=days + 1, calendar=CALENDAR
    )
    known: dict[DeadlineKey, dict[Milestone, datetime]] = {}
    assert milestones_of(batch, rules, NOW, known) == [
        milestone_lines(record, rules, NOW) for record in batch
    ]
    # Another batch with the deadlines kept from the first: still the same lines.
    assert milestones_of(batch[::-1], rules, NOW, known) == [
        milestone_lines(record, rules, NOW) for record in batch[::-1]
    ]


def test_a_naive_time_is_refused_as_the_calendar_refuses_it() -> None:
    record: Any = SimpleNamespace(
        received_at=datetime(2026, 10, 1, 9, 0),  # noqa: DTZ001
        submitted_at=None,
        kind=RecordKind.EXTERNAL,
        cosigners=[],
    )
    with pytest.raises(ValueError, match="2026-10-01T09:00:00"):
        milestone_lines(record, DeadlineRules(calendar=CALENDAR), NOW, {})
    with pytest.raises(ValueError, match="2026-10-01T09:00:00"):
        milestones_of([record], DeadlineRules(calendar=CALENDAR), NOW, {})
