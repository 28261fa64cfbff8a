"""WeCom callbacks: URL verification, signature and decryption (wechatpy's crypto checked
against the algorithm written in tests/fake_wecom.py), and what each callback becomes.

The HTTP route here is a stand-in for the bot's callback route (a bad signature gets 403, a
malformed callback 400, a good one an empty 200), so the fake server's real HTTP requests
go through the transport's crypto end to end.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import fake_wecom as fw
import pytest
from aiohttp import ClientSession, web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.wecom import (
    BadCallback,
    BadSignature,
    WeComCallbackCrypto,
    WeComClient,
    WeComOptions,
    WeComTransport,
    to_incoming,
)
from handlers.ports import AttachmentKind, IncomingMessage
from reminders.clock import FakeClock

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def crypto() -> WeComCallbackCrypto:
    return WeComCallbackCrypto(fw.TOKEN, fw.ENCODING_AES_KEY, fw.CORP_ID)


class CallbackRoute:
    """A minimal callback route over ``WeComTransport.verify_url`` and ``receive``."""

    def __init__(self, transport: WeComTransport) -> None:
        self.transport = transport
        self.crypto = crypto()
        self.received: list[IncomingMessage] = []
        self.refused: list[int] = []

    def refuse(self, error: BadCallback) -> web.Response:
        status = 403 if isinstance(error, BadSignature) else 400
        self.refused.append(status)
        return web.Response(status=status)

    async def get(self, request: web.Request) -> web.Response:
        try:
            return web.Response(text=self.transport.verify_url(request.query))
        except BadCallback as error:
            return self.refuse(error)

    async def post(self, request: web.Request) -> web.Response:
        try:
            message = self.transport.receive(request.query, await request.read(), NOW)
        except BadCallback as error:
            return self.refuse(error)
        if message is not None:
            self.received.append(message)
        return web.Response(text="")


@pytest.fixture
async def fake() -> AsyncIterator[fw.FakeWeCom]:
    server = fw.FakeWeCom(now=FakeClock(NOW).now)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def route(unused_tcp_port: int) -> AsyncIterator[tuple[CallbackRoute, str]]:
    options = WeComOptions(fw.CORP_ID, fw.AGENT_ID, fw.SECRET, "http://127.0.0.1:9/cgi-bin/")
    client = WeComClient(options, FakeClock(NOW))
    handler = CallbackRoute(WeComTransport(client, crypto=crypto()))
    app = web.Application()
    app.router.add_get("/wecom/callback", handler.get)
    app.router.add_post("/wecom/callback", handler.post)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    yield handler, f"http://127.0.0.1:{unused_tcp_port}/wecom/callback"
    await runner.cleanup()
    await client.aclose()


# --------------------------------------------------------------------------- over HTTP


async def test_url_verification_answers_exactly_the_plaintext(
    fake: fw.FakeWeCom, route: tuple[CallbackRoute, str]
) -> None:
    _, url = route
    status, body = await fake.verify_url(url, "5927782489442352469")
    assert (status, body) == (200, "5927782489442352469")


async def test_url_verification_with_a_wrong_signature_is_refused(
    fake: fw.FakeWeCom, route: tuple[CallbackRoute, str]
) -> None:
    handler, url = route
    status, body = await fake.verify_url(url, "5927782489442352469", tamper=True)
    assert status == 403
    assert "5927782489442352469" not in body
    assert handler.refused == [403]


async def test_url_verification_without_echostr_is_a_bad_request(
    route: tuple[CallbackRoute, str],
) -> None:
    handler, url = route
    async with ClientSession() as session, session.get(url, params={"nonce": "n"}) as response:
        assert response.status == 400
    assert handler.refused == [400]


async def test_a_callback_with_a_bad_signature_is_refused_and_not_handled(
    fake: fw.FakeWeCom, route: tuple[CallbackRoute, str]
) -> None:
    handler, url = route
    xml = fw.message_xml("zhangwei", "text", Content="hi")
    status, _ = await fake.post_callback(url, xml, tamper=True)
    assert status == 403
    assert handler.received == []


async def test_a_text_message_is_decrypted_and_mapped(
    fake: fw.FakeWeCom, route: tuple[CallbackRoute, str]
) -> None:
    handler, url = route
    xml = fw.message_xml("ZhangWei", "text", msg_id=1234567890123456789, Content="新建记录 <b>&")
    status, body = await fake.post_callback(url, xml)
    assert (status, body) == (200, "")
    assert handler.received == [
        IncomingMessage(
            transport="wecom",
            chat_id="ZhangWei",
            user_id="ZhangWei",
            received_at=NOW,
            text="新建记录 <b>&",
            message_id="1234567890123456789",
            update_key="msg:1234567890123456789",
        )
    ]


async def test_a_callback_for_another_corp_is_refused(route: tuple[CallbackRoute, str]) -> None:
    handler, _ = route
    encrypted = fw.encrypt(fw.message_xml("zhangwei", "text", Content="hi"), corp_id="wwother")
    with pytest.raises(BadCallback) as caught:
        handler.crypto.decrypt(
            fw.envelope(encrypted), fw.signature(fw.TOKEN, "1", "n", encrypted), "1", "n"
        )
    assert not isinstance(caught.value, BadSignature)


@pytest.mark.parametrize("body", ["", "<xml>", "<xml><Nothing/></xml>", "not xml at all"])
def test_a_malformed_envelope_is_a_bad_callback(body: str) -> None:
    with pytest.raises(BadCallback):
        crypto().decrypt(body, "0" * 40, "1", "n")


# --------------------------------------------------------------------------- the two crypto


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=300),
    random16=st.binary(min_size=16, max_size=16),
    timestamp=st.integers(min_value=0, max_value=2**32).map(str),
    nonce=st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=16),
)
def test_the_library_decrypts_what_the_specification_encrypts(
    text: str, random16: bytes, timestamp: str, nonce: str
) -> None:
    xml = fw.message_xml("u1", "text", Content=text)
    encrypted = fw.encrypt(xml, random16=random16)
    sign = fw.signature(fw.TOKEN, timestamp, nonce, encrypted)
    assert crypto().decrypt(fw.envelope(encrypted), sign, timestamp, nonce) == xml
    assert crypto().verify_url(sign, timestamp, nonce, encrypted) == xml
    with pytest.raises(BadSignature):
        crypto().decrypt(fw.envelope(encrypted), sign[::-1], timestamp, nonce)


def test_a_ciphertext_is_whole_32_byte_blocks() -> None:
    for size in range(0, 70):
        encrypted = fw.encrypt("x" * size)
        assert len(fw.base64.b64decode(encrypted)) % 32 == 0
        assert fw.decrypt(encrypted) == ("x" * size, fw.CORP_ID)


# --------------------------------------------------------------------------- what arrives


def test_media_messages_become_attachments_with_the_media_id() -> None:
    image = to_incoming(fw.message_xml("u1", "image", PicUrl="http://p", MediaId="M-img"), NOW)
    voice = to_incoming(fw.message_xml("u1", "voice", MediaId="M-voice", Format="amr"), NOW)
    video = to_incoming(fw.message_xml("u1", "video", MediaId="M-vid", ThumbMediaId="T"), NOW)
    document = to_incoming(
        fw.message_xml("u1", "file", MediaId="M-file", FileName="判决书.pdf"), NOW
    )
    assert image is not None and voice is not None and video is not None
    assert document is not None
    assert [(a.kind, a.file_id) for a in image.attachments] == [(AttachmentKind.PHOTO, "M-img")]
    assert [(a.kind, a.file_id, a.mime_type) for a in voice.attachments] == [
        (AttachmentKind.VOICE, "M-voice", "audio/amr")
    ]
    assert [(a.kind, a.file_id) for a in video.attachments] == [(AttachmentKind.VIDEO, "M-vid")]
    assert [(a.kind, a.file_id, a.file_name, a.mime_type) for a in document.attachments] == [
        (AttachmentKind.DOCUMENT, "M-file", "判决书.pdf", "application/pdf")
    ]
    assert all(
        m.update_key == f"msg:{m.message_id}" and m.chat_id == "u1"
        for m in (image, voice, video, document)
    )


def test_a_location_arrives_as_text() -> None:
    message = to_incoming(
        fw.message_xml(
            "u1", "location", Location_X="39.9", Location_Y="116.4", Scale="15", Label="北京市"
        ),
        NOW,
    )
    assert message is not None
    assert message.text == "北京市 (39.9, 116.4)"


def test_entering_the_app_and_the_menu_become_commands() -> None:
    enter = to_incoming(fw.event_xml("u1", "enter_agent", EventKey=""), NOW)
    click = to_incoming(fw.event_xml("u1", "click", EventKey="new"), NOW)
    assert enter is not None and click is not None
    assert (enter.text, click.text) == ("/start", "/new")
    assert enter.update_key != click.update_key


def test_a_card_press_carries_the_button_key_and_is_keyed_by_its_response_code() -> None:
    first = to_incoming(
        fw.event_xml(
            "u1",
            "template_card_event",
            EventKey="ans:yes",
            TaskId="gw-1",
            CardType="button_interaction",
            ResponseCode="RC-1",
        ),
        NOW,
    )
    second = to_incoming(
        fw.event_xml(
            "u1",
            "template_card_event",
            EventKey="ans:yes",
            TaskId="gw-2",
            CardType="button_interaction",
            ResponseCode="RC-2",
        ),
        NOW,
    )
    assert first is not None and second is not None
    assert (first.callback, first.callback_message_id, first.update_key) == (
        "ans:yes",
        "gw-1",
        "card:RC-1",
    )
    assert second.update_key == "card:RC-2"  # same EventKey, another card: not a repeat


@pytest.mark.parametrize(
    "xml",
    [
        "<xml><MsgType>text</MsgType><Content>hi",
        "<xml><FromUserName>u1</FromUserName></xml>",
        fw.event_xml("u1", "some_future_event"),
        fw.event_xml("u1", "click", EventKey="not a command!"),
        fw.message_xml("u1", "miniprogrampage", Title="x"),
        "",
    ],
)
def test_what_cannot_be_read_is_skipped_and_logged(
    xml: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.transports.wecom"):
        assert to_incoming(xml, NOW) is None
    if xml:
        assert any("skipped" in record.getMessage() for record in caplog.records)
