"""``guowen staff disable`` of a person who still holds something (``reminders.holdings``).

A disabled person is reminded of nothing, so disabling one who still has drafts, steps owed
(as handler or as staff present who has to co-sign) or the last of a role the rules require
is refused with the list, on standard error; ``--force`` disables them all the same, and
each overseer (the department's integrity officers, else discipline inspection, else the
court's leaders) gets a notice of what is theirs, audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dialogue import Court
from fakes import empty_database_sync
from harness import register
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from test_cli_staff import guowen, write_config

from handlers.i18n import join, t
from reminders import holdings
from reminders.clock import FakeClock
from reminders.holdings import REQUIRED_ROLES
from storage import records as records_repo
from storage.db import Database
from storage.models import AuditEvent, Record, Reminder, Staff
from storage.vocabulary import Milestone, ReminderKind, Role, label

BEIJING = ZoneInfo("Asia/Shanghai")
CLI_RUNS = settings(
    deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
"""Hypothesis settings of a property test that runs the CLI on a fresh database each example."""


@dataclass(frozen=True)
class Held:
    """What the person to disable holds: ``drafts`` drafts, a submitted record of their own
    with steps owed (``own``), a colleague's submitted record they have to co-sign
    (``cosign``), and the roles of theirs (``roles``) of which ``last`` are held by nobody
    else."""

    drafts: int
    own: bool
    cosign: bool
    roles: frozenset[Role]
    last: frozenset[Role]

    @property
    def officers_elsewhere(self) -> bool:
        """Whether the department has an integrity officer besides the person."""
        return Role.INTEGRITY_OFFICER not in self.last

    @property
    def empty(self) -> bool:
        return not (self.drafts or self.own or self.cosign or self.last)


@st.composite
def held(draw: st.DrawFn) -> Held:
    roles = frozenset(draw(st.sets(st.sampled_from(REQUIRED_ROLES))))
    last = frozenset(draw(st.sets(st.sampled_from(sorted(roles)))) if roles else set())
    return Held(
        drafts=draw(st.integers(0, 2)),
        own=draw(st.booleans()),
        cosign=draw(st.booleans()),
        roles=roles,
        last=last,
    )


@dataclass
class Cast:
    """The court of one example: staff ids by name, the drafts of 张三, their own submitted
    record and the colleague's record they co-sign (``(id, number)`` each, or None)."""

    url: str
    ids: dict[str, int]
    draft_ids: list[int]
    own: tuple[int, str] | None
    cosign: tuple[int, str] | None

    @property
    def drafts(self) -> list[int]:
        return self.draft_ids

    @classmethod
    async def build(cls, url: str, now: datetime, held: Held) -> Cast:
        """张三 (handler of 民一庭, with ``held.roles``), 王五 (a handler beside them), and for
        each required role someone else unless ``held.last`` leaves 张三 the last of it; 周九
        is a leader; then the records ``held`` describes."""
        db = Database(url)
        try:
            people: list[tuple[str, str, list[Role]]] = [
                ("张三", "民一庭", [Role.HANDLER, *sorted(held.roles)]),
                ("王五", "民一庭", [Role.HANDLER]),
                ("周九", "院领导", [Role.LEADER]),
            ]
            others = {
                Role.INTEGRITY_OFFICER: ("李四", "民一庭"),
                Role.DISCIPLINE: ("赵六", "纪检监察室"),
                Role.TRIAL_MANAGEMENT: ("钱七", "审判管理办公室"),
                Role.COMPILER: ("钱七", "审判管理办公室"),
                Role.ADMIN: ("孙八", "信息技术科"),
            }
            for role, (name, department) in others.items():
                if role in held.last:
                    continue
                for entry in people:
                    if entry[0] == name:
                        entry[2].append(role)
                        break
                else:
                    people.append((name, department, [role]))
            clock = FakeClock(now)
            ids: dict[str, int] = {}
            for name, department, roles in people:
                ids[name] = (await register(db, clock, name, roles, department=department)).id
            async with db.transaction() as session:
                me = await session.get(Staff, ids["张三"])
                colleague = await session.get(Staff, ids["王五"])
                assert me is not None and colleague is not None
                drafts = []
                for _ in range(held.drafts):
                    draft = await records_repo.create_draft(
                        session, handler=me, received_at=now, at=now
                    )
                    drafts.append(draft.id)

                async def submitted(handler: Staff, present: list[Staff]) -> tuple[int, str]:
                    record = await records_repo.create_draft(
                        session, handler=handler, received_at=now, at=now
                    )
                    if present:
                        await records_repo.set_cosigners(
                            session, record, present, actor=handler, at=now
                        )
                        await session.refresh(record, ["cosigners"])
                    await records_repo.submit(
                        session,
                        record,
                        actor=handler,
                        at=now,
                        number_format="{year}-{n}",
                        tz=BEIJING,
                    )
                    return record.id, str(record.number)

                own = await submitted(me, []) if held.own else None
                cosign = await submitted(colleague, [me]) if held.cosign else None
            return cls(url, ids, drafts, own, cosign)
        finally:
            await db.close()

    async def _read(self, query: Any) -> list[Any]:
        db = Database(self.url)
        try:
            async with db.transaction() as session:
                return list((await session.execute(query)).scalars())
        finally:
            await db.close()

    async def active(self) -> bool:
        rows = await self._read(select(Staff.active).where(Staff.id == self.ids["张三"]))
        return bool(rows[0])

    async def notices(self) -> dict[int, tuple[list[int], list[str]]]:
        """Each queued ``staff_disabled`` notice: its recipient, the record ids and the roles
        it names."""
        rows = await self._read(
            select(Reminder).where(Reminder.kind == ReminderKind.STAFF_DISABLED)
        )
        found: dict[int, tuple[list[int], list[str]]] = {}
        for row in rows:
            payload = row.payload
            records = [*payload["drafts"], *(item[0] for item in payload["steps"])]
            assert row.recipient_staff_id not in found
            found[row.recipient_staff_id] = (sorted(records), list(payload["roles"]))
        return found

    async def disabled_event(self) -> dict[str, Any]:
        rows = await self._read(
            select(AuditEvent.payload).where(AuditEvent.kind == "staff_disabled")
        )
        assert len(rows) == 1
        return dict(json.loads(rows[0]))


@contextlib.contextmanager
def court_of(folder: Path, held: Held) -> Iterator[tuple[Path, Cast, datetime]]:
    """A fresh database in ``folder`` with its config file, the court ``held`` describes
    (``Cast.build``, an hour ago) on it: the config's path, the cast and that time."""
    with empty_database_sync(folder) as url:
        config = write_config(folder, url)
        assert guowen(config, "db", "upgrade")[0] == 0
        now = datetime.now(UTC) - timedelta(hours=1)
        yield config, asyncio.run(Cast.build(url, now, held)), now


def expected_lines(held: Held, cast: Cast) -> list[str]:
    lines = [t(None, "held.draft", title=t(None, "card.draft_title", id=i)) for i in cast.drafts]
    steps = []
    if cast.own is not None:
        owed = [Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED]
        steps.append((cast.own, owed))
    if cast.cosign is not None:
        steps.append((cast.cosign, [Milestone.COSIGNED]))
    for (record_id, number), owed in sorted(steps):
        words = join(None, [label(m, "zh-CN") for m in sorted(owed, key=list(Milestone).index)])
        lines.append(t(None, "held.steps", title=number, steps=words))
        assert record_id
    for role in REQUIRED_ROLES:
        if role in held.last:
            key = "held.last_officer" if role is Role.INTEGRITY_OFFICER else "held.last_role"
            lines.append(t(None, key, role=label(role, "zh-CN"), department="民一庭"))
    return lines


def told(
    cast: Cast, held: Held, records: list[int], lost: Collection[Role]
) -> dict[int, tuple[list[int], list[str]]]:
    """Who the forced change tells what (``Cast.notices``): ``records`` to the department's
    other integrity officer (李四) if it has one, else to the watcher; the required roles
    ``lost`` to the watcher (赵六 of discipline inspection, 周九 when the person was its last)."""
    watcher = cast.ids["赵六" if Role.DISCIPLINE not in held.last else "周九"]
    officers = [cast.ids["李四"]] if held.officers_elsewhere else []
    want: dict[int, tuple[list[int], list[str]]] = {}
    for person in (officers or [watcher]) if records else []:
        want.setdefault(person, ([], []))[0].extend(sorted(records))
    if lost:
        want.setdefault(watcher, ([], []))[1].extend(r.value for r in REQUIRED_ROLES if r in lost)
    return want


def overseers(cast: Cast, ids: list[int]) -> str:
    """The people ``ids`` as the CLI names overseers (``cli.overseer``), joined."""
    names = {number: name for name, number in cast.ids.items()}
    return join(None, [t(None, "cli.overseer", id=n, name=names[n]) for n in ids])


@given(held())
@example(Held(0, False, False, frozenset(), frozenset()))
@example(Held(1, False, False, frozenset(), frozenset()))
@example(Held(0, True, False, frozenset(), frozenset()))
@example(Held(0, False, True, frozenset(), frozenset()))
@example(
    Held(0, False, False, frozenset({Role.INTEGRITY_OFFICER}), frozenset({Role.INTEGRITY_OFFICER}))
)
@example(Held(2, True, True, frozenset(REQUIRED_ROLES), frozenset(REQUIRED_ROLES)))
@settings(CLI_RUNS, max_examples=10)
def test_disable_lists_what_the_person_holds_and_force_tells_the_overseers(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    held: Held,
) -> None:
    with court_of(tmp_path_factory.mktemp("disable"), held) as (config, cast, _now):
        capsys.readouterr()
        expected = expected_lines(held, cast)

        status, lines = guowen(config, "staff", "disable", "张三")
        err = capsys.readouterr().err
        if held.empty:
            assert (status, lines, err) == (
                0,
                [t(None, "cli.staff_disabled", id=1, name="张三")],
                "",
            )
            assert asyncio.run(cast.notices()) == {}
            return
        listed = "\n".join(expected)
        assert (status, lines) == (2, [])
        assert err == t(None, "cli.staff_disable_holds", id=1, name="张三", list=listed) + "\n"
        assert asyncio.run(cast.active())  # refused: nothing changed
        assert asyncio.run(cast.notices()) == {}

        status, lines = guowen(config, "staff", "disable", "张三", "--force")
        err = capsys.readouterr().err
        assert (status, lines) == (0, [t(None, "cli.staff_disabled", id=1, name="张三")])
        assert not asyncio.run(cast.active())

        records = cast.draft_ids + [pair[0] for pair in (cast.own, cast.cosign) if pair is not None]
        want = told(cast, held, records, held.last)
        assert asyncio.run(cast.notices()) == want
        # The list, then who gets it: nobody here has bound a chat account, so each is named
        # as one to tell in person and to invite.
        people = overseers(cast, sorted(want))
        assert err == (
            t(None, "cli.staff_disabled_holding", name="张三", list=listed)
            + "\n"
            + t(None, "cli.overseers_unreachable", people=people, id=min(want))
            + "\n"
        )
        event = asyncio.run(cast.disabled_event())
        assert event["forced"] is True and sorted(event["told"]) == sorted(want)
        assert event["held"]["roles"] == [r.value for r in REQUIRED_ROLES if r in held.last]
        assert len(event["held"]["drafts"]) == held.drafts


def test_an_officer_of_a_department_without_handlers_holds_no_role(tmp_path: Path) -> None:
    """An integrity officer whose department has no handler oversees nobody
    (``department_gaps``): the last of them there is disabled without a word."""
    with empty_database_sync(tmp_path) as url:
        config = write_config(tmp_path, url)
        add = ("staff", "add", "--name", "王芳", "--new-department", "--department", "民一庭")
        assert guowen(config, *add, "--role", "integrity_officer")[0] == 0
        assert guowen(config, "staff", "disable", "王芳") == (
            0,
            [t(None, "cli.staff_disabled", id=1, name="王芳")],
        )


async def judge_with_a_draft(
    session: AsyncSession, court: Court, at: datetime
) -> tuple[Staff, Record]:
    """张伟 (``harness.PEOPLE``) and a draft of theirs opened at ``at``."""
    judge = await session.get(Staff, court.id("张伟"))
    assert judge is not None
    return judge, await records_repo.create_draft(session, handler=judge, received_at=at, at=at)


async def test_the_overseer_reads_the_notice_in_the_chat(court: Court, db: Database) -> None:
    """The notice is a reminder row: the next tick sends it to the department's integrity
    officer, naming the person and each draft (钱进 oversees 民一庭, harness.PEOPLE)."""
    bot = court.bot
    now = bot.clock.now()
    async with db.transaction() as session:
        judge, draft = await judge_with_a_draft(session, court, now)
        changed, held = await holdings.disable(
            session, judge, bot.app.services.rules, at=now, actor="cli", force=True
        )
        assert changed and [r.id for r in held.drafts] == [draft.id]
    await bot.app.dispatcher.tick()
    listed = t(None, "held.draft", title=t(None, "card.draft_title", id=draft.id))
    notice = t(None, "reminders.staff_disabled", name="张伟", department="民一庭", list=listed)
    assert notice in bot.texts_to(court.accounts["钱进"])
    assert not any(notice in text for text in bot.texts_to(court.accounts["李刚"]))
