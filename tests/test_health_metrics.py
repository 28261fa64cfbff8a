"""``/healthz`` and ``/metrics`` on the process's HTTP server, and the log lines' shape: JSON
with the chat and records, tokens masked, repeats of one failure counted, not repeated."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from fake_botapi import TOKEN
from hypothesis import given
from hypothesis import strategies as st

from bot.http import HttpServer
from bot.logs import JsonFormatter, Repeats, TextFormatter, mask
from bot.metrics import Endpoints, Metrics, note_verify
from reminders.clock import FakeClock
from storage.db import Database
from storage.logfields import about_chat, about_records


@pytest.fixture
async def serve() -> AsyncIterator[list[HttpServer]]:
    servers: list[HttpServer] = []
    yield servers
    for server in servers:
        await server.stop()


async def started(servers: list[HttpServer], metrics: Metrics, db: Database, evidence: Path) -> str:
    server = HttpServer("127.0.0.1:0")
    endpoints = Endpoints(metrics, db, evidence)
    server.add_route("GET", "/healthz", endpoints.healthz)
    server.add_route("GET", "/metrics", endpoints.metrics_text)
    await server.start()
    servers.append(server)
    return f"http://127.0.0.1:{server.port}"


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.text()


async def test_healthz_answers_200_with_what_it_checked(
    db: Database, clock: FakeClock, tmp_path: Path, serve: list[HttpServer]
) -> None:
    metrics = Metrics(clock)
    metrics.delivered("telegram", True)
    base = await started(serve, metrics, db, tmp_path / "evidence")
    status, body = await get(base + "/healthz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ok",
        "database": True,
        "evidence_writable": True,
        "transports": {"telegram": clock.now().isoformat()},
    }
    assert list((tmp_path / "evidence").iterdir()) == []  # the probe file is gone


async def test_healthz_answers_503_when_evidence_cannot_be_written(
    db: Database, clock: FakeClock, tmp_path: Path, serve: list[HttpServer]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    base = await started(serve, Metrics(clock), db, blocker / "evidence")
    status, body = await get(base + "/healthz")
    assert status == 503
    found = json.loads(body)
    assert found["status"] == "failing" and found["evidence_writable"] is False
    assert found["database"] is True


async def test_healthz_and_metrics_when_the_database_is_unreachable(
    clock: FakeClock, tmp_path: Path, serve: list[HttpServer]
) -> None:
    gone = Database("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    try:
        base = await started(serve, Metrics(clock), gone, tmp_path / "evidence")
        status, body = await get(base + "/healthz")
        assert status == 503 and json.loads(body)["database"] is False
        status, text = await get(base + "/metrics")
        assert status == 200 and "guowen_database_up 0.0" in text
    finally:
        await gone.close()


async def test_metrics_count_updates_latency_failures_and_verify(
    db: Database, clock: FakeClock, tmp_path: Path, serve: list[HttpServer]
) -> None:
    metrics = Metrics(clock)
    for _ in range(3):
        with metrics.handling("telegram"):
            pass
    with metrics.handling("wecom"):
        pass
    metrics.delivered("telegram", False)
    evidence = tmp_path / "evidence"
    base = await started(serve, metrics, db, evidence)
    _status, before = await get(base + "/metrics")
    assert "guowen_verify_ok NaN" in before  # never run
    note_verify(evidence, ok=True, problems=0, at=datetime(2026, 3, 6, 2, 0, tzinfo=UTC))
    status, text = await get(base + "/metrics")
    assert status == 200
    lines = set(text.splitlines())
    assert 'guowen_updates_handled_total{transport="telegram"} 3.0' in lines
    assert 'guowen_updates_handled_total{transport="wecom"} 1.0' in lines
    assert 'guowen_handling_seconds_count{transport="telegram"} 3.0' in lines
    assert 'guowen_deliveries_failed_total{transport="telegram"} 1.0' in lines
    assert "guowen_reminders_pending 0.0" in lines
    assert "guowen_reminders_overdue 0.0" in lines
    assert "guowen_evidence_bytes 0.0" in lines
    assert "guowen_verify_ok 1.0" in lines
    assert "guowen_verify_timestamp_seconds 1.7727624e+09" in lines
    assert "guowen_database_up 1.0" in lines


def record(message: str, *args: object, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord("bot.app", level, __file__, 1, message, args, None)


def test_json_lines_carry_chat_and_records_and_mask_tokens() -> None:
    formatter = JsonFormatter()
    with about_chat("telegram", "1001"):
        about_records([7, 3])
        line = formatter.format(
            record("POST https://api.telegram.org/bot%s/sendMessage failed", TOKEN)
        )
    found = json.loads(line)
    assert found["chat"] == "telegram:1001" and found["records"] == [3, 7]
    assert TOKEN not in line and "bot***" in found["message"]
    assert found["level"] == "WARNING" and found["logger"] == "bot.app"
    outside = json.loads(formatter.format(record("idle")))
    assert "chat" not in outside and "records" not in outside


def test_text_lines_mask_tokens_too() -> None:
    line = TextFormatter("%(message)s").format(
        record("GET /cgi-bin/gettoken?corpid=ww1&corpsecret=%s", "S3CRET-value")
    )
    assert "S3CRET" not in line and "corpsecret=***" in line


@given(secret=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                      min_size=20, max_size=60),
       bot_id=st.integers(min_value=10_000, max_value=10**12))  # fmt: skip
def test_any_bot_token_is_masked(secret: str, bot_id: int) -> None:
    token = f"{bot_id}:{secret}"
    assert token not in mask(f"calling https://api.telegram.org/bot{token}/getMe now")
    assert secret not in mask(f"url?access_token={secret}&x=1")


def test_repeats_of_one_failure_are_counted_and_written_once_a_period() -> None:
    now = [0.0]
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(Repeats(60, clock=lambda: now[0]))
    logger = logging.getLogger("guowen.test.repeats")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        for chat in range(5):
            logger.warning("delivery to telegram:%s failed", chat)
            now[0] += 1
        logger.warning("another failure")
        logger.info("not a failure %s", 1)
        logger.info("not a failure %s", 2)
        now[0] = 61
        logger.warning("delivery to telegram:%s failed", 99)
    finally:
        logger.removeHandler(handler)
    assert out.getvalue().splitlines() == [
        "delivery to telegram:0 failed",
        "another failure",
        "not a failure 1",
        "not a failure 2",
        "delivery to telegram:99 failed (4 more like this in the last 60 s)",
    ]
