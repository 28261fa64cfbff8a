"""Wiring: settings, database, clock, engine and transports, put together once.

Messages from one chat are handled one at a time and in order; replies go out only after the
message's transaction has committed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import time, timedelta
from pathlib import Path

from bot.config import Settings
from handlers.engine import Engine, Registry, Services
from handlers.notifier import ChatNotifier
from handlers.ports import (
    Attachment,
    Delivery,
    DeliveryStatus,
    FileUnavailable,
    Handled,
    IncomingMessage,
    Reply,
    Transport,
)
from handlers.registry import default_registry
from reminders.calendar import ChinaCalendar, Counting, parse_holidays_file
from reminders.clock import Clock
from reminders.deadlines import DeadlineRules
from reminders.dispatch import Dispatcher, QuietHours
from reminders.planner import Timing
from reports import fonts
from storage.db import Database
from storage.evidence import EvidenceStore, UnavailableReason

log = logging.getLogger(__name__)


def calendar_for(settings: Settings) -> ChinaCalendar:
    """The court's calendar, with the admin's holidays file for years the package lacks."""
    loaded = {}
    if settings.deadlines.holidays_file:
        text = Path(settings.deadlines.holidays_file).read_text(encoding="utf-8")
        schedule = parse_holidays_file(text)
        loaded[schedule.year] = schedule
    return ChinaCalendar(loaded, settings.tz)


def rules_for(settings: Settings) -> DeadlineRules:
    periods = settings.deadlines
    return DeadlineRules(
        counting=Counting(periods.counting),
        register_days=periods.register_days,
        report_days=periods.report_days,
        cosign_days=periods.cosign_days,
        quarterly_days=periods.quarterly_days,
        calendar=calendar_for(settings),
    )


def evidence_store(settings: Settings) -> EvidenceStore:
    return EvidenceStore(
        settings.evidence_path, max_bytes=settings.storage.max_evidence_mb * 1_000_000
    )


class App:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        registry: Registry | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        fonts.configure(settings.reports.font_path)
        self.transports: dict[str, Transport] = {}
        self.services = Services(
            clock=clock,
            language=settings.language,
            tz=settings.tz,
            court_name=settings.court.name,
            invite_valid_for=timedelta(hours=settings.access.invite_hours),
            rules=rules_for(settings),
            record_number=settings.court.record_number,
            evidence=evidence_store(settings),
            download=self.download,
            timing=Timing(
                morning=time.fromisoformat(settings.reminders.morning),
                escalate_after_workdays=settings.reminders.escalate_after_workdays,
            ),
            kick=self.kick,
        )
        self.engine = Engine(db, registry or default_registry(), self.services)
        self.dispatcher = Dispatcher(
            db,
            clock,
            self.services.rules,
            ChatNotifier(self.services, self.deliver),
            instance=f"{socket.gethostname()}:{os.getpid()}",
            timing=self.services.timing,
            quiet=QuietHours.parse(settings.reminders.quiet_hours),
            tick_seconds=settings.reminders.tick_seconds,
        )
        self._kicked = False
        self._calendar_ready = False
        self._locks: defaultdict[tuple[str, str], asyncio.Lock] = defaultdict(asyncio.Lock)

    def kick(self) -> None:
        """Something urgent is in the outbox: send it right after the current message."""
        self._kicked = True

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.name] = transport

    def download(self, message: IncomingMessage, attachment: Attachment) -> AsyncIterator[bytes]:
        transport = self.transports.get(message.transport)
        if transport is None:
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, "no transport")
        return transport.download(attachment)

    async def dispatch(self, message: IncomingMessage) -> list[Delivery]:
        """Handle one incoming message and deliver every reply it produced."""
        async with self._locks[(message.transport, message.chat_id)]:  # nothing awaited before
            if not self._calendar_ready:
                await self.dispatcher.reload_holidays()
                self._calendar_ready = True
            replies = await self.engine.handle(message)
            settle = getattr(self.transports.get(message.transport), "settle_press", None)
            if message.callback is not None and settle is not None:  # until engine gives Handled
                await settle(message, Handled(tuple(replies), accepted=True))
            deliveries = [await self.deliver(reply) for reply in replies]
        if self._kicked:
            self._kicked = False
            await self.dispatcher.tick()
        return deliveries

    async def deliver(self, reply: Reply) -> Delivery:
        transport = self.transports.get(reply.transport)
        if transport is None:
            log.error("no transport %r to deliver to chat %s", reply.transport, reply.chat_id)
            return Delivery(DeliveryStatus.FAILED, detail="no transport")
        delivery = await transport.send(reply.chat_id, reply.message)
        if delivery.status is not DeliveryStatus.SENT:
            log.warning(
                "delivery to %s:%s %s: %s",
                reply.transport,
                reply.chat_id,
                delivery.status,
                delivery.detail,
            )
        return delivery
