"""A typed time that cannot be taken is refused saying what was read and why the rest was
not, never with a bare "could not read" (``fields.time_refusal``, the one place a failure of
``timeparse.read_time`` becomes words).

Over a space of malformed answers, each built to be one kind of near miss (a month, day,
hour or minute that does not exist, a date with the wrong weekday, a day with no readable
hour, an hour after words that are no day, a date without its hour), in both languages: the
refusal is that kind's message, quotes what was typed, and is not the generic one.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import timedelta
from pathlib import Path

import pytest
from dialogue import DialogueBot, local, open_court, says, settings_for
from hypothesis import given, settings
from hypothesis import strategies as st
from test_timeparse import BEIJING, NOW, TODAY, echo_context

from handlers.fields import time_refusal
from handlers.timeparse import TimeParseError, parse_local
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language

UNREAD = st.text(alphabet="某些左右约甲乙丙丁差不多", min_size=1, max_size=4)  # no day word
CLOCKS = st.sampled_from(["15:00", "下午3点", "9点半", "晚上8点20分", "3pm"])
WEEKDAYS = "一二三四五六日"


@st.composite
def malformed(draw: st.DrawFn) -> tuple[str, str, dict[str, object]]:
    """An answer that misses one known form one way: (text, the message key expected, values
    the message must show)."""
    kind = draw(st.integers(0, 8))
    clock = draw(CLOCKS)
    if kind == 0:
        month = draw(st.integers(13, 99))
        return f"{month}月{draw(st.integers(1, 28))}日 {clock}", "time_no_month", {"month": month}
    if kind == 1:
        month = draw(st.sampled_from([2, 4, 6, 9, 11]))  # the months short of 31 days
        year = TODAY.year if month <= TODAY.month else TODAY.year - 1
        day = draw(st.integers(monthrange(year, month)[1] + 1, 31))
        return f"{month}月{day}日 {clock}", "time_no_day", {"mday": day, "month": month}
    if kind == 2:
        day = draw(st.integers(32, 99))
        return f"{day}号 {clock}", "time_no_day_of_month", {"mday": day}
    if kind == 3:
        hour = draw(st.integers(24, 99))
        return f"昨天 {hour}:00", "time_no_hour", {"hour": hour}
    if kind == 4:
        minute = draw(st.integers(60, 99))
        return f"昨天 {draw(st.integers(0, 23))}:{minute}", "time_no_minute", {"minute": minute}
    if kind == 5:
        back = draw(st.integers(1, 300))
        day = TODAY - timedelta(days=back)
        wrong = (day.weekday() + draw(st.integers(1, 6))) % 7
        return f"{day.month}月{day.day}日（周{WEEKDAYS[wrong]}）{clock}", "time_weekday", {}
    if kind == 8:
        first, second = draw(st.lists(st.integers(0, 6), min_size=2, max_size=2, unique=True))
        return f"周{WEEKDAYS[first]}周{WEEKDAYS[second]} {clock}", "time_weekdays", {}
    part = draw(UNREAD)
    if kind == 6:
        return f"昨天{part}", "time_clock_unread", {"part": part}
    return f"{part}{clock}", "time_day_unread", {"part": part}


@settings(max_examples=300, deadline=None)
@given(case=malformed(), language=st.sampled_from(Language))
def test_each_near_miss_is_told_its_own_reason(
    case: tuple[str, str, dict[str, object]], language: Language
) -> None:
    text, key, shown = case
    ctx = echo_context(language)
    with pytest.raises(TimeParseError) as refused:
        parse_local(text, now=NOW, tz=BEIJING)
    refusal = time_refusal(ctx, text, refused.value)
    assert refusal.key == f"intake.error.{key}", (text, refusal.key)
    message = ctx.t(refusal.key, **refusal.values)
    assert text in message
    assert message != ctx.t(
        "intake.error.time_format", typed=text, forms=ctx.t("intake.time_forms")
    )
    for name, value in shown.items():
        assert refusal.values[name] == value and str(value) in message, (name, message)


@given(day=st.integers(0, 300))
def test_a_date_without_its_hour_names_the_day_read(day: int) -> None:
    ctx = echo_context(Language.ZH)
    on = TODAY - timedelta(days=day)
    text = f"{on.month}月{on.day}日"
    with pytest.raises(TimeParseError) as refused:
        parse_local(text, now=NOW, tz=BEIJING)
    refusal = time_refusal(ctx, text, refused.value)
    assert refusal.key == "intake.error.time_dated_no_clock"
    assert f"{on.month}月{on.day}日" in str(refusal.values["day"])


async def test_a_near_miss_at_the_card_is_told_its_reason(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """At /new's card a time typed for the inquiry that misses a form is told why, as at the
    question; words with no time in them get the card's own hint."""
    clock.set(local("2026-03-06 10:00"))
    judge = (await open_court(DialogueBot(db, clock, settings_for(tmp_path, propose=True)))).chat(
        "张伟"
    )
    await judge.act("/new")
    replies = await judge.act("2月30日 10:00")
    assert replies[-1].text.startswith(
        says(
            "intake.error.time_no_day", typed="2月30日 10:00", year=2026, month=2, mday=30, days=28
        )
    ), replies[-1].text
    replies = await judge.act("昨天傍晚左右")
    assert replies[-1].text.startswith(
        says(
            "intake.error.time_clock_unread",
            typed="昨天傍晚左右",
            day="3月5日（周四）",
            part="左右",
        )
    ), replies[-1].text
    replies = await judge.act("王某来电")
    assert replies[-1].text.startswith(says("intake.error.proposed_time")), replies[-1].text
