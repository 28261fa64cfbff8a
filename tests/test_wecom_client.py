"""The WeCom API client and transport against the fake WeCom server: tokens, error codes,
pacing, files, cards, numbered lists and downloads. Time is a FakeClock moved by the client's
injected sleep, so nothing here waits a real minute."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import fake_wecom as fw
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.wecom import (
    WeComCallbackCrypto,
    WeComClient,
    WeComOptions,
    WeComTransport,
    amr_duration_ms,
    split_text,
    to_incoming,
)
from handlers.ports import (
    Attachment,
    AttachmentKind,
    Button,
    DeliveryStatus,
    FileUnavailable,
    Handled,
    OutgoingMessage,
)
from reminders.clock import FakeClock
from storage.evidence import UnavailableReason
from storage.vocabulary import Language

START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in China
AMR_HEADER = b"#!AMR\n"
AMR_FRAME = bytes([0x3C]) + bytes(31)  # mode 7 (12.2 kbit/s), quality bit set: 20 ms


def amr(seconds: int) -> bytes:
    """A valid AMR-NB file of ``seconds`` of silence (50 frames a second)."""
    return AMR_HEADER + AMR_FRAME * (50 * seconds)


@dataclass
class Kit:
    fake: fw.FakeWeCom
    client: WeComClient
    transport: WeComTransport
    clock: FakeClock
    sleep: fw.FakeSleep


async def make_kit(**options: object) -> Kit:
    clock = FakeClock(START)
    fake = fw.FakeWeCom(now=clock.now)
    await fake.start()
    sleep = fw.FakeSleep(clock)
    settings = WeComOptions(
        corp_id=fw.CORP_ID,
        agent_id=fw.AGENT_ID,
        secret=fw.SECRET,
        api_base_url=fake.base_url,
        timeout_s=0.5,
        **options,  # type: ignore[arg-type]
    )
    client = WeComClient(settings, clock, sleep)
    return Kit(fake, client, WeComTransport(client, Language.ZH), clock, sleep)


@pytest.fixture
async def kit() -> AsyncIterator[Kit]:
    made = await make_kit()
    yield made
    await made.client.aclose()
    await made.fake.stop()


def text(body: str) -> OutgoingMessage:
    return OutgoingMessage(body)


# --------------------------------------------------------------------------- text


async def test_a_text_is_delivered_as_written(kit: Kit) -> None:
    delivery = await kit.transport.send("zhangwei", text("记录 <b>第1号</b> & 附件"))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.texts("zhangwei") == ["记录 <b>第1号</b> & 附件"]
    assert kit.fake.delivered[0]["agentid"] == fw.AGENT_ID


async def test_a_long_reply_is_split_at_line_breaks_within_2048_bytes(kit: Kit) -> None:
    lines = [f"第{n}行：" + "过问" * 40 for n in range(60)]
    delivery = await kit.transport.send("zhangwei", text("\n".join(lines)))
    assert delivery.status is DeliveryStatus.SENT
    received = kit.fake.texts("zhangwei")
    assert len(received) > 1
    assert all(len(piece.encode("utf-8")) <= 2048 for piece in received)
    assert [line for piece in received for line in piece.split("\n")] == lines


async def test_a_base_url_without_the_final_slash_works(kit: Kit) -> None:
    made = await make_kit()
    try:
        options = WeComOptions(
            corp_id=fw.CORP_ID,
            agent_id=fw.AGENT_ID,
            secret=fw.SECRET,
            api_base_url=made.fake.base_url.rstrip("/"),
        )
        client = WeComClient(options, made.clock, made.sleep)
        assert (await client.send_text("u1", "hi")).status is DeliveryStatus.SENT
        await client.aclose()
        assert made.fake.texts("u1") == ["hi"]
    finally:
        await made.client.aclose()
        await made.fake.stop()


# --------------------------------------------------------------------------- error codes


@pytest.mark.parametrize("errcode", [40014, 42001])
async def test_an_expired_token_is_renewed_and_the_message_sent_once(
    kit: Kit, errcode: int
) -> None:
    await kit.transport.send("zhangwei", text("first"))
    kit.fake.inject("message/send", errcode)
    delivery = await kit.transport.send("zhangwei", text("second"))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.texts("zhangwei") == ["first", "second"]
    assert kit.fake.count("gettoken") == 2


async def test_a_token_refused_again_after_renewal_is_a_retry_not_a_failure(kit: Kit) -> None:
    kit.fake.inject("message/send", 42001, times=2)
    delivery = await kit.transport.send("zhangwei", text("hello"))
    assert delivery.status is DeliveryStatus.RETRY
    assert kit.fake.count("gettoken") == 2
    assert kit.fake.texts("zhangwei") == []


@pytest.mark.parametrize("errcode", [45009, 45033])
async def test_a_rate_limit_is_waited_out(kit: Kit, errcode: int) -> None:
    kit.fake.inject("message/send", errcode, times=2)
    delivery = await kit.transport.send("zhangwei", text("hello"))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.texts("zhangwei") == ["hello"]
    assert kit.sleep.pauses == [2.0, 4.0]


async def test_a_rate_limit_that_does_not_lift_is_a_retry(kit: Kit) -> None:
    kit.fake.inject("message/send", 45009, times=10)
    delivery = await kit.transport.send("zhangwei", text("hello"))
    assert delivery.status is DeliveryStatus.RETRY
    assert "45009" in delivery.detail
    assert kit.fake.texts("zhangwei") == []


async def test_a_member_who_does_not_exist_is_a_failed_delivery(kit: Kit) -> None:
    kit.fake.missing.add("nobody")
    delivery = await kit.transport.send("nobody", text("hello"))
    assert delivery.status is DeliveryStatus.FAILED
    assert "60111" in delivery.detail
    assert kit.fake.count("message/send") == 1


async def test_a_member_outside_the_visible_range_is_a_failed_delivery(kit: Kit) -> None:
    kit.fake.invisible.add("lisi")
    for message in (
        text("hello"),
        OutgoingMessage("是否当面过问？", buttons=((Button("是", "y"), Button("否", "n")),)),
    ):
        delivery = await kit.transport.send("lisi", message)
        assert delivery.status is DeliveryStatus.FAILED
        assert "81013" in delivery.detail
    assert kit.fake.delivered == []


async def test_server_errors_are_retried_then_given_up_as_retry(kit: Kit) -> None:
    kit.fake.inject_status("message/send", 502, times=2)
    assert (await kit.transport.send("u1", text("one"))).status is DeliveryStatus.SENT
    kit.fake.inject_status("message/send", 503, times=4)
    delivery = await kit.transport.send("u1", text("two"))
    assert delivery.status is DeliveryStatus.RETRY
    assert kit.fake.texts("u1") == ["one"]
    assert kit.sleep.pauses == [1.0, 2.0, 1.0, 2.0, 4.0]


async def test_a_busy_answer_is_retried(kit: Kit) -> None:
    kit.fake.inject("message/send", -1)
    assert (await kit.transport.send("u1", text("one"))).status is DeliveryStatus.SENT
    assert kit.fake.texts("u1") == ["one"]


async def test_a_timeout_is_retried(kit: Kit) -> None:
    kit.fake.hang("message/send")
    delivery = await kit.transport.send("u1", text("one"))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.texts("u1") == ["one"]
    assert kit.fake.count("message/send") == 2


async def test_a_wrong_secret_is_a_retry_and_sends_nothing() -> None:
    made = await make_kit()
    try:
        made.fake.secret = "rotated"
        delivery = await made.transport.send("u1", text("one"))
        assert delivery.status is DeliveryStatus.RETRY
        assert made.fake.count("message/send") == 0
    finally:
        await made.client.aclose()
        await made.fake.stop()


# --------------------------------------------------------------------------- tokens


async def test_tokens_expiring_mid_run_are_renewed_once_for_twenty_concurrent_sends(
    kit: Kit,
) -> None:
    await kit.transport.send("u0", text("before"))
    kit.fake.expire_tokens()
    deliveries = await asyncio.gather(
        *(kit.transport.send(f"u{n}", text(f"to {n}")) for n in range(1, 21))
    )
    assert [d.status for d in deliveries] == [DeliveryStatus.SENT] * 20
    assert kit.fake.count("gettoken") == 2
    assert sorted(kit.fake.texts(f"u{n}")[0] for n in range(1, 21)) == sorted(
        f"to {n}" for n in range(1, 21)
    )


async def test_the_first_twenty_concurrent_sends_fetch_one_token(kit: Kit) -> None:
    await asyncio.gather(*(kit.transport.send(f"u{n}", text("hi")) for n in range(20)))
    assert kit.fake.count("gettoken") == 1


async def test_a_token_is_renewed_before_it_expires(kit: Kit) -> None:
    await kit.transport.send("u1", text("one"))
    kit.clock.advance(timedelta(seconds=7200 - 60))  # still valid for WeCom, not for us
    await kit.transport.send("u1", text("two"))
    assert kit.fake.count("gettoken") == 2
    assert kit.fake.count("message/send") == 2  # no call was refused and repeated
    assert kit.fake.texts("u1") == ["one", "two"]


# --------------------------------------------------------------------------- pacing


async def test_31_messages_to_one_member_in_a_minute_all_arrive_in_order(kit: Kit) -> None:
    sent = [f"消息 {n}" for n in range(31)]
    deliveries = await asyncio.gather(*(kit.transport.send("u1", text(m)) for m in sent))
    assert [d.status for d in deliveries] == [DeliveryStatus.SENT] * 31
    assert kit.fake.texts("u1") == sent
    assert kit.fake.dropped == []
    assert kit.clock.now() >= START + timedelta(minutes=1)


async def test_without_pacing_the_fake_drops_the_31st_like_wecom() -> None:
    made = await make_kit(per_member_per_minute=1000)
    try:
        for n in range(31):
            await made.transport.send("u1", text(f"{n}"))
        assert len(made.fake.texts("u1")) == 30
        assert [d["text"]["content"] for d in made.fake.dropped] == ["30"]
    finally:
        await made.client.aclose()
        await made.fake.stop()


async def test_other_members_do_not_wait_for_a_busy_one(kit: Kit) -> None:
    for n in range(30):
        await kit.transport.send("u1", text(f"{n}"))
    await kit.transport.send("u2", text("other"))
    assert kit.clock.now() == START
    assert kit.fake.texts("u2") == ["other"]


async def test_over_the_daily_cap_messages_wait_for_the_next_day_in_china() -> None:
    made = await make_kit(daily_cap=3)
    try:
        for n in range(4):
            delivery = await made.transport.send(f"u{n}", text(f"{n}"))
            assert delivery.status is DeliveryStatus.SENT
        midnight_in_china = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
        assert made.clock.now() >= midnight_in_china
        assert [d["text"]["content"] for d in made.fake.delivered] == ["0", "1", "2", "3"]
    finally:
        await made.client.aclose()
        await made.fake.stop()


# --------------------------------------------------------------------------- files


async def test_a_report_keeps_its_file_name_and_extension(kit: Kit, tmp_path: Path) -> None:
    report = tmp_path / "2026年第一季度过问记录.xlsx"
    report.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    delivery = await kit.transport.send("u1", OutgoingMessage("季度报告如下。", document=report))
    assert delivery.status is DeliveryStatus.SENT
    upload = next(call for call in kit.fake.calls if call.path == "media/upload")
    assert upload.query["type"] == "file"
    assert list(upload.body) == ["media"]
    assert upload.body["media"]["filename"] == "2026年第一季度过问记录.xlsx"
    assert upload.body["media"]["data"] == report.read_bytes()
    assert kit.fake.texts("u1") == ["季度报告如下。"]
    sent_file = kit.fake.delivered[-1]
    assert sent_file["msgtype"] == "file"
    assert kit.fake.media[sent_file["file"]["media_id"]].file_name == report.name


async def test_a_photo_goes_as_an_image(kit: Kit, tmp_path: Path) -> None:
    photo = tmp_path / "chart.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    delivery = await kit.transport.send("u1", OutgoingMessage("", photo=photo))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.delivered[-1]["msgtype"] == "image"
    assert kit.fake.texts("u1") == []


async def test_a_missing_file_is_a_failed_delivery(kit: Kit, tmp_path: Path) -> None:
    delivery = await kit.transport.send("u1", OutgoingMessage("", document=tmp_path / "gone"))
    assert delivery.status is DeliveryStatus.FAILED
    assert kit.fake.count("media/upload") == 0


# --------------------------------------------------------------------------- buttons


def press_xml(user: str, key: str, task_id: str, code: str) -> str:
    return fw.event_xml(
        user,
        "template_card_event",
        EventKey=key,
        TaskId=task_id,
        CardType="button_interaction",
        ResponseCode=code,
    )


async def test_a_card_is_sent_and_after_the_press_shows_the_choice(kit: Kit) -> None:
    question = OutgoingMessage(
        "是否当面过问？", buttons=((Button("是", "in_person:yes"), Button("否", "in_person:no")),)
    )
    delivery = await kit.transport.send("zhangwei", question)
    assert delivery.status is DeliveryStatus.SENT
    card = kit.fake.delivered[-1]["template_card"]
    assert card["card_type"] == "button_interaction"
    assert card["main_title"]["title"] == "是否当面过问？"
    assert [(b["text"], b["key"]) for b in card["button_list"]] == [
        ("是", "in_person:yes"),
        ("否", "in_person:no"),
    ]
    assert delivery.message_id == card["task_id"]

    code = kit.fake.press_code(card["task_id"])
    press = to_incoming(press_xml("zhangwei", "in_person:no", card["task_id"], code), START)
    assert press is not None and press.callback == "in_person:no"
    await kit.transport.settle_press(press, Handled(accepted=True, language=Language.ZH))
    assert kit.fake.card_updates == [
        {
            "userids": ["zhangwei"],
            "agentid": fw.AGENT_ID,
            "response_code": code,
            "button": {"replace_name": "已选择：否"},
            "task_id": card["task_id"],
        }
    ]
    # WeCom re-sends the same press: the code served once, the failure is only logged.
    await kit.transport.settle_press(press, Handled(accepted=True, language=Language.ZH))
    assert len(kit.fake.card_updates) == 1


async def test_a_press_the_engine_did_not_accept_leaves_the_card(kit: Kit) -> None:
    question = OutgoingMessage("继续？", buttons=((Button("是", "go:yes"),),))
    await kit.transport.send("stranger", question)
    card = kit.fake.delivered[-1]["template_card"]
    code = kit.fake.press_code(card["task_id"])
    press = to_incoming(press_xml("stranger", "go:yes", card["task_id"], code), START)
    assert press is not None
    await kit.transport.settle_press(press, Handled(accepted=False))
    assert kit.fake.card_updates == []


async def test_a_card_after_a_restart_shows_a_plain_chosen(kit: Kit) -> None:
    await kit.transport.send("u1", OutgoingMessage("继续？", buttons=((Button("是", "go"),),)))
    card = kit.fake.delivered[-1]["template_card"]
    restarted = WeComTransport(kit.client, Language.EN)
    code = kit.fake.press_code(card["task_id"])
    press = to_incoming(press_xml("u1", "go", card["task_id"], code), START)
    assert press is not None
    await restarted.settle_press(press, Handled(accepted=True, language=Language.EN))
    assert kit.fake.card_updates[0]["button"]["replace_name"] == "Chosen"


async def test_a_long_question_goes_as_text_then_a_card_titled_with_the_question(
    kit: Kit,
) -> None:
    body = "\n".join(["记录摘要：" + "内容" * 100, "是否确认提交？"])
    buttons = ((Button("确认", "submit:yes"), Button("取消", "submit:no")),)
    delivery = await kit.transport.send("u1", OutgoingMessage(body, buttons=buttons))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.texts("u1") == [body]
    assert kit.fake.delivered[-1]["template_card"]["main_title"]["title"] == "是否确认提交？"


async def test_more_buttons_than_a_card_holds_become_a_numbered_list(kit: Kit) -> None:
    options = [Button(f"部门{n}", f"dept:{n}") for n in range(1, 9)]
    rows = tuple((button,) for button in options)
    delivery = await kit.transport.send("u1", OutgoingMessage("请选择承办部门：", buttons=rows))
    assert delivery.status is DeliveryStatus.SENT
    assert kit.fake.texts("u1") == [
        "\n".join(
            ["请选择承办部门："]
            + [f"{n}. 部门{n}" for n in range(1, 9)]
            + ["请回复选项前的编号（或选项文字）。"]
        )
    ]
    typed = to_incoming(fw.message_xml("u1", "text", Content="3"), START)
    assert typed is not None
    resolved = kit.transport.resolve(typed)
    assert (resolved.callback, resolved.text) == ("dept:3", "")
    assert kit.transport.resolve(typed) == typed  # the list is answered


async def test_a_number_typed_back_in_a_callback_arrives_as_the_press(kit: Kit) -> None:
    transport = WeComTransport(
        kit.client, Language.ZH, WeComCallbackCrypto(fw.TOKEN, fw.ENCODING_AES_KEY, fw.CORP_ID)
    )
    rows = tuple((Button(f"选项{n}", f"opt:{n}"),) for n in range(1, 8))
    await transport.send("u1", OutgoingMessage("请选择：", buttons=rows))
    signed = fw.sign_callback(fw.message_xml("u1", "text", msg_id=42, Content=" 2 "))
    received = transport.receive(signed.params, signed.body.encode(), START)
    assert received is not None
    assert (received.callback, received.text, received.update_key) == ("opt:2", "", "msg:42")


async def test_a_label_typed_back_counts_as_the_press(kit: Kit) -> None:
    rows = tuple((Button(f"选项{n}", f"opt:{n}"),) for n in range(1, 8))
    await kit.transport.send("u1", OutgoingMessage("请选择：", buttons=rows))
    for typed_text, expected in (("99", None), ("选项5", "opt:5")):
        typed = to_incoming(fw.message_xml("u1", "text", Content=typed_text), START)
        assert typed is not None
        assert kit.transport.resolve(typed).callback == expected


# --------------------------------------------------------------------------- downloads


async def test_a_voice_message_is_downloaded_whole(kit: Kit) -> None:
    recording = amr(3)
    media_id = kit.fake.add_media(recording, "voice.amr", "audio/amr")
    message = to_incoming(fw.message_xml("u1", "voice", MediaId=media_id, Format="amr"), START)
    assert message is not None
    chunks = [chunk async for chunk in kit.transport.download(message.attachments[0])]
    assert b"".join(chunks) == recording
    assert amr_duration_ms(b"".join(chunks)) == 3000


@pytest.mark.parametrize(
    ("name", "content_type"), [("回执.json", "application/json"), ("说明.txt", "text/plain")]
)
async def test_a_json_or_text_file_is_not_taken_for_an_error(
    kit: Kit, name: str, content_type: str
) -> None:
    evidence = b'{"errcode": 40007, "errmsg": "this is what the person sent"}'
    media_id = kit.fake.add_media(evidence, name, content_type)
    attachment = Attachment(AttachmentKind.DOCUMENT, media_id, name)
    assert b"".join([c async for c in kit.transport.download(attachment)]) == evidence


async def test_a_download_after_the_token_expired_renews_it(kit: Kit) -> None:
    media_id = kit.fake.add_media(b"photo-bytes", "a.jpg", "image/jpeg")
    await kit.client.access_token()
    kit.fake.expire_tokens()
    attachment = Attachment(AttachmentKind.PHOTO, media_id)
    assert b"".join([c async for c in kit.transport.download(attachment)]) == b"photo-bytes"
    assert kit.fake.count("gettoken") == 2


async def test_a_download_over_the_cap_is_refused() -> None:
    made = await make_kit(download_cap=1000)
    try:
        media_id = made.fake.add_media(b"x" * 5000, "big.mp4", "video/mp4")
        with pytest.raises(FileUnavailable) as caught:
            async for _ in made.transport.download(Attachment(AttachmentKind.VIDEO, media_id)):
                pass
        assert caught.value.reason is UnavailableReason.TOO_BIG_FOR_TRANSPORT
    finally:
        await made.client.aclose()
        await made.fake.stop()


async def test_an_unknown_or_expired_media_id_is_a_failed_download(kit: Kit) -> None:
    with pytest.raises(FileUnavailable) as caught:
        async for _ in kit.transport.download(Attachment(AttachmentKind.PHOTO, "expired")):
            pass
    assert caught.value.reason is UnavailableReason.DOWNLOAD_FAILED
    assert "40007" in caught.value.detail


async def test_a_download_through_server_errors_fails_after_the_retries(kit: Kit) -> None:
    media_id = kit.fake.add_media(b"abcdef", "a.jpg", "image/jpeg")
    kit.fake.inject_status("media/get", 502, times=2)
    attachment = Attachment(AttachmentKind.PHOTO, media_id)
    assert b"".join([c async for c in kit.transport.download(attachment)]) == b"abcdef"
    kit.fake.inject_status("media/get", 500, times=4)
    with pytest.raises(FileUnavailable) as caught:
        async for _ in kit.transport.download(attachment):
            pass
    assert caught.value.reason is UnavailableReason.DOWNLOAD_FAILED


async def test_a_download_cut_off_midway_fails_without_repeating_bytes(kit: Kit) -> None:
    media_id = kit.fake.add_media(amr(2), "voice.amr", "audio/amr")
    kit.fake.cut()
    received = bytearray()
    with pytest.raises(FileUnavailable) as caught:
        async for chunk in kit.transport.download(Attachment(AttachmentKind.VOICE, media_id)):
            received += chunk
    assert caught.value.reason is UnavailableReason.DOWNLOAD_FAILED
    assert bytes(received) == amr(2)[: len(received)]
    assert kit.fake.count("media/get") == 1


# --------------------------------------------------------------------------- menu


async def test_the_menu_offers_the_commands(kit: Kit) -> None:
    items = [("新建记录", "new"), ("我的记录", "mine"), ("季度报告", "report")]
    await kit.client.create_menu(items)
    assert kit.fake.menus == [
        {
            "button": [
                {"type": "click", "name": "新建记录", "key": "new"},
                {"type": "click", "name": "我的记录", "key": "mine"},
                {"type": "click", "name": "季度报告", "key": "report"},
            ]
        }
    ]
    click = to_incoming(fw.event_xml("u1", "click", EventKey="mine"), START)
    assert click is not None and click.text == "/mine"


# --------------------------------------------------------------------------- splitting


@settings(max_examples=300, deadline=None)
@given(
    body=st.text(alphabet=st.sampled_from("ab 过问\n😀"), max_size=200),
    limit=st.integers(min_value=4, max_value=40),
)
def test_split_text_keeps_every_character_within_the_byte_limit(body: str, limit: int) -> None:
    pieces = split_text(body, limit)
    assert all(len(piece.encode("utf-8")) <= limit and piece.strip() for piece in pieces)
    assert "".join("".join(p.split()) for p in pieces) == "".join(body.split())
    if all(len(line.encode("utf-8")) <= limit for line in body.split("\n")):
        # every cut falls on a line break: the pieces are the text's lines, regrouped
        kept = [line for piece in pieces for line in piece.split("\n")]
        assert [line for line in kept if line.strip()] == [
            line for line in body.split("\n") if line.strip()
        ]
    if body.strip() and len(body.encode("utf-8")) <= limit:
        assert pieces == [body]


# --------------------------------------------------------------------------- voice length


def test_the_length_of_a_voice_is_read_from_its_frames() -> None:
    assert amr_duration_ms(amr(3)) == 3000
    assert amr_duration_ms(AMR_HEADER) == 0
    mixed = AMR_HEADER + bytes([0x04]) + bytes(12) + bytes([0x44]) + bytes(5) + bytes([0x7C])
    assert amr_duration_ms(mixed) == 60  # a 4.75 kbit/s frame, a SID frame, a NO_DATA frame
    wideband = b"#!AMR-WB\n" + (bytes([0x44]) + bytes(60)) * 10  # mode 8, 23.85 kbit/s
    assert amr_duration_ms(wideband) == 200


@pytest.mark.parametrize(
    "damaged",
    [b"", b"RIFF....WAVE", amr(1)[:-3], AMR_HEADER + bytes([0x5C]) + bytes(40)],
)
def test_a_damaged_or_foreign_voice_has_no_length(damaged: bytes) -> None:
    assert amr_duration_ms(damaged) is None
