"""Replies fitted to what each transport can take (``Capabilities``): long texts cut to the
transport's limit by the app, not by each transport; files named instead of sent where none
can be uploaded; buttons kept on the last piece."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeBot, FakeTransport, add_person
from hypothesis import given
from hypothesis import strategies as st

from bot.app import fit
from bot.transports.text import utf16_units
from handlers.i18n import t
from handlers.ports import Button, Capabilities, DeliveryStatus, OutgoingMessage, Reply
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Role

BUTTONS = ((Button("确认", "cs:1:ok"), Button("有异议", "cs:1:no")),)


def transport(bot: FakeBot, **can: object) -> FakeTransport:
    """Give ``bot`` a fake transport with the capabilities ``can`` (the rest as default)."""
    bot.transport = FakeTransport(capabilities=Capabilities(**can))  # type: ignore[arg-type]
    bot.app.add_transport(bot.transport)
    return bot.transport


@pytest.fixture
def bot(db: Database, clock: FakeClock) -> FakeBot:
    return FakeBot(db, clock)


@pytest.mark.parametrize("limit", [20, 100, 4096])
async def test_a_long_reply_is_cut_to_the_transports_limit_with_buttons_on_the_last(
    bot: FakeBot, limit: int
) -> None:
    fake = transport(bot, text_limit=limit)
    text = "\n".join(f"第{n}行：王局长来电询问" for n in range(60))

    delivery = await bot.app.deliver(Reply("fake", "u1", OutgoingMessage(text, BUTTONS)))

    sent = fake.to("u1")
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.message_id == str(len(fake.sent))
    assert all(utf16_units(message.text) <= limit for message in sent)
    assert "\n".join(message.text for message in sent) == text
    assert [message.buttons for message in sent] == [()] * (len(sent) - 1) + [BUTTONS]
    assert (len(sent) > 1) is (utf16_units(text) > limit)


async def test_the_same_reply_goes_whole_where_the_limit_allows(bot: FakeBot) -> None:
    fake = transport(bot, text_limit=1_000_000)
    text = "说明\n" * 3000
    await bot.app.deliver(Reply("fake", "u1", OutgoingMessage(text, BUTTONS)))
    assert fake.to("u1") == [OutgoingMessage(text, BUTTONS)]


async def test_where_files_cannot_be_uploaded_the_text_names_the_file(
    bot: FakeBot, tmp_path: Path
) -> None:
    fake = transport(bot, upload_files=False)
    report = tmp_path / "2026Q1 报告.docx"
    report.write_bytes(b"PK\x03\x04")

    await bot.app.deliver(Reply("fake", "u1", OutgoingMessage("季度报告", BUTTONS, report)))

    [sent] = fake.to("u1")
    note = t(Language.ZH, "reply.file_not_sent", name="2026Q1 报告.docx")
    assert sent == OutgoingMessage(f"季度报告\n{note}", BUTTONS)
    assert report.exists()


async def test_a_failed_piece_stops_the_rest(bot: FakeBot) -> None:
    fake = transport(bot, text_limit=10)
    fake.lose = 1
    delivery = await bot.app.deliver(Reply("fake", "u1", OutgoingMessage("一二三四五\n" * 5)))
    assert delivery.status is DeliveryStatus.RETRY
    assert fake.sent == []


async def test_an_engine_reply_is_fitted_on_the_way_out(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    wide = await bot.chat("u1").say("/help")
    [help_text] = wide
    limit = max(utf16_units(line) for line in help_text.splitlines()) + 1
    fake = transport(bot, text_limit=limit)
    narrow = await bot.chat("u1").say("/help")
    assert len(fake.sent) > 1 and all(utf16_units(m.text) <= limit for m in fake.to("u1"))
    assert "\n".join(narrow) == help_text  # cut at line ends only


@given(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400),
    st.integers(min_value=2, max_value=60),
    st.booleans(),
)
def test_fit_keeps_every_line_within_the_limit(text: str, limit: int, upload: bool) -> None:
    message = OutgoingMessage(text, BUTTONS, document=Path("/srv/a.pdf"))
    pieces = fit(message, Capabilities(text_limit=limit, upload_files=upload), Language.EN)
    assert pieces[-1].buttons == BUTTONS
    assert all(piece.buttons == () and piece.document is None for piece in pieces[:-1])
    assert (pieces[-1].document is not None) is upload
    if len(pieces) > 1:
        assert all(utf16_units(piece.text) <= limit for piece in pieces)
