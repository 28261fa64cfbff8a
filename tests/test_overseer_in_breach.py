"""Nobody is told as the overseer of their own breach (DESIGN §4, Art. 10).

At a breach the department's integrity officers hear (``breach_officer``), and discipline a
working day later (``escalation``). An officer who owes a step of that deadline herself (the
handler, or a staff member present who has not co-signed, Art. 3) is not told as its overseer:
the department's other officers are, and when none is left discipline hears at once, besides
its escalation a working day later. The person in breach hears their own notice, which says
who was told.

The property test draws a department's officers (one or two), whether the handler is one of
them, who of them and of another staff member is present at the inquiry and who of those
answered, whether a clerk not in the bot was present, and whether the handler met the
platform entry due with the co-signature; every deadline's planned notices are checked.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

from dialogue import Court, DialogueBot
from fakes import add_person
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reminder_kit import NUMBER_FORMAT, bj, reminders, rules, run_until

from handlers.i18n import t
from reminders.clock import FakeClock
from reminders.outbox import ReminderKind, ReminderStatus
from reminders.planner import OVERSEER, Timing, plan_records, unmet
from storage import records as records_repo
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import CosignStatus, Language, Milestone, Role

ZH = Language.ZH
BEIJING = bj("2026-03-11 10:00").tzinfo
_examples = itertools.count(1)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    second_officer=st.booleans(),
    handler_is_officer=st.booleans(),
    present=st.lists(st.sampled_from(("officer", "second", "clerk")), unique=True, max_size=3),
    answered=st.sets(st.sampled_from(("officer", "second", "clerk"))),
    paper=st.booleans(),
    platform=st.booleans(),
)
async def test_no_overseer_is_told_of_their_own_breach(
    court: Court,
    db: Database,
    clock: FakeClock,
    second_officer: bool,
    handler_is_officer: bool,
    present: list[str],
    answered: set[str],
    paper: bool,
    platform: bool,
) -> None:
    n = next(_examples)
    department = f"审判{n}庭"
    clock.set(bj("2026-03-11 09:00"))
    handler_roles = [Role.HANDLER, *([Role.INTEGRITY_OFFICER] if handler_is_officer else [])]
    people = {
        "handler": await add_person(db, clock, f"承办{n}", handler_roles, department=department),
        "officer": await add_person(
            db, clock, f"监察{n}", [Role.INTEGRITY_OFFICER], department=department
        ),
        "clerk": await add_person(db, clock, f"书记{n}", [Role.HANDLER], department=department),
    }
    if second_officer:
        people["second"] = await add_person(
            db, clock, f"监察乙{n}", [Role.INTEGRITY_OFFICER], department=department
        )
    cosigners = [people[who] for who in present if who in people]
    now = clock.now()
    async with db.transaction() as session:
        handler = await session.get(Staff, people["handler"].id)
        assert handler is not None
        record = await records_repo.create_draft(session, handler=handler, received_at=now, at=now)
        await records_repo.set_fields(
            session, record, {"case_name": "张某诉李某案"}, actor=handler, at=now
        )
        if cosigners or paper:
            staff = [await session.get(Staff, c.id) for c in cosigners]
            await records_repo.set_cosigners(
                session,
                record,
                [s for s in staff if s is not None],
                actor=handler,
                at=now,
                offline=["马小红"] if paper else [],
            )
        await records_repo.submit(
            session, record, actor=handler, at=now, number_format=NUMBER_FORMAT, tz=BEIJING
        )
        later = now + timedelta(hours=1)
        for row in record.cosigners:
            who = next((k for k, p in people.items() if p.id == row.staff_id), None)
            if who in answered:
                actor = await session.get(Staff, row.staff_id)
                assert actor is not None
                await records_repo.respond(
                    session, row, confirmed=True, reason=None, actor=actor, at=later
                )
        if platform:
            await records_repo.mark_milestone(
                session, record, Milestone.PLATFORM_ENTERED, actor=handler, at=later
            )
        await plan_records(session, [record.id], rules(), Timing(), later)
        owed = unmet(record, rules())
        pending = {
            c.staff_id
            for c in record.cosigners
            if c.status == CosignStatus.PENDING and c.staff_id is not None
        }
        record_id = record.id

    officers = {people["officer"].id} | ({people["second"].id} if second_officer else set())
    if handler_is_officer:
        officers.add(people["handler"].id)
    discipline = {court.id("李刚")}
    rows = [
        r for r in await reminders(db, record_id=record_id) if r.status == ReminderStatus.PENDING
    ]
    for deadline in set(owed.values()):
        steps = {m for m, d in owed.items() if d == deadline}
        breach = set(pending) if Milestone.COSIGNED in steps else set()
        if steps - {Milestone.COSIGNED}:
            breach.add(people["handler"].id)
        here = [r for r in rows if r.deadline == deadline]
        told = {r.recipient_staff_id for r in here if r.kind == ReminderKind.BREACH_OFFICER}
        assert told == officers - breach, (steps, breach)
        at_once = {
            r.recipient_staff_id
            for r in here
            if r.kind == ReminderKind.ESCALATION and r.payload.get(OVERSEER)
        }
        assert at_once == (discipline if not officers - breach else set())
        for r in here:
            if r.kind in (ReminderKind.BREACH_OFFICER, ReminderKind.ESCALATION):
                assert r.recipient_staff_id not in breach, r.kind
                if r.payload.get(OVERSEER):
                    assert r.due_at == deadline


async def test_the_trial_s_officer_who_is_the_late_co_signer_is_not_told_as_overseer(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    """Trial 5, F9: 钱进, 民一庭's only integrity officer, is present at 张伟's inquiry and never
    co-signs: she hears her own notice (saying discipline was told), not the officer's, and
    李刚 (discipline) hears at the breach, not a working day later only."""
    clock.set(bj("2026-03-11 10:00"))  # Wednesday
    now = clock.now()
    async with db.transaction() as session:
        handler = await session.get(Staff, court.id("张伟"))
        officer = await session.get(Staff, court.id("钱进"))
        assert handler is not None and officer is not None
        record = await records_repo.create_draft(session, handler=handler, received_at=now, at=now)
        await records_repo.set_fields(
            session, record, {"case_name": "张某诉李某案"}, actor=handler, at=now
        )
        await records_repo.set_cosigners(session, record, [officer], actor=handler, at=now)
        await records_repo.submit(
            session, record, actor=handler, at=now, number_format=NUMBER_FORMAT, tz=BEIJING
        )
        for milestone in (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED):
            await records_repo.mark_milestone(session, record, milestone, actor=handler, at=now)
        await plan_records(session, [record.id], rules(), Timing(), now)
        number, record_id = record.number, record.id
        assert number is not None
        deadline = rules().for_record(record)[Milestone.COSIGNED]
    seen = {name: len(court.chat(name).inbox()) for name in ("钱进", "李刚", "张伟")}
    await run_until(bot.app.dispatcher, clock, deadline + timedelta(hours=12))

    def since(name: str) -> list[str]:
        return [m.text for m in court.chat(name).inbox()[seen[name] :] if number in m.text]

    officer_said = t(
        ZH,
        "reminders.breach_officer",
        title=number,
        case="X",
        handler="张伟",
        missing="",
        deadline="",
    ).split("X")[0]
    own = t(ZH, "reminders.cosign_overdue_discipline", title=number, handler="张伟", deadline="")
    assert not any(text.startswith(officer_said) for text in since("钱进")), since("钱进")
    assert any(own.split("，")[0] in text and "纪检监察" in text for text in since("钱进"))
    overseer = t(
        ZH,
        "reminders.escalation_overseer",
        department="民一庭",
        title=number,
        case="X",
        handler="张伟",
        missing="",
        deadline="",
    ).split("X")[0]
    assert any(text.startswith(overseer) and "钱进" in text for text in since("李刚")), since(
        "李刚"
    )
    handler_said = since("张伟")
    assert any("纪检监察" in text for text in handler_said), handler_said
    assert await reminders(db, kind=ReminderKind.BREACH_OFFICER, record_id=record_id) == []
