"""The console's button numbers after a restart of ``guowen run``.

The console numbers the buttons it shows and a typed number presses one; those numbers live
as long as its process. After a restart a number typed for a card shown before it is no
press: the console says so, sends nothing, and shows the question the chat waits at again,
numbered anew; the new numbers then press its buttons. A number typed as the answer to a
question without buttons still reaches the bot.
"""

from __future__ import annotations

import io
from pathlib import Path

from dialogue import CONFIRM_TIME, all_records, asks, asks_received, events_of, settings_for
from fakes import FakeBot, add_person

from bot.transports.console import ConsoleTransport
from handlers.fields import Step
from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Role


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


class Run:
    """One process of ``guowen run`` with its console: ``restart`` starts the next."""

    def __init__(self, bot: FakeBot, speaker: str) -> None:
        self.bot = bot
        self.speaker = speaker
        self.out = io.StringIO()
        self.console = self._console()

    def _console(self) -> ConsoleTransport:
        console = ConsoleTransport(
            self.bot.app, out=self.out, allow_as=False, speaker=self.speaker, speaker_name="张伟"
        )
        self.bot.app.add_transport(console)
        return console

    def restart(self) -> None:
        self.bot.restart()
        self.console = self._console()

    async def type(self, line: str) -> str:
        """What the console wrote after ``line`` was typed."""
        start = len(self.out.getvalue())
        await self.console.line(line)
        return self.out.getvalue()[start:]


async def _run(db: Database, clock: FakeClock, tmp_path: Path) -> Run:
    judge = await add_person(db, clock, "张伟", [Role.HANDLER])
    bot = FakeBot(db, clock, settings_for(tmp_path))
    binding = ConsoleTransport(bot.app, out=io.StringIO())
    await binding.line("/as 张伟")  # the console account bound, as /start CODE binds it
    return Run(bot, str(judge.id))


async def test_a_number_from_before_a_restart_is_refused_and_the_card_shown_again(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    run = await _run(db, clock, tmp_path)
    shown = await run.type("/new")
    assert asks_received("2026-03-06 10:00") in shown
    assert f"[1] {CONFIRM_TIME}" in shown
    run.restart()

    said = await run.type("1")
    assert zh("console.number_unshown", number=1) in said
    assert zh("console.card_again") in said
    assert asks_received("2026-03-06 10:00") in said and f"[1] {CONFIRM_TIME}" in said
    assert asks(Step.SOURCE) not in said  # nothing was pressed
    [draft] = await all_records(db)
    assert draft.kind is None and "received_at" not in str(await events_of(db, draft.id))

    said = await run.type("1")  # the number shown anew presses the button
    assert asks(Step.SOURCE) in said
    assert zh("console.number_unshown", number=1) not in said


async def test_a_number_with_no_card_open_after_a_restart_presses_nothing(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    run = await _run(db, clock, tmp_path)
    await run.type("/language")  # a card with buttons, and no question open
    run.restart()
    said = await run.type("2")
    assert zh("console.number_unshown", number=2) in said
    assert zh("console.no_card_now") in said
    assert t(Language.EN, "language.set") not in said


async def test_a_number_typed_as_an_answer_after_a_restart_reaches_the_bot(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    run = await _run(db, clock, tmp_path)
    for line in ("/new", "1", "1", "1", "1"):  # the receipt time, external, same time, a call
        await run.type(line)
    assert asks(Step.INQUIRER_NAME) in run.out.getvalue()
    run.restart()
    said = await run.type("110")  # more than the question's buttons: typed as the name
    assert zh("console.number_unshown", number=110) not in said
    assert "“110”" in said and asks(Step.INQUIRER_NAME) in said  # the bot's own answer


async def test_a_number_matching_no_button_without_a_restart_names_no_restart(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """Within one process a number that matches no open button is only that: the restart
    explanation is for a card shown before the process started."""
    run = await _run(db, clock, tmp_path)
    await run.type("/language")  # a card with buttons, shown by this process
    await run.type("1")  # pressed: no button is open now
    said = await run.type("2")
    assert zh("console.number_unmatched", number=2) in said
    assert zh("console.number_unshown", number=2) not in said
    assert t(Language.EN, "language.set") not in said  # nothing pressed
    run.restart()  # the same number after a restart: the card was shown before it
    said = await run.type("2")
    assert zh("console.number_unshown", number=2) in said


async def test_the_demos_fresh_database_never_explains_a_number_by_a_restart(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """The demo's database is made by its own process: no card predates it."""
    judge = await add_person(db, clock, "张伟", [Role.HANDLER])
    bot = FakeBot(db, clock, settings_for(tmp_path))
    out = io.StringIO()
    console = ConsoleTransport(bot.app, out=out, fresh_database=True)
    await console.line("/as 张伟")
    assert console.speaker == str(judge.id)
    start = len(out.getvalue())
    await console.line("3")
    said = out.getvalue()[start:]
    assert zh("console.number_unmatched", number=3) in said
    assert zh("console.number_unshown", number=3) not in said
