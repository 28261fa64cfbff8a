"""``guowen verify``: an untouched store passes; every kind of tampering is found and named.

Tampering goes around the append-only triggers the way an intruder with database access
would: drop the trigger, change the row, put the trigger back.
"""

from __future__ import annotations

import io
import os
import string
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from settings_kit import make_settings
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from test_evidence import add_file, jpeg_bytes, make_record, png_bytes, wav_bytes

from bot import maintenance
from bot.config import Settings
from handlers.i18n import catalogs, t
from reminders.clock import FakeClock
from storage import append_only, audit
from storage.audit import AuditKind, ChainProblem, ChainProblemKind
from storage.db import Database
from storage.evidence import EvidenceStore
from storage.models import AuditEvent, EvidenceItem
from storage.verify import (
    FileProblem,
    FileProblemKind,
    ItemProblem,
    ItemProblemKind,
    Problem,
    Progress,
    Summary,
    verify,
)
from storage.vocabulary import Language


def settings_for(url: str, evidence_dir: Path, language: str = "zh-CN") -> Settings:
    return make_settings(evidence_dir, database_url=url, language=language)


@asynccontextmanager
async def around_triggers(db: Database, table: str) -> AsyncIterator[AsyncSession]:
    """A transaction in which ``table`` is writable, as an intruder would make it."""
    sqlite = db.dialect == "sqlite"
    async with db.transaction() as session:
        connection = await session.connection()
        for name in append_only.trigger_names(db.dialect, table):
            await connection.exec_driver_sql(
                f"DROP TRIGGER {name}" + ("" if sqlite else f" ON {table}")
            )
        yield session
        for statement in append_only.statements(db.dialect, table):
            await connection.exec_driver_sql(statement)


async def problems(db: Database, store: EvidenceStore) -> list[Problem]:
    found: list[Problem] = []
    async for report in verify(db, store.root, page=2):
        if not isinstance(report, Progress | Summary):
            found.append(report)
    return found


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence", max_bytes=8 * 1024 * 1024)


@pytest.fixture
async def items(db: Database, store: EvidenceStore, clock: FakeClock) -> list[EvidenceItem]:
    """Three files (events 1-3) and the handler's registration (4)."""
    ids = await make_record(db, clock)
    kept = [
        await add_file(db, store, clock, ids, png_bytes(), "截图.png", "image/png"),
        await add_file(db, store, clock, ids, wav_bytes(1.0), "录音.wav", "audio/wav"),
        await add_file(db, store, clock, ids, jpeg_bytes(), "信件.jpg", "image/jpeg"),
    ]
    async with db.transaction() as session:
        # The handler that make_record wrote, registered in the chain as the program does.
        await audit.append(
            session,
            AuditKind.STAFF_ADDED,
            at=clock.now(),
            subject=f"staff:{ids[0]}",
            payload={"name": "张三", "department": None, "roles": []},
        )
    return kept


def sha_of(item: EvidenceItem) -> str:
    assert item.blob_sha256 is not None
    return item.blob_sha256


async def run(settings: Settings, err: io.StringIO | None = None) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await maintenance.verify(settings, out, progress=err is not None, err=err)
    return code, out.getvalue().splitlines()


# --------------------------------------------------------------------------- intact


async def test_an_untouched_store_passes_with_one_summary_line(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    assert await problems(db, store) == []
    summary = [r async for r in verify(db, store.root) if isinstance(r, Summary)]
    assert summary[0].files == 3 and summary[0].events == 4 and summary[0].items == 3
    assert summary[0].thumbnails == 2

    code, lines = await run(settings_for(database_url, store.root))
    assert code == 0 and len(lines) == 1
    async with db.transaction() as session:
        head = await audit.head(session)
    assert lines[0].startswith("校验通过：3 个证据文件") and head.hash in lines[0]


async def test_an_empty_store_passes(db: Database, store: EvidenceStore, database_url: str) -> None:
    code, lines = await run(settings_for(database_url, store.root, "en"))
    assert code == 0 and lines[0].startswith("Intact: 0 evidence files")


# --------------------------------------------------------------------------- files


async def test_a_changed_file_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    path = store.path_of(sha_of(items[1]))
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF
    path.write_bytes(bytes(data))

    found = await problems(db, store)
    assert len(found) == 1
    problem = found[0]
    assert isinstance(problem, FileProblem) and problem.kind is FileProblemKind.CHANGED
    assert problem.sha256 == sha_of(items[1]) and problem.actual_sha256 != sha_of(items[1])
    code, lines = await run(settings_for(database_url, store.root))
    assert code == 1 and len(lines) == 1
    assert lines[0].startswith("证据文件已被改动") and sha_of(items[1]) in lines[0]


async def test_a_missing_file_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    store.path_of(sha_of(items[0])).unlink()
    found = await problems(db, store)
    assert found == [
        FileProblem(
            FileProblemKind.MISSING,
            sha_of(items[0]),
            store.path_of(sha_of(items[0])),
            expected_size=items[0].blob.size if items[0].blob else None,
        )
    ]
    code, lines = await run(settings_for(database_url, store.root, "en"))
    where = store.path_of(sha_of(items[0]))
    assert code == 1 and lines == [
        f"Evidence file missing: {sha_of(items[0])} (expected at {where})."
    ]


async def test_a_missing_thumbnail_is_named_as_a_thumbnail(
    db: Database, store: EvidenceStore, items: list[EvidenceItem]
) -> None:
    blob = items[0].blob
    assert blob is not None and blob.thumbnail_sha256 is not None
    store.thumbnail_path_of(blob.thumbnail_sha256).unlink()
    [problem] = await problems(db, store)
    assert isinstance(problem, FileProblem) and problem.thumbnail
    assert problem.kind is FileProblemKind.MISSING
    assert maintenance.describe(Language.ZH, problem).startswith("缩略图缺失")


async def test_a_blob_row_with_a_changed_size_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem]
) -> None:
    async with around_triggers(db, "evidence_blobs") as session:
        await session.execute(
            text("UPDATE evidence_blobs SET size = size + 1 WHERE sha256 = :s"),
            {"s": sha_of(items[2])},
        )
    found = await problems(db, store)
    kinds = {(type(p).__name__, p.kind) for p in found}
    assert kinds == {
        ("FileProblem", FileProblemKind.SIZE_MISMATCH),
        ("ItemProblem", ItemProblemKind.ALTERED),
    }
    altered = [p for p in found if isinstance(p, ItemProblem)]
    assert altered[0].fields == ("size",) and altered[0].item_id == items[2].id


# --------------------------------------------------------------------------- the chain


async def test_an_altered_event_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    async with around_triggers(db, "audit_events") as session:
        await session.execute(text("UPDATE audit_events SET actor = '某人' WHERE seq = 4"))
    assert await problems(db, store) == [ChainProblem(ChainProblemKind.ALTERED, 4)]
    code, lines = await run(settings_for(database_url, store.root))
    assert code == 1 and lines == ["审计事件 #4 已被改动：内容与其哈希不符。"]


async def test_a_removed_event_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    async with around_triggers(db, "audit_events") as session:
        await session.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    found = await problems(db, store)
    assert ChainProblem(ChainProblemKind.REMOVED, 2, "2..2", 2) in found
    # The evidence row that event recorded now has no event: named as well.
    assert ItemProblem(ItemProblemKind.UNLOGGED, items[1].id) in found
    code, lines = await run(settings_for(database_url, store.root))
    assert code == 1 and "审计事件 #2 已被删除。" in lines


async def test_removed_events_at_the_end_are_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    async with around_triggers(db, "audit_events") as session:
        await session.execute(text("DELETE FROM audit_events WHERE seq >= 3"))
    found = await problems(db, store)
    assert ChainProblem(ChainProblemKind.REMOVED, 3, "3..4", 4) in found
    code, lines = await run(settings_for(database_url, store.root, "en"))
    assert code == 1 and "Audit events #3 to #4 were removed." in lines


async def test_a_broken_link_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem]
) -> None:
    """Event 3 rewritten to point elsewhere, with a hash that matches its new content."""
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.seq == 3)
        event = (await session.execute(query)).scalar_one()
    forged = audit.event_hash(
        seq=3,
        at=event.at,
        kind=event.kind,
        actor_staff_id=event.actor_staff_id,
        actor=event.actor,
        subject=event.subject,
        payload=event.payload,
        prev_hash="f" * 64,
    )
    async with around_triggers(db, "audit_events") as session:
        await session.execute(
            text("UPDATE audit_events SET prev_hash = :p, hash = :h WHERE seq = 3"),
            {"p": "f" * 64, "h": forged},
        )
    found = await problems(db, store)
    assert ChainProblem(ChainProblemKind.BROKEN_LINK, 3) in found
    assert ChainProblem(ChainProblemKind.ALTERED, 3) not in found
    assert maintenance.describe("en", ChainProblem(ChainProblemKind.BROKEN_LINK, 3)).startswith(
        "The audit chain is broken at event #3"
    )


async def test_a_rewound_head_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem]
) -> None:
    async with around_triggers(db, "audit_head") as session:
        await session.execute(text("UPDATE audit_head SET hash = :h"), {"h": "0" * 64})
    assert await problems(db, store) == [ChainProblem(ChainProblemKind.HEAD_MISMATCH, 4)]


# --------------------------------------------------------------------------- evidence rows


async def test_an_altered_evidence_row_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    async with around_triggers(db, "evidence_items") as session:
        await session.execute(
            text("UPDATE evidence_items SET original_name = '无关.png' WHERE id = :i"),
            {"i": items[0].id},
        )
    assert await problems(db, store) == [
        ItemProblem(ItemProblemKind.ALTERED, items[0].id, 1, ("name",))
    ]
    code, lines = await run(settings_for(database_url, store.root))
    assert code == 1 and lines == [
        f"证据登记 #{items[0].id} 与审计事件 #1 的记载不符，不符的项：原文件名（name）。"
    ]


async def test_a_removed_evidence_row_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem]
) -> None:
    async with around_triggers(db, "evidence_items") as session:
        await session.execute(text("DELETE FROM evidence_items WHERE id = :i"), {"i": items[2].id})
    assert await problems(db, store) == [ItemProblem(ItemProblemKind.REMOVED, items[2].id, 3)]


async def test_an_evidence_row_written_around_the_program_is_found(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], clock: FakeClock
) -> None:
    async with db.transaction() as session:
        forged = EvidenceItem(
            record_id=items[0].record_id,
            blob_sha256=items[0].blob_sha256,
            original_name="伪造.png",
            transport="telegram",
            received_at=clock.now(),
            added_at=clock.now(),
            over_cap=False,
            disguised=False,
        )
        session.add(forged)
        await session.flush()
        forged_id = forged.id
    assert await problems(db, store) == [ItemProblem(ItemProblemKind.UNLOGGED, forged_id)]


# --------------------------------------------------------------------------- the command


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_the_bar_is_drawn_on_a_terminal_only(
    db: Database, store: EvidenceStore, items: list[EvidenceItem], database_url: str
) -> None:
    settings = settings_for(database_url, store.root)
    terminal = FakeTerminal()
    code, lines = await run(settings, terminal)
    assert code == 0 and len(lines) == 1
    drawn = terminal.getvalue()
    assert "\r校验证据文件 [" in drawn and "100%" in drawn and "\r校验审计链 [" in drawn
    assert drawn.endswith("\r\x1b[2K")

    pipe = io.StringIO()
    assert (await run(settings, pipe))[0] == 0
    assert pipe.getvalue() == ""


async def test_a_missing_sqlite_database_is_a_clear_usage_error(tmp_path: Path) -> None:
    settings = settings_for(f"sqlite+aiosqlite:///{tmp_path / 'nope.db'}", tmp_path)
    code, lines = await run(settings)
    assert code == 2 and lines == [
        f"找不到数据库文件 {tmp_path / 'nope.db'}。请检查配置中的 database_url。"
    ]
    assert not (tmp_path / "nope.db").exists()


def _placeholders(message: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(message) if name}


def test_both_languages_hold_the_same_maintenance_keys_and_placeholders() -> None:
    zh, en = catalogs()[Language.ZH], catalogs()[Language.EN]
    keys = {k for k in zh if k.startswith("maintenance.")}
    assert keys == {k for k in en if k.startswith("maintenance.")}
    for key in keys:
        assert _placeholders(zh[key]) == _placeholders(en[key]), key


@pytest.mark.parametrize("language", list(Language))
def test_every_problem_has_words(language: Language) -> None:
    every: list[Problem] = [
        *(
            FileProblem(kind, "a" * 64, Path("/x"), thumb)
            for kind in FileProblemKind
            for thumb in (False, True)
        ),
        *(ChainProblem(kind, 5, "", 7) for kind in ChainProblemKind),
        *(ItemProblem(kind, 9, 3, ("name",)) for kind in ItemProblemKind),
    ]
    for problem in every:
        line = maintenance.describe(language, problem)
        assert line and "{" not in line and "\n" not in line
    assert t(language, "maintenance.phase_items")
