"""The intake conversation: from a forwarded screenshot to a complete, submitted record.

The draft exists from the first message, so its deadlines run from the receipt time. The bot
then asks only what is still missing, one question a message; ``back`` re-asks the previous
answer, ``skip`` passes an optional question, and the review card offers every field for
editing before submission freezes the record.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from handlers import card
from handlers.access import cancel as plain_cancel
from handlers.engine import Context, Registry, UserError
from handlers.evidence_link import IncomingFile, attach_files, evidence_line, files_from_json
from handlers.fields import (
    BY_STEP,
    FIELDS,
    NO,
    YES,
    Field,
    Input,
    Step,
    applicable,
    choice_buttons,
    next_missing,
)
from handlers.ports import Button
from storage import records as records_repo
from storage.models import Record
from storage.vocabulary import ART9_ITEMS, ART9_LABELS, RecordKind, RecordStatus, Role

PREFIX = "in"
STEP = "intake."
REVIEW = "intake.review"
EDIT = "intake.edit"
MEDIA = "intake.media"
CANCEL_REASON = "intake.cancel_reason"
AMEND_VALUE = "intake.amend_value"
AMEND_REASON = "intake.amend_reason"

ASKED = "asked"
"""Counts the questions asked in this chat: with the step, a question's identity."""
ANSWER = "answer"
"""The last answer typed and taken: ``{"n": question, "step": step, "text": text}``."""

BACK_WORDS = {"back", "返回", "上一步"}
SKIP_WORDS = {"skip", "跳过"}

Buttons = tuple[tuple[Button, ...], ...]


def _cb(*parts: object) -> str:
    return ":".join([PREFIX, *(str(p) for p in parts)])


async def current_draft(ctx: Context) -> Record | None:
    conversation = await ctx.state()
    if conversation.record_id is None:
        return None
    record = await records_repo.get(ctx.session, conversation.record_id)
    if record is None or record.status != RecordStatus.DRAFT:
        return None
    return record


def _require_handler(ctx: Context) -> None:
    if Role.HANDLER.value not in ctx.roles:
        raise UserError("intake.error.not_handler")


# -- asking -------------------------------------------------------------------------------


def _controls(ctx: Context, field: Field, history: list[str]) -> tuple[Button, ...]:
    row: list[Button] = []
    if history:
        row.append(Button(ctx.t("intake.back"), _cb(field.step, "back")))
    if field.optional:
        row.append(Button(ctx.t("intake.skip"), _cb(field.step, "skip")))
    return tuple(row)


async def ask(ctx: Context, record: Record, field: Field) -> None:
    """Put the question for ``field`` and wait at its step."""
    conversation = await ctx.state()
    data = dict(conversation.data)
    history: list[str] = list(data.get("history", []))
    data.pop("art9", None) if field.step is not Step.ART9 else None
    data[ASKED] = int(data.get(ASKED, 0)) + 1
    conversation.step = STEP + field.step.value
    conversation.record_id = record.id
    conversation.data = data
    conversation.updated_at = ctx.now
    await ctx.session.flush()
    buttons: list[tuple[Button, ...]] = []
    if field.step is Step.RECEIVED_AT:
        prompt = ctx.t("intake.ask.received_at", time=card.stamp(ctx, record.received_at))
    else:
        prompt = ctx.t(f"intake.ask.{field.step.value}")
    if field.step is Step.RECEIVED_AT:
        buttons.append((Button(ctx.t("intake.confirm_time"), _cb(field.step, "v", "ok")),))
    elif field.step is Step.INQUIRY_AT:
        buttons.append((Button(ctx.t("intake.same_time"), _cb(field.step, "v", "same")),))
    elif field.step is Step.CASE_NUMBER:
        buttons.append((Button(ctx.t("card.not_filed"), _cb(field.step, "v", "not_filed")),))
    elif field.input is Input.CHOICE:
        buttons.extend(choice_buttons(ctx, field, _cb(field.step, "v", "")))
    elif field.input is Input.YES_NO:
        buttons.append(
            (
                Button(ctx.t("intake.yes"), _cb(field.step, "v", YES)),
                Button(ctx.t("intake.no"), _cb(field.step, "v", NO)),
            )
        )
    elif field.input is Input.MULTI:
        chosen = set(data.get("art9", []))
        buttons.extend(_art9_buttons(ctx, chosen))
    elif field.step is Step.STAFF_PRESENT:
        buttons.append((Button(ctx.t("common.none"), _cb(field.step, "v", "无")),))
    elif field.step is Step.DEPARTMENT:
        from storage import staff as staff_repo

        names = [d.name for d in await staff_repo.departments(ctx.session)]
        row = [Button(name, _cb(field.step, "v", name)) for name in names]
        buttons.extend(tuple(row[i : i + 2]) for i in range(0, len(row), 2))
    current = await card.value_of(ctx, record, field)
    if field.answered(record) and field.step is not Step.RECEIVED_AT:
        prompt += "\n" + ctx.t("intake.current", value=current)
    controls = _controls(ctx, field, history)
    if controls:
        buttons.append(controls)
    ctx.reply(prompt, tuple(buttons))


def _art9_buttons(ctx: Context, chosen: set[int]) -> list[tuple[Button, ...]]:
    buttons = [
        Button(
            ("✔ " if n in chosen else "") + f"({n}) {ART9_LABELS[n][ctx.language]}",
            _cb(Step.ART9, "t", n),
        )
        for n in ART9_ITEMS
    ]
    rows: list[tuple[Button, ...]] = [(button,) for button in buttons]
    rows.append(
        (
            Button(ctx.t("intake.art9_none"), _cb(Step.ART9, "v", "无")),
            Button(ctx.t("intake.art9_done"), _cb(Step.ART9, "done")),
        )
    )
    return rows


async def advance(ctx: Context, record: Record) -> None:
    """Ask the next missing question, or show the review card when nothing is missing."""
    field = next_missing(record)
    if field is None:
        await review(ctx, record)
    else:
        await ask(ctx, record, field)


async def review(ctx: Context, record: Record) -> None:
    await ctx.go(REVIEW, history=(await ctx.state()).data.get("history", []))
    (await ctx.state()).record_id = record.id
    text = await card.render(
        ctx, record, evidence=await evidence_line(ctx, record), rules=ctx.services.rules
    )
    buttons: Buttons = (
        (
            Button(ctx.t("intake.submit"), _cb("review", "submit")),
            Button(ctx.t("intake.edit"), _cb("review", "edit")),
        ),
        (Button(ctx.t("intake.withdraw"), _cb("review", "cancel")),),
    )
    ctx.reply(ctx.t("intake.review") + "\n\n" + text, buttons)


# -- starting -----------------------------------------------------------------------------


async def start_draft(
    ctx: Context, *, forwarded_at: datetime | None = None, album: str | None = None
) -> Record:
    """A new draft: its receipt time is the forward's original date, or now."""
    received = min(forwarded_at or ctx.now, ctx.now)
    record = await records_repo.create_draft(
        ctx.session, handler=ctx.staff, received_at=received, at=ctx.now
    )
    await ctx.go(None, history=[], album=album)
    (await ctx.state()).record_id = record.id
    return record


async def new(ctx: Context, args: str) -> None:
    """/new: a draft for an inquiry that came with no file (in person, a phone call)."""
    _require_handler(ctx)
    await _answer_first(ctx)
    open_draft = await current_draft(ctx)
    if open_draft is not None:
        await _ask_media_choice(ctx, open_draft, pending=False)
        return
    record = await start_draft(ctx)
    ctx.reply(ctx.t("intake.started", title=card.title(ctx, record)))
    await advance(ctx, record)


async def _answer_first(ctx: Context) -> None:
    """At the add-or-new question its files are held in the conversation: leaving it by
    another command would drop them, so the question must be answered first."""
    if (await ctx.state()).step == MEDIA and await current_draft(ctx) is not None:
        raise UserError("intake.error.choose")


async def _ask_media_choice(ctx: Context, record: Record, *, pending: bool) -> None:
    """Media (or /new) while a draft is open: add to it, or start another?"""
    conversation = await ctx.state()
    data = dict(conversation.data)
    data["resume"] = conversation.step
    message = ctx.message
    held = list(data.get("pending_files", []))
    data["pending_files"] = held + [f.to_json() for f in ctx.files] if pending else held
    if pending and not held:
        data["pending_caption"] = message.text
        data["pending_forwarded"] = (
            message.forwarded_at.isoformat() if message.forwarded_at else None
        )
        data["pending_album"] = message.media_group_id
    conversation.data = data
    conversation.step = MEDIA
    conversation.updated_at = ctx.now
    await ctx.session.flush()
    key = "intake.media_choice" if pending else "intake.new_choice"
    ctx.reply(
        ctx.t(key, title=card.title(ctx, record)),
        (
            (
                Button(ctx.t("intake.add_here"), _cb("media", "add")),
                Button(ctx.t("intake.start_new"), _cb("media", "new")),
            ),
        ),
    )


async def _hold(ctx: Context) -> None:
    """More media while the add-or-new question is open: it goes the same way, unasked."""
    conversation = await ctx.state()
    data = dict(conversation.data)
    data["pending_files"] = [*data.get("pending_files", []), *(f.to_json() for f in ctx.files)]
    if not data.get("pending_caption") and ctx.message.text.strip():
        data["pending_caption"] = ctx.message.text
    conversation.data = data
    await ctx.session.flush()


async def media(ctx: Context, text: str) -> None:
    """A forwarded file or text: evidence for the open draft, or a new draft."""
    _require_handler(ctx)
    record = await current_draft(ctx)
    conversation = await ctx.state()
    album = ctx.message.media_group_id
    if record is not None and conversation.step == MEDIA:
        await _hold(ctx)
        return
    if record is not None and album and conversation.data.get("album") == album:
        await attach_files(ctx, record, ctx.files)
        return
    if record is not None:
        await _ask_media_choice(ctx, record, pending=True)
        return
    record = await start_draft(ctx, forwarded_at=ctx.message.forwarded_at, album=album)
    await _open_with_files(ctx, record, ctx.files, ctx.message.text)


async def _open_with_files(
    ctx: Context, record: Record, files: list[IncomingFile], caption: str
) -> None:
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
    await advance(ctx, record)


async def _caption_as_summary(ctx: Context, record: Record, caption: str) -> None:
    """A caption the handler typed is their summary; a forwarded text is evidence only."""
    caption = caption.strip()
    forwarded_text = ctx.message.forwarded_at is not None and not ctx.message.attachments
    if caption and record.summary is None and not forwarded_text:
        await records_repo.set_fields(
            ctx.session, record, {"summary": caption}, actor=ctx.staff, at=ctx.now
        )


async def media_choice(ctx: Context, value: str) -> None:
    conversation = await ctx.state()
    if conversation.step != MEDIA and not conversation.data.get("pending_files"):
        raise UserError("error.stale_button")
    data = dict(conversation.data)
    files = files_from_json(data.pop("pending_files", []))
    caption = str(data.pop("pending_caption", "") or "")
    forwarded = data.pop("pending_forwarded", None)
    album = data.pop("pending_album", None)
    resume = data.pop("resume", None)
    conversation.data = data
    record = await current_draft(ctx)
    if value == "add" and record is not None:
        if files:  # after /new there are none: "add" just goes on with the open draft
            await attach_files(ctx, record, files)
            ctx.reply(ctx.t("intake.added", title=card.title(ctx, record), count=len(files)))
        conversation.step = resume
        await resume_step(ctx, record)
        return
    if value != "new":
        raise UserError("error.stale_button")
    if record is not None:
        ctx.reply(ctx.t("intake.left_open", title=card.title(ctx, record), id=record.id))
    forwarded_at = datetime.fromisoformat(forwarded) if forwarded else None
    record = await start_draft(ctx, forwarded_at=forwarded_at, album=album)
    await _open_with_files(ctx, record, files, caption)


async def rescue(ctx: Context, text: str) -> None:
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


async def media_text(ctx: Context, text: str) -> None:
    """Typing while the add-or-new question is open: ask it again."""
    record = await current_draft(ctx)
    if record is None:
        await ctx.go(None)
        raise UserError("intake.error.no_draft")
    raise UserError("intake.error.choose")


async def resume_step(ctx: Context, record: Record) -> None:
    """Re-ask whatever the draft was waiting for."""
    conversation = await ctx.state()
    step = conversation.step or ""
    if step.startswith(STEP) and step[len(STEP) :] in BY_STEP:
        await ask(ctx, record, BY_STEP[step[len(STEP) :]])
    else:
        await advance(ctx, record)


# -- answering ----------------------------------------------------------------------------


async def _apply(ctx: Context, record: Record, field: Field, values: dict[str, Any]) -> None:
    people = values.pop("_staff_present", None)
    fields = dict(record.fields)
    skipped = [s for s in fields.get("skipped", []) if s != field.step.value]
    fields["skipped"] = skipped
    if people is not None:
        await records_repo.set_cosigners(ctx.session, record, people, actor=ctx.staff, at=ctx.now)
        fields["staff_present_answered"] = True
    record.fields = fields
    if values:
        await records_repo.set_fields(ctx.session, record, values, actor=ctx.staff, at=ctx.now)
    await ctx.session.flush()


async def answer(ctx: Context, text: str) -> None:
    """Text typed at a question."""
    conversation = await ctx.state()
    record = await current_draft(ctx)
    step = (conversation.step or "")[len(STEP) :]
    field = BY_STEP.get(step)
    if record is None or field is None:
        await ctx.go(None)
        raise UserError("intake.error.no_draft")
    word = text.strip().lower()
    if word in BACK_WORDS:
        await go_back(ctx, record, field)
        return
    if word in SKIP_WORDS:
        await skip(ctx, record, field)
        return
    if _repeats_last_answer(conversation.data, field, text):
        # The judge never saw this question (its reply was lost) and sent the last answer
        # again: it answers the previous question, not this one. Ask this one again.
        last = conversation.data[ANSWER]
        ctx.reply(
            ctx.t("intake.repeat_answer", text=text.strip(), field=ctx.t(f"card.{last['step']}"))
        )
        await ask(ctx, record, field)
        return
    asked = int(conversation.data.get(ASKED, 0))
    await take(ctx, record, field, text)
    if (conversation.step or "")[len(STEP) :] in BY_STEP:  # waiting at the next question
        data = dict(conversation.data)
        data[ANSWER] = {"n": asked, "step": field.step.value, "text": text.strip()}
        conversation.data = data


def _repeats_last_answer(data: dict[str, Any], field: Field, text: str) -> bool:
    """Is ``text`` exactly the answer typed to the question asked just before this one?

    Answers are tied to the question they answer by its number (``ASKED``): the previous
    question's answer, sent again at the next question, is recognised once; sent again
    after that question was re-asked, it is taken as this question's answer.
    """
    last = data.get(ANSWER)
    if not isinstance(last, dict) or not text.strip():
        return False
    return (
        last.get("text") == text.strip()
        and last.get("n") == int(data.get(ASKED, 0)) - 1
        and last.get("step") != field.step.value
    )


async def take(ctx: Context, record: Record, field: Field, value: str) -> None:
    values = await field.parse(ctx, record, value)
    await _apply(ctx, record, field, values)
    conversation = await ctx.state()
    data = dict(conversation.data)
    data["history"] = [*data.get("history", []), field.step.value]
    data.pop("art9", None)
    conversation.data = data
    await after_answer(ctx, record, field)


async def after_answer(ctx: Context, record: Record, field: Field) -> None:
    from handlers.alerts import check_art7

    if field.step is Step.SOURCE and record.kind == RecordKind.INTERNAL:
        await close_internal(ctx, record)
        return
    await check_art7(ctx, record)
    await advance(ctx, record)


async def close_internal(ctx: Context, record: Record) -> None:
    """Art. 14: the court's own staff asking is recorded under other rules, not here."""
    await records_repo.withdraw(
        ctx.session, record, reason=ctx.t("intake.art14_reason"), actor=ctx.staff, at=ctx.now
    )
    await ctx.go(None)
    ctx.reply(ctx.t("intake.art14", title=card.title(ctx, record)))


async def go_back(ctx: Context, record: Record, field: Field) -> None:
    conversation = await ctx.state()
    data = dict(conversation.data)
    history: list[str] = list(data.get("history", []))
    if not history:
        raise UserError("intake.error.no_back")
    previous = history.pop()
    data["history"] = history
    conversation.data = data
    await ask(ctx, record, BY_STEP[previous])


async def skip(ctx: Context, record: Record, field: Field) -> None:
    if not field.optional:
        raise UserError("intake.error.not_optional")
    fields = dict(record.fields)
    fields["skipped"] = sorted({*fields.get("skipped", []), field.step.value})
    record.fields = fields
    conversation = await ctx.state()
    data = dict(conversation.data)
    data["history"] = [*data.get("history", []), field.step.value]
    conversation.data = data
    await ctx.session.flush()
    await advance(ctx, record)


async def button(ctx: Context, value: str) -> None:
    """Every intake button: ``<step>:<action>[:<value>]``."""
    step, _, rest = value.partition(":")
    action, _, argument = rest.partition(":")
    if step == "media":
        await media_choice(ctx, action)
        return
    if step == "review":
        await review_action(ctx, action)
        return
    if step == "edit":
        await edit_field(ctx, action)
        return
    if step == "amend":
        from handlers.amend import amend_button

        await amend_button(ctx, action, argument)
        return
    conversation = await ctx.state()
    record = await current_draft(ctx)
    field = BY_STEP.get(step)
    if record is None or field is None or conversation.step != STEP + step:
        raise UserError("error.stale_button")
    if action == "back":
        await go_back(ctx, record, field)
    elif action == "skip":
        await skip(ctx, record, field)
    elif action == "v":
        await take(ctx, record, field, argument)
    elif action == "t" and field.step is Step.ART9:
        data = dict(conversation.data)
        chosen = set(data.get("art9", []))
        chosen ^= {int(argument)}
        data["art9"] = sorted(chosen)
        conversation.data = data
        await ask(ctx, record, field)
    elif action == "done" and field.step is Step.ART9:
        chosen = conversation.data.get("art9", [])
        if not chosen:
            raise UserError("intake.error.art9_empty")
        await take(ctx, record, field, ",".join(str(n) for n in chosen))
    else:
        raise UserError("error.stale_button")


# -- review, edit, submit, cancel ---------------------------------------------------------


async def review_action(ctx: Context, action: str) -> None:
    conversation = await ctx.state()
    record = await current_draft(ctx)
    if record is None or conversation.step not in (REVIEW, EDIT):
        raise UserError("error.stale_button")
    if action == "submit":
        missing = next_missing(record)
        if missing is not None:
            await ask(ctx, record, missing)
            return
        await submit(ctx, record)
    elif action == "edit":
        await ctx.go(EDIT, history=conversation.data.get("history", []))
        conversation.record_id = record.id
        fields = applicable(record)
        buttons = [Button(ctx.t(f"card.{f.step.value}"), _cb("edit", f.step.value)) for f in fields]
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        ctx.reply(ctx.t("intake.edit_which"), tuple(rows))
    elif action == "cancel":
        await ask_cancel_reason(ctx, record)
    else:
        raise UserError("error.stale_button")


async def review_text(ctx: Context, text: str) -> None:
    """Typing at the review card: show it again with its buttons."""
    record = await current_draft(ctx)
    if record is None:
        await ctx.go(None)
        raise UserError("intake.error.no_draft")
    await review(ctx, record)


async def edit_field(ctx: Context, step: str) -> None:
    conversation = await ctx.state()
    record = await current_draft(ctx)
    field = BY_STEP.get(step)
    if record is None or field is None or conversation.step != EDIT:
        raise UserError("error.stale_button")
    await ask(ctx, record, field)


async def submit(ctx: Context, record: Record) -> None:
    from handlers.alerts import after_submit

    await records_repo.submit(
        ctx.session,
        record,
        actor=ctx.staff,
        at=ctx.now,
        number_format=ctx.services.record_number,
        tz=ctx.services.tz,
    )
    await ctx.go(None)
    deadlines = ctx.services.rules.for_record(record)
    lines = [ctx.t("intake.submitted", number=record.number or "")]
    from storage.vocabulary import Milestone, label

    for milestone in (Milestone.PLATFORM_ENTERED, Milestone.FORM_DELIVERED):
        if milestone in deadlines:
            lines.append(
                ctx.t(
                    "card.deadline",
                    milestone=label(milestone, ctx.language),
                    deadline=card.deadline_text(ctx, deadlines[milestone]),
                )
            )
    ctx.reply("\n".join(lines))
    await after_submit(ctx, record)


async def ask_cancel_reason(ctx: Context, record: Record) -> None:
    await ctx.go(CANCEL_REASON)
    (await ctx.state()).record_id = record.id
    ctx.reply(ctx.t("intake.cancel_reason", title=card.title(ctx, record)))


async def cancel_reason(ctx: Context, text: str) -> None:
    record = await current_draft(ctx)
    if record is None:
        await ctx.go(None)
        raise UserError("intake.error.no_draft")
    reason = text.strip()
    if not reason:
        raise UserError("intake.error.cancel_reason")
    await records_repo.withdraw(ctx.session, record, reason=reason, actor=ctx.staff, at=ctx.now)
    await ctx.go(None)
    ctx.reply(ctx.t("intake.withdrawn", title=card.title(ctx, record)))


async def cancel(ctx: Context, args: str) -> None:
    """/cancel: a draft is never dropped; it is withdrawn with a reason, and kept.

    Inside another dialogue (a dispute's reason, a platform reference) it ends that one only.
    """
    await _answer_first(ctx)
    conversation = await ctx.state()
    if conversation.step and not conversation.step.startswith(STEP):
        await plain_cancel(ctx, args)
        return
    if conversation.step == CANCEL_REASON:
        record = await current_draft(ctx)
        if record is not None:
            ctx.reply(ctx.t("intake.cancel_kept", title=card.title(ctx, record)))
            await resume_or_review(ctx, record)
            return
    if conversation.step in (AMEND_VALUE, AMEND_REASON):
        await ctx.go(None)
        ctx.reply(ctx.t("intake.amend_cancelled"))
        return
    record = await current_draft(ctx)
    if record is not None:
        if args.strip():
            await records_repo.withdraw(
                ctx.session, record, reason=args.strip(), actor=ctx.staff, at=ctx.now
            )
            await ctx.go(None)
            ctx.reply(ctx.t("intake.withdrawn", title=card.title(ctx, record)))
        else:
            await ask_cancel_reason(ctx, record)
        return
    await plain_cancel(ctx, args)


async def resume_or_review(ctx: Context, record: Record) -> None:
    field = next_missing(record)
    if field is None:
        await review(ctx, record)
    else:
        await ask(ctx, record, field)


async def resume(ctx: Context, args: str) -> None:
    """/resume [draft id]: pick up a draft where it stopped."""
    _require_handler(ctx)
    await _answer_first(ctx)
    record: Record | None
    wanted = re.search(r"(\d+)\s*$", args)
    if wanted:
        record = await records_repo.get(ctx.session, int(wanted.group(1)))
        if (
            record is None
            or record.handler_id != ctx.staff.id
            or record.status != RecordStatus.DRAFT
        ):
            raise UserError("intake.error.no_such_draft", ref=args.strip())
        await ctx.go(None, history=[])
        (await ctx.state()).record_id = record.id
    else:
        record = await current_draft(ctx)
        if record is None:
            drafts = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.DRAFT])
            if not drafts:
                raise UserError("intake.error.no_draft")
            record = drafts[-1]
            await ctx.go(None, history=[])
            (await ctx.state()).record_id = record.id
    await resume_or_review(ctx, record)


def register(registry: Registry) -> None:
    registry.command("new", new, "help.new", {Role.HANDLER})
    registry.command("resume", resume, "help.resume", {Role.HANDLER})
    registry.command("cancel", cancel, "help.cancel")
    registry.callbacks[PREFIX] = button
    for field in FIELDS:
        registry.steps[STEP + field.step.value] = answer
    registry.steps[CANCEL_REASON] = cancel_reason
    registry.steps[MEDIA] = media_text
    registry.steps[REVIEW] = review_text
    registry.steps[EDIT] = review_text
    registry.media = media
    registry.rescue = rescue
