"""Log lines for a court's log collector: plain text or one JSON object a line, with the chat
and the records a line concerns (``storage.logfields``), tokens masked, and repeats of one
failure counted rather than written again and again.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime

from storage.logfields import CHAT, RECORDS

TOKENS = re.compile(
    r"(?P<bot>(?<!\d)\d{5,}:[A-Za-z0-9_-]{20,})"
    r"|(?P<query>(?:access_token|corpsecret|secret|token)=)[^&\s\"']+",
    re.IGNORECASE,
)
"""A Telegram bot token (``123456:ABC...``), or a secret in a URL's query
(``access_token=...``, WeCom's ``corpsecret=...``)."""


def mask(text: str) -> str:
    """``text`` with every token and secret in it replaced by ``***``."""
    return TOKENS.sub(lambda m: (m.group("query") or "") + "***", text)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ``time`` (ISO 8601, UTC), ``level``, ``logger``, ``message``,
    ``chat`` and ``records`` when known, ``error`` (the exception's type) and ``traceback``."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line (UTF-8 text, not ASCII-escaped), secrets masked."""
        body: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        chat, records = CHAT.get(), RECORDS.get()
        if chat is not None:
            body["chat"] = chat
        if records:
            body["records"] = list(records)
        if record.exc_info and record.exc_info[0] is not None:
            body["error"] = record.exc_info[0].__name__
            body["traceback"] = mask(self.formatException(record.exc_info))
        return json.dumps(body, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The readable line, tokens masked, the chat appended when known."""

    def format(self, record: logging.LogRecord) -> str:
        """The record in the configured text format, secrets masked, ``[chat <id>]`` appended."""
        line = mask(super().format(record))
        chat = CHAT.get()
        return f"{line} [chat {chat}]" if chat is not None else line


class Repeats(logging.Filter):
    """Repeats of one failure within ``period`` seconds are counted, not written: the first
    line (of WARNING or above) is written at once; the next one after the period carries
    "(N more like this in the last P s)". A failure is its logger, level, message template and
    exception type, whatever the arguments. ``clock`` gives seconds (monotonic)."""

    def __init__(self, period: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.period = period
        self.clock = clock
        self._seen: dict[tuple[object, ...], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a repeat of a WARNING-or-worse failure seen less than ``period`` seconds ago.

        The first line after the period carries how many were held back.
        """
        if record.levelno < logging.WARNING or self.period <= 0:
            return True
        error = record.exc_info[0] if record.exc_info else None
        key = (record.name, record.levelno, str(record.msg), error)
        now = self.clock()
        since, count = self._seen.get(key, (None, 0))
        if since is not None and now - since < self.period:
            self._seen[key] = (since, count + 1)
            return False
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen[key] = (now, 0)
        if count:
            note = f" ({count} more like this in the last {self.period:.0f} s)"
            record.msg, record.args = f"{record.getMessage()}{note}", None
        return True


def formatter(kind: str, text_format: str) -> logging.Formatter:
    """The formatter for ``[logging] format`` (``"text"`` or ``"json"``)."""
    return JsonFormatter() if kind == "json" else TextFormatter(text_format)
