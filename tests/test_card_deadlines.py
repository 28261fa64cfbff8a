"""The card (``/record``, the review card) lists every deadline the record owes.

Its lines come from ``DeadlineRules.for_record``, the list the form prints and the reminders
chase: over records of every kind, with and without staff present (Art. 3's co-signature),
in any state of their steps, each milestone that list knows is on the card once, and every
step still owed (``reminders.planner.unmet``) is among them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from test_deadline_states import CHINA, context

from handlers import card
from reminders.deadlines import DeadlineRules
from reminders.planner import unmet
from storage.models import Record, RecordCosigner
from storage.vocabulary import (
    CosignStatus,
    Language,
    Milestone,
    RecordKind,
    RecordStatus,
    label_at_start,
)

RECEIVED = datetime(2026, 11, 29, 21, 0, tzinfo=CHINA)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)
maybe_done = st.one_of(st.none(), st.integers(0, 5).map(lambda d: RECEIVED + timedelta(days=d)))


@given(
    kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    status=st.sampled_from([RecordStatus.DRAFT, RecordStatus.SUBMITTED]),
    cosigners=st.lists(st.sampled_from(CosignStatus), max_size=3),
    entered=maybe_done,
    delivered=maybe_done,
    language=st.sampled_from(Language),
)
def test_the_card_lists_every_deadline_the_form_and_reminders_know(
    kind: RecordKind,
    status: RecordStatus,
    cosigners: list[CosignStatus],
    entered: datetime | None,
    delivered: datetime | None,
    language: Language,
) -> None:
    submitted = RECEIVED + timedelta(hours=13) if status is RecordStatus.SUBMITTED else None
    record = Record(
        kind=kind,
        status=status,
        received_at=RECEIVED,
        submitted_at=submitted,
        platform_entered_at=entered if submitted else None,
        form_delivered_at=delivered if submitted else None,
        cosigners=[RecordCosigner(status=s, staff_id=n) for n, s in enumerate(cosigners, 1)],
    )
    rules = DeadlineRules()
    ctx = context(language, NOW)
    lines = card.deadline_lines(ctx, record, rules)
    heads = {
        m: ctx.t("card.deadline", milestone=label_at_start(m, language), deadline="")
        for m in Milestone
    }
    shown = [m for line in lines for m, head in heads.items() if line.startswith(head)]
    known = rules.for_record(record)
    assert sorted(shown) == sorted(known)
    assert set(unmet(record, rules)) <= set(shown)
    assert (Milestone.COSIGNED in shown) == bool(cosigners)
    assert len(lines) == len(known)


moments = st.integers(0, 60 * 24 * 20).map(lambda m: RECEIVED + timedelta(minutes=m))


@given(
    received=moments,
    after=st.integers(0, 60 * 24 * 10),
    kind=st.sampled_from([RecordKind.EXTERNAL, RecordKind.REFERENCE_OPINION]),
    cosigners=st.integers(0, 2),
    language=st.sampled_from(Language),
)
def test_the_review_card_shows_the_deadlines_submitting_gives(
    received: datetime, after: int, kind: RecordKind, cosigners: int, language: Language
) -> None:
    """The review card (a draft) shows the deadlines the record has once submitted at the
    same clock time: the co-signature (Art. 3) counts from the submission, not the receipt."""
    now = received + timedelta(minutes=after)
    record = Record(
        kind=kind,
        status=RecordStatus.DRAFT,
        received_at=received,
        cosigners=[
            RecordCosigner(status=CosignStatus.PENDING, staff_id=n + 1) for n in range(cosigners)
        ],
    )
    rules = DeadlineRules()
    ctx = context(language, now)
    on_review = card.deadline_lines(ctx, record, rules)
    record.status, record.submitted_at = RecordStatus.SUBMITTED, now  # ``records.submit``
    submitted = rules.for_record(record)
    assert len(on_review) == len(submitted)
    for milestone, deadline in submitted.items():
        head = ctx.t("card.deadline", milestone=label_at_start(milestone, language), deadline="")
        [line] = [line for line in on_review if line.startswith(head)]
        assert card.deadline_text(ctx, deadline) in line, (milestone, line)
    if cosigners:
        assert submitted[Milestone.COSIGNED] == rules.after(now, rules.cosign_days)
