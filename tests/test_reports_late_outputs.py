"""A quarter whose only records were received in earlier quarters and registered in it has
no counted record, yet it is not a quarter with nothing to report: the headline picture, the
summary document, the workbook (its summary and detail sheets) and the chat reply all say
so, by one decision (``reports.tables.empty_notice``), naming the same records.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_reports_support import (
    BEIJING,
    docx_text,
    fresh_database,
    local,
    make_record,
    open_court,
    report_said,
    sheet_rows,
)

import reports.charts
from handlers.i18n import t
from reports.period import parse_period
from reports.text import tr
from storage.vocabulary import Language

NOW = local("2027-04-05 10:00")
QUARTER_START = local("2027-01-01 00:00")


@settings(
    max_examples=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(before=[1], after=[46], language=Language.ZH)  # 12-31 received, 01-02 registered
@given(
    before=st.lists(st.integers(min_value=1, max_value=60 * 24), min_size=0, max_size=3),
    after=st.lists(st.integers(min_value=1, max_value=80 * 24), min_size=3, max_size=3),
    language=st.sampled_from(list(Language)),
)
async def test_every_output_names_the_late_registered_records_of_an_empty_quarter(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    before: list[int],
    after: list[int],
    language: Language,
) -> None:
    period = parse_period("2027Q1", now=NOW, tz=BEIJING)
    notices: list[str] = []
    drawn = reports.charts.headline_card

    def card(path: Path, *args: Any, notice: str = "", **kwargs: Any) -> Path:
        notices.append(notice)
        return drawn(path, *args, notice=notice, **kwargs)

    monkeypatch.setattr(reports.charts, "headline_card", card)
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, local("2026-10-01 09:00"))
        # Received ``hours`` before the quarter, registered ``later`` hours into it.
        for n, (hours, later) in enumerate(zip(before, after, strict=False)):
            received = QUARTER_START - timedelta(hours=hours)
            submitted = QUARTER_START + timedelta(hours=later)
            await make_record(
                db,
                people["张伟"],
                received,
                submit_after=submitted - received,
                inquirer_name=f"钱{n}号",
            )
        said = await report_said(
            db, period, language=language, now=NOW, folder=folder, monkeypatch=monkeypatch
        )
    figures = said.files.figures
    assert figures.empty
    numbers = [row.number for row in figures.late_registered]
    assert len(numbers) == len(before)
    (notice,) = notices
    assert notice.startswith(tr(language, "report.empty"))
    summary = docx_text(said.files.summary)
    workbook = [str(cell) for row in sheet_rows(said.files.xlsx, 0) for cell in row if cell]
    detail = [str(cell) for row in sheet_rows(said.files.xlsx, 3) for cell in row if cell]
    chat = said.places["chat"]
    # The picture says what the summary and both sheets say, word for word.
    assert notice in summary.split("\n")
    assert notice in workbook
    assert notice in detail
    for number in numbers:
        assert number in notice
        assert number in summary
    if numbers:
        assert t(language, "report.late_registered", count=len(numbers)) in chat
        assert notice != tr(language, "report.empty")
    else:
        assert notice == tr(language, "report.empty")
