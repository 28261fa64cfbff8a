"""Who hears what, and exactly when (DESIGN §4, issue 6 part 4).

The handler: the working day before and the morning (08:30) of each last day. At the breach
(24:00, held by the quiet hours until 08:00): the handler and the department's integrity
officer, not another department's. One working day later: discipline. Pending co-signers are
chased like milestones. The compiler: at quarter end with the list of incomplete records, two
days before the quarterly deadline and on the day; discipline when it passes; nothing once the
quarter is reported. The admin: every day from 1 December while next year is not loaded.

Time only moves through the FakeClock; ``run_until`` ticks at each due time and each midnight.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from reminder_kit import (
    Court,
    RecordingNotifier,
    bj,
    end_of,
    make_dispatcher,
    mark,
    new_record,
    open_court,
    reminders,
    rules,
    run_until,
    settings_for,
)

from bot import holidays as holidays_cli
from reminders.calendar import Counting
from reminders.clock import FakeClock
from reminders.outbox import ReminderKind, ReminderStatus
from reminders.planner import Timing
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Milestone, RecordKind

QUARTER_KINDS = {
    ReminderKind.QUARTER_END,
    ReminderKind.QUARTER_DUE_SOON,
    ReminderKind.QUARTER_DUE_TODAY,
    ReminderKind.QUARTER_OVERDUE,
}
FILE_2027 = """year = 2027
[[holiday]]
name = "元旦"
days = ["2027-01-01", "2027-01-03"]
"""


@pytest.fixture
async def court(db: Database, clock: FakeClock) -> Court:
    return await open_court(db, clock)


def of_kinds(notes: list, kinds: set[ReminderKind]) -> list:
    return [note for note in notes if note.kind in kinds]


# --- the handler, the integrity officer, discipline -----------------------------------------


async def test_a_record_two_deadlines_everyone_hears_on_time(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2026-03-11 10:00"))  # Wednesday
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)

    await run_until(dispatcher, clock, bj("2026-03-20 12:00"))

    assert notifier.seen(court) == [
        # Platform entry by Friday 13th; the form copy by Monday 16th (Saturday moves on).
        ("day_before", "张伟", bj("2026-03-12 08:30")),
        ("last_day", "张伟", bj("2026-03-13 08:30")),
        ("day_before", "张伟", bj("2026-03-13 08:30")),
        # The breach at 24:00 Friday waits for the end of the quiet hours.
        ("breach", "张伟", bj("2026-03-14 08:00")),
        ("breach_officer", "钱进", bj("2026-03-14 08:00")),
        ("last_day", "张伟", bj("2026-03-16 08:30")),
        ("breach", "张伟", bj("2026-03-17 08:00")),
        ("breach_officer", "钱进", bj("2026-03-17 08:00")),
        # One working day after each breach: discipline.
        ("escalation", "李刚", bj("2026-03-17 08:30")),
        ("escalation", "李刚", bj("2026-03-18 08:30")),
    ]
    owed = [(n.kind.value, n.at, n.owed) for n in notifier.sent]
    assert owed[0] == ("day_before", bj("2026-03-12 08:30"), (Milestone.PLATFORM_ENTERED,))
    assert owed[2] == ("day_before", bj("2026-03-13 08:30"), (Milestone.FORM_DELIVERED,))
    assert all(n.record_id == record_id for n in notifier.sent)
    assert not any(n.late or n.repeat for n in notifier.sent)
    assert [n.deadline for n in notifier.sent if n.kind is ReminderKind.ESCALATION] == [
        end_of("2026-03-13"),
        end_of("2026-03-16"),
    ]
    # Every row went out once and is marked so.
    rows = await reminders(db, record_id=record_id)
    assert len(rows) == 10
    assert {row.status for row in rows} == {ReminderStatus.SENT}
    assert {row.sent_at for row in rows} == {n.at for n in notifier.sent}


async def test_the_breach_goes_to_the_records_department_officer_only(
    db: Database, clock: FakeClock, court: Court
) -> None:
    # 周强 is in the criminal division: 吴敏 hears, 钱进 (civil division) does not.
    await new_record(db, clock, court.id("周强"), received=clock.now())
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-12 12:00"))
    assert notifier.seen(court) == [
        ("last_day", "周强", bj("2026-03-09 08:30")),
        ("breach", "周强", bj("2026-03-10 08:00")),
        ("breach_officer", "吴敏", bj("2026-03-10 08:00")),
        ("escalation", "李刚", bj("2026-03-11 08:30")),
    ]


async def test_a_record_received_before_the_morning_has_its_day_before_that_morning(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2026-03-06 07:10"))  # Friday, before 08:30
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-09 12:00"))
    # The last day is Monday; the working day before it is today.
    assert notifier.seen(court) == [
        ("day_before", "张伟", bj("2026-03-06 08:30")),
        ("last_day", "张伟", bj("2026-03-09 08:30")),
    ]


async def test_the_national_day_escalation_falls_on_the_makeup_saturday(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2026-09-30 10:00"))
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-10-12 12:00"))
    records = [s for s in notifier.seen(court) if s[0] not in {k.value for k in QUARTER_KINDS}]
    assert records == [
        ("last_day", "张伟", bj("2026-10-08 08:30")),
        ("breach", "张伟", bj("2026-10-09 08:00")),
        ("breach_officer", "钱进", bj("2026-10-09 08:00")),
        # Working days after Thursday 8 October: Friday 9, then Saturday 10 (调休).
        ("escalation", "李刚", bj("2026-10-10 08:30")),
    ]


async def test_workdays_counting_and_configured_timing(
    db: Database, clock: FakeClock, court: Court
) -> None:
    workdays = rules(counting=Counting.WORKDAYS)
    timing = Timing(escalate_after_workdays=0)
    await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        deadline_rules=workdays,
        timing=timing,
    )
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier, deadline_rules=workdays, timing=timing)
    await run_until(dispatcher, clock, bj("2026-03-13 12:00"))
    assert notifier.seen(court) == [
        # Two working days from Friday: Tuesday; three: Wednesday. The day before Tuesday is
        # Monday.
        ("day_before", "张伟", bj("2026-03-09 08:30")),
        ("last_day", "张伟", bj("2026-03-10 08:30")),
        ("day_before", "张伟", bj("2026-03-10 08:30")),
        ("breach", "张伟", bj("2026-03-11 08:00")),
        ("breach_officer", "钱进", bj("2026-03-11 08:00")),
        # No working day's grace: discipline hears the morning after the breach.
        ("escalation", "李刚", bj("2026-03-11 08:30")),
        ("last_day", "张伟", bj("2026-03-11 08:30")),
        ("breach", "张伟", bj("2026-03-12 08:00")),
        ("breach_officer", "钱进", bj("2026-03-12 08:00")),
        ("escalation", "李刚", bj("2026-03-12 08:30")),
    ]


async def test_an_art5_record_is_chased_for_the_form_copy_only(
    db: Database, clock: FakeClock, court: Court
) -> None:
    await new_record(
        db, clock, court.id("张伟"), received=clock.now(), kind=RecordKind.REFERENCE_OPINION
    )
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-10 12:00"))
    assert [(n.kind.value, n.owed) for n in notifier.sent] == [
        ("last_day", (Milestone.FORM_DELIVERED,)),
        ("breach", (Milestone.FORM_DELIVERED,)),
        ("breach_officer", (Milestone.FORM_DELIVERED,)),
    ]


async def test_a_draft_is_chased_for_registration_and_an_internal_one_not_at_all(
    db: Database, clock: FakeClock, court: Court
) -> None:
    draft = await new_record(db, clock, court.id("张伟"), received=clock.now(), submit=False)
    internal = await new_record(
        db, clock, court.id("孙丽"), received=clock.now(), kind=RecordKind.INTERNAL, submit=False
    )
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-09 12:00"))
    assert [(n.kind.value, n.record_id, n.owed) for n in notifier.sent] == [
        (
            "last_day",
            draft,
            (Milestone.REGISTERED, Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED),
        ),
    ]
    assert await reminders(db, record_id=internal) == []


async def test_meeting_the_milestones_cancels_what_was_planned(
    db: Database, clock: FakeClock, court: Court
) -> None:
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    await run_until(dispatcher, clock, bj("2026-03-09 09:00"))
    assert notifier.seen(court) == [("last_day", "张伟", bj("2026-03-09 08:30"))]

    await mark(db, record_id, Milestone.PLATFORM_ENTERED, bj("2026-03-09 15:00"))
    pending = await reminders(db, record_id=record_id, status=ReminderStatus.PENDING.value)
    assert len(pending) == 3  # the form copy is still owed: breach, officer, escalation
    await mark(db, record_id, Milestone.FORM_DELIVERED, bj("2026-03-09 16:00"))
    assert await reminders(db, record_id=record_id, status=ReminderStatus.PENDING.value) == []

    await run_until(dispatcher, clock, bj("2026-03-20 12:00"))
    assert notifier.seen(court) == [("last_day", "张伟", bj("2026-03-09 08:30"))]
    cancelled = await reminders(db, record_id=record_id, status=ReminderStatus.CANCELLED.value)
    assert {row.kind for row in cancelled} == {"breach", "breach_officer", "escalation"}


async def test_a_milestone_met_after_planning_but_before_sending_is_not_nagged(
    db: Database, clock: FakeClock, court: Court
) -> None:
    """The dispatcher decides afresh at send time, even for a row still pending."""
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    async with db.transaction() as session:  # met behind the planner's back
        record = await session.get(Record, record_id)
        assert record is not None
        record.platform_entered_at = bj("2026-03-06 11:00")
        record.form_delivered_at = bj("2026-03-06 11:00")
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-12 12:00"))
    assert notifier.sent == []
    rows = await reminders(db, record_id=record_id)
    assert {(row.status, row.detail) for row in rows} == {("cancelled", "no longer due")}


# --- co-signers ---------------------------------------------------------------------------------


async def test_pending_co_signers_are_chased_until_they_answer(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2026-03-11 10:00"))
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=bj("2026-03-09 10:00"),
        cosigners=[court.id("孙丽"), court.id("王芳")],
    )
    await mark(db, record_id, Milestone.PLATFORM_ENTERED, bj("2026-03-11 11:00"))
    await mark(db, record_id, Milestone.FORM_DELIVERED, bj("2026-03-11 11:00"))
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    await run_until(dispatcher, clock, bj("2026-03-12 09:00"))

    clock.set(bj("2026-03-12 09:00"))
    async with db.transaction() as session:  # 孙丽 confirms in her chat
        record = await session.get(Record, record_id)
        assert record is not None
        sun = next(c for c in record.cosigners if c.staff_id == court.id("孙丽"))
        person = await session.get(Staff, court.id("孙丽"))
        assert person is not None
        await records_repo.respond(
            session, sun, confirmed=True, reason=None, actor=person, at=clock.now()
        )
        from reminders.planner import plan_records

        await plan_records(session, [record_id], rules(), Timing(), clock.now())
    await run_until(dispatcher, clock, bj("2026-03-20 12:00"))

    # Co-signatures are due two days after submission (Wednesday): Friday 13th.
    assert notifier.seen(court) == [
        ("cosign_day_before", "孙丽", bj("2026-03-12 08:30")),
        ("cosign_day_before", "王芳", bj("2026-03-12 08:30")),
        ("cosign_last_day", "王芳", bj("2026-03-13 08:30")),
        ("cosign_overdue", "王芳", bj("2026-03-14 08:00")),
        ("breach", "张伟", bj("2026-03-14 08:00")),
        ("breach_officer", "钱进", bj("2026-03-14 08:00")),
        ("escalation", "李刚", bj("2026-03-17 08:30")),
    ]
    assert {n.owed for n in notifier.sent} == {(Milestone.COSIGNED,)}
    sun_last = await reminders(
        db, kind=ReminderKind.COSIGN_LAST_DAY.value, recipient_staff_id=court.id("孙丽")
    )
    assert [row.status for row in sun_last] == [ReminderStatus.CANCELLED]


# --- the quarter ----------------------------------------------------------------------------------


async def q1_records(db: Database, clock: FakeClock, court: Court) -> dict[str, int]:
    """Q1 2026 records in every state, made on 30 March; one Q2 record on 1 April."""
    made: dict[str, int] = {}
    handler = court.id("张伟")
    made["complete"] = await new_record(db, clock, handler, received=bj("2026-03-02 09:00"))
    await mark(db, made["complete"], Milestone.PLATFORM_ENTERED, clock.now())
    await mark(db, made["complete"], Milestone.FORM_DELIVERED, clock.now())
    made["no_platform"] = await new_record(db, clock, handler, received=bj("2026-03-05 09:00"))
    await mark(db, made["no_platform"], Milestone.FORM_DELIVERED, clock.now())
    made["draft"] = await new_record(
        db, clock, court.id("周强"), received=bj("2026-03-20 09:00"), submit=False
    )
    made["art5_done"] = await new_record(
        db, clock, handler, received=bj("2026-03-10 09:00"), kind=RecordKind.REFERENCE_OPINION
    )
    await mark(db, made["art5_done"], Milestone.FORM_DELIVERED, clock.now())
    made["internal"] = await new_record(
        db, clock, handler, received=bj("2026-03-11 09:00"), kind=RecordKind.INTERNAL, submit=False
    )
    made["withdrawn"] = await new_record(
        db, clock, handler, received=bj("2026-03-12 09:00"), submit=False
    )
    async with db.transaction() as session:
        record = await session.get(Record, made["withdrawn"])
        person = await session.get(Staff, handler)
        assert record is not None and person is not None
        await records_repo.withdraw(session, record, reason="重复", actor=person, at=clock.now())
    return made


async def test_the_compiler_hears_at_quarter_end_two_days_before_and_on_the_day(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2026-03-30 10:00"))
    made = await q1_records(db, clock, court)
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-04-01 07:00"))
    clock.set(bj("2026-04-01 07:00"))
    await new_record(db, clock, court.id("张伟"), received=clock.now())  # Q2: not listed
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-04-10 12:00"))

    quarter = of_kinds(notifier.sent, QUARTER_KINDS)
    assert [(n.kind.value, court.name_of(n.to), n.at, n.quarter) for n in quarter] == [
        ("quarter_end", "刘洋", bj("2026-04-01 08:00"), "2026Q1"),
        # Q1's report is due 7 April (5 April falls in 清明): two days before, and the day.
        ("quarter_due_soon", "刘洋", bj("2026-04-05 08:30"), "2026Q1"),
        ("quarter_due_today", "刘洋", bj("2026-04-07 08:30"), "2026Q1"),
        ("quarter_overdue", "李刚", bj("2026-04-08 08:00"), "2026Q1"),
    ]
    assert {n.deadline for n in quarter} == {end_of("2026-04-07")}
    # The list: Q1's records still owing something, oldest first; not the complete ones, the
    # withdrawn draft, the internal one, nor April's.
    assert quarter[0].incomplete == (made["no_platform"], made["draft"])
    assert not any(n.late for n in quarter)


async def test_a_reported_quarter_stops_its_reminders(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2026-03-30 10:00"))
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    await run_until(dispatcher, clock, bj("2026-04-02 10:00"))
    async with db.transaction() as session:
        compiler = await session.get(Staff, court.id("刘洋"))
        assert compiler is not None
        await records_repo.quarter_reported(session, "2026Q1", actor=compiler, at=clock.now())
    await run_until(dispatcher, clock, bj("2026-04-15 12:00"))

    assert [(n.kind.value, n.at) for n in of_kinds(notifier.sent, QUARTER_KINDS)] == [
        ("quarter_end", bj("2026-04-01 08:00")),
    ]
    rows = await reminders(db, quarter="2026Q1")
    assert {(row.kind, row.status) for row in rows} == {
        ("quarter_end", "sent"),
        ("quarter_due_soon", "cancelled"),
        ("quarter_due_today", "cancelled"),
        ("quarter_overdue", "cancelled"),
    }


async def test_without_a_compiler_trial_management_owes_the_report(
    db: Database, clock: FakeClock
) -> None:
    from fakes import add_person

    from storage.vocabulary import Role

    clock.set(bj("2026-06-29 10:00"))
    office = await add_person(
        db, clock, "马丽", [Role.TRIAL_MANAGEMENT], department="审判管理办公室", user_id="mali"
    )
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-07-01 12:00"))
    assert [(n.kind.value, n.to, n.at) for n in notifier.sent] == [
        ("quarter_end", office.id, bj("2026-07-01 08:00")),
    ]


# --- holidays of next year ------------------------------------------------------------------------


async def test_the_admin_is_warned_daily_from_december_until_next_year_is_loaded(
    db: Database, clock: FakeClock, court: Court, tmp_path: Path
) -> None:
    clock.set(bj("2026-11-29 10:00"))
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    await run_until(dispatcher, clock, bj("2026-12-04 07:00"))
    warned = of_kinds(notifier.sent, {ReminderKind.HOLIDAYS_MISSING})
    assert [(court.name_of(n.to), n.at, n.payload) for n in warned] == [
        ("赵磊", bj(f"2026-12-0{day} 08:30"), {"year": 2027}) for day in (1, 2, 3)
    ]

    # The admin loads 2027 before this morning's warning went out.
    path = tmp_path / "2027.toml"
    path.write_text(FILE_2027, encoding="utf-8")
    status = await holidays_cli.load(
        settings_for(tmp_path), db, path, clock.now(), io.StringIO(), io.StringIO()
    )
    assert status == 0
    await run_until(dispatcher, clock, bj("2026-12-10 12:00"))
    assert of_kinds(notifier.sent, {ReminderKind.HOLIDAYS_MISSING}) == warned
    today = await reminders(db, key=f"h2026-12-04:{court.id('赵磊')}")
    assert [(row.status, row.detail) for row in today] == [("cancelled", "no longer due")]


async def test_in_a_year_nobody_loaded_the_warning_names_that_year(
    db: Database, clock: FakeClock, court: Court
) -> None:
    clock.set(bj("2027-01-04 10:00"))
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2027-01-05 12:00"))
    warned = of_kinds(notifier.sent, {ReminderKind.HOLIDAYS_MISSING})
    # 2027 itself is unknown: that is the year to load, not 2028.
    assert [(n.at, n.payload) for n in warned] == [
        (bj("2027-01-04 10:00"), {"year": 2027}),
        (bj("2027-01-05 08:30"), {"year": 2027}),
    ]


async def test_no_warning_before_december(db: Database, clock: FakeClock, court: Court) -> None:
    clock.set(bj("2026-11-01 10:00"))
    notifier = RecordingNotifier()
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-11-30 23:00"))
    assert of_kinds(notifier.sent, {ReminderKind.HOLIDAYS_MISSING}) == []
    assert await reminders(db, kind=ReminderKind.HOLIDAYS_MISSING.value) == []


async def test_planning_twice_adds_nothing(db: Database, clock: FakeClock, court: Court) -> None:
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    first = await reminders(db)
    async with db.transaction() as session:
        from reminders.planner import plan_calendar, plan_records

        await plan_records(session, [record_id, record_id], rules(), Timing(), clock.now())
        await plan_calendar(session, rules(), Timing(), clock.now())
        await plan_calendar(session, rules(), Timing(), clock.now() + timedelta(minutes=1))
    again = await reminders(db)
    assert [r.key for r in again if r.record_id] == [r.key for r in first]
    assert len({r.key for r in again}) == len(again)


async def test_loading_next_years_holidays_moves_the_quarters_reminders(
    db: Database, clock: FakeClock, court: Court, tmp_path: Path
) -> None:
    # Counting working days, the Q4 2026 report is due after five working days of 2027: with
    # 2027 unknown (元旦 off by law) that is 4-8 January; once a schedule bridging 元旦 to
    # Monday 4 January is loaded, 5-11 January.
    clock.set(bj("2026-12-20 10:00"))
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(
        db, clock, notifier, deadline_rules=rules(counting=Counting.WORKDAYS)
    )
    await dispatcher.tick()
    planned = await reminders(db, quarter="2026Q4", status=ReminderStatus.PENDING.value)
    assert {row.deadline for row in planned} == {end_of("2027-01-08")}

    path = tmp_path / "2027.toml"
    path.write_text(
        'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2027-01-01", "2027-01-04"]\n',
        encoding="utf-8",
    )
    status = await holidays_cli.load(
        settings_for(tmp_path), db, path, clock.now(), io.StringIO(), io.StringIO()
    )
    assert status == 0
    await dispatcher.tick()
    moved = await reminders(db, quarter="2026Q4")
    assert {row.deadline for row in moved if row.status == ReminderStatus.PENDING} == {
        end_of("2027-01-11")
    }
    assert {row.detail for row in moved if row.status == ReminderStatus.CANCELLED} == {
        f"deadline moved ({clock.now().isoformat()})"
    }

    await run_until(dispatcher, clock, bj("2027-01-13 12:00"))
    today = of_kinds(notifier.sent, {ReminderKind.QUARTER_DUE_TODAY})
    assert [(court.name_of(n.to), n.at) for n in today] == [("刘洋", bj("2027-01-11 08:30"))]
    overdue = of_kinds(notifier.sent, {ReminderKind.QUARTER_OVERDUE})
    assert [n.at for n in overdue] == [bj("2027-01-12 08:00")]  # after the quiet hours
