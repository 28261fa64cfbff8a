"""Sending what is due: claim, check it still matters, render, send, mark.

Rows are taken one at a time: each is claimed, decided on afresh (a milestone met since
planning cancels it) and rendered in one short transaction that marks it in flight, sent
outside any transaction (a slow chat service never holds the database), and marked in a
second. A dispatcher that dies holds at most the row it was sending: only that one comes back,
after the lease, flagged as a possible repeat; the rest go out at the next tick of any instance.

Transient failures come back with backoff; a permanent one (the person blocked the bot, or
has no chat account) is reported to the department's integrity officer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.clock import Clock
from reminders.deadlines import DeadlineRules
from reminders.outbox import (
    BEFORE_DEADLINE,
    IGNORE_QUIET_HOURS,
    Planned,
    ReminderKind,
    ReminderStatus,
    claim,
    ensure,
    release_stale,
)
from reminders.planner import Timing, plan_calendar, plan_records, unmet
from reminders.quarters import Quarter
from storage import audit
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import HolidaySchedule, QuarterReport, Record, Reminder, Staff
from storage.vocabulary import CosignStatus, Milestone, RecordStatus, Role

log = logging.getLogger(__name__)

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
)
LEASE = timedelta(minutes=10)


class Outcome(StrEnum):
    """What became of one reminder's sending: sent, to retry later, or failed for good."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    """The ``Outcome`` of one sending, with the transport's reason when it was not sent."""

    outcome: Outcome
    detail: str = ""


@dataclass
class Facts:
    """What a reminder is about, worked out at the moment it is sent."""

    reminder: Reminder
    recipient: Staff
    now: datetime
    late: bool
    record: Record | None = None
    handler: Staff | None = None
    owed: list[tuple[Milestone, datetime]] = field(default_factory=list)
    incomplete: list[Record] = field(default_factory=list)
    failed: Reminder | None = None
    failed_recipient: Staff | None = None


class Notifier(Protocol):
    """Turns facts into messages and sends them; implemented where the words live."""

    async def prepare(self, session: AsyncSession, facts: Facts) -> Any | None:
        """The messages to send, or None when the recipient has no chat account."""
        ...

    async def send(self, prepared: Any) -> SendResult:
        """Send what ``prepare`` gave; never raises for a person's or a network's failure."""
        ...


@dataclass(frozen=True)
class QuietHours:
    """The hours no reminder is sent (22:00-08:00 by default, court time); a reminder due then
    waits for the end. ``start`` after ``end`` spans midnight.
    """

    start: time = time(22, 0)
    end: time = time(8, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """``HH:MM-HH:MM`` (the ``[reminders] quiet_hours`` setting). Raises ``ValueError`` for
        anything else.
        """
        first, _, second = text.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(second.strip()))

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` (in the court's time zone) falls in the quiet hours."""
        local = moment.timetz().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release(self, moment: datetime) -> datetime:
        """When something due at ``moment`` may go out: then, or when the quiet ends."""
        if not self.contains(moment):
            return moment
        candidate = moment.replace(
            hour=self.end.hour, minute=self.end.minute, second=0, microsecond=0
        )
        return candidate if candidate > moment else candidate + timedelta(days=1)


@dataclass
class TickResult:
    """What one ``tick`` did: reminders claimed, sent, cancelled (no longer owed), put back to
    retry, failed for good, and newly planned.
    """

    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed: int = 0
    planned: int = 0


class Dispatcher:
    """Sends the reminders that are due, once each, across instances: each ``tick`` claims due
    rows (leased to ``instance``), asks the ``Notifier`` for the words and sends them outside
    quiet hours, and re-plans the records whose facts changed.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        rules: DeadlineRules,
        notifier: Notifier,
        *,
        instance: str = "main",
        timing: Timing | None = None,
        quiet: QuietHours | None = None,
        tick_seconds: int = 60,
        batch: int = 1000,
    ) -> None:
        self.db = db
        self.clock = clock
        self.rules = rules
        self.notifier = notifier
        self.instance = instance
        self.timing = timing or Timing()
        self.quiet = quiet or QuietHours()
        self.grace = max(timedelta(minutes=5), timedelta(seconds=3 * tick_seconds))
        self.batch = batch
        self._holidays_seen = -1
        self._planned_on = dict(rules.calendar.loaded)

    async def tick(self) -> TickResult:
        """One pass: reload holidays, plan the calendar's reminders, send what is due.

        Rows are taken one at a time (up to ``batch`` in a tick), each in the transaction that
        decides on it and marks it in flight just before it is sent: nothing is held that is
        not being sent, so a dispatcher that dies mid-tick leaves at most the one row it was
        sending (released after ``LEASE`` as a possible repeat); the rest stay due, and the
        next tick of any instance sends them.
        """
        result = TickResult()
        now = self.clock.now()
        await self.reload_holidays()
        async with self.db.transaction() as session:
            result.planned = len(await plan_calendar(session, self.rules, self.timing, now))
            await release_stale(session, now=now)
        for _ in range(self.batch):
            taken, outcome = await self._next()
            if not taken:
                break
            result.claimed += 1
            if outcome is None:
                result.cancelled += 1
            elif outcome is Outcome.SENT:
                result.sent += 1
            elif outcome is Outcome.RETRY:
                result.retried += 1
            else:
                result.failed += 1
        return result

    async def reload_holidays(self) -> None:
        """Pick up years an admin loaded since the last tick (from any instance).

        Records whose deadlines reach into a year whose schedule changed are planned again:
        their rows, keyed on the old deadline, would otherwise be dropped at send time as no
        longer due, with nothing planned for the real deadline.
        """
        from reminders.calendar import parse_holidays_file

        async with self.db.transaction() as session:
            newest = (
                (
                    await session.execute(
                        select(HolidaySchedule.id).order_by(HolidaySchedule.id.desc())
                    )
                )
                .scalars()
                .first()
            )
            if newest is None or newest == self._holidays_seen:
                return
            rows = (
                await session.execute(select(HolidaySchedule).order_by(HolidaySchedule.id))
            ).scalars()
            loaded = dict(self.rules.calendar.loaded)
            for row in rows:
                schedule = parse_holidays_file(row.content)
                loaded[schedule.year] = schedule
        changed = sorted(
            year for year, schedule in loaded.items() if self._planned_on.get(year) != schedule
        )
        self.rules.calendar.load(loaded)
        if changed:
            await self._replan_years(changed[0], changed[-1])
        self._planned_on = loaded
        self._holidays_seen = newest

    async def _replan_years(self, first: int, last: int) -> None:
        """Plan again the records with a pending reminder whose period touches these years."""
        tz = self.rules.calendar.tz
        start = datetime(first, 1, 1, tzinfo=tz)
        end = datetime(last + 1, 1, 1, tzinfo=tz)
        async with self.db.transaction() as session:
            query = (
                select(Reminder.record_id)
                .join(Record, Record.id == Reminder.record_id)
                .where(
                    Reminder.status == ReminderStatus.PENDING.value,
                    Reminder.deadline > start,
                    Record.received_at < end,
                )
                .distinct()
            )
            ids = [i for i in (await session.execute(query)).scalars().all() if i is not None]
            await plan_records(session, ids, self.rules, self.timing, self.clock.now())

    def _late(self, reminder: Reminder, now: datetime) -> bool:
        if ReminderKind(reminder.kind) in IGNORE_QUIET_HOURS:
            expected = reminder.due_at
        else:
            expected = self.quiet.release(reminder.due_at.astimezone(self.rules.calendar.tz))
        return now - expected > self.grace

    async def _next(self) -> tuple[bool, Outcome | None]:
        """Take the next due row, decide on it, send it and mark it.

        Returns (False, None) when nothing is due; otherwise (True, the outcome), None for a
        row cancelled as no longer due. The row is marked in flight (``sending``, leased) in
        the transaction that decides on it, committed just before the network call, and marked
        sent in the next: only a dispatcher dying between those two leaves it in flight.
        """
        now = self.clock.now()
        local = now.astimezone(self.rules.calendar.tz)
        reminder_id: int | None = None
        try:
            async with self.db.transaction() as session:
                rows = await claim(
                    session,
                    now=now,
                    instance=self.instance,
                    limit=1,
                    lease=LEASE,
                    quiet=self.quiet.contains(local),
                )
                if not rows:
                    return False, None
                reminder = rows[0]
                reminder_id = reminder.id
                facts = await self.facts(session, reminder, now)
                if facts is None:
                    reminder.status = ReminderStatus.CANCELLED.value
                    reminder.detail = "no longer due"
                    return True, None
                prepared = await self.notifier.prepare(session, facts)
                if prepared is None:
                    await self._failed(session, reminder, "no chat account", now)
                    return True, Outcome.FAILED
                late = facts.late
        except Exception as error:
            if reminder_id is None:
                raise
            # One row that cannot be worked out must not stand before every other row at
            # every tick: it waits its backoff like a failed send, and the tick goes on.
            log.exception("reminder %s could not be prepared", reminder_id)
            async with self.db.transaction() as session:
                row = await session.get(Reminder, reminder_id, populate_existing=True)
                if row is None or row.status != ReminderStatus.PENDING:
                    return True, Outcome.RETRY
                return True, await self._retry_or_fail(session, row, repr(error), now)
        return True, await self._send(reminder_id, prepared, late, now)

    async def _send(self, reminder_id: int, prepared: Any, late: bool, now: datetime) -> Outcome:
        """Send a row marked in flight and mark what came of it."""
        try:
            result = await self.notifier.send(prepared)
        except Exception as error:
            log.exception("reminder %s could not be sent", reminder_id)
            result = SendResult(Outcome.RETRY, repr(error))
        async with self.db.transaction() as session:
            reminder = await session.get(Reminder, reminder_id)
            assert reminder is not None
            if result.outcome is Outcome.SENT:
                reminder.status = ReminderStatus.SENT.value
                reminder.sent_at = now
                reminder.late = late
                reminder.detail = result.detail or None
                await audit.append(
                    session,
                    AuditKind.REMINDER_SENT,
                    at=now,
                    actor="reminders",
                    subject=f"record:{reminder.record_id}" if reminder.record_id else None,
                    payload={
                        "reminder": reminder.id,
                        "kind": reminder.kind,
                        "to": reminder.recipient_staff_id,
                        "late": late,
                        "repeat": reminder.repeat,
                    },
                )
            elif result.outcome is Outcome.RETRY:
                return await self._retry_or_fail(session, reminder, result.detail, now)
            else:
                await self._failed(session, reminder, result.detail, now)
                return Outcome.FAILED
            return result.outcome

    async def _retry_or_fail(
        self, session: AsyncSession, reminder: Reminder, detail: str, now: datetime
    ) -> Outcome:
        """Due again after the next ``BACKOFF`` step (RETRY), or FAILED once they are used up."""
        if reminder.attempts < len(BACKOFF):
            reminder.next_attempt_at = now + BACKOFF[reminder.attempts]
            reminder.attempts += 1
            reminder.status = ReminderStatus.PENDING.value
            reminder.detail = detail
            return Outcome.RETRY
        await self._failed(session, reminder, detail, now)
        return Outcome.FAILED

    async def _failed(
        self, session: AsyncSession, reminder: Reminder, detail: str, now: datetime
    ) -> None:
        """A permanent failure: marked, audited, and reported to the integrity officers."""
        reminder.status = ReminderStatus.FAILED.value
        reminder.detail = detail
        await audit.append(
            session,
            AuditKind.REMINDER_FAILED,
            at=now,
            actor="reminders",
            subject=f"record:{reminder.record_id}" if reminder.record_id else None,
            payload={
                "reminder": reminder.id,
                "kind": reminder.kind,
                "to": reminder.recipient_staff_id,
                "detail": detail,
            },
        )
        if reminder.kind == ReminderKind.DELIVERY_FAILED:
            return
        told = await self._to_tell(session, reminder)
        await ensure(
            session,
            [
                Planned(
                    key=f"x{reminder.id}:{person_id}",
                    kind=ReminderKind.DELIVERY_FAILED,
                    recipient_staff_id=person_id,
                    due_at=now,
                    record_id=reminder.record_id,
                    payload={"failed": reminder.id, "detail": detail},
                )
                for person_id in told
            ],
            at=now,
        )

    async def _to_tell(self, session: AsyncSession, reminder: Reminder) -> list[int]:
        """Who hears of a failed delivery: the recipient's department's integrity officers
        (the admins where it has none), and for a form copy the handler who delivered it."""
        recipient = await session.get(Staff, reminder.recipient_staff_id)
        department = recipient.department_id if recipient else None
        people = [
            person.id
            for person in await staff_repo.with_role(session, Role.INTEGRITY_OFFICER)
            if person.department_id == department
        ]
        if not people:
            people = [person.id for person in await staff_repo.with_role(session, Role.ADMIN)]
        if reminder.kind == ReminderKind.FORM_COPY and reminder.record_id is not None:
            record = await session.get(Record, reminder.record_id)
            if record is not None:
                people.append(record.handler_id)
        return sorted({p for p in people if p != reminder.recipient_staff_id})

    async def facts(self, session: AsyncSession, reminder: Reminder, now: datetime) -> Facts | None:
        """What the reminder says now, or None when it no longer needs saying."""
        recipient = await session.get(Staff, reminder.recipient_staff_id)
        if recipient is None or not recipient.active:
            return None
        kind = ReminderKind(reminder.kind)
        if kind in BEFORE_DEADLINE and reminder.deadline is not None and reminder.deadline <= now:
            # "Due tomorrow" after the deadline passed (the bot was down) would be false; the
            # breach or overdue notice says what is true now.
            return None
        facts = Facts(reminder, recipient, now, self._late(reminder, now))
        if reminder.record_id is not None:
            record = await session.get(Record, reminder.record_id)
            if record is None:
                return None
            facts.record = record
            facts.handler = await session.get(Staff, record.handler_id)
        if kind is ReminderKind.FORM_COPY:
            return facts
        if kind is ReminderKind.DELIVERY_FAILED:
            failed = await session.get(Reminder, int(reminder.payload.get("failed", 0)))
            facts.failed = failed
            facts.failed_recipient = (
                await session.get(Staff, failed.recipient_staff_id) if failed else None
            )
            return facts
        if kind is ReminderKind.HOLIDAYS_MISSING:
            year = int(reminder.payload.get("year", 0))
            return facts if self.rules.calendar.source_for(year) == "weekends_only" else None
        if reminder.quarter is not None:
            if await session.get(QuarterReport, reminder.quarter) is not None:
                return None
            quarter = Quarter.parse(reminder.quarter)
            if quarter is not None and kind is ReminderKind.QUARTER_END:
                facts.incomplete = await self.incomplete(session, quarter)
            return facts
        if facts.record is None or reminder.deadline is None:
            return None
        owed = unmet(facts.record, self.rules)
        if kind in (ReminderKind.COSIGN_DAY_BEFORE, ReminderKind.COSIGN_LAST_DAY):
            mine = [c for c in facts.record.cosigners if c.staff_id == recipient.id]
            if not mine or mine[0].status != CosignStatus.PENDING:
                return None
        order = list(Milestone)
        facts.owed = sorted(
            ((m, d) for m, d in owed.items() if d == reminder.deadline),
            key=lambda item: order.index(item[0]),
        )
        return facts if facts.owed else None

    async def incomplete(self, session: AsyncSession, quarter: Quarter) -> list[Record]:
        """The quarter's records with a milestone still owed (drafts included)."""
        tz = self.rules.calendar.tz
        query = (
            select(Record)
            .where(
                Record.received_at >= quarter.start(tz),
                Record.received_at < quarter.end(tz),
                Record.status != RecordStatus.WITHDRAWN.value,
            )
            .order_by(Record.received_at)
        )
        records = (await session.execute(query)).scalars().all()
        return [record for record in records if unmet(record, self.rules)]

    async def next_due(self) -> datetime | None:
        """When the next pending reminder may go out (quiet hours considered)."""
        async with self.db.transaction() as session:
            query = select(Reminder.due_at, Reminder.next_attempt_at).where(
                Reminder.status == ReminderStatus.PENDING.value
            )
            times = [max(due, retry or due) for due, retry in (await session.execute(query)).all()]
        if not times:
            return None
        return self.quiet.release(min(times).astimezone(self.rules.calendar.tz))

    async def plan(self, record_ids: Sequence[int]) -> None:
        """Plan the reminders of ``record_ids`` again, in a transaction of its own."""
        async with self.db.transaction() as session:
            await plan_records(session, record_ids, self.rules, self.timing, self.clock.now())
