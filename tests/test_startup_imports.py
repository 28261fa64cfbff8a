"""``guowen run`` starts without the libraries only some messages need: the report writers,
OCR, object storage, image and font readers, alembic for a database already at its newest
revision, and aiohttp while no HTTP server is configured. Each costs start-up time and idle
memory (``benchmarks/startup.py``); they are imported at their first use."""

from __future__ import annotations

import asyncio
import json
import os
import signal
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
    }
)

# Runs ``guowen run`` in the subprocess and, as it exits, writes the modules it had loaded.
WRAPPER = """
import atexit, json, sys
def dump():
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        json.dump(sorted(sys.modules), out)
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
    tops = {name.partition(".")[0] for name in json.loads(loaded.read_text(encoding="utf-8"))}
    assert "telegram" in tops and "sqlalchemy" in tops  # the check saw a started bot
    assert sorted(tops & ON_USE_ONLY) == []


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
