"""Webhook mode and repeated updates: only Telegram (holding the secret) gets in, and an update
delivered twice is handled once."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from fake_botapi import FakeBotApi, add_telegram_person, api_fixture, running_bot

from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Role

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


api = api_fixture()


def update(update_id: int, text: str, user_id: int = 1001) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "张伟"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1772762400,
            "chat": {"id": user_id, "type": "private", "first_name": "张伟"},
            "from": person,
            "text": text,
        },
    }


async def post(url: str, body: Any, headers: dict[str, str] | None = None) -> int:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers or {}) as response,
    ):
        return response.status


async def test_webhook_with_the_right_secret_is_handled(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)

        replies = await bot.say(zhang, "/whoami")  # the fake posts it, secret and all

        settings = bot.settings.telegram
        assert api.webhook == {
            "url": settings.webhook_url,
            "secret": settings.webhook_secret.get_secret_value(),
        }
        [registered] = api.calls_to("setWebhook")
        assert registered.params["allowed_updates"] == [
            "message",
            "edited_message",
            "callback_query",
        ]
    assert replies[0].startswith("姓名：张伟")
    assert api.calls_to("getUpdates") == []


@pytest.mark.parametrize(
    ("headers", "logged"),
    [
        ({SECRET_HEADER: "guessed"}, "with a wrong secret token: refused"),
        ({}, "without the secret token: refused"),
    ],
    ids=["wrong-secret", "missing-secret"],
)
async def test_webhook_without_the_right_secret_is_refused_and_logged(
    api: FakeBotApi,
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    headers: dict[str, str],
    logged: str,
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], api.user(1001, "张伟"))
        with caplog.at_level(logging.WARNING, logger="bot.transports.telegram"):
            status = await post(
                bot.settings.telegram.webhook_url, update(900_001, "/whoami"), headers
            )

    assert status == 403
    assert logged in caplog.text
    assert "guessed" not in caplog.text
    assert api.calls_to("sendMessage") == []


async def test_webhook_answers_other_requests_plainly(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        url = bot.settings.telegram.webhook_url
        good = {SECRET_HEADER: bot.settings.telegram.webhook_secret.get_secret_value()}
        async with aiohttp.ClientSession() as session:
            async with session.get(url, headers=good) as response:
                assert response.status == 405
            async with session.post(url + "/other", json={}, headers=good) as response:
                assert response.status == 404
            async with session.post(url, data=b"{not json", headers=good) as response:
                assert response.status == 400


async def test_an_update_posted_twice_to_the_webhook_is_handled_once(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], api.user(1001, "张伟"))
        url = bot.settings.telegram.webhook_url
        good = {SECRET_HEADER: bot.settings.telegram.webhook_secret.get_secret_value()}
        body = update(900_002, "/whoami")

        assert await post(url, body, good) == 200
        assert await post(url, body, good) == 200  # Telegram lost our first answer
        await bot.wait(900_002)
        await bot.run(await api.user(1001, "张伟").text("/help"))

    texts = [call.params["text"] for call in api.calls_to("sendMessage")]
    assert len([text for text in texts if text.startswith("姓名：张伟")]) == 1


async def test_an_update_polled_again_after_a_restart_is_handled_once(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        first = await zhang.text("/new")
        assert (await bot.run(first))[0].startswith("已新建过问记录")

        await bot.restart()
        await api.redeliver(first)  # the confirmation got lost on the way down
        await bot.wait(first)  # seen by the new process, and recognised
        again = await bot.run(await zhang.text("/whoami"))

    assert [call.params["text"][:7] for call in api.calls_to("sendMessage")].count(
        "已新建过问记录"
    ) == 1
    assert again[0].startswith("姓名：张伟")
