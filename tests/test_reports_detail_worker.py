"""The detail rows written in a process of their own (``reports.detail_worker``) make the same
workbook as the rows written in the report's process, whatever the batches; a worker that
fails or dies is a clear error and leaves no files behind; a cancelled report kills it."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import tempfile
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reports_detail_rows import VALUES
from test_reports_support import BEIJING, COURT, RULES, local, make_record, open_court, report_files

from reports.columns import COLUMNS
from reports.detail_rows import DetailRows, StyleKey
from reports.detail_worker import DetailWorker, DetailWorkerError, running
from reports.period import parse_period
from reports.quarterly import build_report
from reports.xlsx import ReportWorkbook
from storage.db import Database
from storage.vocabulary import Language

NOW = local("2026-10-08 10:00")


@pytest.fixture(autouse=True)
def own_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary folders made under the test's own, to be looked at after."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def workers() -> list[int]:
    """The workers started and not ended (their process ids)."""
    return sorted(running())


def left(folder: Path) -> list[str]:
    """What a folder holds (none of it must be left behind)."""
    return sorted(os.listdir(folder)) if folder.exists() else []


def parts(path: Path) -> dict[str, bytes]:
    """The workbook's parts but its properties (which say when it was saved)."""
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n != "docProps/core.xml"}


async def some_records(db: Database) -> None:
    people = await open_court(db, local("2026-06-01 09:00"))
    zhang, sun = people["张伟"], people["孙丽"]
    for n in range(7):
        await make_record(
            db,
            zhang if n % 2 else sun,
            local("2026-07-01 00:10") + timedelta(days=9 * n, hours=n),
            channel="in_person" if n == 2 else "phone",
            cosigners=[zhang] if n == 2 else [],
            confirm_after=timedelta(hours=3) if n == 2 else None,
            platform_after=timedelta(days=1) if n % 3 else None,
            art9_items=[1, 4] if n == 5 else [],
            summary="=1+1 要求从轻处理，" * n,  # a formula's start, texts that wrap
            main_leader=n == 4,  # an Art. 7 row
            submit_after=None if n == 6 else timedelta(hours=1),  # a draft: no detail row
        )


@pytest.mark.parametrize("batch", [1, 3, 1000])
async def test_the_worker_writes_the_same_workbook(
    db: Database, tmp_path: Path, own_temp: Path, batch: int
) -> None:
    await some_records(db)
    period = parse_period("2026Q3", now=NOW, tz=BEIJING)
    made = {}
    for worker in (False, True):
        files = await report_files(
            db, period, tmp_path / str(worker), now=NOW, batch=batch, worker=worker
        )
        made[worker] = parts(files.xlsx)
    assert made[True] == made[False]
    assert any(b'<row r="7"' in xml for xml in made[True].values())  # six rows and the header
    assert workers() == []
    assert left(own_temp) == []


def spliced(rows: DetailRows | DetailWorker, folder: Path) -> bytes:
    """The rows put into a sheet, as the workbook puts them."""
    sheet = folder / "sheet.xml"
    sheet.write_bytes(b"<sheetData><row/></sheetData>")
    out = folder / "out.xml"
    with out.open("wb") as stream:
        rows.write_into(sheet, stream)
    return out.read_bytes()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(st.lists(VALUES, min_size=6, max_size=6), min_size=1, max_size=12),
    st.lists(st.integers(0, 12), max_size=3),
)
def test_the_worker_writes_the_bytes_written_here(
    tmp_path: Path, drawn: list[list[object]], cuts: list[int]
) -> None:
    rows = [values + [None] * (len(COLUMNS) - 6) for values in drawn]
    widths = [c.width for c in COLUMNS]
    registered: dict[StyleKey, int] = {}
    here = DetailRows(
        BEIJING, widths, lambda key: registered.setdefault(key, len(registered) + 7), first_row=5
    )
    worker = DetailWorker()
    try:
        worker.set_up(BEIJING, widths, here.styles(), 5)
        edges = [0, *sorted(min(cut, len(rows)) for cut in cuts), len(rows)]
        for start, end in itertools.pairwise(edges):  # the same batches to both
            here.add(rows[start:end])
            worker.add(rows[start:end])
        assert worker.size > 0
        assert spliced(worker, tmp_path) == spliced(here, tmp_path)
        assert worker.peak_rss_mib is None or worker.peak_rss_mib > 0
    finally:
        worker.close()
    assert workers() == []


def test_a_worker_that_fails_says_why_and_leaves_nothing(own_temp: Path) -> None:
    rows = DetailWorker()
    rows.set_up(BEIJING, [c.width for c in COLUMNS], {}, 2)  # no style: the worker fails
    with pytest.raises(DetailWorkerError, match="KeyError"):
        rows.add_columns([["a"] for _ in COLUMNS])
        rows.finish()
    rows.close()
    assert workers() == []
    assert left(own_temp) == []


def test_a_worker_killed_midway_is_an_error_when_the_book_is_saved(
    tmp_path: Path, own_temp: Path
) -> None:
    book = ReportWorkbook(Language.ZH, BEIJING, worker=DetailWorker())
    worker = book._worker
    assert worker is not None and worker.pid is not None
    book._hand_over(worker)
    os.kill(worker.pid, signal.SIGKILL)
    with pytest.raises(DetailWorkerError, match="exit code"):
        for _ in range(50):  # the pipe's buffer takes a few batches before it breaks
            book.detail_data.add_columns([["某某"] * 200 for _ in COLUMNS])
            book.detail_rows += 200
        book.save(tmp_path / "book.xlsx")
    book.discard()
    assert workers() == []
    assert left(own_temp) == []


async def test_a_cancelled_report_kills_its_worker(
    db: Database, tmp_path: Path, own_temp: Path
) -> None:
    await some_records(db)
    period = parse_period("2026Q3", now=NOW, tz=BEIJING)
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.extend(workers())
        if done:
            task.cancel()

    async def report() -> None:
        async with db.transaction() as session:
            await build_report(
                session,
                period,
                language=Language.ZH,
                tz=BEIJING,
                rules=RULES,
                now=NOW,
                out_dir=tmp_path / "out",
                court_name=COURT,
                batch=1,
                worker=True,
                progress=progress,
            )

    task = asyncio.create_task(report())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert seen  # a worker ran
    assert workers() == []
    for pid in set(seen):  # killed and reaped
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert left(own_temp) == []
    assert not [name for name in left(tmp_path / "out") if name.endswith(".xlsx")]
