"""A report never compares with a previous period the records do not reach back to.

When the period before the report's lies wholly or partly before the court's records begin
(``reports.period.records_begin``), nothing of it was recorded here: the summary document's
table and analysis, the workbook's summary sheet, the headline picture and the chat text say
there is nothing to compare with, and never print the previous period as a zero. A previous
period the records cover whole is compared with its own count.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_reports_support import (
    BEIJING,
    fresh_database,
    local,
    make_record,
    open_court,
    report_said,
)

from handlers.i18n import t
from reports.period import parse_period
from reports.text import tr
from storage.vocabulary import Language

NOW = local("2027-01-05 10:00")
PERIODS = ("2026Q4", "2026-11-01 2026-11-30")


@settings(
    max_examples=20,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(text="2026Q4", begin_offset=61, previous_count=1, language=Language.ZH)  # partly
@example(text="2026Q4", begin_offset=61, previous_count=0, language=Language.EN)  # none held
@given(
    text=st.sampled_from(PERIODS),
    begin_offset=st.integers(min_value=-20, max_value=120),
    previous_count=st.integers(min_value=0, max_value=3),
    language=st.sampled_from(list(Language)),
)
async def test_a_previous_period_before_the_records_is_never_compared_with(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    begin_offset: int,
    previous_count: int,
    language: Language,
) -> None:
    period = parse_period(text, now=NOW, tz=BEIJING)
    previous = period.previous()
    # Records begin ``begin_offset`` days after the previous period's first day: before it,
    # on it, inside it, or after its end (then it predates the records wholly).
    begin_day = min(previous.first + timedelta(days=begin_offset), period.first)
    begin = datetime.combine(begin_day, time(9), tzinfo=BEIJING)
    unrecorded = begin_day > previous.first
    # The previous period's records, each received after the records begin: none when the
    # records begin after it ended.
    first_in_previous = max(begin_day, previous.first)
    kept = previous_count if first_in_previous <= previous.last else 0
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, begin)
        handler = people["张伟"]
        received = datetime.combine(first_in_previous, time(10), tzinfo=BEIJING)
        for n in range(kept):
            await make_record(db, handler, received + timedelta(minutes=n))
        current = 4
        for n in range(current):
            await make_record(db, handler, period.start(BEIJING) + timedelta(hours=10 + n))
        said = await report_said(
            db, period, language=language, now=NOW, folder=folder, monkeypatch=monkeypatch
        )
    assert said.files.figures.previous_unrecorded == unrecorded
    headline, places = said.headline, said.places
    summary, subtitle, chat = places["summary"], places["picture"], places["chat"]
    no_comparison = tr(language, "report.change_unrecorded")
    previous_label = tr(language, "report.headline.previous")
    change_label = tr(language, "report.headline.change")
    # A previous period the records begin inside of and that holds records was registered
    # here in part: said so, with the day the system's records begin, never "not registered".
    partly = unrecorded and kept > 0
    since_words = {"previous": previous.title(language), "since": begin_day.isoformat()}
    assert said.files.figures.previous_since == (begin_day if partly else None)
    if partly:
        partly_change = tr(language, "report.change_unrecorded_partly", **since_words)
        assert headline[change_label] == partly_change
        assert previous_label not in headline
        assert tr(language, "analysis.previous_unrecorded_partly", **since_words) in summary
        assert tr(language, "chart.previous_unrecorded_partly", **since_words) in subtitle
        assert t(language, "report.previous_unrecorded_partly", **since_words) in chat
        for place, said_words in places.items():
            for untrue in (
                tr(language, "report.change_unrecorded"),
                tr(language, "analysis.previous_unrecorded"),
                tr(language, "chart.previous_unrecorded"),
                t(language, "report.previous_unrecorded"),
            ):
                assert untrue not in said_words, (place, untrue)
    elif unrecorded:
        assert headline[change_label] == no_comparison
        assert previous_label not in headline
        assert tr(language, "analysis.previous_unrecorded") in summary
        assert tr(language, "chart.previous_unrecorded") in subtitle
        assert t(language, "report.previous_unrecorded") in chat
    if unrecorded:
        # Nothing anywhere reads the unrecorded period as a count, a zero, or a change.
        compared = [
            tr(language, "report.change_from_none", n=current - kept),
            tr(language, "report.change_none"),
            tr(language, "analysis.from_none", n=current - kept),
            tr(language, "analysis.same", previous=kept),
            previous_label,
        ]
        for place, words in places.items():
            for wrong in compared:
                assert wrong not in words, (place, wrong)
    else:
        assert headline[previous_label] == kept
        assert headline[change_label] != no_comparison
        for place, words in places.items():
            assert tr(language, "chart.previous_unrecorded") not in words, place
            assert tr(language, "analysis.previous_unrecorded") not in words, place
            assert t(language, "report.previous_unrecorded") not in words, place
        if kept == 0:
            assert tr(language, "analysis.from_none", n=current) in summary
