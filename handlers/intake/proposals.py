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
    KNOWN,
    MESSAGE,
    NO,
    OPENED_BY,
    READ,
    READ_SOURCE,
    YES,
    Field,
    Input,
    Opener,
    Step,
    from_directory,
    proposal,
    when,
)
from handlers.i18n import join
from handlers.intake.common import cb
from handlers.ports import Button
from handlers.state import StepName
from storage.models import Record

ITEMISED = "itemised"
"""``Record.fields`` key: questions the judge chose to answer one by one."""
ON_REVIEW = frozenset({Step.ROUTE, Step.ORIGINALS})
"""Proposals that, when they are all that is missing, are shown on the review card and
confirmed by submitting it: how materials reached the judge (Art. 6) and where their
originals went (Art. 4), both read from the kind of material. Every other proposal is
confirmed on a card of its own."""


FROM_DIRECTORY = frozenset(
    {
        Step.INQUIRER_UNIT,
        Step.INQUIRER_POSITION,
        Step.UNIT_CATEGORY,
        Step.RETIRED,
        Step.MAIN_LEADER,
        Step.INTERMEDIARY,
    }
)
"""Proposals that, for a cadre the court's directory knows by the name alone (one cadre of
that name; two of one name are told apart by the unit and asked as before), are not put
on a card after the name: the later questions are asked, and these wait on the review card,
marked as proposed and confirmed by submitting it (the judge may edit any of them there)."""


def directory_note(ctx: Context, record: Record, fields: Sequence[Field]) -> str:
    """The names of those of ``fields`` whose proposal the court's directory gave
    (``fields.from_directory``), joined for the note that says so; empty when none is: a
    note names only what is still proposed from an earlier record, never an answer the
    judge has since given."""
    named = [ctx.t(f"card.{f.step.value}") for f in fields if from_directory(record, f)]
    return join(ctx.language, named)


def deferred(record: Record, field: Field) -> bool:
    """Whether ``field``'s proposal waits for the review card (``FROM_DIRECTORY``)."""
    known = record.fields.get(KNOWN)
    return (
        isinstance(known, dict)
        and known.get("by_name") is True
        and field.step in FROM_DIRECTORY
        and field.step.value not in set(record.fields.get(ITEMISED, []))
        and proposal(record, field) is not None
    )


def next_asked(record: Record) -> Field | None:
    """The first missing question that is not waiting for the review card (``deferred``)."""
    for field in FIELDS:
        if field.applies(record) and not field.answered(record) and not deferred(record, field):
            return field
    return None


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
    later: list[Field] = []
    for field in FIELDS:
        if not field.applies(shadow) or field.answered(record):
            continue
        raw = proposal(shadow, field)
        if deferred(record, field) and raw is not None:
            later.append(field)
        elif field.step.value in itemised or raw is None:
            return found, False
        else:
            found.append(field)
        if raw is not None and field.input is Input.CHOICE:
            setattr(shadow, field.columns[0], raw)
    return [*later, *found], True


def shown(ctx: Context, record: Record, field: Field, raw: str) -> str:
    """A proposed answer as the judge reads it."""
    if field.step is Step.RECEIVED_AT:
        return when(ctx, record.received_at)
    if field.step is Step.INQUIRY_AT:
        return ctx.t("intake.proposed.same_time", time=when(ctx, record.received_at))
    if field.input is Input.YES_NO:
        return ctx.t("intake.yes" if raw == YES else "intake.no") if raw in (YES, NO) else raw
    if field.labels is not None:
        return field.labels(ctx, raw)
    return raw


_FROM_WHAT_CAME = (Step.RECEIVED_AT, Step.CHANNEL, Step.ROUTE, Step.ORIGINALS)
"""Proposals read from what reached the judge: its date, its kind, how it came."""


def intro(record: Record, fields: list[Field]) -> str:
    """The catalog key of the line that heads proposals, true to where they came from: what
    was received, the time /new was sent (nothing was received), or neither (the usual
    answers, the court's directory: a note under the card says which)."""
    steps = {field.step for field in fields}
    if record.fields.get(OPENED_BY) == Opener.NEW and Step.RECEIVED_AT in steps:
        return "intake.proposed.intro_new"
    if record.fields.get(OPENED_BY) != Opener.NEW and steps & set(_FROM_WHAT_CAME):
        return "intake.proposed.intro"
    return "intake.proposed.intro_plain"


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
    if known := directory_note(ctx, record, fields):
        lines.append(ctx.t("intake.proposed.from_directory", fields=known))
    read = record.fields.get(READ)
    if isinstance(read, dict) and any(f.step.value in read for f in fields):
        found_in = "from_message" if read.get(READ_SOURCE) == MESSAGE else "from_picture"
        lines.append(ctx.t(f"intake.proposed.{found_in}"))
    if any(field.step is Step.INQUIRY_AT for field in fields):
        lines.append(ctx.t("intake.proposed.other_time"))
    rows: list[tuple[Button, ...]] = [
        (
            Button(ctx.t("intake.proposed.ok"), cb("proposed", "ok")),
            Button(ctx.t("intake.proposed.change"), cb("proposed", "change")),
        )
    ]
    if state.history:
        rows.append((Button(ctx.t("intake.back"), cb("proposed", "back")),))
    ctx.reply("\n".join(lines), tuple(rows))
    return StepName.INTAKE_PROPOSED
