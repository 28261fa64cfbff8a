"""Sending what is due: check it still matters, render, take, send, mark.

Due rows are taken a batch at a time (``CLAIMED_AT_ONCE``): one transaction finds them
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), decides on each afresh (a milestone met since
planning cancels it), renders them and marks the rest in flight; the same transaction marks
what came of the batch before (one statement for the sent rows, their audit events appended
together). Each is then sent outside any transaction (a slow chat service never holds the
database). A dispatcher that dies outright holds at most its batch: those rows come back after
the lease, flagged as possible repeats; the rest go out at the next tick of any instance. One
that is stopped (cancelled) marks what went out and holds only the row it was sending.

Transient failures come back with backoff; a permanent one (the person blocked the bot, or
has no chat account) is reported to the department's integrity officer.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.clock import Clock
from reminders.deadlines import DeadlineRules, clock_started
from reminders.outbox import (
    BEFORE_DEADLINE,
    IGNORE_QUIET_HOURS,
    Planned,
    ReminderKind,
    ReminderStatus,
    Sent,
    due,
    ensure,
    mark_sent_many,
    release,
    release_stale,
    renew,
    take_many,
)
from reminders.owers import in_breach, owed_by
from reminders.planner import (
    STEP,
    DoneLate,
    Timing,
    done_late,
    overseers,
    paper_pending,
    plan_calendar,
    plan_records,
    unmet,
)
from reminders.quarters import Quarter
from storage import audit, form_copies
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, HolidaySchedule, QuarterReport, Record, Reminder, Staff
from storage.vocabulary import CosignStatus, Milestone, RecordStatus, Role

log = logging.getLogger(__name__)

BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
)
STAFF_CHANGES = [
    AuditKind.STAFF_ADDED.value,
    AuditKind.STAFF_DISABLED.value,
    AuditKind.STAFF_ENABLED.value,
    AuditKind.STAFF_CHANGED.value,
]
"""The audit events of a change of staff, after which open records are planned again
(``Dispatcher.replan_for_staff``)."""

NO_CHAT_ACCOUNT = form_copies.NO_CHAT_ACCOUNT
"""The reason a reminder failed when its recipient has no chat account bound (handlers say
it in the catalog's words)."""
LEASE = timedelta(minutes=10)
CLAIMED_AT_ONCE = 100
"""Due rows taken, worked out and marked in one transaction, then sent one by one: at
Telegram's 30 messages a second, what they say is at most about three seconds old when it goes
out, and a dispatcher that dies outright holds at most that many until the lease ends."""


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


PAPER_KINDS = frozenset(
    {ReminderKind.PAPER_DAY_BEFORE, ReminderKind.PAPER_LAST_DAY, ReminderKind.PAPER_OVERDUE}
)
"""Reminders to the handler naming the staff present who sign the printed form by hand."""


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
    copies_due: list[form_copies.Recipient] = field(default_factory=list)
    cosigners: list[str] = field(default_factory=list)
    """The names of the co-signers who have not answered, when the co-signature (Art. 3) is
    owed by the deadline, in the rows' order: every one who owes it (``owers.owed_by``), in the
    bot or signing on paper, as ``/overdue`` and ``/compliance`` count them. They owe it: the
    notices name them, and do not list it as the handler's."""

    on_paper: list[str] = field(default_factory=list)
    """Those of ``cosigners`` who are not in the bot and sign the printed form by hand: the
    bot cannot remind them, so a notice never says it did; the handler gets their
    signature and confirms it (Art. 3)."""

    paper: list[str] = field(default_factory=list)
    """The staff present whose signature on the printed form is still to be confirmed
    (``PAPER_KINDS``, Art. 3)."""

    lapses: list[DoneLate] = field(default_factory=list)
    """The step done late a ``DONE_LATE`` notice is about (``planner.done_late``), while it
    stands so: a correction that puts it in time leaves nothing to say."""

    officers_told: bool = True
    """Whether an integrity officer of the department is told of this breach; False when
    the department has officers and every one of them is in breach themselves
    (``reminders.planner.overseers``): discipline is told at once instead."""


OVERSEER_KINDS = frozenset({ReminderKind.BREACH_OFFICER, ReminderKind.ESCALATION})
"""The notices to someone who oversees a breach, never sent to a person in that breach."""
BREACH_NOTICE_KINDS = frozenset({ReminderKind.BREACH, ReminderKind.COSIGN_OVERDUE})
"""The notices to those in breach, which say who else was told."""


def planned_after_due(reminder: Reminder) -> bool:
    """Whether ``reminder`` was planned only after its due time: its record was registered
    (or corrected) when the step was already due, so it could not have gone out on time and
    is no delay of the bot's."""
    return reminder.created_at > reminder.due_at


COSIGNER_KINDS = frozenset(
    {ReminderKind.COSIGN_DAY_BEFORE, ReminderKind.COSIGN_LAST_DAY, ReminderKind.COSIGN_OVERDUE}
)
"""The reminders a co-signer hears in their own chat (Art. 3), about their co-signature only."""
HANDLER_BEFORE_KINDS = frozenset({ReminderKind.DAY_BEFORE, ReminderKind.LAST_DAY})
"""The handler's reminders before a deadline, about the handler's own steps only."""


def owes(kind: ReminderKind, milestone: Milestone) -> bool:
    """Whether a reminder of ``kind`` is about ``milestone``: a co-signer's only about 签字确认
    (Art. 3), which they owe; the handler's before the deadline only about the steps the
    handler owes (登记, 录入平台, 报送, Art. 2 and 6), never a co-signature, which the handler
    cannot give; the notices of a breach and its escalation about every step still open, each
    named with the person who owes it."""
    if kind in COSIGNER_KINDS:
        return milestone is Milestone.COSIGNED
    if kind in HANDLER_BEFORE_KINDS:
        return milestone is not Milestone.COSIGNED
    return True


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
        claim_at_once: int = CLAIMED_AT_ONCE,
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
        self.claim_at_once = claim_at_once
        self._records: dict[int, Record] = {}
        self._staff: dict[int, Staff] = {}
        self._holidays_seen = -1
        self._staff_seen: int | None = None
        self._planned_on = dict(rules.calendar.loaded)
        self._warned_missing: set[int] = set()
        # Off in ``guowen demo``: its throwaway court has no operators, and its stderr is the
        # terminal of the person trying it.
        self.warn_operators = True

    async def tick(self) -> TickResult:
        """One pass: reload holidays, plan the calendar's reminders, send what is due.

        Due rows (up to ``batch`` in a tick) are taken ``claim_at_once`` at a time, in the
        transaction that marks what came of the batch before: a dispatcher that dies mid-tick
        leaves at most its batch in flight (released after ``LEASE`` as possible repeats); the
        rest stay due, and the next tick of any instance sends them.
        """
        result = TickResult()
        now = self.clock.now()
        await self.reload_holidays()
        await self.replan_for_staff()
        self.warn_missing_calendar(now)
        async with self.db.transaction() as session:
            result.planned = len(await plan_calendar(session, self.rules, self.timing, now))
            await release_stale(session, now=now)
        await self._send_due(result)
        return result

    def warn_missing_calendar(self, now: datetime) -> int | None:
        """Tell the operators, in the log and once per process and year, that a year's
        official holidays are due to be loaded (``ChinaCalendar.year_to_load``: from
        December for next year; all year for the current one); the admins are told in
        their chats every day (``ReminderKind.HOLIDAYS_MISSING``). The first tick runs at
        start, so a bot started without next year's schedule says so at once. Returns the
        year warned about now, else None (always None with ``warn_operators`` off)."""
        if not self.warn_operators:
            return None
        calendar = self.rules.calendar
        missing = calendar.year_to_load(now.astimezone(calendar.tz).date())
        if missing is None or missing in self._warned_missing:
            return None
        self._warned_missing.add(missing)
        log.warning(
            "the official holidays of %d are not loaded: deadlines counted into %d use weekends "
            "and the statutory holidays only (no bridging or make-up days) and are shown with a "
            "caveat until an admin runs guowen holidays load FILE",
            missing,
            missing,
        )
        return missing

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

    async def replan_for_staff(self) -> None:
        """Plan again each open record (a draft or submitted) last changed before the staff
        last changed (``STAFF_CHANGES`` audit events, from any instance or the command
        line: a person added, disabled, enabled, their roles or department changed).

        Who hears of a breach (the department's integrity officers, discipline, the
        leaders when discipline itself is late) is read from the staff when a record is
        planned, which is when it changes: an office that had nobody registered then hears
        of the records it oversees once someone is registered there, not only of records
        changed after. Read from the audit chain, so a person added while the bot was
        stopped counts from its first tick."""
        async with self.db.transaction() as session:
            query = select(func.max(AuditEvent.seq)).where(AuditEvent.kind.in_(STAFF_CHANGES))
            newest = (await session.execute(query)).scalar_one_or_none()
            if newest is None or newest == self._staff_seen:
                return
            open_records = select(Record.id).where(
                Record.status.in_([RecordStatus.DRAFT, RecordStatus.SUBMITTED])
            )
            ids = list((await session.execute(open_records)).scalars())
            last: dict[str, int] = {}
            for start in range(0, len(ids), 500):
                subjects = [f"record:{i}" for i in ids[start : start + 500]]
                rows = await session.execute(
                    select(AuditEvent.subject, func.max(AuditEvent.seq))
                    .where(AuditEvent.subject.in_(subjects))
                    .group_by(AuditEvent.subject)
                )
                last.update({str(subject): int(seq) for subject, seq in rows.all()})
            stale = [i for i in ids if last.get(f"record:{i}", 0) < newest]
            await plan_records(session, stale, self.rules, self.timing, self.clock.now())
        self._staff_seen = newest

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
                    Reminder.status == ReminderStatus.PENDING,
                    Reminder.deadline > start,
                    Record.received_at < end,
                )
                .distinct()
            )
            ids = [i for i in (await session.execute(query)).scalars().all() if i is not None]
            await plan_records(session, ids, self.rules, self.timing, self.clock.now())

    def _late(self, reminder: Reminder, now: datetime) -> bool:
        """Whether the bot sends ``reminder`` later than it could have: past its due time
        (after the quiet hours) by more than the grace. A row planned only after its due time
        (``planned_after_due``: a record registered late, or corrected) could not go earlier:
        it is late only when it goes out later than its planning allowed."""
        expected = reminder.due_at
        if planned_after_due(reminder):
            expected = reminder.created_at
        if ReminderKind(reminder.kind) not in IGNORE_QUIET_HOURS:
            expected = self.quiet.release(expected.astimezone(self.rules.calendar.tz))
        return now - expected > self.grace

    async def _send_due(self, result: TickResult) -> None:
        """Send up to ``batch`` due rows, ``claim_at_once`` claimed together.

        One transaction per batch marks what came of the previous batch (one ``UPDATE`` per
        kind of outcome, the sent rows' audit events appended together), then finds the next
        due rows, works out what they say and marks the ones to send in flight (``sending``,
        leased); they are then sent one by one, outside any transaction. A stop in the middle
        (cancellation, a database error) marks what went out and puts back the rows not yet
        tried; only a process that dies outright leaves its batch in flight until the lease.
        """
        flown: list[_Flown] = []
        waiting: deque[_Ready] = deque()
        try:
            while result.claimed < self.batch:
                limit = min(self.claim_at_once, self.batch - result.claimed)
                ready = await self._claim(limit, flown, result)
                flown = []
                if ready is None:
                    return
                waiting.extend(ready)
                while waiting:
                    if self.clock.now() >= waiting[0].now + LEASE / 2:
                        await self._renew(flown, waiting)
                        flown = []
                        if not waiting:
                            break
                    row = waiting[0]
                    try:
                        sent = await self.notifier.send(row.prepared)
                    except Exception as error:
                        log.exception("reminder %s could not be sent", row.id)
                        sent = SendResult(Outcome.RETRY, repr(error))
                    waiting.popleft()
                    flown.append(_Flown(row, sent))
                    result.claimed += 1
                    self._count(result, sent.outcome)
        except (Exception, asyncio.CancelledError):
            # The row being sent (waiting[0]) may have gone out: it stays in flight, to come
            # back after the lease flagged as a possible repeat; the rest were never tried.
            untried = [row.id for row in list(waiting)[1:]]
            async with self.db.transaction() as session:
                await self._mark_all(session, flown)
                await release(session, untried, instance=self.instance)
            raise
        async with self.db.transaction() as session:
            await self._mark_all(session, flown)

    async def _renew(self, flown: Sequence[_Flown], waiting: deque[_Ready]) -> None:
        """Half the lease is gone (a slow chat service): mark what came of ``flown`` and
        extend the lease of the rows still waiting that are still this dispatcher's; drop the
        rest from ``waiting`` (their lease ran out and another instance took them over)."""
        now = self.clock.now()
        async with self.db.transaction() as session:
            await self._mark_all(session, flown)
            kept = set(
                await renew(
                    session, [row.id for row in waiting], instance=self.instance, until=now + LEASE
                )
            )
        rows = [replace(row, now=now) for row in waiting if row.id in kept]
        waiting.clear()
        waiting.extend(rows)

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

    async def _claim(
        self, limit: int, flown: Sequence[_Flown], result: TickResult
    ) -> list[_Ready] | None:
        """Mark what came of ``flown``, then take the next ``limit`` due rows, in one
        transaction: the rows to send come back marked in flight, in order; None when nothing
        is due.

        A row no longer due is cancelled here, one whose recipient has no chat account fails
        here, and one that cannot be worked out waits its backoff (each counted in
        ``result``), as one send would.
        """
        now = self.clock.now()
        local = now.astimezone(self.rules.calendar.tz)
        async with self.db.transaction() as session:
            await self._mark_all(session, flown)
            rows = await due(
                session, now=now, limit=limit, quiet=self.quiet.contains(local), lock=True
            )
            if not rows:
                return None
            try:
                ready, settled = await self._decide_all(session, rows, now)
            finally:
                self._records, self._staff = {}, {}
            await take_many(
                session, [row.id for row in ready], instance=self.instance, now=now, lease=LEASE
            )
        for outcome in settled:
            result.claimed += 1
            self._count(result, outcome)
        return ready

    async def _load(self, session: AsyncSession, rows: Sequence[Reminder]) -> None:
        """Load the records and people ``rows`` are about in two queries (more with the
        records' own collections), kept by id while the batch is worked out (``facts`` looks
        there first)."""
        record_ids = {row.record_id for row in rows if row.record_id is not None}
        records: list[Record] = []
        if record_ids:
            query = (
                select(Record)
                .where(Record.id.in_(record_ids))
                .execution_options(populate_existing=True)
            )
            records = list((await session.execute(query)).scalars().all())
        people = {record.handler_id for record in records} | {r.recipient_staff_id for r in rows}
        query_staff = (
            select(Staff).where(Staff.id.in_(people)).execution_options(populate_existing=True)
        )
        staff = (await session.execute(query_staff)).scalars().all()
        self._records = {record.id: record for record in records}
        self._staff = {person.id: person for person in staff}

    async def _decide_all(
        self, session: AsyncSession, rows: Sequence[Reminder], now: datetime
    ) -> tuple[list[_Ready], list[Outcome | None]]:
        """Work out ``rows`` under one savepoint: the rows to send, and the outcomes of those
        settled here (None: cancelled as no longer due).

        A row that cannot be worked out must not stand before every other row at every tick:
        the savepoint is rolled back, that row waits its backoff like a failed send, and the
        others are worked out again without it.
        """
        ids = [row.id for row in rows]
        aside: list[Outcome | None] = []
        skip: set[int] = set()
        while True:
            await self._load(session, rows)
            ready: list[_Ready] = []
            settled: list[Outcome | None] = []
            current: int | None = None
            try:
                async with session.begin_nested():
                    for reminder in rows:
                        if reminder.id in skip:
                            continue
                        current = reminder.id
                        done, outcome = await self._decide(session, reminder, now, ready)
                        if done:
                            settled.append(outcome)
                return ready, settled + aside
            except Exception as error:
                if current is None:
                    raise
                self._records, self._staff = {}, {}
                log.exception("reminder %s could not be prepared", current)
                skip.add(current)
                aside.append(await self._set_aside(session, current, repr(error), now))
                query = (
                    select(Reminder)
                    .where(Reminder.id.in_(ids))
                    .order_by(Reminder.due_at, Reminder.id)
                    .execution_options(populate_existing=True)
                )
                rows = list((await session.execute(query)).scalars().all())

    async def _decide(
        self, session: AsyncSession, reminder: Reminder, now: datetime, ready: list[_Ready]
    ) -> tuple[bool, Outcome | None]:
        """Work out one row: (False, None) when it is to be sent (appended to ``ready``),
        else (True, the outcome of the row settled here; None: cancelled as no longer due)."""
        facts = await self.facts(session, reminder, now)
        if facts is None:
            reminder.status = ReminderStatus.CANCELLED
            reminder.detail = "no longer due"
            return True, None
        prepared = await self.notifier.prepare(session, facts)
        if prepared is None:
            await self._failed(session, reminder, NO_CHAT_ACCOUNT, now)
            return True, Outcome.FAILED
        ready.append(_Ready(reminder.id, prepared, facts.late, now, _about(reminder)))
        return False, None

    async def _set_aside(
        self, session: AsyncSession, reminder_id: int, detail: str, now: datetime
    ) -> Outcome:
        """A row that could not be worked out: due again after its backoff (or failed)."""
        row = await session.get(Reminder, reminder_id, populate_existing=True)
        if row is None or row.status != ReminderStatus.PENDING:
            return Outcome.RETRY
        return await self._retry_or_fail(session, row, detail, now)

    async def _mark_all(self, session: AsyncSession, flown: Sequence[_Flown]) -> None:
        """What came of the sends: the sent rows marked in one statement and their audit
        events appended together, in order; the rest due again or failed, row by row."""
        went = [f.row for f in flown if f.result.outcome is Outcome.SENT]
        if went:
            detail = {f.row.id: f.result.detail or None for f in flown}
            await mark_sent_many(
                session, [Sent(row.id, row.now, row.late, detail[row.id]) for row in went]
            )
            await audit.append_many(
                session,
                [
                    audit.Event(
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
                    for row in went
                ],
            )
            await self._settle_copies(
                session,
                {
                    row.about.record_id
                    for row in went
                    if row.about.kind == ReminderKind.FORM_COPY and row.about.record_id
                },
            )
        for f in flown:
            if f.result.outcome is Outcome.SENT:
                continue
            reminder = await session.get(Reminder, f.row.id, populate_existing=True)
            assert reminder is not None
            if f.result.outcome is Outcome.RETRY:
                await self._retry_or_fail(session, reminder, f.result.detail, f.row.now)
            else:
                await self._failed(session, reminder, f.result.detail, f.row.now)

    async def _settle_copies(self, session: AsyncSession, record_ids: set[int]) -> None:
        """Mark 报送表格复印件 (Art. 6) for each record in ``record_ids`` whose form copy has
        now reached every office (``form_copies.settle``)."""
        for record_id in sorted(record_ids):
            record = await session.get(Record, record_id, populate_existing=True)
            if record is None or record.status != RecordStatus.SUBMITTED:
                continue
            deadline = self.rules.for_record(record).get(Milestone.FORM_DELIVERED)
            await form_copies.settle(session, record, deadline=deadline)

    async def _retry_or_fail(
        self, session: AsyncSession, reminder: Reminder, detail: str, now: datetime
    ) -> Outcome:
        """Due again after the next ``BACKOFF`` step (RETRY), or FAILED once they are used up."""
        if reminder.attempts < len(BACKOFF):
            reminder.next_attempt_at = now + BACKOFF[reminder.attempts]
            reminder.attempts += 1
            reminder.status = ReminderStatus.PENDING
            reminder.detail = detail
            return Outcome.RETRY
        await self._failed(session, reminder, detail, now)
        return Outcome.FAILED

    async def _failed(
        self, session: AsyncSession, reminder: Reminder, detail: str, now: datetime
    ) -> None:
        """A permanent failure: marked, audited, and reported to the integrity officers."""
        reminder.status = ReminderStatus.FAILED
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
        recipient = self._staff.get(reminder.recipient_staff_id) or await session.get(
            Staff, reminder.recipient_staff_id
        )
        if recipient is None or not recipient.active:
            return None
        kind = ReminderKind(reminder.kind)
        if kind in BEFORE_DEADLINE and reminder.deadline is not None and reminder.deadline <= now:
            # "Due tomorrow" after the deadline passed (the bot was down) would be false; the
            # breach or overdue notice says what is true now.
            return None
        facts = Facts(reminder, recipient, now, self._late(reminder, now))
        if reminder.record_id is not None:
            record = self._records.get(reminder.record_id) or await session.get(
                Record, reminder.record_id
            )
            if record is None:
                return None
            facts.record = record
            facts.handler = self._staff.get(record.handler_id) or await session.get(
                Staff, record.handler_id
            )
        if kind is ReminderKind.FORM_COPY:
            return facts
        if kind is ReminderKind.DRAFT_UNTIMED:
            # Said while the draft is still open without its receipt time (``clock_started``).
            record = facts.record
            if record is None or record.status != RecordStatus.DRAFT or clock_started(record):
                return None
            return facts
        if kind is ReminderKind.COPY_OUTSTANDING:
            # A corrected copy still to be handed over (Art. 6): said while that version is
            # the last one someone was sent and it has not reached them.
            if facts.record is None or facts.record.status != RecordStatus.SUBMITTED:
                return None
            version = int(reminder.payload.get("version", 0))
            due = await form_copies.outstanding(session, facts.record)
            facts.copies_due = [person for v, person in due if v == version]
            return facts if facts.copies_due else None
        if kind is ReminderKind.DELIVERY_FAILED:
            failed = await session.get(Reminder, int(reminder.payload.get("failed", 0)))
            facts.failed = failed
            facts.failed_recipient = (
                await session.get(Staff, failed.recipient_staff_id) if failed else None
            )
            return facts
        if kind is ReminderKind.STAFF_DISABLED:
            return facts  # a one-off notice: what the person held, kept in its payload
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
        if kind is ReminderKind.DONE_LATE:
            step = reminder.payload.get(STEP)
            facts.lapses = [
                lapse
                for lapse in done_late(facts.record, self.rules)
                if lapse.milestone.value == step and lapse.deadline == reminder.deadline
            ]
            return facts if facts.lapses else None
        owed = unmet(facts.record, self.rules)
        if kind in COSIGNER_KINDS:
            mine = [c for c in facts.record.cosigners if c.staff_id == recipient.id]
            if not mine or mine[0].status != CosignStatus.PENDING:
                return None
        if kind in PAPER_KINDS:
            facts.paper = paper_pending(facts.record)
            if not facts.paper:
                return None
        order = list(Milestone)
        facts.owed = sorted(
            ((m, d) for m, d in owed.items() if d == reminder.deadline and owes(kind, m)),
            key=lambda item: order.index(item[0]),
        )
        if owed.get(Milestone.COSIGNED) == reminder.deadline:
            owing = [
                ower
                for ower in owed_by(facts.record, Milestone.COSIGNED)
                if ower.pending and ower.cosigner is not None
            ]
            facts.cosigners = [ower.cosigner.who for ower in owing if ower.cosigner]
            facts.on_paper = [
                ower.cosigner.who for ower in owing if ower.cosigner and ower.staff_id is None
            ]
        steps = [m for m, d in owed.items() if d == reminder.deadline]
        if kind in OVERSEER_KINDS and recipient.id in in_breach(facts.record, steps):
            return None  # nobody is told as the overseer of their own breach
        if kind in BREACH_NOTICE_KINDS and facts.owed:
            told, any_officer = await overseers(session, facts.record, steps)
            facts.officers_told = bool(told) or not any_officer
        return facts if facts.owed else None

    async def incomplete(self, session: AsyncSession, quarter: Quarter) -> list[Record]:
        """The quarter's records with a milestone still owed (drafts included)."""
        tz = self.rules.calendar.tz
        query = (
            select(Record)
            .where(
                Record.received_at >= quarter.start(tz),
                Record.received_at < quarter.end(tz),
                Record.status != RecordStatus.WITHDRAWN,
            )
            .order_by(Record.received_at)
        )
        records = (await session.execute(query)).scalars().all()
        return [record for record in records if unmet(record, self.rules)]

    async def next_due(self) -> datetime | None:
        """When the next pending reminder may go out: its due time (or retry time), never
        earlier than now (one due in the past goes out now), moved past the quiet hours. A
        reminder overdue at night (a late registration) may go out when the quiet ends, not
        at its past due time, which would be a moment before now."""
        async with self.db.transaction() as session:
            query = select(Reminder.due_at, Reminder.next_attempt_at).where(
                Reminder.status == ReminderStatus.PENDING
            )
            times = [max(due, retry or due) for due, retry in (await session.execute(query)).all()]
        if not times:
            return None
        earliest = max(min(times), self.clock.now())
        return self.quiet.release(earliest.astimezone(self.rules.calendar.tz))

    async def plan(self, record_ids: Sequence[int]) -> None:
        """Plan the reminders of ``record_ids`` again, in a transaction of its own."""
        async with self.db.transaction() as session:
            await plan_records(session, record_ids, self.rules, self.timing, self.clock.now())
