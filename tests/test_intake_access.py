"""After submission: who may see a record, Art. 7 alerts, and amendments.

A record is for the handler, the department's integrity officer, discipline inspection, trial
management and the leaders; another handler cannot tell it from one that does not exist, and
the IT administrator sees no contents at all. A serious case or a same-level main leader
alerts at once, once. Corrections after submission keep the old value, who and why.
"""

from __future__ import annotations

import json

from dialogue import (
    AMEND,
    BACK,
    CASE_NAME,
    CASE_NUMBER,
    CONFIRM_TIME,
    EDIT,
    EXTERNAL,
    NO,
    NOT_FILED_PRESS,
    YES,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Lacks,
    Offers,
    Press,
    Tap,
    all_records,
    amendments_of,
    asks,
    asks_received,
    dialogue,
    events_of,
    phone_record,
    record_row,
    says,
    until,
)
from sqlalchemy import select

from handlers.fields import Step
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.audit import AuditKind
from storage.casenumber import EXAMPLE
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import RecordStatus

NUMBER = "温法过问〔2026〕1号"


# Who may see a record


async def test_a_second_handler_cannot_see_the_first_ones_record(court: Court) -> None:
    zhang, zhou, sun = court.chat("张伟"), court.chat("周强"), court.chat("孙丽")
    await dialogue(zhang, phone_record())

    for person in (zhou, sun):
        for ref in (NUMBER, "温法过问〔2026〕9号", "#1", "#9"):
            assert await person.say(f"/record {ref}") == [says("views.not_found", ref=ref)]
    assert await zhou.say("/record") == [says("views.record_usage")]

    await dialogue(zhou, [("/new", says("intake.started", title="草稿 #2"))])
    [theirs] = await zhou.say("/mine")
    assert "草稿 #2" in theirs and NUMBER not in theirs and "王某" not in theirs
    [mine] = await zhang.say("/mine")
    assert NUMBER in mine and "草稿 #2" not in mine
    [draft] = await zhang.say("/record #2")
    assert draft == says("views.not_found", ref="#2")


async def test_the_admin_sees_no_record_contents_and_the_supervisors_do(
    court: Court, db: Database
) -> None:
    await dialogue(court.chat("张伟"), phone_record())
    admin = court.chat("赵磊")
    assert await admin.say(f"/record {NUMBER}") == [says("views.not_found", ref=NUMBER)]
    # /mine is anyone's (what they co-sign): the admin has none, and sees no one else's.
    assert await admin.say("/mine") == [says("views.mine_empty")]
    assert await admin.say("/withdrawn") == [says("error.unknown_command", command="withdrawn")]
    async with db.transaction() as session:
        [record] = (await session.execute(select(Record))).scalars().all()
        people = {p.name: p for p in (await session.execute(select(Staff))).scalars().all()}
        seen = {name for name, person in people.items() if records_repo.can_view(person, record)}
    assert seen == {"张伟", "钱进", "李刚", "刘洋", "陈静"}

    for name in ("李刚", "刘洋", "陈静", "钱进"):
        person = court.chat(name)
        [card] = await person.say(f"/record {NUMBER}")
        assert card.startswith(says("card.header", title=NUMBER, status="已提交")), name
        assert "过问人：王某" in card and f"案号：{CASE_NUMBER}" in card, name
        assert person.last[0].buttons == (), name
    assert await court.chat("吴敏").say(f"/record {NUMBER}") == [
        says("views.not_found", ref=NUMBER)
    ]


# Art. 7


async def test_serious_and_main_leader_alert_at_once_and_only_once(
    court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    discipline, management, leader = court.chat("李刚"), court.chat("刘洋"), court.chat("陈静")
    upward = says(
        "alerts.upward_draft",
        title="草稿 #1",
        handler="张伟",
        inquirer="王某",
        unit="温县某局",
        case=says("card.missing"),
    )
    serious = says(
        "alerts.serious",
        title="草稿 #1",
        handler="张伟",
        inquirer="王某",
        unit="温县某局",
        case=CASE_NUMBER,
    )
    script = phone_record(main_leader=YES, serious=YES)
    at_main_leader = len(until(script, Step.INTERMEDIARY))
    at_serious = len(script) - 1  # the review card, after the answer to "serious"

    everyone = (discipline, management, leader)
    await dialogue(judge, script[:at_main_leader])
    for person in everyone:  # both Art. 7 alerts reach the same offices
        assert [m.text for m in person.inbox()] == [upward]
    row = await record_row(db, 1)
    assert (row["status"], row["upward_listed_at"]) == (RecordStatus.DRAFT, clock.now())

    await dialogue(judge, script[at_main_leader:at_serious])
    for person in everyone:
        assert [m.text for m in person.inbox()] == [upward, serious]
    row = await record_row(db, 1)
    assert (row["status"], row["serious_alerted_at"]) == (RecordStatus.DRAFT, clock.now())

    # Answering again alerts nobody a second time; submitting tells each, once, the
    # record number and the case the first alert could not name.
    await dialogue(
        judge,
        [
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.serious")), (asks(Step.SERIOUS), Buttons(YES, NO, BACK))),
            (Press(YES), says("intake.review")),
            *script[at_serious:],
        ],
    )
    submitted = says(
        "alerts.submitted",
        title=NUMBER,
        draft="草稿 #1",
        handler="张伟",
        inquirer="王某",
        unit="温县某局",
        case=CASE_NUMBER,
        case_name=CASE_NAME,
        case_number=CASE_NUMBER,
        serious=YES,
        main_leader=YES,
    )
    for person in everyone:
        assert [m.text for m in person.inbox()] == [upward, serious, submitted]
    alerts = [
        json.loads(e.payload) for e in await events_of(db, 1) if e.kind == AuditKind.ALERT_SENT
    ]
    ids = [court.id("李刚"), court.id("刘洋"), court.id("陈静")]
    named = ["王某", "温县某局"]  # the person each message named
    assert alerts == [
        {"alert": "upward", "to": ids, "value": True, "named": named},
        # what the first alert told of the list
        {"alert": "art7_list", "to": ids, "value": True, "named": named},
        {"alert": "serious", "to": ids, "value": True, "named": named},
        {"alert": "submitted", "to": ids, "value": True, "named": named, "number": NUMBER},
    ]
    assert (await record_row(db, 1))["status"] == RecordStatus.SUBMITTED


async def test_neither_alert_for_an_ordinary_record(court: Court) -> None:
    await dialogue(court.chat("张伟"), phone_record())
    assert [court.chat(n).inbox() for n in ("李刚", "刘洋", "陈静")] == [[], [], []]


# Amendments


async def test_an_amendment_keeps_the_old_value_who_and_why(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    before = await record_row(db, 1)
    name_prompt = says("amend.ask_value", field=says("card.inquirer_name"), value="王某")

    await dialogue(
        judge,
        [
            (f"/record {NUMBER}", ("过问人：王某", Buttons(AMEND))),
            (
                Press(AMEND),
                (
                    says("amend.which", title=NUMBER),
                    # Every field the form prints for a phone inquiry; nobody was present.
                    Offers(
                        says("card.inquirer_name"), says("card.case_number"), says("card.source")
                    ),
                    Lacks(says("card.staff_present")),
                ),
            ),
            (
                Press(says("card.inquirer_name")),
                Exactly(says("amend.ask_value", field=says("card.inquirer_name"), value="王某")),
            ),
            # The new value is checked as the question checks it; refused, the prompt again.
            ("  ", Exactly(says("intake.error.empty") + "\n\n" + name_prompt)),
            (
                "王" * 101,
                Exactly(says("intake.error.too_long", limit=100) + "\n\n" + name_prompt),
            ),
            ("王某甲", Exactly(says("amend.ask_reason"))),
            ("", Exactly(says("amend.ask_reason"))),
            ("姓名笔误", Exactly(says("amend.done", title=NUMBER))),
            (
                f"/record {NUMBER}",
                (
                    "过问人：王某甲",
                    says(
                        "views.amendment",
                        field=says("card.inquirer_name"),
                        at="2026-03-06 10:00",
                        old="王某",
                        new="王某甲",
                        reason="姓名笔误",
                    ),
                ),
            ),
        ],
    )

    [amendment] = await amendments_of(db, 1)
    assert (amendment.field, amendment.old_value, amendment.new_value) == (
        "inquirer_name",
        '"王某"',
        '"王某甲"',
    )
    assert (amendment.reason, amendment.by_staff_id, amendment.at) == (
        "姓名笔误",
        court.id("张伟"),
        clock.now(),
    )
    after = await record_row(db, 1)
    assert after["inquirer_name"] == "王某甲"
    assert {k: v for k, v in after.items() if k != "inquirer_name"} == {
        k: v for k, v in before.items() if k != "inquirer_name"
    }
    [event] = [e for e in await events_of(db, 1) if e.kind == AuditKind.AMENDED]
    assert json.loads(event.payload) == {
        "field": "inquirer_name",
        "old": '"王某"',
        "new": '"王某甲"',
        "reason": "姓名笔误",
    }


async def test_a_case_number_amendment_is_validated_and_can_be_abandoned(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    await dialogue(
        judge,
        [
            (f"/record {NUMBER}", Buttons(AMEND)),
            (Press(AMEND), says("amend.which", title=NUMBER)),
            (
                Press(says("card.case_number")),
                says("amend.ask_value", field="案号", value=CASE_NUMBER),
            ),
            ("/cancel", Exactly(says("intake.amend_cancelled"))),
            (f"/record {NUMBER}", Buttons(AMEND)),
            (Press(AMEND), says("amend.which", title=NUMBER)),
            (
                Press(says("card.case_number")),
                says("amend.ask_value", field="案号", value=CASE_NUMBER),
            ),
            (
                "123",
                Exactly(
                    says(
                        "intake.error.case_format",
                        part="",
                        example=EXAMPLE,
                        not_filed=NOT_FILED_PRESS,
                    )
                    + "\n\n"
                    + says("amend.ask_value", field="案号", value=CASE_NUMBER)
                ),
            ),
            ("(2026)豫0825民初124号", Exactly(says("amend.ask_reason"))),
            ("/cancel", Exactly(says("intake.amend_cancelled"))),
        ],
    )
    assert await amendments_of(db, 1) == []
    assert (await record_row(db, 1))["case_number"] == CASE_NUMBER
    await dialogue(
        judge,
        [
            (f"/record {NUMBER}", Buttons(AMEND)),
            (Press(AMEND), says("amend.which", title=NUMBER)),
            (
                Press(says("card.case_number")),
                says("amend.ask_value", field="案号", value=CASE_NUMBER),
            ),
            ("(2026)豫0825民初124号", Exactly(says("amend.ask_reason"))),
            ("案号抄错", Exactly(says("amend.done", title=NUMBER))),
        ],
    )
    [amendment] = await amendments_of(db, 1)
    assert (amendment.field, amendment.old_value, amendment.new_value) == (
        "case_number",
        json.dumps(CASE_NUMBER, ensure_ascii=False),
        '"（2026）豫0825民初124号"',
    )


async def test_an_amendment_to_serious_alerts_at_once(court: Court, db: Database) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    await dialogue(
        judge,
        [
            (f"/record {NUMBER}", Buttons(AMEND)),
            (Press(AMEND), says("amend.which", title=NUMBER)),
            (Press(says("card.serious")), says("amend.ask_value", field="情节严重", value=NO)),
            ("是", Exactly(says("amend.ask_reason"))),
            ("复核后认为情节严重", Exactly(says("amend.done", title=NUMBER))),
        ],
    )
    serious = says(
        "alerts.serious",
        title=NUMBER,
        handler="张伟",
        inquirer="王某",
        unit="温县某局",
        case=CASE_NUMBER,
    )
    for name in ("李刚", "刘洋", "陈静"):  # with its number: nothing follows on submission
        assert [m.text for m in court.chat(name).inbox()] == [serious], name
    row = await record_row(db, 1)
    assert row["serious"] is True and row["serious_alerted_at"] is not None


async def test_only_the_handler_may_amend(court: Court, db: Database) -> None:
    await dialogue(court.chat("张伟"), phone_record())
    for name in ("李刚", "周强", "钱进"):
        person = court.chat(name)
        await dialogue(
            person,
            [
                (Tap("in:amend:start:1"), Exactly(says("error.stale_button"))),
                (Tap("in:amend:field:1.inquirer_name"), Exactly(says("error.stale_button"))),
            ],
        )
    assert await amendments_of(db, 1) == []
    [record] = await all_records(db)
    assert record.inquirer_name == "王某"


async def test_a_draft_cannot_be_amended_only_resumed(court: Court) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", asks_received("2026-03-06 10:00")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
            ("/record #1", (says("card.header", title="草稿 #1", status="草稿"), Lacks(AMEND))),
            (Press(says("views.resume")), Exactly(asks(Step.INQUIRY_AT))),
            # A correction's button on a draft is stale; the question's buttons come again.
            (
                Tap("in:amend:start:1"),
                Exactly(says("error.stale_button") + "\n\n" + asks(Step.INQUIRY_AT)),
            ),
        ],
    )
