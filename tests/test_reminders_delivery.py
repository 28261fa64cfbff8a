"""Sending what is due: quiet hours, retries with backoff, permanent failures, exactly once.

Exactly once means: a restart sends nothing twice; what fell due while the bot was down goes
out on start, marked late; a row left in 'sending' by a dispatcher that died is sent once more,
flagged as a repeat; and two dispatchers on one database (two processes: each its own engine)
send every reminder once between them.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import Counter, deque
from datetime import timedelta

import pytest
from dialogue import Court, DialogueBot, Person, phone_record
from dialogue import dialogue as play
from reminder_kit import (
    RecordingNotifier,
    bj,
    end_of,
    make_dispatcher,
    new_record,
    reminders,
    run_until,
)
from reminder_kit import open_court as kit_court
from sqlalchemy import select

from handlers.i18n import t
from handlers.ports import Capabilities, Delivery, DeliveryStatus, OutgoingMessage
from reminders.clock import FakeClock
from reminders.dispatch import BACKOFF, LEASE, Outcome, QuietHours
from reminders.outbox import Planned, ReminderKind, ensure
from storage.db import Database
from storage.models import AuditEvent
from storage.vocabulary import Language, Milestone, Role, label

PG = bool(os.environ.get("GUOWEN_TEST_DATABASE_URL"))
NUMBER = "温法过问〔2026〕1号"
CASE = "（2026）豫0825民初123号"


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


class Died(BaseException):
    """A dispatcher's process ending in the middle of a send (not an error it could catch)."""


class ScriptedTransport:
    """The fake chat service, answering each chat's sends from a script (SENT when it runs out)."""

    def __init__(self, transcript: list, script: dict[str, deque[DeliveryStatus]]) -> None:
        self.sent = transcript
        self.script = script
        self.files: dict[str, bytes] = {}
        self.downloads: list[str] = []

    @property
    def name(self) -> str:
        return "fake"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities()

    async def send(self, chat_id: str, message: OutgoingMessage) -> Delivery:
        from fakes import Sent

        queue = self.script.get(chat_id)
        status = queue.popleft() if queue else DeliveryStatus.SENT
        if status is DeliveryStatus.SENT:
            self.sent.append(Sent(chat_id, message))
            return Delivery(status, message_id=str(len(self.sent)))
        return Delivery(status, detail="Forbidden: bot was blocked by the user")

    async def download(self, attachment: object):  # pragma: no cover - never asked here
        raise AssertionError("no downloads in these tests")


def script(bot: DialogueBot, plan: dict[str, list[DeliveryStatus]]) -> None:
    """From now on the chat service answers ``plan``'s chats as scripted."""
    transport = ScriptedTransport(bot.transcript, {k: deque(v) for k, v in plan.items()})
    bot.transport = transport  # type: ignore[assignment]
    bot.app.add_transport(transport)  # type: ignore[arg-type]


async def audit_kinds(db: Database, kind: str) -> list[dict]:
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.seq)
        return [json.loads(e.payload) for e in (await session.execute(query)).scalars().all()]


# --- quiet hours ---------------------------------------------------------------------------------


def test_quiet_hours_wrap_midnight_and_release_in_the_morning() -> None:
    quiet = QuietHours.parse("22:00-08:00")
    assert quiet.contains(bj("2026-03-06 22:00"))
    assert quiet.contains(bj("2026-03-07 07:59"))
    assert not quiet.contains(bj("2026-03-07 08:00"))
    assert not quiet.contains(bj("2026-03-06 21:59"))
    assert quiet.release(bj("2026-03-06 23:00")) == bj("2026-03-07 08:00")
    assert quiet.release(bj("2026-03-07 00:00")) == bj("2026-03-07 08:00")
    assert quiet.release(bj("2026-03-07 09:15")) == bj("2026-03-07 09:15")
    lunch = QuietHours.parse("12:00 - 14:00")  # a range inside one day
    assert lunch.contains(bj("2026-03-06 13:00")) and not lunch.contains(bj("2026-03-06 23:00"))
    assert lunch.release(bj("2026-03-06 12:30")) == bj("2026-03-06 14:00")


async def test_a_reminder_due_at_23_goes_at_8_and_is_not_late(
    db: Database, clock: FakeClock
) -> None:
    court = await kit_court(db, clock)
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    async with db.transaction() as session:
        await ensure(
            session,
            [
                Planned(
                    key="evening",
                    kind=ReminderKind.DAY_BEFORE,
                    recipient_staff_id=court.id("张伟"),
                    due_at=bj("2026-03-06 23:00"),
                    record_id=record_id,
                    deadline=end_of("2026-03-09"),
                )
            ],
            at=clock.now(),
        )
    notifier = RecordingNotifier()
    dispatcher = make_dispatcher(db, clock, notifier)
    clock.set(bj("2026-03-06 23:00"))
    assert (await dispatcher.tick()).claimed == 0  # quiet: it waits
    assert await dispatcher.next_due() == bj("2026-03-07 08:00")
    clock.set(bj("2026-03-07 07:59"))
    assert (await dispatcher.tick()).claimed == 0
    clock.set(bj("2026-03-07 08:00"))
    assert (await dispatcher.tick()).sent == 1
    [note] = notifier.sent
    assert (note.kind, note.at, note.late) == (
        ReminderKind.DAY_BEFORE,
        bj("2026-03-07 08:00"),
        False,
    )


async def test_a_form_copy_at_23_goes_at_once(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await play(judge, phone_record())
    clock.set(bj("2026-03-06 23:00"))
    await judge.press_data("ms:1:deliver")
    heading = zh(
        "reminders.form_copy", handler="张伟", department="民一庭", number=NUMBER, card=""
    ).rstrip()
    for name in ("李刚", "刘洋"):
        inbox = court.chat(name).inbox()
        # The words, then the form itself as PDF and DOCX.
        assert [m.text.startswith(heading) for m in inbox] == [True, False, False]
        assert [m.document.suffix if m.document else None for m in inbox] == [
            None,
            ".pdf",
            ".docx",
        ]
    rows = await reminders(db, kind=ReminderKind.FORM_COPY.value)
    assert {(r.status, r.sent_at, r.late) for r in rows} == {
        ("sent", bj("2026-03-06 23:00"), False)
    }


# --- transient and permanent failures -------------------------------------------------------------


async def test_a_transient_failure_is_retried_with_backoff_then_sent(
    db: Database, clock: FakeClock
) -> None:
    court = await kit_court(db, clock)
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier(script={court.id("张伟"): deque([Outcome.RETRY] * 3)})
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-09 12:00"))
    start = bj("2026-03-09 08:30")
    assert [n.at for n in notifier.attempts] == [
        start,
        start + BACKOFF[0],
        start + BACKOFF[0] + BACKOFF[1],
        start + BACKOFF[0] + BACKOFF[1] + BACKOFF[2],
    ]
    assert [n.at for n in notifier.sent] == [bj("2026-03-09 08:51")]
    [row] = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 3, bj("2026-03-09 08:51"))
    # Delivered 21 minutes after its time: it says so.
    assert notifier.sent[0].late


async def test_transient_failures_give_up_after_the_last_backoff(
    db: Database, clock: FakeClock
) -> None:
    court = await kit_court(db, clock)
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier(
        script={court.id("张伟"): deque([Outcome.RETRY] * (len(BACKOFF) + 1))}
    )
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-09 18:00"))
    start = bj("2026-03-09 08:30")
    expected, moment = [start], start
    for step in BACKOFF:
        moment += step
        expected.append(moment)
    last_day = [n.at for n in notifier.attempts if n.kind is ReminderKind.LAST_DAY]
    assert last_day == expected  # 08:30, 08:31, 08:36, 08:51, 09:51, 12:51
    [row] = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert (row.status, row.attempts, row.detail) == ("failed", len(BACKOFF), "scripted retry")
    # The department's integrity officer is told, at once.
    assert [(n.kind, court.name_of(n.to), n.at, n.failed) for n in notifier.sent] == [
        (ReminderKind.DELIVERY_FAILED, "钱进", bj("2026-03-09 12:51"), row.id)
    ]


async def test_a_permanent_failure_is_reported_to_the_recipients_officer(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    script(bot, {"zhangwei": [DeliveryStatus.FAILED]})
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))

    [failed] = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert (failed.status, failed.detail) == ("failed", "Forbidden: bot was blocked by the user")
    [report] = await reminders(db, kind=ReminderKind.DELIVERY_FAILED.value)
    assert (report.recipient_staff_id, report.status, report.payload["failed"]) == (
        court.id("钱进"),
        "sent",
        failed.id,
    )
    assert [m.text for m in court.chat("钱进").inbox()] == [
        zh(
            "reminders.delivery_failed",
            name="张伟",
            detail="Forbidden: bot was blocked by the user",
            what=zh("reminders.kind.last_day"),
            title=NUMBER,
        )
    ]
    assert court.chat("吴敏").inbox() == []  # another department's officer
    assert court.chat("张伟").inbox() == []
    [event] = await audit_kinds(db, "reminder_failed")
    assert (event["reminder"], event["kind"], event["to"]) == (
        failed.id,
        "last_day",
        court.id("张伟"),
    )


async def test_someone_without_a_chat_account_is_reported_too(
    db: Database, clock: FakeClock
) -> None:
    court = await kit_court(db, clock, unbound={"张伟"})
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier(no_account={court.id("张伟")})
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-10 12:00"))
    failed = await reminders(db, recipient_staff_id=court.id("张伟"))
    assert {(r.kind, r.status, r.detail) for r in failed} == {
        ("last_day", "failed", "no chat account"),
        ("breach", "failed", "no chat account"),
    }
    assert [(n.kind, court.name_of(n.to), n.at) for n in notifier.sent] == [
        (ReminderKind.DELIVERY_FAILED, "钱进", bj("2026-03-09 08:30")),
        (ReminderKind.BREACH_OFFICER, "钱进", bj("2026-03-10 08:00")),
        (ReminderKind.DELIVERY_FAILED, "钱进", bj("2026-03-10 08:00")),
    ]


async def test_a_failed_report_is_not_reported_again(db: Database, clock: FakeClock) -> None:
    court = await kit_court(db, clock)
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    notifier = RecordingNotifier(
        script={
            court.id("张伟"): deque([Outcome.FAILED]),
            court.id("钱进"): deque([Outcome.FAILED]),
        }
    )
    await run_until(make_dispatcher(db, clock, notifier), clock, bj("2026-03-09 12:00"))
    rows = await reminders(db)
    assert [(r.kind, r.status) for r in rows if r.status == "failed"] == [
        ("last_day", "failed"),
        ("delivery_failed", "failed"),
    ]
    assert notifier.sent == []


async def test_a_failed_quarter_reminder_is_reported_in_words(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    """A reminder about no record (the quarter, the holidays) can fail too."""
    from fakes import add_person

    await add_person(
        db,
        clock,
        "黄蓉",
        [Role.INTEGRITY_OFFICER],
        department="审判管理办公室",
        user_id="huangrong",
    )
    clock.set(bj("2026-03-31 12:00"))
    script(bot, {"liuyang": [DeliveryStatus.FAILED]})
    await run_until(bot.app.dispatcher, clock, bj("2026-04-01 09:00"))
    [failed] = await reminders(db, kind=ReminderKind.QUARTER_END.value, status="failed")
    [report] = Person(bot, "huangrong", "黄蓉").inbox()
    assert report.text == zh(
        "reminders.delivery_failed_other",
        name="刘洋",
        detail="Forbidden: bot was blocked by the user",
        what=zh("reminders.kind.quarter_end") + " 2026Q1",
    )
    assert failed.quarter == "2026Q1"


# --- exactly once ---------------------------------------------------------------------------------


def sends(bot: DialogueBot) -> Counter[str]:
    return Counter(f"{item.chat_id}:{item.message.text}" for item in bot.transcript)


async def test_a_restart_sends_nothing_twice(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    await play(court.chat("张伟"), phone_record())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))
    bot.restart()
    await bot.app.dispatcher.tick()  # the new process's first tick: nothing is due again
    await run_until(bot.app.dispatcher, clock, bj("2026-03-10 09:00"))
    bot.restart()
    await run_until(bot.app.dispatcher, clock, bj("2026-03-13 12:00"))
    bot.restart()
    await bot.app.dispatcher.tick()

    rows = await reminders(db, record_id=1)
    assert sorted((r.kind, r.status) for r in rows) == [
        ("breach", "sent"),
        ("breach_officer", "sent"),
        ("draft_untimed", "cancelled"),  # planned at /new, dropped once the time was given
        ("escalation", "sent"),
        ("last_day", "sent"),
    ]
    counted = sends(bot)
    assert max(counted.values()) == 1
    reminder_texts = [k for k in counted if "温法过问" in k and "过问记录" in k]
    assert len(reminder_texts) == 4
    events = await audit_kinds(db, "reminder_sent")
    assert sorted(e["reminder"] for e in events) == sorted(r.id for r in rows if r.status == "sent")


async def test_what_fell_due_while_down_is_sent_on_start_marked_late(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    await play(court.chat("张伟"), phone_record())
    # The bot is down from Friday until Wednesday noon.
    clock.set(bj("2026-03-11 12:00"))
    bot.restart()
    result = await bot.app.dispatcher.tick()
    assert (result.sent, result.cancelled) == (3, 1)

    monday = "3月9日（周一）"
    both = "、".join(
        label(m, Language.ZH) for m in (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED)
    )
    late = zh("reminders.late", due="2026-03-10 00:00")
    assert [m.text for m in court.chat("张伟").inbox()][-1] == late + "\n" + zh(
        "reminders.breach",
        title=NUMBER,
        case=CASE,
        deadline=f"已逾期 2 天，期限 {monday} 24:00",
        missing=both,
    )
    assert [m.text for m in court.chat("钱进").inbox()] == [
        late
        + "\n"
        + zh(
            "reminders.breach_officer",
            handler="张伟",
            title=NUMBER,
            case=CASE,
            deadline=f"已逾期 2 天，期限 {monday} 24:00",
            missing=both,
        )
    ]
    [escalation] = [m.text for m in court.chat("李刚").inbox()]
    assert escalation.startswith("（迟发：原定 2026-03-11 08:30 发送）\n逾期一个工作日仍未补办")
    rows = {r.kind: r for r in await reminders(db, record_id=1)}
    assert {k: (r.status, r.late) for k, r in rows.items()} == {
        # "Today is the last day" for a day long past would be false: it is dropped.
        "last_day": ("cancelled", False),
        "breach": ("sent", True),
        "breach_officer": ("sent", True),
        "escalation": ("sent", True),
        "draft_untimed": ("cancelled", False),  # dropped once the time was given
    }
    assert {e["late"] for e in await audit_kinds(db, "reminder_sent")} == {True}


async def test_down_during_the_morning_of_the_last_day(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    await play(court.chat("张伟"), phone_record())
    clock.set(bj("2026-03-09 10:00"))  # back on Monday at ten: still the last day
    bot.restart()
    await bot.app.dispatcher.tick()
    both = "、".join(
        label(m, Language.ZH) for m in (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED)
    )
    assert court.chat("张伟").inbox()[-1].text == (
        zh("reminders.late", due="2026-03-09 08:30")
        + "\n"
        + zh(
            "reminders.last_day",
            title=NUMBER,
            case=CASE,
            deadline="今天 3月9日（周一） 24:00 前",
            missing=both,
        )
    )


async def test_a_row_left_sending_by_a_dead_dispatcher_is_sent_once_more_as_a_repeat(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    clock.set(bj("2026-03-09 08:30"))

    async def die(note: object) -> None:
        raise Died

    dead = make_dispatcher(db, clock, RecordingNotifier(during=die), instance="dead")
    with pytest.raises(Died):
        await dead.tick()
    [row] = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert (row.status, row.claimed_by) == ("sending", "dead")

    # Within the lease nobody touches it; after it, the row is due again, flagged.
    clock.set(bj("2026-03-09 08:30") + LEASE - timedelta(seconds=1))
    assert (await bot.app.dispatcher.tick()).claimed == 0
    clock.set(bj("2026-03-09 08:30") + LEASE + timedelta(seconds=1))
    assert (await bot.app.dispatcher.tick()).sent == 1
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 18:00"))

    [message] = court.chat("张伟").inbox()
    assert message.text.endswith("\n" + zh("reminders.repeat"))
    assert message.text.startswith(zh("reminders.late", due="2026-03-09 08:30"))
    [row] = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert (row.status, row.repeat) == ("sent", True)
    [event] = await audit_kinds(db, "reminder_sent")
    assert (event["reminder"], event["repeat"]) == (row.id, True)


async def test_a_slow_dispatcher_does_not_send_what_another_took_over(
    db: Database, clock: FakeClock
) -> None:
    """Its lease ran out in the middle of a send: its batch is taken over, as possible repeats.

    A dispatcher holds the batch it took (issue 14.3); past half its lease it checks which rows
    are still its own before sending on, so the other one sends the batch, flagged, and only
    the row that was in flight goes out twice.
    """
    court = await kit_court(db, clock)
    for _ in range(3):
        await new_record(db, clock, court.id("张伟"), received=clock.now())
    clock.set(bj("2026-03-09 08:30"))

    # The other dispatcher takes the rows over and is itself held inside its first send.
    taken, gate = asyncio.Event(), asyncio.Event()

    async def hold(note: object) -> None:
        taken.set()
        await gate.wait()

    theirs = RecordingNotifier(during=hold)
    other = make_dispatcher(db, clock, theirs, instance="other")
    running: list[asyncio.Future[object]] = []

    async def stall(note: object) -> None:
        if not running:  # the slow one's first send hangs past its lease
            clock.advance(LEASE + timedelta(minutes=1))
            running.append(asyncio.ensure_future(other.tick()))
            await taken.wait()

    mine = RecordingNotifier(during=stall)
    slow = make_dispatcher(db, clock, mine, instance="slow")
    await slow.tick()
    gate.set()
    await running[0]

    rows = await reminders(db, kind=ReminderKind.LAST_DAY.value)
    assert len(rows) == 3 and {r.status for r in rows} == {"sent"}
    first = mine.attempts[0].reminder_id
    # The other took over the batch in flight, flagged as possible repeats since the first
    # send may already have arrived; the slow one sent nothing after it lost them.
    assert (theirs.attempts[0].reminder_id, theirs.attempts[0].repeat) == (first, True)
    assert [n.reminder_id for n in mine.attempts] == [first]
    everyone = mine.attempts + theirs.attempts
    assert {n.reminder_id for n in theirs.attempts if n.repeat} == {row.id for row in rows}
    counted = Counter(n.reminder_id for n in everyone)
    assert counted == {row.id: 2 if row.id == first else 1 for row in rows}


async def exactly_once_between_two(
    url: str, db: Database, clock: FakeClock, *, rounds_concurrent: bool
) -> None:
    court = await kit_court(db, clock)
    for n in range(100):
        await new_record(
            db, clock, court.id("张伟" if n % 2 else "周强"), received=bj("2026-03-06 09:00")
        )
    clock.set(bj("2026-03-11 12:00"))  # breach, officer and escalation of each are due: 300
    notifier = RecordingNotifier()
    second = Database(url)
    try:
        one = make_dispatcher(db, clock, notifier, instance="one", batch=7)
        two = make_dispatcher(second, clock, notifier, instance="two", batch=7)
        by: Counter[str] = Counter()
        for _ in range(200):
            if rounds_concurrent:
                results = await asyncio.gather(one.tick(), two.tick())
            else:
                results = [await one.tick(), await two.tick()]
            by["one"] += results[0].sent
            by["two"] += results[1].sent
            if not any(r.claimed for r in results):
                break
    finally:
        await second.close()
    counted = Counter(n.reminder_id for n in notifier.attempts)
    rows = await reminders(db)
    due = [r for r in rows if r.kind in {"breach", "breach_officer", "escalation"}]
    assert len(due) == 300
    assert {r.status for r in due} == {"sent"}
    sent = [r for r in rows if r.status == "sent"]
    assert counted == {r.id: 1 for r in sent}  # every one once, and nothing else
    assert by["one"] + by["two"] == len(sent)
    assert by["one"] > 0 and by["two"] > 0
    assert {r.claimed_by for r in due} == {"one", "two"}


@pytest.mark.skipif(not PG, reason="two instances share a PostgreSQL database")
async def test_two_dispatchers_on_postgresql_send_each_reminder_once(
    database_url: str, db: Database, clock: FakeClock
) -> None:
    await exactly_once_between_two(database_url, db, clock, rounds_concurrent=True)


@pytest.mark.parametrize("concurrent", [False, True], ids=["in-turn", "concurrent"])
async def test_two_dispatchers_on_one_database_send_each_reminder_once(
    database_url: str, db: Database, clock: FakeClock, concurrent: bool
) -> None:
    await exactly_once_between_two(database_url, db, clock, rounds_concurrent=concurrent)


async def test_two_dispatchers_plan_the_same_calendar_reminders_at_once(
    database_url: str, db: Database, clock: FakeClock
) -> None:
    """Every tick plans the day's calendar reminders; two instances doing it at the same moment
    must not fail each other's tick on the unique key (one holiday warning a day, once)."""
    court = await kit_court(db, clock)
    second = Database(database_url)
    notifier = RecordingNotifier()
    try:
        one = make_dispatcher(db, clock, notifier, instance="one")
        two = make_dispatcher(second, clock, notifier, instance="two")
        clock.set(bj("2026-12-01 08:30"))
        for _ in range(20):
            results = await asyncio.gather(one.tick(), two.tick(), return_exceptions=True)
            assert [r for r in results if isinstance(r, BaseException)] == []
            clock.advance(timedelta(days=1))
    finally:
        await second.close()
    warnings = [n for n in notifier.sent if n.kind is ReminderKind.HOLIDAYS_MISSING]
    assert [n.at for n in warnings] == [
        bj("2026-12-01 08:30") + timedelta(days=d) for d in range(20)
    ]
    assert {n.to for n in warnings} == {court.id("赵磊")}
    rows = await reminders(db, kind=ReminderKind.HOLIDAYS_MISSING.value)
    assert len(rows) == 20 and {r.status for r in rows} == {"sent"}
