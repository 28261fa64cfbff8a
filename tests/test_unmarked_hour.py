"""An hour 1–12 typed without 上午/下午/早上/晚上/凌晨 (``3点`` at 09:00: today's 03:00 or
yesterday's 15:00) is asked whenever both readings fit, never chosen; a part of the day or a
24-hour clock (``下午3点``, ``15点``, ``03点``, ``15:00``) is never asked.

Over hour × minute × the words around it × now: ``timeparse`` flags exactly the unmarked
hours, and at /new's card each one is asked with a button for each reading when both fit,
and the reading pressed is the inquiry's time. The same words again are asked again, never
the next question's answer; the question and a correction ask it the same way.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

from dialogue import (
    BEIJING,
    Court,
    DialogueBot,
    Lacks,
    Offers,
    Press,
    all_records,
    asks,
    check,
    local,
    proposing_bot,
    record_row,
    says,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_misplaced_names import context
from test_timeparse import chinese, period_and_hour
from test_weekday_which import ORDER, correcting_inquiry, day_shown, open_new, to_inquiry_question

from handlers.fields import Step
from handlers.intake.media import time_at_head
from handlers.timeparse import read_time
from reminders.clock import FakeClock
from storage.db import Database

NOW = local("2026-11-30 09:00")
SLACK = timedelta(minutes=5)
DAYS = ("", "今天", "昨天", "前天")


def unmarked(hour: int, minute: int, form: int) -> str:
    """An hour 1–12 with 点 or 时 and nothing saying which half of the day."""
    spoken = (str(hour), chinese(hour), str(hour))[form % 3]
    word = "时" if form == 2 else "点"
    if minute == 30 and form % 2:
        return f"{spoken}{word}半"
    return f"{spoken}{word}{minute or ''}{'分' if minute else ''}"


def marked(hour: int, minute: int, form: int) -> str:
    """Any hour 0–23 as a part of the day or a 24-hour clock says it."""
    tail = f"{minute or ''}{'分' if minute else ''}"
    if form == 0:
        word, twelve = period_and_hour(hour)
        return f"{word}{twelve}点{tail}"
    if hour > 12 and form == 2:
        return f"{hour}点{tail}"
    if hour < 10 and form == 2:
        return f"0{hour}点{tail}"
    return f"{hour}:{minute:02d}"  # 10点 is unmarked: 10:00 is not


def readings(day_word: str, hour: int, minute: int, now: datetime) -> list[datetime]:
    """What ``day_word`` + an unmarked ``hour`` may mean, each as it fits: the morning's and
    the afternoon's, on the day named or (none named) the latest not in the future."""
    today = now.date() - timedelta(days=max(DAYS.index(day_word) - 1, 0))
    found = []
    for clock in (time(hour % 12, minute), time(hour % 12 + 12, minute)):
        moment = datetime.combine(today, clock, tzinfo=BEIJING)
        if not day_word and moment > now + SLACK:
            moment -= timedelta(days=1)
        found.append(moment)
    return found


def shown(moment: datetime, now: datetime) -> str:
    back = (now.date() - moment.date()).days
    if back in (0, 1):
        return says(f"intake.which_hour.{('today', 'yesterday')[back]}", clock=f"{moment:%H:%M}")
    weekday = "一二三四五六日"[moment.weekday()]
    return f"{moment.month}月{moment.day}日（周{weekday}）{moment:%H:%M}"


def asked(typed: str, meanings: list[datetime], now: datetime) -> str:
    labels = [shown(moment, now) for moment in meanings]
    return says(
        "intake.error.time_which_hour",
        typed=typed,
        meanings=says("intake.which_hour.or").join(labels),
    )


def hour_asked(texts: list[str], typed: str) -> bool:
    """Whether a reply asks which half of the day ``typed`` means."""
    head = says("intake.error.time_which_hour", typed=typed, meanings="\0").split("\0")[0]
    return any(text.startswith(head) for text in texts)


@settings(max_examples=300, deadline=None)
@given(
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 5, 30, 45]),
    form=st.integers(0, 5),
    day_word=st.sampled_from(DAYS),
)
def test_only_an_unmarked_hour_is_flagged(hour: int, minute: int, form: int, day_word: str) -> None:
    if 1 <= hour <= 12:
        read = read_time(day_word + unmarked(hour, minute, form), now=NOW, tz=BEIJING)
        assert read.twelve and read.halves() == (
            time(hour % 12, minute),
            time(hour % 12 + 12, minute),
        )
    text = day_word + marked(hour, minute, form % 3)
    assert not read_time(text, now=NOW, tz=BEIJING).twelve, text


bot = proposing_bot(NOW)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    minute_of_day=st.integers(0, 24 * 60 - 1),
    hour=st.integers(1, 12),
    minute=st.sampled_from([0, 10, 30]),
    form=st.integers(0, 2),
    day_word=st.sampled_from(DAYS),
    pick=st.integers(0, 1),
)
async def test_an_unmarked_hour_is_asked_whenever_both_readings_fit(
    court: Court,
    clock: FakeClock,
    minute_of_day: int,
    hour: int,
    minute: int,
    form: int,
    day_word: str,
    pick: int,
) -> None:
    now = local("2026-11-30 00:00") + timedelta(minutes=minute_of_day)
    clock.set(now)
    judge = await open_new(court)
    typed = day_word + unmarked(hour, minute, form)
    meanings = readings(day_word, hour, minute, now)
    fitting = [moment for moment in meanings if moment <= now + ORDER]  # not after /new
    replies = await judge.act(typed)
    texts = [r.text for r in replies]
    if len(fitting) < 2:  # one reading fits (it is taken) or none (refused as typed)
        assert not hour_asked(texts, typed), texts
        if fitting:
            taken = f"{shown(fitting[0], local('2000-01-01 00:00'))}"
            assert any(taken in t for t in texts), texts
        return
    question = asked(typed, meanings, now)
    assert texts[-1].startswith(question), texts
    assert [b.label for b in replies[-1].buttons[0]] == [shown(m, now) for m in meanings]
    replies = await judge.act(typed)  # the same words: the same question, not the next one
    assert replies[-1].text.startswith(question), replies[-1].text
    replies = await judge.act(Press(shown(meanings[pick], now)))
    assert replies[-1].text == asks(Step.CHANNEL), [r.text for r in replies]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    minute_of_day=st.integers(0, 24 * 60 - 1),
    hour=st.integers(0, 23),
    form=st.integers(0, 2),
    day_word=st.sampled_from(DAYS[1:]),
)
async def test_a_marked_or_24_hour_time_is_never_asked(
    court: Court, clock: FakeClock, minute_of_day: int, hour: int, form: int, day_word: str
) -> None:
    now = local("2026-11-30 00:00") + timedelta(minutes=minute_of_day)
    clock.set(now)
    judge = await open_new(court)
    typed = day_word + marked(hour, 0, form)
    replies = await judge.act(typed)
    assert not hour_asked([r.text for r in replies], typed), replies[-1].text


async def test_the_trial_three_at_nine_is_asked_at_the_question(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """The trial: ``3点`` at 09:00 at the inquiry's own question: today's 03:00 or
    yesterday's 15:00, asked; the inquirer's name typed then is not taken; 昨天 15:00 pressed."""
    judge = court.chat("张伟")
    await to_inquiry_question(judge)
    meanings = [local("2026-11-30 03:00"), local("2026-11-29 15:00")]
    replies = await judge.act("3点")
    assert replies[-1].text.startswith(asked("3点", meanings, NOW)), replies[-1].text
    assert [b.label for b in replies[-1].buttons[0]] == ["今天 03:00", "昨天 15:00"]
    replies = await judge.act("王某")
    assert not replies[-1].text.startswith(asks(Step.INQUIRER_UNIT))
    replies = await judge.act("3点")
    replies = await judge.act(Press("昨天 15:00"))
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local("2026-11-29 15:00") and row["inquirer_name"] is None


async def test_a_correction_to_an_unmarked_hour_is_asked(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """In a correction of a submitted record: the same question, its buttons under the
    new-value prompt; the reading pressed is the new value."""
    judge = await correcting_inquiry(
        db, clock, tmp_path, received="2026-03-06 10:00", now="2026-03-07 16:00"
    )
    later = local("2026-03-07 16:00")
    meanings = [local("2026-03-05 03:00"), local("2026-03-05 15:00")]
    replies = await judge.act("前天3点")
    assert replies[-1].text.startswith(asked("前天3点", meanings, later)), replies[-1].text
    replies = await judge.act(Press(shown(meanings[1], later)))
    assert replies[-1].text == says("amend.ask_reason"), [r.text for r in replies]


async def test_one_reading_that_fits_is_taken(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """A call received at 10:00: ``今天8点`` typed at 16:00 can only be 08:00 (20:00 is
    after the call reached the bot), which is taken without a question."""
    judge = await correcting_inquiry(
        db, clock, tmp_path, received="2026-03-06 10:00", now="2026-03-06 16:00"
    )
    replies = await judge.act("今天8点")
    assert replies[-1].text == says("amend.ask_reason"), [r.text for r in replies]


@settings(max_examples=100, deadline=None)
@given(hour=st.integers(1, 12), minute=st.sampled_from([0, 30]), form=st.integers(0, 2))
def test_a_caption_headed_by_an_unmarked_hour_proposes_no_time(
    hour: int, minute: int, form: int
) -> None:
    """A caption's head time is proposed for the inquiry's (``media.time_at_head``): an
    unmarked hour there is never proposed as one reading; typed at the question, it is asked.
    With its part of the day it is."""
    ctx = context()
    assert time_at_head(ctx, f"{unmarked(hour, minute, form)} 县委李主任来电") is None
    word, twelve = period_and_hour(hour + 12 if hour < 12 else 12)
    meant = time_at_head(ctx, f"昨天{word}{twelve}点 县委李主任来电")
    assert meant is not None and meant.hour == (hour + 12 if hour < 12 else 12)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    minute_of_day=st.integers(0, 24 * 60 - 1),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 30]),
    form=st.integers(0, 2),
    day_word=st.sampled_from(DAYS[:2]),
)
async def test_a_marked_time_still_to_come_today_offers_yesterday_unless_today_is_said(
    court: Court,
    db: Database,
    clock: FakeClock,
    minute_of_day: int,
    hour: int,
    minute: int,
    form: int,
    day_word: str,
) -> None:
    """A part of the day or a 24-hour clock with no day (``下午3点``, ``晚上8点``, ``15:00``
    at 09:00) still to come today is refused as in the future with yesterday at that time as
    a button, as an unmarked hour offers it; pressed, it is the inquiry's time. With 今天
    said it is refused as it is, no button."""
    now = local("2026-11-30 00:00") + timedelta(minutes=minute_of_day)
    meant = datetime.combine(now.date(), time(hour, minute), tzinfo=BEIJING)
    assume(meant > now + SLACK)
    clock.set(now)
    judge = await open_new(court)
    typed = day_word + marked(hour, minute, form)
    shown_today = f"{day_shown(meant.date())}{meant:%H:%M}"
    yesterday = meant - timedelta(days=1)
    button = says("intake.which_hour.yesterday", clock=f"{yesterday:%H:%M}")
    replies = await judge.act(typed)
    if day_word:
        refusal = says("intake.error.time_future", time=shown_today)
        check((refusal, Lacks(button)), replies, f"{typed} at {now:%H:%M}: ")
        return
    refusal = says("intake.error.time_future_yesterday", time=shown_today, earlier=button)
    check((refusal, Offers(button)), replies, f"{typed} at {now:%H:%M}: ")
    replies = await judge.act(Press(button))
    assert replies[-1].text == asks(Step.CHANNEL), [r.text for r in replies]
    row = (await all_records(db))[-1]
    assert row.inquiry_at == yesterday, (typed, now, row.inquiry_at)


async def test_the_trial_afternoon_three_at_nine_offers_yesterday(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    """The trial: ``下午3点`` at 09:00 at the inquiry's own question: not refused bare, but
    with 昨天 15:00 as a button; ``今天下午3点`` is refused as it is."""
    judge = court.chat("张伟")
    await to_inquiry_question(judge)
    refusal = says(
        "intake.error.time_future_yesterday", time="11月30日（周一）15:00", earlier="昨天 15:00"
    )
    check((refusal, Offers("昨天 15:00")), await judge.act("下午3点"))
    today = says("intake.error.time_future", time="11月30日（周一）15:00")
    check((today, Lacks("昨天 15:00")), await judge.act("今天下午3点"))
    await judge.act("晚上8点")
    await judge.act(Press("昨天 20:00"))
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local("2026-11-29 20:00")
