"""Two ``guowen run`` processes on one PostgreSQL behind one address, one of them killed with
SIGKILL in the middle of the load and started again: every update handled exactly once, each
judge's intake complete and in order, the record numbers one unbroken line, no reply left
owed, ``guowen verify`` passing; only one instance registered the webhook and the menus.

PostgreSQL only: SQLite is for one process (``storage.locks``).
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import PG_URL
from fake_botapi import PHONE_INTAKE, TOKEN, TgUser, add_telegram_person, forwarded_from
from instances import REPO, Instance, RoutedBotApi
from sqlalchemy import func, select

from reminders.clock import FakeClock
from storage.db import Database
from storage.models import OutboxReply, ProcessedUpdate, Record
from storage.vocabulary import RecordStatus, Role

pytestmark = pytest.mark.skipif(
    not PG_URL,
    reason="several instances need PostgreSQL (set GUOWEN_TEST_DATABASE_URL); SQLite is for "
    "one process",
)

JUDGES = 6


async def press(user: TgUser, data: str) -> int:
    """Press ``data`` on the newest message carrying it; when the reply that carried it was
    lost with a killed instance (it is re-sent later), on a copy of that prompt."""
    try:
        return await user.press(data)
    except AssertionError:
        prompt = {
            "message_id": 90_000_000 + random.randrange(1_000_000),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": user.chat,
            "text": "…",
            "from": {"id": 1, "is_bot": True, "first_name": "bot"},
        }
        return await user.press(data, prompt)


class Progress:
    """Answers sent so far; ``reached`` is set at ``mark`` of them."""

    def __init__(self, mark: int) -> None:
        self.count, self.mark = 0, mark
        self.reached = asyncio.Event()

    def append(self, _one: int) -> None:
        self.count += 1
        if self.count >= self.mark:
            self.reached.set()


async def intake(user: TgUser, n: int, progress: Progress) -> None:
    """One complete intake, each answer sent once the previous one was answered."""
    origin = forwarded_from("王局长", datetime.now(UTC) - timedelta(hours=1))
    await user.text(f"王局长来电询问案件（法官{n}）", forward=origin)
    progress.append(1)
    await press(user, "in:received_at:v:ok")
    progress.append(1)
    for action, value in PHONE_INTAKE:
        if action == "press":
            await press(user, value)
        else:
            await user.text(f"{value}-{n}" if value == "李某" else value)
        progress.append(1)
    await press(user, "in:review:submit")
    progress.append(1)


async def guowen(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def test_two_instances_one_killed_nothing_lost_nothing_doubled(
    db: Database, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    api = RoutedBotApi()
    await api.start()
    users = [api.user(6000 + n, f"法官{n}") for n in range(JUDGES)]
    for n, user in enumerate(users):
        await add_telegram_person(db, clock, f"法官{n}", [Role.HANDLER], user)
    first, second = Instance(tmp_path, api, database_url), Instance(tmp_path, api, database_url)
    api.instances = [first, second]
    try:
        await asyncio.gather(first.start(), second.start())
        assert len(api.calls_to("setWebhook")) == 1  # one leader registers for both
        progress = Progress(JUDGES * (len(PHONE_INTAKE) + 3) // 3)
        work = asyncio.gather(*(intake(user, n, progress) for n, user in enumerate(users)))
        async with asyncio.timeout(600):
            await progress.reached.wait()
        first.kill()
        assert await first.wait() == -9
        await first.start()  # the same address again; its peer went on meanwhile
        async with asyncio.timeout(600):
            await work
        status, metrics = await second.get("/metrics")
        assert status == 200
        assert 'guowen_updates_handled_total{transport="telegram"}' in metrics
        health = await second.healthy()
        assert health["database"] is True and "telegram" in health["transports"]
        assert await second.stop() == 0
        assert await first.stop() == 0
    finally:
        for instance in (first, second):
            if instance.process is not None and instance.process.returncode is None:
                instance.kill()
                await instance.wait()
        await api.stop()

    # Both instances took updates, and the killed one dropped at least one call.
    ports = {port for _id, port, status in api.posts if status == 200}
    assert ports == {first.port, second.port}
    assert any(port == first.port and status != 200 for _id, port, status in api.posts)
    updates = {update_id for update_id, _port, _status in api.posts}
    async with db.transaction() as session:
        claimed = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
        owed = await session.scalar(select(func.count()).select_from(OutboxReply))
        records = list((await session.execute(select(Record).order_by(Record.id))).scalars())
    assert claimed == len(updates)  # each update claimed once, none lost
    assert owed == 0  # every reply committed was sent, by its instance or after the restart
    assert len(records) == JUDGES  # no intake doubled or lost
    by_name = {record.inquirer_name: record for record in records}
    assert set(by_name) == {f"李某-{n}" for n in range(JUDGES)}
    for record in records:
        assert record.status == RecordStatus.SUBMITTED
        assert record.case_name == "张某诉王某民间借贷纠纷案"
        assert record.summary == "询问案件进展，希望尽快结案"
    numbers = sorted(int("".join(c for c in str(r.number) if c.isdigit())[4:]) for r in records)
    assert numbers == list(range(1, JUDGES + 1))  # one unbroken line of numbers

    code, said = await guowen("verify", "--config", str(first.config))
    assert code == 0, said
    last = json.loads((tmp_path / "verify-last.json").read_text(encoding="utf-8"))
    assert last["ok"] is True

    for instance in (first, second):
        logged = instance.log.read_text(encoding="utf-8")
        assert TOKEN not in logged
        for line in logged.splitlines():
            if line.startswith("{"):  # JSON lines: a chat's id, never a record's contents
                entry: dict[str, Any] = json.loads(line)
                assert "询问案件进展" not in line, entry
