"""Art. 3: an inquiry by WeChat, SMS, e-mail or another network is captured by screenshot.

A record of such an inquiry with no evidence is warned of on the review card and in the
submission message (submitting is still allowed). A file sent with no draft open, by a handler
with submitted records, may be added to one of the latest of them: an amendment, in the audit
chain, and the corrected form goes again to those who hold a copy. Every way a file arrives
(photo, voice, document, album, forwarded text) takes the same way.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from dialogue import (
    ADD_HERE,
    DISMISS,
    KEPT,
    ROUTES,
    START_NEW,
    Again,
    Buttons,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Person,
    Press,
    amr_bytes,
    asks,
    asks_received,
    check,
    dialogue,
    events_of,
    evidence_of,
    lab,
    labels_of,
    local,
    open_court,
    phone_record,
    png_bytes,
    says,
    settings_for,
    verified,
)
from settings_kit import make_settings
from sqlalchemy import select
from test_form_copy_cosigned import copy_headings

from bot import config, maintenance
from handlers.fields import Step
from handlers.intake.media import RECENT
from handlers.ports import AttachmentKind
from reminders.clock import FakeClock
from storage import backup as archive
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent
from storage.verify import FileProblem, FileProblemKind
from storage.vocabulary import (
    NETWORK_CHANNELS,
    Channel,
    MaterialRoute,
    OriginalsDestination,
)

HOLDERS = ("李刚", "刘洋")


@pytest.fixture
async def court(db: Database, clock: FakeClock, tmp_path: Path) -> Court:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    return await open_court(bot)


def warning(channel: Channel) -> str:
    return says("intake.no_screenshot", channel=lab(channel))


def network_record(channel: Channel, *, number: str, draft: int = 1) -> list[tuple[object, object]]:
    """``phone_record`` by ``channel`` (a network one): the materials' route and the
    originals' destination are asked after 情节严重, then the review card and submission."""
    script = phone_record(number=number, draft=draft)
    at = next(n for n, (action, _) in enumerate(script) if action == Press(lab(Channel.PHONE)))
    script[at] = (Press(lab(channel)), script[at][1])
    *head, (serious, _), (submit, _) = script
    return [
        *head,
        (serious, (asks(Step.ROUTE), Buttons(*ROUTES, says("intake.back")))),
        (Press(lab(MaterialRoute.DIRECT)), asks(Step.ORIGINALS)),
        (Press(lab(OriginalsDestination.NO_ORIGINAL)), says("intake.review")),
        (submit, says("intake.submitted", number=number)),
    ]


@pytest.mark.parametrize("channel", sorted(NETWORK_CHANNELS))
async def test_an_electronic_inquiry_without_evidence_is_warned_of_on_the_card_and_submission(
    court: Court, channel: Channel
) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, network_record(channel, number="温法过问〔2026〕1号"))  # type: ignore[arg-type]
    texts = [m.text for m in judge.inbox()]
    [card] = [t for t in texts if t.startswith(says("intake.review"))]
    [submitted] = [t for t in texts if t.startswith(says("intake.submitted", number=_number(1)))]
    assert warning(channel) in card
    assert warning(channel) in submitted


async def test_a_phone_call_is_not_warned_of(court: Court) -> None:
    judge = court.chat("张伟")
    await dialogue(judge, phone_record())
    assert not any("细则第三条要求以截屏" in m.text for m in judge.inbox())


async def test_an_electronic_inquiry_with_its_screenshot_is_not_warned_of(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    photo = court.bot.file(AttachmentKind.PHOTO, png_bytes(), mime="image/png")
    script = network_record(Channel.WECHAT, number="温法过问〔2026〕1号")
    script[0] = (Forward(photo), script[0][1])
    for action, _ in script:
        await judge.act(action)  # type: ignore[arg-type]
    texts = [m.text for m in judge.inbox()]
    assert any(t.startswith(says("intake.submitted", number=_number(1))) for t in texts)
    assert not any(warning(Channel.WECHAT) in t for t in texts)
    assert len(await evidence_of(db, 1)) == 1


# -- a file after submission -------------------------------------------------------------

Arrival = Callable[[DialogueBot], list[Forward]]


def _photo(bot: DialogueBot) -> list[Forward]:
    return [Forward(bot.file(AttachmentKind.PHOTO, png_bytes(), mime="image/png"))]


def _voice(bot: DialogueBot) -> list[Forward]:
    return [Forward(bot.file(AttachmentKind.VOICE, amr_bytes(), mime="audio/amr", duration_s=3))]


def _document(bot: DialogueBot) -> list[Forward]:
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    file = bot.file(AttachmentKind.DOCUMENT, data, name="来函.pdf", mime="application/pdf")
    return [Forward(file, caption="县政协来函")]


def _album(bot: DialogueBot) -> list[Forward]:
    at = local("2026-03-06 09:00")
    return [
        Forward(
            bot.file(AttachmentKind.PHOTO, png_bytes((n, 9, 9)), mime="image/png"),
            album="album-1",
            at=at,
        )
        for n in (1, 2, 3)
    ]


def _text(bot: DialogueBot) -> list[Forward]:
    del bot
    return [
        Forward(caption="张法官，那个案子你多费心。", at=local("2026-03-06 09:40"), sender="王某")
    ]


ARRIVALS: dict[str, Arrival] = {
    "photo": _photo,
    "voice": _voice,
    "document": _document,
    "album": _album,
    "text": _text,
}


def _number(n: int) -> str:
    return f"温法过问〔2026〕{n}号"


async def _submit(judge: Person, count: int) -> None:
    for n in range(1, count + 1):
        for action, _ in phone_record(number=_number(n), draft=n, inquirer=f"王{n}号"):
            await judge.act(action)


def _choice_labels(count: int) -> list[str]:
    """The question's buttons: the latest submitted records first, then a new record."""
    latest = list(range(count, max(count - RECENT, 0), -1))
    case = "张某诉李某民间借贷纠纷案"  # by case name, as every record is
    return [says("intake.add_to_submitted", number=_number(n), case=case) for n in latest] + [
        START_NEW,
        DISMISS,
    ]


async def _evidence_events(db: Database, record_id: int) -> list[str]:
    return [event.kind for event in await events_of(db, record_id)]


@pytest.mark.parametrize("how", sorted(ARRIVALS))
@pytest.mark.parametrize("submitted", [0, 1, RECENT + 1])
async def test_a_file_with_no_draft_open_may_join_a_submitted_record(
    court: Court, db: Database, clock: FakeClock, how: str, submitted: int
) -> None:
    judge = court.chat("张伟")
    await _submit(judge, submitted)
    clock.advance(timedelta(hours=2))  # the screenshot follows an hour or two later
    forwards = ARRIVALS[how](court.bot)
    first = [m for m in await judge.act(forwards[0])]
    if submitted == 0:  # nothing to add to: a new draft, as before
        assert not any(m.buttons and START_NEW in str(m.buttons) for m in first[:1])
        assert (
            says("intake.started_with_files", title="草稿 #1", count=1) in first[0].text
            or says("intake.started_with_message", title="草稿 #1", what="1 条消息")
            in first[0].text
        )
        return

    def what(count: int) -> str:
        return "1 条消息" if how == "text" else f"{count} 个文件"

    assert first[-1].text == says("intake.submitted_choice_first", what=what(1), kept=KEPT)
    assert judge.offered() == _choice_labels(submitted)
    for n, more in enumerate(forwards[1:], 2):  # the rest of an album is held too, unasked
        [held] = await judge.act(more)
        assert held.text == says("intake.held_submitted", what=what(1), total=what(n), kept=KEPT)
        assert judge.offered() == _choice_labels(submitted)
    target = submitted  # the latest
    before = len(await evidence_of(db, target))
    kinds_before = await _evidence_events(db, target)
    replies = [m.text for m in await judge.act(Press(_choice_labels(submitted)[0]))]
    items = await evidence_of(db, target)
    assert len(items) == before + len(forwards)
    added = says(
        "intake.added_to_submitted",
        what=what(len(forwards)),
        number=_number(target),
        count=len(items),
    )
    assert replies[0] == added
    kinds = await _evidence_events(db, target)
    assert kinds[: len(kinds_before)] == kinds_before  # nothing rewritten
    assert kinds[len(kinds_before) :] == [AuditKind.EVIDENCE_ADDED] * len(forwards)
    assert AuditKind.SUBMITTED in kinds_before
    # No draft was made, and the other records were left alone.
    assert not any("草稿 #" in t for t in replies)
    for other in range(1, submitted):
        assert await evidence_of(db, other) == []
    # /record lists it.
    [card] = [m.text for m in await judge.act(f"/record {_number(target)}")]
    assert says("evidence.none") not in card
    assert f"证据：共 {len(items)} 项" in card
    added = [
        says("evidence.added_after_submission", n=n, at="2026-03-06 12:00")
        for n in range(before + 1, len(items) + 1)
    ]
    assert [line for line in card.splitlines() if "提交后于" in line] == added
    problems, _ = await verified(db, court.bot.evidence_dir)
    assert problems == []


@pytest.mark.parametrize("how", sorted(ARRIVALS))
async def test_a_new_record_may_still_be_started(court: Court, db: Database, how: str) -> None:
    judge = court.chat("张伟")
    await _submit(judge, 1)
    forwards = ARRIVALS[how](court.bot)
    for forward in forwards:
        await judge.act(forward)
    replies = [m.text for m in await judge.act(Press(START_NEW))]
    assert any("草稿 #2" in t for t in replies)
    assert len(await evidence_of(db, 2)) == len(forwards)
    assert await evidence_of(db, 1) == []


async def _leave_open(judge: Person, drafts: int, submitted: int) -> None:
    """``drafts`` drafts left open (each by "start a new record"), then ``submitted`` records
    submitted after them, or, with none, one more draft withdrawn: no draft is being filled
    in at the end, though ``drafts`` are open."""

    async def new() -> None:
        if START_NEW in labels_of(await judge.act("/new")):
            await judge.act(Press(START_NEW))

    for _ in range(drafts):
        await new()
    for n in range(1, submitted + 1):
        await new()
        for action, _ in phone_record(number=_number(n), inquirer=f"王{n}号")[1:]:
            await judge.act(action)
    if not submitted:
        await new()
        await judge.act("/cancel")
        await judge.act("误建")


@pytest.mark.parametrize("how", sorted(ARRIVALS))
@pytest.mark.parametrize(("drafts", "submitted"), [(1, 1), (2, 0), (2, RECENT + 1)])
async def test_material_with_drafts_left_open_is_offered_to_each_of_them(
    court: Court, db: Database, how: str, drafts: int, submitted: int
) -> None:
    """Material that comes while no draft is being filled in, from a judge with drafts left
    open, names those drafts and offers each (the latest first) beside the latest submitted
    records: it never asks only about submitted records, nor starts a new draft unasked.
    The one chosen gets the material and goes on from where it stopped."""
    judge = court.chat("张伟")
    await _leave_open(judge, drafts, submitted)
    forwards = ARRIVALS[how](court.bot)
    titles = [f"草稿 #{n}" for n in range(drafts, 0, -1)]
    named = "、".join(titles)
    submitted_ids = [n + drafts for n in range(1, submitted + 1)]
    latest = [n for n in range(submitted, max(submitted - RECENT, 0), -1)]
    case = "张某诉李某民间借贷纠纷案"
    labels = [
        *(says("intake.add_to_draft", title=title) for title in titles),
        *(says("intake.add_to_submitted", number=_number(n), case=case) for n in latest),
        START_NEW,
        DISMISS,
    ]

    def what(count: int) -> str:
        return "1 条消息" if how == "text" else f"{count} 个文件"

    first = await judge.act(forwards[0])
    check(
        (
            Exactly(says("intake.record_choice_first", what=what(1), drafts=named, kept=KEPT)),
            Buttons(*labels),
        ),
        first,
    )
    for n, more in enumerate(forwards[1:], 2):
        check(
            (
                Exactly(says("intake.held_record", what=what(1), total=what(n), kept=KEPT)),
                Buttons(*labels),
            ),
            await judge.act(more),
        )
    check(
        (Again(says("intake.error.choose"), says("intake.record_choice", drafts=named)),),
        await judge.act("随便说一句"),
    )
    assert judge.offered() == labels
    oldest = titles[-1]
    replies = await judge.act(Press(says("intake.add_to_draft", title=oldest)))
    check(
        (
            says("intake.added", title=oldest, count=len(forwards)),
            asks_received("2026-03-06 10:00"),
        ),
        replies,
    )
    assert len(await evidence_of(db, 1)) == len(forwards)
    for other in [*range(2, drafts + 1), *submitted_ids]:
        assert await evidence_of(db, other) == []
    texts = [m.text for m in judge.inbox()]
    assert not any(says("intake.submitted_choice") in t for t in texts)


def _other_labels(others: list[int], drafts: int, numbered: list[int]) -> list[str]:
    """The buttons offering ``others`` (record ids: drafts ``1..drafts``, then submitted
    records numbered as ``numbered`` lists them, by id order) beside the draft filled in."""
    case = "张某诉李某民间借贷纠纷案"
    return [
        says("intake.add_to_draft", title=f"草稿 #{n}")
        if n <= drafts
        else says("intake.add_to_submitted", number=_number(numbered[n - drafts - 1]), case=case)
        for n in others
    ]


@pytest.mark.parametrize("how", sorted(ARRIVALS))
@pytest.mark.parametrize(
    ("drafts", "filled", "submitted"),
    [(1, 1, 0), (1, 1, 1), (2, 1, 0), (2, 2, 1), (3, 2, 0), (3, 1, RECENT + 1)],
)
async def test_material_while_a_draft_is_filled_in_is_offered_to_every_record(
    court: Court, db: Database, how: str, drafts: int, filled: int, submitted: int
) -> None:
    """Material that comes while a draft is being filled in is offered to that draft first,
    then to the judge's other open drafts (the latest first), then to the latest submitted
    records, then a new record or 发错了; the question counts the open drafts truly. The
    record chosen gets the material; the draft being filled in keeps its place."""
    judge = court.chat("张伟")
    await _leave_open(judge, drafts, submitted)
    await judge.act(f"/resume #{filled}")
    forwards = ARRIVALS[how](court.bot)
    title = f"草稿 #{filled}"
    other_drafts = [n for n in range(drafts, 0, -1) if n != filled]
    latest = [drafts + n for n in range(submitted, max(submitted - RECENT, 0), -1)]
    others = [*other_drafts, *latest]
    numbered = list(range(1, submitted + 1))
    beside = _other_labels(others, drafts, numbered)
    labels = [ADD_HERE, *beside, START_NEW, DISMISS]

    def what(count: int) -> str:
        return "1 条消息" if how == "text" else f"{count} 个文件"

    named = "、".join(f"草稿 #{n}" for n in other_drafts)
    if other_drafts:
        asked = says(
            "intake.media_choice_drafts", count=drafts, title=title, drafts=named, kept=KEPT
        )
    elif latest:
        asked = says("intake.media_choice_records", title=title, kept=KEPT)
    else:
        asked = says("intake.media_choice", title=title, kept=KEPT)
    check((Exactly(asked), Buttons(*labels)), await judge.act(forwards[0]))
    held = "intake.held_beside" if others else "intake.held"
    for n, more in enumerate(forwards[1:], 2):
        check(
            (
                Exactly(says(held, what=what(1), total=what(n), title=title, kept=KEPT)),
                Buttons(*labels),
            ),
            await judge.act(more),
        )
    check((Again(says("intake.error.choose"), asked),), await judge.act("随便说一句"))
    assert judge.offered() == labels
    if not others:
        return
    chosen = others[-1]  # the oldest offered
    before = len(await evidence_of(db, chosen))
    await judge.act(Press(beside[-1]))
    assert len(await evidence_of(db, chosen)) == before + len(forwards)
    for other in [n for n in range(1, drafts + submitted + 1) if n != chosen]:
        assert await evidence_of(db, other) == []
    # The draft being filled in kept its place: the next file is asked about it again.
    another = court.bot.file(AttachmentKind.PHOTO, png_bytes((50, 60, 70)), mime="image/png")
    check((Exactly(asked), Buttons(*labels)), await judge.act(Forward(another)))


@pytest.mark.parametrize("filling", [False, True])
async def test_the_record_whose_correction_asked_for_a_file_is_offered_first(
    court: Court, db: Database, filling: bool
) -> None:
    """The correction's list says "send me the file, then choose this record": the record
    is offered first among the submitted records, though older than the latest, whether or
    not a draft is being filled in."""
    judge = court.chat("张伟")
    await _submit(judge, RECENT + 1)
    if filling:
        await judge.act("/new")
    await judge.act(f"/record {_number(1)}")
    await judge.act(Press(says("views.amend")))
    case = "张某诉李某民间借贷纠纷案"
    first = says("intake.add_to_submitted", number=_number(1), case=case)
    latest = [
        says("intake.add_to_submitted", number=_number(n), case=case)
        for n in range(RECENT + 1, 1, -1)
    ]
    await judge.act(_photo(court.bot)[0])
    head = [ADD_HERE] if filling else []
    assert judge.offered() == [*head, first, *latest, START_NEW, DISMISS]
    await judge.act(Press(first))
    assert len(await evidence_of(db, 1)) == 1
    for other in range(2, RECENT + 3):
        assert await evidence_of(db, other) == []


async def test_the_question_holds_the_files_until_answered(court: Court, db: Database) -> None:
    judge = court.chat("张伟")
    await _submit(judge, 1)
    await judge.act(_photo(court.bot)[0])
    for typed in ("随便说一句", "/back"):  # /cancel dismisses (see below), /new is "new"
        replies = await judge.act(typed)
        assert says("intake.submitted_choice") in replies[-1].text
        assert judge.offered() == _choice_labels(1)
    await judge.act(Press(_choice_labels(1)[0]))
    assert len(await evidence_of(db, 1)) == 1
    await judge.act(_photo(court.bot)[0])  # typed /new is the question's "start a new record"
    replies = await judge.act("/new")
    assert any(
        says("intake.started_with_files", title="草稿 #2", count=1) in m.text for m in replies
    )
    assert len(await evidence_of(db, 2)) == 1


async def test_a_delivered_form_goes_again_with_the_added_evidence(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    await _submit(judge, 1)
    await judge.act(f"/deliver {_number(1)}")
    sent_before = {name: len(court.chat(name).inbox()) for name in HOLDERS}
    await judge.act(_photo(court.bot)[0])
    replies = [m.text for m in await judge.act(Press(_choice_labels(1)[0]))]
    head = says("milestones.redelivered_supplemented", title=_number(1), previous="X", copies="Y")
    assert any(t.startswith(head.split("X")[0]) for t in replies), replies
    corrected = says("milestones.redelivered", title=_number(1), previous="X", copies="Y")
    assert not any(t.startswith(corrected.split("X")[0]) for t in replies), replies
    kept = (AuditKind.MILESTONE_MET, AuditKind.EVIDENCE_ADDED, AuditKind.FORM_RESENT)
    kinds = [k for k in await _evidence_events(db, 1) if k in kept]
    assert kinds[-3:] == [*kept]
    # The holders are told evidence was added, the entries unchanged: not of a correction.
    supplemented = says(
        "reminders.form_copy_supplemented",
        handler="张伟",
        department="民一庭",
        number=_number(1),
        previous="X",
        card="",
    ).split("X")[0]
    for name in HOLDERS:
        got = court.chat(name).inbox()[sent_before[name] :]
        assert any(m.text.startswith(supplemented) for m in got), [m.text for m in got]
    # /record names the copy for what it is: evidence added, not a correction.
    [card] = [m.text for m in await judge.act(f"/record {_number(1)}")]
    assert copy_headings(card) == ["first", "supplemented"], card
    # Nothing more is outdated: /deliver says when the last copy went.
    [again] = [m.text for m in await judge.act(f"/deliver {_number(1)}")]
    assert again.startswith(
        says("milestones.deliver_already", title=_number(1), at="X").split("X")[0]
    )


async def test_someone_elses_record_is_never_offered(court: Court, db: Database) -> None:
    await _submit(court.chat("张伟"), 1)
    other = court.chat("周强")  # a handler of another department
    replies = [m.text for m in await other.act(_photo(court.bot)[0])]
    assert replies[0] == says("intake.started_with_files", title="草稿 #2", count=1)
    assert not any(_number(1) in t for t in replies)


@pytest.mark.parametrize("how", sorted(ARRIVALS))
@pytest.mark.parametrize("leave", ["button", "/cancel"])
async def test_a_file_sent_by_mistake_is_dismissed_yet_kept_in_the_audit_trail(
    court: Court, db: Database, clock: FakeClock, how: str, leave: str
) -> None:
    """At "add to which submitted record, or new?", the dismiss button and /cancel alike
    register the material on no record, log each file as received and dismissed (with its
    hash), and leave the judge free: /new then opens a draft."""
    judge = court.chat("张伟")
    await _submit(judge, 1)
    before = len(await evidence_of(db, 1))
    forwards = ARRIVALS[how](court.bot)
    for forward in forwards:
        await judge.act(forward)
    assert judge.offered() == _choice_labels(1)
    replies = await judge.act(Press(DISMISS) if leave == "button" else leave)
    assert any("不登记到任何记录" in m.text for m in replies), replies
    assert len(await evidence_of(db, 1)) == before
    async with db.transaction() as session:
        events = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.kind == AuditKind.EVIDENCE_REFUSED)
            )
        ).all()
    dismissed = [e for e in events if json.loads(e.payload).get("reason") == "dismissed"]
    assert len(dismissed) == len(forwards)
    assert all(json.loads(e.payload)["sha256"] for e in dismissed)
    started = await judge.act("/new")
    assert any(says("intake.started", title="草稿 #2") in m.text for m in started), started


@pytest.mark.parametrize("how", sorted(ARRIVALS))
@pytest.mark.parametrize("stage", ["held", "dismissed"])
@pytest.mark.parametrize("tamper", ["removed", "altered"])
async def test_verify_checks_the_files_held_or_dismissed_at_the_question(
    court: Court, db: Database, how: str, stage: str, tamper: str
) -> None:
    """Files kept on no record (held at "add to which record, or new?", or dismissed there)
    are evidence all the same: ``guowen verify`` re-hashes each, and names one removed or
    altered behind the bot's back."""
    judge = court.chat("张伟")
    await _submit(judge, 1)
    for forward in ARRIVALS[how](court.bot):
        await judge.act(forward)
    if stage == "dismissed":
        await judge.act(Press(DISMISS))
    async with db.transaction() as session:
        kind = AuditKind.EVIDENCE_HELD if stage == "held" else AuditKind.EVIDENCE_REFUSED
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.kind == kind))).all()
    kept = sorted({json.loads(e.payload)["sha256"] for e in events})
    assert kept, events
    assert (await verified(db, court.bot.evidence_dir))[0] == []
    blob = next(court.bot.evidence_dir.rglob(kept[0]))  # wherever the store lays it out
    blob.chmod(0o644)
    if tamper == "removed":
        blob.unlink()
    else:
        blob.write_bytes(blob.read_bytes() + b"\0")
    problems, _ = await verified(db, court.bot.evidence_dir)
    wanted = FileProblemKind.MISSING if tamper == "removed" else FileProblemKind.CHANGED
    assert [(p.kind, p.sha256) for p in problems if isinstance(p, FileProblem)] == [
        (wanted, kept[0])
    ], problems


@pytest.mark.parametrize("dump", ["native", "logical"])
@pytest.mark.parametrize("stage", ["held", "dismissed"])
async def test_a_backup_carries_the_files_held_or_dismissed_and_its_copy_verifies(
    court: Court, db: Database, clock: FakeClock, tmp_path: Path, stage: str, dump: str
) -> None:
    """The judge was told a file sent by mistake stays stored as received: the backup carries
    it like any evidence (it has no blob row; only its arrival event names it), so the
    restored copy passes ``guowen verify``, which re-hashes it there too."""
    judge = court.chat("张伟")
    await _submit(judge, 1)
    for forward in ARRIVALS["album"](court.bot):
        await judge.act(forward)
    if stage == "dismissed":
        await judge.act(Press(DISMISS))
    kind = AuditKind.EVIDENCE_HELD if stage == "held" else AuditKind.EVIDENCE_REFUSED
    async with db.transaction() as session:
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.kind == kind))).all()
    kept = sorted({json.loads(e.payload)["sha256"] for e in events})
    assert kept, events
    if dump == "native" and db.dialect == "postgresql" and archive.find_pg_dump() is None:
        pytest.skip("no pg_dump on PATH nor in /usr/lib/postgresql/*/bin")
    settings = make_settings(court.bot.evidence_dir, database_url=db.url)
    target = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    code = await maintenance.backup(settings, target, clock.now(), out, logical=dump == "logical")
    assert code == 0, out.getvalue()
    with tarfile.open(target) as tar:
        names = set(tar.getnames())
        listed = tar.extractfile("manifest.json")
        assert listed is not None
        manifest = json.loads(listed.read())
    assert {f"evidence/{sha[:2]}/{sha[2:4]}/{sha}" for sha in kept} <= names, names
    assert manifest["missing"] == [] and manifest["altered"] == {}
    if db.dialect != "sqlite" or dump == "logical":
        return  # a PostgreSQL or logical dump loads into a database: test_backup.py
    into = tmp_path / "restored"
    assert maintenance.restore(target, into, io.StringIO()) == 0
    out = io.StringIO()
    assert await maintenance.verify(config.load(into / "config.toml"), out, progress=False) == 0
    said = out.getvalue()
    assert says("maintenance.verify_held", held=len(kept)) in said, said
