"""/report and ``guowen report`` without a period take the same quarter, and say which.

For any moment across a year and more, on the same court: the chat's /report and the command
line's ``guowen report`` with no period take the same quarter (the previous one, Art. 7's
summary being due within five days after it ends; the current one so far while the records
do not reach back into the previous), and each says which it took and, when it took the
previous quarter, how to ask for the current one. The chat's /help and the command line's
help give the same rule.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fakes import FakeBot, add_person
from hypothesis import given, settings
from hypothesis import strategies as st
from settings_kit import make_settings
from test_form_copy_arrival import _COMMON
from test_reports_support import BEIJING, COURT, NUMBER, local, make_record

from bot.report_cli import report
from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Role

OPENED = local("2026-03-16 09:00")
"""When the court registers its people: where its records begin."""


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def quarter_of(moment: datetime, back: int = 0) -> tuple[str, str]:
    """The label and chat title of the quarter ``back`` quarters before ``moment``'s."""
    day = moment.astimezone(BEIJING)
    index = day.year * 4 + (day.month - 1) // 3 - back
    year, number = index // 4, index % 4 + 1
    title = zh("report.period_quarter", year=year, name=zh(f"report.q{number}"))
    return f"{year}Q{number}", title


def last_day(label: str) -> str:
    year, number = int(label[:4]), int(label[-1])
    ends = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}
    return f"{year}-{ends[number]}"


@pytest.fixture
async def bot(db: Database, clock: FakeClock, tmp_path: Path, database_url: str) -> FakeBot:
    clock.set(OPENED)
    settings = make_settings(
        tmp_path / "data" / "evidence",
        court_name=COURT,
        record_number=NUMBER,
        database_url=database_url,
    )
    bot = FakeBot(db, clock, settings)
    handler = await add_person(db, clock, "张伟", [Role.HANDLER])
    await add_person(db, clock, "刘洋", [Role.TRIAL_MANAGEMENT, Role.COMPILER], user_id="liuyang")
    await make_record(db, handler, local("2026-03-20 10:00"))
    return bot


NOWS = st.integers(0, 420).map(
    lambda days: local("2026-03-17 09:00") + timedelta(days=days, hours=days % 13)
)


@settings(max_examples=8, derandomize=True, **_COMMON)
@given(now=NOWS)
async def test_chat_and_command_line_take_the_same_quarter_and_say_it(
    bot: FakeBot, clock: FakeClock, tmp_path: Path, now: datetime
) -> None:
    clock.set(now)
    this, _ = quarter_of(now)
    previous, previous_title = quarter_of(now, 1)
    reaches_back = last_day(previous) >= OPENED.astimezone(BEIJING).date().isoformat()
    if reaches_back:
        label, title = previous, previous_title
        said = {"key": "report.default_took_last", "quarter": previous, "other": this}
    else:
        label, title = quarter_of(now)
        since = OPENED.astimezone(BEIJING).date().isoformat()
        said = {"key": "report.default_took_current", "quarter": this, "since": since}
    key = str(said.pop("key"))

    [headline, *_] = await bot.chat("liuyang").say("/report")
    assert headline.startswith(title), headline
    assert zh(key, command="/report", **said) in headline, headline

    out, err = io.StringIO(), io.StringIO()
    status = await report(
        bot.settings, "", tmp_path / f"out-{now:%Y%m%d%H}", out, err=err, clock=FakeClock(now)
    )
    assert status == 0, err.getvalue()
    assert out.getvalue().startswith(f"{label}："), out.getvalue()
    assert zh(key, command="guowen report", **said) in err.getvalue().splitlines()


def test_help_and_command_line_help_give_one_rule() -> None:
    """The chat's /help line and ``guowen report --help`` say the same default."""
    for language in Language:
        chat = t(language, "help.report")
        cli = t(language, "cli.help.report_period")
        rule = cli.split("；" if language is Language.ZH else "; ", 1)[1]
        assert rule in chat, (chat, cli)
