"""Evidence bytes in an S3-compatible object store (AWS S3, MinIO, Ceph RGW, OSS, COS).

The same content-addressed names as the folder (``<prefix>/<sha[0:2]>/<sha[2:4]>/<sha>``,
thumbnails under ``<prefix>/thumbs/``). A file is first spooled to the local disk while it is
hashed (``storage.blobs``: memory stays at a few write buffers; not fsynced, since the
store keeps the bytes and the spool is read back once and removed), analysed from there, and
sent from the spool in parts of ``part_size`` bytes (a multipart upload above one part), so
memory stays flat whatever a file's size.

The SHA-256 is checked on upload: every request carries the SHA-256 of its bytes
(``x-amz-checksum-sha256``, which the store verifies), the bytes sent are hashed again on the
way, and a multipart upload whose bytes are not the ones the name says is aborted, never
completed. Writes are conditional (``If-None-Match: *``), so an object is never overwritten
by guowen; with object lock (WORM) each object gets a retention (``GOVERNANCE`` or
``COMPLIANCE`` for ``days`` days) under which the store itself refuses to delete or overwrite
that version, in ``COMPLIANCE`` mode even with its root credentials. The bucket must have been
created with object lock enabled for that.

The client is boto3: every call here sits beside blocking work that already runs in a thread
(hashing, image analysis, writing a tar), its S3 client is thread-safe, and it speaks the
checksum, conditional-write and object-lock headers that the store checks. Credentials come
from boto3's usual chain (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, a profile, an
instance role) or from a shared-credentials file named in the configuration.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import math
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from storage.blobs import (
    MIB,
    WRITE_SIZE,
    BlobStore,
    EvidenceChecksumMismatch,
    EvidenceStoreUnavailable,
    Kept,
    Reading,
    fan_out,
)

log = logging.getLogger(__name__)

PART_SIZE = 16 * MIB
"""Bytes per part of a multipart upload (S3 wants at least 5 MiB but the last)."""
MAX_PARTS = 10_000
"""S3's limit on the parts of one upload; a larger file gets larger parts."""
ATTEMPTS = 4
"""Tries of one request (botocore's standard retry mode, with its back-off) before failing."""


class LockMode(StrEnum):
    """S3 object lock modes: GOVERNANCE can be lifted by a special permission, COMPLIANCE not."""

    GOVERNANCE = "GOVERNANCE"
    COMPLIANCE = "COMPLIANCE"


@dataclass(frozen=True)
class ObjectLock:
    """The retention each new object gets: ``mode`` for ``days`` days (at least 1)."""

    mode: LockMode
    days: int

    def __post_init__(self) -> None:
        if self.days < 1:
            raise ValueError("object lock days must be at least 1")


@dataclass(frozen=True)
class S3Location:
    """``s3://bucket/prefix`` taken apart; ``prefix`` has no slash at either end."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """``ValueError`` unless ``url`` is ``s3://BUCKET`` or ``s3://BUCKET/PREFIX``."""
        scheme, _, rest = url.partition("://")
        bucket, _, prefix = rest.partition("/")
        if scheme != "s3" or not bucket or not 3 <= len(bucket) <= 63 or "?" in rest:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        return cls(bucket, prefix.strip("/"))

    @property
    def url(self) -> str:
        """Back to ``s3://bucket/prefix``."""
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def key(self, sha256: str, *, thumbnail: bool = False) -> str:
        """The object key of the bytes named ``sha256``; ``ValueError`` for a malformed name."""
        relative = fan_out(Path("thumbs") if thumbnail else Path(), sha256).as_posix()
        return f"{self.prefix}/{relative}" if self.prefix else relative


def make_client(
    *,
    endpoint: str | None = None,
    region: str | None = None,
    credentials_file: Path | None = None,
    attempts: int | None = None,
) -> Any:
    """A boto3 S3 client; ``endpoint`` for a store other than AWS (path-style addressing).

    ``credentials_file`` is an AWS shared-credentials file (``[default]`` with
    ``aws_access_key_id`` and ``aws_secret_access_key``); without it boto3's usual chain is
    used (the ``AWS_*`` environment variables first). ``attempts``: tries per request
    (default ``ATTEMPTS``).
    """
    core = botocore.session.Session()
    if credentials_file is not None:
        core.set_config_variable("credentials_file", str(credentials_file))
    session = boto3.session.Session(botocore_session=core)
    config = Config(
        connect_timeout=10,
        read_timeout=60,
        retries={"max_attempts": attempts or ATTEMPTS, "mode": "standard"},
        s3={"addressing_style": "path" if endpoint else "auto"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=endpoint or None, region_name=region, config=config)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _status(error: ClientError) -> int:
    return int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


_ABSENT = {"404", "NoSuchKey", "NotFound"}


class S3Blobs:
    """Evidence bytes under ``location`` in an S3-compatible store; see the module docstring.

    ``root`` is a local folder for the spool (``root/tmp``) and for reports beside it.
    ``client`` is a boto3 S3 client (``make_client``); ``lock`` the retention new objects get
    (None: the bucket's default, if any); ``part_size`` in bytes (at least 5 MiB);
    ``now`` the clock retention dates are counted from (timezone-aware).
    """

    def __init__(
        self,
        location: S3Location,
        root: Path,
        *,
        client: Any,
        lock: ObjectLock | None = None,
        part_size: int = PART_SIZE,
        write_size: int = WRITE_SIZE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if part_size < 5 * MIB:
            raise ValueError("part_size must be at least 5 MiB")
        self.place = location
        self.root = root
        self.client = client
        self.lock = lock
        self.part_size = part_size
        self._spooler = BlobStore(root, write_size=write_size, durable=False)
        self._now = now

    @property
    def location(self) -> str:
        """``s3://bucket/prefix``."""
        return self.place.url

    @property
    def temp_dir(self) -> Path:
        """Where files are spooled and hashed before they are sent."""
        return self._spooler.temp_dir

    def where(self, sha256: str, *, thumbnail: bool = False) -> str:
        """The object's ``s3://`` URL; the store's own for a malformed name."""
        try:
            return f"s3://{self.place.bucket}/{self.place.key(sha256, thumbnail=thumbnail)}"
        except ValueError:
            return self.location

    # ------------------------------------------------------------------ writing

    async def keep(self, chunks: AsyncIterable[bytes], *, max_bytes: int) -> Kept | None:
        """Spool and hash ``chunks``, then send them; None once they exceed ``max_bytes``.

        ``Kept.path`` is the local spool, there until ``settle``. Raises
        ``EvidenceStoreUnavailable`` when the store cannot be reached or refuses the write,
        ``EvidenceChecksumMismatch`` when the spool changed under us; neither keeps anything.
        """
        spool = await self._spooler.spool(chunks, max_bytes)
        if spool is None:
            return None
        try:
            key = self.place.key(spool.sha256)
            new = await asyncio.to_thread(self._send, spool.path, key, spool.sha256, spool.size)
        except BaseException:
            spool.discard()
            raise
        return Kept(spool.sha256, spool.size, spool.path, new)

    async def settle(self, kept: Kept) -> None:
        """Remove the local spool of ``kept`` (the object store holds the bytes)."""
        await asyncio.to_thread(kept.path.unlink, True)

    def keep_thumbnail(self, data: bytes) -> str:
        """Keep a derived preview (blocking); returns its SHA-256."""
        sha256 = hashlib.sha256(data).hexdigest()
        key = self.place.key(sha256, thumbnail=True)
        with self._unavailable():
            if not self._exists(key, len(data)):
                self._put(key, data, sha256)
        return sha256

    def _send(self, path: Path, key: str, sha256: str, size: int) -> bool:
        """Send the spooled file ``path`` as ``key`` unless it is there; True when new."""
        with self._unavailable():
            if self._exists(key, size):
                return False
            if size <= self.part_size:
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() != sha256:
                    raise EvidenceChecksumMismatch(f"{key}: the spooled bytes changed")
                return self._put(key, data, sha256)
            return self._multipart(path, key, sha256, size)

    def _lock_args(self) -> dict[str, Any]:
        if self.lock is None:
            return {}
        until = self._now().astimezone(UTC) + timedelta(days=self.lock.days)
        return {"ObjectLockMode": self.lock.mode.value, "ObjectLockRetainUntilDate": until}

    def _put(self, key: str, data: bytes, sha256: str) -> bool:
        try:
            self.client.put_object(
                Bucket=self.place.bucket,
                Key=key,
                Body=data,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(bytes.fromhex(sha256)),
                IfNoneMatch="*",
                ContentType="application/octet-stream",
                Metadata={"sha256": sha256},
                **self._lock_args(),
            )
        except ClientError as error:
            if _status(error) == 412:  # stored meanwhile by another instance: not rewritten
                return False
            if _code(error) in ("BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest"):
                raise EvidenceChecksumMismatch(f"{key}: {_code(error)}") from error
            raise
        return True

    def _multipart(self, path: Path, key: str, sha256: str, size: int) -> bool:
        started = self.client.create_multipart_upload(
            Bucket=self.place.bucket,
            Key=key,
            ChecksumAlgorithm="SHA256",
            ContentType="application/octet-stream",
            Metadata={"sha256": sha256},
            **self._lock_args(),
        )
        upload_id = started["UploadId"]
        try:
            parts = self._parts(path, key, upload_id, sha256, size)
            self.client.complete_multipart_upload(
                Bucket=self.place.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
                IfNoneMatch="*",
            )
        except ClientError as error:
            self._abort(key, upload_id)
            if _status(error) == 412:  # stored meanwhile by another instance: not rewritten
                return False
            raise
        except BaseException:
            self._abort(key, upload_id)
            raise
        return True

    def _parts(
        self, path: Path, key: str, upload_id: str, sha256: str, size: int
    ) -> list[dict[str, Any]]:
        """Send ``path`` in parts, each with its SHA-256; the whole is hashed on the way.

        ``EvidenceChecksumMismatch`` when the bytes sent are not the ones named ``sha256``.
        """
        part_size = max(self.part_size, math.ceil(size / MAX_PARTS / MIB) * MIB)
        whole = hashlib.sha256()
        parts: list[dict[str, Any]] = []
        with path.open("rb") as source:
            while data := source.read(part_size):
                whole.update(data)
                checksum = _b64(hashlib.sha256(data).digest())
                answer = self.client.upload_part(
                    Bucket=self.place.bucket,
                    Key=key,
                    UploadId=upload_id,
                    PartNumber=len(parts) + 1,
                    Body=data,
                    ChecksumAlgorithm="SHA256",
                    ChecksumSHA256=checksum,
                )
                parts.append(
                    {
                        "PartNumber": len(parts) + 1,
                        "ETag": answer["ETag"],
                        "ChecksumSHA256": checksum,
                    }
                )
        if whole.hexdigest() != sha256:
            raise EvidenceChecksumMismatch(f"{key}: the bytes sent are not {sha256}")
        return parts

    def _abort(self, key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.place.bucket, Key=key, UploadId=upload_id
            )
        except (ClientError, BotoCoreError):
            log.warning("could not abort the multipart upload of %s; the store expires it", key)

    def _exists(self, key: str, size: int | None) -> bool:
        """True when ``key`` is stored; an object of another size is kept as it is (logged)."""
        try:
            head = self.client.head_object(Bucket=self.place.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _ABSENT:
                return False
            raise
        if size is not None and int(head.get("ContentLength", -1)) != size:
            log.error("%s exists with another size; kept as it is: run `guowen verify`", key)
        return True

    # ------------------------------------------------------------------ reading

    def open(self, sha256: str, *, thumbnail: bool = False) -> Reading:
        """The object named ``sha256`` as a stream (blocking).

        ``FileNotFoundError`` when absent, ``OSError`` when the store cannot be read,
        ``ValueError`` for a name that is not a SHA-256.
        """
        key = self.place.key(sha256, thumbnail=thumbnail)
        try:
            answer = self.client.get_object(Bucket=self.place.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _ABSENT:
                raise FileNotFoundError(self.where(sha256, thumbnail=thumbnail)) from error
            raise OSError(f"{key}: {error}") from error
        except BotoCoreError as error:
            raise OSError(f"{key}: {error}") from error
        return Reading(int(answer["ContentLength"]), answer["Body"])

    def check(self) -> None:
        """Raise ``EvidenceStoreUnavailable`` unless the bucket answers (a HEAD request)."""
        with self._unavailable():
            self.client.head_bucket(Bucket=self.place.bucket)

    def _unavailable(self) -> _Unavailable:
        return _Unavailable(self.location)


class _Unavailable:
    """Turns the client's errors into ``EvidenceStoreUnavailable`` naming the store."""

    def __init__(self, where: str) -> None:
        self.where = where

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if isinstance(error, ClientError):
            reason = f"{_code(error) or _status(error)}: {error}"
            raise EvidenceStoreUnavailable(self.where, reason) from error
        if isinstance(error, BotoCoreError):
            raise EvidenceStoreUnavailable(self.where, str(error)) from error
