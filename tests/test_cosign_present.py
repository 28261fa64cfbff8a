"""Art. 3: the court staff present are asked to co-sign, so the intake keeps them where they
are asked. Court staff typed among the persons present who are not court staff are offered
to be moved (finding 3 of the second trial); court staff not in the bot may be recorded
present, signing the printed form by hand, never counted as having confirmed."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
from dialogue import (
    SUBMIT,
    Action,
    Court,
    DialogueBot,
    Expect,
    Press,
    asks,
    dialogue,
    open_court,
    proposing_bot,
    says,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_intake_ask_less import CLEAR, OK, opened_by_new, taken
from test_reports_support import docx_text, form_files, pdf_text

from handlers.engine import Context, Services
from handlers.fields import BY_STEP, NAME_PARTS, Step
from handlers.i18n import t
from handlers.intake.ask import NONE_ANSWER, moved_out
from handlers.ports import IncomingMessage
from reminders.clock import FakeClock
from reports.text import tr
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.records import STAFF_IN_PERSONS
from storage.vocabulary import Language

ZH = Language.ZH
OUTSIDERS = ("县人大办公室秘书小李", "刘某", "王芳芳", "孙")
SEPARATORS = ("、", "，", ",", "；", " ")


bot = proposing_bot()


@pytest.fixture
async def court(bot: DialogueBot) -> Court:
    return await open_court(bot)


def up_to_persons_present() -> list[tuple[Action, Expect]]:
    """An in-person inquiry from ``/new`` to the question of the persons present."""
    return [
        opened_by_new(),
        ("今天 9:30", (taken("3月6日（周五）09:30"), asks(Step.CHANNEL))),
        ("当面", asks(Step.INQUIRER_NAME)),
        ("王建国", asks(Step.INQUIRER_UNIT)),
        ("温县人大常委会", asks(Step.INQUIRER_POSITION)),
        ("副主任", says("intake.proposed.intro_plain")),
        (Press(OK), asks(Step.CASE_NAME)),
        ("张某诉李某案", asks(Step.CASE_NUMBER)),
        ("（2026）豫0825民初1234号", asks(Step.SUMMARY)),
        ("希望关照", asks(Step.ART9)),
        (Press(CLEAR), asks(Step.PLACE)),
        ("本院第三调解室", asks(Step.PERSONS_PRESENT)),
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    names=st.lists(
        st.sampled_from(("孙丽", "王芳", "周强", "张伟", *OUTSIDERS)), min_size=1, max_size=6
    ),
    separator=st.sampled_from(SEPARATORS),
)
async def test_every_court_staff_name_among_the_others_present_is_noticed(
    court: Court, db: Database, clock: FakeClock, names: list[str], separator: str
) -> None:
    """Any mix of court staff, the judge and outsiders, in any separator: the answer is kept
    as typed, and exactly the active court staff other than the judge are noticed, once each,
    in the order typed."""
    text = separator.join(names)
    async with db.transaction() as session:
        judge = await session.get(Staff, court.id("张伟"))
        assert judge is not None
        record = Record(handler_id=judge.id, fields={})
        message = IncomingMessage("console", "1", "1", clock.now())
        ctx = Context(session, message, judge, cast(Any, None), Services(clock=clock), clock.now())
        values = await BY_STEP[Step.PERSONS_PRESENT.value].parse(ctx, record, text)
    expected: list[int] = []
    for name in names:
        if name in ("孙丽", "王芳", "周强") and court.id(name) not in expected:
            expected.append(court.id(name))
    assert values["persons_present"] == text.strip()
    assert values["_staff_named"] == expected
    # Moved to the court staff present, they leave the answer; everyone else stays, in order.
    people = [
        court.bot.staff[name] for name in ("孙丽", "王芳", "周强") if court.id(name) in expected
    ]
    record = Record(persons_present=text, fields={STAFF_IN_PERSONS: list(expected)})
    fields = dict(record.fields)
    left = moved_out(record, fields, people).get("persons_present", text)
    moved = {person.name for person in people}
    kept = [name for name in names if name not in moved]
    if not kept:
        assert left == NONE_ANSWER and Step.PERSONS_PRESENT.value not in fields.get("skipped", [])
    else:
        assert left is not None
        assert [p for p in NAME_PARTS.split(left) if p] == kept, (text, left)


async def test_the_trial_s_staff_typed_among_the_others_are_moved_and_asked(
    court: Court, db: Database
) -> None:
    """孙丽、王芳、县人大办公室秘书小李 at the persons present: the next question offers to
    move 孙丽 and 王芳; pressed, they are asked to co-sign and the secretary stays."""
    move = t(ZH, "intake.move_staff", names="孙丽、王芳")
    script = [
        *up_to_persons_present(),
        (
            "孙丽、王芳、县人大办公室秘书小李",
            (says("intake.staff_in_persons", names="孙丽、王芳"), asks(Step.STAFF_PRESENT)),
        ),
        (
            Press(move),
            (
                says("intake.review"),
                "在场人员：县人大办公室秘书小李",
                "在场本院人员：孙丽（待确认）、王芳（待确认）",
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    await dialogue(court.chat("张伟"), script)
    for name in ("孙丽", "王芳"):
        asked = court.chat(name).inbox()[-1].text
        assert asked.startswith(t(ZH, "cosign.request", handler="张伟", card="")), asked


async def test_staff_not_in_the_bot_are_recorded_present_and_sign_on_paper(
    court: Court, db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    """A bailiff without an account: refused with an offer; pressed, recorded present, on
    the card and on the form to sign by hand; only 孙丽 is asked in the chat, and the
    step waits for his paper signature too."""
    offline = t(ZH, "intake.staff_offline_button")
    script = [
        *up_to_persons_present(),
        ("县人大办公室秘书小李", asks(Step.STAFF_PRESENT)),
        (
            "孙丽、赵法警",
            (
                says("intake.error.staff_offline_offer", names="赵法警"),
                asks(Step.STAFF_PRESENT),
            ),
        ),
        (
            Press(offline),
            (
                says("intake.review"),
                "在场本院人员：孙丽（待确认）、" + t(ZH, "card.staff_offline", name="赵法警"),
            ),
        ),
        (Press(SUBMIT), says("intake.submitted", number="温法过问〔2026〕1号")),
    ]
    await dialogue(court.chat("张伟"), script)
    async with db.transaction() as session:
        record = await records_repo.get(session, 1)
        assert record is not None
        assert [(c.who, c.offline) for c in record.cosigners] == [
            ("孙丽", False),
            ("赵法警", True),
        ]
        assert not record.cosigners_done
    assert court.chat("孙丽").inbox()  # only she is asked in the chat
    for language in Language:
        files = await form_files(
            db, 1, tmp_path / language.value, now=clock.now(), language=language
        )
        words = "".join(tr(language, "form.cosign_offline").split())
        for text in (pdf_text(files.pdf), docx_text(files.docx)):
            flat = "".join(text.split())
            assert flat.count("赵法警" + words) == 2, flat  # section 五 and the signatures
