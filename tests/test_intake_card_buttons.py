"""Every button on every card the intake shows does what it says and answers visibly.

A card is made of its own buttons only: after a receipt time refused as far back (more
than 30 days ago, to be confirmed), the card asks about that time alone, with its two
buttons, and no button of the card it replaced (whose confirm would keep the old time
without a word). The tests walk a whole intake (each question, the proposals card, the
far-back refusal at a question and at the proposals, the review card), and press every
button of every card shown, one at a time, from a replay of the dialogue up to it: each
press gets a reply, none says the button is stale, none is the same card again unchanged,
and each press on a far-back card either takes the time, saying so, or asks the question
again: never goes on with the time it was about left unsaid.
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogue import (
    CONFIRM_TIME,
    Action,
    DialogueBot,
    Forward,
    Person,
    Press,
    Tap,
    open_court,
    phone_record,
    png_bytes,
    says,
    settings_for,
)

from handlers.ports import AttachmentKind, OutgoingMessage
from reminders.clock import FakeClock
from storage.db import Database

FAR_OK = says("intake.far_back_ok")
FAR_NO = says("intake.far_back_no")
STALE = says("error.stale_button")


@dataclass(frozen=True)
class Card:
    """A message with buttons the intake showed, after ``prefix`` actions of a script."""

    prefix: int
    message: OutgoingMessage


def labels(message: OutgoingMessage) -> list[str]:
    return [b.label for row in message.buttons for b in row]


def datas(message: OutgoingMessage) -> list[str]:
    return [b.data for row in message.buttons for b in row]


async def reset(judge: Person) -> None:
    """Withdraw whatever draft is open, so the next replay starts afresh."""
    replies = [m.text for m in await judge.act("/cancel")]
    asked = says("intake.cancel_reason", title="\0").split("\0")[-1]  # the words after the title
    if any(asked in r for r in replies):
        await judge.act("重放")


async def cards(judge: Person, script: list[Action]) -> list[Card]:
    found = []
    for number, action in enumerate(script, 1):
        replies = await judge.act(action)
        shown = [m for m in replies if m.buttons]
        if shown:
            found.append(Card(number, shown[-1]))
    await reset(judge)
    return found


async def press_every_button(judge: Person, script: list[Action], far_time: str) -> int:
    """Press each button of each card of ``script``; the number of presses checked."""
    pressed = 0
    for card in await cards(judge, script):
        refused_far = says("intake.error.time_far_back", time=far_time, days=0).split("是")[0]
        far = card.message.text.startswith(refused_far) or FAR_OK in labels(card.message)
        if far:  # the far-back card: its two buttons, nothing of the card before it
            assert labels(card.message) == [FAR_OK, FAR_NO], card.message.text
        for data in datas(card.message):
            for action in script[: card.prefix]:
                await judge.act(action)
            replies = await judge.act(Tap(data))
            texts = [m.text for m in replies]
            where = (card.message.text[:60], data)
            assert texts, where  # a visible answer
            assert not any(STALE in text for text in texts), where
            same = len(replies) == 1 and (
                replies[0].text == card.message.text
                and datas(replies[0]) == datas(card.message)
                and labels(replies[0]) == labels(card.message)
            )
            assert not same, where  # not the same card again, unchanged, without a word
            if far:
                taken = any(far_time in text and text != card.message.text for text in texts)
                question = card.message.text.splitlines()[-1]  # asked again, not refused
                again = any(question in text and not text.startswith(refused_far) for text in texts)
                assert taken or again, where
            pressed += 1
            await reset(judge)
    return pressed


async def test_every_button_of_a_whole_intake_answers_what_it_says(
    db: Database, clock: FakeClock, tmp_path: object
) -> None:
    from pathlib import Path

    bot = DialogueBot(db, clock, settings_for(Path(str(tmp_path))))
    judge = (await open_court(bot)).chat("张伟")
    script = [action for action, _ in phone_record()]
    # At the receipt question, a time 64 days back: refused once, to be confirmed.
    far_back = ["2026-01-01 10:00", Press(FAR_NO), Press(CONFIRM_TIME)]
    script = [script[0], *far_back, *script[2:-1]]
    assert await press_every_button(judge, script, "1月1日（周四）10:00") > 20


async def test_every_button_of_the_proposals_card_answers_what_it_says(
    db: Database, clock: FakeClock, tmp_path: object
) -> None:
    from pathlib import Path

    clock.set(clock.now())
    bot = DialogueBot(db, clock, settings_for(Path(str(tmp_path)), propose=True))
    judge = (await open_court(bot)).chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    # A WeChat screenshot, as its caption says: the channel is proposed on the card too.
    script: list[Action] = [
        Forward(photo, caption="微信"),
        "1月20日晚上9点",
        Press(FAR_NO),
        "1月20日晚上9点",
    ]
    assert await press_every_button(judge, script, "1月20日（周二）21:00") >= 4
