"""Every question's wrong answers, each with its message; then back, skip, edit and cancel.

A judge types on a phone between hearings: every bad answer gets a message that says what is
wrong (with an example where one helps), the question stays open, and nothing is stored.
"""

from __future__ import annotations

import pytest
from dialogue import (
    ART9_DONE,
    ART9_NONE,
    BACK,
    CASE_NAME,
    CASE_NUMBER,
    CONFIRM_TIME,
    EDIT,
    EXTERNAL,
    NO,
    NONE,
    NOT_FILED,
    NOT_FILED_PRESS,
    SAME_TIME,
    SKIP,
    SUBMIT,
    WITHDRAW,
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Lacks,
    Offers,
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
    lab,
    local,
    phone_record,
    record_row,
    says,
    until,
)
from fakes import add_person
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import update

from handlers.fields import BY_STEP, FIELDS, Step
from handlers.intake.ask import repeats_last_answer
from handlers.intake.common import SKIP_WORDS
from handlers.state import DraftState, LastAnswer
from handlers.words import NONE_WORDS
from reminders.clock import FakeClock
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.casenumber import EXAMPLE
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import (
    Channel,
    Intermediary,
    MaterialRoute,
    OriginalsDestination,
    RecordStatus,
    Role,
    UnitCategory,
)


def case_error(problem: str, part: str = "") -> str:
    return says(
        f"intake.error.case_{problem}", part=part, example=EXAMPLE, not_filed=NOT_FILED_PRESS
    )


async def test_every_wrong_answer_gets_its_message(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    away = await court_member(bot, "郑红")
    assert not away.active

    await dialogue(
        judge,
        [
            ("/new", asks_received("2026-03-06 10:00")),
            # The receipt time.
            (
                "乱写一气",
                Again(
                    says(
                        "intake.error.time_format",
                        typed="乱写一气",
                        forms=says("intake.time_forms"),
                    ),
                    asks_received("2026-03-06 10:00"),
                ),
            ),
            (
                "2026-03-05",
                Again(
                    says(
                        "intake.error.time_dated_no_clock", typed="2026-03-05", day="3月5日（周四）"
                    ),
                    asks_received("2026-03-06 10:00"),
                ),
            ),
            (
                "2026-02-30 10:00",
                Again(
                    says(
                        "intake.error.time_no_day",
                        typed="2026-02-30 10:00",
                        year=2026,
                        month=2,
                        mday=30,
                        days=28,
                    ),
                    asks_received("2026-03-06 10:00"),
                ),
            ),
            (
                "今天 25:00",
                Again(
                    says("intake.error.time_no_hour", typed="今天 25:00", hour=25),
                    asks_received("2026-03-06 10:00"),
                ),
            ),
            (
                "2026-03-07 09:00",
                Again(
                    says("intake.error.time_future", time="3月7日（周六）09:00"),
                    asks_received("2026-03-06 10:00"),
                ),
            ),
            ("2026-03-06 08:00", asks(Step.SOURCE)),
            # A choice answered in words that match no button.
            ("外部", Again(says("intake.error.choose"), asks(Step.SOURCE))),
            (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
            # The inquiry cannot come after its receipt, nor be garbage.
            (
                "今天 9:00",
                Again(
                    says("intake.error.inquiry_after_receipt", received="3月6日（周五）08:00"),
                    asks(Step.INQUIRY_AT),
                ),
            ),
            (
                "明天",
                Again(
                    says("intake.error.time_future", time="3月7日（周六）"), asks(Step.INQUIRY_AT)
                ),
            ),
            ("今天 7:30", asks(Step.CHANNEL)),
            ("飞鸽传书", Again(says("intake.error.choose"), asks(Step.CHANNEL))),
            # A button's label typed out is understood.
            (lab(Channel.IN_PERSON), asks(Step.INQUIRER_NAME)),
            ("   ", Again(says("intake.error.empty"), asks(Step.INQUIRER_NAME))),
            ("王" * 101, Again(says("intake.error.too_long", limit=100), asks(Step.INQUIRER_NAME))),
            ("王某", asks(Step.INQUIRER_UNIT)),
            ("单" * 201, Again(says("intake.error.too_long", limit=200), asks(Step.INQUIRER_UNIT))),
            ("温县某局", asks(Step.INQUIRER_POSITION)),
            ("", Again(says("intake.error.empty"), asks(Step.INQUIRER_POSITION))),
            ("局长", asks(Step.UNIT_CATEGORY)),
            ("局机关", Again(says("intake.error.choose"), asks(Step.UNIT_CATEGORY))),
            (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.RETIRED)),
            ("也许吧", Again(says("intake.error.yes_no"), asks(Step.RETIRED))),
            ("否", asks(Step.MAIN_LEADER)),
            ("不清楚", Again(says("intake.error.yes_no"), asks(Step.MAIN_LEADER))),
            (Press(NO), asks(Step.INTERMEDIARY)),
            ("秘书", Again(says("intake.error.choose"), asks(Step.INTERMEDIARY))),
            (Press(lab(Intermediary.NONE)), asks(Step.CASE_NAME)),
            ("  ", Again(says("intake.error.empty"), asks(Step.CASE_NAME))),
            ("案" * 301, Again(says("intake.error.too_long", limit=300), asks(Step.CASE_NAME))),
            (CASE_NAME, asks(Step.CASE_NUMBER)),
            # The case number, by the SPC rules.
            ("123", Again(case_error("format"), asks(Step.CASE_NUMBER))),
            ("（2026）豫9999民初1号", Again(case_error("court", "豫9999"), asks(Step.CASE_NUMBER))),
            ("（2026）豫0825民乙1号", Again(case_error("type", "民乙"), asks(Step.CASE_NUMBER))),
            (
                "（2031）豫0825民初1号",
                Again(
                    says(
                        "intake.error.case_future",
                        part="2031",
                        example=EXAMPLE,
                        year=2026,
                        not_filed=NOT_FILED_PRESS,
                    ),
                    asks(Step.CASE_NUMBER),
                ),
            ),
            ("（26）豫0825民初1号", Again(case_error("year", "26"), asks(Step.CASE_NUMBER))),
            ("（2026）豫0825民初0号", Again(case_error("serial", "0"), asks(Step.CASE_NUMBER))),
            (
                "（2026）豫0825民初0123号",
                Again(case_error("serial", "0123"), asks(Step.CASE_NUMBER)),
            ),
            ("(2026)豫0825民初123号", asks(Step.SUMMARY)),
            ("字" * 4001, Again(says("intake.error.too_long", limit=4000), asks(Step.SUMMARY))),
            ("要求关照原告", asks(Step.ART9)),
            # Art. 9.
            ("15", Again(says("intake.error.art9"), asks(Step.ART9))),
            ("第一项", Again(says("intake.error.art9"), asks(Step.ART9))),
            ("0,1", Again(says("intake.error.art9"), asks(Step.ART9))),
            (Press(ART9_DONE), Again(says("intake.error.art9_empty"), asks(Step.ART9))),
            (Press(art9(1)), Offers(art9(1, chosen=True), art9(4))),
            (Press(art9(4)), Offers(art9(1, chosen=True), art9(4, chosen=True))),
            (Press(art9(4, chosen=True)), Offers(art9(1, chosen=True), art9(4))),
            (Press(art9(4)), Offers(art9(1, chosen=True), art9(4, chosen=True))),
            (Press(ART9_DONE), asks(Step.SERIOUS)),
            ("大概吧", Again(says("intake.error.yes_no"), asks(Step.SERIOUS))),
            (Press(NO), asks(Step.PLACE)),
            ("", Again(says("intake.error.empty"), asks(Step.PLACE))),
            ("本院接待室", asks(Step.PERSONS_PRESENT)),
            (
                "人" * 4001,
                Again(says("intake.error.too_long", limit=4000), asks(Step.PERSONS_PRESENT)),
            ),
            # Art. 3: an oral inquiry's persons present are recorded; nobody is 无, not a skip.
            ("跳过", Again(says("intake.error.not_optional"), asks(Step.PERSONS_PRESENT))),
            (Press(NONE), asks(Step.STAFF_PRESENT)),
            # The court staff present: registered, active, and not the judge; a name not in
            # the bot is offered to be recorded as present, signing on paper (not pressed).
            (
                "赵六",
                Again(
                    says("intake.error.staff_offline_offer", names="赵六"), asks(Step.STAFF_PRESENT)
                ),
            ),
            (
                "孙丽、赵六",
                Again(
                    says("intake.error.staff_offline_offer", names="赵六"), asks(Step.STAFF_PRESENT)
                ),
            ),
            ("张伟", Again(says("intake.error.self_present"), asks(Step.STAFF_PRESENT))),
            ("孙丽、张伟", Again(says("intake.error.self_present"), asks(Step.STAFF_PRESENT))),
            (
                "郑红",
                Again(says("intake.error.staff_inactive", ref="郑红"), asks(Step.STAFF_PRESENT)),
            ),
            ("、", Again(says("intake.error.empty"), asks(Step.STAFF_PRESENT))),
            # In person there are no materials: the route and the originals are not asked.
            ("孙丽、王芳", says("intake.review")),
            # Typing at the review card shows it again, with its buttons.
            ("好了吗", (says("intake.review"), Buttons(SUBMIT, EDIT, WITHDRAW))),
        ],
    )

    row = await record_row(db, 1)
    # In person: received as it was made, whatever receipt time was typed before the channel.
    assert row["received_at"] == local("2026-03-06 07:30")
    assert row["inquiry_at"] == local("2026-03-06 07:30")
    assert (row["channel"], row["inquirer_name"], row["inquirer_unit"]) == (
        Channel.IN_PERSON,
        "王某",
        "温县某局",
    )
    assert (row["retired"], row["main_leader"], row["serious"]) == (False, False, False)
    assert (row["case_name"], row["case_number"], row["case_not_filed"]) == (
        CASE_NAME,
        CASE_NUMBER,
        False,
    )
    assert (row["summary"], row["art9_items"], row["place"]) == (
        "要求关照原告",
        [1, 4],
        "本院接待室",
    )
    assert (row["persons_present"], row["material_route"]) == ("无", None)
    assert (row["material_route"], row["originals_destination"]) == (None, None)
    assert row["fields"].get("skipped", []) == []
    # Not one wrong answer reached the record.
    values = [e.payload for e in await events_of(db, 1) if e.kind == AuditKind.FIELD_SET]
    wrong = ("王王", "飞鸽传书", "豫9999", "民乙", "局机关", "赵六")
    assert [v for v in values if any(w in v for w in wrong)] == []


async def court_member(bot: DialogueBot, name: str) -> Staff:
    """A registered staff member of 民一庭 whose account has been disabled."""
    person = await add_person(bot.db, bot.clock, name, [], user_id=f"u-{name}")
    async with bot.db.transaction() as session:
        fresh = await session.get(Staff, person.id)
        assert fresh is not None
        assert await staff_repo.disable_staff(session, fresh, at=bot.clock.now(), actor="test")
        return fresh


@pytest.mark.parametrize(
    ("typed", "number", "not_filed"),
    [
        pytest.param("(2026)豫0825民初123号", CASE_NUMBER, False, id="half-width-brackets"),
        pytest.param("〔2026〕豫0825民初123号", CASE_NUMBER, False, id="hexagonal-brackets"),
        pytest.param(
            "（２０２６）豫0825民初123", CASE_NUMBER, False, id="full-width-digits-no-hao"
        ),
        pytest.param("( 2026 ) 豫0825 民初 123 号", CASE_NUMBER, False, id="spaces"),
        pytest.param("（2025）豫0825执9号", "（2025）豫0825执9号", False, id="last-year"),
        pytest.param("尚未立案", None, True, id="typed-not-filed"),
        pytest.param("未立案。", None, True, id="typed-not-filed-short"),
    ],
)
async def test_the_case_number_forms_that_are_accepted(
    court: Court, db: Database, typed: str, number: str | None, not_filed: bool
) -> None:
    script = until(phone_record(), Step.CASE_NUMBER)
    await dialogue(court.chat("张伟"), [*script, (typed, Exactly(asks(Step.SUMMARY)))])
    row = await record_row(db, 1)
    assert (row["case_number"], row["case_not_filed"]) == (number, not_filed)


async def test_the_not_filed_button(court: Court, db: Database) -> None:
    script = until(phone_record(), Step.CASE_NUMBER)
    await dialogue(court.chat("张伟"), [*script, (Press(NOT_FILED), asks(Step.SUMMARY))])
    row = await record_row(db, 1)
    assert (row["case_number"], row["case_not_filed"]) == (None, True)
    assert "案号：尚未立案" in (await court.chat("张伟").say("/record #1"))[0]


@pytest.mark.parametrize(
    ("typed", "items"),
    [
        pytest.param("1,4", [1, 4], id="comma"),
        pytest.param("4、1", [1, 4], id="dunhao-unordered"),
        pytest.param("1，4 13", [1, 4, 13], id="full-width-comma-and-space"),
        pytest.param("无", [], id="none"),
        pytest.param("否", [], id="no"),
        pytest.param("没有", [], id="nothing"),
    ],
)
async def test_art9_typed(court: Court, db: Database, typed: str, items: list[int]) -> None:
    """Typed numbers tick their items, as their buttons would; "选好了" takes them."""
    script = until(phone_record(), Step.ART9)
    then = [] if not items else [(Press(ART9_DONE), Exactly(asks(Step.SERIOUS)))]
    step = Exactly(asks(Step.SERIOUS)) if not items else asks(Step.ART9)
    await dialogue(court.chat("张伟"), [*script, (typed, step), *then])
    assert (await record_row(db, 1))["art9_items"] == items


async def test_art9_none_button(court: Court, db: Database) -> None:
    script = until(phone_record(), Step.ART9)
    await dialogue(court.chat("张伟"), [*script, (Press(ART9_NONE), asks(Step.SERIOUS))])
    assert (await record_row(db, 1))["art9_items"] == []


# back, skip, edit


async def test_back_skip_and_edit(court: Court, db: Database) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", (asks_received("2026-03-06 10:00"), Buttons(CONFIRM_TIME))),
            ("back", Again(says("intake.error.no_back"), asks_received("2026-03-06 10:00"))),
            ("返回", Again(says("intake.error.no_back"), asks_received("2026-03-06 10:00"))),
            ("跳过", Again(says("intake.error.not_optional"), asks_received("2026-03-06 10:00"))),
            (Press(CONFIRM_TIME), (asks(Step.SOURCE), Offers(BACK), Lacks(SKIP))),
            # Back re-asks the receipt time, which quotes its current value.
            (Press(BACK), Exactly(asks_received("2026-03-06 10:00"))),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (Press(EXTERNAL), (asks(Step.INQUIRY_AT), Buttons(SAME_TIME, BACK, SKIP))),
            ("skip", asks(Step.CHANNEL)),
            # Going back shows what was skipped, and may be answered now.
            ("上一步", (asks(Step.INQUIRY_AT), current(says("card.skipped")))),
            (Press(SAME_TIME), asks(Step.CHANNEL)),
            (Press(lab(Channel.PHONE)), asks(Step.INQUIRER_NAME)),
            ("王某", asks(Step.INQUIRER_UNIT)),
            ("back", (asks(Step.INQUIRER_NAME), current("王某"), Buttons(BACK))),
            ("王某某", asks(Step.INQUIRER_UNIT)),
            ("skip", Again(says("intake.error.not_optional"), asks(Step.INQUIRER_UNIT))),
            ("温县某局", asks(Step.INQUIRER_POSITION)),
            (Press(BACK), (asks(Step.INQUIRER_UNIT), current("温县某局"))),
            (Press(BACK), (asks(Step.INQUIRER_NAME), current("王某某"))),
            (Press(BACK), (asks(Step.CHANNEL), current_choice(lab(Channel.PHONE)))),
            (Press(lab(Channel.PHONE)), asks(Step.INQUIRER_POSITION)),
            *phone_record()[7:-1],
            # Edit from the review card: each applicable field is offered.
            (
                Press(EDIT),
                (
                    says("intake.edit_which"),
                    Offers(says("card.channel"), says("card.department"), says("card.art9")),
                    Lacks(says("card.place"), says("card.staff_present")),
                ),
            ),
            (Press(says("card.channel")), (asks(Step.CHANNEL), current_choice(lab(Channel.PHONE)))),
            # In person now: the questions that now apply are asked, then the review again.
            (Press(lab(Channel.IN_PERSON)), asks(Step.PLACE)),
            ("院门口", (asks(Step.PERSONS_PRESENT), Buttons(NONE, BACK))),
            (Press(NONE), asks(Step.STAFF_PRESENT)),
            (
                Press(NONE),
                (
                    says("intake.review"),
                    "过问方式：当面（口头）",
                    "地点：院门口",
                    "在场人员：无",
                    "在场本院人员：无",
                ),
            ),
            # Another channel, one that needs saying what it was.
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.channel")), current_choice(lab(Channel.IN_PERSON))),
            (Press(lab(Channel.OTHER)), asks(Step.CHANNEL_OTHER)),
            ("", Again(says("intake.error.empty"), asks(Step.CHANNEL_OTHER))),
            # A fax brings materials: how they came and where the original went are asked.
            ("传真", asks(Step.ROUTE)),
            (Press(lab(MaterialRoute.DIRECT)), asks(Step.ORIGINALS)),
            (
                Press(lab(OriginalsDestination.SUB_FILE)),
                (says("intake.review"), "具体方式：传真", Lacks("地点：院门口")),
            ),
            # The department: a name that is not one is refused; its buttons work.
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.department")), (asks(Step.DEPARTMENT), current("民一庭"))),
            (
                "民九庭",
                Again(says("intake.error.department", name="民九庭"), asks(Step.DEPARTMENT)),
            ),
            (Press("刑事审判庭"), (says("intake.review"), "承办部门：刑事审判庭")),
            (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
        ],
    )
    row = await record_row(db, 1)
    assert (row["inquirer_name"], row["inquirer_unit"]) == ("王某某", "温县某局")
    assert (row["channel"], row["channel_other"], row["place"]) == (Channel.OTHER, "传真", "院门口")
    assert row["inquiry_at"] == row["received_at"]
    assert row["department_id"] == court.staff["周强"].department_id
    assert (row["persons_present"], row["fields"].get("skipped", [])) == ("无", [])


async def test_the_department_question_offers_the_departments_that_handle_cases(
    court: Court,
) -> None:
    """Where handlers work, the judge's own first: 信息技术科 or 纪检监察室 handle no case."""
    judge = court.chat("张伟")
    script = phone_record()[:-1]
    await dialogue(
        judge,
        [
            *script,
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.department")), Buttons("民一庭", "刑事审判庭", BACK)),
        ],
    )


# cancel


async def test_cancel_asks_a_reason_and_keeps_the_draft_for_the_integrity_officer(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            *until(phone_record(), Step.INQUIRER_NAME),
            ("/cancel", Exactly(says("intake.cancel_reason", title="草稿 #1"))),
            # /cancel again: the draft is kept, and the question it was at comes back.
            (
                "/cancel",
                Exactly(
                    says("intake.cancel_kept", title="草稿 #1"),
                    asks(Step.INQUIRER_NAME),
                ),
            ),
            ("王某", asks(Step.INQUIRER_UNIT)),
            ("/cancel", Exactly(says("intake.cancel_reason", title="草稿 #1"))),
            ("  ", Exactly(says("intake.error.cancel_reason"))),
            ("与草稿 #2 重复", Exactly(says("intake.withdrawn", title="草稿 #1"))),
            ("温县某局", Exactly(says("help.hint", name="张伟"))),
            ("/cancel", Exactly(says("common.nothing_to_cancel"))),
        ],
    )
    row = await record_row(db, 1)
    assert (row["status"], row["withdraw_reason"]) == (RecordStatus.WITHDRAWN, "与草稿 #2 重复")
    assert (row["inquirer_name"], row["inquirer_unit"]) == ("王某", None)
    assert [e.kind for e in await events_of(db, 1)][-1] == AuditKind.WITHDRAWN

    officer, other_officer = court.chat("钱进"), court.chat("吴敏")
    [listed] = await officer.say("/withdrawn")
    assert listed.startswith(says("views.withdrawn", count=1))
    assert "草稿 #1" in listed and "张伟" in listed and "与草稿 #2 重复" in listed
    [card] = await officer.say("/record #1")
    assert "过问人：王某" in card and says("card.withdrawn", reason="与草稿 #2 重复") in card
    assert await other_officer.say("/withdrawn") == [says("views.withdrawn_empty")]
    assert await other_officer.say("/record #1") == [says("views.not_found", ref="#1")]
    # An integrity officer of no department (a row from before one was required) is shown none.
    officer_row = await add_person(
        db, court.bot.clock, "冯涛", [Role.INTEGRITY_OFFICER], department="立案庭", user_id="ft"
    )
    async with db.transaction() as session:
        await session.execute(
            update(Staff).where(Staff.id == officer_row.id).values(department_id=None)
        )
    assert await Person(court.bot, "ft", "冯涛").say("/withdrawn") == [
        says("views.withdrawn_empty")
    ]
    assert await court.chat("李刚").say("/withdrawn") == [listed]
    # The handler cannot resume a withdrawn draft.
    assert await judge.say("/resume #1") == [says("intake.error.no_such_draft", ref="#1")]


async def test_cancel_with_a_reason_at_once_and_from_the_review_card(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/new", asks_received("2026-03-06 10:00")),
            ("/cancel 误操作", Exactly(says("intake.withdrawn", title="草稿 #1"))),
            *phone_record(draft=2)[:-1],
            (Press(WITHDRAW), Exactly(says("intake.cancel_reason", title="草稿 #2"))),
            ("/cancel", (says("intake.cancel_kept", title="草稿 #2"), says("intake.review"))),
            (Press(WITHDRAW), Exactly(says("intake.cancel_reason", title="草稿 #2"))),
            ("当事人已撤诉", Exactly(says("intake.withdrawn", title="草稿 #2"))),
        ],
    )
    records = await all_records(db)
    assert [(r.status, r.withdraw_reason) for r in records] == [
        (RecordStatus.WITHDRAWN, "误操作"),
        (RecordStatus.WITHDRAWN, "当事人已撤诉"),
    ]
    assert [r.number for r in records] == [None, None]


async def test_a_name_two_staff_members_share_asks_for_a_number(court: Court, db: Database) -> None:
    other = await add_person(db, court.bot.clock, "孙丽", [Role.HANDLER], department="刑事审判庭")
    script = until(phone_record(), Step.CHANNEL)
    await dialogue(
        court.chat("张伟"),
        [
            *script,
            (Press(lab(Channel.IN_PERSON)), asks(Step.INQUIRER_NAME)),
            *phone_record()[5:14],
            ("要求关照", asks(Step.ART9)),
            (Press(ART9_NONE), asks(Step.SERIOUS)),
            (Press(NO), asks(Step.PLACE)),
            ("本院门口", asks(Step.PERSONS_PRESENT)),
            (Press(NONE), asks(Step.STAFF_PRESENT)),
            (
                "孙丽",
                Again(says("intake.error.staff_ambiguous", ref="孙丽"), asks(Step.STAFF_PRESENT)),
            ),
            (f"{other.id}、王芳", says("intake.review")),
        ],
    )
    assert (
        "在场本院人员：孙丽（待确认）、王芳（待确认）"
        in (await court.chat("张伟").say("/record #1"))[0]
    )


async def test_a_lost_reply_and_the_answer_sent_again_files_nothing_under_the_wrong_question(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """The answer is committed but its reply (the next question) never leaves; the judge,
    seeing no question, sends the same answer again. It answers the question before, so it
    must not be stored as the next field (seen: the inquirer's name as their work unit)."""
    judge = court.chat("张伟")
    await dialogue(judge, until(phone_record(), Step.INQUIRER_NAME))
    bot.transport.lose = 1  # the next question is lost, after the commit
    assert await judge.act("王某") == []
    bot.restart()

    replies = await judge.act("王某")
    texts = [reply.text for reply in replies]
    # The lost question comes first, then the repeat is recognised and the question re-asked.
    assert texts[0].startswith(says("reply.resent"))
    assert asks(Step.INQUIRER_UNIT) in texts[0]
    assert says("intake.repeat_answer", text="王某", field=says("card.inquirer_name")) in texts
    assert asks(Step.INQUIRER_UNIT) in texts[-1]
    [record] = await all_records(db)
    assert (record.inquirer_name, record.inquirer_unit) == ("王某", None)

    await dialogue(judge, [("温县某局", asks(Step.INQUIRER_POSITION))])
    [record] = await all_records(db)
    assert (record.inquirer_name, record.inquirer_unit) == ("王某", "温县某局")


async def test_the_same_text_sent_again_at_the_re_asked_question_is_its_answer(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """Two questions may truly have one answer: said twice, it is taken."""
    judge = court.chat("张伟")
    await dialogue(judge, until(phone_record(), Step.INQUIRER_NAME))
    await dialogue(
        judge,
        [
            ("王某", asks(Step.INQUIRER_UNIT)),
            (
                "王某",
                (
                    says("intake.repeat_answer", text="王某", field=says("card.inquirer_name")),
                    asks(Step.INQUIRER_UNIT),
                ),
            ),
            ("王某", asks(Step.INQUIRER_POSITION)),
        ],
    )
    [record] = await all_records(db)
    assert (record.inquirer_name, record.inquirer_unit) == ("王某", "王某")


async def test_none_typed_at_two_questions_in_a_row_is_each_ones_answer(
    court: Court, db: Database
) -> None:
    """No persons present and no court staff present: 无 is the natural answer to both, so
    the second is taken, not refused as the first answer sent again."""
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            *phone_record()[:-1],
            (Press(EDIT), says("intake.edit_which")),
            (Press(says("card.channel")), current_choice(lab(Channel.PHONE))),
            (Press(lab(Channel.IN_PERSON)), asks(Step.PLACE)),
            ("院门口", asks(Step.PERSONS_PRESENT)),
            ("无", asks(Step.STAFF_PRESENT)),
            ("无", (says("intake.review"), "在场人员：无", "在场本院人员：无")),
        ],
    )
    row = await record_row(db, 1)
    assert row["persons_present"] == "无"


NONE_TYPED = st.sampled_from(sorted(NONE_WORDS | SKIP_WORDS)).flatmap(
    lambda word: st.tuples(st.just(word), st.sampled_from(["", " ", "  "]), st.booleans())
)


@given(
    before=st.sampled_from(list(Step)),
    at=st.sampled_from(list(Step)),
    typed=NONE_TYPED,
)
def test_a_none_is_never_taken_for_the_last_answer_resent(
    before: Step, at: Step, typed: tuple[str, str, bool]
) -> None:
    """For every pair of questions: a "none" or a skip, however spaced or cased, answered at
    one question and typed again at the next, is the next one's answer; any other answer
    typed again there is recognised as resent."""
    word, space, upper = typed
    text = space + (word.upper() if upper else word) + space
    field = BY_STEP.get(at.value)
    assume(field is not None and before is not at)
    assert field is not None
    state = DraftState(asked=2, answer=LastAnswer(question=1, step=before.value, text=text.strip()))
    assert not repeats_last_answer(state, field, text)
    other = DraftState(asked=2, answer=LastAnswer(question=1, step=before.value, text="王某"))
    assert repeats_last_answer(other, field, "王某")


def test_a_skipped_question_answers_only_an_optional_one() -> None:
    """Every question: skipped, an optional one is answered; a required one (the persons
    present, Art. 3, among them) is asked again, however a draft came to skip it."""
    for field in FIELDS:
        record = Record(fields={"skipped": [field.step.value]})
        assert bool(field.answered(record)) == field.optional, field.step
    assert not BY_STEP[Step.PERSONS_PRESENT.value].optional


async def test_a_question_skipped_at_the_intake_reads_skipped_once_submitted(
    court: Court, db: Database
) -> None:
    """Skipped is not answered, and not "none": the submitted record's card says so."""
    judge = court.chat("张伟")
    script = phone_record()
    at = script.index(next(step for step in script if step[0] == Press(SAME_TIME)))
    script[at] = (Press(SKIP), asks(Step.CHANNEL))
    await dialogue(judge, script)
    skipped = says("card.line", label=says("card.inquiry_at"), value=says("card.skipped"))
    replies = await judge.act("/record 温法过问〔2026〕1号")
    assert any(skipped in reply.text.splitlines() for reply in replies), replies
