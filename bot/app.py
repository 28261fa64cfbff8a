"""Wiring: settings, database, clock, engine and transports, put together once.

Messages from one chat are handled one at a time and in order (``App.dispatch`` is the one
place in the process that orders them); replies go out only after the message's transaction
has committed, from the reply outbox that transaction wrote, and a reply a crashed run could
not send is sent by the next one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path

from bot.config import Settings
from bot.evidence import evidence_blobs
from bot.metrics import Metrics
from bot.transports.text import split_text
from handlers.engine import Engine, Registry, Services
from handlers.i18n import t
from handlers.notifier import ChatNotifier
from handlers.ports import (
    Attachment,
    Capabilities,
    Delivery,
    DeliveryStatus,
    FileUnavailable,
    IncomingMessage,
    OutgoingMessage,
    Reply,
    Transport,
)
from handlers.registry import default_registry
from reminders.calendar import (
    ChinaCalendar,
    Counting,
    HolidayFileError,
    HolidayFileProblem,
    LoadOutcome,
    parse_holidays_file,
    plan_load,
    schedule_from_package,
    statutory_schedule,
)
from reminders.clock import Clock
from reminders.deadlines import DeadlineRules
from reminders.dispatch import Dispatcher, QuietHours
from reminders.planner import Timing
from reports import fonts
from storage import delivery, logfields
from storage.casenumber import add_types
from storage.db import Database
from storage.evidence import EvidenceStore, UnavailableReason
from storage.vocabulary import Language

log = logging.getLogger(__name__)


def calendar_for(settings: Settings) -> ChinaCalendar:
    """The court's calendar, with the admin's holidays file for years the package lacks.

    The file is taken as ``guowen holidays load`` takes it (``reminders.calendar.plan_load``):
    over a year the package knows, or one whose statutory holidays are the days in force, a
    partial file adds its days and drops none. Raises
    ``OSError`` for an unreadable file and ``HolidayFileError`` for a malformed one, or for a
    partial one that makes a day of the package's year both off and worked
    (``HOLIDAY_IS_WORKDAY``, with that day).
    """
    loaded = {}
    if settings.deadlines.holidays_file:
        text = Path(settings.deadlines.holidays_file).read_text(encoding="utf-8")
        schedule = parse_holidays_file(text)
        # In force: the package's year, else the statutory holidays the law fixes.
        current = schedule_from_package(schedule.year) or statutory_schedule(schedule.year)
        change = plan_load(current, schedule)
        if current is not None and change.outcome is LoadOutcome.REFUSED:
            clash = (schedule.days_off & current.workdays) | (schedule.workdays & current.days_off)
            raise HolidayFileError(HolidayFileProblem.HOLIDAY_IS_WORKDAY, min(clash).isoformat())
        loaded[schedule.year] = change.stored
    return ChinaCalendar(loaded, settings.tz)


def load_case_types(settings: Settings) -> None:
    """The admin's extra case type codes (``[court] case_types_file``), if any, accepted
    from now on. Raises ``OSError`` or ``ValueError`` for a missing or malformed file."""
    if settings.court.case_types_file:
        text = Path(settings.court.case_types_file).read_text(encoding="utf-8")
        added = add_types(text)
        log.info("%d case type code(s) added from %s", len(added), settings.court.case_types_file)


def rules_for(settings: Settings) -> DeadlineRules:
    """The deadline rules of the court's ``[deadlines]`` settings (periods in days, counted as
    ``counting`` says, on the court's calendar: ``calendar_for``).
    """
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
    """The evidence store under ``evidence_dir``; ``max_evidence_mb`` is in MB of 10^6 bytes."""
    return EvidenceStore(
        evidence_blobs(settings), max_bytes=settings.storage.max_evidence_mb * 1_000_000
    )


def coalesced(
    replies: Sequence[Reply], capabilities: Callable[[str], Capabilities]
) -> list[tuple[Reply, int]]:
    """``replies`` in order, with consecutive ones to one chat of a transport that asks for it
    (``Capabilities.coalesce``) joined into one message where they fit: a text with nothing
    else is put before the next reply's text (a blank line between; empty texts dropped), as
    long as the whole stays within ``text_limit`` characters. Each reply, and how many of
    ``replies`` it carries (so the delivery of each is known)."""
    out: list[tuple[Reply, int]] = []
    for reply in replies:
        if out:
            last, count = out[-1]
            message, earlier = reply.message, last.message
            can = capabilities(reply.transport)
            joined = "\n\n".join(text for text in (earlier.text, message.text) if text)
            plain = not (earlier.buttons or earlier.document or earlier.photo or earlier.multi)
            if (
                can.coalesce
                and (last.transport, last.chat_id) == (reply.transport, reply.chat_id)
                and plain
                and len(joined) <= can.text_limit
            ):
                out[-1] = (replace(reply, message=replace(message, text=joined)), count + 1)
                continue
        out.append((reply, 1))
    return out


class ChatLocks:
    """One lock per chat, held while that chat's message is handled and answered; a chat's
    lock is forgotten as soon as nobody holds or waits for it, so the table holds only the
    chats busy right now (it never grows with the number of chats seen)."""

    def __init__(self) -> None:
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    def __len__(self) -> int:
        return len(self._locks)

    @asynccontextmanager
    async def hold(self, key: tuple[str, str]) -> AsyncIterator[None]:
        """Wait for ``key``'s turn; messages of one chat run one at a time, in arrival order
        (``asyncio.Lock`` wakes waiters first come, first served)."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)


class App:
    """The bot in one process: ``dispatch`` an incoming message, ``deliver`` a reply."""

    RESEND_EVERY = timedelta(minutes=1)
    """How often ``dispatch`` also looks for replies left unsent."""
    RESEND_AFTER = timedelta(seconds=30)
    """A reply still unsent this long after its transaction committed was lost (its run
    crashed, or the service was unreachable) and is sent again."""
    RESEND_LEASE = timedelta(minutes=2)

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        registry: Registry | None = None,
        reports: Path | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        fonts.configure(settings.reports.font_path)
        load_case_types(settings)
        self.transports: dict[str, Transport] = {}
        self.services = Services(
            clock=clock,
            language=settings.language,
            tz=settings.tz,
            court_name=settings.court.name,
            court_code=settings.court.code,
            invite_valid_for=timedelta(hours=settings.access.invite_hours),
            rules=rules_for(settings),
            record_number=settings.court.record_number,
            propose=settings.intake.propose,
            ocr=settings.intake.ocr,
            evidence=evidence_store(settings),
            reports=reports,
            download=self.download,
            timing=Timing(
                morning=time.fromisoformat(settings.reminders.morning),
                escalate_after_workdays=settings.reminders.escalate_after_workdays,
            ),
            kick=self.kick,
            capabilities=self.capabilities,
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
        self.chats = ChatLocks()
        self.started_at = clock.now()
        self._resent_at: datetime | None = None
        self._resending = asyncio.Lock()
        self._forgetting = asyncio.Lock()
        self._busy = 0
        self.metrics = Metrics(clock)

    def kick(self) -> None:
        """Something urgent is in the outbox: send it right after the current message."""
        self._kicked = True

    def capabilities(self, name: str) -> Capabilities:
        """What the transport ``name`` can do (everything, for one not added)."""
        transport = self.transports.get(name)
        return transport.capabilities if transport is not None else Capabilities()

    def add_transport(self, transport: Transport) -> None:
        """Add (or replace) the transport of ``transport.name``: replies to it go through it."""
        self.transports[transport.name] = transport

    def download(self, message: IncomingMessage, attachment: Attachment) -> AsyncIterator[bytes]:
        """The attachment's bytes, through the transport the message came by.
        Raises ``FileUnavailable`` (``DOWNLOAD_FAILED``) when that transport is not added, and
        whatever its ``download`` raises.
        """
        transport = self.transports.get(message.transport)
        if transport is None:
            raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, "no transport")
        return transport.download(attachment)

    async def dispatch(self, message: IncomingMessage) -> list[Delivery]:
        """Handle one incoming message and deliver every reply it produced (``_dispatch``),
        counted and timed for ``/metrics``."""
        with (
            self.metrics.handling(message.transport),
            logfields.about_chat(message.transport, message.chat_id),
        ):
            return await self._dispatch(message)

    async def _dispatch(self, message: IncomingMessage) -> list[Delivery]:
        """Handle one incoming message and deliver every reply it produced.

        In order: the engine handles the message in one transaction (writing the replies it
        owes to the outbox); a button press is settled with the transport
        (``settle_press``: shown as taken only when the engine accepted it); the replies are
        sent and their outbox rows deleted (``_forget``). Messages of one chat wait for each
        other here: the chat's turn is taken before anything is awaited, so updates a transport
        hands over in order are handled in that order.
        """
        self._busy += 1
        try:
            async with self.chats.hold((message.transport, message.chat_id)):
                if not self._calendar_ready:
                    await self.dispatcher.reload_holidays()
                    self._calendar_ready = True
                await self.resend_unsent()
                handled = await self.engine.handle(message)
                transport = self.transports.get(message.transport)
                if message.callback is not None and transport is not None:
                    await transport.settle_press(message, handled)
                deliveries = []
                for reply, count in coalesced(handled.replies, self.capabilities):
                    deliveries += [await self.deliver(reply)] * count
        finally:
            self._busy -= 1
        await self._forget(
            [
                owed
                for owed, sent in zip(handled.owed, deliveries, strict=False)
                if sent.status is not DeliveryStatus.RETRY
            ]
        )
        if self._kicked:
            self._kicked = False
            await self.dispatcher.tick()
        return deliveries

    async def _forget(self, ids: list[int]) -> None:
        """Have the outbox rows of sent replies deleted: by the next message's transaction
        while other messages are being handled (so a busy bot spends no transaction of its
        own on it), at once in a transaction of its own when this was the last.

        A crash before the deletion has the reply sent once more, marked as a repeat, by the
        next run: a reply may arrive twice, never not at all.
        """
        self.engine.sent(ids)
        if self._busy == 0:
            async with self._forgetting:
                await self.engine.forget_sent()

    async def resend_unsent(self, *, force: bool = False) -> int:
        """Send the replies an earlier run committed but did not send; how many were sent.

        The first call of a run takes every unsent reply written up to the run's start; later
        calls (at most every ``RESEND_EVERY``, unless ``force``) those older than
        ``RESEND_AFTER``. Each goes out with a note that it is sent again, and its row is then
        deleted. A row is leased while it is sent, so two instances do not both send it.
        """
        now = self.clock.now()
        if not force and self._resent_at is not None and now - self._resent_at < self.RESEND_EVERY:
            return 0
        async with self._resending:
            now = self.clock.now()
            last = self._resent_at
            if not force and last is not None and now - last < self.RESEND_EVERY:
                return 0
            written_by = self.started_at if last is None else now - self.RESEND_AFTER
            try:
                return await self._resend(written_by, now)
            finally:
                self._resent_at = now

    async def _resend(self, written_by: datetime, now: datetime) -> int:
        count = 0
        while True:
            async with self.db.transaction() as session:
                rows = await delivery.orphans(
                    session, written_by=written_by, now=now, lease=self.RESEND_LEASE
                )
                owed = [
                    (row.id, row.transport, row.chat_id, row.message, row.language) for row in rows
                ]
            if not owed:
                return count
            done = []
            for row_id, transport, chat_id, message, language in owed:
                outgoing = OutgoingMessage.from_json(message)
                note = t(Language(language) if language else self.settings.language, "reply.resent")
                again = OutgoingMessage(
                    f"{note}\n{outgoing.text}",
                    outgoing.buttons,
                    outgoing.document,
                    outgoing.photo,
                    outgoing.multi,
                )
                sent = await self.deliver(Reply(transport, chat_id, again))
                if sent.status is not DeliveryStatus.RETRY:
                    done.append(row_id)
                    count += 1
            await self._forget(done)
            if len(done) < len(owed):
                return count

    async def deliver(self, reply: Reply) -> Delivery:
        """Send ``reply`` as its transport can take it (``fit``); the last message's
        ``Delivery``, or the first that was not ``SENT`` (the rest are then not sent)."""
        transport = self.transports.get(reply.transport)
        if transport is None:
            log.error("no transport %r to deliver to chat %s", reply.transport, reply.chat_id)
            return Delivery(DeliveryStatus.FAILED, detail="no transport")
        result = Delivery(DeliveryStatus.FAILED, detail="nothing to send")
        for message in fit(reply.message, transport.capabilities, self.settings.language):
            result = await transport.send(reply.chat_id, message)
            self.metrics.delivered(reply.transport, result.status is DeliveryStatus.SENT)
            if result.status is not DeliveryStatus.SENT:
                log.warning(
                    "delivery to %s:%s %s: %s",
                    reply.transport,
                    reply.chat_id,
                    result.status,
                    result.detail,
                )
                break
        return result


def fit(message: OutgoingMessage, can: Capabilities, language: Language) -> list[OutgoingMessage]:
    """``message`` as messages a transport with ``can`` accepts, in sending order.

    A text longer than ``can.text_limit`` (counted in UTF-16 code units, which is never fewer
    than characters and at most a third of the UTF-8 bytes) is cut at line ends into several
    messages (``split_text``); the buttons and the file go with the last. Where files cannot be
    uploaded (``can.upload_files`` false) the file is left out and the text says so
    (``reply.file_not_sent``, in ``language``). A message with neither text nor file is one
    message still: the transport decides what nothing means.
    """
    path = message.document or message.photo
    text = message.text
    if path is not None and not can.upload_files:
        note = t(language, "reply.file_not_sent", name=path.name)
        text = f"{text}\n{note}" if text.strip() else note
        message = OutgoingMessage(text, message.buttons)
    pieces = split_text(text, can.text_limit)
    if len(pieces) <= 1:
        return [message if text == message.text else replace(message, text=text)]
    *first, last = pieces
    return [OutgoingMessage(piece) for piece in first] + [replace(message, text=last)]
