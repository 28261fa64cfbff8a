"""The first period a court records in, reported while it runs: it has nothing to compare with
and counts only to now, and the chat and the command line say both (never a report that reads
as the whole quarter's)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from test_reports_support import (
    BEIJING,
    fresh_database,
    local,
    make_record,
    open_court,
    report_said,
)

from handlers.i18n import t
from reports.figures import now_stamp
from reports.period import parse_period
from storage.vocabulary import Language


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("records", [0, 2])
async def test_a_running_first_period_says_it_counts_to_now(
    template_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    language: Language,
    records: int,
) -> None:
    begin = local("2026-12-01 09:00")  # the court's first record, if any, comes that day
    now = local("2026-12-01 10:00")
    period = parse_period("2026Q4", now=now, tz=BEIJING)
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, begin)
        for n in range(records):
            await make_record(db, people["张伟"], begin + timedelta(minutes=n))
        said = await report_said(
            db, period, language=language, now=now, folder=folder, monkeypatch=monkeypatch
        )
    figures = said.files.figures
    assert figures.previous_unrecorded and figures.running_at
    chat = said.places["chat"]
    assert t(language, "report.previous_unrecorded") in chat, chat
    at = now_stamp(now, BEIJING)
    assert t(language, "report.running_so_far", at=at) in chat, chat
