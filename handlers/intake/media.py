"""Media: a forwarded screenshot, file or text opens a draft, or joins the open one.

A file that comes while a draft is open asks whether it belongs there or to a new draft; one
that comes with no draft open, from a handler with drafts left open or submitted records, asks
whether it belongs to one of those drafts, to one of the latest submitted records (``RECENT``:
added as an amendment, Art. 3's screenshot sent after submitting) or to a new draft. The
files are held in the dialogue state until that is answered, and never dropped.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from sqlalchemy import select

from handlers import card, ocr
from handlers.engine import Context, UserError
from handlers.evidence_files import TEXT_NAME, files_from_json, files_to_json, is_forwarded_text
from handlers.evidence_link import (
    MESSAGE_KIND,
    attach_files,
    item_count,
    kept_words,
    not_kept_names,
    tell_not_kept,
)
from handlers.fields import (
    CAPTION,
    CAPTION_IS_MESSAGE,
    CAPTION_TIME,
    CAPTION_TIME_FORMAT,
    CHANNEL_READ,
    MAX_LONG,
    MESSAGE,
    OPENED_BY,
    READ,
    READ_SOURCE,
    Opener,
    day_as_typed,
    when,
)
from handlers.i18n import join
from handlers.intake.ask import advance, resume_step
from handlers.intake.common import (
    Buttons,
    cb,
    current_draft,
    no_draft,
    quote,
    require_handler,
)
from handlers.milestones import redeliver
from handlers.ports import Button
from handlers.receipt import SENT_AT
from handlers.state import END, HeldFiles, Next, StepName
from handlers.timeparse import TimeParseError, read_time
from reminders.deadlines import clock_started
from storage import audit
from storage import records as records_repo
from storage.audit import AuditKind
from storage.casenumber import several_case_numbers
from storage.evidence import EvidenceFile, EvidenceStore
from storage.media import EvidenceKind
from storage.models import EvidenceItem, Record
from storage.vocabulary import Channel, RecordStatus, label

RECENT = 3
"""How many of a handler's latest submitted records a file with no draft open may join."""
OFFERED = "offered"
"""``DraftState.data`` key: the ids of the submitted records the question offered."""
HELD_FOR_DRAFT = "add_or_new"
"""``evidence_held``'s reason: held at the question whether it joins the open draft."""
HELD_FOR_SUBMITTED = "add_to_submitted_or_new"
"""``evidence_held``'s reason: held at the question whether it joins a submitted record."""
HELD_AS_DUPLICATE = "duplicate"
"""``evidence_held``'s reason: held because a record already holds the very same bytes."""
ALSO = "also"
"""``DraftState.data`` key: the ids of the records offered beside the draft being filled in
(the sender's other open drafts, then the latest submitted records)."""
TO_RECORD = "rec"
"""The add-or-new button for a submitted record: ``in:media:rec<id>``."""

_OPENERS: dict[str, Opener] = {
    EvidenceKind.IMAGE: Opener.PICTURE,
    EvidenceKind.TEXT: Opener.TEXT,
    EvidenceKind.VOICE: Opener.VOICE,
    EvidenceKind.AUDIO: Opener.RECORDING,
    EvidenceKind.PDF: Opener.DOCUMENT,
    EvidenceKind.DOCUMENT: Opener.DOCUMENT,
}


def opener_of(files: list[EvidenceFile]) -> Opener | None:
    """What the first kept file is (a picture, a forwarded text, a voice...), if known. A
    file whose content is text is a document, not a forwarded text message."""
    for incoming in files:
        if incoming.prepared is not None:
            kind = incoming.prepared.kind
            origin = incoming.provenance
            if kind == EvidenceKind.TEXT and (origin.file_id or origin.file_name != TEXT_NAME):
                return Opener.DOCUMENT
            return _OPENERS.get(kind)
    return None


async def start_draft(
    ctx: Context,
    *,
    forwarded_at: datetime | None = None,
    album: str | None = None,
    opener: Opener | None = None,
) -> Record:
    """A new draft: its receipt time is the forward's original date as the chat service
    states it (kept as ``handlers.receipt.SENT_AT``), or now; ``opener`` (what reached the
    judge) suggests the channel."""
    record = await _draft(ctx, forwarded_at)
    if opener is not None:
        record.fields = {**record.fields, OPENED_BY: opener.value}
        await ctx.session.flush()
    state = await ctx.state()
    state.fresh()
    state.album = album
    state.record_id = record.id
    return record


async def _draft(ctx: Context, forwarded_at: datetime | None) -> Record:
    """A draft received at ``forwarded_at`` (the chat service's stated send time), else now."""
    received = min(forwarded_at or ctx.now, ctx.now)
    record = await records_repo.create_draft(
        ctx.session, handler=ctx.staff, received_at=received, at=ctx.now
    )
    if forwarded_at is not None:
        record.fields = {**record.fields, SENT_AT: received.isoformat()}
        await ctx.session.flush()
    return record


async def new(ctx: Context, args: str) -> Next:
    """/new: a draft for an inquiry that came with no file (in person, a phone call). With a
    draft open it asks first (continue it, or start another); typed at the add-or-new
    question it is that question's "start a new record" (the held material goes to it, an
    open draft is left open and said so)."""
    require_handler(ctx)
    if (await ctx.state()).step == StepName.INTAKE_MEDIA:  # the question's own "new record"
        return await media_choice(ctx, "new")
    open_draft = await current_draft(ctx)
    if open_draft is not None:
        return await _ask_media_choice(ctx, open_draft, pending=False)
    record = await start_draft(ctx, opener=Opener.NEW)
    ctx.reply(ctx.t("intake.started", title=card.title(ctx, record)))
    return await advance(ctx, record)


async def answer_first(ctx: Context, error: str = "intake.error.choose") -> None:
    """At the add-or-new question its files are held in the conversation: leaving it by
    another command would drop them, so the question must be answered first.

    Raises ``UserError`` while that question is open: ``error`` (a catalog key) and the
    question again, with its buttons.
    """
    state = await ctx.state()
    record = await current_draft(ctx) if state.step == StepName.INTAKE_MEDIA else None
    offered = await _offered(ctx) if state.step == StepName.INTAKE_MEDIA else []
    if record is None and offered:
        refusal = UserError(
            "intake.refused_question", error=ctx.t(error), question=_which_question(ctx, offered)
        )
        refusal.buttons = _submitted_buttons(ctx, offered)
        raise refusal
    if record is None and state.step == StepName.INTAKE_MEDIA and state.held and state.held.files:
        refusal = UserError(
            "intake.refused_question",
            error=ctx.t("intake.error.choose"),
            question=_elsewhere(ctx, files_from_json(state.held.files)),
        )
        refusal.buttons = _new_or_dismiss(ctx)
        raise refusal
    if record is not None:
        held = files_from_json(state.held.files) if state.held is not None else []
        others = await _offered(ctx, ALSO)
        question = _draft_question(ctx, record, others, held)
        refusal = UserError("intake.refused_question", error=ctx.t(error), question=question)
        refusal.buttons = _media_buttons(ctx, record, others, pending=bool(held))
        raise refusal


async def _ask_media_choice(ctx: Context, record: Record, *, pending: bool) -> StepName:
    """Media (or /new) while a draft is open: add to it, or start another?"""
    state = await ctx.state()
    others = await _others(ctx, record, await _asked_for(ctx)) if pending else []
    state.resume = state.step
    if pending:
        state.data = {**state.data, ALSO: [other.id for other in others]}
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
        await held_audited(ctx, ctx.files, HELD_FOR_DRAFT)
        tell_not_kept(ctx, ctx.files)
    held_files = files_from_json(state.held.files) if pending and state.held else []
    _media_question(ctx, record, others, held_files)
    return StepName.INTAKE_MEDIA


async def recent_submitted(ctx: Context) -> list[Record]:
    """The sender's latest ``RECENT`` submitted records, the latest submitted first."""
    records = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.SUBMITTED])
    latest = sorted(records, key=lambda r: (r.submitted_at or r.received_at, r.id), reverse=True)
    return latest[:RECENT]


async def open_drafts(ctx: Context) -> list[Record]:
    """Every draft of the sender still open (left open by "start a new record", /cancel's
    question or a restart), the latest opened first: none of them may be forgotten when
    material comes with no draft being filled in."""
    drafts = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.DRAFT])
    return sorted(drafts, key=lambda r: r.id, reverse=True)


async def _asked_for(ctx: Context) -> Record | None:
    """The sender's submitted record whose correction list (``amend.which``) is open: it
    told the judge to send a file and then choose it."""
    state = await ctx.state()
    if state.step != StepName.AMEND_FIELD:
        return None
    wanted = state.data.get("record_id")
    record = await records_repo.get(ctx.session, int(wanted)) if wanted is not None else None
    if (
        record is None
        or record.handler_id != ctx.staff.id
        or record.status != RecordStatus.SUBMITTED
    ):
        return None
    return record


async def _submitted_first(ctx: Context, asked: Record | None) -> list[Record]:
    """The latest submitted records (``recent_submitted``), ``asked`` (the record whose
    correction asked for a file) first among them when there is one."""
    latest = await recent_submitted(ctx)
    if asked is None:
        return latest
    return [asked, *(r for r in latest if r.id != asked.id)]


async def _targets(ctx: Context) -> list[Record]:
    """What material that comes with no draft being filled in may join: the sender's open
    drafts (``open_drafts``), then the latest submitted records (``_submitted_first``)."""
    return [*await open_drafts(ctx), *await _submitted_first(ctx, await _asked_for(ctx))]


async def _others(ctx: Context, draft: Record, asked: Record | None) -> list[Record]:
    """What material that comes while ``draft`` is being filled in may join beside it: the
    sender's other open drafts (the latest opened first), then the latest submitted records
    (``_submitted_first``)."""
    drafts = [r for r in await open_drafts(ctx) if r.id != draft.id]
    return [*drafts, *await _submitted_first(ctx, asked)]


def _drafts_named(ctx: Context, records: list[Record]) -> str:
    """The open drafts among ``records`` by their titles (草稿 #2、草稿 #5); "" for none."""
    drafts = [r for r in records if r.status == RecordStatus.DRAFT]
    return join(ctx.language, [card.title(ctx, r) for r in drafts])


def _which_question(ctx: Context, offered: list[Record]) -> str:
    """The question asked again while material is held for one of ``offered``: it names the
    sender's open drafts among them, never says only submitted records are there."""
    drafts = _drafts_named(ctx, offered)
    if drafts:
        return ctx.t("intake.record_choice", drafts=drafts)
    return ctx.t("intake.submitted_choice")


async def _offered(ctx: Context, key: str = OFFERED) -> list[Record]:
    """The records the open question offered (kept under ``key``: ``OFFERED``, or ``ALSO``
    beside the draft being filled in), still the sender's drafts or submitted records."""
    state = await ctx.state()
    if state.held is None or not state.held.files:
        return []
    found: list[Record] = []
    for wanted in state.data.get(key) or []:
        record = await records_repo.get(ctx.session, int(wanted))
        if (
            record is not None
            and record.handler_id == ctx.staff.id
            and record.status in (RecordStatus.SUBMITTED, RecordStatus.DRAFT)
        ):
            found.append(record)
    return found


def _case(ctx: Context, record: Record) -> str:
    """A record's case as every button of the picker names it: by its case name (asked of
    every record, a number or not), the number only when there is no name."""
    return record.case_name or record.case_number or ctx.t("card.not_filed")


def _add_to(ctx: Context, record: Record) -> str:
    """The button that adds held material to ``record``: a submitted record by its number
    and case; an open draft by its title, and its case once named."""
    if record.status != RecordStatus.DRAFT:
        return ctx.t("intake.add_to_submitted", number=record.number or "", case=_case(ctx, record))
    case = record.case_name or record.case_number
    title = card.title(ctx, record)
    if case:
        return ctx.t("intake.add_to_draft_case", title=title, case=case)
    return ctx.t("intake.add_to_draft", title=title)


def _submitted_buttons(ctx: Context, records: list[Record]) -> Buttons:
    """One button per record offered (an open draft or a submitted record), then "start a
    new record" and "sent by mistake"."""
    rows = [
        (Button(_add_to(ctx, record), cb("media", f"{TO_RECORD}{record.id}")),)
        for record in records
    ]
    return (
        *rows,
        (Button(ctx.t("intake.start_new"), cb("media", "new")),),
        (Button(ctx.t("intake.dismiss"), cb("media", DISMISS)),),
    )


async def _ask_submitted_choice(ctx: Context, records: list[Record]) -> StepName:
    """Files with no draft being filled in, from a handler with open drafts or submitted
    ``records``: add them to one of those (to a submitted record as an amendment: the
    screenshot of an inquiry by WeChat, Art. 3, often comes after the record), or start a
    new record? The open drafts are named in the question. The files are held until
    answered."""
    state = await ctx.state()
    state.fresh(**{OFFERED: [record.id for record in records]})
    state.record_id = None
    state.held = held_now(ctx)
    await held_audited(ctx, ctx.files, HELD_FOR_SUBMITTED)
    tell_not_kept(ctx, ctx.files)
    what, kept = material(ctx, ctx.files), kept_words(ctx, ctx.files)
    drafts = _drafts_named(ctx, records)
    text = (
        ctx.t("intake.record_choice_first", what=what, drafts=drafts, kept=kept)
        if drafts
        else ctx.t("intake.submitted_choice_first", what=what, kept=kept)
    )
    ctx.reply(text, _submitted_buttons(ctx, records))
    return StepName.INTAKE_MEDIA


async def _holder(ctx: Context, files: list[EvidenceFile]) -> tuple[Record, str] | None:
    """The latest record already holding one of ``files``' very bytes (an evidence item of
    the same SHA-256), and that file's name; None when every file is new to the store's
    records. A withdrawn record does not count: sending its material again is starting
    over."""
    for file in files:
        if file.sha256 is None:
            continue
        query = (
            select(EvidenceItem.record_id)
            .join(Record, Record.id == EvidenceItem.record_id)
            .where(
                EvidenceItem.blob_sha256 == file.sha256,
                Record.status != RecordStatus.WITHDRAWN,
            )
            .order_by(EvidenceItem.record_id.desc())
            .limit(1)
        )
        found = (await ctx.session.execute(query)).scalar_one_or_none()
        record = await records_repo.get(ctx.session, found) if found is not None else None
        if record is not None:
            name = None if is_forwarded_text(file) else file.provenance.file_name
            return record, name or ctx.t(f"evidence.kind.{_kind(file)}")  # a message: no file
    return None


def _kind(file: EvidenceFile) -> str:
    """``file``'s kind as the evidence catalog names it (a message, an image, a voice...)."""
    if is_forwarded_text(file):
        return MESSAGE_KIND
    return file.prepared.kind if file.prepared is not None else "other"


async def _ask_duplicate(ctx: Context, holder: Record, name: str, draft: Record | None) -> StepName:
    """Files of which one is byte for byte evidence ``holder`` already keeps: held (each
    ``evidence_held``, reason ``HELD_AS_DUPLICATE``), and the judge told which record holds
    it (its number or draft title, and its status) and asked: add to that record anyway (when
    it is the sender's draft or submitted record), start a new record, or dismiss (sent by
    mistake). Another handler's record is not named, nor offered. An open ``draft`` goes on
    where it stopped once answered."""
    state = await ctx.state()
    mine = holder.handler_id == ctx.staff.id
    resume = state.step if draft is not None else None
    state.fresh(**{OFFERED: [holder.id] if mine else []})
    state.record_id = draft.id if draft is not None else None
    state.resume = resume
    state.held = held_now(ctx)
    await held_audited(ctx, ctx.files, HELD_AS_DUPLICATE)
    tell_not_kept(ctx, ctx.files)
    kept = kept_words(ctx, ctx.files)
    rows: list[tuple[Button, ...]] = []
    if mine:
        title = holder.number or card.title(ctx, holder)
        text = ctx.t(
            "intake.duplicate_of",
            name=name,
            title=title,
            status=label(RecordStatus(holder.status), ctx.language),
            kept=kept,
        )
        rows.append(
            (
                Button(
                    ctx.t("intake.add_duplicate", title=title),
                    cb("media", f"{TO_RECORD}{holder.id}"),
                ),
            )
        )
    else:
        text = ctx.t("intake.duplicate_elsewhere", name=name, kept=kept)
    ctx.reply(text, (*rows, *_new_or_dismiss(ctx)))
    return StepName.INTAKE_MEDIA


def _new_or_dismiss(ctx: Context) -> Buttons:
    """Start a new record with the held files, or dismiss them (sent by mistake)."""
    return (
        (Button(ctx.t("intake.start_new"), cb("media", "new")),),
        (Button(ctx.t("intake.dismiss"), cb("media", DISMISS)),),
    )


def _elsewhere(ctx: Context, files: list[EvidenceFile]) -> str:
    """The question about held ``files`` another handler's record holds already."""
    return ctx.t(
        "intake.duplicate_elsewhere", name=material(ctx, files), kept=kept_words(ctx, files)
    )


def _draft_question(
    ctx: Context, record: Record, others: list[Record], held: list[EvidenceFile]
) -> str:
    """The add-or-new question's words while ``record`` is being filled in: with material
    ``held`` (said truly kept or not, ``kept_words``) and ``others`` offered beside it, it
    counts the open drafts truly (``record`` and the other drafts among ``others``, by
    title); with nothing held (after /new), continue ``record`` or start another."""
    title = card.title(ctx, record)
    if not held:
        return ctx.t("intake.new_choice", title=title)
    kept = kept_words(ctx, held)
    drafts = _drafts_named(ctx, others)
    if drafts:
        count = 1 + sum(1 for other in others if other.status == RecordStatus.DRAFT)
        return ctx.t(
            "intake.media_choice_drafts", count=count, title=title, drafts=drafts, kept=kept
        )
    if others:
        return ctx.t("intake.media_choice_records", title=title, kept=kept)
    return ctx.t("intake.media_choice", title=title, kept=kept)


def _media_question(
    ctx: Context,
    record: Record,
    others: list[Record],
    held: list[EvidenceFile],
    *,
    refusal: str = "",
) -> None:
    """The add-or-new question about ``held`` with its buttons, under ``refusal`` when there
    is one."""
    text = _draft_question(ctx, record, others, held)
    if refusal:
        text = ctx.t("intake.refused_question", error=refusal, question=text)
    ctx.reply(text, _media_buttons(ctx, record, others, pending=bool(held)))


def _media_buttons(
    ctx: Context, record: Record, others: list[Record], *, pending: bool = True
) -> tuple[tuple[Button, ...], ...]:
    """Add the held material to ``record``, to one of ``others`` (offered beside it) or
    start a new record; after /new, with nothing held, go on with ``record`` or start a new
    one."""
    first = (
        ctx.t("intake.add_here")
        if pending
        else ctx.t("intake.continue_draft", title=card.title(ctx, record))
    )
    if others and pending:
        return ((Button(first, cb("media", "add")),), *_submitted_buttons(ctx, others))
    row = (
        Button(first, cb("media", "add")),
        Button(ctx.t("intake.start_new"), cb("media", "new")),
    )
    if not pending:
        return (row,)
    return (row, (Button(ctx.t("intake.dismiss"), cb("media", DISMISS)),))


def material(ctx: Context, files: list[EvidenceFile]) -> str:
    """``files`` as the judge calls them: "2 个文件", "1 条消息", or both (a forwarded text is
    a message, not a file)."""
    texts = sum(1 for file in files if is_forwarded_text(file))
    others = len(files) - texts
    if texts and others:
        return ctx.t(
            "intake.n_both",
            files=ctx.t("intake.n_files", count=others),
            messages=ctx.t("intake.n_messages", count=texts),
        )
    if texts:
        return ctx.t("intake.n_messages", count=texts)
    return ctx.t("intake.n_files", count=others)


def _hold(ctx: Context, state_held: HeldFiles | None) -> HeldFiles:
    """More media while the add-or-new question is open: it goes the same way, unasked."""
    held = state_held or HeldFiles()
    held.files = [*held.files, *files_to_json(ctx.files)]
    if not held.caption and ctx.message.text.strip():
        held.caption = ctx.message.text
    return held


def is_empty(file: EvidenceFile) -> bool:
    """A file of 0 bytes: what came, or what its sender declared when nothing came."""
    if file.prepared is not None:
        return file.prepared.size == 0
    return file.unavailable is not None and file.provenance.declared_size == 0


async def _refused(ctx: Context, file: EvidenceFile, reason: str, **more: object) -> None:
    """The ``evidence_refused`` audit event of ``file``, sent by ``ctx.staff``: its
    ``reason``, its name, declared size and where it came from, and ``more``."""
    await _file_event(ctx, AuditKind.EVIDENCE_REFUSED, file, reason, **more)


async def _file_event(
    ctx: Context, kind: AuditKind, file: EvidenceFile, reason: str, **more: object
) -> None:
    """The ``kind`` audit event of ``file``, sent by ``ctx.staff``: its ``reason``, its name,
    declared size and where it came from, its SHA-256 and stored size when it was kept (so
    ``guowen verify`` re-hashes it though no record holds it), and ``more``."""
    origin = file.provenance
    kept = file.prepared
    await audit.append(
        ctx.session,
        kind,
        at=ctx.now,
        actor_staff_id=ctx.staff.id,
        subject=f"staff:{ctx.staff.id}",
        payload={
            "reason": reason,
            "name": origin.file_name,
            "declared_size": origin.declared_size,
            "sha256": file.sha256,
            **({"size": kept.size} if kept is not None else {}),
            **more,
            "transport": origin.transport,
            "file_id": origin.file_id,
            "message_id": origin.message_id,
        },
    )


def held_now(ctx: Context) -> HeldFiles:
    """The message's files held as they came: with its caption, the forward's stated time
    (ISO 8601) and its album."""
    message = ctx.message
    return HeldFiles(
        files=files_to_json(ctx.files),
        caption=message.text,
        forwarded_at=message.forwarded_at.isoformat() if message.forwarded_at else None,
        album=message.media_group_id,
    )


async def held_audited(ctx: Context, files: list[EvidenceFile], reason: str) -> None:
    """Each of ``files``, held in the dialogue until a question is answered, gets an
    ``evidence_held`` audit event (``reason``: the question): its arrival is audited before
    any record holds it, and ``guowen verify`` checks its bytes meanwhile."""
    for file in files:
        await _file_event(ctx, AuditKind.EVIDENCE_HELD, file, reason)


async def refuse_empty(ctx: Context) -> bool:
    """Take the 0-byte files out of ``ctx.files``: each is refused with a message and an
    ``evidence_refused`` audit event, and opens no draft. True when nothing else came."""
    empty = [file for file in ctx.files if is_empty(file)]
    if not empty:
        return False
    ctx.files = [file for file in ctx.files if not is_empty(file)]
    for file in empty:
        origin = file.provenance
        await _refused(ctx, file, "empty")
        name = origin.file_name or ctx.t("evidence.unnamed")
        ctx.reply(ctx.t("intake.empty_file", name=name))
    return not ctx.files


async def media(ctx: Context, text: str) -> Next:
    """A forwarded file or text: evidence for the open draft, or a new draft. A 0-byte file
    is refused (``refuse_empty``); a caption is placed and said where (``place_captions``)."""
    require_handler(ctx)
    if await refuse_empty(ctx):
        return None
    record = await current_draft(ctx)
    state = await ctx.state()
    if state.step != StepName.INTAKE_MEDIA and (holder := await _holder(ctx, ctx.files)):
        return await _ask_duplicate(ctx, *holder, record)
    album = ctx.message.media_group_id
    offered = await _offered(ctx) if state.step == StepName.INTAKE_MEDIA else []
    if record is None and offered:
        held = _hold(ctx, state.held)
        state.held = held
        await held_audited(ctx, ctx.files, HELD_FOR_SUBMITTED)
        tell_not_kept(ctx, ctx.files)
        total = material(ctx, files_from_json(held.files))
        key = "intake.held_record" if _drafts_named(ctx, offered) else "intake.held_submitted"
        what, kept = material(ctx, ctx.files), kept_words(ctx, ctx.files)
        ctx.reply(ctx.t(key, what=what, total=total, kept=kept), _submitted_buttons(ctx, offered))
        return None
    if record is None and state.step == StepName.INTAKE_MEDIA and state.held and state.held.files:
        held = _hold(ctx, state.held)  # at the question about another's record's file
        state.held = held
        await held_audited(ctx, ctx.files, HELD_AS_DUPLICATE)
        tell_not_kept(ctx, ctx.files)
        ctx.reply(_elsewhere(ctx, files_from_json(held.files)), _new_or_dismiss(ctx))
        return None
    if record is not None and state.step == StepName.INTAKE_MEDIA:
        held = _hold(ctx, state.held)
        state.held = held
        await held_audited(ctx, ctx.files, HELD_FOR_DRAFT)
        tell_not_kept(ctx, ctx.files)
        total = material(ctx, files_from_json(held.files))
        others = await _offered(ctx, ALSO)
        text = ctx.t(
            "intake.held_beside" if others else "intake.held",
            what=material(ctx, ctx.files),
            total=total,
            title=card.title(ctx, record),
            kept=kept_words(ctx, ctx.files),
        )
        ctx.reply(text, _media_buttons(ctx, record, others))
        return None
    if record is not None and album and state.album == album:
        await attach_files(ctx, record, ctx.files)
        count = await item_count(ctx, record)
        ctx.reply(ctx.t("intake.album_more", title=card.title(ctx, record), count=count))
        await place_captions(ctx, record, ctx.files)
        return None
    if record is not None:
        return await _ask_media_choice(ctx, record, pending=True)
    targets = await _targets(ctx)
    if targets:
        return await _ask_submitted_choice(ctx, targets)
    record = await start_draft(
        ctx, forwarded_at=ctx.message.forwarded_at, album=album, opener=opener_of(ctx.files)
    )
    return await _open_with_files(ctx, record, ctx.files)


async def _open_with_files(ctx: Context, record: Record, files: list[EvidenceFile]) -> StepName:
    kept = [incoming for incoming in files if incoming.sha256]
    if files:
        await attach_files(ctx, record, files)
        await _read_picture(ctx, record, files)
    if kept and (lost := not_kept_names(ctx, files)) is not None:
        what = material(ctx, kept)
        ctx.reply(
            ctx.t("intake.started_some_kept", title=card.title(ctx, record), what=what, names=lost)
        )
    elif kept and any(is_forwarded_text(file) for file in kept):
        what = material(ctx, kept)
        ctx.reply(ctx.t("intake.started_with_message", title=card.title(ctx, record), what=what))
    elif kept:
        ctx.reply(
            ctx.t("intake.started_with_files", title=card.title(ctx, record), count=len(kept))
        )
    elif files:
        ctx.reply(ctx.t("intake.started_metadata_only", title=card.title(ctx, record)))
    else:
        ctx.reply(ctx.t("intake.started", title=card.title(ctx, record)))
    await place_captions(ctx, record, files)
    captions = [file.provenance.caption or "" for file in files]
    _channels_read(record, ocr.channels_in(captions))
    await ctx.session.flush()
    await offer_messages(ctx, record, files, opening=True)
    return await advance(ctx, record)


def case_number_in_text(text: str, *, year_now: int) -> str | None:
    """The one case number a forwarded text names, as stored; None when it names none or
    several (one record is one case: then the question is asked)."""
    if several_case_numbers(text):
        return None
    return ocr.case_number_in(tuple(text.splitlines()), year_now=year_now)


def _message_text(store: EvidenceStore, sha256: str) -> str | None:
    """A kept forwarded text's words (blocking); None when they cannot be read back."""
    try:
        with store.blobs.open(sha256) as reading:
            data = reading.stream.read(4 * MAX_LONG + 4)
    except (OSError, ValueError):
        return None
    return data.decode("utf-8", errors="replace").strip() or None


async def offer_messages(
    ctx: Context, record: Record, files: list[EvidenceFile], *, opening: bool = False
) -> None:
    """A forwarded text is the inquiry in its sender's words, kept as evidence: the first,
    while the summary is empty, is offered when the summary is asked (``fields.CAPTION``
    with ``CAPTION_IS_MESSAGE``: one press takes it), and a case number in it is proposed
    when the case number is asked (``fields.READ``); neither is stored unasked. The texts
    ``opening`` a draft say how the inquiry came when their words show it
    (``fields.CHANNEL_READ``)."""
    store = ctx.services.evidence
    if store is None:
        return
    for file in files:
        if not is_forwarded_text(file) or file.sha256 is None:
            continue
        text = await asyncio.to_thread(_message_text, store, file.sha256)
        if text is None:
            continue
        fields = dict(record.fields)
        said: list[str] = []
        if record.summary is None and fields.get(CAPTION) is None and len(text) <= MAX_LONG:
            fields[CAPTION] = text
            fields[CAPTION_IS_MESSAGE] = True
            said.append(ctx.t("intake.message_offered"))
        read = fields.get(READ)
        read = dict(read) if isinstance(read, dict) else {}
        number = case_number_in_text(text, year_now=ctx.local(ctx.now).year)
        if record.case_number is None and "case_number" not in read and number is not None:
            source = {} if read else {READ_SOURCE: MESSAGE}  # beside OCR's reading, OCR's note
            fields[READ] = {**read, **source, "case_number": number}
            said.append(ctx.t("intake.message_case_number", number=number))
        record.fields = fields
        if opening:
            _channels_read(record, ocr.channels_in(text.splitlines()))
        if said:
            ctx.reply("\n".join(said))
        await ctx.session.flush()


async def _read_picture(ctx: Context, record: Record, files: list[EvidenceFile]) -> None:
    """With ``[intake] ocr``: what the first picture shows, kept to be proposed (never
    stored as an answer unconfirmed)."""
    store = ctx.services.evidence
    picture = next(
        (f for f in files if f.prepared is not None and f.prepared.kind == EvidenceKind.IMAGE),
        None,
    )
    if not ctx.services.ocr or store is None or picture is None or picture.sha256 is None:
        return
    reading = await ocr.read(
        store.path_of(picture.sha256).read_bytes(), year_now=ctx.local(ctx.now).year
    )
    if reading is None:
        return
    found = {
        "inquirer_name": reading.inquirer_name,
        "inquirer_unit": reading.inquirer_unit,
        "case_number": reading.case_number,
    }
    found = {key: value for key, value in found.items() if value}
    if found:
        record.fields = {**record.fields, READ: found}
    _channels_read(record, reading.channels)
    await ctx.session.flush()


def _channels_read(record: Record, channels: frozenset[Channel]) -> None:
    """Add the channels read in what opened ``record`` (the picture's text, the forwarded
    message's or the caption's words) to ``fields.CHANNEL_READ``: one in all is proposed,
    several are named as likely and asked; nothing is kept when none was read."""
    read = record.fields.get(CHANNEL_READ)
    before = {str(value) for value in read} if isinstance(read, list) else set()
    after = before | {channel.value for channel in channels}
    if after != before:
        record.fields = {**record.fields, CHANNEL_READ: sorted(after)}


_SEGMENTS = re.compile(r"[\s，,。；;、]+")
"""What parts a caption's words: a time at its head is read from its first parts."""


def time_at_head(ctx: Context, text: str) -> datetime | None:
    """The moment the longest run of ``text``'s first parts reads as, with a time of day
    (``周六晚上10点 县委李主任来电``: Saturday 22:00, as ``timeparse.read_time`` reads it);
    None when no head of it is a time, or when it is one the words leave open (an hour
    without a part of the day, ``Moment.twelve``): never proposed, it is asked when typed.
    Today's weekday alone is today, or a week back where today's is still to come
    (``fields.day_as_typed``)."""
    parts = [part for part in _SEGMENTS.split(text.strip()) if part][:4]
    for end in range(len(parts), 0, -1):
        try:
            moment = read_time(" ".join(parts[:end]), now=ctx.now, tz=ctx.services.tz)
        except TimeParseError:
            continue
        if moment.clock is not None and not moment.twelve:
            return datetime.combine(day_as_typed(ctx, moment), moment.clock, ctx.services.tz)
        if moment.clock is not None:
            return None
    return None


async def _caption_time(ctx: Context, record: Record, text: str) -> bool:
    """A time at the head of a caption is the inquiry's time as the judge wrote it: proposed
    for it (``CAPTION_TIME``), as a typed answer would be, and the judge told; one in the
    future is said and not proposed. True when the caption had a time."""
    if record.inquiry_at is not None or record.fields.get(CAPTION_TIME) is not None:
        return False
    moment = time_at_head(ctx, text)
    if moment is None:
        return False
    if moment > ctx.now:
        ctx.reply(ctx.t("intake.caption_time_future", caption=quote(text), time=when(ctx, moment)))
        return True
    typed = ctx.local(moment).strftime(CAPTION_TIME_FORMAT)
    record.fields = {**record.fields, CAPTION_TIME: typed}
    await ctx.session.flush()
    ctx.reply(ctx.t("intake.caption_time", caption=quote(text), time=when(ctx, moment)))
    return True


async def place_captions(ctx: Context, record: Record, files: list[EvidenceFile]) -> None:
    """Every caption that came with ``files`` is placed, and the judge told where: each stays
    with the evidence item it came with (``EvidenceItem.caption``); the first, while the
    summary is empty, is also offered when the summary is asked (``fields.CAPTION``: one
    press takes it), never stored as the summary unasked; a time at its head is proposed
    as the inquiry's time (``_caption_time``). A forwarded text is evidence, never a
    caption.
    """
    seen: dict[str, str] = {}
    for file in files:
        text = (file.provenance.caption or "").strip()
        if text and text not in seen:
            seen[text] = file.provenance.file_name or ctx.t("evidence.unnamed")
    for text in seen:
        if await _caption_time(ctx, record, text):
            break
    for text, name in seen.items():
        offered = record.fields.get(CAPTION)
        if record.summary is None and offered is None and len(text) <= MAX_LONG:
            record.fields = {**record.fields, CAPTION: text}
            await ctx.session.flush()
            ctx.reply(ctx.t("intake.caption_offered", caption=quote(text)))
        else:
            ctx.reply(ctx.t("intake.caption_kept", caption=quote(text), name=name))


async def media_choice(ctx: Context, value: str) -> Next:
    """The add-or-new question's answer: ``add`` or ``new``."""
    state = await ctx.state()
    if state.step != StepName.INTAKE_MEDIA and not (state.held and state.held.files):
        raise UserError("error.stale_button")
    held = state.held or HeldFiles()
    files = files_from_json(held.files)
    if value.startswith(TO_RECORD):
        return await _to_submitted(ctx, value.removeprefix(TO_RECORD), files)
    if value == DISMISS:
        return await dismiss(ctx)
    resume = state.resume
    state.held = None
    state.resume = None
    record = await current_draft(ctx)
    if value == "add" and record is not None:
        if files:  # after /new there are none: "add" just goes on with the open draft
            await attach_files(ctx, record, files)
            title = card.title(ctx, record)
            if any(is_forwarded_text(file) for file in files):
                ctx.reply(ctx.t("intake.added_material", title=title, what=material(ctx, files)))
            else:
                ctx.reply(ctx.t("intake.added", title=title, count=len(files)))
            await place_captions(ctx, record, files)
            await offer_messages(ctx, record, files)
        return await resume_step(ctx, record, resume)
    if value != "new":
        raise UserError("error.stale_button")
    if record is not None:
        title, running = card.title(ctx, record), deadlines_words(ctx, record)
        ctx.reply(ctx.t("intake.left_open", title=title, id=record.id, deadlines=running))
    forwarded_at = datetime.fromisoformat(held.forwarded_at) if held.forwarded_at else None
    opener = opener_of(files) if files else Opener.NEW  # no files held: it was /new
    record = await start_draft(ctx, forwarded_at=forwarded_at, album=held.album, opener=opener)
    return await _open_with_files(ctx, record, files)


DISMISS = "dismiss"
"""The add-or-new question's "sent by mistake" answer (``dismiss``)."""


async def dismiss(ctx: Context) -> Next:
    """The files held at the add-or-new question were sent by mistake: registered on no
    record, yet never dropped — each stays in the evidence store under its SHA-256 and gets
    an ``evidence_refused`` audit event (reason ``dismissed``, with its name, size and
    hash), as received and dismissed by the judge. An open draft goes on where it stopped;
    with none, the dialogue ends. Raises ``UserError`` (``error.stale_button``) when no
    files are held."""
    state = await ctx.state()
    held = state.held
    files = files_from_json(held.files) if held is not None else []
    if state.step != StepName.INTAKE_MEDIA or not files:
        raise UserError("error.stale_button")
    for file in files:
        await _refused(ctx, file, "dismissed")
    resume = state.resume
    state.held = None
    state.resume = None
    kept = kept_words(ctx, files, key="intake.dismissed_kept")
    ctx.reply(ctx.t("intake.dismissed", what=material(ctx, files), kept=kept))
    record = await current_draft(ctx)
    if record is not None:
        return await resume_step(ctx, record, resume)
    state.fresh()
    return END


async def drop_question(ctx: Context) -> Next:
    """/cancel (or a typed cancel word) at the add-or-new question: material held there was
    sent by mistake (``dismiss``: kept in the evidence store, audited, on no record); after
    /new, with nothing held, no new record is started and the open draft goes on where it
    stopped. With neither, the question is closed."""
    state = await ctx.state()
    if state.held is not None and state.held.files:
        return await dismiss(ctx)
    resume = state.resume
    state.resume = None
    record = await current_draft(ctx)
    if record is None:
        state.fresh()
        ctx.reply(ctx.t("common.cancelled"))
        return END
    ctx.reply(ctx.t("intake.new_cancelled", title=card.title(ctx, record)))
    return await resume_step(ctx, record, resume)


async def _to_submitted(ctx: Context, wanted: str, files: list[EvidenceFile]) -> Next:
    """Add the held ``files`` to the record ``wanted`` offered: a submitted record's
    amendment, or one of the sender's open drafts (left open, or holding the very bytes
    already, ``_ask_duplicate``).

    Each file is an evidence item of its own with an ``evidence_added`` audit event after
    the record's submission (nothing the record held is rewritten or dropped); a record
    whose form copy was delivered (Art. 6) has the corrected form sent to every holder
    (``milestones.redeliver``). An open draft goes on where it stopped; with none being
    filled in, a draft chosen is asked what it still lacks, as /resume would. Raises
    ``UserError`` for a record not offered, or no longer the sender's draft or submitted
    record.
    """
    offered = [*await _offered(ctx), *await _offered(ctx, ALSO)]
    chosen = next((r for r in offered if str(r.id) == wanted), None)
    if chosen is None or not files:
        raise UserError("error.stale_button")
    state = await ctx.state()
    resume = state.resume
    state.held = None
    state.resume = None
    draft = await current_draft(ctx)
    state.fresh()
    await attach_files(ctx, chosen, files)
    if chosen.status == RecordStatus.DRAFT:
        ctx.reply(ctx.t("intake.added", title=card.title(ctx, chosen), count=len(files)))
        await place_captions(ctx, chosen, files)
        await offer_messages(ctx, chosen, files)
        if draft is None:  # a draft left open, chosen: filled in from where it stopped
            state.record_id = chosen.id
            return await advance(ctx, chosen)
    else:
        ctx.reply(
            ctx.t(
                "intake.added_to_submitted",
                what=material(ctx, files),
                number=chosen.number or "",
                count=await item_count(ctx, chosen),
            )
        )
        await place_captions(ctx, chosen, files)
        await redeliver(ctx, chosen, supplemented=True)  # every copy sent, before both offices
    if draft is not None:
        state.record_id = draft.id
        return await resume_step(ctx, draft, resume)
    return END


async def rescue(ctx: Context, text: str) -> Next:
    """After a failure, keep the message's files on a draft of their own, asking nothing."""
    record = await _draft(ctx, ctx.message.forwarded_at)
    await attach_files(ctx, record, ctx.files)
    title, count, running = card.title(ctx, record), len(ctx.files), deadlines_words(ctx, record)
    kept = kept_words(ctx, ctx.files, key="intake.rescued_kept")
    ctx.reply(
        ctx.t(
            "intake.rescued", title=title, id=record.id, count=count, deadlines=running, kept=kept
        )
    )
    return None


def deadlines_words(ctx: Context, record: Record) -> str:
    """Whether a draft left open owes its Art. 6 steps (``reminders.deadlines.clock_started``):
    its deadlines run once its receipt time was given or confirmed, not before."""
    key = "running" if clock_started(record) else "waiting"
    return ctx.t(f"intake.deadlines_{key}")


async def media_text(ctx: Context, text: str) -> Next:
    """Typing while the add-or-new question is open: ask it again, with its buttons."""
    record = await current_draft(ctx)
    offered = await _offered(ctx)
    if record is None and offered:
        text = ctx.t(
            "intake.refused_question",
            error=ctx.t("intake.error.choose"),
            question=_which_question(ctx, offered),
        )
        ctx.reply(text, _submitted_buttons(ctx, offered))
        return None
    state = await ctx.state()
    if record is None and state.held is not None and state.held.files:
        question = _elsewhere(ctx, files_from_json(state.held.files))
        text = ctx.t(
            "intake.refused_question", error=ctx.t("intake.error.choose"), question=question
        )
        ctx.reply(text, _new_or_dismiss(ctx))
        return None
    if record is None:
        raise no_draft(ctx)
    held = files_from_json(state.held.files) if state.held is not None else []
    others = await _offered(ctx, ALSO)
    _media_question(ctx, record, others, held, refusal=ctx.t("intake.error.choose"))
    return None
