"""The judge's answer to proposals (``proposals``): confirm them all, or change some.

A time typed at proposals that include the inquiry time is that time (the judge "says
otherwise"): it is stored, said back, and the remaining proposals are put again.
"""

from __future__ import annotations

from handlers.alerts import check_art7
from handlers.engine import Context, UserError
from handlers.fields import BY_STEP, DateOnly, Field, Step, parse_yes_no, proposal
from handlers.intake.ask import _apply, advance, ask, ask_hour, go_back, look_up_inquirer, take
from handlers.intake.common import current_draft
from handlers.intake.proposals import ITEMISED, group, show
from handlers.state import Next, StepName
from handlers.timeparse import TimeParseError, read_time
from storage.models import Record


async def _pending(ctx: Context) -> tuple[Record, list[Field]]:
    """The draft and the proposals still open among those last shown."""
    state = await ctx.state()
    record = await current_draft(ctx)
    if record is None or state.step != StepName.INTAKE_PROPOSED:
        raise UserError("error.stale_button")
    shown = [str(step) for step in state.data.get("proposed", [])]
    open_now = {field.step.value for field in group(record)}
    return record, [BY_STEP[step] for step in shown if step in open_now and step in BY_STEP]


async def confirm_all(ctx: Context, record: Record, fields: list[Field]) -> Next:
    """Store every proposal shown (each through its question's parser, each audited)."""
    state = await ctx.state()
    for field in fields:
        raw = proposal(record, field)
        if raw is None or not field.applies(record) or field.answered(record):
            continue
        await _apply(ctx, record, field, await field.parse(ctx, record, raw))
        state.history = [*state.history, field.step.value]
        await look_up_inquirer(ctx, record, field)
    await check_art7(ctx, record)
    return await advance(ctx, record)


async def proposed_button(ctx: Context, action: str) -> Next:
    """``in:proposed:ok`` confirms, ``…:change`` asks them one by one, ``…:back``."""
    record, fields = await _pending(ctx)
    if action == "ok":
        return await confirm_all(ctx, record, fields)
    if action == "change":
        if not fields:
            return await advance(ctx, record)
        itemised = {*record.fields.get(ITEMISED, []), *(f.step.value for f in fields)}
        record.fields = {**record.fields, ITEMISED: sorted(itemised)}
        await ctx.session.flush()
        return await ask(ctx, record, fields[0])
    if action == "back":
        return await go_back(ctx, record, fields[0] if fields else None)
    raise UserError("error.stale_button")


async def proposed_text(ctx: Context, text: str) -> Next:
    """Typing at the proposals: 确认 confirms; a time is the inquiry's time; else ask again."""
    record, fields = await _pending(ctx)
    word = text.strip().lower()
    label = ctx.t("intake.proposed.ok").lower()
    if word in ("ok", label, label.lstrip("✔ ")) or parse_yes_no(ctx, text) is True:
        return await confirm_all(ctx, record, fields)
    inquiry = BY_STEP[Step.INQUIRY_AT.value]
    if inquiry in fields and _reads_as_time(ctx, text):
        try:  # checked first: a time refused leaves every proposal as it was
            await inquiry.parse(ctx, record, text)
        except DateOnly:
            pass
        except UserError as refusal:
            return await show(ctx, record, fields, refusal=refusal)
        # Everything before the inquiry time is confirmed by answering past it.
        before = fields[: fields.index(inquiry)]
        for field in before:
            raw = proposal(record, field)
            if raw is not None:
                await _apply(ctx, record, field, await field.parse(ctx, record, raw))
        state = await ctx.state()
        state.history = [*state.history, *(field.step.value for field in before)]
        try:
            return await take(ctx, record, inquiry, text)
        except DateOnly as typed:
            return await ask_hour(ctx, record, inquiry, typed)
    return await show(ctx, record, fields, refusal=UserError("intake.error.proposed"))


def _reads_as_time(ctx: Context, text: str) -> bool:
    try:
        read_time(text, now=ctx.now, tz=ctx.services.tz)
    except TimeParseError:
        return False
    return True
