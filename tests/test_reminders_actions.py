"""Acting from a reminder, and what supervisors see (issue 6 part 5).

The handler's buttons: "entered in the platform" (with a platform reference, or skipped) and
"deliver the form copy", which the bot sends to every discipline and trial-management person,
recording each delivery; both cancel what was planned for the deadline. The compiler marks the
quarter reported. ``/overdue`` for integrity officers (their department) and discipline (all),
``/compliance`` (Art. 10) for discipline.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dialogue import (
    Court,
    DialogueBot,
    Person,
    Press,
    dialogue,
    open_court,
    phone_record,
    settings_for,
)
from fakes import add_person
from reminder_kit import bj, mark, new_record, reminders, run_until
from sqlalchemy import select

from handlers.i18n import t
from reminders.clock import FakeClock
from reminders.outbox import ReminderKind
from storage import audit
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, Record, Staff
from storage.vocabulary import Language, Milestone, RecordKind, Role

NUMBER = "温法过问〔2026〕1号"


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def delivered_card(at: str) -> str:
    """The handler's reply on delivering: each recipient's copy going by chat since ``at``
    (court time), not received yet; their own for the sub-file."""
    lines = [
        zh("views.copy_pending", where="纪检监察部门", name="李刚", at=at),
        zh("views.copy_pending", where="审判管理办公室", name="刘洋", at=at),
        zh("views.copy_pending", where="审判管理办公室", name="马丽", at=at),
        zh("milestones.delivered_to", where=zh("milestones.own_copy"), names="张伟"),
    ]
    return zh("milestones.delivered", title=NUMBER, copies="\n".join(lines))


def assert_delivered(replies: list[str], clock: FakeClock) -> None:
    """The card, then the handler's own copy in their chat: the words, the PDF, the DOCX."""
    at = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    heading = zh("reminders.form_copy_own", number=NUMBER, copies="X", card="").split("X")[0]
    assert replies[0] == delivered_card(at)
    assert replies[1].startswith(heading)
    assert replies[2:] == [zh("report.form_pdf_caption"), zh("report.form_docx_caption")]


PLATFORM = zh("milestones.platform_button")
DELIVER = zh("milestones.deliver_button")
SKIP = zh("intake.skip")


@pytest.fixture
async def court(bot: DialogueBot, db: Database, clock: FakeClock) -> Court:
    opened = await open_court(bot)
    # A second trial-management person, who is not the compiler: the copy goes to them too.
    opened.staff["马丽"] = await add_person(
        db, clock, "马丽", [Role.TRIAL_MANAGEMENT], department="审判管理办公室", user_id="mali"
    )
    opened.accounts["马丽"] = "mali"
    return opened


async def tap(person: Person, label: str) -> list[str]:
    """Press the button labelled so on the latest message in the person's chat that has any."""
    return [reply.text for reply in await person.act(Press(label))]


async def record_of(db: Database, record_id: int) -> Record:
    async with db.transaction() as session:
        found = await session.get(Record, record_id)
        assert found is not None
        return found


async def milestone_events(db: Database, record_id: int) -> list[dict]:
    async with db.transaction() as session:
        events = await audit.record_events(session, record_id, AuditKind.MILESTONE_MET)
        return [event.payload for event in events]


async def test_from_the_last_day_reminder_mark_the_platform_and_deliver_the_copy(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))
    assert judge.offered() == [PLATFORM, DELIVER]  # on the last day's reminder
    reminder = judge.inbox()[-1]
    assert reminder.text.startswith("今天是最后期限")
    on_reminder = {b.label: b.data for row in reminder.buttons for b in row}

    clock.set(bj("2026-03-09 09:10"))
    await dialogue(
        judge,
        [
            (Press(PLATFORM), (zh("milestones.ask_reference", title=NUMBER),)),
            (
                "PT-2026-0042",
                zh("milestones.platform_done_ref", title=NUMBER, reference="PT-2026-0042"),
            ),
        ],
    )
    record = await record_of(db, 1)
    assert (record.platform_entered_at, record.platform_ref) == (clock.now(), "PT-2026-0042")

    clock.set(bj("2026-03-09 09:20"))
    # Back up to the reminder, whose other button delivers the copy.
    replies = await judge.press_data(on_reminder[DELIVER])
    assert_delivered(replies, clock)
    record = await record_of(db, 1)
    assert record.form_delivered_at == clock.now()

    # One copy to each, sent at once, each delivery recorded.
    copies = await reminders(db, kind=ReminderKind.FORM_COPY.value)
    names = {person.id: name for name, person in court.staff.items()}
    assert {(names[r.recipient_staff_id], r.status, r.sent_at) for r in copies} == {
        (name, "sent", clock.now()) for name in ("李刚", "刘洋", "马丽", "张伟")
    }
    heading = zh("reminders.form_copy", handler="张伟", department="民一庭", number=NUMBER, card="")
    for name in ("李刚", "刘洋", "马丽"):
        [copy] = [m for m in court.chat(name).inbox() if m.text.startswith(heading.rstrip())]
        assert NUMBER in copy.text and "王某" in copy.text  # the form itself
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == "reminder_sent")
        sent = [json.loads(e.payload) for e in (await session.execute(query)).scalars()]
    form_copies = [e for e in sent if e["kind"] == "form_copy"]
    assert sorted(e["reminder"] for e in form_copies) == sorted(r.id for r in copies)

    assert [
        (e["milestone"], e["reference"], e["on_time"]) for e in await milestone_events(db, 1)
    ] == [
        ("platform_entered", "PT-2026-0042", True),
        ("form_delivered", None, True),
    ]

    # Nothing more about this record: the breach and the escalation were cancelled.
    before = len(bot.transcript)
    await run_until(bot.app.dispatcher, clock, bj("2026-03-13 12:00"))
    assert [s for s in bot.transcript[before:] if NUMBER in s.message.text] == []
    rows = await reminders(db, record_id=1)
    assert {(r.kind, r.status) for r in rows} == {
        ("draft_untimed", "cancelled"),  # planned at /new, dropped once the time was given
        ("last_day", "sent"),
        ("breach", "cancelled"),
        ("breach_officer", "cancelled"),
        ("escalation", "cancelled"),
        ("form_copy", "sent"),
    }


async def test_the_platform_reference_may_be_skipped_and_a_second_press_says_so(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    assert await judge.press_data("ms:1:platform") == [zh("milestones.ask_reference", title=NUMBER)]
    assert await tap(judge, SKIP) == [zh("milestones.platform_done", title=NUMBER)]
    record = await record_of(db, 1)
    assert (record.platform_entered_at, record.platform_ref) == (clock.now(), None)
    clock.advance(timedelta(hours=1))
    assert await judge.press_data("ms:1:platform") == [
        zh("milestones.platform_already", title=NUMBER, at="2026-03-06 10:00")
    ]
    assert_delivered(await judge.press_data("ms:1:deliver"), clock)
    assert await judge.press_data("ms:1:deliver") == [
        zh("milestones.deliver_already", title=NUMBER, at="2026-03-06 11:00")
    ]
    # One to each of the three, and the handler's own for the sub-file (Art. 4).
    assert len(await reminders(db, kind=ReminderKind.FORM_COPY.value)) == 4


async def test_the_commands_do_the_same(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    assert await judge.say("/platform") == [zh("milestones.platform_usage")]
    assert await judge.say("/deliver") == [zh("milestones.deliver_usage")]
    assert await judge.say(f"/platform {NUMBER} 平台-7") == [
        zh("milestones.platform_done_ref", title=NUMBER, reference="平台-7")
    ]
    assert_delivered(await judge.say("/deliver 1"), clock)
    assert (await record_of(db, 1)).platform_ref == "平台-7"
    # Marked already: the same reference only repeats; another is named as not stored,
    # with the correction that changes it, never dropped without a word.
    already = zh("milestones.platform_already", title=NUMBER, at="2026-03-06 10:00")
    assert await judge.say(f"/platform {NUMBER} 平台-7") == [already]
    assert await judge.say(f"/platform {NUMBER} 平台-8") == [
        already
        + "\n"
        + zh("milestones.platform_ref_by_correction", reference="平台-8", number=NUMBER)
    ]
    assert (await record_of(db, 1)).platform_ref == "平台-7"


async def test_marking_after_the_deadline_is_recorded_as_late(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-10 09:00"))  # breach sent
    await judge.press_data("ms:1:platform")
    await tap(judge, SKIP)
    await judge.press_data("ms:1:deliver")
    assert [(e["milestone"], e["on_time"]) for e in await milestone_events(db, 1)] == [
        ("platform_entered", False),
        ("form_delivered", False),
    ]
    # Discipline is not escalated to once the steps are done.
    await run_until(bot.app.dispatcher, clock, bj("2026-03-13 12:00"))
    [escalation] = await reminders(db, kind=ReminderKind.ESCALATION.value)
    assert escalation.status == "cancelled"
    assert [m.text for m in court.chat("李刚").inbox() if "逾期一个工作日" in m.text] == []


async def test_who_may_press_what(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    # Another judge pressing this record's button learns nothing about it.
    other = court.chat("孙丽")
    assert await other.press_data("ms:1:platform") == [zh("views.not_found", ref="1")]
    assert await other.say(f"/deliver {NUMBER}") == [zh("views.not_found", ref=NUMBER)]
    # A draft is not yet a record one can mark.
    draft = await new_record(db, clock, court.id("张伟"), received=clock.now(), submit=False)
    assert await judge.press_data(f"ms:{draft}:platform") == [
        zh("milestones.not_submitted", title=zh("card.draft_title", id=draft))
    ]
    # However the draft is named, with a platform reference after it or not, the command
    # says a draft cannot be marked or delivered before it is submitted.
    title = zh("card.draft_title", id=draft)
    for name in (f"草稿 #{draft}", f"#{draft}", f"草稿＃ {draft}", f"draft #{draft}"):
        for tail in ("", " 平台-7", "  A 123"):
            assert await judge.say(f"/platform {name}{tail}") == [
                zh("milestones.platform_draft", title=title, id=draft)
            ]
        assert await judge.say(f"/deliver {name}") == [
            zh("milestones.deliver_draft", title=title, id=draft)
        ]
    # An Art. 5 opinion is never entered in the platform.
    opinion = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), kind=RecordKind.REFERENCE_OPINION
    )
    title = (await record_of(db, opinion)).number
    assert await judge.press_data(f"ms:{opinion}:platform_skip") == [
        zh("milestones.platform_not_needed", title=title)
    ]
    assert await judge.press_data("ms:1:unknown") == [zh("error.stale_button")]
    assert await judge.press_data("ms:q:2026Q1:done") == [
        zh("error.unknown_command", command="report")
    ]
    assert (await record_of(db, opinion)).platform_entered_at is None


async def test_without_anyone_to_deliver_to_nothing_is_marked(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    judge = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
    record_id = await new_record(db, clock, judge.id, received=clock.now())
    chat = Court(bot, {"张伟": judge}, {"张伟": "zhangwei"}).chat("张伟")
    [answer] = await chat.press_data(f"ms:{record_id}:deliver")
    title = "温法过问〔2026〕1号"
    assert answer.startswith(zh("milestones.nobody_to_deliver", title=title)), answer
    assert (await record_of(db, record_id)).form_delivered_at is None


async def test_the_compiler_marks_the_quarter_reported(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-31 12:00"))
    await run_until(bot.app.dispatcher, clock, bj("2026-04-01 09:00"))
    compiler = court.chat("刘洋")
    assert compiler.offered() == [zh("milestones.quarter_button")]
    assert await tap(compiler, zh("milestones.quarter_button")) == [
        zh("milestones.quarter_done", quarter="2026Q1")
    ]
    assert await compiler.press_data("ms:q:2026Q1:done") == [
        zh("milestones.quarter_already", quarter="2026Q1")
    ]
    assert await compiler.press_data("ms:q:2026Q9:done") == [zh("error.stale_button")]
    before = len(compiler.inbox())
    await run_until(bot.app.dispatcher, clock, bj("2026-04-10 12:00"))
    assert compiler.inbox()[before:] == []
    assert [m for m in court.chat("李刚").inbox() if "2026Q1" in m.text] == []


# --- /overdue and /compliance ---------------------------------------------------------------------


async def test_overdue_shows_an_officer_their_department_and_discipline_everything(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-09 10:00"))  # Monday
    civil = await new_record(db, clock, court.id("张伟"), received=bj("2026-03-05 09:00"))
    civil_done = await new_record(db, clock, court.id("孙丽"), received=bj("2026-03-05 09:00"))
    await mark(db, civil_done, Milestone.PLATFORM_ENTERED, clock.now())
    await mark(db, civil_done, Milestone.FORM_DELIVERED, clock.now())
    criminal = await new_record(
        db, clock, court.id("周强"), received=bj("2026-03-04 09:00"), submit=False
    )
    await new_record(db, clock, court.id("王芳"), received=clock.now())  # not due yet
    clock.set(bj("2026-03-10 10:00"))

    friday = "3月6日（周五）"
    monday = "3月9日（周一）"
    numbers = {r: (await record_of(db, r)).number for r in (civil, civil_done)}
    # Received Thursday: both periods end on a weekend day, so both moved to Monday.
    civil_row = zh(
        "milestones.overdue_row",
        title=numbers[civil],
        handler="张伟",
        steps=zh(
            "milestones.overdue_steps",
            missing="录入平台、报送表格复印件",
            deadline=f"已逾期 1 天，期限 {monday} 24:00",
        ),
    )
    criminal_row = zh(
        "milestones.overdue_row",
        title=zh("card.draft_title", id=criminal),
        handler="周强",
        # Each step with its own deadline: the form copy is due a day later (Monday).
        steps=zh("milestones.overdue_separator").join(
            [
                zh(
                    "milestones.overdue_steps",
                    missing="填表登记、录入平台",
                    deadline=f"已逾期 4 天，期限 {friday} 24:00",
                ),
                zh(
                    "milestones.overdue_steps",
                    missing="报送表格复印件",
                    deadline=f"已逾期 1 天，期限 {monday} 24:00",
                ),
            ]
        ),
    )
    assert await court.chat("钱进").say("/overdue") == [
        "\n".join([zh("milestones.overdue_title", count=1), civil_row])
    ]
    assert await court.chat("吴敏").say("/overdue") == [
        "\n".join([zh("milestones.overdue_title", count=1), criminal_row])
    ]
    assert await court.chat("李刚").say("/overdue") == [
        "\n".join([zh("milestones.overdue_title", count=2), criminal_row, civil_row])
    ]
    assert await court.chat("张伟").say("/overdue") == [
        zh("error.unknown_command", command="overdue")
    ]
    await mark(db, civil, Milestone.PLATFORM_ENTERED, clock.now())
    await mark(db, civil, Milestone.FORM_DELIVERED, clock.now())
    assert await court.chat("钱进").say("/overdue") == [zh("milestones.overdue_none")]


async def test_compliance_counts_late_and_missed_steps_per_handler(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    async def at(moment: str) -> None:
        clock.set(bj(moment))

    zhang, zhou, sun = court.id("张伟"), court.id("周强"), court.id("孙丽")
    # Last quarter: 张伟 entered it in the platform in time and never delivered the copy.
    await at("2025-12-15 10:00")
    old = await new_record(db, clock, zhang, received=clock.now())
    await mark(db, old, Milestone.PLATFORM_ENTERED, bj("2025-12-16 10:00"))
    # This quarter. 张伟: one record with a late copy, one with nothing done, one withdrawn.
    await at("2026-03-02 10:00")
    late = await new_record(db, clock, zhang, received=clock.now())
    await mark(db, late, Milestone.PLATFORM_ENTERED, bj("2026-03-03 10:00"))
    await mark(db, late, Milestone.FORM_DELIVERED, bj("2026-03-06 09:00"))  # due Thu 24:00
    await at("2026-03-09 10:00")
    await new_record(db, clock, zhang, received=clock.now())
    withdrawn = await new_record(db, clock, zhang, received=clock.now(), submit=False)
    async with db.transaction() as session:
        record = await session.get(Record, withdrawn)
        person = await session.get(Staff, zhang)
        assert record is not None and person is not None
        await records_repo.withdraw(session, record, reason="重复", actor=person, at=clock.now())
    # 周强: a draft left to lapse, and an internal one that does not count.
    await at("2026-03-16 10:00")
    await new_record(db, clock, zhou, received=clock.now(), submit=False)
    await new_record(db, clock, zhou, received=clock.now(), kind=RecordKind.INTERNAL, submit=False)
    # 孙丽: a record not yet due.
    await at("2026-03-19 10:00")
    await new_record(db, clock, sun, received=clock.now())
    await at("2026-03-20 10:00")

    def row(name: str, q: tuple[int, ...], a: tuple[int, ...], quarter: str = "2026Q1") -> str:
        return zh(
            "milestones.compliance_row",
            name=name,
            period=zh("milestones.compliance_quarter", label=quarter),
            q_records=q[0],
            q_late=q[1],
            q_missed=q[2],
            q_disputed=0,
            q_drafts=q[3],
            q_withdrawn=q[4],
            records=a[0],
            late=a[1],
            missed=a[2],
            disputed=0,
            drafts=a[3],
            withdrawn=a[4],
        )

    # (submitted records, steps late, steps missed, drafts open, drafts withdrawn). 周强's
    # lapsed draft is no record, but its three steps past deadline are missed (Art. 10);
    # 张伟's draft withdrawn the day it was made owes nothing.
    assert await court.chat("李刚").say("/compliance") == [
        "\n".join(
            [
                zh(
                    "milestones.compliance_title",
                    period=zh("milestones.compliance_quarter", label="2026Q1"),
                ),
                row("张伟", (2, 1, 2, 0, 1), (3, 1, 3, 0, 1)),
                row("孙丽", (1, 0, 0, 0, 0), (1, 0, 0, 0, 0)),
                row("周强", (0, 0, 3, 1, 0), (0, 0, 3, 1, 0)),
                # The current quarter still runs: its figures are as of now.
                zh("milestones.compliance_running", at="2026-03-20 10:00"),
            ]
        )
    ]
    # A quarter named: last quarter's figures beside the same overall ones.
    assert await court.chat("李刚").say("/compliance 2025q4") == [
        "\n".join(
            [
                zh(
                    "milestones.compliance_title",
                    period=zh("milestones.compliance_quarter", label="2025Q4"),
                ),
                row("张伟", (1, 0, 1, 0, 0), (3, 1, 3, 0, 1), "2025Q4"),
                row("孙丽", (0, 0, 0, 0, 0), (1, 0, 0, 0, 0), "2025Q4"),
                row("周强", (0, 0, 0, 0, 0), (0, 0, 3, 1, 0), "2025Q4"),
            ]
        )
    ]
    assert await court.chat("李刚").say("/compliance 下季度") == [
        zh(
            "report.bad_format",
            text="下季度",
            command="/compliance",
            default=zh("report.default_current"),
            quarter="2026Q1",  # the example is a period /compliance accepts: this quarter
            first="2026-01-01",
            last="2026-03-31",
        )
    ]
    assert await court.chat("钱进").say("/compliance") == [
        zh("error.unknown_command", command="compliance")
    ]


async def test_compliance_with_no_records(bot: DialogueBot, court: Court) -> None:
    assert await court.chat("李刚").say("/compliance") == [zh("milestones.compliance_none")]


async def test_overdue_says_each_step_with_its_own_deadline(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-09 10:00"))  # Monday
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now())
    clock.set(bj("2026-03-13 10:00"))
    number = (await record_of(db, record_id)).number
    steps = [
        zh(
            "milestones.overdue_steps",
            missing="录入平台",
            deadline="已逾期 2 天，期限 3月11日（周三） 24:00",
        ),
        zh(
            "milestones.overdue_steps",
            missing="报送表格复印件",
            deadline="已逾期 1 天，期限 3月12日（周四） 24:00",
        ),
    ]
    row = zh(
        "milestones.overdue_row",
        title=number,
        handler="张伟",
        steps=zh("milestones.overdue_separator").join(steps),
    )
    assert await court.chat("李刚").say("/overdue") == [
        "\n".join([zh("milestones.overdue_title", count=1), row])
    ]
