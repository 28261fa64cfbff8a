"""The webhook's edge (issue 11, item 9) and the process's one HTTP server: deeply nested JSON,
idle connections by the hundred, and wrong secrets by the hundred leave the bot answering and
its log short."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from fake_botapi import FakeBotApi, add_telegram_person, api_fixture, running_bot
from test_telegram_webhook import SECRET_HEADER, post, update

from bot.http import HttpServer, RefusalLog
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Role

api = api_fixture()


async def post_raw(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as response,
    ):
        return response.status


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"update_id": 900003, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"update_id": 900003, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
    ],
    ids=["list", "in-a-field", "objects"],
)
async def test_deeply_nested_json_with_the_right_secret_is_a_400_and_the_bot_goes_on(
    api: FakeBotApi,
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        url = bot.settings.telegram.webhook_url
        good = {SECRET_HEADER: bot.settings.telegram.webhook_secret.get_secret_value()}
        with caplog.at_level(logging.WARNING):
            status = await post_raw(url, body, good)
            replies = await bot.say(zhang, "/whoami")

    assert status == 400
    assert replies[0].startswith("姓名：张伟")
    assert "RecursionError" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_wrong_secrets_by_the_hundred_are_refused_and_logged_in_aggregate(
    api: FakeBotApi,
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        url = bot.settings.telegram.webhook_url
        with caplog.at_level(logging.INFO):
            statuses = [
                await post(url, update(900_100 + n, "/whoami"), {SECRET_HEADER: f"guess-{n}"})
                for n in range(200)
            ]
            during = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    after = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]

    assert statuses == [403] * 200
    assert during == ["telegram: a webhook call from 127.0.0.1 with a wrong secret token: refused"]
    assert after[1:] == ["telegram: a webhook call from 127.0.0.1: 199 more refused in 60 s"]
    assert "guess-" not in caplog.text  # what was tried is never written down
    assert api.calls_to("sendMessage") == []


def test_refusals_are_summed_up_per_peer_and_period(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    refusals = RefusalLog(logging.getLogger("test.refusals"), "a call", 60.0, lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.refusals"):
        for second in range(150):
            now[0] = float(second)
            refusals.note("10.0.0.1", "refused")
            if second % 2:
                refusals.note("10.0.0.2", "refused")
        refusals.flush()

    assert [r.getMessage() for r in caplog.records] == [
        "a call from 10.0.0.1 refused",
        "a call from 10.0.0.2 refused",
        "a call from 10.0.0.1: 59 more refused in 60 s",
        "a call from 10.0.0.1 refused",
        "a call from 10.0.0.2: 29 more refused in 60 s",
        "a call from 10.0.0.2 refused",
        "a call from 10.0.0.1: 59 more refused in 60 s",
        "a call from 10.0.0.1 refused",
        "a call from 10.0.0.2: 29 more refused in 60 s",
        "a call from 10.0.0.2 refused",
        "a call from 10.0.0.1: 29 more refused in 60 s",
        "a call from 10.0.0.2: 14 more refused in 60 s",
    ]


async def test_idle_connections_are_capped_and_closed_and_the_server_still_answers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    server = HttpServer("127.0.0.1:0", max_connections=20, header_timeout=2.0)
    server.add_route("GET", "/healthz", hello)
    await server.start()
    opened: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        with caplog.at_level(logging.INFO):
            for n in range(300):
                opened.append(await asyncio.open_connection("127.0.0.1", server.port))
                if n % 3 == 0:  # some start a request and never finish its head
                    opened[-1][1].write(b"POST /telegram/hook HTTP/1.1\r\nHost: x\r\n")
                assert server.connections <= 20
            # The cap held: what the server did not take was closed at once.
            assert server.refused_connections >= 1
            # Every one of them is closed by the server: over the cap at once, the rest
            # when they have not sent a request head in time.
            async with asyncio.timeout(20):
                ends = [await reader.read() for reader, _ in opened]
            assert server.connections == 0

            async with (
                aiohttp.ClientSession() as session,
                session.get(f"http://127.0.0.1:{server.port}/healthz") as response,
            ):
                assert (response.status, await response.text()) == (200, "ok")
    finally:
        for _, writer in opened:
            writer.close()
        await server.stop()

    assert set(ends) == {b""}
    assert len([r for r in caplog.records if r.name == "bot.http"]) <= 2  # not one per call


async def test_routes_are_added_before_the_server_starts() -> None:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=request.match_info["name"])

    server = HttpServer("127.0.0.1:0")
    server.add_route("GET", "/hello/{name}", hello)
    await server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/hello/wecom") as response:
                assert (response.status, await response.text()) == (200, "wecom")
            async with session.post(f"{base}/hello/wecom") as response:
                assert response.status == 405
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 404
        with pytest.raises(RuntimeError):
            server.add_route("GET", "/late", hello)
    finally:
        await server.stop()


async def test_a_body_over_the_limit_is_refused(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        url = bot.settings.telegram.webhook_url
        good = {SECRET_HEADER: bot.settings.telegram.webhook_secret.get_secret_value()}
        status = await post_raw(url, b" " * (2 << 20), good)

    assert status == 413
