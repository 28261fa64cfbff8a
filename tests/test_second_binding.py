"""An admin cannot quietly give himself a judge's eyes.

A second chat account for someone already bound is said plainly to the admin who makes the
code, announced to the person on every chat they use and to discipline when it is used, and
audited; the console of a running court cannot speak as anyone it likes.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from fakes import FakeBot, add_person, audit_events
from test_cli_staff import CODE_LINE, config, database_url, guowen  # noqa: F401

from bot.transports.console import ConsoleTransport
from handlers.i18n import t
from reminders.clock import FakeClock
from storage.audit import AuditKind
from storage.db import Database
from storage.vocabulary import Language, Role, label

CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


async def test_a_second_account_for_a_bound_judge_is_said_announced_and_audited(
    db: Database, clock: FakeClock
) -> None:
    judge = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="u-zhang")
    officer = await add_person(db, clock, "纪检员", [Role.DISCIPLINE], user_id="u-jijian")
    admin = await add_person(
        db, clock, "赵磊", [Role.ADMIN], department="信息技术科", user_id="u-it"
    )
    bot = FakeBot(db, clock)

    [issued] = await bot.chat("u-it").say("/invite 张伟")
    warning, _, rest = issued.partition("\n")
    account = zh("cli.account", transport="fake", id="u-zhang")  # as the CLI names it
    assert warning == zh("staff.invite_already_bound", name="张伟", count=1, accounts=account)
    code = CODE.search(rest)
    assert code is not None

    before = len(await audit_events(db))
    spy = await bot.chat("u-spy").say(f"/start {code.group(0)}")
    assert spy == [zh("access.bound", name="张伟", court=bot.settings.court.name)]

    when = clock.now().astimezone(bot.settings.tz).strftime("%Y-%m-%d %H:%M")
    assert [m.text for m in bot.transport.to("u-zhang")] == [
        zh("access.new_binding_self", name="张伟", transport="fake", when=when)
    ]
    assert [m.text for m in bot.transport.to("u-jijian")] == [
        zh(
            "access.new_binding_discipline",
            name="张伟",
            department="民一庭",
            transport="fake",
            when=when,
            count=1,
        )
    ]
    assert bot.transport.to("u-it")[-1].text == issued  # the admin hears nothing more
    events = await audit_events(db, before)
    assert [e.kind for e in events] == [
        AuditKind.IDENTITY_BOUND,
        AuditKind.INVITE_USED,
        AuditKind.BINDING_ANNOUNCED,
    ]
    told = json.loads(events[2].payload)
    assert told["told"] == [judge.id, officer.id] and told["external_id"] == "u-spy"
    assert admin.id not in told["told"]


async def test_a_first_binding_is_not_announced(db: Database, clock: FakeClock) -> None:
    await add_person(db, clock, "纪检员", [Role.DISCIPLINE], user_id="u-jijian")
    await add_person(db, clock, "孙丽", [Role.HANDLER])
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="u-it")
    bot = FakeBot(db, clock)
    [issued] = await bot.chat("u-it").say("/invite 孙丽")
    code = CODE.search(issued)
    assert code is not None
    await bot.chat("u-sun").say(f"/start {code.group(0)}")
    assert bot.transport.to("u-jijian") == []
    kinds = [e.kind for e in await audit_events(db)]
    assert AuditKind.BINDING_ANNOUNCED not in kinds


def test_the_cli_says_plainly_that_the_person_is_bound(config: Path) -> None:  # noqa: F811
    assert (
        guowen(
            config,
            "staff",
            "add",
            "--name",
            "张三",
            "--new-department",
            "--department",
            "民一庭",
            "--role",
            "handler",
        )[0]
        == 0
    )
    status, lines = guowen(config, "staff", "invite", "张三")
    assert status == 0 and len(lines) == 2  # not bound: no warning

    async def bind() -> None:
        db = Database(database_url(config))
        try:
            await (
                FakeBot(db, FakeClock(datetime.now(UTC)))
                .chat("tg-zhang")
                .say(f"/start {lines[-1]}")
            )
        finally:
            await db.close()

    asyncio.run(bind())
    status, lines = guowen(config, "staff", "invite", "张三")
    assert status == 0 and len(lines) == 3
    assert lines[0] == t(
        None,
        "staff.invite_already_bound",
        name="张三",
        count=1,
        accounts=t(None, "cli.account", transport="fake", id="tg-zhang"),
    )
    assert CODE_LINE.match(lines[-1])


async def test_a_running_courts_console_binds_like_any_chat(db: Database, clock: FakeClock) -> None:
    await add_person(db, clock, "张伟", [Role.HANDLER, Role.DISCIPLINE], user_id="u-zhang")
    bot = FakeBot(db, clock)
    out = io.StringIO()
    console = ConsoleTransport(bot.app, out=out, allow_as=False)
    bot.app.add_transport(console)

    await console.line("/as 张伟")
    assert zh("console.as_refused") in out.getvalue()
    assert console.speaker_name == ""
    await console.line("/mine")
    assert zh("access.refused") in out.getvalue()

    demo = ConsoleTransport(bot.app, out=io.StringIO())  # the demo keeps /as
    await demo.line("/as 张伟")
    assert demo.speaker_name == "张伟"


async def test_a_first_account_that_reads_others_records_is_told_to_discipline(
    db: Database, clock: FakeClock
) -> None:
    """The admin registers a 'leader' for himself: discipline hears of it when it binds."""
    await add_person(db, clock, "纪检员", [Role.DISCIPLINE], user_id="u-jijian")
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="u-it")
    await add_person(db, clock, "王院长", [Role.LEADER], department="院领导")
    bot = FakeBot(db, clock)
    [issued] = await bot.chat("u-it").say("/invite 王院长")
    code = CODE.search(issued)
    assert code is not None
    await bot.chat("u-new").say(f"/start {code.group(0)}")
    when = clock.now().astimezone(bot.settings.tz).strftime("%Y-%m-%d %H:%M")
    assert [m.text for m in bot.transport.to("u-jijian")] == [
        zh(
            "access.new_reader_discipline",
            name="王院长",
            department="院领导",
            roles=label(Role.LEADER, Language.ZH),
            transport="fake",
            when=when,
        )
    ]
    kinds = [e.kind for e in await audit_events(db)]
    assert kinds[-1] == AuditKind.BINDING_ANNOUNCED


async def test_the_console_reads_a_typed_button_number_with_the_one_parser(
    db: Database, clock: FakeClock
) -> None:
    """'²' is not a number: it goes to the bot as text instead of failing the console."""
    await add_person(db, clock, "张伟", [Role.HANDLER], user_id="u-zhang")
    bot = FakeBot(db, clock)
    out = io.StringIO()
    console = ConsoleTransport(bot.app, out=out)
    bot.app.add_transport(console)
    await console.line("/as 张伟")
    await console.line("/language")
    await console.line("²")
    assert zh("help.hint", name="张伟") in out.getvalue()
    await console.line("２")
    assert t(Language.EN, "language.set") in out.getvalue()


async def test_the_console_heads_a_reply_to_its_unbound_speaker_in_words(
    db: Database, clock: FakeClock
) -> None:
    """`guowen run`'s console before binding: the reply's heading names the unbound user in
    the court's language, never the console's internal id."""
    bot = FakeBot(db, clock)
    out = io.StringIO()
    console = ConsoleTransport(bot.app, out=out, allow_as=False)
    bot.app.add_transport(console)
    await console.line("你好")
    heading = zh("console.to", name=zh("console.guest"))
    assert heading in out.getvalue().splitlines(), out.getvalue()
    assert "guest" not in out.getvalue()
