"""Art. 3: the staff present sign to confirm, those not in the bot on the printed form. Their
paper signature is confirmed by the handler, audited, and until then 签字确认 is not done:
the record's facts, /record, the form (PDF and DOCX), the workbook's detail row and the
summary figures all say the same, and a correction adds or removes them like anyone else."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from dialogue import AMEND, Court, DialogueBot, Press, Tap, dialogue, open_court, settings_for
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from reminder_kit import bj, run_until
from sqlalchemy import delete, text
from sqlalchemy.engine import Connection
from test_reports_support import BEIJING, RULES, docx_text, form_files, pdf_text

from handlers import card
from handlers.i18n import t
from reminders.clock import FakeClock
from reports.columns import cosigner_entries, state_words
from reports.facts import State, facts_for, load_names
from reports.form import last_day
from reports.period import parse_period
from reports.quarterly import build_report
from reports.text import tr, vocab
from storage import records as records_repo
from storage.audit import AuditKind
from storage.db import Database, alembic_config
from storage.models import AuditEvent, ChatIdentity, Record, Staff
from storage.vocabulary import CosignStatus, Language, Milestone, RecordKind

IN_BOT = ("孙丽", "周强", "钱进")
OFFLINE = ("赵法警", "吴书记员")
NUMBER = "温法过问〔{year}〕{n}号"


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    return DialogueBot(db, clock, settings_for(tmp_path))


async def court_of(bot: DialogueBot) -> Court:
    """The court, seeded on the first example only (the fixture outlives the examples)."""
    if not bot.staff:
        return await open_court(bot)
    return Court(bot, bot.staff, bot.accounts)


async def recorded(
    db: Database, clock: FakeClock, court: Court, in_bot: list[str], offline: list[str]
) -> tuple[int, str]:
    """A submitted in-person record of 张伟 with ``in_bot`` and ``offline`` present: its id
    and number."""
    now = clock.now()
    async with db.transaction() as session:
        handler = await session.get(Staff, court.id("张伟"))
        assert handler is not None
        record = await records_repo.create_draft(session, handler=handler, received_at=now, at=now)
        values = {"kind": RecordKind.EXTERNAL.value, "case_name": "张某诉李某案"}
        await records_repo.set_fields(session, record, values, actor=handler, at=now)
        people = [await session.get(Staff, court.id(name)) for name in in_bot]
        record.fields = {"staff_present_answered": True}  # as the intake leaves it
        await records_repo.set_cosigners(
            session, record, [p for p in people if p], actor=handler, at=now, offline=offline
        )
        await records_repo.submit(
            session, record, actor=handler, at=now, number_format=NUMBER, tz=BEIJING
        )
        assert record.number is not None
        return record.id, record.number


def flat(text: str) -> str:
    return "".join(text.split())


def detail_row(workbook: Path, number: str, language: Language) -> dict[str, Any]:
    """The detail sheet's row of record ``number``, by column title."""
    book = load_workbook(workbook, read_only=True)
    titles = {tr(language, "field.number"), tr(language, "field.cosigners")}
    for sheet in book.worksheets:
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        for n, row in enumerate(rows):
            if titles <= set(row):
                for other in rows[n + 1 :]:
                    if number in other:
                        return dict(zip(row, other, strict=False))
    raise AssertionError(f"no detail row of {number}")


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    in_bot=st.lists(st.sampled_from(list(CosignStatus)), max_size=len(IN_BOT)),
    offline=st.lists(st.booleans(), max_size=len(OFFLINE)),
    late=st.booleans(),
    language=st.sampled_from(list(Language)),
)
async def test_the_co_sign_step_reads_the_same_everywhere(
    bot: DialogueBot,
    db: Database,
    clock: FakeClock,
    tmp_path: Path,
    in_bot: list[CosignStatus],
    offline: list[bool],
    late: bool,
    language: Language,
) -> None:
    """Any mix of staff present in the bot (pending, confirmed, disputed) and not in it
    (paper signature confirmed or not), looked at within the deadline or after it: the step
    is done only when everyone confirmed, in the chat or on paper, and the facts, /record,
    the form, the detail row and the figures say the same."""
    assume(in_bot or offline)
    court = await court_of(bot)
    clock.advance(timedelta(days=20))
    present = list(IN_BOT[: len(in_bot)])
    paper = list(OFFLINE[: len(offline)])
    record_id, number = await recorded(db, clock, court, present, paper)
    clock.advance(timedelta(hours=1))
    for name, status in zip(present, in_bot, strict=True):
        if status is CosignStatus.CONFIRMED:
            await court.chat(name).act(Tap(f"cs:{record_id}:ok"))
        elif status is CosignStatus.DISPUTED:
            await court.chat(name).act(Tap(f"cs:{record_id}:no"))
            await court.chat(name).say("我当时不在场")
    handler = court.chat("张伟")
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        rows = {c.name: c.id for c in record.cosigners if c.offline}
    for name, signed in zip(paper, offline, strict=True):
        if signed:
            await handler.act(Tap(f"po:{record_id}:{rows[name]}"))
    if late:
        clock.advance(timedelta(days=10))
    now = clock.now()

    everyone = all(s is CosignStatus.CONFIRMED for s in in_bot) and all(offline)
    disputed = CosignStatus.DISPUTED in in_bot
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        [facts] = await facts_for(session, [record], await load_names(session), RULES, now)
        signed_events = (
            (
                await session.execute(
                    AuditEvent.__table__.select().where(
                        AuditEvent.kind == AuditKind.PAPER_SIGNED.value,
                        AuditEvent.subject == f"record:{record_id}",
                    )
                )
            )
            .mappings()
            .all()
        )
    line = facts.milestone(Milestone.COSIGNED)
    assert line is not None
    if disputed:
        expected = State.DISPUTED
    elif everyone:
        expected = State.ON_TIME
    else:
        expected = State.MISSED if line.deadline <= now else State.PENDING
    assert line.state is expected, (in_bot, offline)
    assert record.cosigners_done is everyone
    assert len(signed_events) == sum(offline)  # each paper signature audited, with who
    assert all(e["actor"] == "张伟" for e in signed_events)

    # /record: the step's line is 已办 exactly when everyone confirmed.
    shown = "\n".join(await handler.say(f"/record {number}"))
    step = t(
        Language.ZH,
        "card.deadline",
        milestone=card.label_at_start(Milestone.COSIGNED, Language.ZH),
        deadline="",
    )
    [step_line] = [row for row in shown.splitlines() if row.startswith(step)]
    assert (step_line.removeprefix(step).startswith("已办")) is (expected is State.ON_TIME), shown
    for name, signed in zip(paper, offline, strict=True):
        said = "card.staff_paper_signed" if signed else "card.staff_offline"
        assert t(Language.ZH, said, name=name, at="").rstrip("）") in shown, shown

    # The form, PDF and DOCX: the step's state, and each person signing on paper twice
    # (section 五 and the signatures).
    files = await form_files(
        db, record_id, tmp_path / f"form{record_id}", now=now, language=language
    )
    state = state_words(expected, language)
    what = flat(vocab(Milestone, Milestone.COSIGNED, language))
    day = last_day(line.deadline, BEIJING)
    for printed in (pdf_text(files.pdf), docx_text(files.docx)):
        words = flat(printed)
        assert re.search(re.escape(what + day) + r"[0-9:\- ]*" + re.escape(flat(state)), words)
        for name, signed in zip(paper, offline, strict=True):
            status = tr(language, "form.cosign_paper_signed" if signed else "form.cosign_offline")
            assert words.count(flat(name + status)) == 2, (name, words)

    # The detail row and the figures of a report of that day.
    day_of = record.received_at.astimezone(BEIJING).strftime("%Y-%m-%d")
    async with db.transaction() as session:
        report = await build_report(
            session,
            parse_period(day_of, now=now, tz=BEIJING),
            language=language,
            tz=BEIJING,
            rules=RULES,
            now=now,
            out_dir=tmp_path / f"report{record_id}",
        )
    row = detail_row(report.xlsx, number, language)
    assert row[tr(language, "field.state_cosigned")] == state
    listed = str(row[tr(language, "field.cosigners")])
    for entry in cosigner_entries(facts, language, BEIJING):
        assert entry.name in listed
    for name, signed in zip(paper, offline, strict=True):
        status = tr(language, "form.cosign_paper_signed" if signed else "form.cosign_offline")
        assert f"{name}" in listed and status in listed, listed
    tally = report.figures.milestones[Milestone.COSIGNED]
    counted = {
        State.ON_TIME: tally.on_time,
        State.LATE: tally.late,
        State.MISSED: tally.missed,
        State.PENDING: tally.pending,
        State.DISPUTED: tally.disputed,
    }
    assert counted == {s: int(s is expected) for s in counted}


async def test_a_correction_adds_and_removes_staff_not_in_the_bot_keeping_the_signature(
    bot: DialogueBot, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """A correction of the staff present adds 吴书记员 (not in the bot) and removes 赵法警,
    whose paper signature stays on the record as 孙丽's answers do; the step waits for
    吴书记员's signature."""
    court = await court_of(bot)
    record_id, _number = await recorded(db, clock, court, ["孙丽"], ["赵法警"])
    clock.advance(timedelta(hours=1))
    await court.chat("孙丽").act(Tap(f"cs:{record_id}:ok"))
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        [zhao] = [c for c in record.cosigners if c.offline]
    await court.chat("张伟").act(Tap(f"po:{record_id}:{zhao.id}"))
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None and record.cosigners_done
        handler = await session.get(Staff, court.id("张伟"))
        sun = await session.get(Staff, court.id("孙丽"))
        assert handler is not None and sun is not None
        clock.advance(timedelta(hours=1))
        changed, added = await records_repo.amend_cosigners(
            session,
            record,
            [sun],
            reason="记错了在场的书记员",
            actor=handler,
            at=clock.now(),
            offline=["吴书记员"],
        )
        assert changed is not None
        assert [(c.who, c.offline) for c in added] == [("吴书记员", True)]
        assert not record.cosigners_done
        trail = await records_repo.cosign_trail(session, [record_id])
        [removed] = trail.removed[record_id]
        assert removed.name == "赵法警" and removed.staff_id is None
        assert [a.confirmed for a in removed.answers] == [True]
        [facts] = await facts_for(session, [record], await load_names(session), RULES, clock.now())
    names = [e.name for e in cosigner_entries(facts, Language.ZH, BEIJING)]
    assert names == ["孙丽", "吴书记员", "赵法警"]  # each once, the removed one last
    line = facts.milestone(Milestone.COSIGNED)
    assert line is not None and line.met is None
    assert line.state in (State.PENDING, State.MISSED)

    # Named again, 赵法警 gets his signature back as an earlier answer and signs anew.
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        handler = await session.get(Staff, court.id("张伟"))
        sun = await session.get(Staff, court.id("孙丽"))
        assert record is not None and handler is not None and sun is not None
        clock.advance(timedelta(hours=1))
        await records_repo.amend_cosigners(
            session,
            record,
            [sun],
            reason="赵法警确实在场",
            actor=handler,
            at=clock.now(),
            offline=["吴书记员", "赵法警"],
        )
        trail = await records_repo.cosign_trail(session, [record_id])
        assert record_id not in trail.removed
        assert [a.confirmed for a in trail.earlier[(record_id, "赵法警")]] == [True]
        assert {c.who: c.status for c in record.cosigners if c.offline} == {
            "吴书记员": CosignStatus.PENDING,
            "赵法警": CosignStatus.PENDING,
        }


async def test_only_the_handler_confirms_a_paper_signature_and_only_once(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """Another person's press is refused; the handler's second press says it was done."""
    court = await court_of(bot)
    record_id, _number = await recorded(db, clock, court, [], ["赵法警"])
    async with db.transaction() as session:
        record = await session.get(Record, record_id)
        assert record is not None
        [zhao] = record.cosigners
    press = Tap(f"po:{record_id}:{zhao.id}")
    refused = await court.chat("孙丽").act(press)
    assert refused[-1].text == t(Language.ZH, "cosign.paper_not_handler")
    first = await court.chat("张伟").act(press)
    assert t(Language.ZH, "cosign.paper_all_done") in first[-1].text
    again = await court.chat("张伟").act(press)
    assert again[-1].text == t(Language.ZH, "cosign.paper_already", name="赵法警")


def _migrate(connection: Connection, revision: str, *, down: bool) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_the_migration_turns_names_kept_in_fields_into_rows_and_back(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """A record submitted before the change kept 赵法警 in ``fields`` and counted 签字确认
    done once 孙丽 confirmed; upgraded, he is a pending row and the step is not done;
    downgraded, the name is back in ``fields``."""
    court = await court_of(bot)
    record_id, _number = await recorded(db, clock, court, ["孙丽"], [])
    await court.chat("孙丽").act(Tap(f"cs:{record_id}:ok"))
    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate, "0011", down=True)
        fields = json.dumps({"staff_present_answered": True, "staff_offline": ["赵法警"]})
        await connection.execute(
            text("UPDATE records SET fields = :fields WHERE id = :id"),
            {"fields": fields, "id": record_id},
        )
        await connection.run_sync(_migrate, "head", down=False)
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        assert [(c.who, c.offline, c.status) for c in record.cosigners] == [
            ("孙丽", False, CosignStatus.CONFIRMED),
            ("赵法警", True, CosignStatus.PENDING),
        ]
        assert record.cosigners[1].requested_at == record.submitted_at
        assert not record.cosigners_done
        assert "staff_offline" not in record.fields
    async with db.engine.begin() as connection:
        await connection.run_sync(_migrate, "0011", down=True)
        row = (
            await connection.execute(
                text("SELECT fields, cosigners_done FROM records WHERE id = :id"),
                {"id": record_id},
            )
        ).one()
        count = (
            await connection.execute(
                text("SELECT COUNT(*) FROM record_cosigners WHERE record_id = :id"),
                {"id": record_id},
            )
        ).scalar_one()
        await connection.run_sync(_migrate, "head", down=False)
    stored = row[0] if isinstance(row[0], dict) else json.loads(row[0])
    assert stored["staff_offline"] == ["赵法警"]
    assert bool(row[1]) and count == 1


async def test_the_handler_is_reminded_by_name_until_the_paper_signature_is_confirmed(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """赵法警 signs by hand: the handler is reminded the day before, on the last day and the
    next working day, each time naming him with the button that confirms his signature; 孙丽,
    who answers in the chat, is not. Once the handler presses, nothing more comes."""
    court = await court_of(bot)
    clock.set(bj("2026-03-11 10:00"))
    record_id, number = await recorded(db, clock, court, ["孙丽"], ["赵法警"])
    await bot.app.dispatcher.plan([record_id])
    await court.chat("孙丽").act(Tap(f"cs:{record_id}:ok"))
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        [zhao] = [c for c in record.cosigners if c.offline]
    press = (t(Language.ZH, "cosign.paper_button", name="赵法警"), f"po:{record_id}:{zhao.id}")
    await run_until(bot.app.dispatcher, clock, bj("2026-03-16 09:00"))

    yours = t(Language.ZH, "reminders.cosign_paper_yours", names="赵法警")

    def paper_reminders() -> list[tuple[str, list[tuple[str, str]]]]:
        return [
            (m.text, [(b.label, b.data) for row in m.buttons for b in row])
            for m in court.chat("张伟").inbox()
            if "赵法警" in m.text
            and press[1] in [b.data for row in m.buttons for b in row]
            and yours not in m.text  # the breach notice names him too, with the same button
        ]

    day = "3月13日（周五）"
    deadlines = {
        "reminders.paper_day_before": f"明天 {day} 24:00 前",
        "reminders.paper_last_day": f"今天 {day} 24:00 前",
        "reminders.paper_overdue": t(Language.ZH, "reminders.passed", day=day, days=3),
    }
    expected = [
        (
            t(Language.ZH, key, names="赵法警", title=number, case="张某诉李某案", deadline=when),
            [press],
        )
        for key, when in deadlines.items()
    ]
    assert paper_reminders() == expected
    # The handler's own notices that name him say it is the handler who gets his signature,
    # with the button to confirm it (trial 11, F5).
    named = [m for m in court.chat("张伟").inbox() if yours in m.text]
    assert named and all(press[1] in [b.data for r in m.buttons for b in r] for m in named)
    assert not any("赵法警" in m.text for m in court.chat("孙丽").inbox())

    await court.chat("张伟").act(Tap(press[1]))
    before = len(paper_reminders())
    await run_until(bot.app.dispatcher, clock, bj("2026-03-20 09:00"))
    assert len(paper_reminders()) == before


async def test_the_handler_corrects_the_staff_present_in_chat_to_add_and_remove_them(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """In the chat: 吴书记员, unknown to the bot, is offered as signing by hand and added;
    赵法警, whose signature was confirmed, is removed and keeps it on /record."""
    court = await court_of(bot)
    record_id, number = await recorded(db, clock, court, ["孙丽"], ["赵法警"])
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        [zhao] = [c for c in record.cosigners if c.offline]
    await court.chat("张伟").act(Tap(f"po:{record_id}:{zhao.id}"))
    clock.advance(timedelta(minutes=30))
    zh = Language.ZH
    offer = t(zh, "intake.error.staff_offline_offer", names="吴书记员")
    await dialogue(
        court.chat("张伟"),
        [
            (f"/record {number}", number),
            (Press(AMEND), t(zh, "amend.which", title=number)),
            (Press(t(zh, "card.staff_present")), t(zh, "card.staff_present")),
            ("孙丽、吴书记员", offer),
            (Press(t(zh, "intake.staff_offline_button")), t(zh, "amend.ask_reason")),
            ("记错了在场的书记员", t(zh, "amend.done", title=number)),
        ],
    )
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        assert [(c.who, c.offline, c.status) for c in record.cosigners] == [
            ("孙丽", False, CosignStatus.PENDING),  # asked again after the correction
            ("吴书记员", True, CosignStatus.PENDING),
        ]
        assert not record.cosigners_done
        [amendment] = await records_repo.amendments(session, record_id)
        assert json.loads(amendment.old_value) == ["孙丽", "赵法警"]
        assert json.loads(amendment.new_value) == ["孙丽", "吴书记员"]
    [shown] = await court.chat("张伟").say(f"/record {number}")
    [line] = [x for x in shown.splitlines() if x.startswith(t(zh, "card.staff_present"))]
    assert t(zh, "card.staff_offline", name="吴书记员") in line, line
    assert "赵法警（" in line and "更正时移出名单" in line, line


async def correct_summary(handler: Any, number: str) -> None:
    """The handler corrects record ``number``'s 过问内容 in the chat, with a reason."""
    zh = Language.ZH
    await dialogue(
        handler,
        [
            (f"/record {number}", number),
            (Press(AMEND), t(zh, "amend.which", title=number)),
            (Press(t(zh, "card.summary")), t(zh, "card.summary")),
            ("要求尽快开庭并从轻判处", t(zh, "amend.ask_reason")),
            ("记错了过问内容", t(zh, "amend.done", title=number)),
        ],
    )


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    in_bot=st.lists(st.booleans(), max_size=2),
    offline=st.lists(st.booleans(), max_size=len(OFFLINE)),
)
async def test_after_a_correction_the_handler_is_told_who_the_bot_asked_and_who_signs_by_hand(
    bot: DialogueBot, db: Database, clock: FakeClock, in_bot: list[bool], offline: list[bool]
) -> None:
    """Any mix of staff present in the bot and on paper, each answered (or signed) before the
    record's summary is corrected or not: the handler hears that the bot asked those in the
    bot again, and, of those who sign by hand, that the bot cannot ask them and the handler
    is to have the corrected form signed and confirm it with their buttons (trial 11, F5).
    No reply says the bot asked a person it cannot reach."""
    assume(in_bot or offline)
    court = await court_of(bot)
    present = list(IN_BOT[: len(in_bot)])
    paper = list(OFFLINE[: len(offline)])
    record_id, number = await recorded(db, clock, court, present, paper)
    for name, answered in zip(present, in_bot, strict=True):
        if answered:
            await court.chat(name).act(Tap(f"cs:{record_id}:ok"))
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        rows = {c.name: c.id for c in record.cosigners if c.offline}
    handler = court.chat("张伟")
    for name, signed in zip(paper, offline, strict=True):
        if signed:
            await handler.act(Tap(f"po:{record_id}:{rows[name]}"))
    clock.advance(timedelta(minutes=30))
    zh = Language.ZH
    seen = len(handler.inbox())
    await correct_summary(handler, number)
    said = handler.inbox()[seen:]
    texts = [m.text for m in said]
    for reply in texts:
        for name in paper:
            assert not re.search(f"已请[^。；]*{name}", reply), reply
    asked = t(zh, "amend.reconfirm_asked", names="、".join(present))
    assert (asked in texts) == bool(present), texts
    sign = t(zh, "amend.paper_sign_again", names="、".join(paper))
    told = [m for m in said if m.text == sign]
    assert len(told) == bool(paper), texts
    for message in told:  # every one of them signs again: each has the handler's button
        data = [b.data for row in message.buttons for b in row]
        assert data == [f"po:{record_id}:{rows[name]}" for name in paper], data


async def test_after_a_correction_a_co_signer_with_no_account_is_not_said_to_be_asked(
    bot: DialogueBot, db: Database, clock: FakeClock
) -> None:
    """周强 is in the bot but has no bound account: the correction tells the handler he
    cannot be asked (``cosign.unreachable``) and does not name him among those asked again;
    孙丽 is asked again, 赵法警 signs the corrected form by hand."""
    court = await court_of(bot)
    _, number = await recorded(db, clock, court, ["孙丽", "周强"], ["赵法警"])
    async with db.transaction() as session:
        await session.execute(delete(ChatIdentity).where(ChatIdentity.staff_id == court.id("周强")))
    clock.advance(timedelta(minutes=30))
    zh = Language.ZH
    handler = court.chat("张伟")
    seen = len(handler.inbox())
    await correct_summary(handler, number)
    said = [m.text for m in handler.inbox()[seen:]]
    assert t(zh, "cosign.unreachable", name="周强") in said, said
    assert t(zh, "amend.reconfirm_asked", names="孙丽") in said, said
    assert t(zh, "amend.paper_sign_again", names="赵法警") in said, said
    assert not any(re.search("已请[^。；]*(周强|赵法警)", text) for text in said), said
