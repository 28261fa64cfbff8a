"""Who oversees a record is read from the staff as it is, not as it was when it was planned.

A record planned while discipline inspection had nobody registered plans no escalation to
anyone there. Once someone is registered (or leaves), the dispatcher's next tick plans every
open record again, so each record's plan is what planning it afresh now gives: the same
as a record received at the same time and planned after the change, whatever the change
(someone added to discipline inspection or to the department's integrity officers, or the
one there disabled).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from reminder_kit import RecordingNotifier, bj, make_dispatcher, new_record, open_court, reminders

from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.db import Database
from storage.models import Reminder
from storage.vocabulary import ReminderKind, ReminderStatus, Role

OVERSIGHT = {ReminderKind.ESCALATION, ReminderKind.BREACH_OFFICER}


def _oversight(rows: list[Reminder], record_id: int) -> set[tuple[str, int]]:
    """(kind, recipient) of the record's pending oversight rows, by deadline order."""
    return {
        (row.kind, row.recipient_staff_id)
        for row in rows
        if row.record_id == record_id
        and row.kind in OVERSIGHT
        and row.status == ReminderStatus.PENDING
    }


@pytest.mark.parametrize("nobody_first", [True, False])
@pytest.mark.parametrize("change", ["add_discipline", "add_officer", "disable_discipline"])
async def test_open_records_are_planned_on_the_staff_of_now(
    db: Database, clock: FakeClock, change: str, nobody_first: bool
) -> None:
    clock.set(bj("2026-03-02 09:00"))
    court = await open_court(db, clock)
    dispatcher = make_dispatcher(db, clock, RecordingNotifier())
    await dispatcher.tick()
    if nobody_first:  # discipline inspection left with nobody
        async with db.transaction() as session:
            for person in await staff_repo.with_role(session, Role.DISCIPLINE):
                await staff_repo.disable_staff(session, person, at=clock.now(), actor="test")
    handler = court.staff["张伟"].id
    received = clock.now() - timedelta(hours=1)
    before = await new_record(db, clock, handler, received=received)
    await dispatcher.tick()

    async with db.transaction() as session:
        if change == "disable_discipline":
            for person in await staff_repo.with_role(session, Role.DISCIPLINE):
                await staff_repo.disable_staff(session, person, at=clock.now(), actor="test")
        else:
            role = Role.DISCIPLINE if change == "add_discipline" else Role.INTEGRITY_OFFICER
            await staff_repo.add_staff(
                session,
                name="新人",
                department_name="纪检监察室" if role is Role.DISCIPLINE else "民一庭",
                roles=[role],
                at=clock.now(),
                actor="test",
                new_department=False,
            )
    await dispatcher.tick()
    after = await new_record(db, clock, handler, received=received)

    rows = await reminders(db)
    planned_before = _oversight(rows, before)
    planned_after = _oversight(rows, after)
    assert planned_after, "a record with deadlines is overseen by someone"
    assert planned_before == planned_after, (change, planned_before, planned_after)
