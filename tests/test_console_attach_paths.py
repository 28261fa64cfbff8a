"""``/attach`` in the console names why a path cannot be sent: nothing there, a folder, or
something that is not a regular file; a regular file is sent."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from dialogue import png_bytes
from fakes import FakeBot, add_person
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.transports.console import ConsoleTransport, leading_files, not_a_file
from handlers.i18n import t
from handlers.ports import IncomingMessage
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
        await console.line(f"/attach {path}")
        assert out.getvalue().strip() == t(Language.ZH, key, path=str(path))


SPACED = st.lists(
    st.text(alphabet="微信截图ab1", min_size=1, max_size=3), min_size=2, max_size=4
).map(" ".join)


@settings(max_examples=25, deadline=None)
@given(names=st.lists(SPACED, min_size=1, max_size=2, unique=True))
def test_paths_with_spaces_typed_without_quotes_are_found(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    """Every file whose name has spaces, typed unquoted one after another and then a
    caption, is found whole, and the caption is left as it was typed."""
    folder = tmp_path_factory.mktemp("spaced")
    files = [folder / f"{name}.png" for name in names]
    for file in files:
        file.write_bytes(b"png")
    words = [word for file in files for word in str(file).split()] + ["县住建局", "来函"]
    assert leading_files(words) == (files, ["县住建局", "来函"])


async def test_a_missing_path_followed_by_words_is_told_to_be_quoted(
    db: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_person(db, clock, "张伟", [Role.HANDLER], user_id="u-zhang")
    bot = FakeBot(db, clock)
    out = io.StringIO()
    console = ConsoleTransport(bot.app, out=out)
    missing = tmp_path / "微信"
    await console.line(f"/attach {missing} 截图.png")
    said = t(Language.ZH, "console.no_file_spaced", path=str(missing), spaced=f"{missing} 截图.png")
    assert out.getvalue().strip() == said
    # The file there, the same line sends it, with the caption after it.
    spaced = tmp_path / "微信 截图.png"
    spaced.write_bytes(png_bytes())
    sent: list[IncomingMessage] = []

    async def dispatch(message: IncomingMessage) -> None:
        sent.append(message)

    monkeypatch.setattr(bot.app, "dispatch", dispatch)
    await console.line(f"/attach {missing} 截图.png 县住建局来函")
    [message] = sent
    assert [a.file_id for a in message.attachments] == [str(spaced.resolve())]
    assert message.text == "县住建局来函"
