"""Evidence in an S3-compatible object store: a moto server on 127.0.0.1 stands in for it.

Round trip (one request and multipart), the SHA-256 checked on upload, object lock refusing
deletes and overwrites, ``guowen verify`` and ``guowen backup`` against the store, and a store
that is down: a clear error, nothing lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import os
import tarfile
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st
from moto.server import ThreadedMotoServer
from test_evidence import add_file, chunks_of, jpeg_bytes, make_record, png_bytes, wav_bytes
from test_verify import settings_for

from bot import maintenance
from bot.config import Settings
from bot.evidence import evidence_blobs
from handlers.evidence_files import fetch_files
from handlers.i18n import t
from handlers.ports import Attachment, AttachmentKind, IncomingMessage
from reminders.clock import FakeClock
from storage import objects
from storage.blobs import MIB, EvidenceChecksumMismatch, EvidenceStoreUnavailable, Spool, copy_out
from storage.db import Database
from storage.evidence import EvidenceFile, EvidenceStore, Provenance, UnavailableReason
from storage.objects import LockMode, ObjectLock, S3Blobs, S3Location

REGION = "us-east-1"


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto S3 server on 127.0.0.1, on a free port, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A shared-credentials file (the configuration's ``s3_credentials_file``)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask a cloud for a role
    path = tmp_path / "s3-credentials"
    path.write_text("[default]\naws_access_key_id = court\naws_secret_access_key = secret\n")
    return path


@pytest.fixture
def client(s3_endpoint: str, credentials: Path) -> Any:
    return objects.make_client(endpoint=s3_endpoint, region=REGION, credentials_file=credentials)


def new_bucket(client: Any, *, locked: bool = False) -> str:
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=name, ObjectLockEnabledForBucket=locked)
    return name


def s3_blobs(client: Any, bucket: str, root: Path, **options: Any) -> S3Blobs:
    return S3Blobs(S3Location(bucket, "court/evidence"), root, client=client, **options)


def s3_settings(
    database_url: str, root: Path, bucket: str, endpoint: str, credentials: Path
) -> Settings:
    settings = settings_for(database_url, root)
    settings.storage.evidence_url = f"s3://{bucket}/court/evidence"
    settings.storage.s3_endpoint = endpoint
    settings.storage.s3_region = REGION
    settings.storage.s3_credentials_file = str(credentials)
    return settings


def keys(client: Any, bucket: str) -> list[str]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return sorted(item["Key"] for item in listed)


def origin(data: bytes, clock: FakeClock, name: str = "证据.bin") -> Provenance:
    return Provenance("telegram", clock.now(), file_name=name, declared_size=len(data))


def spooled(root: Path) -> list[str]:
    folder = root / "tmp"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


async def test_a_file_and_its_thumbnail_round_trip_through_the_store(
    client: Any, tmp_path: Path, clock: FakeClock
) -> None:
    bucket = new_bucket(client)
    blobs = s3_blobs(client, bucket, tmp_path / "evidence")
    await asyncio.to_thread(blobs.check)  # the bucket answers
    store = EvidenceStore(blobs, max_bytes=8 * MIB)
    data = png_bytes()
    sha256 = hashlib.sha256(data).hexdigest()

    file = await store.prepare(chunks_of(data, 4096), origin(data, clock, "截图.png"))

    assert file.prepared is not None and file.prepared.sha256 == sha256
    thumbnail = file.prepared.thumbnail_sha256
    assert thumbnail is not None
    assert keys(client, bucket) == sorted(
        [
            f"court/evidence/{sha256[:2]}/{sha256[2:4]}/{sha256}",
            f"court/evidence/thumbs/{thumbnail[:2]}/{thumbnail[2:4]}/{thumbnail}",
        ]
    )
    assert spooled(blobs.root) == []  # the local spool is gone once the store holds it
    out = copy_out(blobs, sha256, tmp_path / "to-send.png")  # reading back, to send it on
    assert out.read_bytes() == data
    with blobs.open(thumbnail, thumbnail=True) as reading:
        preview = reading.stream.read()
    assert hashlib.sha256(preview).hexdigest() == thumbnail and reading.size == len(preview)

    again = await store.prepare(chunks_of(data), origin(data, clock))
    assert again.prepared == file.prepared
    versions = client.list_object_versions(Bucket=bucket).get("Versions", [])
    assert len(versions) == 2  # the same bytes twice: nothing written over them


async def test_a_large_file_goes_up_in_parts_each_checked(
    client: Any, tmp_path: Path, clock: FakeClock
) -> None:
    bucket = new_bucket(client)
    blobs = s3_blobs(client, bucket, tmp_path / "evidence", part_size=5 * MIB)
    store = EvidenceStore(blobs, max_bytes=64 * MIB)
    data = os.urandom(12 * MIB + 17)
    sha256 = hashlib.sha256(data).hexdigest()
    sent: list[dict[str, Any]] = []
    real = client.upload_part

    def upload_part(**request: Any) -> Any:
        sent.append(request)
        return real(**request)

    client.upload_part = upload_part
    file = await store.prepare(chunks_of(data, MIB), origin(data, clock))

    assert file.prepared is not None and file.prepared.sha256 == sha256
    assert [len(part["Body"]) for part in sent] == [5 * MIB, 5 * MIB, 2 * MIB + 17]
    for part in sent:  # each part carries the SHA-256 of its own bytes, for the store to check
        assert part["ChecksumSHA256"] == objects._b64(hashlib.sha256(part["Body"]).digest())
    assert copy_out(blobs, sha256, tmp_path / "back").read_bytes() == data
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


@pytest.mark.parametrize("size", [200_000, 11 * MIB], ids=["one request", "multipart"])
async def test_bytes_that_are_not_their_name_are_refused(
    client: Any,
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    size: int,
) -> None:
    """A byte flipped between hashing and sending: nothing is kept under either name."""
    bucket = new_bucket(client)
    blobs = s3_blobs(client, bucket, tmp_path / "evidence", part_size=5 * MIB)
    store = EvidenceStore(blobs, max_bytes=64 * MIB)
    finish = Spool.finish

    def finish_then_flip(self: Spool) -> None:
        finish(self)
        os.chmod(self.path, 0o644)
        with self.path.open("r+b") as spool:
            spool.seek(size // 2)
            byte = spool.read(1)
            spool.seek(size // 2)
            spool.write(bytes([byte[0] ^ 1]))

    monkeypatch.setattr(Spool, "finish", finish_then_flip)
    data = os.urandom(size)

    with pytest.raises(EvidenceChecksumMismatch):
        await store.prepare(chunks_of(data, MIB), origin(data, clock))

    assert keys(client, bucket) == []
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert spooled(blobs.root) == []


async def test_object_lock_refuses_deleting_or_overwriting_evidence(
    client: Any, tmp_path: Path, clock: FakeClock
) -> None:
    bucket = new_bucket(client, locked=True)
    for mode in LockMode:
        blobs = s3_blobs(
            client, bucket, tmp_path / mode, lock=ObjectLock(mode, 3650), now=clock.now
        )
        data = f"{mode} 的证据".encode() * 1000
        kept = await blobs.keep(chunks_of(data), max_bytes=MIB)
        assert kept is not None and kept.new
        await blobs.settle(kept)
        key = blobs.place.key(kept.sha256)
        head = client.head_object(Bucket=bucket, Key=key)
        assert head["ObjectLockMode"] == mode.value
        until = clock.now().astimezone(UTC) + timedelta(days=3650)
        assert abs(head["ObjectLockRetainUntilDate"] - until) < timedelta(seconds=1)

        version = head["VersionId"]
        with pytest.raises(ClientError) as refused:
            client.delete_object(Bucket=bucket, Key=key, VersionId=version)
        assert refused.value.response["Error"]["Code"] == "AccessDenied"
        with pytest.raises(ClientError) as refused:  # guowen's own writes are conditional
            client.put_object(Bucket=bucket, Key=key, Body=b"forged", IfNoneMatch="*")
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
        with blobs.open(kept.sha256) as reading:
            assert reading.stream.read() == data
        if mode is LockMode.COMPLIANCE:  # not even an account allowed to bypass governance
            with pytest.raises(ClientError) as refused:
                client.delete_object(
                    Bucket=bucket, Key=key, VersionId=version, BypassGovernanceRetention=True
                )
            assert refused.value.response["Error"]["Code"] == "AccessDenied"
        # An unconditional write by an administrator only stacks a newer version on top: the
        # locked one stays, byte for byte, and still cannot be deleted.
        client.put_object(Bucket=bucket, Key=key, Body=b"forged")
        kept_version = client.get_object(Bucket=bucket, Key=key, VersionId=version)
        assert kept_version["Body"].read() == data
        with pytest.raises(ClientError):
            client.delete_object(Bucket=bucket, Key=key, VersionId=version)
        again = await blobs.keep(chunks_of(data), max_bytes=MIB)  # kept again: not rewritten
        assert again is not None and not again.new
        await blobs.settle(again)


async def test_verify_passes_on_the_store_and_names_a_tampered_object(
    db: Database,
    client: Any,
    s3_endpoint: str,
    credentials: Path,
    tmp_path: Path,
    clock: FakeClock,
    database_url: str,
) -> None:
    bucket = new_bucket(client)
    settings = s3_settings(database_url, tmp_path / "evidence", bucket, s3_endpoint, credentials)
    store = EvidenceStore(evidence_blobs(settings), max_bytes=8 * MIB)
    ids = await make_record(db, clock)
    image = await add_file(db, store, clock, ids, png_bytes(), "截图.png", "image/png")
    await add_file(db, store, clock, ids, wav_bytes(0.5), "录音.wav", "audio/wav")

    out = io.StringIO()
    assert await maintenance.verify(settings, out, progress=False) == 0
    assert "2 个证据文件" in out.getvalue()

    sha256 = image.blob_sha256
    assert sha256 is not None
    key = f"court/evidence/{sha256[:2]}/{sha256[2:4]}/{sha256}"
    client.put_object(Bucket=bucket, Key=key, Body=b"not the screenshot")  # with admin rights
    out = io.StringIO()
    assert await maintenance.verify(settings, out, progress=False, err=io.StringIO()) == 1
    [line] = out.getvalue().splitlines()
    assert sha256 in line and f"s3://{bucket}/{key}" in line


async def test_backup_holds_the_evidence_from_the_store_and_restores_locally(
    db: Database,
    client: Any,
    s3_endpoint: str,
    credentials: Path,
    tmp_path: Path,
    clock: FakeClock,
    database_url: str,
) -> None:
    bucket = new_bucket(client, locked=True)
    settings = s3_settings(database_url, tmp_path / "evidence", bucket, s3_endpoint, credentials)
    settings.storage.object_lock_mode = "COMPLIANCE"
    settings.storage.object_lock_days = 30
    store = EvidenceStore(evidence_blobs(settings), max_bytes=8 * MIB)
    ids = await make_record(db, clock)
    added = [
        await add_file(db, store, clock, ids, png_bytes(), "截图.png", "image/png"),
        await add_file(db, store, clock, ids, jpeg_bytes(), "信件.jpg", "image/jpeg"),
    ]

    target = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    assert await maintenance.backup(settings, target, clock.now(), out) == 0, out.getvalue()
    with tarfile.open(target, "r:gz") as tar:
        contents = {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar
            if m.isfile()
        }
    manifest = json.loads(contents.pop("manifest.json"))
    assert manifest["evidence_store"] == f"s3://{bucket}/court/evidence"
    assert (manifest["evidence"]["files"], manifest["evidence"]["thumbnails"]) == (2, 2)
    for item in added:
        sha256 = str(item.blob_sha256)
        member = contents[f"evidence/{sha256[:2]}/{sha256[2:4]}/{sha256}"]
        assert hashlib.sha256(member).hexdigest() == sha256

    into = tmp_path / "restored"
    assert maintenance.restore(target, into, io.StringIO()) == 0
    restored = settings_for(database_url, into / "evidence")
    if db.dialect == "sqlite":
        restored.storage.database_url = f"sqlite+aiosqlite:///{into / 'database' / 'guowen.db'}"
    out = io.StringIO()
    assert await maintenance.verify(restored, out, progress=False) == 0, out.getvalue()


@pytest.fixture
def down(tmp_path: Path, credentials: Path, monkeypatch: pytest.MonkeyPatch) -> S3Blobs:
    """A store whose server does not answer (nothing listens on port 1), tried once."""
    monkeypatch.setattr(objects, "ATTEMPTS", 1)
    gone = objects.make_client(
        endpoint="http://127.0.0.1:1", region=REGION, credentials_file=credentials, attempts=1
    )
    return S3Blobs(S3Location("evidence-down", ""), tmp_path / "evidence", client=gone)


async def test_a_store_that_is_down_loses_nothing_and_says_so(
    down: S3Blobs, tmp_path: Path, clock: FakeClock
) -> None:
    with pytest.raises(EvidenceStoreUnavailable):
        await asyncio.to_thread(down.check)
    store = EvidenceStore(down, max_bytes=8 * MIB)
    data = jpeg_bytes()
    with pytest.raises(EvidenceStoreUnavailable) as raised:
        await store.prepare(chunks_of(data), origin(data, clock))
    assert raised.value.where == "s3://evidence-down"
    assert spooled(down.root) == []

    async def download(_message: IncomingMessage, _attachment: Attachment) -> AsyncIterator[bytes]:
        yield data

    attachment = Attachment(AttachmentKind.PHOTO, "photo-1", "信件.jpg", "image/jpeg", len(data))
    message = IncomingMessage("telegram", "c1", "u1", clock.now(), attachments=(attachment,))
    [file] = await fetch_files(store, download, message)
    # The message is still handled: the file's details are recorded and the judge is told to
    # forward it again, as for a full disk.
    assert file.unavailable is UnavailableReason.STORE_UNAVAILABLE
    assert file.provenance.file_name == "信件.jpg"
    words = t("zh-CN", f"evidence.{file.problem}", name="信件.jpg")
    assert "信件.jpg" in words and "再转发" in words


async def test_backup_and_verify_say_when_the_store_is_down(
    db: Database,
    down: S3Blobs,
    credentials: Path,
    tmp_path: Path,
    clock: FakeClock,
    database_url: str,
) -> None:
    local = EvidenceStore(tmp_path / "local", max_bytes=8 * MIB)
    await add_file(db, local, clock, await make_record(db, clock), png_bytes(), "a.png")
    settings = s3_settings(
        database_url, tmp_path / "evidence", "evidence-down", "http://127.0.0.1:1", credentials
    )
    target = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    assert await maintenance.backup(settings, target, clock.now(), out) == 2
    assert out.getvalue().startswith("无法读取证据存储 s3://evidence-down/court/evidence/")
    assert not target.exists()
    left = await asyncio.to_thread(lambda: [p.name for p in tmp_path.iterdir()])
    assert not [name for name in left if name.startswith(".guowen")]
    out = io.StringIO()
    assert await maintenance.verify(settings, out, progress=False, err=io.StringIO()) == 1
    assert "s3://evidence-down/court/evidence/" in out.getvalue()


def test_an_s3_url_is_taken_apart_and_a_bad_one_refused() -> None:
    place = S3Location.parse("s3://court-evidence/guowen/2026/")
    assert (place.bucket, place.prefix, place.url) == (
        "court-evidence",
        "guowen/2026",
        "s3://court-evidence/guowen/2026",
    )
    sha = "ab" * 32
    assert place.key(sha) == f"guowen/2026/ab/ab/{sha}"
    assert place.key(sha, thumbnail=True) == f"guowen/2026/thumbs/ab/ab/{sha}"
    for bad in ("court-evidence", "http://court/x", "s3://", "s3://ab"):
        with pytest.raises(ValueError):
            S3Location.parse(bad)
    with pytest.raises(ValueError):
        place.key("../../etc/passwd")
    with pytest.raises(ValueError):
        ObjectLock(LockMode.COMPLIANCE, 0)


async def test_a_held_file_from_an_older_version_is_analysed_from_the_store(
    db: Database, client: Any, tmp_path: Path, clock: FakeClock
) -> None:
    """A conversation saved before analysis held only the SHA-256: linking it reads the
    object back from the store (to a spool file that is removed afterwards)."""
    blobs = s3_blobs(client, new_bucket(client), tmp_path / "evidence")
    store = EvidenceStore(blobs, max_bytes=8 * MIB)
    data = jpeg_bytes()
    kept = await blobs.keep(chunks_of(data), max_bytes=MIB)
    assert kept is not None
    await blobs.settle(kept)
    staff_id, record_id = await make_record(db, clock)
    held = EvidenceFile(origin(data, clock, "信件.jpg"), unanalysed=kept.sha256)
    async with db.transaction() as session:
        item = await store.link(
            session, held, record_id=record_id, at=clock.now(), actor_staff_id=staff_id
        )
    assert item.blob is not None
    assert (item.blob.kind, item.blob.size, item.blob.width) == ("image", len(data), 800)
    assert spooled(blobs.root) == []


_SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.证据", min_size=1, max_size=12)


@given(
    bucket=st.from_regex(r"[a-z0-9][a-z0-9\-]{1,20}[a-z0-9]", fullmatch=True),
    segments=st.lists(_SEGMENT.filter(lambda s: s not in (".", "..")), max_size=4),
    sha256=st.binary(min_size=32, max_size=32).map(bytes.hex),
    thumbnail=st.booleans(),
)
def test_every_s3_url_round_trips_and_keys_stay_under_the_prefix(
    bucket: str, segments: list[str], sha256: str, thumbnail: bool
) -> None:
    prefix = "/".join(segments)
    url = f"s3://{bucket}/{prefix}/" if prefix else f"s3://{bucket}"
    place = S3Location.parse(url)
    assert (place.bucket, place.prefix) == (bucket, prefix)
    assert S3Location.parse(place.url) == place
    key = place.key(sha256, thumbnail=thumbnail)
    middle = f"thumbs/{sha256[:2]}/{sha256[2:4]}" if thumbnail else f"{sha256[:2]}/{sha256[2:4]}"
    assert key == "/".join(part for part in (prefix, middle, sha256) if part)
