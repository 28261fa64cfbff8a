"""``/attach`` in the console names why a path cannot be sent: nothing there, a folder, or
something that is not a regular file; a regular file is sent."""

from __future__ import annotations

import io
import os
from pathlib import Path

from fakes import FakeBot, add_person

from bot.transports.console import ConsoleTransport, not_a_file
from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Role


def kinds(tmp_path: Path) -> dict[str, Path]:
    """One path of each kind, by the catalog key that names it."""
    folder = tmp_path / "截图"
    folder.mkdir()
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    return {
        "console.no_file": tmp_path / "missing.png",
        "console.is_folder": folder,
        "console.not_regular_file": pipe,
    }


def test_each_kind_of_path_that_is_no_file_has_its_own_reason(tmp_path: Path) -> None:
    found = {key: not_a_file(path) for key, path in kinds(tmp_path).items()}
    assert found == {key: key for key in found}
    assert not_a_file(Path("/dev/null")) == "console.not_regular_file"


async def test_the_console_says_the_reason_and_sends_nothing(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    await add_person(db, clock, "张伟", [Role.HANDLER], user_id="u-zhang")
    bot = FakeBot(db, clock)
    for key, path in kinds(tmp_path).items():
        out = io.StringIO()
        console = ConsoleTransport(bot.app, out=out)
        await console.line(f"/attach {path} 县住建局来函")
        assert out.getvalue().strip() == t(Language.ZH, key, path=str(path))
