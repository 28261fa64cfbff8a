"""When a record was received, as the deadlines of Art. 6 count from it.

A WeChat message (an SMS, an e-mail) reaches the judge when it is sent: forwarded to the bot
later, the time the judge types at the proposals is its receipt time too, and the card says
the deadlines count from it; a forward whose chat service tells when it was first sent keeps
that time while the judge's time agrees with it (``test_intake_receipt_rule`` covers every
way in and every path). A receipt time before the court's rules took effect is refused, one
in the future refused, one more than 30 days back asked again to confirm. The message after
submitting marks a step already overdue.

Scripted dialogues on Sunday 2026-11-29 10:00 in Beijing, with ``[intake] propose`` on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Lacks,
    Offers,
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
CHANGED = says("intake.proposed.change")


WECHAT = "县财政局李局长的微信"
"""What the judge writes with the screenshot: a WeChat message, so its channel is proposed with
its times (a picture that shows no channel has it asked, ``test_intake_ask_less``)."""


bot = proposing_bot(SUNDAY)


@pytest.mark.parametrize(
    ("typed", "shown", "stored"),
    [
        ("昨天晚上9点", "11月28日（周六）21:00", "2026-11-28 21:00"),
        ("今天早上8点", "11月29日（周日）08:00", "2026-11-29 08:00"),
        ("11月20日15:00", "11月20日（周五）15:00", "2026-11-20 15:00"),
    ],
)
async def test_a_forwarded_messages_typed_time_is_its_receipt_time_too(
    bot: DialogueBot, court: Court, db: Database, typed: str, shown: str, stored: str
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            (
                Forward(photo, caption=WECHAT),
                (says("intake.proposed.intro"), says("intake.proposed.other_time_sent")),
            ),
            (
                typed,
                Exactly(
                    "已确认：来源、过问方式。",
                    says("intake.proposed.received_when_sent", time=shown),
                    says("intake.time_taken", field="过问时间", time=shown),
                    asks(Step.INQUIRER_NAME),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == row["inquiry_at"] == local(stored)
    assert row["received_confirmed"] is True
    [card] = [m.text for m in await judge.act("/record 草稿 #1")]
    assert f"收到时间：{stored}" in card


async def test_a_forward_that_says_when_it_was_sent_keeps_that_time_when_the_judge_agrees(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            (
                Forward(photo, caption=WECHAT, at=local("2026-11-28 20:03")),
                (says("intake.proposed.intro"), says("intake.proposed.other_time_stated")),
            ),
            (
                "28号晚上8点",
                Exactly(
                    "已确认：来源、过问方式。",
                    says("intake.time_taken", field="过问时间", time="11月28日（周六）20:00"),
                    asks(Step.INQUIRER_NAME),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert (row["received_at"], row["inquiry_at"]) == (
        local("2026-11-28 20:03"),
        local("2026-11-28 20:00"),
    )


async def test_a_time_the_judge_gives_against_the_stated_one_is_the_receipt_time(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    shown = "11月28日（周六）15:00"
    await dialogue(
        judge,
        [
            (
                Forward(photo, caption=WECHAT, at=local("2026-11-28 20:00")),
                says("intake.proposed.intro"),
            ),
            (
                "28号下午3点",
                Exactly(
                    "已确认：来源、过问方式。",
                    says("intake.proposed.received_when_sent", time=shown),
                    says("intake.time_taken", field="过问时间", time=shown),
                    asks(Step.INQUIRER_NAME),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == row["inquiry_at"] == local("2026-11-28 15:00")


async def test_receipt_times_out_of_bounds_are_refused_or_confirmed(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    question = asks_received("2026-11-29 10:00")
    since = "2021年6月23日（周三）"
    await dialogue(
        judge,
        [
            (Forward(photo, caption=WECHAT), says("intake.proposed.intro")),
            (Press(CHANGED), question),
            (
                "1900-01-01 00:00",
                Again(
                    says(
                        "intake.error.time_before_rules",
                        time="1900年1月1日（周一）00:00",
                        since=since,
                    ),
                    question,
                ),
            ),
            (
                "2021-06-22 23:59",
                Again(
                    says(
                        "intake.error.time_before_rules",
                        time="2021年6月22日（周二）23:59",
                        since=since,
                    ),
                    question,
                ),
            ),
            (
                "明天 10:00",
                Again(says("intake.error.time_future", time="11月30日（周一）10:00"), question),
            ),
            # 31 days back: asked to confirm; another far time is asked again, not taken.
            (
                "2026-10-29 10:00",
                Again(
                    says("intake.error.time_far_back", time="10月29日（周四）10:00", days=31),
                    question,
                ),
            ),
            (
                "2021-06-23 10:00",
                Again(
                    says(
                        "intake.error.time_far_back",
                        time="2021年6月23日（周三）10:00",
                        days=1985,
                    ),
                    question,
                ),
            ),
            # The same time again is the judge's confirmation.
            (
                "2021-06-23 10:00",
                Exactly(
                    says("intake.time_taken", field="收到时间", time="2021年6月23日（周三）10:00"),
                    asks(Step.SOURCE),
                ),
            ),
        ],
    )
    assert (await record_row(db, 1))["received_at"] == local("2021-06-23 10:00")


async def test_within_30_days_a_receipt_time_is_taken_at_once(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            (Forward(photo, caption=WECHAT), says("intake.proposed.intro")),
            (Press(CHANGED), asks_received("2026-11-29 10:00")),
            (
                "2026-10-31 10:00",
                Exactly(
                    says("intake.time_taken", field="收到时间", time="10月31日（周六）10:00"),
                    asks(Step.SOURCE),
                ),
            ),
        ],
    )
    assert (await record_row(db, 1))["received_at"] == local("2026-10-31 10:00")


async def test_the_submitted_message_marks_the_steps_already_overdue(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    clock.set(SUNDAY)
    plain = DialogueBot(db, clock, settings_for(tmp_path))
    judge = (await open_court(plain)).chat("张伟")
    script = phone_record()
    await judge.act("/new")
    await judge.act("2026-11-20 10:00")  # the receipt, nine days ago
    for action, _ in script[2:-1]:  # from the source question on
        await judge.act(action)
    [submitted] = [m.text for m in await judge.act(script[-1][0])]
    # 录入平台 and 报送 fell due over the weekend, so on Monday 11-23: six days overdue.
    due = says("card.deadline_at", day="2026-11-23")
    late = says("card.overdue", days=6, deadline=due)
    assert submitted.splitlines()[1:] == [
        says("card.deadline", milestone="录入平台", deadline=late),
        says("card.deadline", milestone="报送表格复印件", deadline=late),
    ]


FAR_OK = says("intake.far_back_ok")
FAR_NO = says("intake.far_back_no")


async def test_a_far_back_receipt_time_is_confirmed_or_retyped_by_its_buttons(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    question = asks_received("2026-11-29 10:00")
    far = says("intake.error.time_far_back", time="10月29日（周四）10:00", days=31)
    await dialogue(
        judge,
        [
            (Forward(photo, caption=WECHAT), says("intake.proposed.intro")),
            (Press(CHANGED), question),
            ("2026-10-29 10:00", (Again(far, question), Offers(FAR_OK, FAR_NO))),
            # Type it again: the question, and the same time is asked to confirm once more.
            (Press(FAR_NO), Exactly(question)),
            ("2026-10-29 10:00", (Again(far, question), Offers(FAR_OK, FAR_NO))),
            (
                Press(FAR_OK),
                Exactly(
                    says("intake.time_taken", field="收到时间", time="10月29日（周四）10:00"),
                    asks(Step.SOURCE),
                ),
            ),
        ],
    )
    assert (await record_row(db, 1))["received_at"] == local("2026-10-29 10:00")


async def test_a_far_back_time_typed_on_the_card_is_confirmed_by_its_button(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    far = says("intake.error.time_far_back", time="10月20日（周二）21:00", days=40)
    moved = says("intake.proposed.received_when_sent", time="10月20日（周二）21:00")
    await dialogue(
        judge,
        [
            (Forward(photo, caption=WECHAT), says("intake.proposed.intro")),
            # The far-back card asks about that time alone: its two buttons, none of the card's.
            ("10月20日晚上9点", (far, Buttons(FAR_OK, FAR_NO))),
            (Press(FAR_NO), (Lacks(far), Offers(says("intake.proposed.ok")))),
            ("10月20日晚上9点", (far, Offers(FAR_OK, FAR_NO))),
            (Press(FAR_OK), (moved, asks(Step.INQUIRER_NAME))),
        ],
    )
    row = await record_row(db, 1)
    assert row["received_at"] == row["inquiry_at"] == local("2026-10-20 21:00")
