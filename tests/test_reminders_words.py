"""What each reminder says: the record, what is missing, the deadline in words, in the
recipient's language, with the buttons that act on it (``handlers.notifier.ChatNotifier``).

The real app sends through a fake transport; the clock moves from one due time to the next.
"""

from __future__ import annotations

from datetime import timedelta

from dialogue import Court, DialogueBot, dialogue, phone_record
from reminder_kit import bj, new_record, run_until
from sqlalchemy import update

from handlers.i18n import t
from handlers.ports import OutgoingMessage
from reminders.clock import FakeClock
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Language, Milestone, RecordKind, label

ZH, EN = Language.ZH, Language.EN
NUMBER = "温法过问〔2026〕1号"
CASE = "（2026）豫0825民初123号"


def zh(key: str, **values: object) -> str:
    return t(ZH, key, **values)


def en(key: str, **values: object) -> str:
    return t(EN, key, **values)


def missing(language: Language, *milestones: Milestone) -> str:
    joiner = "、" if language is ZH else ", "
    return joiner.join(label(m, language) for m in milestones)


def buttons(message: OutgoingMessage) -> list[tuple[str, str]]:
    return [(b.label, b.data) for row in message.buttons for b in row]


TODAY_MONDAY_9 = "今天 3月9日（周一） 24:00 前"


async def speaks_english(db: Database, *people: int) -> None:
    async with db.transaction() as session:
        await session.execute(update(Staff).where(Staff.id.in_(people)).values(language="en"))


async def test_the_handler_officer_and_discipline_read_the_record_the_gap_and_the_day(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-11 10:00"))  # Wednesday
    judge = court.chat("张伟")
    await dialogue(judge, phone_record(received="2026-03-11 10:00"))
    before = len(judge.inbox())

    await run_until(bot.app.dispatcher, clock, bj("2026-03-18 12:00"))

    # Each reminder carries the button of the step it is about, and no other.
    act = [(zh("milestones.platform_button"), "ms:1:platform")]
    act_form = [(zh("milestones.deliver_button"), "ms:1:deliver")]
    platform = missing(ZH, Milestone.PLATFORM_ENTERED)
    form = missing(ZH, Milestone.FORM_DELIVERED)
    friday = "3月13日（周五）"
    monday = "3月16日（周一）"
    record = {"title": NUMBER, "case": CASE}
    got = [(m.text, buttons(m)) for m in judge.inbox()[before:]]
    assert got == [
        # Thursday: platform due tomorrow.
        (
            zh(
                "reminders.day_before",
                **record,
                deadline=f"明天 {friday} 24:00 前",
                missing=platform,
            ),
            act,
        ),
        # Friday morning: platform due today; the copy due Monday, said with its date.
        (
            zh(
                "reminders.last_day", **record, deadline=f"今天 {friday} 24:00 前", missing=platform
            ),
            act,
        ),
        (
            zh("reminders.day_before", **record, deadline=f"{monday} 24:00 前", missing=form),
            act_form,
        ),
        # Saturday 08:00: the platform entry is overdue.
        (
            zh(
                "reminders.breach",
                **record,
                deadline=f"已逾期 1 天，期限 {friday} 24:00",
                missing=platform,
            ),
            act,
        ),
        (
            zh("reminders.last_day", **record, deadline=f"今天 {monday} 24:00 前", missing=form),
            act_form,
        ),
        (
            zh(
                "reminders.breach",
                **record,
                deadline=f"已逾期 1 天，期限 {monday} 24:00",
                missing=form,
            ),
            act_form,
        ),
    ]
    assert (
        f"今天 {friday} 24:00 前" in got[1][0] and NUMBER in got[1][0] and "录入平台" in got[1][0]
    )

    officer = [(m.text, buttons(m)) for m in court.chat("钱进").inbox()]
    assert officer == [
        (
            zh(
                "reminders.breach_officer",
                **record,
                handler="张伟",
                deadline=f"已逾期 1 天，期限 {friday} 24:00",
                missing=platform,
            ),
            [],
        ),
        (
            zh(
                "reminders.breach_officer",
                **record,
                handler="张伟",
                deadline=f"已逾期 1 天，期限 {monday} 24:00",
                missing=form,
            ),
            [],
        ),
    ]
    discipline = [m.text for m in court.chat("李刚").inbox()]
    assert discipline == [
        zh(
            "reminders.escalation",
            **record,
            handler="张伟",
            department="民一庭",
            deadline=f"已逾期 4 天，期限 {friday} 24:00",
            missing=platform,
        ),
        zh(
            "reminders.escalation",
            **record,
            handler="张伟",
            department="民一庭",
            deadline=f"已逾期 2 天，期限 {monday} 24:00",
            missing=form,
        ),
    ]
    # Nobody else heard of it: not the criminal division's officer, not the other judges.
    for name in ("吴敏", "孙丽", "王芳", "周强", "陈静"):
        assert court.chat(name).inbox() == [], name


async def test_each_person_reads_in_their_own_language(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    await speaks_english(db, court.id("钱进"), court.id("张伟"))
    await new_record(db, clock, court.id("张伟"), received=clock.now())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-11 12:00"))

    both = missing(EN, Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED)
    monday_en = "Mon 9 Mar"
    record = {"title": NUMBER, "case": CASE}
    judge = [m.text for m in court.chat("张伟").inbox()]
    assert judge == [
        en("reminders.last_day", **record, deadline=f"by today, {monday_en}, 24:00", missing=both),
        en(
            "reminders.breach",
            **record,
            deadline=f"overdue by 1 day, deadline {monday_en} 24:00",
            missing=both,
        ),
    ]
    assert judge[0] == (
        f"Last day: inquiry record {NUMBER} (case {CASE}) needs, by today, Mon 9 Mar, 24:00: "
        "entered in the platform, form copy delivered."
    )
    assert [b.label for row in court.chat("张伟").inbox()[0].buttons for b in row] == [
        en("milestones.platform_button"),
        en("milestones.deliver_button"),
    ]
    assert [m.text for m in court.chat("钱进").inbox()] == [
        en(
            "reminders.breach_officer",
            **record,
            handler="张伟",
            deadline=f"overdue by 1 day, deadline {monday_en} 24:00",
            missing=both,
        )
    ]
    # Discipline did not choose English: Chinese, the court's language.
    monday_zh = "3月9日（周一）"
    assert [m.text for m in court.chat("李刚").inbox()] == [
        zh(
            "reminders.escalation",
            **record,
            handler="张伟",
            department="民一庭",
            deadline=f"已逾期 2 天，期限 {monday_zh} 24:00",
            missing=missing(ZH, Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED),
        )
    ]


async def test_an_art5_reminder_offers_no_platform_button(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    record_id = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), kind=RecordKind.REFERENCE_OPINION
    )
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))
    [message] = court.chat("张伟").inbox()
    assert message.text == zh(
        "reminders.last_day",
        title=NUMBER,
        case=CASE,
        deadline=TODAY_MONDAY_9,
        missing=missing(ZH, Milestone.FORM_DELIVERED),
    ) + "\n" + zh("reminders.art5_form_copy")  # why the form copy is chased, the platform not
    assert buttons(message) == [(zh("milestones.deliver_button"), f"ms:{record_id}:deliver")]


async def test_a_draft_is_reminded_with_a_resume_button(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    record_id = await new_record(db, clock, court.id("张伟"), received=clock.now(), submit=False)
    await run_until(bot.app.dispatcher, clock, bj("2026-03-09 09:00"))
    [message] = court.chat("张伟").inbox()
    title = zh("card.draft_title", id=record_id)
    assert message.text == zh(
        "reminders.last_day",
        title=title,
        case=CASE,
        deadline=TODAY_MONDAY_9,
        missing=missing(
            ZH, Milestone.REGISTERED, Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED
        ),
    )
    assert buttons(message) == [(zh("views.resume"), f"in:amend:resume:{record_id}")]


async def test_co_signers_are_asked_with_their_own_buttons(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-11 10:00"))
    record_id = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), cosigners=[court.id("孙丽")]
    )
    await run_until(bot.app.dispatcher, clock, bj("2026-03-13 09:00"))
    day = "3月13日（周五）"
    thursday = f"明天 {day} 24:00 前"
    inbox = court.chat("孙丽").inbox()
    assert [(m.text, buttons(m)) for m in inbox] == [
        (
            zh("reminders.cosign_day_before", handler="张伟", title=NUMBER, deadline=thursday),
            [
                (zh("cosign.confirm"), f"cs:{record_id}:ok"),
                (zh("cosign.dispute"), f"cs:{record_id}:no"),
            ],
        ),
        (
            zh(
                "reminders.cosign_last_day",
                handler="张伟",
                title=NUMBER,
                deadline=f"今天 {day} 24:00 前",
            ),
            [
                (zh("cosign.confirm"), f"cs:{record_id}:ok"),
                (zh("cosign.dispute"), f"cs:{record_id}:no"),
            ],
        ),
    ]
    # The handler's own reminders list the handler's steps, and name the co-signer who owes
    # the signature on a line of its own.
    judge = court.chat("张伟").inbox()
    assert zh(
        "reminders.day_before",
        title=NUMBER,
        case=CASE,
        deadline=thursday,
        missing=missing(ZH, Milestone.PLATFORM_ENTERED),
    ) + "\n" + zh(
        "reminders.cosigners_pending",
        names="孙丽",
        reach=zh("reminders.cosign_reminded", names="孙丽"),
    ) in [m.text for m in judge]


async def test_the_compiler_reads_the_quarter_and_its_incomplete_records(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-03-30 10:00"))
    first = await new_record(db, clock, court.id("张伟"), received=bj("2026-03-02 10:00"))
    # A same-level main leader's inquiry left a draft: still on the Art. 7 list, said so.
    draft = await new_record(
        db,
        clock,
        court.id("周强"),
        received=bj("2026-03-03 10:00"),
        submit=False,
        fields={"main_leader": True},
    )
    await run_until(bot.app.dispatcher, clock, bj("2026-04-08 12:00"))
    deadline = "4月7日（周二）"
    lines = "\n".join(
        [
            # Oldest first, each with its missing steps in the order they are due.
            zh("reminders.incomplete_row", title=NUMBER, missing="录入平台、报送表格复印件"),
            zh(
                "reminders.incomplete_row",
                title=zh("card.draft_title", id=draft),
                missing="填表登记、录入平台、报送表格复印件",
            )
            + zh("reminders.incomplete_art7", flags=zh("card.main_leader")),
        ]
    )
    done = [(zh("milestones.quarter_button"), "ms:q:2026Q1:done")]
    inbox = court.chat("刘洋").inbox()
    # The quarter-end reminder carries the draft report: a chart, the workbook, the summary.
    files = [m.photo or m.document for m in inbox if m.photo or m.document]
    assert sorted(path.suffix for path in files if path) == [".docx", ".png", ".xlsx"]
    compiler = [(m.text, buttons(m)) for m in inbox if not (m.photo or m.document)]
    assert compiler == [
        (
            zh(
                "reminders.quarter_end",
                quarter="2026Q1",
                deadline=f"{deadline} 24:00 前",
                count=2,
                list=lines,
            ),
            done,
        ),
        (zh("reminders.quarter_due_soon", quarter="2026Q1", deadline=f"{deadline} 24:00 前"), done),
        (
            zh(
                "reminders.quarter_due_today",
                quarter="2026Q1",
                deadline=f"今天 {deadline} 24:00 前",
            ),
            done,
        ),
    ]
    assert first == 1
    overdue = [m.text for m in court.chat("李刚").inbox() if "2026Q1" in m.text]
    assert overdue == [
        zh(
            "reminders.quarter_overdue",
            quarter="2026Q1",
            deadline=f"已逾期 1 天，期限 {deadline} 24:00",
        )
    ]


async def test_the_admin_reads_which_year_to_load(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    clock.set(bj("2026-12-01 09:00"))
    await run_until(bot.app.dispatcher, clock, bj("2026-12-01 09:00") + timedelta(minutes=1))
    assert [m.text for m in court.chat("赵磊").inbox()] == [
        zh("reminders.holidays_missing", year=2027)
    ]
    await speaks_english(db, court.id("赵磊"))
    await run_until(bot.app.dispatcher, clock, bj("2026-12-02 09:00"))
    assert court.chat("赵磊").inbox()[-1].text == en("reminders.holidays_missing", year=2027)
    assert "guowen holidays load" in court.chat("赵磊").inbox()[-1].text
