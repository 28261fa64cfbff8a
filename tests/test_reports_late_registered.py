"""A record received in one quarter and registered (submitted) in a later one is in no
quarter's figures but its receipt quarter's, whose report may have gone already: the report
of the quarter it was registered in lists it apart, and says so in its notes, summary and
chat line (Art. 6, Art. 7).
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from test_reports_support import (
    BEIJING,
    RULES,
    docx_text,
    local,
    make_record,
    open_court,
    report_files,
    utc,
)

from reports.columns import state_words
from reports.facts import State
from reports.period import parse_period
from reports.text import tr
from reports.xlsx import LATE_KEYS
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language, Milestone

NOW = local("2026-11-30 10:00")
QUARTERS = ("2026Q1", "2026Q2", "2026Q3", "2026Q4")
STARTS = {q: local(f"2026-{m:02d}-01 00:00") for q, m in zip(QUARTERS, (1, 4, 7, 10), strict=True)}
_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
_examples = itertools.count(1)


def local_naive(value: Any) -> datetime:
    """A workbook's date cell (court time, no zone) as an aware court time."""
    assert isinstance(value, datetime)
    return value.replace(tzinfo=BEIJING)


def _quarter_of(moment: Any) -> str:
    return next(q for q in reversed(QUARTERS) if moment >= STARTS[q])


@settings(max_examples=6, derandomize=True, **_COMMON)
@example(received_day=176, delay_days=1)  # received 06-30, registered 07-01: on time
@example(received_day=176, delay_days=5)  # received 06-30, registered 07-05: late
@given(
    received_day=st.integers(min_value=0, max_value=320),
    delay_days=st.integers(min_value=0, max_value=200),
)
async def test_a_record_registered_in_a_later_quarter_is_listed_in_that_quarters_report(
    db: Database, tmp_path: Path, received_day: int, delay_days: int
) -> None:
    n = next(_examples)
    received = local("2026-01-05 10:00") + timedelta(days=received_day)
    submitted = min(received + timedelta(days=delay_days, hours=1), NOW)
    people = await open_court(db, local("2026-01-01 09:00")) if n == 1 else None
    async with db.transaction() as session:
        handler = (
            people["张伟"]
            if people
            else (await session.get(Staff, 1))  # the court opened by the first example
        )
    assert handler is not None
    inquirer = f"赵{n}号"
    await make_record(
        db, handler, received, submit_after=submitted - received, inquirer_name=inquirer
    )
    section = tr(Language.ZH, "summary.section.late", n="").strip("、")
    sheet_name = tr(Language.ZH, "sheet.late")
    titles = [tr(Language.ZH, f"late.{key}") for key in LATE_KEYS]
    for quarter in QUARTERS:
        period = parse_period(quarter, now=NOW, tz=BEIJING)
        files = await report_files(db, period, tmp_path / f"{n}-{quarter}", now=NOW)
        listed = [row for row in files.figures.late_registered if row.inquirer == inquirer]
        late_here = _quarter_of(submitted) == quarter and _quarter_of(received) != quarter
        assert len(listed) == int(late_here), quarter
        book = load_workbook(files.xlsx)
        assert (sheet_name in book.sheetnames) == bool(files.figures.late_registered), quarter
        if late_here:
            text = docx_text(files.summary)
            assert section in text and inquirer in text
            [row] = listed
            assert (row.received_at, row.submitted_at) == (received, submitted)
            # the workbook's own sheet: the summary's columns, the record in its row
            rows = list(book[sheet_name].iter_rows(values_only=True))
            head = next(n for n, r in enumerate(rows) if r[0] == titles[0])
            assert list(rows[head]) == titles
            column = {key: n for n, key in enumerate(LATE_KEYS)}
            [shown] = [r for r in rows[head + 1 :] if r[column["inquirer"]] == inquirer]
            assert shown[0] == row.number
            assert [utc(local_naive(v)) for v in shown[1:3]] == [received, submitted]
            # Shown to the minute, the cell holding no hidden seconds.
            assert all(v.second == 0 and v.microsecond == 0 for v in shown[1:3])
            # Late or on time as its own registration was (the reminders' decision).
            async with db.transaction() as session:
                [record] = (
                    await session.execute(select(Record).where(Record.inquirer_name == inquirer))
                ).scalars()
                deadline = RULES.for_record(record)[Milestone.REGISTERED]
            late = submitted > deadline
            assert row.registered_late is late
            assert shown[column["registration"]] == state_words(
                State.LATE if late else State.ON_TIME, Language.ZH
            )
            assert state_words(State.LATE if late else State.ON_TIME, Language.ZH) in text
