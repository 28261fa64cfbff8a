"""Several ``guowen run`` processes behind one address, for the scale-out test and benchmark.

``Instance`` is one real process (``python -m bot.cli run --config ...``) in Telegram webhook
mode with its own HTTP port; ``RoutedBotApi`` is the fake Bot API whose new updates are posted
to the instances' webhooks at random, as a load balancer in front of them would, and posted
again (to any instance) until one answers 200, as Telegram retries a webhook call. A person
(``TgUser``) acts again only once the update was answered.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
from fake_botapi import TOKEN, FakeBotApi, free_port
from settings_kit import intake_toml

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cret-for-instances"


def write_config(
    folder: Path, api: FakeBotApi, database_url: str, port: int, extra: str = ""
) -> Path:
    """A config for one instance: webhook mode on 127.0.0.1:``port``, shared database and
    evidence folder, JSON logs; ``extra`` TOML appended."""
    config = folder / f"config-{port}.toml"
    config.write_text(
        f"""
[court]
name = "温县人民法院"

[storage]
database_url = "{database_url}"
evidence_dir = "{folder / "evidence"}"

{intake_toml()}

[telegram]
enabled = true
token = "{TOKEN}"
mode = "webhook"
base_url = "{api.base_url}"
base_file_url = "{api.base_file_url}"
webhook_url = "http://127.0.0.1:{port}/telegram/hook"
webhook_secret = "{SECRET}"

[http]
listen = "127.0.0.1:{port}"

[logging]
format = "json"

[reminders]
tick_seconds = 5
{extra}
""",
        encoding="utf-8",
    )
    return config


class Instance:
    """One ``guowen run`` process; its log lines go to ``log``."""

    def __init__(
        self,
        folder: Path,
        api: FakeBotApi,
        database_url: str,
        *,
        extra: str = "",
        command: tuple[str, ...] = ("-m", "bot.cli", "run", "--config"),
    ) -> None:
        self.port = free_port()
        self.config = write_config(folder, api, database_url, self.port, extra)
        self.command = command
        self.log = folder / f"instance-{self.port}.log"
        self.process: asyncio.subprocess.Process | None = None

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/hook"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start the process and return once ``/healthz`` answers 200."""
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.command,
                str(self.config),
                cwd=REPO,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        await self.healthy()

    async def healthy(self, seconds: float = 60.0) -> dict[str, Any]:
        """``/healthz``'s body once it answers 200; raises ``TimeoutError`` if it never does
        (or ``RuntimeError`` when the process exited)."""
        async with asyncio.timeout(seconds), aiohttp.ClientSession() as session:
            while True:
                if self.process is not None and self.process.returncode is not None:
                    raise RuntimeError(f"instance exited: {self.log.read_text()[-2000:]}")
                try:
                    async with session.get(f"{self.base}/healthz") as response:
                        if response.status == 200:
                            body: dict[str, Any] = await response.json()
                            return body
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)

    async def get(self, path: str) -> tuple[int, str]:
        async with aiohttp.ClientSession() as session, session.get(self.base + path) as response:
            return response.status, await response.text()

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as a machine failure."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        assert self.process is not None
        return await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM, and the exit code once the process has finished what it had in hand."""
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            return await self.process.wait()


class RoutedBotApi(FakeBotApi):
    """The fake Bot API behind a load balancer: ``push`` posts the update to one of
    ``instances`` chosen at random and returns its id once some instance answered 200."""

    def __init__(self, seed: int = 16) -> None:
        super().__init__()
        self.instances: list[Instance] = []
        self.random = random.Random(seed)
        self.posts: list[tuple[int, int, int]] = []
        """(update_id, port, status; 0 for a dropped connection), every call made."""
        self.answered: dict[int, float] = {}
        """update_id -> seconds from its first post to its 200."""
        self._ids = itertools.count(700_000)
        self._session: aiohttp.ClientSession | None = None

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        await super().stop()

    async def push(self, body: dict[str, Any]) -> int:
        update_id = next(self._ids)
        update = {"update_id": update_id, **body}
        self.pushed_at[update_id] = started = time.perf_counter()
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=120)
            self._session = aiohttp.ClientSession(timeout=timeout)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while True:
            instance = self.random.choice(self.instances)
            try:
                async with self._session.post(
                    instance.webhook, json=update, headers=headers
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            self.posts.append((update_id, instance.port, status))
            if status == 200:
                self.answered[update_id] = time.perf_counter() - started
                self.delivered.append(update)
                return update_id
            await asyncio.sleep(0.05)
