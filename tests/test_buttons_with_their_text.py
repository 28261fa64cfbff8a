"""Buttons only ever come with the text they belong to (trial 9 finding 22): a reply to an
unrelated command while a card waits for a press (``/record 2`` not found, ``/platform`` or
``/deliver`` on a draft, ``/record 0``) shows the card's text again with its buttons, so "1"
never confirms what the judge did not see. Checked over the kinds of card a draft waits at
× those commands: every reply that carries the open card's buttons carries its text too.
"""

from __future__ import annotations

import pytest
from dialogue import (
    CONFIRM_TIME,
    EXTERNAL,
    SAME_TIME,
    Court,
    Forward,
    Person,
    Press,
    Script,
    png_bytes,
)

from handlers.ports import AttachmentKind, OutgoingMessage

COMMANDS = ("/record 2", "/platform 草稿 #1 X", "/deliver 草稿 #1", "/record 0")

CARDS: dict[str, Script] = {
    "received time": (("/new", ()),),
    "source": (("/new", ()), (Press(CONFIRM_TIME), ())),
    "inquiry time": (("/new", ()), (Press(CONFIRM_TIME), ()), (Press(EXTERNAL), ())),
    "channel": (
        ("/new", ()),
        (Press(CONFIRM_TIME), ()),
        (Press(EXTERNAL), ()),
        (Press(SAME_TIME), ()),
    ),
}


def _labels(message: OutgoingMessage) -> list[str]:
    return [button.label for row in message.buttons for button in row]


async def _card(court: Court, kind: str) -> tuple[Person, OutgoingMessage]:
    judge = court.chat("张伟")
    if kind == "proposal":
        picture = court.bot.file(AttachmentKind.PHOTO, png_bytes(), name="wechat.png")
        replies = await judge.act(Forward(picture))
    else:
        replies = []
        for action, _ in CARDS[kind]:
            replies = await judge.act(action)
    card = [reply for reply in replies if reply.buttons][-1]
    return judge, card


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", ["proposal", *CARDS])
async def test_an_unrelated_reply_shows_the_open_cards_buttons_only_with_its_text(
    court: Court, kind: str, command: str
) -> None:
    judge, card = await _card(court, kind)
    replies = await judge.act(command)
    assert replies
    for reply in replies:
        if reply.buttons and _labels(reply) == _labels(card):
            assert card.text in reply.text, (command, reply.text)
        else:
            assert not set(_labels(reply)) & set(_labels(card)), (command, reply)
