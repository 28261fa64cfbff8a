"""``guowen backup`` / ``guowen restore``: the round trip verifies; bad input is refused clearly."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url
from test_evidence import add_file, jpeg_bytes, make_record, png_bytes, wav_bytes
from test_verify import settings_for

from bot import cli, config, maintenance
from handlers.i18n import t
from reminders.clock import FakeClock
from storage import audit
from storage import backup as archive
from storage.audit import AuditKind
from storage.db import Database
from storage.evidence import EvidenceStore
from storage.models import AuditEvent
from storage.vocabulary import Language


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence", max_bytes=8 * 1024 * 1024)


@pytest.fixture
async def filled(db: Database, store: EvidenceStore, clock: FakeClock) -> None:
    ids = await make_record(db, clock)
    await add_file(db, store, clock, ids, png_bytes(), "截图.png", "image/png")
    await add_file(db, store, clock, ids, wav_bytes(0.5), "录音.wav", "audio/wav")
    await add_file(db, store, clock, ids, jpeg_bytes(), "信件.jpg", "image/jpeg")


def pg_dump_or_skip(db: Database) -> None:
    if db.dialect == "postgresql" and archive.find_pg_dump() is None:
        pytest.skip("no pg_dump on PATH nor in /usr/lib/postgresql/*/bin")


@asynccontextmanager
async def scratch_pg(database_url: str) -> AsyncIterator[str]:
    """An empty PostgreSQL database to pg_restore into (dropped afterwards)."""
    import asyncpg

    base = make_url(database_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"guowen_r_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f"CREATE DATABASE {name}")
        yield base.set(database=name).render_as_string(hide_password=False)
        await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await connection.close()


async def load_dump(dump: Path, url: str) -> None:
    pg_dump = archive.find_pg_dump()
    assert pg_dump is not None
    pg_restore = str(Path(pg_dump).with_name("pg_restore"))
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    process = await asyncio.create_subprocess_exec(
        pg_restore, "--no-owner", f"--dbname={dsn}", str(dump), stderr=asyncio.subprocess.PIPE
    )
    _out, err = await process.communicate()
    assert process.returncode == 0, err.decode()


def members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        found = {}
        for member in tar:
            source = tar.extractfile(member)
            assert source is not None
            found[member.name] = source.read()
        return found


def unpacked(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A backup's manifest and its other members (name -> bytes)."""
    contents = members(path)
    return json.loads(contents.pop("manifest.json")), contents


def pack(path: Path, contents: dict[str, bytes]) -> Path:
    """A gzipped tar of ``contents`` (member name -> bytes), as a hand would forge one."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


async def backup_event(db: Database) -> dict[str, Any]:
    """The payload of the live chain's one ``backup_taken`` event."""
    async with db.transaction() as session:
        event = (
            await session.execute(select(AuditEvent).where(AuditEvent.kind == "backup_taken"))
        ).scalar_one()
    return dict(json.loads(event.payload))


async def keep_writing(db: Database, clock: FakeClock) -> None:
    """Thirty audit events, one transaction each: others writing while a backup runs."""
    for i in range(30):
        async with db.transaction() as session:
            await audit.append(session, AuditKind.FIELD_SET, at=clock.now(), payload={"i": i})


async def chain_of(url: str) -> tuple[list[object], tuple[int, str]]:
    """The audit chain of the database at ``url``: what its walk yields (each seq checked,
    and any problem), in order, and its head as (seq, hash)."""
    copy = Database(url)
    try:
        async with copy.transaction() as session:
            steps: list[object] = [s async for s in audit.walk(session)]
            head = await audit.head(session)
    finally:
        await copy.close()
    return steps, (head.seq, head.hash)


async def backed_up(
    settings: config.Settings,
    target: Path,
    clock: FakeClock,
    *,
    code: int = 0,
    logical: bool = False,
) -> str:
    """What ``guowen backup`` of ``settings`` into ``target`` said, its exit code ``code``."""
    out = io.StringIO()
    said = await maintenance.backup(settings, target, clock.now(), out, logical=logical)
    assert said == code, out.getvalue()
    return out.getvalue()


def restored_to(
    target: Path, into: Path, *, code: int = 0, language: Language | str | None = None
) -> str:
    """What ``guowen restore`` of ``target`` into ``into`` said, its exit code ``code``."""
    out = io.StringIO()
    assert maintenance.restore(target, into, out, language=language) == code, out.getvalue()
    return out.getvalue()


async def verified(settings: config.Settings) -> str:
    """What ``guowen verify`` of ``settings`` said, finding nothing wrong (exit 0)."""
    out = io.StringIO()
    assert await maintenance.verify(settings, out, progress=False) == 0, out.getvalue()
    return out.getvalue()


async def test_the_round_trip_verifies(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
) -> None:
    pg_dump_or_skip(db)
    settings = settings_for(database_url, store.root)
    target = tmp_path / "备份" / "guowen-2026-03-06.tar.gz"
    target.parent.mkdir()
    [line] = (await backed_up(settings, target, clock)).splitlines()
    assert line.startswith(f"备份完成：{target}（3 个证据文件")

    manifest, contents = unpacked(target)
    kind = "sqlite" if db.dialect == "sqlite" else "postgresql"
    assert manifest["database"]["kind"] == kind
    assert manifest["audit_head"]["seq"] == 3
    assert (manifest["evidence"]["files"], manifest["evidence"]["thumbnails"]) == (3, 2)
    assert set(manifest["files"]) == set(contents)
    assert sum(name.startswith("evidence/thumbs/") for name in contents) == 2
    assert not [target.parent / n for n in target.parent.iterdir() if n != target]  # no temp

    # The live chain records the backup, with the SHA-256 of the exact archive.
    payload = await backup_event(db)
    assert payload["head_seq"] == 3 and payload["database"] == kind
    assert payload["sha256"] in line and payload["size"] == target.stat().st_size

    into = tmp_path / "restored"
    said = restored_to(target, into)
    restored = config.load(into / "config.toml")
    assert Path(restored.storage.evidence_dir) == into / "evidence"
    async with AsyncExitStack() as stack:
        if kind == "postgresql":
            assert "pg_restore --no-owner" in said
            url = await stack.enter_async_context(scratch_pg(database_url))
            await load_dump(into / "database" / "guowen.pgdump", url)
            restored.storage.database_url = url
        else:
            assert said.startswith(f"已恢复到 {into}（审计链头 #3）")
        said = await verified(restored)
    assert "3 个证据文件" in said and "3 条审计事件" in said


async def test_a_backup_taken_while_others_write_is_consistent(
    db: Database, store: EvidenceStore, filled: None, clock: FakeClock, tmp_path: Path
) -> None:
    pg_dump_or_skip(db)
    target = tmp_path / "live.tar.gz"
    summary, _ = await asyncio.gather(
        archive.backup(db, store.root, target, at=clock.now() + timedelta(hours=1)),
        keep_writing(db, clock),
    )
    manifest = json.loads(members(target)["manifest.json"])
    assert manifest["audit_head"] == {"seq": summary.head_seq, "hash": summary.head_hash}
    assert 3 <= summary.head_seq <= 33
    if db.dialect == "sqlite":  # a restored SQLite copy ends exactly at the manifest's head
        into = tmp_path / "restored"
        restored = archive.restore(target, into)
        steps, head = await chain_of(f"sqlite+aiosqlite:///{restored.database_file}")
        assert steps == list(range(1, summary.head_seq + 1))
        assert head == (summary.head_seq, summary.head_hash)


async def test_an_existing_backup_is_never_overwritten(
    db: Database, store: EvidenceStore, clock: FakeClock, tmp_path: Path, database_url: str
) -> None:
    target = tmp_path / "old.tar.gz"
    target.write_bytes(b"an earlier backup")
    said = await backed_up(settings_for(database_url, store.root), target, clock, code=2)
    assert target.read_bytes() == b"an earlier backup"
    assert said == f"{target} 已存在。为免覆盖以前的备份，请换一个文件名。\n"


@asynccontextmanager
async def empty_database(db: Database, database_url: str, tmp_path: Path) -> AsyncIterator[str]:
    """A new database of the same kind as ``db``, with no tables."""
    if db.dialect == "postgresql":
        async with scratch_pg(database_url) as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path / 'loaded' / 'guowen.db'}"


async def test_a_logical_dump_needs_no_pg_dump_and_loads_back_whole(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL without pg_dump is dumped table by table; SQLite so when asked (--logical).

    Loaded into a new empty database, the copy verifies, ends at the snapshot's head and takes
    new rows (its sequences are past the loaded ids).
    """
    monkeypatch.setattr(archive, "find_pg_dump", lambda: None)
    settings = settings_for(database_url, store.root)
    target = tmp_path / "logical.tar.gz"
    logical = db.dialect == "sqlite"  # PostgreSQL without pg_dump is dumped so by itself
    await backed_up(settings, target, clock, logical=logical)
    manifest = json.loads(members(target)["manifest.json"])
    assert manifest["database"] == {
        "kind": db.dialect,
        "file": "database/guowen.jsonl",
        "dump": "logical",
    }

    said = restored_to(target, tmp_path / "unpacked", language="en")
    assert f"guowen restore {target} --into" in said and "--database-url" in said

    into = tmp_path / "restored"
    async with empty_database(db, database_url, tmp_path) as url:
        out = io.StringIO()
        code = await maintenance.restore_into_database(target, into, url, out)
        assert code == 0, out.getvalue()
        assert out.getvalue().startswith(f"已恢复到 {into}，并向 ")
        restored = config.load(into / "config.toml")
        assert restored.storage.database_url == url
        said = await verified(restored)
        assert "3 个证据文件" in said and "3 条审计事件" in said

        copy = Database(url)
        try:
            async with copy.transaction() as session:
                head = await audit.head(session)
            assert (head.seq, head.hash) == (
                manifest["audit_head"]["seq"],
                manifest["audit_head"]["hash"],
            )
            again = EvidenceStore(into / "evidence", max_bytes=8 * 1024 * 1024)
            ids = await make_record(copy, clock)  # new staff, record and item rows
            await add_file(copy, again, clock, ids, wav_bytes(1.0), "新录音.wav", "audio/wav")
        finally:
            await copy.close()
        assert "4 个证据文件" in await verified(restored)

        out = io.StringIO()  # never into a database that holds anything
        code = await maintenance.restore_into_database(target, tmp_path / "again", url, out)
        assert code == 2
        assert "不是空的" in out.getvalue()


async def test_a_pg_dump_or_sqlite_backup_is_not_loaded_as_a_logical_dump(
    db: Database, store: EvidenceStore, filled: None, clock: FakeClock, tmp_path: Path
) -> None:
    pg_dump_or_skip(db)
    target = tmp_path / "native.tar.gz"
    await archive.backup(db, store.root, target, at=clock.now())
    out = io.StringIO()
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    code = await maintenance.restore_into_database(target, tmp_path / "r", url, out, language="en")
    assert code == 2 and "is not a logical dump" in out.getvalue()
    assert not (tmp_path / "x.db").exists()


def test_restore_refuses_a_missing_archive_and_a_non_empty_folder(tmp_path: Path) -> None:
    said = restored_to(tmp_path / "nope.tar.gz", tmp_path / "new", code=2)
    assert said == f"找不到备份文件 {tmp_path / 'nope.tar.gz'}。\n"

    archive_path = tmp_path / "a.tar.gz"
    archive_path.write_bytes(b"")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    said = restored_to(archive_path, busy, code=2, language="en")
    assert said.startswith(f"The target folder {busy} is not empty.")
    assert (busy / "keep.txt").read_text() == "mine"


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"this is not gzip")
    assert "无法读取" in restored_to(junk, tmp_path / "a", code=2)

    plain = pack(tmp_path / "plain.tar.gz", {"evidence/readme.txt": b"hi"})
    assert "manifest.json" in restored_to(plain, tmp_path / "b", code=2)

    escape = pack(tmp_path / "escape.tar.gz", {"evidence/../../outside.txt": b"hi"})
    restored_to(escape, tmp_path / "c", code=2)
    assert not (tmp_path / "outside.txt").exists()


async def test_a_damaged_member_is_named_on_restore(
    db: Database, store: EvidenceStore, filled: None, clock: FakeClock, tmp_path: Path
) -> None:
    pg_dump_or_skip(db)
    target = tmp_path / "b.tar.gz"
    await archive.backup(db, store.root, target, at=clock.now())
    contents = members(target)
    victim = next(
        name for name in contents if name.startswith("evidence/") and "thumbs" not in name
    )
    contents[victim] = contents[victim][:-1] + bytes([contents[victim][-1] ^ 1])
    forged = pack(tmp_path / "forged.tar.gz", contents)
    said = restored_to(forged, tmp_path / "r", code=1, language="en")
    assert said == f"A file in the backup does not match the hash in its manifest: {victim}\n"


async def test_a_logical_dump_whose_head_was_rewritten_is_not_loaded(
    db: Database, store: EvidenceStore, filled: None, clock: FakeClock, tmp_path: Path
) -> None:
    """A dump edited with its manifest re-hashed still has to end at the chain it holds."""
    target = tmp_path / "logical.tar.gz"
    await archive.backup(db, store.root, target, at=clock.now(), logical_dump=True)
    manifest, contents = unpacked(target)
    name = manifest["database"]["file"]
    lines = contents[name].decode().splitlines()
    at = lines.index(json.dumps({"table": "audit_head", "columns": ["id", "seq", "hash"]}))
    row = json.loads(lines[at + 1])
    lines[at + 1] = json.dumps([row[0], row[1], "f" * 64])
    contents[name] = ("\n".join(lines) + "\n").encode()
    manifest["files"][name] = hashlib.sha256(contents[name]).hexdigest()
    contents["manifest.json"] = json.dumps(manifest).encode()
    forged = pack(tmp_path / "forged.tar.gz", contents)

    url = f"sqlite+aiosqlite:///{tmp_path / 'loaded' / 'guowen.db'}"
    out = io.StringIO()
    code = await maintenance.restore_into_database(forged, tmp_path / "r", url, out, language="en")
    assert code == 1
    assert out.getvalue().startswith("The database dump could not be loaded (head_mismatch")


async def test_a_logical_dump_taken_while_others_write_is_one_state(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
) -> None:
    target = tmp_path / "live.tar.gz"
    summary, _ = await asyncio.gather(
        archive.backup(
            db, store.root, target, at=clock.now() + timedelta(hours=1), logical_dump=True
        ),
        keep_writing(db, clock),
    )
    assert 3 <= summary.head_seq <= 33
    async with empty_database(db, database_url, tmp_path) as url:
        restored = await asyncio.to_thread(archive.restore, target, tmp_path / "restored")
        await archive.load_restored(restored, url)
        steps, head = await chain_of(url)
    assert steps == list(range(1, summary.head_seq + 1))  # every event, in order, unbroken
    assert head == (summary.head_seq, summary.head_hash)


def _alter(path: Path, how: str) -> None:
    """Change a stored file as a failing disk or a hand might: one bit, its end, or more."""
    data = path.read_bytes()
    path.chmod(0o644)
    if how == "flip":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x10]) + data[middle + 1 :]
    elif how == "truncate":
        data = data[:-1]
    else:
        data += b"\x00"
    path.write_bytes(data)


@pytest.mark.parametrize("how", ["flip", "truncate", "append"])
@pytest.mark.parametrize("which", ["evidence", "thumbnail", "both"])
async def test_an_altered_stored_file_is_archived_as_it_is_and_said_loudly(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
    which: str,
    how: str,
) -> None:
    """A stored file whose bytes no longer hash to its registered SHA-256 is archived as it
    is (never dropped), named with its path and both hashes, listed in the manifest and the
    audit event, and the backup exits 1; its restore names it and exits 1 too."""
    pg_dump_or_skip(db)
    stored = sorted(p for p in store.root.rglob("*") if p.is_file() and len(p.name) == 64)
    thumbs = [p for p in stored if "thumbs" in p.parts]
    originals = [p for p in stored if "thumbs" not in p.parts]
    assert len(originals) == 3 and len(thumbs) == 2
    victims = {"evidence": originals[:1], "thumbnail": thumbs[:1]}.get(
        which, [originals[1], thumbs[1]]
    )
    for victim in victims:
        _alter(victim, how)
    target = tmp_path / "b.tar.gz"
    said = await backed_up(settings_for(database_url, store.root), target, clock, code=1)
    manifest, contents = unpacked(target)
    assert set(manifest["altered"]) == {p.name for p in victims}
    for victim in victims:
        found = hashlib.sha256(victim.read_bytes()).hexdigest()
        assert f"证据文件与登记的 SHA-256 不符：{victim.name}（" in said, said
        assert str(victim) in said and found in said
        assert manifest["altered"][victim.name] == found
        [member] = [data for name, data in contents.items() if name.endswith(victim.name)]
        assert member == victim.read_bytes()  # the altered bytes, as they are
    assert said.splitlines()[-1].startswith("备份完成：")  # the rest is backed up all the same
    assert sorted((await backup_event(db))["altered"]) == sorted(p.name for p in victims)

    said = restored_to(target, tmp_path / "r", code=1, language="en")
    for victim in victims:
        assert "already altered when the backup was made" in said
        assert victim.name in said


async def test_the_restore_drill_runs_where_there_is_no_configuration(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """docs/deploy.md §5: ``guowen restore FILE --into DIR`` on a spare machine, where there is
    no config.toml (nor $GUOWEN_CONFIG); restore writes its own configuration into DIR."""
    settings = settings_for(database_url, store.root)
    target = tmp_path / "court" / "guowen.tar.gz"
    target.parent.mkdir()
    await backed_up(settings, target, clock, logical=True)
    spare = tmp_path / "spare"
    spare.mkdir()
    monkeypatch.chdir(spare)
    monkeypatch.delenv("GUOWEN_CONFIG", raising=False)
    into = spare / "drill"
    out = io.StringIO()
    code = await asyncio.to_thread(cli.main, ["restore", str(target), "--into", str(into)], out)
    assert code == 0, out.getvalue()
    assert f"guowen restore {target} --into" in out.getvalue()
    restored = config.load(into / "config.toml")
    assert Path(restored.storage.evidence_dir) == into / "evidence"
    assert not (spare / "config.toml").exists()


TIMEZONES = ("Asia/Shanghai", "Asia/Urumqi", "UTC", "Asia/Hong_Kong")
court_text = st.text(
    st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=30
)
# Files the settings name must exist when the restored copy is loaded: made in tmp_path.
FILE_NAMES = ("", "节假日 2027.toml", 'a "quoted" \\ name.tsv', "类型代字.tsv")


def braces(text: str) -> str:
    """``text`` as a literal part of a ``str.format`` pattern."""
    return text.replace("{", "{{").replace("}", "}}")


court_settings = st.fixed_dictionaries(
    {
        "name": court_text,
        "code": court_text,
        "timezone": st.sampled_from(TIMEZONES),
        "language": st.sampled_from([language.value for language in Language]),
        "record_number": st.tuples(court_text, court_text).map(
            lambda p: f"{braces(p[0])}{{year}}{braces(p[1])}{{n}}号"
        ),
        "case_types_file": st.sampled_from(FILE_NAMES),
    }
)
deadline_settings = st.fixed_dictionaries(
    {
        "counting": st.sampled_from(["calendar", "workdays"]),
        "register_days": st.integers(1, 30),
        "report_days": st.integers(1, 30),
        "cosign_days": st.integers(1, 30),
        "quarterly_days": st.integers(1, 30),
        "holidays_file": st.sampled_from(FILE_NAMES),
    }
)


def secrets_of(settings: config.Settings) -> list[bytes]:
    """Every secret ``settings`` holds (tokens, secrets, the database password), UTF-8."""
    found = [
        settings.telegram.token.get_secret_value(),
        settings.telegram.webhook_secret.get_secret_value(),
        settings.wecom.secret.get_secret_value(),
        settings.wecom.token,
        settings.wecom.encoding_aes_key,
        str(make_url(settings.storage.database_url).password or ""),
    ]
    return [value.encode("utf-8") for value in found if value]


@examples(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(court=court_settings, deadlines=deadline_settings)
async def test_a_restored_copy_keeps_the_courts_settings_and_no_secret(
    db: Database,
    store: EvidenceStore,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
    court: dict[str, str],
    deadlines: dict[str, Any],
) -> None:
    """Trial 10 F8: the backup carries [court] and [deadlines] and the restored config.toml
    holds every value of them; no token, secret or password is anywhere in the archive."""
    pg_dump_or_skip(db)
    settings = settings_for(database_url, store.root)
    for section, values in ((settings.court, court), (settings.deadlines, deadlines)):
        for key, value in values.items():
            if key.endswith("_file") and value:
                value = str(tmp_path / value)
                await asyncio.to_thread(Path(value).touch)
            setattr(section, key, value)
    settings.telegram.token = SecretStr(f"123456:tg-{uuid.uuid4().hex}")
    settings.telegram.webhook_secret = SecretStr(f"hook-{uuid.uuid4().hex}")
    settings.wecom.secret = SecretStr(f"wx-{uuid.uuid4().hex}")
    settings.wecom.token = uuid.uuid4().hex
    settings.wecom.encoding_aes_key = (uuid.uuid4().hex * 2)[:43]
    work = tmp_path / uuid.uuid4().hex
    work.mkdir()
    target = work / "guowen.tar.gz"
    await backed_up(settings, target, clock)

    raw = target.read_bytes()
    unpacked_bytes = gzip.decompress(raw)
    for secret in secrets_of(settings):
        assert secret not in raw and secret not in unpacked_bytes

    into = work / "restored"
    out = io.StringIO()
    assert await asyncio.to_thread(maintenance.restore, target, into, out) == 0, out.getvalue()
    assert "[court]" not in out.getvalue()  # no warning: the court's settings came along
    for name in FILE_NAMES:  # a spare machine: the files the old config named are not there
        if name:
            (tmp_path / name).unlink(missing_ok=True)
    restored = config.load(into / "config.toml")
    # Every value but the files' names, which the archive does not hold (left at none).
    for section, values in ((settings.court, court), (settings.deadlines, deadlines)):
        for key in values:
            if key.endswith("_file"):
                setattr(section, key, "")
    assert restored.court == settings.court
    assert restored.deadlines == settings.deadlines
    written = (into / "config.toml").read_bytes()
    for secret in secrets_of(settings):
        assert secret not in written


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_an_archive_without_the_courts_settings_says_to_copy_them(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
    language: str,
) -> None:
    """An archive made before backups carried [court] restores as before, and restore then
    says that [court] must be copied from the old config.toml."""
    pg_dump_or_skip(db)
    settings = settings_for(database_url, store.root)
    settings.court.name = "武陟县人民法院"
    target = tmp_path / "new.tar.gz"
    await backed_up(settings, target, clock)
    manifest, contents = unpacked(target)
    assert manifest["settings"]["court"]["name"] == "武陟县人民法院"
    del manifest["settings"]
    old = pack(
        tmp_path / "old.tar.gz", {**contents, "manifest.json": json.dumps(manifest).encode()}
    )

    for archive_path, warned in ((old, True), (target, False)):
        into = tmp_path / f"r-{archive_path.stem}"
        lines = restored_to(archive_path, into, language=language).splitlines()
        warning = t(language, "maintenance.restore_court_missing", config=into / "config.toml")
        assert (warning in lines) is warned
        assert len(lines) == 1 + warned
        name = config.load(into / "config.toml").court.name
        assert name == ("人民法院" if warned else "武陟县人民法院")


async def test_a_restored_folder_still_opens_after_it_is_moved(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
) -> None:
    """Trial 10 F17: restore writes paths relative to its folder, so ``mv`` keeps it whole."""
    if db.dialect != "sqlite":
        pytest.skip("a PostgreSQL restore names a database to create, not a file")
    settings = settings_for(database_url, store.root)
    target = tmp_path / "guowen.tar.gz"
    await backed_up(settings, target, clock)
    into = tmp_path / "restored2"
    restored_to(target, into)
    written = (into / "config.toml").read_text(encoding="utf-8")
    assert str(tmp_path) not in written
    moved = into.rename(tmp_path / "restored3")
    out = io.StringIO()
    code = await asyncio.to_thread(
        cli.main, ["verify", "--config", str(moved / "config.toml")], out
    )
    assert code == 0, out.getvalue()
    assert "3 个证据文件" in out.getvalue()


class _DiskFull:
    """``storage.backup._extract`` failing with ENOSPC at its ``at``-th call."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.calls = 0
        self.real = archive._extract

    def __call__(self, source: Any, target: Path, mode: int) -> str:
        self.calls += 1
        if self.calls == self.at:
            raise OSError(28, "No space left on device", str(target))
        return self.real(source, target, mode)


def _failing_archive(draw: st.DrawFn, good: Path, where: Path) -> tuple[Path, str, int, int]:
    """A damaged copy of ``good``: (path, how, exit code expected, disk-full call or 0).

    Positions are drawn as fractions, the archive's bytes varying from run to run."""
    data = good.read_bytes()
    contents = members(good)
    names = sorted(n for n in contents if n != "manifest.json")

    def pick(length: int) -> int:
        return draw(st.integers(0, 2**20)) * length // (2**20 + 1)

    how = draw(st.sampled_from(["truncate", "alter", "drop", "add", "no_manifest", "disk"]))
    path = where / "bad.tar.gz"
    if how == "truncate":
        path.write_bytes(data[: pick(len(data))])
        return path, how, 2, 0
    if how == "disk":
        path.write_bytes(data)
        return path, how, -1, pick(len(names)) + 1
    if how == "alter":
        name = names[pick(len(names))]
        body = bytearray(contents[name] or b"\x00")
        body[pick(len(body))] ^= draw(st.integers(1, 255))
        contents[name] = bytes(body)
    elif how == "drop":
        del contents[names[pick(len(names))]]
    elif how == "add":
        contents["evidence/ab/cd/" + "0" * 64] = b"not listed"
    else:
        del contents["manifest.json"]
    return pack(path, contents), how, 2 if how == "no_manifest" else 1, 0


@examples(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), target=st.sampled_from(["new", "nested", "empty"]))
async def test_a_failed_restore_leaves_nothing_behind_and_a_retry_works(
    db: Database,
    store: EvidenceStore,
    filled: None,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    target: str,
) -> None:
    """Trial 11 F17: whatever fails (an archive cut short anywhere, a member altered, dropped
    or added, the manifest missing, the disk full while unpacking), the target folder is as it
    was (absent, or the empty folder it was), nothing is left beside it, the failure is said as
    before, and restoring a good backup into the same folder then works."""
    pg_dump_or_skip(db)
    work = tmp_path / uuid.uuid4().hex
    work.mkdir()
    good = work / "good.tar.gz"
    await archive.backup(db, store.root, good, at=clock.now())
    bad, how, code, disk_at = _failing_archive(data.draw, good, work)
    into = {"new": work / "r", "nested": work / "a" / "b" / "r", "empty": work / "r"}[target]
    if target == "empty":
        into.mkdir()
    before = sorted(p.name for p in work.iterdir())
    out = io.StringIO()
    with monkeypatch.context() as patch:
        if disk_at:
            patch.setattr(archive, "_extract", _DiskFull(disk_at))
            with pytest.raises(OSError, match="No space left"):
                maintenance.restore(bad, into, out, language="en")
        else:
            assert maintenance.restore(bad, into, out, language="en") == code, out.getvalue()
    said = out.getvalue()
    if how == "truncate":
        assert said == f"{bad} cannot be read: the file is damaged or is not a guowen backup.\n"
    elif how == "no_manifest":
        assert "manifest.json" in said
    elif how != "disk":
        assert said.startswith(("A file in the backup", "A file listed", "The backup"))
    assert sorted(p.name for p in work.iterdir()) == before, how
    if target == "empty":
        assert list(into.iterdir()) == []
    else:
        assert not into.exists() and not (work / "a").exists()

    out = io.StringIO()
    assert maintenance.restore(good, into, out) == 0, out.getvalue()
    assert (into / "config.toml").is_file() and (into / "evidence").is_dir()
    assert not [p for p in into.iterdir() if p.name.startswith(".guowen-restore-")]


async def test_a_failed_load_leaves_no_folder_behind(
    db: Database, store: EvidenceStore, filled: None, clock: FakeClock, tmp_path: Path
) -> None:
    """Trial 11 F17 for ``--database-url``: a logical dump that cannot be loaded leaves no
    unpacked folder (nor its config.toml naming the database) behind."""
    good = tmp_path / "b.tar.gz"
    await archive.backup(db, store.root, good, at=clock.now(), logical_dump=True)
    busy = tmp_path / "busy.db"
    url = f"sqlite+aiosqlite:///{busy}"
    first = tmp_path / "first"
    assert await maintenance.restore_into_database(good, first, url, io.StringIO()) == 0
    into = tmp_path / "r"
    out = io.StringIO()
    code = await maintenance.restore_into_database(good, into, url, out, language="en")
    assert code == 2 and "is not empty" in out.getvalue()
    assert not into.exists()
    assert not list(tmp_path.glob(".guowen-restore-*"))  # noqa: ASYNC240
