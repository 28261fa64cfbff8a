"""One rule for an electronic message's receipt time, on every way in and every path.

A WeChat message (an SMS, an e-mail) reaches the judge when it is sent: the time the judge
gives for it is its receipt time too, and Art. 6's deadlines count from it — unless the chat
service stated when the forwarded message was first sent and the judge's time agrees with it
(then the stated time, to the minute), or the judge typed the receipt time at its own question.

Ways in: a picture sent (no stated time, as WeCom and the console's /attach), a text forwarded
with no stated time (the console's /forward), a text and a picture forwarded with a stated
time that agrees and one that does not (Telegram's forward date). Paths: the time typed on the
proposals card, a day alone there (its hour then left unknown, or given), the questions one
by one, and the inquiry time corrected from the review card's field list. The rule itself
(``handlers.receipt``) is checked over its whole input space, a call's and a visit's receipt
following their time as a message's does (``test_receipt_follows_inquiry``).

Scripted dialogues on Sunday 2026-11-29 10:00 in Beijing, with ``[intake] propose`` on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from dialogue import (
    BEIJING,
    CASE_NAME,
    CASE_NUMBER,
    CONFIRM_TIME,
    EDIT,
    EXTERNAL,
    DialogueBot,
    Forward,
    Person,
    Press,
    asks,
    lab,
    local,
    open_court,
    png_bytes,
    proposing_bot,
    record_row,
    says,
)
from hypothesis import given
from hypothesis import strategies as st

from handlers.fields import Step
from handlers.ports import AttachmentKind
from handlers.receipt import (
    AGREEMENT,
    FOLLOWING,
    INQUIRY_DAY_ONLY,
    LEEWAY,
    RECEIVED_TYPED,
    SENT_AT,
    receipt_of,
)
from storage.db import Database
from storage.models import Record
from storage.vocabulary import NETWORK_CHANNELS, ORAL_CHANNELS, Channel

SUNDAY = local("2026-11-29 10:00")
TEXT = "张法官你好，那个案子麻烦关照一下。——县财政局 李局长（微信）"
"""A WeChat message: its words say so, so the channel is proposed with the times (a message
that shows no channel has it asked after them, ``test_intake_ask_less``)."""
CAPTION = "李局长发来的微信"
"""What the judge writes with the picture: it says the picture is of a WeChat chat."""
OK = says("intake.proposed.ok")
CHANGED = says("intake.proposed.change")
NIGHT = local("2026-11-28 21:00")
"""``昨天晚上9点`` on SUNDAY."""


@dataclass(frozen=True)
class Way:
    """How the message reached the bot: a picture or a text, and the send time stated."""

    name: str
    picture: bool
    stated: datetime | None
    forwarded: bool = True


WAYS = (
    Way("picture sent", picture=True, stated=None, forwarded=False),
    Way("text forwarded, no time stated", picture=False, stated=None),
    Way("text forwarded, stated time agrees", picture=False, stated=local("2026-11-28 21:03")),
    Way("text forwarded, stated time contradicts", picture=False, stated=local("2026-11-29 09:00")),
    Way("picture forwarded, stated time agrees", picture=True, stated=local("2026-11-28 21:03")),
)


def expected(way: Way, said: datetime, *, day_only: bool) -> datetime:
    """The receipt time the rule gives for the judge's ``said``."""
    stated = way.stated
    if stated is None:
        return said
    if day_only:
        return stated if stated.date() == said.date() else said
    return stated if said - LEEWAY <= stated <= said + AGREEMENT else said


bot = proposing_bot(SUNDAY)


async def arrive(bot: DialogueBot, judge: Person, way: Way) -> None:
    """The message reaches the bot and the first proposals card is shown."""
    if way.picture:
        photo = bot.file(AttachmentKind.PHOTO, png_bytes())
        forward = Forward(photo, caption=CAPTION, at=way.stated, forwarded=way.forwarded)
    else:
        forward = Forward(caption=TEXT, at=way.stated, forwarded=way.forwarded)
    replies = await judge.act(forward)
    assert any(says("intake.proposed.intro") in r.text for r in replies), replies


async def to_review(judge: Person) -> None:
    """Answer every question the usual way until the review card."""
    answers: dict[Step, str | Press] = {
        Step.INQUIRER_NAME: "李四",
        Step.INQUIRER_UNIT: "温县财政局",
        Step.INQUIRER_POSITION: "局长",
        Step.CASE_NAME: CASE_NAME,
        Step.CASE_NUMBER: CASE_NUMBER,
        Step.SUMMARY: "请关照",
        Step.ART9: Press(says("intake.art9_clear")),
    }
    for _ in range(20):
        last = judge.inbox()[-1].text
        if last.startswith(says("intake.review")):
            return
        if says("intake.proposed.intro_plain") in last:
            await judge.act(Press(OK))
            continue
        step = next((s for s in answers if last.startswith(asks(s))), None)
        assert step is not None, last
        await judge.act(answers[step])
    raise AssertionError("the review card never came")


async def receipt(db: Database) -> tuple[datetime, bool, bool]:
    row = await record_row(db, 1)
    return (
        row["received_at"],
        row["received_confirmed"],
        bool(row["fields"].get("received_day_only")),
    )


@pytest.mark.parametrize("way", WAYS, ids=[w.name for w in WAYS])
async def test_the_time_typed_on_the_card(bot: DialogueBot, db: Database, way: Way) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await arrive(bot, judge, way)
    replies = [r.text for r in await judge.act("昨天晚上9点")]
    want = expected(way, NIGHT, day_only=False)
    assert await receipt(db) == (want, True, False)
    moved = says("intake.proposed.received_when_sent", time="11月28日（周六）21:00")
    assert (moved in replies) == (want == NIGHT), replies
    [card] = [m.text for m in await judge.act("/record 草稿 #1")]
    assert f"收到时间：{want.astimezone(BEIJING):%Y-%m-%d %H:%M}" in card


@pytest.mark.parametrize("way", WAYS, ids=[w.name for w in WAYS])
async def test_a_day_alone_then_its_hour_unknown(bot: DialogueBot, db: Database, way: Way) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await arrive(bot, judge, way)
    hour = (await judge.act("昨天"))[-1]
    assert hour.text.startswith(says("intake.ask.hour", day="11月28日（周六）"))
    await judge.act(Press(says("intake.day_only")))
    day = local("2026-11-28 00:00")
    want = expected(way, day, day_only=True)
    assert await receipt(db) == (want, True, want == day)
    await to_review(judge)
    card = judge.inbox()[-1].text
    shown = "2026-11-28 时间不详" if want == day else f"{want.astimezone(BEIJING):%Y-%m-%d %H:%M}"
    assert f"收到时间：{shown}" in card
    # Art. 6: two days from the day of receipt, 28 November.
    assert "期限 · 填表登记：2026-11-30 24:00 前" in card


@pytest.mark.parametrize("way", WAYS[:2], ids=[w.name for w in WAYS[:2]])
async def test_a_day_then_its_hour(bot: DialogueBot, db: Database, way: Way) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await arrive(bot, judge, way)
    await judge.act("昨天")
    await judge.act("晚上9点")
    assert await receipt(db) == (NIGHT, True, False)


@pytest.mark.parametrize("way", WAYS, ids=[w.name for w in WAYS])
async def test_the_questions_one_by_one(bot: DialogueBot, db: Database, way: Way) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await arrive(bot, judge, way)
    await judge.act(Press(CHANGED))
    await judge.act(Press(CONFIRM_TIME))
    await judge.act(Press(EXTERNAL))
    await judge.act("昨天晚上9点")
    await judge.act(Press(lab(Channel.WECHAT)))
    assert await receipt(db) == (expected(way, NIGHT, day_only=False), True, False)


@pytest.mark.parametrize("way", WAYS, ids=[w.name for w in WAYS])
async def test_the_inquiry_time_corrected_from_the_review_card(
    bot: DialogueBot, db: Database, way: Way
) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await arrive(bot, judge, way)
    await judge.act(Press(OK))
    await to_review(judge)
    await judge.act(Press(EDIT))
    await judge.act(Press(says("card.inquiry_at")))
    await judge.act("昨天晚上9点")
    assert await receipt(db) == (expected(way, NIGHT, day_only=False), True, False)
    assert judge.inbox()[-1].text.startswith(says("intake.review"))


async def test_a_receipt_time_typed_at_its_question_stands(bot: DialogueBot, db: Database) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await arrive(bot, judge, WAYS[1])
    await judge.act(Press(CHANGED))
    await judge.act("今天早上8点")
    await judge.act(Press(EXTERNAL))
    await judge.act("昨天晚上9点")
    await judge.act(Press(lab(Channel.WECHAT)))
    assert await receipt(db) == (local("2026-11-29 08:00"), True, False)


async def test_a_phone_call_is_received_when_made(bot: DialogueBot, db: Database) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await judge.act("/new")
    await judge.act("昨天晚上9点")
    await judge.act(Press(lab(Channel.PHONE)))
    row = await record_row(db, 1)
    assert (row["received_at"], row["inquiry_at"]) == (NIGHT, NIGHT)


async def test_a_letter_keeps_its_receipt_time(bot: DialogueBot, db: Database) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await judge.act("/new")
    await judge.act("昨天晚上9点")
    await judge.act(Press(lab(Channel.LETTER)))
    row = await record_row(db, 1)
    assert (row["received_at"], row["inquiry_at"]) == (SUNDAY, NIGHT)


# -- the rule over its whole input space ----------------------------------------------------

START = datetime(2026, 11, 1, tzinfo=BEIJING)
minutes = st.integers(0, 60 * 24 * 28).map(lambda m: START + timedelta(minutes=m))


@given(
    channel=st.sampled_from(Channel),
    said=minutes,
    day_only=st.booleans(),
    stated=st.one_of(st.none(), minutes),
    typed=st.booleans(),
)
def test_the_rule(
    channel: Channel, said: datetime, day_only: bool, stated: datetime | None, typed: bool
) -> None:
    if day_only:
        said = said.replace(hour=0, minute=0)
    fields: dict[str, object] = {INQUIRY_DAY_ONLY: day_only}
    if stated is not None:
        fields[SENT_AT] = stated.isoformat()
    if typed:
        fields[RECEIVED_TYPED] = True
    record = Record(channel=channel, inquiry_at=said, fields=fields, received_at=START)
    got = receipt_of(record, BEIJING)
    if channel not in FOLLOWING or (typed and channel not in ORAL_CHANNELS):
        assert got is None
        return
    assert got is not None
    moment, only_day = got
    if stated is None or channel not in NETWORK_CHANNELS:  # what a call forwards is no inquiry
        assert got == (said, day_only)
    elif day_only:
        same_day = stated.astimezone(BEIJING).date() == said.date()
        assert got == ((stated, False) if same_day else (said, True))
    else:
        agrees = said - LEEWAY <= stated <= said + AGREEMENT
        assert got == ((stated, False) if agrees else (said, False))
    # Whatever it gives, the receipt is never a day after the judge's own day.
    assert moment.astimezone(BEIJING).date() <= (said + AGREEMENT).date()
    assert only_day <= day_only
