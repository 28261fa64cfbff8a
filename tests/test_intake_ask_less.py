"""Asking less: what the intake can infer is put to the judge as one confirmation.

Scripted dialogues (STYLE.md example 2) with ``[intake] propose`` on, as ``guowen`` runs by
default: the five journeys, each with its count of the judge's actions (the forward, each
answer, submit) — a forwarded WeChat screenshot from a first-time cadre and then from the
same cadre again, with the receipt time taken or the real time typed; an album of three; a
voice message; ``/new`` in person with two colleagues present; ``/new`` for a phone call
through a relative. Then: a cadre whose position changed; two cadres of one name.

Art. 9's items and seriousness (Art. 7) are never proposed: they are asked every time, as one
question whose one tap says "none, and not serious", or, with items ticked, "these, and not
serious".

Actions at the start of this design → with Art. 9 and seriousness asked, a typed time
confirming the rest, the route and originals confirmed by submitting the review → with the
unit category and the retired flag proposed too → with a known cadre's unit and position
asked again, what earlier records the judge may open wrote offered as one press (a name is
no identity: a namesake's answers were once taken unasked):

=================================  =====  =====  =====  =====
journey                            first  asked  more   now
=================================  =====  =====  =====  =====
WeChat screenshot, first-time      12     12     10     11
  … the real time typed            13     12     10     11
WeChat screenshot, known cadre     8      8      8      11
  … the real time typed            9      8      8      11
album of 3 (one forward)           12     12     10     11
voice                              13     13     11     11
in person, two present (time)      17     17     15     15
phone through a relative (time)    18     18     18     18
=================================  =====  =====  =====  =====

(The screenshots came with a caption: it is offered when the summary is asked, one press,
never taken as the summary unasked; that press is the one more action in "now".)

The trial's own journeys, replayed answer for answer (no caption, so 过问内容 is asked;
Art. 9 items typed, then "选好了，情节不严重"; a known cadre's unit and position pressed):
a first-time cadre 12 (13 with seriousness asked apart), a known one 11.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import pytest
from dialogue import (
    AFTER_NEW,
    AFTER_VOICE,
    ART9_DONE,
    ART9_DONE_CLEAR,
    ART9_NONE,
    BACK,
    CASE_NAME,
    CASE_NUMBER,
    CHANNELS,
    KEPT,
    NO,
    NOT_FILED,
    START_NEW,
    SUBMIT,
    USE_CAPTION,
    YES,
    Action,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Expect,
    Forward,
    Lacks,
    Offers,
    Press,
    amr_bytes,
    art9,
    asks,
    asks_channel,
    asks_received,
    asks_summary,
    cosigners_of,
    dialogue,
    events_of,
    lab,
    local,
    open_court,
    png_bytes,
    proposing_bot,
    record_row,
    says,
    settings_for,
)

from handlers.fields import Step
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage import inquirers
from storage.db import Database
from storage.models import Record, Staff
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
SHOTS = itertools.count(96)
"""Each screenshot another inquiry's, so other bytes (the same bytes again are asked about)."""
CHANGED = says("intake.proposed.change")
CLEAR = says("intake.art9_clear")
EDIT = says("intake.edit")
WITHDRAW = says("intake.withdraw")
UNIT = "温县住房和城乡建设局"
CAPTION = "县住建局王局长微信，让关照原告"
ART9_BUTTONS = (
    *(art9(n) for n in range(1, 15)),
    CLEAR,
    ART9_NONE,
    ART9_DONE,
    ART9_DONE_CLEAR,
    BACK,
)


bot = proposing_bot()


def asks_earlier(step: Step) -> str:
    """A unit or position question with what earlier records wrote offered below it."""
    return asks(step) + "\n" + says("intake.earlier_offer")


def actions(script: Sequence[tuple[Action, Expect]]) -> int:
    """The judge's actions: each step, but an album's photos are one forward."""
    albums = [a.album for a, _ in script if isinstance(a, Forward) and a.album is not None]
    return len(script) - len(albums) + len(set(albums))


def proposed(
    *lines: tuple[str, str],
    intro: str = "intake.proposed.intro",
    other_time: bool = False,
    hint: str = "other_time",
) -> str:
    """The proposals message: its lines (the field's card label, the value shown), and with
    ``other_time`` the hint ``intake.proposed.<hint>`` under them."""
    text = [says(intro)]
    text += [says("card.line", label=says(f"card.{step}"), value=value) for step, value in lines]
    if other_time:
        text.append(says(f"intake.proposed.{hint}"))
    return "\n".join(text)


def received_by_wechat(time: str, *, sent: bool = False) -> str:
    """The card of a message proposed as WeChat: a time typed is its receipt time too, as the
    hint says; ``sent``: no chat service stated when it was sent, else the stated time stays
    while the time typed agrees with it."""
    return proposed(
        ("received_at", time),
        ("source", says("intake.source.external")),
        ("inquiry_at", says("intake.proposed.same_time", time=time)),
        ("channel", lab(Channel.WECHAT)),
        other_time=True,
        hint="other_time_sent" if sent else "other_time_stated",
    )


def received_unread(time: str) -> str:
    """The card of material that shows no channel (a picture nothing is read in, a voice): its
    times and source proposed, the channel asked after them, never presumed."""
    return proposed(
        ("received_at", time),
        ("source", says("intake.source.external")),
        ("inquiry_at", says("intake.proposed.same_time", time=time)),
        other_time=True,
    )


USUAL_PERSON = (("main_leader", NO), ("intermediary", lab(Intermediary.NONE)))
NEW_WANG = (("unit_category", lab(UnitCategory.GOVERNMENT)), ("retired", NO))
# Typed at the first proposals: the inquiry's real time; the other three go with it.
REST = says("intake.proposed.confirmed", fields="收到时间、来源、过问方式")


def sent_at(time: str) -> Exactly:
    """A time typed at a forwarded WeChat message's card: its receipt time too, and the next
    question."""
    return Exactly(
        says("intake.proposed.confirmed", fields="来源、过问方式"),
        says("intake.proposed.received_when_sent", time=time),
        taken(time),
        asks(Step.INQUIRER_NAME),
    )


def unread_at(time: str) -> Exactly:
    """A time typed at the card of material that shows no channel: the inquiry's time, the
    channel asked next (the receipt time follows once it is a message's)."""
    return Exactly(
        says("intake.proposed.confirmed", fields="收到时间、来源"),
        taken(time),
        asks_channel(),
    )


def by_wechat_sent_at(time: str) -> Exactly:
    """WeChat pressed after the inquiry's time: a message arrives when sent, so its receipt
    time moves to that time, and the next question."""
    return Exactly(
        says("intake.proposed.received_when_sent", time=time),
        asks(Step.INQUIRER_NAME),
    )


def taken(time: str) -> str:
    return says("intake.time_taken", field="过问时间", time=time)


def on_review(*lines: str) -> tuple[str, ...]:
    """The review card that shows the route and originals as proposed: submitting confirms."""
    return (
        says("intake.review") + "\n" + says("intake.review_proposed"),
        *lines,
        "材料到达方式：直接到达承办人（推定，待确认）",
        "原件去向：无书面原件（推定，待确认）",
    )


def screenshot(bot: DialogueBot, at: str) -> Forward:
    photo = bot.file(AttachmentKind.PHOTO, png_bytes((7, 193, next(SHOTS))), mime="image/jpeg")
    return Forward(photo, caption=CAPTION, at=local(at), sender="王建国")


NEW_OR_EVIDENCE = says("intake.submitted_choice_first", what="1 个文件", kept=KEPT)
"""A screenshot once a record is submitted: evidence for it (Art. 3), or a new record?"""


def first_time(
    bot: DialogueBot, number: str, draft: int, *, typed: tuple[str, str] | None = None
) -> list[tuple[Action, Expect]]:
    """A forwarded WeChat screenshot from 王建国, whom the court has not recorded before;
    ``typed``: the inquiry's real time as typed, and as said back."""
    times: tuple[Action, Expect] = (Press(OK), Exactly(asks(Step.INQUIRER_NAME)))
    if typed is not None:
        times = (typed[0], sent_at(typed[1]))  # against the stated time: the receipt's too
    return [
        (
            screenshot(bot, "2026-03-05 20:15"),
            Exactly(
                says("intake.started_with_files", title=f"草稿 #{draft}", count=1),
                # The caption, typed by the judge, is offered for the summary; they are told.
                says("intake.caption_offered", caption=CAPTION),
                received_by_wechat("3月5日（周四）20:15"),
            ),
        ),
        times,
        ("王建国", Exactly(asks(Step.INQUIRER_UNIT))),
        (UNIT, asks(Step.INQUIRER_POSITION)),
        # The unit's name says 行政机关; not retired unless the position says otherwise.
        ("局长", Exactly(proposed(*NEW_WANG, *USUAL_PERSON, intro="intake.proposed.intro_plain"))),
        (Press(OK), Exactly(asks(Step.CASE_NAME))),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        # The summary is asked, the caption offered as one press.
        ("(2026)豫0825民初123号", (asks_summary(CAPTION), Buttons(USE_CAPTION, BACK))),
        # Art. 9 and seriousness: asked, never proposed; one tap when neither applies.
        (Press(USE_CAPTION), (Exactly(asks(Step.ART9)), Buttons(*ART9_BUTTONS))),
        (
            Press(CLEAR),
            (
                *on_review(
                    f"过问内容：{CAPTION}（取自随文件发来的文字）",
                    "特别报告事项：无",
                    "情节严重：否",
                ),
                Buttons(SUBMIT, EDIT, WITHDRAW),
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number=number)),
    ]


def known_again(
    bot: DialogueBot, *, typed: tuple[str, str] | None = None
) -> list[tuple[Action, Expect]]:
    """The same cadre again, a day later: his unit and position are asked, what the court's
    earlier record wrote offered as one press each; category and retirement proposed."""
    times: tuple[Action, Expect] = (Press(OK), Exactly(asks(Step.INQUIRER_NAME)))
    if typed is not None:
        times = (typed[0], sent_at(typed[1]))  # against the stated time: the receipt's too
    return [
        (screenshot(bot, "2026-03-06 09:40"), Exactly(NEW_OR_EVIDENCE)),
        (Press(START_NEW), received_by_wechat("3月6日（周五）09:40")),
        times,
        # A name is no identity: the unit and position are asked, the earlier record's
        # answers offered as one press each, never taken unasked.
        ("王建国", (Exactly(asks_earlier(Step.INQUIRER_UNIT)), Buttons(UNIT, BACK))),
        (Press(UNIT), (Exactly(asks_earlier(Step.INQUIRER_POSITION)), Buttons("局长", BACK))),
        (
            Press("局长"),
            Exactly(proposed(*NEW_WANG, *USUAL_PERSON, intro="intake.proposed.intro_plain")),
        ),
        (Press(OK), Exactly(asks(Step.CASE_NAME))),
        ("某公司诉某局行政处罚案", asks(Step.CASE_NUMBER)),
        ("（2026）豫0825行初7号", asks_summary(CAPTION)),
        (Press(USE_CAPTION), Exactly(asks(Step.ART9))),
        (
            Press(CLEAR),
            (
                *on_review("特别报告事项：无", "情节严重：否"),
                Lacks("（推定，待确认）所在单位", "所在单位：温县住房和城乡建设局（推定"),
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕2号")),
    ]


@pytest.mark.parametrize(
    ("first", "again"),
    [
        pytest.param(None, None, id="receipt-time"),
        pytest.param(
            ("昨天下午6点", "3月5日（周四）18:00"),
            ("今天早上8点", "3月6日（周五）08:00"),
            id="typed-time",
        ),
    ],
)
async def test_a_screenshot_from_a_first_time_cadre_and_a_known_one_take_eleven_actions(
    bot: DialogueBot,
    court: Court,
    db: Database,
    first: tuple[str, str] | None,
    again: tuple[str, str] | None,
) -> None:
    judge = court.chat("张伟")
    script = first_time(bot, "温法过问〔2026〕1号", 1, typed=first)
    assert actions(script) == 11  # 12 when the category and retired were asked
    await dialogue(judge, script)
    second_script = known_again(bot, typed=again)
    # 9 when a namesake's answers were taken unasked; one press says it is a new record.
    assert actions(second_script) == 12
    await dialogue(judge, second_script)

    first_row, second = await record_row(db, 1), await record_row(db, 2)
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
    assert {k: second[k] for k in same} == {k: first_row[k] for k in same}
    assert second["status"] == RecordStatus.SUBMITTED
    assert (first_row["art9_items"], first_row["serious"]) == ([], False)
    assert (first_row["channel"], first_row["material_route"]) == (
        Channel.WECHAT,
        MaterialRoute.DIRECT,
    )
    assert first_row["originals_destination"] == OriginalsDestination.NO_ORIGINAL
    if again is None:
        assert second["received_at"] == local("2026-03-06 09:40")
        assert second["inquiry_at"] == second["received_at"]
    else:  # the judge's time, against the stated send time, is the receipt time too
        assert second["inquiry_at"] == second["received_at"] == local("2026-03-06 08:00")
    # Every answer confirmed, the one tap's two and the review's two included, is audited.
    audited = {e.payload for e in await events_of(db, 2)}
    for column in ("art9_items", "serious", "material_route", "originals_destination"):
        assert any(f'"{column}"' in payload for payload in audited), column


async def test_an_album_of_three_is_one_forward_and_twelve_actions(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    photos = [bot.file(AttachmentKind.PHOTO, png_bytes((i * 60, 10, 10))) for i in range(1, 4)]
    at = local("2026-03-06 08:00")
    script: list[tuple[Action, Expect]] = [
        (
            Forward(photos[0], caption="三张截图：王局长让关照原告", album="a-3", at=at),
            (
                says("intake.started_with_files", title="草稿 #1", count=1),
                received_unread("3月6日（周五）08:00"),
            ),
        ),
        (Forward(photos[1], album="a-3", at=at), Exactly("记录（草稿 #1）已收到 2 个文件。")),
        (Forward(photos[2], album="a-3", at=at), Exactly("记录（草稿 #1）已收到 3 个文件。")),
        # Nothing in the pictures or the caption says how they came: the channel is asked.
        (Press(OK), (Exactly(asks_channel()), Buttons(*CHANNELS, BACK))),
        (Press(lab(Channel.WECHAT)), Exactly(asks(Step.INQUIRER_NAME))),
        ("王建国", asks(Step.INQUIRER_UNIT)),
        (UNIT, asks(Step.INQUIRER_POSITION)),
        ("局长", says("intake.proposed.intro_plain")),
        (Press(OK), asks(Step.CASE_NAME)),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        (CASE_NUMBER, asks_summary("三张截图：王局长让关照原告")),
        (Press(USE_CAPTION), Exactly(asks(Step.ART9))),
        (Press(CLEAR), on_review("过问内容：三张截图：王局长让关照原告（取自随文件发来的文字）")),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    assert actions(script) == 12  # 13 when the category and retired were asked
    await dialogue(court.chat("张伟"), script)
    row = await record_row(db, 1)
    assert (row["art9_items"], row["serious"], row["status"]) == ([], False, RecordStatus.SUBMITTED)


async def test_a_voice_takes_twelve_actions_its_channel_and_summary_asked(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    voice = bot.file(AttachmentKind.VOICE, amr_bytes(), mime="audio/amr", duration_s=3)
    script: list[tuple[Action, Expect]] = [
        (
            Forward(voice),
            Exactly(
                says("intake.started_with_files", title="草稿 #1", count=1),
                received_unread("3月6日（周五）10:00"),
            ),
        ),
        # A voice message is a WeChat voice or a call: named as likely, neither presumed.
        (
            Press(OK),
            (Exactly(asks_channel(Channel.WECHAT, Channel.PHONE)), Buttons(*CHANNELS, BACK)),
        ),
        (Press(lab(Channel.WECHAT)), asks(Step.INQUIRER_NAME)),
        ("王建国", asks(Step.INQUIRER_UNIT)),
        (UNIT, asks(Step.INQUIRER_POSITION)),
        ("局长", says("intake.proposed.intro_plain")),
        (Press(OK), asks(Step.CASE_NAME)),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        (CASE_NUMBER, Exactly(asks(Step.SUMMARY))),
        ("语音里让关照原告", Exactly(asks(Step.ART9))),
        (Press(CLEAR), on_review("过问内容：语音里让关照原告", "情节严重：否")),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    assert actions(script) == 12  # 14 when the category and retired were asked
    await dialogue(court.chat("张伟"), script)
    row = await record_row(db, 1)
    assert (row["channel"], row["art9_items"], row["serious"]) == (Channel.WECHAT, [], False)


def opened_by_new() -> tuple[Action, Expect]:
    """``/new`` at 10:00 on 6 March, the draft's first step: nothing was received, so the
    card proposes the receipt time, the source and the inquiry time, and says what it went
    by."""
    return (
        "/new",
        Exactly(
            says("intake.started", title="草稿 #1"),
            proposed(
                ("received_at", "3月6日（周五）10:00"),
                ("source", says("intake.source.external")),
                ("inquiry_at", says("intake.proposed.same_time", time="3月6日（周五）10:00")),
                intro="intake.proposed.intro_new",
                other_time=True,
            ),
        ),
    )


async def test_in_person_with_two_present_takes_fifteen_actions(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    script: list[tuple[Action, Expect]] = [
        opened_by_new(),
        (
            "今天 9:30",
            Exactly(
                says("intake.proposed.confirmed", fields="收到时间、来源"),
                taken("3月6日（周五）09:30"),
                asks(Step.CHANNEL),
            ),
        ),
        # The button says 当面（口头）; its leading word, typed, is the press.
        # A visit is received as it is made: the receipt follows the inquiry's time.
        (
            "当面",
            Exactly(
                says("intake.proposed.received_when_asked", time="3月6日（周五）09:30"),
                asks(Step.INQUIRER_NAME),
            ),
        ),
        ("李建设", asks(Step.INQUIRER_UNIT)),
        ("温县人大常委会", asks(Step.INQUIRER_POSITION)),
        ("副主任", says("intake.proposed.intro_plain")),
        (Press(OK), asks(Step.CASE_NAME)),
        ("某公司诉某村委会土地承包纠纷案", asks(Step.CASE_NUMBER)),
        (Press(NOT_FILED), asks(Step.SUMMARY)),
        ("要求尽快立案", Exactly(asks(Step.ART9))),
        (Press(CLEAR), Exactly(asks(Step.PLACE))),
        ("本院第三接待室", asks(Step.PERSONS_PRESENT)),
        ("其秘书刘某", asks(Step.STAFF_PRESENT)),
        (
            "孙丽、王芳",
            (
                says("intake.review"),
                "过问方式：当面（口头）",
                "在场本院人员：孙丽（待确认）、王芳（待确认）",
                Lacks("推定", "材料到达方式"),
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    assert actions(script) == 15  # 17 when the category and retired were asked
    await dialogue(court.chat("张伟"), script)
    row = await record_row(db, 1)
    assert (row["channel"], row["art9_items"], row["serious"]) == (Channel.IN_PERSON, [], False)
    assert len(await cosigners_of(db, 1)) == 2


async def test_a_known_cadre_who_changed_types_the_new_position(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """The earlier record's position is offered, not taken: the judge types the new one."""
    judge = court.chat("张伟")
    await dialogue(judge, first_time(bot, "温法过问〔2026〕1号", 1))
    await dialogue(
        judge,
        [
            (screenshot(bot, "2026-03-06 09:40"), NEW_OR_EVIDENCE),
            (Press(START_NEW), says("intake.proposed.intro")),
            (Press(OK), asks(Step.INQUIRER_NAME)),
            ("王建国", Buttons(UNIT, BACK)),
            (Press(UNIT), Buttons("局长", BACK)),
            ("副县长", says("intake.proposed.intro_plain")),
            (Press(OK), asks(Step.CASE_NAME)),
            ("某公司诉某局行政处罚案", asks(Step.CASE_NUMBER)),
            ("（2026）豫0825行初7号", asks_summary(CAPTION)),
            (Press(USE_CAPTION), asks(Step.ART9)),
            (Press(CLEAR), (says("intake.review"), "职务：副县长", Lacks("职务：局长"))),
            (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕2号")),
        ],
    )
    row = await record_row(db, 2)
    assert (row["inquirer_unit"], row["inquirer_position"], row["main_leader"]) == (
        UNIT,
        "副县长",
        False,
    )
    assert (row["unit_category"], row["retired"]) == (UnitCategory.GOVERNMENT, False)


async def test_a_namesake_in_a_record_the_judge_cannot_open_is_never_offered(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """Two cadres of one name: only the units of records the judge may open are offered;
    the department's integrity officer, who may open both, would be offered both."""
    judge = court.chat("张伟")
    await dialogue(judge, first_time(bot, "温法过问〔2026〕1号", 1))
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
        officer = await session.get(Staff, court.id("钱进"))
        zhang = await session.get(Staff, court.id("张伟"))
        assert officer is not None and zhang is not None
        assert await inquirers.units(session, officer, "王建国") == [UNIT, "温县财政局"]
        assert await inquirers.units(session, zhang, "王建国") == [UNIT]
        # Drafts and other names are not offered.
        assert await inquirers.units(session, zhang, "王某") == []

    await dialogue(
        judge,
        [
            (screenshot(bot, "2026-03-06 09:50"), NEW_OR_EVIDENCE),
            (Press(START_NEW), says("intake.proposed.intro")),
            (Press(OK), asks(Step.INQUIRER_NAME)),
            ("王建国", (Buttons(UNIT, BACK), Lacks("温县财政局"))),
            ("温县财政局", (Exactly(asks(Step.INQUIRER_POSITION)), Buttons(BACK))),
        ],
    )


async def test_a_voice_names_wechat_and_the_phone_as_likely_and_presumes_neither(
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
                    received_unread("3月6日（周五）10:00"),
                ),
            ),
            (Press(CHANGED), asks_received("2026-03-06 10:00")),
            (Press(says("intake.confirm_time")), asks(Step.SOURCE)),
            (Press(says("intake.source.external")), asks(Step.INQUIRY_AT)),
            (
                Press(says("intake.same_time")),
                (asks_channel(Channel.WECHAT, Channel.PHONE), Buttons(*AFTER_VOICE, BACK)),
            ),
        ],
    )


async def test_a_phone_call_through_a_relative_takes_eighteen_actions_and_no_materials(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    script: list[tuple[Action, Expect]] = [
        opened_by_new(),
        # The judge says otherwise: the call was earlier. It is said back at once, and the
        # receipt time and the source are confirmed with it.
        (
            "今天早上8点半",
            (
                Exactly(
                    says("intake.proposed.confirmed", fields="收到时间、来源"),
                    taken("3月6日（周五）08:30"),
                    asks(Step.CHANNEL),
                ),
                Buttons(*AFTER_NEW, BACK),
            ),
        ),
        (Press(lab(Channel.PHONE)), asks(Step.INQUIRER_NAME)),
        ("赵德明", asks(Step.INQUIRER_UNIT)),
        ("焦作市某区政府", asks(Step.INQUIRER_POSITION)),
        # 原区长: the category is proposed from 区政府, and retired: a former post is what the
        # question asks a retired cadre to write (离退休的，请写原职务).
        (
            "原区长",
            Exactly(
                proposed(
                    ("unit_category", lab(UnitCategory.GOVERNMENT)),
                    ("retired", YES),
                    *USUAL_PERSON,
                    intro="intake.proposed.intro_plain",
                )
            ),
        ),
        # 有变化 goes through the card's lines: the intermediary is the one that changed.
        (Press(CHANGED), asks(Step.UNIT_CATEGORY)),
        (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.RETIRED)),
        (Press(YES), asks(Step.MAIN_LEADER)),
        (Press(NO), asks(Step.INTERMEDIARY)),
        (Press(lab(Intermediary.RELATIVE)), asks(Step.INTERMEDIARY_NAME)),
        ("赵小红", asks(Step.INTERMEDIARY_RELATION)),
        ("女儿", asks(Step.CASE_NAME)),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        (CASE_NUMBER, asks(Step.SUMMARY)),
        ("打电话说其父亲让关照被告", Exactly(asks(Step.ART9))),
        (
            Press(CLEAR),
            (
                says("intake.review"),
                "特别报告事项：无",
                "情节严重：否",
                Lacks("材料到达方式", "原件去向", "推定"),
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    assert actions(script) == 18  # 22 when each question was asked on its own
    await dialogue(judge, script)
    row = await record_row(db, 1)
    assert (row["material_route"], row["originals_destination"]) == (None, None)
    assert row["inquiry_at"] == local("2026-03-06 08:30")
    assert (row["intermediary"], row["intermediary_name"]) == (Intermediary.RELATIVE, "赵小红")


# -- the demo's journeys, as a court user typed them (trial of 2026-11-30) -----------------

DEMO_UNIT = "温县发展和改革委员会"
DEMO_CASE = ("李某诉赵某民间借贷纠纷案", "(2026)豫0825民初1234号")


def demo_shot(bot: DialogueBot) -> Forward:
    """``/attach shot.png`` in the demo: a screenshot with no caption, received now, no send
    time stated."""
    photo = bot.file(AttachmentKind.PHOTO, png_bytes((7, 193, next(SHOTS))), mime="image/png")
    return Forward(photo)


async def test_the_trial_journeys_replayed_answer_for_answer(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """The two WeChat screenshots of the trial, the same answers typed (a number the console
    turns into the press of that button is a press here): a first-time cadre with Art. 9
    items and seriousness answered, then the same cadre again with the one tap for neither."""
    clock.set(local("2026-11-30 10:00"))
    bot = DialogueBot(db, clock, settings_for(tmp_path, propose=True))
    judge = (await open_court(bot)).chat("张伟")
    first: list[tuple[Action, Expect]] = [
        # A screenshot nothing is read in shows no channel: its times proposed, it asked.
        (demo_shot(bot), received_unread("11月30日（周一）10:00")),
        ("昨天下午3点", unread_at("11月29日（周日）15:00")),
        # A WeChat message arrives when sent: the time typed is its receipt time too.
        (Press(lab(Channel.WECHAT)), by_wechat_sent_at("11月29日（周日）15:00")),
        ("王建国", Exactly(asks(Step.INQUIRER_UNIT))),
        (DEMO_UNIT, Exactly(asks(Step.INQUIRER_POSITION))),
        # 发展和改革委员会 → 行政机关, proposed with the rest; asked separately before.
        ("主任", Exactly(proposed(*NEW_WANG, *USUAL_PERSON, intro="intake.proposed.intro_plain"))),
        (Press(OK), Exactly(asks(Step.CASE_NAME))),
        (DEMO_CASE[0], asks(Step.CASE_NUMBER)),
        (DEMO_CASE[1], Exactly(asks(Step.SUMMARY))),
        ("要求关照原告，尽快结案", Exactly(asks(Step.ART9))),
        # Typed items are ticked as their buttons would be; "选好了，情节不严重" takes them
        # and answers the seriousness question in the same press.
        ("1,6", (asks(Step.ART9), Offers(art9(1, chosen=True), art9(6, chosen=True)))),
        (Press(ART9_DONE_CLEAR), (says("intake.review"), "特别报告事项：(1)", "情节严重：否")),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    assert actions(first) == 13  # the trial counted 14; 14 with seriousness asked apart
    await dialogue(judge, first)
    again: list[tuple[Action, Expect]] = [
        (demo_shot(bot), NEW_OR_EVIDENCE),
        (Press(START_NEW), received_unread("11月30日（周一）10:00")),
        ("今天上午9点", unread_at("11月30日（周一）09:00")),
        (Press(lab(Channel.WECHAT)), by_wechat_sent_at("11月30日（周一）09:00")),
        # The unit and position are asked again, the earlier answers one press each.
        ("王建国", Buttons(DEMO_UNIT, BACK)),
        (Press(DEMO_UNIT), Buttons("主任", BACK)),
        (Press("主任"), says("intake.proposed.intro_plain")),
        (Press(OK), Exactly(asks(Step.CASE_NAME))),
        (DEMO_CASE[0], asks(Step.CASE_NUMBER)),
        (DEMO_CASE[1], Exactly(asks(Step.SUMMARY))),
        ("再次要求尽快结案", Exactly(asks(Step.ART9))),
        (
            Press(CLEAR),
            (
                says("intake.review"),
                f"所在单位：{DEMO_UNIT}",
                "特别报告事项：无",
                "情节严重：否",
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕2号")),
    ]
    # The trial counted 9, a namesake's answers taken unasked; one press says it is new.
    assert actions(again) == 13
    await dialogue(judge, again)
    row = await record_row(db, 1)
    assert (row["unit_category"], row["retired"], row["art9_items"]) == (
        UnitCategory.GOVERNMENT,
        False,
        [1, 6],
    )
