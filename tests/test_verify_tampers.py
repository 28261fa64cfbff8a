"""Tampering that the chain walk alone cannot see, and how ``guowen verify`` names it.

A small court is built through the program (staff, a bound judge, two submitted records, an
amendment); then an intruder with database access changes rows with plain SQL, going around
the append-only triggers where they stand in the way. Each tamper must make ``verify`` name
the record or the person, or contradict a head that already left the database.
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import reminder_kit as kit
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from test_verify import settings_for

from bot import maintenance
from handlers.i18n import t
from reminders.clock import FakeClock
from reminders.dispatch import Outcome
from reports.amendment import ENUMS
from reports.text import tr
from storage import append_only, audit, crosscheck
from storage import records as records_repo
from storage import staff as staff_repo
from storage.crosscheck import RowProblem, RowProblemKind, RowSubject
from storage.db import Database
from storage.models import AuditEvent, Record, Reminder, Staff
from storage.verify import (
    Anchor,
    AnchorProblem,
    AnchorProblemKind,
    Problem,
    Progress,
    Summary,
    parse_anchor,
    verify,
)
from storage.vocabulary import Language, Milestone, ReminderKind, Role

BEIJING = ZoneInfo("Asia/Shanghai")
NUMBER = "温法过问〔{year}〕{n}号"


@dataclass(frozen=True)
class Court:
    judge: int
    admin: int
    first: int
    second: int
    first_number: str
    second_number: str


async def _submitted(
    session: AsyncSession, handler_id: int, clock: FakeClock, inquirer: str
) -> tuple[int, str]:
    person = await staff_repo.find_staff(session, str(handler_id))
    record = await records_repo.create_draft(
        session, handler=person, received_at=clock.now(), at=clock.now()
    )
    await records_repo.set_fields(
        session,
        record,
        {"inquirer_name": inquirer, "inquirer_unit": "某局", "case_name": "张某诉李某"},
        actor=person,
        at=clock.now(),
    )
    await records_repo.submit(
        session, record, actor=person, at=clock.now(), number_format=NUMBER, tz=BEIJING
    )
    assert record.number is not None
    return record.id, record.number


@pytest.fixture
async def court(db: Database, clock: FakeClock) -> Court:
    async with db.transaction() as session:
        judge = await staff_repo.add_staff(
            session,
            name="张伟",
            department_name="民一庭",
            roles=[Role.HANDLER],
            at=clock.now(),
            actor="test",
            new_department=True,
        )
        admin = await staff_repo.add_staff(
            session,
            name="李信",
            department_name="信息技术科",
            roles=[Role.ADMIN],
            at=clock.now(),
            actor="test",
            new_department=True,
        )
        await staff_repo.bind(
            session,
            person=judge,
            transport="fake",
            external_id="u1",
            chat_id="u1",
            display_name="张伟",
            at=clock.now(),
            via="test",
        )
        first, first_number = await _submitted(session, judge.id, clock, "王某")
    clock.advance(timedelta(hours=1))
    async with db.transaction() as session:
        record = await records_repo.get(session, first)
        person = await staff_repo.find_staff(session, str(judge.id))
        assert record is not None
        await records_repo.amend(
            session,
            record,
            "inquirer_unit",
            "某市某局",
            reason="写错了",
            actor=person,
            at=clock.now(),
        )
    for other in ("钱某", "孙某", "周某"):  # a few more, so the chain is some 30 events long
        clock.advance(timedelta(hours=1))
        async with db.transaction() as session:
            await _submitted(session, judge.id, clock, other)
    clock.advance(timedelta(hours=1))
    async with db.transaction() as session:
        second, second_number = await _submitted(session, judge.id, clock, "赵某")
    return Court(judge.id, admin.id, first, second, first_number, second_number)


async def found(db: Database, tmp_path: Path, anchor: Anchor | None = None) -> list[Problem]:
    return [
        report
        async for report in verify(db, tmp_path / "evidence", expect_head=anchor)
        if not isinstance(report, Progress | Summary)
    ]


async def head(db: Database) -> Anchor:
    async with db.transaction() as session:
        last = await audit.head(session)
    return Anchor(last.seq, last.hash)


@asynccontextmanager
async def around(db: Database, tables: Sequence[str]) -> AsyncIterator[AsyncSession]:
    """One transaction with several append-only tables writable, as an intruder makes it."""
    sqlite = db.dialect == "sqlite"
    async with db.transaction() as session:
        connection = await session.connection()
        for table in tables:
            for name in append_only.trigger_names(db.dialect, table):
                suffix = "" if sqlite else f" ON {table}"
                await connection.exec_driver_sql(f"DROP TRIGGER {name}{suffix}")
        yield session
        for table in tables:
            for statement in append_only.statements(db.dialect, table):
                await connection.exec_driver_sql(statement)


async def rehash_from(session: AsyncSession, first: int) -> None:
    """Recompute every hash from event ``first`` on and move the head: a consistent chain."""
    events = (
        (
            await session.execute(
                select(AuditEvent).where(AuditEvent.seq >= first - 1).order_by(AuditEvent.seq)
            )
        )
        .scalars()
        .all()
    )
    prev = events[0].hash if events[0].seq == first - 1 else audit.GENESIS
    for event in events:
        if event.seq < first:
            continue
        digest = audit.event_hash(
            seq=event.seq,
            at=event.at,
            kind=event.kind,
            actor_staff_id=event.actor_staff_id,
            actor=event.actor,
            subject=event.subject,
            payload=event.payload,
            prev_hash=prev,
        )
        await session.execute(
            text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = :s"),
            {"p": prev, "h": digest, "s": event.seq},
        )
        prev = digest
    await session.execute(
        text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": events[-1].seq, "h": prev}
    )


def rows_of(problems: list[Problem]) -> set[tuple[RowProblemKind, RowSubject, str]]:
    return {(p.kind, p.subject, p.ref) for p in problems if isinstance(p, RowProblem)}


# --------------------------------------------------------------------------- the five found


async def test_an_intact_court_passes(db: Database, court: Court, tmp_path: Path) -> None:
    assert await found(db, tmp_path, await head(db)) == []


async def test_a_submitted_record_changed_with_plain_sql_is_named(
    db: Database, court: Court, tmp_path: Path
) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE records SET inquirer_name = '无名', case_name = '无关' WHERE id = :i"),
            {"i": court.first},
        )
    assert await found(db, tmp_path) == [
        RowProblem(
            RowProblemKind.ALTERED,
            RowSubject.RECORD,
            court.first_number,
            (await _seq_of(db, audit.AuditKind.AMENDED, court.first)),
            ("case_name", "inquirer_name"),
        )
    ]
    line = maintenance.describe("zh-CN", (await found(db, tmp_path))[0])
    assert court.first_number in line and "inquirer_name" in line


async def _seq_of(db: Database, kind: audit.AuditKind, record_id: int) -> int:
    async with db.transaction() as session:
        return (await audit.record_events(session, record_id, kind))[-1].seq


async def test_a_submitted_record_deleted_is_named(
    db: Database, court: Court, tmp_path: Path
) -> None:
    async with around(db, ["record_amendments"]) as session:
        for table in ("reminders", "conversations", "record_cosigners", "record_amendments"):
            await session.execute(
                text(f"DELETE FROM {table} WHERE record_id = :i"), {"i": court.first}
            )
        await session.execute(text("DELETE FROM records WHERE id = :i"), {"i": court.first})
    assert rows_of(await found(db, tmp_path)) == {
        (RowProblemKind.REMOVED, RowSubject.RECORD, court.first_number),
        (RowProblemKind.REMOVED, RowSubject.AMENDMENT, f"{court.first_number} #1"),
    }


async def test_a_draft_deleted_is_named(
    db: Database, court: Court, clock: FakeClock, tmp_path: Path
) -> None:
    """A draft is withdrawn and kept, never deleted: one deleted behind the chain's back
    (taking its running deadlines with it) is named by the event that opened it."""
    async with db.transaction() as session:
        judge = await staff_repo.find_staff(session, str(court.judge))
        draft = await records_repo.create_draft(
            session, handler=judge, received_at=clock.now(), at=clock.now()
        )
        await records_repo.set_fields(
            session, draft, {"inquirer_name": "刘某"}, actor=judge, at=clock.now()
        )
        draft_id = draft.id
    assert await found(db, tmp_path) == []
    async with around(db, []) as session:
        for table in ("reminders", "conversations", "record_cosigners"):
            await session.execute(
                text(f"DELETE FROM {table} WHERE record_id = :i"), {"i": draft_id}
            )
        await session.execute(text("DELETE FROM records WHERE id = :i"), {"i": draft_id})
    assert rows_of(await found(db, tmp_path)) == {
        (RowProblemKind.REMOVED, RowSubject.RECORD, f"#{draft_id}")
    }
    line = maintenance.describe("zh-CN", (await found(db, tmp_path))[0])
    assert line.startswith(f"记录 #{draft_id} 已被删除"), line


async def test_a_role_added_in_staff_roles_is_named(
    db: Database, court: Court, tmp_path: Path
) -> None:
    """The admin makes himself discipline, which reads every record."""
    async with db.transaction() as session:
        await session.execute(
            text("INSERT INTO staff_roles (staff_id, role) VALUES (:i, 'discipline')"),
            {"i": court.admin},
        )
    [problem] = await found(db, tmp_path)
    assert isinstance(problem, RowProblem)
    assert (problem.kind, problem.subject, problem.ref, problem.fields) == (
        RowProblemKind.ALTERED,
        RowSubject.STAFF,
        f"李信 #{court.admin}",
        ("roles",),
    )


async def test_the_last_twenty_events_cut_off_with_the_head_rewound(
    db: Database, court: Court, tmp_path: Path
) -> None:
    anchor = await head(db)
    cut = anchor.seq - 20
    assert cut > 0
    async with around(db, ["audit_events", "audit_head"]) as session:
        kept = (
            await session.execute(select(AuditEvent.hash).where(AuditEvent.seq == cut))
        ).scalar_one()
        await session.execute(text("DELETE FROM audit_events WHERE seq > :s"), {"s": cut})
        await session.execute(
            text("UPDATE audit_head SET seq = :s, hash = :h"), {"s": cut, "h": kept}
        )
    # The chain itself is consistent now; the rows its lost events recorded are not.
    problems = await found(db, tmp_path)
    assert (RowProblemKind.UNLOGGED, RowSubject.RECORD, court.second_number) in rows_of(problems)
    # And the head printed on a form before contradicts it outright.
    anchored = await found(db, tmp_path, anchor)
    assert AnchorProblem(AnchorProblemKind.MISSING, anchor.seq, anchor.hash, None, cut) in anchored


async def test_one_event_altered_and_every_later_hash_recomputed(
    db: Database, court: Court, tmp_path: Path
) -> None:
    """The intruder rewrites the first record's submission, row and event alike."""
    anchor = await head(db)
    submitted = await _seq_of(db, audit.AuditKind.SUBMITTED, court.first)
    async with around(db, ["audit_events", "audit_head"]) as session:
        payload = (
            await session.execute(select(AuditEvent.payload).where(AuditEvent.seq == submitted))
        ).scalar_one()
        await session.execute(
            text("UPDATE audit_events SET payload = :p WHERE seq = :s"),
            {"p": payload.replace("王某", "无名"), "s": submitted},
        )
        await rehash_from(session, submitted)
    # Only the event changed: the record no longer matches it.
    assert rows_of(await found(db, tmp_path)) == {
        (RowProblemKind.ALTERED, RowSubject.RECORD, court.first_number)
    }
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE records SET inquirer_name = '无名' WHERE id = :i"), {"i": court.first}
        )
    # Row and event agree and the chain is whole: only the anchor can tell.
    assert await found(db, tmp_path) == []
    async with db.transaction() as session:
        now = await session.get(AuditEvent, anchor.seq)
        assert now is not None
    assert await found(db, tmp_path, anchor) == [
        AnchorProblem(AnchorProblemKind.DIFFERS, anchor.seq, anchor.hash, now.hash, anchor.seq)
    ]


async def test_the_chain_head_cannot_be_deleted(db: Database, court: Court) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.transaction() as session:
            await session.execute(text("DELETE FROM audit_head"))


# --------------------------------------------------------------------------- more kinds


async def test_a_second_account_bound_around_the_program_is_named(
    db: Database, court: Court, tmp_path: Path, clock: FakeClock
) -> None:
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO chat_identities (transport, external_id, chat_id, staff_id, "
                "bound_at) VALUES ('fake', 'spy', 'spy', :i, CURRENT_TIMESTAMP)"
            ),
            {"i": court.judge},
        )
    assert rows_of(await found(db, tmp_path)) == {
        (RowProblemKind.UNLOGGED, RowSubject.IDENTITY, f"张伟 #{court.judge} (fake:spy)")
    }


async def test_an_account_moved_to_another_person_is_named(
    db: Database, court: Court, tmp_path: Path
) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE chat_identities SET staff_id = :a WHERE external_id = 'u1'"),
            {"a": court.admin},
        )
    [problem] = await found(db, tmp_path)
    assert isinstance(problem, RowProblem) and problem.subject is RowSubject.IDENTITY
    assert problem.kind is RowProblemKind.ALTERED and "张伟" in problem.ref


async def test_a_person_written_around_the_program_is_named(
    db: Database, court: Court, tmp_path: Path
) -> None:
    """A shadow discipline officer, who would read every record once invited."""
    async with db.transaction() as session:
        await session.execute(
            text(
                "INSERT INTO staff (name, active, created_at) "
                "VALUES ('影子', true, CURRENT_TIMESTAMP)"
            )
        )
        await session.execute(
            text(
                "INSERT INTO staff_roles (staff_id, role) "
                "SELECT id, 'discipline' FROM staff WHERE name = '影子'"
            )
        )
    [problem] = await found(db, tmp_path)
    assert isinstance(problem, RowProblem) and problem.kind is RowProblemKind.UNLOGGED
    assert problem.subject is RowSubject.STAFF and problem.ref.startswith("影子 #")


@pytest.mark.parametrize(
    ("statement", "kind"),
    [
        ("UPDATE record_amendments SET new_value = '\"别处\"'", RowProblemKind.ALTERED),
        ("DELETE FROM record_amendments", RowProblemKind.REMOVED),
    ],
)
async def test_an_amendment_changed_or_removed_is_named(
    db: Database, court: Court, tmp_path: Path, statement: str, kind: RowProblemKind
) -> None:
    async with around(db, ["record_amendments"]) as session:
        await session.execute(text(statement))
    assert (kind, RowSubject.AMENDMENT, f"{court.first_number} #1") in rows_of(
        await found(db, tmp_path)
    )


async def test_a_renamed_person_and_a_reenabled_one_are_named(
    db: Database, court: Court, tmp_path: Path, clock: FakeClock
) -> None:
    async with db.transaction() as session:
        person = await staff_repo.find_staff(session, str(court.admin))
        await staff_repo.disable_staff(session, person, at=clock.now(), actor="test")
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE staff SET active = true WHERE id = :i"), {"i": court.admin}
        )
        await session.execute(
            text("UPDATE staff SET name = '张三' WHERE id = :i"), {"i": court.judge}
        )
    problems = [p for p in await found(db, tmp_path) if isinstance(p, RowProblem)]
    assert {(p.ref, p.fields) for p in problems} == {
        (f"李信 #{court.admin}", ("active",)),
        (f"张三 #{court.judge}", ("name",)),
    }


# --------------------------------------------------------------------------- the command


# Every place a head leaves the database, by its catalog key: the form's and the report's
# footer and notes, discipline's daily message, and ``guowen verify``'s own summary.
PRINTED_HEADS = [
    (tr, "common.footer"),
    (tr, "form.printed"),
    (tr, "report.made"),
    (t, "maintenance.anchor_daily"),
    (t, "maintenance.verify_ok"),
]


@pytest.mark.parametrize(
    "text_form",
    [
        "{seq}:{hash}",
        "#{seq} {HASH}",
        "＃{seq} {hash}",
        # A form's closing sentence as copied off the PDF, its hash broken across two lines.
        "第 {seq} 号事件，哈希值 {head}\n{tail}；此后对记录的任何改动都会与本表不符。",
    ],
)
def test_an_anchor_is_read_as_typed(text_form: str) -> None:
    digest = "ab" * 32
    typed = text_form.format(
        seq=12, hash=digest, HASH=digest.upper(), head=digest[:36], tail=digest[36:]
    )
    assert parse_anchor(typed) == Anchor(12, digest)


@pytest.mark.parametrize(("say", "key"), PRINTED_HEADS)
@pytest.mark.parametrize("language", ["zh-CN", "en"])
@given(
    seq=st.integers(1, 2**31 - 1),
    digest=st.binary(min_size=32, max_size=32).map(bytes.hex),
    upper=st.booleans(),
    at=st.datetimes(timezones=st.just(ZoneInfo("Asia/Shanghai"))),
    whole=st.booleans(),
    broken=st.one_of(st.none(), st.integers(1, 63)),
    gap=st.sampled_from([" ", "\n", "\r\n", " \n"]),
)
def test_an_anchor_is_read_as_every_place_prints_it(
    say: Callable[..., str],
    key: str,
    language: str,
    seq: int,
    digest: str,
    upper: bool,
    at: datetime,
    whole: bool,
    broken: int | None,
    gap: str,
) -> None:
    printed = say(
        Language(language),
        key,
        seq=seq,
        hash=digest.upper() if upper else digest,
        at=at.strftime("%Y-%m-%d %H:%M"),
        court="温州市鹿城区人民法院",
        day=at.date().isoformat(),
        files=3,
        size="1.2 MiB",
        thumbnails=2,
        events=seq,
        items=4,
    )
    if not whole:  # only the head's own words, as a clerk would copy them off the page
        start = printed.find(str(seq))
        cut = printed.lower().find(digest) + len(digest)
        printed = printed[max(0, printed.rfind(" ", 0, start)) : cut]
    if broken is not None:  # the page broke its line inside the hash, and the copy kept it
        at = printed.lower().find(digest) + broken
        printed = printed[:at] + gap + printed[at:]
    assert parse_anchor(printed) == Anchor(seq, digest)


@pytest.mark.parametrize(
    "bad", ["", "12", "12:xyz", "99999999999999999999:" + "a" * 64, "²:" + "a" * 64]
)
def test_a_malformed_anchor_is_refused(bad: str) -> None:
    assert parse_anchor(bad) is None


async def test_the_command_fails_clearly_when_the_chain_lacks_the_expected_head(
    db: Database, court: Court, tmp_path: Path, database_url: str
) -> None:
    anchor = await head(db)
    settings = settings_for(database_url, tmp_path / "evidence", "en")
    out = io.StringIO()
    good = f"{anchor.seq}:{anchor.hash}"
    assert await maintenance.verify(settings, out, progress=False, expect_head=good) == 0
    assert out.getvalue().splitlines()[-1] == (
        f"The head kept outside the database, #{anchor.seq} {anchor.hash}, is in the audit "
        "chain: nothing before it was cut off or rewritten."
    )

    later = f"{anchor.seq + 5}:{anchor.hash}"
    out = io.StringIO()
    assert await maintenance.verify(settings, out, progress=False, expect_head=later) == 1
    assert out.getvalue().splitlines() == [
        f"The audit chain does not hold the head kept outside the database, #{anchor.seq + 5} "
        f"({anchor.hash}); it now ends at #{anchor.seq}: audit events were cut off, or the head "
        "given is mistyped (compare it with the form, report or daily message it was copied from)."
    ]
    out = io.StringIO()
    assert await maintenance.verify(settings, out, progress=False, expect_head="12") == 2
    assert out.getvalue().startswith("--expect-head takes the audit chain head as printed")


async def test_a_judges_replies_redirected_to_another_chat_are_named(
    db: Database, court: Court, tmp_path: Path
) -> None:
    async with db.transaction() as session:
        await session.execute(
            text("UPDATE chat_identities SET chat_id = 'spy' WHERE external_id = 'u1'")
        )
    [problem] = await found(db, tmp_path)
    assert problem == RowProblem(
        RowProblemKind.ALTERED,
        RowSubject.IDENTITY,
        f"张伟 #{court.judge} (fake:u1)",
        problem.seq if isinstance(problem, RowProblem) else None,
        ("chat_id",),
    )


async def test_milestones_signatures_and_withdrawals_changed_are_named(
    db: Database, court: Court, tmp_path: Path, clock: FakeClock
) -> None:
    """What happened after submission is compared as well: the times, the signatures."""
    async with db.transaction() as session:
        judge = await staff_repo.find_staff(session, str(court.judge))
        admin = await staff_repo.find_staff(session, str(court.admin))
        record = await records_repo.get(session, court.second)
        assert record is not None
        await records_repo.mark_milestone(
            session, record, Milestone.PLATFORM_ENTERED, actor=judge, at=clock.now(), reference="R1"
        )
        draft = await records_repo.create_draft(
            session, handler=judge, received_at=clock.now(), at=clock.now()
        )
        await records_repo.set_cosigners(session, draft, [admin], actor=judge, at=clock.now())
        await records_repo.submit(
            session, draft, actor=judge, at=clock.now(), number_format=NUMBER, tz=BEIJING
        )
        await records_repo.respond(
            session,
            draft.cosigners[0],
            confirmed=False,
            reason="不在场",
            actor=admin,
            at=clock.now(),
        )
        other = await records_repo.create_draft(
            session, handler=judge, received_at=clock.now(), at=clock.now()
        )
        await records_repo.withdraw(session, other, reason="重复", actor=judge, at=clock.now())
        cosigned, withdrawn = draft.number, other.id
    assert await found(db, tmp_path) == []

    async with db.transaction() as session:
        await session.execute(
            text("UPDATE records SET platform_entered_at = :t WHERE id = :i"),
            {"t": (clock.now() - timedelta(days=3)).replace(tzinfo=None), "i": court.second},
        )
        await session.execute(text("UPDATE record_cosigners SET status = 'confirmed'"))
        await session.execute(text("UPDATE records SET withdraw_reason = '误操作'"))
    problems = {(p.ref, p.fields) for p in await found(db, tmp_path) if isinstance(p, RowProblem)}
    assert problems == {
        (court.second_number, ("platform_entered_at",)),
        (cosigned, (f"cosigner {court.admin}",)),
        (f"#{withdrawn}", ("withdraw_reason",)),
    }


async def test_a_paper_signature_written_around_the_program_is_named(
    db: Database, court: Court, tmp_path: Path, clock: FakeClock
) -> None:
    """Staff present not in the bot are compared too (Art. 3): one confirmed by the handler
    passes, one set confirmed with plain SQL, or renamed, is named."""
    async with db.transaction() as session:
        judge = await staff_repo.find_staff(session, str(court.judge))
        admin = await staff_repo.find_staff(session, str(court.admin))
        draft = await records_repo.create_draft(
            session, handler=judge, received_at=clock.now(), at=clock.now()
        )
        await records_repo.set_cosigners(
            session, draft, [admin], actor=judge, at=clock.now(), offline=["赵法警", "吴书记员"]
        )
        await records_repo.submit(
            session, draft, actor=judge, at=clock.now(), number_format=NUMBER, tz=BEIJING
        )
        zhao = next(c for c in draft.cosigners if c.name == "赵法警")
        await records_repo.confirm_paper(session, zhao, actor=judge, at=clock.now())
        number = draft.number
    assert await found(db, tmp_path) == []

    async with db.transaction() as session:
        await session.execute(
            text("UPDATE record_cosigners SET status = 'confirmed' WHERE name = '吴书记员'")
        )
    problems = {(p.ref, p.fields) for p in await found(db, tmp_path) if isinstance(p, RowProblem)}
    assert problems == {(number, ("offline 吴书记员",))}


# --------------------------------------------------------------------------- drafts, reminders
#
# A court as it runs: drafts in every state (opened only, every field answered and corrected,
# with staff present, withdrawn, submitted), and reminders in every state (pending, sent,
# failed for good, cancelled), sent by the dispatcher over two weeks. An intruder then
# changes, clears or fills one draft field, or one reminder row, with plain SQL.

DRAFT_COLUMNS = sorted(records_repo.FIELDS | {"handler_id"})
"""Every column of a draft that an event sets: the intake's fields and the handler."""


@dataclass(frozen=True)
class Lively:
    full: int
    """A draft with every field answered, staff present named (not in the order of their
    ids) and one field corrected."""
    fresh: int
    """A draft just opened."""
    staff: dict[str, int]
    departments: tuple[int, int]


def _full_values(departments: tuple[int, int], at: datetime) -> dict[str, Any]:
    """A value for every field of ``records.FIELDS``, as the intake gives it."""
    values: dict[str, Any] = {
        name: f"{name}的值" for name in records_repo.FIELDS if name not in ENUMS
    }
    values.update({name: next(iter(kind)).value for name, kind in ENUMS.items()})
    values.update(
        received_at=at - timedelta(hours=3),
        inquiry_at=at - timedelta(hours=4),
        received_confirmed=True,
        retired=False,
        main_leader=True,
        case_not_filed=False,
        serious=True,
        department_id=departments[0],
        art9_items=[1, 3],
    )
    return values


@pytest.fixture
async def lively(db: Database, clock: FakeClock) -> Lively:
    court = await kit.open_court(db, clock, unbound=["钱进"])  # his notices fail: no account
    staff = {name: person.id for name, person in court.staff.items()}
    start = clock.now()
    submitted = await kit.new_record(db, clock, staff["张伟"], received=start)
    met = await kit.new_record(db, clock, staff["孙丽"], received=start)
    running = await kit.new_record(db, clock, staff["王芳"], received=start, submit=False)
    async with db.transaction() as session:
        people = {p.id: p for p in (await session.execute(select(Staff))).scalars()}
        judge, other = people[staff["周强"]], people[staff["吴敏"]]
        departments = (judge.department_id or 0, people[staff["张伟"]].department_id or 0)
        full = await records_repo.create_draft(session, handler=judge, received_at=start, at=start)
        values = _full_values(departments, start)
        await records_repo.set_fields(session, full, values, actor=judge, at=start)
        await records_repo.set_cosigners(
            session, full, [people[staff["李刚"]], other], actor=judge, at=start, offline=["赵法警"]
        )
        await records_repo.amend_draft(
            session, full, "summary", "更正后的内容", reason="写错了", actor=judge, at=start
        )
        fresh = await records_repo.create_draft(session, handler=judge, received_at=start, at=start)
        gone = await records_repo.create_draft(session, handler=judge, received_at=start, at=start)
        await records_repo.withdraw(session, gone, reason="重复", actor=judge, at=start)
        full_id, fresh_id = full.id, fresh.id
    clock.advance(timedelta(days=1))
    await kit.mark(db, met, Milestone.PLATFORM_ENTERED, clock.now())
    await kit.mark(db, met, Milestone.FORM_DELIVERED, clock.now())
    notifier = kit.RecordingNotifier(script={staff["张伟"]: deque([Outcome.FAILED])})
    dispatcher = kit.make_dispatcher(db, clock, notifier)
    await kit.run_until(dispatcher, clock, start + timedelta(days=14))
    statuses = {row.status for row in await kit.reminders(db)}
    assert statuses >= {"pending", "sent", "failed", "cancelled"}, statuses
    assert submitted and running
    return Lively(full_id, fresh_id, staff, departments)


def _changed(name: str, value: Any, lively: Lively) -> Any:
    """Another value of the same kind for column ``name`` (holding ``value``)."""
    if name in ENUMS:
        return next(m.value for m in ENUMS[name] if m != value)
    if isinstance(value, datetime):
        return value + timedelta(days=1)
    if isinstance(value, bool):
        return not value
    if name == "department_id":
        return next(d for d in lively.departments if d != value)
    if name == "handler_id":
        return next(i for i in lively.staff.values() if i != value)
    if name == "art9_items":
        return [2] if value != [2] else [5]
    return f"{value or ''}改"


def _filled(name: str, lively: Lively, at: datetime) -> Any:
    """A value for column ``name`` of a draft where none was given."""
    return _full_values(lively.departments, at).get(name, lively.staff["张伟"])


async def _last_seq(db: Database, subject: str) -> int:
    async with db.transaction() as session:
        query = select(func.max(AuditEvent.seq)).where(AuditEvent.subject == subject)
        return int((await session.execute(query)).scalar_one())


RECORDS = Record.__table__
REMINDERS = Reminder.__table__


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(["full", "fresh"]),
    name=st.sampled_from(DRAFT_COLUMNS),
    how=st.sampled_from(["changed", "deleted", "inserted"]),
)
async def test_a_draft_field_set_around_the_program_is_named(
    db: Database,
    lively: Lively,
    clock: FakeClock,
    tmp_path: Path,
    which: str,
    name: str,
    how: str,
) -> None:
    """Every column a draft event sets is replayed: changed, cleared or filled with plain
    SQL, it is named (the form's label, the column beside it), with the draft's last event."""
    draft = getattr(lively, which)
    column = RECORDS.c[name]
    async with db.transaction() as session:
        before = (await session.execute(select(column).where(RECORDS.c.id == draft))).scalar()
    if how == "changed":
        assume(before is not None)
        after = _changed(name, before, lively)
    elif how == "deleted":
        assume(before is not None and column.nullable)
        after = None
    else:
        assume(before is None)
        after = _filled(name, lively, clock.now())
    async with db.transaction() as session:
        await session.execute(update(RECORDS).where(RECORDS.c.id == draft).values({name: after}))
    try:
        problems = await found(db, tmp_path)
        seq = await _last_seq(db, f"record:{draft}")
        assert problems == [
            RowProblem(RowProblemKind.ALTERED, RowSubject.RECORD, f"#{draft}", seq, (name,))
        ]
        for language in ("zh-CN", "en"):
            line = maintenance.describe(language, problems[0])
            assert f"#{draft}" in line and maintenance.column_words(language, name) in line
            assert f"({name})" in line or f"（{name}）" in line, line
    finally:
        async with db.transaction() as session:
            await session.execute(
                update(RECORDS).where(RECORDS.c.id == draft).values({name: before})
            )
    assert await found(db, tmp_path) == []


@pytest.mark.parametrize("how", ["changed", "deleted", "inserted"])
async def test_a_drafts_staff_present_set_around_the_program_is_named(
    db: Database, lively: Lively, tmp_path: Path, how: str
) -> None:
    """Who of the court's staff the draft names as present is replayed too: a co-signer row
    confirmed, deleted or added with plain SQL is named."""
    other, added = lively.staff["吴敏"], lively.staff["陈静"]
    async with db.transaction() as session:
        if how == "changed":
            statement = "UPDATE record_cosigners SET status = 'confirmed' WHERE staff_id = :s"
            await session.execute(text(statement), {"s": other})
        elif how == "deleted":
            statement = "DELETE FROM record_cosigners WHERE record_id = :r AND staff_id = :s"
            await session.execute(text(statement), {"r": lively.full, "s": other})
        else:
            await session.execute(
                text(
                    "INSERT INTO record_cosigners (record_id, staff_id, status) "
                    "VALUES (:r, :s, 'pending')"
                ),
                {"r": lively.full, "s": added},
            )
    names = {
        "changed": (f"cosigner {other}",),
        "deleted": (f"cosigner {other}", "cosigners"),
        "inserted": (f"cosigner {added}", "cosigners"),
    }[how]
    seq = await _last_seq(db, f"record:{lively.full}")
    assert await found(db, tmp_path) == [
        RowProblem(RowProblemKind.ALTERED, RowSubject.RECORD, f"#{lively.full}", seq, names)
    ]


async def test_a_lively_court_verifies_clean(
    db: Database, lively: Lively, tmp_path: Path, database_url: str
) -> None:
    """Drafts in every state and reminders in every state: no false alarm, exit 0."""
    assert await found(db, tmp_path) == []
    settings = settings_for(database_url, tmp_path / "evidence", "zh-CN")
    assert await maintenance.verify(settings, io.StringIO(), progress=False) == 0


async def _settled_rows(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        query = select(REMINDERS).order_by(REMINDERS.c.id)
        return [dict(row._mapping) for row in (await session.execute(query)).all()]


def _reminder_ref(row: dict[str, Any], numbers: dict[int, str | None]) -> str:
    record_id = row["record_id"]
    if record_id is None:
        return f"#{row['id']}"
    return f"#{row['id']} ({numbers.get(record_id) or f'#{record_id}'})"


def _reminder_change(name: str, row: dict[str, Any], lively: Lively) -> Any:
    value = row[name]
    if name == "status":
        return "cancelled" if value != "cancelled" else "pending"
    if name == "kind":
        return next(k.value for k in ReminderKind if k != value)
    if name == "recipient_staff_id":
        return next(i for i in lively.staff.values() if i != value)
    if name == "record_id":
        return lively.full if value != lively.full else lively.fresh
    if isinstance(value, datetime):
        return value + timedelta(hours=1)
    if isinstance(value, bool):
        return not value
    return f"{value or ''}改"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pick=st.integers(min_value=0, max_value=10**6),
    column=st.integers(min_value=0, max_value=10**6),
    how=st.sampled_from(["changed", "deleted", "inserted", "marked"]),
)
async def test_a_reminder_set_around_the_program_is_named(
    db: Database, lively: Lively, tmp_path: Path, pick: int, column: int, how: str
) -> None:
    """Every reminder state an event records is compared: a sent or failed row changed in
    any column its event records, or deleted, is named, and so is a row marked sent or
    failed that no event speaks of (inserted, or a pending one marked sent)."""
    rows = await _settled_rows(db)
    async with db.transaction() as session:
        numbers = dict((await session.execute(select(Record.id, Record.number))).all())
    settled = [r for r in rows if r["status"] in ("sent", "failed")]
    pending = [r for r in rows if r["status"] == "pending"]
    row = pending[pick % len(pending)] if how == "marked" else settled[pick % len(settled)]
    keys = crosscheck.SENT_KEYS if row["status"] == "sent" else crosscheck.FAILED_KEYS
    name = keys[column % len(keys)]
    touched = [row["id"]]
    async with db.transaction() as session:
        if how == "changed":
            after = _reminder_change(name, row, lively)
            statement = update(REMINDERS).where(REMINDERS.c.id == row["id"]).values({name: after})
            await session.execute(statement)
        elif how == "deleted":
            await session.execute(delete(REMINDERS).where(REMINDERS.c.id == row["id"]))
        elif how == "inserted":
            copy = {k: v for k, v in row.items() if k != "id"}
            copy["key"] = f"{row['key']}-copy"
            result = await session.execute(insert(REMINDERS).values(copy))
            (new_id,) = result.inserted_primary_key or (None,)
            assert new_id is not None
            touched.append(int(new_id))
        else:
            marked = {"status": "sent", "sent_at": row["due_at"]}
            await session.execute(
                update(REMINDERS).where(REMINDERS.c.id == row["id"]).values(marked)
            )
    try:
        problems = await found(db, tmp_path)
        ref = _reminder_ref(row, numbers)
        if how in ("changed", "deleted"):
            [problem] = problems
            assert isinstance(problem, RowProblem) and problem.seq is not None
            kind = RowProblemKind.ALTERED if how == "changed" else RowProblemKind.REMOVED
            names = (name,) if how == "changed" else ()
            assert (problem.kind, problem.subject, problem.fields) == (
                kind,
                RowSubject.REMINDER,
                names,
            )
            if how == "deleted" or name != "record_id":  # else named by its new record
                assert problem.ref == ref
        else:
            shown = ref if how == "marked" else _reminder_ref({**row, "id": touched[-1]}, numbers)
            assert problems == [RowProblem(RowProblemKind.UNLOGGED, RowSubject.REMINDER, shown)]
        for language in ("zh-CN", "en"):
            line = maintenance.describe(language, problems[0])
            assert f"#{row['id'] if how != 'inserted' else touched[-1]}" in line, line
            if how == "changed":
                assert maintenance.column_words(language, name, "reminder") in line, line
                assert f"({name})" in line or f"（{name}）" in line, line
    finally:
        async with db.transaction() as session:
            await session.execute(delete(REMINDERS).where(REMINDERS.c.id.in_(touched)))
            await session.execute(insert(REMINDERS).values(row))
    assert await found(db, tmp_path) == []
