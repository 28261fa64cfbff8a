"""A breach counts for the department that held the record when it arose (Art. 6, Art. 10).

Trial 10 F22: a record's 报送 fell overdue while its 承办部门 was 民一庭; corrected to 刑事审判庭
the next morning, the quarter's department table charged the late delivery to 刑事审判庭, and
moved it back when the record was corrected back. Over sequences of department changes before
and after each step's deadline, of a submitted record (corrections, ``amended``) and of a draft
(answers, ``field_set``): each step counts for the department that held the record at its
deadline (a step done on time, when it was done), and a move made after the report does not
change the quarter's department figures when the report is made again. The department
history is read in one statement, however many records moved.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_intake_statements import counted
from test_reports_support import (
    RULES,
    fresh_database,
    local,
    make_record,
    open_court,
    report_files,
)

from reports.facts import State
from reports.figures import Tally
from reports.quarterly import ReportFiles
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Milestone

RECEIVED = local("2026-07-02 10:00")  # Thursday: registration due 07-04 24:00 → Mon 07-06
REPORTED = local("2026-10-09 09:00")
HOURS = 24 * 20
DEPARTMENTS = ("民一庭", "刑事审判庭")

EXAMPLES = itertools.count()

Moves = list[tuple[int, int]]
"""Department changes: (hours after receipt, index into ``DEPARTMENTS``)."""


def _held(moves: Moves, at: datetime) -> str:
    """The department holding the record at ``at``: 民一庭 (张伟's own) until a change
    strictly before ``at`` says otherwise."""
    held = DEPARTMENTS[0]
    for hours, index in moves:
        if RECEIVED + timedelta(hours=hours) < at:
            held = DEPARTMENTS[index]
    return held


async def _move(db: Database, record_id: int, person: Staff, to: int, at: datetime) -> None:
    """Give record ``record_id`` department ``to`` at ``at``: a correction of a submitted
    record, an answer of a draft, as the bot keeps each."""
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        if record.number is None:
            await records_repo.set_fields(
                session, record, {"department_id": to}, actor=person, at=at
            )
        else:
            await records_repo.amend(
                session, record, "department_id", to, reason="承办部门填错", actor=person, at=at
            )


def _departments(files: ReportFiles) -> dict[str, dict[Milestone, Tally]]:
    """The report's timeliness by department: name → milestone → tally (no empty rows)."""
    names = files.figures.names
    return {
        names.department(department): tallies
        for department, tallies in files.figures.department_milestones.items()
    }


def _flat(departments: dict[str, dict[Milestone, Tally]]) -> dict[tuple[str, Milestone], Tally]:
    return {
        (name, milestone): tally
        for name, tallies in departments.items()
        for milestone, tally in tallies.items()
        if tally.due or tally.pending
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    moves=st.lists(
        st.tuples(st.integers(2, HOURS), st.sampled_from(range(len(DEPARTMENTS)))), max_size=4
    ),
    submitted=st.booleans(),
    later=st.sampled_from(range(len(DEPARTMENTS))),
)
@example(moves=[(24 * 3 + 14, 1)], submitted=True, later=0)  # the trial: moved after 报送's breach
@example(moves=[(3, 1)], submitted=True, later=0)  # moved before any deadline: the new one's
@example(moves=[(3, 1), (24 * 6, 0)], submitted=False, later=1)  # a draft moved back and forth
async def test_a_breach_counts_for_the_department_at_its_deadline(
    template_url: str, tmp_path: Path, moves: Moves, submitted: bool, later: int
) -> None:
    moves = sorted(moves)
    tmp_path = tmp_path / f"example-{next(EXAMPLES)}"  # the folder outlives one example
    async with fresh_database(template_url, tmp_path.parent) as db:
        people = await open_court(db, local("2026-07-01 09:00"))
        judge = people["张伟"]
        ids = {
            name: people[person].department_id
            for name, person in zip(DEPARTMENTS, ("张伟", "周强"), strict=True)
        }
        record_id = await make_record(
            db,
            judge,
            RECEIVED,
            submit_after=timedelta(hours=1) if submitted else None,
            deliver_after=timedelta(days=12) if submitted else None,  # late
        )  # registered on time (a draft: missed), never entered: missed
        for hours, index in moves:
            await _move(
                db, record_id, judge, ids[DEPARTMENTS[index]], RECEIVED + timedelta(hours=hours)
            )
        files = await report_files(db, "2026Q3", tmp_path / "first", now=REPORTED)
        async with db.transaction() as session:
            record = await session.get(Record, record_id)
            assert record is not None
            deadlines = RULES.for_record(record)
        found = _flat(_departments(files))
        expected: dict[tuple[str, Milestone], Tally] = {}
        for milestone in (
            Milestone.REGISTERED,
            Milestone.PLATFORM_ENTERED,
            Milestone.FORM_DELIVERED,
        ):
            deadline = deadlines[milestone]
            if milestone is Milestone.REGISTERED and submitted:
                state, at = State.ON_TIME, RECEIVED + timedelta(hours=1)
            elif milestone is Milestone.FORM_DELIVERED and submitted:
                state, at = State.LATE, deadline
            else:
                state, at = State.MISSED, deadline
            expected.setdefault((_held(moves, at), milestone), Tally()).add(state)
        assert found == expected, (moves, found)
        # A move after the report: the quarter's departments stay as they were.
        await _move(db, record_id, judge, ids[DEPARTMENTS[later]], REPORTED + timedelta(hours=1))
        again = await report_files(
            db, "2026Q3", tmp_path / "again", now=REPORTED + timedelta(days=1)
        )
        assert _flat(_departments(again)) == found


async def test_the_history_is_read_in_one_statement(db: Database, tmp_path: Path) -> None:
    """However many records moved, the report runs the same statements."""
    people = await open_court(db, local("2026-07-01 09:00"))
    judge, criminal = people["张伟"], people["周强"].department_id
    assert criminal is not None
    ids = [
        await make_record(
            db, judge, local(f"2026-07-0{day} 10:00"), deliver_after=timedelta(days=9)
        )
        for day in (2, 3, 6, 7)
    ]
    seen = []
    for n, moved in enumerate((ids[:1], ids[1:])):
        for record_id in moved:
            await _move(db, record_id, judge, criminal, local("2026-07-20 09:00"))
        with counted(db) as statements:
            await report_files(db, "2026Q3", tmp_path / str(n), now=REPORTED)
        seen.append(statements)
    assert seen[0] == seen[1], seen
    # The department history, the court's first event (when it began to use the system) and
    # the Art. 7 list's alerts: never one per record.
    assert seen[0]["SELECT audit_events"] <= 3, seen[0]
