"""Fetching an attachment's bytes for a transport: streamed over HTTP with retries until the
first byte arrives, or read from a local path (a local Bot API server's own disk).

HTTP yields chunks of ``CHUNK`` bytes (64 KiB), a local file ``LOCAL_CHUNK`` (1 MiB); both
raise ``FileUnavailable`` with ``DOWNLOAD_FAILED`` when the bytes cannot be had; neither the
URL (it may carry a token) nor an error that may quote it is logged or put in the exception.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx

from handlers.ports import FileUnavailable
from storage.evidence import UnavailableReason

CHUNK = 1 << 16
LOCAL_CHUNK = 1 << 20
"""A local file is read 1 MiB per worker-thread hand-off: the hand-off, not the read, is what
a smaller piece costs."""


async def read_local(path: Path) -> AsyncIterator[bytes]:
    """The file at ``path`` (a local Bot API server's file), in pieces of ``LOCAL_CHUNK``
    bytes read in a worker thread; raises ``FileUnavailable`` when it cannot be opened."""
    try:
        handle = await asyncio.to_thread(path.open, "rb")
    except OSError as error:
        raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, str(error)) from None
    try:
        while chunk := await asyncio.to_thread(handle.read, LOCAL_CHUNK):
            yield chunk
    finally:
        handle.close()


async def stream_url(
    client: httpx.AsyncClient, url: str, retry_delays: Sequence[float]
) -> AsyncIterator[bytes]:
    """GET ``url`` (its path percent-encoded); a 5xx or a network error before the first byte
    is retried after each of ``retry_delays`` (seconds), a failure after it is final."""
    parts = urllib.parse.urlsplit(url)
    url = urllib.parse.urlunsplit(parts._replace(path=urllib.parse.quote(parts.path)))
    for attempt in range(len(retry_delays) + 1):
        last = attempt == len(retry_delays)
        started = False
        try:
            async with client.stream("GET", url) as response:
                if response.status_code >= 500 and not last:
                    await asyncio.sleep(retry_delays[attempt])
                    continue
                if response.status_code != 200:
                    detail = f"HTTP {response.status_code}"
                    raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, detail)
                started = True
                async for chunk in response.aiter_bytes(CHUNK):
                    yield chunk
                return
        except httpx.HTTPError as error:
            if started or last:
                detail = type(error).__name__
                raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, detail) from None
            await asyncio.sleep(retry_delays[attempt])


def fetch(
    location: str, client: httpx.AsyncClient | None, retry_delays: Sequence[float]
) -> AsyncIterator[bytes]:
    """The bytes at ``location``: an ``http(s)://`` URL streamed with ``client`` (None: the
    transport is not running, ``FileUnavailable``), anything else a path on this machine."""
    if not location.startswith(("http://", "https://")):
        return read_local(Path(location))
    if client is None:
        raise FileUnavailable(UnavailableReason.DOWNLOAD_FAILED, "transport not running")
    return stream_url(client, location, retry_delays)
