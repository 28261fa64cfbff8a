"""Updates the library cannot parse (issue 11, item 4), button presses settled only after the
engine decided (item 6), and the command menus' data (handlers/menus.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fake_botapi import (
    BotHarness,
    FakeBotApi,
    add_telegram_person,
    api_fixture,
    bot_fixture,
    running_bot,
)
from test_telegram_webhook import SECRET_HEADER, post

from handlers.menus import command_menus
from handlers.ports import Button, Handled, IncomingMessage, OutgoingMessage
from handlers.registry import default_registry
from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Language, Role

# Seen in the field: PTB 22 requires ``option_persistent_ids`` (Bot API 9.6) and refuses this.
POLL_ANSWER = {
    "poll_answer": {
        "poll_id": "5120",
        "user": {"id": 1001, "is_bot": False, "first_name": "张伟"},
        "option_ids": [0],
    }
}
BROKEN_DATE = {
    "message": {
        "message_id": 77,
        "date": "yesterday",
        "chat": {"id": 1001, "type": "private", "first_name": "张伟"},
        "from": {"id": 1001, "is_bot": False, "first_name": "张伟"},
        "text": "/whoami",
    }
}


api = api_fixture()


bot = bot_fixture()


def text_message(user_id: int, text: str, message_id: int) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}
    chat = {"id": user_id, "type": "private", "first_name": f"user{user_id}"}
    return {
        "message": {
            "message_id": message_id,
            "date": 1772762400,
            "chat": chat,
            "from": person,
            "text": text,
        }
    }


def quarantined(tmp_path: Path) -> dict[str, Any]:
    """What the bot kept of unreadable updates, by file name."""
    folder = tmp_path / "quarantine"
    if not folder.is_dir():
        return {}
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in folder.iterdir()}


@pytest.mark.parametrize("bad", [POLL_ANSWER, BROKEN_DATE], ids=["poll_answer", "bad-date"])
async def test_an_unreadable_update_between_good_ones_is_skipped_and_kept(
    api: FakeBotApi,
    bot: BotHarness,
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    bad: dict[str, Any],
) -> None:
    zhang, sun = api.user(1001, "张伟"), api.user(1002, "孙丽")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await add_telegram_person(db, clock, "孙丽", [Role.HANDLER], sun)

    with caplog.at_level(logging.WARNING):
        first, broken, second = await api.push_batch(
            [text_message(1001, "/whoami", 1), bad, text_message(1002, "/whoami", 2)]
        )
        for update_id in (first, broken, second):
            await bot.wait(update_id)
        later = await bot.run(await zhang.text("/whoami"))  # polling goes on

    assert [m["text"][:5] for m in api.sent_to(1001)] == ["姓名：张伟", "姓名：张伟"]
    assert [m["text"][:5] for m in api.sent_to(1002)] == ["姓名：孙丽"]
    assert later[0].startswith("姓名：张伟")
    kept = quarantined(tmp_path)
    assert kept == {f"telegram-123456789-{broken}.json": {"update_id": broken, **bad}}
    about = [r for r in caplog.records if str(broken) in r.getMessage()]
    assert len(about) == 1 and about[0].levelno == logging.WARNING  # logged once
    assert broken not in [u["update_id"] for u in api.pending]  # confirmed: never again


async def test_an_unreadable_update_at_the_webhook_is_taken_and_kept(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path, mode="webhook") as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
        url = bot.settings.telegram.webhook_url
        good = {SECRET_HEADER: bot.settings.telegram.webhook_secret.get_secret_value()}

        status = await post(url, {"update_id": 900_050, **POLL_ANSWER}, good)
        replies = await bot.say(zhang, "/whoami")

    assert status == 200  # else Telegram would post it again and again
    assert replies[0].startswith("姓名：张伟")
    assert list(quarantined(tmp_path)) == ["telegram-123456789-900050.json"]


async def test_a_press_is_answered_after_the_engine_and_before_the_replies(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await bot.say(zhang, "/new")
    start = len(api.calls)

    replies = await bot.tap(zhang, "in:received_at:v:ok")

    methods = [c.method for c in api.calls[start:] if c.method != "getUpdates"]
    assert methods[:3] == ["answerCallbackQuery", "editMessageText", "sendMessage"]
    assert replies[0].startswith("这次过问来自")


@pytest.mark.parametrize("who", ["stranger", "disabled"])
async def test_a_refused_press_is_answered_without_touching_the_message(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock, who: str
) -> None:
    """Issue 11, item 6: the message must not say "✔ 已选择" to someone who is refused.

    Passes once the engine returns ``Handled(accepted=False)`` for them (the engine's branch).
    """
    zhang = api.user(1001, "张伟")
    person = await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await bot.say(zhang, "/new")
    user, data = zhang, "in:received_at:v:ok"
    if who == "stranger":
        user, data = api.user(6666, "陌生人"), "in:review:submit"
        buttons = ((Button("提交", data),),)
        await bot.transport.send("6666", OutgoingMessage("请核对以下内容。", buttons))
    else:
        async with db.transaction() as session:
            staff = await session.get(Staff, person.id)
            assert staff is not None
            await staff_repo.disable_staff(session, staff, at=clock.now(), actor="test")
    prompt = user.last_with_button(data)
    start = len(api.calls)

    await bot.tap(user, data)

    methods = [c.method for c in api.calls[start:] if c.method != "getUpdates"]
    assert methods.count("answerCallbackQuery") == 1
    assert "editMessageText" not in methods and "editMessageReplyMarkup" not in methods
    assert api.messages[(user.id, prompt["message_id"])] == prompt


async def test_the_menus_list_each_bound_active_person_in_their_language(
    db: Database, clock: FakeClock
) -> None:
    registry = default_registry()
    zhang = await add_telegram_person(db, clock, "张伟", [Role.HANDLER])
    admin = await add_telegram_person(db, clock, "王芳", [Role.ADMIN])
    gone = await add_telegram_person(db, clock, "李四", [Role.HANDLER])
    async with db.transaction() as session:
        for person, chat in ((zhang, "1001"), (admin, "1002"), (gone, "1003")):
            await staff_repo.bind(
                session,
                person=person,
                transport="telegram",
                external_id=chat,
                chat_id=chat,
                display_name=person.name,
                at=clock.now(),
                via="test",
            )
        for person in (admin, gone):
            staff = await session.get(Staff, person.id)
            assert staff is not None
            staff.language = "en" if person is admin else staff.language
            staff.active = person is admin

    menus = await command_menus(db, registry, "telegram", Language.ZH)
    mine = await command_menus(db, registry, "telegram", Language.ZH, user_id="1002")
    nobody = await command_menus(db, registry, "telegram", Language.ZH, user_id="1003")

    assert [(m.chat_id, m.language) for m in menus] == [
        (None, Language.ZH),
        ("1001", Language.ZH),
        ("1002", Language.EN),
    ]
    default, handler, en_admin = (dict(m.commands) for m in menus)
    assert default["help"] == "查看可用的命令" and "new" not in default
    assert "new" in handler and "new" not in en_admin
    assert mine == menus[2:] and nobody == []


async def test_settle_press_with_a_refusal_answers_and_leaves_the_message(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock, monkeypatch: Any
) -> None:
    """The transport's half of item 6, whatever the engine decides today: ``accepted=False``
    answers the press, edits nothing, and leaves the buttons to be pressed again."""
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await bot.say(zhang, "/new")
    prompt = zhang.last_with_button("in:received_at:v:ok")
    settle = bot.transport.settle_press

    async def refused(message: IncomingMessage, handled: Handled) -> None:
        await settle(message, Handled(handled.replies, accepted=False))

    monkeypatch.setattr(bot.transport, "settle_press", refused)
    start = len(api.calls)

    await bot.tap(zhang, "in:received_at:v:ok")
    await bot.tap(zhang, "in:received_at:v:ok")  # not taken: may be pressed again

    methods = [c.method for c in api.calls[start:] if c.method != "getUpdates"]
    assert methods.count("answerCallbackQuery") == 2
    assert "editMessageText" not in methods and "editMessageReplyMarkup" not in methods
    assert api.messages[(zhang.id, prompt["message_id"])] == prompt
    answers = api.calls_to("answerCallbackQuery")
    assert [a.params.get("text") for a in answers[-2:]] == [None, None]


async def test_updates_of_one_chat_are_handled_in_arrival_order(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    """The first updates after a start included: nothing may be awaited between taking an
    update in and App.dispatch's per-chat lock (the holidays' first load once was)."""
    zhang, sun = api.user(1001, "张伟"), api.user(1002, "孙丽")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await add_telegram_person(db, clock, "孙丽", [Role.HANDLER], sun)
    texts = ["/whoami", "/help", "/whoami", "/help", "/whoami", "/help"]
    bodies = [text_message(user, text, n) for n, text in enumerate(texts) for user in (1001, 1002)]

    for update_id in await api.push_batch(bodies):
        await bot.wait(update_id)

    for chat, name in ((1001, "张伟"), (1002, "孙丽")):
        seen = [m["text"] for m in api.sent_to(chat)]
        assert [text.startswith(f"姓名：{name}") for text in seen] == [True, False] * 3
