"""Art. 3: whoever was asked to co-sign stays on the form, once, with every answer they gave:
a correction of the staff present neither drops a dispute nor lists a person twice, and a
person taken off the list is told they need not confirm (finding 6 of the second trial)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from dialogue import AMEND, DialogueBot, Press, Tap, dialogue, open_court, settings_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reminder_kit import new_record
from test_reports_support import BEIJING, RULES, docx_text, form_files, pdf_text

from handlers.i18n import t
from reminders.clock import FakeClock
from reports.columns import cosigner_entries
from reports.facts import facts_for, load_names
from reports.text import tr
from storage import records as records_repo
from storage.db import Database
from storage.models import Staff
from storage.vocabulary import Language

NUMBER = "温法过问〔2026〕1号"
PEOPLE = ("孙丽", "王芳", "周强", "钱进")
_reasons = itertools.count(1)


@pytest.fixture
def bot(db: Database, clock: FakeClock, tmp_path: Path) -> DialogueBot:
    return DialogueBot(db, clock, settings_for(tmp_path))


who = st.sampled_from(range(len(PEOPLE)))
named = st.sets(who, min_size=1, max_size=len(PEOPLE)).map(sorted)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("answer"), who, st.booleans()),
        st.tuples(st.just("recast"), named),
        st.tuples(st.just("reask")),
    ),
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(first=named, script=steps, language=st.sampled_from(list(Language)))
async def test_everyone_asked_is_listed_once_with_every_dispute(
    bot: DialogueBot,
    db: Database,
    clock: FakeClock,
    first: list[int],
    script: list[tuple[object, ...]],
    language: Language,
) -> None:
    """Any run of answers, corrections of the staff present and corrections asked again:
    the form's list of the staff present has each person asked once, and every dispute."""
    if not bot.staff:
        await open_court(bot)
    ids = [bot.staff[name].id for name in PEOPLE]
    clock.advance(timedelta(minutes=1))
    record_id = await new_record(
        db, clock, bot.staff["张伟"].id, received=clock.now(), cosigners=[ids[i] for i in first]
    )
    asked = {PEOPLE[i] for i in first}
    disputes: list[tuple[str, str]] = []
    for step in script:
        clock.advance(timedelta(minutes=1))
        async with db.transaction() as session:
            record = await records_repo.get(session, record_id)
            handler = await session.get(Staff, bot.staff["张伟"].id)
            assert record is not None and handler is not None
            if step[0] == "answer":
                index, ok = int(str(step[1])), bool(step[2])
                mine = [c for c in record.cosigners if c.staff_id == ids[index]]
                if not mine or mine[0].status != "pending":
                    continue
                reason = None if ok else f"异议{next(_reasons)}"
                person = await session.get(Staff, ids[index])
                assert person is not None
                await records_repo.respond(
                    session, mine[0], confirmed=ok, reason=reason, actor=person, at=clock.now()
                )
                if reason:
                    disputes.append((PEOPLE[index], reason))
            elif step[0] == "recast":
                chosen = [i for i in step[1]]  # type: ignore[attr-defined]
                people = [await session.get(Staff, ids[i]) for i in chosen]
                await records_repo.amend_cosigners(
                    session,
                    record,
                    [p for p in people if p is not None],
                    reason="更正在场人员",
                    actor=handler,
                    at=clock.now(),
                )
                await records_repo.reask_cosigners(session, record, actor=handler, at=clock.now())
                asked |= {PEOPLE[i] for i in chosen}
            else:
                await records_repo.reask_cosigners(session, record, actor=handler, at=clock.now())
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None
        [facts] = await facts_for(session, [record], await load_names(session), RULES, clock.now())
        now_named = {c.staff.name for c in record.cosigners}
    entries = cosigner_entries(facts, language, BEIJING)
    names = [entry.name for entry in entries]
    assert len(names) == len(set(names)), entries
    assert set(names) == asked
    removed = tr(language, "form.cosign_removed")
    for entry in entries:
        assert (entry.status == removed) is (entry.name not in now_named), entry
    for name, reason in disputes:
        [entry] = [e for e in entries if e.name == name]
        assert reason in entry.note, (reason, entry)


async def test_the_trial_s_replaced_co_signer_keeps_her_dispute_and_is_told(
    bot: DialogueBot, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """王芳 disputes (我当时不在场，是周强在场); the handler names 孙丽 and 周强 instead."""
    court = await open_court(bot)
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id("孙丽"), court.id("王芳")],
    )
    async with db.transaction() as session:  # answered at the intake, as in chat
        record = await records_repo.get(session, record_id)
        assert record is not None
        record.fields = {**record.fields, "staff_present_answered": True}
    await court.chat("孙丽").act(Tap(f"cs:{record_id}:ok"))
    wang = court.chat("王芳")
    await wang.act(Tap(f"cs:{record_id}:no"))
    reason = "我当时不在场，是周强在场"
    await wang.say(reason)
    clock.advance(timedelta(minutes=30))
    zh = Language.ZH
    await dialogue(
        court.chat("张伟"),
        [
            (f"/record {NUMBER}", NUMBER),
            (Press(AMEND), t(zh, "amend.which", title=NUMBER)),
            (Press(t(zh, "card.staff_present")), t(zh, "card.staff_present")),
            ("孙丽、周强", t(zh, "amend.ask_reason")),
            ("王芳不在场，更正为周强", t(zh, "amend.done", title=NUMBER)),
        ],
    )
    [shown] = await court.chat("张伟").say(f"/record {NUMBER}")
    [line] = [x for x in shown.splitlines() if x.startswith(t(zh, "card.staff_present"))]
    assert all(line.count(f"{name}（") == 1 for name in ("王芳", "孙丽", "周强")), line
    assert reason in line and "更正时移出名单" in line, line
    told = wang.inbox()[-1].text
    assert told == t(
        zh, "cosign.removed", handler="张伟", title=NUMBER, reason="王芳不在场，更正为周强"
    )
    for language in Language:
        files = await form_files(
            db, record_id, tmp_path / language.value, now=clock.now(), language=language
        )
        for text in (pdf_text(files.pdf), docx_text(files.docx)):
            flat = "".join(text.split())
            assert "".join(reason.split()) in flat
            assert "".join(tr(language, "form.cosign_removed").split()) in flat
