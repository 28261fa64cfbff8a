"""The report of a period (the quarterly report of Art. 7): workbook, summary, picture.

One pass over the period's records, in batches by keyset (receipt time, id), through a
reading session of its own on the caller's connection, emptied after each batch: memory
stays flat however many records a period holds. Each batch's rows are written to the
streamed workbook in a worker thread, so the event loop keeps serving chats between batches;
the summary document and the pictures are drawn in a thread at the end.

The audit chain head is read first and printed on every file: the report is pinned to the
history it was made from. Recording who took the report is the caller's (``reports.exports``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import shutil
from collections import defaultdict, namedtuple
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Integer,
    Row,
    String,
    and_,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from reminders.deadlines import OPENED_BY, DeadlineRules
from reminders.planner import done_late
from reports.columns import DAY_ONLY, RECEIVED_DAY_ONLY
from reports.detail_worker import DetailWorker
from reports.document import Document, texts
from reports.facts import Names, RecordFacts, facts_for, load_names, timeliness_lines
from reports.figures import (
    COUNTED_KINDS,
    Art7Row,
    Figures,
    LateRow,
    in_figures,
    now_stamp,
    on_art7_list,
)
from reports.files import atomic_write, safe_name
from reports.fonts import drawing_fonts
from reports.period import Period, in_use_since, records_begin
from reports.render_docx import write_docx
from reports.summary import chart_files, headline_picture, summary_document
from reports.tables import no_comparison
from reports.text import tr
from reports.xlsx import ReportWorkbook
from storage import audit
from storage.lists import join_list
from storage.models import Record, RecordCosigner, UTCDateTime
from storage.moves import department_moves
from storage.records import among
from storage.vocabulary import Language, Milestone, RecordKind, RecordStatus

BATCH = 2000
WORKER_RECORDS = 10_000
"""From this many records on, the detail rows are written in a process of their own
(``reports.detail_worker``); fewer are written sooner than a process starts."""
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReportFiles:
    """The files of one report: workbook, summary document, headline picture, their figures.

    ``head_seq`` and ``head_hash`` are the audit chain head the files print.
    """

    period: Period
    xlsx: Path
    summary: Path
    chart: Path
    figures: Figures
    head_seq: int
    head_hash: str
    missing: tuple[str, ...] = ()
    """Characters no font here has: the summary's charts and the headline picture show them
    as ``[U+XXXXX]`` (``reports.form.missing_words``); the sender must be told. The workbook
    and the summary's text keep every character."""

    @property
    def paths(self) -> tuple[Path, ...]:
        """The workbook, the summary and the picture, in the order they are sent."""
        return (self.xlsx, self.summary, self.chart)


def _in_period(period: Period, tz: ZoneInfo) -> ColumnElement[bool]:
    return and_(Record.received_at >= period.start(tz), Record.received_at < period.end(tz))


async def _holds_records(session: AsyncSession, period: Period, tz: ZoneInfo) -> bool:
    """Whether any record (a draft or an internal one too) was received in ``period``."""
    found = await session.execute(select(Record.id).where(_in_period(period, tz)).limit(1))
    return found.first() is not None


def _not_internal() -> ColumnElement[bool]:
    return or_(Record.kind.is_(None), Record.kind != RecordKind.INTERNAL.value)


async def earlier_records(
    session: AsyncSession,
    period: Period,
    tz: ZoneInfo,
    names: Names,
    rules: DeadlineRules,
    now: datetime,
) -> tuple[list[LateRow], list[LateRow]]:
    """The records received before ``period`` that its report lists apart.

    Submitted records (outside cadres, Art. 5 opinions), each a ``LateRow`` with whether its
    registration was late under ``rules`` (``reminders.planner.done_late``) and how each of
    its steps stands at ``now`` (``reports.facts.timeliness_lines``), oldest receipt first,
    in two lists:

    - those submitted in ``period`` (``Figures.late_registered``): the earlier period's
      report could not hold them, and this one counts by receipt time;
    - those submitted before it with a step whose deadline fell in it and that was met late
      or is still owed (``LateRow.due_in``, ``Figures.due_earlier``): their own quarter's
      report, made once that quarter ended, may have shown the step not yet due.

    Read among those submitted from ``DUE_LOOKBACK`` before the period, since every
    deadline counts from the receipt or, a co-signature, from the submission (Art. 6,
    Art. 7, Art. 10)."""
    start, end = period.start(tz), period.end(tz)
    query = (
        select(Record)
        .where(
            Record.status == RecordStatus.SUBMITTED,
            Record.kind.in_([kind.value for kind in COUNTED_KINDS]),
            Record.received_at < start,
            Record.submitted_at < end,
            or_(
                Record.submitted_at >= start,
                # A step due in the period not met on time is met, if at all, in it or
                # later: only those that may have one are read (most are done in days).
                and_(
                    Record.submitted_at >= start - DUE_LOOKBACK,
                    or_(
                        Record.platform_entered_at.is_(None),
                        Record.platform_entered_at >= start,
                        Record.form_delivered_at.is_(None),
                        Record.form_delivered_at >= start,
                        Record.cosigners.any(),
                    ),
                ),
            ),
        )
        .order_by(Record.received_at, Record.id)
    )
    rows = [
        LateRow(
            number=record.number or "",
            received_at=record.received_at,
            submitted_at=record.submitted_at or record.received_at,
            inquirer=record.inquirer_name or "",
            unit=record.inquirer_unit or "",
            department=names.department(record.department_id),
            registered_late=any(
                late.milestone is Milestone.REGISTERED for late in done_late(record, rules)
            ),
            steps=timeliness_lines(record, rules, now),
        )
        for record in (await session.execute(query)).scalars()
    ]
    late = [row for row in rows if row.submitted_at >= start]
    due = [row for row in rows if row.submitted_at < start and row.due_in(start, end)]
    return late, due


DUE_LOOKBACK = timedelta(days=60)
"""How long before a period a record submitted may still owe a step falling due in it: a
deadline is a few days, even counted in working days across the longest holiday."""


async def _previous(session: AsyncSession, figures: Figures, tz: ZoneInfo) -> None:
    """What ``figures`` compares with: the previous period's count when the court used the
    system all through it (``in_use_since``); else ``previous_unrecorded``, with the day it
    began when that falls inside the previous period and it holds records
    (``previous_since``), or, when it began only after the previous period ended, how many
    records of it were registered late since (``previous_late``): never a zero, and never
    "nothing registered" for a period the bot's own report of it counts records in."""
    previous = figures.period.previous()
    begin = await in_use_since(session) or await records_begin(session)
    since = None if begin is None else begin.astimezone(tz).date()
    if since is not None and previous.first >= since:
        figures.previous_external, _ = await count_counted(session, previous, tz)
        return
    figures.previous_unrecorded = True  # not a zero: not all of it was recorded here
    if since is None:
        return
    if since <= previous.last:
        if await _holds_records(session, previous, tz):
            figures.previous_since = since  # partly registered here
        return
    external, reference = await count_counted(session, previous, tz)
    if external + reference:  # each registered late: the system was not in use then
        figures.previous_late = external + reference
        figures.previous_late_since = since


async def count_counted(session: AsyncSession, period: Period, tz: ZoneInfo) -> tuple[int, int]:
    """How many external and Art. 5 records a period counts (a cheap query, for comparison)."""
    query = (
        select(Record.kind, func.count())
        .where(
            _in_period(period, tz),
            Record.status == RecordStatus.SUBMITTED.value,
            Record.kind.in_([kind.value for kind in COUNTED_KINDS]),
        )
        .group_by(Record.kind)
    )
    found = {kind: n for kind, n in (await session.execute(query)).all()}
    return found.get(RecordKind.EXTERNAL, 0), found.get(RecordKind.REFERENCE_OPINION, 0)


def _utc(text: str | None) -> datetime | None:
    """A time as SQLite keeps it (ISO text, naive UTC) as an aware UTC datetime."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text + "+00:00")  # one call in C, UTC itself as zone
    except ValueError:  # a text that names its offset already
        return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _json(text: str | None, decoded: dict[str, Any]) -> Any:
    """A JSON value as SQLite keeps it (text) decoded, as the JSON type decodes it; a text
    seen before from ``decoded``, a list or an object copied (each record its own)."""
    if text is None:
        return None
    value = decoded.get(text)
    if value is None:
        value = decoded[text] = json.loads(text)
    return type(value)(value) if isinstance(value, list | dict) else value


@functools.cache
def _record_row(keys: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """A read-only record of ``keys`` and ``cosigners``: a named tuple, built in one call."""
    return namedtuple("RecordRow", [*keys, "cosigners"])


async def records_in(
    session: AsyncSession, period: Period, tz: ZoneInfo, batch: int = BATCH
) -> AsyncIterator[list[Record]]:
    """The period's records but the internal ones, by receipt time, a batch at a time.

    Each record is a plain row of the ``records`` table (read through Core on the session's
    connection: no ORM object, no identity map) with its co-signers (rows of
    ``record_cosigners``, by id) as ``cosigners``: every column but ``fields`` (the intake's
    working state, which no document shows but for ``inquiry_day_only`` and ``opened_by``,
    columns of their own),
    typed as ``Record`` for the readers that take
    one; a named tuple, read-only. Two queries a batch."""
    connection = await session.connection()
    columns: list[ColumnElement[Any]] = [c for c in Record.__table__.c if c.key != "fields"]
    # Of ``fields``, only whether the inquiry is known to the day only: the forms and the
    # detail sheet print such a day with the words for time unknown, never as 00:00.
    columns.append(Record.fields[DAY_ONLY].as_boolean().label(DAY_ONLY))
    columns.append(Record.fields[RECEIVED_DAY_ONLY].as_boolean().label(RECEIVED_DAY_ONLY))
    # And what opened a draft: whether its deadlines run (``deadlines.clock_started``).
    columns.append(Record.fields[OPENED_BY].as_string().label(OPENED_BY))
    # SQLite keeps a time as ISO text (naive UTC): parsed here by ``datetime.fromisoformat``,
    # in C, rather than by the dialect's regular expression and ``UTCDateTime``.
    texts = connection.dialect.name == "sqlite"
    times = [
        n for n, column in enumerate(columns) if isinstance(column.type, UTCDateTime) and texts
    ]
    for n in times:
        columns[n] = type_coerce(columns[n], String).label(columns[n].key)
    # And JSON as text, decoded once per distinct text (Art. 9 items: a few dozen lists).
    documents = [n for n, column in enumerate(columns) if isinstance(column.type, JSON) and texts]
    for n in documents:
        columns[n] = type_coerce(columns[n], String).label(columns[n].key)
    # A vocabulary column as its text, turned into its member by one dictionary look-up a
    # column (an unknown text raises KeyError, a LookupError, as the column type would).
    members: dict[int, dict[str | None, Any]] = {}
    for n, column in enumerate(columns):
        if isinstance(column.type, Enum) and column.type.enum_class is not None:
            members[n] = {None: None, **{m.value: m for m in column.type.enum_class}}
            columns[n] = type_coerce(columns[n], String).label(columns[n].key)
    # SQLite keeps a yes-or-no as 0 or 1: read as that number, made a bool by a look-up.
    answers = [n for n, column in enumerate(columns) if isinstance(column.type, Boolean) and texts]
    for n in answers:
        columns[n] = type_coerce(columns[n], Integer).label(columns[n].key)
    # No column has a conversion of the dialect's left then: the driver's rows are taken as
    # they are, not made SQLAlchemy rows first.
    dialect = connection.dialect
    raw = texts and all(
        column.type.dialect_impl(dialect).result_processor(dialect, None) is None
        for column in columns
    )
    decoded: dict[str, Any] = {}
    cosigners = RecordCosigner.__table__
    last: tuple[datetime, int] | None = None
    while True:
        query = select(*columns).where(_in_period(period, tz), _not_internal())
        if last is not None:
            # The index on receipt time starts each batch where the last one ended (the OR
            # alone would have it scan from the period's start: quadratic in the records).
            at, record_id = last
            query = query.where(
                Record.received_at >= at,
                or_(Record.received_at > at, and_(Record.received_at == at, Record.id > record_id)),
            )
        query = query.order_by(Record.received_at, Record.id).limit(batch)
        result = await connection.execute(query)
        keys = tuple(result.keys())  # once: a row's own _asdict() builds them again
        rows: Sequence[Sequence[Any]] = result.cursor.fetchall() if raw else result.all()
        result.close()
        if not rows:
            return
        fields: list[Sequence[Any]] = list(zip(*rows, strict=True))  # column by column
        for n in times:
            fields[n] = [_utc(text) for text in fields[n]]
        for n in documents:
            fields[n] = [_json(text, decoded) for text in fields[n]]
        for n, lookup in members.items():
            fields[n] = list(map(lookup.__getitem__, fields[n]))
        for n in answers:
            fields[n] = [None if value is None else bool(value) for value in fields[n]]
        ids = fields[keys.index("id")]
        present: dict[int, list[Row[Any]]] = defaultdict(list)
        found = await connection.execute(
            select(cosigners)
            .where(among(RecordCosigner.record_id, ids, connection.dialect.name))
            .order_by(RecordCosigner.id)
        )
        for cosigner in found:
            present[cosigner.record_id].append(cosigner)
        # Each row made by ``tuple.__new__`` in C, not by the named tuple's ``__new__`` (a
        # Python function of fifty arguments, called for each record).
        make = functools.partial(tuple.__new__, _record_row(keys))
        values = [*fields, [present.get(n) or [] for n in ids]]
        yield cast(list[Record], list(map(make, zip(*values, strict=True))))
        last = (fields[keys.index("received_at")][-1], ids[-1])


def _consume(
    book: ReportWorkbook,
    figures: Figures,
    facts: list[RecordFacts],
    others: list[Record],
    listed: list[RecordFacts],
    tz: ZoneInfo,
    rules: DeadlineRules,
    now: datetime,
) -> None:
    """Count a batch: ``facts`` of its submitted records, ``others`` (its drafts, open or
    withdrawn) and ``listed``, the facts of those drafts ``on_art7_list`` puts on the Art. 7
    list, whose rows go there among the records' in order of receipt."""
    drafts = {item.record.id: item for item in listed}
    rows: list[Art7Row] = []
    for item in facts:
        row: Art7Row | None = figures.add(item, tz)
        if row is not None:
            rows.append(row)
    book.add_records(facts)
    for record in others:
        row = figures.add_unsubmitted(
            record, timeliness_lines(record, rules, now), drafts.get(record.id)
        )
        if row is not None:
            rows.append(row)
    for row in sorted(rows, key=lambda r: (r.facts.record.received_at, r.facts.record.id)):
        book.add_art7(row)


def report_title(period: Period, language: Language, court_name: str) -> str:
    """The report's title: the court's name and the period, in ``language``."""
    return tr(language, "report.title", court=court_name, period=period.title(language)).strip()


def report_notes(
    period: Period,
    *,
    language: Language,
    tz: ZoneInfo,
    now: datetime,
    head_seq: int,
    head_hash: str,
    draft: bool,
    late: int = 0,
    unconfirmed: Sequence[int] = (),
    since: date | None = None,
) -> list[str]:
    """The notes printed under a report's title.

    When it was made and the audit chain head; a draft's note; a partial period's note
    when ``period`` has not ended at ``now``; with ``unconfirmed`` years
    (``unconfirmed_years``), that the timeliness of the records received near the period's
    end was counted without their official holidays; the report's scope (Art. 7, Art. 14);
    and, with ``late`` records received earlier but registered in the period, where they are;
    with ``since`` (``Figures.since``), that the months before it are not counted.
    """
    notes = [tr(language, "report.made", at=now_stamp(now, tz), seq=head_seq, hash=head_hash)]
    if draft:
        notes.append(tr(language, "report.draft_note"))
    if not period.ended(now, tz):
        notes.append(tr(language, "report.partial_note", at=now_stamp(now, tz)))
    if unconfirmed:
        years = join_list(language.value, map(str, unconfirmed))
        notes.append(tr(language, "report.calendar_unconfirmed", years=years))
    notes.append(tr(language, "report.scope_note"))
    if since is not None:
        notes.append(tr(language, "report.since_note", since=since.isoformat()))
    if late:
        notes.append(tr(language, "report.late_note", count=late))
    return notes


def unconfirmed_years(period: Period, rules: DeadlineRules, tz: ZoneInfo) -> tuple[int, ...]:
    """The years whose official holidays are not loaded that the deadlines of ``period``'s
    records may have been counted into (``DeadlineRules.unconfirmed``): those of the latest
    deadline a record received on its last day owes, since every earlier one looks at no
    later day (a co-signature counted from a submission after the period can look further:
    its own lines in the card and the form say so)."""
    received = datetime.combine(period.last, time(23, 59), tzinfo=tz)
    longest = max(rules.register_days, rules.report_days, rules.cosign_days)
    return rules.unconfirmed(rules.after(received, longest))


def picture_subtitle(
    notes: Sequence[str],
    *,
    language: Language,
    tz: ZoneInfo,
    now: datetime,
    previous_unrecorded: str = "",
    running: bool = False,
) -> str:
    """The headline picture's subtitle: when it was made, then the report's notes after the
    first (the audit chain head, in the picture's footer) but the scope, records of earlier
    quarters registered in the period included, each part after the catalog's separator
    (``chart.separator``: 生成于 … · 统计期间尚未结束…); last, when the previous period is
    not covered by the records, ``previous_unrecorded``, the words saying so
    (``reports.tables.no_comparison``), or, when the period has not ended (``running``), that
    it is not compared (``chart.running``)."""
    scope = tr(language, "report.scope_note")
    parts = [tr(language, "chart.made", at=now_stamp(now, tz))]
    parts += [note for note in notes[1:] if note != scope]  # late records said, as elsewhere
    if previous_unrecorded:
        parts.append(previous_unrecorded)
    elif running:
        parts.append(tr(language, "chart.running"))
    return tr(language, "chart.separator").join(parts)


@dataclass(frozen=True)
class _DocumentInputs:
    """What the summary document, the picture and the workbook's last sheets are made of,
    once the records have been read: the figures, their words and where the files go
    (``out_dir``/``stem`` plus each file's catalog suffix)."""

    figures: Figures
    language: Language
    tz: ZoneInfo
    title: str
    notes: list[str]
    footer: str
    court_name: str
    out_dir: Path
    stem: str
    picture_subtitle: str


def _documents(
    book: ReportWorkbook, inputs: _DocumentInputs
) -> tuple[Path, Path, Path, tuple[str, ...]]:
    """Everything after the records have been read: CPU work, run in a worker thread.

    The workbook is saved in a thread of its own while the summary and the pictures are
    drawn: most of saving is deflating the detail sheet and waiting for its rows' worker,
    which leave the interpreter to the drawing."""
    book.finish(inputs.figures, title=inputs.title, notes=inputs.notes)
    with ThreadPoolExecutor(1, thread_name_prefix="guowen-report-save") as saver:
        saving = saver.submit(atomic_write, inputs.out_dir / f"{inputs.stem}.xlsx", book.save)
        summary, chart, missing = _drawn(inputs)
        xlsx = saving.result()
    return xlsx, summary, chart, missing


def _drawn(inputs: _DocumentInputs) -> tuple[Path, Path, tuple[str, ...]]:
    """The summary document and the headline picture; the characters no font here has."""
    language, out_dir, stem = inputs.language, inputs.out_dir, inputs.stem
    pictures_dir = out_dir / f".{stem}-charts"
    try:
        pictures = chart_files(inputs.figures, language, pictures_dir)
        document: Document = summary_document(
            inputs.figures,
            language=language,
            tz=inputs.tz,
            title=inputs.title,
            notes=inputs.notes,
            footer=inputs.footer,
            pictures=pictures,
            court_name=inputs.court_name,
        )
        summary = atomic_write(
            out_dir / f"{stem}{tr(language, 'file.summary_suffix')}.docx",
            lambda p: write_docx(document, p),
        )
    finally:
        shutil.rmtree(pictures_dir, ignore_errors=True)
    # The pictures draw the document's words (tables, court name) and the picture's own.
    drawn = [*texts(document), inputs.title, inputs.picture_subtitle, inputs.footer]
    missing = tuple(drawing_fonts().missing(drawn, pdf=False))
    chart = atomic_write(
        out_dir / f"{stem}{tr(language, 'file.chart_suffix')}.png",
        lambda p: headline_picture(
            p,
            inputs.figures,
            language=language,
            title=inputs.title,
            subtitle=inputs.picture_subtitle,
            footer=inputs.footer,
        ),
    )
    return summary, chart, missing


async def build_report(
    session: AsyncSession,
    period: Period,
    *,
    language: Language,
    tz: ZoneInfo,
    rules: DeadlineRules,
    now: datetime,
    out_dir: Path,
    court_name: str = "",
    draft: bool = False,
    progress: Progress | None = None,
    batch: int = BATCH,
    worker: bool | None = None,
) -> ReportFiles:
    """Write the period's workbook, summary document and headline picture into ``out_dir``.

    ``worker``: whether the detail rows are written in a process of their own
    (``reports.detail_worker``: the same bytes); None, from ``WORKER_RECORDS`` records on.
    Raises ``reports.detail_worker.DetailWorkerError`` when that process fails; cancelled,
    the process is killed."""
    made: list[ReportWorkbook] = []  # the workbook, once made: discarded on an error
    try:
        return await _report(
            session, period, language=language, tz=tz, rules=rules, now=now, out_dir=out_dir,
            court_name=court_name, draft=draft, progress=progress, batch=batch, worker=worker,
            made=made,
        )  # fmt: skip
    except BaseException:
        for book in made:  # its worker process killed, its rows' files removed
            book.discard()
        raise


async def _report(
    session: AsyncSession,
    period: Period,
    *,
    language: Language,
    tz: ZoneInfo,
    rules: DeadlineRules,
    now: datetime,
    out_dir: Path,
    court_name: str,
    draft: bool,
    progress: Progress | None,
    batch: int,
    worker: bool | None,
    made: list[ReportWorkbook],
) -> ReportFiles:
    connection = await session.connection()
    reader = AsyncSession(bind=connection, expire_on_commit=False, autoflush=False)
    try:
        head = await audit.head(reader)
        head_seq, head_hash = head.seq, head.hash
        names: Names = await load_names(reader)
        # Each record's 承办部门 history, where it changed: a step counts in the department
        # that held the record when it was settled (one statement for the whole report).
        moves = await department_moves(reader, and_(_in_period(period, tz), _not_internal()))
        figures = Figures(period, names, now=now, moves=moves)
        if not period.ended(now, tz):
            figures.running_at = now_stamp(now, tz)  # no comparison with a whole period
        begin = await records_begin(reader)
        since = begin.astimezone(tz).date() if begin is not None else None
        if since is not None and (since.year, since.month) > (
            period.first.year,
            period.first.month,
        ):
            figures.since = since  # the period's months before since's: not registered here
        await _previous(reader, figures, tz)
        figures.late_registered, figures.due_earlier = await earlier_records(
            reader, period, tz, names, rules, now
        )
        total = (
            await reader.execute(
                select(func.count())
                .select_from(Record)
                .where(_in_period(period, tz), _not_internal())
            )
        ).scalar_one()
        split = total >= WORKER_RECORDS if worker is None else worker
        book = await asyncio.to_thread(_workbook, language, tz, split)
        made.append(book)
        done = 0
        if progress is not None:
            progress(done, total)
        # While a worker thread writes one batch, the next one is read: SQLite's own work
        # and the file's writes run outside the GIL, on the second core.
        writing: asyncio.Task[None] | None = None
        written = 0
        try:
            async for rows in records_in(reader, period, tz, batch):
                kept = [r for r in rows if in_figures(r)]
                counted = [r for r in kept if r.status == RecordStatus.SUBMITTED]
                others = [r for r in kept if r.status != RecordStatus.SUBMITTED]
                facts = await facts_for(reader, counted, names, rules, now)
                listed = await facts_for(
                    reader, [r for r in others if on_art7_list(r)], names, rules, now
                )
                reader.expunge_all()
                if writing is not None:
                    await writing
                    done += written
                    if progress is not None:
                        progress(done, total)
                writing = asyncio.create_task(
                    asyncio.to_thread(
                        _consume, book, figures, facts, others, listed, tz, rules, now
                    )
                )
                written = len(rows)
            if writing is not None:
                await writing
                done += written
                if progress is not None:
                    progress(done, total)
        finally:
            if writing is not None and not writing.done():  # the book is the thread's still
                await asyncio.wait([writing])
    finally:
        await reader.close()
    title = report_title(period, language, court_name)
    if draft:
        title = tr(language, "report.draft_title", title=title)
    notes = report_notes(
        period,
        language=language,
        tz=tz,
        now=now,
        head_seq=head_seq,
        head_hash=head_hash,
        draft=draft,
        late=len(figures.late_registered),
        unconfirmed=unconfirmed_years(period, rules, tz),
        since=figures.since,
    )
    footer = tr(language, "common.footer", seq=head_seq, hash=head_hash, at=now_stamp(now, tz))
    stem = safe_name(tr(language, "file.report", period=period.label))
    inputs = _DocumentInputs(
        figures=figures,
        language=language,
        tz=tz,
        title=title,
        notes=notes,
        footer=footer,
        court_name=court_name,
        out_dir=out_dir,
        stem=stem,
        picture_subtitle=picture_subtitle(
            notes,
            language=language,
            tz=tz,
            now=now,
            previous_unrecorded=(
                no_comparison(figures, language, "chart.previous_unrecorded")
                if figures.previous_unrecorded
                else ""
            ),
            running=bool(figures.running_at),
        ),
    )
    xlsx, summary, chart, missing = await asyncio.to_thread(_documents, book, inputs)
    return ReportFiles(period, xlsx, summary, chart, figures, head_seq, head_hash, missing)


def _workbook(language: Language, tz: ZoneInfo, worker: bool) -> ReportWorkbook:
    """A report's workbook, with a process of its own for the detail rows when ``worker``."""
    rows = DetailWorker() if worker else None
    try:
        return ReportWorkbook(language, tz, worker=rows)
    except BaseException:
        if rows is not None:
            rows.close()
        raise
