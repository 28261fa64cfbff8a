"""Art. 6: every message about the form copies says only what is true of each recipient then.

For every mix of recipients bound to a chat account, not bound, or disabled, by day and in
the quiet hours: the first /deliver answer says, for each recipient, that the copy is going
by chat (not that it arrived) or that it cannot go by chat (no bound account), with a
hand-over button for exactly those at once; a disabled person is not named. An office with
nobody listed (none registered, or all disabled) gets its printed copy by hand: the handler is
told so, with a button naming the office, and the step stays open until both offices have a
copy (Art. 6), by chat, by hand to a person, or by hand to the office. The handler's
own copy, /record and a second /deliver say each recipient's state as ``form_copies``
holds it, and no message claims the copy was delivered (报送) while it was not.
"""

from __future__ import annotations

import itertools
from typing import Any

from dialogue import Court, DialogueBot, phone_record, says
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, bj
from sqlalchemy import delete
from test_form_copy_arrival import _COMMON, OFFICE_OF, OFFICE_WORDS, RECIPIENTS, _extra_people

from handlers.i18n import join
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import ChatIdentity, Staff
from storage.vocabulary import Language, Role, label_at_start

MIX = settings(max_examples=10, derandomize=True, **_COMMON)
BOUND, UNBOUND, DISABLED = "bound", "unbound", "disabled"
NO_ACCOUNT = says("reminders.no_chat_account")
# Words that say a copy reached an office: never while it has not.
CLAIMS = ("已报送", "已送出", "已重新报送")


async def _arrange(court: Court, db: Database, clock: FakeClock, mix: dict[str, str]) -> None:
    """Each recipient bound, not bound, or disabled (still bound) as ``mix`` says."""
    async with db.transaction() as session:
        for name in RECIPIENTS:
            staff_id = court.id(name)
            await session.execute(delete(ChatIdentity).where(ChatIdentity.staff_id == staff_id))
            person = await session.get(Staff, staff_id)
            assert person is not None
            person.active = mix[name] != DISABLED
            if mix[name] != UNBOUND:
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


def _line(key: str, name: str, **values: object) -> str:
    return says(f"views.copy_{key}", where=OFFICE_WORDS[OFFICE_OF[name]], name=name, **values)


def _lacking(mix: dict[str, str], arrived: set[str]) -> str:
    """The offices no copy reached, as the catalog joins them."""
    offices = [
        office
        for office in (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT)
        if not any(n in arrived for n in RECIPIENTS if OFFICE_OF[n] is office)
    ]
    return join(Language.ZH, [label_at_start(office, Language.ZH) for office in offices])


def _unstaffed(listed: list[str]) -> list[Role]:
    """The offices none of ``listed`` belongs to: their copy is handed to the office."""
    return [o for o in OFFICE_WORDS if not any(OFFICE_OF[n] is o for n in listed)]


def _office_buttons(offices: list[Role]) -> list[str]:
    return [says("milestones.office_button", office=OFFICE_WORDS[o]) for o in offices]


_examples = itertools.count(1)


@MIX
@example(  # F10: nobody in discipline inspection; trial management reached by chat
    mix={"李刚": DISABLED, "林涛": DISABLED, "刘洋": BOUND, "马丽": DISABLED}, quiet=False
)
@example(mix=dict.fromkeys(RECIPIENTS, DISABLED), quiet=False)  # nobody in either office
@given(
    mix=st.fixed_dictionaries(
        {name: st.sampled_from([BOUND, UNBOUND, DISABLED]) for name in RECIPIENTS}
    ),
    quiet=st.booleans(),
)
async def test_each_message_says_each_recipients_copy_as_it_is(
    bot: DialogueBot,
    court: Court,
    db: Database,
    clock: FakeClock,
    mix: dict[str, str],
    quiet: bool,
) -> None:
    n = next(_examples)
    number = f"温法过问〔2026〕{n}号"
    await _extra_people(court, db, clock)
    clock.set(bj(f"2026-03-{6 + n:02d} {'03:44' if quiet else '10:15'}"))
    assert bot.app.dispatcher.quiet.contains(clock.now().astimezone(BEIJING)) is quiet
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number, draft=n, inquirer=f"王{n}号"):
        await judge.act(action)
    await _arrange(court, db, clock, mix)
    listed = [name for name in RECIPIENTS if mix[name] != DISABLED]
    bound = {name for name in listed if mix[name] == BOUND}
    unbound = [name for name in listed if mix[name] == UNBOUND]
    at = clock.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    before = {name: len(court.chat(name).inbox()) for name in RECIPIENTS}
    mine = len(judge.inbox())

    [answer, *_] = await judge.act(f"/deliver {number}")
    paper = _unstaffed(listed)
    if not listed:
        assert answer.text.startswith(says("milestones.nobody_to_deliver", title=number))
        assert [b.label for row in answer.buttons for b in row] == _office_buttons(paper)
        await _hand_over_all(court, judge, number, answer, set())
        return
    # The first answer: going by chat (sent at ``at``, not received yet), or no account.
    for name in listed:
        if name in bound:
            assert _line("pending", name, at=at) in answer.text, answer.text
        else:
            assert _line("unreachable", name, detail=NO_ACCOUNT) in answer.text, answer.text
    for name in RECIPIENTS:
        if mix[name] == DISABLED:
            assert name not in answer.text, answer.text
    labels = [b.label for row in answer.buttons for b in row]
    handed = [says("milestones.handed_button", name=name) for name in unbound]
    assert labels == handed + _office_buttons(paper)
    for office in paper:  # told to hand the office its printed copy
        words = says("milestones.deliver_office_paper", office=OFFICE_WORDS[office])
        assert words in answer.text, answer.text
    assert (says("milestones.deliver_unreachable", names="X").split("X")[1] in answer.text) is (
        bool(unbound)
    )

    # Form copies go in the quiet hours too: each bound recipient has it now, nobody else.
    for name in RECIPIENTS:
        got = [
            m.text
            for m in court.chat(name).inbox()[before[name] :]
            if number in m.text and m.text.startswith("【过问记录表格复印件")
        ]
        assert len(got) == (1 if name in bound else 0), (name, got)

    # The handler's own copy says each recipient's state when it went, no arrival claimed.
    [own] = [
        m.text
        for m in judge.inbox()[mine:]
        if m.text.startswith("【过问记录表格复印件·承办人留存") and number in m.text
    ]
    for name in listed:
        if name in bound:
            assert _line("pending", name, at=at) in own or _line("sent", name, at=at) in own, own
        else:
            assert (
                _line("unreachable", name, detail=NO_ACCOUNT) in own
                or _line("failed", name, detail=NO_ACCOUNT) in own
            ), own
    for message in judge.inbox()[mine:]:
        assert not any(claim in message.text for claim in CLAIMS), message.text

    # /record: arrived by chat, or not (no account), under the offices still lacking it.
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    for name in listed:
        if name in bound:
            assert _line("sent", name, at=at) in card, card
        else:
            assert _line("failed", name, detail=NO_ACCOUNT) in card, card
    # Done once each office has a copy (``form_copies.settle``, Art. 6): an office with
    # nobody listed has none until its printed copy is confirmed.
    done = all(any(n in bound for n in listed if OFFICE_OF[n] is office) for office in OFFICE_WORDS)
    for office in paper:
        assert says("views.copy_office_unstaffed", where=OFFICE_WORDS[office]) in card, card
    open_line = says("views.form_copy_open", offices=_lacking(mix, bound))
    assert (open_line in card) is not done, card

    # A second /deliver while the step is open: which offices lack it, the same buttons.
    if not done:
        [waiting] = await judge.act(f"/deliver {number}")
        offices = _lacking(mix, bound)
        assert waiting.text.startswith(
            says("milestones.deliver_waiting", title=number, offices=offices, copies="")
        ), waiting.text
        labels = [b.label for row in waiting.buttons for b in row]
        assert labels == handed + _office_buttons(paper)
        assert not any(claim in waiting.text for claim in CLAIMS), waiting.text
        covered = {o for o in OFFICE_WORDS if any(OFFICE_OF[n] is o for n in bound)}
        await _hand_over_all(court, judge, number, waiting, covered)


async def _hand_over_all(
    court: Court, judge: Any, number: str, answer: Any, covered: set[Role]
) -> None:
    """Press the hand-over buttons of ``answer`` (people, then offices) in turn, the offices
    ``covered`` holding a copy already: the step is said done exactly when the last office
    gets one, and /record then no longer says it is open."""
    pending = says("views.form_copy_open", offices="X").split("X")[0]
    finished = says("milestones.deliver_done", at="X").split("X")[0]
    office_of = {says("milestones.handed_button", name=n): OFFICE_OF[n] for n in RECIPIENTS}
    for office in OFFICE_WORDS:
        office_of[_office_buttons([office])[0]] = office
    for button in [b for row in answer.buttons for b in row]:
        before = set(covered)
        covered.add(office_of[button.label])
        [reply, *_] = await judge.press_data(button.data)
        now_done = covered == set(OFFICE_WORDS) and before != covered
        assert (finished in reply) is now_done, (button.label, reply)
        if covered == set(OFFICE_WORDS):
            break
    assert covered == set(OFFICE_WORDS)
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert pending not in card, card
