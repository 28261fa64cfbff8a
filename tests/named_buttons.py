"""No reply names a button it does not come with (trial 9 finding 2: "请点“尚未立案”" under
the case-name question, whose only button is "返回上一步").

``fakes.Chat.send`` checks every reply of every conversation on the fake transports with
``named_buttons_problem``: whatever a reply tells the person to press (点“…”, 按“…”, “…”或“…”)
that is a button label must be one of its own buttons, or, for a reply without buttons, of
the replies sent with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from handlers.i18n import t
from handlers.ports import OutgoingMessage
from storage.vocabulary import Language


def _button_keys() -> frozenset[str]:
    """The catalog keys the handlers label a button with (``Button(ctx.t("…"), …)``)."""
    root = Path(__file__).resolve().parent.parent
    found: set[str] = set()
    for folder in ("handlers", "bot"):
        for source in (root / folder).rglob("*.py"):
            found.update(re.findall(r'Button\(\s*ctx\.t\(\s*"([^"{]+)"', source.read_text()))
    return frozenset(found)


def _bare(label: str) -> str:
    """A button's label without its leading mark (``✔ 确认`` → ``确认``)."""
    return re.sub(r"^[^\w（(]+", "", label).strip()


def _label(key: str) -> str | None:
    try:
        return _bare(t(Language.ZH, key))
    except KeyError:  # a label with values: known once sent
        return None


BUTTON_NAMES: set[str] = {name for key in _button_keys() if (name := _label(key))}
"""What a reply could name as a button: every label a handler puts on a button, and (added as
they are seen) every label actually sent."""

_PRESS = re.compile(r"[点按]((?:“[^”]{1,30}”[或、和与]?)+)")
"""“请点“确认”或“有变化”…”: the buttons a reply tells to press."""


def pressed(text: str) -> list[str]:
    """The names ``text`` tells to press here, in order: not those of a sentence that sends
    the person to a command first ("请发 /record 1，点“更正”": that command's card)."""
    sentences = re.split(r"[。；\n]", text)
    return [
        name
        for sentence in sentences
        if not re.search(r"/[a-z]", sentence)
        for run in _PRESS.findall(sentence)
        for name in re.findall(r"“([^”]+)”", run)
    ]


def _own(reply: OutgoingMessage) -> set[str]:
    """The buttons ``reply`` comes with: its own, a multiple-choice control's, or the
    choices a numbered transport lists in its text."""
    own = {_bare(b.label) for row in reply.buttons for b in row} | _listed(reply.text)
    if reply.multi is not None:
        own |= {_bare(b.label) for b in (*reply.multi.options, reply.multi.submit)}
    return own


def _listed(text: str) -> set[str]:
    """The choices a numbered transport lists in the text itself (``15. 均不涉及``)."""
    return {_bare(name) for name in re.findall(r"(?m)^\d+\. (.+)$", text)}


def named_buttons_problem(replies: Sequence[OutgoingMessage]) -> str | None:
    """A reply naming a button that is not among those it comes with, said; ``None`` when
    every reply names only its own (or, without buttons, those of the replies with it)."""
    turn = {name for reply in replies for name in _own(reply)}
    BUTTON_NAMES.update(turn)
    for reply in replies:
        own = _own(reply) or turn
        for name in pressed(reply.text):
            if name in BUTTON_NAMES and name not in own:
                return f"{reply.text!r} names the button “{name}”, not among {sorted(own)}"
    return None
