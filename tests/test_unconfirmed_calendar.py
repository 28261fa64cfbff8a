"""A deadline counted into a year whose official holidays are not loaded says so.

``chinesecalendar`` ships the State Council's schedules up to 2026; 2027 is counted on weekends
only until an admin loads it. ``DeadlineRules.unconfirmed`` decides, for every deadline, whether
its computation looked at such a year: then the card (/record, the review card, /mine), the
reminders, /overdue and the form add a caveat, and the operators read a warning in the log
once. The decision is checked against its meaning: a deadline said without the caveat is the
same whatever 2027's schedule turns out to be.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_deadline_states import CHINA, context
from test_reports_support import RULES, docx_text, form_files, local, make_record, open_court

from handlers import card
from handlers.engine import Services
from reminders.calendar import ChinaCalendar, Counting, YearSchedule
from reminders.deadlines import DeadlineRules
from reminders.dispatch import Dispatcher
from reminders.quarters import Quarter
from reports.period import Period
from reports.quarterly import report_notes, unconfirmed_years
from reports.text import tr
from storage.db import Database
from storage.lists import join_list
from storage.models import Record
from storage.vocabulary import Language, RecordStatus

LAST_KNOWN = 2026  # the newest year ``chinesecalendar`` ships
FIRST_DAY = date(LAST_KNOWN + 1, 1, 1)
COUNTINGS = st.sampled_from(Counting)
# Days around the end of the known calendar: receipts from mid-November to mid-February.
AROUND_THE_END = st.dates(FIRST_DAY - timedelta(days=50), FIRST_DAY + timedelta(days=45))


def _received(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=CHINA)


@st.composite
def schedules(draw: st.DrawFn, year: int = LAST_KNOWN + 1) -> YearSchedule:
    """Any schedule the State Council could publish for ``year``'s first months: runs of
    days off and weekend days worked."""
    first = date(year, 1, 1)
    holidays = []
    for n in range(draw(st.integers(0, 3))):
        start = first + timedelta(days=draw(st.integers(0, 80)))
        length = draw(st.integers(1, 10))
        holidays.append((f"假期{n}", frozenset(start + timedelta(days=d) for d in range(length))))
    off = {day for _, days in holidays for day in days}
    weekends = [
        day
        for day in (first + timedelta(days=d) for d in range(90))
        if day.weekday() >= 5 and day not in off
    ]
    worked = draw(st.frozensets(st.sampled_from(weekends), max_size=4))
    return YearSchedule(year, tuple(holidays), worked)


@given(
    received=AROUND_THE_END,
    days=st.integers(1, 10),
    counting=COUNTINGS,
    schedule=schedules(),
)
def test_a_deadline_without_the_caveat_stands_whatever_the_new_year_brings(
    received: date, days: int, counting: Counting, schedule: YearSchedule
) -> None:
    """Without the caveat, loading 2027 cannot move the deadline; with it, the deadline's last
    day is in 2027 (no caveat for a deadline counted on 2026's schedule alone)."""
    rules = DeadlineRules(counting=counting, register_days=days)
    loaded = DeadlineRules(counting=counting, register_days=days)
    loaded.calendar.load({schedule.year: schedule})
    deadline = rules.after(_received(received), days)
    said = rules.unconfirmed(deadline)
    last = (deadline - timedelta(microseconds=1)).astimezone(CHINA).date()
    if not said:
        assert loaded.after(_received(received), days) == deadline
    assert said == ((LAST_KNOWN + 1,) if last.year > LAST_KNOWN else ())
    assert loaded.unconfirmed(loaded.after(_received(received), days)) == ()


@given(quarter=st.integers(1, 4), year=st.integers(LAST_KNOWN - 1, LAST_KNOWN + 1))
def test_a_quarterly_report_due_in_the_unknown_year_is_caveated(quarter: int, year: int) -> None:
    deadline = RULES.quarter(year, quarter)
    due_in = (deadline - timedelta(microseconds=1)).astimezone(CHINA).date().year
    said = RULES.unconfirmed(deadline)
    assert bool(said) is (due_in > LAST_KNOWN)
    assert all(LAST_KNOWN < year <= due_in for year in said)
    assert due_in in said or due_in <= LAST_KNOWN


@given(received=st.dates(date(2027, 12, 1), date(2028, 1, 31)), counting=COUNTINGS)
def test_a_year_skipped_between_known_ones_is_named(received: date, counting: Counting) -> None:
    """2028 loaded and 2027 not: a deadline of January 2028 counted from December 2027 looked
    at 2027's days, and says so."""
    rules = DeadlineRules(counting=counting)
    rules.calendar.load({2028: YearSchedule(2028, (), frozenset())})
    deadline = rules.after(_received(received), rules.report_days)
    said = rules.unconfirmed(deadline)
    start = received + timedelta(days=1)
    last = (deadline - timedelta(microseconds=1)).astimezone(CHINA).date()
    if start.year == 2027 or last.year == 2027:
        assert said == (2027,)
    assert 2028 not in said


def _ctx(language: Language, now: datetime, rules: DeadlineRules = RULES) -> Any:
    ctx = context(language, now)
    ctx.services = Services(clock=ctx.services.clock, tz=CHINA, rules=rules)
    return ctx


@given(
    last=st.dates(date(2026, 12, 1), date(2027, 1, 31)),
    before=st.integers(-3, 3),
    language=st.sampled_from(Language),
)
def test_every_deadline_a_person_reads_carries_the_caveat_when_due(
    last: date, before: int, language: Language
) -> None:
    """The card's state of a step (/record, the review card), /mine's next deadline, and the
    words of the reminders and /overdue: each says the caveat exactly when ``unconfirmed``
    names a year."""
    deadline = datetime.combine(last + timedelta(days=1), time(0), tzinfo=CHINA)
    now = deadline - timedelta(days=before, hours=5)
    ctx = _ctx(language, now)
    record = Record(status=RecordStatus.SUBMITTED, received_at=deadline - timedelta(days=3))
    caveat = ctx.t("card.calendar_unconfirmed", years="2027")
    due = last.year == 2027
    assert bool(RULES.unconfirmed(deadline)) is due

    class OneDeadline(DeadlineRules):
        def for_record(self, record: Record, *, submitted_at: datetime | None = None) -> Any:
            return {card.Milestone.PLATFORM_ENTERED: deadline}

    texts = [
        card.deadline_state(ctx, record, card.Milestone.PLATFORM_ENTERED, deadline),
        card.earliest_open(ctx, record, OneDeadline()),
        card.deadline_words(ctx, deadline, now),
    ]
    for text in texts:
        assert (caveat in text) is due, text


def test_the_review_card_of_a_record_received_on_new_years_eve_says_it() -> None:
    """Received 2026-12-31: every deadline falls in 2027, and each line says so."""
    received = local("2026-12-31 16:00")
    for language in Language:
        ctx = _ctx(language, received + timedelta(minutes=5))
        record = Record(status=RecordStatus.DRAFT, received_at=received, cosigners=[])
        lines = card.deadline_lines(ctx, record, RULES)
        caveat = ctx.t("card.calendar_unconfirmed", years="2027")
        assert lines and all(line.endswith(caveat) for line in lines), lines
    early = local("2026-12-01 10:00")
    ctx = _ctx(Language.ZH, early)
    lines = card.deadline_lines(ctx, Record(status=RecordStatus.DRAFT, received_at=early), RULES)
    assert lines and not any("尚未导入" in line for line in lines)


async def test_the_form_notes_the_years_not_loaded(db: Database, tmp_path: Path) -> None:
    """The form of a record received on 2026-12-31 prints the note under its steps; one
    received in early December does not."""
    await db.upgrade()
    people = await open_court(db, local("2026-12-01 09:00"))
    late = await make_record(db, people["张伟"], local("2026-12-31 16:00"))
    early = await make_record(db, people["张伟"], local("2026-12-01 10:00"))
    note = tr(Language.ZH, "form.calendar_unconfirmed", years="2027")
    now = local("2027-01-02 09:00")
    printed = await form_files(db, late, tmp_path / "late", now=now)
    assert note in docx_text(printed.docx)
    printed = await form_files(db, early, tmp_path / "early", now=now)
    assert "尚未导入" not in docx_text(printed.docx)


@given(year=st.integers(2025, 2027), quarter=st.integers(1, 4), language=st.sampled_from(Language))
def test_a_report_whose_deadlines_reach_the_unknown_year_says_so(
    year: int, quarter: int, language: Language
) -> None:
    """The report's notes name the year not loaded exactly when the deadline of a record
    received on the period's last day (the latest its records owe) falls in it."""
    period = Period.of_quarter(Quarter(year, quarter))
    years = unconfirmed_years(period, RULES, CHINA)
    reaches = period.last + timedelta(days=10) >= FIRST_DAY
    assert bool(years) is reaches
    notes = report_notes(
        period,
        language=language,
        tz=CHINA,
        now=local("2027-06-01 09:00"),
        head_seq=1,
        head_hash="0" * 64,
        draft=False,
        unconfirmed=years,
    )
    assert all(y > LAST_KNOWN for y in years)
    said = tr(
        language, "report.calendar_unconfirmed", years=join_list(language.value, map(str, years))
    )
    assert (said in notes) is reaches
    assert notes[-1] == tr(language, "report.scope_note")


def test_year_to_load_names_the_missing_year_from_december() -> None:
    calendar = ChinaCalendar({})
    assert calendar.year_to_load(date(2026, 11, 30)) is None
    assert calendar.year_to_load(date(2026, 12, 1)) == 2027
    assert calendar.year_to_load(date(2027, 3, 1)) == 2027
    calendar.load({2027: YearSchedule(2027, (), frozenset())})
    assert calendar.year_to_load(date(2027, 3, 1)) is None
    assert calendar.year_to_load(date(2027, 12, 1)) == 2028


def test_operators_are_warned_once_per_missing_year(caplog: pytest.LogCaptureFixture) -> None:
    rules = DeadlineRules()
    dispatcher = Dispatcher(cast(Any, None), cast(Any, None), rules, cast(Any, None))
    caplog.set_level(logging.WARNING, logger="reminders.dispatch")
    assert dispatcher.warn_missing_calendar(local("2026-11-30 23:00")) is None
    assert dispatcher.warn_missing_calendar(local("2026-12-01 00:10")) == 2027
    assert dispatcher.warn_missing_calendar(local("2026-12-01 00:11")) is None
    assert dispatcher.warn_missing_calendar(local("2027-01-05 09:00")) is None
    warned = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warned) == 1 and warned[0].levelno == logging.WARNING
    rules.calendar.load({2027: YearSchedule(2027, (), frozenset())})
    assert dispatcher.warn_missing_calendar(local("2027-12-02 09:00")) == 2028
    dispatcher.warn_operators = False  # guowen demo: no operators
    assert dispatcher.warn_missing_calendar(local("2028-12-02 09:00")) is None
