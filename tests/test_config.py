"""The configuration file: every kind of mistake is one line naming the file and the key."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli_staff import but_office_notes

from bot import cli
from bot.config import (
    DEPRECATED,
    FILES,
    PRIVATE_FILES,
    SECRETS,
    SECTIONS,
    ConfigError,
    Settings,
    load,
    parse,
)
from handlers.i18n import t
from storage.db import DEFAULT_URL
from storage.vocabulary import Language

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENT = (
    "GUOWEN_CONFIG",
    "GUOWEN_TELEGRAM_TOKEN",
    "GUOWEN_TELEGRAM_WEBHOOK_SECRET",
    "GUOWEN_WECOM_SECRET",
    "GUOWEN_DATABASE_URL",
)
WECOM_KEYS = {
    "corp_id": '"ww0123"',
    "agent_id": "1000002",
    "secret": '"s3cret"',
    "token": '"tok"',
    "encoding_aes_key": '"' + "k" * 43 + '"',
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the developer's environment nor a ./config.toml may leak into these tests."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def problem_of(text: str, path: Path = Path("c.toml")) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        parse(text, path)
    return caught.value


def message(problem: str, **detail: object) -> str:
    return t(None, f"config.{problem}", **detail)


# The kinds of mistakes, as parse() reports them: (file text, key named, problem code, detail)
MISTAKES = [
    pytest.param("[court\nname = 1\n", "toml", "syntax", None, id="toml-syntax"),
    pytest.param("[courts]\nname = 'x'\n", "[courts]", "unknown_section", {}, id="section"),
    pytest.param("court = 1\n", "[court]", "not_table", {}, id="not-a-table"),
    pytest.param("[court]\nnmae = 'x'\n", "[court] nmae", "unknown_key", {}, id="key"),
    pytest.param(
        "[deadlines]\nregister_days = '2'\n",
        "[deadlines] register_days",
        "wrong_type",
        {"expected": "integer"},
        id="string-for-int",
    ),
    pytest.param(
        "[telegram]\nenabled = 1\n",
        "[telegram] enabled",
        "wrong_type",
        {"expected": "boolean"},
        id="int-for-bool",
    ),
    pytest.param(
        "[access]\ninvite_hours = true\n",
        "[access] invite_hours",
        "wrong_type",
        {"expected": "integer"},
        id="bool-for-int",
    ),
    pytest.param(
        "[court]\nname = 3\n",
        "[court] name",
        "wrong_type",
        {"expected": "string"},
        id="int-for-string",
    ),
    pytest.param(
        "[telegram]\nmode = 'push'\n",
        "[telegram] mode",
        "not_one_of",
        {"choices": "polling, webhook"},
        id="mode",
    ),
    pytest.param(
        "[court]\nlanguage = 'fr'\n",
        "[court] language",
        "not_one_of",
        {"choices": "zh-CN, en"},
        id="language",
    ),
    pytest.param(
        "[reminders]\ntick_seconds = 1\n",
        "[reminders] tick_seconds",
        "too_small",
        {"minimum": 5},
        id="too-small",
    ),
    pytest.param(
        "[access]\ninvite_hours = 100000\n",
        "[access] invite_hours",
        "too_large",
        {"maximum": 720},
        id="too-large",
    ),
    pytest.param(
        "[deadlines]\nregister_days = 0\n",
        "[deadlines] register_days",
        "too_small",
        {"minimum": 1},
        id="zero-days",
    ),
    pytest.param(
        "[court]\ntimezone = 'Asia/Beijing'\n",
        "[court] timezone",
        "bad_value",
        {"value": "Asia/Beijing"},
        id="timezone",
    ),
    pytest.param(
        "[reminders]\nquiet_hours = '22:00'\n",
        "[reminders] quiet_hours",
        "bad_value",
        {"value": "22:00"},
        id="quiet-hours",
    ),
    pytest.param(
        "[court]\nrecord_number = '过问{year}'\n",
        "[court] record_number",
        "bad_record_number",
        {"value": "过问{year}"},
        id="record-number",
    ),
    pytest.param(
        "[telegram]\nenabled = true\n",
        "[telegram] token",
        "token_required",
        {},
        id="telegram-without-token",
    ),
    pytest.param(
        "[telegram]\nenabled = true\ntoken = '1:x'\nmode = 'webhook'\nwebhook_url = 'https://a'\n",
        "[telegram] webhook_secret",
        "webhook_required",
        {},
        id="webhook-without-secret",
    ),
    pytest.param(
        "[telegram]\nenabled = true\ntoken_file = 'nowhere/token'\n",
        "[telegram] token_file",
        "file_not_found",
        None,
        id="missing-token-file",
    ),
    pytest.param(
        "[wecom]\nenabled = true\n",
        "[wecom] corp_id",
        "token_required",
        {},
        id="wecom-without-keys",
    ),
]


@pytest.mark.parametrize(("text", "key", "problem", "detail"), MISTAKES)
def test_each_mistake_names_its_key(
    text: str, key: str, problem: str, detail: dict[str, object] | None
) -> None:
    found = problem_of(text)
    assert (found.path, found.key, found.problem) == (Path("c.toml"), key, problem)
    if detail is not None:
        assert found.detail == detail
    # Every problem has words in both languages, filled from the detail it carries.
    for language in Language:
        assert t(language, f"config.{problem}", **found.detail)


def test_a_syntax_error_says_where() -> None:
    found = problem_of("[court]\nname = \n")
    assert "line 2" in str(found.detail["reason"])


@pytest.mark.parametrize("missing", sorted(WECOM_KEYS))
def test_wecom_needs_each_of_its_keys(missing: str) -> None:
    given = "\n".join(f"{key} = {value}" for key, value in WECOM_KEYS.items() if key != missing)
    found = problem_of(f"[wecom]\nenabled = true\n{given}\n")
    assert (found.key, found.problem) == (f"[wecom] {missing}", "token_required")


def test_wecom_with_all_its_keys_loads() -> None:
    given = "\n".join(f"{key} = {value}" for key, value in WECOM_KEYS.items())
    settings = parse(f"[wecom]\nenabled = true\n{given}\n", Path("c.toml"))
    assert (settings.wecom.enabled, settings.wecom.agent_id) == (True, 1000002)


def test_wecom_secret_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "wecom-secret"
    secret.write_text("from-file\n", encoding="utf-8")
    given = "\n".join(f"{key} = {value}" for key, value in WECOM_KEYS.items() if key != "secret")
    settings = parse(
        f"[wecom]\nenabled = true\nsecret_file = '{secret}'\n{given}\n", Path("c.toml")
    )
    assert settings.wecom.secret.get_secret_value() == "from-file"


def test_telegram_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUOWEN_TELEGRAM_TOKEN", " 123:from-env\n")
    settings = parse("[telegram]\nenabled = true\n", Path("c.toml"))
    assert settings.telegram.token.get_secret_value() == "123:from-env"


def test_telegram_token_from_a_file(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("123:from-file\n", encoding="utf-8")
    settings = parse(f"[telegram]\nenabled = true\ntoken_file = '{token}'\n", Path("c.toml"))
    assert settings.telegram.token.get_secret_value() == "123:from-file"


def test_the_environment_wins_over_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = tmp_path / "token"
    token.write_text("123:from-file\n", encoding="utf-8")
    monkeypatch.setenv("GUOWEN_TELEGRAM_TOKEN", "123:from-env")
    settings = parse(f"[telegram]\ntoken = 'inline'\ntoken_file = '{token}'\n", Path("c.toml"))
    assert settings.telegram.token.get_secret_value() == "123:from-env"


def test_database_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUOWEN_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    settings = parse("[storage]\ndatabase_url = 'sqlite+aiosqlite:///x.db'\n", Path("c.toml"))
    assert settings.storage.database_url == "postgresql+asyncpg://u@h/db"


def test_an_empty_file_gives_the_defaults() -> None:
    settings = parse("", Path("c.toml"))
    assert settings.storage.database_url == DEFAULT_URL
    assert settings.language is Language.ZH
    assert settings.tz.key == "Asia/Shanghai"
    assert (settings.telegram.enabled, settings.wecom.enabled) == (False, False)


def test_load_reports_a_missing_and_an_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        load(tmp_path / "nothing.toml")
    assert (missing.value.key, missing.value.problem) == ("file", "missing_file")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe[court]\n")
    with pytest.raises(ConfigError) as unreadable:
        load(binary)
    assert (unreadable.value.key, unreadable.value.problem) == ("file", "unreadable_file")


FULL = """\
[court]
name = "温县人民法院"
code = "豫0825"
timezone = "Asia/Shanghai"
language = "en"
record_number = "温法过问〔{{year}}〕{{n}}号"

[storage]
database_url = "sqlite+aiosqlite:///{root}/db/guowen.db"
evidence_dir = "{root}/evidence"
max_evidence_mb = 100

[telegram]
enabled = true
token = "123:abc"
mode = "webhook"
base_url = "http://127.0.0.1:8081/bot"
base_file_url = "http://127.0.0.1:8081/file/bot"
webhook_url = "https://bot.example.org/tg"
webhook_secret = "hook"

[http]
listen = "127.0.0.1:9443"

[wecom]
enabled = false
agent_id = 1000002

[console]
enabled = true

[access]
invite_hours = 24

[deadlines]
counting = "workdays"
register_days = 2
report_days = 3
cosign_days = 2
quarterly_days = 5
holidays_file = ""

[reminders]
quiet_hours = "21:30-07:30"
morning = "08:00"
tick_seconds = 30
escalate_after_workdays = 0
"""


def test_a_full_config_loads(tmp_path: Path) -> None:
    path = tmp_path / "full.toml"
    path.write_text(FULL.format(root=tmp_path), encoding="utf-8")
    settings = load(path)
    assert settings.path == path
    assert settings.language is Language.EN
    assert settings.court.record_number == "温法过问〔{year}〕{n}号"
    assert settings.storage.database_url == f"sqlite+aiosqlite:///{tmp_path}/db/guowen.db"
    assert settings.evidence_path == tmp_path / "evidence"
    assert (settings.telegram.mode, settings.telegram.webhook_secret.get_secret_value()) == (
        "webhook",
        "hook",
    )
    assert settings.deadlines.counting == "workdays"
    assert settings.reminders.escalate_after_workdays == 0
    assert settings.access.invite_hours == 24


def test_the_example_config_loads_and_documents_every_key() -> None:
    example = REPO / "bot" / "config.example.toml"
    if not example.exists():
        pytest.skip("config.example.toml is not written yet")
    settings = load(example)
    assert isinstance(settings, Settings)
    data = tomllib.loads(example.read_text(encoding="utf-8"))
    for name, section in SECTIONS.items():
        documented = {key for key in section.model_fields if (name, key) not in DEPRECATED}
        assert set(data.get(name, {})) == documented, name


# Through the command line: exit status 2 and one line on stderr.

ARGV_SHAPES = [
    pytest.param(["--config", "{path}", "staff", "list"], id="before"),
    pytest.param(["staff", "list", "--config", "{path}"], id="after"),
    pytest.param(["staff", "--config", "{path}", "list"], id="between"),
    pytest.param(["db", "status", "--config", "{path}"], id="db-status"),
]


def run_cli(argv: list[str]) -> int:
    return cli.main(argv, out=io.StringIO())


def assert_one_line(err: str, path: Path, key: str, text: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    # A problem of the whole file (``file``, ``toml``) names no key: there is none in English.
    where = "" if key in ("file", "toml") else f" {key}:"
    assert err == f"{path}:{where} {text}\n"


@pytest.mark.parametrize("argv", ARGV_SHAPES)
@pytest.mark.parametrize(("text", "key", "problem", "detail"), MISTAKES)
def test_the_command_line_prints_one_line_and_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    text: str,
    key: str,
    problem: str,
    detail: dict[str, object] | None,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    status = run_cli([part.format(path=path) for part in argv])

    err = capsys.readouterr().err
    assert status == 2
    expected = message(problem, **problem_of(text, path).detail)
    assert_one_line(err, path, key, expected)
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("argv", ARGV_SHAPES)
def test_a_missing_file_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    path = tmp_path / "absent.toml"
    assert run_cli([part.format(path=path) for part in argv]) == 2
    assert_one_line(capsys.readouterr().err, path, "file", message("missing_file"))


def test_without_config_the_default_file_is_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["staff", "list"]) == 2
    assert_one_line(capsys.readouterr().err, Path("config.toml"), "file", message("missing_file"))


def valid_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(
        f'[storage]\ndatabase_url = "sqlite+aiosqlite:///{folder}/g.db"\n'
        f'evidence_dir = "{folder}/evidence"\n',
        encoding="utf-8",
    )
    return path


def test_guowen_config_is_used_without_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "env" / "broken.toml"
    broken.parent.mkdir()
    broken.write_text("[court]\nfoo = 1\n", encoding="utf-8")
    monkeypatch.setenv("GUOWEN_CONFIG", str(broken))
    (tmp_path / "config.toml").write_text("", encoding="utf-8")  # ./config.toml is ignored

    assert run_cli(["staff", "list"]) == 2
    assert_one_line(capsys.readouterr().err, broken, "[court] foo", message("unknown_key"))

    good = valid_config(tmp_path / "good")
    monkeypatch.setenv("GUOWEN_CONFIG", str(good))
    assert run_cli(["db", "upgrade"]) == 0
    assert (tmp_path / "good" / "g.db").is_file()


def test_config_wins_over_guowen_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GUOWEN_CONFIG", str(tmp_path / "absent.toml"))
    good = valid_config(tmp_path / "good")
    assert run_cli(["staff", "list", "--config", str(good)]) == 0
    # No configuration problem: only the notes on the court-wide roles nobody holds yet.
    assert but_office_notes(capsys.readouterr().err) == []


def test_a_token_file_that_cannot_be_read_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "token"
    secret.mkdir()  # a folder: exists, but cannot be read as a file
    path = tmp_path / "config.toml"
    path.write_text(f"[telegram]\nenabled = true\ntoken_file = '{secret}'\n", encoding="utf-8")
    assert run_cli(["--config", str(path), "staff", "list"]) == 2
    assert_one_line(
        capsys.readouterr().err, path, "[telegram] token_file", message("unreadable_file")
    )


def test_a_valid_config_runs_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "full.toml"
    path.write_text(FULL.format(root=tmp_path), encoding="utf-8")
    out = io.StringIO()
    assert cli.main(["db", "upgrade", "--config", str(path)], out=out) == 0
    assert capsys.readouterr().err == ""
    assert out.getvalue().startswith("database revision: ")
    assert (tmp_path / "db" / "guowen.db").is_file()


# Every value of every key: a mistake is a ConfigError naming its key, never a traceback.

TOML_VALUES = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.sampled_from(["", " ", "\x00", "a\x00b", ":memory:", "..", "/", "~", "sqlite:///x\x00"]),
    st.lists(st.integers(min_value=-9, max_value=9), max_size=3),
    st.dates(),
)
KEYS = [(name, key) for name, section in SECTIONS.items() for key in section.model_fields]


def toml_value(value: object) -> str:
    """``value`` as TOML writes it (JSON's strings are TOML's basic strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    return str(value)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(where=st.sampled_from(KEYS), value=TOML_VALUES)
def test_any_value_of_any_key_loads_or_names_that_key(
    where: tuple[str, str], value: object
) -> None:
    section, key = where
    text = f"[{section}]\n{key} = {toml_value(value)}\n"
    assert tomllib.loads(text) == {section: {key: value}}
    try:
        parsed = parse(text, Path("c.toml"))
    except ConfigError as found:
        assert found.key.startswith(f"[{section}] "), (found.key, text)
        words = {
            language: t(language, f"config.{found.problem}", **found.detail)
            for language in Language
        }
        assert all(words.values())
        if isinstance(value, str) and where in SECRETS:
            assert value not in [str(shown) for shown in found.detail.values()]
    else:
        got = getattr(getattr(parsed, section), key)
        kind = type(SECTIONS[section].model_fields[key].default)
        assert isinstance(got, kind)


SECRET = st.text(alphabet="ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyz23456789", min_size=16)


@settings(max_examples=60, deadline=None)
@given(token=SECRET, hook=SECRET, wecom=SECRET, password=SECRET, from_environment=st.booleans())
def test_repr_of_the_settings_never_shows_a_secret(
    token: str, hook: str, wecom: str, password: str, from_environment: bool
) -> None:
    url = f"postgresql+asyncpg://guowen:{password}@db.court.local/guowen"
    token = f"123456:{token}"  # @BotFather's shape: the bot's number, a colon, the secret
    keys = {
        ("telegram", "token"): token,
        ("telegram", "webhook_secret"): hook,
        ("wecom", "secret"): wecom,
        ("storage", "database_url"): url,
    }
    lines = ["[telegram]\nenabled = true\nmode = 'webhook'\nwebhook_url = 'https://a/tg'\n"]
    lines.append(
        "[wecom]\nenabled = true\ncorp_id = 'c'\nagent_id = 2\ntoken = 't'\n"
        f"encoding_aes_key = '{'k' * 43}'\n"
    )
    environment = dict(os.environ)
    if from_environment:
        os.environ.update({SECRETS[where]: value for where, value in keys.items()})
        text = "".join(lines)
    else:
        inline = {section: "" for section, _ in keys}
        for (section, key), value in keys.items():
            inline[section] += f"{key} = {json.dumps(value)}\n"
        text = "".join(f"[{section}]\n{body}" for section, body in inline.items())
        text = text.replace("[telegram]\n", lines[0], 1).replace("[wecom]\n", lines[1], 1)
    try:
        loaded = parse(text, Path("c.toml"))
    finally:
        os.environ.clear()
        os.environ.update(environment)
    assert loaded.telegram.token.get_secret_value() == token
    assert loaded.storage.database_url == url
    for shown in (repr(loaded), str(loaded), repr(loaded.storage), repr(loaded.telegram)):
        for secret in (token, hook, wecom, password):
            assert secret not in shown
    assert "guowen:***@db.court.local" in repr(loaded)


def test_the_old_listen_keys_move_to_http_with_one_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "old.toml"
    text = "[telegram]\nlisten = '127.0.0.1:9443'\n"
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        first = parse(text, path)
        again = parse(text, path)
    assert first.http.listen == again.http.listen == "127.0.0.1:9443"
    assert first.telegram.listen == "127.0.0.1:9443"  # callers of the old key see the same
    assert [record.levelno for record in caplog.records] == [logging.WARNING]
    assert caplog.records[0].getMessage() == (
        f"{path}：[telegram] listen 已改名为 [http] listen；"
        '现按 [http] listen = "127.0.0.1:9443" 读取。请把这一行移到 [http] 节。'
    )


def test_an_old_listen_key_beside_http_listen_is_ignored_with_a_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "both.toml"
    text = "[court]\nlanguage = 'en'\n[wecom]\nlisten = '0.0.0.0:8444'\n[http]\nlisten = ':8080'\n"
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        loaded = parse(text, path)
    assert (loaded.http.listen, loaded.wecom.listen) == (":8080", ":8080")
    assert [record.getMessage() for record in caplog.records] == [
        f'{path}: [wecom] listen = "0.0.0.0:8444" is ignored: [http] listen is set and the one '
        "HTTP server listens there. Delete the old line."
    ]


def test_wecom_api_and_callback_keys() -> None:
    loaded = parse("", Path("c.toml"))
    assert loaded.wecom.api_base_url == "https://qyapi.weixin.qq.com/cgi-bin/"
    assert loaded.wecom.callback_path == "/wecom/callback"
    proxy = parse(
        "[wecom]\napi_base_url = 'https://wx-proxy.court.local/cgi-bin/'\n"
        "callback_path = '/wx/cb'\n",
        Path("c.toml"),
    )
    assert (proxy.wecom.api_base_url, proxy.wecom.callback_path) == (
        "https://wx-proxy.court.local/cgi-bin/",
        "/wx/cb",
    )
    for text, key in [
        ("api_base_url = 'https://qyapi.weixin.qq.com/cgi-bin'", "[wecom] api_base_url"),
        ("api_base_url = 'https://qyapi.weixin.qq.com/'", "[wecom] api_base_url"),
        ("callback_path = 'wecom/callback'", "[wecom] callback_path"),
    ]:
        found = problem_of(f"[wecom]\n{text}\n")
        assert (found.key, found.problem) == (key, "bad_value")


def test_a_database_url_that_is_no_url_does_not_repeat_it() -> None:
    found = problem_of("[storage]\ndatabase_url = 'guowen:hunter2@localhost'\n")
    assert (found.key, found.problem, found.detail) == (
        "[storage] database_url",
        "bad_database_url",
        {},
    )
    assert "hunter2" not in message("bad_database_url")


@pytest.mark.parametrize(
    "url", ["court-evidence", "https://s3.example.org/b", "s3://", "s3://Upper/x", "s3://b?x=1"]
)
def test_an_evidence_url_that_is_no_object_store_is_refused(url: str) -> None:
    found = problem_of(f"[storage]\nevidence_url = '{url}'\n")
    assert (found.key, found.problem) == ("[storage] evidence_url", "bad_evidence_url")
    assert "s3://BUCKET/PREFIX" in t("en", "config.bad_evidence_url")


def test_object_lock_needs_its_days_and_a_known_mode() -> None:
    found = problem_of("[storage]\nobject_lock_mode = 'COMPLIANCE'\n")
    assert (found.key, found.problem) == ("[storage] object_lock_days", "lock_days_required")
    found = problem_of("[storage]\nobject_lock_mode = 'compliance'\nobject_lock_days = 30\n")
    assert (found.key, found.problem) == ("[storage] object_lock_mode", "not_one_of")


def test_an_object_store_is_built_from_the_storage_section(tmp_path: Path) -> None:
    from bot.evidence import evidence_blobs
    from storage.blobs import BlobStore
    from storage.objects import LockMode, S3Blobs

    path = tmp_path / "court" / "config.toml"
    path.parent.mkdir()
    path.write_text(
        "[storage]\n"
        "evidence_url = 's3://court-evidence/guowen/'\n"
        "s3_endpoint = 'http://127.0.0.1:9000'\n"
        "s3_region = 'cn-north-1'\n"
        "s3_credentials_file = 'secrets/s3'\n"
        "object_lock_mode = 'GOVERNANCE'\n"
        "object_lock_days = 3650\n",
        encoding="utf-8",
    )
    (path.parent / "secrets").mkdir(mode=0o700)
    (path.parent / "secrets" / "s3").write_text("[default]\n", encoding="utf-8")
    settings = load(path)
    assert settings.storage.s3_credentials_file == str(tmp_path / "court" / "secrets" / "s3")
    blobs = evidence_blobs(settings)
    assert isinstance(blobs, S3Blobs)
    assert blobs.location == "s3://court-evidence/guowen"
    assert blobs.lock is not None and (blobs.lock.mode, blobs.lock.days) == (
        LockMode.GOVERNANCE,
        3650,
    )
    assert blobs.root == settings.evidence_path
    assert blobs.client.meta.region_name == "cn-north-1"
    assert blobs.client.meta.endpoint_url == "http://127.0.0.1:9000"
    settings.storage.evidence_url = ""
    assert isinstance(evidence_blobs(settings), BlobStore)


# Values a key's type allows but the service or library refuses later (trial 11, F6-F9): each
# is a file problem named by its key before any network step, and each good value is taken.


def braces(text: str) -> str:
    """``text`` as a literal part of a ``str.format`` pattern."""
    return text.replace("{", "{{").replace("}", "}}")


LITERAL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8
).map(braces)
PLACEHOLDERS = st.sampled_from(["{x}", "{0}", "{}", "{year.real}", "{n[0]}", "{", "}", "{n"])


def outside(pattern: str) -> st.SearchStrategy[str]:
    """Non-empty text that does not wholly match ``pattern``."""
    compiled = re.compile(pattern)
    near = st.from_regex(pattern, fullmatch=True).flatmap(
        lambda v: st.sampled_from([v + " ", " " + v, v + "é", v + "/", v + "\n", v[:-1] + "."])
    )
    text = st.text(max_size=60).filter(lambda v: bool(v) and not compiled.fullmatch(v))
    return st.one_of(near, text).filter(lambda v: not compiled.fullmatch(v))


def pattern(regex: str, problem: str) -> tuple[st.SearchStrategy[str], st.SearchStrategy[str], str]:
    """The values wholly matching ``regex``, those that do not, and the problem named."""
    return st.from_regex(regex, fullmatch=True), outside(regex), problem


def urls(*schemes: str) -> st.SearchStrategy[str]:
    host = st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
    port = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))
    path = st.from_regex(r"(/[A-Za-z0-9_.-]{0,12}){0,3}", fullmatch=True)
    return st.tuples(st.sampled_from(schemes), host, port, path).map(
        lambda p: f"{p[0]}://{p[1]}{p[2]}{p[3]}"
    )


def not_urls(*schemes: str) -> st.SearchStrategy[str]:
    others = [s for s in ("http", "https", "ftp", "file", "ws") if s not in schemes]
    return st.one_of(
        urls(*others),
        urls(*schemes).map(lambda u: u.split("://", 1)[1]),  # no scheme
        st.sampled_from(schemes).map(lambda s: f"{s}://"),  # no host
        urls(*schemes).map(lambda u: u + " "),
        urls(*schemes).map(lambda u: u.replace("://", ":/", 1)),
    )


HOST_PORT = st.tuples(
    st.sampled_from(["", "127.0.0.1", "0.0.0.0", "[::1]", "localhost"]), st.integers(0, 65535)
).map(lambda p: f"{p[0]}:{p[1]}")
# (section, key): (values taken, values refused, the problem named)
CHECKED: dict[tuple[str, str], tuple[st.SearchStrategy[str], st.SearchStrategy[str], str]] = {
    ("court", "record_number"): (
        st.tuples(LITERAL, LITERAL, LITERAL, st.booleans()).map(
            lambda p: (
                f"{p[0]}{{year}}{p[1]}{{n}}{p[2]}" if p[3] else f"{p[0]}{{n}}{p[1]}{{year}}{p[2]}"
            )
        ),
        st.one_of(
            st.tuples(LITERAL, LITERAL).map(lambda p: f"{p[0]}{{n}}{p[1]}"),  # F9: no {year}
            st.tuples(LITERAL, LITERAL).map(lambda p: f"{p[0]}{{year}}{p[1]}"),  # no {n}
            st.tuples(LITERAL, PLACEHOLDERS).map(lambda p: f"{p[0]}{{year}}{{n}}{p[1]}"),
            LITERAL.filter(bool),
        ),
        "bad_record_number",
    ),
    ("wecom", "encoding_aes_key"): pattern(r"[A-Za-z0-9+/]{43}", "bad_aes_key"),
    ("wecom", "token"): pattern(r"[A-Za-z0-9]{1,32}", "bad_wecom_token"),
    ("telegram", "token"): (
        st.from_regex(r"[0-9]{1,12}:[A-Za-z0-9_-]{1,40}", fullmatch=True),
        outside(r"[0-9]+:[A-Za-z0-9_-]+"),
        "bad_telegram_token",
    ),
    ("telegram", "webhook_secret"): pattern(r"[A-Za-z0-9_-]{1,256}", "bad_webhook_secret"),
    ("telegram", "webhook_url"): (urls("https", "http"), not_urls("https", "http"), "bad_url"),
    ("telegram", "base_url"): (urls("https", "http"), not_urls("https", "http"), "bad_url"),
    ("telegram", "base_file_url"): (urls("https", "http"), not_urls("https", "http"), "bad_url"),
    ("storage", "s3_endpoint"): (urls("https", "http"), not_urls("https", "http"), "bad_url"),
    ("wecom", "api_base_url"): (
        urls("https", "http").map(lambda u: u.rstrip("/") + "/cgi-bin/"),
        st.one_of(
            urls("ftp", "file", "ws").map(lambda u: u.rstrip("/") + "/cgi-bin/"),
            urls("https").map(lambda u: u.split("://", 1)[1].rstrip("/") + "/cgi-bin/"),
            st.sampled_from(["https:///cgi-bin/", "qyapi.weixin.qq.com/cgi-bin/"]),
        ),
        "bad_url",
    ),
    ("http", "listen"): (
        HOST_PORT,
        st.one_of(
            outside(r".*:[0-9]+"),
            st.sampled_from([":65536", ":99999", "localhost:http", ":８０"]),
        ),
        "bad_listen",
    ),
}


@settings(max_examples=150, deadline=None)
@given(data=st.data(), where=st.sampled_from(sorted(CHECKED)))
def test_a_value_the_service_refuses_names_its_key(
    data: st.DataObject, where: tuple[str, str]
) -> None:
    section, key = where
    good, bad, problem = CHECKED[where]
    value = data.draw(good, label="good")
    parsed = parse(f"[{section}]\n{key} = {toml_value(value)}\n", Path("c.toml"))
    got = getattr(getattr(parsed, section), key)
    assert (got.get_secret_value() if where in SECRETS else got) == value

    value = data.draw(bad, label="bad")
    found = problem_of(f"[{section}]\n{key} = {toml_value(value)}\n")
    assert (found.key, found.problem) == (f"[{section}] {key}", problem)
    for language in Language:
        words = t(language, f"config.{problem}", **found.detail)
        assert "\n" not in words
        if (where in SECRETS or key in ("token", "encoding_aes_key")) and len(value) > 8:
            assert value not in words  # a secret is never repeated


@pytest.mark.parametrize(
    ("section", "text", "key", "problem"),
    [
        pytest.param("court", "record_number = '温法过问{n}号'", "record_number", "", id="F9"),
        pytest.param("wecom", "encoding_aes_key = 'abc'", "encoding_aes_key", "", id="F6"),
        pytest.param("telegram", "webhook_secret = 'a b c / é'", "webhook_secret", "", id="F7"),
        pytest.param(
            "telegram",
            "enabled = true\nmode = 'webhook'\ntoken = '123456:ABC'\nwebhook_secret = 'abc'\n"
            "webhook_url = 'http://bot.court.local/tg'",
            "webhook_url",
            "webhook_not_https",
            id="F7-http",
        ),
    ],
)
def test_the_trials_values_stop_the_command_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    section: str,
    text: str,
    key: str,
    problem: str,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[{section}]\n{text}\n", encoding="utf-8")
    found = problem_of(path.read_text(encoding="utf-8"), path)
    assert found.key == f"[{section}] {key}"
    assert not problem or found.problem == problem
    assert run_cli(["--config", str(path), "run"]) == 2
    words = message(found.problem, **found.detail)
    assert_one_line(capsys.readouterr().err, path, found.key, words)


def test_a_webhook_over_http_is_taken_only_by_a_local_bot_api_server() -> None:
    webhook = (
        "[telegram]\nenabled = true\nmode = 'webhook'\ntoken = '1:x'\nwebhook_secret = 's'\n"
        "webhook_url = 'http://127.0.0.1:8443/tg'\n"
    )
    assert problem_of(webhook).problem == "webhook_not_https"
    local = parse(webhook + "base_url = 'http://127.0.0.1:8081/bot'\n", Path("c.toml"))
    assert local.telegram.webhook_url == "http://127.0.0.1:8443/tg"
    polling = parse(webhook.replace("'webhook'", "'polling'"), Path("c.toml"))
    assert polling.telegram.mode == "polling"


@pytest.mark.parametrize("where", FILES, ids=lambda where: "-".join(where))
def test_a_file_key_naming_no_file_says_so_with_the_resolved_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: tuple[str, str]
) -> None:
    section, key = where
    path = tmp_path / "court" / "config.toml"
    path.parent.mkdir()
    path.write_text(f"[{section}]\n{key} = 'secrets/missing'\n", encoding="utf-8")
    resolved = (tmp_path / "court" / "secrets" / "missing").absolute()

    assert run_cli(["--config", str(path), "db", "status"]) == 2
    found = problem_of(path.read_text(encoding="utf-8"), path)
    assert (found.key, found.problem, found.detail) == (
        f"[{section}] {key}",
        "file_not_found",
        {"file": resolved},
    )
    words = message("file_not_found", file=resolved)
    assert str(resolved) in words
    assert_one_line(capsys.readouterr().err, path, f"[{section}] {key}", words)


@pytest.mark.parametrize("where", PRIVATE_FILES, ids=lambda where: "-".join(where))
@pytest.mark.parametrize("mode", [0o600, 0o400, 0o640, 0o644, 0o604, 0o660], ids=oct)
def test_a_secret_file_others_may_read_gets_a_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, where: tuple[str, str], mode: int
) -> None:
    section, key = where
    secret = tmp_path / f"secret-{mode:o}"
    secret.write_text("123456:secret\n" if key == "token_file" else "secret\n", encoding="utf-8")
    secret.chmod(mode)
    path = tmp_path / f"{section}-{key}.toml"
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        parse(f"[{section}]\n{key} = '{secret.name}'\n", path)  # taken: a notice, no refusal
    notices = [record.getMessage() for record in caplog.records]
    if mode & 0o077:
        setting = f"[{section}] {key}"
        assert notices == [
            message("secret_file_open", path=path, setting=setting, file=secret, mode=f"{mode:o}")
        ]
    else:
        assert notices == []


@pytest.mark.parametrize(
    ("code", "noticed"),
    [("豫0825", False), ("", False), ("豫825", True), ("豫0825 ", False), ("Henan", True)],
)
def test_a_court_code_missing_from_the_spc_table_gets_a_notice(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, code: str, noticed: bool
) -> None:
    path = tmp_path / f"code-{len(code)}-{noticed}.toml"
    with caplog.at_level(logging.WARNING, logger="bot.config"):
        loaded = parse(f"[court]\ncode = {toml_value(code)}\n", path)  # taken either way
    assert loaded.court.code == code
    notices = [record.getMessage() for record in caplog.records]
    words = message("court_code_unknown", path=path, code=code.strip())
    assert notices == ([words] if noticed else [])
