"""Corrections to a submitted record: the field, the new value, and why. The old value stays."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from handlers import card, cosign, dependents, moved, notify, verdicts
from handlers.alerts import ask_cosigners
from handlers.engine import Context, Registry, UserError
from handlers.evidence_link import screenshot_missing
from handlers.fields import (
    EVERY,
    EVERY_BY_STEP,
    FAR_NO,
    FAR_OK,
    NO,
    STAFF_OFFLINE_PRESS,
    YES,
    FarBack,
    Field,
    Input,
    Offer,
    Step,
    choice_buttons,
    day_only,
    far_back_answer,
    far_back_buttons,
    far_back_elsewhere,
    forget_far_back,
    on_card,
    when,
)
from handlers.i18n import join
from handlers.intake import resume
from handlers.intake.typed import AmbiguousPress, pressed
from handlers.milestones import redeliver
from handlers.ports import Button
from handlers.receipt import RECEIVED_TYPED, receipt_of
from handlers.state import CORRECTING, END, Next, StepName
from reports.columns import DAY_ONLY, DAY_ONLY_VALUES, RECEIVED_DAY_ONLY, day_only_values
from reports.form import PRINTED
from storage import records as records_repo
from storage import staff as staff_repo
from storage.models import Record, RecordAmendment, Staff
from storage.numbers import parse_id
from storage.vocabulary import ART9_ITEMS, ART9_LABELS, RecordKind, RecordStatus

AMEND_FIELD = StepName.AMEND_FIELD
AMEND_VALUE = StepName.AMEND_VALUE
AMEND_REASON = StepName.AMEND_REASON
AMEND_ALSO = StepName.AMEND_ALSO
ALSO = "also"
"""Dialogue-state key: the answers, as typed or pressed, to the questions the correction
newly needs (``handlers.dependents.needed``), by step; ``SKIP`` for an optional one skipped."""
ASKING = "asking"
"""Dialogue-state key: the step of the question the correction is asking (``ALSO``)."""
SKIP = "skip"
STAMPED = frozenset({"number", "status", "handler", "serious_alerted_at", "upward_listed_at"})
"""What the form prints that guowen gives itself, never a person: the record number and
status, the handler (who submitted it), when Art. 7's alerts went. No correction changes
them; every other field the form prints (``reports.form.PRINTED``) is corrected here."""
FORM_KEYS: dict[Step, str] = {Step.SOURCE: "kind", Step.STAFF_PRESENT: "cosigners"}
"""The form's column of a field whose column is named other than its step."""
CORRECTABLE = frozenset(PRINTED) - STAMPED
"""The form's columns a correction may change."""
KINDS = (RecordKind.EXTERNAL.value, RecordKind.REFERENCE_OPINION.value)
"""The kinds a record may be corrected to: an inquiry by the court's own staff (Art. 14) is
not recorded here at all."""
PICK = "in:amend:pick:"
"""The data of a button under the new-value prompt: this prefix and the value it gives."""


async def _own(ctx: Context, record_id: str, status: RecordStatus) -> Record:
    wanted = parse_id(record_id)
    record = await records_repo.get(ctx.session, wanted) if wanted is not None else None
    if record is None or record.handler_id != ctx.staff.id or record.status != status:
        raise UserError("error.stale_button")
    return record


def form_key(field: Field) -> str:
    """The column of the form (``reports.columns``) that prints ``field``."""
    return FORM_KEYS.get(field.step, field.step.value)


def amendable(record: Record) -> list[Field]:
    """The fields of a submitted ``record`` a correction may change, in the card's order:
    each whose form column is ``CORRECTABLE`` and that applies to the record or holds a
    value (which the form prints, as a reference opinion's originals after a phone call)."""
    return [f for f in EVERY if form_key(f) in CORRECTABLE and on_card(record, f)]


def which_buttons(ctx: Context, record: Record) -> tuple[tuple[Button, ...], ...]:
    """The correction's list: a button for each field ``amendable`` gives, two a row."""
    buttons = [
        Button(ctx.t(f"card.{f.step.value}"), f"in:amend:field:{record.id}.{f.step.value}")
        for f in amendable(record)
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


async def _correcting(ctx: Context, record: Record) -> bool:
    """Whether the chat is in a correction of ``record``: a field list left by /cancel, /new
    or a finished correction is stale, never a correction started again unasked."""
    state = await ctx.state()
    return state.step in CORRECTING and str(state.data.get("record_id")) == str(record.id)


async def amend_button(ctx: Context, value: str) -> Next:
    """An amendment's buttons, ``in:amend:<action>:<argument>``: ``resume`` a draft,
    ``start`` (which field?) or ``field`` (its new value?)."""
    action, _, argument = value.partition(":")
    if action == "resume":
        return await resume(ctx, argument)
    if action == "start":
        record = await _own(ctx, argument, RecordStatus.SUBMITTED)
        (await ctx.state()).fresh(record_id=record.id)
        return _ask_field(ctx, record)
    if action == "field":
        record_id, _, step = argument.partition(".")
        record = await _own(ctx, record_id, RecordStatus.SUBMITTED)
        field = EVERY_BY_STEP.get(step)
        if field is None or field not in amendable(record) or not await _correcting(ctx, record):
            raise UserError("error.stale_button")
        (await ctx.state()).fresh(record_id=record.id, step=step)
        if field.step is Step.RECEIVED_AT and _follows(ctx, record):
            refusal = await _receipt_follows(ctx, record)
            (await ctx.state()).fresh(record_id=record.id)
            ctx.reply(ctx.t(refusal.key, **refusal.values))
            return _ask_field(ctx, record)
        return await _ask_value(ctx, record, field)
    if action == "pick":
        waiting = (await ctx.state()).step
        if waiting == AMEND_ALSO:
            return await also_value(ctx, argument)
        if waiting != AMEND_VALUE:
            raise UserError("error.stale_button")
        return await new_value(ctx, argument)
    if action in (FAR_OK, FAR_NO):
        if (await ctx.state()).step != AMEND_VALUE:
            raise UserError("error.stale_button")
        if action == FAR_OK:
            return await new_value(ctx, await far_back_answer(ctx))
        await forget_far_back(ctx)
        record, field = await _pending(ctx)
        return await _ask_value(ctx, record, field)
    raise UserError("error.stale_button")


def _ask_field(ctx: Context, record: Record, *, refusal: str | None = None) -> StepName:
    """The correction's list (``amend.which``) under ``refusal``'s message, if any."""
    text = ctx.t("amend.which", title=card.title(ctx, record))
    if refusal is not None:
        text = ctx.t(refusal) + "\n\n" + text
    ctx.reply(text, which_buttons(ctx, record))
    return AMEND_FIELD


async def which_text(ctx: Context, text: str) -> Next:
    """Words typed at the correction's list: its buttons are to be pressed (their label or
    number typed counts as the press where the transport reads choices); the list comes
    again, whole, under the refusal."""
    state = await ctx.state()
    record = await _own(ctx, str(state.data.get("record_id", "")), RecordStatus.SUBMITTED)
    shown = [button for row in which_buttons(ctx, record) for button in row]
    try:
        index = pressed(text, [button.label for button in shown], numbered=True)
    except AmbiguousPress:
        index = None
    if index is not None:
        return await amend_button(ctx, shown[index].data.removeprefix("in:amend:"))
    return _ask_field(ctx, record, refusal="amend.pick_field")


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
    if field.step is Step.SOURCE:
        return choice_buttons(ctx, replace(field, choices=KINDS), PICK)
    if field.input is Input.CHOICE:
        return choice_buttons(ctx, field, PICK)
    if field.step is Step.CASE_NUMBER:
        return ((Button(ctx.t("card.not_filed"), PICK + "not_filed"),),)
    if field.step is Step.DEPARTMENT:
        departments = await staff_repo.handling_departments(ctx.session, ctx.staff.department_id)
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
    elsewhere = await far_back_elsewhere(ctx, refusal, field.step)
    if refusal is not None:
        prompt = ctx.t(refusal.key, **refusal.values) + ("" if elsewhere else "\n\n" + prompt)
    buttons = await _value_buttons(ctx, field)
    if refusal is not None and refusal.key == "intake.error.staff_offline_offer":
        offline = Button(ctx.t("intake.staff_offline_button"), PICK + STAFF_OFFLINE_PRESS)
        buttons = ((offline,), *buttons)
    if isinstance(refusal, FarBack):  # confirmed by a press, as other confirmations are
        buttons = (far_back_buttons(ctx, "in:amend:"), *(() if elsewhere else buttons))
    if isinstance(refusal, Offer) and refusal.choices:  # each choice a button
        buttons = (refusal.buttons_with(PICK), *buttons)
    ctx.reply(prompt, buttons)
    return AMEND_VALUE


async def _pending(ctx: Context) -> tuple[Record, Field]:
    data = (await ctx.state()).data
    record = await _own(ctx, str(data.get("record_id", "")), RecordStatus.SUBMITTED)
    field = EVERY_BY_STEP.get(str(data.get("step", "")))
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
        await _changed_values(ctx, record, field, text)
    except UserError as refusal:
        return await _ask_value(ctx, record, field, refusal=refusal)
    state = await ctx.state()
    state.fresh(**{**state.data, "raw": text, ALSO: {}})
    return await _next(ctx, record, field)


async def _next(
    ctx: Context, record: Record, field: Field, *, refusal: UserError | None = None
) -> StepName:
    """After the new value (and each answer it needed): the next question the corrected
    record needs (``dependents.needed``), asked as the intake asks it, or the reason."""
    data = (await ctx.state()).data
    after = dependents.copy_of(record, await _parse(ctx, record, field, str(data.get("raw", ""))))
    answered = _answered(data)
    for step, raw in answered.items():
        given = EVERY_BY_STEP[step]
        if raw != SKIP and given.step is not Step.STAFF_PRESENT:
            after = dependents.copy_of(after, await given.parse(ctx, record, raw))
    follow = dependents.needed(dependents.copy_of(record), after, answered)
    if follow is None:
        if set(field.columns) & RECEIPT_FROM and (settled := receipt_of(after, ctx.services.tz)):
            after.received_at = settled[0]  # as ``reason`` will settle it
        present = await _present_after(ctx, record, field, data, after)
        cosigned = verdicts.cosigned_after(ctx, record, present)
        found = verdicts.changes(ctx, dependents.copy_of(record), after, cosigned=cosigned)
        said = verdicts.warning(ctx, found)
        if said is not None:  # Art. 10: said before the reason, which keeps the correction
            ctx.reply(said)
        ctx.reply(ctx.t("amend.ask_reason"))
        return AMEND_REASON
    state = await ctx.state()
    state.fresh(**{**state.data, ASKING: follow.step.value})
    text = ctx.t(
        "amend.also",
        field=ctx.t(f"card.{field.step.value}"),
        value=await card.value_of(ctx, after, field),
        question=_also_question(ctx, follow),
    )
    if refusal is not None:
        text = ctx.t(refusal.key, **refusal.values) + "\n\n" + text
    ctx.reply(text, _also_buttons(ctx, follow))
    return AMEND_ALSO


async def _present_after(
    ctx: Context, record: Record, field: Field, data: dict[str, Any], after: Record
) -> bool:
    """Whether anyone of the court is named present once the correction of ``field`` (its
    value and answers in ``data``) is kept on ``record`` (``after``: the copy it leaves):
    those the correction or a question it newly asked names, nobody where the staff present
    no longer apply (``dependents.present_kept``), else those the record names."""
    staff = EVERY_BY_STEP[Step.STAFF_PRESENT.value]
    answered = _answered(data)
    given = str(data.get("raw", "")) if field is staff else answered.get(staff.step.value)
    if given is not None and given != SKIP:
        values = await staff.parse(ctx, record, given)
        return bool(values.get("_staff_present") or values.get("_staff_offline"))
    kept = dependents.present_kept(dependents.copy_of(record), after, field)
    return bool(record.cosigners) and kept


def _answered(data: dict[str, Any]) -> dict[str, str]:
    also = data.get(ALSO)
    return {str(k): str(v) for k, v in also.items()} if isinstance(also, dict) else {}


def _also_question(ctx: Context, field: Field) -> str:
    """The question a correction newly needs, as the intake asks it; Art. 9's items, which
    the intake ticks with buttons, as a numbered list to answer by typing (the correction
    has no ticking buttons, so its text names none)."""
    if field.input is not Input.MULTI:
        return ctx.t(f"intake.ask.{field.step.value}")
    items = "\n".join(f"({n}) {ART9_LABELS[n][ctx.language]}" for n in ART9_ITEMS)
    return ctx.t("amend.ask_art9", items=items)


def _also_buttons(ctx: Context, field: Field) -> tuple[tuple[Button, ...], ...]:
    """The buttons under a question the correction newly needs: its choices (yes and no
    for a yes-or-no question), 无 for the persons and the court staff present, skip for an
    optional one."""
    rows: list[tuple[Button, ...]] = []
    if field.input is Input.YES_NO:
        rows.append(
            (Button(ctx.t("intake.yes"), PICK + YES), Button(ctx.t("intake.no"), PICK + NO))
        )
    if field.input is Input.CHOICE:
        rows.extend(choice_buttons(ctx, field, PICK))
    if field.step in (Step.PERSONS_PRESENT, Step.STAFF_PRESENT):
        rows.append((Button(ctx.t("common.none"), PICK + "无"),))
    if field.optional:
        rows.append((Button(ctx.t("intake.skip"), PICK + SKIP),))
    return tuple(rows)


async def also_value(ctx: Context, text: str) -> Next:
    """The answer to a question the correction newly needs (``dependents.needed``): read
    by the question's own parser, a refusal asking it again under its message; kept with
    the new value until the reason is given, then stored together."""
    record, field = await _pending(ctx)
    state = await ctx.state()
    follow = EVERY_BY_STEP.get(str(state.data.get(ASKING, "")))
    if follow is None:
        raise UserError("error.stale_button")
    shown = [button for row in _also_buttons(ctx, follow) for button in row]
    try:
        index = pressed(text, [button.label for button in shown], numbered=bool(shown))
    except AmbiguousPress:
        index = None
    if index is not None:
        text = shown[index].data.removeprefix(PICK)
    if text != SKIP or not follow.optional:
        try:
            await follow.parse(ctx, record, text)
        except UserError as refusal:
            return await _next(ctx, record, field, refusal=refusal)
    answered = {**_answered(state.data), follow.step.value: text}
    state.fresh(**{**state.data, ALSO: answered})
    return await _next(ctx, record, field)


async def _changed_values(ctx: Context, record: Record, field: Field, text: str) -> None:
    """Check ``text`` as the new value of ``field``: raises ``UserError`` for a value the
    field's parser refuses, ``amend.receipt_follows`` for a receipt time that follows the
    inquiry's (``_follows``: corrected with the inquiry's time, never alone), and
    ``amend.unchanged`` for one the record already holds."""
    if field.step is Step.RECEIVED_AT and _follows(ctx, record):
        raise await _receipt_follows(ctx, record)
    if not _changes(record, await _parse(ctx, record, field, text)):
        raise UserError("amend.unchanged")


def _follows(ctx: Context, record: Record) -> bool:
    """Whether ``record``'s receipt time is the one the intake's rule gives it from the
    inquiry's time (``handlers.receipt.receipt_of``: an electronic message, a call or a
    visit whose time is known, the receipt not typed at its own question)."""
    return receipt_of(record, ctx.services.tz) is not None


async def _receipt_follows(ctx: Context, record: Record) -> UserError:
    """The refusal of a receipt time corrected alone where it follows the inquiry's."""
    channel = await card.value_of(ctx, record, EVERY_BY_STEP[Step.CHANNEL.value])
    return UserError("amend.receipt_follows", channel=channel)


def _changes(record: Record, values: dict[str, Any]) -> bool:
    """Whether storing ``values`` (a field parser's columns; ``_staff_present``: the staff
    named present) changes anything on ``record``: a correction to the same value is none."""
    people: list[Staff] | None = values.get("_staff_present")
    if people is not None:
        named = {p.id for p in people} | set(values.get("_staff_offline") or [])
        if named != {records_repo.key_of(c) for c in record.cosigners}:
            return True
    return any(
        getattr(record, name) != new for name, new in values.items() if not name.startswith("_")
    )


async def _parse(ctx: Context, record: Record, field: Field, text: str) -> dict[str, Any]:
    """``field.parse``, refusing a kind a record cannot be corrected to (Art. 14)."""
    values = await field.parse(ctx, record, text)
    if field.step is Step.SOURCE and values.get("kind") not in KINDS:
        raise UserError("amend.not_internal")
    return values


async def reason(ctx: Context, text: str) -> Next:
    """The reason for an amendment; stores each changed column as an amendment (old → new),
    then what follows from it (``handlers.dependents``): the answers it needed, the fields
    that no longer apply cleared, an electronic message's receipt time settled again.

    The record is never edited in place: ``storage.records.amend`` keeps who, when, why and
    the old and new values. Raises ``UserError`` for an empty reason.
    """
    record, field = await _pending(ctx)
    why = text.strip()
    if not why:
        raise UserError("amend.ask_reason")
    data = (await ctx.state()).data
    before = dependents.copy_of(record)
    department = record.department_id
    shadow = dependents.copy_of(record, await _parse(ctx, record, field, str(data.get("raw", ""))))
    present = await _present_after(ctx, record, field, data, shadow)
    cosigned = verdicts.cosigned_after(ctx, record, present)
    done = _Done()
    values = await _parse(ctx, record, field, str(data.get("raw", "")))
    answered = [EVERY_BY_STEP[step] for step, raw in _answered(data).items() if raw != SKIP]
    answers = {column for given in answered for column in given.columns}
    # A column the value empties only for a question to answer it: one change, old → answer.
    values = {k: v for k, v in values.items() if v is not None or k not in answers}
    await _store(ctx, record, values, why, done)
    derived = [a for a in done.changes if a.field in dependents.DERIVED.get(field.step, ())]
    for step, raw in _answered(data).items():
        follow = EVERY_BY_STEP[step]
        if raw == SKIP:
            skipped = {*record.fields.get("skipped", []), step}
            record.fields = {**record.fields, "skipped": sorted(skipped)}
            continue
        await _store(ctx, record, await follow.parse(ctx, record, raw), why, done)
    cleared = dependents.dropped(before, record, field)
    for gone in cleared:
        await _clear(ctx, record, gone, why, done)
    followed = None
    if RECEIPT_FROM & {a.field for a in done.changes}:
        followed = await dependents.follow_receipt(ctx, record, why)
        done.changes.extend([followed] if followed is not None else [])
    ctx.reply(ctx.t("amend.done", title=card.title(ctx, record)))
    _tell_derived(ctx, field, [a for a in derived if a.new_value != NOTHING])
    await _tell(ctx, record, field, why, done, cleared, followed)
    found = verdicts.changes(ctx, before, dependents.copy_of(record), cosigned=cosigned)
    title = card.title(ctx, record)
    if record.department_id != department:  # Art. 10: whose officer oversees it changes
        await moved.tell(ctx, record, department, title=title, why=why)
    field_key = f"card.{field.step.value}"
    await verdicts.tell(ctx, record, found, title=title, field=field_key, why=why)
    return END


RECEIPT_FROM = dependents.RECEIPT_FROM
NOTHING = "null"
"""An amendment's value (canonical JSON) for a field left empty."""


def _tell_derived(ctx: Context, field: Field, changes: list[RecordAmendment]) -> None:
    """Say the values ``field``'s correction set besides its own (``dependents.DERIVED``: the
    main file of Art. 5, or the judge's answer it had replaced, given back), each as the
    form now prints it; cleared ones are said with what no longer applies."""
    if not changes:
        return
    lines = (
        ctx.t(
            "amend.derived_line",
            field=ctx.t(f"card.{a.field}"),
            value=card.stored_value(ctx, a.new_value, name=a.field, new=True),
        )
        for a in changes
    )
    field_name = ctx.t(f"card.{field.step.value}")
    ctx.reply(ctx.t("amend.derived", field=field_name, changes=join(ctx.language, lines)))


class _Done:
    """What a correction changed: its amendments, the co-signers it added, those it took
    off because others were named (``removed``) or nobody is present any more (``gone``)."""

    def __init__(self) -> None:
        self.changes: list[RecordAmendment] = []
        self.added: set[int] = set()
        self.removed: list[Staff] = []
        self.gone: list[Staff] = []


async def _store(
    ctx: Context, record: Record, values: dict[str, Any], why: str, done: _Done
) -> None:
    """Store a field parser's ``values`` on the submitted ``record`` as corrections."""
    people: list[Staff] | None = values.get("_staff_present")
    if people is not None:
        before = [c.staff for c in record.cosigners if c.staff is not None]
        changed, new_cosigners = await records_repo.amend_cosigners(
            ctx.session,
            record,
            people,
            reason=why,
            actor=ctx.staff,
            at=ctx.now,
            offline=values.get("_staff_offline") or [],
        )
        done.changes.extend([changed] if changed is not None else [])
        done.added |= {c.staff_id for c in new_cosigners if c.staff_id is not None}
        kept = {person.id for person in people}
        done.removed += [person for person in before if person.id not in kept]
        if record.fields.get("staff_present_answered") is not True:
            record.fields = {**record.fields, "staff_present_answered": True}
    if values.get("_received_typed"):  # the judge's own receipt time stands (as in a draft)
        fields = {k: v for k, v in record.fields.items() if k != RECEIVED_DAY_ONLY}
        record.fields = {**fields, RECEIVED_TYPED: True}
    was_day_only = day_only(record)
    now_day_only = values.get("_day_only", was_day_only)
    for name, new in values.items():
        if name.startswith("_") or getattr(record, name) == new:
            continue
        amendment = await records_repo.amend(
            ctx.session, record, name, new, reason=why, actor=ctx.staff, at=ctx.now
        )
        done.changes.append(amendment)
        if name == "inquiry_at":
            _mark_day_only(record, amendment, was_day_only, now_day_only)
    if now_day_only != was_day_only:  # a time for a day, or the reverse: printed as it now is
        record.fields = {**record.fields, DAY_ONLY: now_day_only}


async def _clear(ctx: Context, record: Record, field: Field, why: str, done: _Done) -> None:
    """Clear ``field``, which no longer applies to the corrected ``record``: each column to
    nothing, the court staff present all taken off (``storage.records.drop_present``)."""
    if field.step is Step.STAFF_PRESENT:
        changed, gone = await records_repo.drop_present(
            ctx.session, record, reason=why, actor=ctx.staff, at=ctx.now
        )
        done.changes.extend([changed] if changed is not None else [])
        done.gone += gone
        return
    await _store(ctx, record, dict.fromkeys(field.columns), why, done)


async def _tell(
    ctx: Context,
    record: Record,
    field: Field,
    why: str,
    done: _Done,
    cleared: list[Field],
    followed: RecordAmendment | None,
) -> None:
    """Say what else the correction changed, and tell whom it concerns (Art. 3, Art. 6)."""
    title = card.title(ctx, record)
    if cleared:
        names = join(ctx.language, (ctx.t(f"card.{gone.step.value}") for gone in cleared))
        ctx.reply(ctx.t("amend.cleared", field=ctx.t(f"card.{field.step.value}"), fields=names))
    if followed is not None:
        only_day = bool(record.fields.get(RECEIVED_DAY_ONLY))
        moment = when(ctx, record.received_at, clock=None if only_day else True)
        ctx.reply(ctx.t("amend.received_followed", time=moment))
    if field.step is Step.CHANNEL and (warning := await screenshot_missing(ctx, record)):
        ctx.reply(warning)
    if done.removed or done.gone:
        # Art. 3: whoever is no longer named present need not confirm, and is told; only
        # one who had answered hears that the answer stays on the record.
        trail = await records_repo.cosign_trail(ctx.session, [record.id])
        answered = {r.staff_id for r in trail.removed.get(record.id, []) if r.answers}
        values = {"handler": ctx.staff.name, "title": title, "reason": why}
        for people, key in ((done.removed, "cosign.removed"), (done.gone, "cosign.not_needed")):
            spoke = [person for person in people if person.id in answered]
            silent = [person for person in people if person.id not in answered]
            if spoke:
                await notify.tell(ctx, spoke, key, values)
            if silent:
                await notify.tell(ctx, silent, f"{key}_unanswered", values)
    if done.changes:  # Art. 6: nobody keeps a copy the record contradicts (none sent: nothing)
        await redeliver(ctx, record)
    if done.changes and record.cosigners:
        asked = await records_repo.reask_cosigners(ctx.session, record, actor=ctx.staff, at=ctx.now)
        again = {c.staff_id for c in asked if c.staff_id is not None} - done.added
        unasked = await ask_cosigners(ctx, record, "cosign.reconfirm", done.changes, only=again)
        unasked |= await ask_cosigners(ctx, record, "cosign.request", only=done.added)
        again -= unasked  # no bound account: told as cosign.unreachable, never as asked
        # Someone named by this correction is asked for the first time, not "again".
        # Those not in the bot sign the corrected form by hand: the bot asks them nothing, the
        # handler gets their signature and confirms it (Art. 3).
        first = [c.who for c in asked if c.staff_id in done.added - unasked]
        again_names = [c.who for c in asked if c.staff_id is not None and c.staff_id in again]
        paper = [c.who for c in asked if c.staff_id is None]
        if again_names:
            ctx.reply(ctx.t("amend.reconfirm_asked", names=join(ctx.language, again_names)))
        if first:
            ctx.reply(ctx.t("amend.confirm_asked", names=join(ctx.language, first)))
        if paper:
            text = ctx.t("amend.paper_sign_again", names=join(ctx.language, paper))
            ctx.reply(text, cosign.paper_buttons(ctx, record))


def _mark_day_only(record: Record, amendment: RecordAmendment, old: bool, new: bool) -> None:
    """Keep which of the correction's inquiry times stood for a day only (``DAY_ONLY_VALUES``),
    so that the correction prints them as the day with the words for time unknown."""
    marked = set(day_only_values(record))
    marked.update(
        value for value, only in ((amendment.old_value, old), (amendment.new_value, new)) if only
    )
    if marked != day_only_values(record):
        record.fields = {**record.fields, DAY_ONLY_VALUES: sorted(marked)}


async def back(ctx: Context, args: str) -> Next:
    """/back in a correction: from the reason to the new value, from the value to the list
    of fields; at the list, which is the first question, the list again."""
    state = await ctx.state()
    if state.step in (AMEND_REASON, AMEND_ALSO):
        record, field = await _pending(ctx)
        state.fresh(record_id=record.id, step=field.step.value)
        return await _ask_value(ctx, record, field)
    record = await _own(ctx, str(state.data.get("record_id", "")), RecordStatus.SUBMITTED)
    if state.step == AMEND_VALUE:
        state.fresh(record_id=record.id)
        return _ask_field(ctx, record)
    return _ask_field(ctx, record, refusal="intake.error.no_back")


def register(registry: Registry) -> None:
    """Register the ``in:amend`` buttons and the list, value and reason steps."""
    registry.callbacks["in:amend"] = amend_button
    registry.steps[AMEND_FIELD] = which_text
    for step in (AMEND_FIELD, AMEND_VALUE, AMEND_ALSO, AMEND_REASON):
        registry.backs[step] = back
    registry.steps[AMEND_VALUE] = new_value
    registry.steps[AMEND_ALSO] = also_value
    registry.steps[AMEND_REASON] = reason
