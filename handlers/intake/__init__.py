"""The intake conversation: from a forwarded screenshot to a complete, submitted record.

The draft exists from the first message, so its deadlines run from the receipt time. The bot
then asks only what is still missing, one question a message (``ask``); ``back`` re-asks the
previous answer, ``skip`` passes an optional question, and the review card offers every field
for editing before submission freezes the record (``review``). Files open a draft or join the
open one (``media``).
"""

from __future__ import annotations

from handlers import card
from handlers.engine import Context, Handler, Registry
from handlers.fields import FIELDS
from handlers.intake import held
from handlers.intake.ask import answer as answer
from handlers.intake.ask import back, edited, field_button
from handlers.intake.common import (
    PREFIX,
    current_draft,
    question,
    require_handler,
)
from handlers.intake.confirm import proposed_button, proposed_text
from handlers.intake.media import answer_first, media, media_choice, media_text, new, rescue
from handlers.intake.review import (
    cancel,
    cancel_reason,
    edit_field,
    resume,
    review_action,
    review_text,
)
from handlers.invites import REGISTERS
from handlers.state import CORRECTING, Next, StepName

__all__ = ["register", "resume"]


async def button(ctx: Context, value: str) -> Next:
    """Every intake button: ``<step>:<action>[:<value>]``."""
    step, _, rest = value.partition(":")
    action, _, argument = rest.partition(":")
    if step == "media":
        return await media_choice(ctx, action)
    if step == "review":
        return await review_action(ctx, action)
    if step == "edit":
        return await edit_field(ctx, action)
    if step == "proposed":
        return await proposed_button(ctx, action, argument)
    return await field_button(ctx, step, action, argument)


def _own_or(own: dict[str, Handler], default: Handler) -> Handler:
    """The handler ``own`` names for the step the chat waits at, else ``default``."""

    async def either(ctx: Context, args: str) -> Next:
        state = await ctx.state()
        handler = own.get(state.step.value) if state.step is not None else None
        return await (handler or default)(ctx, args)

    return either


def back_for(registry: Registry) -> Handler:
    """/back, for everyone in any dialogue: the step's own (``Registry.backs``), else the
    intake's (``ask.back``). The add-or-new question has no previous one: it says so and
    asks it again, with its buttons (the files it holds are never dropped)."""
    back_here = _own_or(registry.backs, back)

    async def back_anywhere(ctx: Context, args: str) -> Next:
        await answer_first(ctx, "intake.error.no_back_choice")
        return await back_here(ctx, args)

    return back_anywhere


def cancel_for(registry: Registry) -> Handler:
    """/cancel, and a typed cancel word (``engine.split_command``), for everyone at any card:
    the step's own (``Registry.cancels``), else the intake's (``review.cancel``). Each
    drops the card's pending action and says what was kept and what was dropped."""
    return _own_or(registry.cancels, cancel)


def new_for(registry: Registry) -> Handler:
    """/new at any card: a dialogue other than the draft's own (a correction, a dispute's
    reason, a platform reference, a withdrawal's reason) is left first, as /cancel leaves
    it, saying so; then /new (``media.new``), which asks before leaving an open draft."""
    cancel_anywhere = cancel_for(registry)

    async def new_anywhere(ctx: Context, args: str) -> Next:
        require_handler(ctx)
        state = await ctx.state()
        step = state.step
        if step is not None and (step.value in registry.cancels or step in CORRECTING):
            await cancel_anywhere(ctx, "")
            state.go(None)
        elif step == StepName.INTAKE_CANCEL_REASON:
            record = await current_draft(ctx)
            if record is not None:
                ctx.reply(ctx.t("intake.cancel_kept", title=card.title(ctx, record)))
            state.go(None)
        return await new(ctx, args)

    return new_anywhere


async def _proposed_back(ctx: Context, args: str) -> Next:
    return await proposed_button(ctx, "back")


def register(registry: Registry) -> None:
    """Register /new, /resume, /cancel, /back, the ``in`` buttons, every question and media.
    Every handler that may store an answer asks the reason of one held (``held.holding``)."""
    registry.command("new", new_for(registry), "help.new", set(REGISTERS))
    registry.command("resume", resume, "help.resume", set(REGISTERS))
    registry.command("cancel", cancel_for(registry), "help.cancel")
    registry.callbacks[PREFIX] = held.holding(button)
    registry.command("back", back_for(registry), "help.back")
    # Back from the withdrawal's reason keeps the draft, as /cancel there does.
    registry.backs[StepName.INTAKE_CANCEL_REASON] = cancel
    registry.backs[StepName.INTAKE_PROPOSED] = _proposed_back
    registry.backs[held.HELD_REASON] = held.back
    registry.cancels[held.HELD_REASON] = held.cancel
    for field in FIELDS:
        registry.steps[question(field.step)] = held.holding(answer)
        registry.reads_choices.add(question(field.step).value)
    registry.steps[StepName.INTAKE_CANCEL_REASON] = cancel_reason
    registry.steps[held.HELD_REASON] = held.reason
    registry.steps[StepName.INTAKE_MEDIA] = held.holding(media_text)
    registry.steps[StepName.INTAKE_REVIEW] = held.holding(review_text)
    registry.steps[StepName.INTAKE_PROPOSED] = held.holding(proposed_text)
    registry.steps[StepName.INTAKE_EDIT] = held.holding(review_text)
    registry.media = media
    registry.edited = held.holding(edited)
    registry.rescue = rescue
