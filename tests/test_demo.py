"""``guowen demo`` end to end: the real console program, a whole session piped into it."""

from __future__ import annotations

import os
import queue
import re
import shlex
import subprocess
import sys
import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from handlers.i18n import t
from storage.vocabulary import Language, Role, label

REPO = Path(__file__).resolve().parent.parent
COURT = "温县人民法院"
TIMEOUT = 120
MINUTE = "%Y-%m-%d %H:%M"
BEIJING = ZoneInfo("Asia/Shanghai")


def demo_environment(tmp_path: Path) -> dict[str, str]:
    """The caller's environment minus guowen's own settings, with a private temp folder.

    The demo's ``tempfile.gettempdir()`` is then a folder only this test uses, so what it
    leaves behind is seen exactly, even while someone else runs a demo on the same machine.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUOWEN_")}
    private = tmp_path / "tmp"
    private.mkdir(exist_ok=True)
    env["TMPDIR"] = str(private)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class DemoProcess:
    """``guowen demo`` as a child process with piped input, its output lines read on a thread;
    ``private`` is its temporary directory. Used as a context manager: killed on leaving if
    still alive, its output then collected in ``rest`` and its error output in ``err``."""

    def __init__(self, tmp_path: Path, *extra: str) -> None:
        env = demo_environment(tmp_path)
        self.private = Path(env["TMPDIR"])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo", *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            cwd=REPO,
            env=env,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.rest: list[str] = []
        self.err = ""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # the demo closed its output

    def wait_for(self, wanted: str) -> None:
        """Read lines until ``wanted``; fails if the demo ends first."""
        while (line := self.lines.get(timeout=TIMEOUT)) != wanted:
            assert line is not None, "the demo ended early"

    def type(self, line: str) -> None:
        """Type ``line`` into the demo."""
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def __enter__(self) -> DemoProcess:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.reader.join(timeout=TIMEOUT)
        while (line := self.lines.get(timeout=TIMEOUT)) is not None:
            self.rest.append(line)
        assert self.process.stderr is not None
        self.err = self.process.stderr.read()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def run_demo(tmp_path: Path, lines: list[str], *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", *extra],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=demo_environment(tmp_path),
        timeout=TIMEOUT,
        check=False,
    )


def screenshot(tmp_path: Path) -> Path:
    path = tmp_path / "微信 截图.png"
    Image.new("RGB", (32, 24), (200, 30, 30)).save(path)
    return path


def split_turns(transcript: list[str], turns: list[tuple[str, str]]) -> list[list[str]]:
    """The lines printed after each echoed ``speaker> input`` line, up to the next one."""
    positions = []
    start = 0
    for speaker, typed in turns:
        echo = f"{speaker}> {typed}"
        assert echo in transcript[start:], f"{echo!r} not found after line {start}"
        start = transcript.index(echo, start)
        positions.append(start)
        start += 1
    ends = [*positions[1:], len(transcript) - 1]
    return [transcript[p + 1 : end] for p, end in zip(positions, ends, strict=True)]


def bot_says(language: Language, name: str, text: str, buttons: tuple[str, ...] = ()) -> list[str]:
    """How the console prints one message from the bot to ``name``."""
    lines = [t(language, "console.to", name=name)]
    lines += [f"  {line}" for line in text.splitlines()]
    lines += [f"  [{number}] {label}" for number, label in enumerate(buttons, start=1)]
    return lines


def anonymous_head(line: str) -> str:
    """``line`` with an audit-chain head's event number and hash as 0 and H (they depend on
    how many events the session made)."""
    line = re.sub(r"\b\d+:[0-9a-f]{64}\b", "0:H", line)
    line = re.sub(r"\b[0-9a-f]{64}\b", "H", line)
    return re.sub(r"(第 |event )\d+( 号|,)", r"\g<1>0\g<2>", line)


# A start in the middle of a year, and one in December, when next year's holidays are not
# imported yet and the admin is told so once the clock moves into the notice's window.
STARTS = ["2026-06-10 09:00", "2026-12-20 09:00"]


@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize("language", list(Language))
def test_a_whole_demo_session(tmp_path: Path, language: Language, start: str) -> None:
    png = screenshot(tmp_path)
    session = [
        ("张伟", "/help"),
        ("张伟", "/whoami"),
        ("张伟", "/language"),
        ("张伟", "2"),
        ("张伟", "/as 赵磊"),
        ("赵磊", "/staff"),
        ("赵磊", "/invite"),
        ("赵磊", "孙丽"),
        ("赵磊", "/as 不存在"),
        ("赵磊", "/clock +2d"),
        ("赵磊", "/clock nonsense"),
        ("赵磊", f"/attach {shlex.quote(str(png))}"),
        ("赵磊", "/as 王芳"),
        ("王芳", "你好"),
    ]
    extra = ["--language", language.value] if language is Language.EN else []
    began = datetime.now(BEIJING)
    done = run_demo(tmp_path, [typed for _, typed in session], *extra, "--start", start)
    took = datetime.now(BEIJING) - began

    assert done.stderr == ""
    assert done.returncode == 0
    transcript = done.stdout.splitlines()
    guide = t(language, "demo.guide", court=COURT, people="@@").split("@@")[0]
    assert done.stdout.startswith(guide)
    assert transcript[-1] == t(language, "demo.bye")
    # The guide lists the demo court's people; the first speaker is chosen before any prompt.
    first_echo = transcript.index("张伟> /help")
    admin = label(Role.ADMIN, language)
    admin_line = t(language, "demo.person", name="赵磊", department="信息技术科", roles=admin)
    assert admin_line == (
        "  赵磊（信息技术科；信息技术管理员）" if language is Language.ZH else admin_line
    )
    assert admin_line in transcript[:first_echo]
    assert transcript[first_echo - 1] == t(language, "console.now_speaking", name="张伟")

    (
        help_,
        whoami,
        choose,
        pressed,
        as_admin,
        staff,
        invite,
        name,
        nobody,
        clock,
        bad_clock,
        attach,
        as_officer,
        text,
    ) = split_turns(transcript, session)

    assert help_[:2] == bot_says(language, "张伟", t(language, "help.title"))
    assert f"  /whoami — {t(language, 'help.whoami')}" in help_
    assert not [line for line in help_ if line.startswith(("  /staff", "  /invite", "  /start"))]
    card = t(
        language,
        "access.whoami",
        name="张伟",
        id=1,
        department="民事审判第一庭",
        roles=label(Role.HANDLER, language),
        transport="console",
        language=t(language, f"language.{language.value}"),
    )
    assert whoami == bot_says(language, "张伟", card)
    assert choose == bot_says(
        language, "张伟", t(language, "language.choose"), buttons=("中文", "English")
    )
    # The frame is the terminal's language; the words are the person's new one. The console
    # cannot edit the pressed prompt, so the choice comes first as a short text.
    assert pressed == bot_says(
        language, "张伟", t(Language.EN, "press.chosen", choice="English")
    ) + bot_says(language, "张伟", t(Language.EN, "language.set"))
    assert as_admin == [t(language, "console.now_speaking", name="赵磊")]
    assert staff[:2] == bot_says(language, "赵磊", t(language, "staff.list_title", count=9))
    assert len(staff) == 2 + 9
    assert staff[-1].startswith("  9. 赵磊 — 信息技术科 — ")
    assert invite == bot_says(language, "赵磊", t(language, "staff.invite_who"))

    # Every demo person has a console account, so the admin is told the code makes a second,
    # named as the CLI names it: the channel and the account (the person's number there).
    [sun_li] = [line for line in staff if " 孙丽 — " in line]
    account = t(
        language,
        "cli.account",
        transport=t(language, "cli.transport.console"),
        id=sun_li.split(".")[0].strip(),
    )
    warning = t(language, "staff.invite_already_bound", name="孙丽", count=1, accounts=account)
    assert name[:2] == bot_says(language, "赵磊", warning)
    name = name[:1] + name[2:]
    code = name[2].strip()
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){2}", code), name
    expires_text = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", name[1])
    assert expires_text is not None
    expected = t(language, "staff.invite_issued", name="孙丽", expires=expires_text[0], code=code)
    assert name == bot_says(language, "赵磊", expected)

    assert nobody == [t(language, "console.as_not_found", ref="不存在")]
    # The demo clock runs with real time from its start; /clock +2d adds two days to it. The
    # invite runs 72 hours from when it was made, before the jump.
    moved_text = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", clock[-1])
    assert moved_text is not None
    moved = datetime.strptime(moved_text[0], MINUTE).replace(tzinfo=BEIJING)
    began_at = datetime.strptime(start, MINUTE).replace(tzinfo=BEIJING)
    assert began_at + timedelta(days=2) <= moved <= began_at + timedelta(days=2) + took
    expires = datetime.strptime(expires_text[0], MINUTE).replace(tzinfo=BEIJING)
    assert began_at + timedelta(hours=72) <= expires <= moved + timedelta(hours=72 - 48)
    # Each morning the jump passes brings discipline the day's audit-chain head at 08:30,
    # under that time (its event number and hash as the chain stands), and in December the
    # admin next year's holiday warning first.
    notice: list[str] = []
    day = began_at.date() + timedelta(days=1)
    while (morning := datetime.combine(day, time(8, 30), tzinfo=BEIJING)) <= moved:
        notice.append(t(language, "demo.clock_at", now=morning.strftime(MINUTE)))
        if day.month == 12:
            warning = t(language, "reminders.holidays_missing", year=day.year + 1)
            notice += bot_says(language, "赵磊", warning)
        head = t(
            language,
            "maintenance.anchor_daily",
            court="温县人民法院",
            day=str(day),
            seq=0,
            hash="H",
        )
        notice += bot_says(language, "李刚", head)
        day += timedelta(days=1)
    clock = [anonymous_head(line) for line in clock]
    assert clock == [*notice, t(language, "demo.clock_moved", now=moved.strftime(MINUTE))]
    assert bad_clock == [t(language, "console.clock_usage")]

    assert attach[0] == t(language, "console.to", name="赵磊")
    assert len(attach) > 1
    assert f"  {t(language, 'error.internal')}" not in attach
    assert t(language, "console.no_file", path=str(png)) not in attach
    assert as_officer == [t(language, "console.now_speaking", name="王芳")]
    assert text == bot_says(language, "王芳", t(language, "help.hint", name="王芳"))

    # The demo's tempfile.gettempdir() is the private TMPDIR: nothing is left in it.
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_start_not_in_the_form_is_refused(tmp_path: Path) -> None:
    done = run_demo(tmp_path, ["/help"], "--start", "12月20日")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == t(Language.ZH, "cli.demo_bad_start", given="12月20日")
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("where", ["file", "under_file", "read_only"])
def test_a_documents_folder_that_cannot_be_used_is_named_with_the_reason(
    tmp_path: Path, where: str
) -> None:
    """--out that is a file, lies under a file or cannot be written: the message names the
    documents folder and why, never the database, and nothing starts."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    folder, reason = {
        "file": (blocker, "cli.folder_is_file"),
        "under_file": (blocker / "out", "cli.folder_is_file"),
        "read_only": (tmp_path / "locked" / "out", "cli.folder_denied"),
    }[where]
    if where == "read_only":
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        (tmp_path / "locked").mkdir(mode=0o500)
    done = run_demo(tmp_path, ["/help"], "--out", str(folder))
    assert done.returncode == 2
    assert done.stdout == ""
    said = t(Language.ZH, reason)
    assert done.stderr.strip() == t(Language.ZH, "cli.demo_bad_out", path=str(folder), reason=said)
    assert "数据库" not in done.stderr


def test_the_clock_moves_from_the_real_time(tmp_path: Path) -> None:
    """The demo starts at the wall clock's time, in the court's time zone."""
    start = datetime.now(BEIJING).replace(second=0, microsecond=0)
    done = run_demo(tmp_path, ["/clock +2d"])
    end = datetime.now(BEIJING)
    assert (done.returncode, done.stderr) == (0, "")
    template = re.escape(t(Language.ZH, "demo.clock_moved", now="@"))
    moved_line = template.replace("@", r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
    [line] = [x for x in done.stdout.splitlines() if re.fullmatch(moved_line, x)]
    found = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", line)
    assert found is not None
    moved = datetime.strptime(found[0], MINUTE).replace(tzinfo=BEIJING)
    assert start + timedelta(days=2) <= moved <= end + timedelta(days=2)


def test_quit_ends_the_demo_early(tmp_path: Path) -> None:
    done = run_demo(tmp_path, ["/quit", "/help"])
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[-2:] == ["张伟> /quit", t(Language.ZH, "demo.bye")]
    assert "张伟> /help" not in lines


def test_the_demo_removes_its_temporary_folder(tmp_path: Path) -> None:
    """While the demo runs its database sits in a temporary folder; afterwards it is gone."""
    with DemoProcess(tmp_path) as demo:
        demo.wait_for(t(Language.ZH, "console.now_speaking", name="张伟"))
        [folder] = list(demo.private.glob("guowen-demo-*"))
        assert (folder / "guowen.db").is_file()
        assert demo.process.stdin is not None
        demo.process.stdin.close()
        assert demo.process.wait(timeout=TIMEOUT) == 0
    assert demo.err == ""
    assert not folder.exists()
    assert list(demo.private.iterdir()) == []


@pytest.mark.parametrize("given", [True, False])
def test_the_documents_made_are_kept_where_the_demo_says(tmp_path: Path, given: bool) -> None:
    """Forms and reports outlive the demo: in ``--out DIR``, or a temporary folder it names."""
    extra = ["--out", str(tmp_path / "out")] if given else []
    lines = ["/as 刘洋", "/report 2026Q2"]
    done = run_demo(tmp_path, lines, "--start", "2026-06-10 09:00", *extra)
    assert (done.returncode, done.stderr) == (0, "")
    if given:
        folder = (tmp_path / "out").resolve()
    else:
        [folder] = list((tmp_path / "tmp").glob("guowen-documents-*"))
        assert list((tmp_path / "tmp").iterdir()) == [folder]  # the database is gone
    transcript = done.stdout.splitlines()
    before_any_echo = transcript[: transcript.index("张伟> /as 刘洋")]
    assert t(Language.ZH, "demo.documents", path=str(folder)) in before_any_echo
    assert transcript[-2:] == [
        t(Language.ZH, "demo.bye"),
        t(Language.ZH, "demo.documents_kept", path=str(folder)),
    ]
    kept = sorted(p.suffix for p in folder.glob("report/2026Q2/*/*"))
    assert ".xlsx" in kept and ".docx" in kept


@pytest.mark.parametrize("language", list(Language))
def test_the_demos_sample_files_are_named_and_each_starts_an_intake(
    tmp_path: Path, language: Language
) -> None:
    """The banner names the sample material the demo wrote (a WeChat screenshot, a letter
    photo, a voice message), each as a ready-to-type ``/attach`` line; the files are there,
    and each, typed as shown, starts a record with its file kept as evidence, unflagged."""
    extra = ["--language", language.value] if language is Language.EN else []
    header = t(language, "demo.samples")
    with DemoProcess(tmp_path, *extra, "--start", "2026-12-01 10:00") as demo:
        demo.wait_for(header)
        shown = [demo.lines.get(timeout=TIMEOUT) for _ in range(6)]
        commands = [line.strip() for line in shown[1::2] if line is not None]
        paths = []
        for line in commands:
            assert line.startswith("/attach ")
            [path] = shlex.split(line.removeprefix("/attach "))  # the file alone, no caption
            paths.append(Path(path))
        assert [p.suffix for p in paths] == [".png", ".jpg", ".wav"]
        assert all(p.is_file() and p.stat().st_size > 1000 for p in paths)
        with Image.open(paths[0]) as png, Image.open(paths[1]) as jpeg:
            assert (png.format, jpeg.format) == ("PNG", "JPEG")
        for speaker, line in zip(("张伟", "孙丽", "周强"), commands, strict=True):
            demo.type(f"/as {speaker}")
            demo.type(line)
        demo.type("/help")
        demo.type("/quit")
        assert demo.process.wait(timeout=TIMEOUT) == 0
    assert demo.err == ""
    said = "\n".join(demo.rest)
    started = t(language, "intake.started_with_files", count=1, title="@@").split("@@")[0]
    assert said.count(started) == 3
    assert t(language, "error.internal") not in said
    assert t(language, "evidence.damaged", name="@@").split("@@")[1] not in said
    assert all(t(language, "console.no_file", path=str(p)) not in said for p in paths)
    # /help names them again, as typed above.
    after_help = said[said.index("> /help") :]
    assert header in after_help and all(line in after_help for line in commands)
