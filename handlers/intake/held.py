"""A draft's answer held for its reason: the receipt time it moves counted a breach already told.

``handlers.told`` decides (one place, every path: a question, the proposals card, an edit
from the review card, a channel the receipt time follows, an edited message). Here the held
answer is kept as a correction after submission is (``handlers.amend``): the steps whose
verdict it changes are said first (``handlers.verdicts.changes``), its reason is asked, each
column it changes is kept with the old value (``storage.records.amend_draft``), and those
told of a breach hear of each changed verdict (``handlers.verdicts.tell``, audited). /back
drops the answer and asks its question again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers import card, moved, verdicts
from handlers.dependents import copy_of
from handlers.engine import Context, Handler, UserError
from handlers.fields import BY_STEP, Field, when
from handlers.intake.ask import _apply, advance, ask
from handlers.intake.common import current_draft, no_draft
from handlers.state import Next, StepName
from handlers.told import Held, after, decode, encode
from storage.models import Record

HELD = "held"
"""Dialogue-state key: the held answer (its step, its values as ``told.encode`` keeps them,
and the draft's ``Record.fields`` as it leaves them)."""
HELD_REASON = StepName.INTAKE_HELD_REASON


async def _held(ctx: Context) -> tuple[Record, Field, dict[str, Any], dict[str, Any]]:
    """The draft, the field held, its values and the fields it leaves; stale without one."""
    record = await current_draft(ctx)
    kept = (await ctx.state()).data.get(HELD)
    field = BY_STEP.get(str(kept.get("step"))) if isinstance(kept, dict) else None
    if record is None or field is None or not isinstance(kept, dict):
        raise UserError("error.stale_button")
    return record, field, decode(kept.get("values") or {}), dict(kept.get("fields") or {})


def _prompt(ctx: Context, record: Record, field: Field, shadow: Record) -> str:
    name = ctx.t(f"card.{field.step.value}")
    if shadow.department_id != record.department_id:  # whose officer oversees it changes
        return ctx.t("intake.reason_held.ask_reason_department", field=name)
    if shadow.received_at == record.received_at:  # held for the verdicts it changes alone
        return ctx.t("intake.reason_held.ask_reason_verdict", field=name)
    return ctx.t(
        "intake.reason_held.ask_reason",
        field=ctx.t(f"card.{field.step.value}"),
        before=when(ctx, record.received_at),
        after=when(ctx, shadow.received_at),
    )


async def hold(ctx: Context, held: Held) -> StepName:
    """Keep ``held`` in the dialogue state, say the verdicts it changes, and ask why."""
    record = await current_draft(ctx)
    if record is None:
        raise no_draft(ctx)
    state = await ctx.state()
    state.data = {
        **state.data,
        HELD: {"step": held.field.step.value, "values": encode(held.values), "fields": held.fields},
    }
    shadow = after(ctx, record, held.values, held.fields)
    found = verdicts.changes(ctx, copy_of(record), shadow)
    if found:  # Art. 10: said before the reason, which keeps the change
        changes = verdicts.describe(ctx, found)
        ctx.reply(ctx.t("intake.reason_held.verdict_warning", changes=changes))
    ctx.reply(_prompt(ctx, record, held.field, shadow))
    return HELD_REASON


async def reason(ctx: Context, text: str) -> Next:
    """The reason for a held answer: the answer stored as a correction (old values kept),
    those told of a breach told of each verdict it changes, then the next question."""
    record, field, values, fields = await _held(ctx)
    why = text.strip()
    if not why:
        ctx.reply(_prompt(ctx, record, field, after(ctx, record, values, fields)))
        return HELD_REASON
    before = copy_of(record)
    department = record.department_id
    receipt_moved = after(ctx, record, values, fields).received_at != record.received_at
    await _apply(ctx, record, field, values, why=why)
    state = await ctx.state()
    state.data = {k: v for k, v in state.data.items() if k != HELD}
    state.history = [*state.history, field.step.value]
    label = f"card.{field.step.value}"
    moment = when(ctx, record.received_at)
    done = "intake.reason_held.done" if receipt_moved else "intake.reason_held.done_verdict"
    ctx.reply(ctx.t(done, field=ctx.t(label), time=moment))
    found = verdicts.changes(ctx, before, copy_of(record))
    await verdicts.tell(ctx, record, found, title=card.title(ctx, record), field=label, why=why)
    if record.department_id != department:  # Art. 10: both departments' officers told
        await moved.tell(ctx, record, department, title=card.title(ctx, record), why=why)
    return await advance(ctx, record)


async def back(ctx: Context, args: str) -> Next:
    """/back at the reason: the held answer dropped, its question asked again."""
    record, field, _values, _fields = await _held(ctx)
    state = await ctx.state()
    state.data = {k: v for k, v in state.data.items() if k != HELD}
    return await ask(ctx, record, field)


def holding(handler: Callable[[Context, str], Awaitable[Next]]) -> Handler:
    """``handler`` with its held answers (``Held``) asked for their reason (``hold``)."""

    async def run(ctx: Context, value: str) -> Next:
        try:
            return await handler(ctx, value)
        except Held as held:
            return await hold(ctx, held)

    return run


async def cancel(ctx: Context, args: str) -> Next:
    """/cancel (or a typed cancel word) at the reason: the held answer dropped, saying so,
    and its question asked again; the draft goes on."""
    _record, field, _values, _fields = await _held(ctx)
    ctx.reply(ctx.t("intake.reason_held.dropped", field=ctx.t(f"card.{field.step.value}")))
    return await back(ctx, args)
