"""The console's button numbers: a number read off a card just pressed, typed at the card
that replaced it with fewer buttons, presses nothing and is answered with the new numbers
(never taken as words, never a greeting)."""

from __future__ import annotations

import io

from fakes import FakeBot, add_person

from bot.transports.console import ConsoleTransport
from handlers.i18n import t
from handlers.ports import Button, OutgoingMessage
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Role


async def test_a_number_from_the_card_just_pressed_is_answered_with_the_new_numbers(
    db: Database, clock: FakeClock
) -> None:
    bot = FakeBot(db, clock)
    out = io.StringIO()
    console = ConsoleTransport(bot.app, out=out)
    bot.app.add_transport(console)
    await add_person(db, clock, "张伟", [Role.HANDLER])
    await console.line("/as 张伟")
    chat = console.speaker
    two = (
        Button("✔ 已当面交付 李刚", "ms:1:handed:4"),
        Button("✔ 已当面交付 刘洋", "ms:1:handed:5"),
    )
    await console.send(chat, OutgoingMessage("两份须当面交付", ((two[0],), (two[1],))))
    await console.line("1")  # pressed: a card with the one button left follows
    await console.send(chat, OutgoingMessage("还有一份须当面交付", ((two[1],),)))
    said = len(out.getvalue())
    await console.line("2")  # the number 刘洋 had on the card just pressed
    after = out.getvalue()[said:]
    assert t("zh-CN", "console.renumbered", number=2) in after, after
    assert "[1] ✔ 已当面交付 刘洋" in after, after
    assert t("zh-CN", "help.hint", name="张伟") not in after, after
