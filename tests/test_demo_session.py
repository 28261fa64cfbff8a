"""``guowen demo`` as a session: its clock, leaving it (/quit, end of input, a signal, an
error), who one can be in it (``/as``, ``/stranger``), and the times its messages come under.

Most of it drives ``run_demo`` in this process with typed lines and a monotonic source that
advances one minute per line read, so real time passing is exact and nothing sleeps; the
signals are sent to the real program, a child process.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import signal
import sqlite3
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_demo import TIMEOUT, DemoProcess

from bot.demo import DemoClock, run_demo
from handlers.i18n import t
from handlers.intake.typed import AmbiguousPress, pressed
from storage.vocabulary import Language

BEIJING = ZoneInfo("Asia/Shanghai")
MINUTE = 60.0
MINUTE_FORM = "%Y-%m-%d %H:%M"
LANGUAGES = [Language.ZH, Language.EN]


class Typed(io.StringIO):
    """Lines typed at a terminal (``tty``) or piped in; ``lines_read`` counts the lines read, and
    is the demo's real time in minutes (``minutes``)."""

    def __init__(self, lines: list[str], *, tty: bool = False) -> None:
        super().__init__("".join(f"{line}\n" for line in lines))
        self.tty = tty
        self.lines_read = 0

    def isatty(self) -> bool:
        return self.tty

    def readline(self, size: int = -1, /) -> str:  # type: ignore[override]
        line = super().readline(size)
        if line:
            self.lines_read += 1
        return line

    def minutes(self) -> float:
        return self.lines_read * MINUTE


def left_in(folder: Path, pattern: str = "*") -> list[Path]:
    """What ``folder`` holds (matching ``pattern``)."""
    return sorted(folder.glob(pattern))


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's temporary directory, a folder only this test uses."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def demo(
    lines: list[str],
    tmp_path: Path,
    *,
    tty: bool = False,
    language: Language = Language.ZH,
    start: str = "2026-06-10 09:00",
) -> tuple[int, str, Typed]:
    """Run the demo in this process on ``lines``; its status, its output and its input."""
    typed = Typed(lines, tty=tty)
    out = io.StringIO()
    status = await run_demo(
        typed, out, language, start=start, documents=tmp_path / "out", monotonic=typed.minutes
    )
    return status, out.getvalue(), typed


# The clock.


def test_the_demo_clock_runs_on_from_its_start_and_its_jumps() -> None:
    elapsed = [0.0]
    start = datetime(2026, 6, 10, 1, 0, tzinfo=UTC)
    clock = DemoClock(start, lambda: elapsed[0])
    assert clock.now() == start
    elapsed[0] = 90.0
    assert clock.now() == start + timedelta(seconds=90)
    clock.set(start + timedelta(days=2))
    assert clock.now() == start + timedelta(days=2)
    elapsed[0] = 150.0
    assert clock.now() == start + timedelta(days=2, seconds=60)
    clock.set(start + timedelta(days=1))  # passed already: the clock stays
    assert clock.now() == start + timedelta(days=2, seconds=60)
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 6, 20, 9, 0))  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError):
        DemoClock(datetime(2026, 6, 10, 9, 0))  # noqa: DTZ001 - naive on purpose


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
            st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
        ),
        max_size=20,
    )
)
def test_the_demo_clock_is_the_start_plus_real_time_plus_the_jumps(
    steps: list[tuple[float, timedelta]],
) -> None:
    """Any sequence of waits (seconds of real time) and jumps: never backwards, and always
    start + elapsed + jumps."""
    now = [0.0]
    start = datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
    clock = DemoClock(start, lambda: now[0])
    jumped = timedelta()
    before = clock.now()
    for wait, jump in steps:
        now[0] += wait
        clock.set(clock.now() + jump)
        jumped += jump
        assert clock.now() >= before
        before = clock.now()
        expected = start + timedelta(seconds=now[0]) + jumped
        assert abs(clock.now() - expected) < timedelta(milliseconds=1)


@given(
    st.lists(st.floats(min_value=0, max_value=3600, allow_nan=False), min_size=1, max_size=20),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2)),
)
def test_a_moment_real_time_has_passed_never_stops_the_clock(
    waits: list[float], behind: timedelta
) -> None:
    """A caller reads the time, real time runs on (a tick), then it jumps to what it read or
    to anything earlier: the clock stays where it is, with no error."""
    now = [0.0]
    clock = DemoClock(datetime(2026, 12, 31, 12, 0, tzinfo=UTC), lambda: now[0])
    for wait in waits:
        read = clock.now()
        now[0] += wait
        before = clock.now()
        clock.set(read - behind)
        assert clock.now() == before


@pytest.mark.parametrize("start", ["2026-12-31 20:00", "2026-09-30 20:00", "2027-06-30 20:00"])
async def test_a_jump_that_ends_on_a_stop_goes_on(
    private_tmp: Path, tmp_path: Path, start: str
) -> None:
    """A jump whose end is the quarter-end stop (08:00 on a quarter's first day), with real
    time running on while the stop's reminders are sent."""
    typed = Typed(["/clock +12h", "/clock +1h"])
    ticks = [0.0]

    def running() -> float:
        ticks[0] += 0.5  # every reading of the clock comes a little later
        return typed.minutes() + ticks[0]

    out = io.StringIO()
    status = await run_demo(
        typed, out, Language.ZH, start=start, documents=tmp_path / "out", monotonic=running
    )
    assert status == 0, out.getvalue()[-2000:]
    moved = re.findall(
        re.escape(t(Language.ZH, "demo.clock_moved", now="@")).replace("@", "(.+)"),
        out.getvalue(),
    )
    assert len(moved) == 2


async def test_actions_are_stamped_as_real_time_passes(private_tmp: Path, tmp_path: Path) -> None:
    """Each line is read a minute after the one before: a jump lands on the time then plus
    the jump, and the next jump starts from there plus the minute that passed."""
    status, out, _ = await demo(["/clock +1h", "/clock +1d"], tmp_path)
    assert status == 0
    moved = re.findall(
        re.escape(t(Language.ZH, "demo.clock_moved", now="@")).replace("@", "(.+)"), out
    )
    # read at minute 1: 09:01 + 1 h; read at minute 2: 10:02 + 1 d
    assert moved == ["2026-06-10 10:01", "2026-06-11 10:02"]
    assert left_in(private_tmp) == []


async def test_a_draft_is_stamped_when_it_was_begun(private_tmp: Path, tmp_path: Path) -> None:
    status, out, _ = await demo(["/clock +1h", "/new"], tmp_path)
    assert status == 0
    # /clock read at minute 1 (10:01), /new at minute 2: received 10:02, not at the jump
    assert "10:02" in out.split("张伟> /new", 1)[1]
    assert "10:01" not in out.split("张伟> /new", 1)[1]


# Leaving with drafts open.


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("ending", ["/quit", "end of input"])
async def test_piped_leaving_names_the_drafts_lost_in_the_closing_lines(
    private_tmp: Path, tmp_path: Path, language: Language, ending: str
) -> None:
    lines = ["/new", "/as 周强", "/new"]
    if ending == "/quit":
        lines += ["/quit", "/help"]
    status, out, typed = await demo(lines, tmp_path, language=language)
    assert status == 0
    assert typed.lines_read == len(lines) - (1 if ending == "/quit" else 0)
    both = drafts_of(language, 1, 2, handlers=("张伟", "周强"))  # whose each is, too
    drafts = t(language, "demo.drafts_lost", drafts=both)
    assert out.splitlines()[-2:] == [drafts, t(language, "demo.bye")]
    assert t(language, "demo.drafts_open", drafts=both) not in out
    assert left_in(private_tmp) == []


def drafts_of(language: Language, *ids: int, handlers: tuple[str, ...] = ()) -> str:
    """The drafts ``ids`` as the closing lines name them, each with its handler (张伟 unless
    ``handlers`` names them in order)."""
    from handlers.i18n import join

    owners = handlers or ("张伟",) * len(ids)
    return join(
        language,
        [
            t(language, "demo.draft_of", draft=t(language, "card.draft_title", id=n), handler=who)
            for n, who in zip(ids, owners, strict=True)
        ],
    )


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_interactive_quit_with_drafts_open_asks_first(
    private_tmp: Path, tmp_path: Path, language: Language
) -> None:
    """At a terminal, /quit names what would be lost and asks; 2 (or Enter) stays, 1 leaves;
    any other answer is asked again and never reaches the bot."""
    lines = ["/new", "/quit", "2", "/quit", "", "/quit", "/as 王芳", "2", "/quit", "1", "/help"]
    status, out, typed = await demo(lines, tmp_path, tty=True, language=language)
    assert status == 0
    assert typed.lines_read == len(lines) - 1  # /help after leaving is never read
    warning = t(language, "demo.drafts_open", drafts=drafts_of(language, 1))
    assert out.count(warning) == 4
    assert out.count(f"  [1] {t(language, 'console.quit_confirm')}") == 4
    assert out.count(t(language, "console.quit_stayed")) == 3
    assert out.count(t(language, "console.quit_again")) == 1
    assert t(language, "console.now_speaking", name="王芳") not in out  # asked again instead
    closing = [
        t(language, "demo.drafts_lost", drafts=drafts_of(language, 1)),
        t(language, "demo.bye"),
    ]
    # At a terminal the answer typed after the prompt ends its line; here nothing echoes it.
    assert out.endswith("> " + "\n".join(closing) + "\n")
    assert left_in(private_tmp) == []


YES = {
    Language.ZH: ["/quit", "/exit", "y", "Y", "是", "yes", "确认"],
    Language.EN: ["/quit", "y", "Yes"],
}
NO = {Language.ZH: ["否", "n", "取消"], Language.EN: ["n", "No", "stay"]}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_yes_or_quit_again_at_the_quit_question_leaves_and_a_no_stays(
    private_tmp: Path, tmp_path: Path, language: Language
) -> None:
    """The question is a yes-or-no one: besides its numbers, a second /quit or a yes (``y``,
    ``是``) leaves, a no (``n``, ``否``) stays; never "reply 1" to someone who said yes."""
    again = t(language, "console.quit_again")
    stayed = t(language, "console.quit_stayed")
    for answer in YES[language]:
        lines = ["/new", "/quit", answer, "/help"]
        status, out, typed = await demo(lines, tmp_path, tty=True, language=language)
        assert (status, typed.lines_read, again in out) == (0, 3, False), answer
        assert t(language, "demo.drafts_lost", drafts=drafts_of(language, 1)) in out
    for answer in NO[language]:
        lines = ["/new", "/quit", answer, "/quit", "1"]
        status, out, typed = await demo(lines, tmp_path, tty=True, language=language)
        assert (status, typed.lines_read, again in out) == (0, 5, False), answer
        assert out.count(stayed) == 1


def _stays(answer: str, language: Language) -> bool:
    """Whether the quit question takes ``answer`` as its second choice, to stay."""
    labels = [t(language, "console.quit_confirm"), t(language, "console.quit_stay")]
    try:
        index = pressed(answer.strip(), labels, numbered=True)
    except AmbiguousPress:
        index = None
    words = {w.strip().casefold() for w in t(language, "console.quit_no_words").split("|")}
    return index == 1 or (index is None and answer.strip().casefold() in words)


ANSWERS = [
    "确认",
    "同意",
    "是",
    "yes",
    "leave",
    "ok",
    "好",
    "退出吧",
    "3",
    "0",
    "/help",
    "过问人王某",
]


@pytest.mark.parametrize("language", LANGUAGES)
@given(answers=st.lists(st.sampled_from(ANSWERS) | st.text(min_size=1, max_size=6), max_size=4))
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_no_answer_at_the_quit_question_reaches_the_bot(
    private_tmp: Path, tmp_path: Path, language: Language, answers: list[str]
) -> None:
    """Whatever is typed at the question (its words, a yes, a number out of range, a command,
    an answer meant for the draft) is the question's, never a message to the bot: the draft's
    proposals card is still unanswered after the demo stays."""
    answers = [a for a in answers if a.strip() and "\n" not in a and "\r" not in a]
    # An answer that stays ("2", a no) ends the question: the lines after it are the bot's.
    stay = next((n for n, a in enumerate(answers) if _stays(a, language)), len(answers))
    lines = ["/new", "/quit", *answers[:stay], "2", "/quit", "1"]
    status, out, _ = await demo(lines, tmp_path, tty=True, language=language)
    assert status == 0
    warning = t(language, "demo.drafts_open", drafts=drafts_of(language, 1))
    after_quit = out.split(warning, 1)[1]
    assert t(language, "console.to", name="张伟") not in after_quit  # nothing reached the bot
    assert t(language, "demo.drafts_lost", drafts=drafts_of(language, 1)) in out


async def test_an_interactive_quit_with_nothing_open_leaves_at_once(
    private_tmp: Path, tmp_path: Path
) -> None:
    status, out, typed = await demo(["/quit", "/help"], tmp_path, tty=True)
    assert (status, typed.lines_read) == (0, 1)
    assert t(Language.ZH, "console.quit_confirm") not in out
    assert out.endswith(f"> {t(Language.ZH, 'demo.bye')}\n")


async def test_input_ending_at_the_confirmation_leaves(private_tmp: Path, tmp_path: Path) -> None:
    status, out, _ = await demo(["/new", "/quit"], tmp_path, tty=True)
    assert status == 0
    closing = [
        t(Language.ZH, "demo.drafts_lost", drafts=drafts_of(Language.ZH, 1)),
        t(Language.ZH, "demo.bye"),
    ]
    assert out.endswith("> " + "\n".join(closing) + "\n")


# An error: the temporary folder goes, the documents stay.


class Failing(Typed):
    """Input that fails when its ``fail_at``-th line is read."""

    def __init__(self, lines: list[str], fail_at: int) -> None:
        super().__init__(lines)
        self.fail_at = fail_at

    def readline(self, size: int = -1, /) -> str:  # type: ignore[override]
        if self.lines_read + 1 == self.fail_at:
            raise RuntimeError("the terminal broke")
        return super().readline(size)


async def test_an_error_mid_session_still_deletes_the_temporary_folder(
    private_tmp: Path, tmp_path: Path
) -> None:
    typed = Failing(["/as 刘洋", "/report 2026Q2", "/help"], fail_at=3)  # the demo began in Q2
    documents = tmp_path / "out"
    with pytest.raises(RuntimeError):
        await run_demo(
            typed, io.StringIO(), Language.ZH, start="2026-06-10 09:00", documents=documents
        )
    assert left_in(private_tmp) == []
    assert [path.suffix for path in left_in(documents, "**/*.xlsx")] == [".xlsx"]  # kept


async def test_an_error_while_starting_still_deletes_the_temporary_folder(
    private_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("no seed")

    monkeypatch.setattr("bot.demo.seed", broken)
    with pytest.raises(RuntimeError):
        await run_demo(Typed([]), io.StringIO(), Language.ZH, documents=tmp_path / "out")
    assert left_in(private_tmp) == []
    assert left_in(tmp_path, "out") == [tmp_path / "out"]


# Who one can be.


def commands_in(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w/])/[a-z]+", text))


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_command_the_demo_points_to_is_one_it_has(
    private_tmp: Path, tmp_path: Path, language: Language
) -> None:
    """The guide, the /as listing and the reply to an unknown name point only to commands the
    person speaking can use (not the administrator's /staff)."""
    pointers = "\n".join(
        [
            t(language, "demo.guide", court="", people=""),
            t(language, "demo.roster", people=""),
            t(language, "console.as_not_found", ref="李四"),
            t(language, "console.as_ambiguous", ref="李四"),
        ]
    )
    commands = sorted(commands_in(pointers) - {"/quit"})
    assert "/as" in commands and "/stranger" in commands
    for command in commands:
        status, out, _ = await demo([command, "/as 张伟"], tmp_path, language=language)
        assert status == 0
        unknown = t(language, "error.unknown_command", command=command.lstrip("/"))
        assert unknown not in out, command


@pytest.mark.parametrize("language", LANGUAGES)
async def test_as_alone_lists_the_demo_people_and_an_unknown_name_points_there(
    private_tmp: Path, tmp_path: Path, language: Language
) -> None:
    status, out, _ = await demo(["/as", "/as 李四", "/as 王芳"], tmp_path, language=language)
    assert status == 0
    listing, unknown, known = split_after_echoes(out, ["/as", "/as 李四", "/as 王芳"])
    assert listing[0] == t(language, "demo.roster", people="").splitlines()[0]
    for name in ("张伟", "王芳", "赵磊", "刘洋"):
        assert any(line.startswith(f"  {name}") for line in listing), name
    assert unknown == [t(language, "console.as_not_found", ref="李四")]
    assert "/staff" not in unknown[0]
    assert known[0] == t(language, "console.now_speaking", name="王芳")


def split_after_echoes(out: str, typed: list[str]) -> list[list[str]]:
    """The lines printed after each echoed ``name> line``, up to the next echo."""
    lines = out.splitlines()
    echoes = [i for i, line in enumerate(lines) if re.match(r"^\S+> ", line)]
    found = [i for i in echoes if lines[i].split("> ", 1)[1] in typed]
    ends = [*[e for e in echoes if e > found[0]][1:], len(lines)]
    return [lines[i + 1 : next(e for e in ends if e > i)] for i in found]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_stranger_is_refused_politely(
    private_tmp: Path, tmp_path: Path, language: Language
) -> None:
    lines = ["/stranger", "你好", "/new", "/as 张伟", "/help"]
    status, out, _ = await demo(lines, tmp_path, language=language)
    assert status == 0
    stranger = t(language, "console.stranger")
    assert t(language, "console.now_speaking", name=stranger) in out
    refusal = [
        t(language, "console.to", name=stranger),
        *(f"  {line}" for line in t(language, "access.refused").splitlines()),
    ]
    said = out.splitlines()
    at = [i for i, line in enumerate(said) if line == refusal[0]]
    assert len(at) == 2  # the greeting and /new alike
    for i in at:
        assert said[i : i + len(refusal)] == refusal
    back = out.split(f"{stranger}> /as 张伟", 1)[1]
    assert f"{stranger}> " not in back
    assert t(language, "console.to", name="张伟") in back.split("张伟> /help", 1)[1]


# The times messages come under.

HEADING = re.compile(r"^(?:—— |-- )(\d{4}-\d{2}-\d{2} \d{2}:\d{2})(?: ——| --)$")


def messages(out: str, language: Language) -> list[tuple[str, str, str]]:
    """(the time it came under, to whom, its text) of each message after the first jump."""
    to = re.compile(re.escape(t(language, "console.to", name="@")).replace("@", "(.+)"))
    found: list[tuple[str, str, str]] = []
    heading = ""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if (match := HEADING.match(line)) is not None:
            heading = match[1]
        elif heading and (match := to.fullmatch(line)) is not None:
            body = []
            for following in lines[i + 1 :]:
                if not following.startswith("  "):
                    break
                body.append(following)
            found.append((heading, match[1], "\n".join(body)))
    return found


def offset(jump: str) -> timedelta:
    """``+1d12h`` as a timedelta."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    return sum(
        (timedelta(**{units[unit]: int(n)}) for n, unit in re.findall(r"(\d+)([dhm])", jump)),
        timedelta(),
    )


@pytest.mark.parametrize(
    "jumps",
    [["+33d"], ["+12h", "+1h", "+1d"], ["+1d12h", "+2d"], ["+30m", "+30m", "+3d"]],
)
async def test_what_a_jump_sends_comes_under_the_time_it_was_sent(
    private_tmp: Path, tmp_path: Path, jumps: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No message shows twice under one time, and the daily holiday warning to the
    administrator comes once a day, under the time the outbox says it was sent; the last
    stop of a jump has its time too (the warning of 2 January sent at 13:15 once showed
    under 1 January 08:30, as if sent twice)."""
    sent: list[tuple[str, str, str]] = []
    delete = shutil.rmtree

    def read_outbox_then_delete(path: str | Path, *args: Any, **kwargs: Any) -> None:
        database = Path(path) / "guowen.db"
        if database.is_file():
            with contextlib.closing(sqlite3.connect(database)) as connection:
                query = "SELECT key, kind, sent_at FROM reminders WHERE status = 'sent'"
                sent.extend(connection.execute(query).fetchall())
        delete(path, *args, **kwargs)

    monkeypatch.setattr("bot.demo.shutil.rmtree", read_outbox_then_delete)
    typed = Typed(["/as 赵磊", *(f"/clock {jump}" for jump in jumps)])
    out = io.StringIO()
    status = await run_demo(
        typed,
        out,
        Language.ZH,
        start="2026-11-30 13:15",
        documents=tmp_path / "out",
        monotonic=lambda: 0.0,
    )
    assert status == 0
    said = messages(out.getvalue(), Language.ZH)
    assert said
    assert len(set(said)) == len(said)
    warning = t(Language.ZH, "reminders.holidays_missing", year=2027)
    warned = [at for at, to, text in said if to == "赵磊" and text.strip() == warning]
    days = [at[:10] for at in warned]
    assert len(set(days)) == len(days)
    keys = [key for key, _, _ in sent]
    assert len(set(keys)) == len(keys)
    outbox = sorted(
        datetime.fromisoformat(at).replace(tzinfo=UTC).astimezone(BEIJING).strftime(MINUTE_FORM)
        for _, kind, at in sent
        if kind == "holidays_missing"
    )
    assert outbox and warned == outbox
    # Once every day from 1 December whose 08:30 the jumps passed, none skipped.
    end = datetime(2026, 11, 30, 13, 15, tzinfo=BEIJING) + sum(map(offset, jumps), timedelta())
    last = end.date() if end.time() >= time(8, 30) else end.date() - timedelta(days=1)
    first = date(2026, 12, 1)
    expected = [str(first + timedelta(days=n)) for n in range((last - first).days + 1)]
    assert days == expected
    headings = [at for at, _, _ in said]
    assert headings == sorted(headings)
    stops = HEADING.findall(out.getvalue())  # the stops, in the order printed
    assert stops == sorted(stops)


# Signals: the real program.


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_ends_the_demo_and_deletes_its_temporary_folder(
    tmp_path: Path, number: signal.Signals
) -> None:
    """Killed (SIGTERM), its terminal closed (SIGHUP) or Ctrl-C (SIGINT) while it waits for a
    line: the database and evidence folder are gone, the documents folder is kept, and the
    closing lines say what ended it and which draft was lost."""
    documents = tmp_path / "documents"
    with DemoProcess(tmp_path, "--out", str(documents)) as demo:
        demo.wait_for(t(Language.ZH, "console.now_speaking", name="张伟"))
        [folder] = list(demo.private.glob("guowen-demo-*"))
        assert (folder / "guowen.db").is_file()
        demo.type("/new")
        demo.wait_for(f"  [1] {t(Language.ZH, 'intake.proposed.ok')}")
        demo.process.send_signal(number)
        assert demo.process.wait(timeout=TIMEOUT) == 128 + number
    assert demo.err == ""
    assert demo.rest[-3:] == [
        t(Language.ZH, "demo.stopped", signal=number.name),
        t(Language.ZH, "demo.drafts_lost", drafts=drafts_of(Language.ZH, 1)),
        t(Language.ZH, "demo.bye"),
    ]
    assert not folder.exists()
    assert list(demo.private.iterdir()) == []
    assert documents.is_dir()
