"""Art. 6: the form copy counts as delivered only when each office has it.

The handler's /deliver sends the copy to everyone in the discipline inspection office and the
trial management office. For every mix of recipients bound to a chat account, not bound yet,
or whose chat refuses the send, the step 报送表格复印件 is done exactly when each office has a
copy that arrived by chat or that the handler confirmed handing over in print; until then
the figures count it as not delivered. A copy that did not arrive is named to the handler as
a form copy to print and hand over, with a button to confirm it, in catalog words only; and
/record lists each recipient and whether their copy arrived.
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from dialogue import AMEND, Court, DialogueBot, Press, phone_record, says
from fakes import add_person
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from reminder_kit import bj, run_until
from sqlalchemy import delete

from handlers.i18n import join
from handlers.ports import Delivery, DeliveryStatus, OutgoingMessage
from reminders.clock import FakeClock
from reminders.planner import unmet
from reports.facts import State, timeliness_lines
from storage import records as records_repo
from storage.db import Database
from storage.models import ChatIdentity, Record
from storage.vocabulary import Language, Milestone, Role, label, label_at_start

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database: a shrunk example would meet the records
    # of those before it, so a failure is reported as found.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
MIX = settings(max_examples=12, derandomize=True, **_COMMON)

OFFICE_OF = {"李刚": Role.DISCIPLINE, "林涛": Role.DISCIPLINE, "刘洋": Role.TRIAL_MANAGEMENT}
OFFICE_OF["马丽"] = Role.TRIAL_MANAGEMENT
RECIPIENTS = tuple(OFFICE_OF)
OFFICE_WORDS = {Role.DISCIPLINE: "纪检监察部门", Role.TRIAL_MANAGEMENT: "审判管理办公室"}
DONE = says("milestones.deliver_done", at="").removesuffix("）。")
BOUND, UNBOUND, REFUSED = "bound", "unbound", "refused"
REFUSAL = "Forbidden: bot was blocked by the user"


async def _extra_people(court: Court, db: Database, clock: FakeClock) -> None:
    """A second person in each office (the court has one in each)."""
    for name, role, department, account in (
        ("林涛", Role.DISCIPLINE, "纪检监察室", "lintao"),
        ("马丽", Role.TRIAL_MANAGEMENT, "审判管理办公室", "mali"),
    ):
        if name not in court.staff:
            court.staff[name] = await add_person(
                db, clock, name, [role], department=department, user_id=account
            )
            court.accounts[name] = account


async def _bind(court: Court, db: Database, clock: FakeClock, states: dict[str, str]) -> None:
    """Each recipient bound or not as ``states`` says (the account is the court's own)."""
    async with db.transaction() as session:
        for name in [n for n in RECIPIENTS if n in states]:
            staff_id = court.id(name)
            await session.execute(delete(ChatIdentity).where(ChatIdentity.staff_id == staff_id))
            if states[name] != UNBOUND:
                account = court.accounts[name]
                session.add(
                    ChatIdentity(
                        transport="fake",
                        external_id=account,
                        chat_id=account,
                        staff_id=staff_id,
                        bound_at=clock.now(),
                    )
                )


def _refuse(bot: DialogueBot, refused: set[str]) -> None:
    """The chat service refuses, for good, every send to the chats in ``refused``."""
    transport = bot.transport
    original = type(transport).send

    async def send(chat_id: str, message: OutgoingMessage) -> Delivery:
        if chat_id in refused:
            return Delivery(DeliveryStatus.FAILED, detail=REFUSAL)
        return await original(transport, chat_id, message)

    transport.send = send  # type: ignore[method-assign]


async def _record(db: Database, number: str) -> Record:
    async with db.transaction() as session:
        record = await records_repo.by_number(session, number)
        assert record is not None
        return record


def _reached(states: dict[str, str], handed: set[str]) -> bool:
    return all(
        any(states[n] == BOUND or n in handed for n in RECIPIENTS if OFFICE_OF[n] is office)
        for office in (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT)
    )


async def _assert_state(
    bot: DialogueBot, db: Database, clock: FakeClock, number: str, done: bool
) -> None:
    """The milestone and the figures agree with ``done``."""
    record = await _record(db, number)
    rules = bot.app.services.rules
    assert (record.form_delivered_at is not None) is done
    assert (Milestone.FORM_DELIVERED in unmet(record, rules)) is not done
    [line] = [
        line
        for line in timeliness_lines(record, rules, clock.now())
        if line.milestone is Milestone.FORM_DELIVERED
    ]
    assert line.state is (State.ON_TIME if done else State.PENDING)


def _open_line(states: dict[str, str], handed: set[str]) -> str:
    """/record's line for a first copy still open: the offices no copy has reached yet."""
    lacking = [
        office
        for office in (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT)
        if not any(states[n] == BOUND or n in handed for n in RECIPIENTS if OFFICE_OF[n] is office)
    ]
    offices = join(Language.ZH, [label_at_start(office, Language.ZH) for office in lacking])
    return says("views.form_copy_open", offices=offices)


_examples = itertools.count(1)


@MIX
@given(
    mix=st.fixed_dictionaries(
        {name: st.sampled_from([BOUND, UNBOUND, REFUSED]) for name in RECIPIENTS}
    ),
    order=st.permutations(RECIPIENTS),
)
async def test_the_copy_is_delivered_only_when_each_office_has_it(
    bot: DialogueBot,
    court: Court,
    db: Database,
    clock: FakeClock,
    mix: dict[str, str],
    order: list[str],
) -> None:
    n = next(_examples)
    number = f"温法过问〔2026〕{n}号"
    await _extra_people(court, db, clock)
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number, draft=n, inquirer=f"王{n}号"):
        await judge.act(action)
    await _bind(court, db, clock, mix)
    _refuse(bot, {court.accounts[name] for name in RECIPIENTS if mix[name] == REFUSED})
    before = len(judge.inbox())

    replies = [m.text for m in await judge.act(f"/deliver {number}")]
    assert replies[0].startswith(says("milestones.delivered", title=number, copies="").rstrip())
    missing = [name for name in RECIPIENTS if mix[name] != BOUND]
    await _assert_state(bot, db, clock, number, _reached(mix, set()))

    # Each copy that did not arrive is named to the handler as a form copy to print and hand
    # over, in catalog words, with its button.
    told = [m for m in judge.inbox()[before:] if m.buttons and "表格复印件未能" in m.text]
    assert sorted(name for m in told for name in missing if f"送达 {name}（" in m.text) == sorted(
        missing
    )
    for message in told:
        assert "当面转告" not in message.text and "提醒" not in message.text
        assert "no chat account" not in message.text and "打印" in message.text
    for name in missing:
        [message] = [m for m in told if f"送达 {name}（" in m.text]
        detail = says("reminders.no_chat_account") if mix[name] == UNBOUND else REFUSAL
        assert message.text == says(
            "reminders.form_copy_failed_handler", title=number, name=name, detail=detail
        )

    # /record lists every recipient and where their copy is, under a line naming the offices
    # the copy has not reached yet while the step is open.
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert (_open_line(mix, set()) in card) is not _reached(mix, set()), card
    for name in RECIPIENTS:
        where = OFFICE_WORDS[OFFICE_OF[name]]
        if mix[name] == BOUND:
            assert f"{where} {name}：已送达（" in card, card
        else:
            assert f"{where} {name}：未送达（" in card, card

    # The handler hands printed copies over, one by one; the step is done exactly when each
    # office has one.
    handed: set[str] = set()
    for name in [n for n in order if n in missing]:
        label = says("milestones.handed_button", name=name)
        [data] = [b.data for m in told for row in m.buttons for b in row if b.label == label]
        clock.advance(timedelta(minutes=5))
        [reply] = await judge.press_data(data)
        handed.add(name)
        assert reply.startswith(says("milestones.handed", title=number, name=name, copies=""))
        done = _reached(mix, handed)
        await _assert_state(bot, db, clock, number, done)
        assert (DONE in reply) is done
        [card] = [m.text for m in await judge.act(f"/record {number}")]
        assert (_open_line(mix, handed) in card) is not done, card
    await _assert_state(bot, db, clock, number, True)
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert says("views.form_copy_open", offices="X").split("X")[0] not in card
    for name in missing:
        assert f"{OFFICE_WORDS[OFFICE_OF[name]]} {name}：已打印当面交付（" in card, card


async def test_a_copy_that_reached_no_office_is_chased_and_handed_over_late(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    number = "温法过问〔2026〕1号"
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number):
        await judge.act(action)
    await _bind(court, db, clock, {"李刚": UNBOUND, "刘洋": UNBOUND})
    await judge.act(f"/deliver {number}")
    told = [m for m in judge.inbox() if m.buttons and "表格复印件未能" in m.text]
    assert len(told) == 2

    # A second /deliver says where each copy is, with the buttons to confirm a hand-over.
    [waiting] = await judge.act(f"/deliver {number}")
    assert waiting.text.startswith(
        says("milestones.deliver_waiting", title=number, offices="X", copies="").split("X")[0]
    )
    assert [b.label for row in waiting.buttons for b in row] == [
        says("milestones.handed_button", name=name) for name in ("李刚", "刘洋")
    ]

    # Still owed: the handler is chased past the deadline, as for a copy never sent.
    before = len(judge.inbox())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-13 12:00"))
    step = label(Milestone.FORM_DELIVERED, Language.ZH)
    chased = [m.text for m in judge.inbox()[before:] if number in m.text and step in m.text]
    assert chased, [m.text for m in judge.inbox()[before:]]
    record = await _record(db, number)
    assert record.form_delivered_at is None

    for name in ("李刚", "刘洋"):
        [data] = [
            b.data
            for row in waiting.buttons
            for b in row
            if b.label == says("milestones.handed_button", name=name)
        ]
        await judge.press_data(data)
    record = await _record(db, number)
    assert record.form_delivered_at == clock.now()
    [line] = [
        line
        for line in timeliness_lines(record, bot.app.services.rules, clock.now())
        if line.milestone is Milestone.FORM_DELIVERED
    ]
    assert line.state is State.LATE
    # A hand-over confirmed twice is refused, and records nothing more.
    assert await judge.press_data(data) == [says("error.stale_button")]


async def test_a_correction_reaches_the_copies_sent_before_each_office_had_one(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    """Art. 6: a copy that reached 李刚 while 刘洋's waits to be handed over is a copy held; a
    correction sends 李刚 the corrected form, and the step stays open until 刘洋 has one."""
    number = "温法过问〔2026〕1号"
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number):
        await judge.act(action)
    await _bind(court, db, clock, {"李刚": BOUND, "刘洋": UNBOUND})
    await judge.act(f"/deliver {number}")
    await _assert_state(bot, db, clock, number, False)
    before = len(court.chat("李刚").inbox())

    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(says("card.inquirer_position")))
    await judge.act("副局长")
    replies = [m.text for m in await judge.act("记错职务")]
    assert replies[0] == says("amend.done", title=number)
    head = says("milestones.redelivered", title=number, previous="X", copies="Y")
    assert replies[1].startswith(head.split("X")[0])
    again = says(
        "reminders.form_copy_corrected",
        handler="张伟",
        department="民一庭",
        number=number,
        card="",
        previous="X",
    ).split("X")[0]
    [copy] = [m.text for m in court.chat("李刚").inbox()[before:] if m.text.startswith(again)]
    assert "职务：副局长\n" in copy
    await _assert_state(bot, db, clock, number, False)
    # Nothing changed since: a second /deliver lists where each copy is, sending nothing.
    [waiting] = await judge.act(f"/deliver {number}")
    assert waiting.text.startswith(
        says("milestones.deliver_waiting", title=number, offices="X", copies="").split("X")[0]
    )
