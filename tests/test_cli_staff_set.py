"""``guowen staff set``: a person's department, roles or name corrected, audited.

A department typed wrong at ``staff add`` ("民一庭" for "民事审判第一庭"), a judge who moves to
another division or gains a role: the person is changed in place (an audit event with before
and after), never disabled and registered again. A change that leaves something unowned (drafts
and steps owed as handler once the handler role goes, the last holder of a required role going
away) is refused with the list, exit 2; ``--force`` changes all the same and tells the overseers
as ``staff disable --force`` does, naming who gets the list and who cannot.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dialogue import Court
from fakes import empty_database_sync
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from test_cli_staff import but_office_notes, config, guowen, write_config  # noqa: F401
from test_cli_staff_disable import (
    CLI_RUNS,
    Cast,
    Held,
    court_of,
    expected_lines,
    held,
    judge_with_a_draft,
    overseers,
    told,
)

from handlers.i18n import join, t
from reminders import holdings
from storage import crosscheck
from storage import records as records_repo
from storage import staff as staff_repo
from storage.db import Database
from storage.models import AuditEvent, Staff
from storage.vocabulary import Role, label

# Where 张三 (of 民一庭) is moved: nowhere, within 民一庭 typed another way, or a new division.
DEPARTMENTS = (None, "民一庭　", "刑事审判庭")
CHANGED = select(AuditEvent).where(AuditEvent.kind == "staff_changed")


def add(path: Path, name: str, department: str, *roles: Role, new: bool = False) -> None:
    """``guowen staff add`` of ``name`` in ``department`` (``new``: ``--new-department``), with
    the configuration at ``path``."""
    argv = ["staff", "add", "--name", name, "--department", department]
    argv += ["--new-department"] * new + [arg for r in roles for arg in ("--role", r.value)]
    assert guowen(path, *argv)[0] == 0


def role_words(roles: list[Role]) -> str:
    return join(None, [label(role, "zh-CN") for role in roles])


async def bind_one(url: str, name: str, now: datetime) -> None:
    """Give ``name`` a chat account, as ``/start CODE`` would."""
    db = Database(url)
    try:
        async with db.transaction() as session:
            person = (await session.execute(select(Staff).where(Staff.name == name))).scalar_one()
            await staff_repo.bind(
                session,
                person=person,
                transport="telegram",
                external_id=f"tg-{person.id}",
                chat_id=f"tg-{person.id}",
                display_name=name,
                at=now,
                via="test",
            )
    finally:
        await db.close()


async def read(url: str, query: Any) -> list[Any]:
    db = Database(url)
    try:
        async with db.transaction() as session:
            return list((await session.execute(query)).scalars())
    finally:
        await db.close()


async def problems(url: str) -> list[Any]:
    db = Database(url)
    try:
        return [problem async for problem in crosscheck.rows(db)]
    finally:
        await db.close()


@given(
    held(),
    st.one_of(st.none(), st.sets(st.sampled_from(list(Role)), min_size=1)),
    st.sampled_from(DEPARTMENTS),
    st.booleans(),
)
@example(Held(2, True, True, frozenset(), frozenset()), {Role.LEADER}, None, False)
@example(Held(1, False, False, frozenset(), frozenset()), None, "刑事审判庭", False)
@example(
    Held(0, False, False, frozenset({Role.INTEGRITY_OFFICER}), frozenset({Role.INTEGRITY_OFFICER})),
    None,
    "刑事审判庭",
    True,
)
@example(
    Held(0, False, True, frozenset({Role.DISCIPLINE}), frozenset({Role.DISCIPLINE})),
    {Role.HANDLER},
    None,
    True,
)
@example(Held(0, False, False, frozenset(), frozenset()), None, None, False)
@settings(CLI_RUNS, max_examples=12)
def test_a_change_that_leaves_something_unowned_is_refused_and_forced_tells_the_overseers(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    held: Held,
    roles: set[Role] | None,
    department: str | None,
    officer_bound: bool,
) -> None:
    with court_of(tmp_path_factory.mktemp("set"), held) as (conf, cast, now):
        url = cast.url
        if officer_bound and held.officers_elsewhere:
            asyncio.run(bind_one(url, "李四", now))
        capsys.readouterr()
        argv = ["staff", "set", "张三"]
        if department is not None:
            argv += ["--department", department, "--new-department"]
        for role in sorted(roles or ()):
            argv += ["--role", role.value]
        if department is None and roles is None:
            argv += ["--name", "张三"]  # nothing but the same name: nothing changes
        before = sorted([Role.HANDLER, *held.roles])
        after = sorted(roles) if roles is not None else before
        moving = department == "刑事审判庭"

        # What the change takes away (the disable test's list, kept to what this change loses).
        dropping_handler = Role.HANDLER not in after
        lost_roles = {
            role
            for role in held.last
            if role not in after or (role is Role.INTEGRITY_OFFICER and moving)
        }
        kept = Held(
            drafts=held.drafts if dropping_handler else 0,
            own=held.own and dropping_handler,
            cosign=False,
            roles=held.roles,
            last=frozenset(lost_roles),
        )
        visible = Cast(
            cast.url,
            cast.ids,
            cast.draft_ids if dropping_handler else [],
            cast.own if dropping_handler else None,
            None,
        )
        listed = "\n".join(expected_lines(kept, visible))

        status, lines = guowen(conf, *argv)
        err = capsys.readouterr().err
        changes = asyncio.run(read(url, CHANGED))
        if kept.empty:
            assert status == 0, err
            if before == after and not moving:
                state = t(
                    None, "held.person", name="张三", department="民一庭", roles=role_words(before)
                )
                assert lines == [t(None, "cli.staff_unchanged", id=1, state=state)]
                assert changes == []
                return
            there = "刑事审判庭" if moving else "民一庭"
            assert lines[-1] == t(
                None,
                "cli.staff_changed",
                id=1,
                after=t(
                    None, "held.person", name="张三", department=there, roles=role_words(after)
                ),
                before=t(
                    None, "held.person", name="张三", department="民一庭", roles=role_words(before)
                ),
            )
            assert len(changes) == 1
            assert json.loads(changes[0].payload)["before"]["roles"] == [r.value for r in before]
            assert not asyncio.run(cast.notices())  # nothing left, nobody told
            assert asyncio.run(problems(url)) == []
            return
        assert (status, lines) == (2, [])
        assert err == t(None, "cli.staff_set_holds", id=1, name="张三", list=listed) + "\n"
        assert changes == []  # refused: nothing changed, nothing told
        assert not asyncio.run(cast.notices())

        status, lines = guowen(conf, *argv, "--force")
        err = capsys.readouterr().err
        assert status == 0, err
        records = [*visible.draft_ids, visible.own[0]] if visible.own else visible.draft_ids
        want = told(cast, held, records, lost_roles)
        assert asyncio.run(cast.notices()) == want
        bound = {cast.ids["李四"]} if officer_bound and held.officers_elsewhere else set()
        reached = [n for n in sorted(want) if n in bound]
        unreached = [n for n in sorted(want) if n not in bound]
        expected = t(None, "cli.staff_changed_holding", name="张三", list=listed) + "\n"
        if reached:
            expected += t(None, "cli.overseers_told", people=overseers(cast, reached)) + "\n"
        if unreached:
            people = overseers(cast, unreached)
            line = t(None, "cli.overseers_unreachable", people=people, id=unreached[0])
            expected += line + "\n"
        assert err.startswith(expected)
        changes = asyncio.run(read(url, CHANGED))
        assert len(changes) == 1
        event = json.loads(changes[0].payload)
        assert event["forced"] is True and event["told"] == sorted(want)
        assert event["after"]["roles"] == [r.value for r in after]
        assert event["after"]["department"] == ("刑事审判庭" if moving else "民一庭")
        assert asyncio.run(problems(url)) == []  # ``guowen verify`` agrees with the staff row


def test_a_mistyped_department_is_corrected_in_place(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    """F15: 王芳 registered under "民一庭" (a typo for 民事审判第一庭) is moved there: the add
    warning says how, the person keeps their number, and the typo's department, left empty,
    is reported."""
    civil = "民事审判第一庭"
    add(config, "钱进", civil, Role.INTEGRITY_OFFICER, new=True)
    add(config, "张伟", civil, Role.HANDLER)
    capsys.readouterr()
    add(config, "王芳", "民一庭", Role.INTEGRITY_OFFICER)
    warned = capsys.readouterr().err
    assert "guowen staff set" in warned and "disable" not in warned

    status, lines = guowen(config, "staff", "set", "王芳", "--department", "民事审判第一庭")
    err = capsys.readouterr().err
    role = label(Role.INTEGRITY_OFFICER, "zh-CN")
    assert (status, lines) == (
        0,
        [
            t(
                None,
                "cli.staff_changed",
                id=3,
                after=t(None, "held.person", name="王芳", department="民事审判第一庭", roles=role),
                before=t(None, "held.person", name="王芳", department="民一庭", roles=role),
            )
        ],
    )
    assert t(None, "cli.department_left_empty", department="民一庭") in err.splitlines()
    status, lines = guowen(config, "staff", "list")
    assert lines[1:] == [
        f"1\t钱进\t民事审判第一庭\t{role}\t在用",
        f"2\t张伟\t民事审判第一庭\t{label(Role.HANDLER, 'zh-CN')}\t在用",
        f"3\t王芳\t民事审判第一庭\t{role}\t在用",
    ]


def test_a_judge_moves_and_gains_a_role(config: Path) -> None:  # noqa: F811
    """A handler with nothing open moves to 刑事审判庭 (made, as ``add`` makes one) and becomes
    its integrity officer too; ``--role`` lists every role the person is to hold."""
    add(config, "张伟", "民事审判第一庭", Role.HANDLER, new=True)
    status, lines = guowen(
        config,
        "staff",
        "set",
        "1",
        "--department",
        "刑事审判庭",
        "--role",
        "handler",
        "--role",
        "integrity_officer",
    )
    assert status == 0
    both = role_words([Role.HANDLER, Role.INTEGRITY_OFFICER])
    assert lines == [
        t(None, "cli.department_created", department="刑事审判庭"),
        t(
            None,
            "cli.staff_changed",
            id=1,
            after=t(None, "held.person", name="张伟", department="刑事审判庭", roles=both),
            before=t(
                None,
                "held.person",
                name="张伟",
                department="民事审判第一庭",
                roles=label(Role.HANDLER, "zh-CN"),
            ),
        ),
    ]


def test_set_without_a_change_or_a_department_for_a_handler_is_refused(
    config: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert guowen(config, "staff", "add", "--name", "李四", "--role", "leader")[0] == 0
    capsys.readouterr()
    assert guowen(config, "staff", "set", "李四") == (2, [])
    assert capsys.readouterr().err == t(None, "cli.staff_set_nothing", ref="李四") + "\n"
    assert guowen(config, "staff", "set", "李四", "--role", "handler") == (2, [])
    handler = label(Role.HANDLER, "zh-CN")
    refused = t(None, "cli.staff_set_department_required", ref="李四", roles=handler)
    assert capsys.readouterr().err == refused + "\n"
    assert guowen(config, "staff", "set", "9", "--name", "王五")[0] == 2
    capsys.readouterr()
    # A new name another active person has is allowed, and said: numbers name them now.
    assert guowen(config, "staff", "add", "--name", "王五", "--role", "leader")[0] == 0
    status, lines = guowen(config, "staff", "set", "李四", "--name", "王五")
    assert status == 0 and len(lines) == 1
    shared = t(None, "cli.staff_name_shared", name="王五", ids="1、2")
    assert but_office_notes(capsys.readouterr().err) == [shared]  # the notes: from staff add


def test_disable_force_lists_before_the_verdict_and_names_who_cannot_be_reached(
    tmp_path: Path,
) -> None:
    """F16: in a terminal (stdout and stderr on one screen) the list and who gets it come
    before "已停用"; the bound integrity officer is told, the unbound one must be invited."""
    with empty_database_sync(tmp_path) as url:
        config = write_config(tmp_path, url)
        assert guowen(config, "db", "upgrade")[0] == 0
        add = ("staff", "add", "--department", "民一庭", "--new-department", "--name")
        assert guowen(config, *add, "钱进", "--role", "integrity_officer")[0] == 0
        assert guowen(config, *add, "孙红", "--role", "integrity_officer")[0] == 0
        assert guowen(config, *add, "张伟", "--role", "handler")[0] == 0
        assert guowen(config, *add, "王五", "--role", "handler")[0] == 0
        now = datetime.now(UTC) - timedelta(hours=1)
        asyncio.run(bind_one(url, "钱进", now))
        asyncio.run(draft_of(url, "张伟", now))
        run = subprocess.run(
            [
                sys.executable,
                "-u",  # each line written as printed, as a terminal shows it
                "-m",
                "bot.cli",
                "staff",
                "disable",
                "张伟",
                "--force",
                "--config",
                str(config),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            cwd=Path(__file__).parent.parent,
        )
        assert run.returncode == 0, run.stdout
        listed = t(None, "held.draft", title=t(None, "card.draft_title", id=1))
        assert run.stdout.splitlines() == [
            *t(None, "cli.staff_disabled_holding", name="张伟", list=listed).splitlines(),
            t(None, "cli.overseers_told", people=t(None, "cli.overseer", id=1, name="钱进")),
            t(
                None,
                "cli.overseers_unreachable",
                people=t(None, "cli.overseer", id=2, name="孙红"),
                id=2,
            ),
            t(None, "cli.staff_disabled", id=3, name="张伟"),
        ]
        assert "草稿 草稿" not in run.stdout


async def draft_of(url: str, name: str, now: datetime) -> None:
    db = Database(url)
    try:
        async with db.transaction() as session:
            person = (await session.execute(select(Staff).where(Staff.name == name))).scalar_one()
            await records_repo.create_draft(session, handler=person, received_at=now, at=now)
    finally:
        await db.close()


async def test_the_overseer_reads_the_change_in_the_chat(court: Court, db: Database) -> None:
    """A forced change's notice is a reminder row like a disabling's: the next tick sends the
    department's integrity officer (钱进 oversees 民一庭, harness.PEOPLE) what 张伟 no longer
    holds, and how 张伟 was changed."""
    bot = court.bot
    now = bot.clock.now()
    async with db.transaction() as session:
        judge, draft = await judge_with_a_draft(session, court, now)
        done, lost = await holdings.change(
            session,
            judge,
            bot.app.services.rules,
            name=None,
            department=None,
            roles=frozenset({Role.LEADER}),
            at=now,
            actor="cli",
            force=True,
        )
        assert done is not None and [r.id for r in lost.drafts] == [draft.id]
    await bot.app.dispatcher.tick()
    listed = t(None, "held.draft", title=t(None, "card.draft_title", id=draft.id))
    handler, leader = label(Role.HANDLER, "zh-CN"), label(Role.LEADER, "zh-CN")
    notice = t(
        None,
        "reminders.staff_changed",
        name="张伟",
        department="民一庭",
        before=t(None, "held.person", name="张伟", department="民一庭", roles=handler),
        after=t(None, "held.person", name="张伟", department="民一庭", roles=leader),
        list=listed,
    )
    assert notice in bot.texts_to(court.accounts["钱进"])
