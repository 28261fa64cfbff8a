"""``guowen staff ...``: how a court's IT officer registers people and hands out invite codes.

The commands run as a script would run them (``bot.cli.main`` calls ``asyncio.run`` itself), on
a fresh SQLite file, or on a fresh PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakes import FakeBot, empty_database_sync
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot import cli
from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.staff import COURT_OFFICES, StaffProblem
from storage.vocabulary import MAX_INVITE_HOURS, Language, Role

BEIJING = ZoneInfo("Asia/Shanghai")
# A case handler, who belongs to a department (Art. 10).
HANDLER = ("--new-department", "--department", "民一庭", "--role", "handler")
CODE_LINE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")


def write_config(folder: Path, url: str) -> Path:
    """``folder``/config.toml naming the database at ``url`` and ``folder``/evidence."""
    path = folder / "config.toml"
    path.write_text(
        f'[storage]\ndatabase_url = "{url}"\nevidence_dir = "{folder / "evidence"}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A config file naming a fresh, empty database (``write_config``)."""
    monkeypatch.delenv("GUOWEN_DATABASE_URL", raising=False)
    with empty_database_sync(tmp_path) as url:
        yield write_config(tmp_path, url)


def guowen(config: Path, *argv: str) -> tuple[int, list[str]]:
    """Run one command; its exit status and the lines it printed on stdout."""
    out = io.StringIO()
    status = cli.main([*argv, "--config", str(config)], out=out)
    return status, out.getvalue().splitlines()


def office_notes(lang: Language | None, roles: Iterable[Role] = COURT_OFFICES) -> list[str]:
    """The notes ``staff add`` and ``staff list`` print for court-wide roles nobody holds."""
    return [t(lang, f"cli.court_no_{role.value}") for role in roles]


def but_office_notes(err: str, lang: Language | None = None) -> list[str]:
    """Standard error's lines but the court-wide roles' notes (``office_notes``)."""
    notes = set(office_notes(lang))
    return [line for line in err.splitlines() if line not in notes]


def only_error(capsys: pytest.CaptureFixture[str]) -> str:
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1, captured.err
    assert "Traceback" not in captured.err
    return captured.err.rstrip("\n")


def database_url(config: Path) -> str:
    text = config.read_text(encoding="utf-8")
    match = re.search(r'database_url = "([^"]+)"', text)
    assert match is not None
    return match.group(1)


async def bind_with(url: str, code: str, user_id: str) -> list[str]:
    """Send ``/start CODE`` to the bot on this database, as a new chat account."""
    db = Database(url)
    try:
        bot = FakeBot(db, FakeClock(datetime.now(UTC)))
        return await bot.chat(user_id).say(f"/start {code}")
    finally:
        await db.close()


def test_add_list_invite_and_bind(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = guowen(
        config,
        "staff",
        "add",
        "--name",
        "张三",
        "--new-department",
        "--department",
        "民一庭",
        "--role",
        "handler",
        "--role",
        "integrity_officer",
    )
    assert status == 0
    assert lines == [
        t(None, "cli.department_created", department="民一庭"),
        t(
            None,
            "cli.staff_added",
            id=1,
            name="张三",
            department="民一庭",
            roles="案件承办人、部门廉政监察员",
        ),
    ]

    status, lines = guowen(config, "staff", "list")
    assert status == 0
    assert lines == [
        "编号\t姓名\t部门\t角色\t状态",
        "1\t张三\t民一庭\t案件承办人、部门廉政监察员\t在用",
    ]

    status, lines = guowen(config, "staff", "invite", "张三")
    assert status == 0
    pattern = re.escape(t(None, "cli.invite_issued", name="张三", expires="EXPIRES"))
    match = re.fullmatch(pattern.replace("EXPIRES", "(.+)"), lines[0])
    assert match is not None, lines
    expires = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
    assert abs(expires - datetime.now(UTC) - timedelta(hours=72)) < timedelta(minutes=2)
    assert CODE_LINE.match(lines[-1]), lines
    # Nobody in discipline inspection, trial management, or compiling: said each time.
    assert capsys.readouterr().err.splitlines() == office_notes(None) * 2

    replies = asyncio.run(bind_with(database_url(config), lines[-1], "tg-zhang"))
    assert len(replies) == 1
    assert "张三" in replies[0]
    assert replies[0] == t(None, "access.bound", name="张三", court="人民法院")
    # The code was for one use only.
    again = asyncio.run(bind_with(database_url(config), lines[-1], "tg-other"))
    assert again == [t(None, "access.bad_invite")]


def test_invite_by_id_and_hours(config: Path) -> None:
    assert guowen(config, "staff", "add", "--name", "李四", "--role", "leader")[0] == 0
    status, lines = guowen(config, "staff", "invite", "1", "--hours", "2")
    assert status == 0
    assert "李四" in lines[0]
    assert CODE_LINE.match(lines[-1])


def bad_hours(given: int) -> str:
    return t(None, "cli.bad_hours", given=given, maximum=MAX_INVITE_HOURS, days=30)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(hours=st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_INVITE_HOURS + 1)))
@example(hours=0)
@example(hours=-1)
@example(hours=MAX_INVITE_HOURS + 1)
@example(hours=100000)  # the code valid until 2038
def test_invite_hours_outside_one_to_thirty_days_are_refused(
    config: Path, capsys: pytest.CaptureFixture[str], hours: int
) -> None:
    """Refused before the database is opened: no person needs to exist, no code is made."""
    assert guowen(config, "staff", "invite", "李四", "--hours", str(hours)) == (2, [])
    assert only_error(capsys) == bad_hours(hours)


@pytest.mark.parametrize("hours", [1, 2, MAX_INVITE_HOURS - 1, MAX_INVITE_HOURS])
def test_invite_hours_up_to_thirty_days_are_kept(config: Path, hours: int) -> None:
    assert MAX_INVITE_HOURS == 30 * 24
    assert guowen(config, "staff", "add", "--name", "李四", "--role", "leader")[0] == 0
    before = datetime.now(UTC)
    status, lines = guowen(config, "staff", "invite", "李四", "--hours", str(hours))
    after = datetime.now(UTC)
    assert status == 0 and CODE_LINE.match(lines[-1])
    printed = re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d)", lines[0])
    assert printed is not None
    expires = datetime.strptime(printed[1], "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)
    earliest = (before + timedelta(hours=hours)).replace(second=0, microsecond=0)
    assert earliest <= expires <= after + timedelta(hours=hours)


def test_invite_for_nobody(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert guowen(config, "staff", "invite", "999") == (2, [])
    assert only_error(capsys) == t(None, "cli.staff_not_found", ref="999")
    assert guowen(config, "staff", "invite", "王五") == (2, [])
    assert only_error(capsys) == (
        "没有名为或编号为 王五 的人员；`guowen staff list` 列出全部人员，"
        "`guowen staff add` 可登记新人员。"
    )


def test_disable(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert guowen(config, "staff", "add", "--name", "张三", *HANDLER)[0] == 0

    assert guowen(config, "staff", "disable", "张三") == (
        0,
        [t(None, "cli.staff_disabled", id=1, name="张三")],
    )
    assert guowen(config, "staff", "disable", "1") == (
        0,
        [t(None, "cli.staff_already_disabled", id=1, name="张三")],
    )
    assert guowen(config, "staff", "list") == (
        0,
        ["编号\t姓名\t部门\t角色\t状态", "1\t张三\t民一庭\t案件承办人\t已停用"],
    )
    capsys.readouterr()

    assert guowen(config, "staff", "invite", "张三") == (2, [])
    assert only_error(capsys) == t(None, "staff.inactive", ref="张三")


def test_disabling_keeps_the_bound_account_out(config: Path) -> None:
    assert guowen(config, "staff", "add", "--name", "张三", *HANDLER)[0] == 0
    code = guowen(config, "staff", "invite", "张三")[1][-1]
    assert "张三" in asyncio.run(bind_with(database_url(config), code, "tg-zhang"))[0]

    assert guowen(config, "staff", "disable", "张三")[0] == 0

    async def whoami() -> list[str]:
        db = Database(database_url(config))
        try:
            return await FakeBot(db, FakeClock(datetime.now(UTC))).chat("tg-zhang").say("/whoami")
        finally:
            await db.close()

    assert asyncio.run(whoami()) == [t(None, "access.disabled")]


def test_two_people_with_one_name(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for department in ("民一庭", "刑庭"):
        assert guowen(
            config,
            "staff",
            "add",
            "--name",
            "李明",
            "--new-department",
            "--department",
            department,
            "--role",
            "handler",
        ) == (
            0,
            [
                t(None, "cli.department_created", department=department),
                t(
                    None,
                    "cli.staff_added",
                    id=1 if department == "民一庭" else 2,
                    name="李明",
                    department=department,
                    roles="案件承办人",
                ),
            ],
        )
    # The second one's registration warns, on stderr, that the name no longer tells them apart;
    # each, that its department has a handler and no integrity officer.
    assert but_office_notes(capsys.readouterr().err) == [
        t(None, "cli.department_no_officer", department="民一庭"),
        "提示：编号 1、2 的人员同名为 李明；生成邀请码或停用时，"
        "请使用 `guowen staff list` 中的编号，而不是姓名。",
        t(None, "cli.department_no_officer", department="刑庭"),
    ]

    assert guowen(config, "staff", "invite", "李明") == (2, [])
    error = only_error(capsys)
    # The command line's own words: who they are, and the command to type instead.
    assert error == (
        "有 2 人名叫 李明：1. 民一庭、2. 刑庭。"
        "请改用 `guowen staff list` 中的编号，例如 `guowen staff invite 1`。"
    )
    assert "编号" in error  # it asks for the number
    assert guowen(config, "staff", "disable", "李明") == (2, [])
    assert only_error(capsys) == t(
        None,
        "cli.staff_ambiguous",
        count=2,
        ref="李明",
        people="1. 民一庭、2. 刑庭",
        example="guowen staff disable 1",
    )

    status, lines = guowen(config, "staff", "invite", "2")
    assert status == 0
    assert CODE_LINE.match(lines[-1])
    # Once one of them is disabled, the name points at the other.
    assert guowen(config, "staff", "disable", "1")[0] == 0
    status, lines = guowen(config, "staff", "invite", "李明")
    assert status == 0
    assert CODE_LINE.match(lines[-1])


def test_add_refuses_an_empty_name(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert guowen(config, "staff", "add", "--name", "  ", "--role", "handler") == (2, [])
    assert only_error(capsys) == t(None, "staff.empty_name", ref="")
    assert guowen(config, "staff", "list")[1] == ["编号\t姓名\t部门\t角色\t状态"]


def test_english_output(config: Path) -> None:
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[court]\nlanguage = "en"\n', encoding="utf-8"
    )
    status, lines = guowen(config, "staff", "add", "--name", "张三", *HANDLER, "--role", "admin")
    assert status == 0
    assert lines == [
        "new department: 民一庭",
        "registered: 1. 张三 (民一庭; case handler, IT administrator)",
    ]
    assert guowen(config, "staff", "list")[1] == [
        "id\tname\tdepartment\troles\tstate",
        "1\t张三\t民一庭\tcase handler, IT administrator\tactive",
    ]


CHAT_COMMAND = re.compile(r"(?:^|[\s（(“\"'])/[a-z_]+")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_staff_problem_is_worded_for_the_command_line(
    config: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    """The person at the terminal is not in a chat: no /staff, no /start, in either language."""
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[court]\nlanguage = "{language}"\n',
        encoding="utf-8",
    )
    for department in ("民一庭", "刑庭"):
        add = [
            "staff",
            "add",
            "--name",
            "李明",
            "--new-department",
            "--department",
            department,
            "--role",
            "handler",
        ]
        assert guowen(config, *add)[0] == 0
    assert guowen(config, "staff", "add", "--name", "王芳", "--role", "leader")[0] == 0
    assert guowen(config, "staff", "disable", "王芳")[0] == 0
    capsys.readouterr()
    problems = {
        StaffProblem.NOT_FOUND: ("staff", "invite", "赵六"),
        StaffProblem.AMBIGUOUS: ("staff", "invite", "李明"),
        StaffProblem.INACTIVE: ("staff", "invite", "王芳"),
        StaffProblem.EMPTY_NAME: ("staff", "add", "--name", " ", "--role", "handler"),
        StaffProblem.DEPARTMENT_REQUIRED: ("staff", "add", "--name", "赵六", "--role", "handler"),
    }
    # A new problem gets its line here; a department no one has is made by ``staff add``.
    assert set(problems) == set(StaffProblem) - {StaffProblem.DEPARTMENT_UNKNOWN}
    for problem, argv in problems.items():
        assert guowen(config, *argv) == (2, []), problem
        error = only_error(capsys)
        assert not CHAT_COMMAND.search(error), (problem, error)
        if language == "en":  # Chinese only in the names the court gave
            words = re.sub("李明|王芳|赵六|民事审判第一庭|民一庭|民二庭|刑庭", "", error)
            assert not re.search(r"[\u4e00-\u9fff]", words), (problem, error)
    assert guowen(config, "staff", "invite", "李明") == (2, [])
    if language == "en":
        assert only_error(capsys) == (
            "2 people are named 李明: 1. 民一庭, 2. 刑庭. Use the number from `guowen staff list` "
            "instead of the name, e.g. `guowen staff invite 1`."
        )


def test_the_same_person_twice_is_refused_unless_forced(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add = (
        "staff",
        "add",
        "--name",
        "李明",
        "--new-department",
        "--department",
        "民一庭",
        "--role",
        "handler",
    )
    assert guowen(config, *add)[0] == 0
    capsys.readouterr()
    assert guowen(config, *add) == (2, [])
    assert only_error(capsys) == t(
        None, "cli.staff_duplicate", id=1, name="李明", department="民一庭"
    )
    assert len(guowen(config, "staff", "list")[1]) == 2  # the header and the one person
    capsys.readouterr()
    # Another department, or --force, registers a second 李明 (with the namesake warning).
    assert guowen(config, *add, "--force")[0] == 0
    assert "编号 1、2 的人员同名为 李明" in capsys.readouterr().err
    assert guowen(config, "staff", "add", "--name", "李明", "--role", "leader")[0] == 0
    capsys.readouterr()
    # Without a department the same holds: the second one without is refused.
    assert guowen(config, "staff", "add", "--name", "李明", "--role", "admin") == (2, [])
    assert only_error(capsys) == t(None, "cli.staff_duplicate", id=3, name="李明", department="-")
    # Once the first is disabled, registering them again is not a duplicate.
    for number in ("1", "2"):
        assert guowen(config, "staff", "disable", number)[0] == 0
    assert guowen(config, *add)[0] == 0


class ClosedPipe(io.StringIO):
    """Standard output whose reader has gone (``guowen staff list | head -1``)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_leaves_ends_the_command_quietly(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guowen(config, "staff", "add", "--name", "李明", "--role", "leader")[0] == 0
    capsys.readouterr()
    status = cli.main(["staff", "list", "--config", str(config)], out=ClosedPipe())
    assert status == cli.EXIT_BROKEN_PIPE == 141
    assert capsys.readouterr().err == ""  # not reported as a database error


def test_a_closed_pipe_leaves_no_traceback_either() -> None:
    """The real process, its output's reader gone before it writes: no message, status 141."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "config", "example"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    assert process.wait(timeout=60) == 141
    assert process.stderr.read() == b""
    process.stderr.close()


def test_enable_brings_back_the_accounts_still_bound(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guowen(config, "staff", "add", "--name", "张三", *HANDLER)[0] == 0
    code = guowen(config, "staff", "invite", "张三")[1][-1]
    asyncio.run(bind_with(database_url(config), code, "tg-zhang"))
    assert guowen(config, "staff", "disable", "张三")[0] == 0
    assert guowen(config, "staff", "enable", "张三") == (
        0,
        [
            t(None, "cli.staff_enabled", id=1, name="张三"),
            t(
                None,
                "cli.staff_enabled_accounts",
                id=1,
                accounts=t(None, "cli.account", transport="fake", id="tg-zhang"),
            ),
        ],
    )
    assert guowen(config, "staff", "enable", "1") == (
        0,
        [t(None, "cli.staff_already_enabled", id=1, name="张三")],
    )
    assert "张三" in asyncio.run(bind_with(database_url(config), "-", "tg-zhang"))[0]


def test_release_frees_a_disabled_persons_account_for_someone_else(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert guowen(config, "staff", "add", "--name", "张三", *HANDLER)[0] == 0
    code = guowen(config, "staff", "invite", "张三")[1][-1]
    asyncio.run(bind_with(database_url(config), code, "tg-phone"))
    capsys.readouterr()

    # Active: one account never speaks for two active people.
    assert guowen(config, "staff", "release", "张三") == (2, [])
    assert only_error(capsys) == t(None, "cli.staff_release_active", id=1, name="张三")

    assert guowen(config, "staff", "disable", "张三")[0] == 0
    assert guowen(config, "staff", "release", "张三") == (
        0,
        [
            t(
                None,
                "cli.staff_released",
                id=1,
                name="张三",
                accounts=t(None, "cli.account", transport="fake", id="tg-phone"),
            )
        ],
    )
    assert guowen(config, "staff", "release", "张三") == (
        0,
        [t(None, "cli.staff_released_none", id=1, name="张三", accounts="")],
    )
    assert guowen(config, "staff", "add", "--name", "李四", *HANDLER)[0] == 0
    code = guowen(config, "staff", "invite", "李四")[1][-1]
    assert "李四" in asyncio.run(bind_with(database_url(config), code, "tg-phone"))[0]
    assert guowen(config, "staff", "enable", "张三")[1] == [
        t(None, "cli.staff_enabled", id=1, name="张三"),
        t(None, "cli.staff_enabled_no_account", id=1),
    ]


def test_a_disabled_persons_wecom_userid_moves_to_the_new_person(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add = ["staff", "add", *HANDLER, "--wecom-userid", "zhangsan"]
    assert guowen(config, *add, "--name", "张三")[0] == 0
    capsys.readouterr()
    assert guowen(config, *add, "--name", "李四") == (2, [])
    assert only_error(capsys) == t(None, "cli.wecom_userid_taken", userid="zhangsan", id=1)
    assert guowen(config, "staff", "disable", "张三")[0] == 0
    status, lines = guowen(config, *add, "--name", "李四")
    assert status == 0
    assert t(None, "cli.wecom_userid_moved", userid="zhangsan", id=1, name="李四") in lines
    assert t(None, "cli.wecom_bound", userid="zhangsan", name="李四") in lines


@pytest.mark.parametrize(
    "held",
    [set(c) for n in range(4) for c in itertools.combinations(COURT_OFFICES, n)],
)
def test_staff_add_and_list_name_each_court_office_nobody_holds(
    config: Path, capsys: pytest.CaptureFixture[str], held: set[Role]
) -> None:
    """Discipline inspection and trial management must each get every form copy (Art. 6) and
    the compiler owes the quarterly report (Art. 7, 8): whichever of them nobody active holds
    is named by ``staff add`` and ``staff list``, a disabled holder counting as none."""
    add = ["staff", "add", "--new-department", "--department", "民一庭"]
    assert guowen(config, *add, "--name", "张三", "--role", "handler")[0] == 0
    for n, role in enumerate(sorted(held)):
        office = ["staff", "add", "--new-department", "--department", f"科室{n}"]
        assert guowen(config, *office, "--name", f"人员{n}", "--role", role.value)[0] == 0
    missing = [role for role in COURT_OFFICES if role not in held]
    capsys.readouterr()
    assert guowen(config, "staff", "list")[0] == 0
    assert [x for x in capsys.readouterr().err.splitlines() if x in office_notes(None)] == (
        office_notes(None, missing)
    )
    assert guowen(config, *add, "--name", "李四", "--role", "handler")[0] == 0
    err = [x for x in capsys.readouterr().err.splitlines() if x in office_notes(None)]
    assert err == office_notes(None, missing)
    if held:  # the last holder disabled: the office is missing again
        # --force: the last holder of a role is refused otherwise (``reminders.holdings``).
        assert guowen(config, "staff", "disable", "--force", f"人员{len(held) - 1}")[0] == 0
        gone = sorted(held)[-1]
        capsys.readouterr()
        guowen(config, "staff", "list")
        err = [x for x in capsys.readouterr().err.splitlines() if x in office_notes(None)]
        assert err == office_notes(None, [r for r in COURT_OFFICES if r in missing or r is gone])
