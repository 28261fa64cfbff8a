"""The quarterly report over 100,000 records: time and peak memory.

    python benchmarks/report.py [--records 100000] [--dir /path/on/the/data/disk]
                                [--database bench.db] [--no-references] [--periods quarter]

A SQLite database is filled with synthetic records spread over Q3 2026 (outside inquiries,
some Art. 5 opinions, drafts, withdrawn and internal ones, co-signers for in-person inquiries,
evidence for a third), with a tenth of them in the quarter's first nine days. Then, each in a
fresh Python process (so one run's peak cannot hide another's), ``guowen report`` is run the
way the command line runs it (``bot.report_cli.report``: a read transaction that blocks no
writer, the streamed workbook, the summary document, the picture, the audit event) for those
nine days and for the whole quarter. Memory must stay flat: the peak RSS of the quarter may not
grow with its ten times as many records.

The machine is shared, so each figure is printed beside references measured in the same run,
each in a fresh process too: a bare dump of the quarter's records (plain ``sqlite3`` rows, the
columns of the detail sheet, no formatting) through openpyxl's ``write_only`` mode (the
reference of issue 14), XlsxWriter's ``constant_memory`` mode and rustpy-xlsxwriter, with the
ratio of each to the reference and the load average before and after. Each figure is the
wall time and the CPU time (user and system, all threads) of its process and of the process
that writes the detail rows (``reports.detail_worker``, counted when it has ended; its peak RSS
as it reports it, since ``getrusage`` would count the report's pages at the fork): on a loaded
machine the CPU time is the steadier of the two.

For profiling: ``--database`` keeps the filled database at that path and reuses it when it is
there already (filled with the same ``--records``), ``--no-references`` skips the three dumps
and ``--periods quarter`` runs the quarter alone; ``--worker-from N`` writes the detail rows in a
process of their own from N records on (``reports.quarterly.WORKER_RECORDS``; 0: always).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import logging
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MiB = 1024 * 1024
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
CHANNELS = ["phone", "wechat", "sms", "letter", "in_person", "email", "mail", "weibo", "other"]
CATEGORIES = ["party", "congress", "government", "cppcc", "procuratorate", "company",
              "enterprise", "institution", "social_organisation", "military"]  # fmt: skip
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User and system CPU time so far of this process (its threads included) or, with
    ``RUSAGE_CHILDREN``, of its child processes that have ended (the detail rows' worker)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS in MiB of this process, or (``RUSAGE_CHILDREN``) of its largest ended child."""
    peak = resource.getrusage(who).ru_maxrss
    return peak / (MiB if sys.platform == "darwin" else 1024)


def synthetic(rng: random.Random, record_id: int, received: datetime) -> dict[str, Any]:
    """One record's columns, as the intake would have filled them."""
    handler = rng.randrange(40) + 1
    roll = rng.random()
    status = "draft" if roll < 0.02 else "withdrawn" if roll < 0.03 else "submitted"
    done = status == "submitted"
    channel = rng.choice(CHANNELS)
    submitted = received + timedelta(hours=rng.uniform(0.5, 60))
    platform = submitted + timedelta(hours=rng.uniform(0, 72))
    delivered = submitted + timedelta(hours=rng.uniform(0, 96))
    return {
        "id": record_id,
        "number": f"过问〔2026〕{record_id}号" if done else None,
        "status": status,
        "kind": rng.choices(["external", "reference_opinion", "internal"], [95, 3, 2])[0],
        "handler_id": handler,
        "department_id": (handler - 1) % 8 + 1,
        "received_at": received,
        "received_confirmed": True,
        "created_at": received,
        "submitted_at": submitted if done else None,
        "withdrawn_at": received + timedelta(hours=1) if status == "withdrawn" else None,
        "inquiry_at": received,
        "channel": channel,
        "inquirer_name": rng.choice(SURNAMES) + "某",
        "inquirer_unit": f"某县某局{rng.randrange(50)}",
        "inquirer_position": rng.choice(["局长", "主任", "书记", "副县长"]),
        "unit_category": rng.choice(CATEGORIES),
        "retired": rng.random() < 0.05,
        "main_leader": rng.random() < 0.02,
        "intermediary": rng.choice(["none", "none", "staff", "relative"]),
        "case_name": f"某某诉某某合同纠纷案{record_id}",
        "case_number": f"（2026）豫0825民初{record_id}号",
        "case_not_filed": False,
        "summary": "要求对案件从轻处理，" * rng.randrange(1, 6),
        "art9_items": sorted(rng.sample(range(1, 15), rng.choice([0, 0, 1, 2]))),
        "serious": rng.random() < 0.01,
        "place": "办公室" if channel == "in_person" else None,
        "material_route": rng.choice(["direct", "via_integrity_officer"]),
        "originals_destination": rng.choice(["sub_file", "no_original"]),
        "cosigners_done": channel != "in_person",
        "platform_entered_at": platform if done and rng.random() < 0.9 else None,
        "form_delivered_at": delivered if done and rng.random() < 0.85 else None,
        "fields": {},
    }


def fill(path: Path, count: int, seed: int = 7) -> None:
    """``count`` records in Q3 2026 (a tenth in July 1-9), written in bulk through Core."""
    from sqlalchemy import create_engine, insert

    from storage.db import make_engine, upgrade
    from storage.models import (
        Department,
        EvidenceBlob,
        EvidenceItem,
        Record,
        RecordCosigner,
        Staff,
        StaffRole,
    )

    url = f"sqlite+aiosqlite:///{path}"

    async def migrate() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    rng = random.Random(seed)
    engine = create_engine(f"sqlite:///{path}")
    start = datetime(2026, 7, 1, tzinfo=TZ)
    first_days = timedelta(days=9)
    rest = datetime(2026, 10, 1, tzinfo=TZ) - start - first_days
    with engine.begin() as conn:
        conn.execute(
            insert(Department),
            [{"id": n, "name": f"第{n}审判庭", "created_at": NOW} for n in range(1, 9)],
        )
        people = [
            {"id": n, "name": f"承办人{n:02d}", "department_id": (n - 1) % 8 + 1, "created_at": NOW}
            for n in range(1, 41)
        ]
        conn.execute(insert(Staff), [{**person, "active": True} for person in people])
        conn.execute(insert(StaffRole), [{"staff_id": p["id"], "role": "handler"} for p in people])
        for first in range(0, count, 5000):
            records: list[dict[str, Any]] = []
            cosigners: list[dict[str, Any]] = []
            blobs: list[dict[str, Any]] = []
            items: list[dict[str, Any]] = []
            for n in range(first, min(count, first + 5000)):
                offset = (
                    first_days * rng.random() if n % 10 == 0 else first_days + rest * rng.random()
                )
                record = synthetic(rng, n + 1, start + offset)
                records.append(record)
                other = rng.randrange(40) + 1
                if record["channel"] == "in_person" and other != record["handler_id"]:
                    at = record["received_at"] + timedelta(hours=5)
                    cosigners.append(
                        {"record_id": n + 1, "staff_id": other, "status": "confirmed",
                         "requested_at": at, "responded_at": at}
                    )  # fmt: skip
                if rng.random() < 0.3:
                    sha = f"{rng.getrandbits(256):064x}"
                    at = record["received_at"]
                    blobs.append(
                        {"sha256": sha, "size": 123456, "mime": "image/png", "kind": "image",
                         "damaged": False, "stored_at": at}
                    )  # fmt: skip
                    items.append(
                        {"record_id": n + 1, "blob_sha256": sha, "original_name": "截图.png",
                         "transport": "bench", "received_at": at, "added_at": at,
                         "over_cap": False, "disguised": False}
                    )  # fmt: skip
            conn.execute(insert(Record), records)
            for table, rows in ((RecordCosigner, cosigners), (EvidenceBlob, blobs)):
                if rows:
                    conn.execute(insert(table), rows)
            if items:
                conn.execute(insert(EvidenceItem), items)
    engine.dispose()


def child(database: Path, period: str, out: Path, worker_from: int | None) -> dict[str, Any]:
    from bot.config import defaults
    from bot.report_cli import report
    from reminders.clock import FakeClock

    if worker_from is not None:
        import reports.quarterly

        reports.quarterly.WORKER_RECORDS = worker_from

    settings = defaults()
    settings.court.name = "温县人民法院"
    settings.storage.database_url = f"sqlite+aiosqlite:///{database}"
    settings.storage.evidence_dir = str(out / "evidence")
    worker_peaks: list[float] = []

    class WorkerPeak(logging.Handler):
        """The peak RSS the detail rows' worker says it had (its own, not the fork's)."""

        def emit(self, record: logging.LogRecord) -> None:
            peak = getattr(record, "peak_rss_mib", None)
            if peak is not None:
                worker_peaks.append(peak)

    worker_log = logging.getLogger("reports.detail_worker")
    worker_log.setLevel(logging.INFO)
    worker_log.addHandler(WorkerPeak())
    before = _peak_rss_mb()
    cpu = _cpu_seconds()
    worker_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    lines = io.StringIO()
    status = asyncio.run(report(settings, period, out, lines, clock=FakeClock(NOW), progress=False))
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    worker_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - worker_cpu
    assert status == 0, lines.getvalue()
    files = [Path(line) for line in lines.getvalue().splitlines()[1:]]
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu + worker_cpu,
        "main_cpu_seconds": cpu,
        "worker_cpu_seconds": worker_cpu,
        "rss_before_mb": before,
        "rss_peak_mb": _peak_rss_mb(),
        "worker_rss_peak_mb": max(worker_peaks, default=0.0),
        "xlsx_mb": files[0].stat().st_size / MiB,
        "summary": lines.getvalue().splitlines()[0],
    }


DUMP_QUERY = (
    "SELECT number, status, kind, received_at, inquiry_at, channel, channel_other, "
    "inquirer_name, inquirer_unit, inquirer_position, unit_category, retired, main_leader, "
    "intermediary, intermediary_name, intermediary_relation, case_name, case_number, "
    "department_id, handler_id, summary, art9_items, serious, place, persons_present, "
    "material_route, originals_destination, originals_note, submitted_at, "
    "platform_entered_at, platform_ref, form_delivered_at, serious_alerted_at, "
    "upward_listed_at, created_at, withdrawn_at, received_confirmed, case_not_filed, "
    "cosigners_done, fields, id "
    "FROM records WHERE kind IS NULL OR kind != 'internal' ORDER BY received_at, id"
)
WRITERS = ("openpyxl write_only", "xlsxwriter constant_memory", "rustpy-xlsxwriter")


def dump(writer: str, database: Path, out: Path) -> dict[str, Any]:
    """A reference: the records' 41 columns as plain rows into one sheet, no formatting."""
    import sqlite3

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{writer.split()[0]}.xlsx"
    cpu = _cpu_seconds()
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    cursor = connection.execute(DUMP_QUERY)
    header = [column[0] for column in cursor.description]
    if writer == "openpyxl write_only":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("明细")
        sheet.append(header)
        for row in cursor:
            sheet.append(row)
        book.save(str(path))
    elif writer == "xlsxwriter constant_memory":
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        worksheet = workbook.add_worksheet("明细")
        worksheet.write_row(0, 0, header)
        for n, row in enumerate(cursor, 1):
            worksheet.write_row(n, 0, row)
        workbook.close()
    else:
        import rustpy_xlsxwriter

        rows = (dict(zip(header, row, strict=True)) for row in cursor)
        rustpy_xlsxwriter.write_worksheet(rows, str(path), sheet_name="明细")
    connection.close()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": _cpu_seconds() - cpu,
        "rss_peak_mb": _peak_rss_mb(),
        "xlsx_mb": path.stat().st_size / MiB,
    }


def run_dump(writer: str, database: Path, out: Path) -> dict[str, Any] | None:
    done = subprocess.run(
        [sys.executable, __file__, "--dump", writer, str(database), str(out)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:  # a writer not installed: said, not fatal
        print(f"{writer:>28}: not measured ({done.stderr.strip().splitlines()[-1]})")
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_child(
    database: Path, period: str, out: Path, worker_from: int | None = None
) -> dict[str, Any]:
    more = [] if worker_from is None else ["--worker-from", str(worker_from)]
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(database), period, str(out), *more],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=None, help="where to put the database")
    parser.add_argument(
        "--database", type=Path, default=None, help="a database to keep and reuse (profiling)"
    )
    parser.add_argument(
        "--no-references", action="store_true", help="skip the three dumps (profiling)"
    )
    parser.add_argument("--periods", choices=("both", "quarter"), default="both")
    parser.add_argument(
        "--worker-from",
        type=int,
        default=None,
        help="records from which the detail rows get a process of their own (0: always)",
    )
    parser.add_argument("--child", nargs=3, metavar=("DB", "PERIOD", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--dump", nargs=3, metavar=("WRITER", "DB", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(
                child(Path(args.child[0]), args.child[1], Path(args.child[2]), args.worker_from)
            )
        )
        return
    if args.dump:
        print(json.dumps(dump(args.dump[0], Path(args.dump[1]), Path(args.dump[2]))))
        return
    top = Path(tempfile.mkdtemp(prefix="guowen-bench-", dir=args.dir))
    try:
        database = args.database or top / "bench.db"
        load_before = os.getloadavg()
        started = time.perf_counter()
        if not database.exists():
            fill(database, args.records)
        filled = time.perf_counter() - started
        print(
            f"report benchmark: SQLite, {args.records:,} synthetic records in Q3 2026 "
            f"(filled in {filled:.0f} s)"
        )
        print(
            f"{'period':>22}  {'records':>8}  {'time':>8}  {'CPU':>8}  {'per 1k':>7}  "
            f"{'peak RSS':>9}  {'RSS before':>10}  {'xlsx':>8}"
        )
        runs = []
        periods = (  # a tenth of the records fall in July 1-9
            ("2026-07-01..07-09", "2026-07-01 2026-07-09", 0.1),
            ("2026Q3", "2026Q3", 1.0),
        )
        for label, period, share in periods[1:] if args.periods == "quarter" else periods:
            result = run_child(database, period, top / label.replace(".", "_"), args.worker_from)
            records = -(-args.records // 10) if share < 1 else args.records
            runs.append(result)
            print(
                f"{label:>22}  {records:>8,}  {result['seconds']:>6.1f} s  "
                f"{result['cpu_seconds']:>6.1f} s  "
                f"{result['seconds'] / records * 1000:>5.2f} s  {result['rss_peak_mb']:>6.1f} MiB  "
                f"{result['rss_before_mb']:>7.1f} MiB  {result['xlsx_mb']:>5.1f} MiB"
            )
            print(
                f"{'':>24}CPU: report's process {result.get('main_cpu_seconds', 0.0):.1f} s"
                f" + detail rows' worker {result.get('worker_cpu_seconds', 0.0):.1f} s;"
                f" the worker's peak RSS {result.get('worker_rss_peak_mb', 0.0):.1f} MiB"
            )
            print(f"{'':>24}{result['summary']}")
        growth = runs[-1]["rss_peak_mb"] - runs[0]["rss_peak_mb"]
        print(f"peak RSS from the nine days to the quarter (10x the records): {growth:+.1f} MiB")
        print("references, the quarter's records as plain rows in one sheet (same run):")
        quarter = runs[-1]["seconds"]
        reference: float | None = None
        for writer in () if args.no_references else WRITERS:
            measured = run_dump(writer, database, top / "dumps")
            if measured is None:
                continue
            reference = reference or measured["seconds"]
            print(
                f"{writer:>28}  {measured['seconds']:>6.1f} s  "
                f"{measured['cpu_seconds']:>6.1f} s CPU  "
                f"x{measured['seconds'] / reference:.2f} of openpyxl write_only  "
                f"{measured['rss_peak_mb']:>6.1f} MiB  {measured['xlsx_mb']:>5.1f} MiB"
            )
        if reference:
            print(f"the quarter's report: x{quarter / reference:.2f} of openpyxl write_only (wall)")
        after = os.getloadavg()
        print(
            "load average (1, 5, 15 min): before "
            + " ".join(f"{n:.1f}" for n in load_before)
            + ", after "
            + " ".join(f"{n:.1f}" for n in after)
        )
    finally:
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    main()
