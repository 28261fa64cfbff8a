"""/mine names every open dispute of a co-signature as the handler's next step (Art. 3; trial
9, F14: only /record showed it), whatever the answers of the staff present: each who
disputes in the current round is named, nobody who confirmed or has not answered, and a
record without a dispute has no such line."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dialogue import DialogueBot, Tap, open_court
from reminder_kit import new_record

from handlers.i18n import join, t
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language

CHINA = ZoneInfo("Asia/Shanghai")
PRESENT = ("孙丽", "王芳")
# Each person present: no answer yet, confirmed, or disputed with a reason.
ANSWERS = ("pending", "ok", "no")


@pytest.mark.parametrize("answers", list(itertools.product(ANSWERS, repeat=len(PRESENT))))
async def test_mine_names_each_open_dispute(
    bot: DialogueBot, db: Database, clock: FakeClock, answers: tuple[str, ...]
) -> None:
    court = await open_court(bot)
    clock.set(datetime(2026, 12, 1, 10, tzinfo=CHINA))
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id(name) for name in PRESENT],
    )
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        title = record.number or ""
    for name, answer in zip(PRESENT, answers, strict=True):
        if answer == "pending":
            continue
        chat = court.chat(name)
        await chat.act(Tap(f"cs:{record_id}:{answer}"))
        if answer == "no":
            await chat.say("地点不对，是在第三审判庭")
    mine = "\n".join(await court.chat("张伟").say("/mine"))
    disputing = [name for name, answer in zip(PRESENT, answers, strict=True) if answer == "no"]
    if disputing:  # in the order they were named present
        names = join(Language.ZH, disputing)
        assert t(Language.ZH, "views.disputed", names=names, title=title) in mine, mine
    else:
        assert "有异议" not in mine, mine
    assert title in mine
