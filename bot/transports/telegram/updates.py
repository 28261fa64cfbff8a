"""Telegram's updates as the ports see them: which private chat an update belongs to, and the
``IncomingMessage`` it becomes (a photo's largest size, a file's kind and duration, who wrote a
forwarded message).
"""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta
from typing import Any

import telegram as tg

from handlers.ports import Attachment, AttachmentKind, IncomingMessage

NAME = "telegram"
_KINDS = {
    tg.Document: AttachmentKind.DOCUMENT,
    tg.Animation: AttachmentKind.DOCUMENT,
    tg.Voice: AttachmentKind.VOICE,
    tg.Audio: AttachmentKind.AUDIO,
    tg.Video: AttachmentKind.VIDEO,
    tg.VideoNote: AttachmentKind.VIDEO_NOTE,
}


def _duration(media: object) -> int | None:
    """Whole seconds, whichever type this PTB version gives (it is moving to timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = getattr(media, "duration", None)
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    return int(value) if isinstance(value, int | float) else None


def _attachments(message: tg.Message) -> tuple[Attachment, ...]:
    """The message's file as the sender sent it (of a photo, the largest size); none for
    what is not a file (a sticker, a location)."""
    found = message.effective_attachment
    if isinstance(found, tuple) and found and isinstance(found[0], tg.PhotoSize):
        big = max(found, key=lambda size: (size.width * size.height, size.file_size or 0))
        return (Attachment(AttachmentKind.PHOTO, big.file_id, None, "image/jpeg", big.file_size),)
    kind = _KINDS.get(type(found))
    if kind is None:
        return ()
    media: Any = found
    mime = "video/mp4" if kind is AttachmentKind.VIDEO_NOTE else media.mime_type
    seconds = None if kind is AttachmentKind.DOCUMENT else _duration(media)
    name = getattr(media, "file_name", None)
    return (Attachment(kind, media.file_id, name, mime, media.file_size, seconds),)


def _origin(origin: tg.MessageOrigin) -> str:
    """Who wrote the forwarded message, as Telegram tells it."""
    if isinstance(origin, tg.MessageOriginUser):
        user = origin.sender_user
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    if isinstance(origin, tg.MessageOriginHiddenUser):
        return origin.sender_user_name
    if isinstance(origin, tg.MessageOriginChat | tg.MessageOriginChannel):
        chat = origin.sender_chat if isinstance(origin, tg.MessageOriginChat) else origin.chat
        title = chat.title or str(chat.id)
        return f"{title} ({origin.author_signature})" if origin.author_signature else title
    return origin.type


def _origin_chat(origin: tg.MessageOrigin) -> str | None:
    """The chat a forwarded message was first posted in (Bot API ``MessageOriginChat``,
    ``MessageOriginChannel``); None for a person's own message."""
    if isinstance(origin, tg.MessageOriginChat):
        return origin.sender_chat.title or str(origin.sender_chat.id)
    if isinstance(origin, tg.MessageOriginChannel):
        return origin.chat.title or str(origin.chat.id)
    return None


def chat_of(update: tg.Update) -> int | None:
    """The private chat an update belongs to; None for anything the bot does not handle."""
    message, query = update.message or update.edited_message, update.callback_query
    if message is not None:
        sender = message.from_user
        private = message.chat.type == "private" and sender is not None and not sender.is_bot
        return message.chat.id if private else None
    if query is not None and query.data is not None:
        if query.message is not None:
            return query.message.chat.id if query.message.chat.type == "private" else None
        return query.from_user.id
    return None


def incoming(
    update: tg.Update, chat_id: int, now: datetime, data: str | None, key: str | None = None
) -> IncomingMessage:
    """The ports' view of a message or a button press (``chat_of`` accepted the update);
    ``data`` is the press's button data, ``key`` the update's key for the engine; a press
    carries the pressed button's label, read from the message's inline keyboard."""
    query, message = update.callback_query, update.message or update.edited_message
    sender = query.from_user if query is not None else message.from_user if message else None
    assert sender is not None
    common: dict[str, Any] = {
        "transport": NAME,
        "chat_id": str(chat_id),
        "received_at": now,
        "update_key": key,
        "user_id": str(sender.id),
        "user_name": sender.full_name,
    }
    if query is not None:
        shown = query.message
        pressed = str(shown.message_id) if shown else None
        rows = (
            shown.reply_markup.inline_keyboard
            if isinstance(shown, tg.Message) and shown.reply_markup
            else ()
        )
        labels = [b.text for row in rows for b in row if b.callback_data == query.data]
        return IncomingMessage(
            **common,
            callback=data,
            callback_message_id=pressed,
            callback_label=labels[0] if labels else None,
        )
    assert message is not None
    origin = message.forward_origin
    return IncomingMessage(
        **common,
        text=message.text or message.caption or "",
        message_id=str(message.message_id),
        attachments=_attachments(message),
        forwarded_at=origin.date if origin else None,
        forwarded_from=_origin(origin) if origin else None,
        forwarded_chat=_origin_chat(origin) if origin else None,
        media_group_id=message.media_group_id,
        edited=update.edited_message is not None,
    )
