"""A chat account and the people it speaks for, as a court's IT department runs them: a
disabled person enabled again gets the accounts still bound to them back; a disabled person's
account is released (``guowen staff release``) or taken over with a new person's invite code
(a work phone handed on), audited; an account bound to an active person never changes hands.
"""

from __future__ import annotations

import itertools
import json
from datetime import timedelta

from fakes import FakeBot, add_person, audit_events
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.i18n import t
from reminders.clock import FakeClock
from storage import crosscheck
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import ChatIdentity, Conversation, Staff
from storage.vocabulary import Language, Role

VALID = timedelta(hours=24)


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


async def invite_for(db: Database, clock: FakeClock, person_id: int) -> str | None:
    """A code for the person, or None when they are disabled (no code is issued then)."""
    async with db.transaction() as session:
        person = await session.get(Staff, person_id)
        assert person is not None
        if not person.active:
            return None
        issued = await staff_repo.issue_invite(
            session, person, at=clock.now(), valid_for=VALID, actor="test"
        )
    return issued.code


async def set_active(db: Database, clock: FakeClock, person_id: int, active: bool) -> None:
    async with db.transaction() as session:
        person = await session.get(Staff, person_id)
        assert person is not None
        change = staff_repo.enable_staff if active else staff_repo.disable_staff
        await change(session, person, at=clock.now(), actor="test")


async def release(db: Database, clock: FakeClock, person_id: int) -> bool:
    async with db.transaction() as session:
        person = await session.get(Staff, person_id)
        assert person is not None
        if person.active:
            return False
        for bound in await staff_repo.identities_of(session, person_id):
            await staff_repo.release_identity(
                session, bound, at=clock.now(), actor="test", reason="released"
            )
    return True


async def owners(db: Database, accounts: list[str]) -> dict[str, int | None]:
    async with db.transaction() as session:
        rows = (
            await session.execute(
                select(ChatIdentity).where(ChatIdentity.external_id.in_(accounts))
            )
        ).scalars()
        found = {row.external_id: row.staff_id for row in rows}
    return {account: found.get(account) for account in accounts}


async def test_a_handed_on_phone_takes_a_new_persons_code(db: Database, clock: FakeClock) -> None:
    bot = FakeBot(db, clock)
    leaver = await add_person(db, clock, "张三", [Role.HANDLER], user_id="phone-7")
    chat = bot.chat("phone-7")
    await chat.say("/new")  # a dialogue left open on the phone
    async with db.transaction() as session:
        left = (
            await session.execute(select(Conversation).where(Conversation.chat_id == "phone-7"))
        ).scalar_one()
        assert left.step is not None
    await set_active(db, clock, leaver.id, False)
    assert await chat.say("/help") == [zh("access.disabled")]

    newcomer = await add_person(db, clock, "李四", [Role.HANDLER])
    code = await invite_for(db, clock, newcomer.id)
    seq = (await audit_events(db))[-1].seq
    replies = await chat.say(f"/start {code}")
    assert "李四" in replies[0]
    assert replies[0].endswith("\n" + zh("access.account_moved"))
    assert await owners(db, ["phone-7"]) == {"phone-7": newcomer.id}
    events = await audit_events(db, seq)
    kinds = [event.kind for event in events]
    assert kinds[:3] == [
        AuditKind.IDENTITY_RELEASED.value,
        AuditKind.IDENTITY_BOUND.value,
        AuditKind.INVITE_USED.value,
    ]
    released = json.loads(events[0].payload)
    assert (events[0].subject, released["external_id"], released["reason"]) == (
        f"staff:{leaver.id}",
        "phone-7",
        "rebound",
    )
    async with db.transaction() as session:
        open_dialogue = (
            await session.execute(select(Conversation).where(Conversation.chat_id == "phone-7"))
        ).scalar_one()
        assert (open_dialogue.step, open_dialogue.record_id) == (None, None)
    assert "李四" in (await chat.say("/whoami"))[0]

    # Enabled again, 张三 has no account left: the phone is 李四's.
    await set_active(db, clock, leaver.id, True)
    assert await owners(db, ["phone-7"]) == {"phone-7": newcomer.id}


async def test_a_wrong_code_from_a_disabled_persons_phone_releases_nothing(
    db: Database, clock: FakeClock
) -> None:
    bot = FakeBot(db, clock)
    leaver = await add_person(db, clock, "张三", [Role.HANDLER], user_id="phone-7")
    await set_active(db, clock, leaver.id, False)
    other = await add_person(db, clock, "王五", [Role.HANDLER])
    code = await invite_for(db, clock, other.id)
    await set_active(db, clock, other.id, False)  # the code's person is disabled too
    chat = bot.chat("phone-7")
    assert await chat.say("/start WRONG-CODE-0000") == [zh("access.bad_invite")]
    assert await chat.say(f"/start {code}") == [zh("access.bad_invite")]
    assert await owners(db, ["phone-7"]) == {"phone-7": leaver.id}


async def test_an_active_persons_account_keeps_its_person(db: Database, clock: FakeClock) -> None:
    bot = FakeBot(db, clock)
    await add_person(db, clock, "张三", [Role.HANDLER], user_id="phone-7")
    newcomer = await add_person(db, clock, "李四", [Role.HANDLER])
    code = await invite_for(db, clock, newcomer.id)
    assert await bot.chat("phone-7").say(f"/start {code}") == [
        zh("access.already_bound", name="张三")
    ]
    async with db.transaction() as session:
        person = await session.get(Staff, newcomer.id)
        assert person is not None
        bound = await staff_repo.identity(session, "fake", "phone-7")
        assert bound is not None
        try:
            await staff_repo.release_identity(
                session, bound, at=clock.now(), actor="test", reason="released"
            )
        except staff_repo.AccountTaken as taken:
            assert taken.holder.name == "张三"
        else:
            raise AssertionError("an active person's account was released")


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("redeem"), st.integers(0, 2), st.integers(0, 1)),
        st.tuples(st.just("disable"), st.integers(0, 2), st.just(0)),
        st.tuples(st.just("enable"), st.integers(0, 2), st.just(0)),
        st.tuples(st.just("release"), st.integers(0, 2), st.just(0)),
    ),
    min_size=1,
    max_size=8,
)
_runs = itertools.count()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(OPERATIONS)
async def test_any_order_of_binding_disabling_enabling_and_releasing(
    db: Database, clock: FakeClock, operations: list[tuple[str, int, int]]
) -> None:
    """The accounts' holders follow IT's rules whatever the order: a good code binds a free
    account or one whose person is disabled; an active person's account never moves; release
    frees only a disabled person's accounts; enabling brings back what is still bound."""
    run = next(_runs)
    bot = FakeBot(db, clock)
    people = [(await add_person(db, clock, f"人员{run}-{n}", [Role.HANDLER])).id for n in range(3)]
    accounts = [f"acct-{run}-{n}" for n in range(2)]
    active = dict.fromkeys(people, True)
    owner: dict[str, int | None] = dict.fromkeys(accounts, None)
    for name, who, which in operations:
        person, account = people[who], accounts[which]
        if name == "redeem":
            code = await invite_for(db, clock, person)
            if code is None:
                continue
            await bot.chat(account).say(f"/start {code}")
            holder = owner[account]
            if holder is None or not active[holder]:
                owner[account] = person
        elif name in ("disable", "enable"):
            await set_active(db, clock, person, name == "enable")
            active[person] = name == "enable"
        elif await release(db, clock, person):
            owner = {a: (None if held == person else held) for a, held in owner.items()}
        assert await owners(db, accounts) == owner, (name, who, which)
    # What the rows say is what the audit events say: nothing for ``guowen verify`` to name.
    assert [problem async for problem in crosscheck.rows(db)] == []
