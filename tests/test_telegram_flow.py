"""End to end through python-telegram-bot and the fake Bot API: what a judge does on a phone.

Binding with an invite code, a forwarded screenshot through to a submitted record, an album
with a voice message, an in-person inquiry co-signed by a colleague, a restart in the middle of
a conversation, and a stranger.
"""

from __future__ import annotations

from datetime import timedelta

from fake_botapi import (
    PHONE_INTAKE,
    BotHarness,
    FakeBotApi,
    add_telegram_person,
    api_fixture,
    bot_fixture,
    forwarded_from,
    png_bytes,
    utc,
)
from fakes import audit_events, row_counts
from sqlalchemy import select

from reminders.clock import FakeClock
from storage import records as records_repo
from storage import staff as staff_repo
from storage.db import Database
from storage.models import EvidenceItem, Record
from storage.vocabulary import CosignStatus, RecordStatus, Role

api = api_fixture()


bot = bot_fixture()


async def only_record(db: Database) -> Record:
    async with db.transaction() as session:
        records = list((await session.execute(select(Record))).scalars())
        assert len(records) == 1
        return records[0]


async def evidence_of(db: Database, record_id: int) -> list[EvidenceItem]:
    async with db.transaction() as session:
        query = select(EvidenceItem).where(EvidenceItem.record_id == record_id)
        return list((await session.execute(query.order_by(EvidenceItem.id))).scalars())


async def test_binding_with_start_code(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    person = await add_telegram_person(db, clock, "张伟", [Role.HANDLER])
    async with db.transaction() as session:
        issued = await staff_repo.issue_invite(
            session, person, at=clock.now(), valid_for=timedelta(hours=72), actor="test"
        )
    zhang = api.user(1001, "张伟")

    replies = await bot.say(zhang, f"/start {issued.code}")

    assert len(replies) == 1
    assert replies[0].startswith("绑定成功！您好，张伟。")
    async with db.transaction() as session:
        bound = await staff_repo.identity(session, "telegram", "1001")
        assert bound is not None and bound.staff_id == person.id and bound.chat_id == "1001"
    # The menu: everyone's commands in the court's language, and the handler's own in her chat.
    default = api.commands['{"type": "default"}|']
    assert [c["command"] for c in default][:2] == ["help", "whoami"]
    assert default[0]["description"] == "查看可用的命令"
    mine = api.commands['{"chat_id": 1001, "type": "chat"}|']
    assert "new" in [c["command"] for c in mine]

    assert await bot.say(zhang, f"/start {issued.code}") == [
        "您已绑定为 张伟，无需重复绑定。发送 /help 查看可用的命令。"
    ]


async def test_a_forwarded_screenshot_with_a_caption_becomes_a_submitted_record(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    sent_at = utc(2026, 3, 5, 1, 30)  # Thursday 09:30 in Beijing, the day before "now"
    screenshot = png_bytes(1)

    pushed = await zhang.photo(
        screenshot, caption="王局长：这个案子请关照", forward=forwarded_from("王局长", sent_at)
    )
    opened = await bot.run(pushed)

    assert opened[0].startswith("已收到 1 个文件并作为证据保存")
    assert "2026-03-05 09:30" in opened[-1]  # the forward's original date, to confirm
    prompt = zhang.last_with_button("in:received_at:v:ok")
    await bot.tap(zhang, "in:received_at:v:ok")
    # The pressed prompt says what was chosen and has no buttons left to press twice.
    assert api.messages[(zhang.id, prompt["message_id"])]["text"].endswith("✔ 已选择：✔ 时间正确")
    assert "reply_markup" not in api.messages[(zhang.id, prompt["message_id"])]
    # Telegram can edit, so the engine has the choice shown there and sends no text of it.
    assert not [m for m in api.messages.values() if str(m.get("text", "")).startswith("✔ 已选择")]

    steps = [("say", "李<某> & 秘书") if s == ("say", "李某") else s for s in PHONE_INTAKE]
    review = await bot.follow(zhang, steps)

    assert review[-1].startswith("请核对以下内容。")
    assert "过问人：李<某> & 秘书" in review[-1]  # escaped for Telegram, shown as typed
    submitted = await bot.tap(zhang, "in:review:submit")
    assert submitted[0].startswith("已提交，记录编号：过问〔2026〕1号。")

    record = await only_record(db)
    assert record.status == RecordStatus.SUBMITTED
    assert record.received_at == sent_at
    assert record.inquirer_name == "李<某> & 秘书"
    [item] = await evidence_of(db, record.id)
    assert item.transport == "telegram"
    assert item.blob is not None and item.blob.size == len(screenshot)
    assert item.declared_size == len(screenshot)
    [update] = [u for u in api.delivered if u["update_id"] == pushed]
    assert item.source_message_id == str(update["message"]["message_id"])
    # Every Telegram message went out in HTML mode; none was refused for its markup.
    assert all(call.status == 200 for call in api.calls_to("sendMessage"))
    assert {call.params.get("parse_mode") for call in api.calls_to("sendMessage")} == {"HTML"}


async def test_an_album_of_photos_and_a_voice_message_make_one_record(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    album = [
        await zhang.photo(
            png_bytes(n), media_group_id="album-1", caption="信件" if n == 1 else None
        )
        for n in (1, 2, 3)
    ]
    replies = await bot.run(album)
    assert replies[0].startswith("已收到 1 个文件")  # the first photo opens the draft
    assert not [r for r in replies[1:] if "新建" in r]  # the rest of the album joins it

    asked = await bot.run(await zhang.voice(b"OggS" + bytes(2000)))
    assert asked[0].startswith("您有一条未完成的记录")
    added = await bot.tap(zhang, "in:media:add")
    assert added[0].startswith("已将 1 个文件作为证据添加到记录")

    record = await only_record(db)
    items = await evidence_of(db, record.id)
    assert len(items) == 4
    assert {item.transport_file_id for item in items} == {
        file_id for file_id, stored in api.files.items() if stored.size > 100
    }
    # A caption is offered when the summary is asked, never stored as it unasked.
    assert (record.summary, record.fields.get("caption_offered")) == (None, "信件")


async def test_an_in_person_inquiry_is_cosigned_by_a_colleague_on_telegram(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang, sun = api.user(1001, "张伟"), api.user(1002, "孙丽")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await add_telegram_person(db, clock, "孙丽", [Role.HANDLER], sun)
    await bot.say(zhang, "/new")
    await bot.tap(zhang, "in:received_at:v:ok")
    steps = [
        ("press", "in:channel:v:in_person") if step == ("press", "in:channel:v:phone") else step
        for step in PHONE_INTAKE
    ]
    steps += [
        ("say", "县政府会议室"),
        ("press", "in:persons_present:v:无"),
        ("say", "孙丽"),
    ]
    await bot.follow(zhang, steps)
    await bot.tap(zhang, "in:review:submit")

    request = sun.last_with_button("cs:1:ok")
    assert request["text"].startswith("张伟 登记了一次当面过问，记录您在场。")
    confirmed = await bot.run(await sun.press("cs:1:ok"))  # to both chats, handler's first

    assert confirmed == ["孙丽 已确认记录 过问〔2026〕1号。", "已确认记录 过问〔2026〕1号，谢谢。"]
    assert api.sent_to(sun.id)[-2]["text"].endswith("✔ 已选择：✔ 确认属实")
    async with db.transaction() as session:
        record = await records_repo.get(session, 1)
        assert record is not None
        assert [c.status for c in record.cosigners] == [CosignStatus.CONFIRMED]


async def test_a_second_press_on_the_same_message_is_not_handled_again(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await bot.say(zhang, "/new")
    prompt = zhang.last_with_button("in:received_at:v:ok")
    stale = dict(prompt)  # the message as the phone still shows it, buttons and all

    first = await zhang.press("in:received_at:v:ok", prompt)
    second = await zhang.press("in:received_at:v:ok", stale)
    replies = await bot.run([first, second], zhang.id)

    assert len([r for r in replies if r.startswith("这次过问来自")]) == 1
    answers = api.calls_to("answerCallbackQuery")
    assert answers[-1].params.get("text") == "这个按钮已经按过了，请按最新一条消息操作。"


async def test_the_conversation_survives_a_restart(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    await bot.run(
        await zhang.text("王局长来电询问案件进展", forward=forwarded_from("王局长", clock.now()))
    )
    await bot.tap(zhang, "in:received_at:v:ok")
    await bot.follow(zhang, PHONE_INTAKE[:5])

    await bot.restart()  # the process stops cleanly and starts again

    assert api.calls_to("getMe")[1:]  # a new connection
    asked = await bot.follow(zhang, PHONE_INTAKE[5:])
    assert asked[-1].startswith("请核对以下内容。")
    assert (await bot.tap(zhang, "in:review:submit"))[0].startswith("已提交")
    record = await only_record(db)
    assert record.status == RecordStatus.SUBMITTED
    assert record.inquirer_position == "副县长"


async def test_a_stranger_is_refused_and_leaves_only_an_access_denied_event(
    api: FakeBotApi, bot: BotHarness, db: Database
) -> None:
    before = await row_counts(db)
    stranger = api.user(6666, "陌生人")

    replies = await bot.run(await stranger.photo(png_bytes(9), caption="请帮忙"))

    assert replies == [
        "您好！本机器人仅供本院登记在册的工作人员使用，您的账号尚未绑定。"
        "如您是本院工作人员，请向信息技术部门索取邀请码，然后发送：/start 邀请码"
    ]
    assert api.calls_to("getFile") == []  # a stranger's files are never fetched
    after = await row_counts(db)
    changed = {
        table: after[table] - before[table] for table in after if after[table] != before[table]
    }
    # The update's id is kept to refuse a repeat; nothing of the person's is.
    assert changed == {"audit_events": 1, "processed_updates": 1}
    [event] = await audit_events(db)
    assert event.kind == "access_denied"


async def test_what_one_complete_intake_costs_in_bot_api_calls(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    start = len(api.calls)

    await bot.run(await zhang.photo(png_bytes(5), forward=forwarded_from("王局长", clock.now())))
    await bot.tap(zhang, "in:received_at:v:ok")
    await bot.follow(zhang, PHONE_INTAKE)
    await bot.tap(zhang, "in:review:submit")

    calls = [call.method for call in api.calls[start:] if call.method != "setMyCommands"]
    presses = 2 + sum(action == "press" for action, _ in PHONE_INTAKE)
    answers = [call for call in api.calls[start:] if call.method == "sendMessage"]
    # Each press: acknowledged once, its prompt edited once; each file: getFile and one
    # download; everything else is what the conversation says, one sendMessage a message.
    assert calls.count("answerCallbackQuery") == presses
    assert calls.count("editMessageText") == presses
    assert (calls.count("getFile"), calls.count("file")) == (1, 1)
    assert set(calls) == {
        "getUpdates",
        "answerCallbackQuery",
        "editMessageText",
        "sendMessage",
        "getFile",
        "file",
    }
    assert len(answers) == 19  # see the benchmark's note: 43 calls plus getFile and download


async def test_a_group_chat_is_ignored(
    api: FakeBotApi, bot: BotHarness, db: Database, clock: FakeClock
) -> None:
    zhang = api.user(1001, "张伟")
    await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)
    group = {"id": -100500, "type": "supergroup", "title": "民一庭"}

    replies = await bot.run(await zhang.send(text="/whoami", chat=group), chat=None)

    assert replies == []
    assert api.calls_to("sendMessage") == []
