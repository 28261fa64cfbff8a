"""The report reads whether a draft's deadlines run as the reminders do
(``reminders.deadlines.clock_started``): a draft opened by forwarded material owes its steps
from the receipt time proposed, one opened by a bare /new owes none until its time is given.
The report reads records as plain rows, not ORM objects: the opener is one of their columns."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from test_reports_support import (
    BEIJING,
    RULES,
    fresh_database,
    local,
    make_record,
    open_court,
    report_said,
)

from reminders.planner import unmet
from reports.period import parse_period
from storage import records as records_repo
from storage.vocabulary import Language, Milestone

RECEIVED = local("2026-11-02 10:00")


@pytest.mark.parametrize("opener", ["picture", "text", "voice", "document", "new", None])
async def test_a_drafts_steps_count_in_the_report_as_the_reminders_chase_them(
    template_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opener: str | None
) -> None:
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    now = RECEIVED + timedelta(days=5)
    async with fresh_database(template_url, tmp_path) as db:
        people = await open_court(db, RECEIVED - timedelta(days=30))
        record_id = await make_record(
            db, people["张伟"], RECEIVED, submit_after=None, received_confirmed=False
        )
        async with db.transaction() as session:
            record = await records_repo.get(session, record_id)
            assert record is not None
            fields = dict(record.fields)
            if opener is not None:
                fields["opened_by"] = opener
            record.fields = fields
        async with db.transaction() as session:
            record = await records_repo.get(session, record_id)
            assert record is not None
            chased = Milestone.REGISTERED in unmet(record, RULES)
        period = parse_period("2026Q4", now=now, tz=BEIJING)
        said = await report_said(
            db, period, language=Language.ZH, now=now, folder=folder, monkeypatch=monkeypatch
        )
    assert chased is (opener not in ("new", None))
    missed = said.files.figures.milestones[Milestone.REGISTERED].missed
    assert missed == int(chased), (opener, missed)
