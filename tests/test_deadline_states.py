"""Every deadline text says the same state and the same count for the same deadline and now.

The card (``card.deadline_state``), ``/mine`` (``card.earliest_open``) and the reminders and
``/overdue`` (``card.deadline_words``) are read back into (state, N) and compared with the
calendar days in China between the deadline's last day and today; the reminder texts are
checked for doubled brackets and a "tomorrow" without its date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import card
from handlers.card import deadline_words
from handlers.engine import Context, Services
from handlers.i18n import day_words, t
from handlers.ports import IncomingMessage
from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from storage.models import Record, Staff
from storage.vocabulary import Language, Milestone

CHINA = ZoneInfo("Asia/Shanghai")

STATES = {
    Language.ZH: (re.compile(r"已逾期 (\d+) 天"), re.compile(r"今天")),
    Language.EN: (re.compile(r"overdue by (\d+) days?\b"), re.compile(r"\btoday\b")),
}


def context(language: Language, now: datetime) -> Context:
    staff = Staff(name="张伟", language=language.value)
    message = IncomingMessage(transport="console", chat_id="1", user_id="1", received_at=now)
    services = Services(clock=FakeClock(now), tz=CHINA)
    return Context(cast(Any, None), message, staff, cast(Any, None), services, now)


def state_of(language: Language, text: str) -> tuple[str, int]:
    overdue, today = STATES[language]
    found = overdue.search(text)
    if found:
        return ("overdue", int(found.group(1)))
    return ("today", 0) if today.search(text) else ("ahead", 0)


class OneDeadline(DeadlineRules):
    def __init__(self, deadline: datetime) -> None:
        super().__init__()
        self.deadline = deadline

    def for_record(
        self, record: Record, *, submitted_at: datetime | None = None
    ) -> dict[Milestone, datetime]:
        return {Milestone.PLATFORM_ENTERED: self.deadline}


@settings(max_examples=300, deadline=None)
@given(
    last=st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)),
    offset=st.integers(min_value=-60 * 24 * 10, max_value=60 * 24 * 40),
    language=st.sampled_from(Language),
)
def test_card_mine_and_reminders_agree_on_the_state_and_the_days(
    last: date, offset: int, language: Language
) -> None:
    deadline = datetime.combine(last + timedelta(days=1), time(0), tzinfo=CHINA)
    now = deadline.astimezone(UTC) + timedelta(minutes=offset)
    ctx = context(language, now)
    record = Record(status="submitted")
    days = (now.astimezone(CHINA).date() - last).days
    expected = ("overdue", days) if days > 0 else ("today" if days == 0 else "ahead", 0)

    on_card = card.deadline_state(ctx, record, Milestone.PLATFORM_ENTERED, deadline)
    on_mine = card.earliest_open(ctx, record, OneDeadline(deadline))
    words = deadline_words(ctx, deadline, now)
    texts = {"card": on_card, "/mine": on_mine, "reminder": words}
    assert {where: state_of(language, text) for where, text in texts.items()} == dict.fromkeys(
        texts, expected
    )
    assert card.days_past(ctx, deadline, now) == days

    breach = t(
        language,
        "reminders.breach",
        title="温法过问〔2026〕1号",
        case="（2026）豫0825民初123号",
        missing="录入平台",
        deadline=words,
    )
    for text in (on_card, on_mine, words, breach):
        for doubled in ("（（", "））", "((", "))"):
            assert doubled not in text, text
    # "明天"/"tomorrow", like every other state, comes with its date.
    assert (
        f"{last.month}月{last.day}日" if language is Language.ZH else day_words(language, last)
    ) in words
