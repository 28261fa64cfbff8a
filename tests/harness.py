"""One test harness: the real ``App`` on one transport, one database, one clock, one court.

Like errbot's ``testbot``, a test talks to the bot as the judges do and reads what they see::

    await testbot.seed()
    await testbot.say("张伟", "/new")
    assert await testbot.press("张伟", "✔ 时间正确") == ["这次过问来自："]
    assert testbot.replies("张伟")[-1] == "这次过问来自："

``Harness`` owns the database, the ``FakeClock``, the settings, the ``App`` and the people;
each transport subclasses it with how a message is sent and what a person received:
``fakes.FakeBot`` (the console-like fake transport, and ``dialogue.DialogueBot`` on it),
``fake_botapi.BotHarness`` (Telegram through the fake Bot API) and
``wecom_kit.WeComHarness`` (WeCom through the fake WeCom server). The ``testbot`` fixture of
``conftest`` builds one of them per transport. A person is named by their name (as seeded) or
by their account on the transport.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Self

from bot.app import App
from bot.config import Settings
from handlers.ports import Transport
from reminders.clock import Clock
from storage import staff as staff_repo
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Role

PEOPLE: tuple[tuple[str, str, tuple[Role, ...], str], ...] = (
    ("张伟", "民一庭", (Role.HANDLER,), "zhangwei"),
    ("孙丽", "民一庭", (Role.HANDLER,), "sunli"),
    ("王芳", "民一庭", (Role.HANDLER,), "wangfang"),
    ("钱进", "民一庭", (Role.INTEGRITY_OFFICER,), "qianjin"),
    ("周强", "刑事审判庭", (Role.HANDLER,), "zhouqiang"),
    ("吴敏", "刑事审判庭", (Role.INTEGRITY_OFFICER,), "wumin"),
    ("李刚", "纪检监察室", (Role.DISCIPLINE,), "ligang"),
    ("刘洋", "审判管理办公室", (Role.TRIAL_MANAGEMENT, Role.COMPILER), "liuyang"),
    ("陈静", "院领导", (Role.LEADER,), "chenjing"),
    ("赵磊", "信息技术科", (Role.ADMIN,), "zhaolei"),
)
"""The demo court: (name, department, roles, chat account) of each person."""

Person = tuple[str, str, tuple[Any, ...], str]


async def register(
    db: Database,
    clock: Clock,
    name: str,
    roles: Iterable[Role],
    *,
    department: str | None = "民一庭",
    transport: str | None = None,
    account: str | None = None,
    via: str = "test",
    actor: str = "test",
) -> Staff:
    """Register a staff member and, with ``transport`` and ``account``, bind that chat account
    (its private chat has the account's id), as ``guowen staff add`` does."""
    async with db.transaction() as session:
        person = await staff_repo.add_staff(
            session,
            name=name,
            department_name=department,
            roles=roles,
            at=clock.now(),
            actor=actor,
            new_department=True,
        )
        if transport is not None and account is not None:
            await staff_repo.bind(
                session,
                person=person,
                transport=transport,
                external_id=account,
                chat_id=account,
                display_name=name,
                at=clock.now(),
                via=via,
            )
        return person


async def seed_people(
    db: Database,
    clock: Clock,
    transport: str,
    *,
    people: Sequence[Person] = PEOPLE,
    unbound: Iterable[str] = (),
) -> tuple[dict[str, Staff], dict[str, str]]:
    """Register ``people``, each bound to their account on ``transport`` unless ``unbound``;
    the staff rows and the accounts, by name."""
    skip = set(unbound)
    staff: dict[str, Staff] = {}
    accounts: dict[str, str] = {}
    for name, department, roles, account in people:
        staff[name] = await register(
            db,
            clock,
            name,
            roles,
            department=department,
            transport=transport,
            account=None if name in skip else account,
        )
        accounts[name] = account
    return staff, accounts


def pick(buttons: Sequence[tuple[str, str]], wanted: str, who: str = "") -> str:
    """The data of the button labelled ``wanted`` among (label, data) pairs, or of the one
    button whose label contains it. Raises ``AssertionError`` when there is no such single
    button."""
    exact = [data for label, data in buttons if label == wanted]
    if exact:
        return exact[0]
    partial = [data for label, data in buttons if wanted in label]
    if len(partial) == 1:
        return partial[0]
    labels = [label for label, _ in buttons]
    raise AssertionError(f"{who}: no single button {wanted!r} among {labels!r}")


class Harness:
    """The real ``App`` with one transport on ``db``, ``clock`` and ``settings``.

    ``rebuild`` makes a new ``App`` and transport on the same database, as a restarted process
    would; ``start``/``stop`` run the transport's network side, if any. Subclasses give
    ``make_transport`` and the person's side: ``send_text``, ``send_data``, ``texts_to`` and
    ``choices``.
    """

    transport_name: ClassVar[str] = ""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.staff: dict[str, Staff] = {}
        self.accounts: dict[str, str] = {}
        self.rebuild()

    def make_transport(self, app: App) -> Transport:
        raise NotImplementedError

    def rebuild(self) -> None:
        self.app = App(self.settings, self.db, self.clock)
        self.transport = self.make_transport(self.app)
        self.app.add_transport(self.transport)

    async def start(self) -> None:
        """Start the transport's network side (nothing for the fake transport)."""

    async def stop(self) -> None:
        """Stop what ``start`` started."""

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Self]:
        """Started for the block, stopped after it."""
        await self.start()
        try:
            yield self
        finally:
            await self.stop()

    # -- the court ------------------------------------------------------------------------

    def account_for(self, name: str, account: str) -> str:
        """The account ``name`` (given ``account`` in ``PEOPLE``) has on this transport."""
        return account

    async def add_person(
        self,
        name: str,
        roles: Iterable[Role],
        *,
        department: str | None = "民一庭",
        account: str | None = None,
    ) -> Staff:
        """Register ``name``, bound to ``account`` on this transport unless it is None."""
        bound = None if account is None else self.account_for(name, account)
        person = await register(
            self.db,
            self.clock,
            name,
            roles,
            department=department,
            transport=self.transport_name,
            account=bound,
        )
        self.staff[name] = person
        if bound is not None:
            self.accounts[name] = bound
        return person

    async def seed(self, people: Sequence[Person] = PEOPLE, *, unbound: Iterable[str] = ()) -> None:
        """Register ``people`` (the demo court by default), bound unless ``unbound``."""
        skip = set(unbound)
        for name, department, roles, account in people:
            await self.add_person(
                name, roles, department=department, account=None if name in skip else account
            )

    def visitor(self, name: str, account: str) -> None:
        """Give ``name`` an account on this transport that no staff member is bound to."""
        self.accounts[name] = self.account_for(name, account)

    def account(self, person: str) -> str:
        """The account of ``person`` (a seeded name, or an account as it is)."""
        return self.accounts.get(person, person)

    # -- what a person does and sees ------------------------------------------------------

    async def send_text(self, account: str, text: str) -> list[str]:
        raise NotImplementedError

    async def send_data(self, account: str, data: str) -> list[str]:
        raise NotImplementedError

    def texts_to(self, account: str) -> list[str]:
        raise NotImplementedError

    async def choices(self, account: str) -> list[tuple[str, str]]:
        raise NotImplementedError

    async def say(self, person: str, text: str) -> list[str]:
        """``person`` types ``text``; the texts the bot sent them meanwhile, in order."""
        return await self.send_text(self.account(person), text)

    async def press(self, person: str, label: str) -> list[str]:
        """``person`` presses the button labelled ``label`` (or the one whose label contains
        it) on the newest message offering buttons; the texts the bot sent them meanwhile."""
        account = self.account(person)
        data = pick(await self.choices(account), label, person)
        return await self.send_data(account, data)

    async def tap(self, person: Any, data: str) -> list[str]:
        """``person`` presses the newest button carrying ``data``; what they received."""
        return await self.send_data(self.account(person), data)

    async def follow(self, person: Any, steps: Iterable[tuple[str, str]]) -> list[str]:
        """Answer each question in turn, ``("press", data)`` or ``("say", text)``; the replies
        to the last answer."""
        replies: list[str] = []
        for action, value in steps:
            if action == "press":
                replies = await self.tap(person, value)
            else:
                replies = await self.say(person, value)
        return replies

    def replies(self, person: str) -> list[str]:
        """Every text the bot ever sent ``person`` on this transport, oldest first."""
        return self.texts_to(self.account(person))
