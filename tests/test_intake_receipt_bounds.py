"""Every way a time enters a draft goes through the one check of a receipt time: never in the
future, never after the draft was opened, asked once to confirm when more than 30 days back —
the typed receipt time, and the receipt time the receipt rule takes from the inquiry's when the
channel is chosen (a call is received as it is made).

Scripted dialogues on Sunday 2026-11-29 10:00 in Beijing, with ``[intake] propose`` on.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from dialogue import (
    EDIT,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Press,
    asks,
    asks_received,
    dialogue,
    lab,
    local,
    open_court,
    phone_record,
    proposing_bot,
    record_row,
    says,
    settings_for,
)

from handlers.fields import Step
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import ORAL_CHANNELS, Channel

SUNDAY = local("2026-11-29 10:00")
FAR_OK = says("intake.far_back_ok")
FAR_NO = says("intake.far_back_no")


bot = proposing_bot(SUNDAY)


@pytest.mark.parametrize("channel", sorted(ORAL_CHANNELS))
async def test_a_far_back_time_typed_on_the_card_is_asked_when_the_call_makes_it_the_receipt(
    court: Court, db: Database, channel: Channel
) -> None:
    """The warning is the time's, sent alone under its own words with its two buttons: never
    under the channel question's heading, whose answer it is not."""
    judge = court.chat("张伟")
    far = says("intake.error.time_far_back", time="9月1日（周二）10:00", days=89)
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            ("2026-09-01 10:00", asks(Step.CHANNEL)),
            (Press(lab(channel)), (Exactly(far), Buttons(FAR_OK, FAR_NO))),
            # Type it again: at the inquiry's question, where the time is typed.
            (Press(FAR_NO), asks(Step.INQUIRY_AT)),
            ("2026-11-01 10:00", asks(Step.CHANNEL)),
            (Press(lab(channel)), asks(Step.INQUIRER_NAME)),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == row["inquiry_at"] == local("2026-11-01 10:00")


async def test_a_far_back_call_confirmed_by_its_button_is_the_receipt_time(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            ("2026-09-01 10:00", asks(Step.CHANNEL)),
            (Press(lab(Channel.PHONE)), Buttons(FAR_OK, FAR_NO)),
            (Press(FAR_OK), asks(Step.INQUIRER_NAME)),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == local("2026-09-01 10:00")


async def test_a_receipt_time_after_the_draft_was_opened_is_refused_from_the_review_card(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(local("2026-11-30 09:00"))
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    judge = (await open_court(bot)).chat("张伟")
    script = phone_record(received="2026-11-30 09:00")
    await dialogue(judge, script[:-1])
    clock.set(local("2026-12-04 09:00"))
    refused = says(
        "intake.error.received_after_opened",
        time="12月4日（周五）08:00",
        opened="11月30日（周一）09:00",
    )
    replies = await judge.act("/resume")
    assert any(says("intake.review") in m.text for m in replies), replies
    await dialogue(
        judge,
        [
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.received_at")), asks_received("2026-11-30 09:00")),
            ("今天上午8点", refused),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == local("2026-11-30 09:00")


PATHS = ("card", "question")
"""Where the time is typed: the proposals card after /new (then the call makes it the
receipt time), or the receipt time's own question."""


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("back", "wait"),
    [(-60, 0), (10, 180), (60 * 24 * 31, 0), (60 * 24 * 29, 180)],
)
async def test_every_path_checks_the_receipt_time_alike(
    bot: DialogueBot, court: Court, clock: FakeClock, path: str, back: int, wait: int
) -> None:
    """Over where the time is typed × how far back it is (minutes; negative: ahead) × how long
    after /new it is typed: ahead of the clock is future; after the draft was opened is
    refused; more than 30 days back is asked to confirm; anything else is taken."""
    judge = court.chat("张伟")
    opened = clock.now()
    await judge.act("/new")
    if path == "question":
        await judge.act(Press(says("intake.proposed.change")))
    clock.set(opened + timedelta(minutes=wait))
    moment = clock.now() - timedelta(minutes=back)
    typed = moment.astimezone(local("2026-01-01 00:00").tzinfo).strftime("%Y-%m-%d %H:%M")
    replies = await judge.act(typed)
    if path == "card" and any(asks(Step.CHANNEL) in m.text for m in replies):
        replies = [*replies, *await judge.act(Press(lab(Channel.PHONE)))]
    said = "\n".join(m.text for m in replies)
    future = moment > clock.now() + timedelta(minutes=5)
    late = moment > opened + timedelta(minutes=5)
    far = clock.now() - moment > timedelta(days=30)
    if future:
        assert "还没有到" in said, said
    elif late:
        key = "不能晚于登记时间" if path == "card" else "晚于本草稿开始登记的时间"
        assert key in said, said
    elif far:
        assert "天以前" in said, said
    else:
        assert "天以前" not in said and "不能" not in said and "晚于" not in said, said
