"""Say things once, right; understand what the judge types; keep everything the judge sent.

Each dialogue is written as a judge types on a phone and asserts the Chinese the judge sees:
records named by their record number, refusals that bring the question back with its
buttons, typed labels and numbers as presses, /back in question order, captions placed and
said where, a 0-byte file refused, a forward's origin kept with its file.
"""

from __future__ import annotations

import dataclasses
import io
import json
import stat
from datetime import timedelta
from pathlib import Path

from dialogue import (
    ADD_HERE,
    AFTER_NEW,
    AMEND,
    ART9_DONE,
    ART9_DONE_CLEAR,
    ART9_NONE,
    BACK,
    BEIJING,
    CATEGORIES,
    CONFIRM_COSIGN,
    CONFIRM_TIME,
    DISMISS,
    DISPUTE_COSIGN,
    EDIT,
    KEPT,
    NO,
    NONE,
    NOT_FILED,
    NOT_FILED_PRESS,
    START_NEW,
    SUBMIT,
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Person,
    Press,
    all_records,
    art9,
    asks,
    asks_received,
    current,
    current_choice,
    dialogue,
    events_of,
    evidence_of,
    lab,
    local,
    phone_record,
    png_bytes,
    record_row,
    says,
    settings_for,
    until,
)
from fakes import add_person
from sqlalchemy import select
from test_reports_support import docx_text

from bot.app import App
from bot.transports.console import ConsoleTransport
from handlers.fields import Step
from handlers.ports import AttachmentKind, Capabilities
from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from reports.form import build_form
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.casenumber import EXAMPLE
from storage.db import Database, private_file
from storage.models import AuditEvent, Staff
from storage.vocabulary import (
    Channel,
    Language,
    Role,
    UnitCategory,
)

RECEIVED = asks_received("2026-03-06 10:00")


# -- records by their record number --------------------------------------------------------


async def test_a_bare_number_names_the_record_of_that_number_not_the_draft_of_that_id(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())  # id 1, 温法过问〔2026〕1号
    await dialogue(
        judge,
        [
            ("/new", says("intake.started", title="草稿 #2")),
            ("/new", Buttons(says("intake.continue_draft", title="草稿 #2"), START_NEW)),
        ],
    )  # id 2 stays a draft
    await dialogue(
        judge,
        phone_record(
            start=Press(START_NEW),
            draft=3,
            started=says("intake.started", title="草稿 #3"),
            number="温法过问〔2026〕2号",
            inquirer="李某",
        ),
    )
    for typed in ("2", "2号", "第2号", "温法过问〔2026〕2号", "温法过问(2026)2号"):
        [card] = await judge.say(f"/record {typed}")
        assert card.startswith("【过问记录】温法过问〔2026〕2号"), typed
        assert "过问人：李某" in card
    for typed in ("草稿 #2", "草稿#2", "#2"):
        [card] = await judge.say(f"/record {typed}")
        assert card.startswith("【过问记录】草稿 #2"), typed
    assert await judge.say("/record 3") == [says("views.not_found", ref="3")]
    assert await judge.say("/platform 2 平台-9") == [
        "已记录：温法过问〔2026〕2号 已录入平台，平台登记号 平台-9。"
    ]
    assert (await record_row(db, 3))["platform_entered_at"] is not None
    assert (await record_row(db, 1))["platform_entered_at"] is None


# -- buttons: typed, refused, back --------------------------------------------------------


async def test_a_refusal_sends_the_question_again_with_its_buttons(court: Court) -> None:
    judge = court.chat("张伟")
    script = until(phone_record(), Step.CHANNEL)
    await dialogue(
        judge,
        [
            *script,
            (
                "飞鸽传书",
                (
                    Exactly("请点选下面的按钮之一。\n\n" + asks(Step.CHANNEL)),
                    Buttons(*AFTER_NEW, BACK),
                ),
            ),
            # The button's label typed is its press; so is its number.
            ("电话", asks(Step.INQUIRER_NAME)),
            ("王某", asks(Step.INQUIRER_UNIT)),
            ("温县某局", asks(Step.INQUIRER_POSITION)),
            ("局长", (asks(Step.UNIT_CATEGORY), Buttons(*CATEGORIES, BACK))),
            (
                str(CATEGORIES.index(lab(UnitCategory.GOVERNMENT)) + 1),
                asks(Step.RETIRED),
            ),
            ("2", asks(Step.MAIN_LEADER)),
            ("否", asks(Step.INTERMEDIARY)),
            ("本人直接", asks(Step.CASE_NAME)),
            ("张某诉李某案", (asks(Step.CASE_NUMBER), Buttons(NOT_FILED, BACK))),
            (
                "（2027）豫0825民初1号",
                (
                    Again(
                        "案号中的年份“2027”晚于今年（2026 年），案件不会在将来立案。"
                        "请核对年份。案件尚未在本院立案的，请点“尚未立案”。",
                        asks(Step.CASE_NUMBER),
                    ),
                    Buttons(NOT_FILED, BACK),
                ),
            ),
            (
                "123",
                (
                    Again(
                        says(
                            "intake.error.case_format", example=EXAMPLE, not_filed=NOT_FILED_PRESS
                        ),
                        asks(Step.CASE_NUMBER),
                    ),
                    Buttons(NOT_FILED, BACK),
                ),
            ),
            ("2026豫0825刑初56号", asks(Step.SUMMARY)),
        ],
    )


async def test_a_typed_button_label_at_a_time_question_is_its_press(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", RECEIVED),
            (CONFIRM_TIME, asks(Step.SOURCE)),
            ("1", asks(Step.INQUIRY_AT)),
        ],
    )
    row = await record_row(db, 1)
    assert (row["received_confirmed"], row["kind"]) == (True, "external")


async def test_back_is_a_command_and_goes_to_the_question_answered_last(court: Court) -> None:
    judge = court.chat("张伟")
    script = phone_record()[:-1]
    await dialogue(
        judge,
        [
            *until(script, Step.UNIT_CATEGORY),
            ("/back", (asks(Step.INQUIRER_POSITION), current("局长"))),
            ("局长", asks(Step.UNIT_CATEGORY)),
            *script[8:],
            # At the review card /back is the last question (a phone call has no materials).
            ("/back", (asks(Step.SERIOUS), current_choice(NO))),
            (Press(NO), says("intake.review")),
            # Edited from the review card, the channel's previous question is the one
            # answered last (情节严重), not the one before it in question order.
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.channel")), asks(Step.CHANNEL)),
            ("/back", (asks(Step.SERIOUS), current_choice(NO))),
            (Press(NO), says("intake.review")),
        ],
    )


async def test_back_without_a_draft_says_so(court: Court) -> None:
    assert await court.chat("张伟").say("/back") == [says("intake.error.no_draft_new")]


CLEAR = says("intake.art9_clear")


async def test_art9_a_single_number_is_the_same_as_a_list(court: Court, db: Database) -> None:
    """Typed, ``4`` and ``1,4`` both tick (or untick) their items, as pressing them would;
    the buttons keep their numbers; "选好了" takes what is ticked."""
    script = until(phone_record(), Step.ART9)
    items = [art9(n) for n in range(1, 15)]
    rest = (CLEAR, ART9_NONE, ART9_DONE, ART9_DONE_CLEAR, BACK)
    await dialogue(
        court.chat("张伟"),
        [
            *script,
            ("4", Buttons(*(art9(n, chosen=n == 4) for n in range(1, 15)), *rest)),
            ("1,4", Buttons(*(art9(n, chosen=n == 1) for n in range(1, 15)), *rest)),
            ("1", Buttons(*items, *rest)),
            ("4", Buttons(*(art9(n, chosen=n == 4) for n in range(1, 15)), *rest)),
            ("完", Again(says("intake.error.art9"), asks(Step.ART9))),
            (Press(ART9_DONE), Exactly(asks(Step.SERIOUS))),
        ],
    )
    assert (await record_row(db, 1))["art9_items"] == [4]


# -- keep everything: captions, empty files, the forward's origin -------------------------


async def test_a_caption_on_any_photo_of_an_album_is_placed_and_said_where(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photos = [bot.file(AttachmentKind.PHOTO, png_bytes((i, 9, 9))) for i in range(3)]
    await dialogue(
        judge,
        [
            (
                Forward(photos[0], album="a-9"),
                Exactly(says("intake.started_with_files", title="草稿 #1", count=1), RECEIVED),
            ),
            (
                Forward(photos[1], album="a-9", caption="王局长让关照原告"),
                Exactly(
                    "记录（草稿 #1）已收到 2 个文件。",
                    says("intake.caption_offered", caption="王局长让关照原告"),
                ),
            ),
            (
                Forward(photos[2], album="a-9", caption="第三张是语音转文字"),
                Exactly(
                    "记录（草稿 #1）已收到 3 个文件。",
                    "随文件发来的文字“第三张是语音转文字”已随文件“（未命名文件）”作为证据保存"
                    "（摘要已有内容，未改动）。",
                ),
            ),
        ],
    )
    # Offered when the summary is asked, never stored as it unasked.
    assert (await record_row(db, 1))["summary"] is None
    items = [item for item, _ in await evidence_of(db, 1)]
    assert [item.caption for item in items] == [None, "王局长让关照原告", "第三张是语音转文字"]
    added = [
        json.loads(e.payload) for e in await events_of(db, 1) if e.kind == AuditKind.EVIDENCE_ADDED
    ]
    assert [p.get("caption") for p in added] == [None, "王局长让关照原告", "第三张是语音转文字"]


async def test_a_caption_held_at_the_add_or_new_question_is_kept(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            ("/new", RECEIVED),
            (
                Forward(photo, caption="补充截图"),
                says("intake.media_choice", title="草稿 #1", kept=KEPT),
            ),
            (
                "随便",
                (
                    Again(
                        says("intake.error.choose"),
                        says("intake.media_choice", title="草稿 #1", kept=KEPT),
                    ),
                    Buttons(ADD_HERE, START_NEW, DISMISS),
                ),
            ),
            (
                Press(ADD_HERE),
                (
                    says("intake.added", title="草稿 #1", count=1),
                    says("intake.caption_offered", caption="补充截图"),
                    RECEIVED,
                ),
            ),
        ],
    )
    [(item, _)] = await evidence_of(db, 1)
    assert item.caption == "补充截图"


async def test_a_zero_byte_file_is_refused_audited_and_opens_no_draft(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    empty = bot.file(AttachmentKind.DOCUMENT, b"", name="来函.pdf", mime="application/pdf")
    await dialogue(
        judge,
        [
            (
                Forward(empty),
                Exactly(
                    "文件“来函.pdf”是空的（0 字节），没有收到任何内容，因此没有保存，"
                    "也没有新建记录。请重新发送原文件。"
                ),
            ),
        ],
    )
    assert await all_records(db) == []
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == AuditKind.EVIDENCE_REFUSED.value)
        [event] = (await session.execute(query)).scalars().all()
    payload = json.loads(event.payload)
    assert (payload["reason"], payload["name"]) == ("empty", "来函.pdf")
    assert event.subject == f"staff:{court.id('张伟')}"


async def test_an_empty_file_beside_a_good_one_is_refused_alone(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    empty = bot.file(AttachmentKind.DOCUMENT, b"", name="空.txt")
    good = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            (
                Forward(empty, good),
                (
                    says("intake.empty_file", name="空.txt"),
                    says("intake.started_with_files", title="草稿 #1", count=1),
                ),
            ),
        ],
    )
    assert len(await evidence_of(db, 1)) == 1


async def test_a_forwards_origin_is_kept_with_its_file_and_in_its_audit_event(
    bot: DialogueBot, court: Court, db: Database, tmp_path: Path
) -> None:
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    sent = local("2026-03-05 20:15")
    await dialogue(
        judge,
        [(Forward(photo, at=sent, sender="王建国"), asks_received("2026-03-05 20:15"))],
    )
    [(item, _)] = await evidence_of(db, 1)
    assert (item.forward_sender, item.forward_sent_at) == ("王建国", sent)
    [added] = [
        json.loads(e.payload) for e in await events_of(db, 1) if e.kind == AuditKind.EVIDENCE_ADDED
    ]
    assert added["forward_sender"] == "王建国"
    assert added["forward_sent_at"].startswith("2026-03-05T12:15:00")
    # The card and the form say where the file came from.
    [shown] = await judge.say("/record 草稿 #1")
    assert "· 证据 1：转发自 王建国；原发送时间 2026-03-05 20:15" in shown
    async with db.transaction() as session:
        files = await build_form(
            session,
            1,
            language=Language.ZH,
            tz=BEIJING,
            rules=DeadlineRules(),
            out_dir=tmp_path,
            now=bot.clock.now(),
            court_name="温县人民法院",
        )
    assert "证据 1：转发自 王建国；原发送时间 2026-03-05 20:15" in docx_text(files.docx)


# -- corrections re-ask the co-signers; a co-signer opens the record ---------------------


async def test_a_correction_asks_every_co_signer_again_and_tells_the_handler_who_has(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    clerk = await add_person(bot.db, bot.clock, "郑红", [], department="民一庭", user_id="zh")
    judge, sun, zheng = court.chat("张伟"), court.chat("孙丽"), Person(bot, "zh", "郑红")
    number = "温法过问〔2026〕1号"
    await dialogue(
        judge,
        [
            *until(phone_record(), Step.CHANNEL),
            (Press(lab(Channel.IN_PERSON)), asks(Step.INQUIRER_NAME)),
            *phone_record()[5:14],
            ("要求关照原告", asks(Step.ART9)),
            (Press(ART9_NONE), asks(Step.SERIOUS)),
            (Press(NO), asks(Step.PLACE)),
            ("本院门口", asks(Step.PERSONS_PRESENT)),
            (Press(NONE), asks(Step.STAFF_PRESENT)),
            # In person there are no materials: their route and originals are not asked.
            ("孙丽、郑红", says("intake.review")),
            (Press(SUBMIT), says("intake.submitted", number=number)),
        ],
    )
    await dialogue(sun, [(Press(CONFIRM_COSIGN), says("cosign.confirmed", title=number))])
    await dialogue(zheng, [(Press(CONFIRM_COSIGN), says("cosign.confirmed", title=number))])
    # A co-signer with no role of their own opens the record they co-sign, by its number.
    [opened] = await zheng.say("/record 1")
    assert opened.startswith(f"【过问记录】{number}") and "过问人：王某" in opened
    await dialogue(
        judge,
        [
            ("/record 1", Buttons(AMEND)),
            (Press(AMEND), says("amend.which", title=number)),
            (Press(says("card.summary")), "请回复更正后的内容"),
            ("要求关照被告", says("amend.ask_reason")),
            (
                "笔误",
                Exactly(
                    says("amend.done", title=number),
                    "已请 孙丽、郑红 重新确认更正后的记录；每人确认后会告诉您。",
                ),
            ),
        ],
    )
    [asked] = [m for m in sun.inbox() if m.text.startswith("张伟 更正了您在场的当面过问记录")]
    assert "过问内容：要求关照被告" in asked.text
    assert [b.label for row in asked.buttons for b in row] == [CONFIRM_COSIGN, DISPUTE_COSIGN]
    before = len(judge.inbox())
    await dialogue(sun, [(Press(CONFIRM_COSIGN), says("cosign.confirmed", title=number))])
    assert [m.text for m in judge.inbox()[before:]] == [
        f"孙丽 已确认记录 {number}。",
        f"记录 {number} 更正后尚待重新确认：郑红。",
    ]
    row = await record_row(db, 1)
    assert row["cosigners_done"] is False
    await dialogue(zheng, [(Press(CONFIRM_COSIGN), says("cosign.confirmed", title=number))])
    assert (await record_row(db, 1))["cosigners_done"] is True
    assert clerk.roles == frozenset()


# -- small trial findings -----------------------------------------------------------------


async def test_the_court_console_prompt_names_the_person_after_start(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    person = await add_person(db, clock, "张伟", [Role.HANDLER], department="民一庭", user_id="x")
    async with db.transaction() as session:
        fresh = await session.get(Staff, person.id)
        assert fresh is not None
        issued = await staff_repo.issue_invite(
            session, fresh, at=clock.now(), valid_for=timedelta(hours=1), actor="test"
        )
    app = App(settings_for(tmp_path), db, clock)
    out = io.StringIO()
    inp = io.StringIO(f"/start {issued.code}\n/help\n")
    console = ConsoleTransport(app, out=out, inp=inp, allow_as=False)
    app.add_transport(console)
    await console.run()
    lines = out.getvalue().splitlines()
    assert f"未绑定用户> /start {issued.code}" in lines
    assert "张伟> /help" in lines
    assert not any(line.startswith("guest") for line in lines)


async def test_the_database_is_for_the_bots_user_only(tmp_path: Path) -> None:
    database = tmp_path / "data" / "guowen.db"
    made = Database(f"sqlite+aiosqlite:///{database}")
    try:
        await made.upgrade()
    finally:
        await made.close()
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
    private_file(database)  # an existing file is left as it is
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


# -- an edited message ----------------------------------------------------------------------


async def test_an_edited_answer_replaces_it_and_any_other_edit_is_answered(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, until(phone_record(), Step.INQUIRER_NAME))
    typed = judge.message("王某")
    await judge.send(typed)
    assert asks(Step.INQUIRER_UNIT) in judge.last[0].text
    # The judge corrects the name in the message itself, as a phone lets them.
    fixed = dataclasses.replace(typed, text="王某某", edited=True)
    replies = [m.text for m in await judge.send(fixed)]
    assert replies == ["已按您修改后的消息，把“过问人”改为：王某某。", asks(Step.INQUIRER_UNIT)]
    assert (await record_row(db, 1))["inquirer_name"] == "王某某"
    # An edit of anything else changes nothing, and says so.
    older = dataclasses.replace(typed, message_id="d-older", text="李某", edited=True)
    assert [m.text for m in await judge.send(older)] == [
        "您修改了一条已发送的消息，记录没有随之改动。草稿可在最后核对时修改；"
        "已提交的记录请发送 /record 记录编号后更正。\n\n" + asks(Step.INQUIRER_UNIT)
    ]
    assert (await record_row(db, 1))["inquirer_name"] == "王某某"


async def test_a_department_of_any_name_length_is_chosen_after_a_restart(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    long_name = "第" + "知识产权与涉外商事审判" * 6 + "庭"
    async with db.transaction() as session:
        await staff_repo.department(session, long_name, at=bot.clock.now())
        # A department where a handler works: only such a one handles a case.
        await staff_repo.add_staff(
            session,
            name="赵涉外",
            department_name=long_name,
            roles=[Role.HANDLER],
            at=bot.clock.now(),
            actor="test",
        )
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            *phone_record()[:-1],
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.department")), asks(Step.DEPARTMENT)),
        ],
    )
    data = [b.data for m in judge.inbox()[-1:] for row in m.buttons for b in row]
    assert data and all(len(d.encode("utf-8")) <= 64 for d in data)
    bot.restart()
    await dialogue(judge, [(Press(long_name), says("intake.review"))])
    async with db.transaction() as session:
        department = await staff_repo.find_department(session, long_name)
    assert department is not None
    assert (await record_row(db, 1))["department_id"] == department.id


async def test_on_a_numbered_transport_art9_reads_a_single_number_as_an_item(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    bot.transport._capabilities = Capabilities(max_buttons=3)
    judge = court.chat("张伟")
    steps = until(phone_record(), Step.ART9)
    for action, _ in steps:
        typed = action
        if isinstance(action, Press):
            # As listed: "N. label"; the judge types the label.
            typed = action.label
        await judge.act(typed)
    assert "1. (1) " in judge.last[0].text
    await dialogue(judge, [("1", asks(Step.ART9)), ("选好了", asks(Step.SERIOUS))])
    assert (await record_row(db, 1))["art9_items"] == [1]
