"""Corrections to a submitted record: the field, the new value, and why. The old value stays."""

from __future__ import annotations

from typing import Any

from handlers import card
from handlers.alerts import ask_cosigners, check_art7
from handlers.engine import Context, Registry, UserError
from handlers.fields import BY_STEP, NO, YES, Field, Input, Step, applicable, choice_buttons
from handlers.i18n import join
from handlers.intake import resume
from handlers.intake.typed import AmbiguousPress, pressed
from handlers.milestones import redeliver
from handlers.ports import Button
from handlers.state import END, Next, StepName
from storage import records as records_repo
from storage import staff as staff_repo
from storage.models import Record, RecordAmendment
from storage.numbers import parse_id
from storage.vocabulary import RecordStatus

AMEND_VALUE = StepName.AMEND_VALUE
AMEND_REASON = StepName.AMEND_REASON
NOT_AMENDABLE = frozenset({Step.SOURCE, Step.STAFF_PRESENT})
PICK = "in:amend:pick:"
"""The data of a button under the new-value prompt: this prefix and the value it gives."""


async def _own(ctx: Context, record_id: str, status: RecordStatus) -> Record:
    wanted = parse_id(record_id)
    record = await records_repo.get(ctx.session, wanted) if wanted is not None else None
    if record is None or record.handler_id != ctx.staff.id or record.status != status:
        raise UserError("error.stale_button")
    return record


def amendable(record: Record) -> list[Field]:
    """The fields of a submitted ``record`` that an amendment may change, in question order."""
    return [f for f in applicable(record) if f.step not in NOT_AMENDABLE]


async def amend_button(ctx: Context, value: str) -> Next:
    """An amendment's buttons, ``in:amend:<action>:<argument>``: ``resume`` a draft,
    ``start`` (which field?) or ``field`` (its new value?)."""
    action, _, argument = value.partition(":")
    if action == "resume":
        return await resume(ctx, argument)
    if action == "start":
        record = await _own(ctx, argument, RecordStatus.SUBMITTED)
        buttons = [
            Button(ctx.t(f"card.{f.step.value}"), f"in:amend:field:{record.id}.{f.step.value}")
            for f in amendable(record)
        ]
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        ctx.reply(ctx.t("amend.which", title=card.title(ctx, record)), rows)
        return None
    if action == "field":
        record_id, _, step = argument.partition(".")
        record = await _own(ctx, record_id, RecordStatus.SUBMITTED)
        field = BY_STEP.get(step)
        if field is None or field not in amendable(record):
            raise UserError("error.stale_button")
        (await ctx.state()).fresh(record_id=record.id, step=step)
        return await _ask_value(ctx, record, field)
    if action == "pick":
        if (await ctx.state()).step != AMEND_VALUE:
            raise UserError("error.stale_button")
        return await new_value(ctx, argument)
    raise UserError("error.stale_button")


async def _value_buttons(ctx: Context, field: Field) -> tuple[tuple[Button, ...], ...]:
    """The buttons under the prompt for ``field``'s new value, as its question has them: a
    closed question's choices (a choice, yes or no) in their one order, the departments,
    "not filed yet" for the case number; none for a question answered in words. Every
    refusal that sends the judge to a button finds it under the prompt again."""
    if field.input is Input.YES_NO:
        return (
            (
                Button(ctx.t("intake.yes"), PICK + YES),
                Button(ctx.t("intake.no"), PICK + NO),
            ),
        )
    if field.input is Input.CHOICE:
        return choice_buttons(ctx, field, PICK)
    if field.step is Step.CASE_NUMBER:
        return ((Button(ctx.t("card.not_filed"), PICK + "not_filed"),),)
    if field.step is Step.DEPARTMENT:
        departments = await staff_repo.departments(ctx.session)
        row = [Button(d.name, f"{PICK}#{d.id}") for d in departments]
        return tuple(tuple(row[i : i + 2]) for i in range(0, len(row), 2))
    return ()


async def _ask_value(
    ctx: Context, record: Record, field: Field, *, refusal: UserError | None = None
) -> StepName:
    """The prompt for ``field``'s new value, its buttons under it where it has choices; after
    a ``refusal`` its message heads the prompt, sent again whole so nothing is scrolled to."""
    current = await card.value_of(ctx, record, field)
    prompt = ctx.t("amend.ask_value", field=ctx.t(f"card.{field.step.value}"), value=current)
    if refusal is not None:
        prompt = ctx.t(refusal.key, **refusal.values) + "\n\n" + prompt
    ctx.reply(prompt, await _value_buttons(ctx, field))
    return AMEND_VALUE


async def _pending(ctx: Context) -> tuple[Record, Field]:
    data = (await ctx.state()).data
    record = await _own(ctx, str(data.get("record_id", "")), RecordStatus.SUBMITTED)
    field = BY_STEP.get(str(data.get("step", "")))
    if field is None:
        raise UserError("error.stale_button")
    return record, field


async def new_value(ctx: Context, text: str) -> Next:
    """The new value typed for the field being amended.

    Parsed now so a bad value is refused at once (``UserError`` from the field's parser);
    the raw text is kept in the dialogue state and the reason is asked next.
    """
    record, field = await _pending(ctx)
    shown = [button for row in await _value_buttons(ctx, field) for button in row]
    try:
        closed = field.input in (Input.CHOICE, Input.YES_NO) or field.step is Step.DEPARTMENT
        index = pressed(text, [button.label for button in shown], numbered=closed)
    except AmbiguousPress:
        index = None
    if index is not None:
        text = shown[index].data.removeprefix(PICK)
    try:
        await field.parse(ctx, record, text)
    except UserError as refusal:
        return await _ask_value(ctx, record, field, refusal=refusal)
    state = await ctx.state()
    state.fresh(**{**state.data, "raw": text})
    ctx.reply(ctx.t("amend.ask_reason"))
    return AMEND_REASON


async def reason(ctx: Context, text: str) -> Next:
    """The reason for an amendment; stores each changed column as an amendment (old → new).

    The record is never edited in place: ``storage.records.amend`` keeps who, when, why and
    the old and new values. Raises ``UserError`` for an empty reason.
    """
    record, field = await _pending(ctx)
    why = text.strip()
    if not why:
        raise UserError("amend.ask_reason")
    raw = str((await ctx.state()).data.get("raw", ""))
    values: dict[str, Any] = await field.parse(ctx, record, raw)
    changes: list[RecordAmendment] = []
    for name, new in values.items():
        if name.startswith("_") or getattr(record, name) == new:
            continue
        changes.append(
            await records_repo.amend(
                ctx.session, record, name, new, reason=why, actor=ctx.staff, at=ctx.now
            )
        )
    ctx.reply(ctx.t("amend.done", title=card.title(ctx, record)))
    await check_art7(ctx, record)  # Art. 7: as soon as the field is set, amended or not
    if changes and record.form_delivered_at is not None:
        await redeliver(ctx, record)  # Art. 6: nobody keeps a copy the record contradicts
    if changes and record.cosigners:
        asked = await records_repo.reask_cosigners(ctx.session, record, actor=ctx.staff, at=ctx.now)
        await ask_cosigners(ctx, record, "cosign.reconfirm", changes)
        names = join(ctx.language, (c.staff.name for c in asked))
        ctx.reply(ctx.t("amend.reconfirm_asked", names=names))
    return END


def register(registry: Registry) -> None:
    """Register the ``in:amend`` buttons and the value and reason steps."""
    registry.callbacks["in:amend"] = amend_button
    registry.steps[AMEND_VALUE] = new_value
    registry.steps[AMEND_REASON] = reason
