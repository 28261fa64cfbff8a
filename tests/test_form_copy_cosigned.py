"""Art. 3 and 6: a form copy delivered while co-signatures are awaited shows them 待确认; when
the last co-signer answers (confirms or disputes), everyone who holds a copy gets the form
with the answers, marked as sent after the answers, whatever came before: /deliver, the other
answers, corrections in any order.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from dialogue import AMEND, Court, Press, Tap, says
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from reminder_kit import new_record

from reminders.clock import FakeClock
from storage import records as records_repo
from storage.db import Database
from storage.vocabulary import CosignStatus, Language, label

ZH = Language.ZH
COSIGNERS = ("孙丽", "王芳")
HOLDERS = ("李刚", "刘洋")
PENDING = label(CosignStatus.PENDING, ZH)
_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database, each with a record of its own.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}

Op = tuple[str, str]
"""``("deliver", "")``, ``("ok" | "no", co-signer)`` or ``("correct", case name)``."""


def orders() -> st.SearchStrategy[list[Op]]:
    """/deliver, the co-signers' answers and corrections in any order and number (a
    correction asks every co-signer again, Art. 3; an answer given already is refused)."""
    answer = st.tuples(st.sampled_from(["ok", "no"]), st.sampled_from(COSIGNERS))
    correct = st.tuples(st.just("correct"), st.sampled_from(["甲诉乙案", "丙诉丁案"]))
    deliver = st.just(("deliver", ""))
    return st.lists(st.one_of(answer, answer, correct, deliver), min_size=1, max_size=8)


_examples = itertools.count(1)
RESEND_REASONS = ("corrected", "supplemented", "cosigned")


def copy_headings(card: str) -> list[str]:
    """The form copies /record lists in ``card``, oldest first, each as the heading it has:
    ``first``, or why it was sent again (one of ``RESEND_REASONS``)."""
    patterns = {
        reason: re.compile(
            "[^（）]+".join(
                re.escape(part)
                for part in says(
                    "views.form_copy" if reason == "first" else f"views.form_copy_{reason}",
                    at="\0",
                    version="\0",
                    previous="\0",
                ).split("\0")
            )
        )
        for reason in ("first", *RESEND_REASONS)
    }
    return [
        reason
        for line in card.splitlines()
        for reason, pattern in patterns.items()
        if pattern.fullmatch(line.strip())
    ]


def copies(court: Court, name: str, number: str) -> list[str]:
    return [
        m.text
        for m in court.chat(name).inbox()
        if number in m.text and m.text.startswith("【过问记录表格复印件")
    ]


@settings(max_examples=12, derandomize=True, **_COMMON)
@given(steps=orders())
@example(
    steps=[("deliver", ""), ("ok", "孙丽"), ("correct", "丙诉丁案"), ("ok", "孙丽"), ("no", "王芳")]
)
async def test_the_holders_get_the_form_once_every_co_signer_answered(
    court: Court, db: Database, clock: FakeClock, steps: list[Op]
) -> None:
    next(_examples)
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id(name) for name in COSIGNERS],
    )
    async with db.transaction() as session:
        record = await records_repo.get(session, record_id)
        assert record is not None and record.number is not None
        number, case_name = record.number, str(record.fields.get("case_name"))
        record.fields = {**record.fields, "staff_present_answered": True}  # the card lists them
    judge = court.chat("张伟")
    before = {name: len(copies(court, name, number)) for name in (*HOLDERS, "张伟")}
    delivered = False
    pending = set(COSIGNERS)
    sent = 0  # copies each holder should hold
    rounds = 0  # co-signature rounds completed while a copy was held
    resent: list[str] = []  # why each copy after the first went, in order
    for kind, value in steps:
        if kind == "deliver":
            await judge.act(f"/deliver {number}")
            sent += 0 if delivered else 1
            delivered = True
        elif kind == "correct":
            await judge.act(f"/record {number}")
            await judge.act(Press(AMEND))
            await judge.act(Press(says("card.case_name")))
            await judge.act(value)
            if value == case_name:  # refused as unchanged: nothing is sent
                await judge.act("/cancel")
                continue
            await judge.act("记错了")
            case_name = value
            pending = set(COSIGNERS)  # asked again
            sent += 1 if delivered else 0
            resent += ["corrected"] if delivered else []
        else:
            person = court.chat(value)
            await person.act(Tap(f"cs:{record_id}:{kind}"))
            if value not in pending:  # answered already: refused, nothing follows
                continue
            if kind == "no":
                await person.act("当时所说与记录不符")
            pending.discard(value)
            if not pending and delivered:  # the completed form to every holder
                sent += 1
                rounds += 1
                resent.append("cosigned")
                told = [m.text for m in judge.inbox()][-8:]
                first = says(
                    "milestones.redelivered_cosigned", title=number, previous="X", copies=""
                )
                assert any(t.startswith(first.split("X")[0]) for t in told), told
    completed = says(
        "reminders.form_copy_cosigned",
        handler="张伟",
        department="民一庭",
        number=number,
        card="",
        previous="X",
    ).split("X")[0]
    for name in HOLDERS:
        got = copies(court, name, number)[before[name] :]
        assert len(got) == sent, (name, steps)
        waiting = [f"{person}（{PENDING}）" in got[-1] for person in COSIGNERS] if got else []
        if got and not pending:
            assert not any(waiting), (name, steps)  # the last copy shows every answer
        if got and pending:
            assert any(waiting), (name, steps)
        # A completed-co-signatures copy for each round answered while a copy was held.
        assert len([text for text in got if text.startswith(completed)]) == rounds, name
    own = copies(court, "张伟", number)[before["张伟"] :]
    assert len(own) == sent
    # /record names each copy for why it went: never a co-signed one "corrected".
    [card] = [m.text for m in await judge.act(f"/record {number}")]
    assert copy_headings(card) == (["first", *resent] if delivered else []), (card, steps)
