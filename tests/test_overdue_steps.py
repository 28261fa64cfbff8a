"""/overdue groups a record's missed steps by deadline: each step is said with its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from handlers.milestones import by_deadline
from reports.facts import MilestoneLine, State
from storage.vocabulary import Milestone

START = datetime(2026, 11, 30, 16, tzinfo=UTC)

lines = st.lists(
    st.tuples(st.sampled_from(list(Milestone)), st.integers(0, 6)),
    unique_by=lambda item: item[0],
).map(
    lambda items: [
        MilestoneLine(m, START + timedelta(days=days), None, State.MISSED) for m, days in items
    ]
)


@given(lines)
def test_each_step_under_its_own_deadline_once(steps: list[MilestoneLine]) -> None:
    groups = by_deadline(steps)
    said = [(deadline, m) for deadline, which in groups for m in which]
    assert sorted(said, key=str) == sorted(((s.deadline, s.milestone) for s in steps), key=str)
    deadlines = [deadline for deadline, _ in groups]
    assert deadlines == sorted(set(deadlines))
    order = list(Milestone)
    for _, which in groups:
        assert which and which == sorted(which, key=order.index)
