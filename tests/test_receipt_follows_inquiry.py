"""A call's or a visit's receipt time is its inquiry's, whichever order the answers come in.

An inquiry by phone or in person reaches the judge as it is made, as an electronic message
does when it is sent (``handlers.receipt.FOLLOWING``): the time the judge gives for the
inquiry is its receipt time too, and Art. 6's deadlines count from it. A letter or mail
arrives after it is written and another channel is not known to be immediate: their receipt
time stays what the judge confirmed. A receipt time the judge typed at its own question stands.

Every channel × every order of the answers (the inquiry's time typed on the proposals card
before the channel is chosen, the questions one by one, the inquiry's time corrected on the
review card after the channel, the receipt time typed at its own question) × an exact time
or a day alone, from ``/new`` at 2026-12-01 00:43 in Beijing (a court user's morning: the call
was 昨天下午3点半). The whole space is small: every point of it is run.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from dialogue import (
    CASE_NAME,
    CASE_NUMBER,
    CONFIRM_TIME,
    EDIT,
    EXTERNAL,
    DialogueBot,
    Person,
    Press,
    asks,
    lab,
    local,
    open_court,
    proposing_bot,
    record_row,
    says,
)

from handlers.fields import FIELDS, Step
from handlers.receipt import FOLLOWING
from storage.db import Database
from storage.vocabulary import ORAL_CHANNELS, Channel, Intermediary, MaterialRoute

NEW_AT = local("2026-12-01 00:43")
CALL = local("2026-11-30 15:30")
"""``昨天下午3点半`` at ``NEW_AT``."""
DAY = local("2026-11-30 00:00")
TYPED_RECEIPT = local("2026-12-01 00:10")
ORDERS = ("card", "one_by_one", "review", "receipt_typed")
OK = says("intake.proposed.ok")
CHANGED = says("intake.proposed.change")


def expected(channel: Channel, order: str, *, day_only: bool) -> tuple[datetime, bool]:
    """The receipt time and whether it is a day alone, by the rule."""
    if order == "receipt_typed" and channel not in ORAL_CHANNELS:
        return TYPED_RECEIPT, False  # a call or a visit is received as it is made all the same
    if channel in FOLLOWING:
        return (DAY, True) if day_only else (CALL, False)
    return NEW_AT, False


bot = proposing_bot(NEW_AT)


ANSWERS: dict[Step, str | Press] = {
    Step.INQUIRER_NAME: "李四",
    Step.INQUIRER_UNIT: "温县财政局",
    Step.INQUIRER_POSITION: "局长",
    Step.CASE_NAME: CASE_NAME,
    Step.CASE_NUMBER: CASE_NUMBER,
    Step.SUMMARY: "请关照",
    Step.ART9: Press(says("intake.art9_clear")),
    Step.CHANNEL_OTHER: "传真",
    Step.PLACE: "本院第二接待室",
    Step.PERSONS_PRESENT: Press(says("common.none")),
    Step.STAFF_PRESENT: Press(says("common.none")),
    Step.ROUTE: Press(lab(MaterialRoute.DIRECT)),
    Step.ORIGINALS_NOTE: "交院档案室",
    Step.RETIRED: Press(says("intake.no")),
    Step.MAIN_LEADER: Press(says("intake.no")),
    Step.INTERMEDIARY: Press(lab(Intermediary.NONE)),
    Step.SERIOUS: Press(says("intake.no")),
}


async def to_review(judge: Person) -> None:
    """Answer every question until the review card: proposals confirmed, the rest as
    ``ANSWERS`` (the originals' first choice)."""
    for _ in range(40):
        last = judge.inbox()[-1]
        if last.text.startswith(says("intake.review")):
            return
        if says("intake.proposed.intro_plain") in last.text:
            await judge.act(Press(OK))
            continue
        steps = (f.step for f in FIELDS if f.step is not Step.RECEIVED_AT)
        step = next((s for s in steps if last.text.startswith(asks(s))), None)
        assert step is not None, last.text
        if step is Step.ORIGINALS:
            await judge.act(Press(last.buttons[0][0].label))
            continue
        assert step in ANSWERS, last.text
        await judge.act(ANSWERS[step])
    raise AssertionError("the review card never came")


async def give_time(judge: Person, *, day_only: bool) -> None:
    """The inquiry's time: 昨天下午3点半, or 昨天 and its hour left unknown."""
    if not day_only:
        await judge.act("昨天下午3点半")
        return
    hour = (await judge.act("昨天"))[-1]
    assert hour.text.startswith(says("intake.ask.hour", day="11月30日（周一）")), hour.text
    await judge.act(Press(says("intake.day_only")))


async def answer(judge: Person, channel: Channel, order: str, *, day_only: bool) -> None:
    """From ``/new`` to the review card, the answers in ``order``."""
    await judge.act("/new")
    if order == "card":
        await give_time(judge, day_only=day_only)
        await judge.act(Press(lab(channel)))
    elif order in ("one_by_one", "receipt_typed"):
        await judge.act(Press(CHANGED))
        if order == "receipt_typed":
            await judge.act("2026-12-01 00:10")
        else:
            await judge.act(Press(CONFIRM_TIME))
        await judge.act(Press(EXTERNAL))
        await give_time(judge, day_only=day_only)
        await judge.act(Press(lab(channel)))
    else:
        await judge.act(Press(OK))  # the inquiry at the time /new was sent
        await judge.act(Press(lab(channel)))
    await to_review(judge)
    if order == "review":
        await judge.act(Press(EDIT))
        await judge.act(Press(says("card.inquiry_at")))
        await give_time(judge, day_only=day_only)
        assert judge.inbox()[-1].text.startswith(says("intake.review")), judge.inbox()[-1]


@pytest.mark.parametrize("day_only", [False, True], ids=["exact", "day"])
@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("channel", list(Channel), ids=[c.value for c in Channel])
async def test_the_receipt_follows_a_synchronous_inquiry(
    bot: DialogueBot, db: Database, channel: Channel, order: str, day_only: bool
) -> None:
    judge = (await open_court(bot)).chat("张伟")
    await answer(judge, channel, order, day_only=day_only)
    row = await record_row(db, 1)
    assert row["inquiry_at"] == (DAY if day_only else CALL)
    want, want_day = expected(channel, order, day_only=day_only)
    got = (
        row["received_at"],
        row["received_confirmed"],
        bool(row["fields"].get("received_day_only")),
    )
    assert got == (want, True, want_day)
    card = judge.inbox()[-1].text
    shown = "2026-11-30 时间不详" if want_day else f"{want:%Y-%m-%d %H:%M}"
    assert f"收到时间：{shown}" in card
    # Art. 6: registered within two days of the receipt, 24:00 of its last day.
    last = {NEW_AT: "2026-12-03", CALL: "2026-12-02", DAY: "2026-12-02"}.get(want, "2026-12-03")
    assert f"期限 · 填表登记：{last} 24:00 前" in card
    if want != NEW_AT and want != TYPED_RECEIPT and channel in ORAL_CHANNELS:
        told = "\n".join(m.text for m in judge.inbox())
        assert says("intake.proposed.received_when_asked", time="").split("：")[0] in told
