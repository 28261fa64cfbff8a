"""The intake conversation, from what reaches the judge to a submitted record.

Each test is a scripted dialogue (STYLE.md example 2) through the real app on a fake
transport: a forwarded WeChat screenshot, an album, a voice message, an in-person inquiry with
staff present who co-sign, a phone call through a relative, an Art. 5 reference opinion and an
Art. 14 internal inquiry.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from dialogue import (
    AFTER_PICTURE,
    ART9_DONE,
    BACK,
    CASE_NAME,
    CASE_NUMBER,
    CATEGORIES,
    CONFIRM_COSIGN,
    CONFIRM_TIME,
    DISPUTE_COSIGN,
    EDIT,
    EXTERNAL,
    INTERMEDIARIES,
    INTERNAL,
    NO,
    NONE,
    NOT_FILED,
    ORIGINALS,
    REFERENCE,
    ROUTES,
    SAME_TIME,
    SKIP,
    SUBMIT,
    USE_CAPTION,
    WITHDRAW,
    YES,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Lacks,
    Offers,
    Press,
    Tap,
    all_records,
    amr_bytes,
    art9,
    asks,
    asks_channel,
    asks_received,
    asks_summary,
    cosigners_of,
    dialogue,
    events_of,
    evidence_of,
    lab,
    local,
    phone_record,
    png_bytes,
    record_row,
    says,
    sha256,
    verified,
    wav_bytes,
)

from handlers.fields import Step
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage.audit import AuditKind
from storage.db import Database
from storage.records import snapshot
from storage.vocabulary import (
    Channel,
    CosignStatus,
    Intermediary,
    MaterialRoute,
    Milestone,
    OriginalsDestination,
    RecordKind,
    RecordStatus,
    UnitCategory,
)


def deadline(milestone: Milestone, day: str) -> str:
    return says("card.deadline", milestone=lab(milestone), deadline=f"{day} 24:00 前")


# A forwarded WeChat screenshot


async def test_a_forwarded_wechat_screenshot_becomes_a_submitted_record(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge = court.chat("张伟")
    screenshot = png_bytes()
    photo = bot.file(AttachmentKind.PHOTO, screenshot, mime="image/jpeg")
    sent_at = local("2026-03-05 20:15")
    caption = "县住建局王局长微信，让关照原告"

    await dialogue(
        judge,
        [
            (
                Forward(photo, caption=caption, at=sent_at, sender="王建国"),
                Exactly(
                    says("intake.started_with_files", title="草稿 #1", count=1),
                    says("intake.caption_offered", caption=caption),
                    asks_received("2026-03-05 20:15"),
                ),
            ),
            (
                Press(CONFIRM_TIME),
                (asks(Step.SOURCE), Buttons(EXTERNAL, REFERENCE, INTERNAL, BACK)),
            ),
            (Press(EXTERNAL), (asks(Step.INQUIRY_AT), Buttons(SAME_TIME, BACK, SKIP))),
            (
                "昨天 20:10",
                (
                    says("intake.time_taken", field="过问时间", time="3月5日（周四）20:10"),
                    asks_channel(Channel.WECHAT),
                    Buttons(*AFTER_PICTURE, BACK),
                ),
            ),
            (Press(lab(Channel.WECHAT)), (asks(Step.INQUIRER_NAME), Buttons(BACK))),
            ("王建国", asks(Step.INQUIRER_UNIT)),
            ("温县住房和城乡建设局", asks(Step.INQUIRER_POSITION)),
            ("局长", (asks(Step.UNIT_CATEGORY), Buttons(*CATEGORIES, BACK))),
            (Press(lab(UnitCategory.GOVERNMENT)), (asks(Step.RETIRED), Buttons(YES, NO, BACK))),
            (Press(NO), (asks(Step.MAIN_LEADER), Buttons(YES, NO, BACK))),
            (Press(NO), (asks(Step.INTERMEDIARY), Buttons(*INTERMEDIARIES, BACK))),
            (Press(lab(Intermediary.NONE)), asks(Step.CASE_NAME)),
            (CASE_NAME, (asks(Step.CASE_NUMBER), Buttons(NOT_FILED, BACK))),
            # Half-width brackets are normalised; the department is the judge's own, so it is
            # not asked. The summary is, the caption offered as one press (never taken unasked).
            (
                "(2026)豫0825民初123号",
                (asks_summary(caption), Buttons(USE_CAPTION, BACK)),
            ),
            (Press(USE_CAPTION), asks(Step.ART9)),
            (Press(art9(1)), (asks(Step.ART9), Offers(art9(1, chosen=True), art9(4)))),
            (Press(art9(4)), Offers(art9(1, chosen=True), art9(4, chosen=True))),
            (Press(ART9_DONE), (asks(Step.SERIOUS), Buttons(YES, NO, BACK))),
            (Press(NO), (asks(Step.ROUTE), Buttons(*ROUTES, BACK))),
            (Press(lab(MaterialRoute.DIRECT)), (asks(Step.ORIGINALS), Buttons(*ORIGINALS, BACK))),
            (
                Press(lab(OriginalsDestination.NO_ORIGINAL)),
                (
                    says("intake.review"),
                    "收到时间：2026-03-05 20:15",
                    "过问时间：2026-03-05 20:10",
                    "过问方式：微信",
                    f"案号：{CASE_NUMBER}",
                    "承办部门：民一庭",
                    f"过问内容：{caption}（取自随文件发来的文字）",
                    says("evidence.line", total=1, parts="图片 1"),
                    deadline(Milestone.REGISTERED, "2026-03-09"),
                    Buttons(SUBMIT, EDIT, WITHDRAW),
                ),
            ),
            (
                Press(SUBMIT),
                Exactly(
                    "\n".join(
                        [
                            says("intake.submitted", number="温法过问〔2026〕1号"),
                            deadline(Milestone.PLATFORM_ENTERED, "2026-03-09"),
                            deadline(Milestone.FORM_DELIVERED, "2026-03-09"),
                        ]
                    )
                ),
            ),
        ],
    )

    row = await record_row(db, 1)
    now = clock.now()
    expected = {
        "id": 1,
        "number": "温法过问〔2026〕1号",
        "status": RecordStatus.SUBMITTED,
        "kind": RecordKind.EXTERNAL,
        "handler_id": court.id("张伟"),
        "department_id": court.staff["张伟"].department_id,
        "received_at": sent_at.astimezone(UTC),
        "received_confirmed": True,
        "created_at": now,
        "submitted_at": now,
        "withdrawn_at": None,
        "withdraw_reason": None,
        "inquiry_at": local("2026-03-05 20:10").astimezone(UTC),
        "channel": Channel.WECHAT,
        "channel_other": None,
        "inquirer_name": "王建国",
        "inquirer_unit": "温县住房和城乡建设局",
        "inquirer_position": "局长",
        "unit_category": UnitCategory.GOVERNMENT,
        "retired": False,
        "main_leader": False,
        "intermediary": Intermediary.NONE,
        "intermediary_name": None,
        "intermediary_relation": None,
        "case_name": CASE_NAME,
        "case_number": CASE_NUMBER,
        "case_not_filed": False,
        "summary": caption,
        "art9_items": [1, 4],
        "serious": False,
        "place": None,
        "persons_present": None,
        "material_route": MaterialRoute.DIRECT,
        "originals_destination": OriginalsDestination.NO_ORIGINAL,
        "originals_note": None,
        "cosigners_done": True,
        "serious_alerted_at": None,
        "upward_listed_at": None,
        "fields": {
            "skipped": [],
            "opened_by": "picture",
            "inquiry_day_only": False,
            "caption_offered": caption,
            "main_leader_presumed": False,
            "sent_at_stated": sent_at.isoformat(),  # the forward's date, as the service stated
            "channel_read": [Channel.WECHAT.value],  # the caption says 微信
        },
    }
    assert {name: row[name] for name in expected} == expected
    # Columns that later milestones fill are still empty.
    assert {name: v for name, v in row.items() if name not in expected and v is not None} == {}

    [(item, blob)] = await evidence_of(db, 1)
    assert blob is not None
    assert item.blob_sha256 == blob.sha256 == sha256(screenshot)
    assert (blob.kind, blob.mime, blob.damaged, blob.size) == (
        "image",
        "image/png",
        False,
        len(screenshot),
    )
    assert (blob.width, blob.height) == (90, 160)
    assert (item.transport_file_id, item.declared_mime, item.over_cap) == (
        photo.file_id,
        "image/jpeg",
        False,
    )
    assert (item.added_by_staff_id, item.unavailable_reason, item.disguised) == (
        court.id("张伟"),
        None,
        False,
    )
    store = bot.app.services.evidence
    assert store is not None
    assert store.path_of(blob.sha256).read_bytes() == screenshot
    assert store.path_of(blob.sha256).is_relative_to(bot.evidence_dir)

    events = await events_of(db, 1)
    kinds = [event.kind for event in events]
    assert kinds[:2] == [AuditKind.RECORD_CREATED, AuditKind.EVIDENCE_ADDED]
    assert kinds[-1] == AuditKind.SUBMITTED
    assert set(kinds[2:-1]) == {AuditKind.FIELD_SET}
    set_fields = [json.loads(event.payload)["field"] for event in events[2:-1]]
    assert set_fields == [
        "received_confirmed",
        "kind",
        "inquiry_at",
        "channel",
        "inquirer_name",
        "inquirer_unit",
        "inquirer_position",
        "unit_category",
        "retired",
        "main_leader",
        "intermediary",
        "case_name",
        "case_number",
        "case_not_filed",
        "summary",
        "art9_items",
        "serious",
        "material_route",
        "originals_destination",
    ]
    created = json.loads(events[0].payload)
    assert datetime.fromisoformat(created["received_at"]) == sent_at
    assert json.loads(events[1].payload)["sha256"] == sha256(screenshot)
    [record] = await all_records(db)
    assert json.loads(events[-1].payload) == snapshot(record)
    assert json.loads(events[-1].payload)["number"] == "温法过问〔2026〕1号"

    problems, summary = await verified(db, bot.evidence_dir)
    assert problems == []
    assert (summary.files, summary.items) == (1, 1)

    # The next record of the year is number 2.
    await dialogue(judge, phone_record(number="温法过问〔2026〕2号", draft=2))
    assert [r.number for r in await all_records(db)] == [
        "温法过问〔2026〕1号",
        "温法过问〔2026〕2号",
    ]
    assert (await verified(db, bot.evidence_dir))[0] == []


async def test_a_forward_dated_in_the_future_is_received_now(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    """A sender's clock can be wrong; the receipt time is never later than now."""
    judge = court.chat("张伟")
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        judge,
        [
            (
                Forward(photo, at=local("2026-03-07 09:00")),
                asks_received("2026-03-06 10:00"),
            )
        ],
    )
    assert (await record_row(db, 1))["summary"] is None


# Several files at once, and a voice message


async def test_an_album_of_three_photos_is_one_draft_with_one_question_flow(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    pictures = [png_bytes((i * 60, 10, 10)) for i in range(1, 4)]
    photos = [bot.file(AttachmentKind.PHOTO, data) for data in pictures]

    await dialogue(
        judge,
        [
            (
                Forward(
                    photos[0], caption="三张截图", album="album-7", at=local("2026-03-06 08:00")
                ),
                (
                    says("intake.started_with_files", title="草稿 #1", count=1),
                    asks_received("2026-03-06 08:00"),
                ),
            ),
            (
                Forward(photos[1], album="album-7", at=local("2026-03-06 08:00")),
                Exactly("记录（草稿 #1）已收到 2 个文件。"),
            ),
            (
                Forward(photos[2], album="album-7", at=local("2026-03-06 08:00")),
                Exactly("记录（草稿 #1）已收到 3 个文件。"),
            ),
            (Press(CONFIRM_TIME), Exactly(asks(Step.SOURCE))),
        ],
    )

    assert len(await all_records(db)) == 1
    items = await evidence_of(db, 1)
    assert [blob.sha256 if blob else None for _, blob in items] == [sha256(p) for p in pictures]
    # The caption is offered when the summary is asked, never stored as it unasked.
    row = await record_row(db, 1)
    assert (row["summary"], row["fields"]["caption_offered"]) == (None, "三张截图")
    asked = [m.text for m in judge.inbox() if m.text.startswith(asks_received("")[:8])]
    assert len(asked) == 1
    assert (await verified(db, bot.evidence_dir))[0] == []


@pytest.mark.parametrize(
    ("kind", "data", "mime", "stored"),
    [
        pytest.param(
            AttachmentKind.VOICE, amr_bytes(150), "audio/amr", ("voice", "audio/amr"), id="amr"
        ),
        pytest.param(
            AttachmentKind.AUDIO, wav_bytes(3.0), "audio/wav", ("audio", "audio/wav"), id="wav"
        ),
    ],
)
async def test_a_voice_message_opens_a_draft_with_its_recording(
    bot: DialogueBot,
    court: Court,
    db: Database,
    kind: AttachmentKind,
    data: bytes,
    mime: str,
    stored: tuple[str, str],
) -> None:
    judge = court.chat("张伟")
    attachment = bot.file(kind, data, mime=mime, duration_s=3)

    await dialogue(
        judge,
        [
            (
                Forward(attachment),
                Exactly(
                    says("intake.started_with_files", title="草稿 #1", count=1),
                    asks_received("2026-03-06 10:00"),
                ),
            ),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
        ],
    )

    [(item, blob)] = await evidence_of(db, 1)
    assert blob is not None and item.blob_sha256 == sha256(data)
    assert (blob.kind, blob.mime) == stored
    assert (blob.duration_ms, blob.damaged) == (3000, False)
    row = await record_row(db, 1)
    assert (row["status"], row["summary"]) == (RecordStatus.DRAFT, None)
    shown = says(f"evidence.kind.{stored[0]}")
    assert says("evidence.line", total=1, parts=f"{shown} 1") in (await judge.say("/record #1"))[0]


# In person, with court staff present who co-sign


async def test_an_in_person_inquiry_is_co_signed_by_the_staff_present(
    bot: DialogueBot, court: Court, db: Database, clock: FakeClock
) -> None:
    judge, sun, wang = court.chat("张伟"), court.chat("孙丽"), court.chat("王芳")
    discipline, stranger = court.chat("李刚"), court.chat("周强")

    await dialogue(
        judge,
        [
            ("/new", (says("intake.started", title="草稿 #1"), Buttons(CONFIRM_TIME))),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
            ("今天 9:30", asks(Step.CHANNEL)),
            (Press(lab(Channel.IN_PERSON)), asks(Step.INQUIRER_NAME)),
            ("李建设", asks(Step.INQUIRER_UNIT)),
            ("温县人大常委会", asks(Step.INQUIRER_POSITION)),
            ("副主任", asks(Step.UNIT_CATEGORY)),
            (Press(lab(UnitCategory.CONGRESS)), asks(Step.RETIRED)),
            (Press(NO), asks(Step.MAIN_LEADER)),
            (Press(NO), asks(Step.INTERMEDIARY)),
            (Press(lab(Intermediary.NONE)), asks(Step.CASE_NAME)),
            ("某公司诉某村委会土地承包纠纷案", asks(Step.CASE_NUMBER)),
            (Press(NOT_FILED), asks(Step.SUMMARY)),
            ("要求尽快立案", asks(Step.ART9)),
            ("5", (asks(Step.ART9), Offers(art9(5, chosen=True)))),
            (Press(ART9_DONE), asks(Step.SERIOUS)),
            (Press(NO), (asks(Step.PLACE), Buttons(BACK))),
            ("本院第三接待室", (asks(Step.PERSONS_PRESENT), Buttons(NONE, BACK))),
            ("其秘书刘某", (asks(Step.STAFF_PRESENT), Buttons(NONE, BACK))),
            (
                "孙丽、王芳",
                (
                    "过问方式：当面（口头）",
                    "地点：本院第三接待室",
                    "在场人员：其秘书刘某",
                    "在场本院人员：孙丽（待确认）、王芳（待确认）",
                    "案号：尚未立案",
                    Buttons(SUBMIT, EDIT, WITHDRAW),
                ),
            ),
            (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
        ],
    )

    # Each of the two got the card in their own chat, with the two buttons.
    for person in (sun, wang):
        [request] = person.inbox()
        assert request.text.startswith(says("cosign.request", handler="张伟", card="")[:20])
        assert "过问人：李建设" in request.text and "地点：本院第三接待室" in request.text
        assert [(b.label, b.data) for row in request.buttons for b in row] == [
            (CONFIRM_COSIGN, "cs:1:ok"),
            (DISPUTE_COSIGN, "cs:1:no"),
        ]

    # Someone who was not there cannot answer for them; nor can the handler.
    await dialogue(stranger, [(Tap("cs:1:ok"), Exactly(says("error.stale_button")))])
    await dialogue(judge, [(Tap("cs:1:no"), Exactly(says("error.stale_button")))])

    before = len(judge.inbox())
    await dialogue(
        sun,
        [
            (Press(CONFIRM_COSIGN), Exactly(says("cosign.confirmed", title="温法过问〔2026〕1号"))),
            (Tap("cs:1:no"), Exactly(says("cosign.already", title="温法过问〔2026〕1号"))),
        ],
    )
    assert [m.text for m in judge.inbox()[before:]] == [
        says("cosign.handler_confirmed", name="孙丽", title="温法过问〔2026〕1号")
    ]

    before = len(judge.inbox())
    await dialogue(
        wang,
        [
            (
                Press(DISPUTE_COSIGN),
                Exactly(says("cosign.ask_reason", title="温法过问〔2026〕1号")),
            ),
            # /cancel at the reason ends only the dispute: nothing is recorded yet.
            ("/cancel", says("cosign.dispute_cancelled", title="温法过问〔2026〕1号")),
            (Tap("cs:1:no"), Exactly(says("cosign.ask_reason", title="温法过问〔2026〕1号"))),
            ("  ", Exactly(says("cosign.ask_reason", title="温法过问〔2026〕1号"))),
            (
                "当时在场的还有其司机，记录未写",
                Exactly(
                    says("cosign.disputed", title="温法过问〔2026〕1号")
                    + "\n"
                    + says("cosign.disputed_officers", names="钱进")
                ),
            ),
        ],
    )
    reason = "当时在场的还有其司机，记录未写"
    assert [m.text for m in judge.inbox()[before:]] == [
        says("cosign.handler_disputed", name="王芳", title="温法过问〔2026〕1号", reason=reason)
    ]
    assert discipline.inbox()[-1].text == says(
        "cosign.discipline_disputed",
        name="王芳",
        handler="张伟",
        title="温法过问〔2026〕1号",
        reason=reason,
    )

    signed = await cosigners_of(db, 1)
    assert [(c.staff_id, c.status, c.reason) for c in signed] == [
        (court.id("孙丽"), CosignStatus.CONFIRMED, None),
        (court.id("王芳"), CosignStatus.DISPUTED, reason),
    ]
    assert all(c.requested_at == clock.now() and c.responded_at == clock.now() for c in signed)
    row = await record_row(db, 1)
    # Everyone answered, but a dispute is not a confirmation (Art. 3): not co-signed.
    assert (row["place"], row["persons_present"], row["cosigners_done"]) == (
        "本院第三接待室",
        "其秘书刘某",
        False,
    )
    assert (row["case_number"], row["case_not_filed"], row["art9_items"]) == (None, True, [5])
    events = [(e.kind, json.loads(e.payload)) for e in await events_of(db, 1)]
    assert (AuditKind.COSIGNED, {"cosigner": court.id("孙丽"), "reason": None}) in events
    assert (AuditKind.DISPUTED, {"cosigner": court.id("王芳"), "reason": reason}) in events
    assert {"field": "cosigners", "value": [court.id("孙丽"), court.id("王芳")]} in [
        payload for _, payload in events
    ]
    # The card shows who confirmed and who disputed, with the dispute's text (Art. 3), to the
    # handler and to the co-signer alike.
    present = f"在场本院人员：孙丽（已确认）、王芳（有异议：{reason}）"
    assert present in (await judge.say("/record 温法过问〔2026〕1号"))[0]
    assert present in (await wang.say("/record 温法过问〔2026〕1号"))[0]


# Art. 5 and Art. 14


async def test_an_art5_reference_opinion_skips_the_platform_steps(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    letter = bot.file(AttachmentKind.DOCUMENT, b"%PDF-1.4\n%\n", name="意见函.pdf")
    await dialogue(
        judge,
        [
            (Forward(letter), asks_received("2026-03-06 10:00")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (Press(REFERENCE), asks(Step.INQUIRY_AT)),
            (Press(SAME_TIME), asks(Step.CHANNEL)),
            (Press(lab(Channel.LETTER)), asks(Step.INQUIRER_NAME)),
            ("县生态环境局", asks(Step.INQUIRER_UNIT)),
            ("温县生态环境局", asks(Step.INQUIRER_POSITION)),
            ("局长", asks(Step.UNIT_CATEGORY)),
            # Neither retirement, the same-level main leader nor an intermediary is asked:
            # those are questions about a cadre, not about a commissioned opinion.
            (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.CASE_NAME)),
            ("某检察院诉某化工厂环境污染公益诉讼案", asks(Step.CASE_NUMBER)),
            ("（2026）豫0825民初88号", asks(Step.SUMMARY)),
            # Neither Art. 9, serious, the route nor the originals are asked.
            (
                "受本院委托，就污染损害的修复方案提出参考意见",
                (
                    says("intake.review"),
                    "来源：受法院委托提出的参考意见（第五条）",
                    deadline(Milestone.REGISTERED, "2026-03-09"),
                    Lacks(
                        says("card.art9"),
                        says("card.serious"),
                        says("card.route"),
                        says("card.intermediary"),
                        lab(Milestone.PLATFORM_ENTERED),
                    ),
                    Buttons(SUBMIT, EDIT, WITHDRAW),
                ),
            ),
            (
                Press(SUBMIT),
                (
                    says("intake.submitted", number="温法过问〔2026〕1号"),
                    deadline(Milestone.FORM_DELIVERED, "2026-03-09"),
                    Lacks(lab(Milestone.PLATFORM_ENTERED)),
                ),
            ),
        ],
    )
    row = await record_row(db, 1)
    assert row["kind"] == RecordKind.REFERENCE_OPINION
    assert row["originals_destination"] == OriginalsDestination.MAIN_FILE
    untouched_fields = (
        "intermediary",
        "art9_items",
        "serious",
        "material_route",
        "place",
        "retired",
        "main_leader",
    )
    for untouched in untouched_fields:
        assert row[untouched] is None, untouched
    [record] = await all_records(db)
    deadlines = bot.app.services.rules.for_record(record)
    assert Milestone.PLATFORM_ENTERED not in deadlines
    assert set(deadlines) == {Milestone.REGISTERED, Milestone.FORM_DELIVERED}


async def test_an_art14_internal_inquiry_is_explained_and_kept_withdrawn(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    screenshot = png_bytes((200, 200, 200))
    photo = bot.file(AttachmentKind.PHOTO, screenshot)
    await dialogue(
        judge,
        [
            (Forward(photo, caption="本院某副庭长来问案情"), asks_received("2026-03-06 10:00")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (
                Press(INTERNAL),
                (
                    Exactly(says("intake.art14_confirm", title="草稿 #1")),
                    Buttons(says("intake.art14_yes"), says("intake.art14_no")),
                ),
            ),
            (Press(says("intake.art14_no")), asks(Step.SOURCE)),
            (Press(INTERNAL), says("intake.art14_confirm", title="草稿 #1")),
            (Press(says("intake.art14_yes")), Exactly(says("intake.art14", title="草稿 #1"))),
            ("你好", Exactly(says("help.hint", name="张伟"))),
        ],
    )
    assert "《司法机关内部人员过问案件的记录和责任追究规定》" in says("intake.art14", title="")
    row = await record_row(db, 1)
    assert (row["status"], row["kind"]) == (RecordStatus.WITHDRAWN, RecordKind.INTERNAL)
    assert row["withdraw_reason"] == says("intake.art14_reason")
    assert (row["number"], row["summary"]) == (None, None)
    [(item, blob)] = await evidence_of(db, 1)
    assert blob is not None and blob.sha256 == sha256(screenshot)
    assert item.caption == "本院某副庭长来问案情"  # the caption stays with its file
    assert [e.kind for e in await events_of(db, 1)][-1] == AuditKind.WITHDRAWN
    officer = court.chat("钱进")
    listed = (await officer.say("/withdrawn"))[0]
    assert "草稿 #1" in listed and says("intake.art14_reason") in listed
    # The withdrawn draft is not among the judge's records, and /mine says where it is kept.
    withdrawn_note = says("views.withdrawn_note", count=1)
    assert await judge.say("/mine") == [
        says("views.mine_empty") + says("views.mine_empty_new") + "\n" + withdrawn_note
    ]
    assert "草稿 #1" in (await judge.say("/withdrawn"))[0]
    assert (await verified(db, bot.evidence_dir))[0] == []
