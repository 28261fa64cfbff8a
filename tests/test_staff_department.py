"""Registering staff and inviting them: the limits an IT department expects.

A case handler and an integrity officer belong to a department (Art. 10): a handler's late
steps are told to their department's integrity officer, so one registered without a department
would have nobody told. Every way of registering staff refuses it, and registers nothing.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession
from test_cli_staff import config, guowen  # noqa: F401

from handlers.i18n import join, t
from storage import staff as staff_repo
from storage.db import Database
from storage.models import Staff
from storage.staff import StaffError, StaffProblem
from storage.vocabulary import DEPARTMENT_ROLES, MAX_INVITE_HOURS, Language, Role, label

AT = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
# No department: not given, empty, or only blanks.
NO_DEPARTMENT = st.sampled_from([None, "", " ", "\u3000\t"])
DEPARTMENTS = st.sampled_from(["民一庭", " 刑庭 "])


def test_the_roles_that_need_a_department() -> None:
    assert {Role.HANDLER, Role.INTEGRITY_OFFICER} == DEPARTMENT_ROLES


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    roles=st.sets(st.sampled_from(list(Role)), min_size=1),
    department=st.one_of(NO_DEPARTMENT, DEPARTMENTS),
)
async def test_add_staff_over_roles_and_departments(
    db: Database, roles: set[Role], department: str | None
) -> None:
    async with db.transaction() as session:
        before = len(await staff_repo.list_staff(session))
    given_one = bool((department or "").strip())
    needs_one = bool(roles & DEPARTMENT_ROLES)
    if needs_one and not given_one:
        with pytest.raises(StaffError) as refused:
            async with db.transaction() as session:
                await staff_repo.add_staff(
                    session,
                    name="张伟",
                    department_name=department,
                    roles=iter(sorted(roles)),
                    at=AT,
                    actor="test",
                )
        assert refused.value.problem is StaffProblem.DEPARTMENT_REQUIRED
        assert refused.value.ref == "张伟"
        async with db.transaction() as session:
            assert len(await staff_repo.list_staff(session)) == before
        return
    async with db.transaction() as session:
        person = await staff_repo.add_staff(
            session,
            name="张伟",
            department_name=department,
            roles=iter(sorted(roles)),  # a one-pass iterable keeps every role
            at=AT,
            actor="test",
            new_department=True,
        )
        assert person.roles == {str(role) for role in roles}
        there = person.department.name if person.department else None
        assert there == ((department or "").strip() or None)


@pytest.mark.parametrize("role", list(Role))
def test_staff_add_over_roles_with_and_without_a_department(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    role: Role,
) -> None:
    without = guowen(config, "staff", "add", "--name", "张伟", "--role", role.value)
    if role in DEPARTMENT_ROLES:
        assert without == (2, [])
        error = capsys.readouterr().err.strip()
        assert error == t(
            None, "cli.staff_department_required", ref="张伟", roles=label(role, Language.ZH)
        )
        assert "--department" in error
        assert guowen(config, "staff", "list")[1][1:] == []  # nobody registered
        blank = (
            "staff",
            "add",
            "--name",
            "张伟",
            "--new-department",
            "--department",
            "  ",
            "--role",
            role.value,
        )
        assert guowen(config, *blank) == (2, [])
    else:
        assert without[0] == 0
    capsys.readouterr()
    add = (
        "staff",
        "add",
        "--name",
        "李娜",
        "--new-department",
        "--department",
        "民一庭",
        "--role",
        role.value,
    )
    assert guowen(config, *add)[0] == 0
    assert any(
        row.split("\t")[1:3] == ["李娜", "民一庭"] for row in guowen(config, "staff", "list")[1]
    )


def test_the_message_names_each_role_that_needs_it_in_english(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[court]\nlanguage = "en"\n', encoding="utf-8"
    )
    argv = ["staff", "add", "--name", "张伟", "--role", "integrity_officer", "--role", "handler"]
    assert guowen(config, *[*argv, "--role", "admin"]) == (2, [])
    roles = join(
        Language.EN, [label(Role.HANDLER, Language.EN), label(Role.INTEGRITY_OFFICER, Language.EN)]
    )
    error = capsys.readouterr().err.strip()
    assert error == t(Language.EN, "cli.staff_department_required", ref="张伟", roles=roles)
    assert "IT administrator" not in error


@settings(max_examples=20, deadline=None)
@given(
    hours=st.one_of(
        st.integers(min_value=-(10**6), max_value=0),
        st.integers(min_value=MAX_INVITE_HOURS + 1, max_value=10**7),
    )
)
def test_issue_invite_refuses_a_validity_outside_one_to_thirty_days(hours: int) -> None:
    """The chat and the command line bound it first; the repository refuses it all the same."""
    person = Staff(name="张伟", active=True)

    async def issue() -> None:
        await staff_repo.issue_invite(
            cast(AsyncSession, None), person, at=AT, valid_for=timedelta(hours=hours), actor="t"
        )

    with pytest.raises(ValueError, match="720"):
        asyncio.run(issue())
