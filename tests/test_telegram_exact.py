"""Through python-telegram-bot and the fake Bot API: an edited message is answered, and a
forward from a channel keeps the channel's name with its evidence."""

from __future__ import annotations

import time

from fake_botapi import (
    BotHarness,
    FakeBotApi,
    add_telegram_person,
    api_fixture,
    bot_fixture,
    utc,
)
from sqlalchemy import select

from reminders.clock import FakeClock
from storage.db import Database
from storage.models import EvidenceItem, Record
from storage.vocabulary import Role

api = api_fixture()


bot = bot_fixture()


async def test_an_edited_answer_is_applied_and_said(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    channel = {
        "type": "channel",
        "date": int(utc(2026, 3, 5, 1, 30).timestamp()),
        "chat": {"id": -100123, "type": "channel", "title": "县住建局工作群"},
        "message_id": 55,
    }
    opened = await bot.run(await zhang.text("请关照一下张某的案子", forward=channel))
    assert opened[0].startswith("已收到 1 条消息并作为证据保存")  # a text, not a file
    async with db.transaction() as session:
        [item] = (await session.execute(select(EvidenceItem))).scalars().all()
    assert (item.forward_sender, item.forward_chat) == ("县住建局工作群", "县住建局工作群")
    assert item.forward_sent_at == utc(2026, 3, 5, 1, 30)

    await bot.tap(zhang, "in:received_at:v:ok")
    await bot.tap(zhang, "in:source:v:external")
    await bot.tap(zhang, "in:inquiry_at:v:same")
    await bot.tap(zhang, "in:channel:v:phone")
    body = zhang._message(text="王某")
    await bot.run(await api.push({"message": body}), zhang.id)
    edited = {**body, "text": "王某某", "edit_date": int(time.time())}
    said = await bot.run(await api.push({"edited_message": edited}), zhang.id)
    assert said[0] == "已按您修改后的消息，把“过问人”改为：王某某。"
    async with db.transaction() as session:
        [record] = (await session.execute(select(Record))).scalars().all()
    assert record.inquirer_name == "王某某"
