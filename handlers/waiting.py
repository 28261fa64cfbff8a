"""The card a chat waits at, for a transport that must show it again itself: the console,
whose numbered buttons do not outlive its process (``bot.transports.console``).

Transports do no SQL; the function here is one read of its own.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select

from handlers.engine import asked_buttons
from handlers.ports import OutgoingMessage
from handlers.state import DraftState
from storage.db import Database
from storage.models import Conversation

_STATES = cast(Table, Conversation.__table__)


async def open_card(db: Database, transport: str, chat_id: str) -> OutgoingMessage | None:
    """The question ``chat_id`` on ``transport`` waits at, as it was last asked: its text and
    its buttons (``DraftState.question``); None when the chat waits at no question that has
    buttons."""
    query = select(_STATES.c.step, _STATES.c.data, _STATES.c.record_id).where(
        _STATES.c.transport == transport, _STATES.c.chat_id == chat_id
    )
    async with db.read() as session:
        row = (await session.execute(query)).one_or_none()
    if row is None:
        return None
    state = DraftState.load(row.data, row.step, row.record_id)
    if state.step is None or not state.question:
        return None
    return OutgoingMessage(state.question_text, asked_buttons(state))
