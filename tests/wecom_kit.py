"""The real ``App``, ``WeComService`` and HTTP server on ``FakeWeCom``: a judge on WeCom.

``WeComHarness`` posts callbacks to the bot's callback URL the way WeCom does (encrypted and
signed by the tests' own implementation of the algorithm), waits until the bot has handled
them, and reads what members received from the fake server's record of ``message/send``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import fake_wecom as fw
from fake_wecom import FakeSleep, FakeWeCom
from harness import Harness, register
from settings_kit import make_settings
from sqlalchemy import select

from bot.app import App
from bot.config import Settings
from bot.http import HttpServer
from bot.transports.wecom import WeComOptions
from bot.transports.wecom_service import WeComService, options_for
from handlers.ports import Transport
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Conversation, Staff
from storage.vocabulary import Role

CALLBACK = "/wecom/callback"


def wecom_settings(fake: FakeWeCom, folder: Path, **wecom: Any) -> Settings:
    """Settings with ``[wecom]`` enabled against ``fake`` and the HTTP server on a free port."""
    settings = make_settings(folder / "evidence", config=folder / "config.toml")
    settings.http.listen = "127.0.0.1:0"
    section = settings.wecom
    section.enabled = True
    section.corp_id, section.agent_id = fw.CORP_ID, fw.AGENT_ID
    section.secret = fw.SECRET  # type: ignore[assignment]
    section.token, section.encoding_aes_key = fw.TOKEN, fw.ENCODING_AES_KEY
    section.api_base_url, section.callback_path = fake.base_url, CALLBACK
    for key, value in wecom.items():
        setattr(section, key, value)
    return settings


def quick_options(settings: Settings, **changes: Any) -> WeComOptions:
    """``[wecom]``'s options with short pauses (the fake sleep moves the clock anyway)."""
    return replace(options_for(settings.wecom), backoff_s=0.01, timeout_s=5.0, retries=2, **changes)


def rendered(sent: dict[str, Any]) -> str:
    """A delivered message as a member reads it: a text, a card's title and sub-title, or
    ``[file name]`` for a file."""
    kind = sent["msgtype"]
    if kind == "text":
        return str(sent["text"]["content"])
    if kind == "template_card":
        card = sent["template_card"]
        parts = [card["main_title"]["title"], card.get("sub_title_text", "")]
        return "\n".join(part for part in parts if part)
    return f"[{kind}]"


class WeComHarness(Harness):
    """The ``Harness`` as ``guowen run`` builds it with ``[wecom]`` enabled, on one database;
    ``restart`` builds a new one, as a restarted process would. A person's account is their
    WeCom userid."""

    transport_name = "wecom"

    def __init__(
        self,
        fake: FakeWeCom,
        db: Database,
        clock: FakeClock,
        settings: Settings,
        **options: Any,
    ) -> None:
        self.fake = fake
        self.sleep = FakeSleep(clock)
        self.options = quick_options(settings, **options)
        super().__init__(db, clock, settings)

    def make_transport(self, app: App) -> Transport:
        self.http = HttpServer(self.settings.http.listen)
        self.service = WeComService(
            app, self.settings.wecom, self.http, options=self.options, sleep=self.sleep
        )
        return self.service.transport

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http.port}{self.settings.wecom.callback_path}"

    async def start(self) -> None:
        await self.http.start()
        await self.service.start()
        await self.service.menu_set()

    async def stop(self) -> None:
        await self.service.stop()
        await self.http.stop()

    async def restart(self) -> None:
        await self.stop()
        self.rebuild()
        await self.start()

    async def send_text(self, account: str, text: str) -> list[str]:
        return await self.say(account, text)

    async def send_data(self, account: str, data: str) -> list[str]:
        card = self._newest_card(account)
        if card is not None and card.get("card_type") == "vote_interaction":
            submit = card["submit_button"]["key"]
            code = self.fake.press_code(card["task_id"])
            xml = fw.vote_xml(account, card["task_id"], submit, code, [data])
            return await self.post(xml)
        return await self.choose(account, data)

    def texts_to(self, account: str) -> list[str]:
        return [rendered(sent) for sent in self.received(account)]

    async def choices(self, account: str) -> list[tuple[str, str]]:
        """The choices of the newest card sent to ``account`` if it came last (a vote card's
        options), else those of the numbered list."""
        card = self._newest_card(account)
        if card is None:
            return await self.offered(account)
        if card.get("card_type") == "vote_interaction":
            return [(o["text"], o["id"]) for o in card["checkbox"]["option_list"]]
        return [(button["text"], button["key"]) for button in card["button_list"]]

    def _newest_card(self, account: str) -> dict[str, Any] | None:
        sent = self.received(account)
        if not sent or sent[-1]["msgtype"] != "template_card":
            return None
        card: dict[str, Any] = sent[-1]["template_card"]
        return card

    def received(self, user: str) -> list[dict[str, Any]]:
        return [sent for sent in self.fake.delivered if sent["touser"] == user]

    async def post(self, xml: str) -> list[str]:
        """Post one callback, wait until it is handled; everything members received
        meanwhile (any member), rendered."""
        before = len(self.fake.delivered)
        status, body = await self.fake.post_callback(self.url, xml)
        assert (status, body) == (200, "")
        await self.service.idle()
        return [rendered(sent) for sent in self.fake.delivered[before:]]

    async def say(self, user: str, text: str) -> list[str]:
        """``user`` (a userid, or a seeded name) types ``text``; what members received."""
        return await self.post(fw.message_xml(self.account(user), "text", Content=text))

    def card_with(self, user: str, key: str) -> dict[str, Any]:
        """The newest card sent to ``user`` with a button of ``key`` (a vote card: its
        submit button)."""
        for sent in reversed(self.received(user)):
            card = sent.get("template_card")
            if not card:
                continue
            buttons = card.get("button_list") or [card.get("submit_button", {})]
            if key in [button.get("key") for button in buttons]:
                return card
        raise AssertionError(f"no card with {key!r} was sent to {user}")

    def press_xml(self, user: str, key: str, card: dict[str, Any] | None = None) -> str:
        card = card or self.card_with(user, key)
        task_id = card["task_id"]
        return fw.event_xml(
            user,
            "template_card_event",
            EventKey=key,
            TaskId=task_id,
            CardType="button_interaction",
            ResponseCode=self.fake.press_code(task_id),
        )

    async def vote(self, user: str, key: str, ticked: list[str]) -> list[str]:
        """Tick ``ticked`` (option ids) on the newest vote card submitted with ``key``."""
        card = self.card_with(user, key)
        task_id = card["task_id"]
        code = self.fake.press_code(task_id)
        return await self.post(fw.vote_xml(user, task_id, key, code, ticked))

    async def offered(self, user: str) -> list[tuple[str, str]]:
        """The choices last sent to ``user`` as a numbered list (label, data)."""
        async with self.db.transaction() as session:
            query = select(Conversation.data).where(
                Conversation.transport == "wecom", Conversation.chat_id == user
            )
            data = (await session.execute(query)).scalar_one_or_none() or {}
        return [(str(label), str(value)) for label, value in data.get("offered", [])]

    async def choose(self, user: str, key: str, *, by: str = "number") -> list[str]:
        """Answer a question: press the card's button ``key`` when a card carries it, else
        type the number (``by="number"``) or the label of that choice in the numbered list."""
        if key == "in:art9:v:无":  # on WeCom, Art. 9 is one vote card: "none" ticked
            return await self.vote(user, "in:art9:set:", ["无"])
        try:
            return await self.post(self.press_xml(user, key))
        except AssertionError:
            pass
        choices = await self.offered(user)
        [index] = [n for n, (_, data) in enumerate(choices, start=1) if data == key]
        typed = str(index) if by == "number" else choices[index - 1][0]
        return await self.say(user, typed)

    async def tap(self, person: Any, data: str) -> list[str]:
        """``choose`` the choice carrying ``data`` by its number."""
        return await self.choose(self.account(person), data)


@asynccontextmanager
async def fake_wecom(clock: FakeClock) -> AsyncIterator[FakeWeCom]:
    server = FakeWeCom(now=clock.now)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@asynccontextmanager
async def running_wecom(
    fake: FakeWeCom, db: Database, clock: FakeClock, folder: Path, **options: Any
) -> AsyncIterator[WeComHarness]:
    harness = WeComHarness(fake, db, clock, wecom_settings(fake, folder), **options)
    async with harness.running():
        yield harness


async def add_wecom_person(
    db: Database,
    clock: FakeClock,
    name: str,
    roles: Iterable[Role],
    userid: str | None = None,
    *,
    department: str | None = "民一庭",
) -> Staff:
    """Register a staff member and, with ``userid``, bind that WeCom account directly (as
    ``guowen staff add --wecom-userid`` does)."""
    return await register(
        db,
        clock,
        name,
        roles,
        department=department,
        transport="wecom",
        account=userid,
        via="cli",
        actor="t",
    )
