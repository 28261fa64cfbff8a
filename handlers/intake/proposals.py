"""Proposals: answers the intake can infer, put to the judge together for one tap.

The questions still missing that have a proposal (``fields.proposal``) and follow each other
are shown as one message, each with its proposed answer; ``确认`` stores them all (each through
its question's own parser, each audited), ``有变化`` asks them one by one with the proposal
offered as a button. Nothing proposed is stored without that confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.engine import Context, UserError
from handlers.fields import (
    FIELDS,
    MESSAGE,
    NO,
    OPENED_BY,
    READ,
    READ_SOURCE,
    READ_STEPS,
    YES,
    FarBack,
    Field,
    Input,
    Offer,
    Opener,
    Step,
    caption_moment,
    far_back_buttons,
    proposal,
    when,
)
from handlers.intake.common import cb
from handlers.ports import Button
from handlers.receipt import receipt_follows, stated_sent_at
from handlers.state import StepName
from storage.models import Record
from storage.vocabulary import ORAL_CHANNELS, at_start

ITEMISED = "itemised"
"""``Record.fields`` key: questions the judge chose to answer one by one."""
ON_REVIEW = frozenset({Step.ROUTE, Step.ORIGINALS})
"""Proposals that, when they are all that is missing, are shown on the review card and
confirmed by submitting it: how materials reached the judge (Art. 6) and where their
originals went (Art. 4), both read from the kind of material. Every other proposal is
confirmed on a card of its own."""


def group(record: Record) -> list[Field]:
    """The next missing questions that all have a proposal, in order (empty: none).

    Which questions apply is judged as if the earlier proposals were taken (an external
    inquiry is asked its time; a WeChat message is asked how its materials came), on a
    copy of the record that never reaches the session.
    """
    return _scan(record)[0]


def closing(record: Record) -> bool:
    """Whether the proposals of ``group`` are all that is missing: confirmed, the record is
    complete, so they are put on the review card and confirmed by submitting it."""
    found, complete = _scan(record)
    return bool(found) and complete


def _scan(record: Record) -> tuple[list[Field], bool]:
    itemised = set(record.fields.get(ITEMISED, []))
    shadow = Record(**{c.key: getattr(record, c.key) for c in Record.__mapper__.column_attrs})
    found: list[Field] = []
    for field in FIELDS:
        if not field.applies(shadow) or field.answered(record):
            continue
        raw = proposal(shadow, field)
        if field.step.value in itemised or raw is None:
            return found, False
        else:
            found.append(field)
        if raw is not None and field.input is Input.CHOICE:
            setattr(shadow, field.columns[0], raw)
    return found, True


def shown(ctx: Context, record: Record, field: Field, raw: str) -> str:
    """A proposed answer as the judge reads it."""
    if field.step is Step.RECEIVED_AT:
        return when(ctx, record.received_at)
    if field.step is Step.INQUIRY_AT:
        moment = caption_moment(record, ctx.services.tz)
        if moment is not None:  # read from a caption
            return ctx.t("intake.proposed.caption_time", time=when(ctx, moment))
        return ctx.t("intake.proposed.same_time", time=when(ctx, record.received_at))
    if field.input is Input.YES_NO:
        return ctx.t("intake.yes" if raw == YES else "intake.no") if raw in (YES, NO) else raw
    if field.labels is not None:
        return at_start(field.labels(ctx, raw))  # a label's value, as its button reads
    return raw


_FROM_WHAT_CAME = (Step.RECEIVED_AT, Step.CHANNEL, Step.ROUTE, Step.ORIGINALS)
"""Proposals read from what reached the judge: its date, its kind, how it came."""


def intro(record: Record, fields: list[Field]) -> str:
    """The catalog key of the line that heads proposals, true to where they came from: what
    was received, the time /new was sent (nothing was received), or neither (the usual
    answers, what the unit and position suggest)."""
    steps = {field.step for field in fields}
    if record.fields.get(OPENED_BY) == Opener.NEW and Step.RECEIVED_AT in steps:
        return "intake.proposed.intro_new"
    if record.fields.get(OPENED_BY) != Opener.NEW and steps & set(_FROM_WHAT_CAME):
        return "intake.proposed.intro"
    return "intake.proposed.intro_plain"


def _other_time(record: Record, fields: list[Field]) -> str:
    """The catalog key of the hint under a card that proposes the inquiry's time: for an
    electronic message (WeChat, SMS, e-mail, …) whose receipt time is proposed too, the time
    typed is both and the deadlines count from it (``handlers.receipt``; so for a call or a
    visit, said in its own words), unless a chat
    service's stated send time agrees with it (the card says which); otherwise the inquiry's
    alone, the deadlines counting from the receipt time shown."""
    steps = {field.step for field in fields}
    channel = next((f for f in fields if f.step is Step.CHANNEL), None)
    value = record.channel or (proposal(record, channel) if channel is not None else None)
    shadow = Record(fields=record.fields, channel=value)
    if Step.RECEIVED_AT in steps and receipt_follows(shadow):
        if value in ORAL_CHANNELS:
            return "intake.proposed.other_time_asked"
        stated = stated_sent_at(record) is not None
        return "intake.proposed.other_time_stated" if stated else "intake.proposed.other_time_sent"
    return "intake.proposed.other_time"


def found_note(record: Record, fields: Sequence[Field]) -> str | None:
    """The catalog key of the note saying a proposal was read from what came (a forwarded
    message, a picture), or None: only when a line of ``fields`` shows a value read there
    (``READ_STEPS``), so a card never speaks of what it does not show. ``READ``'s own note
    of where it was read (``READ_SOURCE``) is no reading."""
    read = record.fields.get(READ)
    if not isinstance(read, dict):
        return None
    if not any(f.step in READ_STEPS and read.get(f.step.value) for f in fields):
        return None
    found_in = "from_message" if read.get(READ_SOURCE) == MESSAGE else "from_picture"
    return f"intake.proposed.{found_in}"


async def show(
    ctx: Context, record: Record, fields: list[Field], *, refusal: UserError | None = None
) -> StepName:
    """Put ``fields``' proposals to the judge as one message: confirm, or say what changed.

    After a ``refusal`` (a time that cannot be, a word that is no answer) its message heads
    the card, which comes again whole with its buttons, so the judge never scrolls up.
    """
    state = await ctx.state()
    state.asked += 1
    state.record_id = record.id
    state.data = {**state.data, "proposed": [field.step.value for field in fields]}
    lines = [ctx.t(intro(record, fields))]
    if refusal is not None:
        lines.insert(0, ctx.t(refusal.key, **refusal.values) + "\n")
    for field in fields:
        raw = proposal(record, field) or ""
        lines.append(
            ctx.t(
                "card.line",
                label=ctx.t(f"card.{field.step.value}"),
                value=shown(ctx, record, field, raw),
            )
        )
    if (found_in := found_note(record, fields)) is not None:
        lines.append(ctx.t(found_in))
    if any(field.step is Step.INQUIRY_AT for field in fields):
        lines.append(ctx.t(_other_time(record, fields)))
    rows: list[tuple[Button, ...]] = [
        (
            Button(ctx.t("intake.proposed.ok"), cb("proposed", "ok")),
            Button(ctx.t("intake.proposed.change"), cb("proposed", "change")),
        )
    ]
    if state.history:
        rows.append((Button(ctx.t("intake.back"), cb("proposed", "back")),))
    if isinstance(refusal, Offer) and refusal.choices:  # each choice a button
        rows.insert(0, refusal.buttons_with(cb("proposed", "which", "")))
    if isinstance(refusal, FarBack):
        # The question is now the far-back time's alone: its two buttons, none of the card's
        # (whose confirm would take the proposals without the time typed, without a word).
        rows = [far_back_buttons(ctx, cb("proposed", ""))]
    ctx.reply("\n".join(lines), tuple(rows))
    return StepName.INTAKE_PROPOSED
