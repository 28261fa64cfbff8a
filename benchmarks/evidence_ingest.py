"""Evidence ingest: throughput beside ``sha256sum`` + ``cp``, and peak memory per file size.

    python benchmarks/evidence_ingest.py [--sizes 50,500] [--dir /path/on/the/evidence/disk]

For each size a file of random bytes is written in 1 MiB pieces, then:

- the baseline runs ``sha256sum FILE`` and ``cp FILE COPY`` (what hashing and copying cost on
  this machine; ``cp`` does not fsync, the store does), timed on the wall clock and in CPU
  seconds (user + system of both commands);
- a fresh Python process ingests the file through ``EvidenceStore.ingest`` into a new SQLite
  database, reading it in 64 KiB chunks as a download would arrive, and reports its time and
  its peak RSS (``ru_maxrss``), before and after the ingest. A fresh process per size keeps one
  run's peak from hiding the next one's: the peak must not grow with the file.

The ratio is throughput over the baseline's (1.0: as fast as ``sha256sum`` + ``cp``). On a
machine shared with other work the wall clock swings with the load, so the CPU ratio (the
baseline's CPU seconds over the ingest's, all threads) is printed beside it, and ``--repeat``
runs each size several times and keeps the median of each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
CHUNK = 64 * 1024


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (MiB if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB on Linux


def make_file(path: Path, size_mb: int) -> None:
    with path.open("wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(MiB))
        f.flush()
        os.fsync(f.fileno())


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def baseline(path: Path, work: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``sha256sum`` then ``cp``."""
    copy = work / "cp-copy"
    cpu = _cpu(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cp", str(path), str(copy)], check=True)
    elapsed = time.perf_counter() - started
    copy.unlink()
    return elapsed, _cpu(resource.RUSAGE_CHILDREN) - cpu


async def _read(f: BinaryIO) -> AsyncIterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk


async def _ingest(f: BinaryIO, size: int, name: str, work: Path) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from storage.db import Database
    from storage.evidence import EvidenceStore, Provenance
    from storage.models import Record, Staff

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
    store = EvidenceStore(work / "evidence", max_bytes=4096 * MiB)
    before = _peak_rss_mb()
    cpu = _cpu(resource.RUSAGE_SELF)
    started = time.perf_counter()
    origin = Provenance(
        "benchmark",
        at,
        file_name=name,
        declared_mime="application/octet-stream",
        declared_size=size,
    )
    async with db.transaction() as session:
        item = await store.ingest(
            session, _read(f), origin, record_id=ids[1], at=at, actor_staff_id=ids[0]
        )
    elapsed = time.perf_counter() - started
    cpu = _cpu(resource.RUSAGE_SELF) - cpu
    await db.close()
    assert item.blob is not None and item.blob.size == size
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "rss_before_mb": before,
        "rss_peak_mb": _peak_rss_mb(),
    }


def run_child(path: Path, work: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path), str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500", help="file sizes in MiB, comma-separated")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the test files")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (medians shown)")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        source, work = Path(args.child[0]), Path(args.child[1])
        work.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as f:
            result = asyncio.run(_ingest(f, os.fstat(f.fileno()).st_size, source.name, work))
        print(json.dumps(result))
        return

    sizes = [int(size) for size in args.sizes.split(",")]
    top = Path(tempfile.mkdtemp(prefix="guowen-bench-", dir=args.dir))
    rows = []
    try:
        for size_mb in sizes:
            work = top / f"{size_mb}mb"
            work.mkdir()
            source = work / "source.bin"
            make_file(source, size_mb)
            runs = []
            for attempt in range(args.repeat):
                base, base_cpu = baseline(source, work)
                child = run_child(source, work / f"run-{attempt}")
                runs.append((base, base_cpu, child))
            child = {key: statistics.median(run[2][key] for run in runs) for key in runs[0][2]}
            base = statistics.median(run[0] for run in runs)
            base_cpu = statistics.median(run[1] for run in runs)
            child["cpu_ratio"] = base_cpu / child["cpu_seconds"]
            rows.append((size_mb, size_mb / child["seconds"], size_mb / base, child))
            shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(top, ignore_errors=True)

    print(
        "evidence ingest: SQLite, random bytes, 64 KiB chunks, fsync before rename"
        f" (median of {args.repeat})"
    )
    print(
        f"{'size':>7}  {'ingest':>11}  {'sha256sum+cp':>13}  {'ratio':>6}  {'CPU ratio':>9}  "
        f"{'peak RSS':>9}  {'RSS before ingest':>17}"
    )
    for size_mb, ingest, base, child in rows:
        print(
            f"{size_mb:>4} MiB  {ingest:>6.1f} MiB/s  {base:>8.1f} MiB/s  {ingest / base:>6.2f}  "
            f"{child['cpu_ratio']:>9.2f}  "
            f"{child['rss_peak_mb']:>6.1f} MiB  {child['rss_before_mb']:>14.1f} MiB"
        )
    growth = rows[-1][3]["rss_peak_mb"] - rows[0][3]["rss_peak_mb"]
    print(
        f"peak RSS from {rows[0][0]} MiB to {rows[-1][0]} MiB: {growth:+.1f} MiB "
        f"(the file grew {rows[-1][0] - rows[0][0]} MiB)"
    )


if __name__ == "__main__":
    main()
