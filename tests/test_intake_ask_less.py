"""Asking less: what the intake can infer is put to the judge as one confirmation.

Scripted dialogues (STYLE.md example 2) with ``[intake] propose`` on, as ``guowen`` runs by
default: a forwarded WeChat screenshot from a first-time cadre and then from the same cadre
again, each with its count of the judge's actions (the forward, each answer, submit); a
cadre whose position changed; two cadres of one name; a voice message; ``/new`` for a phone
call and for an inquiry in person.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    AFTER_NEW,
    AFTER_VOICE,
    BACK,
    CASE_NAME,
    CASE_NUMBER,
    CATEGORIES,
    NO,
    SUBMIT,
    YES,
    Action,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Expect,
    Forward,
    Lacks,
    Press,
    amr_bytes,
    asks,
    asks_received,
    dialogue,
    lab,
    local,
    open_court,
    png_bytes,
    record_row,
    says,
    settings_for,
)

from handlers.fields import Step
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.db import Database
from storage.inquirers import KnownInquirer, known
from storage.models import Record
from storage.vocabulary import (
    Channel,
    Intermediary,
    MaterialRoute,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
)

OK = says("intake.proposed.ok")
CHANGED = says("intake.proposed.change")
UNIT = "温县住房和城乡建设局"
CAPTION = "县住建局王局长微信，让关照原告"


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    return DialogueBot(db, clock, settings_for(tmp_path, propose=True))


@pytest.fixture
async def court(bot: DialogueBot) -> Court:
    return await open_court(bot)


def proposed(*lines: tuple[str, str], directory: bool = False, other_time: bool = False) -> str:
    """The proposals message: its lines (the field's card label, the value shown)."""
    text = [says("intake.proposed.intro")]
    text += [says("card.line", label=says(f"card.{step}"), value=value) for step, value in lines]
    if directory:
        text.append(says("intake.proposed.from_directory"))
    if other_time:
        text.append(says("intake.proposed.other_time"))
    return "\n".join(text)


def received_by_wechat(time: str) -> str:
    return proposed(
        ("received_at", time),
        ("source", says("intake.source.external")),
        ("inquiry_at", says("intake.proposed.same_time", time=time)),
        ("channel", lab(Channel.WECHAT)),
        other_time=True,
    )


USUAL_PERSON = (("main_leader", NO), ("intermediary", lab(Intermediary.NONE)))
USUAL_END = proposed(
    ("art9", says("intake.art9_none")),
    ("serious", NO),
    ("route", lab(MaterialRoute.DIRECT)),
    ("originals", lab(OriginalsDestination.NO_ORIGINAL)),
)
KNOWN_WANG = (
    ("inquirer_unit", UNIT),
    ("inquirer_position", "局长"),
    ("unit_category", lab(UnitCategory.GOVERNMENT)),
    ("retired", NO),
)


def screenshot(bot: DialogueBot, at: str) -> Forward:
    photo = bot.file(AttachmentKind.PHOTO, png_bytes(), mime="image/jpeg")
    return Forward(photo, caption=CAPTION, at=local(at), sender="王建国")


def first_time(bot: DialogueBot, number: str, draft: int) -> list[tuple[Action, Expect]]:
    """A forwarded WeChat screenshot from 王建国, whom the court has not recorded before."""
    return [
        (
            screenshot(bot, "2026-03-05 20:15"),
            Exactly(
                says("intake.started_with_files", title=f"草稿 #{draft}", count=1),
                # The caption, typed by the judge, is the summary; they are told so.
                says("intake.caption_summary", caption=CAPTION),
                received_by_wechat("3月5日（周四）20:15"),
            ),
        ),
        (Press(OK), Exactly(asks(Step.INQUIRER_NAME))),
        ("王建国", Exactly(asks(Step.INQUIRER_UNIT))),
        (UNIT, asks(Step.INQUIRER_POSITION)),
        ("局长", (asks(Step.UNIT_CATEGORY), Buttons(*CATEGORIES, BACK))),
        (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.RETIRED)),
        (Press(NO), Exactly(proposed(*USUAL_PERSON))),
        (Press(OK), Exactly(asks(Step.CASE_NAME))),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        ("(2026)豫0825民初123号", Exactly(USUAL_END)),
        (Press(OK), (says("intake.review"), f"过问内容：{CAPTION}", "原件去向：无书面原件")),
        (Press(SUBMIT), says("intake.submitted", number=number)),
    ]


async def test_a_screenshot_from_a_first_time_cadre_takes_twelve_actions_and_a_known_one_eight(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    script = first_time(bot, "温法过问〔2026〕1号", 1)
    assert len(script) <= 12
    await dialogue(judge, script)

    again = [
        (
            screenshot(bot, "2026-03-06 09:40"),
            received_by_wechat("3月6日（周五）09:40"),
        ),
        (Press(OK), Exactly(asks(Step.INQUIRER_NAME))),
        # The court has recorded him: his unit, position, category and retirement are
        # proposed with the usual answers, for one tap.
        ("王建国", Exactly(proposed(*KNOWN_WANG, *USUAL_PERSON, directory=True))),
        (Press(OK), Exactly(asks(Step.CASE_NAME))),
        ("某公司诉某局行政处罚案", asks(Step.CASE_NUMBER)),
        ("（2026）豫0825行初7号", Exactly(USUAL_END)),
        (Press(OK), (says("intake.review"), f"所在单位：{UNIT}", "职务：局长")),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕2号")),
    ]
    assert len(again) <= 8
    await dialogue(judge, again)

    first, second = await record_row(db, 1), await record_row(db, 2)
    same = (
        "kind",
        "inquirer_name",
        "inquirer_unit",
        "inquirer_position",
        "unit_category",
        "retired",
        "main_leader",
        "intermediary",
        "channel",
        "art9_items",
        "serious",
        "material_route",
        "originals_destination",
        "summary",
    )
    assert {k: second[k] for k in same} == {k: first[k] for k in same}
    assert second["status"] == RecordStatus.SUBMITTED
    assert second["inquiry_at"] == second["received_at"] == local("2026-03-06 09:40")
    assert (first["channel"], first["material_route"]) == (Channel.WECHAT, MaterialRoute.DIRECT)


async def test_a_known_cadre_who_changed_is_asked_one_by_one_with_the_old_answers_offered(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, first_time(bot, "温法过问〔2026〕1号", 1))
    await dialogue(
        judge,
        [
            (screenshot(bot, "2026-03-06 09:40"), says("intake.proposed.intro")),
            (Press(OK), asks(Step.INQUIRER_NAME)),
            ("王建国", says("intake.proposed.from_directory")),
            (Press(CHANGED), (asks(Step.INQUIRER_UNIT), Buttons(UNIT, BACK))),
            (Press(UNIT), (asks(Step.INQUIRER_POSITION), Buttons("局长", BACK))),
            ("副县长", asks(Step.UNIT_CATEGORY)),
            (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.RETIRED)),
            (Press(NO), asks(Step.MAIN_LEADER)),
            (Press(YES), asks(Step.INTERMEDIARY)),
            (Press(lab(Intermediary.NONE)), asks(Step.CASE_NAME)),
        ],
    )
    row = await record_row(db, 2)
    assert (row["inquirer_unit"], row["inquirer_position"], row["main_leader"]) == (
        UNIT,
        "副县长",
        True,
    )


async def test_two_cadres_of_one_name_are_told_apart_by_their_unit(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, first_time(bot, "温法过问〔2026〕1号", 1))
    async with db.transaction() as session:
        assert await known(session, "王建国") == [
            KnownInquirer(UNIT, "局长", UnitCategory.GOVERNMENT, False)
        ]
        # Drafts and other names are not in the directory.
        assert await known(session, "王某") == []
    async with db.transaction() as session:
        moment = local("2026-03-01 09:00")
        session.add(
            Record(
                status=RecordStatus.SUBMITTED.value,
                kind=RecordKind.EXTERNAL.value,
                handler_id=court.id("孙丽"),
                department_id=court.staff["孙丽"].department_id,
                received_at=moment,
                received_confirmed=True,
                created_at=moment,
                submitted_at=moment,
                inquirer_name="王建国",
                inquirer_unit="温县财政局",
                inquirer_position="局长",
                unit_category=UnitCategory.GOVERNMENT.value,
                retired=False,
                fields={},
            )
        )
    async with db.transaction() as session:
        assert {k.unit for k in await known(session, "王建国")} == {UNIT, "温县财政局"}

    await dialogue(
        judge,
        [
            (screenshot(bot, "2026-03-06 09:50"), says("intake.proposed.intro")),
            (Press(OK), asks(Step.INQUIRER_NAME)),
            # Two people of that name: the unit is asked, then the rest proposed.
            ("王建国", Exactly(asks(Step.INQUIRER_UNIT))),
            (
                "温县财政局",
                Exactly(
                    proposed(
                        *(("inquirer_position", "局长"),),
                        *KNOWN_WANG[2:],
                        *USUAL_PERSON,
                        directory=True,
                    )
                ),
            ),
        ],
    )


async def test_a_voice_is_proposed_as_wechat_with_the_phone_next(
    bot: DialogueBot, court: Court
) -> None:
    judge = court.chat("张伟")
    voice = bot.file(AttachmentKind.VOICE, amr_bytes(), mime="audio/amr", duration_s=3)
    await dialogue(
        judge,
        [
            (
                Forward(voice),
                Exactly(
                    says("intake.started_with_files", title="草稿 #1", count=1),
                    received_by_wechat("3月6日（周五）10:00"),
                ),
            ),
            (Press(CHANGED), asks_received("2026-03-06 10:00")),
            (Press(says("intake.confirm_time")), asks(Step.SOURCE)),
            (Press(says("intake.source.external")), asks(Step.INQUIRY_AT)),
            (Press(says("intake.same_time")), (asks(Step.CHANNEL), Buttons(*AFTER_VOICE, BACK))),
        ],
    )


async def test_a_phone_call_through_new_is_not_asked_about_materials(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    script: list[tuple[Action, Expect]] = [
        (
            "/new",
            Exactly(
                says("intake.started", title="草稿 #1"),
                proposed(
                    ("received_at", "3月6日（周五）10:00"),
                    ("source", says("intake.source.external")),
                    ("inquiry_at", says("intake.proposed.same_time", time="3月6日（周五）10:00")),
                    other_time=True,
                ),
            ),
        ),
        # The judge says otherwise: the call was earlier. It is said back at once.
        (
            "今天早上8点半",
            (
                says("intake.time_taken", field="过问时间", time="3月6日（周五）08:30"),
                asks(Step.CHANNEL),
                Buttons(*AFTER_NEW, BACK),
            ),
        ),
        (Press(lab(Channel.PHONE)), asks(Step.INQUIRER_NAME)),
        ("赵德明", asks(Step.INQUIRER_UNIT)),
        ("焦作市某区政府", asks(Step.INQUIRER_POSITION)),
        ("原区长", asks(Step.UNIT_CATEGORY)),
        (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.RETIRED)),
        (Press(YES), says("intake.proposed.intro")),
        (Press(CHANGED), asks(Step.MAIN_LEADER)),
        (Press(NO), asks(Step.INTERMEDIARY)),
        (Press(lab(Intermediary.RELATIVE)), asks(Step.INTERMEDIARY_NAME)),
        ("赵小红", asks(Step.INTERMEDIARY_RELATION)),
        ("女儿", asks(Step.CASE_NAME)),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        (CASE_NUMBER, asks(Step.SUMMARY)),
        (
            "打电话说其父亲让关照被告",
            Exactly(proposed(("art9", says("intake.art9_none")), ("serious", NO))),
        ),
        (Press(OK), (says("intake.review"), Lacks("材料到达方式", "原件去向"))),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    assert len(script) == 18  # 22 when each question was asked on its own
    await dialogue(judge, script)
    row = await record_row(db, 1)
    assert (row["material_route"], row["originals_destination"]) == (None, None)
    assert row["inquiry_at"] == local("2026-03-06 08:30")
