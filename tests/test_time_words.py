"""Times said from the week or from now: ``上周五下午3点``, ``上个星期五``, ``这周一上午9点``
(that weekday of that week, Monday to Sunday; a day still to come refused as in the future),
``刚才``, ``5分钟前``, ``半小时前``, ``一个半小时前``, ``两小时前`` (back from the message's
time, to the minute).

Over weekday × week word × part of day × hour × now, and relative amount × now: the grammar
(``timeparse.read_time``) reads each as the moment meant, at /new's proposals card the
typed time is the inquiry's time (or refused as in the future), and a caption headed by one
proposes it. A weekday alone that is today's, typed when today's reading is still to come,
is last week's in a caption too.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from dialogue import Court, asks, local, proposing_bot, says
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_caption_time import context
from test_timeparse import chinese, period_and_hour
from test_weekday_which import (
    ORDER,
    correcting_inquiry,
    day_shown,
    open_new,
    taken,
    to_inquiry_question,
)

from handlers.fields import CLOCK_SLACK, Step
from handlers.intake.media import time_at_head
from handlers.timeparse import read_time
from reminders.clock import FakeClock
from storage.db import Database

BEIJING = local("2026-12-01 10:00").tzinfo
assert BEIJING is not None
START = local("2026-11-30 00:00")  # a Monday
NAMES = ("一", "二", "三", "四", "五", "六", "日")
WEEK_WORDS = (
    ("上周", -1),
    ("上个周", -1),
    ("上星期", -1),
    ("上个星期", -1),
    ("上礼拜", -1),
    ("上个礼拜", -1),
    ("上上周", -2),
    ("本周", 0),
    ("这周", 0),
    ("这个星期", 0),
    ("这礼拜", 0),
    ("这个礼拜", 0),
)


def weekday_name(weekday: int, head: str, form: int) -> str:
    """Sunday may be 日 or 天 (星期天, 礼拜天)."""
    return "天" if weekday == 6 and form % 2 and not head.endswith("周") else NAMES[weekday]


def clock_words(hour: int, minute: int, form: int) -> str:
    """A time of day with its part of the day (digits or numerals), or a 24-hour clock."""
    if form == 2:
        return f"{hour:02d}:{minute:02d}"
    word, twelve = period_and_hour(hour)
    spoken = str(twelve) if form == 0 else chinese(twelve)
    return f"{word}{spoken}点{minute or ''}{'分' if minute else ''}"


def weekday_meant(now: datetime, week: int, weekday: int, hour: int, minute: int) -> datetime:
    monday = now.date() - timedelta(days=now.weekday())
    day = monday + timedelta(days=7 * week + weekday)
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING)


bot = proposing_bot(START)


week_words = st.sampled_from(WEEK_WORDS)
times_of_week = st.integers(0, 7 * 24 * 60 - 1).map(lambda m: START + timedelta(minutes=m))


@settings(max_examples=400, deadline=None)
@given(
    now=times_of_week,
    week=week_words,
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 5, 30]),
    form=st.integers(0, 2),
)
def test_a_weekday_after_its_week_reads_as_that_day_of_that_week(
    now: datetime, week: tuple[str, int], weekday: int, hour: int, minute: int, form: int
) -> None:
    head, weeks = week
    typed = f"{head}{weekday_name(weekday, head, form)}{clock_words(hour, minute, form)}"
    read = read_time(typed, now=now, tz=BEIJING)
    meant = weekday_meant(now, weeks, weekday, hour, minute)
    assert read.at(BEIJING) == meant and read.other is None and not read.twelve, typed


def test_the_finding_last_friday_afternoon() -> None:
    tuesday = local("2026-12-01 10:00")
    assert read_time("上周五下午3点", now=tuesday, tz=BEIJING).at(BEIJING) == local(
        "2026-11-27 15:00"
    )


AMOUNTS = (
    ("刚才", 0),
    ("刚刚", 0),
    ("半小时前", 30),
    ("半个小时前", 30),
    ("一小时前", 60),
    ("一个小时前", 60),
    ("两小时前", 120),
    ("两个小时前", 120),
    ("一个半小时前", 90),
)


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, int]:
    """A moment back from now as typed, and how many minutes back it is."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.sampled_from(AMOUNTS))
    n = draw(st.integers(1, 59 if kind == 1 else 12))
    spoken = draw(st.sampled_from([str(n), chinese(n) if n != 2 else "两"]))
    if kind == 1:
        return f"{spoken}{draw(st.sampled_from(['分钟前', '分钟以前', '分钟之前']))}", n
    return f"{spoken}{draw(st.sampled_from(['小时前', '个小时前', '个钟头前']))}", 60 * n


@settings(max_examples=400, deadline=None)
@given(
    now=times_of_week.flatmap(lambda t: st.integers(0, 59).map(lambda s: t.replace(second=s))),
    amount=amounts(),
)
def test_a_moment_back_from_now_reads_to_the_minute(now: datetime, amount: tuple[str, int]) -> None:
    typed, back = amount
    read = read_time(typed, now=now, tz=BEIJING)
    assert read.at(BEIJING) == now.replace(second=0) - timedelta(minutes=back), typed
    assert read.other is None and not read.twelve


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    now=times_of_week,
    week=week_words,
    weekday=st.integers(0, 6),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 30]),
    form=st.integers(0, 2),
)
async def test_a_weekday_of_a_named_week_at_the_proposals_card(
    court: Court,
    clock: FakeClock,
    now: datetime,
    week: tuple[str, int],
    weekday: int,
    hour: int,
    minute: int,
    form: int,
) -> None:
    clock.set(now)
    judge = await open_new(court)
    head, weeks = week
    typed = f"{head}{weekday_name(weekday, head, form)}{clock_words(hour, minute, form)}"
    meant = weekday_meant(now, weeks, weekday, hour, minute)
    texts = [r.text for r in await judge.act(typed)]
    if meant > now + CLOCK_SLACK:
        future = says("intake.error.time_future", time=f"{day_shown(meant.date())}{meant:%H:%M}")
        assert any(future in text for text in texts), texts
    elif meant <= now + ORDER:
        assert taken(meant) in texts and texts[-1] == asks(Step.CHANNEL), texts
    else:  # within the clock's slack but after /new reached the bot
        assert taken(meant) not in texts, texts


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(now=times_of_week, amount=amounts())
async def test_a_moment_back_from_now_at_the_proposals_card(
    court: Court, clock: FakeClock, now: datetime, amount: tuple[str, int]
) -> None:
    clock.set(now)
    judge = await open_new(court)
    typed, back = amount
    texts = [r.text for r in await judge.act(typed)]
    assert taken(now - timedelta(minutes=back)) in texts, texts
    assert texts[-1] == asks(Step.CHANNEL), texts


@settings(max_examples=100, deadline=None)
@given(now=times_of_week, hour=st.integers(0, 23), week=week_words, weekday=st.integers(0, 6))
def test_a_caption_headed_by_one_proposes_it(
    now: datetime, hour: int, week: tuple[str, int], weekday: int
) -> None:
    """Captions read them the same way; today's weekday alone whose reading today is still
    to come is last week's, never said to be in the future."""
    ctx = context(now)
    head, weeks = week
    caption = f"{head}{NAMES[weekday]}{clock_words(hour, 0, 0)} 县委李主任来电"
    assert time_at_head(ctx, caption) == weekday_meant(now, weeks, weekday, hour, 0)
    assert time_at_head(ctx, "半小时前 县委李主任来电") == now - timedelta(minutes=30)
    alone = time_at_head(ctx, f"周{NAMES[now.weekday()]}{clock_words(hour, 0, 0)} 县委来电")
    today = datetime.combine(now.date(), time(hour, 0), tzinfo=BEIJING)
    assert alone == (today if today <= now + CLOCK_SLACK else today - timedelta(days=7))


def test_the_finding_saturday_evening_caption() -> None:
    saturday = local("2026-12-05 20:00")
    read = time_at_head(context(saturday), "周六晚上10点 县委李主任来电")
    assert read == local("2026-11-28 22:00") and read.date() != date(2026, 12, 5)


async def test_the_finding_at_the_question(court: Court, clock: FakeClock) -> None:
    """At 过问是什么时候发生的？ on Tuesday 2026-12-01: ``上周五下午3点`` is 11-27 15:00."""
    clock.set(local("2026-12-01 10:00"))
    judge = court.chat("张伟")
    await to_inquiry_question(judge)
    texts = [r.text for r in await judge.act("上周五下午3点")]
    assert taken(local("2026-11-27 15:00")) in texts, texts


async def test_a_correction_reads_a_moment_back(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """In a correction of a call received at 10:00, ``两小时前`` typed at 14:00:40 is 12:00 —
    after the call reached the bot (/new: a call's receipt follows it), so refused as such;
    ``5小时前`` (09:00) is taken."""
    judge = await correcting_inquiry(
        db, clock, tmp_path, received="2026-03-06 10:00", now="2026-03-06 14:00"
    )
    clock.set(local("2026-03-06 14:00") + timedelta(seconds=40))
    replies = await judge.act("两小时前")
    late = says("intake.error.inquiry_after_arrival", at="3月6日（周五）10:00")  # a call: /new
    assert any(late in r.text for r in replies), [r.text for r in replies]
    replies = await judge.act("5小时前")
    assert replies[-1].text == says("amend.ask_reason"), [r.text for r in replies]
