"""The intake conversation: from a forwarded screenshot to a complete, submitted record.

The draft exists from the first message, so its deadlines run from the receipt time. The bot
then asks only what is still missing, one question a message (``ask``); ``back`` re-asks the
previous answer, ``skip`` passes an optional question, and the review card offers every field
for editing before submission freezes the record (``review``). Files open a draft or join the
open one (``media``).
"""

from __future__ import annotations

from handlers.engine import Context, Handler, Registry
from handlers.fields import FIELDS
from handlers.intake import held
from handlers.intake.ask import answer as answer
from handlers.intake.ask import back, edited, field_button
from handlers.intake.common import PREFIX, question
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
from handlers.state import Next, StepName
from storage.vocabulary import Role

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


def back_for(registry: Registry) -> Handler:
    """/back, for everyone in any dialogue: the step's own (``Registry.backs``), else the
    intake's (``ask.back``). At the add-or-new question it is refused, as /cancel is, until
    the question holding the files is answered."""

    async def back_anywhere(ctx: Context, args: str) -> Next:
        await answer_first(ctx)
        state = await ctx.state()
        own = registry.backs.get(state.step.value) if state.step is not None else None
        if own is not None:
            return await own(ctx, args)
        return await back(ctx, args)

    return back_anywhere


async def _proposed_back(ctx: Context, args: str) -> Next:
    return await proposed_button(ctx, "back")


def register(registry: Registry) -> None:
    """Register /new, /resume, /cancel, /back, the ``in`` buttons, every question and media.
    Every handler that may store an answer asks the reason of one held (``held.holding``)."""
    registry.command("new", new, "help.new", {Role.HANDLER})
    registry.command("resume", resume, "help.resume", {Role.HANDLER})
    registry.command("cancel", cancel, "help.cancel")
    registry.callbacks[PREFIX] = held.holding(button)
    registry.command("back", back_for(registry), "help.back")
    # Back from the withdrawal's reason keeps the draft, as /cancel there does.
    registry.backs[StepName.INTAKE_CANCEL_REASON] = cancel
    registry.backs[StepName.INTAKE_PROPOSED] = _proposed_back
    registry.backs[held.HELD_REASON] = held.back
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
