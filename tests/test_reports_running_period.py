"""A period still running is never compared with a whole previous one.

Two days into a quarter, the quarter holds a fraction of what the whole previous quarter
holds: a "fall of 100 %" is no finding. Whatever the period (a quarter or a run of days) and
whenever the report is made, while the period has not ended the summary document's table
and analysis, the workbook's summary sheet, the headline picture and the chat text say that
it has not ended (as of when) and state no rise, fall or "same"; the previous period's count
is still given, as a fact. Once it has ended, the comparison is made as before.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reports_support import (
    BEIJING,
    fresh_database,
    make_record,
    open_court,
    report_said,
)

from handlers.i18n import t
from reports.figures import now_stamp
from reports.period import parse_period
from reports.tables import change_words
from reports.text import tr
from storage.vocabulary import Language

PERIODS = ("2027Q1", "2026Q4", "2027-01-01 2027-01-31", "2026-12-20 2027-01-10")


@settings(
    max_examples=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.sampled_from(PERIODS),
    # Minutes after the period's first instant at which the report is made: from its first
    # day to well after its end.
    minutes=st.integers(min_value=60, max_value=140 * 24 * 60),
    previous_count=st.integers(min_value=0, max_value=3),
    current=st.integers(min_value=0, max_value=2),
    language=st.sampled_from(list(Language)),
)
async def test_a_running_period_is_never_compared(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    minutes: int,
    previous_count: int,
    current: int,
    language: Language,
) -> None:
    far = datetime(2030, 1, 1, tzinfo=BEIJING)
    period = parse_period(text, now=far, tz=BEIJING)
    previous = period.previous()
    now = period.start(BEIJING) + timedelta(minutes=minutes)
    running = not period.ended(now, BEIJING)
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    begin = datetime.combine(previous.first - timedelta(days=30), time(9), tzinfo=BEIJING)
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, begin)
        handler = people["张伟"]
        for n in range(previous_count):
            await make_record(db, handler, previous.start(BEIJING) + timedelta(hours=10 + n))
        first_hour = period.start(BEIJING) + timedelta(minutes=1)
        for n in range(current):  # received in the period, before the report is made
            await make_record(db, handler, min(first_hour + timedelta(minutes=n), now))
        said = await report_said(
            db, period, language=language, now=now, folder=folder, monkeypatch=monkeypatch
        )
    figures = said.files.figures
    assert not figures.previous_unrecorded
    assert figures.previous_external == previous_count
    headline, places = said.headline, said.places
    summary, subtitle, chat = places["summary"], places["picture"], places["chat"]
    at = now_stamp(now, BEIJING)
    previous_label = tr(language, "report.headline.previous")
    change_label = tr(language, "report.headline.change")
    assert headline[previous_label] == previous_count  # the previous count stays a fact
    diff = current - previous_count
    compared = [
        tr(language, "report.change_none"),
        tr(language, "report.change_from_none", n=diff),
        tr(language, "analysis.from_none", n=diff),
        tr(language, "analysis.same", previous=previous_count),
    ]
    if previous_count:
        ratio = f"{abs(diff) / previous_count:.0%}"
        for key in ("report.change_up", "report.change_down"):
            compared.append(tr(language, key, n=abs(diff), pct=ratio))
        for key in ("analysis.up", "analysis.down"):
            compared.append(tr(language, key, previous=previous_count, n=abs(diff), pct=ratio))
    if running:
        assert figures.running_at == at
        assert headline[change_label] == tr(language, "report.change_running", at=at)
        assert tr(language, "analysis.running", at=at, previous=previous_count) in summary, summary
        assert tr(language, "chart.running") in subtitle
        assert t(language, "report.running", at=at) in chat
        for place, words in places.items():
            for wrong in compared:
                assert wrong not in words, (place, wrong)
    else:
        assert figures.running_at == ""
        moved = (diff, diff / previous_count if previous_count else None)
        assert headline[change_label] == change_words(moved, language)
        for place, words in places.items():
            assert tr(language, "chart.running") not in words, place
            assert t(language, "report.running", at=at) not in words, place
