"""``guowen holidays load FILE`` and ``guowen holidays show YEAR``, as the admin runs them.

A good file is stored (exit 0) and shown; a file that fails a sense check is refused in one
line (exit 2) and nothing is stored; an unreadable path likewise. Once a year is loaded, the
deadlines that run into it move: in an app started afterwards, and in a running dispatcher at
its next tick, whose records are planned again.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dialogue import Court, DialogueBot, open_court, phone_record
from dialogue import dialogue as play
from fakes import empty_database_sync
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reminder_kit import (
    BEIJING,
    RecordingNotifier,
    bj,
    end_of,
    make_dispatcher,
    new_record,
    reminders,
    run_until,
)
from reminder_kit import open_court as kit_court
from sqlalchemy import func, select
from test_cli_staff import guowen, write_config

from handlers.i18n import t
from reminders.calendar import (
    HolidayFileError,
    HolidayFileProblem,
    dump_year,
    parse_holidays_file,
    schedule_from_package,
    statutory_days,
)
from reminders.clock import FakeClock
from reminders.outbox import ReminderKind
from storage.db import Database
from storage.models import AuditEvent, HolidaySchedule, Record
from storage.vocabulary import Language, Milestone

ZH = Language.ZH
FILE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知 (as an admin would type it)
year = 2027

[[holiday]]
name = "元旦"
days = ["2027-01-01", "2027-01-03"]

[[holiday]]
name = "春节"
days = ["2027-02-06", "2027-02-12"]

[[workday]]
date = "2027-02-13"
"""
NEW_YEAR = '[[holiday]]\nname = "元旦"\ndays = ["2027-01-01", "2027-01-03"]\n'

# One file per sense check, with the detail the admin is shown.
BAD_FILES = {
    HolidayFileProblem.INVALID_TOML: ("year = \n", "1:8"),
    HolidayFileProblem.UNKNOWN_FIELD: ("year = 2027\nworkdays = []\n" + NEW_YEAR, "workdays"),
    HolidayFileProblem.MISSING_FIELD: (NEW_YEAR, "year"),
    HolidayFileProblem.WRONG_TYPE: (
        'year = 2027\n[[holiday]]\nname = "元旦"\ndays = 5\n',
        "holiday[1].days",
    ),
    HolidayFileProblem.BAD_YEAR: ("year = 20027\n", "20027"),
    HolidayFileProblem.BAD_DATE: (
        'year = 2027\n[[holiday]]\nname = "春节"\ndays = "2027-02-30"\n',
        "2027-02-30",
    ),
    HolidayFileProblem.BAD_RANGE: (
        'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2027-01-01"]\n',
        "holiday[1].days",
    ),
    HolidayFileProblem.DATE_OUTSIDE_YEAR: (
        'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2026-12-31", "2027-01-02"]\n',
        "2026-12-31",
    ),
    HolidayFileProblem.RANGE_REVERSED: (
        'year = 2027\n[[holiday]]\nname = "元旦"\ndays = ["2027-01-03", "2027-01-01"]\n',
        "2027-01-03..2027-01-01",
    ),
    HolidayFileProblem.RANGE_TOO_LONG: (
        'year = 2027\n[[holiday]]\nname = "春节"\ndays = ["2027-02-01", "2027-02-11"]\n',
        "2027-02-01..2027-02-11",
    ),
    HolidayFileProblem.WORKDAY_NOT_WEEKEND: (
        "year = 2027\n" + NEW_YEAR + '[[workday]]\ndate = "2027-02-08"\n',
        "2027-02-08",
    ),
    HolidayFileProblem.HOLIDAY_IS_WORKDAY: (
        "year = 2027\n" + NEW_YEAR + '[[workday]]\ndate = "2027-01-02"\n',
        "2027-01-02",
    ),
    HolidayFileProblem.DUPLICATE_NAME: (
        "year = 2027\n" + NEW_YEAR + '[[holiday]]\nname = "元旦"\ndays = "2027-12-31"\n',
        "元旦",
    ),
    HolidayFileProblem.DUPLICATE_DATE: (
        "year = 2027\n" + NEW_YEAR + '[[holiday]]\nname = "x"\ndays = "2027-01-03"\n',
        "2027-01-03",
    ),
    HolidayFileProblem.NO_HOLIDAYS: ('year = 2027\n[[workday]]\ndate = "2027-02-13"\n', ""),
}


def zh(key: str, **values: object) -> str:
    return t(ZH, key, **values)


def the_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err.rstrip("\n")


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("GUOWEN_DATABASE_URL", raising=False)
    with empty_database_sync(tmp_path) as url:
        yield write_config(tmp_path, url)


def stored(config: Path) -> tuple[int, int]:
    """How many schedules the database holds, and how many load events the audit chain."""
    url = re.search(r'database_url = "([^"]+)"', config.read_text(encoding="utf-8"))
    assert url is not None

    async def count() -> tuple[int, int]:
        db = Database(url.group(1))
        try:
            async with db.transaction() as session:
                schedules = await session.scalar(select(func.count()).select_from(HolidaySchedule))
                events = await session.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.kind == "holidays_loaded")
                )
                return int(schedules or 0), int(events or 0)
        finally:
            await db.close()

    return asyncio.run(count())


# --- load and show --------------------------------------------------------------------------------


def test_load_a_good_file_then_show_it(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(FILE_2027, encoding="utf-8")
    before = datetime.now(UTC)
    status, lines = guowen(config, "holidays", "load", str(path))
    # 2027 has no schedule yet: the statutory holidays the law fixes are in force, and the
    # file (元旦 and 春节 only) is merged into them, adding its bridging days.
    new_days = "、".join(
        [*(f"2027-01-0{n}" for n in range(2, 4)), *(f"2027-02-{n:02}" for n in range(9, 13))]
    )
    source = zh("holidays.source_statutory")
    statutory = len(statutory_days(2027))
    assert (status, lines) == (
        0,
        [
            zh("holidays.changes", year=2027),
            zh("holidays.change.off_added", count=6, days=new_days),
            zh("holidays.change.work_added", count=1, days="2027-02-13"),
            zh("holidays.outcome.merged", path=str(path), year=2027, source=source),
            zh("holidays.loaded", year=2027, days_off=statutory + 6, workdays=1),
        ],
    )
    assert capsys.readouterr().err == ""
    assert stored(config) == (1, 1)

    status, lines = guowen(config, "holidays", "show", "2027")
    assert status == 0
    header = re.fullmatch(
        re.escape(
            zh("holidays.header", year=2027, source=zh("holidays.source_loaded", at="@"))
        ).replace("@", "(.+)"),
        lines[0],
    )
    assert header is not None
    loaded_at = datetime.strptime(header.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
    assert before - timedelta(minutes=1) <= loaded_at <= datetime.now(UTC)
    row = "holidays.holiday_row"
    assert lines[1:] == [  # the law's holidays, lengthened by the file's days
        zh(row, name="元旦", first="2027-01-01", last="2027-01-03", count=3),
        zh(row, name="春节", first="2027-02-05", last="2027-02-12", count=8),
        zh(row, name="清明", first="2027-04-05", last="2027-04-05", count=1),
        zh(row, name="劳动节", first="2027-05-01", last="2027-05-02", count=2),
        zh(row, name="端午", first="2027-06-09", last="2027-06-09", count=1),
        zh(row, name="中秋", first="2027-09-15", last="2027-09-15", count=1),
        zh(row, name="国庆节", first="2027-10-01", last="2027-10-03", count=3),
        zh("holidays.workdays", days="2027-02-13"),
    ]
    # Each holiday named once, with its whole range (the law's day and the file's bridging days).
    assert lines[1] == "· 元旦：2027-01-01 至 2027-01-03，共 3 天"


def test_the_newest_file_of_a_year_wins_when_asked_to_replace(config: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text(FILE_2027, encoding="utf-8")
    second.write_text("year = 2027\n" + NEW_YEAR, encoding="utf-8")
    assert guowen(config, "holidays", "load", str(first))[0] == 0
    assert guowen(config, "holidays", "load", str(second), "--replace")[0] == 0
    status, lines = guowen(config, "holidays", "show", "2027")
    assert status == 0
    assert lines[1:] == [
        zh("holidays.holiday_row", name="元旦", first="2027-01-01", last="2027-01-03", count=3),
        zh("holidays.workdays", days=zh("common.none")),
    ]
    assert stored(config) == (2, 2)


def test_show_a_year_the_package_knows_and_one_nobody_knows(config: Path) -> None:
    status, lines = guowen(config, "holidays", "show", "2026")
    assert status == 0
    assert lines[0] == zh("holidays.header", year=2026, source=zh("holidays.source_package"))
    package = schedule_from_package(2026)
    assert package is not None
    assert len(lines) == 1 + len(package.holidays) + 1
    assert "· 国庆节：2026-10-01 至 2026-10-07，共 7 天" in lines
    assert lines[-1] == zh(
        "holidays.workdays",
        days="、".join(
            ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
        ),
    )
    status, lines = guowen(config, "holidays", "show", "2031")
    statutory = zh("holidays.statutory_header", year=2031)
    assert (status, lines[:2]) == (0, [zh("holidays.unknown", year=2031), statutory])


@pytest.mark.parametrize("problem", list(HolidayFileProblem), ids=lambda p: p.value)
def test_a_bad_file_is_refused_in_one_line_and_nothing_is_stored(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], problem: HolidayFileProblem
) -> None:
    text, detail = BAD_FILES[problem]
    with pytest.raises(HolidayFileError) as caught:  # the parser agrees on what is wrong
        parse_holidays_file(text)
    assert (caught.value.problem, caught.value.detail) == (problem, detail)

    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    status, lines = guowen(config, "holidays", "load", str(path))
    assert (status, lines) == (2, [])
    reason = zh(f"holidays.problem.{problem.value}")
    expected = (
        zh("holidays.refused", path=str(path), reason=reason, detail=detail)
        if detail
        else zh("holidays.refused_plain", path=str(path), reason=reason)
    )
    assert the_error(capsys) == expected
    assert stored(config) == (0, 0)
    status, lines = guowen(config, "holidays", "show", "2027")
    assert (status, lines[0]) == (0, zh("holidays.unknown", year=2027))


@pytest.mark.parametrize("kind", ["missing", "folder", "not-utf8"])
def test_an_unreadable_file_is_refused(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / "holidays.toml"
    if kind == "folder":
        path.mkdir()
    elif kind == "not-utf8":
        path.write_bytes("year = 2027\n# 元旦\n".encode("gbk"))
    status, lines = guowen(config, "holidays", "load", str(path))
    assert (status, lines) == (2, [])
    assert the_error(capsys) == zh("holidays.unreadable", path=str(path))
    assert stored(config) == (0, 0)


def test_the_load_is_an_audit_event_with_the_days(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "2027.toml"
    path.write_text(FILE_2027, encoding="utf-8")
    assert guowen(config, "holidays", "load", str(path))[0] == 0
    url = re.search(r'database_url = "([^"]+)"', config.read_text(encoding="utf-8"))
    assert url is not None

    async def event() -> AuditEvent:
        db = Database(url.group(1))
        try:
            async with db.transaction() as session:
                query = select(AuditEvent).where(AuditEvent.kind == "holidays_loaded")
                return (await session.execute(query)).scalar_one()
        finally:
            await db.close()

    loaded = asyncio.run(event())
    payload = json.loads(loaded.payload)
    assert (loaded.subject, loaded.actor, payload["year"]) == ("holidays:2027", "cli", 2027)
    assert payload["workdays"] == ["2027-02-13"]
    assert payload["days_off"][:3] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert len(payload["days_off"]) == len(statutory_days(2027)) + 6  # the law's, the file's


# --- a file over a year already in force -------------------------------------------------------

ONE_DAY_2026 = 'year = 2026\n[[holiday]]\nname = "x"\ndays = ["2026-12-31", "2026-12-31"]\n'
OFFICIAL_2026 = schedule_from_package(2026)


def shown(config: Path, year: int) -> list[str]:
    status, lines = guowen(config, "holidays", "show", str(year))
    assert status == 0
    return lines[1:]


def test_a_one_day_file_for_a_built_in_year_is_added_and_keeps_every_official_day(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert OFFICIAL_2026 is not None
    path = tmp_path / "h26.toml"
    path.write_text(ONE_DAY_2026, encoding="utf-8")
    before = shown(config, 2026)
    status, lines = guowen(config, "holidays", "load", str(path))
    assert status == 0
    assert capsys.readouterr().err == ""
    source = zh("holidays.source_package")
    assert lines == [
        zh("holidays.changes", year=2026),
        zh("holidays.change.off_added", count=1, days="2026-12-31"),
        zh("holidays.outcome.merged", path=str(path), year=2026, source=source),
        zh(
            "holidays.loaded",
            year=2026,
            days_off=len(OFFICIAL_2026.days_off) + 1,
            workdays=6,
        ),
    ]
    after = shown(config, 2026)
    assert after == [*before[:-1], "· x：2026-12-31 至 2026-12-31，共 1 天", before[-1]]
    assert "· 国庆节：2026-10-01 至 2026-10-07，共 7 天" in after
    assert stored(config) == (1, 1)


def test_replace_takes_the_file_as_the_whole_year_and_lists_the_days_it_drops(
    config: Path, tmp_path: Path
) -> None:
    assert OFFICIAL_2026 is not None
    path = tmp_path / "h26.toml"
    path.write_text(ONE_DAY_2026, encoding="utf-8")
    status, lines = guowen(config, "holidays", "load", str(path), "--replace")
    assert status == 0
    removed = sorted(d.isoformat() for d in OFFICIAL_2026.days_off)
    workdays = sorted(d.isoformat() for d in OFFICIAL_2026.workdays)
    assert lines[1:4] == [
        zh("holidays.change.off_added", count=1, days="2026-12-31"),
        zh("holidays.change.off_removed", count=len(removed), days="、".join(removed)),
        zh("holidays.change.work_removed", count=6, days="、".join(workdays)),
    ]
    assert lines[4] == zh(
        "holidays.outcome.replaced",
        path=str(path),
        year=2026,
        source=zh("holidays.source_package"),
    )
    assert shown(config, 2026) == [
        "· x：2026-12-31 至 2026-12-31，共 1 天",
        zh("holidays.workdays", days=zh("common.none")),
    ]


def test_a_partial_file_contradicting_the_year_is_refused_and_nothing_is_stored(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "h26.toml"  # 2026-10-10 is the Saturday worked for 国庆
    path.write_text('year = 2026\n[[holiday]]\nname = "x"\ndays = "2026-10-10"\n', encoding="utf-8")
    status, lines = guowen(config, "holidays", "load", str(path))
    assert (status, lines) == (2, [])
    err = capsys.readouterr().err.splitlines()
    # Refused first, then only the contradiction: none of what a replacement would change.
    assert err == [
        zh(
            "holidays.refused_partial",
            path=str(path),
            year=2026,
            source=zh("holidays.source_package"),
        ),
        zh("holidays.contradiction.off_over_work", count=1, days="2026-10-10"),
    ]
    assert stored(config) == (0, 0)


def test_a_whole_year_file_replaces_without_being_asked_and_says_what_moved(
    config: Path, tmp_path: Path
) -> None:
    assert OFFICIAL_2026 is not None
    # The official year with 国庆节 ending a day later: the whole year, one day added.
    text = dump_year(OFFICIAL_2026).replace('"2026-10-07"', '"2026-10-08"')
    path = tmp_path / "h26.toml"
    path.write_text(text, encoding="utf-8")
    status, lines = guowen(config, "holidays", "load", str(path))
    assert status == 0
    assert lines[1:3] == [
        zh("holidays.change.off_added", count=1, days="2026-10-08"),
        zh(
            "holidays.outcome.replaced",
            path=str(path),
            year=2026,
            source=zh("holidays.source_package"),
        ),
    ]
    assert "· 国庆节：2026-10-01 至 2026-10-08，共 8 天" in shown(config, 2026)


def test_a_dry_run_shows_the_changes_and_stores_nothing(config: Path, tmp_path: Path) -> None:
    path = tmp_path / "h26.toml"
    path.write_text(ONE_DAY_2026, encoding="utf-8")
    status, lines = guowen(config, "holidays", "load", str(path), "--dry-run")
    assert (status, lines[-1]) == (0, zh("holidays.dry_run"))
    assert zh("holidays.change.off_added", count=1, days="2026-12-31") in lines
    assert stored(config) == (0, 0)


# --- deadlines follow the loaded year -----------------------------------------------------------


async def load_2027(url: str, tmp_path: Path) -> None:
    """``guowen holidays load`` in its own thread, as another process on the same database."""
    folder = tmp_path / "cli"
    folder.mkdir()
    path = folder / "2027.toml"
    path.write_text(FILE_2027, encoding="utf-8")
    status, lines = await asyncio.to_thread(
        guowen, write_config(folder, url), "holidays", "load", str(path)
    )
    assert status == 0
    days_off = len(statutory_days(2027)) + 6  # the law's days, and the file's added to them
    assert lines[-1] == zh("holidays.loaded", year=2027, days_off=days_off, workdays=1)


async def test_a_running_dispatcher_takes_the_new_year_at_its_next_tick(
    database_url: str, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    court = await kit_court(db, clock)
    clock.set(bj("2026-12-29 10:00"))  # Tuesday
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    # Without 2027: the platform by Thursday 31 December; the copy's third day, Friday
    # 1 January, is 元旦 by law, so Monday 4 January.
    assert {r.deadline for r in await reminders(db, record_id=record_id)} == {
        end_of("2026-12-31"),
        end_of("2027-01-04"),
    }
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    await run_until(dispatcher, clock, bj("2026-12-30 12:00"))

    await load_2027(database_url, tmp_path)
    # Before the next tick: the law's 春节 (5-8 February); the file adds 9-12 February.
    assert not dispatcher.rules.calendar.is_working_day(date(2027, 2, 5))
    assert dispatcher.rules.calendar.is_working_day(date(2027, 2, 9))
    await dispatcher.tick()
    # The file's 春节 is merged into the law's: 除夕 stays off, 9 February is off now.
    assert not dispatcher.rules.calendar.is_working_day(date(2027, 2, 5))
    assert not dispatcher.rules.calendar.is_working_day(date(2027, 2, 9))
    # The copy stays due Monday 4 January.
    pending = {
        (r.kind, r.due_at, r.deadline)
        for r in await reminders(db, record_id=record_id, status="pending")
    }
    assert (ReminderKind.LAST_DAY.value, bj("2027-01-04 08:30"), end_of("2027-01-04")) in pending
    assert not any(deadline == end_of("2027-01-01") for _, _, deadline in pending)

    await run_until(dispatcher, clock, bj("2027-01-08 12:00"))
    seen = [
        (n.kind.value, court.name_of(n.to), n.at, n.owed)
        for n in notifier.sent
        if n.record_id == record_id
    ]
    platform, form = (Milestone.PLATFORM_ENTERED,), (Milestone.FORM_DELIVERED,)
    assert seen == [
        ("day_before", "张伟", bj("2026-12-30 08:30"), platform),
        ("last_day", "张伟", bj("2026-12-31 08:30"), platform),
        ("day_before", "张伟", bj("2026-12-31 08:30"), form),
        ("breach", "张伟", bj("2027-01-01 08:00"), platform),
        ("breach_officer", "钱进", bj("2027-01-01 08:00"), platform),
        ("last_day", "张伟", bj("2027-01-04 08:30"), form),
        ("breach", "张伟", bj("2027-01-05 08:00"), form),
        ("breach_officer", "钱进", bj("2027-01-05 08:00"), form),
        # One working day after each breach, on the loaded calendar: 1-3 January are off.
        ("escalation", "李刚", bj("2027-01-05 08:30"), platform),
        ("escalation", "李刚", bj("2027-01-06 08:30"), form),
    ]
    # The December warning stops once 2027 is there.
    warned = [n.at for n in notifier.sent if n.kind is ReminderKind.HOLIDAYS_MISSING]
    assert warned == [bj("2026-12-29 10:00"), bj("2026-12-30 08:30")]


async def test_an_app_started_after_the_load_counts_with_it(
    bot: DialogueBot, database_url: str, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    court: Court = await open_court(bot)
    clock.set(bj("2026-12-30 10:00"))
    await load_2027(database_url, tmp_path)
    bot.restart()
    await bot.app.dispatcher.tick()  # started: the first tick takes what the database holds
    await play(
        court.chat("张伟"), phone_record(received="2026-12-30 10:00", number="温法过问〔2026〕1号")
    )
    # Received Wednesday 30 December: Friday 1 January is 元旦, so everything is due Monday.
    # The steps' reminders (the judge's notice of the draft without its time has no deadline).
    deadlines = {r.deadline for r in await reminders(db, record_id=1) if r.deadline is not None}
    assert deadlines == {end_of("2027-01-04")}
    assert bot.app.services.rules.for_record(await _record(db, 1)) == {
        Milestone.REGISTERED: end_of("2027-01-04"),
        Milestone.PLATFORM_ENTERED: end_of("2027-01-04"),
        Milestone.FORM_DELIVERED: end_of("2027-01-04"),
    }


async def _record(db: Database, record_id: int) -> Record:
    async with db.transaction() as session:
        found = await session.get(Record, record_id)
        assert found is not None
        return found


async def test_without_the_file_the_same_record_counts_weekends_and_statutory_holidays(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    court: Court = await open_court(bot)
    clock.set(bj("2026-12-30 10:00"))
    await bot.app.dispatcher.tick()
    await play(court.chat("张伟"), phone_record(received="2026-12-30 10:00"))
    # The steps' reminders (the judge's notice of the draft without its time has no deadline).
    deadlines = {r.deadline for r in await reminders(db, record_id=1) if r.deadline is not None}
    assert deadlines == {end_of("2027-01-04")}  # 元旦 is off by law, loaded or not


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(year=st.integers(2027, 2200))
def test_show_lists_the_statutory_days_a_year_nobody_loaded_counts(config: Path, year: int) -> None:
    """F23: for a year neither loaded nor shipped, after the line saying so, each statutory
    holiday the deadline calendar counts as off meanwhile (``statutory_days``), named once
    with its first and last day: together exactly those days."""
    assume(schedule_from_package(year) is None)
    status, lines = guowen(config, "holidays", "show", str(year))
    assert status == 0
    assert lines[:2] == [
        zh("holidays.unknown", year=year),
        zh("holidays.statutory_header", year=year),
    ]
    listed: dict[date, str] = {}
    row = re.compile(r"^· (.+)：(\d{4}-\d\d-\d\d) 至 (\d{4}-\d\d-\d\d)，共 (\d+) 天$")
    names = [row.match(line) for line in lines[2:]]
    for match in names:
        assert match is not None, lines
        first, last = date.fromisoformat(match[2]), date.fromisoformat(match[3])
        span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        assert len(span) == int(match[4])
        listed.update(dict.fromkeys(span, match[1]))
    assert len({m[1] for m in names if m}) == len(names)  # each holiday named once
    assert listed == dict(statutory_days(year))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(year=st.integers(1, 2020))
def test_show_refuses_a_year_before_the_rules(
    config: Path, capsys: pytest.CaptureFixture[str], year: int
) -> None:
    """F23: no deadline of the court's rules (in force 2021-06-23) falls before 2021."""
    capsys.readouterr()
    assert guowen(config, "holidays", "show", str(year)) == (2, [])
    assert the_error(capsys) == zh(
        "holidays.before_rules", year=year, since="2021-06-23", first=2021
    )
