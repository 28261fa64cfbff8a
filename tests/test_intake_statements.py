"""The SQL one intake step costs, counted (never timed): a typed answer and a pressed button in
the middle of an intake, each with its update key claimed as a chat service delivers it.

Each step is one transaction: the sent replies' outbox rows deleted, the update claimed, the
sender read, the dialogue state read, the draft read, the field set with its audit event (head
read, event written, head moved), the state written back and the reply owed. A statement more
per step shows here first; one fewer is a change to make here on purpose. The earlier answers
for an inquirer's name are read as plain values, so the unit question costs one statement
however many earlier records share the name.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from dialogue import (
    Court,
    DialogueBot,
    Person,
    Press,
    asks,
    dialogue,
    phone_record,
    until,
)
from sqlalchemy import event

from handlers.fields import Step
from handlers.ports import IncomingMessage
from storage.db import Database

_keys = itertools.count(1)


class Keyed(Person):
    """A person whose every message carries a fresh update key, as Telegram's do."""

    def message(self, *args: object, **kwargs: object) -> IncomingMessage:
        message = super().message(*args, **kwargs)  # type: ignore[arg-type]
        return replace(message, update_key=f"u{next(_keys)}")


def _what(statement: str) -> str:
    """``VERB table`` of a statement: the table it reads from or writes to."""
    words = statement.split()
    verb = words[0].upper()
    if verb == "SELECT" and "FROM" in words:
        return "SELECT " + words[words.index("FROM") + 1]
    if verb == "SELECT":  # a function: PostgreSQL's chat lock
        return "SELECT " + words[1].split("(", 1)[0]
    if verb == "INSERT":
        return "INSERT " + words[2]
    if verb == "DELETE":
        return "DELETE " + words[2]
    return f"{verb} {words[1]}"


@contextmanager
def counted(db: Database) -> Iterator[Counter[str]]:
    """The statements run on ``db`` in the block, as ``VERB table`` counts (BEGIN, COMMIT,
    SAVEPOINT and RELEASE left out: they are transactions, not statements)."""
    seen: Counter[str] = Counter()

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        verb = statement.split(None, 1)[0].upper()
        if verb not in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"):
            seen[_what(statement)] += 1

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


STEP = Counter(
    {
        "DELETE reply_outbox": 1,
        "INSERT processed_updates": 1,
        "SELECT chat_identities": 1,
        "SELECT conversations": 1,
        "SELECT records": 1,
        "UPDATE records": 1,
        "SELECT audit_head": 1,
        "INSERT audit_events": 1,
        "UPDATE audit_head": 1,
        "UPDATE conversations": 1,
        "INSERT reply_outbox": 1,
    }
)
"""One field answered: what every step of the intake costs on SQLite."""


def step_on(db: Database) -> Counter[str]:
    """``STEP`` on ``db``: on PostgreSQL the chat's turn is one statement more
    (``storage.locks.chat_turn``)."""
    if db.dialect == "postgresql":
        return STEP + Counter({"SELECT pg_advisory_xact_lock": 1})
    return STEP


async def test_a_typed_answer_and_a_press_cost_the_statements_of_one_step(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = Keyed(bot, court.chat("张伟").user_id, "张伟")
    script = phone_record()
    await dialogue(judge, until(script, Step.INQUIRER_NAME))

    with counted(db) as typed:
        await dialogue(judge, [("王某", asks(Step.INQUIRER_UNIT))])
    # The name is looked up among the court's staff (Art. 14: the court's own staff asking
    # is asked about), a department name around it read off first; the unit question reads
    # the units earlier records the judge may open give this name.
    looked_up = {"SELECT records": 1, "SELECT staff": 1, "SELECT departments": 1}
    assert typed == step_on(db) + Counter(looked_up)

    await dialogue(judge, [("温县某局", asks(Step.INQUIRER_POSITION))])
    await dialogue(judge, until(script[7:], Step.RETIRED))
    with counted(db) as pressed:
        await dialogue(judge, [(Press("否"), asks(Step.MAIN_LEADER))])
    assert pressed == step_on(db)


async def test_the_unit_question_costs_one_statement_however_many_records_share_the_name(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = Keyed(bot, court.chat("张伟").user_id, "张伟")
    costs = []
    for n in range(1, 4):
        script = phone_record(number=f"温法过问〔2026〕{n}号", draft=n)
        await dialogue(judge, until(script, Step.INQUIRER_NAME))
        with counted(db) as typed:
            await dialogue(judge, [script[5]])
        costs.append(typed)
        await dialogue(judge, script[6:])
    assert costs[0] == costs[1] == costs[2]
