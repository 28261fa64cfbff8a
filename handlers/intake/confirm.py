"""The judge's answer to proposals (``proposals``): confirm them all, or change some.

A time typed at proposals that include the inquiry time is that time (the judge "says
otherwise"): it is stored and said back, and the other proposals shown are confirmed with it,
as the card tells the judge — one message for what would otherwise take two. A WeChat message,
an SMS, an e-mail reaches the judge when it is sent: the time typed is its receipt time too
(``handlers.receipt``).
"""

from __future__ import annotations

from handlers.engine import Context, UserError
from handlers.fields import (
    BY_STEP,
    FAR_NO,
    FAR_OK,
    DateOnly,
    Field,
    Step,
    as_proposed,
    far_back_answer,
    forget_far_back,
    parse_yes_no,
    proposal,
)
from handlers.i18n import join
from handlers.intake.ask import _apply, advance, ask, ask_hour, go_back, take
from handlers.intake.common import current_draft
from handlers.intake.proposals import ITEMISED, group, show
from handlers.intake.typed import AmbiguousPress, pressed
from handlers.receipt import receipt_follows
from handlers.state import Next, StepName
from handlers.timeparse import TimeParseError, TimeProblem, read_time
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
    """Store every proposal shown (each through its question's parser, each audited). A
    proposal its question refuses (a name OCR read with a title in it, or a court staff
    member's: ``fields.TitleInName``, ``fields.CourtStaffName``) is that question asked,
    under its refusal and with its buttons; those before it are kept."""
    state = await ctx.state()
    for field in fields:
        raw = proposal(record, field)
        if raw is None or not field.applies(record) or field.answered(record):
            continue
        try:
            values = await field.parse(ctx, record, raw)
        except UserError as refusal:
            return await ask(ctx, record, field, refusal=refusal)
        await _apply(ctx, record, field, values)
        state.history = [*state.history, field.step.value]
    return await advance(ctx, record)


async def proposed_button(ctx: Context, action: str, argument: str = "") -> Next:
    """``in:proposed:ok`` confirms, ``…:change`` asks them one by one, ``…:back``; after a
    time refused as far back, ``…:far_ok`` takes it and ``…:far_no`` shows the card again;
    after a time the words leave open (``fields.WhichTime``: a weekday, an unmarked hour),
    ``…:which:<time>`` is the meaning pressed, as if typed."""
    record, fields = await _pending(ctx)
    if action == "which" and argument:
        return await proposed_text(ctx, argument)
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
    if action == FAR_OK:
        return await proposed_text(ctx, await far_back_answer(ctx))
    if action == FAR_NO:
        await forget_far_back(ctx)
        return await show(ctx, record, fields)
    raise UserError("error.stale_button")


async def proposed_text(ctx: Context, text: str) -> Next:
    """Typing at the proposals: a button's word (``确认``, ``有变化``) is its press; a time,
    when the inquiry's is proposed, is that time and confirms every other proposal shown (the
    card says so), all in one message; anything else: the card again, with its buttons. The
    hint heading it speaks of a time only where the card proposes the inquiry's, and says
    plainly that a number alone is no time."""
    record, fields = await _pending(ctx)
    if parse_yes_no(ctx, text) is True:
        return await confirm_all(ctx, record, fields)
    words = {"ok": ctx.t("intake.proposed.ok"), "change": ctx.t("intake.proposed.change")}
    if (await ctx.state()).history:
        words["back"] = ctx.t("intake.back")
    try:
        index = pressed(text, list(words.values()), numbered=False)
    except AmbiguousPress:
        index = None
    if index is not None or text.strip().lower() == "ok":
        return await proposed_button(ctx, list(words)[index or 0])
    inquiry = BY_STEP[Step.INQUIRY_AT.value]
    if inquiry not in fields:  # nothing on this card is a time: the hint names its buttons only
        return await show(ctx, record, fields, refusal=UserError("intake.error.proposed"))
    problem = _time_problem(ctx, text)
    if problem is TimeProblem.BARE:
        bare = UserError("intake.error.proposed_bare", typed=text.strip())
        return await show(ctx, record, fields, refusal=bare)
    if problem is TimeProblem.FORMAT:  # nothing read: perhaps no time was meant at all
        return await show(ctx, record, fields, refusal=UserError("intake.error.proposed_time"))
    try:  # checked first: a time refused leaves every proposal as it was
        await inquiry.parse(ctx, record, text)
    except DateOnly:
        pass
    except UserError as refusal:
        return await show(ctx, record, fields, refusal=refusal)
    return await _time_and_rest(ctx, record, fields, text)


async def _time_and_rest(ctx: Context, record: Record, fields: list[Field], text: str) -> Next:
    """The inquiry's time as typed, and every other proposal shown confirmed with it. For an
    electronic message the time typed is its receipt time too (``handlers.receipt``): the
    receipt's proposal is then not confirmed as shown, the answer sets it (said so), and a day
    typed without its hour leaves it open until the hour is answered or left unknown."""
    inquiry = BY_STEP[Step.INQUIRY_AT.value]
    receipt = BY_STEP[Step.RECEIVED_AT.value]
    state = await ctx.state()
    confirmed: list[Field] = []
    follows = receipt_follows(as_proposed(record))
    for field in fields:
        raw = proposal(record, field)
        if field is inquiry or raw is None or not field.applies(record):
            continue
        if field.answered(record):
            continue
        if field is receipt and follows:
            state.history = [*state.history, field.step.value]  # /back reaches it
            continue
        await _apply(ctx, record, field, await field.parse(ctx, record, raw))
        state.history = [*state.history, field.step.value]
        confirmed.append(field)
    if confirmed:
        names = [ctx.t(f"card.{f.step.value}") for f in confirmed]
        ctx.reply(ctx.t("intake.proposed.confirmed", fields=join(ctx.language, names)))
    try:
        return await take(ctx, record, inquiry, text)
    except DateOnly as typed:
        return await ask_hour(ctx, record, inquiry, typed)


def _time_problem(ctx: Context, text: str) -> TimeProblem | None:
    """Why ``text`` is no time (``TimeProblem``), or None when it reads as one."""
    try:
        read_time(text, now=ctx.now, tz=ctx.services.tz)
    except TimeParseError as refused:
        return refused.problem
    return None
