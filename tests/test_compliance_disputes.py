"""A co-signature disputed by a staff member present (Art. 3) stands as 有异议 alike in
/compliance, /overdue and the report's 办理时效 figures (trial 11, F3): never on time, never
hidden as "late 0, missed 0", counted against the one who disputed, whether the dispute came
before the deadline or after it, and looked at before the deadline or after it.

Every combination of the two co-signers' answers (confirm, dispute, nothing) and of when they
answer and are looked at (before the deadline, after it) is played through the real app.
"""

from __future__ import annotations

import itertools
import re

import pytest
from dialogue import Court, Person, Tap
from reminder_kit import bj, new_record
from test_compliance_figures import files_of
from test_reports_support import sheet_rows

from handlers.i18n import t
from reminders.clock import FakeClock
from storage.db import Database
from storage.vocabulary import Language, Milestone, label

ZH = Language.ZH
NUMBER = "温法过问〔2026〕1号"
COSIGNERS = ("孙丽", "王芳")
COSIGNED = label(Milestone.COSIGNED, ZH)
ANSWERS = ("ok", "no", None)
OFFICER = "钱进"  # 民一庭's integrity officer
WHY = "我当时不在场"
DISPUTED = re.compile(r"有异议 (\d+)")


def zh(key: str, **values: object) -> str:
    return t(ZH, key, **values)


async def compliance_disputed(discipline: Person) -> dict[str, list[int]]:
    """Each person's 有异议 figures on /compliance (the quarter's, then overall), by name."""
    reply = "\n".join(await discipline.say("/compliance 2026Q1"))
    rows: dict[str, list[int]] = {}
    for line in reply.split("\n"):
        if line.startswith("· "):
            name = re.split(r"[：（]", line[2:], maxsplit=1)[0]
            rows[name] = [int(n) for n in DISPUTED.findall(line)]
    return rows


async def report_disputed(discipline: Person) -> int:
    """The 有异议 figure of 签字确认 in the report's 办理时效 table, as /report sends it."""
    await discipline.say("/report 2026Q1")
    (workbook,) = [path for path in files_of(discipline) if path.suffix == ".xlsx"]
    for row in sheet_rows(workbook, 2):
        if row and row[0] == COSIGNED:
            return int(row[4])  # on time, late, missed, disputed, due
    raise AssertionError(f"no {COSIGNED} row in the 办理时效 table")


@pytest.mark.parametrize(
    ("answers", "after"),
    [(a, after) for a in itertools.product(ANSWERS, repeat=2) for after in (False, True)],
)
async def test_a_disputed_co_signature_reads_alike_in_compliance_overdue_and_the_report(
    court: Court,
    db: Database,
    clock: FakeClock,
    answers: tuple[str | None, str | None],
    after: bool,
) -> None:
    clock.set(bj("2026-03-11 10:00"))  # Wednesday: the co-signature is due 3月13日 24:00
    record_id = await new_record(
        db,
        clock,
        court.id("张伟"),
        received=clock.now(),
        cosigners=[court.id(name) for name in COSIGNERS],
    )
    clock.set(bj("2026-03-17 10:00") if after else bj("2026-03-12 10:00"))
    for name, answer in zip(COSIGNERS, answers, strict=True):
        if answer is not None:
            await court.chat(name).act(Tap(f"cs:{record_id}:{answer}"))
            if answer == "no":
                await court.chat(name).say(WHY)
    disputers = [n for n, a in zip(COSIGNERS, answers, strict=True) if a == "no"]
    # The department's integrity officer, who follows its records' lapses (Art. 10), hears of
    # each dispute as discipline does; the one who disputed is told so.
    officer = [m.text for m in court.chat(OFFICER).inbox()]
    for name in COSIGNERS:
        told = zh("cosign.discipline_disputed", name=name, handler="张伟", title=NUMBER, reason=WHY)
        assert (told in officer) == (name in disputers), (name, officer)
        if name in disputers:
            said = [m.text for m in court.chat(name).inbox()]
            also = zh("cosign.disputed_officers", names=OFFICER)
            assert any(text.endswith(also) for text in said), said
    discipline = court.chat("李刚")

    rows = await compliance_disputed(discipline)
    for name in COSIGNERS:
        mine = int(name in disputers)
        assert rows.get(name, [0, 0]) == [mine, mine], (name, rows)
    assert sum(rows[name][0] for name in rows) == len(disputers), rows

    overdue = "\n".join(await discipline.say("/overdue"))
    listed = zh("milestones.disputed_title", count=1) in overdue
    assert listed == bool(disputers), overdue
    for name in COSIGNERS:
        item = zh("milestones.disputed_item", name=name, reason=WHY)
        assert (item in overdue) == (name in disputers), overdue

    # The report counts the record's step once: disputed when anyone disputes it.
    assert await report_disputed(discipline) == int(bool(disputers))
