"""Files through getFile: streamed into the evidence store, or recorded by their metadata when
the cloud Bot API will not hand them over (over 20 MiB), with a clear word to the handler."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from fake_botapi import FakeBotApi, add_telegram_person, api_fixture, fake_api, running_bot
from sqlalchemy import select

from reminders.clock import FakeClock
from storage.db import Database
from storage.evidence import UnavailableReason
from storage.models import EvidenceItem
from storage.vocabulary import Role

TOO_BIG = (
    "文件“案卷材料.pdf”（25.0 MB）超过聊天平台允许机器人下载的大小，未能取得文件本身，"
    "已记录文件信息。请务必在手机上保留原件，并联系信息技术部门提取。"
)


api = api_fixture()


async def items(db: Database) -> list[EvidenceItem]:
    async with db.transaction() as session:
        query = select(EvidenceItem).order_by(EvidenceItem.id)
        return list((await session.execute(query)).scalars())


async def test_a_file_over_20_mb_is_recorded_by_its_metadata(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)

        replies = await bot.run(
            await zhang.document(
                b"%PDF-1.7", file_name="案卷材料.pdf", mime_type="application/pdf", size=25_000_000
            )
        )

    assert replies[0] == TOO_BIG
    assert replies[1].startswith("已新建过问记录（草稿 #1），文件信息已记录在案")
    assert api.calls_to("getFile") == []  # the size in the update was enough to know
    [item] = await items(db)
    assert item.blob_sha256 is None
    assert item.unavailable_reason == UnavailableReason.TOO_BIG_FOR_TRANSPORT
    assert (item.original_name, item.declared_mime, item.declared_size) == (
        "案卷材料.pdf",
        "application/pdf",
        25_000_000,
    )
    assert item.transport_file_id is not None and item.record_id == 1


async def test_getfile_refusing_a_file_as_too_big_is_the_same(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    async with running_bot(api, db, clock, tmp_path) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)

        replies = await bot.run(
            await zhang.document(
                b"%PDF-1.7", file_name="案卷材料.pdf", size=25_000_000, declare_size=False
            )
        )

    assert [call.status for call in api.calls_to("getFile")] == [400]
    assert replies[0].startswith("文件“案卷材料.pdf”（? MB）超过聊天平台允许机器人下载的大小")
    [item] = await items(db)
    assert item.unavailable_reason == UnavailableReason.TOO_BIG_FOR_TRANSPORT


async def test_a_local_bot_api_server_lifts_the_limit(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    data = os.urandom(21 * 1024 * 1024)
    async with fake_api(local=True) as api, running_bot(api, db, clock, tmp_path) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)

        replies = await bot.run(await zhang.document(data, file_name="录像.bin"))

    assert replies[0].startswith("已收到 1 个文件并作为证据保存")
    [item] = await items(db)
    assert item.blob_sha256 == hashlib.sha256(data).hexdigest()
    assert item.unavailable_reason is None


async def test_a_failed_download_is_retried(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    api.file_failures = 2
    async with running_bot(api, db, clock, tmp_path) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)

        replies = await bot.run(await zhang.voice(b"OggS" + bytes(5000)))

    assert replies[0].startswith("已收到 1 个文件")
    assert [call.status for call in api.calls_to("file")] == [500, 500, 200]
    [item] = await items(db)
    assert item.blob is not None and item.blob.size == 5004


async def test_a_download_that_never_succeeds_is_recorded_and_said(
    api: FakeBotApi, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    api.file_failures = 100
    async with running_bot(api, db, clock, tmp_path) as bot:
        zhang = api.user(1001, "张伟")
        await add_telegram_person(db, clock, "张伟", [Role.HANDLER], zhang)

        replies = await bot.run(await zhang.voice(b"OggS" + bytes(5000)))

    assert replies[0].startswith("文件“（未命名文件）”下载失败，已记录文件信息。")
    [item] = await items(db)
    assert item.unavailable_reason == UnavailableReason.DOWNLOAD_FAILED
