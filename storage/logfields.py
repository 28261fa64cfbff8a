"""What a log line is about, carried by context variables: the chat a message came from and
the records it touched. ``bot.logs`` writes them as fields of each JSON line; they are ids,
never a record's contents."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

CHAT: ContextVar[str | None] = ContextVar("guowen_log_chat", default=None)
"""``transport:chat_id`` of the message being handled."""
RECORDS: ContextVar[tuple[int, ...]] = ContextVar("guowen_log_records", default=())
"""Ids of the records the message being handled changed."""


@contextmanager
def about_chat(transport: str, chat_id: str) -> Iterator[None]:
    """Log lines written inside the block concern ``transport``'s chat ``chat_id``."""
    chat = CHAT.set(f"{transport}:{chat_id}")
    records = RECORDS.set(())
    try:
        yield
    finally:
        CHAT.reset(chat)
        RECORDS.reset(records)


def about_records(ids: Iterable[int]) -> None:
    """Later log lines of the current message also name records ``ids``."""
    RECORDS.set(tuple(sorted({*RECORDS.get(), *ids})))
