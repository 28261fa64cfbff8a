"""The configuration file: read, checked key by key, and turned into typed settings.

Every problem is reported as one line naming the file and the key, because the person reading
it is an IT officer at a court, not a Python developer.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.db import DEFAULT_URL
from storage.vocabulary import Language

ENV_CONFIG = "GUOWEN_CONFIG"
DEFAULT_PATH = Path("config.toml")


class ConfigError(Exception):
    """A problem with the configuration: ``problem`` is a catalog key under ``config.``."""

    def __init__(self, path: Path, key: str, problem: str, **detail: object) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key
        self.problem = problem
        self.detail = detail


def _check_timezone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_QUIET = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d)$")


def choice(*options: str) -> dict[str, Any]:
    return {"choices": options}


@dataclass
class Court:
    name: str = "人民法院"
    code: str = ""
    timezone: str = field(default="Asia/Shanghai", metadata={"check": _check_timezone})
    language: str = field(default=Language.ZH.value, metadata=choice(*(x.value for x in Language)))
    record_number: str = field(
        default="过问〔{year}〕{n}号", metadata={"check": lambda v: "{n}" in v}
    )


@dataclass
class Storage:
    database_url: str = DEFAULT_URL
    evidence_dir: str = "data/evidence"
    max_evidence_mb: int = field(default=2048, metadata={"min": 1})


@dataclass
class Telegram:
    enabled: bool = False
    token: str = ""
    token_file: str = ""
    mode: str = field(default="polling", metadata=choice("polling", "webhook"))
    base_url: str = ""
    base_file_url: str = ""
    webhook_url: str = ""
    webhook_secret: str = ""
    webhook_secret_file: str = ""
    listen: str = "127.0.0.1:8443"


@dataclass
class Wecom:
    enabled: bool = False
    corp_id: str = ""
    agent_id: int = 0
    secret: str = ""
    secret_file: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    listen: str = "127.0.0.1:8444"


@dataclass
class Http:
    """The one HTTP server: Telegram's webhook, WeCom's callback, ``/healthz``, ``/metrics``.

    ``listen`` is ``host:port``; empty means no HTTP server (polling and the console only).
    """

    listen: str = ""


@dataclass
class Console:
    enabled: bool = False


@dataclass
class Access:
    invite_hours: int = field(default=72, metadata={"min": 1})


@dataclass
class Deadlines:
    counting: str = field(default="calendar", metadata=choice("calendar", "workdays"))
    register_days: int = field(default=2, metadata={"min": 1})
    report_days: int = field(default=3, metadata={"min": 1})
    cosign_days: int = field(default=2, metadata={"min": 1})
    quarterly_days: int = field(default=5, metadata={"min": 1})
    holidays_file: str = ""


@dataclass
class Reminders:
    quiet_hours: str = field(default="22:00-08:00", metadata={"check": _QUIET.match})
    morning: str = field(default="08:30", metadata={"check": _HHMM.match})
    tick_seconds: int = field(default=60, metadata={"min": 5})
    escalate_after_workdays: int = field(default=1, metadata={"min": 0})


@dataclass
class Reports:
    font_path: str = field(default="", metadata={"check": lambda v: not v or Path(v).is_file()})


@dataclass
class Settings:
    path: Path
    court: Court = field(default_factory=Court)
    storage: Storage = field(default_factory=Storage)
    telegram: Telegram = field(default_factory=Telegram)
    wecom: Wecom = field(default_factory=Wecom)
    http: Http = field(default_factory=Http)
    console: Console = field(default_factory=Console)
    access: Access = field(default_factory=Access)
    deadlines: Deadlines = field(default_factory=Deadlines)
    reminders: Reminders = field(default_factory=Reminders)
    reports: Reports = field(default_factory=Reports)

    @property
    def language(self) -> Language:
        return Language(self.court.language)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.court.timezone)

    @property
    def evidence_path(self) -> Path:
        return Path(self.storage.evidence_dir)


SECTIONS: dict[str, type] = {
    "court": Court,
    "storage": Storage,
    "telegram": Telegram,
    "wecom": Wecom,
    "http": Http,
    "console": Console,
    "access": Access,
    "deadlines": Deadlines,
    "reminders": Reminders,
    "reports": Reports,
}

SECRETS: dict[tuple[str, str], str] = {
    ("telegram", "token"): "GUOWEN_TELEGRAM_TOKEN",
    ("telegram", "webhook_secret"): "GUOWEN_TELEGRAM_WEBHOOK_SECRET",
    ("wecom", "secret"): "GUOWEN_WECOM_SECRET",
    ("storage", "database_url"): "GUOWEN_DATABASE_URL",
}

_TYPE_NAMES = {str: "string", int: "integer", bool: "boolean"}


def _section(path: Path, name: str, raw: object) -> object:
    cls = SECTIONS[name]
    if not isinstance(raw, dict):
        raise ConfigError(path, f"[{name}]", "not_table")
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    values: dict[str, object] = {}
    for key, value in raw.items():
        where = f"[{name}] {key}"
        spec = known.get(key)
        if spec is None:
            raise ConfigError(path, where, "unknown_key")
        kind = hints[key]
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(path, where, "wrong_type", expected=_TYPE_NAMES[kind])
        meta = spec.metadata
        if "choices" in meta and value not in meta["choices"]:
            raise ConfigError(path, where, "not_one_of", choices=", ".join(meta["choices"]))
        if "min" in meta and isinstance(value, int) and value < meta["min"]:
            raise ConfigError(path, where, "too_small", minimum=meta["min"])
        if "check" in meta and not meta["check"](value):
            raise ConfigError(path, where, "bad_value", value=value)
        values[key] = value
    return cls(**values)


def _secret(path: Path, section: str, key: str, current: str, file_value: str) -> str:
    env = SECRETS.get((section, key))
    if env and os.environ.get(env):
        return os.environ[env].strip()
    if file_value:
        secret_path = Path(file_value)
        try:
            return secret_path.read_text(encoding="utf-8").strip()
        except OSError:
            raise ConfigError(path, f"[{section}] {key}_file", "unreadable_file") from None
    return current


def resolve_path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    return Path(env) if env else DEFAULT_PATH


def parse(text: str, path: Path) -> Settings:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "toml", "syntax", reason=str(error)) from None
    sections: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in SECTIONS:
            raise ConfigError(path, f"[{name}]", "unknown_section")
        sections[name] = _section(path, name, raw)
    settings = Settings(path=path, **sections)
    tg, wc = settings.telegram, settings.wecom
    tg.token = _secret(path, "telegram", "token", tg.token, tg.token_file)
    tg.webhook_secret = _secret(
        path, "telegram", "webhook_secret", tg.webhook_secret, tg.webhook_secret_file
    )
    wc.secret = _secret(path, "wecom", "secret", wc.secret, wc.secret_file)
    settings.storage.database_url = _secret(
        path, "storage", "database_url", settings.storage.database_url, ""
    )
    if tg.enabled and not tg.token:
        raise ConfigError(path, "[telegram] token", "token_required")
    if tg.enabled and tg.mode == "webhook" and not (tg.webhook_url and tg.webhook_secret):
        raise ConfigError(path, "[telegram] webhook_secret", "webhook_required")
    if wc.enabled:
        for key in ("corp_id", "secret", "token", "encoding_aes_key"):
            if not getattr(wc, key):
                raise ConfigError(path, f"[wecom] {key}", "token_required")
    return settings


def load(path: Path) -> Settings:
    """Read and check the file at ``path``; any problem raises ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, "file", "missing_file") from None
    except (OSError, UnicodeDecodeError):
        raise ConfigError(path, "file", "unreadable_file") from None
    return parse(text, path)


def defaults(path: Path = DEFAULT_PATH) -> Settings:
    return Settings(path=path)
