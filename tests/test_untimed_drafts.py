"""A draft owes Art. 6 steps once the inquiry is known to have reached the judge
(``reminders.deadlines.clock_started``): material forwarded to the bot opened it (its
receipt time is the one proposed until corrected), or the judge gave or confirmed the time.

A bare ``/new`` without its time is the judge's unfinished work: only the judge hears of it
("尚未填写过问时间…如是误建，请 /cancel 撤回"); the department's integrity officer gets no
breach notice, ``/overdue`` lists nothing, the figures count nothing missed and the card says
the deadlines have not started. Once the time is given, at once or days later (back-dated to
when the draft was opened), the steps run from it, as for every record, and a breach is told.
A screenshot or a forwarded text left at its first card escapes nothing: its steps run from
the receipt time proposed.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import Enum

from dialogue import CONFIRM_TIME, Court, DialogueBot, Forward, Person, Press, png_bytes, zh
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, run_until
from sqlalchemy import select

from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from reminders.planner import Timing, untimed_due
from reports.facts import State, timeliness_lines
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Reminder, Staff
from storage.vocabulary import ReminderKind, ReminderStatus

OFFICER = "钱进"  # 民一庭's integrity officer
JUDGE = "张伟"
OVERSEEN = {ReminderKind.BREACH_OFFICER, ReminderKind.ESCALATION}


class Start(Enum):
    NEW = "/new"
    FILE = "a forwarded picture"
    TEXT = "a forwarded text"


class Answer(Enum):
    NOTHING = "nothing"
    OTHER = "a field other than the time"
    TIME = "the time, at once"
    LATE_TIME = "the time, after the clock moved (back-dated to the opening)"


async def start(bot: DialogueBot, judge: Person, how: Start) -> None:
    """The judge opens a draft the way ``how`` says; the bot asks for the receipt time."""
    action: str | Forward
    if how is Start.NEW:
        action = "/new"
    elif how is Start.FILE:
        action = Forward(bot.file(AttachmentKind.PHOTO, png_bytes()), forwarded=True)
    else:
        action = Forward(caption="某局长来电，要求对被告从轻处理", forwarded=True)
    replies = await judge.act(action)
    labels = [b.label for m in replies for row in m.buttons or () for b in row]
    assert CONFIRM_TIME in labels, [m.text for m in replies]


async def newest(db: Database) -> Record:
    async with db.transaction() as session:
        query = select(Record).order_by(Record.id.desc()).limit(1)
        record = (await session.execute(query)).scalar_one()
        await session.refresh(record, ["cosigners"])
        return record


async def fill_case_number(db: Database, court: Court, clock: FakeClock, record_id: int) -> None:
    """The judge fills the case number and nothing else (as the review card's edit would)."""
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        judge = await session.get(Staff, court.id(JUDGE))
        assert record is not None and judge is not None
        values = {"case_number": "（2026）豫0825民初9号"}
        await records_repo.set_fields(session, record, values, actor=judge, at=clock.now())


async def sent(db: Database, record_id: int, kinds: set[ReminderKind]) -> list[Reminder]:
    async with db.transaction() as session:
        query = select(Reminder).where(
            Reminder.record_id == record_id, Reminder.status == ReminderStatus.SENT
        )
        return [r for r in (await session.execute(query)).scalars() if r.kind in kinds]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)
@given(
    how=st.sampled_from(list(Start)),
    answer=st.sampled_from(list(Answer)),
    days=st.integers(min_value=0, max_value=10),
    hours=st.integers(min_value=0, max_value=23),
)
@example(how=Start.FILE, answer=Answer.NOTHING, days=3, hours=0)  # a screenshot left: owes
@example(how=Start.NEW, answer=Answer.NOTHING, days=3, hours=0)
@example(how=Start.NEW, answer=Answer.LATE_TIME, days=4, hours=0)
async def test_overseers_hear_of_a_draft_only_once_its_time_is_given(
    db: Database,
    clock: FakeClock,
    court: Court,
    bot: DialogueBot,
    how: Start,
    answer: Answer,
    days: int,
    hours: int,
) -> None:
    judge, officer = court.chat(JUDGE), court.chat(OFFICER)
    try:
        dispatcher = bot.app.dispatcher
        rules = dispatcher.rules
        await start(bot, judge, how)
        record = await newest(db)
        title = zh("card.draft_title", id=record.id)
        if answer is Answer.TIME:
            await judge.act(Press(CONFIRM_TIME))
        elif answer is Answer.OTHER:
            await fill_case_number(db, court, clock, record.id)
        moved = clock.now() + timedelta(days=days, hours=hours)
        await run_until(dispatcher, clock, moved)
        heard_before = await sent(db, record.id, {ReminderKind.DRAFT_UNTIMED})
        if answer is Answer.LATE_TIME:  # the question still stands: confirm its proposed time
            if CONFIRM_TIME not in judge.offered():  # reminders came since: back to the card
                await judge.act("/resume")
            await judge.act(Press(CONFIRM_TIME))
        # Noon of the next day: whatever fell due by then went out, quiet hours or not.
        noon = datetime.combine(moved.astimezone(BEIJING).date(), time(12), BEIJING)
        await run_until(dispatcher, clock, noon + timedelta(days=1))
        now = clock.now()
        record = await newest(db)
        given_time = answer in (Answer.TIME, Answer.LATE_TIME)
        assert record.received_confirmed is given_time
        running = given_time or how is not Start.NEW  # material opened it: the steps run

        breached = running and rules.after(record.received_at, rules.register_days) <= now
        overseen = await sent(db, record.id, OVERSEEN)
        told = [m.text for m in officer.inbox() if f"{title}（" in m.text]
        assert bool(overseen) is breached, (overseen, record.received_at, now)
        assert bool(told) is breached, told
        overdue = "\n".join(m.text for m in await officer.act("/overdue"))
        assert (re.search(rf"{re.escape(title)}(?!\d)", overdue) is not None) is breached, overdue
        missed = [
            line for line in timeliness_lines(record, rules, now) if line.state is State.MISSED
        ]
        assert bool(missed) is breached, missed
        # The judge's list says the deadlines have not started, never that all are done.
        mine = "\n".join(m.text for m in await judge.act("/mine"))
        assert (zh("card.not_started") in mine) is not running, mine
        assert zh("card.all_done") not in mine, mine

        # Only the judge hears of a draft without its time, the working day after it was opened,
        # while it has none; a time given cancels what was not yet said.
        due = untimed_due(record, rules, Timing())
        heard = await sent(db, record.id, {ReminderKind.DRAFT_UNTIMED})
        if answer is Answer.TIME or how is not Start.NEW:
            assert not heard
        else:
            said_by = now if answer is not Answer.LATE_TIME else moved
            assert bool(heard) is (due <= said_by), (heard, due, said_by)
        if answer is Answer.LATE_TIME:  # nothing more once the time is given
            assert [r.id for r in heard] == [r.id for r in heard_before]
        if days >= 3 and answer is not Answer.TIME and how is Start.NEW:
            assert heard  # a weekend at most lies between
        untimed = [
            m.text for m in judge.inbox() if m.text.startswith(f"{title}（") and "/cancel" in m.text
        ]
        assert bool(untimed) is bool(heard), untimed
        assert all(r.recipient_staff_id == court.id(JUDGE) for r in heard)

    finally:  # the judge withdraws the draft, kept with its files: the next example starts afresh
        await judge.act("/cancel")
        await judge.act("误建")
    record = await newest(db)
    assert record.withdrawn_at is not None
