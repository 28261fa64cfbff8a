"""``guowen run`` with Telegram enabled, against the fake Bot API: it starts, answers, and on
SIGTERM finishes the message in hand before it exits."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import aiohttp
import pytest
from fake_botapi import (
    TOKEN,
    FakeBotApi,
    add_telegram_person,
    fake_api,
    free_port,
    quick_options,
    telegram_settings,
)
from run_process import guowen_run, until
from sqlalchemy import select

from bot.runner import run
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import EvidenceItem
from storage.vocabulary import Role


def sent_texts(api: FakeBotApi, chat_id: int) -> list[str]:
    return [str(m.get("text") or m.get("caption") or "") for m in api.sent_to(chat_id)]


async def test_guowen_run_answers_and_a_sigterm_finishes_the_message_in_hand(
    db: Database, database_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    async with fake_api() as api:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[court]
name = "温县人民法院"

[storage]
database_url = "{database_url}"
evidence_dir = "{tmp_path / "evidence"}"

[telegram]
enabled = true
token = "{TOKEN}"
base_url = "{api.base_url}"
base_file_url = "{api.base_file_url}"
""",
            encoding="utf-8",
        )
        async with guowen_run(config, GUOWEN_TELEGRAM_TOKEN="") as running:
            started = await running.first_line()
            assert started.startswith("guowen 正在运行：Telegram（@guowen_test_bot，轮询方式）")

            await zhang.text("/whoami")
            await until(lambda: any(t.startswith("姓名：张伟") for t in sent_texts(api, 1001)))

            api.file_delay = 1.0  # a slow download: the message is still in hand
            await zhang.document(b"%PDF-1.7 evidence", file_name="函.pdf")
            await until(lambda: api.file_requests == 1)
            assert await running.stop() == 0, running.err

    assert running.out.splitlines()[-2:] == ["正在停止：处理完手头的消息后退出……", "已停止。"]
    assert any(t.startswith("已收到 1 个文件并作为证据保存") for t in sent_texts(api, 1001))
    async with db.transaction() as session:
        [item] = (await session.execute(select(EvidenceItem))).scalars()
        assert item.original_name == "函.pdf" and item.blob_sha256 is not None
    assert TOKEN not in running.err  # request URLs carry the token: never logged


async def test_the_runner_stops_when_told(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    async with fake_api() as api:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        settings = telegram_settings(api, tmp_path)
        settings.court.language = "en"
        stop = asyncio.Event()
        out = io.StringIO()
        running = asyncio.create_task(
            run(settings, db, clock, out, stop=stop, telegram_options=quick_options(api))
        )
        await until(lambda: "running" in out.getvalue())
        await zhang.text("/whoami")
        await until(lambda: bool(sent_texts(api, 1001)))
        stop.set()
        assert await running == 0

    assert out.getvalue().splitlines() == [
        "guowen is running: Telegram (@guowen_test_bot, polling). Stop it with Ctrl-C or "
        "SIGTERM (it finishes the messages in hand first).",
        "Stopping: finishing the messages in hand...",
        "Stopped.",
    ]
    assert [call.method for call in api.calls][-1] == "getUpdates"  # confirmed on the way out


async def test_a_bad_token_is_reported_and_the_runner_exits(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with fake_api() as api:
        settings = telegram_settings(api, tmp_path)
        settings.telegram.token = "1:wrong"
        out = io.StringIO()

        status = await run(settings, db, clock, out, telegram_options=quick_options(api))

    assert status == 1
    assert out.getvalue().startswith("Telegram 通道无法启动：")


async def test_the_http_server_runs_beside_polling_and_stops_with_the_runner(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with fake_api() as api:
        settings = telegram_settings(api, tmp_path)
        settings.http.listen = f"127.0.0.1:{free_port()}"
        stop = asyncio.Event()
        out = io.StringIO()
        running = asyncio.create_task(
            run(settings, db, clock, out, stop=stop, telegram_options=quick_options(api))
        )
        await until(lambda: "运行" in out.getvalue())
        url = f"http://{settings.http.listen}/telegram/hook"
        async with aiohttp.ClientSession() as session, session.post(url, json={}) as response:
            served = response.status  # no webhook route in polling mode
        stop.set()
        assert await running == 0
        with pytest.raises(OSError):
            await asyncio.open_connection(*settings.http.listen.split(":"))

    assert served == 404


async def test_a_taken_port_is_reported_and_the_runner_exits(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with fake_api() as api:
        settings = telegram_settings(api, tmp_path)
        settings.http.listen = f"127.0.0.1:{api.port}"  # the fake Bot API holds it
        out = io.StringIO()

        status = await run(settings, db, clock, out, telegram_options=quick_options(api))

    assert status == 1
    assert out.getvalue().startswith(f"HTTP 服务无法在 127.0.0.1:{api.port} 上监听：")
