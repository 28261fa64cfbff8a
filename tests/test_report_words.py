"""Plain words ask for the quarterly report: 季度报告, 本季度报告, 上季度报告.

The trial management office asks by chat. With no dialogue open, those words (and their
English, spaces and punctuation aside) run /report for their period, for whoever may use
/report: 本季度报告 the current quarter so far, 上季度报告 the previous one, 季度报告 what
/report alone takes (``reports.period.default_period``). Anyone else gets the answer free
text always gets.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from fakes import FakeBot, add_person
from settings_kit import make_settings
from test_reports_support import COURT, NUMBER, local, make_record

from handlers import reports_cmd
from handlers.engine import Context, UserError
from handlers.i18n import t
from reminders.clock import FakeClock
from reports.period import Period
from storage.db import Database
from storage.vocabulary import Language, Role

NOW = local("2026-11-30 10:00")
THIS = ("2026-10-01", "2026-12-31")
LAST = ("2026-07-01", "2026-09-30")


async def court(db: Database, clock: FakeClock, tmp_path: Path, begins: datetime) -> FakeBot:
    """A court whose records begin at ``begins``, asked at ``NOW``."""
    clock.set(begins)
    bot = FakeBot(
        db,
        clock,
        make_settings(tmp_path / "data" / "evidence", court_name=COURT, record_number=NUMBER),
    )
    handler = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
    await add_person(db, clock, "刘洋", [Role.TRIAL_MANAGEMENT, Role.COMPILER], user_id="liuyang")
    await make_record(db, handler, begins)
    clock.set(NOW)
    return bot


@pytest.fixture(autouse=True)
def period_only(monkeypatch: pytest.MonkeyPatch) -> None:
    async def taken(ctx: Context, period: Period, **_: object) -> None:
        # The files are another test's: here only the period /report accepted matters.
        raise UserError("report.period_range", first=period.first, last=period.last)

    monkeypatch.setattr(reports_cmd, "make_report", taken)


def days(first: str, last: str) -> list[str]:
    return [t(Language.ZH, "report.period_range", first=first, last=last)]


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("季度报告", LAST),
        ("季度报告。", LAST),
        ("本季度报告", THIS),
        ("本季度 报告", THIS),
        ("上季度报告", LAST),
        ("上一季度报告！", LAST),
        ("Quarterly report", LAST),
        ("this quarter's report", THIS),
        ("Last quarter's report.", LAST),
    ],
)
async def test_the_words_run_report_for_their_period(
    db: Database, clock: FakeClock, tmp_path: Path, typed: str, period: tuple[str, str]
) -> None:
    bot = await court(db, clock, tmp_path, local("2026-07-15 10:00"))
    chat = bot.chat("liuyang")
    assert await chat.say(typed) == days(*period)


async def test_the_default_words_follow_where_the_records_begin(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """Records from 2026-10-05: 季度报告 is the current quarter (as /report alone is), and
    上季度报告 is refused as /report 2026Q3 is, for predating the records."""
    bot = await court(db, clock, tmp_path, local("2026-10-05 09:00"))
    chat = bot.chat("liuyang")
    assert await chat.say("季度报告") == days(*THIS) == await chat.say("/report")
    assert await chat.say("本季度报告") == days(*THIS)
    refused = await chat.say("上季度报告")
    assert refused == await chat.say("/report 2026Q3")
    assert "/report 2026Q4" in refused[0]


async def test_without_the_role_the_words_are_free_text(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = await court(db, clock, tmp_path, local("2026-07-15 10:00"))
    chat = bot.chat("zhangwei")
    for typed in ("季度报告", "本季度报告", "上季度报告", "随便说点什么"):
        assert await chat.say(typed) == [t(Language.ZH, "help.hint", name="张伟")]


async def test_within_a_dialogue_the_words_answer_its_question(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """Only with no dialogue open: the name /invite asks for may be any text."""
    bot = await court(db, clock, tmp_path, local("2026-07-15 10:00"))
    await add_person(db, clock, "赵磊", [Role.ADMIN, Role.TRIAL_MANAGEMENT], user_id="zhaolei")
    chat = bot.chat("zhaolei")
    assert await chat.say("/invite") == [t(Language.ZH, "staff.invite_who")]
    # Taken as the invitee's name, which no staff member has: the question stays open.
    assert await chat.say("本季度报告") == [t(Language.ZH, "staff.not_found", ref="本季度报告")]
    await chat.say("/cancel")
    assert await chat.say("本季度报告") == days(*THIS)
