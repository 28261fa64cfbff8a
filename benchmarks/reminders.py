"""Reminder outbox at scale: one tick that claims 1,000 due rows, and planning per record.

    python benchmarks/reminders.py [--records 1000000] [--reminders 200000] [--sent 0]
                                   [--due 2000] [--sample 1000] [--pg-url URL] [--no-sqlite]

For each database (a temporary SQLite file; and a fresh PostgreSQL database when
``--pg-url``, ``$GUOWEN_BENCH_PG_URL`` or ``$GUOWEN_TEST_DATABASE_URL`` names a server, dropped
afterwards) the schema is made by the real migrations, then bulk-loaded without the ORM
(``executemany`` on SQLite, ``COPY`` through asyncpg on PostgreSQL):

- a court of 20 departments, each with 25 handlers and an integrity officer, plus discipline
  and a compiler;
- ``--records`` records: all but the newest ``--reminders / 5 + --due`` complete (both
  milestones met); the open ones owe the platform entry and the form copy;
- ``--reminders`` pending outbox rows: ``--due`` of them due now (breach notices of records
  received a week ago, which the dispatcher really sends), the rest due over the next 30 days;
  ``--sent`` more rows already sent (history), 0 by default;
- then ``ANALYZE``, as autovacuum or a maintenance job would have.

Timed, with the clock fixed at Tuesday 2026-03-10 10:00 in Beijing:

- ``claim``: the claim a tick makes before each send, one due row with
  ``FOR UPDATE SKIP LOCKED`` (SQLite: ``BEGIN IMMEDIATE``), 100 times, each rolled back;
- ``reference``: 100 committed transactions through the same ``Database``, each changing one
  reminder row: the floor of one durable write at this moment's load (wall and CPU), printed
  beside the tick;
- ``tick``: one whole ``Dispatcher.tick`` with a notifier that sends nothing: reload holidays,
  plan the calendar, release stale claims, then take ``--due / 2`` (1,000) due rows a batch
  at a time (``CLAIMED_AT_ONCE``), work out what each says, "send" it one by one, mark the
  batch sent and append its audit events; CPU per reminder is the target (≤ 1 ms);
- ``plan first`` / ``plan again``: ``plan_record`` over ``--sample`` open records, each in its
  own transaction as after a message: first on synthetic rows (cancelled and replaced by the
  real plan), then once more (the steady state: every key exists, nothing changes).

Prints a table per database and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from reminders.clock import FakeClock  # noqa: E402
from reminders.deadlines import DeadlineRules  # noqa: E402
from reminders.dispatch import LEASE, Dispatcher, Facts, Outcome, SendResult  # noqa: E402
from reminders.outbox import claim  # noqa: E402
from reminders.planner import Timing, plan_record  # noqa: E402
from storage import staff as staff_repo  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Record  # noqa: E402
from storage.vocabulary import Role  # noqa: E402

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=BEIJING)
CLAIMS = 100
DEPARTMENTS = 20
HANDLERS_PER_DEPARTMENT = 25
CHUNK = 50_000
RECORD_COLUMNS = (
    "id",
    "number",
    "status",
    "kind",
    "handler_id",
    "department_id",
    "received_at",
    "received_confirmed",
    "created_at",
    "submitted_at",
    "case_name",
    "cosigners_done",
    "platform_entered_at",
    "form_delivered_at",
    "fields",
)
REMINDER_COLUMNS = (
    "id",
    "key",
    "kind",
    "record_id",
    "deadline",
    "recipient_staff_id",
    "due_at",
    "status",
    "attempts",
    "late",
    "repeat",
    "payload",
    "created_at",
    "sent_at",
)
FUTURE_KINDS = ("day_before", "last_day", "breach", "breach_officer", "escalation")


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


class NoopNotifier:
    """Sends nothing and always succeeds: the tick's own cost, without a chat service."""

    async def prepare(self, session: Any, facts: Facts) -> int:
        return facts.reminder.id

    async def send(self, prepared: Any) -> SendResult:
        return SendResult(Outcome.SENT)


@dataclass
class Court:
    handlers: list[tuple[int, int]] = field(default_factory=list)  # (staff id, department id)
    officers: dict[int, int] = field(default_factory=dict)  # department id → staff id
    discipline: int = 0


@dataclass
class Plan:
    """What to load: records, open records, reminders, due rows, sent rows."""

    records: int
    reminders: int
    sent: int
    due: int
    open_records: int = 0
    due_records: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.open_records = self.reminders // 5 + self.due


async def seed_court(db: Database) -> Court:
    court = Court()
    async with db.transaction() as session:
        for d in range(DEPARTMENTS):
            department = f"第{d + 1}审判庭"
            for h in range(HANDLERS_PER_DEPARTMENT):
                person = await staff_repo.add_staff(
                    session,
                    name=f"承办人{d + 1}-{h + 1}",
                    department_name=department,
                    roles=[Role.HANDLER],
                    at=NOW,
                    actor="benchmark",
                    new_department=True,
                )
                assert person.department_id is not None
                court.handlers.append((person.id, person.department_id))
            officer = await staff_repo.add_staff(
                session,
                name=f"廉政监察员{d + 1}",
                department_name=department,
                roles=[Role.INTEGRITY_OFFICER],
                at=NOW,
                actor="benchmark",
                new_department=True,
            )
            assert officer.department_id is not None
            court.officers[officer.department_id] = officer.id
        discipline = await staff_repo.add_staff(
            session,
            name="纪检",
            department_name="纪检监察室",
            roles=[Role.DISCIPLINE],
            at=NOW,
            actor="benchmark",
            new_department=True,
        )
        court.discipline = discipline.id
        await staff_repo.add_staff(
            session,
            name="审管",
            department_name="审判管理办公室",
            roles=[Role.TRIAL_MANAGEMENT, Role.COMPILER],
            at=NOW,
            actor="benchmark",
            new_department=True,
        )
    return court


def record_rows(plan: Plan, court: Court) -> Iterator[tuple[Any, ...]]:
    """Every record: complete ones over three years, then the open ones, newest last."""
    rng = random.Random(6)
    complete = plan.records - plan.open_records
    oldest = NOW - timedelta(days=3 * 365)
    span = (NOW - timedelta(days=8) - oldest).total_seconds()
    for n in range(1, plan.records + 1):
        handler, department = court.handlers[n % len(court.handlers)]
        if n <= complete:
            received = oldest + timedelta(seconds=span * n / complete)
            done: datetime | None = received + timedelta(days=1)
        elif n <= complete + plan.due:
            # A week ago, Wednesday: every deadline has passed, breach notices are due.
            received = datetime(2026, 3, 4, 9, 0, tzinfo=BEIJING) + timedelta(
                seconds=rng.randrange(8 * 3600)
            )
            plan.due_records.append(n)
            done = None
        else:
            received = NOW - timedelta(seconds=rng.randrange(2 * 86400))
            done = None
        yield (
            n,
            f"过问〔{received.year}〕{n}号",
            "submitted",
            "external",
            handler,
            department,
            received,
            True,
            received,
            received,
            f"案件{n}",
            True,
            done,
            done,
            "{}",
        )


def reminder_rows(plan: Plan, court: Court, rules: DeadlineRules) -> Iterator[tuple[Any, ...]]:
    """Pending rows (due now first, then the next 30 days), then sent history."""
    rng = random.Random(7)
    first_open = plan.records - plan.open_records + 1

    def handler_of(record_id: int) -> tuple[int, int]:
        return court.handlers[record_id % len(court.handlers)]  # as in record_rows

    n = 0
    deadline_of: dict[date, datetime] = {}
    for record_id in plan.due_records:
        n += 1
        handler, _ = handler_of(record_id)
        received = datetime(2026, 3, 4, 12, 0, tzinfo=BEIJING)
        day = received.date()
        if day not in deadline_of:
            deadline_of[day] = rules.after(received, rules.register_days)
        deadline = deadline_of[day]
        yield (
            n,
            f"r{record_id}:breach:{deadline.isoformat()}:{handler}",
            "breach",
            record_id,
            deadline,
            handler,
            deadline,
            "pending",
            0,
            False,
            False,
            "{}",
            NOW,
            None,
        )
    future = plan.reminders - len(plan.due_records)
    for i in range(future):
        n += 1
        record_id = rng.randrange(first_open + plan.due, plan.records + 1)
        handler, department = handler_of(record_id)
        kind = FUTURE_KINDS[i % len(FUTURE_KINDS)]
        recipient = {"breach_officer": court.officers[department], "escalation": court.discipline}
        due = NOW + timedelta(seconds=60 + rng.randrange(30 * 86400))
        yield (
            n,
            f"b{n}",
            kind,
            record_id,
            due + timedelta(days=1),
            recipient.get(kind, handler),
            due,
            "pending",
            0,
            False,
            False,
            "{}",
            NOW,
            None,
        )
    for _ in range(plan.sent):
        n += 1
        record_id = rng.randrange(1, first_open)
        handler, _ = handler_of(record_id)
        due = NOW - timedelta(seconds=3600 + rng.randrange(3 * 365 * 86400))
        yield (
            n,
            f"h{n}",
            "last_day",
            record_id,
            due + timedelta(hours=16),
            handler,
            due,
            "sent",
            0,
            False,
            False,
            "{}",
            NOW,
            due,
        )


def chunks(rows: Iterator[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- SQLite ------------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    # How SQLAlchemy stores a UTCDateTime on SQLite: naive UTC text with microseconds.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def load_sqlite(path: Path, plan: Plan, court: Court, rules: DeadlineRules) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        for table, columns, rows in (
            ("records", RECORD_COLUMNS, record_rows(plan, court)),
            ("reminders", REMINDER_COLUMNS, reminder_rows(plan, court, rules)),
        ):
            statement = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})"
            )
            for batch in chunks(rows):
                conn.executemany(statement, [tuple(map(_sqlite_value, r)) for r in batch])
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


# -- PostgreSQL --------------------------------------------------------------------------------


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def pg_admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def load_postgresql(url: str, plan: Plan, court: Court, rules: DeadlineRules) -> None:
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for table, columns, rows in (
            ("records", RECORD_COLUMNS, record_rows(plan, court)),
            ("reminders", REMINDER_COLUMNS, reminder_rows(plan, court, rules)),
        ):
            for batch in chunks(rows):
                await conn.copy_records_to_table(table, records=batch, columns=list(columns))
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


# -- the measurements --------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    load_s: float = 0.0
    claim_s: float = 0.0
    claimed: int = 0
    tick_s: float = 0.0
    tick_cpu_s: float = 0.0
    tick_sent: int = 0
    bare_ms: float = 0.0
    bare_cpu_ms: float = 0.0
    plan_first_ms: float = 0.0
    plan_again_ms: float = 0.0
    rows_after: dict[str, int] = field(default_factory=dict)


async def counts(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        result = await session.execute(
            text("SELECT status, count(*) FROM reminders GROUP BY status ORDER BY status")
        )
        return {str(status): int(n) for status, n in result.all()}


async def plan_sample(db: Database, rules: DeadlineRules, ids: Sequence[int]) -> float:
    """Milliseconds per record, each planned in its own transaction as after a message."""
    timing = Timing()
    started = time.perf_counter()
    for record_id in ids:
        async with db.transaction() as session:
            record = await session.get(Record, record_id)
            assert record is not None
            await plan_record(session, record, rules, timing, NOW)
    return (time.perf_counter() - started) * 1000 / len(ids)


BARE = 100


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bare_transactions(db: Database) -> tuple[float, float]:
    """The reference: milliseconds per committed transaction that changes one reminder row
    (``UPDATE`` of one column to itself) through the same ``Database``, wall and CPU: the floor
    of one durable write per reminder, on this machine, at this moment's load."""
    cpu = _cpu_seconds()
    started = time.perf_counter()
    for n in range(BARE):
        async with db.transaction() as session:
            await session.execute(
                text("UPDATE reminders SET detail = detail WHERE id = :id"), {"id": n + 1}
            )
    wall = (time.perf_counter() - started) * 1000 / BARE
    return wall, (_cpu_seconds() - cpu) * 1000 / BARE


async def measure(name: str, url: str, plan: Plan, sample: int, load: Any) -> Result:
    result = Result(name)
    db = Database(url)
    try:
        await db.upgrade()
        court = await seed_court(db)
        rules = DeadlineRules()
        started = time.perf_counter()
        await load(plan, court, rules)
        result.load_s = time.perf_counter() - started

        dispatcher = Dispatcher(
            db, FakeClock(NOW), rules, NoopNotifier(), instance="bench", batch=plan.due // 2
        )
        # Taking due rows one by one, as a tick does: each claim its own transaction.
        started = time.perf_counter()
        async with db.sessions() as session:
            for _ in range(CLAIMS):
                transaction = await session.begin()
                rows = await claim(
                    session, now=NOW, instance="bench", limit=1, lease=LEASE, quiet=False
                )
                result.claimed += len(rows)
                await transaction.rollback()
        result.claim_s = time.perf_counter() - started

        result.bare_ms, result.bare_cpu_ms = await bare_transactions(db)

        cpu = _cpu_seconds()
        started = time.perf_counter()
        tick = await dispatcher.tick()
        result.tick_s = time.perf_counter() - started
        result.tick_cpu_s = _cpu_seconds() - cpu
        result.tick_sent = tick.sent

        first_open = plan.records - plan.open_records + plan.due + 1
        ids = random.Random(8).sample(range(first_open, plan.records + 1), sample)
        result.plan_first_ms = await plan_sample(db, rules, ids)
        result.plan_again_ms = await plan_sample(db, rules, ids)
        result.rows_after = await counts(db)
    finally:
        await db.close()
    return result


def print_result(result: Result, plan: Plan, sample: int) -> None:
    print(f"--- {result.name}")
    print(
        f"  load: {plan.records:,} records, {plan.reminders:,} pending + {plan.sent:,} sent "
        f"reminders in {result.load_s:.1f} s"
    )
    print(f"  {'measure':<40} {'time':>12}")
    print(
        f"  {'claim one due row (' + format(result.claimed, ',') + ' claims)':<40} "
        f"{result.claim_s * 1000 / max(result.claimed, 1):>9.2f} ms"
    )
    print(
        f"  {'tick (claim + send ' + format(result.tick_sent, ',') + ', no-op notifier)':<40} "
        f"{result.tick_s * 1000:>9.1f} ms"
    )
    sent = max(result.tick_sent, 1)
    per = result.tick_s * 1000 / sent
    print(f"  {'  per reminder sent':<40} {per:>9.2f} ms")
    print(f"  {'  CPU per reminder sent (process)':<40} {result.tick_cpu_s * 1000 / sent:>9.2f} ms")
    cpu = result.tick_cpu_s * 1000 / sent
    print(
        f"  {'reference: one bare transaction':<40} {result.bare_ms:>9.2f} ms "
        f"(a reminder costs {per / result.bare_ms:.2f} of them)"
    )
    print(
        f"  {'  CPU of one bare transaction':<40} {result.bare_cpu_ms:>9.2f} ms "
        f"(a reminder's CPU is {cpu / result.bare_cpu_ms:.2f} of it; target 1 ms)"
    )
    print(
        f"  {'plan_record, first (' + format(sample, ',') + ' records)':<40} "
        f"{result.plan_first_ms:>9.2f} ms/record"
    )
    print(f"  {'plan_record, again (steady state)':<40} {result.plan_again_ms:>9.2f} ms/record")
    print(f"  reminders afterwards: {result.rows_after}")


async def run(args: argparse.Namespace) -> None:
    results: list[tuple[Result, Plan]] = []
    if not args.no_sqlite:
        plan = Plan(args.records, args.reminders, args.sent, args.due)
        folder = Path(tempfile.mkdtemp(prefix="guowen-bench-"))
        try:
            path = folder / "bench.db"

            async def load_lite(plan: Plan, court: Court, rules: DeadlineRules) -> None:
                await asyncio.to_thread(load_sqlite, path, plan, court, rules)

            results.append(
                (
                    await measure(
                        "SQLite", f"sqlite+aiosqlite:///{path}", plan, args.sample, load_lite
                    ),
                    plan,
                )
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print_result(*results[-1], args.sample)
    if args.pg_url:
        plan = Plan(args.records, args.reminders, args.sent, args.due)
        name = f"guowen_bench_{uuid.uuid4().hex[:10]}"
        await pg_admin(args.pg_url, f"CREATE DATABASE {name}")
        url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        try:

            async def load_pg(plan: Plan, court: Court, rules: DeadlineRules) -> None:
                await load_postgresql(url, plan, court, rules)

            results.append((await measure("PostgreSQL", url, plan, args.sample, load_pg), plan))
        finally:
            await pg_admin(args.pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        print_result(*results[-1], args.sample)
    print(f"peak RSS: {peak_rss_mb():.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--reminders", type=int, default=200_000, help="pending rows")
    parser.add_argument("--sent", type=int, default=0, help="rows already sent (history)")
    parser.add_argument("--due", type=int, default=2_000, help="pending rows due now")
    parser.add_argument("--sample", type=int, default=1_000, help="records to plan")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("GUOWEN_BENCH_PG_URL")
        or os.environ.get("GUOWEN_TEST_DATABASE_URL", ""),
        help="a PostgreSQL server (postgresql+asyncpg://...) where a database may be created",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    if not 0 < args.due <= args.reminders or args.reminders // 5 + args.due > args.records:
        parser.error("need 0 < --due <= --reminders and --reminders / 5 + --due <= --records")
    print(
        f"reminders benchmark: {args.records:,} records, {args.reminders:,} pending reminders "
        f"({args.due:,} due), {args.sent:,} sent; clock {NOW.isoformat()}; "
        f"{os.cpu_count()} CPUs"
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
