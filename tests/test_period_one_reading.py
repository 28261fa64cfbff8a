"""/report and /compliance read a period one way and refuse the same periods.

Zeros for a period the system never covered read as "no breaches": so whatever is typed and
whenever, both commands either refuse it for the same reason (a period that is no period,
has not begun, or ended before the court's records begin) or take the same days
(``reports.period.recorded_period``); without a period, /report takes the last completed
quarter the records reach (``reports.period.default_period``) and /compliance the current one.
/compliance says when its period still runs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fakes import FakeBot, add_person
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from settings_kit import make_settings
from test_reports_support import BEIJING, COURT, NUMBER, local, make_record

from handlers import reports_cmd
from handlers.engine import Context, UserError
from handlers.i18n import t
from reminders.clock import FakeClock
from reports.period import Period, PeriodError, parse_period, recorded_period, refusal_values
from reports.text import catalog
from storage.db import Database
from storage.vocabulary import Language, Role

FIRST = local("2026-07-15 10:00")
"""The first record's receipt: where the court's records begin."""


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


@pytest.fixture
async def bot(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FakeBot:
    clock.set(local("2026-10-08 10:00"))
    bot = FakeBot(
        db,
        clock,
        make_settings(tmp_path / "data" / "evidence", court_name=COURT, record_number=NUMBER),
    )
    handler = await add_person(db, clock, "张伟", [Role.HANDLER])
    await add_person(db, clock, "李刚", [Role.DISCIPLINE, Role.TRIAL_MANAGEMENT], user_id="ligang")
    await make_record(db, handler, FIRST)

    async def taken(ctx: Context, period: Period, **_: object) -> None:
        # The files are another test's: here only the period /report accepted matters.
        raise UserError("report.period_range", first=period.first, last=period.last)

    monkeypatch.setattr(reports_cmd, "make_report", taken)
    return bot


QUARTERS = st.builds(
    lambda y, q, lower: f"{y}{'q' if lower else 'Q'}{q}",
    st.integers(2020, 2029),
    st.integers(0, 5),
    st.booleans(),
)
DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2029, 12, 31))
RANGES = st.builds(lambda a, b: f"{a.isoformat()} {b.isoformat()}", DAYS, DAYS)
TEXTS = st.one_of(QUARTERS, RANGES, DAYS.map(lambda d: d.isoformat()),
                  st.sampled_from(["", "上季度", "2026Q", "本季度", "2026-13-01"]))  # fmt: skip
NOWS = st.integers(0, 700).map(lambda days: local("2026-07-20 09:00") + timedelta(days=days))


def period_words(period: Period) -> str:
    if period.quarter is not None:
        return zh("milestones.compliance_quarter", label=period.quarter.label)
    return zh("report.period_range", first=period.first.isoformat(), last=period.last.isoformat())


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXTS, now=NOWS)
async def test_report_and_compliance_accept_and_refuse_the_same_periods(
    bot: FakeBot, clock: FakeClock, text: str, now: datetime
) -> None:
    clock.set(now)
    chat = bot.chat("ligang")
    report = await chat.say(f"/report {text}".strip())
    compliance = await chat.say(f"/compliance {text}".strip())

    def refusal(problem: PeriodError, command: str) -> str:
        values = refusal_values(problem, now, BEIJING)
        values["default"] = zh(values["default"])
        return zh(f"report.bad_{problem.problem.value}", command=command, **values)

    async with bot.db.transaction() as session:
        outcomes: list[Period | PeriodError] = []
        for current in (False, True):
            try:
                outcomes.append(
                    await recorded_period(session, text, now=now, tz=BEIJING, current=current)
                )
            except PeriodError as problem:
                outcomes.append(problem)
    as_report, as_compliance = outcomes
    if text.strip():  # the same text, the same reading
        assert type(as_report) is type(as_compliance)
        if isinstance(as_report, PeriodError):
            assert isinstance(as_compliance, PeriodError)
            assert as_report.problem == as_compliance.problem
        else:
            assert as_report == as_compliance
    if isinstance(as_report, PeriodError):
        assert report == [refusal(as_report, "/report")]
    else:
        first, end = as_report.first, as_report.last
        assert report == [zh("report.period_range", first=first, last=end)]
    if isinstance(as_compliance, PeriodError):
        assert compliance == [refusal(as_compliance, "/compliance")]
        return
    lines = "\n".join(compliance).split("\n")
    assert lines[0] == zh("milestones.compliance_title", period=period_words(as_compliance))
    running = zh("milestones.compliance_running", at=now.strftime("%Y-%m-%d %H:%M"))
    assert (lines[-1] == running) == (not as_compliance.ended(now, BEIJING))


def quarter_by_hand(moment: datetime, back: int) -> str:
    """The label of the quarter ``back`` quarters before the one ``moment`` is in, in Beijing."""
    day = moment.astimezone(BEIJING)
    index = day.year * 4 + (day.month - 1) // 3 - back
    return f"{index // 4}Q{index % 4 + 1}"


def catalog_words(key: str) -> list[str]:
    return [w for lang in Language for w in catalog(lang)[key].split("|") if w]


RELATIVE = st.one_of(
    st.tuples(st.sampled_from(catalog_words("period.this_quarter")), st.just(0)),
    st.tuples(st.sampled_from(catalog_words("period.last_quarter")), st.just(1)),
)


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(word=RELATIVE, now=NOWS, pad=st.sampled_from(["", " ", "\u3000"]), upper=st.booleans())
async def test_this_and_last_quarter_in_words_are_read_by_every_period_command(
    bot: FakeBot, clock: FakeClock, word: tuple[str, int], now: datetime, pad: str, upper: bool
) -> None:
    """本季度 / 上季度 (and the English words) name the quarter as of now, for /report and
    /compliance alike, exactly as its label typed would."""
    clock.set(now)
    typed, back = word
    typed = pad + (typed.upper() if upper else typed) + pad
    label = quarter_by_hand(now, back)
    chat = bot.chat("ligang")
    for command in ("/report", "/compliance"):
        said = await chat.say(f"{command} {typed}")
        quoted = [line.replace(f"“{typed.strip()}”", f"“{label}”") for line in said]  # a refusal
        assert quoted == await chat.say(f"{command} {label}")
    assert parse_period(typed, now=now, tz=BEIJING).label == label


@pytest.fixture
async def unrecorded(db: Database, clock: FakeClock, tmp_path: Path) -> FakeBot:
    """A court whose people are registered (on 2026-12-01) and that has no record at all."""
    clock.set(local("2026-12-01 10:00"))
    bot = FakeBot(
        db,
        clock,
        make_settings(tmp_path / "data" / "evidence", court_name=COURT, record_number=NUMBER),
    )
    await add_person(db, clock, "李刚", [Role.DISCIPLINE, Role.TRIAL_MANAGEMENT], user_id="ligang")
    return bot


async def test_no_earliest_record_is_named_where_there_is_none(unrecorded: FakeBot) -> None:
    """F21: with no record at all, a quarter before the court began is refused without
    claiming a first record; it names the day the court began using the system."""
    chat = unrecorded.chat("ligang")
    for command in ("/report", "/compliance"):
        [said] = await chat.say(f"{command} 2026Q3")
        default = "report.default_current"
        assert said == zh(
            "report.bad_before_use",
            text="2026Q3",
            command=command,
            default=zh(default),
            quarter="2026Q4",
            first="2026-10-01",
            last="2026-12-31",
            since="2026-12-01",
            since_quarter="2026Q4",
        )
        assert "最早的记录" not in said
    assert await chat.say("/compliance 本季度") == await chat.say("/compliance 2026Q4")
