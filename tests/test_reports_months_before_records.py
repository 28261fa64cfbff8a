"""A report whose period begins before the court's first record never prints those months
as 0 (trial 11 F11).

``guowen report 2026Q3`` is refused when the quarter ended before the records begin; a range
that only begins before them is built, and every place says which part predates the system:
the notes and analysis of the summary document, the workbook's notes, the chat reply (and the
CLI's, which prints the same caveats), and the month table of the document and the workbook
and the month chart read ``report.month_unrecorded`` for each month before the first record's
month, never a count.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

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
    sheet_rows,
    summary_table,
)

import reports.charts
from handlers.i18n import t
from reports.period import Period, accepted_period, records_begin
from reports.text import tr
from storage.vocabulary import Language

NOW = local("2027-06-30 10:00")
BASE = date(2026, 1, 1)


@settings(
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(begin=334, first=181, length=0, language=Language.ZH)  # the trial's 2026-07-01..12-31
@example(begin=10, first=40, length=60, language=Language.EN)  # begins after the records
@example(begin=200, first=181, length=90, language=Language.ZH)  # records begin mid-month
@given(
    begin=st.integers(min_value=0, max_value=420),
    first=st.integers(min_value=0, max_value=420),
    length=st.integers(min_value=0, max_value=120),
    language=st.sampled_from(list(Language)),
)
async def test_months_before_the_first_record_read_unregistered_never_zero(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    begin: int,
    first: int,
    length: int,
    language: Language,
) -> None:
    begin_day, first_day = BASE + timedelta(days=begin), BASE + timedelta(days=first)
    last_day = min(max(first_day, begin_day) + timedelta(days=length), NOW.date())
    period = Period(first_day, last_day)
    # Whole months of the period before the records' first month (the first month itself
    # counts from the first record, as a first quarter of use does).
    since = (
        begin_day if (begin_day.year, begin_day.month) > (first_day.year, first_day.month) else None
    )
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    charted: dict[str, list[tuple[str, Any]]] = {}
    drawn = reports.charts.bar_chart

    def bar_chart(path: Path, title: str, items: list[tuple[str, Any]], **kw: Any) -> Path:
        charted[path.stem] = list(items)
        return drawn(path, title, items, **kw)

    monkeypatch.setattr(reports.charts, "bar_chart", bar_chart)
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, datetime.combine(begin_day, time(9), tzinfo=BEIJING))
        received = datetime.combine(max(first_day, begin_day), time(10), tzinfo=BEIJING)
        await make_record(db, people["张伟"], received)
        async with db.transaction() as session:
            start = await records_begin(session)
        # One rule with the refusal: the range is accepted, as it ends after the records begin.
        typed = f"{first_day.isoformat()} {last_day.isoformat()}"
        assert accepted_period(typed, now=NOW, tz=BEIJING, begin=start) == period
        said = await report_said(
            db, period, language=language, now=NOW, folder=folder, monkeypatch=monkeypatch
        )
    figures = said.files.figures
    assert figures.since == since
    unrecorded = tr(language, "report.month_unrecorded")
    months = summary_table(said.files.xlsx, tr(language, "report.section.months"))
    chart = dict(charted["months"])
    summary, chat = said.places["summary"], said.places["chat"]
    notes = "\n".join(str(row[0]) for row in sheet_rows(said.files.xlsx, 0)[:8] if row)
    counted = 0
    for year, month in period.months():
        label = tr(language, "report.month", year=year, month=month)
        if since is not None and (year, month) < (since.year, since.month):
            assert months[label] == unrecorded, label
            assert chart[label] == unrecorded, label
            assert f"{label}\n{unrecorded}" in summary, label
        else:
            assert isinstance(months[label], int), label
            assert chart[label] == float(months[label]), label
            assert f"{label}\n{months[label]}" in summary, label
            counted += months[label]
    assert counted == 1  # the one record, in its month, not among the unregistered ones
    words = {"since": since.isoformat()} if since else {"since": ""}
    said_so = {
        "document note": tr(language, "report.since_note", **words) in summary,
        "analysis": tr(language, "analysis.since", **words) in summary,
        "workbook note": tr(language, "report.since_note", **words) in notes,
        "chat": t(language, "report.since", **words) in chat,
    }
    assert said_so == dict.fromkeys(said_so, since is not None)
    if since is None:
        assert unrecorded not in str(months) and unrecorded not in str(chart)
