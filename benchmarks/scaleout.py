"""Scale-out: one instance against two, on one PostgreSQL, behind one (simulated) address.

    GUOWEN_TEST_DATABASE_URL=postgresql+asyncpg://... python benchmarks/scaleout.py
        [--judges 20] [--intakes 2] [--reminders 600]

Every instance is a process of its own (``python benchmarks/scaleout.py --serve CONFIG``,
which runs ``bot.runner.run`` as ``guowen run`` does) in Telegram webhook mode; the fake Bot
API's updates are posted to the instances at random (``tests/instances.py``), each judge
answering once the previous update was answered. Each part gets a fresh database.

1. Intake, the same load for one and for two instances: ``--judges`` judges each doing
   ``--intakes`` complete intakes (a forwarded text, then every question answered). Telegram's
   flood limits are lifted in the instances here, to measure the bot, not the pacing. Printed:
   updates handled per second, and p50/p99 of the time from posting an update to its 200 (the
   update handled and its replies sent).
2. Reminders: ``--reminders`` breach notices due at once (records received a week before),
   every person bound to Telegram, sent by two instances with ``[telegram] instances = 2`` and
   Telegram's real limits. Printed: messages sent, duplicates (the same text to the same chat
   twice), the most messages in any one second at the Bot API against Telegram's 30, and the
   rate reached; beside it the same with one instance, as the reference.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from fake_botapi import PHONE_INTAKE, TgUser, add_telegram_person, forwarded_from  # noqa: E402
from instances import Instance, RoutedBotApi  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.app import rules_for  # noqa: E402
from bot.config import defaults  # noqa: E402
from reminders.clock import SystemClock  # noqa: E402
from storage import staff as staff_repo  # noqa: E402
from storage.db import Database, upgrade  # noqa: E402
from storage.models import Reminder, Staff  # noqa: E402
from storage.vocabulary import Role  # noqa: E402

TELEGRAM_LIMIT = 30
SCRIPT = str(Path(__file__).resolve())


def _reminder_bench() -> Any:
    """``benchmarks/reminders.py`` (its name is taken by the ``reminders`` package)."""
    spec = importlib.util.spec_from_file_location(
        "bench_reminders", ROOT / "benchmarks" / "reminders.py"
    )
    assert spec is not None and spec.loader is not None
    if "bench_reminders" in sys.modules:
        return sys.modules["bench_reminders"]
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_reminders"] = module
    spec.loader.exec_module(module)
    return module


# -- one instance (the --serve mode) ---------------------------------------------------------


async def serve(config: Path, limits: bool) -> int:
    from bot.cli import configure_logging
    from bot.config import load
    from bot.runner import run
    from bot.transports.telegram import TelegramOptions

    settings = load(config)
    configure_logging(settings)
    options = None if limits else TelegramOptions(overall_rate=0, per_chat_rate=0)
    db = Database(settings.storage.database_url)
    try:
        return await run(settings, db, SystemClock(), sys.stdout, telegram_options=options)
    finally:
        await db.close()


# -- the load ---------------------------------------------------------------------------------


async def fresh_database(server: str) -> str:
    name = f"guowen_scale_{uuid.uuid4().hex[:10]}"
    await _reminder_bench().pg_admin(server, f"CREATE DATABASE {name}")
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    await upgrade(db.engine)
    await db.close()
    return url


async def drop_database(server: str, url: str) -> None:
    await _reminder_bench().pg_admin(
        server, f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"
    )


async def press(user: TgUser, data: str) -> None:
    await user.press(data)


async def intake(user: TgUser, n: int) -> None:
    origin = forwarded_from("王局长", datetime.now(UTC) - timedelta(hours=1))
    await user.text(f"王局长来电询问案件（{n}）", forward=origin)
    await press(user, "in:received_at:v:ok")
    for action, value in PHONE_INTAKE:
        if action == "press":
            await press(user, value)
        else:
            await user.text(value)
    await press(user, "in:review:submit")


def quiet_elsewhere() -> str:
    """Quiet hours twelve hours away, so that reminders go out now."""
    start = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=12)
    end = start + timedelta(minutes=1)
    return f'quiet_hours = "{start:%H:%M}-{end:%H:%M}"'


async def intake_run(server: str, count: int, judges: int, intakes: int, work: Path) -> str:
    url = await fresh_database(server)
    db = Database(url)
    api = RoutedBotApi()
    await api.start()
    folder = work / f"intake-{count}"
    folder.mkdir()
    instances = [
        Instance(folder, api, url, command=(SCRIPT, "--limits", "off", "--serve"))
        for _ in range(count)
    ]
    api.instances = instances
    try:
        clock = SystemClock()
        users = [api.user(7000 + n, f"法官{n}") for n in range(judges)]
        for n, user in enumerate(users):
            await add_telegram_person(db, clock, f"法官{n}", [Role.HANDLER], user)
        await asyncio.gather(*(instance.start() for instance in instances))
        started = time.perf_counter()

        async def judge(user: TgUser) -> None:
            for number in range(intakes):
                await intake(user, number)

        await asyncio.gather(*(judge(user) for user in users))
        elapsed = time.perf_counter() - started
        for instance in instances:
            await instance.stop()
    finally:
        for instance in instances:
            if instance.process is not None and instance.process.returncode is None:
                instance.kill()
                await instance.wait()
        await api.stop()
        await db.close()
        await drop_database(server, url)
    waits = sorted(api.answered.values())
    p50 = statistics.median(waits)
    p99 = waits[min(len(waits) - 1, round(0.99 * (len(waits) - 1)))]
    return (
        f"{count} instance(s): {len(waits)} updates in {elapsed:.1f} s, "
        f"{len(waits) / elapsed:.1f} updates/s, post to 200: p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms"
    )


async def bind_everyone(db: Database) -> None:
    async with db.transaction() as session:
        people = list((await session.execute(select(Staff))).scalars())
        for person in people:
            await staff_repo.bind(
                session,
                person=person,
                transport="telegram",
                external_id=str(100_000 + person.id),
                chat_id=str(100_000 + person.id),
                display_name=person.name,
                at=datetime.now(UTC),
                via="benchmark",
            )


async def unsent(db: Database) -> int:
    async with db.read() as session:
        query = select(func.count()).select_from(Reminder)
        query = query.where(Reminder.status.in_(("pending", "sending")))
        query = query.where(Reminder.due_at <= datetime.now(UTC))
        return int(await session.scalar(query) or 0)


async def reminder_run(server: str, count: int, due: int, work: Path) -> str:
    url = await fresh_database(server)
    db = Database(url)
    loader = _reminder_bench()
    court = await loader.seed_court(db)
    plan = loader.Plan(records=2 * due, reminders=due, sent=0, due=due)
    await loader.load_postgresql(url, plan, court, rules_for(defaults()))
    await bind_everyone(db)
    api = RoutedBotApi()
    await api.start()
    folder = work / f"reminders-{count}"
    folder.mkdir()
    instances = [
        Instance(folder, api, url, command=(SCRIPT, "--limits", "on", "--serve"))
        for _ in range(count)
    ]
    for instance in instances:  # the shared limit, and reminders outside quiet hours
        text = instance.config.read_text(encoding="utf-8")
        text = text.replace("[telegram]\n", f"[telegram]\ninstances = {count}\n", 1)
        text = text.replace("[reminders]\n", f"[reminders]\n{quiet_elsewhere()}\n", 1)
        instance.config.write_text(text, encoding="utf-8")
    api.instances = instances
    try:
        start = len(api.calls)
        await asyncio.gather(*(instance.start() for instance in instances))
        async with asyncio.timeout(600):
            while await unsent(db):  # another process's progress: polled  # noqa: ASYNC110
                await asyncio.sleep(0.5)
        for instance in instances:
            await instance.stop()
    finally:
        for instance in instances:
            if instance.process is not None and instance.process.returncode is None:
                instance.kill()
                await instance.wait()
        await api.stop()
        await db.close()
        await drop_database(server, url)
    sends = [
        call for call in api.calls[start:] if call.method == "sendMessage" and call.status == 200
    ]
    texts = Counter((call.chat_id, str(call.params.get("text"))) for call in sends)
    duplicates = sum(n - 1 for n in texts.values())
    times = sorted(call.at for call in sends)
    most, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    over = sum(1 for n, moment in enumerate(times) if _in_second(times, n, moment) > TELEGRAM_LIMIT)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    return (
        f"{count} instance(s): {len(sends)} messages, {duplicates} duplicates, "
        f"most in any second {most} (limit {TELEGRAM_LIMIT}), {over} over the limit, "
        f"{rate:.1f} messages/s"
    )


def _in_second(times: list[float], n: int, moment: float) -> int:
    """Messages in the second that ends with message ``n``."""
    count = 0
    for earlier in reversed(times[: n + 1]):
        if moment - earlier >= 1.0:
            break
        count += 1
    return count


async def bench(args: argparse.Namespace, work: Path) -> None:
    server = args.database_url
    print("scale-out on PostgreSQL; instances are processes behind a random balancer")
    print("intake (Telegram's limits lifted in the instances):")
    for count in (1, 2):
        print("  " + await intake_run(server, count, args.judges, args.intakes, work), flush=True)
    print(f"reminders: {args.reminders} due at once, Telegram's limits, [telegram] instances = N:")
    for count in (1, 2):
        print("  " + await reminder_run(server, count, args.reminders, work), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--limits", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    parser.add_argument("--judges", type=int, default=20)
    parser.add_argument("--intakes", type=int, default=2)
    parser.add_argument("--reminders", type=int, default=600)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("GUOWEN_BENCH_PG_URL") or os.environ.get("GUOWEN_TEST_DATABASE_URL"),
    )
    args = parser.parse_args()
    if args.serve is not None:
        sys.exit(asyncio.run(serve(args.serve, args.limits == "on")))
    if not args.database_url:
        parser.error("needs PostgreSQL: --database-url or $GUOWEN_TEST_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix="guowen-scaleout-") as work:
        asyncio.run(bench(args, Path(work)))


if __name__ == "__main__":
    main()
