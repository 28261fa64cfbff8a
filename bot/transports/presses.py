"""Button presses between a transport and the engine, for any transport with buttons.

A press is handed to the engine at once; the transport shows it as taken (``settle``) only
once the engine accepted it. A second press on the same message waits for the first to be
settled and is then answered without being handled. Button data longer than a service allows
travels as a short token (``LongData``).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from handlers.ports import Handled
from storage.vocabulary import Language

Q = TypeVar("Q")

Answer = Callable[[Q, Language | None], Awaitable[None]]
"""Answer a press (the service's acknowledgement, never raising); with a language, the press
came after the message was pressed already and is told so in that language."""

KEEP = 10_000  # pressed messages and long data remembered, the oldest forgotten first


@dataclass
class Press(Generic[Q]):
    """One press in hand: the service's own object for it (``query``), the pressed message's
    key, and what a second press on that message waits for (the language of the accepted
    press, or None when it was not accepted)."""

    query: Q
    message: Hashable | None
    taken: asyncio.Future[Language | None] | None


class PressBook(Generic[Q]):
    """The presses in hand (by the update's key) and the messages already pressed."""

    def __init__(self) -> None:
        self._pressed: OrderedDict[Hashable, asyncio.Future[Language | None]] = OrderedDict()
        self._presses: dict[str, Press[Q]] = {}

    def earlier(self, message: Hashable | None) -> asyncio.Future[Language | None] | None:
        """The earlier press on ``message``, if any: await it for its language (None: it was
        not accepted)."""
        return self._pressed.get(message) if message is not None else None

    def begin(self, key: str, query: Q, message: Hashable | None) -> None:
        """A press (``key``: its update's key) goes to the engine."""
        taken = asyncio.get_running_loop().create_future() if message is not None else None
        if message is not None and taken is not None:
            self._pressed[message] = taken
            while len(self._pressed) > KEEP:
                self._pressed.popitem(last=False)
        self._presses[key] = Press(query, message, taken)

    def take(self, key: str) -> Press[Q] | None:
        """The press of ``key``, once (None if it was taken already or is unknown)."""
        return self._presses.pop(key, None)

    async def hand_over(
        self,
        key: str,
        query: Q,
        message: Hashable | None,
        dispatch: Callable[[], Awaitable[object]],
        answer: Answer[Q],
    ) -> None:
        """Hand the press ``key`` on ``message`` to the engine (``dispatch``). A press on a
        message pressed already waits for that press to be settled and is answered
        (``answer(query, language)`` when the earlier one was accepted), never handled. A press
        the engine failed before settling is answered bare and its message freed."""
        earlier = self.earlier(message)
        if earlier is not None:
            await answer(query, await earlier)
            return
        self.begin(key, query, message)
        try:
            await dispatch()
        finally:
            unsettled = self.take(key)
            if unsettled is not None:
                self.settle(unsettled, None)
                await answer(unsettled.query, None)

    async def finish(
        self,
        key: str,
        handled: Handled,
        language: Language,
        answer: Answer[Q],
        mark: Callable[[Q, Language], Awaitable[None]],
    ) -> None:
        """The engine handled the press ``key``: answer it, and when ``handled.accepted`` show
        it as taken (``mark``, in the sender's language, else ``language``); only then is a
        second press on its message answered."""
        press = self.take(key)
        if press is None:
            return
        speak = handled.language or language
        try:
            await answer(press.query, None)
            if handled.accepted:
                await mark(press.query, speak)
        finally:
            self.settle(press, speak if handled.accepted else None)

    def settle(self, press: Press[Q], language: Language | None) -> None:
        """The press is answered: accepted (in ``language``) or not (None, and the message
        may be pressed again)."""
        if press.taken is not None and not press.taken.done():
            press.taken.set_result(language)
        forget = language is None and press.message is not None
        if forget and self._pressed.get(press.message) is press.taken:
            del self._pressed[press.message]


class LongData:
    """Button data within ``limit`` bytes (UTF-8): a longer value travels as ``~`` and 24 hex
    digits of its SHA-256, remembered for ``KEEP`` values."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._values: OrderedDict[str, str] = OrderedDict()

    def shorten(self, data: str) -> str:
        """``data`` as it can travel on a button: itself when short enough, else a token."""
        if len(data.encode("utf-8")) <= self.limit:
            return data
        token = "~" + hashlib.sha256(data.encode("utf-8")).hexdigest()[:24]
        self._values[token] = data
        self._values.move_to_end(token)
        while len(self._values) > KEEP:
            self._values.popitem(last=False)
        return token

    def expand(self, data: str) -> str:
        """What a pressed button's data stands for (a token's value; anything else as is)."""
        return self._values.get(data, data)
