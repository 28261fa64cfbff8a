"""No reply invites an action the reader's roles refuse.

Each person of the demo court (one of each role: handler, integrity officer, discipline,
trial management and compiler, leader, admin; and one with no role who co-signs) sends
every command the bot has, bare and with a record, plain words, a forwarded text and a
file, and lives through a record's life that tells others of it (an Art. 7 draft, its
withdrawal, a correction). Every message each of them receives names only commands their
roles may use, the one they typed themselves aside (a refusal may quote it): /new and
forwarding material are invited only to handlers, /deliver and /platform only to them,
/report only where it is allowed, and so on.
"""

from __future__ import annotations

import re

from dialogue import (
    WITHDRAW,
    Court,
    DialogueBot,
    Forward,
    Press,
    phone_record,
    png_bytes,
    says,
)
from fakes import add_person

from handlers.ports import AttachmentKind, OutgoingMessage
from reminders.clock import FakeClock
from storage.db import Database

COMMAND = re.compile(r"(?<![\w/])/([a-z]+)\b")
"""A command as a reply names it (``/new``), not a path or a date."""


def _named(text: str, known: set[str]) -> set[str]:
    return {name for name in COMMAND.findall(text) if name in known}


async def test_every_reply_names_only_commands_the_reader_may_use(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    registry = bot.app.engine.registry
    commands = registry.commands
    known = set(commands)
    court.staff["马红"] = await add_person(
        db, clock, "马红", [], department="民一庭", user_id="mahong"
    )
    court.accounts["马红"] = "mahong"
    people = [name for name in court.staff]

    # A record's life that tells others: serious (Art. 7: leaders told at once), co-signed
    # by someone with no role, delivered; a second draft withdrawn.
    judge = court.chat("张伟")
    for action, _ in phone_record(serious=says("intake.yes")):
        await judge.act(action)
    await judge.act("/deliver 1")
    await judge.act("/platform 1")
    script = phone_record(serious=says("intake.yes"), draft=2, inquirer="李某")[:-1]
    for action, _ in script:  # up to the review, then withdrawn with its reason
        await judge.act(action)
    await judge.act(Press(WITHDRAW))
    await judge.act("过问人撤回了请求")

    typed: dict[str, list[tuple[str, list[OutgoingMessage]]]] = {name: [] for name in people}
    tries = [f"/{name}" for name in sorted(known)]
    tries += [f"/{name} 1" for name in sorted(known)]
    tries += ["/record 草稿 #9", "你好", "季度报告"]
    for name in people:
        chat = court.chat(name)
        for text in tries:
            typed[name].append((text, await chat.act(text)))
            await chat.act("/cancel")
        picture = bot.file(AttachmentKind.PHOTO, png_bytes(), name="wechat.png")
        typed[name].append(("", await chat.act(Forward(picture, caption="县委李主任来电"))))
        await chat.act("/cancel")

    problems: list[str] = []
    for name in people:
        roles = frozenset(str(role) for role in court.staff[name].roles)

        def check(message: OutgoingMessage, quoted: str | None) -> None:
            for command in _named(message.text, known):
                if commands[command].allowed(roles):  # noqa: B023
                    continue
                if command == quoted and message.text.count(f"/{command}") == 1:
                    continue  # a refusal quoting what was typed
                problems.append(f"{name} {sorted(roles)}: /{command} in {message.text!r}")  # noqa: B023

        replied: set[str] = set()
        for text, replies in typed[name]:
            quoted = text.split()[0].lstrip("/") if text.startswith("/") else None
            for message in replies:
                check(message, quoted)
                replied.add(message.text)
        for message in court.chat(name).inbox():  # notices, reminders: nothing typed
            if message.text not in replied:
                check(message, None)
    assert not problems, "\n".join(sorted(set(problems)))
    # A handler with nothing yet is invited to forward material or send /new.
    [(_, mine)] = [(t, r) for t, r in typed["孙丽"] if t == "/mine"]
    assert says("views.mine_empty_new") in mine[0].text, mine[0].text
    # Not vacuous: everyone was told of commands, and a notice of the withdrawal went out.
    assert all(any(_named(m.text, known) for m in court.chat(n).inbox()) for n in people)
    assert any("撤回原因" in m.text for m in court.chat("陈静").inbox())
