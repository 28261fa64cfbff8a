"""The boundary between the conversation logic and the chat services.

Telegram, WeCom, the console and the tests' fake transport all speak these few types, so the
handlers never learn which one a judge is using.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from storage.evidence import UnavailableReason
from storage.vocabulary import Language


class AttachmentKind(StrEnum):
    """What kind of file came with a message (Bot API: photo, document, voice, audio, video...)."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"
    VIDEO_NOTE = "video_note"


@dataclass(frozen=True)
class Attachment:
    """A file that arrived with a message; its bytes are fetched through the transport."""

    kind: AttachmentKind
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    duration_s: int | None = None


@dataclass(frozen=True)
class Button:
    """An inline button: its visible ``label`` and the ``data`` its press carries back.

    Telegram limits ``data`` to 64 bytes (Bot API ``InlineKeyboardButton.callback_data``).
    """

    label: str
    data: str


@dataclass(frozen=True)
class MultiChoice:
    """A question answered by ticking any number of ``options`` and then ``submit``, on a
    transport whose ``Capabilities.multi_select`` shows it as one control (WeCom: a
    ``vote_interaction`` card with multiple selection and a submit button). The answer comes
    back as one press whose data is ``submit.data`` followed by the ticked options' data,
    joined by commas (``in:art9:set:`` + ``1,4``)."""

    options: tuple[Button, ...]
    submit: Button


@dataclass(frozen=True)
class IncomingMessage:
    """One thing a person did in a chat: a text, files, or a press on a button."""

    transport: str
    chat_id: str
    user_id: str
    received_at: datetime
    text: str = ""
    user_name: str | None = None
    message_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    callback: str | None = None
    callback_message_id: str | None = None
    forwarded_at: datetime | None = None
    """When the chat service says a forwarded message was first sent (Telegram
    ``forward_origin.date``); None when it says nothing of it."""
    forwarded: bool = False
    """A forward whose service states no original send time (the console's ``/forward``): a
    forward all the same (``is_forward``)."""
    forwarded_from: str | None = None
    forwarded_chat: str | None = None
    """A forward's original chat (a group's or channel's title), when the service names it."""
    media_group_id: str | None = None
    edited: bool = False
    """An edit of a message sent earlier (Bot API ``edited_message``): ``message_id`` is that
    message's, ``text`` its new text."""
    callback_label: str | None = None
    """The label of the button ``callback`` stands for, as the person saw it (pressed, or typed
    as a number or word the transport resolved to that button); None when the transport does
    not know it (a WeCom card: ``settle_press`` updates the card itself). From it the engine
    shows what was chosen (``Handled.chosen`` or a short text)."""
    update_key: str | None = None
    """The transport's own id of this delivery (Telegram ``update_id``, WeCom ``MsgId`` or
    ``ResponseCode``): the engine claims it in the message's transaction, so a repeat is
    handled once."""

    @property
    def is_forward(self) -> bool:
        """Whether this came forwarded from another chat, with or without a stated send time."""
        return self.forwarded or self.forwarded_at is not None


@dataclass(frozen=True)
class OutgoingMessage:
    """One message the bot sends: a text, rows of buttons, and a document or a photo; or a
    multiple choice (``multi``) where the transport can show one."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    document: Path | None = None
    photo: Path | None = None
    multi: MultiChoice | None = None

    def to_json(self) -> dict[str, Any]:
        """The message as JSON for the reply outbox: ``{"text", "buttons": [[[label, data],
        ...], ...], "document", "photo"}`` (paths as strings, or null), and ``"multi":
        {"options": [[label, data], ...], "submit": [label, data]}`` when there is one."""
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [[[button.label, button.data] for button in row] for row in self.buttons],
            "document": str(self.document) if self.document else None,
            "photo": str(self.photo) if self.photo else None,
        }
        if self.multi is not None:
            data["multi"] = {
                "options": [[option.label, option.data] for option in self.multi.options],
                "submit": [self.multi.submit.label, self.multi.submit.data],
            }
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutgoingMessage:
        """The message ``to_json`` gave."""
        document, photo = data.get("document"), data.get("photo")
        multi = data.get("multi")
        return cls(
            text=str(data.get("text", "")),
            buttons=tuple(
                tuple(Button(str(label), str(value)) for label, value in row)
                for row in data.get("buttons", [])
            ),
            document=Path(document) if document else None,
            photo=Path(photo) if photo else None,
            multi=MultiChoice(
                tuple(Button(str(label), str(value)) for label, value in multi["options"]),
                Button(str(multi["submit"][0]), str(multi["submit"][1])),
            )
            if isinstance(multi, dict)
            else None,
        )


@dataclass(frozen=True)
class Reply:
    """A message the bot owes someone: the sender, or another person on any transport."""

    transport: str
    chat_id: str
    message: OutgoingMessage


class DeliveryStatus(StrEnum):
    """How a send ended: ``sent``, ``retry`` (worth trying again later), ``failed`` (never)."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class Delivery:
    """A send's outcome, the transport's ``message_id`` when sent, and a ``detail`` to log."""

    status: DeliveryStatus
    message_id: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Capabilities:
    """What a transport can do; the engine adapts its replies instead of each transport faking
    another's features.

    ``edit``: a sent message can be edited: after a press the engine has the pressed message
    show the choice in place of its buttons (``Handled.chosen``); where not, it sends the
    choice as a short text instead.
    ``max_buttons``: buttons one message can carry (0: none; the engine sends a numbered list).
    ``text_limit``: UTF-16 code units of one message's text; ``bot.app.fit`` cuts a longer
    reply into several messages before the transport sees it.
    ``upload_files``: documents and photos can be sent; where not, the reply's text names the
    file instead and the file stays on the server.
    ``multi_select``: a ``MultiChoice`` is shown as one control with a submit button.
    ``coalesce``: consecutive replies to one chat are better sent as one message where they
    fit (the service counts messages against a per-person limit: WeCom's 30 a minute).
    """

    edit: bool = True
    max_buttons: int = 100
    text_limit: int = 4096
    upload_files: bool = True
    multi_select: bool = False
    coalesce: bool = False


@dataclass(frozen=True)
class Handled:
    """What the engine decided for one incoming message, once its transaction committed.

    ``accepted``: the sender is a bound, active person and the message was handled, so a
    transport may show a button press as taken (Telegram edits the message; WeCom updates the
    card). False for a stranger, a disabled account, or a repeat: the press is answered
    without touching the message. ``repeat``: ``update_key`` had been claimed before, nothing
    was done. ``language``: the language to speak to the sender in. ``owed``: the reply
    outbox ids of ``replies``, in order, when they were committed with the message (empty when
    the transaction failed); the app deletes each once it is sent.
    """

    replies: tuple[Reply, ...] = ()
    accepted: bool = False
    repeat: bool = False
    language: Language | None = None
    owed: tuple[int, ...] = ()
    chosen: str | None = None
    """The line the pressed message shows in place of its buttons (catalog ``press.chosen``),
    set by the engine only for an accepted press with a known label on a transport that can
    edit (``Capabilities.edit``); ``settle_press`` applies it."""


Downloader = Callable[["IncomingMessage", Attachment], AsyncIterator[bytes]]


class FileUnavailable(Exception):
    """The transport cannot deliver an attachment's bytes (too large for it, or failed)."""

    def __init__(self, reason: UnavailableReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Transport(Protocol):
    """What every chat service offers the bot."""

    @property
    def name(self) -> str:
        """The transport's name as stored in rows (``console``, ``telegram``, ``wecom``)."""
        ...

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        """Deliver one message; never raises for a person's or a network's failure."""
        ...

    @property
    def capabilities(self) -> Capabilities:
        """What the transport can show; the engine shapes replies to fit."""
        ...

    async def settle_press(self, message: IncomingMessage, handled: Handled) -> None:
        """Answer a button press after the engine handled it: mark the press as taken only
        when ``handled.accepted`` (showing ``handled.chosen`` on the pressed message where the
        engine set it); otherwise answer it without touching the message."""
        ...

    def download(self, attachment: Attachment) -> AsyncIterator[bytes]:
        """The attachment's bytes, in chunks, as the sender sent them.

        Raises ``FileUnavailable`` when the service cannot hand them over.
        """
        ...
