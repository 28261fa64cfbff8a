"""Art. 3: a co-signer's dispute is an answer, not a confirmation. 签字确认 stands as
disputed (有异议), never on time, alike in the figures, the workbook, the summary, /report,
/overdue, the reminders and the card (finding 2 of the second trial)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from dialogue import DialogueBot, Tap, open_court, settings_for
from hypothesis import given, settings
from hypothesis import strategies as st
from reminder_kit import new_record
from test_reports_support import COURT, RULES, docx_text, sheet_rows

from handlers import card
from handlers.engine import Context, Services
from handlers.i18n import t
from handlers.ports import IncomingMessage
from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from reminders.planner import cosign_disputed, met_at, unmet
from reports.facts import State, timeliness_lines
from reports.figures import timeliness_of
from reports.period import parse_period
from reports.quarterly import build_report
from reports.tables import milestone_name
from reports.text import tr
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, RecordCosigner, Staff
from storage.vocabulary import CosignStatus, Language, Milestone, RecordKind, RecordStatus

CHINA = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime(2026, 12, 3, tzinfo=CHINA)
SUBMITTED = datetime(2026, 11, 30, 2, tzinfo=UTC)


class CosignOnly(DeadlineRules):
    """One step owed: 签字确认, due at ``DEADLINE``."""

    def for_record(
        self, record: Record, *, submitted_at: datetime | None = None
    ) -> dict[Milestone, datetime]:
        return {Milestone.COSIGNED: DEADLINE}


answers = st.lists(
    st.tuples(st.sampled_from(list(CosignStatus)), st.integers(min_value=1, max_value=24 * 6)),
    min_size=1,
    max_size=4,
)


def record_with(given: list[tuple[CosignStatus, int]]) -> Record:
    cosigners = [
        RecordCosigner(
            staff_id=n + 1,
            status=status,
            reason="我当时不在场" if status is CosignStatus.DISPUTED else None,
            requested_at=SUBMITTED,
            responded_at=None
            if status is CosignStatus.PENDING
            else SUBMITTED + timedelta(hours=hours),
        )
        for n, (status, hours) in enumerate(given)
    ]
    record = Record(
        status=RecordStatus.SUBMITTED,
        kind=RecordKind.EXTERNAL,
        handler_id=1,
        submitted_at=SUBMITTED,
        received_at=SUBMITTED,
        cosigners=cosigners,
    )
    record.cosigners_done = records_repo.all_confirmed(record)
    return record


def context(now: datetime, language: Language) -> Context:
    staff = Staff(name="张伟", language=language.value)
    message = IncomingMessage(transport="console", chat_id="1", user_id="1", received_at=now)
    services = Services(clock=FakeClock(now), tz=CHINA)
    return Context(cast(Any, None), message, staff, cast(Any, None), services, now)


@settings(max_examples=300, deadline=None)
@given(
    given=answers,
    later=st.integers(min_value=0, max_value=24 * 8),
    language=st.sampled_from(list(Language)),
)
def test_only_every_confirmation_meets_the_step_and_any_dispute_is_disputed(
    given: list[tuple[CosignStatus, int]], later: int, language: Language
) -> None:
    """Every mix of answers (pending, confirmed, disputed, answered in time or late) at any
    moment: the step is met only when all confirmed; with a dispute it is disputed in the
    figures, not owed to the reminders, and the card says so."""
    record = record_with(given)
    now = SUBMITTED + timedelta(hours=later)
    statuses = {status for status, _ in given}
    everyone = statuses == {CosignStatus.CONFIRMED}
    disputed = CosignStatus.DISPUTED in statuses
    rules = CosignOnly()

    assert record.cosigners_done is everyone
    assert (met_at(record, Milestone.COSIGNED) is not None) is everyone
    assert cosign_disputed(record) is disputed
    [line] = timeliness_lines(record, rules, now)
    if disputed:
        assert line.state is State.DISPUTED
    elif everyone:
        assert line.state in (State.ON_TIME, State.LATE)
    else:
        assert line.state is (State.MISSED if now >= DEADLINE else State.PENDING)

    figures = timeliness_of([record], rules, now)
    tally = figures.milestones[Milestone.COSIGNED]
    assert tally.disputed == int(disputed)
    assert tally.on_time + tally.late == int(everyone)
    if disputed:
        assert tally.share == 0.0  # due, and not on time

    assert (Milestone.COSIGNED in unmet(record, rules)) is (not everyone and not disputed)
    ctx = context(now, language)
    shown = card.earliest_open(ctx, record, rules)
    assert (shown == t(language, "card.cosign_disputed")) is disputed
    assert (shown == t(language, "card.all_done")) is everyone
    # /record's line for the step: disputed, never a deadline still to come or overdue.
    state = card.deadline_state(ctx, record, Milestone.COSIGNED, DEADLINE)
    assert (state == t(language, "card.cosign_disputed_step")) is disputed


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    return DialogueBot(db, clock, settings_for(tmp_path))


def steps_table(workbook: Path, language: Language) -> dict[str, dict[str, Any]]:
    """The 办理时效 sheet's table of steps: each step's counts by column title."""
    rows = sheet_rows(workbook, 2)
    head = tr(language, "report.section.timeliness")
    start = next(n for n, row in enumerate(rows) if row and row[0] == head)
    titles = list(rows[start])
    names = {milestone_name(m, language) for m in Milestone}
    table: dict[str, dict[str, Any]] = {}
    for row in rows[start + 1 :]:
        if not row or row[0] not in names:
            break
        table[str(row[0])] = dict(zip(titles, row, strict=False))
    return table


async def test_the_trial_s_dispute_is_disputed_in_every_report_and_in_the_chat(
    bot: DialogueBot, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """The trial's record: 孙丽, the only staff member present, answers 我当时不在场."""
    court = await open_court(bot)
    clock.set(datetime(2026, 11, 30, 10, tzinfo=CHINA))
    record_id = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), cosigners=[court.id("孙丽")]
    )
    sun = court.chat("孙丽")
    await sun.act(Tap(f"cs:{record_id}:no"))
    await sun.say("我当时不在场")

    overdue = "\n".join(await court.chat("李刚").say("/overdue"))
    assert t(Language.ZH, "milestones.disputed_title", count=1) in overdue
    assert "孙丽：我当时不在场" in overdue

    replies = await court.chat("刘洋").say("/report 2026Q4")
    assert any(t(Language.ZH, "report.cosign_disputed", count=1) in text for text in replies)

    now = clock.now()
    for language in Language:
        out = tmp_path / language.value
        async with db.transaction() as session:
            files = await build_report(
                session,
                parse_period("2026Q4", now=now, tz=CHINA),
                language=language,
                tz=CHINA,
                rules=RULES,
                now=now,
                out_dir=out,
                court_name=COURT,
            )
        cosign = steps_table(files.xlsx, language)[milestone_name(Milestone.COSIGNED, language)]
        assert cosign[tr(language, "timeliness.on_time")] == 0, cosign
        assert cosign[tr(language, "timeliness.disputed")] == 1, cosign
        assert cosign[tr(language, "timeliness.pending")] == 0, cosign
        assert cosign[tr(language, "timeliness.share")] == 0, cosign
        text = docx_text(files.summary)
        assert tr(language, "timeliness.disputed") in text
        assert tr(language, "analysis.cosign_disputed", n=1) in text


@pytest.mark.parametrize("disputer", ["孙丽", "李刚"])
async def test_nobody_reviews_their_own_dispute(
    bot: DialogueBot, db: Database, clock: FakeClock, disputer: str
) -> None:
    """Discipline hears a dispute; when the one disputing is discipline's only member (the
    sixth trial's 李刚), the court's leaders hear it instead, and he is told so."""
    court = await open_court(bot)
    clock.set(datetime(2026, 11, 30, 10, tzinfo=CHINA))
    record_id = await new_record(
        db, clock, court.id("张伟"), received=clock.now(), cosigners=[court.id(disputer)]
    )
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        title = record.number or ""
    chat = court.chat(disputer)
    await chat.act(Tap(f"cs:{record_id}:no"))
    own = "cosign.disputed_leaders" if disputer == "李刚" else "cosign.disputed"
    also = t(Language.ZH, "cosign.disputed_officers", names="钱进")  # 民一庭's officer
    assert await chat.say("当时我不在场") == [t(Language.ZH, own, title=title) + "\n" + also]
    notice = t(
        Language.ZH,
        "cosign.discipline_disputed",
        name=disputer,
        handler="张伟",
        title=title,
        reason="当时我不在场",
    )
    overseer = "陈静" if disputer == "李刚" else "李刚"
    assert notice in [m.text for m in court.chat(overseer).inbox()]
    assert notice in [m.text for m in court.chat("钱进").inbox()]
    for nobody in {"李刚", "陈静"} - {overseer}:
        assert notice not in [m.text for m in court.chat(nobody).inbox()]
