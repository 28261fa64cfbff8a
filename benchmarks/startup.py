"""Start-up to ready and idle memory of ``guowen run``, beside the interpreter's own.

    python benchmarks/startup.py [--repeat 3] [--idle 5]

``guowen run`` (``python -m bot.cli run``) is started with Telegram enabled against the fake
Bot API on loopback and a fresh, migrated SQLite database. Reported:

- start to ready: from spawning the process to its first line on stdout ("guowen is running"),
  printed once Telegram answered ``getMe`` and polling has begun; beside it the CPU time the
  process had used by then (user + system, ``/proc/PID/stat``), which swings far less with the
  machine's load than the wall clock;
- idle RSS: the process's resident memory (``VmRSS``) after ``--idle`` seconds of doing
  nothing but long polling, and its peak (``VmHWM``).

guowen's own modules are byte-compiled first (``compileall``, into their ``__pycache__``), as an
installed package is: with ``PYTHONDONTWRITEBYTECODE`` set and no bytecode, each start would
compile about 90 modules from source, which neither a deployment nor the references pay.

The references, measured in the same run and in the same way: a bare interpreter
(``python -c``, printing and sleeping); one that only imports the libraries any such bot needs
(``telegram.ext`` and ``sqlalchemy.ext.asyncio``); and the smallest such bot reaching guowen's
ready point, a python-telegram-bot ``Application`` that asks the same fake Bot API ``getMe`` and
starts long polling (its HTTP clients, TLS context and ``httpcore``'s back ends are paid by
guowen's Telegram transport too, and not by an import alone). On a shared machine the wall clock
swings with the load (printed); compare guowen with the references of the same run. Medians of
``--repeat``.

Where ``guowen run``'s start-up goes beyond the smallest bot (``python -X importtime``): about
two thirds is importing guowen's own modules, a third of that the ORM models' declarations
(``storage.models``) and a sixth the configuration's pydantic models (``bot.config``); about a
quarter is pydantic, pydantic-core and pydantic-settings themselves; then babel. The cyclic
garbage collector is paused until ready (``bot.cli``); in the references it runs as usual.

Optional libraries that dependencies import whenever installed are left out of ``guowen run``
(``bot.unused``): httpcore's trio support, httpx's command-line client (rich, click, pygments)
and, with WeCom disabled, python-telegram-bot's Passport decryption (cryptography). The
references import them as installed. On this machine (trio, rich and click installed), 2-core,
median of 3: idle RSS 101 → 85 MiB (peak the same), CPU to ready 0.65 → 0.59 s; the wall
clock to ready was 0.55 s on a quiet machine before, and swings with the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_botapi import TOKEN, fake_api  # noqa: E402

BARE = "import time; print('ready', flush=True); time.sleep(3600)"
LIBRARIES = "import telegram.ext, sqlalchemy.ext.asyncio; " + BARE
# argv: token, base_url, base_file_url. Ready once getMe answered and polling has begun.
SMALLEST_BOT = """
import asyncio, sys
import sqlalchemy.ext.asyncio
from telegram.ext import Application

async def main():
    token, url, files = sys.argv[1:4]
    app = Application.builder().token(token).base_url(url).base_file_url(files).build()
    await app.initialize()
    await app.start()
    await app.updater.start_polling()
    print("ready", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


def _memory_mb(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM of ``pid`` in MiB (Linux ``/proc``)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` so far, seconds (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(argv: list[str], idle: float, cwd: Path) -> tuple[float, float, float, float]:
    """Seconds to the first line of stdout and CPU seconds used by then, then RSS and peak RSS
    (MiB) after ``idle`` s."""
    env = {**os.environ, "GUOWEN_TELEGRAM_TOKEN": "", "NO_PROXY": "127.0.0.1"}
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(120):
            line = await process.stdout.readline()
        ready = time.perf_counter() - started
        if not line:
            raise RuntimeError(f"{argv[-1]!r} printed nothing")
        cpu = _cpu_seconds(process.pid)
        if idle and process.returncode is None:
            await asyncio.sleep(idle)
        rss, peak = _memory_mb(process.pid) if process.returncode is None else (0.0, 0.0)
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()
    return ready, cpu, rss, peak


async def _migrate(url: str) -> None:
    from storage.db import Database

    db = Database(url)
    await db.upgrade()
    await db.close()


PACKAGES = ("bot", "handlers", "reports", "reminders", "storage")


async def bench(repeat: int, idle: float, work: Path) -> None:
    compiled = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "compileall", "-q", *PACKAGES, cwd=ROOT
    )
    await compiled.wait()
    url = f"sqlite+aiosqlite:///{work / 'guowen.db'}"
    await _migrate(url)
    rows: dict[str, list[tuple[float, float, float, float]]] = {}
    load_before = os.getloadavg()
    async with fake_api() as api:
        config = work / "config.toml"
        config.write_text(
            f'[storage]\ndatabase_url = "{url}"\nevidence_dir = "{work / "evidence"}"\n\n'
            f'[telegram]\nenabled = true\ntoken = "{TOKEN}"\nbase_url = "{api.base_url}"\n'
            f'base_file_url = "{api.base_file_url}"\n',
            encoding="utf-8",
        )
        runs = {
            "python, bare": [sys.executable, "-c", BARE],
            "python: import telegram.ext, sqlalchemy": [sys.executable, "-c", LIBRARIES],
            "python: PTB bot, getMe + polling": [
                sys.executable,
                "-c",
                SMALLEST_BOT,
                TOKEN,
                api.base_url,
                api.base_file_url,
            ],
            "guowen run": [sys.executable, "-m", "bot.cli", "run", "--config", str(config)],
        }
        for _ in range(repeat):
            for name, argv in runs.items():
                rows.setdefault(name, []).append(await _measure(argv, idle, ROOT))
    load_after = os.getloadavg()
    print(
        f"start-up to ready and idle RSS after {idle:.0f} s, median of {repeat}; load average "
        f"{' '.join(f'{n:.2f}' for n in load_before)} / {' '.join(f'{n:.2f}' for n in load_after)}"
    )
    print(f"{'':<42}{'to ready':>10}{'CPU':>9}{'idle RSS':>11}{'peak RSS':>11}")
    for name, measured in rows.items():
        ready, cpu, rss, peak = (statistics.median(m[i] for m in measured) for i in range(4))
        print(f"{name:<42}{ready:>8.2f} s{cpu:>7.2f} s{rss:>7.0f} MiB{peak:>7.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading RSS")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="guowen-bench-") as work:
        asyncio.run(bench(args.repeat, args.idle, Path(work)))


if __name__ == "__main__":
    main()
