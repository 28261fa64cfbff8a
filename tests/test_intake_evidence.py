"""Evidence that cannot be kept whole is still recorded, and the judge is told what to do.

A file over the court's size cap, one the chat service will not hand over, a download that
fails, a damaged picture: each leaves an evidence item with its metadata and a plain message,
and the draft goes on.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dialogue import (
    ADD_HERE,
    CONFIRM_TIME,
    EXTERNAL,
    NO,
    SAME_TIME,
    Court,
    DialogueBot,
    Exactly,
    Forward,
    Press,
    all_records,
    asks,
    asks_received,
    dialogue,
    evidence_of,
    jpeg_bytes,
    lab,
    local,
    open_court,
    png_bytes,
    record_row,
    says,
    settings_for,
    sha256,
    verified,
)
from test_thumbnails import one_bit_png

from handlers.fields import Step
from handlers.ports import AttachmentKind, FileUnavailable
from reminders.clock import FakeClock
from storage.db import Database
from storage.evidence import UnavailableReason
from storage.media import DamageReason
from storage.vocabulary import Channel, Intermediary, UnitCategory

RECEIVED = asks_received("2026-03-06 10:00")


@pytest.fixture
async def court(db: Database, clock: FakeClock, tmp_path: Path) -> Court:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    return await open_court(bot)


async def test_a_file_over_the_cap_is_recorded_without_its_bytes(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path, max_evidence_mb=1))
    court = await open_court(bot)
    judge = court.chat("张伟")
    video = bot.file(
        AttachmentKind.VIDEO, b"\x00" * 64, name="现场录像.mp4", mime="video/mp4", size=5_000_000
    )

    await dialogue(
        judge,
        [
            (
                Forward(video),
                Exactly(
                    says("evidence.over_cap", name="现场录像.mp4", size="5.0", limit="1.0"),
                    says("intake.started_metadata_only", title="草稿 #1"),
                    RECEIVED,
                ),
            ),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
        ],
    )
    [(item, blob)] = await evidence_of(db, 1)
    assert blob is None and item.blob_sha256 is None
    assert (item.over_cap, item.unavailable_reason) == (True, UnavailableReason.OVER_CAP)
    assert (item.original_name, item.declared_mime, item.declared_size) == (
        "现场录像.mp4",
        "video/mp4",
        5_000_000,
    )
    assert bot.transport.downloads == []  # too big to fetch at all
    [card] = await judge.say("/record #1")
    assert says("evidence.line", total=1, parts=says("evidence.metadata_only", count=1)) in card
    problems, summary = await verified(db, bot.evidence_dir)
    assert (problems, summary.files, summary.items) == ([], 0, 1)


async def test_a_file_the_transport_cannot_deliver_is_still_recorded(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    court = await open_court(bot)
    judge = court.chat("张伟")
    recording = bot.failing_file(
        AttachmentKind.AUDIO,
        lambda: FileUnavailable(UnavailableReason.TOO_BIG_FOR_TRANSPORT, "file is too big"),
        name="庭外录音.mp3",
        mime="audio/mpeg",
        size=30_000_000,
    )
    screenshot = bot.failing_file(
        AttachmentKind.PHOTO, lambda: OSError("connection reset"), name="截图.png"
    )
    kept = png_bytes()
    photo = bot.file(AttachmentKind.PHOTO, kept)

    await dialogue(
        judge,
        [
            (
                Forward(recording, album="a-1"),
                Exactly(
                    says(
                        "evidence.too_big_for_transport",
                        name="庭外录音.mp3",
                        size="30.0",
                        limit="2048.0",
                    ),
                    says("intake.started_metadata_only", title="草稿 #1"),
                    RECEIVED,
                ),
            ),
            (
                Forward(screenshot, album="a-1"),
                Exactly(
                    says("evidence.download_failed", name="截图.png"),
                    says("intake.album_more", title="草稿 #1", count=2),
                ),
            ),
            (Forward(photo, album="a-1"), Exactly("记录（草稿 #1）已收到 3 个文件。")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
        ],
    )
    items = await evidence_of(db, 1)
    assert [(i.original_name, i.unavailable_reason, i.over_cap) for i, _ in items] == [
        ("庭外录音.mp3", UnavailableReason.TOO_BIG_FOR_TRANSPORT, False),
        ("截图.png", UnavailableReason.DOWNLOAD_FAILED, False),
        (None, None, False),
    ]
    assert [blob.sha256 if blob else None for _, blob in items] == [None, None, sha256(kept)]
    assert bot.transport.downloads == [recording.file_id, screenshot.file_id, photo.file_id]
    assert (await verified(db, bot.evidence_dir))[0] == []


async def test_a_damaged_jpeg_is_kept_and_flagged(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    court = await open_court(bot)
    whole = jpeg_bytes()
    cut = whole[: len(whole) // 2]
    scan = bot.file(AttachmentKind.DOCUMENT, cut, name="来函扫描.jpg", mime="image/jpeg")

    await dialogue(
        court.chat("张伟"),
        [
            (
                Forward(scan, caption="县里转来的函"),
                Exactly(
                    says("evidence.damaged", name="来函扫描.jpg"),
                    says("intake.started_with_files", title="草稿 #1", count=1),
                    says("intake.caption_offered", caption="县里转来的函"),
                    RECEIVED,
                ),
            ),
        ],
    )
    [(item, blob)] = await evidence_of(db, 1)
    assert blob is not None and item.blob_sha256 == sha256(cut)
    assert (blob.kind, blob.damaged, blob.damage_reason) == ("image", True, DamageReason.TRUNCATED)
    store = bot.app.services.evidence
    assert store is not None and store.path_of(blob.sha256).read_bytes() == cut
    # Offered when the summary is asked, never stored as it unasked.
    assert (await record_row(db, 1))["summary"] is None
    assert (await verified(db, bot.evidence_dir))[0] == []


async def test_a_huge_scan_is_kept_whole_and_called_too_large_to_preview_not_damaged(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    court = await open_court(bot)
    data = one_bit_png(20_000, 20_000)
    scan = bot.file(AttachmentKind.DOCUMENT, data, name="卷宗扫描.png", mime="image/png")

    await dialogue(
        court.chat("张伟"),
        [
            (
                Forward(scan),
                Exactly(
                    says(
                        "evidence.too_large_to_preview",
                        name="卷宗扫描.png",
                        width=20_000,
                        height=20_000,
                    ),
                    says("intake.started_with_files", title="草稿 #1", count=1),
                    RECEIVED,
                ),
            ),
        ],
    )
    [(item, blob)] = await evidence_of(db, 1)
    assert blob is not None and item.blob_sha256 == sha256(data)
    assert (blob.kind, blob.damaged, blob.damage_reason) == ("image", False, None)
    assert (blob.width, blob.height, blob.thumbnail_sha256) == (20_000, 20_000, None)
    store = bot.app.services.evidence
    assert store is not None and store.path_of(blob.sha256).read_bytes() == data
    assert (await verified(db, bot.evidence_dir))[0] == []


async def test_a_file_that_is_not_what_its_name_says_is_flagged(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = DialogueBot(db, clock, settings_for(tmp_path))
    court = await open_court(bot)
    text = "王局长：请关照一下张某的案子。\n".encode()
    fake = bot.file(AttachmentKind.DOCUMENT, text, name="照片.jpg", mime="image/jpeg")
    await dialogue(
        court.chat("张伟"),
        [
            (
                Forward(fake),
                says("evidence.disguised", name="照片.jpg", kind=says("evidence.kind.text")),
            )
        ],
    )
    [(item, blob)] = await evidence_of(db, 1)
    assert item.disguised and blob is not None and blob.kind == "text"


async def test_a_forwarded_text_is_evidence_and_not_the_summary(court: Court, db: Database) -> None:
    judge = court.chat("张伟")
    message = "张法官，原告那个案子你多费心。——王建国"
    await dialogue(
        judge,
        [
            (
                Forward(caption=message, at=local("2026-03-06 09:40"), sender="王建国"),
                Exactly(
                    says("intake.started_with_message", title="草稿 #1", what="1 条消息"),
                    says("intake.message_offered"),
                    asks_received("2026-03-06 09:40"),
                ),
            )
        ],
    )
    [(item, blob)] = await evidence_of(db, 1)
    assert blob is not None and blob.sha256 == sha256(message.encode())
    assert (blob.kind, item.original_name) == ("text", "forwarded-message.txt")
    assert (await record_row(db, 1))["summary"] is None


ONE_NUMBER = "张法官，我是县住建局王建国，(2026)豫0825民初1234号那个案子请关照一下。"
TWO_NUMBERS = "（2026）豫0825民初1234号和（2026）豫0825民初1235号两个案子请关照。"
NO_NUMBER = "张法官，原告那个案子你多费心。"


@pytest.mark.parametrize(
    ("text", "number"),
    [
        (ONE_NUMBER, "（2026）豫0825民初1234号"),
        (TWO_NUMBERS, None),
        (NO_NUMBER, None),
        ("（2026）京0105民初1号" + "请关照" * 400, "（2026）京0105民初1号"),
    ],
)
@pytest.mark.parametrize("sender", ["王建国", None])
@pytest.mark.parametrize("opens", [True, False])
async def test_a_forwarded_text_is_a_message_offered_as_the_summary_its_case_number_proposed(
    court: Court, db: Database, text: str, number: str | None, sender: str | None, opens: bool
) -> None:
    """Whether it opens the draft or joins an open one: the reply calls it a message, its
    words are offered as the summary (when short enough to be one), the one case number it
    names is proposed (none when it names several or none), nothing is stored unasked, and
    the evidence line names the sender only when the transport showed one."""
    judge = court.chat("张伟")
    forward = Forward(caption=text, at=local("2026-03-06 09:40"), sender=sender)
    offered = len(text) <= 2000
    said = [says("intake.message_offered")] if offered else []
    if number is not None:
        said.append(says("intake.message_case_number", number=number))
    if opens:
        replies = [m.text for m in await judge.act(forward)]
        assert replies[0] == says("intake.started_with_message", title="草稿 #1", what="1 条消息")
    else:
        await judge.act("/new")
        await judge.act(forward)
        replies = [m.text for m in await judge.act(Press(ADD_HERE))]
        assert says("intake.added_material", title="草稿 #1", what="1 条消息") in replies
    if said:
        assert "\n".join(said) in replies
    else:
        assert not [r for r in replies if says("intake.message_offered") in r]
    [record] = await all_records(db)
    assert record.summary is None and record.case_number is None
    assert record.fields.get("caption_offered") == (text if offered else None)
    assert record.fields.get("caption_is_message") is (True if offered else None)
    read = record.fields.get("read_from_picture") or {}
    assert read.get("case_number") == number
    [card] = await judge.say("/record 草稿 #1")
    unknown = says("evidence.forwarded_unknown")
    named = says("evidence.forwarded_from", sender=sender)
    assert (named in card) if sender else (unknown in card)


async def test_the_forwarded_text_is_one_press_at_the_summary_and_its_case_number_a_proposal(
    court: Court, db: Database
) -> None:
    judge = court.chat("张伟")
    forward = Forward(caption=ONE_NUMBER, at=local("2026-03-06 09:40"))
    offer = asks(Step.SUMMARY) + "\n" + says("intake.message_offer", caption=ONE_NUMBER[:39] + "…")
    await dialogue(
        judge,
        [
            (forward, asks_received("2026-03-06 09:40")),
            (Press(CONFIRM_TIME), asks(Step.SOURCE)),
        ],
    )
    for action in (
        Press(EXTERNAL),
        Press(SAME_TIME),
        Press(lab(Channel.WECHAT)),
        "王建国",
        "温县住建局",
        "局长",
        Press(lab(UnitCategory.GOVERNMENT)),
        Press(NO),
        Press(NO),
        Press(lab(Intermediary.NONE)),
    ):
        await judge.act(action)
    replies = [m.text for m in await judge.act("张某诉李某民间借贷纠纷案")]
    assert replies == [asks(Step.CASE_NUMBER)]
    assert judge.offered()[0] == "（2026）豫0825民初1234号"  # proposed, one press
    replies = [m.text for m in await judge.act(Press("（2026）豫0825民初1234号"))]
    assert replies[-1] == offer
    assert judge.offered()[0] == says("intake.use_message")
    await judge.act(Press(says("intake.use_message")))
    [record] = await all_records(db)
    assert (record.summary, record.case_number) == (ONE_NUMBER, "（2026）豫0825民初1234号")


async def test_someone_who_is_not_a_handler_cannot_open_a_draft(court: Court, db: Database) -> None:
    bot = court.bot
    photo = bot.file(AttachmentKind.PHOTO, png_bytes())
    await dialogue(
        court.chat("李刚"),
        [
            (Forward(photo), Exactly(says("intake.error.not_handler"))),
            ("/new", Exactly(says("error.unknown_command", command="new"))),
        ],
    )
    assert await all_records(db) == []
    assert bot.transport.downloads == []  # a non-handler's files are never fetched
