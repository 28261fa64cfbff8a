"""``guowen``: the command line that a court's IT staff and scripts use.

Every command reads its configuration from ``--config PATH`` (before or after the command's
name), else ``$GUOWEN_CONFIG``, else ``./config.toml``. A configuration problem is one line
that names the file and the key, and exit status 2. ``guowen config example`` prints the
documented example configuration installed with the package.

Log lines go to stderr, never into stdout, where ``guowen run`` holds the console chat: other
libraries' at WARNING and above, guowen's own at INFO (WARNING while the console chat runs).

Start-up (``benchmarks/startup.py``): this module imports only what parsing the command line and
wording its errors need; each command imports its own libraries (SQLAlchemy, pydantic, the
transports) when it runs, with Python's cyclic garbage collector paused until start-up is over.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from bot import folders, logs
from handlers.i18n import DEFAULT, join, t
from reminders.clock import SystemClock
from storage.vocabulary import (
    DEPARTMENT_ROLES,
    MAX_INVITE_HOURS,
    Language,
    Role,
    known_roles,
    label,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings
    from storage.db import Database
    from storage.models import ChatIdentity, Staff

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE

# The example configuration, installed with the package beside this module.
EXAMPLE_CONFIG = "config.example.toml"
# guowen's own loggers; every other logger is a library's.
OWN_LOGGERS = ("bot", "handlers", "reports", "reminders", "storage")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The catalog key of each staff problem (``storage.staff.StaffProblem``'s value) as the command
# line words it (no chat commands).
STAFF_PROBLEMS = {
    "not_found": "cli.staff_not_found",
    "department_required": "cli.staff_department_required",
}


class CliError(Exception):
    """A problem the person at the terminal can fix: a catalog key under ``cli.``.

    ``language`` is the court's, once the configuration is read; ``None``: the default.
    """

    def __init__(self, key: str, language: Language | None = None, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.language = language
        self.values = values


# argparse words its own messages through gettext (``argparse._``, by each message's English
# text): those a person meets at the command line are the catalog's (``cli.argparse.*``, with
# argparse's own %-placeholders), the rest stay argparse's.
ARGPARSE_WORDS = {
    "argument %(argument_name)s: %(message)s": "argument",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "the following arguments are required: %s": "required",
    "one of the arguments %s is required": "one_required",
    "unrecognized arguments: %s": "unrecognized",
    "expected one argument": "expected_one",
    "expected at most one argument": "expected_at_most_one",
    "expected at least one argument": "expected_at_least_one",
    "not allowed with argument %s": "not_allowed_with",
    "ignored explicit argument %r": "ignored_explicit",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
}


@contextlib.contextmanager
def _argparse_words(language: Language | None) -> Iterator[None]:
    """While parsing: argparse's messages in ``language`` (``ARGPARSE_WORDS``)."""
    english = argparse._  # type: ignore[attr-defined]

    def words(message: str) -> str:
        key = ARGPARSE_WORDS.get(message)
        return english(message) if key is None else t(language, f"cli.argparse.{key}")

    argparse._ = words  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = english  # type: ignore[attr-defined]


class _Parser(argparse.ArgumentParser):
    """``argparse`` in the catalog's words (``cli.help.*``): the usage line, the section
    titles, ``-h`` and the line that says an argument is wrong (exit status 2)."""

    language: Language | None = None

    def __init__(self, *args: Any, add_help: bool = True, **kwargs: Any) -> None:
        language = self.language

        class Formatter(argparse.HelpFormatter):
            def add_usage(
                self,
                usage: str | None,
                actions: Iterable[argparse.Action],
                groups: Iterable[argparse._MutuallyExclusiveGroup],
                prefix: str | None = None,
            ) -> None:
                words = t(language, "cli.help.usage") if prefix is None else prefix
                super().add_usage(usage, actions, groups, words)

        kwargs.update(add_help=False, formatter_class=Formatter)
        super().__init__(*args, **kwargs)
        if add_help:
            self.add_argument(
                "-h",
                "--help",
                action="help",
                default=argparse.SUPPRESS,
                help=t(language, "cli.help.help"),
            )

    def format_help(self) -> str:
        # Titled only now: a parent's arguments join the group of the same (argparse's) title.
        self._positionals.title = t(self.language, "cli.help.positionals")
        self._optionals.title = t(self.language, "cli.help.options")
        return super().format_help()

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """``argparse``'s, its messages in the catalog's words (``ARGPARSE_WORDS``)."""
        with _argparse_words(self.language):
            return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, t(self.language, "cli.help.error", prog=self.prog, message=message))


def _parser(lang: Language | None = None) -> argparse.ArgumentParser:
    """The command line, its help in ``lang`` (the default language when None)."""

    class Parser(_Parser):
        language = lang

    def h(key: str, **values: object) -> str:
        return t(lang, f"cli.help.{key}", **values)

    common = Parser(add_help=False)
    common.add_argument(
        "--config", default=argparse.SUPPRESS, metavar="PATH", help=h("config_file")
    )
    parser = Parser(prog="guowen", description=h("description"), parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", parents=[common], help=h("demo"))
    demo.add_argument(
        "--language", choices=[x.value for x in Language], default=None, help=h("demo_language")
    )
    demo.add_argument(
        "--start",
        default=None,
        metavar="'YYYY-MM-DD HH:MM'",
        help=h("demo_start"),
    )
    demo.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=h("demo_out"),
    )
    sub.add_parser("run", parents=[common], help=h("run"))

    config = sub.add_parser("config", help=h("config"))
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    config_sub.add_parser("example", help=h("config_example"))

    db = sub.add_parser("db", parents=[common], help=h("db"))
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", parents=[common], help=h("db_upgrade"))
    db_sub.add_parser("status", parents=[common], help=h("db_status"))

    staff = sub.add_parser("staff", parents=[common], help=h("staff"))
    staff_sub = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = staff_sub.add_parser("add", parents=[common], help=h("staff_add"))
    add.add_argument("--name", required=True, help=h("staff_name"))
    add.add_argument(
        "--department",
        help=h("staff_department"),
    )
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        dest="roles",
        help=h(
            "staff_role",
            roles=join(
                lang, [h("role_item", value=r, name=label(r, lang or DEFAULT)) for r in Role]
            ),
        ),
    )
    add.add_argument(
        "--wecom-userid",
        metavar="USERID",
        help=h("staff_wecom_userid"),
    )
    add.add_argument(
        "--force",
        action="store_true",
        help=h("staff_force"),
    )
    add.add_argument(
        "--new-department",
        action="store_true",
        help=h("staff_new_department"),
    )
    staff_sub.add_parser("list", parents=[common], help=h("staff_list"))
    invite = staff_sub.add_parser("invite", parents=[common], help=h("staff_invite"))
    invite.add_argument("ref", metavar="NAME|ID", help=h("staff_ref"))
    invite.add_argument(
        "--hours",
        type=int,
        default=None,
        help=h("staff_hours", hours=MAX_INVITE_HOURS, days=MAX_INVITE_HOURS // 24),
    )
    disable = staff_sub.add_parser("disable", parents=[common], help=h("staff_disable"))
    disable.add_argument("ref", metavar="NAME|ID", help=h("staff_ref"))
    disable.add_argument("--force", action="store_true", help=h("staff_disable_force"))
    change = staff_sub.add_parser("set", parents=[common], help=h("staff_set"))
    change.add_argument("ref", metavar="NAME|ID", help=h("staff_ref"))
    change.add_argument("--department", help=h("staff_set_department"))
    change.add_argument(
        "--role",
        action="append",
        choices=[r.value for r in Role],
        dest="roles",
        help=h(
            "staff_set_role",
            roles=join(
                lang, [h("role_item", value=r, name=label(r, lang or DEFAULT)) for r in Role]
            ),
        ),
    )
    change.add_argument("--name", help=h("staff_set_name"))
    change.add_argument("--force", action="store_true", help=h("staff_set_force"))
    change.add_argument(
        "--new-department",
        action="store_true",
        help=h("staff_new_department"),
    )
    enable = staff_sub.add_parser("enable", parents=[common], help=h("staff_enable"))
    enable.add_argument("ref", metavar="NAME|ID", help=h("staff_ref"))
    release = staff_sub.add_parser(
        "release",
        parents=[common],
        help=h("staff_release"),
    )
    release.add_argument("ref", metavar="NAME|ID", help=h("staff_ref"))

    holidays = sub.add_parser("holidays", parents=[common], help=h("holidays"))
    holidays_sub = holidays.add_subparsers(dest="holidays_command", required=True, metavar="ACTION")
    holidays_load = holidays_sub.add_parser("load", parents=[common], help=h("holidays_load"))
    holidays_load.add_argument("file", type=Path, metavar="FILE", help=h("holidays_file"))
    holidays_load.add_argument("--replace", action="store_true", help=h("holidays_replace"))
    holidays_load.add_argument("--dry-run", action="store_true", help=h("holidays_dry_run"))
    holidays_show = holidays_sub.add_parser("show", parents=[common], help=h("holidays_show"))
    holidays_show.add_argument("year", type=int, metavar="YEAR", help=h("holidays_year"))

    report = sub.add_parser("report", parents=[common], help=h("report"))
    report.add_argument("period", nargs="*", metavar="PERIOD", help=h("report_period"))
    report.add_argument("--out", type=Path, default=None, metavar="DIR", help=h("report_out"))
    report.add_argument(
        "--language", choices=[x.value for x in Language], default=None, help=h("report_language")
    )
    verify = sub.add_parser("verify", parents=[common], help=h("verify"))
    verify.add_argument(
        "--expect-head",
        default=None,
        metavar="SEQ:HASH",
        help=h("verify_expect_head"),
    )
    backup = sub.add_parser("backup", parents=[common], help=h("backup"))
    backup.add_argument("file", type=Path, metavar="FILE", help=h("backup_file"))
    backup.add_argument(
        "--logical",
        action="store_true",
        help=h("backup_logical"),
    )
    restore = sub.add_parser("restore", parents=[common], help=h("restore"))
    restore.add_argument("file", type=Path, metavar="FILE", help=h("restore_file"))
    restore.add_argument("--into", type=Path, required=True, help=h("restore_into"))
    restore.add_argument(
        "--database-url",
        default=None,
        metavar="URL",
        help=h("restore_database_url"),
    )
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    from bot import config as config_mod

    return config_mod.load(config_mod.resolve_path(getattr(args, "config", None)))


async def _with_db(settings: Settings, work: Callable[[Database], Awaitable[int]]) -> int:
    from storage.db import Database

    db = Database(settings.storage.database_url)
    try:
        await db.upgrade()
        return await work(db)
    finally:
        await db.close()


async def _db_command(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from storage.db import Database

    lang = settings.language
    db = Database(settings.storage.database_url)
    try:
        if args.db_command == "upgrade":
            await db.upgrade()
        from storage.db import revision

        current, head = await revision(db.engine)
        out.write(t(lang, "cli.db_revision", current=current or "-", head=head) + "\n")
        return EXIT_OK if current == head else EXIT_PROBLEM
    finally:
        await db.close()


def example_config() -> str:
    """The documented example configuration installed with the package (UTF-8 TOML)."""
    return resources.files("bot").joinpath(EXAMPLE_CONFIG).read_text(encoding="utf-8")


def configure_logging(settings: Settings) -> None:
    """Send log lines to stderr, never to stdout where the console chat is written.

    Other libraries (aiohttp, httpx, apscheduler, alembic ...) log at WARNING and above only;
    guowen's own loggers at INFO, or at WARNING while ``[console]`` shares the terminal.
    Installs one handler on the root logger, once per process; ``[logging]`` chooses text or
    JSON lines (``bot.logs``: tokens masked, repeats of one failure counted).
    """
    root = logging.getLogger()
    if not any(getattr(handler, "guowen", False) for handler in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.guowen = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for ours in root.handlers:
        if getattr(ours, "guowen", False):
            ours.setFormatter(logs.formatter(settings.logging.format, LOG_FORMAT))
            ours.filters = [logs.Repeats(settings.logging.repeat_seconds)]
    root.setLevel(logging.WARNING)
    own = logging.WARNING if settings.console.enabled else logging.INFO
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(own)


def _account_words(lang: Language, account: ChatIdentity) -> str:
    """``handlers.people.account_words``, imported when a staff command runs (start-up)."""
    from handlers.people import account_words

    return account_words(lang, account)


def _roles_text(roles: Sequence[Role], lang: Language) -> str:
    return join(lang, [label(role, lang) for role in roles])


async def _find_staff(session: AsyncSession, ref: str, lang: Language, command: str) -> Staff:
    """``find_staff``, with a name several people share answered in the CLI's own words."""
    from storage import staff as staff_repo
    from storage.staff import StaffError, StaffProblem

    try:
        return await staff_repo.find_staff(session, ref)
    except StaffError as problem:
        if problem.problem is not StaffProblem.AMBIGUOUS:
            raise
    name = ref.strip()
    named = await staff_repo.named(session, name)
    active = [person for person in named if person.active]
    people = active if len(active) > 1 else named
    candidates = [
        t(
            lang,
            "cli.staff_candidate",
            id=person.id,
            department=person.department.name if person.department else "-",
        )
        for person in people
    ]
    raise CliError(
        "cli.staff_ambiguous",
        lang,
        count=len(people),
        ref=name,
        people=join(lang, candidates),
        example=f"guowen staff {command} {people[0].id}",
    )


# A WeCom userid: 1 to 64 letters, digits, "_", "-", "@" and ".".
WECOM_USERID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


async def _check_wecom_userid(
    session: AsyncSession, userid: str, lang: Language
) -> ChatIdentity | None:
    """Raises ``CliError`` for a ``userid`` WeCom would not issue or one bound to an active
    person; the binding of a disabled person, to move (``storage.staff.release_identity``)."""
    if not WECOM_USERID.match(userid):
        raise CliError("cli.wecom_userid_invalid", lang, userid=userid)
    from storage import models
    from storage import staff as staff_repo

    taken = await staff_repo.identity(session, "wecom", userid)
    if taken is None:
        return None
    holder = await session.get(models.Staff, taken.staff_id)
    if holder is not None and holder.active:
        raise CliError("cli.wecom_userid_taken", lang, userid=userid, id=taken.staff_id)
    return taken


async def _check_not_registered(
    session: AsyncSession, name: str, department: str | None, lang: Language
) -> None:
    """An active person of this name in this department (none: none) is already registered:
    a second ``staff add`` is most likely the same person typed twice. Raises ``CliError``
    (``--force`` registers them anyway)."""
    from storage import staff as staff_repo

    wanted = staff_repo.department_key(department or "")
    for other in await staff_repo.named(session, name):
        there = other.department.name if other.department else ""
        if other.active and staff_repo.department_key(there) == wanted:
            raise CliError(
                "cli.staff_duplicate", lang, id=other.id, name=other.name, department=there or "-"
            )


async def _check_department(
    session: AsyncSession, department: str | None, asked: bool, lang: Language
) -> bool:
    """Whether ``department`` (as typed) names no existing department
    (``storage.staff.match_department``), so that ``staff add`` creates it. When others exist
    and the new one was not asked for (``asked``, ``--new-department``), standard error says
    which exist: "民一庭" typed for "民事审判第一庭" would split a division (Art. 10: its late
    steps go to its own integrity officer), and the command in DESIGN's interface stays
    valid."""
    from storage import staff as staff_repo

    if not (department or "").strip():
        return False
    if await staff_repo.match_department(session, department or "") is not None:
        return False
    known = [known.name for known in await staff_repo.departments(session)]
    if known and not asked:
        given = staff_repo.department_name(department or "")
        warning = t(lang, "cli.department_new_beside", department=given, known=join(lang, known))
        print(warning, file=sys.stderr)
    return True


async def _warn_department_gaps(
    session: AsyncSession, lang: Language, department_id: int | None = None
) -> None:
    """Say on standard error which departments (only ``department_id``'s when given) have
    handlers but no integrity officer or the other way round (``department_gaps``)."""
    from storage import staff as staff_repo

    for gap in await staff_repo.department_gaps(session):
        if department_id is not None and gap.department.id != department_id:
            continue
        officer = gap.missing is Role.INTEGRITY_OFFICER
        key = "cli.department_no_officer" if officer else "cli.department_no_handler"
        print(t(lang, key, department=gap.department.name), file=sys.stderr)


async def _warn_namesakes(session: AsyncSession, lang: Language, person: Staff) -> None:
    """Say on standard error that ``person``'s name is another active person's too: allowed
    (two divisions' 张伟), but from now on the number names them, not the name."""
    from storage import staff as staff_repo

    namesakes = [other.id for other in await staff_repo.named(session, person.name) if other.active]
    if len(namesakes) > 1:
        numbers = join(lang, [str(number) for number in namesakes])
        print(t(lang, "cli.staff_name_shared", name=person.name, ids=numbers), file=sys.stderr)


async def _warn_office_gaps(session: AsyncSession, lang: Language) -> None:
    """Say on standard error which court-wide role the rules need has nobody active
    (``storage.staff.missing_offices``: discipline inspection, trial management, the
    compiler), as ``_warn_department_gaps`` does for a department's integrity officer."""
    from storage import staff as staff_repo

    for role in await staff_repo.missing_offices(session):
        print(t(lang, f"cli.court_no_{role.value}"), file=sys.stderr)


async def _disable(
    session: AsyncSession,
    settings: Settings,
    args: argparse.Namespace,
    out: TextIO,
    *,
    now: datetime,
) -> None:
    """``staff disable``: refused, with the list on standard error, while the person still
    holds drafts, steps owed or the last of a role the rules require
    (``reminders.holdings``); with ``--force`` done all the same, their overseers told: the
    list and who gets it (``_told``) on standard error before the verdict on standard
    output."""
    from bot.app import rules_for
    from handlers import held as held_words
    from reminders import holdings

    lang = settings.language
    person = await _find_staff(session, args.ref, lang, args.staff_command)
    changed, held = await holdings.disable(
        session, person, rules_for(settings), at=now, actor="cli", force=args.force
    )
    department = person.department.name if person.department else "-"
    found = await held_words.lines(session, lang, held.payload(), department)
    if not changed and person.active:
        listed = "\n".join(found)
        raise CliError("cli.staff_disable_holds", lang, id=person.id, name=person.name, list=listed)
    if changed and found:
        listed = "\n".join(found)
        print(t(lang, "cli.staff_disabled_holding", name=person.name, list=listed), file=sys.stderr)
        await _told(session, lang, held.told)
    key = "cli.staff_disabled" if changed else "cli.staff_already_disabled"
    out.write(t(lang, key, id=person.id, name=person.name) + "\n")


async def _told(session: AsyncSession, lang: Language, told: Sequence[int]) -> None:
    """Say on standard error who the running bot sends a person's open matters to
    (``reminders.holdings``' ``told``), and who of them cannot get it: no bound chat account,
    to be told in person and given an invite code; or that nobody could be told."""
    from storage import models
    from storage import staff as staff_repo

    reached: list[str] = []
    unbound: list[models.Staff] = []
    for staff_id in told:
        person = await session.get(models.Staff, staff_id)
        if person is None:
            continue
        if await staff_repo.identities_of(session, staff_id):
            reached.append(t(lang, "cli.overseer", id=person.id, name=person.name))
        else:
            unbound.append(person)
    if reached:
        print(t(lang, "cli.overseers_told", people=join(lang, reached)), file=sys.stderr)
    if unbound:
        people = join(lang, [t(lang, "cli.overseer", id=p.id, name=p.name) for p in unbound])
        line = t(lang, "cli.overseers_unreachable", people=people, id=unbound[0].id)
        print(line, file=sys.stderr)
    if not told:
        print(t(lang, "cli.overseers_none"), file=sys.stderr)


async def _set(
    session: AsyncSession,
    settings: Settings,
    args: argparse.Namespace,
    out: TextIO,
    *,
    now: datetime,
) -> None:
    """``staff set NAME|ID [--department D] [--role R ...] [--name N] [--force]``: correct a
    person's department (a mistyped one, or a move), roles (``--role`` given: exactly those)
    or name, audited (``storage.staff.change_staff``). Refused (``CliError``) when it would
    leave drafts, steps owed as handler or the last of a required role unowned
    (``reminders.holdings.losses``); with ``--force`` done all the same, their overseers told
    as ``staff disable --force`` tells them. A department no one is left in is reported."""
    from bot.app import rules_for
    from handlers import held as held_words
    from reminders import holdings
    from storage import staff as staff_repo
    from storage.staff import StaffError, StaffProblem

    lang = settings.language
    if args.department is None and args.roles is None and args.name is None:
        raise CliError("cli.staff_set_nothing", lang, ref=args.ref)
    person = await _find_staff(session, args.ref, lang, args.staff_command)
    before = staff_repo.snapshot(person)
    old_department = person.department
    target = None
    created = False
    if args.department is not None and args.department.strip():
        target = await staff_repo.match_department(session, args.department)
        if target is None:  # as ``staff add`` does: warned of, created (rolled back if refused)
            created = await _check_department(session, args.department, args.new_department, lang)
            target = await staff_repo.department(session, args.department, at=now)
    roles = frozenset(Role(r) for r in args.roles) if args.roles is not None else None
    try:
        done, lost = await holdings.change(
            session,
            person,
            rules_for(settings),
            name=args.name,
            department=target,
            roles=roles,
            at=now,
            actor="cli",
            force=args.force,
        )
    except StaffError as problem:
        if problem.problem is not StaffProblem.DEPARTMENT_REQUIRED:
            raise
        needing = sorted(DEPARTMENT_ROLES.intersection(roles or person.roles))
        words = _roles_text(needing, lang)
        raise CliError(
            "cli.staff_set_department_required", lang, ref=args.ref, roles=words
        ) from None
    department = old_department.name if old_department else "-"
    found = await held_words.lines(session, lang, lost.payload(), department)
    if done is None and found:
        listed = "\n".join(found)
        raise CliError("cli.staff_set_holds", lang, id=person.id, name=person.name, list=listed)
    if done is None:
        state = held_words.person(lang, before)
        out.write(t(lang, "cli.staff_unchanged", id=person.id, state=state) + "\n")
        return
    if found:
        listed = "\n".join(found)
        print(t(lang, "cli.staff_changed_holding", name=person.name, list=listed), file=sys.stderr)
        await _told(session, lang, lost.told)
    if created and target is not None:
        out.write(t(lang, "cli.department_created", department=target.name) + "\n")
    after, was = held_words.person(lang, done.after), held_words.person(lang, done.before)
    out.write(t(lang, "cli.staff_changed", id=person.id, after=after, before=was) + "\n")
    if done.before["name"] != done.after["name"]:
        await _warn_namesakes(session, lang, person)
    if old_department is not None and old_department.id != person.department_id:
        left = [
            other
            for other in await staff_repo.list_staff(session)
            if other.active and other.department_id == old_department.id
        ]
        if not left:
            line = t(lang, "cli.department_left_empty", department=old_department.name)
            print(line, file=sys.stderr)
        await _warn_department_gaps(session, lang, old_department.id)
    if person.department_id is not None:
        await _warn_department_gaps(session, lang, person.department_id)


async def _staff_command(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from storage import staff as staff_repo
    from storage.staff import StaffError

    lang = settings.language
    now = SystemClock().now()
    actor = "cli"
    hours = settings.access.invite_hours
    if args.staff_command == "invite" and args.hours is not None:
        hours = args.hours
        if not 1 <= hours <= MAX_INVITE_HOURS:  # refused before the database is opened
            days = MAX_INVITE_HOURS // 24
            raise CliError("cli.bad_hours", lang, given=hours, maximum=MAX_INVITE_HOURS, days=days)

    async def work(db: Database) -> int:
        async with db.transaction() as session:
            if args.staff_command == "add":
                userid = args.wecom_userid
                moving = None
                if userid is not None:
                    moving = await _check_wecom_userid(session, userid, lang)
                if not args.force:
                    await _check_not_registered(session, args.name, args.department, lang)
                creating = await _check_department(
                    session, args.department, args.new_department, lang
                )
                person = await staff_repo.add_staff(
                    session,
                    name=args.name,
                    department_name=args.department,
                    roles=[Role(r) for r in args.roles],
                    at=now,
                    actor=actor,
                    new_department=creating,
                )
                there = person.department.name if person.department else "-"
                if creating:
                    out.write(t(lang, "cli.department_created", department=there) + "\n")
                out.write(
                    t(
                        lang,
                        "cli.staff_added",
                        id=person.id,
                        name=person.name,
                        department=there,
                        roles=_roles_text(known_roles(person.roles), lang),
                    )
                    + "\n"
                )
                if moving is not None:
                    former = moving.staff_id
                    await staff_repo.release_identity(
                        session, moving, at=now, actor=actor, reason="rebound"
                    )
                    out.write(
                        t(
                            lang,
                            "cli.wecom_userid_moved",
                            userid=userid,
                            id=former,
                            name=person.name,
                        )
                        + "\n"
                    )
                if userid is not None:
                    await staff_repo.bind(
                        session,
                        person=person,
                        transport="wecom",
                        external_id=userid,
                        chat_id=userid,
                        display_name=person.name,
                        at=now,
                        via=actor,
                    )
                    out.write(t(lang, "cli.wecom_bound", userid=userid, name=person.name) + "\n")
                await _warn_namesakes(session, lang, person)
                if person.department_id is not None:
                    await _warn_department_gaps(session, lang, person.department_id)
                await _warn_office_gaps(session, lang)
            elif args.staff_command == "list":
                people = await staff_repo.list_staff(session)
                out.write(t(lang, "cli.staff_header") + "\n")
                for person in people:
                    out.write(
                        "\t".join(
                            [
                                str(person.id),
                                person.name,
                                person.department.name if person.department else "-",
                                _roles_text(known_roles(person.roles), lang),
                                t(lang, "staff.active" if person.active else "staff.disabled"),
                            ]
                        )
                        + "\n"
                    )
                await _warn_department_gaps(session, lang)
                await _warn_office_gaps(session, lang)
            elif args.staff_command == "invite":
                person = await _find_staff(session, args.ref, lang, args.staff_command)
                issued = await staff_repo.issue_invite(
                    session, person, at=now, valid_for=timedelta(hours=hours), actor=actor
                )
                expires = issued.expires_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
                if issued.bound:
                    accounts = join(lang, [_account_words(lang, a) for a in issued.bound])
                    count = len(issued.bound)
                    warning = t(
                        lang,
                        "staff.invite_already_bound",
                        name=person.name,
                        count=count,
                        accounts=accounts,
                    )
                    out.write(warning + "\n")
                out.write(t(lang, "cli.invite_issued", name=person.name, expires=expires) + "\n")
                out.write(issued.code + "\n")
            elif args.staff_command == "disable":
                await _disable(session, settings, args, out, now=now)
            elif args.staff_command == "set":
                await _set(session, settings, args, out, now=now)
            elif args.staff_command == "enable":
                person = await _find_staff(session, args.ref, lang, args.staff_command)
                changed = await staff_repo.enable_staff(session, person, at=now, actor=actor)
                enabled = "cli.staff_enabled" if changed else "cli.staff_already_enabled"
                out.write(t(lang, enabled, id=person.id, name=person.name) + "\n")
                if changed:
                    bindings = await staff_repo.identities_of(session, person.id)
                    if bindings:
                        names = join(lang, [_account_words(lang, a) for a in bindings])
                        line = t(lang, "cli.staff_enabled_accounts", id=person.id, accounts=names)
                    else:
                        line = t(lang, "cli.staff_enabled_no_account", id=person.id)
                    out.write(line + "\n")
            elif args.staff_command == "release":
                person = await _find_staff(session, args.ref, lang, args.staff_command)
                if person.active:
                    raise CliError("cli.staff_release_active", lang, id=person.id, name=person.name)
                bindings = list(await staff_repo.identities_of(session, person.id))
                names = join(lang, [_account_words(lang, a) for a in bindings])
                for account in bindings:
                    await staff_repo.release_identity(
                        session, account, at=now, actor=actor, reason="released"
                    )
                done = "cli.staff_released" if bindings else "cli.staff_released_none"
                out.write(t(lang, done, id=person.id, name=person.name, accounts=names) + "\n")
        return EXIT_OK

    try:
        return await _with_db(settings, work)
    except StaffError as problem:
        wording = STAFF_PROBLEMS.get(problem.problem, f"staff.{problem.problem.value}")
        asked = [Role(r) for r in getattr(args, "roles", None) or ()]
        needing = sorted(DEPARTMENT_ROLES.intersection(asked)) or sorted(DEPARTMENT_ROLES)
        roles = _roles_text(needing, lang)
        raise CliError(wording, lang, ref=problem.ref, roles=roles) from None


async def _run(settings: Settings, out: TextIO, started: Callable[[], None]) -> int:
    from bot.runner import run

    lang = settings.language
    if not (settings.console.enabled or settings.telegram.enabled or settings.wecom.enabled):
        raise CliError("cli.nothing_enabled", lang, path=str(settings.path))
    configure_logging(settings)
    clock = SystemClock()

    async def work(db: Database) -> int:
        return await run(settings, db, clock, out, started=started)

    return await _with_db(settings, work)


async def _holidays_command(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    from bot import holidays
    from handlers.fields import RULES_IN_FORCE

    if args.holidays_command == "show" and args.year < RULES_IN_FORCE.year:
        # No deadline of the court's rules (in force 2021-06-23) falls in an earlier year.
        raise CliError(
            "holidays.before_rules",
            settings.language,
            year=args.year,
            since=RULES_IN_FORCE.isoformat(),
            first=RULES_IN_FORCE.year,
        )

    async def work(db: Database) -> int:
        if args.holidays_command == "load":
            return await holidays.load(
                settings,
                db,
                args.file,
                SystemClock().now(),
                out,
                sys.stderr,
                replace=args.replace,
                dry_run=args.dry_run,
            )
        return await holidays.show(settings, db, args.year, out)

    return await _with_db(settings, work)


def _restore(args: argparse.Namespace, out: TextIO, collector: _Collector) -> int:
    from bot import maintenance

    collector.resume()
    if args.database_url:
        return asyncio.run(
            maintenance.restore_into_database(args.file, args.into, args.database_url, out)
        )
    return maintenance.restore(args.file, args.into, out)


class _Collector:
    """Python's cyclic garbage collector, paused while a command starts.

    Start-up makes long-lived objects only (modules, classes, the settings, the transports'
    clients), and tens of thousands of them: each collection in between walks them all and finds
    nothing to free, a good part of start-up's time. ``resume`` restarts collection once the
    command's libraries are imported. ``guowen run`` resumes once ready: one full collection
    frees start-up's garbage, then everything still alive moves into the permanent generation
    (``gc.freeze``), which later collections skip. A collector that was off before stays off.
    """

    def __init__(self) -> None:
        self.paused = gc.isenabled()
        gc.disable()

    def resume(self, *, freeze: bool = False) -> None:
        """Collect again (once; a second call does nothing)."""
        if self.paused:
            self.paused = False
            if freeze:
                gc.collect()
                gc.freeze()
            gc.enable()

    def started(self) -> None:
        """``guowen run`` is ready: free start-up's garbage, freeze what is left, collect again."""
        self.resume(freeze=True)


def _dispatch(args: argparse.Namespace, out: TextIO, collector: _Collector) -> int:
    if args.command == "demo":
        from bot.demo import DemoFolderError, DemoStartError, run_demo

        collector.resume()
        language = Language(args.language) if args.language else Language.ZH
        try:
            documents = Path(args.out) if args.out else None
            return asyncio.run(
                run_demo(sys.stdin, out, language, start=args.start, documents=documents)
            )
        except DemoStartError:
            raise CliError("cli.demo_bad_start", language, given=args.start) from None
        except DemoFolderError as problem:
            words = folders.reason(language, problem)
            raise CliError("cli.demo_bad_out", language, path=args.out, reason=words) from None
    if args.command == "config":
        out.write(example_config())
        return EXIT_OK
    if args.command == "restore":
        # Restore writes its own config.toml into --into and reads none: it is run on a spare
        # machine or after the loss of the court's folder, where there is no configuration.
        return _restore(args, out, collector)
    settings = _settings(args)
    if args.command == "run":
        from bot import unused

        unused.leave_out(wecom=settings.wecom.enabled)
        return asyncio.run(_run(settings, out, collector.started))
    collector.resume()
    if args.command == "db":
        return asyncio.run(_db_command(args, settings, out))
    if args.command == "staff":
        return asyncio.run(_staff_command(args, settings, out))
    if args.command == "holidays":
        return asyncio.run(_holidays_command(args, settings, out))
    if args.command == "report":
        from bot.report_cli import report

        lang = Language(args.language) if args.language else None
        text = " ".join(args.period)
        return asyncio.run(report(settings, text, args.out, out, language=lang))
    from bot import maintenance

    if args.command == "verify":
        return asyncio.run(
            maintenance.verify(
                settings, out, progress=sys.stderr.isatty(), expect_head=args.expect_head
            )
        )
    if args.command == "backup":
        return asyncio.run(
            maintenance.backup(settings, args.file, SystemClock().now(), out, logical=args.logical)
        )
    raise AssertionError(args.command)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """The ``guowen`` command: parse ``argv`` (the process's arguments when None), run the
    subcommand, and return the exit status. A configuration error is one line on stderr
    (``path: key: message``, from the ``config.*`` catalog) and status 2.
    """
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    collector = _Collector()
    from sqlalchemy.exc import SQLAlchemyError

    from bot.config import ConfigError

    try:
        return _dispatch(args, stream, collector)
    except ConfigError as problem:
        message = t(None, f"config.{problem.problem}", **problem.detail)
        # A problem of the whole file names no key; one of a section or a key names it.
        where = "" if problem.key in ("file", "toml") else f" {problem.key}:"
        print(f"{problem.path}:{where} {message}", file=sys.stderr)
        return EXIT_USAGE
    except CliError as problem:
        print(t(problem.language, problem.key, **problem.values), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (``guowen holidays show | head``): stop quietly, as Unix tools do,
        # with the status of a process ended by SIGPIPE; the output left unflushed goes nowhere.
        if stream is sys.stdout:
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except (SQLAlchemyError, OSError) as problem:
        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(t(None, "cli.database_unreachable", reason=_first_line(problem)), file=sys.stderr)
        return EXIT_PROBLEM
    finally:
        collector.resume()


def _first_line(problem: BaseException) -> str:
    text = str(getattr(problem, "orig", None) or problem).strip()
    return text.splitlines()[0] if text else type(problem).__name__


if __name__ == "__main__":
    sys.exit(main())
