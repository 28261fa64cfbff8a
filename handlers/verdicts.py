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

from collections.abc import Sequence
from typing import NamedTuple

from handlers import notify
from handlers.alerts import alert_sent, overseers
from handlers.engine import Context
from handlers.i18n import join
from reports.facts import State, timeliness_lines
from storage.models import Record
from storage.vocabulary import Milestone, label

VERDICT_CHANGED = "verdict_changed"
"""The ``alert`` of the ``ALERT_SENT`` audit event a changed verdict is kept as."""


class Change(NamedTuple):
    """One step whose verdict a correction changed: ``before`` and ``after`` (``State``)."""

    milestone: Milestone
    before: State
    after: State


def changes(ctx: Context, before: Record, after: Record) -> list[Change]:
    """The steps both ``before`` and ``after`` owe whose state differs at ``ctx.now``
    (``reports.facts.timeliness_lines``, the one rule of the figures): on time ↔ late, due
    ↔ missed. ``before`` and ``after`` are copies (``handlers.dependents.copy_of``), so the
    co-signature, which counts from the submission, is compared by neither."""
    rules, now = ctx.services.rules, ctx.now
    old = {line.milestone: line.state for line in timeliness_lines(before, rules, now)}
    found: list[Change] = []
    for line in timeliness_lines(after, rules, now):
        was = old.get(line.milestone)
        if was is not None and was != line.state:
            found.append(Change(line.milestone, was, line.state))
    return found


def describe(ctx: Context, found: Sequence[Change]) -> str:
    """The changes in words: ``填表登记：逾期办理 → 按期``, joined."""
    return join(
        ctx.language,
        (
            ctx.t(
                "amend.verdict_line",
                step=label(change.milestone, ctx.language),
                before=ctx.t(f"amend.state.{change.before.value}"),
                after=ctx.t(f"amend.state.{change.after.value}"),
            )
            for change in found
        ),
    )


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
        changes=[[c.milestone.value, c.before.value, c.after.value] for c in found],
        reason=why,
    )
