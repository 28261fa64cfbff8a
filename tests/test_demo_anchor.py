"""The demo's clock sends discipline the day's audit-chain head at each simulated morning, as
``guowen run``'s scheduler does (``reminders.anchor``; trial 9, F16: the demo never showed it):
once a morning, whatever jumps the clock takes there, under that morning's time, the head
never going back."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from test_demo_session import BEIJING, MINUTE_FORM, demo, private_tmp  # noqa: F401  (a fixture)

from bot.config import defaults
from handlers.i18n import t
from storage.vocabulary import Language

ZH = Language.ZH
START = "2026-12-01 10:00"
MORNING = defaults(Path("config.toml")).reminders.morning  # the court's morning hour


def heads(transcript: str) -> list[tuple[str, str, int]]:
    """Each head message to 李刚: (the demo time it came under, its day, its event number)."""
    to = re.escape(t(ZH, "console.to", name="李刚"))
    at = re.compile(re.escape(t(ZH, "demo.clock_at", now="@")).replace("@", r"(\S+ \S+)"))
    words = t(ZH, "maintenance.anchor_daily", court="温县人民法院", day="@D", seq="@S", hash="@H")
    head = re.compile(
        re.escape(words)
        .replace("@D", r"(\d{4}-\d\d-\d\d)")
        .replace("@S", r"(\d+)", 1)
        .replace("@S", r"\d+")
        .replace("@H", "[0-9a-f]{64}")
    )
    found, now, lines = [], "", transcript.splitlines()
    for index, line in enumerate(lines):
        if (moved := at.fullmatch(line)) is not None:
            now = moved.group(1)
        elif (
            re.fullmatch(to, line)
            and index + 1 < len(lines)
            and (said := head.fullmatch(lines[index + 1].strip())) is not None
        ):
            found.append((now, said.group(1), int(said.group(2))))
    return found


@pytest.mark.parametrize(
    "jumps",
    [
        ["/clock +3d"],
        ["/clock +1d"] * 3,
        ["/clock +10h"] * 7 + ["/clock +2h"],  # 72 h, crossing mornings mid-jump
        ["/clock +22h30m", "/clock +2d"],  # ends on a morning, then goes on from it
    ],
)
async def test_each_simulated_morning_brings_the_head(
    private_tmp: Path,  # noqa: F811
    tmp_path: Path,
    jumps: list[str],
) -> None:
    status, transcript, _ = await demo(jumps, tmp_path, start=START)
    assert status == 0, transcript[-2000:]
    found = heads(transcript)
    start = datetime.strptime(START, MINUTE_FORM).replace(tzinfo=BEIJING)
    mornings = [(start + timedelta(days=n)).date() for n in (1, 2, 3)]
    assert [day for _, day, _ in found] == [d.isoformat() for d in mornings], transcript[-3000:]
    for (when, day, _), morning in zip(found, mornings, strict=True):
        assert when == f"{morning.isoformat()} {MORNING}", (when, day)
    numbers = [seq for _, _, seq in found]
    assert numbers == sorted(numbers)  # the chain only grows
    assert date.fromisoformat(found[0][1]) > start.date()  # no head before the clock moved
