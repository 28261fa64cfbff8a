"""Every Art. 6 step of a record that falls overdue is seen by the compiler: in some
quarterly report made after its deadline and after the record was registered, the record's
row shows the step late (逾期办理) or missed (逾期未办).

A report counts its own quarter's records by receipt time, and the compiler makes it once
the quarter has ended, by its Art. 7 deadline. A record registered only in a later quarter
is in no report of its own quarter made before; a step falling due after its quarter's
report was made was shown there not yet due. The later quarter's report lists such records
apart (``Figures.late_registered``, ``Figures.due_earlier``), each step as it stands; this
test walks the compiler's four reports of 2026 through time, the record registered and its
steps done between them, and reads each workbook as the reader would.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from test_reports_support import (
    BEIJING,
    RULES,
    docx_text,
    fresh_database,
    local,
    make_record,
    number_of,
    open_court,
    report_examples,
    report_files,
)

from reports.columns import state_words
from reports.facts import State
from reports.period import parse_period
from reports.text import tr
from storage import records as records_repo
from storage.models import Record, Staff
from storage.vocabulary import Language, Milestone

YEAR_START = local("2026-01-01 10:00")
STEPS = (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED)
# Each step as the two kinds of table head it: the detail sheet of the receipt quarter's
# report, and the lists of records of earlier quarters.
HEADS = {
    Milestone.REGISTERED: ("field.state_registered", "late.registration"),
    Milestone.PLATFORM_ENTERED: ("field.state_platform_entered", "late.platform"),
    Milestone.FORM_DELIVERED: ("field.state_form_delivered", "late.delivered"),
}
OVERDUE = {state_words(State.LATE, Language.ZH), state_words(State.MISSED, Language.ZH)}
HOUR = timedelta(hours=1)


def shown_overdue(path: Path, number: str, milestone: Milestone) -> str | None:
    """The sheet of the workbook at ``path`` that has a row of record ``number`` whose cell
    under ``milestone``'s head says late or missed, or None."""
    heads = {tr(Language.ZH, key) for key in HEADS[milestone]}
    book = load_workbook(path, read_only=True)
    try:
        for sheet in book.worksheets:
            column = None
            for row in sheet.iter_rows(values_only=True):
                # A head may be broken over lines in its cell (``reports.paper``).
                found = [n for n, cell in enumerate(row) if str(cell).replace("\n", "") in heads]
                if found:
                    column = found[0]
                elif column is not None and number in row and row[column] in OVERDUE:
                    return sheet.title
        return None
    finally:
        book.close()


@report_examples(20)
# The trial: received 09-20, registered 12-05, never entered nor delivered.
@example(received_hours=262 * 24, submit_hours=76 * 24, done=(None, None), reference=False,
         made=(1.0, 1.0, 1.0, 0.0))  # fmt: skip
# Received 09-29, registered at once; entry due 10-08 (National Day), after the Q3 report
# was made on 10-01: never entered, and the Q4 report must say so.
@example(received_hours=271 * 24, submit_hours=1, done=(None, 3), reference=False,
         made=(1.0, 1.0, 0.0, 0.5))  # fmt: skip
@given(
    received_hours=st.integers(min_value=0, max_value=360 * 24),
    submit_hours=st.integers(min_value=1, max_value=150 * 24),
    done=st.tuples(*[st.none() | st.integers(min_value=0, max_value=120 * 24)] * 2),
    reference=st.booleans(),
    made=st.tuples(*[st.floats(min_value=0, max_value=1)] * 4),
)
async def test_every_overdue_step_is_shown_in_a_report_made_after_it(
    template_url: str,
    tmp_path: Path,
    received_hours: int,
    submit_hours: int,
    done: tuple[int | None, int | None],
    reference: bool,
    made: tuple[float, float, float, float],
) -> None:
    received = YEAR_START + received_hours * HOUR
    submitted = min(received + submit_hours * HOUR, local("2026-12-31 20:00"))
    met = {
        step: None if hours is None else submitted + hours * HOUR
        for step, hours in zip(STEPS, done, strict=True)
    }
    # Each quarter's report, made between the quarter's end and its Art. 7 deadline.
    reports: list[tuple[datetime, str]] = []
    for number, share in enumerate(made, 1):
        period = parse_period(f"2026Q{number}", now=local("2027-06-01 00:00"), tz=BEIJING)
        end, due = period.end(BEIJING), RULES.quarter(2026, number)
        at = end + (due - HOUR - end) * share
        reports.append((at.replace(second=0, microsecond=0), f"2026Q{number}"))
    folder = tmp_path / uuid.uuid4().hex
    async with fresh_database(template_url, folder.parent) as db:
        people = await open_court(db, local("2025-12-01 09:00"))
        handler = people["张伟"]
        record_id: int | None = None
        shown: dict[Milestone, str | None] = {}
        pending_steps = dict(met)
        deadlines: dict[Milestone, datetime] = {}
        for at, label in reports:
            if record_id is None and submitted <= at:  # opened and registered the same day
                record_id = await make_record(
                    db,
                    handler,
                    received,
                    opened=submitted,
                    submit_after=submitted - received,
                    kind="reference_opinion" if reference else "external",
                )
                async with db.transaction() as session:
                    record = await session.get(Record, record_id)
                    assert record is not None
                    deadlines = RULES.for_record(record)
            if record_id is None:
                continue
            for step, when in list(pending_steps.items()):
                if when is not None and when <= at and step in deadlines:
                    async with db.transaction() as session:
                        [record] = (
                            await session.execute(select(Record).where(Record.id == record_id))
                        ).scalars()
                        actor = await session.get(Staff, handler.id)
                        assert actor is not None
                        await records_repo.mark_milestone(
                            session, record, step, actor=actor, at=when, deadline=deadlines[step]
                        )
                    del pending_steps[step]
            files = await report_files(db, label, folder / label, now=at)
            number = await number_of(db, record_id)
            for step, deadline in deadlines.items():
                if deadline <= at and not shown.get(step):
                    shown[step] = shown_overdue(files.xlsx, number, step)
                    if shown[step] not in (None, tr(Language.ZH, "sheet.detail")):
                        # a record listed apart: the summary document lists it too
                        assert number in docx_text(files.summary)
    if record_id is None:
        return  # registered after the last report: no report yet could show it
    met[Milestone.REGISTERED] = submitted
    last = reports[-1][0]
    for step, deadline in deadlines.items():
        when = met.get(step)
        overdue = when is None or when >= deadline
        if overdue and deadline <= last:
            assert shown.get(step), (step, deadline, when, reports)
