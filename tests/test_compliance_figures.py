"""``/compliance``, ``/overdue`` and the quarterly report agree on every handler's figures.

Art. 10 makes not recording a disciplinary matter, and discipline reads it in three places: the
chat's ``/compliance`` (per handler, a quarter and overall), ``/overdue`` (each open record's
steps past deadline) and the report's 办理时效 sheet (Art. 7). A draft left unsubmitted past
its deadlines is an inquiry received and not registered in time: its registration, and every
later step whose deadline has passed, is 逾期未办 in all three; drafts and withdrawn drafts are
still counted apart. A draft withdrawn before a deadline owes that step nothing; one withdrawn
after it keeps the steps that fell due before the withdrawal as missed. An inquiry by the
court's own staff (Art. 14) is in none of them.

The property test draws handlers' records received across three quarters (submitted on time,
late or never, withdrawn early or late, steps met on time, late or never, Art. 5 opinions,
co-signers, Art. 14 inquiries) and a clock moved past their deadlines, then reads the three as
discipline gets them: ``/compliance`` for each quarter must show what that quarter's workbook
shows for each handler (its overall figures the sums over the quarters), and the steps
``/overdue`` lists, with the steps of drafts withdrawn late, must be the report's missed steps.
Profile ``GUOWEN_HYPOTHESIS_PROFILE``: ``fast`` by default, ``thorough`` for a longer search.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dialogue import RECORD_NUMBER, Court, Person
from fakes import add_person
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reminder_kit import BEIJING, bj
from test_reports_support import docx_text, intake, sheet_rows

from handlers.i18n import t
from reminders.clock import FakeClock
from reminders.deadlines import DeadlineRules
from reminders.quarters import Quarter
from reports.text import tr
from storage import records as records_repo
from storage.db import Database
from storage.models import Record, Staff
from storage.vocabulary import Language, Milestone, RecordKind, RecordStatus, Role, label

# The database and the court are shared by the examples of one test; each example has
# handlers of its own and reads only their figures.
_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("fast", max_examples=10, derandomize=True, **_COMMON)
settings.register_profile("thorough", max_examples=100, **_COMMON)
PROFILE = settings.get_profile(os.environ.get("GUOWEN_HYPOTHESIS_PROFILE", "fast"))

ZH = Language.ZH
START = bj("2026-09-20 09:00")  # a Sunday before National Day: deadlines jump the holiday
HOURS = (1, 20, 40, 70, 130, 300)  # after receipt or submission: in time, late, much later
DEPARTMENTS = ("民一庭", "刑事审判庭", "民一庭")
KINDS = (
    RecordKind.EXTERNAL,
    RecordKind.EXTERNAL,
    RecordKind.REFERENCE_OPINION,
    RecordKind.INTERNAL,
)
_examples = itertools.count(1)


def zh(key: str, **values: object) -> str:
    return t(ZH, key, **values)


@dataclass(frozen=True)
class Spec:
    """One record: its handler (0-2), when received (hours after ``START``), its kind, its fate
    (``submit``/``withdraw`` after so many hours, or ``draft``), when its steps are met (hours
    after submission, None: never) and whether a person present co-signs."""

    who: int
    received: int
    kind: RecordKind
    fate: tuple[str, int]
    platform: int | None
    deliver: int | None
    cosigner: bool
    confirm: int | None


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[int, list[Spec]]:
    """The hours from ``START`` to the moment discipline reads (up to four months, three
    quarters), and up to eight records received before it."""
    now = draw(st.integers(min_value=24, max_value=24 * 125))
    hours = st.sampled_from(HOURS)
    spec = st.builds(
        Spec,
        who=st.integers(0, 2),
        received=st.integers(0, now - 1),
        kind=st.sampled_from(KINDS),
        fate=st.one_of(
            st.tuples(st.just("submit"), hours),
            st.tuples(st.just("withdraw"), hours),
            st.tuples(st.just("draft"), st.just(0)),
        ),
        platform=st.none() | hours,
        deliver=st.none() | hours,
        cosigner=st.booleans(),
        confirm=st.none() | hours,
    )
    return now, draw(st.lists(spec, min_size=1, max_size=8))


def due(moment: datetime, now: datetime) -> bool:
    """Whether ``moment`` has come at ``now`` (what has not come does not happen)."""
    return moment <= now


async def make(
    db: Database,
    spec: Spec,
    handler: Staff,
    cosigner: Staff,
    now: datetime,
    start: datetime = START,
) -> int:
    """Record ``spec`` (its hours counted from ``start``) the way the intake and the buttons
    would, up to ``now``."""
    received = start + timedelta(hours=spec.received)
    async with db.transaction() as session:
        record = await records_repo.create_draft(
            session, handler=handler, received_at=received, at=received
        )
        values = intake(kind=spec.kind.value)
        await records_repo.set_fields(session, record, values, actor=handler, at=received)
        if spec.cosigner:
            await records_repo.set_cosigners(
                session, record, [cosigner], actor=handler, at=received
            )
        action, after = spec.fate
        at = received + timedelta(hours=after)
        if action == "withdraw" and due(at, now):
            await records_repo.withdraw(session, record, reason="误建", actor=handler, at=at)
        if action != "submit" or not due(at, now):
            return record.id
        await records_repo.submit(
            session, record, actor=handler, at=at, number_format=RECORD_NUMBER, tz=BEIJING
        )
        for milestone, hours in (
            (Milestone.PLATFORM_ENTERED, spec.platform),
            (Milestone.FORM_DELIVERED, spec.deliver),
        ):
            if hours is None or not due(at + timedelta(hours=hours), now):
                continue
            if (
                milestone is Milestone.PLATFORM_ENTERED
                and spec.kind is RecordKind.REFERENCE_OPINION
            ):
                continue  # Art. 5: not entered in the platform
            await records_repo.mark_milestone(
                session, record, milestone, actor=handler, at=at + timedelta(hours=hours)
            )
        if spec.confirm is not None and due(at + timedelta(hours=spec.confirm), now):
            for present in record.cosigners:
                await records_repo.respond(
                    session,
                    present,
                    confirmed=True,
                    reason=None,
                    actor=cosigner,
                    at=at + timedelta(hours=spec.confirm),
                )
        return record.id


@dataclass(frozen=True)
class Row:
    """A handler's figures: submitted records, steps late, steps missed, drafts, withdrawn."""

    records: int = 0
    late: int = 0
    missed: int = 0
    drafts: int = 0
    withdrawn: int = 0

    def __add__(self, other: Row) -> Row:
        return Row(*(a + b for a, b in zip(self.values(), other.values(), strict=True)))

    def values(self) -> tuple[int, int, int, int, int]:
        return (self.records, self.late, self.missed, self.drafts, self.withdrawn)


def handler_table(workbook: Path) -> dict[str, Row]:
    """The per-handler table of the workbook's 办理时效 sheet, by handler's name."""
    rows = sheet_rows(workbook, 2)
    first = tr(ZH, "timeliness.by_handler")
    start = next(n for n, row in enumerate(rows) if row and row[0] == first)
    head = list(rows[start])
    columns = [
        head.index(tr(ZH, f"timeliness.{key}"))
        for key in ("records", "late", "missed", "drafts", "withdrawn")
    ]
    table: dict[str, Row] = {}
    for row in rows[start + 1 :]:
        if not row or row[0] is None:
            break
        if row[0] == first:  # the header again, after a page break
            continue
        if len(row) > columns[0] and isinstance(row[columns[0]], int):
            table[str(row[0])] = Row(*(int(row[c]) for c in columns))
    return table


def files_of(person: Person) -> list[Path]:
    return [path for m in person.last for path in (m.photo, m.document) if path is not None]


async def report_rows(discipline: Person, quarter: Quarter) -> dict[str, Row]:
    """The per-handler figures of ``quarter``'s report, as ``/report`` sends it."""
    await discipline.say(f"/report {quarter.label}")
    (workbook,) = [path for path in files_of(discipline) if path.suffix == ".xlsx"]
    return handler_table(workbook)


def compliance_row(name: str, quarter: Quarter, q: Row, overall: Row) -> str:
    return zh(
        "milestones.compliance_row",
        name=name,
        period=zh("milestones.compliance_quarter", label=quarter.label),
        q_records=q.records,
        q_late=q.late,
        q_missed=q.missed,
        q_disputed=0,  # no co-signature disputed here: test_compliance_disputes plays them
        q_drafts=q.drafts,
        q_withdrawn=q.withdrawn,
        records=overall.records,
        late=overall.late,
        missed=overall.missed,
        disputed=0,
        drafts=overall.drafts,
        withdrawn=overall.withdrawn,
    )


OVERDUE_ROW = re.compile(r"^· (?P<title>.+?)　承办人 (?P<handler>\S+)　缺 (?P<missing>.+)$")
# Each deadline's steps, then that deadline in brackets: 录入平台、报送表格复印件（已逾期…）
OVERDUE_GROUP = re.compile(r"(?P<steps>[^（；]+)（[^）]*(?:（[^）]*）[^）]*)*）")
STEP_NAMES = {label(m, ZH): m for m in Milestone}
# The co-signature is listed with the co-signers who owe it: one step, whoever they are.
OWED_BY_COSIGNERS = re.compile(
    re.escape(zh("reminders.owed_by_cosigners", names="X")).replace("X", r"[^（；]+?")
)


OWED = "§"


async def overdue_steps(
    discipline: Person, titles: dict[str, Record]
) -> Counter[tuple[str, Quarter]]:
    """The steps ``/overdue`` lists for the records of ``titles`` that their handler owes, by
    (handler, quarter)."""
    reply = "\n".join(await discipline.say("/overdue"))  # pieces cut at line ends
    found: Counter[tuple[str, Quarter]] = Counter()
    for line in reply.split("\n")[1:]:
        match = OVERDUE_ROW.match(line)
        assert match is not None, line
        record = titles.get(match["title"])
        if record is None:
            continue  # another example's record
        steps = [
            step
            for group in OVERDUE_GROUP.finditer(OWED_BY_COSIGNERS.sub(OWED, match["missing"]))
            for step in group["steps"].split("、")
        ]
        assert all(step in STEP_NAMES or step == OWED for step in steps), line
        # A co-signature owed by the staff present is theirs, not the handler's (Art. 3).
        steps = [step for step in steps if step != OWED]
        found[(match["handler"], Quarter.of(record.received_at, BEIJING))] += len(steps)
    return found


@PROFILE
@given(scenario=scenarios())
async def test_compliance_overdue_and_the_report_agree_per_handler_and_quarter(
    court: Court, db: Database, clock: FakeClock, scenario: tuple[int, list[Spec]]
) -> None:
    hours, specs = scenario
    now = START + timedelta(hours=hours)
    n = next(_examples)
    clock.set(START - timedelta(days=1))
    handlers = [
        await add_person(db, clock, f"承办{n}{'甲乙丙'[i]}", [Role.HANDLER], department=d)
        for i, d in enumerate(DEPARTMENTS)
    ]
    cosigner = court.staff["孙丽"]
    ids = [await make(db, spec, handlers[spec.who], cosigner, now) for spec in specs]
    clock.set(now)
    rules: DeadlineRules = court.bot.app.services.rules
    async with db.transaction() as session:
        records = [await session.get(Record, record_id) for record_id in ids]
        for record in records:
            assert record is not None
            await session.refresh(record, ["cosigners"])
    mine = [record for record in records if record is not None]
    for record in mine:  # which cases the example holds (--hypothesis-show-statistics)
        registered = rules.for_record(record)[Milestone.REGISTERED]
        lapsed = registered <= (record.withdrawn_at or record.submitted_at or now)
        event(f"{record.kind} {record.status} {'late' if lapsed else 'in time'}")
    names = {handler.id: handler.name for handler in handlers}
    quarters = sorted({Quarter.of(record.received_at, BEIJING) for record in mine})
    discipline = court.chat("李刚")

    reported = {quarter: await report_rows(discipline, quarter) for quarter in quarters}
    overall = {
        name: sum((reported[q].get(name, Row()) for q in quarters), Row())
        for name in names.values()
    }
    for quarter in quarters:
        # A long reply comes in pieces cut at line ends: joined, they are the whole text.
        lines = "\n".join(await discipline.say(f"/compliance {quarter.label}")).split("\n")
        assert lines[0] == zh(
            "milestones.compliance_title",
            period=zh("milestones.compliance_quarter", label=quarter.label),
        )
        for name in names.values():
            listed = [line for line in lines if line.startswith(f"· {name}：")]
            if not any(name in reported[q] for q in quarters):
                assert listed == [], "a handler the reports do not list"
                continue
            q = reported[quarter].get(name, Row())
            assert listed == [compliance_row(name, quarter, q, overall[name])]

    # /overdue lists the open records' missed steps; with the steps a withdrawn draft had
    # let pass before its withdrawal, they are every missed step of the report.
    titles = {
        (record.number or zh("card.draft_title", id=record.id)): record
        for record in mine
        if record.status != RecordStatus.WITHDRAWN
    }
    listed = await overdue_steps(discipline, titles)
    for record in mine:
        if record.status == RecordStatus.WITHDRAWN and record.kind != RecordKind.INTERNAL:
            assert record.withdrawn_at is not None
            lapsed = [d for d in rules.for_record(record).values() if d <= record.withdrawn_at]
            key = (names[record.handler_id], Quarter.of(record.received_at, BEIJING))
            listed[key] += len(lapsed)
    for quarter in quarters:
        for name in names.values():
            missed = reported[quarter].get(name, Row()).missed
            assert listed[(name, quarter)] == missed, (name, quarter.label)


async def test_the_trial_s_lapsed_draft_is_missed_in_the_report_as_in_the_chat(
    court: Court, db: Database, clock: FakeClock
) -> None:
    """Finding 2 of the court user's trial: 周强 leaves a draft received on 2026-11-30
    unsubmitted, and a month later discipline reads /overdue, /compliance and the report."""
    zhou = court.staff["周强"]
    received = bj("2026-11-30 13:08")
    court_staff = court.staff
    lapsed = Spec(0, 0, RecordKind.EXTERNAL, ("draft", 0), None, None, False, None)
    await make(db, lapsed, zhou, court_staff["孙丽"], received, received)
    # 张伟 withdrew one within the hour, and one after all its deadlines had passed.
    for after in (1, 24 * 10):
        spec = Spec(0, 0, RecordKind.EXTERNAL, ("withdraw", after), None, None, False, None)
        later = received + timedelta(days=20)
        await make(db, spec, court_staff["张伟"], court_staff["孙丽"], later, received)
    clock.set(received + timedelta(days=33))
    discipline = court.chat("李刚")
    (overdue,) = await discipline.say("/overdue")
    [zhou_row] = [line for line in overdue.split("\n") if "承办人 周强" in line]
    groups = OVERDUE_GROUP.finditer(zhou_row.split("缺 ", 1)[1])
    owed = [name for group in groups for name in group["steps"].split("、")]
    assert owed == ["填表登记", "录入平台", "报送表格复印件"], zhou_row
    rows = await report_rows(discipline, Quarter(2026, 4))
    assert rows["周强"] == Row(records=0, late=0, missed=3, drafts=1, withdrawn=0)
    assert rows["张伟"] == Row(records=0, late=0, missed=3, drafts=0, withdrawn=2)
    (workbook,) = [p for p in files_of(discipline) if p.suffix == ".xlsx"]
    steps: dict[str, tuple[Any, ...]] = {}
    for row in sheet_rows(workbook, 2):  # the steps' table, then their shares: the first
        if row and row[0] in STEP_NAMES:
            steps.setdefault(row[0], row)
    # 填表登记: 周强's draft and 张伟's late withdrawal, none on time.
    assert steps["填表登记"][1:6] == (0, 0, 2, 0, 0)  # on time, late, missed, disputed, due
    (summary,) = [p for p in files_of(discipline) if p.suffix == ".docx"]
    text = docx_text(summary)
    assert tr(ZH, "analysis.lapsed", drafts=2, steps=6) in text
    assert tr(ZH, "summary.drafts_counted") in text
    (reply,) = await discipline.say("/compliance 2026Q4")
    assert compliance_row("周强", Quarter(2026, 4), rows["周强"], rows["周强"]) in reply
    assert compliance_row("张伟", Quarter(2026, 4), rows["张伟"], rows["张伟"]) in reply


async def test_the_trial_s_late_co_signature_is_the_co_signer_s_not_the_handler_s(
    court: Court, db: Database, clock: FakeClock
) -> None:
    """Trial 5, F8: 孙丽 handles a record and meets her own steps on time; 王芳, present at the
    inquiry, confirms a week after the co-signature's deadline. /compliance and the workbook
    count the late step against 王芳 (Art. 3), none against 孙丽."""
    late = Spec(0, 0, RecordKind.EXTERNAL, ("submit", 1), 1, 1, True, 24 * 9)
    now = START + timedelta(days=30)
    await make(db, late, court.staff["孙丽"], court.staff["王芳"], now)
    clock.set(now)
    discipline = court.chat("李刚")
    rows = await report_rows(discipline, Quarter(2026, 3))
    assert rows["孙丽"] == Row(records=1, late=0, missed=0)
    assert rows["王芳"] == Row(records=0, late=1, missed=0)
    (reply,) = await discipline.say("/compliance 2026Q3")
    quarter = Quarter(2026, 3)
    assert compliance_row("孙丽", quarter, rows["孙丽"], rows["孙丽"]) in reply
    cosigner = zh(
        "milestones.compliance_cosigner_row",
        name="王芳",
        period=zh("milestones.compliance_quarter", label=quarter.label),
        q_late=1,
        q_missed=0,
        q_disputed=0,
        late=1,
        missed=0,
        disputed=0,
    )
    assert cosigner in reply, reply
