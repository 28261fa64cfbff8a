"""The form copy being delivered never says its own delivery is missed or not yet due.

The copy /deliver sends to the offices (Art. 6) prints, in its milestones, the step
报送表格复印件 as done by this copy at the time it is sent, on time or late as it will be
once the copy arrives; a first copy sent late never reads 逾期未办, one sent in time never
未到期. A copy sent after the step was done prints the step at its real time.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from fakes import add_person
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reports_delivery import attachments, documents_bot
from test_reports_support import (
    BEIJING,
    fresh_database,
    local,
    make_record,
    number_of,
    pdf_text,
)

from reminders.clock import FakeClock
from reports.columns import state_words
from reports.facts import State
from reports.form import build_form
from reports.text import tr
from storage.models import Record
from storage.vocabulary import Language, Milestone, Role

RECEIVED = local("2026-12-01 10:00")
ZH = Language.ZH


def _flat(text: str) -> str:
    return "".join(text.split())


@settings(
    max_examples=8,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hours=st.integers(min_value=2, max_value=14 * 24), resend=st.booleans())
async def test_the_copy_prints_its_own_delivery_as_done_when_sent(
    template_url: str, tmp_path: Path, hours: int, resend: bool
) -> None:
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    async with fresh_database(template_url, tmp_path) as db:
        clock = FakeClock(RECEIVED - timedelta(days=1))
        bot = documents_bot(db, clock, folder)
        handler = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
        await add_person(
            db, clock, "李刚", [Role.DISCIPLINE], department="纪检监察室", user_id="ligang"
        )
        # Both offices (Art. 6): the copy completes the step only once each has it.
        await add_person(
            db,
            clock,
            "刘洋",
            [Role.TRIAL_MANAGEMENT],
            department="审判管理办公室",
            user_id="liuyang",
        )
        record_id = await make_record(
            db, handler, RECEIVED, platform_after=timedelta(hours=1), inquirer_name="王建国"
        )
        number = await number_of(db, record_id)
        async with db.transaction() as session:
            record = await session.get(Record, record_id)
            assert record is not None
            deadline = bot.app.services.rules.for_record(record)[Milestone.FORM_DELIVERED]
        sent = RECEIVED + timedelta(hours=hours)
        clock.set(sent)
        await bot.chat("zhangwei").say(f"/deliver {number}")
        state = State.ON_TIME if sent < deadline else State.LATE
        stamp = sent.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        [pdf, _] = attachments(bot.transport.to("ligang"))
        text = _flat(pdf_text(pdf))
        assert _flat(tr(ZH, "form.delivered_by_this_copy", at=stamp)) in text
        # Every other step was done on time: the copy's own step is the only one late.
        assert (state_words(State.LATE, ZH) in text) == (state is State.LATE)
        for never in (State.MISSED, State.PENDING):
            assert state_words(never, ZH) not in text
        if not resend:
            return
        # Delivered (the copy arrived by chat); a copy sent later (corrected, supplemented,
        # co-signed) prints the step done at its real time, not as done by itself.
        async with db.transaction() as session:
            record = await session.get(Record, record_id)
            assert record is not None
            done = record.form_delivered_at
            assert done is not None
            later = await build_form(
                session,
                record_id,
                language=ZH,
                tz=BEIJING,
                rules=bot.app.services.rules,
                out_dir=folder / "later",
                now=sent + timedelta(days=3),
                delivering=True,
            )
        text = _flat(pdf_text(later.pdf))
        assert done.astimezone(BEIJING).strftime("%Y-%m-%d%H:%M") in text
        assert _flat(tr(ZH, "form.delivered_by_this_copy", at="")) not in text
        assert (state_words(State.LATE, ZH) in text) == (done >= deadline)


PEOPLE = {"李刚": Role.DISCIPLINE, "林涛": Role.DISCIPLINE, "刘洋": Role.TRIAL_MANAGEMENT}
OFFICE_NAMES = {Role.DISCIPLINE: "纪检监察室", Role.TRIAL_MANAGEMENT: "审判管理办公室"}


@settings(
    max_examples=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    bound=st.fixed_dictionaries({name: st.booleans() for name in PEOPLE}),
    present=st.sets(st.sampled_from(sorted(PEOPLE)), min_size=1),
)
async def test_a_copy_says_it_delivers_only_when_each_office_gets_one_by_chat(
    template_url: str, tmp_path: Path, bound: dict[str, bool], present: set[str]
) -> None:
    """An office whose only people have no chat account, or that has nobody registered, gets
    its copy in print, later: the copies going by chat now (the offices' and the handler's
    own) leave the step open."""
    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    async with fresh_database(template_url, tmp_path) as db:
        clock = FakeClock(RECEIVED - timedelta(days=1))
        bot = documents_bot(db, clock, folder)
        handler = await add_person(db, clock, "张伟", [Role.HANDLER], user_id="zhangwei")
        accounts = {name: f"account{n}" for n, name in enumerate(sorted(present))}
        for name in sorted(present):
            office = PEOPLE[name]
            await add_person(
                db,
                clock,
                name,
                [office],
                department=OFFICE_NAMES[office],
                user_id=accounts[name] if bound[name] else None,
            )
        record_id = await make_record(
            db, handler, RECEIVED, platform_after=timedelta(hours=1), inquirer_name="王建国"
        )
        number = await number_of(db, record_id)
        clock.set(RECEIVED + timedelta(hours=3))
        await bot.chat("zhangwei").say(f"/deliver {number}")
        stamp = clock.now().astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
        claim = _flat(tr(ZH, "form.delivered_by_this_copy", at=stamp))
        # Both offices must have it (Art. 6): one with nobody present gets it in print.
        completes = all(
            any(bound[name] for name in present if PEOPLE[name] is office)
            for office in OFFICE_NAMES
        )
        readers = ["zhangwei", *(accounts[name] for name in sorted(present) if bound[name])]
        for reader in readers:
            pdfs = [p for p in attachments(bot.transport.to(reader)) if p.suffix == ".pdf"]
            assert pdfs, reader
            for pdf in pdfs:
                text = _flat(pdf_text(pdf))
                assert (claim in text) is completes, (reader, bound, present)
                if not completes:  # the step still open, not yet due: said as it is
                    assert _flat(state_words(State.PENDING, ZH)) in text, reader
