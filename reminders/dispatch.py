"""Sending what is due: check it still matters, render, take, send, mark.

Due rows are decided on afresh (a milestone met since planning cancels them) and rendered a
few at a time (``PREPARED_AT_ONCE``) in one transaction that takes none of them. Each is then
taken (marked in flight) in a short transaction that also marks what came of the row sent
before it, sent outside any transaction (a slow chat service never holds the database), and
marked in the next. A dispatcher that dies holds at most the row it was sending: only that one
comes back, after the lease, flagged as a possible repeat; the rest go out at the next tick of
any instance.

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
    due,
    ensure,
    mark_sent,
    release_stale,
    take,
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
PREPARED_AT_ONCE = 20
"""Due rows worked out in one transaction before they are sent one by one: at Telegram's
30 messages a second, what they say is at most about a second old when it goes out."""


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


@dataclass(frozen=True)
class _About:
    """What a sent row's audit event says of it, read when it was worked out."""

    kind: str
    record_id: int | None
    recipient_staff_id: int
    repeat: bool


def _about(reminder: Reminder) -> _About:
    return _About(reminder.kind, reminder.record_id, reminder.recipient_staff_id, reminder.repeat)


@dataclass(frozen=True)
class _Ready:
    """A due row worked out and not yet in flight: what to send, and when it was decided."""

    id: int
    prepared: Any
    late: bool
    now: datetime
    about: _About


@dataclass(frozen=True)
class _Flown:
    """A row that was sent, and what came of it (marked in the next transaction)."""

    row: _Ready
    result: SendResult


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

        Due rows (up to ``batch`` in a tick) are worked out ``PREPARED_AT_ONCE`` at a time,
        then each is marked in flight just before it is sent, in the transaction that marks
        the one sent before it: nothing is held that is not being sent, so a dispatcher that
        dies mid-tick leaves at most the one row it was sending (released after ``LEASE`` as
        a possible repeat); the rest stay due, and the next tick of any instance sends them.
        """
        result = TickResult()
        now = self.clock.now()
        await self.reload_holidays()
        async with self.db.transaction() as session:
            result.planned = len(await plan_calendar(session, self.rules, self.timing, now))
            await release_stale(session, now=now)
        await self._send_due(result)
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

    async def _send_due(self, result: TickResult) -> None:
        """Send up to ``batch`` due rows, ``PREPARED_AT_ONCE`` worked out together.

        Each row is marked in flight (``sending``, leased) in a transaction of its own, just
        before its network call, and that same transaction marks what came of the row sent
        before it (status and audit event): one short transaction per reminder, and only the
        row being sent is ever in flight.
        """
        seen: set[int] = set()
        last: _Flown | None = None
        try:
            while result.claimed < self.batch:
                ready = await self._prepare(
                    min(PREPARED_AT_ONCE, self.batch - result.claimed), seen, result
                )
                if ready is None:
                    break
                for row in ready:
                    taken = await self._take(row, last)
                    last = None  # marked in that transaction
                    if not taken:
                        continue
                    result.claimed += 1
                    try:
                        sent = await self.notifier.send(row.prepared)
                    except Exception as error:
                        log.exception("reminder %s could not be sent", row.id)
                        sent = SendResult(Outcome.RETRY, repr(error))
                    last = _Flown(row, sent)
                    self._count(result, sent.outcome)
        finally:
            if last is not None:
                async with self.db.transaction() as session:
                    await self._mark(session, last)

    @staticmethod
    def _count(result: TickResult, outcome: Outcome | None) -> None:
        if outcome is None:
            result.cancelled += 1
        elif outcome is Outcome.SENT:
            result.sent += 1
        elif outcome is Outcome.RETRY:
            result.retried += 1
        else:
            result.failed += 1

    async def _prepare(self, limit: int, seen: set[int], result: TickResult) -> list[_Ready] | None:
        """Work out what the next ``limit`` due rows say, in one transaction that marks none
        of them in flight; None when nothing new is due.

        A row no longer due is cancelled here, one whose recipient has no chat account fails
        here, and one that cannot be worked out waits its backoff (each counted in
        ``result``), as one send would; the rest come back, to be sent in order.
        """
        now = self.clock.now()
        local = now.astimezone(self.rules.calendar.tz)
        ready: list[_Ready] = []
        async with self.db.transaction() as session:
            rows = await due(
                session,
                now=now,
                limit=limit + len(seen),
                quiet=self.quiet.contains(local),
            )
            fresh = [row for row in rows if row.id not in seen][:limit]
            if not fresh:
                return None
            for reminder in fresh:
                seen.add(reminder.id)
                settled, outcome = await self._decide(session, reminder, now, ready)
                if settled:
                    result.claimed += 1
                    self._count(result, outcome)
        return ready

    async def _decide(
        self, session: AsyncSession, reminder: Reminder, now: datetime, ready: list[_Ready]
    ) -> tuple[bool, Outcome | None]:
        """Work out one row: (False, None) when it is to be sent (appended to ``ready``),
        else (True, the outcome of the row settled here; None: cancelled as no longer due)."""
        try:
            async with session.begin_nested():
                facts = await self.facts(session, reminder, now)
                if facts is None:
                    reminder.status = ReminderStatus.CANCELLED.value
                    reminder.detail = "no longer due"
                    return True, None
                prepared = await self.notifier.prepare(session, facts)
                if prepared is None:
                    await self._failed(session, reminder, "no chat account", now)
                    return True, Outcome.FAILED
                ready.append(_Ready(reminder.id, prepared, facts.late, now, _about(reminder)))
                return False, None
        except Exception as error:
            # One row that cannot be worked out must not stand before every other row at
            # every tick: it waits its backoff like a failed send, and the tick goes on.
            log.exception("reminder %s could not be prepared", reminder.id)
            row = await session.get(Reminder, reminder.id, populate_existing=True)
            if row is None or row.status != ReminderStatus.PENDING:
                return True, Outcome.RETRY
            return True, await self._retry_or_fail(session, row, repr(error), now)

    async def _take(self, row: _Ready, last: _Flown | None) -> bool:
        """Mark what came of the row sent before (``last``) and mark ``row`` in flight, in
        one transaction; False when ``row`` is no longer pending (another instance took it)."""
        async with self.db.transaction() as session:
            if last is not None:
                await self._mark(session, last)
            return await take(
                session, row.id, instance=self.instance, now=self.clock.now(), lease=LEASE
            )

    async def _mark(self, session: AsyncSession, flown: _Flown) -> None:
        """What came of a send: sent (with its audit event), due again, or failed."""
        row, result = flown.row, flown.result
        if result.outcome is Outcome.SENT:
            await mark_sent(
                session, row.id, at=row.now, late=row.late, detail=result.detail or None
            )
            await audit.append(
                session,
                AuditKind.REMINDER_SENT,
                at=row.now,
                actor="reminders",
                subject=f"record:{row.about.record_id}" if row.about.record_id else None,
                payload={
                    "reminder": row.id,
                    "kind": row.about.kind,
                    "to": row.about.recipient_staff_id,
                    "late": row.late,
                    "repeat": row.about.repeat,
                },
            )
            return
        reminder = await session.get(Reminder, row.id, populate_existing=True)
        assert reminder is not None
        if result.outcome is Outcome.RETRY:
            await self._retry_or_fail(session, reminder, result.detail, row.now)
        else:
            await self._failed(session, reminder, result.detail, row.now)

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
