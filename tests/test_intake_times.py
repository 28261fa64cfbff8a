"""The inquiry's time as the judge types it: said back at once, never in the future, never
after its receipt (nor the receipt moved before it later), a day alone asked only its hour.

Scripted dialogues on Sunday 2026-11-29 10:00 in Beijing, with ``[intake] propose`` on: the
time typed at the proposals is the inquiry's.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from dialogue import (
    AFTER_NEW,
    AMEND,
    BACK,
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Press,
    asks,
    asks_received,
    dialogue,
    local,
    open_court,
    phone_record,
    png_bytes,
    proposing_bot,
    record_row,
    says,
    settings_for,
)

from handlers.fields import Step
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.db import Database

SUNDAY = local("2026-11-29 10:00")
OK = says("intake.proposed.ok")
CHANGED = says("intake.proposed.change")
DAY_ONLY = says("intake.day_only")


bot = proposing_bot(SUNDAY)


def taken(time: str) -> str:
    return says("intake.time_taken", field="过问时间", time=time)


REST_NEW = "已确认：收到时间、来源。"
"""What a time typed at /new's card confirms with it."""


@pytest.mark.parametrize(
    ("typed", "shown", "stored"),
    [
        ("11月28日下午三点", "11月28日（周六）15:00", "2026-11-28 15:00"),
        ("前天下午3点半", "11月27日（周五）15:30", "2026-11-27 15:30"),
        ("今天早上8点", "11月29日（周日）08:00", "2026-11-29 08:00"),
        ("凌晨1点", "11月29日（周日）01:00", "2026-11-29 01:00"),
        ("昨晚8点", "11月28日（周六）20:00", "2026-11-28 20:00"),
        ("28号下午3点", "11月28日（周六）15:00", "2026-11-28 15:00"),
        ("十一月二十八日下午三点", "11月28日（周六）15:00", "2026-11-28 15:00"),
        ("１１月２８日　１５：００", "11月28日（周六）15:00", "2026-11-28 15:00"),
        ("2025年12月30日 9:00", "2025年12月30日（周二）09:00", "2025-12-30 09:00"),
    ],
)
async def test_a_typed_inquiry_time_is_said_back_at_once(
    court: Court, db: Database, typed: str, shown: str, stored: str
) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            # The time typed at the card is the inquiry's; the rest is confirmed with it.
            (typed, Exactly(REST_NEW, taken(shown), asks(Step.CHANNEL))),
        ],
    )
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local(stored)
    assert (row["kind"], row["received_confirmed"]) == ("external", True)


async def test_a_day_alone_is_asked_only_its_hour_or_kept_as_a_day(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    hour = says("intake.ask.hour", day="11月28日（周六）")
    await dialogue(
        judge,
        [
            ("/new", "以下内容按您发送 /new 的时间和通常情况推定，待您确认："),
            ("11月28日", Exactly(REST_NEW, hour)),
            ("下午3点", Exactly(taken("11月28日（周六）15:00"), asks(Step.CHANNEL))),
            (Press(BACK), asks(Step.INQUIRY_AT)),
            ("11月28日", (hour, Buttons(DAY_ONLY, BACK, says("intake.skip")))),
            (
                Press(DAY_ONLY),
                (taken("11月28日（周六）时间不详"), asks(Step.CHANNEL), Buttons(*AFTER_NEW, BACK)),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local("2026-11-28 00:00")
    assert row["fields"]["inquiry_day_only"] is True
    card = (await judge.say("/record #1"))[0]
    assert "过问时间：2026-11-28 时间不详" in card


CARD = says("intake.proposed.intro")
"""The proposals' card, as it begins."""


async def test_a_future_time_is_refused_as_future_and_the_inquiry_never_follows_receipt(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            # A WeChat message (its caption says so): it arrives when sent.
            (
                Forward(photo, caption="王局长的微信", at=local("2026-11-28 20:00")),
                says("intake.proposed.intro"),
            ),
            # Each refusal brings the card back whole, with its buttons; nothing is stored.
            (
                "明天 15:00",
                Again(says("intake.error.time_future", time="11月30日（周一）15:00"), CARD),
            ),
            ("后天", Again(says("intake.error.time_future", time="12月1日（周二）"), CARD)),
            (
                "今天早上8点",
                Again(
                    says("intake.error.inquiry_after_sent", at="11月28日（周六）20:00"),
                    CARD,
                ),
            ),
            # The card proposes the inquiry's time: its hint says a time may be typed, and a
            # number alone is said to be no time, with an example.
            ("乱写一气", Again(says("intake.error.proposed_time"), CARD)),
            *(
                (typed, Again(says("intake.error.proposed_bare", typed=typed), CARD))
                for typed in ("3", "三", "１５")
            ),
            # The time typed confirms the rest: the channel proposed from the screenshot too.
            # Earlier than the stated send time, it is the WeChat message's receipt time too.
            (
                "28号下午3点",
                Exactly(
                    "已确认：来源、过问方式。",
                    says("intake.proposed.received_when_sent", time="11月28日（周六）15:00"),
                    taken("11月28日（周六）15:00"),
                    asks(Step.INQUIRER_NAME),
                ),
            ),
            # Back goes through the answers in reverse: the time typed last, then the
            # proposals it confirmed.
            (Press(BACK), asks(Step.INQUIRY_AT)),
            (Press(BACK), asks(Step.CHANNEL)),
            (Press(BACK), asks(Step.SOURCE)),
            (Press(BACK), asks_received("2026-11-28 15:00")),
            # The receipt cannot be moved before the inquiry already recorded.
            (
                "11月28日下午2点",
                Again(
                    says("intake.error.receipt_before_inquiry", inquiry="11月28日（周六）15:00"),
                    asks_received("2026-11-28 15:00"),
                ),
            ),
            (
                "11月28日下午4点",
                Exactly(
                    says("intake.time_taken", field="收到时间", time="11月28日（周六）16:00"),
                    asks(Step.INQUIRER_NAME),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert (row["received_at"], row["inquiry_at"]) == (
        local("2026-11-28 16:00"),
        local("2026-11-28 15:00"),
    )
    assert isinstance(row["received_at"], datetime)


async def test_an_amendment_never_puts_the_inquiry_after_its_receipt(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(local("2026-03-06 10:00"))
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    judge = (await open_court(bot)).chat("张伟")
    await dialogue(judge, phone_record())  # inquiry at the receipt: 2026-03-06 10:00
    number = "温法过问〔2026〕1号"
    await dialogue(
        judge,
        [
            (f"/record {number}", number),
            (Press(AMEND), says("amend.which", title=number)),
            # A call is received as it is made: its receipt time is never corrected alone.
            (
                Press(says("card.received_at")),
                Exactly(
                    says("amend.receipt_follows", channel="电话"),
                    says("amend.which", title=number),
                ),
            ),
            (
                Press(says("card.inquiry_at")),
                says("amend.ask_value", field="过问时间", value="2026-03-06 10:00"),
            ),
            # Refused, the prompt comes again under the refusal: nothing to scroll up to.
            (
                "今天 15:00",
                Exactly(
                    says("intake.error.time_future", time="3月6日（周五）15:00")
                    + "\n\n"
                    + says("amend.ask_value", field="过问时间", value="2026-03-06 10:00")
                ),
            ),
            # A number alone is no time, said plainly, with no word of buttons (there are none).
            (
                "9",
                Exactly(
                    says("intake.error.time_bare", typed="9")
                    + "\n\n"
                    + says("amend.ask_value", field="过问时间", value="2026-03-06 10:00")
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == row["inquiry_at"] == local("2026-03-06 10:00")


async def test_a_number_alone_at_the_receipt_question_is_never_a_time(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())

    def refused(typed: str) -> Again:
        return Again(says("intake.error.time_bare", typed=typed), asks_received("2026-11-28 20:00"))

    await dialogue(
        judge,
        [
            (Forward(photo, at=local("2026-11-28 20:00")), says("intake.proposed.intro")),
            (Press(CHANGED), asks_received("2026-11-28 20:00")),
            ("3", refused("3")),
            ("三", refused("三")),
            ("１５", refused("１５")),
            ("今天 3", refused("今天 3")),
            (
                "今天3点",
                Exactly(
                    says("intake.time_taken", field="收到时间", time="11月29日（周日）03:00"),
                    asks(Step.SOURCE),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == local("2026-11-29 03:00")


async def test_a_far_back_receipt_time_in_a_correction_is_confirmed_by_its_button(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(local("2026-03-06 10:00"))
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    judge = (await open_court(bot)).chat("张伟")
    await dialogue(judge, phone_record())
    clock.set(local("2026-04-20 10:00"))
    number = "温法过问〔2026〕1号"
    # A call's inquiry time is its receipt time: corrected far back, it is asked to confirm.
    far = says("intake.error.time_far_back", time="3月6日（周五）09:00", days=45)
    ok, retype = says("intake.far_back_ok"), says("intake.far_back_no")
    prompt = says("amend.ask_value", field="过问时间", value="2026-03-06 10:00")
    await dialogue(
        judge,
        [
            (f"/record {number}", number),
            (Press(AMEND), says("amend.which", title=number)),
            (Press(says("card.inquiry_at")), prompt),
            ("2026-03-06 09:00", (Exactly(far + "\n\n" + prompt), Buttons(ok, retype))),
            (Press(retype), Exactly(prompt)),
            ("2026-03-06 09:00", (Exactly(far + "\n\n" + prompt), Buttons(ok, retype))),
            (Press(ok), says("amend.ask_reason")),
        ],
    )
