"""``guowen demo``: ``/clock +5d`` makes the due reminders arrive as they would.

The real console program, a whole intake piped in, then the clock moved on. The demo runs on
the real current date, so the expected times are worked out from the receipt time the demo
itself printed, with the same calendar; ``/clock +5d`` is repeated as often as that date needs
(a Thursday receipt escalates six days later, a National Day one much later).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from reminder_kit import BEIJING

from handlers.i18n import day_words, t
from reminders.deadlines import DeadlineRules
from reminders.dispatch import QuietHours
from reminders.planner import Timing, at_morning, last_day
from storage.models import Record
from storage.vocabulary import Language, Milestone, RecordKind, RecordStatus

REPO = Path(__file__).resolve().parent.parent
ZH = Language.ZH
INTAKE = [
    "/new",
    "1",  # the receipt time, an external inquiry at that time: confirmed as proposed
    "2",  # by phone (after /new, 当面 and 电话 come first)
    *("王某", "某县公安局", "局长"),
    "1",  # 行政机关, not retired, not a main leader, no intermediary: confirmed as proposed
    *("张某诉李某民间借贷纠纷案", "尚未立案", "请关照一下"),
    "15",  # Art. 9 asked: after its 14 items, "均不涉及，情节不严重"
    "1",  # submit
]
MINUTE = "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Said:
    at: datetime  # the demo clock when it was printed
    to: str
    text: str


def zh(key: str, **values: object) -> str:
    return t(ZH, key, **values)


def pattern(key: str, name: str, group: str = "(.+)") -> re.Pattern[str]:
    """A catalog line with its one placeholder as a capture group."""
    marker = "\x00"
    return re.compile(re.escape(zh(key, **{name: marker})).replace(re.escape(marker), group))


def run(tmp_path: Path, lines: list[str], *options: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUOWEN_")}
    private = tmp_path / "tmp"
    private.mkdir(exist_ok=True)
    env["TMPDIR"] = str(private)
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", *options],
        input="".join(f"{line}\n" for line in lines),
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


def parse(transcript: str, start: datetime) -> tuple[list[Said], list[datetime]]:
    """Every message from the bot with the demo time it came at; and the times ticks ran at."""
    to = pattern("console.to", "name")
    stamp = r"(\d{4}-\d\d-\d\d \d\d:\d\d)"
    at_marker = pattern("demo.clock_at", "now", stamp)
    moved = pattern("demo.clock_moved", "now", stamp)
    said: list[Said] = []
    ticks = [start]
    now = start
    lines = transcript.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        found = moved.fullmatch(line) or at_marker.fullmatch(line)
        if found is not None:
            now = datetime.strptime(found.group(1), MINUTE).replace(tzinfo=BEIJING)
            ticks.append(now)
        elif (found := to.fullmatch(line)) is not None:
            body = []
            while index < len(lines) and lines[index].startswith("  "):
                if not re.match(r"  \[\d+\] ", lines[index]):
                    body.append(lines[index][2:])
                index += 1
            said.append(Said(now, found.group(1), "\n".join(body)))
    return said, ticks


def first_deadline(received: datetime) -> datetime:
    """The record's first deadline (platform entry or form copy) for a receipt at ``received``."""
    rules = DeadlineRules()
    record = Record(
        status=RecordStatus.SUBMITTED.value,
        kind=RecordKind.EXTERNAL.value,
        received_at=received,
        submitted_at=received,
    )
    record.cosigners = []
    deadlines = rules.for_record(record)
    return min(deadlines[m] for m in (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED))


def expected_times(received: datetime) -> tuple[datetime, datetime, datetime]:
    """The first deadline's last-day reminder, breach (after the quiet hours), escalation."""
    rules = DeadlineRules()
    first = first_deadline(received)
    last = last_day(first, rules)
    timing = Timing()
    escalation = at_morning(rules.calendar.add_working_days(last, 2), rules, timing)
    breach = QuietHours().release(first.astimezone(BEIJING))
    return at_morning(last, rules, timing), breach, escalation


def test_clock_moves_make_the_reminders_arrive_in_order(tmp_path: Path) -> None:
    guess = datetime.now(BEIJING)
    _, _, escalation = expected_times(guess)
    steps = math.ceil((escalation - guess) / timedelta(days=5)) + 1  # +1: midnight may pass
    transcript = run(tmp_path, ["/as 张伟", *INTAKE, *["/clock +5d"] * steps])

    received_line = re.search(r"收到时间：(\d{4}-\d\d-\d\d \d\d:\d\d)", transcript)
    assert received_line is not None, transcript[-3000:]
    received = datetime.strptime(received_line.group(1), MINUTE).replace(tzinfo=BEIJING)
    number = f"温法过问〔{received.year}〕1号"
    assert zh("intake.submitted", number=number) in transcript
    said, ticks = parse(transcript, received)
    morning, breach, escalation = expected_times(received)
    assert ticks[-1] >= escalation

    def first(to: str, opening: str) -> int:
        for position, item in enumerate(said):
            if item.to == to and item.text.startswith(opening) and number in item.text:
                return position
        raise AssertionError(f"nothing to {to} starting {opening!r}:\n{transcript[-4000:]}")

    last_day_at = first("张伟", "今天是最后期限")
    breach_at = first("张伟", f"过问记录 {number}（案件 张某诉李某民间借贷纠纷案）逾期未办")
    officer_at = first("王芳", "本部门的过问记录")
    escalation_at = first("李刚", "逾期一个工作日仍未补办")
    assert last_day_at < breach_at < escalation_at
    assert breach_at < officer_at < escalation_at
    assert (said[last_day_at].at, said[breach_at].at) == (morning, breach)
    assert (said[officer_at].at, said[escalation_at].at) == (breach, escalation)
    # The deadline's last day in words, as every message writes it (the demo runs on today).
    day = day_words(ZH, last_day(first_deadline(received), DeadlineRules()))
    assert zh("reminders.by_today", day=day) in said[last_day_at].text
    assert f"（{zh('reminders.passed', day=day, days=1)}）" in said[breach_at].text
    assert "民事审判第一庭的过问记录" in said[escalation_at].text
    assert "承办人 张伟" in said[escalation_at].text
    # Each of the record's arrived on time: none says it is late.
    assert not any(s.text.startswith("（迟发") for s in said if number in s.text)
    # The other division's officer heard nothing of a civil division record.
    assert [s for s in said if s.to == "吴敏"] == []

    # The admin hears about next year's holidays only on days that need it (from 1 December
    # while next year is not loaded, or any day of a year nobody loaded).
    calendar = DeadlineRules().calendar
    span = [received.date() + timedelta(days=n) for n in range((ticks[-1] - received).days + 1)]
    warning_days = {day for day in span if calendar.needs_next_year_warning(day)}
    to_admin = [s for s in said if s.to == "赵磊"]
    years = {day.year for day in span} | {day.year + 1 for day in span}
    assert {s.text for s in to_admin} <= {
        zh("reminders.holidays_missing", year=year) for year in years
    }
    morning_ticks = {
        tick.date()
        for tick in ticks
        if tick.date() in warning_days and tick.hour * 60 + tick.minute >= 510
    }
    if morning_ticks:
        assert to_admin, "a tick ran on a December morning and the admin was not warned"
    if not warning_days:
        assert to_admin == []


def test_the_warning_rule_of_the_demo_calendar() -> None:
    """The calendar the demo counts on: 2026 is shipped, 2027 is not (until an admin loads it)."""
    calendar = DeadlineRules().calendar
    assert not calendar.needs_next_year_warning(date(2026, 11, 30))
    assert calendar.needs_next_year_warning(date(2026, 12, 1))
    assert calendar.needs_next_year_warning(date(2027, 6, 1))


LATE_AT_NIGHT = [
    "/as 张伟",
    "/new",
    "2",  # 有变化
    "11月1日晚上8点",  # received 38 days before the demo's start
    "1",  # 时间无误，确认
    "1",  # an external inquiry
    "1",  # inquired at the receipt time
    "2",  # by phone
    *("王某", "某县公安局", "局长"),
    "1",
    *("张某诉李某民间借贷纠纷案", "尚未立案", "请关照一下"),
    "15",
    "1",  # submit
    "/clock +1d",
]


def test_a_late_registration_at_night_lets_the_clock_move_on(tmp_path: Path) -> None:
    """A record registered weeks late, at night: its breach notices, due long ago, wait for
    the quiet hours to end and then go out; the clock reaches where it was sent (it once
    went back to the past due time and round the same stop for ever)."""
    transcript = run(tmp_path, LATE_AT_NIGHT, "--start", "2026-12-09 00:40")
    said, ticks = parse(transcript, datetime(2026, 12, 9, 0, 40, tzinfo=BEIJING))
    assert ticks == sorted(ticks), ticks  # time never goes back
    assert ticks[-1] == datetime(2026, 12, 10, 0, 40, tzinfo=BEIJING)
    breach = [s for s in said if s.to == "张伟" and "逾期未办" in s.text]
    assert breach, transcript[-3000:]
    assert {s.at for s in breach} == {datetime(2026, 12, 9, 8, 0, tzinfo=BEIJING)}
