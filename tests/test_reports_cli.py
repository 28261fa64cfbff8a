"""``guowen report``: the same files from the command line, for scripts and large periods."""

from __future__ import annotations

import asyncio
import getpass
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakes import empty_database_sync
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from test_reports_support import BEIJING, local, make_record, open_court, summary_table

from bot import cli
from bot.config import load
from bot.report_cli import reader_engine, report
from handlers.i18n import t
from reminders.clock import FakeClock, SystemClock
from reports.files import sha256_of
from reports.period import last_completed_quarter
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, Department
from storage.vocabulary import Language


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("GUOWEN_DATABASE_URL", raising=False)
    with empty_database_sync(tmp_path) as url:
        path = tmp_path / "config.toml"
        path.write_text(
            f'[court]\nname = "温县人民法院"\n[storage]\ndatabase_url = "{url}"\n'
            f'evidence_dir = "{tmp_path / "data" / "evidence"}"\n',
            encoding="utf-8",
        )
        yield path


OPENED = local("2026-01-01 09:00")
"""When ``seed``'s court registers its people: where its records begin."""
ASKED = local("2026-10-08 10:00")
"""When ``run_report`` asks, unless told."""


def seed(config: Path, *received: datetime, opened: datetime = OPENED) -> None:
    async def work() -> None:
        db = Database(load(config).storage.database_url)
        try:
            await db.upgrade()
            people = await open_court(db, opened)
            for moment in received:
                await make_record(db, people["张伟"], moment)
        finally:
            await db.close()

    asyncio.run(work())


def export_events(config: Path) -> list[AuditEvent]:
    async def work() -> list[AuditEvent]:
        db = Database(load(config).storage.database_url)
        try:
            async with db.transaction() as session:
                query = select(AuditEvent).where(AuditEvent.kind == AuditKind.REPORT_EXPORTED.value)
                return list((await session.execute(query)).scalars().all())
        finally:
            await db.close()

    return asyncio.run(work())


def test_guowen_report_writes_the_files_to_out(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quarter = last_completed_quarter(SystemClock().now(), BEIJING)
    middle = datetime.combine(quarter.first, datetime.min.time(), BEIJING).replace(day=15, hour=10)
    seed(config, middle, middle.replace(hour=11))
    out_dir = tmp_path / "out"
    stdout = io.StringIO()
    status = cli.main(
        ["report", quarter.label, "--out", str(out_dir), "--config", str(config)], stdout
    )
    assert status == 0, capsys.readouterr().err
    lines = stdout.getvalue().splitlines()
    assert lines[0].startswith(f"{quarter.label}：外部领导干部干预过问案件 2 件")
    paths = [Path(line) for line in lines[1:]]
    assert [p.suffix for p in paths] == [".xlsx", ".docx", ".png"]
    assert all(p.parent == out_dir and p.is_file() for p in paths)
    assert summary_table(paths[0], "总体情况")["外部领导干部干预过问案件"] == 2
    (event,) = export_events(config)
    assert (event.actor, event.actor_staff_id) == (f"cli:{getpass.getuser()}", None)
    assert json.loads(event.payload)["files"] == {p.name: sha256_of(p) for p in paths}


def test_a_malformed_period_exits_2_with_an_example(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(config)
    status = cli.main(
        ["report", "2026-07-01", "2026-13-01", "--config", str(config)], io.StringIO()
    )
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.search(r"guowen report \d{4}-\d{2}-\d{2} \d{4}-\d{2}-\d{2}", err), err
    assert export_events(config) == []


def test_the_progress_bar_and_english(config: Path, tmp_path: Path) -> None:
    seed(config, local("2026-08-01 10:00"), local("2026-08-02 10:00"))
    out, err = io.StringIO(), io.StringIO()
    clock = FakeClock(datetime(2026, 10, 8, 2, 0, tzinfo=UTC))
    status = asyncio.run(
        report(
            load(config),
            "2026Q3",
            tmp_path / "en",
            out,
            err=err,
            progress=True,
            clock=clock,
            language=Language.EN,
        )
    )
    assert status == 0
    assert "Counting 2026Q3 [" in err.getvalue()
    assert "100% (2/2)" in err.getvalue()
    assert out.getvalue().startswith("2026Q3: 2 inquiries by outside leading cadres")
    assert (tmp_path / "en" / "inquiry-report_2026Q3.xlsx").is_file()


def test_without_out_the_files_go_beside_the_evidence_folder(config: Path, tmp_path: Path) -> None:
    seed(config)
    out = io.StringIO()
    clock = FakeClock(datetime(2026, 10, 8, 2, 0, tzinfo=UTC))
    assert asyncio.run(report(load(config), "2026Q3", None, out, clock=clock)) == 0
    paths = [Path(line) for line in out.getvalue().splitlines()[1:]]
    assert all(tmp_path / "data" / "reports" / "report" / "2026Q3" in p.parents for p in paths)


def test_the_reading_does_not_stop_the_bot_from_writing(config: Path) -> None:
    """A report over a large period reads for a while: the bot must keep recording."""
    seed(config)
    url = load(config).storage.database_url

    async def work() -> int:
        db = Database(url)
        reader = reader_engine(url)
        try:
            async with AsyncSession(reader) as session, session.begin():
                before = (await session.execute(text("SELECT count(*) FROM departments"))).scalar()
                async with db.transaction() as writer:  # would wait for the lock if blocked
                    writer.add(Department(name="新设部门", created_at=local("2026-10-08 10:00")))
                after = (await session.execute(text("SELECT count(*) FROM departments"))).scalar()
                assert after == before  # the report keeps reading the moment it began
            return int(after or 0)
        finally:
            await reader.dispose()
            await db.close()

    assert asyncio.run(asyncio.wait_for(work(), timeout=30)) > 0


def test_a_font_path_that_is_no_file_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[reports]\nfont_path = "{tmp_path / "nowhere.ttf"}"\n', encoding="utf-8")
    assert cli.main(["report", "2026Q3", "--config", str(path)], io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[reports] font_path" in err


def run_report(
    config: Path, period: str, out_dir: Path | None, now: datetime = ASKED
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    clock = FakeClock(now)
    status = asyncio.run(report(load(config), period, out_dir, out, err=err, clock=clock))
    return status, out.getvalue(), err.getvalue()


def test_a_quarter_without_records_is_a_report_that_says_so(config: Path, tmp_path: Path) -> None:
    seed(config, local("2026-08-01 10:00"))
    status, out, err = run_report(config, "2026Q2", tmp_path / "out")
    assert (status, err) == (0, "")
    first = out.splitlines()[0]
    assert first.startswith("2026Q2：本期无过问记录"), first
    assert any((tmp_path / "out").glob("*.xlsx"))
    assert len(export_events(config)) == 1


@pytest.mark.parametrize("period", ["2021Q1", "2025Q4", "2021-01-01 2025-12-31", "2025-12-31"])
@pytest.mark.parametrize("recorded", [True, False], ids=["recorded", "no-record"])
def test_a_period_ended_before_the_records_begin_is_refused(
    config: Path, tmp_path: Path, period: str, recorded: bool
) -> None:
    """The court began on 2026-01-01 (its people registered, and a record received then or
    none at all): a period before is refused; with no inquiry record at all, the refusal
    names the day the court began, never a "first record" (F21: there is none)."""
    seed(config, *([OPENED] if recorded else []))
    status, out, err = run_report(config, period, None)
    assert (status, out) == (2, "")
    assert (
        err
        == t(
            Language.ZH,
            "report.bad_before_records" if recorded else "report.bad_before_use",
            text=period,
            command="guowen report",
            quarter="2026Q3",
            first="2026-07-01",
            last="2026-09-30",
            since="2026-01-01",
            since_quarter="2026Q1",
        )
        + "\n"
    )
    assert recorded or "最早的记录" not in err
    assert export_events(config) == []
    assert not (tmp_path / "data" / "reports").exists()  # no empty folder left behind


def test_a_database_with_nothing_recorded_is_refused(config: Path, tmp_path: Path) -> None:
    status, out, err = run_report(config, "2021Q1", tmp_path / "out")
    assert (status, out) == (2, "")
    assert "2021Q1" in err and "还没有任何记录" in err
    assert not (tmp_path / "out").exists()


def test_a_period_in_the_future_is_refused(config: Path, tmp_path: Path) -> None:
    seed(config)
    status, out, err = run_report(config, "2027Q1", tmp_path / "out")
    assert (status, out) == (2, "")
    assert "还没有开始" in err


def test_a_court_that_began_this_quarter_gets_this_quarter_and_is_offered_it(
    config: Path, tmp_path: Path
) -> None:
    """Records from 2026-10-05, asked on 2026-11-30: the last quarter (2026Q3) predates them,
    so ``guowen report`` alone is the current quarter so far, and a refusal offers that."""
    seed(config, local("2026-10-06 10:00"), opened=local("2026-10-05 09:00"))
    now = local("2026-11-30 10:00")
    status, out, err = run_report(config, "2027Q1", None, now)
    assert (status, out) == (2, "")
    assert err.endswith("例如本季度：guowen report 2026Q4。\n"), err
    status, out, _ = run_report(config, "", tmp_path / "out", now)
    assert status == 0
    assert out.startswith("2026Q4："), out


def test_a_caveat_goes_to_standard_error_and_the_paths_stay_alone(
    config: Path, tmp_path: Path
) -> None:
    """Standard output is the summary line, then one path per line, for scripts; the chat's
    caveat (here: the period has not ended) is said on standard error."""
    seed(config, local("2026-10-02 10:00"))
    status, out, err = run_report(config, "2026Q4", tmp_path / "out")
    assert status == 0
    paths = [Path(line) for line in out.splitlines()[1:]]
    assert [p.suffix for p in paths] == [".xlsx", ".docx", ".png"]
    assert all(p.is_file() for p in paths)
    running = t(Language.ZH, "report.running", at="2026-10-08 10:00")
    assert err.splitlines() == [running]
