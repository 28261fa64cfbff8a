"""End to end through the WeCom transport, its callback route on the process's HTTP server and
the fake WeCom server: what a judge does in the 企业微信 app.

Callbacks are encrypted and signed by the tests' own implementation of WeCom's algorithm
(``fake_wecom``), so the transport's wechatpy-based crypto is checked against it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import fake_wecom as fw
import pytest
from fake_botapi import PHONE_INTAKE, png_bytes
from fake_wecom import FakeWeCom
from fakes import audit_events, row_counts
from reminder_kit import bj, new_record, reminders, run_until
from sqlalchemy import select
from wecom_kit import (
    WeComHarness,
    add_wecom_person,
    fake_wecom,
    running_wecom,
    wecom_settings,
)

from handlers.ports import DeliveryStatus, OutgoingMessage, Reply
from reminders.clock import FakeClock
from reminders.outbox import ReminderKind
from storage import records as records_repo
from storage import staff as staff_repo
from storage.db import Database
from storage.evidence import UnavailableReason
from storage.models import EvidenceItem, ProcessedUpdate, Record
from storage.vocabulary import CosignStatus, RecordStatus, Role

ZHANG = "zhangwei"
SUN = "sunli"
AMR_FRAME = bytes([0x3C]) + bytes(31)  # AMR-NB mode 7 (12.2 kbit/s): one 20 ms frame


@pytest.fixture
async def fake(clock: FakeClock) -> AsyncIterator[FakeWeCom]:
    async with fake_wecom(clock) as server:
        yield server


@pytest.fixture
async def bot(
    fake: FakeWeCom, db: Database, clock: FakeClock, tmp_path: Path
) -> AsyncIterator[WeComHarness]:
    async with running_wecom(fake, db, clock, tmp_path) as harness:
        yield harness


async def only_record(db: Database) -> Record:
    async with db.transaction() as session:
        [record] = (await session.execute(select(Record))).scalars()
        return record


async def evidence(db: Database) -> list[EvidenceItem]:
    async with db.transaction() as session:
        query = select(EvidenceItem).order_by(EvidenceItem.id)
        return list((await session.execute(query)).unique().scalars())


async def test_url_verification_answers_the_plaintext_exactly_and_refuses_a_bad_signature(
    fake: FakeWeCom, bot: WeComHarness
) -> None:
    assert await fake.verify_url(bot.url, "4781372395817353629") == (200, "4781372395817353629")
    assert await fake.verify_url(bot.url, "echo", tamper=True) == (403, "")


async def test_a_callback_with_a_bad_signature_is_refused_and_leaves_nothing(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    before = await row_counts(db)

    status, _ = await fake.post_callback(bot.url, fw.message_xml(ZHANG, "text", Content="/new"))
    forged = await fake.post_callback(
        bot.url, fw.message_xml(ZHANG, "text", Content="/new"), tamper=True
    )
    await bot.service.idle()

    assert status == 200
    assert forged[0] == 403
    after = await row_counts(db)
    assert after["records"] == before["records"] + 1  # the signed one only


async def test_the_menu_is_registered_once_at_start(fake: FakeWeCom, bot: WeComHarness) -> None:
    assert fake.menus == [
        {
            "button": [
                {"type": "click", "name": "新建记录", "key": "new"},
                {"type": "click", "name": "我的记录", "key": "mine"},
                {"type": "click", "name": "季度报告", "key": "report"},
            ]
        }
    ]
    assert fake.count("menu/create") == 1


async def test_a_menu_click_runs_its_command(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)

    replies = await bot.post(fw.event_xml(ZHANG, "click", EventKey="new"))

    assert replies and "来电" not in replies[0]
    assert (await only_record(db)).status == RecordStatus.DRAFT


async def test_a_callback_sent_three_times_is_handled_once_also_after_a_restart(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    opening = fw.message_xml(ZHANG, "text", msg_id=7_300_000_000_000_000_777, Content="/new")

    # WeCom sends again what it thinks unanswered; the three arrive while the first is in hand.
    answers = await asyncio.gather(*(fake.post_callback(bot.url, opening) for _ in range(3)))
    await bot.service.idle()
    assert answers == [(200, "")] * 3
    asked = len(fake.delivered)
    assert asked >= 1
    press = bot.press_xml(ZHANG, "in:received_at:v:ok")
    for _ in range(3):
        assert (await fake.post_callback(bot.url, press)) == (200, "")
    await bot.service.idle()
    assert len(fake.card_updates) == 1
    after_press = len(fake.delivered)

    await bot.restart()
    assert await bot.post(opening) == []
    assert await bot.post(press) == []

    assert len(fake.delivered) == after_press
    assert len(fake.card_updates) == 1
    async with db.transaction() as session:
        keys = (await session.execute(select(ProcessedUpdate.update_key))).scalars().all()
    assert sorted(keys) == sorted(["msg:7300000000000000777", f"card:{press_code(press)}"])
    assert (await only_record(db)).status == RecordStatus.DRAFT


def press_code(xml: str) -> str:
    return xml.split("<ResponseCode><![CDATA[")[1].split("]]>")[0]


async def test_a_forwarded_wechat_screenshot_becomes_a_submitted_record(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    screenshot = png_bytes(1)
    media_id = fake.add_media(screenshot, "IMG_0001.png", "image/png")

    opened = await bot.post(fw.message_xml(ZHANG, "image", PicUrl="http://x/1", MediaId=media_id))

    assert opened[0].startswith("已收到 1 个文件并作为证据保存")
    updated = await bot.choose(ZHANG, "in:received_at:v:ok")
    assert fake.card_updates[-1]["button"]["replace_name"] == "已选择：✔ 时间正确"
    assert updated
    review = await bot.follow(ZHANG, PHONE_INTAKE)
    assert any(text.startswith("请核对以下内容。") for text in review)
    submitted = await bot.choose(ZHANG, "in:review:submit")
    assert any(text.startswith("已提交，记录编号：过问〔2026〕1号。") for text in submitted)

    record = await only_record(db)
    assert record.status == RecordStatus.SUBMITTED
    assert record.inquirer_name == "李某"
    [item] = await evidence(db)
    assert item.transport == "wecom"
    assert item.transport_file_id == media_id
    assert item.blob is not None and item.blob.size == len(screenshot)
    # Every text fitted WeCom's 2,048 bytes; no card had more than 6 buttons.
    assert all(
        len(sent["text"]["content"].encode()) <= 2048
        for sent in fake.delivered
        if sent["msgtype"] == "text"
    )
    assert not fake.dropped


async def test_a_voice_message_is_kept_with_its_duration(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    voice = b"#!AMR\n" + AMR_FRAME * 150  # 3 seconds
    media_id = fake.add_media(voice, "voice.amr", "audio/amr")

    replies = await bot.post(fw.message_xml(ZHANG, "voice", MediaId=media_id, Format="amr"))

    assert replies[0].startswith("已收到 1 个文件并作为证据保存")
    [item] = await evidence(db)
    assert item.blob is not None
    assert item.blob.duration_ms == 3000
    assert item.blob.size == len(voice)
    assert item.declared_mime == "audio/amr"


async def test_a_file_over_the_cap_is_recorded_as_too_big_and_nothing_is_lost(
    fake: FakeWeCom, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    async with running_wecom(fake, db, clock, tmp_path, download_cap=4096) as bot:
        media_id = fake.add_media(b"%PDF-1.7 " + bytes(10_000), "卷宗.pdf", "application/pdf")

        replies = await bot.post(
            fw.message_xml(ZHANG, "file", MediaId=media_id, FileName="卷宗.pdf")
        )

    assert replies
    [item] = await evidence(db)
    assert item.blob_sha256 is None
    assert item.unavailable_reason == UnavailableReason.TOO_BIG_FOR_TRANSPORT
    assert item.original_name == "卷宗.pdf"


async def test_an_in_person_inquiry_is_cosigned_by_a_second_wecom_user(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    await add_wecom_person(db, clock, "孙丽", [Role.HANDLER], SUN)
    await bot.say(ZHANG, "/new")
    await bot.choose(ZHANG, "in:received_at:v:ok")
    steps = [
        ("press", "in:channel:v:in_person") if step == ("press", "in:channel:v:phone") else step
        for step in PHONE_INTAKE
    ]
    steps += [  # in person brings no materials: the place and who was present come last
        ("say", "县政府会议室"),
        ("press", "in:persons_present:v:无"),
        ("say", "孙丽"),
    ]
    await bot.follow(ZHANG, steps)
    await bot.choose(ZHANG, "in:review:submit")

    request = bot.card_with(SUN, "cs:1:ok")
    shown = "\n".join(
        [request["main_title"]["title"], request.get("sub_title_text", "")]
        + [str(sent["text"]["content"]) for sent in bot.received(SUN) if sent["msgtype"] == "text"]
    )
    assert "张伟 登记了一次当面过问" in shown
    confirmed = await bot.choose(SUN, "cs:1:ok")

    assert "孙丽 已确认记录 过问〔2026〕1号。" in confirmed
    assert "已确认记录 过问〔2026〕1号，谢谢。" in confirmed
    async with db.transaction() as session:
        record = await records_repo.get(session, 1)
        assert record is not None
        assert [c.status for c in record.cosigners] == [CosignStatus.CONFIRMED]


async def test_a_press_updates_the_card_and_a_second_press_is_refused_politely(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    await bot.say(ZHANG, "/new")
    card = bot.card_with(ZHANG, "in:received_at:v:ok")
    first = bot.press_xml(ZHANG, "in:received_at:v:ok", card)

    asked = await bot.post(first)
    # The same card pressed again (another device, before the update reached it): a new
    # ResponseCode, the same TaskId.
    again = first.replace(press_code(first), "second-press-code")
    refused = await bot.post(again)

    assert [update["task_id"] for update in fake.card_updates] == [card["task_id"]]
    assert fake.card_updates[0]["button"] == {"replace_name": "已选择：✔ 时间正确"}
    assert asked
    assert refused == ["这张卡片已经选择过了，请按最新一条消息操作。"]
    async with db.transaction() as session:
        keys = set((await session.execute(select(ProcessedUpdate.update_key))).scalars())
    assert "card:second-press-code" not in keys


async def test_a_typed_number_or_label_answers_a_numbered_list(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    await bot.say(ZHANG, "/new")
    await bot.choose(ZHANG, "in:received_at:v:ok")
    await bot.choose(ZHANG, "in:source:v:external")
    await bot.choose(ZHANG, "in:inquiry_at:v:same")
    choices = await bot.offered(ZHANG)
    assert len(choices) > 6  # more than a card holds: sent as "N. label" lines
    listed = [s for s in bot.received(ZHANG) if s["msgtype"] == "text"][-1]["text"]["content"]
    assert f"1. {choices[0][0]}" in listed.splitlines()

    by_number = await bot.choose(ZHANG, "in:channel:v:phone", by="number")
    assert by_number
    assert (await only_record(db)).channel == "phone"

    for step in PHONE_INTAKE[3:6]:
        await bot.follow(ZHANG, [step])
    by_label = await bot.choose(ZHANG, "in:unit_category:v:government", by="label")
    assert by_label
    assert (await only_record(db)).unit_category == "government"


async def test_thirty_one_messages_to_one_member_in_a_minute_all_arrive_in_order(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    texts = [f"提醒 {n}" for n in range(1, 32)]

    deliveries = await asyncio.gather(
        *(bot.app.deliver(Reply("wecom", ZHANG, OutgoingMessage(text))) for text in texts)
    )

    assert {d.status for d in deliveries} == {DeliveryStatus.SENT}
    assert fake.texts(ZHANG) == texts
    assert fake.dropped == []
    assert bot.sleep.pauses  # the 31st waited for the minute to pass


async def test_an_expired_token_mid_conversation_is_renewed_and_nothing_is_lost(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    await bot.say(ZHANG, "/new")
    fake.expire_tokens()

    replies = await bot.choose(ZHANG, "in:received_at:v:ok")

    assert replies and replies[0].startswith("这次过问来自")
    assert len(fake.tokens_issued) == 2
    assert len(fake.card_updates) == 1


async def test_a_member_outside_the_visible_range_is_a_failed_delivery(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    fake.invisible.add(ZHANG)

    sent = await bot.app.deliver(Reply("wecom", ZHANG, OutgoingMessage("明天到期")))

    assert sent.status is DeliveryStatus.FAILED
    assert "unreachable" in sent.detail
    assert fake.texts(ZHANG) == []


async def test_a_stranger_is_refused_and_nothing_of_theirs_is_stored(
    fake: FakeWeCom, bot: WeComHarness, db: Database
) -> None:
    before = await row_counts(db)
    media_id = fake.add_media(png_bytes(9), "x.png", "image/png")

    replies = await bot.post(fw.message_xml("stranger", "image", PicUrl="u", MediaId=media_id))

    assert replies == [
        "您好！本机器人仅供本院登记在册的工作人员使用，您的账号尚未绑定。"
        "如您是本院工作人员，请向信息技术部门索取邀请码，然后发送：/start 邀请码"
    ]
    assert fake.count("media/get") == 0
    after = await row_counts(db)
    changed = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert changed == {"audit_events": 1, "processed_updates": 1}
    [event] = await audit_events(db)
    assert event.kind == "access_denied"


async def test_an_invite_still_binds_over_wecom(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    person = await add_wecom_person(db, clock, "王芳", [Role.HANDLER])
    async with db.transaction() as session:
        issued = await staff_repo.issue_invite(
            session, person, at=clock.now(), valid_for=timedelta(hours=72), actor="t"
        )

    replies = await bot.say("wangfang", f"/start {issued.code}")

    assert replies[0].startswith("绑定成功！您好，王芳。")
    async with db.transaction() as session:
        bound = await staff_repo.identity(session, "wecom", "wangfang")
        assert bound is not None and bound.staff_id == person.id


async def test_settings_reach_the_service(fake: FakeWeCom, tmp_path: Path) -> None:
    settings = wecom_settings(fake, tmp_path)
    assert settings.wecom.api_base_url == fake.base_url


async def test_art9_is_one_vote_card_ticked_and_submitted_once(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    await bot.say(ZHANG, "/new")
    await bot.choose(ZHANG, "in:received_at:v:ok")
    at_art9 = PHONE_INTAKE.index(("press", "in:art9:v:无"))
    await bot.follow(ZHANG, PHONE_INTAKE[:at_art9])

    card = bot.card_with(ZHANG, "in:art9:set:")
    assert card["card_type"] == "vote_interaction"
    assert card["checkbox"]["mode"] == 1  # several may be ticked
    options = [option["id"] for option in card["checkbox"]["option_list"]]
    assert options == [*(str(n) for n in range(1, 15)), "无"]
    code = fake.press_code(card["task_id"])
    answered = await bot.post(fw.vote_xml(ZHANG, card["task_id"], "in:art9:set:", code, ["1", "4"]))
    again = await bot.post(
        fw.vote_xml(ZHANG, card["task_id"], "in:art9:set:", "another-code", ["2"])
    )

    assert answered
    assert (await only_record(db)).art9_items == [1, 4]
    [update] = [u for u in fake.card_updates if u["task_id"] == card["task_id"]]
    assert update["button"]["replace_name"].startswith("已选择：(1)")
    assert again == ["这张卡片已经选择过了，请按最新一条消息操作。"]
    assert (await only_record(db)).art9_items == [1, 4]


async def test_the_quarterly_report_arrives_as_files_under_their_real_names(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    await add_wecom_person(db, clock, "王编", [Role.COMPILER], "wangbian")

    replies = await bot.say("wangbian", "/report 2026Q1")  # the quarter the court began in

    uploads = [call for call in fake.calls if call.path == "media/upload"]
    assert uploads, replies
    names = [call.body["media"]["filename"] for call in uploads]
    assert any(name.endswith(".xlsx") for name in names), names
    assert all("." in name and name != "media" for name in names)
    sent = [s for s in bot.received("wangbian") if s["msgtype"] in {"file", "image"}]
    assert [fake.media[s[s["msgtype"]]["media_id"]].file_name for s in sent] == names


async def test_a_reminder_to_a_member_outside_the_visible_range_is_reported_as_failed(
    fake: FakeWeCom, bot: WeComHarness, db: Database, clock: FakeClock
) -> None:
    zhang = await add_wecom_person(db, clock, "张伟", [Role.HANDLER], ZHANG)
    qian = await add_wecom_person(db, clock, "钱进", [Role.INTEGRITY_OFFICER], "qianjin")
    await new_record(db, clock, zhang.id, received=clock.now())
    fake.invisible.add(ZHANG)  # 81013: outside the app's visible range

    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))

    [failed] = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert failed.status == "failed"
    assert "unreachable" in (failed.detail or "")
    [report] = await reminders(db, kind=ReminderKind.DELIVERY_FAILED.value)
    assert (report.recipient_staff_id, report.status) == (qian.id, "sent")
    assert any("张伟" in text for text in fake.texts("qianjin"))
    assert fake.texts(ZHANG) == []
