"""/report in the chat: who may ask, what they get, what a wrong period gets them, and the
trail each export leaves."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from fakes import FakeBot, add_person
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from settings_kit import make_settings
from sqlalchemy import select
from test_reports_support import (
    COURT,
    NUMBER,
    docx_text,
    local,
    make_record,
    sheet_rows,
    summary_table,
)

from bot.config import Settings
from handlers import reports_cmd
from handlers.engine import Context
from handlers.i18n import t
from handlers.ports import IncomingMessage, OutgoingMessage
from reminders.clock import FakeClock
from reminders.quarters import Quarter
from reports.files import sha256_of
from reports.period import Period
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, Record, Staff
from storage.vocabulary import Language, Role

NOW = local("2026-10-08 10:00")


def zh(key: str, **values: object) -> str:
    return t(Language.ZH, key, **values)


def settings_for(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data" / "evidence", court_name=COURT, record_number=NUMBER)


@pytest.fixture
async def bot(db: Database, clock: FakeClock, tmp_path: Path) -> FakeBot:
    clock.set(NOW)
    bot = FakeBot(db, clock, settings_for(tmp_path))
    reports_cmd.register(bot.app.engine.registry)  # until handlers/registry.py registers it
    handler = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
    other = await add_person(db, clock, "周强", [Role.HANDLER], department="刑事审判庭")
    await make_record(db, handler, local("2026-07-15 10:00"), main_leader=True)
    await make_record(db, handler, local("2026-08-03 10:00"), channel="wechat")
    await make_record(db, other, local("2026-09-10 10:00"), unit_category="party")
    await make_record(db, handler, local("2026-09-11 10:00"), submit_after=None)
    return bot


async def person(bot: FakeBot, name: str, roles: list[Role], account: str) -> Staff:
    return await add_person(
        bot.db, bot.clock, name, roles, department="审判管理办公室", user_id=account
    )


async def exports(db: Database) -> list[AuditEvent]:
    async with db.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.kind == AuditKind.REPORT_EXPORTED.value)
        return list((await session.execute(query.order_by(AuditEvent.seq))).scalars().all())


def files_of(replies: list[OutgoingMessage]) -> list[Path]:
    return [path for m in replies for path in (m.photo, m.document) if path is not None]


async def test_the_compiler_asks_for_a_quarter_and_gets_three_files(
    bot: FakeBot, tmp_path: Path
) -> None:
    await person(bot, "刘洋", [Role.TRIAL_MANAGEMENT, Role.COMPILER], "liuyang")
    replies = await bot.chat("liuyang").send(
        IncomingMessage("fake", "liuyang", "liuyang", NOW, text="/report 2026Q3")
    )
    assert [m.text for m in replies] == [
        zh(
            "report.ready",
            period="2026年第三季度",
            external=3,
            reference=0,
            main_leader=1,
            serious=0,
            main_leader_drafts="",  # the one with a main leader is submitted
            serious_drafts="",
            drafts=1,
            withdrawn=0,
        )
        # The court began recording in this quarter: nothing earlier to compare with.
        + "\n"
        + zh("report.previous_unrecorded"),
        zh("report.workbook_caption"),
        zh("report.summary_caption"),
    ]
    picture, workbook, summary = files_of(replies)
    assert replies[0].photo == picture and picture.suffix == ".png"
    assert (workbook.suffix, summary.suffix) == (".xlsx", ".docx")
    assert summary_table(workbook, "总体情况")["外部领导干部干预过问案件"] == 3
    assert summary_table(workbook, "按承办部门") == {"民一庭": 2, "刑事审判庭": 1}
    assert len(sheet_rows(workbook, 3)) == 1 + 3
    assert "本院共记录外部领导干部干预过问案件 3 件" in docx_text(summary)
    # Files go beside the evidence folder, never into the evidence store.
    for path in (picture, workbook, summary):
        assert tmp_path / "data" / "reports" in path.parents
        assert tmp_path / "data" / "evidence" not in path.parents
    # The compiler can mark the quarter reported from the reply.
    assert [b.data for row in replies[2].buttons for b in row] == ["ms:q:2026Q3:done"]


@pytest.mark.parametrize(
    "roles",
    [[Role.DISCIPLINE], [Role.LEADER], [Role.TRIAL_MANAGEMENT], [Role.COMPILER]],
    ids=lambda roles: roles[0].value,
)
async def test_each_reporting_role_may_ask(bot: FakeBot, roles: list[Role]) -> None:
    await person(bot, "某人", roles, "someone")
    chat = bot.chat("someone")
    replies = await chat.say("/report 2026-07-01 2026-09-30")
    assert len(replies) == 3
    assert replies[0].startswith("2026-07-01 至 2026-09-30统计已生成")
    assert [path.suffix for path in files_of(chat.last)] == [".png", ".xlsx", ".docx"]


@pytest.mark.parametrize(
    "roles", [[Role.HANDLER], [Role.INTEGRITY_OFFICER], [Role.ADMIN]], ids=lambda r: r[0].value
)
async def test_anyone_else_is_told_there_is_no_such_command(
    bot: FakeBot, roles: list[Role]
) -> None:
    await person(bot, "某人", roles, "someone")
    assert await bot.chat("someone").say("/report 2026Q3") == [
        zh("error.unknown_command", command="report")
    ]
    assert await exports(bot.db) == []


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("/report 2026Q5", "report.bad_format"),
        ("/report Q3", "report.bad_format"),
        ("/report 2026-02-30 2026-03-31", "report.bad_date"),
        ("/report 2026-09-30 2026-07-01", "report.bad_order"),
        ("/report 2000-01-01 2026-09-30", "report.bad_too_long"),
        ("/report 2027Q1", "report.bad_not_started"),
        ("/report 2026Q1", "report.bad_before_records"),
        ("/report 2021-01-01 2021-03-31", "report.bad_before_records"),
    ],
)
async def test_a_malformed_period_gets_a_clear_message_with_an_example(
    bot: FakeBot, typed: str, key: str
) -> None:
    await person(bot, "刘洋", [Role.TRIAL_MANAGEMENT], "liuyang")
    text = typed.removeprefix("/report ")
    assert await bot.chat("liuyang").say(typed) == [
        zh(
            key,
            text=text,
            command="/report",
            default=zh("report.default_last"),
            quarter="2026Q3",
            first="2026-07-01",
            last="2026-09-30",
            since="2026-07-15" if key == "report.bad_before_records" else "",
            since_quarter="2026Q3" if key == "report.bad_before_records" else "",
        )
    ]
    assert await exports(bot.db) == []


async def test_report_alone_is_the_last_completed_quarter(bot: FakeBot) -> None:
    await person(bot, "李刚", [Role.DISCIPLINE], "ligang")
    chat = bot.chat("ligang")
    await chat.say("/report")
    names = [path.name for path in files_of(chat.last)]
    assert all("2026Q3" in name for name in names), names
    # Discipline does not mark quarters reported: no button for them.
    assert all(not m.buttons for m in chat.last)


async def test_a_quarter_without_records_says_so(bot: FakeBot) -> None:
    bot.clock.set(local("2026-01-01 09:00"))  # the court began recording before 2026Q1
    await person(bot, "陈静", [Role.LEADER], "chenjing")
    bot.clock.set(NOW)
    chat = bot.chat("chenjing")
    replies = await chat.say("/report 2026Q1")
    assert replies[0] == (
        zh("report.ready_empty", period="2026年第一季度", drafts=0, withdrawn=0)
        + "\n"
        + zh("report.previous_unrecorded")  # 2025Q4 ended before the court began recording
    )
    workbook = files_of(chat.last)[1]
    assert sheet_rows(workbook, 3)[1][0] == "本期无过问记录：没有外部领导干部干预过问案件的记录。"


async def test_every_export_is_an_audit_event_naming_who_took_it(bot: FakeBot) -> None:
    taker = await person(bot, "刘洋", [Role.TRIAL_MANAGEMENT], "liuyang")
    chat = bot.chat("liuyang")
    await chat.say("/report 2026Q3")
    sent = files_of(chat.last)
    await chat.say("/report 2026Q3")
    events = await exports(bot.db)
    assert len(events) == 2
    first = events[0]
    assert (first.actor_staff_id, first.actor, first.subject) == (taker.id, "刘洋", "period:2026Q3")
    payload = json.loads(first.payload)
    assert payload["what"] == "report"
    assert payload["files"] == {path.name: sha256_of(path) for path in sent}
    assert (payload["first"], payload["last"], payload["external"]) == (
        "2026-07-01",
        "2026-09-30",
        3,
    )
    assert payload["printed_head"]["seq"] == first.seq - 1
    # The chain head printed on the files is the one before the export.
    assert payload["printed_head"]["hash"] == first.prev_hash
    # Each export keeps its own files.
    assert set(files_of(chat.last)).isdisjoint(sent)


DOCUMENTS = ("report", "draft", "form")
"""The documents the bot renders as the court's record: a quarter's report asked by /report,
the draft report the quarter-end reminder carries, a copy of a record's form (to discipline
inspection, trial management or the sub-file: one renderer)."""


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    language=st.sampled_from(list(Language)),
    kind=st.sampled_from(DOCUMENTS),
)
@example(language=Language.EN, kind="form")  # trial 9 F25: 纪检监察's copy came in English
async def test_documents_are_in_the_courts_language_whatever_the_readers(
    bot: FakeBot, language: Language, kind: str
) -> None:
    """A person's /language changes the chat text around a document, never the document:
    the file names and contents are the court's (``[court] language``, 中文), the caption
    the reader's."""
    async with bot.db.transaction() as session:
        taker = (await session.execute(select(Staff).where(Staff.name == "张伟"))).scalar_one()
        taker.language = language.value
        accounts = await staff_repo.identities_of(session, taker.id)
        message = IncomingMessage("fake", accounts[0].chat_id, accounts[0].chat_id, NOW)
        ctx = Context(session, message, taker, accounts[0], bot.app.services, NOW)
        if kind == "form":
            record = await session.execute(select(Record).where(Record.number.is_not(None)))
            attached = await reports_cmd.form_copy(ctx, record.scalars().first(), {})
            caption = t(language, "report.form_pdf_caption")
        elif kind == "draft":
            attached = await reports_cmd.quarter_draft(ctx, "2026Q3")
            caption = t(language, "report.workbook_caption")
        else:
            files = await reports_cmd.make_report(ctx, Period.of_quarter(Quarter(2026, 3)))
            attached = reports_cmd.report_messages(ctx, files, "")
            caption = t(language, "report.workbook_caption")
    paths = files_of(attached)
    assert paths
    for path in paths:  # named in the court's language
        assert not path.name.startswith("inquiry-"), path.name
        assert "外部领导干部干预过问案件" in path.name, path.name
    for path in paths:
        if path.suffix == ".docx":
            assert "外部领导干部干预过问案件" in docx_text(path)
            assert "leading cadre" not in docx_text(path)
        if path.suffix == ".xlsx":
            assert "外部领导干部干预过问案件" in str(sheet_rows(path, 0)[0][0])
    # The chat text around the documents is the reader's.
    assert attached[0 if kind == "form" else 1].text.startswith(caption), attached
    events = await exports(bot.db)
    assert json.loads(events[-1].payload)["language"] == Language.ZH.value


async def test_the_quarter_end_reminder_carries_the_draft_report(bot: FakeBot) -> None:
    compiler = await person(bot, "刘洋", [Role.TRIAL_MANAGEMENT, Role.COMPILER], "liuyang")
    now = local("2026-10-01 00:00")
    async with bot.db.transaction() as session:
        recipient = await session.get(Staff, compiler.id)
        accounts = await staff_repo.identities_of(session, compiler.id)
        assert recipient is not None
        message = IncomingMessage("fake", "liuyang", "liuyang", now)
        ctx = Context(session, message, recipient, accounts[0], bot.app.services, now)
        attached = await reports_cmd.quarter_draft(ctx, "2026Q3")
        assert await reports_cmd.quarter_draft(ctx, "not a quarter") == []
    assert attached[0].text == zh("report.draft_caption", period="2026年第三季度")
    assert all(not m.buttons for m in attached)  # the reminder has the "reported" button
    picture, workbook, summary = files_of(attached)
    assert "（草稿）" in docx_text(summary)
    assert sheet_rows(workbook, 0)[0][0].endswith("（草稿）")
    events = await exports(bot.db)
    assert [(e.actor, json.loads(e.payload)["via"]) for e in events] == [("刘洋", "quarter_end")]
    assert json.loads(events[0].payload)["draft"] is True
    assert picture.is_file()


async def test_the_clock_decides_the_default_quarter(bot: FakeBot) -> None:
    bot.clock.set(local("2026-04-01 09:00"))  # the court began recording in 2026Q2
    await person(bot, "李刚", [Role.DISCIPLINE], "ligang")
    bot.clock.set(local("2026-07-01 00:00") + timedelta(seconds=1))
    chat = bot.chat("ligang")
    await chat.say("/report")
    assert "2026Q2" in files_of(chat.last)[1].name


async def test_late_registrations_are_named_with_the_workbook_only_when_there_are_some(
    bot: FakeBot, db: Database
) -> None:
    """A record received in Q3 and submitted in Q4 has its own sheet in Q4's workbook, and the
    workbook's caption says so; Q3's, which has none, does not."""
    await person(bot, "刘洋", [Role.TRIAL_MANAGEMENT, Role.COMPILER], "liuyang")
    async with db.transaction() as session:
        handler = await staff_repo.find_staff(session, "张伟")
    assert handler is not None
    await make_record(
        db, handler, local("2026-09-29 10:00"), submit_after=timedelta(days=3), inquirer_name="赵某"
    )
    captions = {}
    for quarter in ("2026Q3", "2026Q4"):
        replies = await bot.chat("liuyang").send(
            IncomingMessage("fake", "liuyang", "liuyang", NOW, text=f"/report {quarter}")
        )
        captions[quarter] = replies[1].text
    assert captions["2026Q3"] == zh("report.workbook_caption")
    assert captions["2026Q4"] == zh("report.workbook_caption") + zh("report.workbook_caption_late")
