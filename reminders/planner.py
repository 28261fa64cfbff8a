"""Who hears what, and when: reminders planned from a record's deadlines and the calendar.

The handler hears the working day before and the morning of each last day; at the breach the
handler and the department's integrity officers; one working day later discipline. Nobody is
told as the overseer of their own breach (``reminders.owers``): the next level hears. For co-
signatures the pending co-signers are chased the same way, in their own chat, and hear again
at the breach; whoever has answered is not chased. The compiler hears at quarter end,
two days before the quarterly deadline and on the day; discipline when it passes. Admins hear
daily from 1 December while next year's holidays are not loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.deadlines import DeadlineRules, clock_started
from reminders.outbox import (
    BEFORE_DEADLINE,
    Planned,
    ReminderKind,
    ReminderStatus,
    cancel_for_record,
    ensure,
)
from reminders.owers import in_breach, owed_by
from reminders.quarters import Quarter
from storage import records as records_repo
from storage import staff as staff_repo
from storage.models import QuarterReport, Record, Reminder, Staff
from storage.vocabulary import CosignStatus, Milestone, RecordKind, RecordStatus, Role

# A fresh installation does not announce quarters that ended long ago.
CALENDAR_CATCH_UP = timedelta(days=1)


@dataclass(frozen=True)
class Timing:
    """When reminders go out: ``morning`` (court time) on the day they are due, and the escalation
    to the integrity officer after ``escalate_after_workdays`` working days overdue.
    """

    morning: time = time(8, 30)
    escalate_after_workdays: int = 1


def met_at(record: Record, milestone: Milestone) -> datetime | None:
    """When the milestone was met, or None.

    签字确认 (Art. 3) is met when every co-signer of the current round has confirmed, at the
    last confirmation; a dispute is an answer but not a confirmation, so a record with one
    has not met it (``cosign_disputed``).
    """
    if milestone is Milestone.REGISTERED:
        return record.submitted_at
    if milestone is Milestone.PLATFORM_ENTERED:
        return record.platform_entered_at
    if milestone is Milestone.FORM_DELIVERED:
        return record.form_delivered_at
    if not record.cosigners_done or record.status != RecordStatus.SUBMITTED:
        return None
    if any(c.status != CosignStatus.CONFIRMED for c in record.cosigners):
        return None
    times = [c.responded_at for c in record.cosigners if c.responded_at is not None]
    return max(times) if times else record.submitted_at


def paper_pending(record: Record) -> list[str]:
    """The names of the staff present who are not in the bot and whose signature on the
    printed form the handler has not confirmed yet (Art. 3), in the rows' order."""
    return [
        c.name or ""
        for c in record.cosigners
        if c.staff_id is None and c.status == CosignStatus.PENDING
    ]


def cosign_disputed(record: Record) -> bool:
    """Whether a co-signer of the submitted ``record`` disputes it in the current round
    (Art. 3: a staff member present who does not sign to confirm). The 签字确认 step then
    stands as disputed: not met, and not chased by reminders either, since only a
    correction of the record or of the staff present (which asks again) can settle it; the
    handler and discipline inspection were told when the dispute came."""
    if record.status != RecordStatus.SUBMITTED:
        return False
    return any(c.status == CosignStatus.DISPUTED for c in record.cosigners)


def unmet(record: Record, rules: DeadlineRules) -> dict[Milestone, datetime]:
    """The milestones still owed, with their deadlines; none for withdrawn or internal ones,
    nor for a draft whose receipt time the judge has not given (``clock_started``).

    A disputed 签字确认 (``cosign_disputed``) is not owed: reminders cannot settle it."""
    if record.status == RecordStatus.WITHDRAWN or record.kind == RecordKind.INTERNAL:
        return {}
    if not clock_started(record):
        return {}
    disputed = cosign_disputed(record)
    return {
        milestone: deadline
        for milestone, deadline in rules.for_record(record).items()
        if met_at(record, milestone) is None and not (disputed and milestone is Milestone.COSIGNED)
    }


@dataclass(frozen=True)
class DoneLate:
    """A step done after its deadline (逾期办理, Art. 10): which, its deadline and when it
    was done (aware datetimes), and ``days``: calendar days in the court's time zone from
    the deadline's last day to the day it was done (1 or more), as the card counts
    ``已逾期 N 天``."""

    milestone: Milestone
    deadline: datetime
    done_at: datetime
    days: int


def done_late(record: Record, rules: DeadlineRules) -> list[DoneLate]:
    """The steps of ``record`` done after their deadline, in ``Milestone`` order: the one
    decision behind "this step was done late" that the overseers' notices read (the notice
    when it is done, and every later breach notice listing it among the lapses). A step
    done at or before 24:00 of its last day is on time (``card.deadline_state``); a
    withdrawn or internal record owes nothing (``unmet``)."""
    if record.status == RecordStatus.WITHDRAWN or record.kind == RecordKind.INTERNAL:
        return []
    deadlines = rules.for_record(record)
    found = []
    for milestone in Milestone:
        deadline = deadlines.get(milestone)
        done = met_at(record, milestone)
        if deadline is None or done is None or done <= deadline:
            continue
        days = (done.astimezone(rules.calendar.tz).date() - last_day(deadline, rules)).days
        found.append(DoneLate(milestone, deadline, done, days))
    return found


def last_day(deadline: datetime, rules: DeadlineRules) -> date:
    """The day a period ends at 24:00 of (the deadline is the next day's first instant)."""
    return (deadline.astimezone(rules.calendar.tz) - timedelta(microseconds=1)).date()


def at_morning(day: date, rules: DeadlineRules, timing: Timing) -> datetime:
    """``timing.morning`` on ``day``, in the court's time zone."""
    return datetime.combine(day, timing.morning, tzinfo=rules.calendar.tz)


def previous_working_day(day: date, rules: DeadlineRules) -> date:
    """The last working day before ``day`` (a day-before reminder's day)."""
    day -= timedelta(days=1)
    while not rules.calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def record_key(
    record_id: int, kind: ReminderKind, deadline: datetime, staff_id: int, stage: str = ""
) -> str:
    """The outbox key of a record's reminder: ``r<record>:<kind>:<deadline ISO 8601>:<staff>``,
    so a changed deadline is a new reminder and the same one is planned once; ``stage``, when
    given, is appended (``:<stage>``) for a second reminder of the same kind (``OVERSEER``).
    """
    key = f"r{record_id}:{kind.value}:{deadline.isoformat()}:{staff_id}"
    return f"{key}:{stage}" if stage else key


OVERSEER = "overseer"
"""The stage (and ``Reminder.payload`` key) of discipline's notice at the breach itself,
sent when every integrity officer of the department is among those in breach: nobody is told
as the overseer of their own breach, so the next level hears at once (``plan_record``)."""


async def _officers(session: AsyncSession, department_id: int | None) -> list[Staff]:
    if department_id is None:
        return []
    people = await staff_repo.with_role(session, Role.INTEGRITY_OFFICER)
    return [person for person in people if person.department_id == department_id]


async def overseers(
    session: AsyncSession, record: Record, milestones: Sequence[Milestone]
) -> tuple[list[Staff], bool]:
    """The integrity officers of ``record``'s department told of its breach of
    ``milestones``, and whether the department has any: an officer who owes one of those
    steps (``reminders.owers.in_breach``: the handler, a co-signer) is not told as the
    overseer of their own breach."""
    officers = await _officers(session, record.department_id)
    breach = in_breach(record, milestones)
    return [officer for officer in officers if officer.id not in breach], bool(officers)


async def plan_record(
    session: AsyncSession,
    record: Record,
    rules: DeadlineRules,
    timing: Timing,
    now: datetime,
) -> list[Planned]:
    """Plan the record's reminders and cancel those no longer due; returns the plan.

    A draft whose receipt time is not given (``clock_started``) owes no step: its handler
    alone hears, once, the morning of the working day after it was opened (``untimed_due``),
    that it waits for its time or to be withdrawn; giving the time cancels that and plans the
    steps from the time given."""
    owed = unmet(record, rules)
    groups: dict[datetime, list[Milestone]] = defaultdict(list)
    for milestone, deadline in owed.items():
        groups[deadline].append(milestone)
    plan: list[Planned] = []
    discipline = await staff_repo.with_role(session, Role.DISCIPLINE)
    for deadline, milestones in sorted(groups.items()):
        last = last_day(deadline, rules)
        before = at_morning(previous_working_day(last, rules), rules, timing)
        morning = at_morning(last, rules, timing)
        escalate_day = rules.calendar.add_working_days(last, 1 + timing.escalate_after_workdays)
        escalation = at_morning(escalate_day, rules, timing)

        def add(
            kind: ReminderKind, staff_id: int, due: datetime, deadline: datetime, stage: str = ""
        ) -> None:
            plan.append(
                Planned(
                    key=record_key(record.id, kind, deadline, staff_id, stage),
                    kind=kind,
                    recipient_staff_id=staff_id,
                    due_at=due,
                    record_id=record.id,
                    deadline=deadline,
                    payload={OVERSEER: True} if stage else {},
                )
            )

        if any(m is not Milestone.COSIGNED for m in milestones):
            add(ReminderKind.DAY_BEFORE, record.handler_id, before, deadline)
            add(ReminderKind.LAST_DAY, record.handler_id, morning, deadline)
        if Milestone.COSIGNED in milestones:
            for cosigner in record.cosigners:
                if cosigner.status != CosignStatus.PENDING:
                    continue
                if cosigner.staff_id is not None:
                    add(ReminderKind.COSIGN_DAY_BEFORE, cosigner.staff_id, before, deadline)
                    add(ReminderKind.COSIGN_LAST_DAY, cosigner.staff_id, morning, deadline)
                    add(ReminderKind.COSIGN_OVERDUE, cosigner.staff_id, deadline, deadline)
            if paper_pending(record):  # Art. 3: the handler sees that they sign by hand
                add(ReminderKind.PAPER_DAY_BEFORE, record.handler_id, before, deadline)
                add(ReminderKind.PAPER_LAST_DAY, record.handler_id, morning, deadline)
                overdue = at_morning(rules.calendar.add_working_days(last, 1), rules, timing)
                add(ReminderKind.PAPER_OVERDUE, record.handler_id, overdue, deadline)
        add(ReminderKind.BREACH, record.handler_id, deadline, deadline)
        # Nobody oversees their own breach: an integrity officer or a member of discipline
        # who owes a step of this deadline (the handler, a co-signer) is not told as its
        # overseer; the department's other officers are, and when none is left, discipline
        # at once, besides its escalation a working day later (DESIGN §4).
        breach = in_breach(record, milestones)
        told, officers = await overseers(session, record, milestones)
        for officer in told:
            add(ReminderKind.BREACH_OFFICER, officer.id, deadline, deadline)
        supervisors = [person for person in discipline if person.id not in breach]
        if discipline and not supervisors:  # discipline itself in breach: the court's leaders
            leaders = await staff_repo.with_role(session, Role.LEADER)
            supervisors = [person for person in leaders if person.id not in breach]
        if officers and not told:
            for person in supervisors:
                add(ReminderKind.ESCALATION, person.id, deadline, deadline, OVERSEER)
        for person in supervisors:
            add(ReminderKind.ESCALATION, person.id, escalation, deadline)
    if record.status == RecordStatus.DRAFT and not clock_started(record):
        due = untimed_due(record, rules, timing)
        plan.append(
            Planned(
                key=record_key(record.id, ReminderKind.DRAFT_UNTIMED, due, record.handler_id),
                kind=ReminderKind.DRAFT_UNTIMED,
                recipient_staff_id=record.handler_id,
                due_at=due,
                record_id=record.id,
            )
        )
    plan += await _plan_done_late(session, record, rules, timing, discipline, now)
    # A reminder meant to come before a deadline is pointless once its time has passed
    # unseen (a receipt time entered late): it is kept in the plan but not created.
    fresh = [p for p in plan if p.kind not in BEFORE_DEADLINE or p.due_at >= now]
    await ensure(session, fresh, at=now)
    await cancel_for_record(
        session, record.id, keep={p.key for p in plan}, at=now, due={p.key: p.due_at for p in plan}
    )
    return plan


def untimed_due(record: Record, rules: DeadlineRules, timing: Timing) -> datetime:
    """When the handler of a draft without its receipt time hears of it: ``timing.morning`` of
    the first working day after the day (court time) the draft was opened."""
    opened = record.created_at.astimezone(rules.calendar.tz).date()
    return at_morning(rules.calendar.add_working_days(opened, 1), rules, timing)


DONE_LATE_NOTICE = timedelta(days=21)
"""How long after a step was done late its overseers' notice is still planned: longer than
the longest wait for discipline's (a working day after, past a holiday of up to
``MAX_HOLIDAY_DAYS`` bridged by weekends), so a pending one is never cancelled by a later
planning; a step older than that (a record done late before this notice existed, planned
again when holidays are loaded) is left to the timeliness figures (/compliance, Art. 10)
rather than told as news."""

STEP = "step"
"""The ``Reminder.payload`` key of a ``DONE_LATE`` notice: the ``Milestone`` value of the
step done late it is about."""


async def _plan_done_late(
    session: AsyncSession,
    record: Record,
    rules: DeadlineRules,
    timing: Timing,
    discipline: Sequence[Staff],
    now: datetime,
) -> list[Planned]:
    """The overseers' notice of each step of ``record`` done late (``done_late``; Art. 10):
    as a breach is told, the department's integrity officers when it is done, discipline
    ``timing.escalate_after_workdays`` working days later in the morning, or at once when
    every officer of the department did it late themselves; nobody is told as the overseer
    of their own lapse. One ``DONE_LATE`` row per step and person (key stage: the step), so
    each is told once, however often the record is planned again; none for a step done
    more than ``DONE_LATE_NOTICE`` before ``now``."""
    plan: list[Planned] = []
    officers = await _officers(session, record.department_id)
    for lapse in done_late(record, rules):
        if lapse.done_at < now - DONE_LATE_NOTICE:
            continue
        late = {o.staff_id for o in owed_by(record, lapse.milestone) if o.staff_id is not None}
        told = [officer for officer in officers if officer.id not in late]
        done_day = lapse.done_at.astimezone(rules.calendar.tz).date()
        later = rules.calendar.add_working_days(done_day, timing.escalate_after_workdays)
        escalation = at_morning(later, rules, timing)
        if officers and not told:
            escalation = lapse.done_at
        due = [(officer, lapse.done_at) for officer in told]
        due += [(person, escalation) for person in discipline if person.id not in late]
        plan += [
            Planned(
                key=record_key(
                    record.id,
                    ReminderKind.DONE_LATE,
                    lapse.deadline,
                    person.id,
                    lapse.milestone.value,
                ),
                kind=ReminderKind.DONE_LATE,
                recipient_staff_id=person.id,
                due_at=at,
                record_id=record.id,
                deadline=lapse.deadline,
                payload={STEP: lapse.milestone.value},
            )
            for person, at in due
        ]
    return plan


async def plan_copy_chase(
    session: AsyncSession,
    record: Record,
    *,
    version: int,
    sent_at: datetime,
    rules: DeadlineRules,
    timing: Timing,
) -> list[Planned]:
    """Chase corrected copy ``version`` of the form of ``record``, sent at ``sent_at``, as the
    first copy's step is chased (Art. 6): within ``rules.report_days`` the copy must reach
    everyone who holds one. The handler hears on the morning of the period's last day and at
    its end, the department's integrity officers at its end (``COPY_OUTSTANDING``, key
    ``c<record>:v<version>:<stage>:<staff>``). The dispatcher drops each once every copy of
    that version arrived or a newer copy superseded it; the step's own deadline never moves.
    Returns the rows planned."""
    deadline = rules.after(sent_at, rules.report_days)
    morning = at_morning(last_day(deadline, rules), rules, timing)
    stages = [("last_day", record.handler_id, morning), ("breach", record.handler_id, deadline)]
    for officer in await _officers(session, record.department_id):
        if officer.id != record.handler_id:
            stages.append(("breach_officer", officer.id, deadline))
    plan = [
        Planned(
            key=f"c{record.id}:v{version}:{stage}:{staff_id}",
            kind=ReminderKind.COPY_OUTSTANDING,
            recipient_staff_id=staff_id,
            due_at=max(due, sent_at),
            record_id=record.id,
            deadline=deadline,
            payload={"version": version, "stage": stage},
        )
        for stage, staff_id, due in stages
    ]
    await ensure(session, plan, at=sent_at)
    return plan


async def plan_records(
    session: AsyncSession,
    record_ids: Sequence[int],
    rules: DeadlineRules,
    timing: Timing,
    now: datetime,
) -> None:
    """Plan the reminders of each record of ``record_ids`` again (``plan_record``), in the
    caller's transaction; unknown ids are skipped.
    """
    for record_id in sorted(set(record_ids)):
        record = await session.get(Record, record_id)
        if record is not None:
            await plan_record(session, record, rules, timing, now)


PLAN_INPUTS = frozenset(
    {
        records_repo.NEW,
        "cosigners",
        "status",
        "kind",
        "handler_id",
        "department_id",
        "received_at",
        "received_confirmed",
        "submitted_at",
        "platform_entered_at",
        "form_delivered_at",
        "cosigners_done",
    }
)
"""What a record's plan is made of (``plan_record``, ``unmet``, ``DeadlineRules.for_record``):
a change to any other field (the inquirer's name, the summary) leaves its reminders as they
are."""


async def plan_touched(
    session: AsyncSession, rules: DeadlineRules, timing: Timing, now: datetime
) -> list[int]:
    """Plan again the records this transaction touched (``storage.records.touch``) in which a
    plan input (``PLAN_INPUTS``) changed; the ids planned. A touched record no longer loaded
    is planned, to be safe."""
    await session.flush()
    held = records_repo.touched_records(session)
    due = []
    for record_id in sorted(records_repo.touched(session)):
        record = held.get(record_id)
        if record is not None and not records_repo.changes(session, record) & PLAN_INPUTS:
            continue
        if record is None or inspect(record).expired_attributes:
            record = await session.get(Record, record_id)  # refreshed if expired
            if record is None:
                continue
        if "cosigners" in inspect(record).unloaded:
            await session.refresh(record, ["cosigners"])
        await plan_record(session, record, rules, timing, now)
        due.append(record_id)
    records_repo.forget_changes(session, held.values())
    return due


async def _compilers(session: AsyncSession) -> Sequence[Staff]:
    people = await staff_repo.with_role(session, Role.COMPILER)
    return people or await staff_repo.with_role(session, Role.TRIAL_MANAGEMENT)


async def plan_calendar(
    session: AsyncSession, rules: DeadlineRules, timing: Timing, now: datetime
) -> list[Planned]:
    """Quarter and holiday reminders for today; idempotent, so every tick may call it."""
    tz = rules.calendar.tz
    plan: list[Planned] = []
    current = Quarter.of(now, tz)
    compilers = await _compilers(session)
    discipline = await staff_repo.with_role(session, Role.DISCIPLINE)
    for quarter in (current.previous(), current):
        deadline = rules.quarter(quarter.year, quarter.number)
        reported = await session.get(QuarterReport, quarter.label)
        if reported is not None:
            await _cancel_quarter(session, quarter.label, now, reason="quarter reported")
            continue
        # A holidays file loaded since planning can move the deadline: re-plan for the new one.
        await _cancel_quarter(
            session, quarter.label, now, reason="deadline moved", keep_deadline=deadline
        )
        last = last_day(deadline, rules)
        timeline = [
            (ReminderKind.QUARTER_END, quarter.end(tz), compilers),
            (
                ReminderKind.QUARTER_DUE_SOON,
                at_morning(last - timedelta(days=2), rules, timing),
                compilers,
            ),
            (ReminderKind.QUARTER_DUE_TODAY, at_morning(last, rules, timing), compilers),
            (ReminderKind.QUARTER_OVERDUE, deadline, discipline),
        ]
        for kind, due, people in timeline:
            if due < now - CALENDAR_CATCH_UP:
                continue
            for person in people:
                plan.append(
                    Planned(
                        key=f"q{quarter.label}:{kind.value}:{deadline.isoformat()}:{person.id}",
                        kind=kind,
                        recipient_staff_id=person.id,
                        due_at=due,
                        quarter=quarter.label,
                        deadline=deadline,
                    )
                )
    today = now.astimezone(tz).date()
    # This year itself when nobody loaded it (the December warning went unheeded), otherwise
    # next year.
    missing = rules.calendar.year_to_load(today)
    if missing is not None:
        due = max(at_morning(today, rules, timing), now)
        for admin in await staff_repo.with_role(session, Role.ADMIN):
            plan.append(
                Planned(
                    key=f"h{today.isoformat()}:{admin.id}",
                    kind=ReminderKind.HOLIDAYS_MISSING,
                    recipient_staff_id=admin.id,
                    due_at=due,
                    payload={"year": missing},
                )
            )
    await ensure(session, plan, at=now)
    return plan


async def _cancel_quarter(
    session: AsyncSession,
    label: str,
    now: datetime,
    *,
    reason: str,
    keep_deadline: datetime | None = None,
) -> None:
    """Cancel the quarter's pending reminders (those planned for another deadline, if given)."""
    query = select(Reminder).where(
        Reminder.quarter == label, Reminder.status == ReminderStatus.PENDING
    )
    for row in (await session.execute(query)).scalars().all():
        if keep_deadline is not None and row.deadline == keep_deadline:
            continue
        row.status = ReminderStatus.CANCELLED
        row.detail = f"{reason} ({now.isoformat()})"
    await session.flush()
