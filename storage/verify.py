"""``guowen verify``: re-hash every evidence file, walk the audit chain, cross-check the rows.

Three passes, each reported as it goes so a terminal can draw a bar:

1. every blob file (and thumbnail) is re-hashed as a stream and compared with its name and
   with the size in the database, and so is every file kept on no record: held at a question
   or dismissed as sent by mistake, which only its ``evidence_held`` or ``evidence_refused``
   event names (``ARRIVALS``);
2. the audit chain is walked (``storage.audit.walk``);
3. every ``evidence_added`` event is compared with the item and blob rows it describes, so a
   row changed or deleted behind the triggers' back is found through the chain, and an item no
   event speaks of is named too;
4. records (drafts too), amendments, staff, departments, chat bindings and the reminders
   that went out or failed are compared with the events that recorded them
   (``storage.crosscheck``);
5. when an anchor is given (``expect_head``: a head that already left the database, printed on
   a form or sent to discipline), the chain must hold that very event: a chain cut back below
   it, or rewritten with every later hash recomputed, contradicts the anchor.

Nothing here writes. Problems are data (enums and numbers); ``bot.maintenance`` words them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from storage import audit, crosscheck
from storage.audit import AuditKind, ChainProblem
from storage.blobs import Blobs, BlobStore
from storage.crosscheck import RowProblem as RowProblem
from storage.db import Database
from storage.evidence import item_payload
from storage.models import AuditEvent, EvidenceBlob, EvidenceItem
from storage.numbers import parse_int


class FileProblemKind(StrEnum):
    """How an evidence file on disk disagrees with its row: its SHA-256 or size differs, or it is
    missing or cannot be read.
    """

    CHANGED = "file_changed"
    MISSING = "file_missing"
    SIZE_MISMATCH = "file_size_mismatch"
    UNREADABLE = "file_unreadable"


@dataclass(frozen=True)
class FileProblem:
    """A stored file that is not what its name (its SHA-256) and its row say.

    ``path`` is where it is: a file's path, or an ``s3://`` URL for an object.
    """

    kind: FileProblemKind
    sha256: str
    path: Path | str
    thumbnail: bool = False
    expected_size: int | None = None
    actual_size: int | None = None
    actual_sha256: str | None = None


class ItemProblemKind(StrEnum):
    """How an evidence item's row disagrees with the audit trail."""

    REMOVED = "item_removed"
    ALTERED = "item_altered"
    UNLOGGED = "item_unlogged"


@dataclass(frozen=True)
class ItemProblem:
    """An evidence row that disagrees with the ``evidence_added`` event that recorded it."""

    kind: ItemProblemKind
    item_id: int
    seq: int | None = None
    fields: tuple[str, ...] = ()


class AnchorProblemKind(StrEnum):
    """How the audit chain's head disagrees with an anchor message kept outside the bot."""

    MISSING = "anchor_missing"
    DIFFERS = "anchor_differs"


@dataclass(frozen=True)
class AnchorProblem:
    """The chain does not hold the head an anchor names: ``seq`` is gone, or its hash differs."""

    kind: AnchorProblemKind
    seq: int
    expected: str
    actual: str | None = None
    last_seq: int = 0


@dataclass(frozen=True)
class Anchor:
    """A head as printed on a form or sent to discipline: event ``seq`` had hash ``hash``."""

    seq: int
    hash: str


_READ = 1024 * 1024  # 1 MiB a read
_HASH_RUN = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{64}(?![0-9A-Fa-f])")
_HEX_RUN = re.compile(r"[0-9A-Fa-f]+")
_NUMBER = re.compile(r"[0-9０-９]+")


def parse_anchor(text: str) -> Anchor | None:
    """A head kept outside the database, as an ``Anchor``; None if ``text`` is not one.

    Taken as every place prints or says it: ``SEQ:HASH`` (discipline's daily message),
    ``#SEQ HASH`` (``guowen verify``), ``第 SEQ 号事件 HASH`` (a form's footer) and
    ``第 SEQ 号事件，哈希值 HASH`` / ``event SEQ, hash HASH`` (a form's or report's note),
    also pasted with the words around them, or across the line break a page put inside the
    hash (spaces and line breaks between its digits are dropped). HASH is a run of exactly 64
    hex digits, any case, and no other hash may be in ``text`` (the same one repeated is
    allowed, as the daily message repeats it); SEQ is the last number before its first run
    (ASCII or full-width digits, through ``storage.numbers.parse_int``, at least 1).
    """
    runs = list(_HASH_RUN.finditer(text))
    if len({run.group().lower() for run in runs}) > 1:
        return None
    found = (runs[0].start(), runs[0].group()) if runs else _broken_hash(text)
    if found is None:
        return None
    start, digits = found
    numbers = _NUMBER.findall(text[:start])
    seq = parse_int(numbers[-1], low=1) if numbers else None
    if seq is None:
        return None
    return Anchor(seq, _bare(digits))


def _broken_hash(text: str) -> tuple[int, str] | None:
    """Where a hash broken by spaces or line breaks starts in ``text``, and its digits: runs
    of hex digits with only white space between them that make 64 digits together; the last
    such in ``text`` (every place prints the hash after its event's number, which may itself
    be hex digits a space away). None when there is none."""
    runs = list(_HEX_RUN.finditer(text))
    best: tuple[int, int, str] | None = None
    for first, run in enumerate(runs):
        digits, end = "", run.start()
        for later in runs[first:]:
            if text[end : later.start()].strip():  # words between: not one hash
                break
            digits, end = digits + later.group(), later.end()
            if len(digits) >= 64:
                if len(digits) == 64 and (best is None or later.end() >= best[0]):
                    best = (later.end(), run.start(), digits)
                break
    return None if best is None else (best[1], best[2])


def _bare(digits: str) -> str:
    """A hash as read: lower case, without the spaces or line breaks a printed page put in."""
    return "".join(digits.split()).lower()


ARRIVALS = (AuditKind.EVIDENCE_HELD.value, AuditKind.EVIDENCE_REFUSED.value)
"""The events naming a file that came and was kept on no record (yet): its ``sha256`` and,
when it was kept, its ``size`` in bytes."""


class Phase(StrEnum):
    """The part of the check ``Progress`` reports on."""

    FILES = "files"
    CHAIN = "chain"
    ITEMS = "items"
    ROWS = "rows"


@dataclass(frozen=True)
class Progress:
    """How far a phase has got: bytes for files, events for the chain and the items."""

    phase: Phase
    done: int
    total: int


@dataclass(frozen=True)
class Summary:
    """What a whole check covered: evidence files, their ``bytes`` in all, thumbnails, audit
    events, evidence items, the audit chain's head (``head_seq``, ``head_hash``), and the
    files kept on no record (``held``: at a question, or dismissed) re-hashed besides.
    """

    files: int
    bytes: int
    thumbnails: int
    events: int
    items: int
    head_seq: int
    head_hash: str
    held: int = 0


Problem = FileProblem | ChainProblem | ItemProblem | RowProblem | AnchorProblem
Report = Progress | Problem | Summary


def _hash(blobs: Blobs, sha256: str, thumbnail: bool) -> tuple[str, int]:
    """The stored file's SHA-256 (hex) and its size in bytes, as read from ``blobs``.

    Raises ``OSError`` (or the store's ``EvidenceStoreUnavailable``) when it cannot be read.
    """
    digest = hashlib.sha256()
    size = 0
    with blobs.open(sha256, thumbnail=thumbnail) as reading:
        while block := reading.stream.read(_READ):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def check_file(
    root: Path | Blobs, sha256: str, size: int | None, *, thumbnail: bool = False
) -> FileProblem | None:
    """Re-hash one stored file (a folder's, or an object store's). Blocking: run it in a thread.

    ``root`` is the evidence folder or the ``Blobs`` holding it; ``size`` the row's, in bytes.
    """
    blobs = BlobStore(root) if isinstance(root, Path) else root
    where = blobs.where(sha256, thumbnail=thumbnail)
    path: Path | str = Path(where) if isinstance(blobs, BlobStore) else where
    try:
        digest, actual = _hash(blobs, sha256, thumbnail)
    except ValueError:  # a row whose name is not a hash cannot have a file
        return FileProblem(FileProblemKind.MISSING, sha256, path, thumbnail, size)
    except FileNotFoundError:
        return FileProblem(FileProblemKind.MISSING, sha256, path, thumbnail, size)
    except OSError:
        return FileProblem(FileProblemKind.UNREADABLE, sha256, path, thumbnail, size)
    if digest != sha256:
        kind = FileProblemKind.CHANGED
        return FileProblem(kind, sha256, path, thumbnail, size, actual, digest)
    if size is not None and actual != size:
        kind = FileProblemKind.SIZE_MISMATCH
        return FileProblem(kind, sha256, path, thumbnail, size, actual, digest)
    return None


async def _blob_pages(db: Database, page: int) -> AsyncIterator[list[tuple[str, int, str | None]]]:
    """All blob rows in pages, each page in its own short transaction."""
    last = ""
    while True:
        async with db.transaction() as session:
            query = (
                select(EvidenceBlob.sha256, EvidenceBlob.size, EvidenceBlob.thumbnail_sha256)
                .where(EvidenceBlob.sha256 > last)
                .order_by(EvidenceBlob.sha256)
                .limit(page)
            )
            rows = [(row[0], row[1], row[2]) for row in (await session.execute(query)).all()]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def arrival_files(payloads: Iterable[str]) -> dict[str, int | None]:
    """The files the ``ARRIVALS`` events with ``payloads`` (their JSON texts) name as kept:
    SHA-256 -> stored size in bytes (None when the event does not say it). A payload that is
    not JSON, or names no SHA-256 (a file refused unkept: too large, unreadable), names
    nothing; the chain walk names an altered event."""
    named: dict[str, int | None] = {}
    for text in payloads:
        try:
            payload = json.loads(text)
        except ValueError:
            continue
        sha256 = payload.get("sha256") if isinstance(payload, dict) else None
        if isinstance(sha256, str):
            size = payload.get("size")
            named[sha256] = size if isinstance(size, int) else named.get(sha256)
    return named


ARRIVAL_PAYLOADS = select(AuditEvent.payload).where(AuditEvent.kind.in_(ARRIVALS))
"""Every ``ARRIVALS`` event's payload (for ``arrival_files``)."""


async def _arrival_pages(db: Database, page: int) -> AsyncIterator[list[tuple[str, int | None]]]:
    """The files ``ARRIVALS`` events name that have no blob row (those are checked with the
    rows), each ``(sha256, size)`` once per page, in pages of events read in short
    transactions."""
    last = 0
    while True:
        async with db.transaction() as session:
            query = (
                select(AuditEvent.seq, AuditEvent.payload)
                .where(AuditEvent.kind.in_(ARRIVALS), AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(page)
            )
            events = list((await session.execute(query)).all())
            named = arrival_files(text for _seq, text in events)
            rows = select(EvidenceBlob.sha256).where(EvidenceBlob.sha256.in_(list(named)))
            linked = set((await session.execute(rows)).scalars())
        if not events:
            return
        yield [(sha256, size) for sha256, size in named.items() if sha256 not in linked]
        last = events[-1][0]


def _differences(recorded: dict[str, Any], rows: dict[str, Any]) -> tuple[str, ...]:
    keys = (recorded.keys() | rows.keys()) - {"duplicate"}
    return tuple(sorted(key for key in keys if recorded.get(key) != rows.get(key)))


async def _items(db: Database, page: int, seen: set[int]) -> AsyncIterator[ItemProblem | int]:
    """Compare each ``evidence_added`` event with its rows; yields problems and events done."""
    last = 0
    while True:
        async with db.transaction() as session:
            query = (
                select(AuditEvent.seq, AuditEvent.payload)
                .where(AuditEvent.kind == AuditKind.EVIDENCE_ADDED.value, AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(page)
            )
            events = [(seq, payload) for seq, payload in (await session.execute(query)).all()]
            recorded: list[tuple[int, dict[str, Any]]] = []
            for seq, text in events:
                try:
                    payload = json.loads(text)
                except ValueError:
                    continue  # the chain walk names an altered event already
                if isinstance(payload, dict) and isinstance(payload.get("item"), int):
                    recorded.append((seq, payload))
            wanted = [payload["item"] for _seq, payload in recorded]
            found = await session.execute(select(EvidenceItem).where(EvidenceItem.id.in_(wanted)))
            rows = {item.id: item_payload(item, item.blob) for item in found.unique().scalars()}
        if not events:
            return
        for seq, payload in recorded:
            item_id = payload["item"]
            seen.add(item_id)
            if item_id not in rows:
                yield ItemProblem(ItemProblemKind.REMOVED, item_id, seq)
            elif changed := _differences(payload, rows[item_id]):
                yield ItemProblem(ItemProblemKind.ALTERED, item_id, seq, changed)
        last = events[-1][0]
        yield len(events)


async def _unlogged(db: Database, page: int, seen: set[int]) -> AsyncIterator[ItemProblem]:
    last = 0
    while True:
        async with db.transaction() as session:
            query = (
                select(EvidenceItem.id)
                .where(EvidenceItem.id > last)
                .order_by(EvidenceItem.id)
                .limit(page)
            )
            ids = list((await session.execute(query)).scalars())
        if not ids:
            return
        for item_id in ids:
            if item_id not in seen:
                yield ItemProblem(ItemProblemKind.UNLOGGED, item_id)
        last = ids[-1]


async def _anchor(db: Database, expected: Anchor) -> AnchorProblem | None:
    async with db.transaction() as session:
        found = await session.get(AuditEvent, expected.seq)
        last = (await audit.head(session)).seq
    if found is None:
        return AnchorProblem(AnchorProblemKind.MISSING, expected.seq, expected.hash, None, last)
    if found.hash != expected.hash.lower():
        kind = AnchorProblemKind.DIFFERS
        return AnchorProblem(kind, expected.seq, expected.hash, found.hash, last)
    return None


async def verify(
    db: Database,
    evidence: Path | Blobs,
    *,
    page: int = 500,
    expect_head: Anchor | None = None,
) -> AsyncIterator[Report]:
    """Check everything; yields progress, each problem found, and a summary last.

    ``evidence`` is the evidence folder or the ``Blobs`` (folder or object store) holding it.

    Safe while the bot runs: files are immutable, pages are read in short transactions, and the
    chain walk follows appends made meanwhile. Consume the iterator to its end.
    ``expect_head`` is a head seen outside the database; the chain must still hold it.
    """
    async with db.transaction() as session:
        totals = select(func.count(), func.coalesce(func.sum(EvidenceBlob.size), 0))
        _count, summed = (await session.execute(totals)).one()
        total_bytes = int(summed)  # PostgreSQL sums a BIGINT as NUMERIC
        chain_total = (await audit.head(session)).seq
        evidence_events = (
            await session.execute(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.kind == AuditKind.EVIDENCE_ADDED.value)
            )
        ).scalar_one()

    blobs = BlobStore(evidence) if isinstance(evidence, Path) else evidence
    files = thumbnails = done = 0
    yield Progress(Phase.FILES, 0, total_bytes)
    async for rows in _blob_pages(db, page):
        for sha256, size, thumbnail in rows:
            problem = await asyncio.to_thread(check_file, blobs, sha256, size)
            if problem is not None:
                yield problem
            if thumbnail is not None:
                found = await asyncio.to_thread(check_file, blobs, thumbnail, None, thumbnail=True)
                if found is not None:
                    yield found
                thumbnails += 1
            files += 1
            done += size
            yield Progress(Phase.FILES, min(done, total_bytes), total_bytes)

    held: set[str] = set()
    async for arrived in _arrival_pages(db, page):
        for named, stated in arrived:
            if named in held:
                continue
            held.add(named)
            if (problem := await asyncio.to_thread(check_file, blobs, named, stated)) is not None:
                yield problem

    events = 0
    yield Progress(Phase.CHAIN, 0, chain_total)
    async with db.transaction() as session:
        async for step in audit.walk(session):
            if isinstance(step, int):
                events += 1
                if events % 500 == 0:
                    yield Progress(Phase.CHAIN, min(step, chain_total), chain_total)
            else:
                yield step
        last = await audit.head(session)
    yield Progress(Phase.CHAIN, chain_total, chain_total)

    seen: set[int] = set()
    checked = 0
    async for outcome in _items(db, page, seen):
        if isinstance(outcome, int):
            checked += outcome
            yield Progress(Phase.ITEMS, min(checked, evidence_events), evidence_events)
        else:
            yield outcome
    async for unlogged in _unlogged(db, page, seen):
        yield unlogged

    yield Progress(Phase.ROWS, 0, 1)
    async for row in crosscheck.rows(db, page=page):
        yield row
    yield Progress(Phase.ROWS, 1, 1)
    if expect_head is not None and (differs := await _anchor(db, expect_head)) is not None:
        yield differs

    yield Summary(files, done, thumbnails, events, len(seen), last.seq, last.hash, len(held))
