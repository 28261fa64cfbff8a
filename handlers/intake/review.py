"""Review: the card, editing a field, submitting, withdrawing with a reason, /cancel and
/resume."""

from __future__ import annotations

import re

from handlers import card
from handlers.access import cancel as plain_cancel
from handlers.alerts import after_submit
from handlers.engine import Context, UserError
from handlers.evidence_link import screenshot_missing
from handlers.fields import BY_STEP, applicable, next_missing, proposal
from handlers.intake.ask import _apply, advance, ask, go_back
from handlers.intake.common import BACK_WORDS, cb, current_draft, no_draft, require_handler
from handlers.intake.media import answer_first, drop_question
from handlers.intake.proposals import closing, group
from handlers.intake.typed import AmbiguousPress, pressed
from handlers.ports import Button
from handlers.state import CORRECTING, END, INTAKE, Next, StepName
from storage import records as records_repo
from storage.models import Record
from storage.numbers import parse_id
from storage.vocabulary import Milestone, RecordStatus, label_at_start


async def review_action(ctx: Context, action: str) -> Next:
    """The review card's buttons: ``submit``, ``edit`` or ``cancel``."""
    state = await ctx.state()
    record = await current_draft(ctx)
    if record is None or state.step not in (StepName.INTAKE_REVIEW, StepName.INTAKE_EDIT):
        raise UserError("error.stale_button")
    if action == "submit":
        await confirm_on_card(ctx, record)
        missing = next_missing(record)
        if missing is not None:
            return await ask(ctx, record, missing)
        return await submit(ctx, record)
    if action == "edit":
        history = list(state.history)
        state.fresh()
        state.history = history
        state.record_id = record.id
        ctx.reply(ctx.t("intake.edit_which"), _edit_buttons(ctx, record))
        return StepName.INTAKE_EDIT
    if action == "cancel":
        return await ask_cancel_reason(ctx, record)
    raise UserError("error.stale_button")


def _edit_buttons(ctx: Context, record: Record) -> tuple[tuple[Button, ...], ...]:
    """The edit list: a button for each question that applies, two a row."""
    fields = applicable(record)
    buttons = [Button(ctx.t(f"card.{f.step.value}"), cb("edit", f.step.value)) for f in fields]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


async def confirm_on_card(ctx: Context, record: Record) -> None:
    """Submitting a review card that showed proposals (``proposals.ON_REVIEW``) confirms
    them: each is stored through its question's parser, and audited. Only the very proposals
    the card showed, while they are still all that is missing."""
    state = await ctx.state()
    on_card = [str(step) for step in state.data.get("proposed", [])]
    fields = group(record) if ctx.services.propose and closing(record) else []
    if not on_card or [field.step.value for field in fields] != on_card:
        return
    for field in fields:
        raw = proposal(record, field)
        if raw is not None and field.applies(record) and not field.answered(record):
            await _apply(ctx, record, field, await field.parse(ctx, record, raw))
    state.data = {}


async def review_text(ctx: Context, text: str) -> Next:
    """Typing at the review card: a button's word (``提交``, ``修改``) is its press; else the
    card again with its buttons. At the edit list a field's name or number is its press;
    else the list again, with its buttons."""
    state = await ctx.state()
    record = await current_draft(ctx)
    if record is None:
        raise no_draft(ctx)
    if text.strip().lower() in BACK_WORDS:
        return await go_back(ctx, record, None)
    if state.step == StepName.INTAKE_REVIEW:
        actions = {
            "submit": ctx.t("intake.submit"),
            "edit": ctx.t("intake.edit"),
            "cancel": ctx.t("intake.withdraw"),
        }
        try:
            index = pressed(text, list(actions.values()), numbered=False)
        except AmbiguousPress:
            index = None
        if index is not None:
            return await review_action(ctx, list(actions)[index])
    if state.step == StepName.INTAKE_EDIT:  # a field's name (or number) is its press
        shown = [button for row in _edit_buttons(ctx, record) for button in row]
        try:
            index = pressed(text, [button.label for button in shown], numbered=True)
        except AmbiguousPress:
            index = None
        if index is not None:
            return await edit_field(ctx, shown[index].data.removeprefix(cb("edit", "")))
        text = ctx.t("intake.error.choose") + "\n\n" + ctx.t("intake.edit_which")
        ctx.reply(text, _edit_buttons(ctx, record))
        return None
    return await advance(ctx, record)


async def edit_field(ctx: Context, step: str) -> Next:
    """The review card's edit button for ``step``: ask that question again.

    Raises ``UserError`` for a stale button (no draft, unknown step, not reviewing).
    """
    state = await ctx.state()
    record = await current_draft(ctx)
    field = BY_STEP.get(step)
    if record is None or field is None or state.step != StepName.INTAKE_EDIT:
        raise UserError("error.stale_button")
    return await ask(ctx, record, field)


async def submit(ctx: Context, record: Record) -> Next:
    """Submit the draft: number it, make it immutable and state the Art. 6 deadlines.

    登记 is done by submitting; 录入平台 (2 days) and 报送 (3 days) are listed with their
    last day and state today (due today, overdue by N days: a late registration says so).
    Later changes are amendments only.
    """
    await records_repo.submit(
        ctx.session,
        record,
        actor=ctx.staff,
        at=ctx.now,
        number_format=ctx.services.record_number,
        tz=ctx.services.tz,
    )
    deadlines = ctx.services.rules.for_record(record)
    lines = [ctx.t("intake.submitted", number=record.number or "")]
    for milestone in (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED):
        if milestone in deadlines:
            lines.append(
                ctx.t(
                    "card.deadline",
                    milestone=label_at_start(milestone, ctx.language),
                    deadline=card.deadline_state(ctx, record, milestone, deadlines[milestone]),
                )
            )
    warning = await screenshot_missing(ctx, record)
    if warning is not None:
        lines.append(warning)
    ctx.reply("\n".join(lines))
    await after_submit(ctx, record)
    return END


async def ask_cancel_reason(ctx: Context, record: Record) -> StepName:
    """Ask why the draft is withdrawn; a draft is never deleted (Art. 10)."""
    state = await ctx.state()
    state.fresh()
    state.record_id = record.id
    ctx.reply(ctx.t("intake.cancel_reason", title=card.title(ctx, record)))
    return StepName.INTAKE_CANCEL_REASON


async def cancel_reason(ctx: Context, text: str) -> Next:
    """The withdrawal reason: withdraw the draft, keeping it and the reason.

    Raises ``UserError`` without an open draft or with an empty reason.
    """
    record = await current_draft(ctx)
    if record is None:
        raise no_draft(ctx)
    reason = text.strip()
    if not reason:
        raise UserError("intake.error.cancel_reason")
    await records_repo.withdraw(ctx.session, record, reason=reason, actor=ctx.staff, at=ctx.now)
    ctx.reply(ctx.t("intake.withdrawn", title=card.title(ctx, record)))
    return END


async def cancel(ctx: Context, args: str) -> Next:
    """/cancel: a draft is never dropped; it is withdrawn with a reason, and kept.

    Inside another dialogue (a dispute's reason, a platform reference) it ends that one only.
    At the add-or-new question, files held there were sent by mistake (``media.dismiss``);
    after /new, nothing held, the open draft goes on (``media.drop_question``).
    """
    state = await ctx.state()
    if state.step == StepName.INTAKE_MEDIA:
        return await drop_question(ctx)
    if state.step is not None and not state.step.value.startswith(INTAKE):
        return await plain_cancel(ctx, args)
    if state.step == StepName.INTAKE_CANCEL_REASON:
        record = await current_draft(ctx)
        if record is not None:
            ctx.reply(ctx.t("intake.cancel_kept", title=card.title(ctx, record)))
            return await advance(ctx, record)
    if state.step in CORRECTING:
        ctx.reply(ctx.t("intake.amend_cancelled"))
        return END
    record = await current_draft(ctx)
    if record is not None:
        if args.strip():
            await records_repo.withdraw(
                ctx.session, record, reason=args.strip(), actor=ctx.staff, at=ctx.now
            )
            ctx.reply(ctx.t("intake.withdrawn", title=card.title(ctx, record)))
            return END
        return await ask_cancel_reason(ctx, record)
    return await plain_cancel(ctx, args)


async def resume(ctx: Context, args: str) -> Next:
    """/resume [draft id]: pick up a draft where it stopped."""
    require_handler(ctx)
    await answer_first(ctx)
    state = await ctx.state()
    record: Record | None
    wanted = re.search(r"([0-9０-９]+)\s*$", args)
    if wanted:
        draft_id = parse_id(wanted.group(1))
        record = await records_repo.get(ctx.session, draft_id) if draft_id else None
        if (
            record is None
            or record.handler_id != ctx.staff.id
            or record.status != RecordStatus.DRAFT
        ):
            raise UserError("intake.error.no_such_draft", ref=args.strip())
        state.fresh()
        state.record_id = record.id
    else:
        record = await current_draft(ctx)
        if record is None:
            drafts = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.DRAFT])
            if not drafts:
                raise no_draft(ctx)
            record = drafts[-1]
            state.fresh()
            state.record_id = record.id
    return await advance(ctx, record)
