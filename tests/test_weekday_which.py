"""A weekday typed alone that is today's (``周六晚上10点`` on a Saturday evening) is asked,
never chosen: today or the same day a week back, each a button, when both fit; the answer to
that question answers it, never the next question. When today's reading cannot be the answer
(still to come, or after the draft was opened), the week back's is taken and said, never
offered beside one that would be refused.

Over each weekday word × time of day × now (any minute of a week), at /new's card (the
inquiry's time typed there), at the inquiry's own question, and in a correction of a
submitted record.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from dialogue import (
    AMEND,
    BEIJING,
    Court,
    DialogueBot,
    Person,
    Press,
    asks,
    local,
    open_court,
    phone_record,
    proposing_bot,
    record_row,
    says,
    settings_for,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_correction_fields import label
from test_timeparse import period_and_hour

from handlers.fields import Step
from reminders.clock import FakeClock
from storage.db import Database

SATURDAY = local("2026-12-05 21:00")
ORDER = timedelta(minutes=1)
"""How far the inquiry's time may run past /new's reaching the bot (``_check_order``)."""
NAMES = ("一", "二", "三", "四", "五", "六", "日")


def day_shown(day: date) -> str:
    """A day as the bot says it back (``12月5日（周六）``)."""
    return f"{day.month}月{day.day}日（周{'一二三四五六日'[day.weekday()]}）"


def written(weekday: int, hour: int, minute: int, form: int) -> str:
    """Today's weekday and a time of day as a judge writes it."""
    head = ("周", "星期", "礼拜")[form % 3] + NAMES[weekday]
    word, twelve = period_and_hour(hour)
    return f"{head}{word}{twelve}点{minute or ''}{'分' if minute else ''}"


def asked(typed: str, today: date) -> str:
    return says(
        "intake.error.time_which_week",
        typed=typed,
        today=day_shown(today),
        earlier=day_shown(today - timedelta(days=7)),
    )


def choice(which: str, day: date) -> str:
    return says(f"intake.which_week.{which}", day=day_shown(day))


def taken(moment: datetime) -> str:
    return says(
        "intake.time_taken", field="过问时间", time=f"{day_shown(moment.date())}{moment:%H:%M}"
    )


async def open_new(court: Court) -> Person:
    """张伟 at a new draft's card (``/new``; another draft open is left for it)."""
    judge = court.chat("张伟")
    await judge.act("/cancel")
    replies = await judge.act("/new")
    if any(b.data == "in:media:new" for row in replies[-1].buttons for b in row):
        await judge.act(Press(replies[-1].buttons[0][1].label))  # another draft is open
    return judge


async def to_inquiry_question(judge: Person) -> None:
    """From ``/new`` to the inquiry's own question, through the card's 有变化."""
    await judge.act("/new")
    await judge.act(Press(says("intake.proposed.change")))
    replies = await judge.act(Press(says("intake.confirm_time")))
    for _ in range(3):  # to the inquiry's own question
        if replies[-1].text.startswith(asks(Step.INQUIRY_AT)):
            break
        replies = await judge.act(Press(replies[-1].buttons[0][0].label))
    assert replies[-1].text.startswith(asks(Step.INQUIRY_AT)), replies[-1].text


async def correcting_inquiry(
    db: Database, clock: FakeClock, tmp_path: Path, *, received: str, now: str
) -> Person:
    """张伟 at the new-value prompt of a correction of the inquiry's time of a call
    ``received`` then (``phone_record``), corrected at ``now``."""
    clock.set(local(received))
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    court = await open_court(bot)
    judge = court.chat("张伟")
    for action, _ in phone_record(received=received):
        await judge.act(action)
    clock.set(local(now))
    number = (await record_row(db, 1))["number"]
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("inquiry_at")))
    return judge


bot = proposing_bot(SATURDAY)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    hour_of_week=st.integers(0, 7 * 24 - 1),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 10, 30]),
    form=st.integers(0, 2),
    pick_today=st.booleans(),
)
async def test_todays_weekday_is_asked_only_when_both_days_fit(
    court: Court,
    clock: FakeClock,
    db: Database,
    hour_of_week: int,
    hour: int,
    minute: int,
    form: int,
    pick_today: bool,
) -> None:
    now = local("2026-11-30 00:00") + timedelta(hours=hour_of_week)
    clock.set(now)
    today = now.date()
    typed = written(today.weekday(), hour, minute, form)
    judge = await open_new(court)
    replies = await judge.act(typed)
    texts = [r.text for r in replies]
    earlier = datetime.combine(today - timedelta(days=7), time(hour, minute), tzinfo=BEIJING)
    if datetime.combine(today, time(hour, minute), tzinfo=BEIJING) > now + ORDER:
        # Today's is still to come (or after /new reached the bot): never offered, and the
        # week back never taken unasked; refused as typed (上周X says the week back).
        assert not any(t.startswith(asked(typed, today)) for t in texts), texts
        assert taken(earlier) not in texts, texts
        assert texts[-1] != asks(Step.CHANNEL), texts
        return
    # Asked, with a button for each meaning; nothing stored, nothing asked after it.
    assert texts[-1].startswith(asked(typed, today)), texts
    assert [b.label for b in replies[-1].buttons[0]] == [
        choice("today", today),
        choice("earlier", today - timedelta(days=7)),
    ]
    # The same words again are the same question, never the next question's answer.
    replies = await judge.act(typed)
    assert replies[-1].text.startswith(asked(typed, today)), replies[-1].text
    day = today if pick_today else today - timedelta(days=7)
    meant = datetime.combine(day, time(hour, minute), tzinfo=BEIJING)
    replies = await judge.act(Press(choice("today" if pick_today else "earlier", day)))
    texts = [r.text for r in replies]
    assert taken(meant) in texts and texts[-1] == asks(Step.CHANNEL), texts


async def test_the_trial_saturday_evening_is_last_weeks_and_the_next_answer_is_not_the_name(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """The trials: Saturday 2026-12-05 21:00, ``周六晚上10点`` at the inquiry's question is
    refused as not yet come (today's is never offered, the week back's never taken unasked:
    a record dated a week back would start overdue); ``上周六晚上10点`` is 11-28 22:00;
    ``周六晚上8点`` is asked, never taken as the inquirer's name; pressing 上周 takes 11-28
    20:00."""
    judge = court.chat("张伟")
    await to_inquiry_question(judge)
    replies = await judge.act("周六晚上10点")
    texts = [r.text for r in replies]
    assert taken(local("2026-11-28 22:00")) not in texts, texts
    assert any("还没有到" in t for t in texts), texts
    replies = await judge.act("上周六晚上10点")
    assert taken(local("2026-11-28 22:00")) in [r.text for r in replies]
    await judge.act("/back")
    replies = await judge.act("周六晚上8点")
    assert replies[-1].text.startswith(asked("周六晚上8点", SATURDAY.date())), replies[-1].text
    replies = await judge.act("周六晚上8点")  # again: the same question, not the next one
    assert replies[-1].text.startswith(asked("周六晚上8点", SATURDAY.date()))
    replies = await judge.act(Press(choice("earlier", date(2026, 11, 28))))
    assert replies[-1].text != asks(Step.INQUIRY_AT)
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local("2026-11-28 20:00") and row["inquirer_name"] is None


async def test_a_correction_to_todays_weekday_is_asked(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """In a correction of a submitted record: the same question, its buttons under the
    new-value prompt; the meaning pressed is the new value."""
    at = "2026-03-06 10:00"  # a Friday
    judge = await correcting_inquiry(db, clock, tmp_path, received=at, now=at)
    replies = await judge.act("周五早上8点")
    assert replies[-1].text.startswith(asked("周五早上8点", date(2026, 3, 6)))
    replies = await judge.act(Press(choice("today", date(2026, 3, 6))))
    assert replies[-1].text == says("amend.ask_reason"), [r.text for r in replies]
