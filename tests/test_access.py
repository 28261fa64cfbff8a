"""Who may use the bot: invite codes, strangers, disabled staff, and the commands everyone has.

The dialogues go through the real ``App`` and engine on a fake transport, as a person would
type them, wrong answers included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fakes import FakeBot, add_person, audit_events, row_counts
from sqlalchemy import select

from handlers.i18n import t
from handlers.ports import Attachment, AttachmentKind
from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import ChatIdentity, Conversation, Invite, Staff
from storage.vocabulary import Language, Role

CODE = re.compile(r"\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b")
VALID = timedelta(hours=72)


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def en(key: str, **values: object) -> str:
    return t(Language.EN, key, **values)


@pytest.fixture
def bot(db: Database, clock: FakeClock) -> FakeBot:
    return FakeBot(db, clock)


async def invite_for(db: Database, clock: FakeClock, person: Staff) -> str:
    async with db.transaction() as session:
        fresh = await session.get(Staff, person.id)
        assert fresh is not None
        issued = await staff_repo.issue_invite(
            session, fresh, at=clock.now(), valid_for=VALID, actor="test"
        )
    return issued.code


async def identities(db: Database) -> list[ChatIdentity]:
    async with db.transaction() as session:
        return list((await session.execute(select(ChatIdentity))).scalars().all())


async def disable(db: Database, clock: FakeClock, person: Staff) -> None:
    async with db.transaction() as session:
        fresh = await session.get(Staff, person.id)
        assert fresh is not None
        assert await staff_repo.disable_staff(session, fresh, at=clock.now(), actor="test")


def commands_in(help_text: str) -> set[str]:
    return set(re.findall(r"^/(\w+) — ", help_text, flags=re.MULTILINE))


# Binding with an invite code


async def test_invite_code_binds_the_account(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)
    seq = (await audit_events(db))[-1].seq
    chat = bot.chat("tg-100", "zhangsan")

    replies = await chat.say(f"/start {code}")

    assert replies == [zh("access.bound", name="张三", court=bot.settings.court.name)]
    assert "张三" in replies[0]
    [bound] = await identities(db)
    assert (bound.transport, bound.external_id, bound.chat_id) == ("fake", "tg-100", "tg-100")
    assert (bound.staff_id, bound.display_name, bound.bound_at) == (
        person.id,
        "zhangsan",
        clock.now(),
    )
    async with db.transaction() as session:
        [used] = (await session.execute(select(Invite))).scalars().all()
    assert (used.used_at, used.used_by_identity_id) == (clock.now(), bound.id)
    kinds = [event.kind for event in await audit_events(db, seq)]
    assert kinds == [AuditKind.IDENTITY_BOUND, AuditKind.INVITE_USED]
    assert code not in json.dumps([e.payload for e in await audit_events(db)])
    # From now on the account is 张三's.
    assert "张三" in (await chat.say("/whoami"))[0]
    assert await chat.say(f"/start {code}") == [zh("access.already_bound", name="张三")]


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(str.lower, id="lower-case"),
        pytest.param(lambda code: code.replace("-", ""), id="no-dashes"),
        pytest.param(lambda code: code.replace("-", "").lower(), id="lower-no-dashes"),
        pytest.param(lambda code: code.replace("-", " "), id="spaces"),
        pytest.param(
            lambda code: "".join(chr(ord(c) + 0xFEE0) for c in code.lower()), id="full-width"
        ),
    ],
)
async def test_invite_code_as_a_person_would_type_it(
    bot: FakeBot, db: Database, clock: FakeClock, typed: Callable[[str], str]
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)

    replies = await bot.chat("tg-100").say(f"/start {typed(code)}")

    assert replies == [zh("access.bound", name="张三", court=bot.settings.court.name)]
    assert [b.staff_id for b in await identities(db)] == [person.id]


async def assert_refused_without_binding(
    bot: FakeBot, db: Database, user_id: str, text: str
) -> None:
    """``text`` from ``user_id`` gets the one bad-invite answer and binds nothing."""
    before = await identities(db)
    seq = (await audit_events(db))[-1].seq
    replies = await bot.chat(user_id).say(text)
    assert replies == [zh("access.bad_invite")]
    assert [b.id for b in await identities(db)] == [b.id for b in before]
    [event] = await audit_events(db, seq)
    assert event.kind == AuditKind.ACCESS_DENIED
    assert json.loads(event.payload) == {
        "transport": "fake",
        "external_id": user_id,
        "reason": "bad_invite",
    }


async def test_a_wrong_code_is_refused(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    await assert_refused_without_binding(bot, db, "tg-100", f"/start {wrong}")
    await assert_refused_without_binding(bot, db, "tg-100", "/start 不是邀请码")
    # The right code still works afterwards: a typo does not burn it.
    assert "张三" in (await bot.chat("tg-100").say(f"/start {code}"))[0]


async def test_an_expired_code_is_refused(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)
    clock.advance(VALID + timedelta(seconds=1))
    await assert_refused_without_binding(bot, db, "tg-100", f"/start {code}")


async def test_a_code_works_until_it_expires(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)
    clock.advance(VALID - timedelta(minutes=1))
    replies = await bot.chat("tg-100").say(f"/start {code}")
    assert replies == [zh("access.bound", name="张三", court=bot.settings.court.name)]


async def test_a_used_code_is_refused_to_another_account(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)
    assert "张三" in (await bot.chat("tg-100").say(f"/start {code}"))[0]
    await assert_refused_without_binding(bot, db, "tg-200", f"/start {code}")
    assert await bot.chat("tg-200").say("/whoami") == [zh("access.refused")]


async def test_a_code_for_a_disabled_person_is_refused(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER])
    code = await invite_for(db, clock, person)
    await disable(db, clock, person)
    await assert_refused_without_binding(bot, db, "tg-100", f"/start {code}")


async def test_a_disabled_persons_account_stops_working(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER], user_id="tg-100")
    chat = bot.chat("tg-100")
    assert zh("help.title") in (await chat.say("/help"))[0]
    await disable(db, clock, person)
    seq = (await audit_events(db))[-1].seq

    # Told their account is disabled, not that it is not bound (issue 11, item 6).
    assert await chat.say("/help") == [zh("access.disabled")]
    assert await chat.say("你好") == [zh("access.disabled")]

    denied = await audit_events(db, seq)
    assert [json.loads(e.payload)["reason"] for e in denied] == ["disabled", "disabled"]


# Strangers


STRANGER_TEXT = "县委政法委李主任让我问一下(2026)豫0825民初123号的进展"


@pytest.mark.parametrize(
    "kind",
    ["text", "command", "start-without-code", "button", "file"],
)
async def test_a_stranger_is_refused_and_leaves_no_record(
    bot: FakeBot, db: Database, clock: FakeClock, kind: str
) -> None:
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    before = await row_counts(db)
    seq = (await audit_events(db))[-1].seq
    chat = bot.chat("tg-666", "stranger")
    screenshot = Attachment(
        AttachmentKind.PHOTO, file_id="file-42", file_name="截图.png", mime_type="image/png"
    )
    bot.transport.files["file-42"] = b"\x89PNG not really"

    if kind == "text":
        replies = await chat.say(STRANGER_TEXT)
    elif kind == "command":
        replies = await chat.say("/staff")
    elif kind == "start-without-code":
        replies = await chat.say("/start")
    elif kind == "button":
        replies = await chat.press_data("lang:en")
    else:
        replies = await chat.attach(screenshot, caption=STRANGER_TEXT)

    assert replies == [zh("access.refused")]
    after = await row_counts(db)
    assert after == {**before, "audit_events": before["audit_events"] + 1}
    [event] = await audit_events(db, seq)
    assert event.kind == AuditKind.ACCESS_DENIED
    assert event.actor_staff_id is None
    assert event.subject == "fake:tg-666"
    assert json.loads(event.payload) == {
        "transport": "fake",
        "external_id": "tg-666",
        "reason": "unbound",
    }
    for secret in (STRANGER_TEXT, "截图", "file-42", "stranger", "lang:en"):
        assert secret not in event.payload
    assert bot.transport.downloads == []
    assert [sent.chat_id for sent in bot.transport.sent] == ["tg-666"]


# The commands everyone has


async def test_whoami(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    person = await add_person(
        db, clock, "张三", [Role.INTEGRITY_OFFICER, Role.HANDLER], user_id="tg-1"
    )
    await add_person(db, clock, "无部门", [Role.LEADER], department=None, user_id="tg-2")

    assert await bot.chat("tg-1").say("/whoami") == [
        zh(
            "access.whoami",
            name="张三",
            id=person.id,
            department="民一庭",
            roles="案件承办人、部门廉政监察员",
            transport="fake",
            language="中文",
        )
    ]
    [text] = await bot.chat("tg-2").say("/whoami")
    assert "院领导" in text
    assert zh("common.none") in text


async def test_help_lists_what_each_role_may_use(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="tg-handler")
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    everyone = {"help", "whoami", "language", "cancel"}
    admin_only = {"staff", "invite"}

    [handler_help] = await bot.chat("tg-handler").say("/help")
    [admin_help] = await bot.chat("tg-admin").say("/help")

    assert handler_help.splitlines()[0] == zh("help.title")
    assert f"/whoami — {zh('help.whoami')}" in handler_help.splitlines()
    assert everyone <= commands_in(handler_help)
    assert not (admin_only | {"start"}) & commands_in(handler_help)
    assert everyone | admin_only <= commands_in(admin_help)
    assert "start" not in commands_in(admin_help)
    assert f"/invite — {zh('help.invite')}" in admin_help.splitlines()


async def test_unknown_and_forbidden_commands(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="tg-handler")
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    handler = bot.chat("tg-handler")

    assert await handler.say("/foo") == [zh("error.unknown_command", command="foo")]
    assert await handler.say("/staff") == [zh("error.unknown_command", command="staff")]
    assert await handler.say("/invite 张三") == [zh("error.unknown_command", command="invite")]
    async with db.transaction() as session:
        assert (await session.execute(select(Invite))).first() is None
    # Telegram's "/cmd@bot" form and upper case reach the same command.
    [listing] = await bot.chat("tg-admin").say("/STAFF@guowen_bot")
    assert listing.splitlines()[0] == zh("staff.list_title", count=2)


async def test_a_stale_button_is_explained(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="tg-1")
    chat = bot.chat("tg-1")
    assert await chat.press_data("gone:1") == [zh("error.stale_button")]


async def test_language_button_switches_to_english(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER], user_id="tg-1")
    chat = bot.chat("tg-1")

    assert await chat.say("/language") == [zh("language.choose")]
    assert [b.label for b in chat.buttons()] == ["中文", "English"]
    assert await chat.press(2) == [en("language.set")]

    [help_text] = await chat.say("/help")
    assert help_text.splitlines()[0] == en("help.title")
    assert f"/cancel — {en('help.cancel')}" in help_text.splitlines()
    assert "Language: English" in (await chat.say("/whoami"))[0]
    assert await chat.say("/nope") == [en("error.unknown_command", command="nope")]
    async with db.transaction() as session:
        stored = await session.get(Staff, person.id)
        assert stored is not None
        assert stored.language == "en"
    assert AuditKind.LANGUAGE_SET in [e.kind for e in await audit_events(db)]
    # Typed, back to Chinese.
    assert await chat.say("/language 中文") == [zh("language.set")]


async def test_an_unknown_language_is_refused(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    person = await add_person(db, clock, "张三", [Role.HANDLER], user_id="tg-1")
    chat = bot.chat("tg-1")
    seq = (await audit_events(db))[-1].seq

    assert await chat.say("/language xx") == [zh("language.unknown", value="xx")]

    assert await audit_events(db, seq) == []
    async with db.transaction() as session:
        stored = await session.get(Staff, person.id)
        assert stored is not None
        assert stored.language is None


async def test_an_english_admin_sees_english_role_names(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    await add_person(db, clock, "张三", [Role.HANDLER, Role.INTEGRITY_OFFICER])
    admin = bot.chat("tg-admin")
    await admin.say("/language en")

    [listing] = await admin.say("/staff")

    assert listing.splitlines() == [
        en("staff.list_title", count=2),
        "1. 赵磊 — 民一庭 — IT administrator — active",
        "2. 张三 — 民一庭 — case handler, integrity officer — active",
    ]


# The admin's /invite


async def test_invite_dialogue_survives_a_restart(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    admin = await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    await add_person(db, clock, "孙丽", [Role.HANDLER])
    chat = bot.chat("tg-admin")

    assert await chat.say("/invite") == [zh("staff.invite_who")]
    assert await chat.say("不存在") == [zh("staff.not_found", ref="不存在")]
    bot.restart()
    [issued] = await chat.say("孙丽")

    match = CODE.search(issued)
    assert match is not None, issued
    code = match.group(0)
    assert issued == zh("staff.invite_issued", name="孙丽", expires="2026-03-09 10:00", code=code)
    invite_events = [e for e in await audit_events(db) if e.kind == AuditKind.INVITE_ISSUED]
    assert [(e.actor, e.actor_staff_id) for e in invite_events] == [("赵磊", admin.id)]
    # The dialogue is over: the next plain text is not taken for a name.
    assert await chat.say("孙丽") == [zh("help.hint", name="赵磊")]
    # And the code binds 孙丽's own account.
    replies = await bot.chat("tg-sunli").say(f"/start {code}")
    assert replies == [zh("access.bound", name="孙丽", court=bot.settings.court.name)]


async def test_invite_in_one_message_and_its_refusals(
    bot: FakeBot, db: Database, clock: FakeClock
) -> None:
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    gone = await add_person(db, clock, "钱七", [Role.HANDLER])
    await disable(db, clock, gone)
    chat = bot.chat("tg-admin")

    [issued] = await chat.say("/invite 1")
    assert CODE.search(issued) is not None
    assert "赵磊" in issued
    assert await chat.say("/invite 钱七") == [zh("staff.inactive", ref=gone.name)]
    assert await chat.say("/invite 99") == [zh("staff.not_found", ref="99")]
    async with db.transaction() as session:
        assert len((await session.execute(select(Invite))).all()) == 1


async def test_cancel(bot: FakeBot, db: Database, clock: FakeClock) -> None:
    await add_person(db, clock, "赵磊", [Role.ADMIN], user_id="tg-admin")
    await add_person(db, clock, "孙丽", [Role.HANDLER])
    chat = bot.chat("tg-admin")

    assert await chat.say("/cancel") == [zh("common.nothing_to_cancel")]
    assert await chat.say("/invite") == [zh("staff.invite_who")]
    assert await chat.say("/cancel") == [zh("staff.invite_cancelled")]
    assert await chat.say("孙丽") == [zh("help.hint", name="赵磊")]
    assert await chat.say("/cancel") == [zh("common.nothing_to_cancel")]
    async with db.transaction() as session:
        assert (await session.execute(select(Invite))).first() is None
        [conversation] = (await session.execute(select(Conversation))).scalars().all()
        assert conversation.step is None
