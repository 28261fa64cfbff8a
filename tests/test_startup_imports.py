"""``guowen run`` starts without the libraries only some messages need: the report writers,
OCR, object storage, image and font readers, alembic for a database already at its newest
revision, aiohttp while no HTTP server is configured, prometheus-client until the first update
or scrape, and the PostgreSQL dialect for a SQLite database. Each costs start-up time and idle
memory (``benchmarks/startup.py``); they are imported at their first use. Start-up runs with the
cyclic garbage collector paused, which ``bot.cli`` can do only while importing nothing heavy
itself."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from fake_botapi import TOKEN, fake_api

REPO = Path(__file__).resolve().parent.parent

# Top-level packages that must not be loaded by the time ``guowen run`` is ready and idle.
ON_USE_ONLY = frozenset(
    {
        "openpyxl",
        "xlsxwriter",
        "rustpy_xlsxwriter",
        "reportlab",
        "docx",
        "matplotlib",
        "rapidocr_onnxruntime",
        "onnxruntime",
        "cv2",
        "numpy",
        "boto3",
        "botocore",
        "PIL",
        "tinytag",
        "fontTools",
        "alembic",
        "mako",
        "aiohttp",
        "wechatpy",
        "prometheus_client",
        "hypothesis",
        "pytest",
        "_pytest",
        # Imported by dependencies whenever installed, never used by ``guowen run``
        # (``bot.unused``): httpcore's trio support, httpx's command-line client, and
        # python-telegram-bot's Telegram Passport decryption (WeCom disabled).
        "trio",
        "rich",
        "click",
        "pygments",
        "cryptography",
    }
)

# Modules (not whole packages) that must not be loaded either; for a SQLite database only.
SQLITE_ON_USE_ONLY = frozenset({"sqlalchemy.dialects.postgresql", "asyncpg"})

# What importing ``bot.cli`` alone may not load: ``main`` pauses the collector first.
HEAVY_FOR_CLI = frozenset({"sqlalchemy", "pydantic", "pydantic_settings", "telegram", "httpx"})

# Runs ``guowen run`` in the subprocess and, as it exits, writes the modules it had loaded and
# the garbage collector's state.
WRAPPER = """
import atexit, gc, json, sys
def dump():
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        state = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
        loaded = sorted(name for name, module in sys.modules.items() if module is not None)
        json.dump({"modules": loaded, "gc": state}, out)
atexit.register(dump)
from bot.cli import main
sys.exit(main(["run", "--config", sys.argv[2]]))
"""


async def test_guowen_run_starts_without_the_libraries_only_some_messages_need(
    database_url: str, tmp_path: Path
) -> None:
    """``database_url`` holds the newest schema, as a running court's database does."""
    loaded = tmp_path / "modules.json"
    async with fake_api() as api:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[storage]\ndatabase_url = "{database_url}"\n'
            f'evidence_dir = "{tmp_path / "evidence"}"\n\n'
            f'[telegram]\nenabled = true\ntoken = "{TOKEN}"\nbase_url = "{api.base_url}"\n'
            f'base_file_url = "{api.base_file_url}"\n',
            encoding="utf-8",
        )
        env = {**os.environ, "GUOWEN_TELEGRAM_TOKEN": "", "NO_PROXY": "127.0.0.1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WRAPPER,
            str(loaded),
            str(config),
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert process.stdout is not None
            async with asyncio.timeout(60):
                ready = (await process.stdout.readline()).decode()
            assert ready.startswith("guowen 正在运行")
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(60):
                _out, err = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()

    assert process.returncode == 0, err.decode()
    dumped = json.loads(loaded.read_text(encoding="utf-8"))
    modules = set(dumped["modules"])
    tops = {name.partition(".")[0] for name in modules}
    assert "telegram" in tops and "sqlalchemy" in tops  # the check saw a started bot
    assert sorted(tops & ON_USE_ONLY) == []
    if database_url.startswith("sqlite"):
        assert sorted(modules & SQLITE_ON_USE_ONLY) == []
    # Ready, the collector ran again, start-up's objects frozen out of its way.
    assert dumped["gc"]["enabled"] is True
    assert dumped["gc"]["frozen"] > 0


def test_cryptography_stays_importable_for_wecom() -> None:
    """With ``[wecom]`` enabled, ``leave_out`` blocks only what no transport uses, so wechatpy
    still finds cryptography; without WeCom, cryptography is blocked too, and
    python-telegram-bot still imports (without its Passport decryption)."""
    script = (
        "import json, sys; from bot import unused; blocked = unused.leave_out(wecom={wecom}); "
        "import {module}; print(json.dumps([blocked, sys.modules.get('cryptography') is None]))"
    )
    runs = {
        True: "cryptography.hazmat.primitives.ciphers",
        False: "telegram.ext",
    }
    seen = {}
    for wecom, module in runs.items():
        done = subprocess.run(
            [sys.executable, "-c", script.format(wecom=wecom, module=module)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        seen[wecom] = json.loads(done.stdout)
    assert seen[True] == [["trio", "httpx._main"], False]
    assert seen[False] == [["trio", "httpx._main", "cryptography"], True]


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    """``bot.cli`` at import: no SQLAlchemy, pydantic or transport, so that ``main`` pauses the
    garbage collector before any of them is imported."""
    script = "import json, sys; import bot.cli; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    tops = {name.partition(".")[0] for name in json.loads(done.stdout)}
    assert sorted(tops & HEAVY_FOR_CLI) == []


def test_the_collector_paused_for_start_up_runs_again_once() -> None:
    """``_Collector`` pauses a running collector and resumes it; one that was off stays off."""
    from bot.cli import _Collector

    was = gc.isenabled()
    try:
        gc.enable()
        collector = _Collector()
        assert not gc.isenabled()
        collector.resume()
        assert gc.isenabled()
        gc.disable()
        collector.resume()  # a second call does nothing
        assert not gc.isenabled()
        collector = _Collector()
        collector.resume()
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    """``scripts_head`` (read without importing alembic) names the revision alembic's own
    script directory calls the head, so a database at it is rightly left alone at start."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config, scripts_head

    assert scripts_head() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_database_behind_the_scripts_is_still_upgraded(tmp_path: Path) -> None:
    """A database stamped at an older revision is upgraded at start as before."""
    from alembic.command import downgrade

    from storage.db import Database, alembic_config, scripts_head, stamped

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await db.upgrade()
        head = scripts_head()
        assert head is not None and await stamped(db.engine) == head

        def back_one(connection: object) -> None:
            config = alembic_config()
            config.attributes["connection"] = connection
            downgrade(config, "-1")

        async with db.engine.begin() as conn:
            await conn.run_sync(back_one)
        assert await stamped(db.engine) != head
        await db.upgrade()
        assert await stamped(db.engine) == head
    finally:
        await db.close()
