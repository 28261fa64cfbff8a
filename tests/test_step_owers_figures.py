"""Art. 10 figures count each step against the person who owes it (``reminders.owers``).

The handler (承办人) owes 登记, 录入平台 and 报送; each staff member present at an in-person
inquiry owes their own 签字确认 (Art. 3), whether in the bot or signing the printed form by
hand. So a co-signer who answers late, never, or with a dispute shows so under their own name
and in their own department, and the handler's figures are the handler's steps alone; a
person present who is not in the bot is named by the name typed for them, in the record's
department (the one whose inquiry they attended). The per-milestone totals still count each
record's step once, as its form shows it. A draft's co-signers were never asked: the handler
owes every step of a draft.

The property test draws, for a record handled by 孙丽 of 民一庭, whether she met her own
steps on time, late or never, and for each of 王芳 (民一庭), 周强 (刑事审判庭) and the clerk
马小红 (not in the bot) whether they were present and answered on time, late, never or with a
dispute, then checks every person's and department's tallies (``timeliness_of``, what
``/compliance`` and the workbook read).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reminders.calendar import ChinaCalendar
from reminders.deadlines import DeadlineRules
from reminders.owers import owed_by
from reports.figures import Tally, timeliness_of
from storage.models import Record, RecordCosigner
from storage.vocabulary import CosignStatus, Milestone, RecordKind, RecordStatus

BEIJING = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 3, 11, 10, 0, tzinfo=BEIJING)  # a Wednesday
NOW = RECEIVED + timedelta(days=40)  # every deadline has passed
RULES = DeadlineRules(calendar=ChinaCalendar({}, BEIJING))

HANDLER, WANG, ZHOU = 1, 2, 3  # 孙丽, 王芳, 周强
PAPER = "马小红"
CIVIL, CRIMINAL = 10, 20
HOMES = {HANDLER: CIVIL, WANG: CIVIL, ZHOU: CRIMINAL}
CO_SIGNERS: tuple[int | str, ...] = (WANG, ZHOU, PAPER)
OWN_STEPS = (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED)

WHEN = st.sampled_from(("on_time", "late", "never"))
ANSWER = st.sampled_from(("on_time", "late", "never", "dispute"))


def at(when: str, deadline: datetime) -> datetime | None:
    return {
        "on_time": deadline - timedelta(hours=5),
        "late": deadline + timedelta(days=2),
        "never": None,
    }.get(when)


def build(steps: dict[Milestone, str], answers: dict[int | str, str], submitted: bool) -> Record:
    """A record of 孙丽's with the staff present of ``answers``, as the bot keeps it."""
    record = Record(
        id=1,
        status=(RecordStatus.SUBMITTED if submitted else RecordStatus.DRAFT).value,
        kind=RecordKind.EXTERNAL.value,
        handler_id=HANDLER,
        department_id=CIVIL,
        received_at=RECEIVED,
        received_confirmed=True,
        submitted_at=RECEIVED + timedelta(hours=1) if submitted else None,
        fields={},
    )
    record.cosigners = [
        RecordCosigner(
            staff_id=who if isinstance(who, int) else None,
            name=who if isinstance(who, str) else None,
            status=CosignStatus.PENDING.value,
        )
        for who in answers
    ]
    deadlines = RULES.for_record(record)
    if submitted:
        record.platform_entered_at = at(
            steps[Milestone.PLATFORM_ENTERED], deadlines[Milestone.PLATFORM_ENTERED]
        )
        record.form_delivered_at = at(
            steps[Milestone.FORM_DELIVERED], deadlines[Milestone.FORM_DELIVERED]
        )
        for row, answer in zip(record.cosigners, answers.values(), strict=True):
            if answer == "dispute":
                row.status = CosignStatus.DISPUTED.value
                row.responded_at = deadlines[Milestone.COSIGNED] - timedelta(hours=1)
                continue
            moment = at(answer, deadlines[Milestone.COSIGNED])
            if moment is not None:
                row.status = CosignStatus.CONFIRMED.value
                row.responded_at = moment
        record.cosigners_done = all(c.status == CosignStatus.CONFIRMED for c in record.cosigners)
    return record


def expected(answer: str) -> Tally:
    """One step's tally for its state: on time, late, missed or disputed."""
    tally = Tally()
    if answer == "on_time":
        tally.on_time = 1
    elif answer == "late":
        tally.late = 1
    elif answer == "never":
        tally.missed = 1
    else:
        tally.disputed = 1
    return tally


@given(
    steps=st.fixed_dictionaries({m: WHEN for m in OWN_STEPS}),
    present=st.dictionaries(st.sampled_from(CO_SIGNERS), ANSWER, max_size=3),
    submitted=st.booleans(),
)
def test_each_person_and_department_counts_the_steps_they_owe(
    steps: dict[Milestone, str], present: dict[int | str, str], submitted: bool
) -> None:
    record = build(steps, present, submitted)
    figures = timeliness_of([record], RULES, NOW, HOMES)

    # The handler: registered on time, the own steps as drawn; never a co-signature, unless
    # the record is a draft (nobody was asked to sign it) or nobody was present.
    handler = figures.handler_milestones[HANDLER]
    if submitted:
        assert handler[Milestone.REGISTERED] == expected("on_time")
        for milestone in OWN_STEPS:
            assert handler[milestone] == expected(steps[milestone]), milestone
        assert handler[Milestone.COSIGNED] == Tally()
        late = sum(when == "late" for when in steps.values())
        missed = sum(when == "never" for when in steps.values())
    else:
        owed = len(RULES.for_record(record))
        assert handler[Milestone.COSIGNED] == (expected("never") if present else Tally())
        late, missed = 0, owed
    assert (figures.handler(HANDLER).late, figures.handler(HANDLER).missed) == (late, missed)

    # Each co-signer: their own answer, under their own name (the clerk by her name).
    for who in CO_SIGNERS:
        counted = who in figures.handlers
        assert counted == (submitted and who in present), who
        if not counted:
            continue
        assert figures.handler_milestones[who][Milestone.COSIGNED] == expected(present[who])
        assert not figures.handles(who)
        assert sum(t.due for t in figures.handler_milestones[who].values()) == 1
        home = HOMES.get(who, CIVIL) if isinstance(who, int) else CIVIL
        assert figures.handler_department[who] == home

    # The departments: 民一庭 the handler's steps, 王芳's and the clerk's signatures; 刑事审判庭
    # 周强's signature only.
    if submitted:
        signatures = {CIVIL: Tally(), CRIMINAL: Tally()}
        for who, answer in present.items():
            home = HOMES.get(who, CIVIL) if isinstance(who, int) else CIVIL
            tally = signatures[home]
            one = expected(answer)
            tally.on_time += one.on_time
            tally.late += one.late
            tally.missed += one.missed
            tally.disputed += one.disputed
        for home, tally in signatures.items():
            got = figures.department_milestones.get(home)
            assert (got[Milestone.COSIGNED] if got else Tally()) == tally, home
        assert ZHOU not in present or CRIMINAL in figures.department_milestones
        if CRIMINAL in figures.department_milestones:
            criminal = figures.department_milestones[CRIMINAL]
            assert all(criminal[m].due == 0 for m in (Milestone.REGISTERED, *OWN_STEPS))

    # The totals count the record's step once, as its form shows it.
    if Milestone.COSIGNED in RULES.for_record(record):
        assert figures.milestones[Milestone.COSIGNED].due == 1


def test_a_paper_signer_owes_the_signature_by_name_and_the_handler_the_rest() -> None:
    record = build(
        dict.fromkeys(OWN_STEPS, "on_time"), {PAPER: "never", WANG: "late"}, submitted=True
    )
    owers = {m: [o.key for o in owed_by(record, m)] for m in Milestone}
    assert owers[Milestone.COSIGNED] == [PAPER, WANG]
    for milestone in (Milestone.REGISTERED, *OWN_STEPS):
        assert owers[milestone] == [HANDLER]
