"""What the intake's modules share: the button prefix, the open draft, the step names."""

from __future__ import annotations

from handlers.engine import Context, UserError
from handlers.fields import BY_STEP, Field, Step
from handlers.invites import registers
from handlers.ports import Button
from handlers.state import INTAKE, DraftState, StepName
from storage import records as records_repo
from storage.models import Record
from storage.vocabulary import RecordStatus

PREFIX = "in"
"""The intake's buttons: ``in:<step>:<action>[:<value>]``."""

BACK_WORDS = {"back", "返回", "上一步"}
SKIP_WORDS = {"skip", "跳过"}

Buttons = tuple[tuple[Button, ...], ...]


def cb(*parts: object) -> str:
    """A button's data under the intake's prefix."""
    return ":".join([PREFIX, *(str(p) for p in parts)])


def question(step: Step) -> StepName:
    """The step at which the chat waits for the answer to ``step``'s question."""
    return StepName(INTAKE + step.value)


def field_at(state: DraftState) -> Field | None:
    """The intake field whose question the chat is waiting at, if any."""
    asked = state.step.question if state.step is not None else None
    return BY_STEP.get(asked) if asked is not None else None


async def current_draft(ctx: Context) -> Record | None:
    """The draft the chat is working on, while it is still a draft."""
    state = await ctx.state()
    if state.record_id is None:
        return None
    record = await records_repo.get(ctx.session, state.record_id)
    if record is None or record.status != RecordStatus.DRAFT:
        return None
    return record


def require_handler(ctx: Context) -> None:
    """Raises ``UserError`` unless the sender handles cases."""
    if not registers(ctx):
        raise UserError("intake.error.not_handler")


def no_draft(ctx: Context) -> UserError:
    """The refusal of a draft's step with no draft open: inviting the sender to forward
    material or send /new only where they may (``registers``)."""
    return UserError("intake.error.no_draft_new" if registers(ctx) else "intake.error.no_draft")


def quote(text: str, limit: int = 40) -> str:
    """A judge's text as it is quoted back (a caption): its first ``limit`` characters."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
