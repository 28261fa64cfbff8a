"""Art. 6: an office that had nobody registered when the form copy went is judged now.

A copy delivered while the discipline inspection office had nobody registered is to be
handed to that office in print. Once someone is registered there, every message about the
copy says so from the staff as they are now, not as they were when it went: /record no
longer says the office has nobody, and the handler's next /deliver sends the copy to the
newcomer (by chat once bound; else it says the newcomer has no bound chat account and keeps
the button to confirm a printed copy handed over), for every mix of bound and not bound.
"""

from __future__ import annotations

from datetime import timedelta

from dialogue import Court, DialogueBot, phone_record, says
from fakes import add_person
from hypothesis import given, settings
from hypothesis import strategies as st
from reminder_kit import bj
from test_form_copy_arrival import _COMMON

from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Role

OFFICE = "纪检监察部门"
UNSTAFFED = says("views.copy_office_unstaffed", where=OFFICE)
NO_ACCOUNT = says("reminders.no_chat_account")
OFFICE_BUTTON = says("milestones.office_button", office=OFFICE)

_seen: list[int] = []


async def _nobody_in_discipline(db: Database) -> None:
    """Every discipline inspection member disabled: nobody holds the office."""
    async with db.transaction() as session:
        for person in await staff_repo.with_role(session, Role.DISCIPLINE):
            person.active = False


@settings(max_examples=6, derandomize=True, **_COMMON)
@given(bound=st.booleans(), look_first=st.booleans())
async def test_deliver_names_who_is_registered_now(
    bot: DialogueBot,
    court: Court,
    db: Database,
    clock: FakeClock,
    bound: bool,
    look_first: bool,
) -> None:
    n = len(_seen) + 1
    _seen.append(n)
    number = f"温法过问〔2026〕{n}号"
    await _nobody_in_discipline(db)
    clock.set(bj(f"2026-03-{6 + n:02d} 10:15"))
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number, draft=n, inquirer=f"王{n}号"):
        await judge.act(action)
    [first, *_] = await judge.act(f"/deliver {number}")
    assert says("milestones.deliver_office_paper", office=OFFICE) in first.text, first.text
    assert OFFICE_BUTTON in [b.label for row in first.buttons for b in row]

    # Someone is registered in the office afterwards (as ``guowen staff add`` does).
    name, account = f"新{n}号", f"new{n}"
    court.staff[name] = await add_person(
        db,
        clock,
        name,
        [Role.DISCIPLINE],
        department="纪检监察室",
        user_id=account if bound else None,
    )
    court.accounts[name] = account
    clock.advance(timedelta(minutes=5))
    if look_first:  # /record before any new /deliver: the office is not said to have nobody
        [card] = [m.text for m in await judge.act(f"/record {number}")]
        assert UNSTAFFED not in card, card
        assert name in card, card

    [again, *_] = await judge.act(f"/deliver {number}")
    assert UNSTAFFED not in again.text, again.text
    assert name in again.text, again.text
    labels = [b.label for row in again.buttons for b in row]
    inbox = [m.text for m in court.chat(name).inbox() if m.text.startswith("【过问记录表格复印件")]
    if bound:  # goes by chat to the newcomer now
        assert len(inbox) == 1 and number in inbox[0], inbox
        assert f"{OFFICE} {name}：{NO_ACCOUNT}" not in again.text, again.text
    else:  # says there is no bound chat account, with the printed-copy button
        assert inbox == []
        assert f"{OFFICE} {name}：{NO_ACCOUNT}" in again.text, again.text
        assert says("milestones.handed_button", name=name) in labels, labels
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert UNSTAFFED not in card, card
    assert name in card, card
