"""Evidence into an S3-compatible store: throughput and peak memory per file size.

    python benchmarks/evidence_s3.py [--sizes 50,500] [--dir /path/for/the/test/files]

A moto S3 server runs in its own process on 127.0.0.1 (its memory is not counted). For each
size a file of random bytes is written, then two fresh Python processes send it:

- the reference: boto3's own ``upload_file`` (s3transfer's managed multipart upload, several
  threads, no SHA-256 of its own), its time and peak RSS (``ru_maxrss``);
- guowen: ``EvidenceStore.ingest`` through ``storage.objects.S3Blobs`` into a new SQLite
  database, reading the file in 64 KiB chunks as a download would arrive (spooled and hashed,
  analysed, then sent in 16 MiB parts, each with its SHA-256), its time and peak RSS before and
  after the ingest.

The peak RSS must not grow with the file: the last line prints its growth from the smallest
size to the largest beside the growth of the file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from evidence_ingest import _peak_rss_mb, _read, make_file

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
BUCKET = "bench-evidence"


def _client(endpoint: str) -> object:
    sys.path.insert(0, str(ROOT))
    from storage.objects import make_client

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    return make_client(endpoint=endpoint, region="us-east-1")


def reference(path: Path, endpoint: str) -> dict[str, float]:
    client = _client(endpoint)
    before = _peak_rss_mb()
    started = time.perf_counter()
    client.upload_file(str(path), BUCKET, f"reference/{path.parent.name}")  # type: ignore[attr-defined]
    return {
        "seconds": time.perf_counter() - started,
        "rss_before_mb": before,
        "rss_peak_mb": _peak_rss_mb(),
    }


async def ingest(path: Path, size: int, endpoint: str, work: Path) -> dict[str, float]:
    client = _client(endpoint)
    from storage.db import Database
    from storage.evidence import EvidenceStore, Provenance
    from storage.models import Record, Staff
    from storage.objects import S3Blobs, S3Location

    at = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
    db = Database(f"sqlite+aiosqlite:///{work / 'bench.db'}")
    await db.upgrade()
    async with db.transaction() as session:
        staff = Staff(name="基准", active=True, created_at=at)
        session.add(staff)
        await session.flush()
        record = Record(
            status="draft", handler_id=staff.id, received_at=at, created_at=at, fields={}
        )
        session.add(record)
        await session.flush()
        ids = staff.id, record.id
    blobs = S3Blobs(S3Location(BUCKET, f"guowen/{path.parent.name}"), work, client=client)
    store = EvidenceStore(blobs, max_bytes=4096 * MiB)
    origin = Provenance("benchmark", at, file_name=path.name, declared_size=size)
    before = _peak_rss_mb()
    started = time.perf_counter()
    with path.open("rb") as f:
        async with db.transaction() as session:
            item = await store.ingest(
                session, _read(f), origin, record_id=ids[1], at=at, actor_staff_id=ids[0]
            )
    elapsed = time.perf_counter() - started
    await db.close()
    assert item.blob is not None and item.blob.size == size
    return {"seconds": elapsed, "rss_before_mb": before, "rss_peak_mb": _peak_rss_mb()}


def child(kind: str, path: Path, endpoint: str, work: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path), endpoint, str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    client = _client(endpoint)
    client.create_bucket(Bucket=BUCKET)  # type: ignore[attr-defined]
    return server, endpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500", help="file sizes in MiB, comma-separated")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the test files")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, source, endpoint, work = args.child
        Path(work).mkdir(parents=True, exist_ok=True)
        if kind == "reference":
            result = reference(Path(source), endpoint)
        else:
            size = Path(source).stat().st_size
            result = asyncio.run(ingest(Path(source), size, endpoint, Path(work)))
        print(json.dumps(result))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    top = Path(tempfile.mkdtemp(prefix="guowen-bench-s3-", dir=args.dir))
    server, endpoint = start_server()
    rows = []
    try:
        for size_mb in sizes:
            work = top / f"{size_mb}mb"
            work.mkdir()
            source = work / "source.bin"
            make_file(source, size_mb)
            base = child("reference", source, endpoint, work / "reference")
            ours = child("guowen", source, endpoint, work / "guowen")
            rows.append((size_mb, base, ours))
            shutil.rmtree(work, ignore_errors=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(top, ignore_errors=True)

    print("evidence into S3 (moto server on 127.0.0.1): random bytes, 64 KiB chunks, 16 MiB parts")
    print(
        f"{'size':>7}  {'guowen':>11}  {'upload_file':>11}  {'peak RSS':>9}  "
        f"{'RSS before':>10}  {'upload_file RSS':>15}"
    )
    for size_mb, base, ours in rows:
        print(
            f"{size_mb:>4} MiB  {size_mb / ours['seconds']:>6.1f} MiB/s  "
            f"{size_mb / base['seconds']:>6.1f} MiB/s  {ours['rss_peak_mb']:>6.1f} MiB  "
            f"{ours['rss_before_mb']:>7.1f} MiB  {base['rss_peak_mb']:>12.1f} MiB"
        )
    growth = rows[-1][2]["rss_peak_mb"] - rows[0][2]["rss_peak_mb"]
    print(
        f"peak RSS from {rows[0][0]} MiB to {rows[-1][0]} MiB: {growth:+.1f} MiB "
        f"(the file grew {rows[-1][0] - rows[0][0]} MiB)"
    )


if __name__ == "__main__":
    main()
