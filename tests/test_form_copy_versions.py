"""Art. 6: every form copy a recipient must receive can be confirmed as handed over.

The first copy, a corrected copy and a copy with evidence added each go to whoever holds a
copy. For any sequence of deliveries, corrections, evidence added, hand-over presses (on the
button of the copy due now, or on an older copy's) and recipients bound or not to a chat
account: each recipient's last copy either arrived (by chat, or handed over and confirmed)
or has exactly one live hand-over button in the handler's chat; a press confirms only the
copy due now, never an older one (it says the copy is superseded instead); /record names
per recipient where their last copy is; and the step 报送表格复印件 is done at the time both
offices first had a copy, whatever corrected copies follow.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dialogue import (
    AMEND,
    CASE_NAME,
    Court,
    DialogueBot,
    Forward,
    Press,
    phone_record,
    says,
)
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from reminder_kit import bj, run_until
from sqlalchemy import delete

from reminders.clock import FakeClock
from storage import audit
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import ChatIdentity, Record

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database: a shrunk example would meet the records
    # of those before it, so a failure is reported as found.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
SEQUENCES = settings(max_examples=14, derandomize=True, **_COMMON)

HOLDERS = ("李刚", "刘洋")
OFFICE = {"李刚": "discipline", "刘洋": "trial_management"}

Op = tuple[str, str]
"""``("bind"|"unbind", name)``, ``("deliver"|"correct"|"evidence", "")`` or
``("press"|"stale", name)``."""


def ops() -> st.SearchStrategy[list[Op]]:
    people = st.sampled_from(HOLDERS)
    return st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["bind", "unbind", "press", "stale"]), people),
            st.tuples(st.sampled_from(["deliver", "correct", "evidence"]), st.just("")),
        ),
        min_size=2,
        max_size=9,
    )


@dataclass
class Holder:
    """What one recipient should have: their last copy's version, and when it arrived."""

    version: int = 0
    arrived: datetime | None = None
    how: str = ""
    firsts: list[datetime] = field(default_factory=list)


async def _bind(court: Court, db: Database, clock: FakeClock, name: str, bound: bool) -> None:
    async with db.transaction() as session:
        staff_id = court.id(name)
        await session.execute(delete(ChatIdentity).where(ChatIdentity.staff_id == staff_id))
        if bound:
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


async def _record(db: Database, number: str) -> Record:
    async with db.transaction() as session:
        record = await records_repo.by_number(session, number)
        assert record is not None
        return record


async def _handed_events(db: Database, record_id: int) -> list[dict[str, Any]]:
    async with db.transaction() as session:
        events = await audit.record_events(session, record_id, AuditKind.FORM_HANDED)
        return [event.payload for event in events]


def _buttons(bot: DialogueBot, court: Court, record_id: int, name: str) -> set[str]:
    """The distinct hand-over buttons for ``name`` the handler was ever shown."""
    prefix = f"ms:{record_id}:handed:{court.id(name)}"
    return {
        b.data
        for m in court.chat("张伟").inbox()
        for row in m.buttons
        for b in row
        if b.data == prefix or b.data.startswith(prefix + ":")
    }


def _version_of(data: str) -> int:
    """The copy a hand-over button names (a bare one: the first copy)."""
    tail = data.rsplit(":", 1)[-1]
    return int(tail[1:]) if tail.startswith("v") else 1


_examples = itertools.count(1)


@SEQUENCES
@given(steps=ops(), unbound=st.sets(st.sampled_from(HOLDERS)))
@example(  # old buttons pressed while the corrected copy is due, and after it arrived
    steps=[
        ("deliver", ""),
        ("correct", ""),
        ("stale", "刘洋"),
        ("press", "刘洋"),
        ("stale", "刘洋"),
        ("bind", "刘洋"),
        ("evidence", ""),
        ("stale", "刘洋"),
    ],
    unbound={"刘洋"},
)
async def test_every_copy_arrives_or_has_one_live_button_and_no_press_confirms_an_old_one(
    bot: DialogueBot,
    court: Court,
    db: Database,
    clock: FakeClock,
    steps: list[Op],
    unbound: set[str],
) -> None:
    n = next(_examples)
    number = f"温法过问〔2026〕{n}号"
    judge = court.chat("张伟")
    for name in HOLDERS:
        await _bind(court, db, clock, name, True)
    for action, _ in phone_record(number=number, draft=n, inquirer=f"王{n}号"):
        await judge.act(action)
    record_id = (await _record(db, number)).id
    bound = {name: name not in unbound for name in HOLDERS}
    for name in HOLDERS:
        await _bind(court, db, clock, name, bound[name])
    holders = {name: Holder() for name in HOLDERS}
    version = 0  # copies sent so far
    done_at: datetime | None = None

    def send_copy() -> None:
        nonlocal version
        version += 1
        for name, holder in holders.items():
            holder.version = version
            holder.arrived = clock.now() if bound[name] else None
            holder.how = "sent" if bound[name] else ""
            if holder.arrived is not None:
                holder.firsts.append(holder.arrived)

    for step, (kind, name) in enumerate(steps):
        clock.advance(timedelta(minutes=7))
        if kind in ("bind", "unbind"):
            bound[name] = kind == "bind"
            await _bind(court, db, clock, name, bound[name])
        elif kind == "deliver":
            await judge.act(f"/deliver {number}")
            if version == 0:
                send_copy()
        elif kind == "correct":
            await judge.act(f"/record {number}")
            await judge.act(Press(AMEND))
            await judge.act(Press(says("card.inquirer_position")))
            await judge.act(f"副局长{step}")
            replies = [m.text for m in await judge.act(f"原因{step}")]
            assert replies[0] == says("amend.done", title=number), replies
            if version:
                send_copy()
        elif kind == "evidence":
            note = Forward(
                caption=f"补充{n}-{step}", at=clock.now() - timedelta(minutes=1), sender="王某"
            )
            await judge.act(note)
            label = says("intake.add_to_submitted", number=number, case=CASE_NAME)
            replies = [m.text for m in await judge.act(Press(label))]
            assert replies[0].startswith("已将"), replies
            if version:
                send_copy()
        else:
            holder = holders[name]
            buttons = _buttons(bot, court, record_id, name)
            before = await _handed_events(db, record_id)
            if kind == "press":
                live = [d for d in buttons if _version_of(d) == holder.version]
                if not live:
                    continue
                replies = await judge.press_data(live[0])
                after = await _handed_events(db, record_id)
                if holder.arrived is not None:
                    assert replies == [says("error.stale_button")], replies
                    assert after == before
                    continue
                assert len(after) == len(before) + 1, replies
                assert after[-1]["version"] == holder.version
                assert after[-1]["to"] == court.id(name)
                holder.arrived, holder.how = clock.now(), "handed"
                holder.firsts.append(clock.now())
            else:
                stale = [d for d in buttons if _version_of(d) < holder.version]
                if not stale:
                    continue
                replies = await judge.press_data(sorted(stale)[0])
                # Superseded: said so, and nothing is confirmed.
                assert await _handed_events(db, record_id) == before
                key = "milestones.handed_superseded"
                if holder.arrived is not None:
                    key += "_arrived"
                head = says(key, title="X", name=name, old=_version_of(sorted(stale)[0]), copy="Y")
                assert replies[0].startswith(head.split("Y")[0]), replies

        # Each recipient's last copy arrived, or has exactly one live hand-over button.
        for person, holder in holders.items():
            if holder.version == 0 or holder.arrived is not None:
                continue
            live = {
                d
                for d in _buttons(bot, court, record_id, person)
                if _version_of(d) == holder.version
            }
            assert len(live) == 1, (person, holder, steps[: step + 1])

        # The step is done when both offices first had a copy, and stays at that time.
        record = await _record(db, number)
        firsts = [min(h.firsts) for h in holders.values() if h.firsts]
        expected = max(firsts) if len(firsts) == len(HOLDERS) else None
        if done_at is not None:
            assert record.form_delivered_at == done_at
        else:
            assert record.form_delivered_at == expected, (steps[: step + 1], holders)
            done_at = record.form_delivered_at

    # /record names, per recipient, where their last copy is.
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    if version == 0:
        return
    section = card[card.rindex(f"表格复印件第 {version} 份") :]
    for name, holder in holders.items():
        where = "纪检监察部门" if OFFICE[name] == "discipline" else "审判管理办公室"
        [line] = [line for line in section.splitlines() if f"{where} {name}：" in line]
        if holder.how == "sent":
            assert "已送达（" in line, line
        elif holder.how == "handed":
            assert "已打印当面交付（" in line, line
        elif version == 1:
            assert "未送达" in line, line
        else:
            assert "手中仍是" in line, line


async def test_an_unconfirmed_corrected_copy_is_chased_and_its_chase_stops_once_handed(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    """Delivered to both offices by chat; a correction then cannot reach 刘洋 (no chat
    account): the handler is told at once with the button, chased on the last day of the
    copy's period with it, and not once it is handed over; the step's time never moves."""
    number = "温法过问〔2026〕1号"
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number):
        await judge.act(action)
    await judge.act(f"/deliver {number}")
    done = (await _record(db, number)).form_delivered_at
    assert done is not None
    await _bind(court, db, clock, "刘洋", False)
    clock.advance(timedelta(hours=1))
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(says("card.inquirer_position")))
    await judge.act("副局长")
    await judge.act("记错职务")
    record_id = (await _record(db, number)).id
    label = says("milestones.handed_version_button", name="刘洋", version=2)
    told = [m for m in judge.inbox() if any(b.label == label for row in m.buttons for b in row)]
    # At once in the answer to the correction (no chat account, with the button), then in
    # the failure notice naming the copy.
    assert len(told) == 2, [m.text for m in told]
    assert "审判管理办公室 刘洋：尚未绑定聊天账号，无法在线送达，手中仍是第 1 份" in told[0].text
    assert "第 2 份" in told[1].text and "更正后报送" in told[1].text
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert "审判管理办公室 刘洋：未送达（尚未绑定聊天账号），手中仍是第 1 份（聊天送达" in card

    before = len(judge.inbox())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))
    chased = [m for m in judge.inbox()[before:] if "尚未送达 刘洋" in m.text]
    assert len(chased) == 1, [m.text for m in judge.inbox()[before:]]
    [data] = {b.data for row in chased[0].buttons for b in row}
    assert data == f"ms:{record_id}:handed:{court.id('刘洋')}:v2"
    # A /deliver now says which copy is still to be handed over, with its button.
    [waiting] = await judge.act(f"/deliver {number}")
    assert "刘洋 尚未收到表格复印件第 2 份" in waiting.text
    assert {b.data for row in waiting.buttons for b in row} == {data}

    [reply] = await judge.press_data(data)
    head = says("milestones.handed_version", title=number, name="刘洋", copy="X", copies="")
    assert reply.startswith(head.split("X")[0]), reply
    before = len(judge.inbox())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-12 12:00"))
    assert not [m for m in judge.inbox()[before:] if "尚未送达 刘洋" in m.text]
    assert (await _record(db, number)).form_delivered_at == done
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert "审判管理办公室 刘洋：已打印当面交付（" in card.split("第 2 份")[-1]
