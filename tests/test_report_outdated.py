"""Whoever took a quarter's report is told when a later change makes it out of date.

The compiler takes 2026Q1's report once the quarter has ended (or, in some examples, while
it still runs, when its figures say so on their face). Then a record of 2026Q1 is submitted
late, corrected, moved out of the quarter by a correction of its receipt, or a draft of it
is withdrawn; or a record of another quarter is corrected. Whoever holds an ended quarter's
report made before the change is told once, with what changed and the command that makes it
again; nobody else, and nobody twice. Each telling is a ``report_outdated`` audit event.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from dialogue import AMEND, SUBMIT, WITHDRAW, Court, DialogueBot, Press, says
from reminder_kit import BEIJING, NUMBER_FORMAT
from sqlalchemy import delete, select
from test_correction_fields import Spec, label, values_of

from bot.config import load
from bot.report_cli import report
from handlers.fields import next_missing
from reminders.clock import FakeClock
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database
from storage.models import AuditEvent, Record, Staff, StaffRole
from storage.vocabulary import Channel, Intermediary, Role

DURING = datetime(2026, 3, 20, 10, 0, tzinfo=BEIJING)
AFTER = datetime(2026, 4, 2, 10, 0, tzinfo=BEIJING)
CHANGED = datetime(2026, 4, 3, 10, 0, tzinfo=BEIJING)
IN_Q1 = datetime(2026, 3, 10, 9, 0, tzinfo=BEIJING)
IN_Q2 = datetime(2026, 4, 1, 9, 0, tzinfo=BEIJING)


async def stored(
    db: Database, court: Court, received: datetime, at: datetime, *, submit: bool
) -> tuple[int, str]:
    """A phone record received at ``received``, written at ``at``; submitted when
    ``submit``. Its id and number (empty for a draft)."""
    async with db.transaction() as session:
        handler = await session.get(Staff, court.id("张伟"))
        assert handler is not None
        record = await records_repo.create_draft(
            session, handler=handler, received_at=received, at=at
        )
        spec = Spec(
            channel=Channel.PHONE,
            cosigner=False,
            intermediary=Intermediary.NONE,
            route=None,
            originals=None,
            platform=None,
            entered=False,
        )
        values = values_of(spec, handler, received)
        values["inquiry_at"] = received
        values.update(channel_other=None, intermediary_name=None, intermediary_relation=None,
                      material_route=None, originals_destination=None, originals_note=None,
                      place=None, persons_present=None, platform_ref=None)  # fmt: skip
        values = {k: v for k, v in values.items() if k in records_repo.FIELDS}
        await records_repo.set_fields(session, record, values, actor=handler, at=at)
        record.fields = {**record.fields, "staff_present_answered": True}
        assert next_missing(record) is None, next_missing(record)
        if submit:
            await records_repo.submit(
                session, record, actor=handler, at=at, number_format=NUMBER_FORMAT, tz=BEIJING
            )
        return record.id, record.number or ""


async def outdated_events(db: Database) -> list[dict[str, object]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(AuditEvent.payload)
            .where(AuditEvent.kind == AuditKind.REPORT_OUTDATED.value)
            .order_by(AuditEvent.seq)
        )
        return [json.loads(raw) for (raw,) in rows]


CHANGES = ("late", "corrected", "moved_out", "withdrawn", "other_quarter")


@pytest.mark.parametrize("taken", ["during", "after"])
@pytest.mark.parametrize("change", CHANGES)
async def test_a_change_after_a_quarters_report_reaches_who_took_it(
    db: Database, clock: FakeClock, court: Court, bot: DialogueBot, taken: str, change: str
) -> None:
    clock.set(IN_Q1 + timedelta(hours=1))
    received = IN_Q2 if change == "other_quarter" else IN_Q1
    record_id, number = await stored(
        db, court, received, received + timedelta(hours=1),
        submit=change not in ("late", "withdrawn"),
    )  # fmt: skip
    compiler = court.chat("刘洋")
    clock.set(DURING if taken == "during" else AFTER)
    replies = await compiler.act("/report 2026Q1")
    assert replies, "the report is sent"
    before = len(bot.to(court.accounts["刘洋"]))
    clock.set(CHANGED)
    judge = court.chat("张伟")
    if change == "late":
        await judge.act("/resume")
        said = [r.text for r in await judge.act(Press(SUBMIT))]
        assert any("〔2026〕" in text for text in said), said
        async with db.transaction() as session:
            record = await session.get(Record, record_id)
            assert record is not None and record.number
            number = record.number
    elif change == "withdrawn":
        await judge.act("/resume")
        await judge.act(Press(WITHDRAW))
        await judge.act("重复登记")
    else:
        await judge.act(f"/record {number}")
        await judge.act(Press(AMEND))
        if change == "moved_out":  # a call's receipt follows its inquiry time
            await judge.act(Press(label("inquiry_at")))
            await judge.act("2025-12-31 08:00")
            await judge.act("2025-12-31 08:00")  # over 30 days back: sent again, confirmed
        else:
            await judge.act(Press(label("summary")))
            await judge.act("要求尽快判决")
        done = [r.text for r in await judge.act("记录有误")]
        assert done[0] == says("amend.done", title=number), done
    told = [m.text for m in bot.to(court.accounts["刘洋"])[before:]]
    head = says("outdated.told", periods="", changes="", commands="").split("：")[0]
    notices = [text for text in told if text.startswith(head)]
    expected = taken == "after" and change != "other_quarter"
    events = await outdated_events(db)
    if not expected:
        assert notices == [], notices
        assert events == []
        return
    (notice,) = notices
    assert "/report 2026Q1" in notice
    assert "2026年第一季度" in notice
    if change == "withdrawn":
        assert "重复登记" in notice
    else:
        assert number in notice
    if change == "corrected":
        assert "要求尽快判决" in notice and "记录有误" in notice
    if change == "moved_out":
        assert "2025-12-31 08:00" in notice
    (event,) = events
    (entry,) = event["told"]  # type: ignore[misc]
    assert entry["to"] == court.id("刘洋")
    assert entry["periods"] == ["2026Q1"]
    # Told once: a later message touching the record tells nobody again.
    await judge.act(f"/record {number}" if number else "/help")
    again = [m.text for m in bot.to(court.accounts["刘洋"])[before:]]
    assert [t for t in again if t.startswith(head)] == notices
    assert len(await outdated_events(db)) == 1
    # A report made after the change is up to date: the next change of another field is
    # told only to those whose copy predates it.
    nobody_else = [
        name for name in court.accounts if name != "刘洋"
        and any(m.text.startswith(head) for m in bot.to(court.accounts[name]))
    ]  # fmt: skip
    assert nobody_else == []


@pytest.mark.parametrize("holders", ["compiler", "compiler_elsewhere", "no_compiler"])
async def test_a_report_taken_on_the_command_line_is_the_compilers(
    db: Database,
    clock: FakeClock,
    court: Court,
    bot: DialogueBot,
    tmp_path: Path,
    holders: str,
) -> None:
    """``guowen report`` names no person: its copy is the compilers' (or, with nobody holding
    ``compiler``, the trial management office's), told with the command line that makes it
    again; nobody else is told."""
    clock.set(IN_Q1 + timedelta(hours=1))
    _, number = await stored(db, court, IN_Q1, IN_Q1 + timedelta(hours=1), submit=True)
    async with db.transaction() as session:
        if holders != "compiler":  # 刘洋 keeps trial_management; the compiler is elsewhere
            await session.execute(
                delete(StaffRole).where(
                    StaffRole.staff_id == court.id("刘洋"), StaffRole.role == Role.COMPILER
                )
            )
        if holders == "compiler_elsewhere":
            session.add(StaffRole(staff_id=court.id("陈静"), role=Role.COMPILER))
    told_to = "陈静" if holders == "compiler_elsewhere" else "刘洋"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[court]\nname = "温县人民法院"\n[storage]\ndatabase_url = "{db.url}"\n'
        f'evidence_dir = "{tmp_path / "evidence"}"\n',
        encoding="utf-8",
    )
    clock.set(AFTER)
    status = await report(
        load(config), "2026Q1", tmp_path / "out", io.StringIO(), err=io.StringIO(),
        progress=False, clock=clock,
    )  # fmt: skip
    assert status == 0
    before = {name: len(bot.to(account)) for name, account in court.accounts.items()}
    clock.set(CHANGED)
    judge = court.chat("张伟")
    await judge.act(f"/record {number}")
    await judge.act(Press(AMEND))
    await judge.act(Press(label("summary")))
    await judge.act("要求尽快判决")
    done = [r.text for r in await judge.act("记录有误")]
    assert done[0] == says("amend.done", title=number), done
    head = says("outdated.told", periods="", changes="", commands="").split("：")[0]
    notices = {
        name: [m.text for m in bot.to(account)[before[name] :] if m.text.startswith(head)]
        for name, account in court.accounts.items()
    }
    (notice,) = notices.pop(told_to)
    assert "guowen report 2026Q1" in notice and "/report 2026Q1" not in notice
    assert "命令行" in notice and number in notice and "要求尽快判决" in notice
    assert {name: said for name, said in notices.items() if said} == {}
    (event,) = await outdated_events(db)
    (entry,) = event["told"]  # type: ignore[misc]
    assert entry["to"] == court.id(told_to)
    assert entry["periods"] == ["2026Q1"]
