"""The documents in the reminders: a delivered form copy carries the form (Art. 6, the 3-day
milestone), the compiler's quarter-end reminder the draft report (Art. 7).

Until ``handlers/notifier.py`` attaches them itself (``ChatNotifier.documents``), the
notifier here is the real one plus exactly the lines proposed for it; after that, the real
one is used as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fakes import FakeBot, add_person
from sqlalchemy.ext.asyncio import AsyncSession
from test_reports_support import (
    CASE_NUMBER,
    COURT,
    NUMBER,
    docx_text,
    local,
    make_record,
    number_of,
    pdf_text,
    summary_table,
)

from bot.config import defaults
from handlers import reports_cmd
from handlers.engine import Context
from handlers.notifier import ChatNotifier
from handlers.ports import IncomingMessage, OutgoingMessage, Reply
from reminders.clock import FakeClock
from reminders.dispatch import Facts
from reminders.outbox import ReminderKind
from storage import staff as staff_repo
from storage.db import Database
from storage.vocabulary import Role


class NotifierWithDocuments(ChatNotifier):
    """``ChatNotifier.prepare`` plus the documents (the integration proposed to the lead)."""

    async def prepare(self, session: AsyncSession, facts: Facts) -> list[Reply] | None:
        replies = await super().prepare(session, facts)
        if replies is None:
            return None
        accounts = await staff_repo.identities_of(session, facts.recipient.id)
        message = IncomingMessage(
            accounts[0].transport, accounts[0].chat_id, accounts[0].external_id, facts.now
        )
        ctx = Context(session, message, facts.recipient, accounts[0], self.services, facts.now)
        kind = ReminderKind(facts.reminder.kind)
        extra: list[OutgoingMessage] = []
        if kind is ReminderKind.FORM_COPY and facts.record is not None:
            extra = await reports_cmd.form_copy(ctx, facts.record)
        elif kind is ReminderKind.QUARTER_END and facts.reminder.quarter:
            extra = await reports_cmd.quarter_draft(ctx, facts.reminder.quarter)
        return replies + [Reply(a.transport, a.chat_id, m) for a in accounts for m in extra]


def documents_bot(db: Database, clock: FakeClock, tmp_path: Path) -> FakeBot:
    settings = defaults()
    settings.court.name = COURT
    settings.court.record_number = NUMBER
    settings.storage.evidence_dir = str(tmp_path / "data" / "evidence")
    bot = FakeBot(db, clock, settings)
    if not hasattr(ChatNotifier, "documents"):
        app: Any = bot.app
        app.dispatcher.notifier = NotifierWithDocuments(app.services, app.deliver)
    return bot


def attachments(messages: list[OutgoingMessage]) -> list[Path]:
    return [p for m in messages for p in (m.document, m.photo) if p is not None]


async def test_delivering_the_form_copy_sends_the_form(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = documents_bot(db, clock, tmp_path)
    handler = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
    await add_person(
        db, clock, "李刚", [Role.DISCIPLINE], department="纪检监察室", user_id="ligang"
    )
    await add_person(
        db, clock, "刘洋", [Role.TRIAL_MANAGEMENT], department="审判管理办公室", user_id="liuyang"
    )
    record_id = await make_record(db, handler, clock.now(), inquirer_name="王建国")
    number = await number_of(db, record_id)
    await bot.chat("zhangwei").say(f"/deliver {number}")  # the 3-day milestone (Art. 6)
    for account in ("ligang", "liuyang"):
        files = attachments(bot.transport.to(account))
        assert [f.suffix for f in files] == [".pdf", ".docx"], account
        assert "".join(CASE_NUMBER.split()) in "".join(pdf_text(files[0]).split())
        assert "王建国" in docx_text(files[1])


async def test_the_quarter_end_reminder_carries_the_draft_report(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    bot = documents_bot(db, clock, tmp_path)
    handler = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
    await add_person(
        db,
        clock,
        "刘洋",
        [Role.TRIAL_MANAGEMENT, Role.COMPILER],
        department="审判管理办公室",
        user_id="liuyang",
    )
    await make_record(db, handler, local("2026-03-10 10:00"))
    clock.set(local("2026-03-31 23:00"))
    await bot.app.dispatcher.tick()  # plans the quarter's reminders
    clock.set(local("2026-04-01 08:30"))
    await bot.app.dispatcher.tick()
    files = attachments(bot.transport.to("liuyang"))
    assert [f.suffix for f in files] == [".png", ".xlsx", ".docx"]
    assert summary_table(files[1], "总体情况")["外部领导干部干预过问案件"] == 1
    assert "（草稿）" in docx_text(files[2])
