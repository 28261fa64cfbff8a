"""Each notice of a deadline names the person who owes the step (Art. 3, Art. 10): the handler
for 登记, 录入平台 and 报送, the co-signers who have not answered for 签字确认. A co-signer
who has not answered is reminded in their own chat before the deadline and at the breach; one
who has answered is never chased, nor named as late; the handler is never told that the
co-signature is the handler's to give.

Every combination of answers (each of two co-signers in the bot answered or not, one present
who is not in the bot signed on paper or not) and of the handler's own step due the same day
(met or not) is played, through the real app and its words: a signature owed on paper is named
to the overseers as /overdue names it.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import pytest
from dialogue import Court, DialogueBot, Tap
from reminder_kit import bj, mark, new_record, run_until

from handlers.i18n import t
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language, Milestone, label

ZH = Language.ZH
NUMBER = "温法过问〔2026〕1号"
COSIGNERS = ("孙丽", "王芳")
OFFLINE = "赵法警"  # present, not in the bot: signs the printed form (Art. 3)
OVERSEERS = ("钱进", "李刚")  # the department's integrity officer, discipline inspection
FRIDAY = "3月13日"  # the last day of both 录入平台 and 签字确认 for a Wednesday receipt
COSIGNED = label(Milestone.COSIGNED, ZH)


def zh(key: str, **values: object) -> str:
    return t(ZH, key, **values)


def data_of(message: object) -> list[str]:
    return [b.data for row in getattr(message, "buttons", ()) for b in row]


CASES = [
    (frozenset(n for n, said in zip((*COSIGNERS, OFFLINE), answers, strict=True) if said), platform)
    for answers in itertools.product((False, True), repeat=3)
    for platform in (False, True)
]


@pytest.mark.parametrize(("answered", "platform"), CASES)
async def test_each_notice_names_who_owes_the_step(
    bot: DialogueBot,
    court: Court,
    db: Database,
    clock: FakeClock,
    answered: frozenset[str],
    platform: bool,
) -> None:
    clock.set(bj("2026-03-11 10:00"))  # Wednesday
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id(n) for n in COSIGNERS],
        offline=[OFFLINE],
    )
    clock.set(bj("2026-03-11 11:00"))
    for name in COSIGNERS:
        if name in answered:
            await court.chat(name).act(Tap(f"cs:{record_id}:ok"))
    if OFFLINE in answered:
        await paper_signed(db, record_id, OFFLINE, clock.now())
    if platform:
        await mark(db, record_id, Milestone.PLATFORM_ENTERED, clock.now())
    seen = {name: len(court.chat(name).inbox()) for name in (*COSIGNERS, *OVERSEERS, "张伟")}
    await run_until(bot.app.dispatcher, clock, bj("2026-03-20 12:00"))

    def since(name: str) -> list[str]:
        return [m.text for m in court.chat(name).inbox()[seen[name] :] if NUMBER in m.text]

    pending = [n for n in COSIGNERS if n not in answered]
    for name in COSIGNERS:
        got = court.chat(name).inbox()[seen[name] :]
        if name in answered:
            assert got == [], name  # answered: never chased
            continue
        kinds = ["cosign_day_before", "cosign_last_day", "cosign_overdue"]
        assert len(got) == len(kinds), (name, [m.text for m in got])
        for message in got:
            assert "张伟" in message.text
            assert data_of(message) == [f"cs:{record_id}:ok", f"cs:{record_id}:no"]
        overdue = zh("reminders.cosign_overdue", handler="张伟", title=NUMBER, deadline="X")
        assert got[-1].text.startswith(overdue.split("X")[0])

    friday = [text for name in OVERSEERS for text in since(name) if FRIDAY in text]
    pending_all = [*pending, *([OFFLINE] if OFFLINE not in answered else [])]
    if pending_all or not platform:
        assert {name for name in OVERSEERS if any(FRIDAY in x for x in since(name))} == set(
            OVERSEERS
        )
    for text in friday:
        for name in (*COSIGNERS, OFFLINE):
            assert (name in text) == (name in pending_all), (name, text)
        assert (COSIGNED in text or "签字确认" in text) == bool(pending_all), text
        if not platform:
            assert label(Milestone.PLATFORM_ENTERED, ZH) in text
            assert "张伟" in text

    handler = since("张伟")
    assert not any(COSIGNED in text for text in handler), handler  # never the handler's step
    names = "、".join(pending_all)
    paper = [OFFLINE] if OFFLINE not in answered else []

    def reach(reminded: str) -> str:
        """What the bot did about each who owes the co-signature: true of each (F5)."""
        parts = [zh(reminded, names="、".join(pending))] if pending else []
        if paper:
            parts.append(zh("reminders.cosign_paper_yours", names=OFFLINE))
        return zh("reminders.reach_separator").join(parts)

    for text in handler:  # the bot cannot remind a person not in it, nor says it did
        assert not re.search(f"已(另行|再次)?提醒(其|[^。；]*{OFFLINE})", text), text
    if pending_all:
        told = zh(
            "reminders.cosigners_pending", names=names, reach=reach("reminders.cosign_reminded")
        )
        if platform:  # only the co-signature is late: the handler hears who owes it
            late = zh(
                "reminders.breach_cosigners",
                title=NUMBER,
                case="X",
                deadline="",
                names="",
                reach="",
            )
            assert any(text.startswith(late.split("X")[0]) and names in text for text in handler)
            again = reach("reminders.cosign_reminded_again")
            assert any(again in text for text in handler), handler
        else:
            assert any(told in text for text in handler), handler
        if paper:  # the handler, who gets the signature on paper, has its button at hand
            breaches = [
                m
                for m in court.chat("张伟").inbox()[seen["张伟"] :]
                if NUMBER in m.text and zh("reminders.cosign_paper_yours", names=OFFLINE) in m.text
            ]
            assert breaches and all(
                any(d.startswith(f"po:{record_id}:") for d in data_of(m)) for m in breaches
            ), breaches
    else:
        assert not any("签字确认" in text for text in handler), handler

    # /overdue says the same: the co-signature with the co-signers who owe it.
    [listing] = [m.text for m in await court.chat("李刚").act("/overdue")]
    [row] = [line for line in listing.splitlines() if NUMBER in line]
    for name in (*COSIGNERS, OFFLINE):
        assert (name in row) == (name in pending_all), (name, row)
    assert COSIGNED not in row


async def paper_signed(db: Database, record_id: int, name: str, at: datetime) -> None:
    """The handler confirms that ``name``, present but not in the bot, signed on paper."""
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        handler = await session.get(Staff, record.handler_id)
        assert handler is not None
        [row] = [c for c in record.cosigners if c.name == name]
        await records_repo.confirm_paper(session, row, actor=handler, at=at)
