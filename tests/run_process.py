"""``guowen run`` as a child process for the tests that start it (this module holds no tests):
start it on a config file, read its first line, stop it with SIGTERM and collect its output."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Wait for something another process (or its output) shows; nothing there to await,
    so poll briefly, and never sleep for long."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


@dataclass
class Running:
    """A started ``guowen run``; ``out``/``err`` are filled by ``stop``."""

    process: asyncio.subprocess.Process
    out: str = ""
    err: str = field(default="", repr=False)

    async def first_line(self, seconds: float = 60.0) -> str:
        """The first line it prints (its ready line), decoded."""
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            return (await self.process.stdout.readline()).decode()

    async def stop(self, seconds: float = 60.0) -> int:
        """SIGTERM, then wait for the exit; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(seconds):
            out, err = await self.process.communicate()
        self.out, self.err = out.decode(), err.decode()
        assert self.process.returncode is not None
        return self.process.returncode


@asynccontextmanager
async def guowen_run(config: Path, **environment: str) -> AsyncIterator[Running]:
    """``python -m bot.cli run --config CONFIG`` from the repository, with ``environment``
    added to this process's (and ``NO_PROXY=127.0.0.1``); killed on leaving if still alive."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1", **environment}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bot.cli", "run", "--config", str(config)),
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield Running(process)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
