"""``guowen backup FILE`` and ``guowen restore FILE --into DIR``: one archive, checkable.

The archive is a gzip'd tar holding ``database/`` (a consistent snapshot), ``evidence/`` (every
blob and thumbnail the snapshot refers to) and ``manifest.json`` (the SHA-256 of every other
member, the database kind, the audit head the snapshot ends at, and the time taken), and the
court's settings that are not secrets (``settings``: its ``[court]`` and ``[deadlines]``
sections), which ``restore`` writes into the restored folder's ``config.toml`` beside relative
paths to the restored database and evidence, so the folder can be moved into place.

The snapshot is taken while the bot runs. On SQLite it uses the online backup API, which copies
one consistent state. On PostgreSQL a REPEATABLE READ transaction exports its snapshot and
``pg_dump --snapshot`` dumps exactly that state, while the same transaction lists the blobs to
archive. Without ``pg_dump`` on the machine, the same transaction writes a logical dump of
every table through SQLAlchemy instead (``storage.logical``: JSON lines, loaded back with
``guowen restore --database-url``); it needs nothing but the database URL. Evidence files never
change, so copying them after the snapshot is consistent too, from a folder or from an object
store alike (``storage.blobs.Blobs``).

The ``backup_taken`` audit event is appended to the live database *after* the archive is in
place, not before the snapshot:

- it carries the SHA-256 of the finished archive, so the live chain (whose head is printed on
  every form) vouches for that exact file, database rows and evidence included; an event
  written into the snapshot could not know the hash of the archive that contains it;
- it is written only when a backup exists: a failed run leaves no event claiming a backup.

The archive itself is anchored as well: its manifest names the audit head of the snapshot,
which is a link of the live chain forever.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import URL, select, text
from sqlalchemy.engine import make_url

from storage import audit, logical
from storage.audit import AuditKind
from storage.blobs import Blobs, BlobStore
from storage.db import READ_ONLY, Database
from storage.models import AuditHead, EvidenceBlob
from storage.verify import ARRIVAL_PAYLOADS, ARRIVALS, arrival_files

MANIFEST = "manifest.json"
FORMAT = 1
_READ = 1024 * 1024
_MAX_MANIFEST = 256 * 1024 * 1024

Scalar = str | int | float | bool
Carried = dict[str, dict[str, Scalar]]
"""Configuration sections carried in a manifest: section -> key -> value (no secrets)."""


class BackupErrorCode(StrEnum):
    """Why a backup could not be made (catalog ``maintenance.backup_<value>``)."""

    EVIDENCE_UNREADABLE = "evidence_unreadable"
    PG_DUMP_FAILED = "pg_dump_failed"
    TARGET_EXISTS = "target_exists"
    TARGET_DIR_MISSING = "target_dir_missing"
    UNSUPPORTED_DATABASE = "unsupported_database"


class BackupError(Exception):
    """A backup that could not be taken; ``code`` names the catalog message."""

    def __init__(self, code: BackupErrorCode, **detail: object) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class RestoreErrorCode(StrEnum):
    """Why a backup could not be restored (catalog ``maintenance.restore_<value>``)."""

    ARCHIVE_MISSING = "archive_missing"
    NOT_LOADABLE = "not_loadable"
    DATABASE_NOT_EMPTY = "database_not_empty"
    ARCHIVE_UNREADABLE = "archive_unreadable"
    NOT_A_BACKUP = "not_a_backup"
    TARGET_NOT_EMPTY = "target_not_empty"


class RestoreError(Exception):
    """A restore refused before anything was written: ``code`` and its ``detail`` values."""

    def __init__(self, code: RestoreErrorCode, **detail: object) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class BackupSummary:
    """A backup made: the archive (``path`` and its SHA-256), the database kind, the audit chain's
    head it holds, the evidence files and thumbnails with their ``bytes`` in all, the time it
    took in ``seconds``, and the evidence files that were ``missing`` (why, and where).
    """

    path: Path
    sha256: str
    database: str
    head_seq: int
    head_hash: str
    files: int
    thumbnails: int
    bytes: int
    seconds: float
    missing: tuple[tuple[str, str], ...]
    altered: tuple[tuple[str, str, str], ...] = ()
    """Stored files whose bytes no longer hash to their name, the registered SHA-256:
    (registered, where, SHA-256 of the bytes archived). Archived as they are, never dropped."""


@dataclass(frozen=True)
class RestoreSummary:
    """A backup restored ``into`` a folder: the database and evidence folder and configuration it
    wrote, the audit chain's head, and the files found ``corrupt`` (hash differs), ``missing``
    or ``unexpected`` against the archive's manifest.
    """

    into: Path
    database: str
    database_file: Path
    evidence_dir: Path
    config: Path
    head_seq: int
    head_hash: str
    corrupt: tuple[str, ...]
    missing: tuple[str, ...]
    unexpected: tuple[str, ...]
    dump: str = "native"
    """"native" (a SQLite file, a pg_dump archive) or "logical" (``storage.logical``)."""
    altered: tuple[str, ...] = ()
    """Evidence files the backup found altered when it was made (registered SHA-256s): the
    archive holds their altered bytes."""
    settings: Carried = field(default_factory=dict)
    """The configuration sections the backup carried and ``config`` now holds (``court``,
    ``deadlines``); empty for an archive made before backups carried them."""
    kept: bool = True
    """False when a member differed from the manifest and nothing was left in ``into``."""


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


def find_pg_dump() -> str | None:
    """``pg_dump`` on PATH, else the newest in Debian's ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_dump"),
        key=lambda path: _version(path.parent.parent.name),
    )
    return str(candidates[-1]) if candidates else None


class _Hashing(io.RawIOBase):
    """A pass-through file that hashes what is read from or written to it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    def write(self, data: Any) -> int:
        view = bytes(data)
        self.digest.update(view)
        self.size += len(view)
        return self.inner.write(view)

    def flush(self) -> None:
        self.inner.flush()


# --------------------------------------------------------------------------- snapshots


@dataclass(frozen=True)
class _Snapshot:
    file: Path
    name: str
    kind: str
    head_seq: int
    head_hash: str
    blobs: list[tuple[str, str | None]]
    dump: str = "native"
    """How the database was dumped: "native" (SQLite's copy, pg_dump) or "logical"."""


def _with_arrivals(
    blobs: list[tuple[str, str | None]], payloads: Iterable[str]
) -> list[tuple[str, str | None]]:
    """``blobs`` (SHA-256, thumbnail's) and the files kept on no record that the arrival
    events with ``payloads`` name (``storage.verify.arrival_files``: held at a question, or
    dismissed as sent by mistake), which have no blob row but are evidence kept all the same,
    and which ``guowen verify`` re-hashes in the restored copy."""
    rows = {sha256 for sha256, _thumbnail in blobs}
    kept = sorted(set(arrival_files(payloads)) - rows)
    return [*blobs, *((sha256, None) for sha256 in kept)]


def _sqlite_snapshot(source: str, work: Path) -> _Snapshot:
    """SQLite's online backup: one consistent copy while writers carry on."""
    target = work / "guowen.db"
    src = sqlite3.connect(source, timeout=60)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
            seq, digest = dst.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            blobs = dst.execute(
                "SELECT sha256, thumbnail_sha256 FROM evidence_blobs ORDER BY sha256"
            ).fetchall()
            marks = ", ".join("?" for _ in ARRIVALS)
            payloads = dst.execute(
                f"SELECT payload FROM audit_events WHERE kind IN ({marks})", ARRIVALS
            ).fetchall()
        finally:
            dst.close()
    finally:
        src.close()
    listed = _with_arrivals([(a, b) for a, b in blobs], (text for (text,) in payloads))
    return _Snapshot(target, target.name, "sqlite", seq, digest, listed)


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (that goes in the environment, not on ``ps``)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    bare = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database
    )
    return bare.render_as_string(hide_password=False), env


async def _pg_snapshot(db: Database, pg_dump: str, work: Path) -> _Snapshot:
    target = work / "guowen.pgdump"
    dsn, env = _libpq(make_url(db.url))
    async with db.engine.connect() as connection:
        snapshot_conn = await connection.execution_options(isolation_level="REPEATABLE READ")
        async with snapshot_conn.begin():
            snapshot = (await snapshot_conn.execute(text("SELECT pg_export_snapshot()"))).scalar()
            query = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
            seq, digest = (await snapshot_conn.execute(query)).one()
            listing = select(EvidenceBlob.sha256, EvidenceBlob.thumbnail_sha256).order_by(
                EvidenceBlob.sha256
            )
            blobs = [(a, b) for a, b in (await snapshot_conn.execute(listing)).all()]
            arrivals = (await snapshot_conn.execute(ARRIVAL_PAYLOADS)).scalars()
            blobs = _with_arrivals(blobs, arrivals)
            process = await asyncio.create_subprocess_exec(
                pg_dump,
                "--format=custom",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={dsn}",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env=env,
            )
            _out, err = await process.communicate()
    if process.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines() or [str(process.returncode)]
        raise BackupError(BackupErrorCode.PG_DUMP_FAILED, reason=lines[-1])
    return _Snapshot(target, target.name, "postgresql", seq, digest, blobs)


async def _logical_snapshot(db: Database, work: Path) -> _Snapshot:
    """Every table through SQLAlchemy in one transaction: REPEATABLE READ on PostgreSQL, a
    deferred read on SQLite (WAL gives it one state, without blocking the bot's writers)."""
    target = work / "guowen.jsonl"
    async with db.engine.connect() as connection:
        if db.dialect == "postgresql":
            snapshot_conn = await connection.execution_options(isolation_level="REPEATABLE READ")
        else:
            snapshot_conn = await connection.execution_options(**{READ_ONLY: True})
        async with snapshot_conn.begin():
            query = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
            seq, digest = (await snapshot_conn.execute(query)).one()
            listing = select(EvidenceBlob.sha256, EvidenceBlob.thumbnail_sha256).order_by(
                EvidenceBlob.sha256
            )
            blobs = [(a, b) for a, b in (await snapshot_conn.execute(listing)).all()]
            arrivals = (await snapshot_conn.execute(ARRIVAL_PAYLOADS)).scalars()
            blobs = _with_arrivals(blobs, arrivals)
            with target.open("w", encoding="utf-8") as out:
                await logical.dump(snapshot_conn, out)
    return _Snapshot(target, target.name, db.dialect, seq, digest, blobs, "logical")


# --------------------------------------------------------------------------- the archive


@dataclass
class _Counts:
    files: int = 0
    thumbnails: int = 0
    bytes: int = 0

    def add(self, size: int, *, thumbnail: bool) -> None:
        if thumbnail:
            self.thumbnails += 1
        else:
            self.files += 1
        self.bytes += size


def _add(tar: tarfile.TarFile, path: Path, name: str, mode: int, mtime: int) -> str:
    with path.open("rb") as f:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(f.fileno()).st_size
        info.mode = mode
        info.mtime = mtime
        reader = _Hashing(f)
        tar.addfile(info, reader)
    return reader.digest.hexdigest()


def _add_blob(
    tar: tarfile.TarFile, blobs: Blobs, sha256: str, name: str, thumbnail: bool, mtime: int
) -> tuple[str, int]:
    """Stream one stored file into the archive; its SHA-256 and size."""
    with blobs.open(sha256, thumbnail=thumbnail) as reading:
        info = tarfile.TarInfo(name)
        info.size = reading.size
        info.mode = 0o444
        info.mtime = mtime
        reader = _Hashing(reading.stream)  # type: ignore[arg-type]
        tar.addfile(info, reader)
    return reader.digest.hexdigest(), reading.size


def _members(blobs: Iterable[tuple[str, str | None]]) -> dict[str, tuple[str, bool]]:
    """Archive name -> (SHA-256, is a thumbnail) for every blob and thumbnail, each once."""
    members: dict[str, tuple[str, bool]] = {}
    for sha256, thumbnail in blobs:
        members[f"evidence/{sha256[:2]}/{sha256[2:4]}/{sha256}"] = (sha256, False)
        if thumbnail is not None:
            name = f"evidence/thumbs/{thumbnail[:2]}/{thumbnail[2:4]}/{thumbnail}"
            members[name] = (thumbnail, True)
    return members


@dataclass(frozen=True)
class _Written:
    """An archive written: its SHA-256 and size, what it holds, the stored files that were
    missing (SHA-256, where looked for) and those altered (SHA-256, where, SHA-256 found)."""

    sha256: str
    size: int
    counts: _Counts
    missing: tuple[tuple[str, str], ...]
    altered: tuple[tuple[str, str, str], ...]


def _carried(value: object) -> Carried:
    """The well-formed part of a manifest's ``settings``: tables of scalar values."""
    if not isinstance(value, dict):
        return {}
    return {
        str(name): {str(k): v for k, v in table.items() if isinstance(v, (str, int, float, bool))}
        for name, table in value.items()
        if isinstance(table, dict)
    }


def _write_archive(
    target: Path,
    snapshot: _Snapshot,
    blobs: Blobs,
    at: datetime,
    started: float,
    settings: Carried | None = None,
) -> _Written:
    """Write the archive to a temporary file beside ``target``, then give it its name.

    A stored file (evidence or thumbnail) is named by its SHA-256: one whose bytes hash
    otherwise is archived as it is and listed as altered, in the manifest (``altered``) and
    the result. A missing one is listed and skipped; the rest is archived all the same.
    Raises ``BackupError`` (``evidence_unreadable``) when the store cannot be read.
    """
    mtime = int(at.timestamp())
    files: dict[str, str] = {}
    missing: list[tuple[str, str]] = []
    altered: list[tuple[str, str, str]] = []
    counts = _Counts()
    fd, temp_name = tempfile.mkstemp(prefix=".guowen-backup-", suffix=".tmp", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as raw:
            sink = _Hashing(raw)
            with (
                gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=6, mtime=mtime) as zipped,
                tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
            ):
                name = f"database/{snapshot.name}"
                files[name] = _add(tar, snapshot.file, name, 0o600, mtime)
                for name, (sha256, thumbnail) in _members(snapshot.blobs).items():
                    try:
                        files[name], size = _add_blob(tar, blobs, sha256, name, thumbnail, mtime)
                    except FileNotFoundError:
                        missing.append((sha256, blobs.where(sha256, thumbnail=thumbnail)))
                        continue
                    except OSError as error:
                        raise BackupError(
                            BackupErrorCode.EVIDENCE_UNREADABLE,
                            where=blobs.where(sha256, thumbnail=thumbnail),
                            reason=str(error),
                        ) from error
                    if files[name] != sha256:
                        where = blobs.where(sha256, thumbnail=thumbnail)
                        altered.append((sha256, where, files[name]))
                    counts.add(size, thumbnail=thumbnail)
                manifest = {
                    "format": FORMAT,
                    "created_at": at.astimezone(UTC).isoformat(timespec="seconds"),
                    "database": {
                        "kind": snapshot.kind,
                        "file": f"database/{snapshot.name}",
                        "dump": snapshot.dump,
                    },
                    "evidence_store": blobs.location,
                    "audit_head": {"seq": snapshot.head_seq, "hash": snapshot.head_hash},
                    "evidence": {
                        "files": counts.files,
                        "thumbnails": counts.thumbnails,
                        "bytes": counts.bytes,
                    },
                    "missing": [sha for sha, _path in missing],
                    "altered": {sha: found for sha, _path, found in altered},
                    "seconds": round(time.monotonic() - started, 3),
                    "files": files,
                }
                if settings is not None:
                    manifest["settings"] = _carried(settings)
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data.encode("utf-8"))
                info.mode = 0o444
                info.mtime = mtime
                tar.addfile(info, io.BytesIO(data.encode("utf-8")))
            raw.flush()
            os.fsync(raw.fileno())
        try:
            os.link(temp, target)  # never replaces: an earlier backup is not overwritten
        except FileExistsError:
            raise BackupError(BackupErrorCode.TARGET_EXISTS, path=target) from None
        _fsync_dir(target.parent)
    finally:
        temp.unlink(missing_ok=True)
    return _Written(sink.digest.hexdigest(), sink.size, counts, tuple(missing), tuple(altered))


def _check_target(target: Path) -> Path:
    target = target.absolute()
    if target.exists():
        raise BackupError(BackupErrorCode.TARGET_EXISTS, path=target)
    if not target.parent.is_dir():
        raise BackupError(BackupErrorCode.TARGET_DIR_MISSING, path=target.parent)
    return target


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


async def backup(
    db: Database,
    evidence: Path | Blobs,
    target: Path,
    *,
    at: datetime,
    actor: str | None = None,
    actor_staff_id: int | None = None,
    pg_dump: str | None = None,
    logical_dump: bool = False,
    settings: Carried | None = None,
) -> BackupSummary:
    """Snapshot the database and the evidence into the archive ``target``.

    ``evidence`` is the evidence folder or the ``Blobs`` (folder or object store) holding it.
    On PostgreSQL the database is dumped with ``pg_dump`` (``pg_dump``, else the one found by
    ``find_pg_dump``), or logically through SQLAlchemy when there is none. ``logical_dump``
    asks for the logical dump on either database (to move to the other kind, say).
    ``settings``: configuration sections to carry in the manifest for ``restore`` to write
    back (section -> key -> str, int, float or bool); the caller passes none that is secret.
    Raises ``BackupError``.
    """
    if at.tzinfo is None:
        raise ValueError("backup time must be timezone-aware")
    started = time.monotonic()
    blobs = BlobStore(evidence) if isinstance(evidence, Path) else evidence
    target = await asyncio.to_thread(_check_target, target)
    if db.dialect == "postgresql":
        if not logical_dump:
            pg_dump = pg_dump or find_pg_dump()
            logical_dump = pg_dump is None
    elif db.dialect != "sqlite":
        raise BackupError(BackupErrorCode.UNSUPPORTED_DATABASE, dialect=db.dialect)

    work = Path(tempfile.mkdtemp(prefix=".guowen-backup-", dir=target.parent))
    try:
        if logical_dump:
            snapshot = await _logical_snapshot(db, work)
        elif pg_dump is not None:
            snapshot = await _pg_snapshot(db, pg_dump, work)
        else:
            source = make_url(db.url).database or ""
            snapshot = await asyncio.to_thread(_sqlite_snapshot, source, work)
        written = await asyncio.to_thread(
            _write_archive, target, snapshot, blobs, at, started, settings
        )
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)

    async with db.transaction() as session:
        await audit.append(
            session,
            AuditKind.BACKUP_TAKEN,
            at=at,
            actor=actor,
            actor_staff_id=actor_staff_id,
            payload={
                "file": target.name,
                "sha256": written.sha256,
                "size": written.size,
                "database": snapshot.kind,
                "head_seq": snapshot.head_seq,
                "head_hash": snapshot.head_hash,
                "evidence_files": written.counts.files,
                "thumbnails": written.counts.thumbnails,
                "missing": len(written.missing),
                "altered": [sha for sha, _where, _found in written.altered],
            },
        )
    return BackupSummary(
        target,
        written.sha256,
        snapshot.kind,
        snapshot.head_seq,
        snapshot.head_hash,
        written.counts.files,
        written.counts.thumbnails,
        written.counts.bytes,
        time.monotonic() - started,
        written.missing,
        written.altered,
    )


# --------------------------------------------------------------------------- restore


def _safe_parts(name: str) -> tuple[str, ...] | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    if path.parts[0] not in ("database", "evidence"):
        return None
    return path.parts


def _extract(source: IO[bytes], target: Path, mode: int) -> str:
    digest = hashlib.sha256()
    with target.open("xb") as out:
        while block := source.read(_READ):
            digest.update(block)
            out.write(block)
    os.chmod(target, mode)
    return digest.hexdigest()


def _unpack(archive: Path, into: Path) -> tuple[dict[str, str], dict[str, Any] | None]:
    """Extract regular files under ``database/`` and ``evidence/``, hashing them on the way."""
    hashes: dict[str, str] = {}
    manifest: dict[str, Any] | None = None
    unreadable = RestoreError(RestoreErrorCode.ARCHIVE_UNREADABLE, path=archive)
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            if member.isdir():
                continue
            source = tar.extractfile(member) if member.isfile() else None
            if source is None:
                raise unreadable
            if member.name == MANIFEST:
                loaded = json.loads(source.read(_MAX_MANIFEST))
                manifest = loaded if isinstance(loaded, dict) else None
                continue
            parts = _safe_parts(member.name)
            if parts is None:
                raise unreadable
            target = into.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                mode = 0o600 if parts[0] == "database" else 0o400
                hashes[member.name] = _extract(source, target, mode)
            except FileExistsError:
                raise unreadable from None
        # To the stream's end: a file cut short after its last member (the tar's padding,
        # gzip's checksum) is a damaged archive too, refused as such (EOFError, BadGzipFile).
        stream = tar.fileobj
        if stream is not None:
            while stream.read(1 << 20):
                pass
    return hashes, manifest


_STAGING = ".guowen-restore-"


def _make_folders(path: Path) -> tuple[Path, ...]:
    """Make ``path`` and its missing parents; the ones made, deepest first."""
    made: list[Path] = []
    folder = path
    while not folder.exists():
        made.append(folder)
        folder = folder.parent
    path.mkdir(parents=True, exist_ok=True)
    return tuple(made)


def _rebase(path: Path, old: Path, new: Path) -> Path:
    return new.joinpath(path.relative_to(old)) if path.is_relative_to(old) else path


@dataclass(frozen=True)
class StagedRestore:
    """A backup unpacked and checked in a staging folder beside (or, for an empty folder that
    exists, inside) its target: ``summary`` names the staged paths. ``commit`` moves it into
    place, ``discard`` removes it and every folder made for it; until one is called the target
    is as it was (new, or empty).
    """

    summary: RestoreSummary
    target: Path
    made: tuple[Path, ...]
    """Folders made for the target's parent (deepest first), removed again by ``discard``."""
    existed: bool
    """Whether the target was there (empty) before: its contents are then moved into it."""

    @property
    def sound(self) -> bool:
        """Whether every member is as the manifest says (nothing corrupt, missing or
        unexpected)."""
        s = self.summary
        return not (s.corrupt or s.missing or s.unexpected)

    def placed(self) -> RestoreSummary:
        """``summary`` with its paths where ``commit`` puts them."""
        s, old, new = self.summary, self.summary.into, self.target
        return replace(
            s,
            into=new,
            database_file=_rebase(s.database_file, old, new),
            evidence_dir=_rebase(s.evidence_dir, old, new),
            config=_rebase(s.config, old, new),
        )

    def commit(self) -> RestoreSummary:
        """Move the staged folder into place (its configuration last) and return ``placed``.

        Raises ``RestoreError`` (``target_not_empty``: something appeared at the target
        meanwhile; the staged folder is discarded then) or ``OSError``.
        """
        work, target = self.summary.into, self.target
        try:
            if self.existed:
                _still_empty(target, work)
                for child in sorted(work.iterdir(), key=lambda p: p.name == "config.toml"):
                    child.rename(target / child.name)
                work.rmdir()
            else:
                try:
                    work.rename(target)
                except OSError:
                    if target.exists():
                        raise RestoreError(RestoreErrorCode.TARGET_NOT_EMPTY, path=target) from None
                    raise
            _fsync_dir(target if self.existed else target.parent)
        except BaseException:
            self.discard()
            raise
        return self.placed()

    def discard(self) -> None:
        """Remove the staged folder and the folders made for it: the target is as it was."""
        shutil.rmtree(self.summary.into, ignore_errors=True)
        for folder in self.made:
            try:
                folder.rmdir()
            except OSError:
                break


def _still_empty(target: Path, work: Path) -> None:
    if any(p != work for p in target.iterdir()):
        raise RestoreError(RestoreErrorCode.TARGET_NOT_EMPTY, path=target)


def stage(archive: Path, into: Path) -> StagedRestore:
    """Unpack ``archive`` for the empty or new folder ``into`` into a staging folder, and check
    it against its manifest (``StagedRestore.summary``).

    Raises ``RestoreError`` (``archive_missing``, ``target_not_empty``, ``archive_unreadable``,
    ``not_a_backup``) or ``OSError``, having removed everything it wrote: ``into`` is then as
    it was.
    """
    if not archive.is_file():
        raise RestoreError(RestoreErrorCode.ARCHIVE_MISSING, path=archive)
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise RestoreError(RestoreErrorCode.TARGET_NOT_EMPTY, path=into)
    into = into.absolute()
    existed = into.exists()
    made = () if existed else _make_folders(into.parent)
    work = Path(tempfile.mkdtemp(prefix=_STAGING, dir=into if existed else into.parent))
    staged = StagedRestore(_placeholder(work), into, made, existed)
    try:
        return replace(staged, summary=_fill(archive, work))
    except BaseException:
        staged.discard()
        raise


def _placeholder(work: Path) -> RestoreSummary:
    return RestoreSummary(work, "", work, work, work, 0, "", (), (), ())


def _fill(archive: Path, into: Path) -> RestoreSummary:
    """Unpack ``archive`` into the empty folder ``into`` and write its configuration."""
    try:
        hashes, manifest = _unpack(archive, into)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, ValueError):
        raise RestoreError(RestoreErrorCode.ARCHIVE_UNREADABLE, path=archive) from None
    if manifest is None or not isinstance(manifest.get("files"), dict):
        raise RestoreError(RestoreErrorCode.NOT_A_BACKUP, path=archive)
    listed: dict[str, str] = manifest["files"]
    corrupt = tuple(sorted(n for n in listed.keys() & hashes.keys() if listed[n] != hashes[n]))
    missing = tuple(sorted(listed.keys() - hashes.keys()))
    unexpected = tuple(sorted(hashes.keys() - listed.keys()))

    database = manifest.get("database", {})
    kind = str(database.get("kind", "sqlite"))
    database_file = into.joinpath(*PurePosixPath(str(database.get("file", ""))).parts)
    evidence_dir = into / "evidence"
    evidence_dir.mkdir(exist_ok=True)
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{database_file.relative_to(into).as_posix()}"
    else:
        url = "postgresql+asyncpg://USER@HOST:5432/DATABASE"
    settings = _carried(manifest.get("settings"))
    config = _write_config(into, url, settings)
    head = manifest.get("audit_head", {})
    return RestoreSummary(
        into,
        kind,
        database_file,
        evidence_dir,
        config,
        int(head.get("seq", 0)),
        str(head.get("hash", "")),
        corrupt,
        missing,
        unexpected,
        str(database.get("dump", "native")),
        tuple(sorted(manifest.get("altered") or {})),
        settings,
    )


def restore(archive: Path, into: Path) -> RestoreSummary:
    """Unpack ``archive`` into the empty or new folder ``into``, all or nothing.

    The archive is unpacked and checked against its manifest in a staging folder (``stage``),
    which is moved into place only when every member is as the manifest says; otherwise it is
    removed, and the summary (``kept`` False) names what differed while ``into`` is as it was.
    A SQLite backup comes out ready to use: ``into/config.toml`` points at the restored
    database and evidence, by paths relative to ``into`` (as the configuration resolves them),
    and holds the settings the manifest carries (``RestoreSummary.settings``). A PostgreSQL
    dump is unpacked but not loaded; the caller explains how to ``pg_restore`` it.
    Raises ``RestoreError`` or ``OSError``, ``into`` then being as it was.
    """
    staged = stage(archive, into)
    if not staged.sound:
        staged.discard()
        return replace(staged.placed(), kept=False)
    return staged.commit()


def _toml(value: Scalar) -> str:
    """``value`` as a TOML value: a basic string (JSON's escapes, and DEL escaped too, which
    TOML forbids raw), an integer, a float or a boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _write_config(into: Path, url: str, settings: Carried) -> Path:
    """``into/config.toml``: the carried sections, then ``[storage]`` with the database and
    the evidence folder ``evidence`` (relative to ``into``, the configuration's folder)."""
    lines: list[str] = []
    for name, table in settings.items():
        if name == "storage" or not name.isidentifier():
            continue
        lines.append(f"[{name}]")
        lines.extend(
            f"{key} = {_toml(value)}" for key, value in table.items() if key.isidentifier()
        )
        lines.append("")
    lines += ["[storage]", f"database_url = {_toml(url)}", 'evidence_dir = "evidence"']
    config = into / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


async def load_restored(restored: RestoreSummary, database_url: str) -> int:
    """Load a restored logical dump into the empty database ``database_url``.

    Then ``restored.config`` names that database. Returns the rows loaded. Raises
    ``RestoreError`` (``not_loadable`` for a SQLite file or a pg_dump archive, which are used
    as they are or with pg_restore; ``database_not_empty``); ``logical.LoadError`` for a
    damaged dump.
    """
    if restored.dump != "logical":
        raise RestoreError(RestoreErrorCode.NOT_LOADABLE, path=restored.database_file)
    db = Database(database_url)
    try:
        rows = await logical.load(db, restored.database_file)
    except logical.LoadError as error:
        if error.code == "not_empty":
            raise RestoreError(RestoreErrorCode.DATABASE_NOT_EMPTY, url=error.detail) from None
        raise
    finally:
        await db.close()
    await asyncio.to_thread(_write_config, restored.into, database_url, restored.settings)
    return rows
