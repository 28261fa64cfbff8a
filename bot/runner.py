"""``guowen run``: every enabled transport and the reminder clock, until SIGTERM or SIGINT.

The first signal stops taking in new messages and lets the ones already taken in finish: each
is one transaction, so a stop never leaves a record half-written, and polling confirms to
Telegram only what will be handled. A second signal cuts the wait short (the transaction in
hand rolls back; Telegram has that update confirmed, so the person is asked to send it again
by the silence, which is why the first signal waits).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import time
from typing import TYPE_CHECKING, TextIO

from bot.app import App
from bot.config import ConfigError, Settings
from bot.http import HttpServer, listen_address
from bot.metrics import Endpoints
from bot.transports.telegram import TelegramOptions, TelegramTransport
from handlers.access import join_names
from handlers.anchor_words import AnchorMessenger
from handlers.i18n import t
from reminders.anchor import ChainAnchor
from reminders.clock import Clock
from storage.db import Database
from storage.locks import Leadership

if TYPE_CHECKING:
    from bot.transports.wecom import WeComOptions
    from bot.transports.wecom_service import WeComService

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PROBLEM = 1
SIGNALS = (signal.SIGTERM, signal.SIGINT)


def chain_anchor(app: App, db: Database, clock: Clock, settings: Settings) -> ChainAnchor:
    """The daily audit-chain head to ``discipline`` (``reminders.anchor``), sent through
    ``app``'s transports at the court's morning hour (``[reminders] morning``) or after:
    what ``guowen run``'s scheduler runs, and the demo's clock at each simulated morning."""
    return ChainAnchor(
        db,
        clock,
        settings.tz,
        AnchorMessenger(app.services, app.deliver),
        at=time.fromisoformat(settings.reminders.morning),
    )


def _quiet_http_logs() -> None:
    """Quiet ``httpx``: it logs each request's URL at INFO, and a Bot API URL holds the token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def _wecom_failure(settings: Settings, error: Exception) -> str:
    """The catalog's words for a WeCom start that failed: the key or the trusted-IP list that
    ``gettoken``'s refusal points at, else the general advice with the reason."""
    from bot.transports.wecom import GETTOKEN_REFUSALS, WeComUnavailable

    lang = settings.language
    errcode = error.errcode if isinstance(error, WeComUnavailable) else None
    checked = GETTOKEN_REFUSALS.get(errcode) if errcode is not None else None
    if checked == "trusted_ip":
        return t(lang, "run.wecom_refused_ip", errcode=errcode)
    if checked is not None:
        return t(lang, "run.wecom_refused_key", errcode=errcode, key=f"[wecom] {checked}")
    return t(lang, "run.wecom_failed", reason=str(error) or repr(error))


async def run(
    settings: Settings,
    db: Database,
    clock: Clock,
    out: TextIO,
    *,
    stop: asyncio.Event | None = None,
    telegram_options: TelegramOptions | None = None,
    wecom_options: WeComOptions | None = None,
    started: Callable[[], None] | None = None,
) -> int:
    """Run until ``stop`` is set or a signal arrives (or, console alone, until its input ends).

    ``telegram_options`` and ``wecom_options`` let tests shrink the transports' delays.
    ``started`` is called once every transport listens and the ready line ("guowen is
    running") is written.
    """
    lang = settings.language
    stop = stop or asyncio.Event()
    app = App(settings, db, clock)
    stoppers: list[Callable[[], Awaitable[None]]] = []
    waiting: set[asyncio.Future[object]] = set()
    names: list[str] = []
    loop = asyncio.get_running_loop()
    main = asyncio.current_task()
    signalled: list[int] = []

    def on_signal(number: int) -> None:
        signalled.append(number)
        if len(signalled) == 1:
            log.info("signal %s: stopping after the messages in hand", number)
            stop.set()
        elif main is not None:
            log.warning("second signal: stopping now")
            main.cancel()

    for number in SIGNALS:
        loop.add_signal_handler(number, on_signal, number)
    listen = listen_address(settings)
    http = HttpServer(listen) if listen else None
    leadership = Leadership(db.engine)
    stoppers.append(leadership.release)
    try:
        telegram: TelegramTransport | None = None
        if settings.telegram.enabled:
            _quiet_http_logs()
            shared = TelegramOptions()  # Telegram's limit shared by the instances
            shared = replace(shared, overall_rate=shared.overall_rate / settings.telegram.instances)
            options = telegram_options or shared
            telegram = TelegramTransport(app, settings.telegram, options, http)
            app.add_transport(telegram)
        wecom: WeComService | None = None
        if settings.wecom.enabled and http is not None:
            from bot.transports.wecom_service import WeComService

            _quiet_http_logs()
            try:
                wecom = WeComService(app, settings.wecom, http, options=wecom_options)
            except ValueError:  # settings not read by bot.config.load: a bad EncodingAESKey
                raise ConfigError(
                    settings.path, "[wecom] encoding_aes_key", "bad_aes_key"
                ) from None
            app.add_transport(wecom.transport)
        if http is not None:
            endpoints = Endpoints(app.metrics, db, settings.evidence_path)
            http.add_route("GET", "/healthz", endpoints.healthz)
            http.add_route("GET", "/metrics", endpoints.metrics_text)
            try:
                await http.start()
            except OSError as error:
                out.write(t(lang, "run.http_failed", listen=listen, reason=str(error)) + "\n")
                return EXIT_PROBLEM
            stoppers.append(http.stop)
        if telegram is not None:
            try:
                telegram.registers = await leadership.acquire()
                await telegram.start()
            except Exception as error:
                log.exception("the Telegram transport could not start")
                out.write(t(lang, "run.telegram_failed", reason=str(error) or repr(error)) + "\n")
                await telegram.stop()
                for stopper in reversed(stoppers):
                    await stopper()
                return EXIT_PROBLEM
            stoppers.append(telegram.stop)
            app.metrics.last_ok[telegram.name] = clock.now()  # getMe answered
            key = (
                "run.telegram_webhook"
                if settings.telegram.mode == "webhook"
                else "run.telegram_polling"
            )
            names.append(t(lang, key, username=telegram.username, listen=listen))
        if wecom is not None:
            try:
                await wecom.start()
            except Exception as error:
                log.exception("the WeCom transport could not start")
                out.write(_wecom_failure(settings, error) + "\n")
                await wecom.stop()
                for stopper in reversed(stoppers):
                    await stopper()
                return EXIT_PROBLEM
            stoppers.append(wecom.stop)
            where = {"listen": listen, "path": settings.wecom.callback_path}
            names.append(t(lang, "run.wecom", agent_id=settings.wecom.agent_id, **where))
        if settings.console.enabled:
            from bot.transports.console import ConsoleTransport

            console = ConsoleTransport(app, out=out, allow_as=False)
            app.add_transport(console)
            names.append(t(lang, "run.console"))
            if not (settings.telegram.enabled or wecom is not None):
                waiting.add(asyncio.ensure_future(console.run()))
            else:
                stoppers.append(_background(console.run()))
        from reminders.scheduler import Scheduler

        anchor = chain_anchor(app, db, clock, settings)
        scheduler = Scheduler(
            app.dispatcher, tick_seconds=settings.reminders.tick_seconds, anchor=anchor
        )
        scheduler.start()
        out.write(t(lang, "run.started", transports=join_names(names, lang)) + "\n")
        out.flush()
        if started is not None:
            started()
        await app.resend_unsent()  # replies a crashed run committed but never sent
        waiting.add(asyncio.ensure_future(stop.wait()))
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        out.write(t(lang, "run.stopping") + "\n")
        out.flush()
        await scheduler.stop()
        for stopper in reversed(stoppers):
            await stopper()
        out.write(t(lang, "run.stopped") + "\n")
        return EXIT_OK
    finally:
        for future in waiting:
            future.cancel()
        for number in SIGNALS:
            loop.remove_signal_handler(number)


def _background(work: Awaitable[None]) -> Callable[[], Awaitable[None]]:
    """Run ``work`` beside the others; its stopper cancels it."""
    task = asyncio.ensure_future(work)

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    return stop
