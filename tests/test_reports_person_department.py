"""A person is listed under their own department in the report's per-person table (Art. 10),
whatever the 承办部门 of their records: a record moved to another division by a correction
counts in that division's department figures, and its handler stays where the staff register
puts them, whichever of their records is counted first."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from test_reports_support import local, make_record, open_court, report_files

from reports.tables import by_department, by_handler
from storage.db import Database
from storage.models import Record
from storage.vocabulary import Language, Milestone


@pytest.mark.parametrize("moved", [0, 1, 2])
async def test_a_handler_stays_in_their_department_when_a_record_moves(
    db: Database, tmp_path: Path, moved: int
) -> None:
    people = await open_court(db, local("2026-07-01 09:00"))
    ids = [
        await make_record(db, people["张伟"], local(f"2026-07-0{day} 10:00"), submit_after=None)
        for day in (2, 3, 4)
    ]
    criminal = people["周强"].department_id
    async with db.transaction() as session:
        await session.execute(
            update(Record).where(Record.id == ids[moved]).values(department_id=criminal)
        )
    files = await report_files(db, "2026Q3", tmp_path, now=local("2026-10-09 09:00"))
    rows = {row.name: row for row in by_handler(files.figures, Language.ZH)}
    assert rows["张伟"].department == "民一庭"
    # The moved draft's missed registration counts in the division it was moved to.
    departments = {row.name: row for row in by_department(files.figures, Language.ZH)}
    assert departments["刑事审判庭"].tallies[Milestone.REGISTERED].missed == 1
    assert departments["民一庭"].tallies[Milestone.REGISTERED].missed == 2
