"""``/metrics`` (Prometheus' text format) and ``/healthz`` on the process's HTTP server.

The only module that imports ``prometheus_client``, at the first update counted or the first
scrape (not at start-up). Each ``Metrics`` has a registry of its own (not the library's global
one), so several apps in one test process do not share counters.

Counted as it happens (per process): updates handled and their handling time, per transport;
deliveries that failed. Read from the database at each scrape (the same for every instance,
so take ``max`` across instances, not ``sum``): reminders pending, reminders overdue, evidence
bytes stored. Read from ``verify-last.json`` beside the evidence folder, written by
``guowen verify``: its last result and time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from reminders.clock import Clock
from storage.db import Database
from storage.models import EvidenceBlob, Reminder

if TYPE_CHECKING:
    from aiohttp import web
    from prometheus_client import CollectorRegistry

log = logging.getLogger(__name__)

VERIFY_FILE = "verify-last.json"
"""Written by ``guowen verify`` beside the evidence folder: ``{"ok": bool, "at": ISO 8601,
"problems": int}``."""

PROBE_TIMEOUT = 5.0
"""Seconds a health check waits for the database before calling it unreachable."""

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Handling time buckets, seconds: from a button press (tens of ms) to a large file (seconds)."""


def verify_file(evidence_path: Path) -> Path:
    """Where ``guowen verify`` leaves its last result for ``/metrics``."""
    return evidence_path.parent / VERIFY_FILE


def note_verify(evidence_path: Path, *, ok: bool, problems: int, at: datetime) -> None:
    """Record a ``guowen verify`` run's result (``at`` timezone-aware) for ``/metrics``;
    a folder that cannot be written is logged, not raised (verify's answer stands)."""
    target = verify_file(evidence_path)
    body = json.dumps({"ok": ok, "problems": problems, "at": at.isoformat()})
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    except OSError as error:
        log.warning("metrics: could not note verify's result in %s: %s", target, error)


class _Instruments:
    """The counters and gauges of ``/metrics``, in a registry of their own."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        r = self.registry = CollectorRegistry()
        self.handled = Counter(
            "guowen_updates_handled", "Updates handled, per transport", ["transport"], registry=r
        )
        self.latency = Histogram(
            "guowen_handling_seconds",
            "Time to handle an update and send its replies, seconds",
            ["transport"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.failed = Counter(
            "guowen_deliveries_failed", "Replies that could not be delivered", ["transport"],
            registry=r,
        )  # fmt: skip
        self.pending = Gauge("guowen_reminders_pending", "Reminders waiting", registry=r)
        self.overdue = Gauge(
            "guowen_reminders_overdue", "Reminders due more than 10 minutes ago, unsent",
            registry=r,
        )  # fmt: skip
        self.evidence = Gauge(
            "guowen_evidence_bytes", "Evidence bytes stored (distinct files)", registry=r
        )
        self.verify_ok = Gauge(
            "guowen_verify_ok", "1 when the last guowen verify found no problem, 0 when it did",
            registry=r,
        )  # fmt: skip
        self.verify_time = Gauge(
            "guowen_verify_timestamp_seconds", "When guowen verify last ran (Unix time)",
            registry=r,
        )  # fmt: skip
        self.up = Gauge("guowen_database_up", "1 when the database answered the scrape", registry=r)


@dataclass
class Metrics:
    """The process's counters and the answers of ``/metrics`` and ``/healthz``."""

    clock: Clock
    last_ok: dict[str, datetime] = field(default_factory=dict)
    """Per transport, when it last received or delivered successfully."""

    @cached_property
    def _counted(self) -> _Instruments:
        return _Instruments()

    @property
    def registry(self) -> CollectorRegistry:
        """The ``prometheus_client`` registry holding this process's counters and gauges."""
        return self._counted.registry

    @contextmanager
    def handling(self, transport: str) -> Iterator[None]:
        """Count one update of ``transport`` and time its handling."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self._counted.latency.labels(transport).observe(time.perf_counter() - started)
            self._counted.handled.labels(transport).inc()
            self.last_ok[transport] = self.clock.now()

    def delivered(self, transport: str, ok: bool) -> None:
        """A reply's delivery through ``transport`` succeeded (``ok``) or failed."""
        if ok:
            self.last_ok[transport] = self.clock.now()
        else:
            self._counted.failed.labels(transport).inc()

    async def refresh(self, db: Database, evidence_path: Path) -> bool:
        """Read the database's figures and verify's last result into the gauges; False when
        the database did not answer in ``PROBE_TIMEOUT`` seconds."""
        now = self.clock.now()
        try:
            async with asyncio.timeout(PROBE_TIMEOUT), db.read() as session:
                pending = select(func.count()).select_from(Reminder)
                pending = pending.where(Reminder.status == "pending")
                late = pending.where(Reminder.due_at < now - timedelta(minutes=10))
                size = select(func.coalesce(func.sum(EvidenceBlob.size), 0))
                self._counted.pending.set(await session.scalar(pending) or 0)
                self._counted.overdue.set(await session.scalar(late) or 0)
                self._counted.evidence.set(await session.scalar(size) or 0)
            self._counted.up.set(1)
        except Exception as error:
            log.warning("metrics: the database did not answer: %s", type(error).__name__)
            self._counted.up.set(0)
            return False
        finally:
            self._read_verify(evidence_path)
        return True

    def _read_verify(self, evidence_path: Path) -> None:
        """Verify's last result; NaN and time 0 while it has never run."""
        self._counted.verify_ok.set(float("nan"))
        self._counted.verify_time.set(0)
        try:
            found: dict[str, Any] = json.loads(
                verify_file(evidence_path).read_text(encoding="utf-8")
            )
            self._counted.verify_ok.set(1 if found.get("ok") else 0)
            self._counted.verify_time.set(datetime.fromisoformat(str(found["at"])).timestamp())
        except (OSError, ValueError, KeyError):
            return

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


async def database_reachable(db: Database) -> bool:
    """``SELECT 1`` answered within ``PROBE_TIMEOUT`` seconds."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT), db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("health: the database did not answer: %s", type(error).__name__)
        return False
    return True


def folder_writable(folder: Path) -> bool:
    """A file can be created (and is removed again) in ``folder``, created if missing."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".health-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        log.warning("health: the evidence folder is not writable: %s", error.strerror)
        return False
    return True


class Endpoints:
    """``GET /healthz`` and ``GET /metrics`` for ``HttpServer.add_route``."""

    def __init__(self, metrics: Metrics, db: Database, evidence_path: Path) -> None:
        self.metrics = metrics
        self.db = db
        self.evidence_path = evidence_path

    async def healthz(self, request: web.Request) -> web.Response:
        """200 when the database answers and the evidence folder takes a file, else 503; the
        body says which, with each transport's last successful call (ISO 8601, UTC offset)."""
        from aiohttp import web  # imported once the HTTP server is wanted

        database = await database_reachable(self.db)
        evidence = await asyncio.to_thread(folder_writable, self.evidence_path)
        body = {
            "status": "ok" if database and evidence else "failing",
            "database": database,
            "evidence_writable": evidence,
            "transports": {
                name: at.isoformat() for name, at in sorted(self.metrics.last_ok.items())
            },
        }
        return web.json_response(body, status=200 if database and evidence else 503)

    async def metrics_text(self, request: web.Request) -> web.Response:
        """The counters, and the database's figures read now."""
        from aiohttp import web

        await self.metrics.refresh(self.db, self.evidence_path)
        response = web.Response(body=self.metrics.exposition())
        from prometheus_client import CONTENT_TYPE_LATEST

        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response
