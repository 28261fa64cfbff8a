"""``storage.records.VISIBLE`` (who may open a record, as SQL) admits exactly the records
``can_view`` admits, for every viewer: the handler, the whole court's roles, a department's
integrity officer (their department's records and their own, no co-signed one elsewhere), an
officer without a department and co-signers, the admin who sees nothing else.

Runs on the suite's database (SQLite, or PostgreSQL with ``GUOWEN_TEST_DATABASE_URL``); each
example is written in a transaction that is rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage import records as records_repo
from storage.db import Database
from storage.models import Department, Record, RecordCosigner, Staff, StaffRole
from storage.vocabulary import CosignStatus, RecordStatus, Role

AT = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
PEOPLE = 4
DEPARTMENTS = 2


@dataclass(frozen=True)
class Person:
    department: int | None
    roles: frozenset[Role]


@dataclass(frozen=True)
class Case:
    handler: int
    department: int | None
    cosigners: frozenset[int]
    offline: bool


people = st.builds(
    Person,
    st.none() | st.integers(0, DEPARTMENTS - 1),
    st.frozensets(st.sampled_from(list(Role)), max_size=3),
)
cases = st.builds(
    Case,
    st.integers(0, PEOPLE - 1),
    st.none() | st.integers(0, DEPARTMENTS - 1),
    st.frozensets(st.integers(0, PEOPLE - 1), max_size=3),
    st.booleans(),
)


class RolledBack(Exception):
    """Ends an example's transaction: nothing it wrote is kept."""


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    staff=st.lists(people, min_size=PEOPLE, max_size=PEOPLE),
    written=st.lists(cases, min_size=1, max_size=5),
)
async def test_the_sql_condition_admits_exactly_what_can_view_admits(
    db: Database, staff: list[Person], written: list[Case]
) -> None:
    with pytest.raises(RolledBack):
        async with db.transaction() as session:
            departments = [Department(name=f"庭{n}", created_at=AT) for n in range(DEPARTMENTS)]
            session.add_all(departments)
            await session.flush()
            persons = []
            for n, person in enumerate(staff):
                row = Staff(
                    name=f"人{n}",
                    department_id=(
                        departments[person.department].id if person.department is not None else None
                    ),
                    created_at=AT,
                    role_rows=[StaffRole(role=role) for role in sorted(person.roles)],
                )
                persons.append(row)
            session.add_all(persons)
            await session.flush()
            for case in written:
                record = Record(
                    status=RecordStatus.SUBMITTED,
                    handler_id=persons[case.handler].id,
                    department_id=(
                        departments[case.department].id if case.department is not None else None
                    ),
                    received_at=AT,
                    created_at=AT,
                    fields={},
                )
                record.cosigners = [
                    RecordCosigner(staff_id=persons[n].id, status=CosignStatus.PENDING)
                    for n in sorted(case.cosigners)
                ]
                if case.offline:
                    bailiff = RecordCosigner(name="法警", status=CosignStatus.PENDING)
                    record.cosigners.append(bailiff)
                session.add(record)
            await session.flush()
            loaded = (await session.execute(select(Record))).scalars().all()
            connection = await session.connection()
            for person in persons:
                expected = {r.id for r in loaded if records_repo.can_view(person, r)}
                query = select(Record.id).where(records_repo.VISIBLE)
                parameters = records_repo.visible_to(person)
                found = set((await connection.execute(query, parameters)).scalars())
                assert found == expected, (sorted(person.roles), person.department_id)
            raise RolledBack
