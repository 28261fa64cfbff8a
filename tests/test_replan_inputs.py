"""A message re-plans a record's reminders only when a field they are made of changed, and the
role holders the planner asks for are read once a transaction (issue 14.1).

Whatever is skipped must be exactly what planning again would not have changed: for each field
an intake sets, the plan after the skip equals the plan made from scratch.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from reminder_kit import bj, new_record, open_court, reminders
from sqlalchemy import event

from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from reminders.planner import PLAN_INPUTS, Timing, plan_record, plan_touched
from storage import records as records_repo
from storage import staff as staff_repo
from storage.db import Database
from storage.models import Department, Record, Staff
from storage.vocabulary import Role

RECEIVED = "2026-03-06 09:00"


async def _pending(db: Database, record_id: int) -> list[tuple[str, str, datetime]]:
    rows = await reminders(db, record_id=record_id, status="pending")
    return sorted((r.kind, str(r.recipient_staff_id), r.due_at) for r in rows)


@pytest.mark.parametrize(
    ("field", "value", "planned"),
    [
        ("inquirer_name", "李某", False),
        ("summary", "询问案件进展", False),
        ("received_at", bj("2026-03-09 09:00"), True),
        ("kind", "reference_opinion", True),
    ],
)
async def test_only_a_change_to_a_plan_input_plans_again_and_the_plan_is_the_same_as_afresh(
    db: Database, clock: FakeClock, field: str, value: object, planned: bool
) -> None:
    court = await open_court(db, clock)
    record_id = await new_record(db, clock, court.id("张伟"), received=bj(RECEIVED), submit=False)
    rules, timing = DeadlineRules(), Timing()
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        setattr(record, field, value)
        records_repo.touch(session, record)
        done = await plan_touched(session, rules, timing, clock.now())
    assert (done == [record_id]) is planned
    assert (field in PLAN_INPUTS) is planned
    kept = await _pending(db, record_id)

    async with db.transaction() as session:  # the plan made from scratch, for comparison
        record = await session.get(Record, record_id)
        assert record is not None
        await plan_record(session, record, rules, timing, clock.now())
    assert await _pending(db, record_id) == kept


async def test_a_new_record_and_a_touch_with_nothing_changed(
    db: Database, clock: FakeClock
) -> None:
    court = await open_court(db, clock)
    record_id = await new_record(db, clock, court.id("张伟"), received=bj(RECEIVED))
    assert await _pending(db, record_id)  # planned when it was created
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        records_repo.touch(session, record)
        assert await plan_touched(session, DeadlineRules(), Timing(), clock.now()) == []


@contextmanager
def selects(db: Database, wanted: str) -> Iterator[list[str]]:
    """The SELECT statements run on ``db`` in the block whose text holds ``wanted``."""
    found: list[str] = []

    def note(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        if wanted in statement and statement.lstrip().upper().startswith("SELECT"):
            found.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        yield found
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", note)


async def test_role_holders_are_read_once_a_transaction_and_again_after_a_staff_change(
    db: Database, clock: FakeClock
) -> None:
    await open_court(db, clock)
    with selects(db, "staff_roles") as statements:
        async with db.transaction() as session:
            first = await staff_repo.with_role(session, Role.DISCIPLINE)
            again = await staff_repo.with_role(session, Role.DISCIPLINE)
            assert list(again) == list(first)
            reads = len(statements)
            person = await staff_repo.add_staff(
                session,
                name="新纪检",
                department_name=None,
                roles=[Role.DISCIPLINE],
                at=clock.now() + timedelta(minutes=1),
                actor="test",
                new_department=True,
            )
            person_id = person.id
            after = await staff_repo.with_role(session, Role.DISCIPLINE)
            assert person_id in {p.id for p in after}
            assert len(statements) > reads
            async with session.begin_nested() as savepoint:
                person.active = False
                inside = await staff_repo.with_role(session, Role.DISCIPLINE)
                assert person_id not in {p.id for p in inside}
                await savepoint.rollback()
            back = await staff_repo.with_role(session, Role.DISCIPLINE)
            assert person_id in {p.id for p in back}
            assert isinstance(await session.get(Staff, person_id), Staff)


async def test_departments_are_read_once_a_transaction_and_again_after_one_is_added(
    db: Database, clock: FakeClock
) -> None:
    await open_court(db, clock)

    def names(found: Sequence[Department]) -> list[str]:
        return [department.name for department in found]

    at = clock.now() + timedelta(minutes=1)
    with selects(db, "FROM departments") as statements:
        async with db.transaction() as session:
            first = names(await staff_repo.departments(session))
            assert names(await staff_repo.departments(session)) == first
            assert len(statements) == 1
            added = await staff_repo.department(session, "新设审判庭", at=at)
            assert names(await staff_repo.departments(session)) == [*first, added.name]
            session.add(Department(name="未写入庭", created_at=at))  # pending, not flushed
            assert names(await staff_repo.departments(session))[-1] == "未写入庭"
            async with session.begin_nested() as savepoint:
                await staff_repo.department(session, "暂设庭", at=at)
                assert names(await staff_repo.departments(session))[-1] == "暂设庭"
                await savepoint.rollback()
            assert names(await staff_repo.departments(session))[-1] == "未写入庭"
