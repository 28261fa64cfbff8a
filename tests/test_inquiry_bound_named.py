"""An inquiry's time later than the latest it may be is refused naming that bound as it is:
the receipt time only where the check uses the record's own receipt time; where the receipt
follows the inquiry (a call, a visit, an electronic message) or no channel is given yet while
the receipt time is still the draft's opening, the registration (登记时间: when /new or the
material reached the bot), never "the receipt time, correct it first".

Over every channel and none yet, at the inquiry's question of a draft opened by /new.
"""

from __future__ import annotations

import pytest
from dialogue import (
    CONFIRM_TIME,
    EXTERNAL,
    SAME_TIME,
    Court,
    Press,
    asks,
    court_bot,
    lab,
    local,
    record_row,
    says,
)

from handlers.fields import Step
from handlers.receipt import FOLLOWING
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Channel

OPENED = "12月1日（周二）09:00"

bot = court_bot(local("2026-12-01 09:00"))


@pytest.mark.parametrize("channel", [None, *Channel])
async def test_the_bound_of_an_inquiry_time_is_named_as_it_is(
    db: Database, clock: FakeClock, court: Court, channel: Channel | None
) -> None:
    judge = court.chat("张伟")
    for action in ("/new", Press(CONFIRM_TIME), Press(EXTERNAL)):
        await judge.act(action)
    if channel is not None:
        await judge.act(Press(SAME_TIME))
        await judge.act(Press(lab(channel)))
        await judge.act("/back")
        replies = await judge.act("/back")
        assert replies[-1].text.startswith(asks(Step.INQUIRY_AT)), replies[-1].text
    clock.set(local("2026-12-01 10:30"))
    replies = await judge.act("今天10:00")
    text = replies[-1].text
    if channel is None or channel in FOLLOWING:
        assert text.startswith(says("intake.error.inquiry_after_arrival", at=OPENED)), text
    else:  # a letter's receipt time is the judge's own, confirmed: the check's bound
        assert text.startswith(says("intake.error.inquiry_after_receipt", received=OPENED)), text
        assert (await record_row(db, 1))["received_at"] == local("2026-12-01 09:00")
