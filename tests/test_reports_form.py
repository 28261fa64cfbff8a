"""The statistics form: one record on paper (PDF and DOCX), as the court files and sends it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from test_reports_support import (
    BEIJING,
    CASE_NUMBER,
    COURT,
    NUMBER,
    RULES,
    Evidence,
    docx_text,
    form_files,
    local,
    make_record,
    number_of,
    open_court,
    pdf_text,
)

from handlers import reports_cmd
from handlers.engine import Context, Services
from handlers.ports import IncomingMessage
from reminders.clock import FakeClock
from reports import fonts
from reports.document import Document, Para
from reports.facts import State, milestone_lines
from reports.files import sha256_of
from reports.form import build_form
from reports.render_pdf import write_pdf
from storage import audit
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.evidence import EvidenceStore
from storage.models import AuditEvent, ChatIdentity, Record, Staff
from storage.vocabulary import Language, Milestone

PRINTED = local("2026-03-12 09:00")
SCREENSHOT = Evidence("微信截图.png", b"\x89PNG screenshot of a WeChat message")
LETTER = Evidence("letter.jpg", b"a photo of the letter")


def flat(text: str) -> str:
    """Text without whitespace: a PDF wraps long values (hashes) where it must."""
    return "".join(text.split())


@pytest.fixture(autouse=True)
def fresh_fonts() -> Iterator[None]:
    fonts.configure(None)
    yield
    fonts.configure(None)


async def in_person_record(db: Database) -> tuple[dict[str, Staff], int]:
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        inquirer_name="王建国",
        inquirer_unit="温县发展和改革委员会",
        inquirer_position="主任",
        unit_category="government",
        retired=True,
        main_leader=True,
        art9_items=[1, 4],
        serious=True,
        place="第三审判庭办公室",
        persons_present="书记员孙某",
        summary="要求对原告从轻处理 <b>加急</b> & 尽快结案",
        material_route="direct",
        originals_destination="sub_file",
        cosigners=[people["孙丽"]],
        confirm_after=timedelta(hours=3),
        platform_after=timedelta(days=4),  # Tuesday: the deadline was Monday 24:00
        evidence=[SCREENSHOT, LETTER],
    )
    return people, record_id


async def test_the_pdf_holds_every_field_the_evidence_and_the_chain_head(
    db: Database, tmp_path: Path
) -> None:
    _, record_id = await in_person_record(db)
    async with db.transaction() as session:
        files = await build_form(
            session,
            record_id,
            language=Language.ZH,
            tz=BEIJING,
            rules=RULES,
            out_dir=tmp_path / "forms",
            now=PRINTED,
            court_name=COURT,
        )
        head = await audit.head(session)
    assert (files.head_seq, files.head_hash) == (head.seq, head.hash)
    text = flat(pdf_text(files.pdf))
    number = await number_of(db, record_id)
    for value in (
        "外部领导干部干预过问案件情况统计表",
        COURT,
        number,
        CASE_NUMBER,
        "张某诉李某民间借贷纠纷案",
        "王建国",
        "温县发展和改革委员会",
        "主任",
        "行政机关",  # Art. 13 unit category
        "当面（口头）",
        "第三审判庭办公室",
        "书记员孙某",
        "为案件当事人请托说情",  # Art. 9 (1)
        "超越职权对案件处理提出倾向性意见或具体要求",  # Art. 9 (4)
        "孙丽",
        "已确认",
        "2026-03-0610:00",
        "PT-0001",
        "逾期办理",  # platform entered on Tuesday
        "逾期未办",  # the form copy was never delivered
        "微信截图.png",
        SCREENSHOT.sha256,
        LETTER.sha256,
        head.hash,
        "<b>加急</b>&尽快结案",  # markup in a value prints as typed
    ):
        assert flat(value) in text, value
    # In person there are no materials: no Art. 6 route or Art. 4 originals on the form.
    assert flat("直接到达承办人") not in text and flat("存入案件副卷") not in text
    assert files.pdf.name == f"外部领导干部干预过问案件情况统计表_{number}.pdf"


async def test_the_docx_says_the_same(db: Database, tmp_path: Path) -> None:
    _, record_id = await in_person_record(db)
    files = await form_files(db, record_id, tmp_path, now=PRINTED)
    text = docx_text(files.docx)
    for value in ("王建国", CASE_NUMBER, SCREENSHOT.sha256, files.head_hash, "逾期办理", "按期"):
        assert value in text, value


async def test_english_form(db: Database, tmp_path: Path) -> None:
    _, record_id = await in_person_record(db)
    files = await form_files(
        db, record_id, tmp_path, now=PRINTED, language=Language.EN, court_name="Wen County Court"
    )
    text = pdf_text(files.pdf)
    assert "Statistics form" in text
    assert "Government" in text  # a cell starts with a capital
    assert flat(CASE_NUMBER) in flat(text)  # the values stay as recorded


async def test_each_milestone_on_time_late_missed_or_not_yet_due(db: Database) -> None:
    _, record_id = await in_person_record(db)
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        after = {line.milestone: line.state for line in milestone_lines(record, RULES, PRINTED)}
        before = {
            line.milestone: line.state
            for line in milestone_lines(record, RULES, local("2026-03-07 09:00"))
        }
    assert after == {
        Milestone.REGISTERED: State.ON_TIME,
        Milestone.PLATFORM_ENTERED: State.LATE,
        Milestone.FORM_DELIVERED: State.MISSED,
        Milestone.COSIGNED: State.ON_TIME,
    }
    assert before[Milestone.FORM_DELIVERED] is State.PENDING


async def test_a_record_that_does_not_exist(db: Database, tmp_path: Path) -> None:
    async with db.transaction() as session:
        with pytest.raises(LookupError):
            await build_form(
                session,
                999,
                language=Language.ZH,
                tz=BEIJING,
                rules=RULES,
                out_dir=tmp_path,
                now=PRINTED,
            )


def test_the_embedded_font_is_a_truetype_cjk_font() -> None:
    chosen = fonts.fonts()
    assert chosen.embedded, "install fonts-wqy-zenhei (.ci/run does)"
    assert chosen.path is not None and chosen.path.suffix in (".ttf", ".ttc")


def test_without_a_cjk_font_the_builtin_one_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    monkeypatch.setattr(fonts, "EXTENSION_CANDIDATES", ())
    fonts.configure(tmp_path / "missing.ttf")
    with caplog.at_level(logging.WARNING, logger="reports.fonts"):
        chosen = fonts.fonts()
    assert (chosen.pdf, chosen.embedded) == (fonts.FALLBACK_CID, False)
    messages = [r.getMessage() for r in caplog.records]
    assert any("missing.ttf" in m for m in messages)
    assert any("STSong-Light" in m for m in messages)
    pdf = write_pdf(Document("统计表", "温县人民法院", (Para(CASE_NUMBER),)), tmp_path / "f.pdf")
    assert flat(CASE_NUMBER) in flat(pdf_text(pdf))


def test_a_configured_font_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    found = fonts.fonts().path
    assert found is not None
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    fonts.configure(found)
    assert fonts.fonts().path == found


async def test_the_form_copy_a_recipient_gets_is_recorded_as_taken_by_them(
    db: Database, tmp_path: Path
) -> None:
    people, record_id = await in_person_record(db)
    evidence_dir = tmp_path / "data" / "evidence"
    services = Services(
        clock=FakeClock(datetime(2026, 3, 9, 1, 0, tzinfo=UTC)),
        court_name=COURT,
        record_number=NUMBER,
        evidence=EvidenceStore(evidence_dir, max_bytes=10**6),
    )
    recipient = people["李刚"]
    now = services.clock.now()
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        person = await session.get(Staff, recipient.id)
        assert record is not None and person is not None
        identity = ChatIdentity(
            transport="fake",
            external_id="ligang",
            chat_id="ligang",
            staff_id=person.id,
            bound_at=now,
        )
        message = IncomingMessage(
            transport="fake", chat_id="ligang", user_id="ligang", received_at=now
        )
        ctx = Context(session, message, person, identity, services, now)
        sent = await reports_cmd.form_copy(ctx, record)
    assert [m.document.suffix if m.document else None for m in sent] == [".pdf", ".docx"]
    for m in sent:
        assert m.document is not None and m.document.is_file()
        assert (tmp_path / "data" / "reports") in m.document.parents
        assert evidence_dir not in m.document.parents
    async with db.transaction() as session:
        event = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.kind == AuditKind.REPORT_EXPORTED.value)
            )
        ).scalar_one()
    payload = json.loads(event.payload)
    assert (event.actor_staff_id, event.actor, event.subject) == (
        recipient.id,
        "李刚",
        f"record:{record_id}",
    )
    assert payload["what"] == "form"
    assert payload["files"] == {m.document.name: sha256_of(m.document) for m in sent if m.document}
    assert payload["printed_head"]["seq"] == event.seq - 1


async def test_a_dispute_is_printed_with_the_cosigner(db: Database, tmp_path: Path) -> None:
    """Art. 3: the staff member present who disputes signs beside their reason, on the PDF and
    the DOCX alike."""
    people = await open_court(db, local("2026-03-01 09:00"))
    record_id = await make_record(
        db,
        people["张伟"],
        local("2026-03-06 10:00"),
        channel="in_person",
        cosigners=[people["孙丽"]],
    )
    reason = "过问人当时还提到了开庭日期，记录未写"
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        await records_repo.respond(
            session,
            record.cosigners[0],
            confirmed=False,
            reason=reason,
            actor=people["孙丽"],
            at=local("2026-03-06 12:00"),
        )
    files = await form_files(db, record_id, tmp_path, now=PRINTED)
    expected = flat(f"有异议（2026-03-06 12:00）：{reason}")
    assert expected in flat(pdf_text(files.pdf))
    assert expected in flat(docx_text(files.docx))
