"""The daily anchor: every morning, ``discipline`` receives the audit chain's head.

``guowen verify`` proves the chain is whole, but a chain cut back and re-linked, or rewritten
with every later hash recomputed, is whole too. What it cannot survive is a head that already
left the database: printed on a form, or sent here, every day, to the discipline office's own
phones. ``guowen verify --expect-head SEQ:HASH`` with the head from any of these messages
then fails if the chain no longer holds that event with that hash.

The job runs often (every few minutes) and acts once a day, at the court's morning hour or
the first run after it: it sends, then records an ``anchor_sent`` audit event naming the day,
the head sent and who received it. A crash between the two sends that day's head again at the
next run (a repeat is harmless; a missing day is not). The words are the caller's: ``send``
gets each recipient and the head, and says whether a message went out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reminders.clock import Clock
from storage import audit
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent
from storage.vocabulary import Role

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """A discipline officer and the chats (transport, chat id) they use."""

    staff_id: int
    name: str
    language: str | None
    chats: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DailyHead:
    """The head sent on ``day`` (the court's local date): event ``seq`` with ``hash``."""

    day: date
    seq: int
    hash: str


Send = Callable[[Recipient, DailyHead], Awaitable[bool]]


def subject(day: date) -> str:
    """The audit subject of the anchor sent on ``day``: ``anchor:YYYY-MM-DD``."""
    return f"anchor:{day.isoformat()}"


async def _sent(session: AsyncSession, day: date) -> bool:
    query = select(AuditEvent.seq).where(
        AuditEvent.kind == AuditKind.ANCHOR_SENT.value, AuditEvent.subject == subject(day)
    )
    return (await session.execute(query.limit(1))).first() is not None


async def _recipients(session: AsyncSession) -> list[Recipient]:
    found: list[Recipient] = []
    for person in await staff_repo.with_role(session, Role.DISCIPLINE):
        chats = tuple(
            (bound.transport, bound.chat_id)
            for bound in await staff_repo.identities_of(session, person.id)
        )
        found.append(Recipient(person.id, person.name, person.language, chats))
    return found


class ChainAnchor:
    """Sends the chain head to ``discipline`` once a day, at ``at`` (court time) or after."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, send: Send, *, at: time) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.send = send
        self.at = at

    async def run(self) -> DailyHead | None:
        """Send today's head if it is time and it was not sent yet; the head sent, or None."""
        now = self.clock.now()
        local = now.astimezone(self.tz)
        if local.time() < self.at:
            return None
        day = local.date()
        async with self.db.transaction() as session:
            if await _sent(session, day):
                return None
            last = await audit.head(session)
            head = DailyHead(day, last.seq, last.hash)
            recipients = await _recipients(session)
        delivered: list[int] = []
        for recipient in recipients:
            try:
                if await self.send(recipient, head):
                    delivered.append(recipient.staff_id)
            except Exception:
                log.exception("could not send the chain head to staff %d", recipient.staff_id)
        async with self.db.transaction() as session:
            if await _sent(session, day):  # another instance was quicker
                return head
            await audit.append(
                session,
                AuditKind.ANCHOR_SENT,
                at=self.clock.now(),
                actor="anchor",
                subject=subject(day),
                payload={"seq": head.seq, "hash": head.hash, "delivered_to": delivered},
            )
        if not recipients:
            log.warning("no discipline staff to send the audit chain head to")
        return head
