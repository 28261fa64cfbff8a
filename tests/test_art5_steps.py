"""Which Art. 6 steps an Art. 5 reference opinion owes, said once and read alike by the
reminders, /overdue and the reports.

Art. 5 lets a commissioned reference opinion stay out of the platform (可以不录入…平台) and
sends its materials to the main file; nothing in it lifts Art. 6's form or the copy of it to
discipline inspection and trial management. DESIGN.md §2 says the same: the bot "records the
classification and skips the platform steps", the platform step only. So an opinion owes
registration and the form copy (and the co-signatures of staff present), never the platform
entry; an outside cadre's inquiry owes all of them. Over records of either kind, drafts and
submitted, with any steps met, at any moment: the steps the reminders chase (``unmet``), the
steps the report and /compliance count (``timeliness_lines``) and those /overdue lists (their
missed ones) are that one set.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from reminder_kit import BEIJING, rules

from reminders.planner import unmet
from reports.facts import State, timeliness_lines
from storage.models import Record, RecordCosigner
from storage.vocabulary import CosignStatus, Milestone, RecordKind, RecordStatus

START = datetime(2026, 1, 1, tzinfo=BEIJING)


def owed_by_design(kind: RecordKind, cosigned: bool) -> set[Milestone]:
    steps = {Milestone.REGISTERED, Milestone.FORM_DELIVERED}
    if kind is not RecordKind.REFERENCE_OPINION:
        steps.add(Milestone.PLATFORM_ENTERED)
    if cosigned:
        steps.add(Milestone.COSIGNED)
    return steps


@given(
    kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    received_hours=st.integers(0, 24 * 360),
    submitted_after=st.one_of(st.none(), st.integers(1, 24 * 6)),
    platform_after=st.one_of(st.none(), st.integers(1, 24 * 6)),
    delivered_after=st.one_of(st.none(), st.integers(1, 24 * 6)),
    cosigners=st.integers(0, 2),
    now_after=st.integers(0, 24 * 10),
)
def test_reminders_overdue_and_reports_owe_an_opinion_the_form_copy_not_the_platform(
    kind: RecordKind,
    received_hours: int,
    submitted_after: int | None,
    platform_after: int | None,
    delivered_after: int | None,
    cosigners: int,
    now_after: int,
) -> None:
    received = START + timedelta(hours=received_hours)

    def after(hours: int | None) -> datetime | None:
        return (
            None if hours is None or submitted_after is None else received + timedelta(hours=hours)
        )

    record = Record(
        status=(RecordStatus.SUBMITTED if submitted_after else RecordStatus.DRAFT).value,
        kind=kind.value,
        handler_id=1,
        received_at=received,
        submitted_at=after(submitted_after),
        platform_entered_at=after(platform_after) if kind is RecordKind.EXTERNAL else None,
        form_delivered_at=after(delivered_after),
        created_at=received,
        received_confirmed=True,  # a draft with its receipt time given owes its steps
        cosigners_done=False,
        fields={},
    )
    record.cosigners = [
        RecordCosigner(staff_id=10 + n, status=CosignStatus.PENDING.value) for n in range(cosigners)
    ]
    now = received + timedelta(hours=now_after)
    court = rules()
    design = owed_by_design(kind, bool(cosigners))

    assert set(court.for_record(record)) == design
    counted = timeliness_lines(record, court, now)
    assert {line.milestone for line in counted} == design  # the report and /compliance
    chased = unmet(record, court)  # the reminders
    assert set(chased) == {line.milestone for line in counted if line.met is None}
    missed = {line.milestone for line in counted if line.state is State.MISSED}  # /overdue
    assert missed <= set(chased)
    if kind is RecordKind.REFERENCE_OPINION:
        assert Milestone.PLATFORM_ENTERED not in set(chased) | missed
        assert (Milestone.FORM_DELIVERED in chased) == (record.form_delivered_at is None)
