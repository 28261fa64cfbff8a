"""Art. 6: a corrected record reaches everyone who holds its form copy.

Once the form copy went to discipline inspection and trial management, every correction
that changes the record sends them (and the handler, for the sub-file) the corrected form,
marked as superseding the copy before; a correction to the value the record holds is
refused and sends nothing, and /deliver then only says when the last copy went. The
record's history lists every copy.
"""

from __future__ import annotations

import itertools
from typing import Any

from dialogue import AMEND, Court, Press, phone_record, says
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reminders.clock import FakeClock
from storage import records as records_repo
from storage.db import Database
from storage.models import Staff

_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    # The examples share one court and database: a shrunk example would meet the records
    # of those before it, so a failure is reported as found.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate],
}
FAST = settings(max_examples=10, derandomize=True, **_COMMON)

FIELDS = {"inquirer_position": "局长", "summary": "要求对原告从轻处理"}
"""Fields a correction changes here, with the value the record starts with."""
HOLDERS = ("李刚", "刘洋")
NOW = "2026-03-06 10:00"  # the clock's time, in the court's zone


def copies(version: int) -> str:
    """The answer's lines for copy ``version`` just planned: each holder's copy going by
    chat, not received yet, the one before in their hands; then the handler's own."""
    held = says("views.copy_held", version=version - 1, how=says("views.held_sent"), at=NOW)
    return "\n".join(
        [
            says(
                "views.copy_pending_corrected", where="纪检监察部门", name="李刚", at=NOW, held=held
            ),
            says(
                "views.copy_pending_corrected",
                where="审判管理办公室",
                name="刘洋",
                at=NOW,
                held=held,
            ),
            says("milestones.delivered_to", where=says("milestones.own_copy"), names="张伟"),
        ]
    )


Op = tuple[str, str, str]
"""``("correct", field, value)`` or ``("deliver", "", "")``."""


def ops() -> st.SearchStrategy[list[Op]]:
    correct = st.tuples(
        st.just("correct"),
        st.sampled_from(sorted(FIELDS)),
        st.sampled_from(["副局长", "局长", "要求对原告从轻处理", "请关照"]),
    )
    deliver = st.just(("deliver", "", ""))
    return st.lists(st.one_of(correct, deliver), min_size=1, max_size=6)


_examples = itertools.count(1)


def heading(key: str, number: str) -> str:
    return says(key, handler="张伟", department="民一庭", number=number, card="", previous="")


@FAST
@given(steps=ops())
async def test_every_holder_gets_each_corrected_form_and_the_history_lists_them(
    court: Court, db: Database, steps: list[Op]
) -> None:
    n = next(_examples)
    number = f"温法过问〔2026〕{n}号"
    judge = court.chat("张伟")
    for action, _ in phone_record(number=number, draft=n, inquirer=f"王{n}号"):
        await judge.act(action)
    values = dict(FIELDS)
    delivered = 0  # copies sent so far
    for step, (kind, name, value) in enumerate(steps):
        if kind == "deliver":
            replies = [m.text for m in await judge.act(f"/deliver {number}")]
            if delivered:  # every correction was sent already: nothing is outdated
                assert replies == [says("milestones.deliver_already", title=number, at=NOW)]
            else:
                delivered = 1
            continue
        await judge.act(f"/record {number}")
        await judge.act(Press(AMEND))
        await judge.act(Press(says(f"card.{name}")))
        replies = [m.text for m in await judge.act(value)]
        if values[name] == value:  # no correction: refused at the value, nothing is sent
            assert replies[0].startswith(says("amend.unchanged")), replies
            await judge.act("/cancel")
            continue
        replies = [m.text for m in await judge.act(f"原因{step}")]
        assert replies[0] == says("amend.done", title=number)
        if delivered:
            delivered += 1
            assert replies[1] == says(
                "milestones.redelivered", title=number, previous=NOW, copies=copies(delivered)
            )
        else:
            assert replies[1:] == []
        values[name] = value

    first = heading("reminders.form_copy", number).rstrip()
    again = says(
        "reminders.form_copy_corrected",
        handler="张伟",
        department="民一庭",
        number=number,
        card="",
        previous="X",
    ).split("X")[0]
    for name in HOLDERS:
        got = [
            m.text
            for m in court.chat(name).inbox()
            if number in m.text and m.text.startswith("【过问记录表格复印件")
        ]
        assert len(got) == delivered, name
        if delivered:
            assert got[0].startswith(first)
            assert all(text.startswith(again) for text in got[1:]), name
            assert f"职务：{values['inquirer_position']}\n" in got[-1]
            assert f"过问内容：{values['summary']}\n" in got[-1]
        # Each paper copy says on its first page which copy it is and what it replaces.
        pdfs = [
            m.document
            for m in court.chat(name).inbox()
            if m.document is not None and m.document.suffix == ".pdf" and number in str(m.document)
        ]
        assert len(pdfs) == delivered, name
        for version, pdf in enumerate(pdfs, 1):
            first_page = "".join(PdfReader(str(pdf)).pages[0].extract_text().split())
            if version == 1:
                assert "取代" not in first_page
            else:
                assert f"第{version}份（更正后），取代" in first_page, first_page[:200]
    own = [
        m.text
        for m in judge.inbox()
        if number in m.text and m.text.startswith("【过问记录表格复印件·承办人留存")
    ]
    assert len(own) == delivered

    [card] = [m.text for m in await judge.act(f"/record {number}")]
    history = [line for line in card.splitlines() if line.startswith("发出（")]
    assert len(history) == delivered
    assert all("更正后" in line for line in history[1:])


async def test_deliver_sends_the_corrected_form_when_a_correction_was_not_sent(
    court: Court, db: Database, clock: FakeClock
) -> None:
    """A correction stored without sending (before corrected copies were sent by themselves,
    or by any other path): the next /deliver sends the corrected form, not a refusal."""
    judge = court.chat("张伟")
    number = "温法过问〔2026〕1号"
    for action, _ in phone_record():
        await judge.act(action)
    await judge.act(f"/deliver {number}")
    async with db.transaction() as session:
        record = await records_repo.get(session, 1)
        assert record is not None
        person = await session.get(Staff, court.id("张伟"))
        assert person is not None
        await records_repo.amend(
            session,
            record,
            "inquirer_position",
            "副局长",
            reason="记错",
            actor=person,
            at=clock.now(),
        )
    replies = [m.text for m in await judge.act(f"/deliver {number}")]
    assert replies[0] == says(
        "milestones.redelivered", title=number, previous=NOW, copies=copies(2)
    )
    again = says(
        "reminders.form_copy_corrected",
        handler="张伟",
        department="民一庭",
        number=number,
        card="",
        previous=NOW,
    ).rstrip()
    for name in HOLDERS:
        [copy] = [m.text for m in court.chat(name).inbox() if m.text.startswith(again)]
        assert "职务：副局长\n" in copy
    assert [m.text for m in await judge.act(f"/deliver {number}")] == [
        says("milestones.deliver_already", title=number, at=NOW)
    ]
