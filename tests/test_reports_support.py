"""Helpers for the report tests (this module holds no tests): a court, and records made the
way the intake makes them (draft, fields, submission, milestones), at chosen times."""

from __future__ import annotations

import hashlib
import itertools
import re
import shutil
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import conftest
from hypothesis import HealthCheck, settings
from openpyxl import load_workbook
from sqlalchemy.engine import make_url

from reminders.deadlines import DeadlineRules
from reports.form import FormFiles, build_form
from reports.period import Period, parse_period
from reports.quarterly import ReportFiles, build_report
from storage import records as records_repo
from storage import staff as staff_repo
from storage.db import Database
from storage.models import EvidenceBlob, EvidenceItem, Record, Staff
from storage.vocabulary import Language, Milestone, Role

BEIJING = ZoneInfo("Asia/Shanghai")
NUMBER = "温法过问〔{year}〕{n}号"
COURT = "温县人民法院"
RULES = DeadlineRules()
CASE_NUMBER = "（2026）豫0825民初123号"


def report_examples(count: int) -> settings:
    """Hypothesis settings for a test that builds reports per example: ``count`` examples,
    the same ones each run, no time limit, no example database, fixtures shared."""
    return settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def local(text: str) -> datetime:
    """``2026-07-03 10:00`` in Beijing."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=BEIJING)


PEOPLE: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("张伟", "民一庭", (Role.HANDLER,)),
    ("孙丽", "民一庭", (Role.HANDLER,)),
    ("周强", "刑事审判庭", (Role.HANDLER,)),
    ("钱进", "民一庭", (Role.INTEGRITY_OFFICER,)),
    ("李刚", "纪检监察室", (Role.DISCIPLINE,)),
    ("刘洋", "审判管理办公室", (Role.TRIAL_MANAGEMENT, Role.COMPILER)),
    ("马丽", "审判管理办公室", (Role.TRIAL_MANAGEMENT,)),
    ("陈静", "院领导", (Role.LEADER,)),
    ("赵磊", "信息技术科", (Role.ADMIN,)),
)


async def open_court(db: Database, at: datetime) -> dict[str, Staff]:
    people: dict[str, Staff] = {}
    async with db.transaction() as session:
        for name, department, roles in PEOPLE:
            people[name] = await staff_repo.add_staff(
                session,
                name=name,
                department_name=department,
                roles=roles,
                at=at,
                actor="test",
                new_department=True,
            )
    return people


def intake(**changes: Any) -> dict[str, Any]:
    """The fields of a complete phone inquiry, with ``changes``."""
    values: dict[str, Any] = {
        "kind": "external",
        "channel": "phone",
        "inquirer_name": "王某",
        "inquirer_unit": "温县某局",
        "inquirer_position": "局长",
        "unit_category": "government",
        "retired": False,
        "main_leader": False,
        "intermediary": "none",
        "case_name": "张某诉李某民间借贷纠纷案",
        "case_number": CASE_NUMBER,
        "case_not_filed": False,
        "summary": "要求对原告从轻处理",
        "art9_items": [],
        "serious": False,
        "material_route": "via_integrity_officer",
        "originals_destination": "no_original",
        "received_confirmed": True,  # the receipt time given: its periods run from it
    }
    values.update(changes)
    return values


@dataclass(frozen=True)
class Evidence:
    name: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


async def form_files(
    db: Database,
    record_id: int,
    out_dir: Path,
    *,
    now: datetime,
    language: Language = Language.ZH,
    court_name: str = COURT,
) -> FormFiles:
    """Record ``record_id``'s form (PDF and DOCX) printed into ``out_dir`` at ``now``."""
    async with db.transaction() as session:
        return await build_form(
            session,
            record_id,
            language=language,
            tz=BEIJING,
            rules=RULES,
            out_dir=out_dir,
            now=now,
            court_name=court_name,
        )


async def report_files(
    db: Database,
    period: Period | str,
    out_dir: Path,
    *,
    now: datetime,
    language: Language = Language.ZH,
    **options: Any,
) -> ReportFiles:
    """``period``'s quarterly report (a ``Period``, or as a court writes one: ``2026Q3``, read
    at ``now``) built into ``out_dir`` at ``now`` in a transaction of its own. ``options``
    go to ``build_report`` as they are (``batch``, ``worker``, ``progress``)."""
    if isinstance(period, str):
        period = parse_period(period, now=now, tz=BEIJING)
    async with db.transaction() as session:
        return await build_report(
            session,
            period,
            language=language,
            tz=BEIJING,
            rules=RULES,
            now=now,
            out_dir=out_dir,
            court_name=COURT,
            **options,
        )


async def make_record(
    db: Database,
    handler: Staff,
    received: datetime,
    *,
    submit_after: timedelta | None = timedelta(hours=1),
    withdraw: bool = False,
    cosigners: Iterable[Staff] = (),
    confirm_after: timedelta | None = None,
    platform_after: timedelta | None = None,
    deliver_after: timedelta | None = None,
    evidence: Iterable[Evidence] = (),
    opened: datetime | None = None,
    **fields: Any,
) -> int:
    """One record received at ``received``; submitted ``submit_after`` later (None: a draft),
    its milestones met after the given delays (None: not met). The handler opens its draft
    and fills it at ``opened`` (None: at ``received``; a record registered late is opened
    late, its first audit event then)."""
    values = intake(**fields)
    start = received if opened is None else opened
    async with db.transaction() as session:
        record = await records_repo.create_draft(
            session, handler=handler, received_at=received, at=start
        )
        await records_repo.set_fields(session, record, values, actor=handler, at=start)
        people = list(cosigners)
        if people:
            await records_repo.set_cosigners(session, record, people, actor=handler, at=received)
        for item in evidence:
            await _evidence(session, record, handler, item, received)
        if withdraw:
            await records_repo.withdraw(
                session, record, reason="误建", actor=handler, at=received + timedelta(minutes=5)
            )
            return record.id
        if submit_after is None:
            return record.id
        await records_repo.submit(
            session,
            record,
            actor=handler,
            at=received + submit_after,
            number_format=NUMBER,
            tz=BEIJING,
        )
        deadlines = RULES.for_record(record)
        if platform_after is not None:
            await records_repo.mark_milestone(
                session,
                record,
                Milestone.PLATFORM_ENTERED,
                actor=handler,
                at=received + platform_after,
                reference="PT-0001",
                deadline=deadlines.get(Milestone.PLATFORM_ENTERED),
            )
        if deliver_after is not None:
            await records_repo.mark_milestone(
                session,
                record,
                Milestone.FORM_DELIVERED,
                actor=handler,
                at=received + deliver_after,
                deadline=deadlines[Milestone.FORM_DELIVERED],
            )
        if confirm_after is not None:
            for cosigner in record.cosigners:
                person = await session.get(Staff, cosigner.staff_id)
                assert person is not None
                await records_repo.respond(
                    session,
                    cosigner,
                    confirmed=True,
                    reason=None,
                    actor=person,
                    at=received + confirm_after,
                )
        return record.id


async def _evidence(
    session: Any, record: Record, handler: Staff, item: Evidence, at: datetime
) -> None:
    session.add(
        EvidenceBlob(
            sha256=item.sha256,
            size=len(item.data),
            mime="image/png",
            kind="image",
            damaged=False,
            stored_at=at,
        )
    )
    await session.flush()
    session.add(
        EvidenceItem(
            record_id=record.id,
            blob_sha256=item.sha256,
            original_name=item.name,
            declared_mime="image/png",
            declared_size=len(item.data),
            transport="fake",
            received_at=at,
            added_at=at,
            added_by_staff_id=handler.id,
            over_cap=False,
            disguised=False,
        )
    )
    await session.flush()


async def number_of(db: Database, record_id: int) -> str:
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None and record.number is not None
        return record.number


# -- reading what was written -------------------------------------------------------------


def sheet_rows(path: Path, index: int) -> list[tuple[Any, ...]]:
    """The values of one sheet (0: summary, 1: Art. 7, 2: timeliness, 3: detail)."""
    book = load_workbook(path)
    sheet = book.worksheets[index]
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def summary_table(path: Path, title: str) -> dict[str, Any]:
    """The label → count rows under the summary sheet's table headed ``title``."""
    rows = sheet_rows(path, 0)
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    table: dict[str, Any] = {}
    for row in rows[start + 1 :]:
        if not row or row[0] is None:
            break
        table[str(row[0])] = row[1]
    return table


def worksheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name)
        }


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def docx_text(path: Path) -> str:
    from docx import Document

    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


_examples = itertools.count()


@asynccontextmanager
async def fresh_database(template_url: str, folder: Path) -> AsyncIterator[Database]:
    """A database of its own for one example (the records' beginning is the whole
    database's): a copy of the migrated template, on SQLite or PostgreSQL as the suite runs."""
    if conftest.PG_URL:
        name = f"guowen_t_{uuid.uuid4().hex[:12]}"
        await conftest._pg_admin([f"CREATE DATABASE {name} TEMPLATE {conftest.TEMPLATE}"])
        url = make_url(conftest.PG_URL).set(database=name).render_as_string(hide_password=False)
    else:
        source = make_url(template_url).database
        assert source is not None
        target = folder / f"example-{next(_examples)}.db"
        shutil.copyfile(source, target)
        url = f"sqlite+aiosqlite:///{target}"
    database = Database(url)
    try:
        yield database
    finally:
        await database.close()
        if conftest.PG_URL:
            await conftest._pg_admin([f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])


@dataclass
class Said:
    """One report as each of its four places words it: ``files`` as built, ``headline`` the
    workbook's headline table (label → value), and ``places``: the summary document's text,
    that table as text, the headline picture's subtitle and the chat's reply."""

    files: Any
    headline: dict[str, Any]
    places: dict[str, str]


async def report_said(
    db: Database,
    period: Any,
    *,
    language: Language,
    now: datetime,
    folder: Path,
    monkeypatch: Any,
) -> Said:
    """Build ``period``'s report of ``db`` at ``now`` into ``folder`` and read what its
    summary, workbook, picture (its subtitle, caught as it is drawn) and chat reply say."""
    import reports.quarterly
    from handlers.i18n import t
    from handlers.reports_cmd import headline_text
    from reports.text import tr

    class Chat:
        """What ``headline_text`` reads of a chat's context: its catalog, in one language."""

        def __init__(self, language: Language) -> None:
            self.language = language

        def t(self, key: str, /, **values: object) -> str:
            return t(self.language, key, **values)

    subtitles: list[str] = []
    drawn = reports.quarterly.headline_picture  # type: ignore[attr-defined]

    def picture(path: Path, *args: Any, subtitle: str, **kwargs: Any) -> Path:
        subtitles.append(subtitle)
        return drawn(path, *args, subtitle=subtitle, **kwargs)

    monkeypatch.setattr(reports.quarterly, "headline_picture", picture)
    files = await report_files(db, period, folder, now=now, language=language)
    summary = docx_text(files.summary)
    headline = summary_table(files.xlsx, tr(language, "report.section.headline"))
    chat = headline_text(Chat(language), files)  # type: ignore[arg-type]
    (subtitle,) = subtitles
    places = {"summary": summary, "workbook": str(headline), "picture": subtitle, "chat": chat}
    return Said(files, headline, places)
