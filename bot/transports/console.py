"""The console: a real transport for a terminal on the server itself.

In the demo, ``/as NAME`` speaks as any registered person (``/as`` alone lists them) and
``/stranger`` as someone on no staff list; the console of ``guowen run``
(``allow_as=False``) binds to one person with ``/start CODE`` like any chat, since whoever sits
at it would otherwise read every judge's records. ``/attach PATH`` sends a file as if it had
been forwarded from a phone.
Buttons appear as numbered choices; typing the number presses the button. The numbers live
as long as the console's process: after a restart a number from a card shown before it is
refused, and the question the chat waits at is shown again, numbered anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import shlex
import stat
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.app import App
from handlers import people, waiting
from handlers.i18n import t
from handlers.intake.typed import AmbiguousPress, pressed
from handlers.ports import (
    Attachment,
    AttachmentKind,
    Button,
    Capabilities,
    Delivery,
    DeliveryStatus,
    Handled,
    IncomingMessage,
    OutgoingMessage,
)
from storage.numbers import parse_int
from storage.staff import StaffError, StaffProblem

NAME = people.CONSOLE
GUEST = people.CONSOLE_GUEST
STRANGER = "stranger"
CHUNK = 1 << 16
QUIT = ("/quit", "/exit")
"""The commands that leave the console; typed again at the leaving question, they confirm."""

_KINDS = {
    "image": AttachmentKind.PHOTO,
    "video": AttachmentKind.VIDEO,
    "audio": AttachmentKind.AUDIO,
}
_VOICE = {".ogg", ".oga", ".opus", ".amr", ".silk"}

ClockHook = Callable[[timedelta], Awaitable[str]]
# What leaving now would lose (a warning to confirm), or None when nothing would be lost.
LeavingHook = Callable[[], Awaitable[str | None]]


def attachment_for(path: Path) -> Attachment:
    """Describe a local file as a chat app would: the kind a phone would send it as."""
    mime, _ = mimetypes.guess_type(path.name)
    kind = AttachmentKind.DOCUMENT
    if path.suffix.lower() in _VOICE:
        kind = AttachmentKind.VOICE
    elif mime:
        kind = _KINDS.get(mime.split("/", 1)[0], AttachmentKind.DOCUMENT)
    return Attachment(
        kind=kind,
        file_id=str(path.resolve()),
        file_name=path.name,
        mime_type=mime,
        size=path.stat().st_size,
    )


def not_a_file(path: Path) -> str:
    """Why ``path`` cannot be attached, as a ``console.*`` catalog key (filled with ``path``):
    nothing there, a folder, or something other than a regular file (a device, a pipe)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return "console.no_file"
    except OSError:
        return "console.file_unreachable"
    if stat.S_ISDIR(found.st_mode):
        return "console.is_folder"
    return "console.not_regular_file"


def leading_files(words: list[str]) -> tuple[list[Path], list[str]]:
    """The regular files named at the start of a ``/attach`` line split into ``words``
    (``shlex.split``), and the words after them (the caption). Each file is the shortest run
    of words that, joined by one space, names a regular file: a path with a space typed
    without quotes (``/tmp/微信 截图.png``) is still found. Reads the file system (stat)."""
    paths: list[Path] = []
    start = 0
    while start < len(words):
        runs = (Path(" ".join(words[start:end])) for end in range(start + 1, len(words) + 1))
        found = next(((run, n) for n, run in enumerate(runs, start + 1) if run.is_file()), None)
        if found is None:
            break
        paths.append(found[0])
        start = found[1]
    return paths, words[start:]


def parse_offset(text: str) -> timedelta | None:
    """``+2d``, ``+3h``, ``+30m`` or ``+1d12h`` as a timedelta; None if it is not one."""
    text = text.strip().lstrip("+")
    if not text:
        return None
    units = {"d": "days", "h": "hours", "m": "minutes"}
    total = timedelta()
    number = ""
    for char in text:
        if char.isdigit():
            number += char
        elif char in units and number:
            total += timedelta(**{units[char]: int(number)})
            number = ""
        else:
            return None
    return None if number or total == timedelta() else total


@dataclass
class ConsoleTransport:
    """The console as a transport: lines typed on ``inp`` are messages from the person speaking
    (``speaker``), replies are written to ``out`` with their buttons numbered.
    """

    app: App
    out: TextIO = field(default_factory=lambda: sys.stdout)
    inp: TextIO = field(default_factory=lambda: sys.stdin)
    clock_hook: ClockHook | None = None
    # Asked at an interactive /quit; a warning it returns is confirmed before leaving.
    leaving: LeavingHook | None = None
    # Who ``/as`` with no name lists (the demo's people); empty: only the usage line.
    roster: str = ""
    # Written before the next message sent, once (the demo clock's time at a stop).
    heading: str | None = None
    # The demo's /as speaks as anyone; a running court's console binds like any chat.
    allow_as: bool = True
    speaker: str = GUEST
    speaker_name: str = ""
    # The demo's throwaway database: no card was shown before this process started.
    fresh_database: bool = False
    # Written after the bot's answer to /help (the demo's sample files); empty: nothing.
    help_extra: str = ""
    _buttons: dict[str, tuple[Button, ...]] = field(default_factory=dict)
    _shown_to: set[str] = field(default_factory=set)
    """The speakers shown a card with buttons since this console started."""
    _shown_before: dict[str, int] = field(default_factory=dict)
    """How many buttons the card a speaker last pressed had: a number up to it, typed at the
    card that replaced it, is one read off the old card."""
    _counter: int = 0
    _pending: bytes = b""

    @property
    def name(self) -> str:
        """``"console"``: the transport's name in the ports and the database."""
        return NAME

    def _t(self, key: str, **values: object) -> str:
        return t(self.app.settings.language, key, **values)

    def write(self, text: str) -> None:
        """Write one line to ``out`` and flush it."""
        self.out.write(text + "\n")
        self.out.flush()

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        """Write ``message`` for ``chat_id``'s person: a heading with their name, the text indented,
        the buttons numbered (typing the number presses one), the file's path. Always ``SENT``.
        """
        if self.heading is not None:
            self.write(self.heading)
            self.heading = None
        who = await people.name_of(self.app.db, NAME, chat_id)
        if who is None:
            unbound = {STRANGER: "console.stranger", GUEST: "console.guest"}.get(chat_id)
            who = self._t(unbound) if unbound else chat_id
        self.write(self._t("console.to", name=who))
        for line in message.text.splitlines() or [""]:
            self.write(f"  {line}")
        flat = tuple(button for row in message.buttons for button in row)
        if flat:
            self._buttons[chat_id] = flat
            self._shown_to.add(chat_id)
            for number, button in enumerate(flat, start=1):
                self.write(f"  [{number}] {button.label}")
        for path in (message.document, message.photo):
            if path is not None:
                self.write(self._t("console.file", path=str(path)))
        self._counter += 1
        return Delivery(DeliveryStatus.SENT, message_id=str(self._counter))

    @property
    def capabilities(self) -> Capabilities:
        """Buttons are numbered lines; nothing sent can be edited."""
        return Capabilities(edit=False, max_buttons=100, text_limit=1_000_000)

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        """A typed number is the press: nothing to answer."""

    async def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        """The file at ``attachment.file_id`` (a local path), in 64 KiB chunks.

        Raises ``OSError`` when it cannot be read.
        """
        handle = await asyncio.to_thread(Path(attachment.file_id).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    async def _become(self, ref: str) -> None:
        try:
            speaker = await people.speak_as(self.app.db, NAME, ref, at=self.app.clock.now())
        except StaffError as problem:
            if problem.problem in (StaffProblem.NOT_FOUND, StaffProblem.AMBIGUOUS):
                # The console's own listing, not /staff: that is the administrator's command.
                key = f"console.as_{problem.problem.value}"
                self.write(self._t(key, ref=problem.ref))
            else:
                self.write(self._t(f"staff.{problem.problem.value}", ref=problem.ref))
            return
        self.speaker, self.speaker_name = speaker.external_id, speaker.name
        self.write(self._t("console.now_speaking", name=self.speaker_name))

    def _message(
        self,
        text: str = "",
        callback: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        forwarded: bool = False,
        label: str | None = None,
    ) -> IncomingMessage:
        self._counter += 1
        now = self.app.clock.now()
        return IncomingMessage(
            transport=NAME,
            chat_id=self.speaker,
            user_id=self.speaker,
            user_name=self.speaker_name or None,
            received_at=now,
            message_id=f"c{self._counter}",
            forwarded=forwarded,
            text=text,
            callback=callback,
            callback_label=label,
            attachments=attachments,
        )

    async def line(self, text: str) -> bool:
        """Act on one typed line; False when the session should end."""
        text = text.strip()
        if not text:
            return True
        command, _, rest = text.partition(" ")
        if command in QUIT:
            return False
        if command == "/as":
            if not self.allow_as:
                self.write(self._t("console.as_refused"))
            elif rest.strip():
                await self._become(rest.strip())
            elif self.roster:
                self.write(self.roster)
            else:
                self.write(self._t("console.as_usage"))
            return True
        if command == "/stranger":
            if not self.allow_as:
                self.write(self._t("console.as_refused"))
            else:
                self.speaker, self.speaker_name = STRANGER, self._t("console.stranger")
                self.write(self._t("console.now_speaking", name=self.speaker_name))
            return True
        if command == "/attach":
            await self._attach(rest)
            return True
        if command == "/forward":
            await self._forward(rest)
            return True
        if command == "/clock":
            await self._clock(rest)
            return True
        buttons = self._buttons.get(self.speaker, ())
        pressed = parse_int(text, low=1, high=len(buttons)) if buttons else None
        if pressed is not None:
            chosen = buttons[pressed - 1]
            self._buttons.pop(self.speaker, None)
            self._shown_before[self.speaker] = len(buttons)
            await self.app.dispatch(self._message(callback=chosen.data, label=chosen.label))
            return True
        number = parse_int(text, low=1, high=self.capabilities.max_buttons)
        before = self._shown_before.get(self.speaker, 0)
        if buttons and number is not None and len(buttons) < number <= before:
            # A number read off the card just pressed: the buttons were numbered anew.
            self.write(self._t("console.renumbered", number=number))
            for index, button in enumerate(buttons, start=1):
                self.write(f"  [{index}] {button.label}")
            return True
        if not buttons and number is not None and await self._unshown(number):
            return True
        await self.app.dispatch(self._message(text=text))
        if command == "/help" and self.help_extra:
            self.write(self.help_extra)
        if not self.speaker_name or self.speaker == STRANGER:
            await self._who()  # after /start CODE the account is someone's
        return True

    async def _unshown(self, number: int) -> bool:
        """A button's number typed while no card of this console's speaker has open buttons
        (none shown since it started, or the last one pressed). It is no press: said so, why
        as ``_unmatched_key`` decides (a card shown before a restart keeps no numbers), nothing
        is sent, and the question the chat waits at is shown again with its
        buttons numbered anew (``handlers.waiting.open_card``). Not when the chat waits at a
        question that has fewer buttons, or none (the number is typed as an answer, as it
        would be before the restart). True when so answered."""
        card = await waiting.open_card(self.app.db, NAME, self.speaker)
        if card is not None and number > sum(len(row) for row in card.buttons):
            return False
        self.write(self._t(self._unmatched_key(), number=number))
        if card is None:
            self.write(self._t("console.no_card_now"))
            return True
        self.write(self._t("console.card_again"))
        await self.send(self.speaker, card)
        return True

    def _unmatched_key(self) -> str:
        """Why a typed number pressed nothing, as the catalog's key: a card shown before this
        process started (``console.number_unshown``: its numbers died with the restart) only
        when one can have been, on a database older than the process (not
        ``fresh_database``) to a speaker this console has shown no buttons yet; otherwise
        the number just matches no button now shown (``console.number_unmatched``)."""
        if self.fresh_database or self.speaker in self._shown_to:
            return "console.number_unmatched"
        return "console.number_unshown"

    async def _who(self) -> None:
        """The person this console's account is bound to (after ``/start CODE``), by name,
        for the prompt; nothing while it is bound to nobody."""
        name = await people.name_of(self.app.db, NAME, self.speaker)
        if name is not None:
            self.speaker_name = name

    async def _attach(self, rest: str) -> None:
        """``/attach PATH [PATH ...] [caption]``: several files go together, as an album."""
        try:
            parts = shlex.split(rest)
        except ValueError:
            parts = []
        paths, parts = await asyncio.to_thread(leading_files, parts)
        if not paths:
            if parts:
                key = await asyncio.to_thread(not_a_file, Path(parts[0]))
                if key == "console.no_file" and len(parts) > 1:  # a path with a space, unquoted?
                    key = "console.no_file_spaced"
                self.write(self._t(key, path=parts[0], spaced=" ".join(parts[:2])))
            else:
                self.write(self._t("console.attach_usage"))
            return
        attachments = tuple([await asyncio.to_thread(attachment_for, path) for path in paths])
        await self.app.dispatch(self._message(text=" ".join(parts), attachments=attachments))

    async def _forward(self, rest: str) -> None:
        """``/forward TEXT``: a text message forwarded from another chat."""
        if not rest.strip():
            self.write(self._t("console.forward_usage"))
            return
        await self.app.dispatch(self._message(text=rest.strip(), forwarded=True))

    async def _clock(self, rest: str) -> None:
        if self.clock_hook is None:
            self.write(self._t("console.clock_unavailable"))
            return
        offset = parse_offset(rest)
        if offset is None:
            self.write(self._t("console.clock_usage"))
            return
        self.write(await self.clock_hook(offset))

    def prompt(self) -> str:
        """The prompt: the name of whoever speaks now, or the catalog's guest."""
        return f"{self.speaker_name or self._t('console.guest')}> "

    async def _readline(self) -> str:
        """The next line of ``inp`` ("" at its end). One with a file descriptor (a terminal, a
        pipe) is read on a daemon thread, so a signal can end the demo while a read waits;
        a read error (a closed terminal) ends the input."""
        try:
            fd = self.inp.fileno()
        except (OSError, ValueError, AttributeError):
            return self.inp.readline()
        while b"\n" not in self._pending:
            chunk = await _read_fd(fd)
            if not chunk:
                rest, self._pending = self._pending, b""
                return self._decode(rest)
            self._pending += chunk
        line, _, self._pending = self._pending.partition(b"\n")
        return self._decode(line + b"\n")

    def _decode(self, data: bytes) -> str:
        encoding = getattr(self.inp, "encoding", None) or "utf-8"
        return data.decode(encoding, errors="replace")

    def _words(self, key: str, *more: str) -> frozenset[str]:
        """A catalog entry's words (separated by ``|``), casefolded, with ``more``."""
        return frozenset(w.strip().casefold() for w in [*self._t(key).split("|"), *more] if w)

    async def _confirm_leaving(self, interactive: bool) -> bool:
        """Whether to leave at /quit. Piped input leaves at once (the closing lines say what
        was lost). At a terminal, when ``leaving`` warns of something, it is shown with two
        choices: ``1`` (or the choice's words, a yes such as ``y`` or ``是``, or ``/quit`` again)
        leaves, ``2`` (or a no) or an empty line stays, the end of input leaves. Any other
        answer is asked again: an answer typed at this question never reaches the bot, where
        it could answer a draft's question instead."""
        if not interactive or self.leaving is None:
            return True
        warning = await self.leaving()
        if warning is None:
            return True
        labels = [self._t("console.quit_confirm"), self._t("console.quit_stay")]
        self.write(warning)
        for number, label in enumerate(labels, start=1):
            self.write(f"  [{number}] {label}")
        while True:
            self.out.write(self.prompt())
            self.out.flush()
            raw = await self._readline()
            if not raw:  # the input ended: leave; the closing lines say what was lost
                return True
            answer = raw.strip()
            try:
                index = pressed(answer, labels, numbered=True) if answer else 1
            except AmbiguousPress:
                index = None
            word = answer.casefold()
            if index is None and word in self._words("console.quit_yes_words", *QUIT):
                index = 0
            elif index is None and word in self._words("console.quit_no_words"):
                index = 1
            if index == 0:
                return True
            if index == 1:
                self.write(self._t("console.quit_stayed"))
                return False
            self.write(self._t("console.quit_again"))

    async def run(self) -> None:
        """Read lines until end of input or /quit."""
        if not self.speaker_name:
            await self._who()
        interactive = self.inp.isatty()
        while True:
            if interactive:
                self.out.write(self.prompt())
                self.out.flush()
            raw = await self._readline()
            if not raw:
                if interactive:
                    self.write("")
                return
            if not interactive:
                self.write(self.prompt() + raw.rstrip("\n"))
            if not await self.line(raw) and await self._confirm_leaving(interactive):
                return


async def _read_fd(fd: int) -> bytes:
    """Up to ``CHUNK`` bytes from ``fd`` (b"" at its end or on a read error), read on a daemon
    thread: a read still waiting when the loop ends does not hold the process open."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[bytes] = loop.create_future()

    def settle(data: bytes) -> None:
        if not future.done():
            future.set_result(data)

    def read() -> None:
        try:
            data = os.read(fd, CHUNK)
        except OSError:
            data = b""
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, data)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await future
