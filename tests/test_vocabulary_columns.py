"""Enum-valued columns: typed with their ``StrEnum``, stored as the strings they always were."""

from __future__ import annotations

from enum import StrEnum

import pytest
from fakes import add_person
from sqlalchemy import Enum, select, text
from sqlalchemy.exc import StatementError

from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Base, Record, Reminder
from storage.vocabulary import (
    Channel,
    Intermediary,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    ReminderKind,
    ReminderStatus,
    Role,
    UnitCategory,
)

ENUM_COLUMNS = [
    column
    for table in Base.metadata.sorted_tables
    for column in table.columns
    if isinstance(column.type, Enum)
]


def test_every_enum_column_stores_values_in_a_plain_string_column() -> None:
    assert len(ENUM_COLUMNS) >= 15
    for column in ENUM_COLUMNS:
        kind = column.type
        assert isinstance(kind, Enum)
        assert kind.enum_class is not None and issubclass(kind.enum_class, StrEnum)
        values = [member.value for member in kind.enum_class]
        assert kind.enums == values, column
        assert not kind.native_enum and not kind.create_constraint, column
        assert kind.length is not None and kind.length >= max(map(len, values)), column


async def test_members_are_stored_as_their_values_and_read_back_as_members(
    db: Database, clock: FakeClock
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER, Role.DISCIPLINE])
    async with db.transaction() as session:
        record = Record(
            status=RecordStatus.SUBMITTED,
            kind=RecordKind.REFERENCE_OPINION,
            channel=Channel.OTHER_NETWORK,
            unit_category=UnitCategory.SOCIAL_ORGANISATION,
            intermediary=Intermediary.RELATIVE,
            material_route=MaterialRoute.VIA_INTEGRITY_OFFICER,
            originals_destination="sub_file",
            handler_id=person.id,
            received_at=clock.now(),
            created_at=clock.now(),
        )
        session.add(record)
        session.add(
            Reminder(
                key="k",
                kind=ReminderKind.QUARTER_DUE_TODAY,
                recipient_staff_id=person.id,
                due_at=clock.now(),
                status=ReminderStatus.CANCELLED,
                created_at=clock.now(),
            )
        )
    async with db.transaction() as session:
        raw = (
            await session.execute(
                text(
                    "SELECT status, kind, channel, unit_category, intermediary, material_route,"
                    " originals_destination FROM records"
                )
            )
        ).one()
        assert tuple(raw) == (
            "submitted",
            "reference_opinion",
            "other_network",
            "social_organisation",
            "relative",
            "via_integrity_officer",
            "sub_file",
        )
        reminder = (await session.execute(text("SELECT kind, status FROM reminders"))).one()
        assert tuple(reminder) == ("quarter_due_today", "cancelled")
        roles = (await session.execute(text("SELECT role FROM staff_roles"))).scalars().all()
        assert sorted(roles) == ["discipline", "handler"]

        loaded = (await session.execute(select(Record))).scalar_one()
        assert loaded.status is RecordStatus.SUBMITTED
        assert loaded.originals_destination is OriginalsDestination.SUB_FILE
        assert (await session.execute(select(Reminder.kind))).scalar_one() is (
            ReminderKind.QUARTER_DUE_TODAY
        )
        found = await session.execute(
            select(Record.id).where(
                Record.status == "submitted", Record.kind.in_(["reference_opinion"])
            )
        )
        assert found.scalars().all() == [loaded.id]


@pytest.mark.parametrize("wrong", ["SUBMITTED", "Submitted", "submitted ", "", "sent"])
async def test_a_string_that_is_no_member_is_refused_and_nothing_is_written(
    db: Database, clock: FakeClock, wrong: str
) -> None:
    person = await add_person(db, clock, "李四", [Role.HANDLER])
    with pytest.raises(StatementError) as raised:
        async with db.transaction() as session:
            session.add(
                Record(
                    status=wrong,
                    handler_id=person.id,
                    received_at=clock.now(),
                    created_at=clock.now(),
                )
            )
    assert isinstance(raised.value.orig, LookupError)
    async with db.transaction() as session:
        assert (await session.execute(text("SELECT count(*) FROM records"))).scalar_one() == 0
