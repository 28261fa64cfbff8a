"""Helpers for the deadline and reminder tests.

A court of named people (``harness.PEOPLE``), records built directly through
``storage.records``, a ``RecordingNotifier`` that stands where ``handlers.notifier`` stands and
remembers every attempt, and ``run_until``, which moves the clock the way the scheduler would
see it: a tick at every due time and at every midnight, never a sleep.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fakes import TRANSPORT
from harness import PEOPLE, seed_people
from settings_kit import make_settings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from reminders.calendar import ChinaCalendar, Counting, YearSchedule
from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from reminders.dispatch import Dispatcher, Facts, Outcome, SendResult
from reminders.outbox import ReminderKind
from reminders.planner import Timing, plan_records
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Reminder, Staff
from storage.vocabulary import Milestone, RecordKind

BEIJING = ZoneInfo("Asia/Shanghai")
NUMBER_FORMAT = "温法过问〔{year}〕{n}号"
CASE_NAME = "张某诉李某民间借贷纠纷案"
CASE_NUMBER = "（2026）豫0825民初123号"


def bj(text: str) -> datetime:
    """``2026-03-06 10:00`` in Beijing."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


def end_of(day: str) -> datetime:
    """24:00 Beijing time of ``day``: the instant a period whose last day it is ends."""
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), time(), BEIJING)


def settings_for(tmp_path: Path, language: str = "zh-CN") -> Settings:
    """Default settings, evidence under the test's own folder."""
    return make_settings(
        tmp_path / "evidence",
        config=tmp_path / "config.toml",
        record_number=NUMBER_FORMAT,
        language=language,
    )


def rules(
    *,
    counting: Counting = Counting.CALENDAR,
    loaded: dict[int, YearSchedule] | None = None,
) -> DeadlineRules:
    return DeadlineRules(counting=counting, calendar=ChinaCalendar(loaded or {}, BEIJING))


# -- the court ------------------------------------------------------------------------------


@dataclass
class Court:
    staff: dict[str, Staff]
    accounts: dict[str, str]

    def id(self, name: str) -> int:
        return self.staff[name].id

    def name_of(self, staff_id: int) -> str:
        for name, person in self.staff.items():
            if person.id == staff_id:
                return name
        raise KeyError(staff_id)


async def open_court(
    db: Database,
    clock: FakeClock,
    *,
    unbound: Iterable[str] = (),
    extra: Sequence[tuple[str, str, tuple[Any, ...], str]] = (),
) -> Court:
    """``harness.PEOPLE`` (and ``extra``), each bound to a fake chat account unless unbound."""
    staff, accounts = await seed_people(
        db, clock, TRANSPORT, people=(*PEOPLE, *extra), unbound=unbound
    )
    return Court(staff, accounts)


# -- records --------------------------------------------------------------------------------


async def new_record(
    db: Database,
    clock: FakeClock,
    handler_id: int,
    *,
    received: datetime,
    kind: RecordKind | None = RecordKind.EXTERNAL,
    submit: bool = True,
    cosigners: Sequence[int] = (),
    offline: Sequence[str] = (),
    deadline_rules: DeadlineRules | None = None,
    timing: Timing | None = None,
    fields: Mapping[str, Any] | None = None,
) -> int:
    """A record as the intake leaves it (submitted now unless told), its reminders planned;
    ``cosigners``: the staff present in the bot, ``offline``: the names of those present who
    sign on paper; ``fields``: further columns' values (``main_leader``: True)."""
    now = clock.now()
    async with db.transaction() as session:
        handler = await session.get(Staff, handler_id)
        assert handler is not None
        record = await records_repo.create_draft(
            session, handler=handler, received_at=received, at=now
        )
        values: dict[str, Any] = {
            "case_name": CASE_NAME,
            "case_number": CASE_NUMBER,
            "received_confirmed": True,  # the receipt time given: the periods run from it
        }
        if kind is not None:
            values["kind"] = kind.value
        values.update(fields or {})
        await records_repo.set_fields(session, record, values, actor=handler, at=now)
        if cosigners or offline:
            people = [await session.get(Staff, staff_id) for staff_id in cosigners]
            await records_repo.set_cosigners(
                session,
                record,
                [p for p in people if p is not None],
                actor=handler,
                at=now,
                offline=offline,
            )
        if submit:
            await records_repo.submit(
                session, record, actor=handler, at=now, number_format=NUMBER_FORMAT, tz=BEIJING
            )
        await plan_records(session, [record.id], deadline_rules or rules(), timing or Timing(), now)
        return record.id


async def mark(
    db: Database,
    record_id: int,
    milestone: Milestone,
    at: datetime,
    *,
    deadline_rules: DeadlineRules | None = None,
) -> None:
    """The handler met ``milestone`` at ``at``; the record is planned again, as the engine does."""
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        handler = await session.get(Staff, record.handler_id)
        assert handler is not None
        await records_repo.mark_milestone(session, record, milestone, actor=handler, at=at)
        await plan_records(session, [record_id], deadline_rules or rules(), Timing(), at)


async def reminders(db: Database, **where: Any) -> list[Reminder]:
    """Outbox rows, oldest first, filtered on column values."""
    async with db.transaction() as session:
        query = select(Reminder).order_by(Reminder.id)
        for column, value in where.items():
            query = query.where(getattr(Reminder, column) == value)
        return list((await session.execute(query)).scalars().all())


def plan_of(rows: Iterable[Reminder], court: Court) -> set[tuple[str, str, datetime]]:
    """(kind, recipient's name, due time in Beijing) of each row."""
    return {(row.kind, court.name_of(row.recipient_staff_id), row.due_at) for row in rows}


# -- a notifier that remembers ----------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """What the dispatcher asked to be said, as the notifier saw it at prepare time."""

    reminder_id: int
    kind: ReminderKind
    to: int
    at: datetime
    due_at: datetime
    late: bool
    repeat: bool
    record_id: int | None
    quarter: str | None
    deadline: datetime | None
    owed: tuple[Milestone, ...]
    incomplete: tuple[int, ...]
    failed: int | None
    payload: dict[str, Any]


@dataclass
class RecordingNotifier:
    """Stands where ``ChatNotifier`` stands: every attempt and every success is kept.

    ``script`` gives, per recipient id, the outcomes of their next sends (SENT once it runs
    out); recipients in ``no_account`` have no chat account (prepare returns None). ``during``
    is awaited inside each send, to interleave other work exactly there.
    """

    script: dict[int, deque[Outcome]] = field(default_factory=dict)
    no_account: set[int] = field(default_factory=set)
    attempts: list[Note] = field(default_factory=list)
    sent: list[Note] = field(default_factory=list)
    during: Any = None

    async def prepare(self, session: AsyncSession, facts: Facts) -> Note | None:
        if facts.recipient.id in self.no_account:
            return None
        reminder = facts.reminder
        return Note(
            reminder_id=reminder.id,
            kind=ReminderKind(reminder.kind),
            to=facts.recipient.id,
            at=facts.now,
            due_at=reminder.due_at,
            late=facts.late,
            repeat=reminder.repeat,
            record_id=reminder.record_id,
            quarter=reminder.quarter,
            deadline=reminder.deadline,
            owed=tuple(m for m, _ in facts.owed),
            incomplete=tuple(r.id for r in facts.incomplete),
            failed=facts.failed.id if facts.failed is not None else None,
            payload=dict(reminder.payload),
        )

    async def send(self, prepared: Any) -> SendResult:
        note: Note = prepared
        self.attempts.append(note)
        if self.during is not None:
            await self.during(note)
        queue = self.script.get(note.to)
        outcome = queue.popleft() if queue else Outcome.SENT
        if outcome is Outcome.SENT:
            self.sent.append(note)
        return SendResult(outcome, "" if outcome is Outcome.SENT else f"scripted {outcome}")

    def seen(self, court: Court) -> list[tuple[str, str, datetime]]:
        """(kind, recipient, when) of every successful send, in order."""
        return [(n.kind.value, court.name_of(n.to), n.at) for n in self.sent]


def make_dispatcher(
    db: Database,
    clock: FakeClock,
    notifier: Any,
    *,
    deadline_rules: DeadlineRules | None = None,
    instance: str = "main",
    timing: Timing | None = None,
    batch: int = 1000,
) -> Dispatcher:
    return Dispatcher(
        db,
        clock,
        deadline_rules or rules(),
        notifier,
        instance=instance,
        timing=timing,
        batch=batch,
    )


# -- moving time ----------------------------------------------------------------------------


def _next_midnight(moment: datetime) -> datetime:
    local = moment.astimezone(BEIJING)
    return datetime.combine(local.date() + timedelta(days=1), time(), BEIJING)


async def run_until(dispatcher: Dispatcher, clock: FakeClock, until: datetime) -> int:
    """Tick now, then at every moment something falls due and every midnight, up to ``until``.

    A real scheduler ticks every minute; ticking exactly when the next row may go out (and once
    a day, for the calendar's own reminders) sees the same thing without a thousand empty
    ticks. Returns how many ticks ran.
    """
    await dispatcher.tick()  # the scheduler's first tick, at start
    ticks = 1
    while True:
        due = await dispatcher.next_due()
        candidates = [_next_midnight(clock.now())]
        if due is not None:
            candidates.append(max(due, clock.now()))
        moment = min(candidates)
        if moment > until:
            break
        clock.set(moment)
        await dispatcher.tick()
        ticks += 1
        if ticks > 5000:  # pragma: no cover - a stuck outbox would loop for ever
            raise AssertionError("the outbox never settles")
    clock.set(until)
    await dispatcher.tick()
    return ticks + 1
