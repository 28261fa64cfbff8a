"""The configuration file: read, checked key by key, and turned into typed settings.

Built on ``pydantic-settings``: each ``[section]`` is a strict pydantic model that forbids
unknown keys, the secrets are :class:`~pydantic.SecretStr` (so ``repr(settings)`` never shows
them), and the secrets' environment variables and ``*_file`` keys are settings sources. Every
validation error is mapped onto one line naming the file and the key (``file: [section] key:
message``, messages in ``handlers/locale/*/cli.toml`` under ``config.``), because the person
reading it is an IT officer at a court, not a Python developer.

Relative paths in the file (the SQLite file in ``database_url``, ``evidence_dir``,
``holidays_file``, ``font_path`` and the ``*_file`` secrets) are relative to the folder of the
configuration file, not to the working folder.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import string
import tomllib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from handlers.i18n import t
from storage.casenumber import court_name
from storage.db import DEFAULT_URL
from storage.vocabulary import MAX_INVITE_HOURS, Language

log = logging.getLogger(__name__)

ENV_CONFIG = "GUOWEN_CONFIG"
DEFAULT_PATH = Path("config.toml")
# Where the one HTTP server listens when a webhook or a callback needs it and [http] listen is
# empty: the old default of [telegram] listen, on loopback behind the court's reverse proxy.
DEFAULT_LISTEN = "127.0.0.1:8443"
WECOM_API = "https://qyapi.weixin.qq.com/cgi-bin/"


class ConfigError(Exception):
    """A problem with the configuration: ``problem`` is a catalog key under ``config.``.

    ``key`` is what the one-line message names: ``"file"``, ``"toml"``, ``"[section]"`` or
    ``"[section] key"``; ``detail`` fills the message's placeholders.
    """

    def __init__(self, path: Path, key: str, problem: str, **detail: object) -> None:
        super().__init__(f"{path}: {key}: {problem}")
        self.path = path
        self.key = key
        self.problem = problem
        self.detail = detail


# Checks shared by the sections: each raises an error whose type is a problem code of the
# catalog (``config.<type>``) and whose context fills its message.


def _problem(code: str, **context: object) -> PydanticCustomError:
    return PydanticCustomError(code, code, context)


def _one_of(*options: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in options:
            raise _problem("not_one_of", choices=", ".join(options))
        return value

    return AfterValidator(check)


def _holds(predicate: Callable[[Any], object]) -> AfterValidator:
    def check(value: Any) -> Any:
        if not predicate(value):
            raise _problem("bad_value", value=value)
        return value

    return AfterValidator(check)


def _is_timezone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _language(value: object) -> object:
    """``zh_CN``, ``zh-cn`` and ``zh`` are ``zh-CN``; ``en_US``, ``en-GB`` ... are ``en``."""
    if not isinstance(value, str):
        return value
    tag = value.strip().replace("_", "-").lower()
    if tag in ("zh", "zh-cn", "zh-hans", "zh-hans-cn"):
        return Language.ZH.value
    if tag == "en" or tag.startswith("en-"):
        return Language.EN.value
    return value


def _evidence_url(value: str) -> str:
    if value and not re.fullmatch(r"s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/[^?#]*)?", value):
        raise _problem("bad_evidence_url")
    return value


def _database_url(value: str) -> str:
    try:
        make_url(value)
    except ArgumentError:
        # Not "bad_value": the message would repeat the URL, and with it a password.
        raise _problem("bad_database_url") from None
    return value


def _record_number(value: str) -> str:
    """Both ``{year}`` and ``{n}`` (the running number restarts each year), and no other
    placeholder: ``str.format(year=..., n=...)`` must give the number."""
    try:
        fields = {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
        value.format(year=2026, n=1)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        fields = set()
    if fields != {"year", "n"}:
        raise _problem("bad_record_number", value=value)
    return value


def _matches(pattern: str, problem: str) -> AfterValidator:
    """Empty, or the whole value matches ``pattern``; else ``problem`` (which does not repeat
    the value: some of these keys are secret)."""
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text and not compiled.fullmatch(text):
            raise _problem(problem)
        return value

    return AfterValidator(check)


def _url(*schemes: str) -> AfterValidator:
    """Empty, or an absolute URL of one of ``schemes`` with a host; else ``bad_url``."""

    def check(value: str) -> str:
        if not value:
            return value
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a port that is no number
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in schemes or not parts.hostname or value != value.strip():
            raise _problem("bad_url", value=value, schemes=", ".join(s + "://" for s in schemes))
        return value

    return AfterValidator(check)


def _listen(value: str) -> str:
    """Empty, or ``host:port`` as :func:`bot.http.split_listen` reads it, port 0-65535 (0:
    any free port, chosen by the system)."""
    _, colon, port = value.rpartition(":")
    if value and not (colon and port.isascii() and port.isdigit() and 0 <= int(port) <= 65535):
        raise _problem("bad_listen", value=value)
    return value


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_QUIET = re.compile(r"^(([01]\d|2[0-3]):[0-5]\d)-(([01]\d|2[0-3]):[0-5]\d)$")

Count = Annotated[int, Field(ge=1)]
# A path; relative ones are relative to the configuration file's folder.
PathText = Annotated[str, _holds(lambda v: "\x00" not in v)]
Timezone = Annotated[str, _holds(_is_timezone)]
HttpUrl = Annotated[str, _url("http", "https")]
Listen = Annotated[str, AfterValidator(_listen)]
LanguageTag = Annotated[
    str, BeforeValidator(_language), _one_of(*(language.value for language in Language))
]


class Section(BaseModel):
    """One ``[section]`` of the file: strict types (no ``"2"`` for 2), unknown keys refused.

    Assignments are validated too, so ``settings.telegram.token = "..."`` stores a
    ``SecretStr`` as the file would.
    """

    model_config = ConfigDict(strict=True, extra="forbid", validate_assignment=True)


class Court(Section):
    """``[court]``: who the court is, its time zone and its default language."""

    name: str = "人民法院"
    code: str = ""
    timezone: Timezone = "Asia/Shanghai"
    language: LanguageTag = Language.ZH.value
    record_number: Annotated[str, AfterValidator(_record_number)] = "过问〔{year}〕{n}号"
    case_types_file: PathText = ""


class Storage(Section):
    """``[storage]``: the database and the evidence folder (``max_evidence_mb`` in MB of 10^6 B).

    ``evidence_url`` (``s3://bucket/prefix``) keeps the evidence in an S3-compatible object
    store instead of ``evidence_dir`` (which then only holds the spool and reports):
    ``s3_endpoint`` and ``s3_region`` say where, the credentials come from the environment
    (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``) or ``s3_credentials_file``, and
    ``object_lock_mode`` with ``object_lock_days`` the retention each object gets.

    ``database_url`` stays a plain ``str`` for SQLAlchemy; ``repr`` shows it with its password
    replaced by ``***``.
    """

    database_url: Annotated[str, AfterValidator(_database_url)] = Field(
        default=DEFAULT_URL, repr=False
    )
    evidence_dir: PathText = "data/evidence"
    max_evidence_mb: Count = 2048
    evidence_url: Annotated[str, AfterValidator(_evidence_url)] = ""
    s3_endpoint: HttpUrl = ""
    s3_region: str = ""
    s3_credentials_file: PathText = ""
    object_lock_mode: Annotated[str, _one_of("", "GOVERNANCE", "COMPLIANCE")] = ""
    object_lock_days: Annotated[int, Field(ge=0)] = 0

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield "database_url", _without_password(self.database_url)
        yield from super().__repr_args__()


class Telegram(Section):
    """``[telegram]``: the Telegram transport; ``token`` and ``webhook_secret`` are secret.

    ``listen`` is the old name of ``[http] listen``: still read, and after :func:`load` it
    equals ``settings.http.listen``.
    """

    enabled: bool = False
    # @BotFather's token: the bot's number, a colon, then letters, digits, _ and -.
    token: Annotated[SecretStr, _matches(r"[0-9]+:[A-Za-z0-9_-]+", "bad_telegram_token")] = (
        SecretStr("")
    )
    token_file: PathText = ""
    mode: Annotated[str, _one_of("polling", "webhook")] = "polling"
    base_url: HttpUrl = ""
    base_file_url: HttpUrl = ""
    # setWebhook takes a secret_token of 1-256 of A-Z a-z 0-9 _ -, and HTTPS URLs only
    # unless base_url names a local Bot API server (checked in _require_transport_keys).
    webhook_url: HttpUrl = ""
    webhook_secret: Annotated[
        SecretStr, _matches(r"[A-Za-z0-9_-]{1,256}", "bad_webhook_secret")
    ] = SecretStr("")
    webhook_secret_file: PathText = ""
    listen: Listen = ""
    instances: Count = 1


class Wecom(Section):
    """``[wecom]``: the WeCom (企业微信) transport; ``secret`` is secret.

    ``api_base_url`` is the API's root, ending in ``/cgi-bin/`` (a court's own proxy of
    ``qyapi.weixin.qq.com`` may serve it); ``callback_path`` is the path of the callback URL
    on the one HTTP server. ``listen`` is the old name of ``[http] listen``, as in
    :class:`Telegram`.
    """

    enabled: bool = False
    corp_id: str = ""
    agent_id: int = 0
    secret: SecretStr = SecretStr("")
    secret_file: PathText = ""
    # 接收消息 → 设置API接收: Token, letters and digits up to 32; EncodingAESKey, 43 characters
    # of base64 (its 32-byte AES key once "=" is appended).
    token: Annotated[str, _matches(r"[A-Za-z0-9]{1,32}", "bad_wecom_token")] = ""
    encoding_aes_key: Annotated[str, _matches(r"[A-Za-z0-9+/]{43}", "bad_aes_key")] = ""
    api_base_url: Annotated[HttpUrl, _holds(lambda v: v.endswith("/cgi-bin/"))] = WECOM_API
    callback_path: Annotated[str, _holds(lambda v: v.startswith("/"))] = "/wecom/callback"
    listen: Listen = ""


class Http(Section):
    """The one HTTP server: Telegram's webhook, WeCom's callback, ``/healthz``, ``/metrics``.

    ``listen`` is ``host:port``; empty means no HTTP server (polling and the console only),
    unless a webhook or WeCom's callback needs one: then :data:`DEFAULT_LISTEN`.
    """

    listen: Listen = ""


class Logging(Section):
    """``[logging]``: how ``guowen run`` writes its log lines to stderr (``bot.logs``)."""

    format: Annotated[str, _one_of("text", "json")] = "text"
    repeat_seconds: Annotated[int, Field(ge=0)] = 60


class Console(Section):
    """``[console]``: chat from the terminal that runs ``guowen run``."""

    enabled: bool = False


class Access(Section):
    """``[access]``: invite codes (hours they stay valid)."""

    invite_hours: Annotated[int, Field(ge=1, le=MAX_INVITE_HOURS)] = 72


class Intake(Section):
    """``[intake]``: how the intake asks.

    ``propose``: put what can be inferred (the receipt and inquiry time, the channel, a known
    inquirer's unit and position, the usual answers) to the judge as one confirmation instead
    of one question each. ``ocr``: read a forwarded screenshot's text to propose the case
    number and the inquirer (needs the optional ``ocr`` extra).
    """

    propose: bool = True
    ocr: bool = False


class Deadlines(Section):
    """``[deadlines]``: the rules' deadlines in days, and how days are counted."""

    counting: Annotated[str, _one_of("calendar", "workdays")] = "calendar"
    register_days: Count = 2
    report_days: Count = 3
    cosign_days: Count = 2
    quarterly_days: Count = 5
    holidays_file: PathText = ""


class Reminders(Section):
    """``[reminders]``: quiet hours and the reminder loop (local times ``HH:MM``)."""

    quiet_hours: Annotated[str, _holds(_QUIET.match)] = "22:00-08:00"
    morning: Annotated[str, _holds(_HHMM.match)] = "08:30"
    tick_seconds: Annotated[int, Field(ge=5)] = 60
    escalate_after_workdays: Annotated[int, Field(ge=0)] = 1


class Reports(Section):
    """``[reports]``: the CJK font embedded in PDFs (empty: the first one found)."""

    font_path: PathText = ""


# Secrets: the environment variable that wins over the file, and the key naming a file.
SECRETS: dict[tuple[str, str], str] = {
    ("telegram", "token"): "GUOWEN_TELEGRAM_TOKEN",
    ("telegram", "webhook_secret"): "GUOWEN_TELEGRAM_WEBHOOK_SECRET",
    ("wecom", "secret"): "GUOWEN_WECOM_SECRET",
    ("storage", "database_url"): "GUOWEN_DATABASE_URL",
}
SECRET_FILES: dict[tuple[str, str], str] = {
    ("telegram", "token"): "token_file",
    ("telegram", "webhook_secret"): "webhook_secret_file",
    ("wecom", "secret"): "secret_file",
}
# Keys still read under their old name, and the key that replaced them.
DEPRECATED: dict[tuple[str, str], tuple[str, str]] = {
    ("telegram", "listen"): ("http", "listen"),
    ("wecom", "listen"): ("http", "listen"),
}
# Keys holding a path, relative to the configuration file's folder.
PATHS: tuple[tuple[str, str], ...] = (
    ("court", "case_types_file"),
    ("storage", "evidence_dir"),
    ("storage", "s3_credentials_file"),
    ("deadlines", "holidays_file"),
    ("reports", "font_path"),
    *((section, file_key) for (section, _), file_key in SECRET_FILES.items()),
)


def _without_password(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "***"


def _relative_sqlite(url: str, folder: Path) -> str:
    """``url`` with a relative SQLite file made relative to ``folder``; others unchanged."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # the validation names the key
    database = parsed.database
    if (
        not parsed.drivername.startswith("sqlite")
        or not database
        or database == ":memory:"
        or database.startswith("file:")
        or Path(database).is_absolute()
    ):
        return url
    return parsed.set(database=str(folder / database)).render_as_string(hide_password=False)


class _SecretEnvironment(PydanticBaseSettingsSource):
    """The environment variables of :data:`SECRETS`; they win over the file."""

    def __init__(self, settings_cls: type[BaseSettings], folder: Path) -> None:
        super().__init__(settings_cls)
        self.folder = folder

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # the whole mapping comes from __call__

    def __call__(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for (section, key), name in SECRETS.items():
            value = os.environ.get(name, "").strip()
            if not value:
                continue
            if (section, key) == ("storage", "database_url"):
                value = _relative_sqlite(value, self.folder)
            found.setdefault(section, {})[key] = value
        return found


class _SecretFiles(PydanticBaseSettingsSource):
    """The ``*_file`` keys of :data:`SECRET_FILES`, read; they win over the inline key.

    Raises :class:`ConfigError` naming the ``*_file`` key: ``file_not_found`` (with the
    resolved path) or ``unreadable_file``.
    """

    def __init__(self, settings_cls: type[BaseSettings], given: Mapping[str, Any]) -> None:
        super().__init__(settings_cls)
        self.given = given

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = self.given.get("path", DEFAULT_PATH)
        found: dict[str, Any] = {}
        for (section, key), file_key in SECRET_FILES.items():
            table = self.given.get(section)
            name = table.get(file_key) if isinstance(table, dict) else None
            if not (isinstance(name, str) and name):
                continue  # absent, or of a wrong type that the validation reports
            where = f"[{section}] {file_key}"
            try:
                text = Path(name).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ConfigError(
                    path, where, "file_not_found", file=Path(name).absolute()
                ) from None
            except (OSError, UnicodeDecodeError, ValueError):  # ValueError: a NUL in the name
                raise ConfigError(path, where, "unreadable_file") from None
            found.setdefault(section, {})[key] = text.strip()
        return found


class Settings(BaseSettings):
    """The whole configuration: one attribute per ``[section]``, plus the file's ``path``.

    Read it with :func:`load` (a file) or :func:`parse` (its text); :func:`defaults` gives the
    defaults without reading anything. Raises nothing itself: :func:`parse` turns pydantic's
    ``ValidationError`` into :class:`ConfigError`.
    """

    model_config = SettingsConfigDict(strict=True, extra="forbid")

    path: Path = DEFAULT_PATH
    court: Court = Field(default_factory=Court)
    storage: Storage = Field(default_factory=Storage)
    telegram: Telegram = Field(default_factory=Telegram)
    wecom: Wecom = Field(default_factory=Wecom)
    http: Http = Field(default_factory=Http)
    console: Console = Field(default_factory=Console)
    logging: Logging = Field(default_factory=Logging)
    access: Access = Field(default_factory=Access)
    intake: Intake = Field(default_factory=Intake)
    deadlines: Deadlines = Field(default_factory=Deadlines)
    reminders: Reminders = Field(default_factory=Reminders)
    reports: Reports = Field(default_factory=Reports)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The secrets' environment variables, then their ``*_file`` keys, then the file.

        No other environment variable and no ``.env`` file is read.
        """
        given = init_settings.init_kwargs if isinstance(init_settings, InitSettingsSource) else {}
        folder = Path(given.get("path", DEFAULT_PATH)).parent
        return (
            _SecretEnvironment(settings_cls, folder),
            _SecretFiles(settings_cls, given),
            init_settings,
        )

    @property
    def language(self) -> Language:
        """The court's default language."""
        return Language(self.court.language)

    @property
    def tz(self) -> ZoneInfo:
        """The court's time zone: deadlines end at 24:00 there."""
        return ZoneInfo(self.court.timezone)

    @property
    def evidence_path(self) -> Path:
        """The evidence folder (relative to the configuration file's folder when loaded)."""
        return Path(self.storage.evidence_dir)


SECTIONS: dict[str, type[Section]] = {
    name: info.annotation
    for name, info in Settings.model_fields.items()
    if isinstance(info.annotation, type) and issubclass(info.annotation, Section)
}

_TYPE_NAMES = {"string_type": "string", "int_type": "integer", "bool_type": "boolean"}
_OWN_PROBLEMS = {
    "not_one_of",
    "bad_value",
    "bad_database_url",
    "bad_evidence_url",
    "bad_record_number",
    "bad_url",
    "bad_listen",
    "bad_telegram_token",
    "bad_webhook_secret",
    "bad_wecom_token",
    "bad_aes_key",
}


def _error(path: Path, details: ErrorDetails) -> ConfigError:
    """One of pydantic's errors as the one line a court's IT officer reads."""
    loc = [str(part) for part in details["loc"]]
    where = f"[{loc[0]}]" + (f" {loc[1]}" if len(loc) > 1 else "")
    kind = details["type"]
    context = dict(details.get("ctx") or {})
    if kind == "extra_forbidden" and len(loc) > 1:
        return ConfigError(path, where, "unknown_key")
    if kind == "extra_forbidden":
        return ConfigError(path, where, "unknown_section")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return ConfigError(path, where, "not_table")
    if kind in _TYPE_NAMES:
        return ConfigError(path, where, "wrong_type", expected=_TYPE_NAMES[kind])
    if kind == "greater_than_equal":
        return ConfigError(path, where, "too_small", minimum=context["ge"])
    if kind == "less_than_equal":
        return ConfigError(path, where, "too_large", maximum=context["le"])
    if kind in _OWN_PROBLEMS:
        return ConfigError(path, where, kind, **{k: _printable(v) for k, v in context.items()})
    if (loc[0], loc[-1]) in SECRETS:
        return ConfigError(path, where, "wrong_type", expected="string")
    return ConfigError(path, where, "bad_value", value=_printable(details["input"]))


def _printable(value: object) -> object:
    """``value`` with a string's unprintable characters (a newline, a tab) written as Python
    escapes, so that the message stays one line; other values unchanged."""
    if not isinstance(value, str):
        return value
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in value)


def _relative_to(folder: Path, data: dict[str, Any]) -> None:
    """Make the relative paths relative to ``folder``, in place: those in the file, and the
    defaults of the keys the file leaves out (``data/guowen.db``, ``data/evidence``)."""
    storage = data.setdefault("storage", {})
    for section, key in (*PATHS, ("storage", "database_url")):
        table = storage if section == "storage" else data.get(section, {})
        value = table.get(key, SECTIONS[section].model_fields[key].default)
        if not (isinstance(value, str) and value):
            continue  # empty, or of a wrong type that the validation reports
        if key == "database_url":
            table[key] = _relative_sqlite(value, folder)
        elif not Path(value).is_absolute():
            table[key] = str(folder / value)


_NOTICED: set[str] = set()


def _notice_once(settings: Settings, key: str, **values: object) -> None:
    """Log the catalog's notice ``config.<key>`` at WARNING, once per process and wording."""
    text = t(settings.language, f"config.{key}", path=settings.path, **values)
    if text not in _NOTICED:
        _NOTICED.add(text)
        log.warning("%s", text)


def _adopt_old_listen(settings: Settings) -> None:
    """``[telegram] listen`` and ``[wecom] listen`` become ``[http] listen`` if that is empty."""
    http = settings.http
    for (section, key), (new_section, new_key) in DEPRECATED.items():
        old = getattr(getattr(settings, section), key)
        if not old:
            continue
        if not http.listen:
            http.listen = old
        notice = "listen_moved" if old == http.listen else "listen_ignored"
        _notice_once(
            settings, notice, old=f"[{section}] {key}", new=f"[{new_section}] {new_key}", value=old
        )
    tg, wc = settings.telegram, settings.wecom
    if not http.listen and ((tg.enabled and tg.mode == "webhook") or wc.enabled):
        http.listen = DEFAULT_LISTEN
    # Code that still reads the transport's own key sees the one address.
    tg.listen = wc.listen = http.listen


def _require_transport_keys(settings: Settings) -> None:
    path, tg, wc = settings.path, settings.telegram, settings.wecom
    if tg.enabled and not tg.token.get_secret_value():
        raise ConfigError(path, "[telegram] token", "token_required")
    webhook_ready = tg.webhook_url and tg.webhook_secret.get_secret_value()
    if tg.enabled and tg.mode == "webhook" and not webhook_ready:
        raise ConfigError(path, "[telegram] webhook_secret", "webhook_required")
    # The cloud Bot API's setWebhook refuses a plain-HTTP URL; a local server (--local) takes it.
    webhook = tg.enabled and tg.mode == "webhook"
    if webhook and not tg.base_url and urlsplit(tg.webhook_url).scheme != "https":
        raise ConfigError(path, "[telegram] webhook_url", "webhook_not_https")
    if wc.enabled:
        for key in ("corp_id", "agent_id", "secret", "token", "encoding_aes_key"):
            value = getattr(wc, key)
            if isinstance(value, int) and value < 1:
                raise ConfigError(path, f"[wecom] {key}", "token_required")
            if not (value.get_secret_value() if isinstance(value, SecretStr) else value):
                raise ConfigError(path, f"[wecom] {key}", "token_required")
    storage = settings.storage
    if storage.object_lock_mode and storage.object_lock_days < 1:
        raise ConfigError(path, "[storage] object_lock_days", "lock_days_required")


# Keys naming a file that must exist when set (``evidence_dir`` is a folder the bot makes).
FILES: tuple[tuple[str, str], ...] = tuple(key for key in PATHS if key[1] != "evidence_dir")
# Keys naming a file that holds a secret: readable by the bot's user only.
PRIVATE_FILES: tuple[tuple[str, str], ...] = (
    ("storage", "s3_credentials_file"),
    *((section, file_key) for (section, _), file_key in SECRET_FILES.items()),
)


def _check_files(settings: Settings) -> None:
    """Every file a ``FILES`` key names exists (else ``file_not_found`` with its resolved
    path); a secret's file that the group or others may read gets a notice, not a refusal."""
    for section, key in FILES:
        name = getattr(getattr(settings, section), key)
        if not name:
            continue
        file = Path(name)
        try:
            mode = file.stat().st_mode
        except FileNotFoundError:
            raise ConfigError(
                settings.path, f"[{section}] {key}", "file_not_found", file=file.absolute()
            ) from None
        except OSError:
            raise ConfigError(settings.path, f"[{section}] {key}", "unreadable_file") from None
        if (section, key) in PRIVATE_FILES and stat.S_IMODE(mode) & 0o077:
            _notice_once(
                settings,
                "secret_file_open",
                setting=f"[{section}] {key}",
                file=file.absolute(),
                mode=f"{stat.S_IMODE(mode):o}",
            )


def _check_court_code(settings: Settings) -> None:
    """A ``[court] code`` missing from the SPC's table of 法院代字 gets a notice, not a refusal
    (a court the table lacks must still run): the court's own case numbers would not be read
    as its own."""
    code = settings.court.code.strip()
    if code and court_name(code) is None:
        _notice_once(settings, "court_code_unknown", code=code)


def resolve_path(explicit: str | None) -> Path:
    """The configuration file: ``explicit`` (``--config``), else ``$GUOWEN_CONFIG``, else
    ``./config.toml``."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    return Path(env) if env else DEFAULT_PATH


def parse(text: str, path: Path) -> Settings:
    """Check the TOML ``text`` of the file at ``path`` and return its settings.

    Relative paths are made relative to ``path``'s folder; the secrets come from their
    environment variable, else their ``*_file`` key, else the inline key. Raises
    :class:`ConfigError` on the first problem found.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, "toml", "syntax", reason=str(error)) from None
    for name, table in data.items():
        if name not in SECTIONS:
            raise ConfigError(path, f"[{name}]", "unknown_section")
        if not isinstance(table, dict):
            raise ConfigError(path, f"[{name}]", "not_table")
    _relative_to(path.parent, data)
    try:
        settings = Settings(path=path, **data)
    except ValidationError as error:
        raise _error(path, error.errors()[0]) from None
    _adopt_old_listen(settings)
    _check_files(settings)
    _check_court_code(settings)
    _require_transport_keys(settings)
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
    """The default settings, reading neither a file nor the environment."""
    return Settings.model_construct(path=path)
