"""A correction that changes whether an Art. 6 step was done in time (Art. 10).

Art. 6's deadlines count from the receipt time; a correction of the receipt time, or of what
settles it (the inquiry's time and the channel, ``handlers.receipt``), or of the source (an
Art. 5 opinion owes no platform entry), may turn a step done late into one done on time or
the reverse. Such a correction is never silent: the judge is told before giving its reason
(``warning``), and once it is kept the department's integrity officers and the discipline
inspection office are told (``tell``) and the audit chain holds it (``VERDICT_CHANGED``),
the old values staying in the correction's history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from handlers import notify
from handlers.alerts import alert_sent, overseers
from handlers.engine import Context
from handlers.i18n import join
from reports.facts import MILESTONE_ORDER, State, timeliness_lines
from storage.models import Record
from storage.vocabulary import Milestone, label

VERDICT_CHANGED = "verdict_changed"
"""The ``alert`` of the ``ALERT_SENT`` audit event a changed verdict is kept as."""


NOT_OWED = "not_owed"
"""How a step the record does not owe is worded (``amend.state.not_owed``) and audited."""


class Change(NamedTuple):
    """One step whose verdict a correction changed: ``before`` and ``after`` (``State``;
    None where the record does not owe the step, as an Art. 5 opinion owes no platform entry
    and an inquiry with nobody of the court present no co-signature)."""

    milestone: Milestone
    before: State | None
    after: State | None


CosignVerdicts = tuple[State | None, State | None]
"""The co-signature's verdict (``State``, None when not owed) before and after a correction."""


def states(ctx: Context, record: Record) -> dict[Milestone, State]:
    """How each step ``record`` owes stands at ``ctx.now`` (``reports.facts.timeliness_lines``,
    the one rule of the figures, /overdue and /compliance); a step not owed is absent."""
    lines = timeliness_lines(record, ctx.services.rules, ctx.now)
    return {line.milestone: line.state for line in lines}


def compare(old: Mapping[Milestone, State], new: Mapping[Milestone, State]) -> list[Change]:
    """Each step, in the steps' order, whose verdict differs between ``old`` and ``new``
    (``states``): on time ↔ late, due ↔ missed, and owed ↔ not owed (a missed step that a
    correction makes not owed is a breach unsaid, and the reverse a breach newly counted)."""
    return [
        Change(step, old.get(step), new.get(step))
        for step in MILESTONE_ORDER
        if old.get(step) != new.get(step)
    ]


def changes(
    ctx: Context, before: Record, after: Record, *, cosigned: CosignVerdicts | None = None
) -> list[Change]:
    """The steps whose verdict differs between ``before`` and ``after`` at ``ctx.now``
    (``compare``). ``before`` and ``after`` are copies (``handlers.dependents.copy_of``),
    which hold no co-signers: the co-signature is compared as ``cosigned`` gives it (the
    stored record's co-signature before and after the correction), else not at all."""
    old, new = states(ctx, before), states(ctx, after)
    old.pop(Milestone.COSIGNED, None)
    new.pop(Milestone.COSIGNED, None)
    if cosigned is not None:
        for verdicts, state in zip((old, new), cosigned, strict=True):
            if state is not None:
                verdicts[Milestone.COSIGNED] = state
    return compare(old, new)


def cosigned_after(ctx: Context, record: Record, present: bool) -> CosignVerdicts:
    """The co-signature of the stored ``record`` as it stands and as a correction leaves it
    when someone of the court is ``present`` afterwards (asked again, so counted from the
    submission as a first request is: ``DeadlineRules.for_record``) or nobody is (not owed).
    A correction that keeps someone present leaves the step as it is: only owed ↔ not owed
    is a change of this step (the answers asked again are the co-signers' own round)."""
    was = states(ctx, record).get(Milestone.COSIGNED)
    if not present:
        return was, None
    if was is not None:
        return was, was
    rules = ctx.services.rules
    deadline = rules.after(record.submitted_at or record.received_at, rules.cosign_days)
    return None, State.MISSED if deadline <= ctx.now else State.PENDING


def describe(ctx: Context, found: Sequence[Change]) -> str:
    """The changes in words: ``填表登记：逾期办理 → 按期``, joined."""
    return join(
        ctx.language,
        (
            ctx.t(
                "amend.verdict_line",
                step=label(change.milestone, ctx.language),
                before=ctx.t(f"amend.state.{_word(change.before)}"),
                after=ctx.t(f"amend.state.{_word(change.after)}"),
            )
            for change in found
        ),
    )


def _word(state: State | None) -> str:
    return NOT_OWED if state is None else state.value


def warning(ctx: Context, found: Sequence[Change]) -> str | None:
    """What the judge is told before giving the reason; None when no verdict changes."""
    if not found:
        return None
    return ctx.t("amend.verdict_warning", changes=describe(ctx, found))


async def tell(
    ctx: Context, record: Record, found: Sequence[Change], *, title: str, field: str, why: str
) -> None:
    """Tell the overseers that the correction of ``field`` (with the reason ``why``) changed
    the verdicts ``found`` of ``record`` (``title``), and keep it in the audit chain."""
    if not found:
        return
    people = await overseers(ctx, record)
    for person in people:
        ctx.speaking = notify.language_of(ctx, person)
        try:
            values = {
                "handler": ctx.staff.name,
                "title": title,
                "field": ctx.t(field),
                "reason": why,
                "changes": describe(ctx, found),
            }
        finally:
            ctx.speaking = None
        await notify.tell(ctx, [person], "amend.verdict_notice", values)
    await alert_sent(
        ctx,
        record,
        VERDICT_CHANGED,
        people,
        changes=[[c.milestone.value, _word(c.before), _word(c.after)] for c in found],
        reason=why,
    )
