"""An answered keyboard shows what was chosen, as the engine decides from ``Capabilities.edit``:
on the pressed message where the transport can edit it, as a short text where it cannot."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fakes import FakeBot, FakeTransport, add_person, incoming

from handlers.i18n import t
from handlers.ports import Capabilities
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Role


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


async def press_english(
    db: Database, clock: FakeClock, capabilities: Capabilities, *, pressed: str | None = "7"
) -> tuple[FakeTransport, list[str]]:
    """张三 asks to change language and presses "English" (on message ``pressed``)."""
    bot = FakeBot(db, clock)
    transport = FakeTransport(capabilities=capabilities)
    bot.transport = transport
    bot.app.add_transport(transport)
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    chat = bot.chat("u1")
    await chat.send(incoming(clock, "u1", "/language"))
    [english] = [b for b in chat.buttons() if b.data == "lang:en"]
    press = incoming(clock, "u1", callback=english.data)
    press = replace(press, callback_label=english.label, callback_message_id=pressed)
    return transport, [reply.text for reply in await chat.send(press)]


async def test_where_the_transport_can_edit_the_pressed_message_shows_the_choice(
    db: Database, clock: FakeClock
) -> None:
    transport, replies = await press_english(db, clock, Capabilities(edit=True))

    [(_, handled, _)] = transport.settled
    assert handled.accepted
    assert handled.chosen == t(Language.EN, "press.chosen", choice=zh("language.en"))
    assert handled.chosen == "✔ Chosen: English"
    assert replies == [t(Language.EN, "language.set")]  # no second copy as a message


@pytest.mark.parametrize(
    ("capabilities", "pressed"),
    [
        (Capabilities(edit=False), "7"),  # the console, WeCom's plain messages
        (Capabilities(edit=True), None),  # a typed answer: no message was pressed
    ],
)
async def test_where_it_cannot_the_choice_comes_first_as_a_short_text(
    db: Database, clock: FakeClock, capabilities: Capabilities, pressed: str | None
) -> None:
    transport, replies = await press_english(db, clock, capabilities, pressed=pressed)

    [(_, handled, _)] = transport.settled
    assert handled.accepted and handled.chosen is None
    assert replies == ["✔ Chosen: English", t(Language.EN, "language.set")]


async def test_a_press_whose_label_the_transport_does_not_know_shows_nothing_more(
    db: Database, clock: FakeClock
) -> None:
    bot = FakeBot(db, clock)
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    chat = bot.chat("u1")
    await chat.send(incoming(clock, "u1", "/language"))

    assert await chat.press_data("lang:en") == [t(Language.EN, "language.set")]
    [(_, handled, _)] = bot.transport.settled
    assert handled.accepted and handled.chosen is None


@pytest.mark.parametrize("capabilities", [Capabilities(edit=False), Capabilities(edit=True)])
@pytest.mark.parametrize("data", ["cs:999:ok", "lang:xx", "ms:999:deliver", "nosuch:1"])
async def test_a_refused_press_shows_no_choice_only_why(
    db: Database, clock: FakeClock, capabilities: Capabilities, data: str
) -> None:
    """A stale or unknown button is refused: nothing was taken, so no "chosen" line comes
    before the refusal (trial 5, F4: "✔ 已选择：✔ 确认属实" then "这个按钮已失效")."""
    bot = FakeBot(db, clock)
    transport = FakeTransport(capabilities=capabilities)
    bot.transport = transport
    bot.app.add_transport(transport)
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="u1")
    chat = bot.chat("u1")
    press = incoming(clock, "u1", callback=data)
    press = replace(press, callback_label="✔ 确认属实", callback_message_id="7")
    replies = [reply.text for reply in await chat.send(press)]

    [(_, handled, _)] = transport.settled
    assert handled.chosen is None
    assert replies and not any("✔ 确认属实" in text for text in replies), replies
    assert not any(zh("press.chosen", choice="").strip() in text for text in replies)
