"""The evidence store the configuration names: the folder, or an S3-compatible object store.

boto3 is imported only when ``[storage] evidence_url`` names an object store.
"""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from storage.blobs import Blobs, BlobStore


def evidence_blobs(settings: Settings) -> Blobs:
    """``[storage]``'s evidence store: ``evidence_url`` when set, else ``evidence_dir``.

    Raises ``ValueError`` for an ``evidence_url`` that is not ``s3://bucket/prefix`` (the
    configuration refuses one already).
    """
    storage = settings.storage
    if not storage.evidence_url:
        return BlobStore(settings.evidence_path)
    from storage import objects

    lock = None
    if storage.object_lock_mode:
        lock = objects.ObjectLock(
            objects.LockMode(storage.object_lock_mode), storage.object_lock_days
        )
    client = objects.make_client(
        endpoint=storage.s3_endpoint or None,
        region=storage.s3_region or None,
        credentials_file=Path(storage.s3_credentials_file) if storage.s3_credentials_file else None,
    )
    return objects.S3Blobs(
        objects.S3Location.parse(storage.evidence_url),
        settings.evidence_path,
        client=client,
        lock=lock,
    )
