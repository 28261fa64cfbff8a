"""Co-signing (Art. 3): court staff present at an in-person inquiry confirm the record in
their own chat, or dispute it with a reason that reaches discipline inspection."""

from __future__ import annotations

from handlers import card, milestones, notify, views
from handlers.engine import Context, Registry, UserError
from handlers.i18n import join
from handlers.ports import Button
from handlers.state import END, Next, StepName
from storage import records as records_repo
from storage import staff as staff_repo
from storage.models import Record, RecordCosigner, Staff
from storage.numbers import parse_id
from storage.vocabulary import CosignStatus, RecordStatus, Role

REASON = StepName.COSIGN_REASON


async def _mine(ctx: Context, record_id: int) -> tuple[Record, RecordCosigner]:
    """The record and this person's pending co-signature on it.

    The record is returned too and must be held by the caller: the session keeps loaded
    objects only weakly, and ``cosigner.record`` would otherwise be fetched again lazily,
    which an async session cannot do.
    """
    record = await records_repo.get(ctx.session, record_id)
    if record is None or record.status != RecordStatus.SUBMITTED:
        raise UserError("error.stale_button")
    for cosigner in record.cosigners:
        if cosigner.staff_id == ctx.staff.id:
            if cosigner.status != CosignStatus.PENDING:
                raise UserError("cosign.already", title=card.title(ctx, record))
            return record, cosigner
    raise UserError("error.stale_button")


async def _handler(ctx: Context, record: Record) -> Staff:
    handler = await ctx.session.get(Staff, record.handler_id)
    assert handler is not None
    return handler


async def button(ctx: Context, value: str) -> Next:
    """A co-signer's press, ``cs:<record id>:<ok|no>`` (Art. 3 签字确认 in their own chat).

    ``ok`` confirms and tells the handler; ``no`` asks for the reason of the dispute.
    Raises ``UserError`` for a stale button or an answer already given.
    """
    raw_id, _, action = value.partition(":")
    record_id = parse_id(raw_id)
    if record_id is None:
        raise UserError("error.stale_button")
    record, cosigner = await _mine(ctx, record_id)
    title = card.title(ctx, record)
    if action == "ok":
        await records_repo.respond(
            ctx.session, cosigner, confirmed=True, reason=None, actor=ctx.staff, at=ctx.now
        )
        ctx.reply(ctx.t("cosign.confirmed", title=title))
        handler = await _handler(ctx, record)
        await notify.tell(
            ctx, [handler], "cosign.handler_confirmed", {"name": ctx.staff.name, "title": title}
        )
        await milestones.resend_cosigned(ctx, record)
        waiting = [c.who for c in record.cosigners if c.status == CosignStatus.PENDING]
        if waiting and await records_repo.reasked(ctx.session, record):
            await notify.tell(
                ctx,
                [handler],
                "cosign.handler_waiting",
                {"title": title, "names": join(ctx.language, waiting)},
            )
        return None
    if action == "no":
        (await ctx.state()).fresh(record_id=record.id)
        ctx.reply(ctx.t("cosign.ask_reason", title=title))
        return REASON
    raise UserError("error.stale_button")


async def reason(ctx: Context, text: str) -> Next:
    """The co-signer's reason for disputing the record; stored and told to the handler,
    discipline inspection (the court's leaders when the co-signer is its only member) and the
    integrity officers of the record's department, who follow its breaches (Art. 10: a
    dispute says the record may not be true), but the co-signer and the handler themselves.

    Raises ``UserError`` when the reason is empty.
    """
    state = await ctx.state()
    record, cosigner = await _mine(ctx, int(state.data.get("record_id", 0)))
    why = text.strip()
    if not why:
        raise UserError("cosign.ask_reason", title=card.title(ctx, record))
    await records_repo.respond(
        ctx.session, cosigner, confirmed=False, reason=why, actor=ctx.staff, at=ctx.now
    )
    title = card.title(ctx, record)
    # Nobody reviews their own dispute: discipline but the co-signer, or, when the co-signer
    # is discipline's only member, the court's leaders.
    overseers = [p for p in await notify.with_roles(ctx, Role.DISCIPLINE) if p.id != ctx.staff.id]
    told = "cosign.disputed"
    if not overseers and Role.DISCIPLINE in ctx.roles:
        overseers = [p for p in await notify.with_roles(ctx, Role.LEADER) if p.id != ctx.staff.id]
        told = "cosign.disputed_leaders"
    # The department's integrity officers follow its records' lapses (Art. 10).
    skip = {ctx.staff.id, record.handler_id} | {p.id for p in overseers}
    officers = [
        person
        for person in await staff_repo.with_role(ctx.session, Role.INTEGRITY_OFFICER)
        if person.department_id == record.department_id and person.id not in skip
    ]
    said = ctx.t(told, title=title)
    if officers:
        names = join(ctx.language, [p.name for p in officers])
        said += "\n" + ctx.t("cosign.disputed_officers", names=names)
    ctx.reply(said)
    handler = await _handler(ctx, record)
    await notify.tell(
        ctx,
        [handler],
        "cosign.handler_disputed",
        {"name": ctx.staff.name, "title": title, "reason": why},
    )
    await notify.tell(
        ctx,
        [*overseers, *officers],
        "cosign.discipline_disputed",
        {"name": ctx.staff.name, "handler": handler.name, "title": title, "reason": why},
    )
    await milestones.resend_cosigned(ctx, record)
    return END


async def back(ctx: Context, args: str) -> Next:
    """/back at the dispute's reason, the dialogue's one question: it is asked again."""
    state = await ctx.state()
    record, _cosigner = await _mine(ctx, int(state.data.get("record_id", 0)))
    question = ctx.t("cosign.ask_reason", title=card.title(ctx, record))
    ctx.reply(ctx.t("intake.error.no_back") + "\n\n" + question)
    return None


async def cancel(ctx: Context, args: str) -> Next:
    """/cancel at the dispute's reason: no dispute is sent, the co-signature is still owed,
    and the cards that wait for this person's press are shown again (``views.to_confirm``)."""
    state = await ctx.state()
    record, _cosigner = await _mine(ctx, int(state.data.get("record_id", 0)))
    lines, buttons = await views.to_confirm(ctx)
    text = "\n".join([ctx.t("cosign.dispute_cancelled", title=card.title(ctx, record)), *lines])
    ctx.reply(text, tuple(buttons))
    return END


PAPER = "po"
"""Callback prefix of the handler's press that a person present signed on paper."""


def paper_buttons(ctx: Context, record: Record) -> tuple[tuple[Button, ...], ...]:
    """One button a person present who is not in the bot and whose paper signature is not
    confirmed yet (``cosign.paper_button``, ``po:<record id>:<co-signer id>``), one a row."""
    return tuple(
        (Button(ctx.t("cosign.paper_button", name=c.who), f"{PAPER}:{record.id}:{c.id}"),)
        for c in record.cosigners
        if c.offline and c.status == CosignStatus.PENDING
    )


async def paper(ctx: Context, value: str) -> Next:
    """The handler's press ``po:<record id>:<co-signer id>``: that person present, not in the
    bot, signed the printed form by hand (Art. 3). Confirmed now and audited
    (``storage.records.confirm_paper``); the reply says who still must sign, or that the
    step is done. Raises ``UserError`` for a stale button, a sender who is not the handler,
    or a signature already confirmed."""
    raw_record, _, raw_cosigner = value.partition(":")
    record_id, cosigner_id = parse_id(raw_record), parse_id(raw_cosigner)
    record = await records_repo.get(ctx.session, record_id) if record_id is not None else None
    if record is None or record.status != RecordStatus.SUBMITTED:
        raise UserError("error.stale_button")
    if record.handler_id != ctx.staff.id:
        raise UserError("cosign.paper_not_handler")
    cosigner = next((c for c in record.cosigners if c.id == cosigner_id and c.offline), None)
    if cosigner is None:
        raise UserError("error.stale_button")
    if cosigner.status != CosignStatus.PENDING:
        raise UserError("cosign.paper_already", name=cosigner.who)
    await records_repo.confirm_paper(ctx.session, cosigner, actor=ctx.staff, at=ctx.now)
    title = card.title(ctx, record)
    text = ctx.t("cosign.paper_signed", name=cosigner.who, title=title, at=card.stamp(ctx, ctx.now))
    waiting = [c.who for c in record.cosigners if c.status == CosignStatus.PENDING]
    if record.cosigners_done:
        text += "\n" + ctx.t("cosign.paper_all_done")
    elif waiting:
        text += "\n" + ctx.t("cosign.paper_waiting", names=join(ctx.language, waiting))
    ctx.reply(text, paper_buttons(ctx, record))
    await milestones.resend_cosigned(ctx, record)
    return None


def register(registry: Registry) -> None:
    """Register the ``cs`` and ``po`` buttons and the dispute-reason step."""
    registry.callbacks["cs"] = button
    registry.callbacks[PAPER] = paper
    registry.steps[REASON] = reason
    registry.backs[REASON] = back
    registry.cancels[REASON] = cancel
