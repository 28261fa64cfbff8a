"""No reply says a file was kept when its bytes were not.

A file over the court's cap (declared so, or found so while streaming), one the chat service
will not hand over and one whose download fails are recorded by their details only. Whatever
mix of such files and kept ones the judge sends, and whichever way the add-or-new question is
answered (sent by mistake, add to the draft, start a new record), every reply that speaks of
keeping them ("已暂存，不会丢失", "原样保存", "作为证据保存") names each of them that was not kept,
and each is named at its first reply with the instruction to keep the original; /record
flags exactly those items as not kept.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest
from dialogue import (
    ADD_HERE,
    DISMISS,
    START_NEW,
    Court,
    DialogueBot,
    Forward,
    Press,
    Tap,
    all_records,
    png_bytes,
    says,
    settings_for,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.ports import Attachment, AttachmentKind, FileUnavailable, OutgoingMessage
from reminders.clock import FakeClock
from storage.db import Database
from storage.evidence import UnavailableReason

CLAIMS = ("不会丢失", "没有丢失", "原样保存", "作为证据保存", "已暂存")
"""Words that tell the judge the files are safe with the bot."""
KEEP_ORIGINAL = "保留原件"
KINDS = ("kept", "over_cap", "over_cap_streamed", "too_big", "failed")
_SENT = itertools.count(1)


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    """The bot with a 1 MB cap on one evidence file."""
    return DialogueBot(db, clock, settings_for(tmp_path, max_evidence_mb=1))


def _file(bot: DialogueBot, kind: str) -> tuple[Attachment, str]:
    """One attachment of ``kind`` under a name no other example uses, and that name."""
    n = next(_SENT)
    name = f"{kind}{n}.png"
    if kind == "kept":
        data = png_bytes((n % 250, n // 250 % 250, 9))
        return bot.file(AttachmentKind.DOCUMENT, data, name=name), name
    if kind == "over_cap":  # declared over the cap: not even fetched
        return bot.file(AttachmentKind.DOCUMENT, b"\0" * 64, name=name, size=5_000_000), name
    if kind == "over_cap_streamed":  # no size declared: over the cap while streaming
        return bot.file(AttachmentKind.DOCUMENT, b"\0" * 1_100_000, name=name, size=None), name
    if kind == "too_big":
        too_big = FileUnavailable(UnavailableReason.TOO_BIG_FOR_TRANSPORT, "file is too big")
        failing = bot.failing_file(AttachmentKind.DOCUMENT, lambda: too_big, name=name, size=30**6)
        return failing, name
    return bot.failing_file(AttachmentKind.DOCUMENT, lambda: OSError("reset"), name=name), name


def _truthful(replies: Sequence[OutgoingMessage], lost: list[str], when: str) -> None:
    """Each reply that speaks of keeping names every file of ``lost``; each of them is named
    with the instruction to keep the original."""
    texts = [reply.text for reply in replies]
    for text in texts:
        if any(claim in text for claim in CLAIMS):
            missing = [name for name in lost if name not in text]
            assert not missing, f"{when}: {text!r} says kept, silent on {missing}"
    for name in lost:
        told = [text for text in texts if name in text and KEEP_ORIGINAL in text]
        assert told, f"{when}: {name} not named with {KEEP_ORIGINAL!r}: {texts}"


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    messages=st.lists(st.lists(st.sampled_from(KINDS), min_size=1, max_size=3), max_size=3),
    first=st.lists(st.sampled_from(KINDS), min_size=1, max_size=3),
    answer=st.sampled_from([DISMISS, ADD_HERE, START_NEW]),
)
async def test_no_reply_says_a_file_not_kept_was_kept(
    bot: DialogueBot,
    court: Court,
    db: Database,
    first: list[str],
    messages: list[list[str]],
    answer: str,
) -> None:
    judge = court.chat("张伟")
    replies = await judge.act("/new")
    if any(b.data.endswith("media:new") for m in replies for row in m.buttons for b in row):
        await judge.act(Tap("in:media:new"))
    draft = (await all_records(db))[-1].id
    names: dict[str, bool] = {}  # every file held, and whether its bytes were kept
    for number, kinds in enumerate([first, *messages], 1):
        sent = [_file(bot, kind) for kind in kinds]
        names |= {name: kind == "kept" for (_, name), kind in zip(sent, kinds, strict=True)}
        replies = await judge.act(Forward(*(attachment for attachment, _ in sent)))
        lost = [name for (_, name), kind in zip(sent, kinds, strict=True) if kind != "kept"]
        _truthful(replies, lost, f"message {number} held")
    lost = [name for name, kept in names.items() if not kept]
    replies = await judge.act(Press(answer))
    _truthful(replies, lost, f"answered {answer}")
    if answer == DISMISS:
        return
    target = draft if answer == ADD_HERE else (await all_records(db))[-1].id
    [card] = await judge.say(f"/record #{target}")
    lines = card.splitlines()
    for name, kept in names.items():
        [line] = [line for line in lines if name in line]
        assert (says("evidence.flag_not_kept") in line) is not kept, line


@pytest.mark.parametrize(
    "kinds", [("kept",), ("kept", "over_cap", "failed"), ("over_cap_streamed", "too_big")]
)
async def test_files_rescued_after_a_failure_are_said_kept_only_when_they_were(
    bot: DialogueBot, court: Court, monkeypatch: pytest.MonkeyPatch, kinds: tuple[str, ...]
) -> None:
    """A message whose handling fails has its files put on a draft of their own: the reply
    saying so names each file not kept and tells the judge to keep the original."""

    async def fails(ctx: object) -> bool:
        raise RuntimeError("the handler failed")

    media = importlib.import_module("handlers.intake.media")  # the package names a function so
    monkeypatch.setattr(media, "refuse_empty", fails)
    judge = court.chat("张伟")
    sent = [_file(bot, kind) for kind in kinds]
    replies = await judge.act(Forward(*(attachment for attachment, _ in sent)))
    assert any(says("intake.rescued", **RESCUED)[:4] in reply.text for reply in replies), [
        r.text for r in replies
    ]
    lost = [name for (_, name), kind in zip(sent, kinds, strict=True) if kind != "kept"]
    _truthful(replies, lost, "rescued")


RESCUED = {"count": 0, "title": "", "id": 0, "deadlines": "", "kept": ""}
