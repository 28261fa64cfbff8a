"""A day typed with a part of it but no hour (``昨天下午``) is asked only its hour, and the
answer is read in that part: ``3点`` is 15:00, never 03:00; an hour that does not fit the
part (``上午3点``, ``9点`` after 下午) is refused, naming the part, and the hour question asked
again. The receipt time that follows the inquiry's (a call's) follows the part too.

Scripted dialogues from /new's card ( ``[intake] propose`` on), the trial's among them; over
day word × part of the day × answer × now (hypothesis); and the grammar's reading of a part
given (``timeparse.read_time``'s ``part``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dialogue import (
    Again,
    Court,
    Exactly,
    Offers,
    Press,
    all_records,
    asks,
    check,
    dialogue,
    lab,
    local,
    proposing_bot,
    record_row,
    says,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_intake_times import REST_NEW, taken
from test_timeparse import chinese
from test_weekday_which import day_shown, open_new

from handlers.fields import CLOCK_SLACK, Step
from handlers.timeparse import DayPart, TimeParseError, TimeProblem, read_time
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Channel

BEIJING = ZoneInfo("Asia/Shanghai")
MONDAY = local("2026-11-30 09:00")


bot = proposing_bot(MONDAY)


async def test_the_trial_yesterday_afternoon_then_three_is_fifteen_hundred(
    court: Court, db: Database
) -> None:
    """The trial: Monday 2026-11-30 09:00, /new, ``昨天下午`` at the card, ``3点``, 电话."""
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            ("昨天下午", Exactly(REST_NEW, hour_question("11月29日（周日）", "afternoon"))),
            ("3点", Exactly(taken("11月29日（周日）15:00"), asks(Step.CHANNEL))),
            (
                Press(lab(Channel.PHONE)),
                says("intake.proposed.received_when_asked", time="11月29日（周日）15:00"),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["inquiry_at"] == row["received_at"] == local("2026-11-29 15:00")
    card = (await judge.say("/record #1"))[0]
    assert "过问时间：2026-11-29 15:00" in card and "收到时间：2026-11-29 15:00" in card, card


def hour_question(day: str, part: str) -> str:
    """The hour question for a day given with a part of it (``part``: a ``DayPart`` value)."""
    name = says(f"time.part.{part}")
    return says("intake.ask.hour_part", day=day + name, example=says(f"time.part_example.{part}"))


def not_in_part(typed: str, day: str, part: str) -> str:
    name = says(f"time.part.{part}")
    example = says(f"time.part_example.{part}")
    return says("intake.error.time_part", typed=typed, day=day + name, part=name, example=example)


@pytest.mark.parametrize(
    ("answer", "stored"),
    [
        ("3点", "15:00"),
        ("下午3点", "15:00"),
        ("三点", "15:00"),
        ("3点半", "15:30"),
        ("15点", "15:00"),
        ("15:00", "15:00"),
        ("下午15:00", "15:00"),
        ("上午3点", None),
        ("9点", None),
        ("晚上9点", None),
        ("21:00", None),
        ("3:00 am", None),
    ],
)
async def test_the_hour_after_yesterday_afternoon_is_read_in_the_afternoon(
    court: Court, db: Database, answer: str, stored: str | None
) -> None:
    """After ``昨天下午``: an hour without its part is the afternoon's; one that does not fit
    the afternoon is refused, naming it, and the hour question is asked again (the answer
    that fits is then taken)."""
    judge = court.chat("张伟")
    asked = hour_question("11月29日（周日）", "afternoon")
    await dialogue(
        judge,
        [("/new", says("intake.proposed.other_time")), ("昨天下午", Exactly(REST_NEW, asked))],
    )
    if stored is None:
        refusal = not_in_part(answer, "11月29日（周日）", "afternoon")
        await dialogue(judge, [(answer, Again(refusal, asked))])
        answer, stored = "3点", "15:00"
    await dialogue(
        judge,
        [(answer, Exactly(taken(f"11月29日（周日）{stored}"), asks(Step.CHANNEL)))],
    )
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local(f"2026-11-29 {stored}")
    assert row["fields"].get("inquiry_day_only") is False


async def test_a_number_typed_at_the_hour_question_presses_its_own_button(
    court: Court, db: Database
) -> None:
    """The hour question's buttons are the ones a typed number presses (``1``: the day alone,
    as shown), never the inquiry question's (``1`` there: the receipt time, unseen here)."""
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            ("昨天下午", Exactly(REST_NEW, hour_question("11月29日（周日）", "afternoon"))),
            ("1", Exactly(taken("11月29日（周日）时间不详"), asks(Step.CHANNEL))),
        ],
    )
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local("2026-11-29 00:00")
    assert row["fields"]["inquiry_day_only"] is True


# -- every day word, part of the day, answer and now ---------------------------------------

PART_WORDS = {
    "凌晨": "early",
    "清晨": "morning",
    "早上": "morning",
    "早晨": "morning",
    "上午": "morning",
    "中午": "noon",
    "下午": "afternoon",
    "傍晚": "evening",
    "晚上": "evening",
    "夜里": "evening",
}
WITH_PART = {
    "今早": (0, "morning"),
    "昨早": (1, "morning"),
    "今晚": (0, "evening"),
    "昨晚": (1, "evening"),
    "昨夜": (1, "evening"),
    "前晚": (2, "evening"),
}
"""Day words that name a part of the day themselves: days back, and the part."""
HOURS = {
    "early": range(0, 7),
    "morning": range(5, 13),
    "noon": range(11, 14),
    "afternoon": range(12, 20),
    "evening": range(17, 25),
}
"""The hours of each part of the day (24: the next day's midnight, 晚上12点)."""


def said(word: str, hour: int) -> int | None:
    """The hour ``word`` + ``hour``点 means, as people say it (24: the next day's 0:00);
    None where no such time is (上午15点)."""
    part = PART_WORDS[word]
    if part in ("early", "morning"):
        return None if hour > 12 else (0 if part == "early" and hour == 12 else hour)
    if part == "noon":
        return hour + 12 if hour < 6 else hour
    if part == "afternoon":
        return hour + 12 if hour < 12 else hour
    return 24 if hour in (0, 12) else hour + 12 if hour < 12 else hour


def weekday_word(day: date) -> str:
    return "周" + "一二三四五六日"[day.weekday()]


@st.composite
def given_day(draw: st.DrawFn, today: date) -> tuple[str, int, str]:
    """A day and a part of it as a judge types them: the words, days back, the part."""
    if draw(st.booleans()):
        word = draw(st.sampled_from(sorted(WITH_PART)))
        back, part = WITH_PART[word]
        return word, back, part
    back = draw(st.integers(0, 6))
    day = today - timedelta(days=back)
    forms = [weekday_word(day), f"{day.month}月{day.day}日", f"{day.day}号"]
    forms += {0: ["今天"], 1: ["昨天"], 2: ["前天"], 3: ["大前天"]}.get(back, [])
    forms += [f"{back}天前"] if back else []
    head = draw(st.sampled_from(forms))
    word = draw(st.sampled_from(sorted(PART_WORDS)))
    return head + word, back, PART_WORDS[word]


@st.composite
def answer(draw: st.DrawFn) -> tuple[str, str | None, int, int]:
    """An hour as a judge answers: the words, the part of the day said in them, hour, minute."""
    hour = draw(st.integers(0, 23))
    form = draw(st.sampled_from(["点", "点半", "colon", "chinese"]))
    minute = {"点半": 30, "colon": draw(st.sampled_from([0, 15, 45]))}.get(form, 0)
    clock = {
        "点": f"{hour}点",
        "点半": f"{hour}点半",
        "colon": f"{hour}:{minute:02d}",
        "chinese": f"{chinese(hour)}点",
    }[form]
    word = draw(st.one_of(st.none(), st.sampled_from(sorted(PART_WORDS))))
    return (word or "") + clock, word, hour, minute


def meant(part: str, word: str | None, hour: int) -> int | None:
    """The hour of ``part`` the answer names, or None when it names none of that part."""
    if word is not None:
        reading = said(word, hour)
        return reading if reading is not None and reading in HOURS[part] else None
    # An hour alone on the 12-hour clock (3点: 3:00 or 15:00; 12点: noon or midnight), or on
    # the 24-hour one (0点: midnight; 15点).
    readings = {0: [0, 24], 12: [0, 12, 24]}.get(hour, [hour, hour + 12] if hour < 12 else [hour])
    fitting = [h for h in readings if h in HOURS[part]]
    assert len(fitting) <= 1, (part, hour, fitting)
    return fitting[0] if fitting else None


async def test_an_hour_within_the_slack_but_after_the_proposed_receipt_is_refused_as_such(
    court: Court, clock: FakeClock
) -> None:
    """At 09:25, ``今天上午`` then ``9点半``: not in the future by the clock's slack, but after
    ``/new`` reached the bot (09:25), which stands in for the receipt time."""
    clock.set(local("2026-11-30 09:25"))
    judge = await open_new(court)
    asked = hour_question("11月30日（周一）", "morning")
    assert [r.text for r in await judge.act("今天上午")][-1] == asked
    after = says("intake.error.inquiry_after_arrival", at="11月30日（周一）09:25")
    check(Again(after, asked), await judge.act("9点半"), "9点半: ")


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), minute_of_week=st.integers(0, 7 * 24 * 60 - 1), earlier=st.booleans())
async def test_the_hour_answered_lies_in_the_part_of_the_day_given_or_is_refused(
    court: Court,
    clock: FakeClock,
    db: Database,
    data: st.DataObject,
    minute_of_week: int,
    earlier: bool,
) -> None:
    """Over day word × part of the day × answer (with or without its own part, 点/点半/colon
    /Chinese numerals, any hour) × now: the time stored lies in the part given and says the
    hour typed; an answer with no time of that part is refused naming the part, one still to
    come refused as such, one after /new reached the bot (now) as that — each above
    the hour question asked again. Never a silent flip."""
    now = local("2026-11-30 00:00") + timedelta(minutes=minute_of_week)
    clock.set(now)
    today = now.date()
    typed, back, part = data.draw(given_day(today), label="given")
    words, word, hour, minute = data.draw(answer(), label="answer")
    judge = await open_new(court)
    replies = await judge.act(typed)
    day = today - timedelta(days=back)
    if replies[-1].buttons and any("which" in b.data for b in replies[-1].buttons[0]):
        # Today's weekday: today or a week back, pressed; the part goes with the day.
        pressed = replies[-1].buttons[0][1 if earlier else 0]
        day = day - timedelta(days=7) if earlier else day
        replies = await judge.act(Press(pressed.label))
    asked = hour_question(day_shown(day), part)
    assert [r.text for r in replies][-1] == asked, [r.text for r in replies]
    replies = await judge.act(words)
    texts = [r.text for r in replies]
    reading = meant(part, word, hour)
    if reading is None:
        refusal = (
            says("intake.error.time_no_hour", typed=words, hour=hour)
            if word is not None and said(word, hour) is None
            else not_in_part(words, day_shown(day), part)
        )
        check(Again(refusal, asked), replies, f"{typed} {words}: ")
        return
    moment = datetime.combine(day, time(0, minute), tzinfo=BEIJING) + timedelta(hours=reading)
    shown = f"{day_shown(moment.date())}{moment:%H:%M}"
    if moment > now + CLOCK_SLACK:
        future = says("intake.error.time_future", time=shown)
        check(Again(future, asked), replies, f"{typed} {words}: ")
        return
    if moment > now + timedelta(minutes=1):
        # Within the clock's slack but after /new reached the bot (登记时间, standing in for
        # the receipt time while no channel is given): the inquiry is never after it.
        opened = f"{day_shown(now.date())}{now:%H:%M}"
        after = says("intake.error.inquiry_after_arrival", at=opened)
        check(Again(after, asked), replies, f"{typed} {words}: ")
        return
    assert texts == [taken(shown), asks(Step.CHANNEL)], (typed, words, texts)
    record = (await all_records(db))[-1]
    assert record.inquiry_at == moment, (typed, words, record.inquiry_at)
    assert reading in HOURS[part]


async def test_todays_weekday_with_a_part_keeps_the_part_for_the_day_pressed(
    court: Court, db: Database
) -> None:
    """``周一下午`` on a Monday morning: today or a week back, pressed; the hour asked is that
    day's afternoon's (``3点``: today 15:00, still to come, refused above the hour question);
    another day and part typed then is asked its hour in that part."""
    judge = court.chat("张伟")
    which = says(
        "intake.error.time_which_week",
        typed="周一下午",
        today="11月30日（周一）",
        earlier="11月23日（周一）",
    )
    today = says("intake.which_week.today", day="11月30日（周一）")
    earlier = says("intake.which_week.earlier", day="11月23日（周一）")
    await dialogue(
        judge,
        [
            ("/new", says("intake.proposed.other_time")),
            ("周一下午", (which, Offers(today, earlier))),
            (Press(today), Exactly(REST_NEW, hour_question("11月30日（周一）", "afternoon"))),
            (
                "3点",
                Again(
                    says("intake.error.time_future", time="11月30日（周一）15:00"),
                    hour_question("11月30日（周一）", "afternoon"),
                ),
            ),
            # Another day typed at the hour question is asked its hour, in its own part.
            ("11月23日晚上", Exactly(hour_question("11月23日（周一）", "evening"))),
            ("8点", Exactly(taken("11月23日（周一）20:00"), asks(Step.CHANNEL))),
        ],
    )
    row = await record_row(db, 1)
    assert row["inquiry_at"] == local("2026-11-23 20:00")


# -- the grammar: the part of the day a day names, and an hour read within it --------------

SUNDAY = local("2026-11-29 10:00")


@pytest.mark.parametrize(
    ("text", "day", "part"),
    [
        ("昨天下午", "2026-11-28", DayPart.AFTERNOON),
        ("昨晚", "2026-11-28", DayPart.EVENING),
        ("今早", "2026-11-29", DayPart.MORNING),
        ("前天凌晨", "2026-11-27", DayPart.EARLY),
        ("周五中午", "2026-11-27", DayPart.NOON),
        ("yesterday afternoon", "2026-11-28", DayPart.AFTERNOON),
        ("11月28日", "2026-11-28", None),
    ],
)
def test_a_day_typed_with_a_part_of_it_reads_as_the_day_and_the_part(
    text: str, day: str, part: DayPart | None
) -> None:
    read = read_time(text, now=SUNDAY, tz=BEIJING)
    assert (read.day, read.clock, read.part) == (date.fromisoformat(day), None, part)


YESTERDAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "part", "expected"),
    [
        ("3点", DayPart.AFTERNOON, "2026-11-28 15:00"),
        ("3pm", DayPart.AFTERNOON, "2026-11-28 15:00"),
        ("3:00", DayPart.AFTERNOON, "2026-11-28 15:00"),
        ("昨天3点", DayPart.AFTERNOON, "2026-11-28 15:00"),  # the same day: the same part
        ("今天3点", DayPart.AFTERNOON, "2026-11-29 03:00"),  # another day: as typed
        ("12点", DayPart.EVENING, "2026-11-29 00:00"),
        ("0点", DayPart.EVENING, "2026-11-29 00:00"),
        ("12点", DayPart.EARLY, "2026-11-28 00:00"),
        ("1点", DayPart.NOON, "2026-11-28 13:00"),
        ("9点半", DayPart.MORNING, "2026-11-28 09:30"),
        ("9点", DayPart.AFTERNOON, TimeProblem.PART),
        ("上午3点", DayPart.AFTERNOON, TimeProblem.PART),
        ("15点", DayPart.MORNING, TimeProblem.PART),
        ("3点", DayPart.EVENING, TimeProblem.PART),
        ("25点", DayPart.AFTERNOON, TimeProblem.NO_HOUR),
        ("0点", DayPart.AFTERNOON, TimeProblem.PART),
        ("0:30", DayPart.NOON, TimeProblem.PART),
        ("0点", DayPart.EARLY, "2026-11-28 00:00"),
        ("3", DayPart.AFTERNOON, TimeProblem.BARE),
    ],
)
def test_an_hour_completing_a_part_of_a_day_is_read_within_it(
    text: str, part: DayPart, expected: str | TimeProblem
) -> None:
    if isinstance(expected, TimeProblem):
        with pytest.raises(TimeParseError) as refused:
            read_time(text, now=SUNDAY, tz=BEIJING, day=YESTERDAY, part=part)
        assert refused.value.problem is expected
        return
    read = read_time(text, now=SUNDAY, tz=BEIJING, day=YESTERDAY, part=part)
    assert read.at(BEIJING) == local(expected)


def test_midnight_in_the_evening_is_the_next_days_first_minute() -> None:
    """``晚上0点`` as ``晚上12点``: midnight, never noon."""
    for text in ("昨晚0点", "昨晚12点", "昨天晚上零点"):
        assert read_time(text, now=SUNDAY, tz=BEIJING).at(BEIJING) == local("2026-11-29 00:00")
