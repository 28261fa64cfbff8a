"""A file byte for byte the same as another sent with it (trial 9 finding 17: ``/attach
a.png a.png``, an album with one picture twice) is kept and counted like every file — evidence
is never dropped — but never silently: the judge is told which file repeats which (same
SHA-256), as a copy arriving later is asked about. Checked over patterns of repeats in one
forward (which files are the same, in any order): one notice for each repeat, naming its
position and the first copy's, and every file stored.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Forward,
    evidence_of,
    open_court,
    png_bytes,
    says,
    settings_for,
)

from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.db import Database

COLOURS = ((7, 193, 96), (200, 30, 30), (30, 30, 200))


def notices(pattern: list[int]) -> list[str]:
    """The notices ``pattern`` (each file's content, by index into ``COLOURS``) calls for."""
    first: dict[int, int] = {}
    wanted = []
    for n, content in enumerate(pattern, 1):
        if content in first:
            m = first[content]
            name, earlier = f"p{n}.png", f"p{m}.png"
            wanted.append(says("evidence.same_in_one", n=n, name=name, m=m, first=earlier))
        first.setdefault(content, n)
    return wanted


@pytest.fixture
async def court(db: Database, clock: FakeClock, tmp_path: Path) -> Court:
    return await open_court(DialogueBot(db, clock, settings_for(tmp_path, propose=True)))


PATTERNS = ([0, 0], [0, 1, 0], [0, 0, 0], [0, 1, 1, 0], [0, 1, 2], [0])
"""Which files of one forward are the same: every shape of repeat up to four files (a pair,
apart, three alike, two pairs), and none."""


@pytest.mark.parametrize("pattern", PATTERNS)
async def test_a_repeated_file_in_one_forward_is_kept_and_said(
    court: Court, db: Database, pattern: list[int]
) -> None:
    bot = court.bot
    files = [
        bot.file(AttachmentKind.PHOTO, png_bytes(COLOURS[c]), name=f"p{n}.png", mime="image/png")
        for n, c in enumerate(pattern, 1)
    ]
    texts = [m.text for m in await court.chat("张伟").act(Forward(*files))]
    said = [text for text in texts if text.startswith("⚠ 同一次发来的")]
    assert said == notices(pattern), texts
    assert len(await evidence_of(db, 1)) == len(pattern)  # every copy kept
