"""A record's deadlines (Art. 6) and the quarter's (Art. 7), as ``DeadlineRules`` gives them.

``tests/test_calendar.py`` checks the calendar itself; here the same examples are checked where
a court meets them: on records (external, Art. 5 reference opinions, with co-signers), in both
counting modes, over every 2026 holiday and make-up day, into 2027 with and without its
schedule, and when the receipt time is corrected, in the draft or by an amendment, the outbox
is planned again: the old reminders cancelled, new ones at the new deadline.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from dialogue import (
    AMEND,
    CONFIRM_TIME,
    SKIP,
    DialogueBot,
    Exactly,
    Press,
    asks,
    asks_received,
    dialogue,
    open_court,
    phone_record,
    says,
)
from reminder_kit import BEIJING, bj, end_of, reminders, rules

from handlers.fields import Step
from reminders.calendar import Counting, parse_holidays_file
from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from reminders.outbox import ReminderKind, ReminderStatus
from reminders.planner import Timing, plan_records
from storage.db import Database
from storage.models import Record, RecordCosigner
from storage.vocabulary import CosignStatus, Milestone, RecordKind, RecordStatus

FILE_2027 = """\
year = 2027

[[holiday]]
name = "元旦"
days = ["2027-01-01", "2027-01-03"]

[[holiday]]
name = "春节"
days = ["2027-02-06", "2027-02-12"]

[[workday]]
date = "2027-02-13"
"""

# 国务院办公厅关于2026年部分节假日安排的通知: each run of days off, and the first working
# day after it (元旦's is the make-up Sunday 4 January).
HOLIDAYS_2026 = [
    ("元旦", "2026-01-01", "2026-01-03", "2026-01-04"),
    ("春节", "2026-02-15", "2026-02-23", "2026-02-24"),
    ("清明节", "2026-04-04", "2026-04-06", "2026-04-07"),
    ("劳动节", "2026-05-01", "2026-05-05", "2026-05-06"),
    ("端午节", "2026-06-19", "2026-06-21", "2026-06-22"),
    ("中秋节", "2026-09-25", "2026-09-27", "2026-09-28"),
    ("国庆节", "2026-10-01", "2026-10-07", "2026-10-08"),
]
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def record(
    received: datetime,
    kind: RecordKind | None = RecordKind.EXTERNAL,
    *,
    submitted: datetime | None = None,
    cosigners: int = 0,
) -> Record:
    """A record as the database would hand it over (not stored: the rules are pure)."""
    made = Record(
        status=RecordStatus.SUBMITTED.value if submitted else RecordStatus.DRAFT.value,
        kind=kind.value if kind else None,
        handler_id=1,
        received_at=received,
        submitted_at=submitted,
        created_at=received,
        fields={},
    )
    made.cosigners = [
        RecordCosigner(staff_id=10 + n, status=CosignStatus.PENDING.value) for n in range(cosigners)
    ]
    return made


def days_in(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def at_ten(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=BEIJING)


# --- the DESIGN examples, on records ----------------------------------------------------------


def test_received_friday_both_periods_end_monday_midnight() -> None:
    deadlines = rules().for_record(record(bj("2026-03-06 10:00")))
    assert deadlines == {
        Milestone.REGISTERED: end_of("2026-03-09"),
        Milestone.PLATFORM_ENTERED: end_of("2026-03-09"),
        Milestone.FORM_DELIVERED: end_of("2026-03-09"),
    }
    # 24:00 Monday is 00:00 Tuesday in Beijing, and the deadline is met by anything before it.
    assert deadlines[Milestone.REGISTERED] == datetime(2026, 3, 10, tzinfo=BEIJING)


def test_received_september_30_everything_ends_october_8() -> None:
    deadlines = rules().for_record(record(bj("2026-09-30 16:00")))
    assert set(deadlines.values()) == {end_of("2026-10-08")}
    assert set(deadlines) == {
        Milestone.REGISTERED,
        Milestone.PLATFORM_ENTERED,
        Milestone.FORM_DELIVERED,
    }


def test_q3_report_is_due_october_8() -> None:
    assert rules().quarter(2026, 3) == end_of("2026-10-08")


@pytest.mark.parametrize(
    ("quarter", "last_day"),
    [(1, "2026-04-07"), (2, "2026-07-06"), (3, "2026-10-08"), (4, "2027-01-05")],
)
def test_every_2026_quarter_report(quarter: int, last_day: str) -> None:
    # Q1: 5 April is in 清明 (4-6 April); Q2: 5 July is a Sunday; Q4 runs into unknown 2027.
    assert rules().quarter(2026, quarter) == end_of(last_day)


def test_a_receipt_late_at_night_utc_counts_from_the_beijing_day() -> None:
    # 17:30 UTC on Thursday is 01:30 on Friday in Beijing: the Friday example again.
    received = datetime.fromisoformat("2026-03-05T17:30:00+00:00")
    assert rules().for_record(record(received))[Milestone.REGISTERED] == end_of("2026-03-09")


# --- counting in working days ------------------------------------------------------------------


def test_workdays_counting_on_a_record() -> None:
    deadlines = rules(counting=Counting.WORKDAYS).for_record(record(bj("2026-03-06 10:00")))
    assert deadlines[Milestone.REGISTERED] == end_of("2026-03-10")
    assert deadlines[Milestone.PLATFORM_ENTERED] == end_of("2026-03-10")
    assert deadlines[Milestone.FORM_DELIVERED] == end_of("2026-03-11")


def test_workdays_over_national_day_count_the_makeup_saturday() -> None:
    deadlines = rules(counting=Counting.WORKDAYS).for_record(record(bj("2026-09-30 10:00")))
    # Working days after 30 September: Thu 8, Fri 9, Sat 10 October (make-up day).
    assert deadlines[Milestone.REGISTERED] == end_of("2026-10-09")
    assert deadlines[Milestone.FORM_DELIVERED] == end_of("2026-10-10")


def test_workdays_quarter_report() -> None:
    # Five working days after 30 September: 8, 9, 10 (make-up), 12, 13 October.
    assert rules(counting=Counting.WORKDAYS).quarter(2026, 3) == end_of("2026-10-13")


# --- every 2026 holiday and make-up day ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "first_working_day"),
    [
        pytest.param(day, after, id=f"{name}-{day.isoformat()}")
        for name, first, last, after in HOLIDAYS_2026
        for day in days_in(first, last)
    ],
)
def test_a_period_ending_on_any_2026_day_off_moves_past_the_holiday(
    day: date, first_working_day: str
) -> None:
    received = at_ten(day - timedelta(days=2))
    deadlines = rules().for_record(record(received))
    assert deadlines[Milestone.PLATFORM_ENTERED] == end_of(first_working_day)


@pytest.mark.parametrize(
    ("name", "first", "after"),
    [(name, first, after) for name, first, _, after in HOLIDAYS_2026],
)
def test_workdays_skip_every_2026_holiday(name: str, first: str, after: str) -> None:
    # Received on the eve of the holiday: one working day later is the first day after it.
    eve = date.fromisoformat(first) - timedelta(days=1)
    one_day = DeadlineRules(counting=Counting.WORKDAYS, register_days=1, calendar=rules().calendar)
    assert one_day.for_record(record(at_ten(eve)))[Milestone.REGISTERED] == end_of(after), name


@pytest.mark.parametrize("makeup", MAKEUP_2026)
def test_a_period_may_end_on_each_2026_makeup_day(makeup: str) -> None:
    day = date.fromisoformat(makeup)
    assert day.weekday() >= 5  # a weekend day that is worked
    deadlines = rules().for_record(record(at_ten(day - timedelta(days=2))))
    assert deadlines[Milestone.REGISTERED] == end_of(makeup)


@pytest.mark.parametrize("makeup", MAKEUP_2026)
def test_workdays_count_each_2026_makeup_day(makeup: str) -> None:
    day = date.fromisoformat(makeup)
    one_day = DeadlineRules(counting=Counting.WORKDAYS, register_days=1, calendar=rules().calendar)
    received = at_ten(day - timedelta(days=1))
    assert one_day.for_record(record(received))[Milestone.REGISTERED] == end_of(makeup)


# --- into 2027 --------------------------------------------------------------------------------


def test_into_2027_without_its_schedule_weekends_and_statutory_holidays_count() -> None:
    received = bj("2026-12-30 10:00")
    calendar_days = rules().for_record(record(received))
    assert calendar_days[Milestone.REGISTERED] == end_of("2027-01-04")  # 元旦, then the weekend
    assert calendar_days[Milestone.FORM_DELIVERED] == end_of("2027-01-04")  # Sat → Monday
    workdays = rules(counting=Counting.WORKDAYS).for_record(record(received))
    assert workdays[Milestone.REGISTERED] == end_of("2027-01-04")  # 31 Dec, 4 Jan
    assert workdays[Milestone.FORM_DELIVERED] == end_of("2027-01-05")


def test_into_2027_with_its_schedule_loaded_new_year_is_off() -> None:
    loaded = {2027: parse_holidays_file(FILE_2027)}
    received = bj("2026-12-30 10:00")
    calendar_days = rules(loaded=loaded).for_record(record(received))
    assert calendar_days[Milestone.REGISTERED] == end_of("2027-01-04")
    assert calendar_days[Milestone.FORM_DELIVERED] == end_of("2027-01-04")
    workdays = rules(counting=Counting.WORKDAYS, loaded=loaded).for_record(record(received))
    assert workdays[Milestone.REGISTERED] == end_of("2027-01-04")  # 31 Dec, 4 Jan
    assert workdays[Milestone.FORM_DELIVERED] == end_of("2027-01-05")


def test_into_2027_spring_festival_and_its_makeup_saturday() -> None:
    loaded = {2027: parse_holidays_file(FILE_2027)}
    received = bj("2027-02-04 10:00")  # Thursday before 春节 (6-12 February)
    # Unloaded: 除夕 to 初三 (5-8 February) by law, so the Tuesday after.
    assert rules().for_record(record(received))[Milestone.REGISTERED] == end_of("2027-02-09")
    deadlines = rules(loaded=loaded).for_record(record(received))
    assert deadlines[Milestone.REGISTERED] == end_of("2027-02-13")  # make-up Saturday
    assert deadlines[Milestone.FORM_DELIVERED] == end_of("2027-02-13")


def test_q4_2026_report_with_and_without_2027() -> None:
    # 31 December + 5 = Tue 5 January either way: 元旦 2027 ends on the 3rd.
    assert rules().quarter(2026, 4) == end_of("2027-01-05")
    loaded = {2027: parse_holidays_file(FILE_2027)}
    assert rules(loaded=loaded).quarter(2026, 4) == end_of("2027-01-05")
    # Working days: 元旦 is off by law whether or not 2027 is loaded.
    assert rules(counting=Counting.WORKDAYS).quarter(2026, 4) == end_of("2027-01-08")
    assert rules(counting=Counting.WORKDAYS, loaded=loaded).quarter(2026, 4) == end_of("2027-01-08")


# --- what a record owes -----------------------------------------------------------------------


def test_an_art5_reference_opinion_skips_the_platform() -> None:
    deadlines = rules().for_record(record(bj("2026-03-06 10:00"), RecordKind.REFERENCE_OPINION))
    assert deadlines == {
        Milestone.REGISTERED: end_of("2026-03-09"),
        Milestone.FORM_DELIVERED: end_of("2026-03-09"),
    }


def test_a_draft_whose_source_is_not_chosen_yet_owes_everything() -> None:
    deadlines = rules().for_record(record(bj("2026-03-06 10:00"), None))
    assert Milestone.PLATFORM_ENTERED in deadlines


def test_co_signatures_are_due_two_days_after_submission() -> None:
    received, submitted = bj("2026-03-06 10:00"), bj("2026-03-09 11:00")
    deadlines = rules().for_record(record(received, submitted=submitted, cosigners=2))
    assert deadlines[Milestone.PLATFORM_ENTERED] == end_of("2026-03-09")
    assert deadlines[Milestone.COSIGNED] == end_of("2026-03-11")
    # Not asked yet (a draft): counted from the receipt like the rest.
    draft = rules().for_record(record(received, cosigners=1))
    assert draft[Milestone.COSIGNED] == end_of("2026-03-09")
    # Nobody present, nothing to co-sign.
    assert Milestone.COSIGNED not in rules().for_record(record(received, submitted=submitted))


def test_periods_follow_the_configured_days() -> None:
    longer = DeadlineRules(register_days=3, report_days=5, cosign_days=1, calendar=rules().calendar)
    received, submitted = bj("2026-03-06 10:00"), bj("2026-03-06 10:30")
    deadlines = longer.for_record(record(received, submitted=submitted, cosigners=1))
    assert deadlines == {
        Milestone.REGISTERED: end_of("2026-03-09"),  # Fri + 3 = Monday
        Milestone.PLATFORM_ENTERED: end_of("2026-03-09"),
        Milestone.FORM_DELIVERED: end_of("2026-03-11"),
        Milestone.COSIGNED: end_of("2026-03-09"),  # Saturday → Monday
    }


# --- the receipt time corrected: the outbox follows ----------------------------------------------


def pending_plan(
    rows: list, names: dict[int, str]
) -> set[tuple[str, str, datetime, datetime | None]]:
    return {
        (row.kind, names[row.recipient_staff_id], row.due_at, row.deadline)
        for row in rows
        if row.status == ReminderStatus.PENDING
    }


async def test_correcting_the_receipt_time_in_the_draft_plans_again(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-11 10:00"))  # Wednesday
    court = await open_court(bot)
    names = {person.id: name for name, person in court.staff.items()}
    judge = court.chat("张伟")
    await dialogue(judge, [("/new", asks_received("2026-03-11 10:00"))])
    first = await reminders(db, record_id=1)
    # No time given yet: no step is owed; the judge alone hears the next working morning.
    assert pending_plan(first, names) == {("draft_untimed", "张伟", bj("2026-03-12 08:30"), None)}

    # The inquiry came on Monday morning; the judge says so at the first question.
    await dialogue(judge, [("2026-03-09 09:00", asks(Step.SOURCE))])
    rows = await reminders(db, record_id=1)
    old = [row for row in rows if row.id in {r.id for r in first}]
    assert {row.status for row in old} == {ReminderStatus.CANCELLED}
    # Monday + 2 = Wednesday (today), + 3 = Thursday; this morning's reminders have passed.
    handler, officer, discipline = "张伟", "钱进", "李刚"
    assert pending_plan(rows, names) == {
        ("breach", handler, end_of("2026-03-11"), end_of("2026-03-11")),
        ("breach_officer", officer, end_of("2026-03-11"), end_of("2026-03-11")),
        ("escalation", discipline, bj("2026-03-13 08:30"), end_of("2026-03-11")),
        ("last_day", handler, bj("2026-03-12 08:30"), end_of("2026-03-12")),
        ("breach", handler, end_of("2026-03-12"), end_of("2026-03-12")),
        ("breach_officer", officer, end_of("2026-03-12"), end_of("2026-03-12")),
        ("escalation", discipline, bj("2026-03-16 08:30"), end_of("2026-03-12")),
    }


async def test_an_amendment_of_the_receipt_time_plans_again(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-11 10:00"))
    court = await open_court(bot)
    names = {person.id: name for name, person in court.staff.items()}
    judge = court.chat("张伟")
    script = phone_record(received="2026-03-11 10:00")
    # The inquiry's time is not known (skipped): the receipt may then move to any day before
    # (it can never move before a known inquiry time).
    script[3] = (Press(SKIP), asks(Step.CHANNEL))
    await dialogue(judge, script)
    before = await reminders(db, record_id=1)
    handler, officer, discipline = "张伟", "钱进", "李刚"
    assert pending_plan(before, names) == {
        # Platform (Friday 13th): the day before, the morning, the breach, one working day on.
        ("day_before", handler, bj("2026-03-12 08:30"), end_of("2026-03-13")),
        ("last_day", handler, bj("2026-03-13 08:30"), end_of("2026-03-13")),
        ("breach", handler, end_of("2026-03-13"), end_of("2026-03-13")),
        ("breach_officer", officer, end_of("2026-03-13"), end_of("2026-03-13")),
        ("escalation", discipline, bj("2026-03-17 08:30"), end_of("2026-03-13")),
        # The form copy (Monday 16th): the working day before is Friday.
        ("day_before", handler, bj("2026-03-13 08:30"), end_of("2026-03-16")),
        ("last_day", handler, bj("2026-03-16 08:30"), end_of("2026-03-16")),
        ("breach", handler, end_of("2026-03-16"), end_of("2026-03-16")),
        ("breach_officer", officer, end_of("2026-03-16"), end_of("2026-03-16")),
        ("escalation", discipline, bj("2026-03-18 08:30"), end_of("2026-03-16")),
    }

    clock.advance(timedelta(minutes=30))
    number = "温法过问〔2026〕1号"
    await dialogue(
        judge,
        [
            (f"/record {number}", number),
            (Press(AMEND), says("amend.which", title=number)),
            (
                Press(says("card.received_at")),
                Exactly(
                    says(
                        "amend.ask_value",
                        field=says("card.received_at"),
                        value="2026-03-11 10:00",
                    )
                ),
            ),
            ("2026-03-09 09:00", Exactly(says("amend.ask_reason"))),
            ("记错了收到日期", Exactly(says("amend.done", title=number))),
        ],
    )
    after = await reminders(db, record_id=1)
    assert all(row.status == ReminderStatus.CANCELLED for row in after if row.id <= before[-1].id)
    assert pending_plan(after, names) == {
        ("breach", handler, end_of("2026-03-11"), end_of("2026-03-11")),
        ("breach_officer", officer, end_of("2026-03-11"), end_of("2026-03-11")),
        ("escalation", discipline, bj("2026-03-13 08:30"), end_of("2026-03-11")),
        ("last_day", handler, bj("2026-03-12 08:30"), end_of("2026-03-12")),
        ("breach", handler, end_of("2026-03-12"), end_of("2026-03-12")),
        ("breach_officer", officer, end_of("2026-03-12"), end_of("2026-03-12")),
        ("escalation", discipline, bj("2026-03-16 08:30"), end_of("2026-03-12")),
    }
    cancelled = [row for row in after if row.status == ReminderStatus.CANCELLED]
    # The ten, and the judge's notice of the draft without its time (cancelled once given).
    assert len(cancelled) == len(before) == 11
    assert [r.kind for r in before].count(ReminderKind.DRAFT_UNTIMED) == 1
    assert all(row.detail and row.detail.startswith("no longer due") for row in cancelled)


async def test_the_confirmed_receipt_time_keeps_the_plan(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """Confirming the proposed receipt time starts the periods from it (until then the draft
    owes nothing: ``clock_started``); planning again plans nothing new: it is idempotent."""
    court = await open_court(bot)
    judge = court.chat("张伟")
    await dialogue(judge, [("/new", asks_received("2026-03-06 10:00"))])
    untimed = await reminders(db, record_id=1)
    assert [r.kind for r in untimed] == [ReminderKind.DRAFT_UNTIMED]
    await dialogue(judge, [(Press(CONFIRM_TIME), asks(Step.SOURCE))])
    first = await reminders(db, record_id=1)
    assert [r.status for r in first if r.id == untimed[0].id] == [ReminderStatus.CANCELLED]
    first = [r for r in first if r.id != untimed[0].id]
    async with db.transaction() as session:
        await plan_records(session, [1], bot.app.dispatcher.rules, Timing(), clock.now())
    again = [r for r in await reminders(db, record_id=1) if r.id != untimed[0].id]
    assert [(r.id, r.key, r.status) for r in again] == [(r.id, r.key, r.status) for r in first]
    assert {r.kind for r in first} == {
        ReminderKind.LAST_DAY,
        ReminderKind.BREACH,
        ReminderKind.BREACH_OFFICER,
        ReminderKind.ESCALATION,
    }
