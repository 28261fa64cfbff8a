"""Media: a forwarded screenshot, file or text opens a draft, or joins the open one.

A file that comes while a draft is open asks whether it belongs there or to a new draft; it
is held in the dialogue state until that is answered, and never dropped.
"""

from __future__ import annotations

from datetime import datetime

from handlers import card
from handlers.engine import Context, UserError
from handlers.evidence_files import files_from_json, files_to_json
from handlers.evidence_link import attach_files
from handlers.intake.ask import advance, resume_step
from handlers.intake.common import cb, current_draft, require_handler
from handlers.ports import Button
from handlers.state import HeldFiles, Next, StepName
from storage import records as records_repo
from storage.evidence import EvidenceFile
from storage.models import Record


async def start_draft(
    ctx: Context, *, forwarded_at: datetime | None = None, album: str | None = None
) -> Record:
    """A new draft: its receipt time is the forward's original date, or now."""
    received = min(forwarded_at or ctx.now, ctx.now)
    record = await records_repo.create_draft(
        ctx.session, handler=ctx.staff, received_at=received, at=ctx.now
    )
    state = await ctx.state()
    state.fresh()
    state.album = album
    state.record_id = record.id
    return record


async def new(ctx: Context, args: str) -> Next:
    """/new: a draft for an inquiry that came with no file (in person, a phone call)."""
    require_handler(ctx)
    await answer_first(ctx)
    open_draft = await current_draft(ctx)
    if open_draft is not None:
        return await _ask_media_choice(ctx, open_draft, pending=False)
    record = await start_draft(ctx)
    ctx.reply(ctx.t("intake.started", title=card.title(ctx, record)))
    return await advance(ctx, record)


async def answer_first(ctx: Context) -> None:
    """At the add-or-new question its files are held in the conversation: leaving it by
    another command would drop them, so the question must be answered first.

    Raises ``UserError`` while that question is open.
    """
    state = await ctx.state()
    if state.step == StepName.INTAKE_MEDIA and await current_draft(ctx) is not None:
        raise UserError("intake.error.choose")


async def _ask_media_choice(ctx: Context, record: Record, *, pending: bool) -> StepName:
    """Media (or /new) while a draft is open: add to it, or start another?"""
    state = await ctx.state()
    state.resume = state.step
    if pending:
        message = ctx.message
        held = state.held
        if held is None or not held.files:
            held = HeldFiles(
                files=[],
                caption=message.text,
                forwarded_at=message.forwarded_at.isoformat() if message.forwarded_at else None,
                album=message.media_group_id,
            )
        held.files = [*held.files, *files_to_json(ctx.files)]
        state.held = held
    _media_question(ctx, record, pending=pending)
    return StepName.INTAKE_MEDIA


def _media_question(ctx: Context, record: Record, *, pending: bool, refusal: str = "") -> None:
    """The add-or-new question with its buttons, under ``refusal`` when there is one."""
    key = "intake.media_choice" if pending else "intake.new_choice"
    text = ctx.t(key, title=card.title(ctx, record))
    ctx.reply(
        f"{refusal}\n\n{text}" if refusal else text,
        (
            (
                Button(ctx.t("intake.add_here"), cb("media", "add")),
                Button(ctx.t("intake.start_new"), cb("media", "new")),
            ),
        ),
    )


def _hold(ctx: Context, state_held: HeldFiles | None) -> HeldFiles:
    """More media while the add-or-new question is open: it goes the same way, unasked."""
    held = state_held or HeldFiles()
    held.files = [*held.files, *files_to_json(ctx.files)]
    if not held.caption and ctx.message.text.strip():
        held.caption = ctx.message.text
    return held


async def media(ctx: Context, text: str) -> Next:
    """A forwarded file or text: evidence for the open draft, or a new draft."""
    require_handler(ctx)
    record = await current_draft(ctx)
    state = await ctx.state()
    album = ctx.message.media_group_id
    if record is not None and state.step == StepName.INTAKE_MEDIA:
        state.held = _hold(ctx, state.held)
        return None
    if record is not None and album and state.album == album:
        await attach_files(ctx, record, ctx.files)
        return None
    if record is not None:
        return await _ask_media_choice(ctx, record, pending=True)
    record = await start_draft(ctx, forwarded_at=ctx.message.forwarded_at, album=album)
    return await _open_with_files(ctx, record, ctx.files, ctx.message.text)


async def _open_with_files(
    ctx: Context, record: Record, files: list[EvidenceFile], caption: str
) -> StepName:
    kept = [incoming for incoming in files if incoming.sha256]
    if files:
        await attach_files(ctx, record, files)
        await _caption_as_summary(ctx, record, caption)
    if kept:
        ctx.reply(
            ctx.t("intake.started_with_files", title=card.title(ctx, record), count=len(kept))
        )
    elif files:
        ctx.reply(ctx.t("intake.started_metadata_only", title=card.title(ctx, record)))
    else:
        ctx.reply(ctx.t("intake.started", title=card.title(ctx, record)))
    return await advance(ctx, record)


async def _caption_as_summary(ctx: Context, record: Record, caption: str) -> None:
    """A caption the handler typed is their summary; a forwarded text is evidence only."""
    caption = caption.strip()
    forwarded_text = ctx.message.forwarded_at is not None and not ctx.message.attachments
    if caption and record.summary is None and not forwarded_text:
        await records_repo.set_fields(
            ctx.session, record, {"summary": caption}, actor=ctx.staff, at=ctx.now
        )


async def media_choice(ctx: Context, value: str) -> Next:
    """The add-or-new question's answer: ``add`` or ``new``."""
    state = await ctx.state()
    if state.step != StepName.INTAKE_MEDIA and not (state.held and state.held.files):
        raise UserError("error.stale_button")
    held = state.held or HeldFiles()
    files = files_from_json(held.files)
    resume = state.resume
    state.held = None
    state.resume = None
    record = await current_draft(ctx)
    if value == "add" and record is not None:
        if files:  # after /new there are none: "add" just goes on with the open draft
            await attach_files(ctx, record, files)
            ctx.reply(ctx.t("intake.added", title=card.title(ctx, record), count=len(files)))
        return await resume_step(ctx, record, resume)
    if value != "new":
        raise UserError("error.stale_button")
    if record is not None:
        ctx.reply(ctx.t("intake.left_open", title=card.title(ctx, record), id=record.id))
    forwarded_at = datetime.fromisoformat(held.forwarded_at) if held.forwarded_at else None
    record = await start_draft(ctx, forwarded_at=forwarded_at, album=held.album)
    return await _open_with_files(ctx, record, files, held.caption)


async def rescue(ctx: Context, text: str) -> Next:
    """After a failure, keep the message's files on a draft of their own, asking nothing."""
    record = await records_repo.create_draft(
        ctx.session,
        handler=ctx.staff,
        received_at=min(ctx.message.forwarded_at or ctx.now, ctx.now),
        at=ctx.now,
    )
    await attach_files(ctx, record, ctx.files)
    ctx.reply(
        ctx.t("intake.rescued", title=card.title(ctx, record), id=record.id, count=len(ctx.files))
    )
    return None


async def media_text(ctx: Context, text: str) -> Next:
    """Typing while the add-or-new question is open: ask it again, with its buttons."""
    record = await current_draft(ctx)
    if record is None:
        raise UserError("intake.error.no_draft")
    state = await ctx.state()
    pending = state.held is not None and bool(state.held.files)
    _media_question(ctx, record, pending=pending, refusal=ctx.t("intake.error.choose"))
    return None
