"""Updates a transport could not read, kept rather than dropped.

A file rather than a log line: the update may be a judge's message (evidence is never
dropped), and it holds personal data that does not belong in a general log. One file an
update, written once, so a service that sends it again does not fill the disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path


async def quarantine(
    folder: Path, transport: str, key: str | None, text: str, error: Exception
) -> Path:
    """Keep ``text`` (the update as received) in ``folder/<transport>-<key>.json`` (``key``
    None: a hash of the text) and log it once at WARNING with the reason. Never raises: a
    failure to write is logged too."""
    log = logging.getLogger(f"bot.transports.{transport}")
    raw = text.encode("utf-8", "surrogatepass")
    name = key if key is not None else hashlib.sha256(raw).hexdigest()[:16]
    path = folder / f"{transport}-{name}.json"

    def keep() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_bytes(raw)

    try:
        await asyncio.to_thread(keep)
    except OSError as problem:
        log.warning("%s: could not keep an unreadable update in %s: %s", transport, path, problem)
    reason = f"{type(error).__name__}: {error}"[:200]
    log.warning(
        "%s: update %s could not be read (%s): skipped, kept in %s", transport, name, reason, path
    )
    return path
