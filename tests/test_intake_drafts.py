"""Drafts: media while one is open, restarts in the middle of a dialogue, /mine and /resume.

The draft exists from the first message and its deadlines run from then, so a draft is never
lost: not when more files arrive, not when the judge starts another, not when the bot restarts.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from dialogue import (
    ADD_HERE,
    AFTER_PICTURE,
    ART9_DONE,
    CASE_NAME,
    CONFIRM_COSIGN,
    CONFIRM_TIME,
    DISMISS,
    EXTERNAL,
    KEPT,
    NO,
    NONE,
    SAME_TIME,
    SKIP,
    START_NEW,
    SUBMIT,
    USE_CAPTION,
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Press,
    Script,
    Tap,
    all_records,
    art9,
    asks,
    asks_received,
    asks_summary,
    check,
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
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers.fields import Step
from handlers.ports import AttachmentKind
from storage.db import Database
from storage.vocabulary import (
    Channel,
    CosignStatus,
    Intermediary,
    RecordStatus,
    UnitCategory,
)

RUNNING = says("intake.deadlines_running")
WAITING = says("intake.deadlines_waiting")

# Media while a draft is open

CONTINUE_2 = says("intake.continue_draft", title="草稿 #2")


HELD_BUTTONS = Buttons(ADD_HERE, START_NEW, DISMISS)
"""The add-or-new question's buttons while material is held."""


async def test_media_during_an_open_draft_asks_add_or_new(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    first, second, third = (png_bytes((i * 70, 0, 0)) for i in range(1, 4))
    photo1 = bot.file(AttachmentKind.PHOTO, first)
    photo2 = bot.file(AttachmentKind.PHOTO, second)
    photo3 = bot.file(AttachmentKind.PHOTO, third)
    fourth = png_bytes((0, 90, 0))
    photo4 = bot.file(AttachmentKind.PHOTO, fourth)
    received = asks_received("2026-03-06 10:00")

    await dialogue(
        judge,
        [
            ("/new", received),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (
                Forward(photo1),
                (
                    says("intake.media_choice", title="草稿 #1", kept=KEPT),
                    HELD_BUTTONS,
                ),
            ),
            (
                "嗯",
                Again(
                    says("intake.error.choose"),
                    says("intake.media_choice", title="草稿 #1", kept=KEPT),
                ),
            ),
            # "Add" links the file and re-asks the question the draft was at.
            (
                Press(ADD_HERE),
                Exactly(says("intake.added", title="草稿 #1", count=1), asks(Step.SOURCE)),
            ),
            (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
            # An album arrives: asked once; its other photos go the same way, unasked.
            (
                Forward(photo2, caption="另一起过问", album="a-2"),
                Exactly(says("intake.media_choice", title="草稿 #1", kept=KEPT)),
            ),
            (
                Forward(photo3, album="a-2"),
                (
                    Exactly(
                        says(
                            "intake.held",
                            what="1 个文件",
                            total="2 个文件",
                            title="草稿 #1",
                            kept=KEPT,
                        )
                    ),
                    HELD_BUTTONS,
                ),
            ),
            # "New" leaves the old draft open, its deadlines running, and starts another.
            (
                Press(START_NEW),
                Exactly(
                    says("intake.left_open", title="草稿 #1", id=1, deadlines=RUNNING),
                    says("intake.started_with_files", title="草稿 #2", count=2),
                    says("intake.caption_offered", caption="另一起过问"),
                    received,
                ),
            ),
            # /new while a draft is open asks the same question.
            (
                "/new",
                (says("intake.new_choice", title="草稿 #2"), Buttons(CONTINUE_2, START_NEW)),
            ),
            (Press(CONTINUE_2), Exactly(received)),
            ("/new", says("intake.new_choice", title="草稿 #2")),
            # A file while /new's question is open: now there is something to add.
            (
                Forward(photo4),
                (
                    Exactly(
                        says(
                            "intake.held",
                            what="1 个文件",
                            total="1 个文件",
                            title="草稿 #2",
                            kept=KEPT,
                        )
                    ),
                    HELD_BUTTONS,
                ),
            ),
            (
                Press(START_NEW),
                Exactly(
                    says("intake.left_open", title="草稿 #2", id=2, deadlines=RUNNING),
                    says("intake.started_with_files", title="草稿 #3", count=1),
                    received,
                ),
            ),
            # The old draft is picked up where it stopped.
            ("/resume #1", Exactly(asks(Step.INQUIRY_AT))),
            (Press(SAME_TIME), asks(Step.CHANNEL)),
        ],
    )

    records = await all_records(db)
    assert [(r.id, r.status) for r in records] == [(n, RecordStatus.DRAFT) for n in (1, 2, 3)]
    assert [blob.sha256 for _, blob in await evidence_of(db, 1) if blob] == [sha256(first)]
    assert [blob.sha256 for _, blob in await evidence_of(db, 2) if blob] == [
        sha256(second),
        sha256(third),
    ]
    assert [blob.sha256 for _, blob in await evidence_of(db, 3) if blob] == [sha256(fourth)]
    # The caption is offered for draft #2's summary, never stored as it unasked.
    assert [r.summary for r in records] == [None, None, None]
    assert [r.fields.get("caption_offered") for r in records] == [None, "另一起过问", None]
    assert (records[0].kind, records[0].inquiry_at) == ("external", records[0].received_at)
    [mine] = await judge.say("/mine")
    assert mine.startswith(says("views.drafts", count=3))
    assert all(f"草稿 #{n}" in mine for n in (1, 2, 3))
    assert (await verified(db, bot.evidence_dir))[0] == []


async def test_commands_while_the_add_or_new_question_is_open_keep_its_files(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    choice = says("intake.media_choice", title="草稿 #1", kept=KEPT)
    picture = png_bytes((1, 2, 3))
    photo = bot.file(AttachmentKind.PHOTO, picture)
    await dialogue(
        judge,
        [
            ("/new", asks_received("2026-03-06 10:00")),
            (Forward(photo), says("intake.media_choice", title="草稿 #1", kept=KEPT)),
            (
                "/back",
                (Again(says("intake.error.no_back_choice"), choice), HELD_BUTTONS),
            ),
            (
                "/resume",
                (Again(says("intake.error.choose"), choice), HELD_BUTTONS),
            ),
            (Press(ADD_HERE), says("intake.added", title="草稿 #1", count=1)),
        ],
    )
    assert [blob.sha256 for _, blob in await evidence_of(db, 1) if blob] == [sha256(picture)]


_SENT = itertools.count(1)
KIND = st.sampled_from(["photo", "document", "text"])
ITEM = st.tuples(KIND, st.booleans())
"""A piece of material: a photo, a document or a forwarded text; in one album or alone."""


def _forward(bot: DialogueBot, kind: str, in_album: bool) -> tuple[Forward, str]:
    """The message for one piece of material and the SHA-256 its evidence must have."""
    n = next(_SENT)
    album = "album-held" if in_album else None
    if kind == "text":
        text = f"张法官，请关照第{n}号案子"
        return Forward(caption=text, at=local("2026-03-06 09:00")), sha256(text.encode())
    data = png_bytes((n % 250, n // 250 % 250, 7))
    attachment = (
        bot.file(AttachmentKind.PHOTO, data)
        if kind == "photo"
        else bot.file(AttachmentKind.DOCUMENT, data, name=f"材料{n}.png")
    )
    return Forward(attachment, album=album), sha256(data)


def _what(kinds: list[str]) -> str:
    texts = kinds.count("text")
    files = len(kinds) - texts
    if texts and files:
        return says(
            "intake.n_both",
            files=says("intake.n_files", count=files),
            messages=says("intake.n_messages", count=texts),
        )
    if texts:
        return says("intake.n_messages", count=texts)
    return says("intake.n_files", count=files)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(ITEM, min_size=2, max_size=5), choice=st.sampled_from(["add", "new"]))
async def test_every_piece_of_material_at_the_add_or_new_question_is_acknowledged_and_kept(
    bot: DialogueBot, court: Court, db: Database, items: list[tuple[str, bool]], choice: str
) -> None:
    """Whatever files and forwarded texts come while the add-or-new question is open, each
    is answered at once (held, with the count so far and the question's buttons), and after
    the answer every one of them is on the chosen record, in the order sent."""
    judge = court.chat("张伟")
    replies = await judge.act("/new")
    if any(b.data.endswith("media:new") for m in replies for row in m.buttons for b in row):
        await judge.act(Tap("in:media:new"))
    records = await all_records(db)
    draft = records[-1].id
    title = f"草稿 #{draft}"
    # Examples share the database: drafts left open by earlier ones are offered too.
    others = [f"草稿 #{r.id}" for r in reversed(records[:-1]) if r.status == RecordStatus.DRAFT]
    asked = (
        says(
            "intake.media_choice_drafts",
            count=1 + len(others),
            title=title,
            drafts="、".join(others),
            kept=KEPT,
        )
        if others
        else says("intake.media_choice", title=title, kept=KEPT)
    )
    buttons = Buttons(
        ADD_HERE, *(says("intake.add_to_draft", title=t) for t in others), START_NEW, DISMISS
    )
    sent: list[str] = []
    kinds: list[str] = []
    for number, (kind, in_album) in enumerate(items):
        forward, digest = _forward(bot, kind, in_album)
        replies = await judge.act(forward)
        sent.append(digest)
        kinds.append(kind)
        if number == 0:
            check((Exactly(asked), buttons), replies)
            continue
        key = "intake.held_beside" if others else "intake.held"
        held = says(key, what=_what([kind]), total=_what(kinds), title=title, kept=KEPT)
        check((Exactly(held), buttons), replies, f"item {number + 1}: ")
    await judge.act(Press(ADD_HERE if choice == "add" else START_NEW))
    target = draft if choice == "add" else (await all_records(db))[-1].id
    assert choice == "add" or target == draft + 1
    assert [blob.sha256 for _, blob in await evidence_of(db, target) if blob] == sent


# A restart between every two steps


def whole_dialogue(
    bot: DialogueBot,
    draft: int,
    number: str,
    screenshot: bytes,
    letter: bytes,
    *,
    offered: bool = False,
) -> Script:
    """A forwarded screenshot, a second file on the way, in person with one staff present;
    ``offered``: the judge recorded 王建国 before, so his unit and position are offered."""
    title = f"草稿 #{draft}"
    offer = "\n" + says("intake.earlier_offer") if offered else ""
    photo = Forward(
        bot.file(AttachmentKind.PHOTO, screenshot),
        caption="王局长当面交代",
        at=local("2026-03-05 20:15"),
    )
    opened = (
        says("intake.started_with_files", title=title, count=1),
        asks_received("2026-03-05 20:15"),
    )
    # With a record submitted before, the file may be its evidence: a new record is chosen.
    start: Script = (
        [(photo, opened)]
        if draft == 1
        else [
            (photo, says("intake.submitted_choice_first", what="1 个文件", kept=KEPT)),
            (Press(START_NEW), opened),
        ]
    )
    return [
        *start,
        (Press(CONFIRM_TIME), asks(Step.SOURCE)),
        (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
        (Press(SAME_TIME), asks(Step.CHANNEL)),
        (Press(lab(Channel.IN_PERSON)), asks(Step.INQUIRER_NAME)),
        ("王建国", asks(Step.INQUIRER_UNIT)),
        (
            Forward(bot.file(AttachmentKind.DOCUMENT, letter, name="名片.png")),
            # With a record submitted before, the file may be its evidence too.
            says(
                "intake.media_choice" if draft == 1 else "intake.media_choice_records",
                title=title,
                kept=KEPT,
            ),
        ),
        (
            Press(ADD_HERE),
            Exactly(says("intake.added", title=title, count=1), asks(Step.INQUIRER_UNIT) + offer),
        ),
        ("温县住房和城乡建设局", asks(Step.INQUIRER_POSITION)),
        ("局长", asks(Step.UNIT_CATEGORY)),
        (Press(lab(UnitCategory.GOVERNMENT)), asks(Step.RETIRED)),
        (Press(NO), asks(Step.MAIN_LEADER)),
        (Press(NO), asks(Step.INTERMEDIARY)),
        (Press(lab(Intermediary.NONE)), asks(Step.CASE_NAME)),
        (CASE_NAME, asks(Step.CASE_NUMBER)),
        ("(2026)豫0825民初123号", asks_summary("王局长当面交代")),
        (Press(USE_CAPTION), asks(Step.ART9)),
        (Press(art9(1)), asks(Step.ART9)),
        (Press(art9(13)), asks(Step.ART9)),
        (Press(ART9_DONE), asks(Step.SERIOUS)),
        (Press(NO), asks(Step.PLACE)),
        ("本院第一接待室", asks(Step.PERSONS_PRESENT)),
        (Press(NONE), asks(Step.STAFF_PRESENT)),
        ("孙丽", says("intake.review")),
        (Press(SUBMIT), says("intake.submitted", number=number)),
    ]


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A record's columns but its id and number."""
    return {name: value for name, value in row.items() if name not in ("id", "number")}


def normalised(texts: list[str]) -> list[str]:
    """The judge's transcript with draft and record numbers blanked, and the line offering
    the earlier record's unit and position (the second run finds the first's) aside."""
    offer = "\n" + says("intake.earlier_offer")
    return [re.sub(r"草稿 #\d+|〔2026〕\d+号", "#", text).replace(offer, "") for text in texts]


async def test_a_restart_between_every_two_steps_ends_with_the_same_record(
    bot: DialogueBot, court: Court, db: Database
) -> None:
    judge, sun = court.chat("张伟"), court.chat("孙丽")
    screenshot, letter = png_bytes(), png_bytes((255, 255, 255), (60, 40))
    # The replay's material is another inquiry's: other bytes (the same would be asked about).
    screenshot2, letter2 = png_bytes((7, 193, 97)), png_bytes((255, 255, 254), (60, 40))
    confirm = [(Press(CONFIRM_COSIGN), says("cosign.confirmed", title="温法过问〔2026〕1号"))]

    await dialogue(judge, whole_dialogue(bot, 1, "温法过问〔2026〕1号", screenshot, letter))
    await dialogue(sun, confirm)
    told = len(judge.inbox())
    assert bot.restarts == 0

    script = whole_dialogue(bot, 2, "温法过问〔2026〕2号", screenshot2, letter2, offered=True)
    await dialogue(judge, script, restart=True)
    confirm = [(Press(CONFIRM_COSIGN), says("cosign.confirmed", title="温法过问〔2026〕2号"))]
    await dialogue(sun, confirm, restart=True)
    assert bot.restarts == len(script) + 1

    first, second = await record_row(db, 1), await record_row(db, 2)
    assert comparable(first) == comparable(second)
    assert (second["status"], second["number"]) == (RecordStatus.SUBMITTED, "温法过问〔2026〕2号")
    assert second["art9_items"] == [1, 13] and second["summary"] == "王局长当面交代"
    assert [(b.sha256 if b else None) for _, b in await evidence_of(db, 2)] == [
        sha256(screenshot2),
        sha256(letter2),
    ]
    assert [b.kind for _, b in await evidence_of(db, 1) if b] == [
        b.kind for _, b in await evidence_of(db, 2) if b
    ]
    assert [(c.staff_id, c.status) for c in await cosigners_of(db, 2)] == [
        (court.id("孙丽"), CosignStatus.CONFIRMED)
    ]
    assert [e.kind for e in await events_of(db, 1)] == [e.kind for e in await events_of(db, 2)]
    # The judge read the same conversation both times, after choosing a new record.
    texts = [m.text for m in judge.inbox()]
    assert texts[told] == says("intake.submitted_choice_first", what="1 个文件", kept=KEPT)
    # ... but that the second time the file at its unit question may also go to record 1.
    beside = {
        says("intake.media_choice_records", title="#", kept=KEPT): says(
            "intake.media_choice", title="#", kept=KEPT
        )
    }
    again = [beside.get(text, text) for text in normalised(texts[told + 1 :])]
    assert normalised(texts[:told]) == again
    assert (await verified(db, bot.evidence_dir))[0] == []


# /mine and /resume


async def test_mine_lists_drafts_with_what_is_missing_and_records_with_their_deadlines(
    bot: DialogueBot, court: Court
) -> None:
    judge = court.chat("张伟")
    assert await judge.say("/mine") == [says("views.mine_empty") + says("views.mine_empty_new")]
    # Received on Tuesday 2026-03-03: registered by Thursday, reported by Friday.
    forwarded = Forward(bot.file(AttachmentKind.PHOTO, png_bytes()), at=local("2026-03-03 09:00"))
    await dialogue(
        judge,
        phone_record(
            start=forwarded,
            started=says("intake.started_with_files", title="草稿 #1", count=1),
            received="2026-03-03 09:00",
            offered=AFTER_PICTURE,  # a picture nothing is read in: no channel named as likely
        ),
    )
    assert judge.last[-1].text.endswith(
        says(
            "card.deadline",
            milestone=lab_milestone("form_delivered"),
            deadline=says("card.due_today", deadline="2026-03-06 24:00 前"),
        )
    )
    # Received today, Friday 2026-03-06: due on Monday 2026-03-09.
    await dialogue(
        judge,
        [
            ("/new", asks_received("2026-03-06 10:00")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            (Press(EXTERNAL), asks(Step.INQUIRY_AT)),
            (Press(SKIP), asks(Step.CHANNEL)),
        ],
    )
    missing = "、".join(
        says(f"card.{step}")
        for step in (
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
            "summary",
            "art9",
            "serious",
            "route",
            "originals",
        )
    )
    [mine] = await judge.say("/mine")
    assert mine == "\n".join(
        [
            says("views.drafts", count=1),
            says(
                "views.draft_row",
                title="草稿 #2",
                received="2026-03-06 10:00",
                todo=f"还缺：{missing}",
                deadline="期限 · 填表登记：2026-03-09 24:00 前",
            ),
            says("views.resume_hint", id=2),
            says("views.submitted", count=1),
            says(
                "views.record_row",
                title="温法过问〔2026〕1号",
                inquirer="王某",
                case="（2026）豫0825民初123号",
                deadline="期限 · 录入平台：已逾期 1 天（期限 2026-03-05 24:00 前）",
            ),
        ]
    )
    assert "2026-03-09 24:00 前" in mine
    # Another handler's /mine knows nothing of them.
    empty = says("views.mine_empty") + says("views.mine_empty_new")
    assert await court.chat("周强").say("/mine") == [empty]


def lab_milestone(value: str) -> str:
    from storage.vocabulary import Milestone

    return lab(Milestone(value))


async def test_resume_picks_up_the_latest_draft_or_the_one_named(court: Court) -> None:
    judge = court.chat("张伟")
    await dialogue(
        judge,
        [
            ("/resume", Exactly(says("intake.error.no_draft_new"))),
            ("/new", asks_received("2026-03-06 10:00")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
            ("/cancel", says("intake.cancel_reason", title="草稿 #1")),
            ("/cancel", asks(Step.SOURCE)),
            ("/resume", Exactly(asks(Step.SOURCE))),
            (
                "/resume #9",
                Exactly(says("intake.error.no_such_draft", ref="#9") + "\n\n" + asks(Step.SOURCE)),
            ),
            ("/resume 草稿 #1", Exactly(asks(Step.SOURCE))),
        ],
    )
    # Someone else's draft cannot be resumed.
    await dialogue(
        court.chat("周强"),
        [("/resume #1", Exactly(says("intake.error.no_such_draft", ref="#1")))],
    )
    # A draft can be resumed from its card.
    [card] = await judge.say("/record #1")
    assert "草稿 #1" in card
    await dialogue(judge, [(Press(says("views.resume")), Exactly(asks(Step.SOURCE)))])
