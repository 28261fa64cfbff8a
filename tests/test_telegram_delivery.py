"""Sending through python-telegram-bot when Telegram is slow, flooded, down, or refuses.

The fake Bot API answers the next call of a method with a 429, a 5xx, a 403 or nothing at all;
the transport waits out a 429, retries the rest with (tiny, injected) backoff, and comes back
with a ``Delivery`` instead of an exception, so nothing owed to a person vanishes silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fake_botapi import (
    BotHarness,
    FakeBotApi,
    add_telegram_person,
    api_fixture,
    png_bytes,
    quick_options,
    running_bot,
)

from bot.transports.telegram import split_text
from handlers.ports import Button, DeliveryStatus, OutgoingMessage, Reply
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Role

WHOAMI = "姓名：张伟"


api = api_fixture()


@pytest.fixture
async def bot(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[BotHarness]:
    async with running_bot(api, db, clock, tmp_path) as harness:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        yield harness


async def test_a_429_is_waited_out_then_the_message_goes(api: FakeBotApi, bot: BotHarness) -> None:
    api.fail("sendMessage", 429, retry_after=1)

    replies = await bot.say(api.user(1001, "张伟"), "/whoami")

    assert replies[0].startswith(WHOAMI)
    refused, sent = api.calls_to("sendMessage")[-2:]
    assert (refused.status, sent.status) == (429, 200)
    assert sent.at - refused.at >= 1.0  # Telegram's retry_after, not the backoff


async def test_a_500_is_retried_then_the_message_goes(api: FakeBotApi, bot: BotHarness) -> None:
    api.fail("sendMessage", 500, times=2)

    replies = await bot.say(api.user(1001, "张伟"), "/whoami")

    assert replies[0].startswith(WHOAMI)
    assert [call.status for call in api.calls_to("sendMessage")] == [500, 500, 200]


async def test_a_timeout_is_retried(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    options = quick_options(api, read_timeout=0.3)
    async with running_bot(api, db, clock, tmp_path, options) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        api.fail("sendMessage", 504, delay=1.0)

        replies = await bot.say(zhang, "/whoami")

    assert replies[0].startswith(WHOAMI)
    assert [call.status for call in api.calls_to("sendMessage")] == [504, 200]


async def test_a_person_who_blocked_the_bot_is_a_failed_delivery_at_once(
    api: FakeBotApi, bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    api.block(1001)

    delivery = await bot.transport.send("1001", OutgoingMessage("提醒"))

    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.detail == "forbidden: Forbidden: bot was blocked by the user"
    assert len(api.calls_to("sendMessage")) == 1  # a 403 is final: no retry

    with caplog.at_level(logging.WARNING, logger="bot.app"):
        await bot.run(await api.user(1001, "张伟").text("/whoami"))
    assert "delivery to telegram:1001 failed: forbidden" in caplog.text


async def test_telegram_down_through_every_retry_is_a_delivery_to_retry_later(
    api: FakeBotApi, bot: BotHarness
) -> None:
    api.fail("sendMessage", 502, times=10)

    delivery = await bot.transport.send("1001", OutgoingMessage("提醒"))

    assert delivery.status is DeliveryStatus.RETRY
    assert "Bad Gateway" in delivery.detail
    assert len(api.calls_to("sendMessage")) == 1 + len(bot.options.retry_delays)


async def test_text_is_escaped_split_and_the_buttons_go_on_the_last_piece(
    api: FakeBotApi, bot: BotHarness
) -> None:
    line = "<b>不是标签</b> & 也不是实体 &amp;\n"
    text = line * 200  # about 6000 characters
    buttons = ((Button("确认", "cs:1:ok"), Button("有异议", "cs:1:no")),)

    # The app cuts it to the transport's text limit (``bot.app.fit``), then Telegram sends.
    delivery = await bot.app.deliver(Reply("telegram", "1001", OutgoingMessage(text, buttons)))

    assert delivery.status is DeliveryStatus.SENT
    first, second = api.sent_to(1001)
    assert "reply_markup" not in first
    assert [b["callback_data"] for b in second["reply_markup"]["inline_keyboard"][0]] == [
        "cs:1:ok",
        "cs:1:no",
    ]
    assert first["text"] + "\n" + second["text"] == text.rstrip("\n")
    assert delivery.message_id == str(second["message_id"])


def test_split_text_cuts_at_line_ends_and_counts_like_telegram() -> None:
    assert split_text("") == []
    assert split_text("短") == ["短"]
    assert split_text("a\nb\nc", 3) == ["a\nb", "c"]
    assert split_text("abcdefg", 3) == ["abc", "def", "g"]
    assert split_text("😀😀😀", 4) == ["😀😀", "😀"]  # two UTF-16 units each


async def test_documents_and_photos(api: FakeBotApi, bot: BotHarness, tmp_path: Path) -> None:
    report = tmp_path / "2026Q1 报告.docx"
    report.write_bytes(b"PK\x03\x04 report")
    chart = tmp_path / "chart.png"
    chart.write_bytes(png_bytes(3))
    pressed = ((Button("下载", "rp:1"),),)

    with_caption = await bot.transport.send(
        "1001", OutgoingMessage("季度报告 <2026Q1>", pressed, report)
    )
    photo = await bot.transport.send("1001", OutgoingMessage("图表", photo=chart))
    long_caption = await bot.transport.send("1001", OutgoingMessage("说明" * 600, document=report))

    assert {with_caption.status, photo.status, long_caption.status} == {DeliveryStatus.SENT}
    sent = api.sent_to(1001)
    assert sent[0]["caption"] == "季度报告 <2026Q1>"
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rp:1"
    assert api.calls_to("sendDocument")[0].files["document"] == report.read_bytes()
    assert sent[1]["caption"] == "图表" and "photo" in sent[1]
    assert sent[2]["text"] == "说明" * 600 and "document" in sent[3]  # text first, then the file


async def test_a_photo_telegram_refuses_goes_as_a_document(
    api: FakeBotApi, bot: BotHarness, tmp_path: Path
) -> None:
    chart = tmp_path / "chart.png"
    chart.write_bytes(png_bytes(4))
    api.fail("sendPhoto", 400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")

    delivery = await bot.transport.send("1001", OutgoingMessage("图表", photo=chart))

    assert delivery.status is DeliveryStatus.SENT
    assert "document" in api.sent_to(1001)[-1]


async def test_callback_data_over_64_bytes_travels_as_a_token(
    api: FakeBotApi, bot: BotHarness
) -> None:
    value = "很长的部门名称" * 5
    await bot.transport.send("1001", OutgoingMessage("选择", ((Button("长", f"lang:{value}"),),)))
    [button] = api.user(1001, "张伟").buttons()
    assert len(button["callback_data"].encode()) <= 64

    replies = await bot.tap(api.user(1001, "张伟"), button["callback_data"])

    assert replies == [f"不认识的语言“{value}”。可选：zh（中文）或 en（English）。"]


async def test_messages_to_one_chat_are_paced_and_other_chats_are_not_held_up(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    # Two messages a second to one chat. Told by the order in which the server receives the
    # messages and by lower bounds on the gaps, which a loaded machine can only widen.
    options = quick_options(api, per_chat_rate=2.0, per_chat_burst=1)
    async with running_bot(api, db, clock, tmp_path, options) as bot:
        same = [bot.transport.send("1001", OutgoingMessage(f"第{n}条")) for n in range(3)]
        spread = [bot.transport.send(str(2001 + n), OutgoingMessage("通知")) for n in range(3)]
        sent = await asyncio.gather(*same, *spread)

    assert {d.status for d in sent} == {DeliveryStatus.SENT}
    received = [call for call in api.calls_to("sendMessage") if call.status == 200]
    order = [call.chat_id for call in received]
    assert sorted(order) == [1001, 1001, 1001, 2001, 2002, 2003]
    one_chat = [call.at for call in received if call.chat_id == 1001]
    assert one_chat[-1] - one_chat[0] >= 0.5  # unpaced, three messages take milliseconds
    # Every other chat's message arrives before the paced chat's second one.
    second = [i for i, chat in enumerate(order) if chat == 1001][1]
    assert {2001, 2002, 2003} <= set(order[:second])


async def test_one_retry_loop_429s_and_5xx_together_are_bounded(
    api: FakeBotApi, bot: BotHarness
) -> None:
    """429s and 5xx share one budget of attempts: before, a limiter's retries nested inside a
    second loop made up to 20 attempts of one message."""
    for _ in range(5):
        api.fail("sendMessage", 429, retry_after=0)
        api.fail("sendMessage", 502)

    delivery = await bot.transport.send("1001", OutgoingMessage("提醒"))

    assert delivery.status is DeliveryStatus.RETRY
    assert len(api.calls_to("sendMessage")) == 1 + len(bot.options.retry_delays)
