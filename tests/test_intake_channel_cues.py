"""The channel proposed for forwarded material is one the material shows, never a default.

A picture is a WeChat chat, an SMS, an e-mail or a photographed letter alike: its kind alone
proposes no channel; what is read in it (OCR), in a forwarded text or in the judge's caption
does (``handlers.ocr.channels_in``). A voice message or a recording is a WeChat voice or a
call: both named as likely, neither proposed. A document is a letter unless it reads as
something else. Cues that disagree propose nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Forward,
    amr_bytes,
    lab,
    open_court,
    png_bytes,
    says,
    settings_for,
)
from hypothesis import given
from hypothesis import strategies as st

from handlers import ocr
from handlers.fields import CHANNEL_READ, FIELDS, OPENED_BY, Opener, Step, proposal
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Channel

CUES: dict[Channel, tuple[tuple[str, ...], ...]] = {
    Channel.WECHAT: (("按住 说话",), ("张三 拍了拍 你",), ("对方撤回了一条消息",), ("微信",)),
    Channel.SMS: (("短信/彩信",), ("iMessage",), ("来自 10086 的短信",)),
    Channel.EMAIL: (("发件人：王建国", "收件人：张伟"), ("主题：案件", "抄送：李四")),
    Channel.LETTER: (
        ("温政函〔2026〕3号",),
        ("此致", "敬礼"),
        ("关于某案的公函",),
        ("人大办公室转来的函和一段语音",),
        ("县政协的来信",),
    ),
}
"""Lines that show each channel, as a screen or a paper shows them (an e-mail by two headers)."""
NEUTRAL = ("王建国", "温县住房和城乡建设局", "（2026）豫0825民初123号这个案子", "请关照一下原告")
"""Lines that show no channel."""
CHANNEL = next(field for field in FIELDS if field.step is Step.CHANNEL)


def _record(opener: Opener, lines: list[str]) -> Record:
    """A draft opened by ``opener`` whose material read as ``lines``, as the intake keeps it."""
    read = ocr.channels_in(lines)
    fields: dict[str, object] = {OPENED_BY: opener.value}
    if read:
        fields[CHANNEL_READ] = sorted(c.value for c in read)
    return Record(fields=fields)


@given(
    opener=st.sampled_from([o for o in Opener if o is not Opener.NEW]),
    shown=st.lists(st.sampled_from(list(CUES)), max_size=3, unique=True),
    picks=st.lists(st.integers(min_value=0, max_value=9), min_size=4, max_size=4),
    neutral=st.lists(st.sampled_from(NEUTRAL), max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_the_proposed_channel_is_one_the_material_shows(
    opener: Opener,
    shown: list[Channel],
    picks: list[int],
    neutral: list[str],
    order: object,
) -> None:
    lines = list(neutral)
    for n, channel in enumerate(shown):
        variants = CUES[channel]
        lines.extend(variants[picks[n] % len(variants)])
    order.shuffle(lines)  # type: ignore[attr-defined]
    raw = proposal(_record(opener, lines), CHANNEL)
    if len(shown) == 1:  # one channel shows: it is proposed, whatever the file's kind
        assert raw == shown[0].value
    elif shown:  # several disagree: the judge chooses
        assert raw is None
    elif opener is Opener.DOCUMENT:  # a document showing nothing else is a letter
        assert raw == Channel.LETTER.value
    else:  # a picture, a text, a voice, a recording showing nothing: no channel presumed
        assert raw is None


@pytest.fixture
async def court(db: Database, clock: FakeClock, tmp_path: Path) -> Court:
    return await open_court(DialogueBot(db, clock, settings_for(tmp_path, propose=True)))


KINDS = ("photo", "document", "voice", "text")
CAPTIONS: dict[str, Channel | None] = {
    "": None,
    "王局长发来的微信": Channel.WECHAT,
    "王局长的短信，让关照原告": Channel.SMS,
    "发件人：王建国 主题：关于原告": Channel.EMAIL,
    "县住建局的公函": Channel.LETTER,
    "人大办公室转来的函": Channel.LETTER,
    "先发短信又发微信": None,  # two channels: asked
}


def _forward(court: Court, kind: str, caption: str) -> Forward:
    bot = court.bot
    if kind == "photo":
        return Forward(
            bot.file(AttachmentKind.PHOTO, png_bytes(), mime="image/png"), caption=caption
        )
    if kind == "voice":
        voice = bot.file(AttachmentKind.VOICE, amr_bytes(), mime="audio/amr", duration_s=3)
        return Forward(voice, caption=caption)
    if kind == "document":
        data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        file = bot.file(AttachmentKind.DOCUMENT, data, name="材料.pdf", mime="application/pdf")
        return Forward(file, caption=caption)
    return Forward(caption=caption or "张法官，那个案子你多费心。", sender="王某", forwarded=True)


@pytest.mark.parametrize("caption", list(CAPTIONS))
@pytest.mark.parametrize("kind", KINDS)
async def test_the_first_card_proposes_only_the_channel_the_material_shows(
    court: Court, kind: str, caption: str
) -> None:
    """Every kind of forward, with words in it (a caption; a forwarded text's own) that show a
    channel, two channels, or none: the first card proposes the one shown, a document's
    letter when nothing else shows, and otherwise no channel at all."""
    replies = [m.text for m in await court.chat("张伟").act(_forward(court, kind, caption))]
    card = next((t for t in replies if says("intake.proposed.intro") in t), str(replies))
    wanted = CAPTIONS[caption]
    if wanted is None and kind == "document" and caption != "先发短信又发微信":
        wanted = Channel.LETTER
    lines = [line for line in card.split("\n") if line.startswith("过问方式：")]
    assert lines == ([f"过问方式：{lab(wanted)}"] if wanted is not None else []), card


async def test_a_letter_photo_and_a_voice_captioned_as_a_letter_propose_the_letter(
    court: Court,
) -> None:
    """Trial 9 finding 4: a voice message and a photographed letter forwarded together with
    "人大办公室转来的函和一段语音": the caption's 函 is read, so the letter is proposed, not
    the voice's WeChat or call."""
    bot = court.bot
    voice = bot.file(AttachmentKind.VOICE, amr_bytes(), mime="audio/amr", duration_s=3)
    photo = bot.file(AttachmentKind.PHOTO, png_bytes(), mime="image/png")
    replies = await court.chat("张伟").act(
        Forward(voice, photo, caption="人大办公室转来的函和一段语音")
    )
    card = next(m.text for m in replies if says("intake.proposed.intro") in m.text)
    assert f"过问方式：{lab(Channel.LETTER)}" in card.split("\n"), card
