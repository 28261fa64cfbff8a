"""A time still to come gets the same help wherever a time is typed.

Typed with no day (``15:00``, ``下午3点`` at 09:00) the words may mean yesterday's; today's
weekday typed alone (``周三 15:00`` on a Wednesday morning) may mean the week back's. For
every day of two weeks, every hour of now and every later hour typed, at the intake's two
time questions and in a correction of either time of a submitted record: the refusal offers
that one past reading as a button when the answer could take it (pressing it is accepted),
and otherwise says why it could not (the very refusal the reading gets typed in full), so
the judge is never left with a bare "not yet" where a past reading exists.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

from dialogue import AMEND, CONFIRM_TIME, EXTERNAL, Court, DialogueBot, Press, labels_of, says
from dialogue import phone_record as phone
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, bj
from test_form_copy_arrival import _COMMON

from handlers.ports import OutgoingMessage
from reminders.clock import FakeClock

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MONDAY = bj("2026-11-23 00:07")
"""The first of the two weeks the moments are drawn from."""
LABEL = {"received_at": "收到时间", "inquiry_at": "过问时间"}
FRESH = "新建一条记录"
NOT_YET = says("intake.error.time_future", time="X").split("X")[1][:4]  # 还没有到

_numbers = itertools.count(1)


def typed_words(hour: int, *, weekday: str | None, part: bool) -> str:
    """``hour`` as a judge types it: ``下午3点`` (with its part of the day) or ``15:00``,
    after today's weekday when one is given."""
    if part:
        name = "凌晨" if hour < 6 else "上午" if hour < 12 else "下午" if hour < 18 else "晚上"
        clock = f"{name}{hour if hour <= 12 else hour - 12}点"
    else:
        clock = f"{hour:02d}:00"
    return f"{weekday} {clock}" if weekday else clock


def offered_label(now: datetime, hour: int, *, week: bool) -> tuple[str, datetime]:
    """The button the refusal may offer and the moment it stands for."""
    local = now.astimezone(BEIJING)
    back = 7 if week else 1
    earlier = (local - timedelta(days=back)).replace(hour=hour, minute=0)
    clock = f"{hour:02d}:00"
    if week:
        weekday = WEEKDAYS[local.weekday()]
        return says("intake.which_hour.week_back", weekday=weekday, clock=clock), earlier
    return says("intake.which_hour.yesterday", clock=clock), earlier


async def _new(judge: object) -> None:
    """/new, a fresh draft even when earlier examples left theirs open."""
    act = judge.act  # type: ignore[attr-defined]
    replies = await act("/new")
    if FRESH in labels_of(replies):
        await act(Press(FRESH))


async def _check(
    person: object,
    replies: list[OutgoingMessage],
    label: str,
    earlier: datetime,
    again: str,
) -> list[OutgoingMessage]:
    """The refusal's help is true: the button is taken, or the reason given is the one the
    reading gets typed in full (answered ``again`` to bring the question back)."""
    act = person.act  # type: ignore[attr-defined]
    text = replies[0].text
    assert NOT_YET in text, text
    if label in labels_of(replies):
        after = await act(Press(label))
        assert all(NOT_YET not in r.text for r in after), [r.text for r in after]
        return after
    unfit = says("intake.error.time_future_unfit", time="T", earlier=label, why="W")
    tail = unfit.split("T", 1)[1].split("W")[0]  # …；昨天 15:00也不行：
    assert tail in text, (tail, text)
    why = text.split(tail, 1)[1]
    full = await act(f"{earlier:%Y-%m-%d %H:%M}")
    assert full[0].text.split("\n\n")[0] in why, (full[0].text, why)
    return full


@settings(max_examples=24, derandomize=True, **_COMMON)
@example(day=9, now_hour=9, hour=15, week=False, part=True, field="inquiry_at", where="fix",
         opened_back=20)  # fmt: skip  # F15: a correction of 过问时间, 下午3点 at 09:12
@example(day=9, now_hour=9, hour=15, week=True, part=True, field="received_at", where="intake",
         opened_back=1)  # fmt: skip  # F16: 周三下午3点 on a Wednesday morning
@given(
    day=st.integers(0, 13),
    now_hour=st.integers(0, 22),
    hour=st.integers(1, 23),
    week=st.booleans(),
    part=st.booleans(),
    field=st.sampled_from(sorted(LABEL)),
    where=st.sampled_from(["intake", "fix"]),
    opened_back=st.integers(1, 60),
)
async def test_a_time_to_come_offers_or_explains_its_one_past_reading(
    bot: DialogueBot,
    court: Court,
    clock: FakeClock,
    day: int,
    now_hour: int,
    hour: int,
    week: bool,
    part: bool,
    field: str,
    where: str,
    opened_back: int,
) -> None:
    if hour <= now_hour:
        hour = now_hour + 1 + (hour % (23 - now_hour))
    now = MONDAY + timedelta(days=day, hours=now_hour, minutes=5)
    weekday = WEEKDAYS[now.astimezone(BEIJING).weekday()] if week else None
    typed = typed_words(hour, weekday=weekday, part=part)
    label, earlier = offered_label(now, hour, week=week)
    judge = court.chat("张伟")
    n = next(_numbers)
    if where == "intake":
        clock.set(now)
        await _new(judge)
        if field == "inquiry_at":
            await judge.act(Press(CONFIRM_TIME))
            await judge.act(Press(EXTERNAL))
        replies = await judge.act(typed)
        await _check(judge, replies, label, earlier, typed)
        await judge.act("/cancel")
        return
    # A submitted phone record: its receipt is its inquiry's (a call is received as it is
    # made), never corrected on its own, so only the inquiry time is corrected here.
    assume(field == "inquiry_at")
    opened = now - timedelta(hours=opened_back)
    clock.set(opened)
    received = f"{opened.astimezone(BEIJING):%Y-%m-%d %H:%M}"
    script = phone(draft=n, inquirer=f"王{n}号", received=received)
    said: list[OutgoingMessage] = []
    for action, _ in script:
        if action == "/new":
            await _new(judge)
            continue
        said = await judge.act(received if action == Press(CONFIRM_TIME) else action)
    [number] = {m for r in said for m in re.findall(r"温法过问〔\d+〕\d+号", r.text)}
    clock.set(now)
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    prompt = await judge.act(Press(LABEL[field]))
    assert prompt[0].text.startswith(says("amend.ask_value", field=LABEL[field], value="")[:4])
    replies = await judge.act(typed)
    await _check(judge, replies, label, earlier, typed)
    await judge.act("/cancel")
