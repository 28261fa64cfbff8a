"""A court's first set-up, as the README tells its IT officer to do it.

``guowen config example > config.toml``; paths in it are relative to its folder wherever the
command runs; ``guowen run`` on it says which transport to enable; the console chat carries no
library's log lines.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot import cli
from bot.config import DEFAULT_LISTEN, ConfigError, load, parse
from handlers.i18n import t
from storage.vocabulary import Language

REPO = Path(__file__).resolve().parent.parent
SECRET_VARIABLES = (
    "GUOWEN_CONFIG",
    "GUOWEN_TELEGRAM_TOKEN",
    "GUOWEN_TELEGRAM_WEBHOOK_SECRET",
    "GUOWEN_WECOM_SECRET",
    "GUOWEN_DATABASE_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECRET_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def write_example(folder: Path) -> Path:
    """``guowen config example > FOLDER/config.toml``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    assert cli.main(["config", "example"], out=out) == 0
    path = folder / "config.toml"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_config_example_prints_the_installed_example(tmp_path: Path) -> None:
    path = write_example(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert text == (REPO / "bot" / "config.example.toml").read_text(encoding="utf-8")
    assert text.startswith("# guowen configuration. Write it with `guowen config example")
    settings = load(path)
    assert settings.court.name == "温县人民法院"
    assert not (settings.telegram.enabled or settings.wecom.enabled or settings.console.enabled)


def test_config_example_needs_no_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./config.toml here
    out = io.StringIO()
    assert cli.main(["config", "example"], out=out) == 0
    assert capsys.readouterr().err == ""
    assert "court" in tomllib.loads(out.getvalue())


def test_the_wheel_installs_the_example() -> None:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = data["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert "bot" in wheel["packages"]  # hatch puts every file of a package dir in the wheel
    assert not (REPO / "config.example.toml").exists()  # one file, not two copies to drift


@pytest.mark.parametrize("command", [["db", "status"], ["db", "upgrade"], ["staff", "list"]])
def test_paths_are_relative_to_the_config_file_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    court = tmp_path / "court"
    write_example(court)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    cli.main([*command, "--config", "../court/config.toml"], out=io.StringIO())

    assert list(elsewhere.iterdir()) == []  # no empty database beside the person typing
    assert (court / "data" / "guowen.db").is_file()


def test_db_status_from_elsewhere_reads_the_courts_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    court = tmp_path / "court"
    write_example(court)
    monkeypatch.chdir(court)
    assert cli.main(["db", "upgrade"], out=io.StringIO()) == 0
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    assert cli.main(["db", "status", "--config", "court/config.toml"], out=out) == 0
    assert out.getvalue().startswith("数据库版本：")
    assert "（程序最新：" in out.getvalue()
    assert not (tmp_path / "data").exists()


def test_each_path_key_is_relative_to_the_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "court"
    (folder / "secrets").mkdir(parents=True)
    (folder / "secrets" / "token").write_text("123:relative\n", encoding="utf-8")
    (folder / "secrets" / "hook").write_text("hook-secret\n", encoding="utf-8")
    (folder / "secrets" / "wecom").write_text("wecom-secret\n", encoding="utf-8")
    (folder / "fonts").mkdir()
    (folder / "fonts" / "cjk.ttf").write_bytes(b"not really a font")
    (folder / "holidays").mkdir()
    (folder / "holidays" / "2027.toml").write_text("", encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(
        "[storage]\n"
        'database_url = "sqlite+aiosqlite:///db/g.db"\n'
        'evidence_dir = "files/evidence"\n'
        "[telegram]\n"
        'token_file = "secrets/token"\n'
        'webhook_secret_file = "secrets/hook"\n'
        "[wecom]\n"
        'secret_file = "secrets/wecom"\n'
        "[deadlines]\n"
        'holidays_file = "holidays/2027.toml"\n'
        "[reports]\n"
        'font_path = "fonts/cjk.ttf"\n',
        encoding="utf-8",
    )
    settings = load(path)
    assert settings.storage.database_url == f"sqlite+aiosqlite:///{folder}/db/g.db"
    assert settings.evidence_path == folder / "files" / "evidence"
    assert settings.telegram.token.get_secret_value() == "123:relative"
    assert settings.telegram.webhook_secret.get_secret_value() == "hook-secret"
    assert settings.wecom.secret.get_secret_value() == "wecom-secret"
    assert Path(settings.deadlines.holidays_file) == folder / "holidays" / "2027.toml"
    assert Path(settings.reports.font_path) == folder / "fonts" / "cjk.ttf"


def test_a_font_path_is_checked_beside_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "cjk.ttf").write_bytes(b"x")
    with pytest.raises(ConfigError) as caught:
        parse('[reports]\nfont_path = "cjk.ttf"\n', tmp_path / "sub" / "c.toml")
    assert (caught.value.key, caught.value.problem) == ("[reports] font_path", "file_not_found")
    assert caught.value.detail == {"file": (tmp_path / "sub" / "cjk.ttf").absolute()}
    assert parse('[reports]\nfont_path = "cjk.ttf"\n', tmp_path / "c.toml").reports.font_path


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:////srv/guowen/guowen.db",
        "sqlite+aiosqlite:///:memory:",
        "postgresql+asyncpg://guowen:pw@127.0.0.1/guowen",
    ],
)
def test_other_database_urls_are_left_alone(tmp_path: Path, url: str) -> None:
    settings = parse(f'[storage]\ndatabase_url = "{url}"\n', tmp_path / "c.toml")
    assert settings.storage.database_url == url


@pytest.mark.parametrize(
    ("written", "language"),
    [
        ("zh-CN", Language.ZH),
        ("zh_CN", Language.ZH),
        ("zh-cn", Language.ZH),
        ("zh", Language.ZH),
        ("en", Language.EN),
        ("en_US", Language.EN),
        ("en-GB", Language.EN),
    ],
)
def test_language_tags_as_locales_write_them(written: str, language: Language) -> None:
    settings = parse(f'[court]\nlanguage = "{written}"\n', Path("c.toml"))
    assert settings.language is language


def test_guowen_run_on_the_example_says_which_transport_to_enable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_example(tmp_path)
    assert cli.main(["run", "--config", str(path)], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert err == t(None, "cli.nothing_enabled", path=str(path)) + "\n"
    assert err == (
        f"{path} 中没有启用任何通道。请在 [telegram]（需向 @BotFather 申请 token，见 README）、"
        "[wecom]（需填 corp_id、secret、token 和 encoding_aes_key）或 [console]（在本终端试用）"
        "中设置 enabled = true。\n"
    )
    assert not (tmp_path / "data").exists()  # refused before anything was created


def test_the_console_chat_carries_no_log_lines(tmp_path: Path) -> None:
    """``guowen run`` with the console, as a person at the terminal runs it."""
    path = write_example(tmp_path)
    before, console, after = path.read_text(encoding="utf-8").partition("[console]\n")
    after = after.replace("enabled = false", "enabled = true", 1)  # as the README says
    path.write_text(before + console + after, encoding="utf-8")
    assert load(path).console.enabled
    environment = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--config", str(path)],
        input="/help\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    chat = done.stdout.splitlines()
    assert (
        chat[0]
        == "guowen 正在运行：控制台。按 Ctrl-C 或发送 SIGTERM 即可停止（会先处理完手头的消息）。"
    )
    # No line of the chat is a log record; the terminal's other stream has no INFO chatter.
    for line in chat:
        assert not any(f" {level} " in line for level in ("INFO", "WARNING", "DEBUG")), line
        assert "apscheduler" not in line and "alembic" not in line, line
    assert " INFO " not in done.stderr, done.stderr


def test_libraries_log_warnings_only_and_never_to_stdout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    levels = {name: logging.getLogger(name).level for name in cli.OWN_LOGGERS}
    try:
        cli.configure_logging(parse("[console]\nenabled = true\n", Path("c.toml")))
        logging.getLogger("apscheduler.scheduler").info("Added job")
        logging.getLogger("aiohttp.access").info("GET /healthz 200")
        logging.getLogger("bot.runner").info("telegram: receiving")
        logging.getLogger("httpx").warning("a library's warning")
        console_run = stderr.getvalue()

        cli.configure_logging(parse("", Path("c.toml")))
        logging.getLogger("alembic.runtime.migration").info("Running upgrade")
        logging.getLogger("bot.runner").info("telegram: receiving")
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
    assert stdout.getvalue() == ""
    assert "Added job" not in console_run and "GET /healthz" not in console_run
    assert "telegram: receiving" not in console_run  # the console shares the terminal
    assert "a library's warning" in console_run
    rest = stderr.getvalue()[len(console_run) :]
    assert "Running upgrade" not in rest
    assert "telegram: receiving" in rest  # without the console, guowen's own INFO lines


def test_webhook_without_http_listen_uses_the_old_default() -> None:
    settings = parse(
        "[telegram]\nenabled = true\ntoken = '1:x'\nmode = 'webhook'\n"
        "webhook_url = 'https://a/tg'\nwebhook_secret = 's'\n",
        Path("c.toml"),
    )
    assert settings.http.listen == DEFAULT_LISTEN
    assert parse("", Path("c.toml")).http.listen == ""  # nothing needs a server
