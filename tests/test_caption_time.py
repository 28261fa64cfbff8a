"""A time at the head of the text sent with a file (``/attach 截图.png 周六晚上10点 县委…``, a
photo's caption) is read as the intake reads a typed time and offered as the inquiry's time,
for the judge to press or change; one that has not come yet is said and not used; a caption
without a time at its head proposes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Forward,
    Press,
    all_records,
    local,
    open_court,
    png_bytes,
    says,
)
from dialogue import settings_for as dialogue_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.engine import Context, Services
from handlers.fields import CAPTION_TIME, when
from handlers.intake.media import time_at_head
from handlers.ports import AttachmentKind, IncomingMessage
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=BEIJING)  # a Friday


@pytest.fixture
async def court(db: Database, clock: FakeClock, tmp_path: Path) -> Court:
    bot = DialogueBot(db, clock, dialogue_settings(tmp_path))
    return await open_court(bot)


def context(now: datetime = NOW) -> Context:
    staff = Staff(name="张伟", language=Language.ZH.value)
    message = IncomingMessage(transport="console", chat_id="1", user_id="1", received_at=now)
    services = Services(clock=FakeClock(now), tz=BEIJING)
    return Context(cast(Any, None), message, staff, cast(Any, None), services, now)


async def test_a_caption_that_begins_with_a_time_is_offered_as_the_inquirys_time(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    shot = court.bot.file(AttachmentKind.PHOTO, png_bytes(), name="截图.png")
    caption = "周六晚上10点 县委李主任来电问案子"
    replies = [m.text for m in await judge.act(Forward(shot, caption=caption))]
    said = when(context(), local("2026-02-28 22:00"))
    assert says("intake.caption_time", caption=caption, time=said) in replies
    [record] = await all_records(db)
    assert record.fields[CAPTION_TIME] == "2026-02-28 22:00"
    assert record.inquiry_at is None  # offered, never stored unconfirmed
    await judge.act(Press("时间正确"))
    asked = await judge.act(Press("外部领导干部"))
    labels = [button.label for row in asked[-1].buttons for button in row]
    offered = says("intake.proposed.caption_time", time=said)
    assert labels[0] == offered
    await judge.act(Press(offered))
    [record] = await all_records(db)
    assert record.inquiry_at == local("2026-02-28 22:00")


async def test_a_caption_time_still_to_come_is_said_and_not_used(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    shot = court.bot.file(AttachmentKind.PHOTO, png_bytes(), name="截图.png")
    caption = "明天上午9点 开庭前再联系"
    replies = [m.text for m in await judge.act(Forward(shot, caption=caption))]
    said = when(context(), local("2026-03-07 09:00"))
    assert says("intake.caption_time_future", caption=caption, time=said) in replies
    [record] = await all_records(db)
    assert CAPTION_TIME not in record.fields


HEADS = st.sampled_from(
    [
        ("周六晚上10点", "2026-02-28 22:00"),
        ("星期三下午3点半", "2026-03-04 15:30"),
        ("礼拜天上午9点10分", "2026-03-01 09:10"),
        ("昨天晚上8点", "2026-03-05 20:00"),
        ("前天下午3点20分", "2026-03-04 15:20"),
        ("今天凌晨1点半", "2026-03-06 01:30"),
        ("3月2日 14:30", "2026-03-02 14:30"),
        ("周五 9:15", "2026-03-06 09:15"),
    ]
)
TAILS = st.sampled_from(
    ["", " 县委李主任来电", "，政法委王某问(2026)豫0825民初123号进展", "。微信截图", "、见附件"]
)
NO_TIME = st.sampled_from(
    ["县委李主任来电", "微信截图", "(2026)豫0825民初123号", "3", "见附件 周六", "第二张"]
)


@settings(max_examples=60, deadline=None)
@given(HEADS, TAILS)
def test_a_time_at_the_head_of_any_caption_is_read(head: tuple[str, str], tail: str) -> None:
    written, meant = head
    moment = time_at_head(context(), written + tail)
    assert moment is not None
    assert moment.strftime("%Y-%m-%d %H:%M") == meant
    assert moment <= NOW


@settings(max_examples=30, deadline=None)
@given(NO_TIME, TAILS)
def test_a_caption_without_a_time_at_its_head_reads_none(text: str, tail: str) -> None:
    assert time_at_head(context(), text + tail) is None


def test_a_time_of_day_alone_is_today() -> None:
    moment = time_at_head(context(), "9:30 电话")
    assert moment == datetime.combine(NOW.date(), time(9, 30), tzinfo=BEIJING)
    earlier = NOW - timedelta(hours=1)  # read as today's, still to come: said, not used
    assert time_at_head(context(earlier), "9:30 电话") == moment > earlier
