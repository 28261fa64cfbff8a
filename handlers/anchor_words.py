"""The words of the daily chain-head message to ``discipline`` (``reminders.anchor`` decides
when and to whom; this says it on every chat the officer uses)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.engine import Services
from handlers.i18n import t
from handlers.ports import Delivery, DeliveryStatus, OutgoingMessage, Reply
from reminders.anchor import DailyHead, Recipient

Deliver = Callable[[Reply], Awaitable[Delivery]]


class AnchorMessenger:
    """``reminders.anchor.Send``: one message per chat; True when at least one went out."""

    def __init__(self, services: Services, deliver: Deliver) -> None:
        self.services = services
        self.deliver = deliver

    async def __call__(self, recipient: Recipient, head: DailyHead) -> bool:
        """Say ``head`` (the day's last audit-chain hash) on each of ``recipient``'s chats.

        Returns True when at least one chat accepted the message (``DeliveryStatus.SENT``).
        """
        language = recipient.language or self.services.language
        text = t(
            language,
            "maintenance.anchor_daily",
            court=self.services.court_name,
            day=head.day.isoformat(),
            seq=head.seq,
            hash=head.hash,
        )
        delivered = False
        for transport, chat_id in recipient.chats:
            delivery = await self.deliver(Reply(transport, chat_id, OutgoingMessage(text)))
            delivered = delivered or delivery.status is DeliveryStatus.SENT
        return delivered
