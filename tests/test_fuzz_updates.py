"""Random updates never end in a traceback: every bad number gets an ordinary answer.

A seeded generator sends commands with random arguments, forged button data and random text
through the real app on the fake transport, as one person holding every role. The engine
logs ``failed on a message`` (and answers ``error.internal``) whenever a handler raised
instead of answering; the test counts those and wants none.

``GUOWEN_FUZZ_UPDATES`` sets how many updates are sent (default 3,000; 10,000 for a full run).
"""

from __future__ import annotations

import logging
import os
import random
from collections import Counter
from datetime import timedelta

import pytest
from fakes import FakeBot, add_person

from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Role

UPDATES = int(os.environ.get("GUOWEN_FUZZ_UPDATES", "3000"))
SEED = 20261129

COMMANDS = (
    "record",
    "resume",
    "report",
    "platform",
    "deliver",
    "invite",
    "new",
    "cancel",
    "mine",
    "overdue",
    "withdrawn",
    "compliance",
    "language",
    "staff",
    "whoami",
    "help",
    "nosuch",
)
# Numbers as people and forgers type them: too big for any column, negative, superscript,
# full-width, other scripts' digits, zero-padded, with signs and separators.
NUMBERS = (
    "1",
    "2",
    "0",
    "-1",
    "+1",
    "007",
    "99999999999999999999",
    "9" * 40,
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "²",
    "1²",
    "³³",
    "①",
    "１２",
    "１２３４５６７８９０１２３４５６７８９",
    "٣",
    "৩৪",
    "1_000",
    "1e5",
    "0x10",
    " 3 ",
    "1.5",
    "",
)
PERIODS = (
    "0000Q1",
    "0001Q1",
    "9999Q4",
    "10000Q1",
    "２０２６Q1",
    "2026Q5",
    "2026Q0",
    "2026 Q 3",
    "0000-01-01",
    "0001-01-01 0001-01-02",
    "9999-12-31",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "²⁰²⁶Q1",
    "2025-01-01 2025-01-01",
)
BUTTON_PREFIXES = ("in", "ms", "cs", "lang", "xx", "")
BUTTON_SHAPES = (
    "in:amend:start:{n}",
    "in:amend:resume:{n}",
    "in:amend:field:{n}.inquirer_name",
    "in:amend:field:{n}",
    "in:art9:t:{n}",
    "in:art9:done",
    "in:received_at:v:{n}",
    "in:channel:v:{n}",
    "in:review:{n}",
    "in:edit:{n}",
    "in:media:{n}",
    "ms:{n}:platform",
    "ms:{n}:deliver",
    "ms:{n}:platform_skip",
    "ms:q:{p}:done",
    "cs:{n}:ok",
    "cs:{n}:no",
    "lang:{n}",
)
ALPHABET = "0123456789０１２３²³¹#-+.:：年月日Q 张伟abcz\u200b\u3000/"


def _number(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(NUMBERS)
    return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))


def _noise(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 24)))


def _update(rng: random.Random) -> tuple[str, str | None]:
    """(text, callback) of one random update."""
    kind = rng.random()
    if kind < 0.45:
        command = rng.choice(COMMANDS)
        if command == "report":
            argument = rng.choice(PERIODS)
        elif rng.random() < 0.8:
            argument = ("#" if rng.random() < 0.3 else "") + _number(rng)
        else:
            argument = _noise(rng)
        return f"/{command} {argument}".rstrip(), None
    if kind < 0.8:
        if rng.random() < 0.8:
            shape = rng.choice(BUTTON_SHAPES)
            return "", shape.format(n=_number(rng), p=rng.choice(PERIODS))
        parts = [rng.choice(BUTTON_PREFIXES)] + [
            rng.choice((_number(rng), _noise(rng))) for _ in range(rng.randint(0, 4))
        ]
        return "", ":".join(parts)
    return (_number(rng) if rng.random() < 0.5 else _noise(rng)), None


async def test_random_updates_never_end_in_a_traceback(
    db: Database, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await add_person(
        db,
        clock,
        "全能",
        [
            Role.HANDLER,
            Role.ADMIN,
            Role.DISCIPLINE,
            Role.TRIAL_MANAGEMENT,
            Role.INTEGRITY_OFFICER,
            Role.COMPILER,
            Role.LEADER,
        ],
        user_id="u1",
    )
    await add_person(db, clock, "张伟", [Role.HANDLER], user_id="u2")
    bot = FakeBot(db, clock)
    chat = bot.chat("u1")
    rng = random.Random(SEED)
    internal = t(Language.ZH, "error.internal")
    apologies = 0
    caplog.set_level(logging.ERROR, logger="handlers.engine")
    for _ in range(UPDATES):
        text, callback = _update(rng)
        sent = await (chat.press_data(callback) if callback else chat.say(text))
        apologies += sum(internal in reply for reply in sent)
        clock.advance(timedelta(minutes=rng.randint(0, 90)))
    tracebacks = [r for r in caplog.records if r.getMessage().startswith("failed on a message")]
    causes = Counter(
        f"{type(r.exc_info[1]).__name__}: {r.exc_info[1]}"[:120] for r in tracebacks if r.exc_info
    )
    assert (len(tracebacks), apologies) == (0, 0), causes.most_common(10)
