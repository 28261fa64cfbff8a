"""A record received in one quarter and registered (submitted) in a later one is in no
quarter's figures but its receipt quarter's, whose report may have gone already: the report
of the quarter it was registered in lists it apart, and says so in its notes, summary and
chat line (Art. 6, Art. 7).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_reports_support import BEIJING, COURT, RULES, docx_text, local, make_record, open_court

from reports.period import parse_period
from reports.quarterly import build_report
from reports.text import tr
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Language

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


def _quarter_of(moment: Any) -> str:
    return next(q for q in reversed(QUARTERS) if moment >= STARTS[q])


@settings(max_examples=6, derandomize=True, **_COMMON)
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
    for quarter in QUARTERS:
        period = parse_period(quarter, now=NOW, tz=BEIJING)
        async with db.transaction() as session:
            files = await build_report(
                session,
                period,
                language=Language.ZH,
                tz=BEIJING,
                rules=RULES,
                now=NOW,
                out_dir=tmp_path / f"{n}-{quarter}",
                court_name=COURT,
            )
        listed = [row for row in files.figures.late_registered if row.inquirer == inquirer]
        late_here = _quarter_of(submitted) == quarter and _quarter_of(received) != quarter
        assert len(listed) == int(late_here), quarter
        if late_here:
            text = docx_text(files.summary)
            assert section in text and inquirer in text
            [row] = listed
            assert (row.received_at, row.submitted_at) == (received, submitted)
