"""Asking: the next missing question, its buttons, and what is done with an answer.

Each function returns the step the chat waits at next (``handlers.state.Next``); the engine
stores it. An answer is tied to the question it answers: questions are numbered
(``DraftState.asked``), and the previous question's answer sent again at the next one (the
judge never saw the next question, its reply lost) is recognised and the question re-asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from handlers import card
from handlers.engine import ALL_BUTTONS, Context, UserError
from handlers.evidence_link import evidence_line, screenshot_missing
from handlers.fields import (
    ART14_PRESS,
    BY_STEP,
    CAPTION,
    CAPTION_IS_MESSAGE,
    CAPTION_VALUE,
    DAY_ONLY,
    FAR_BACK_STEP,
    FAR_NO,
    FAR_OK,
    HOUR_DAY,
    HOUR_OF,
    HOUR_PART,
    INQUIRER_IS_INTERMEDIARY,
    LIST_PARTS,
    NAME_PARTS,
    NO,
    PRESUMED_MAIN_LEADER,
    STAFF_OFFLINE_PRESS,
    STAFF_TYPED,
    YES,
    DateOnly,
    FarBack,
    Field,
    Input,
    Offer,
    Step,
    caption_moment,
    choice_buttons,
    day_only,
    day_part,
    far_back_answer,
    far_back_buttons,
    far_back_elsewhere,
    forget_far_back,
    inquirer_movable,
    likely_channels,
    next_missing,
    open_hour,
    parse_art9,
    proposal,
    staff_named_elsewhere,
    when,
)
from handlers.i18n import join
from handlers.intake.common import (
    BACK_WORDS,
    SKIP_WORDS,
    Buttons,
    cb,
    current_draft,
    field_at,
    no_draft,
    question,
    quote,
)
from handlers.intake.proposals import ON_REVIEW, closing, group, show
from handlers.intake.typed import AmbiguousPress, pressed
from handlers.ports import Button, MultiChoice
from handlers.receipt import RECEIVED_TYPED, receipt_of
from handlers.state import END, DraftState, LastAnswer, Next, StepName
from handlers.told import Held, must_hold
from handlers.units import court_places, presume_main_leader
from handlers.words import NO_ITEM_WORDS, NONE_WORDS
from reports.columns import DAY_ONLY as INQUIRY_DAY_ONLY
from reports.columns import RECEIVED_DAY_ONLY
from storage import inquirers
from storage import records as records_repo
from storage import staff as staff_repo
from storage.casenumber import (
    case_number_shaped,
    example,
)
from storage.models import Record, Staff
from storage.numbers import parse_int
from storage.records import STAFF_IN_PERSONS
from storage.vocabulary import ART9_ITEMS, ART9_LABELS, NONE_ANSWER, ORAL_CHANNELS, RecordKind

NONE_OF_ART9 = "无"
"""The Art. 9 answer "none of the items", as typed and as a button's value."""
EARLIER_PRESS = "e"
"""A unit or position question's button that takes what an earlier record the judge may open
wrote (``storage.inquirers``); its argument is the offer's place in the list."""
CAPTION_PRESS = "caption"
"""The summary question's button that takes the text that came with the files."""
CLEAR = "clear"
"""The Art. 9 question's one-tap answer: no Art. 9 item, and not serious (Art. 7) — both
said by the judge in one press, never proposed."""
DONE_CLEAR = "done_clear"
"""The Art. 9 question's one-tap answer once items are ticked: those items, and not serious
(Art. 7) — both said by the judge in one press, never proposed."""


def _controls(ctx: Context, field: Field, previous: bool) -> tuple[Button, ...]:
    row: list[Button] = []
    if previous:
        row.append(Button(ctx.t("intake.back"), cb(field.step, "back")))
    if field.optional:
        row.append(Button(ctx.t("intake.skip"), cb(field.step, "skip")))
    return tuple(row)


async def ask(
    ctx: Context, record: Record, field: Field, *, refusal: UserError | None = None
) -> StepName:
    """Put the question for ``field`` with its buttons; the step that waits for its answer.

    After a ``refusal`` (a wrong answer, a button that does not fit) its message heads the
    question, which is sent again whole, buttons and all, so the judge never scrolls up.
    """
    state = await ctx.state()
    if field.step is not Step.ART9:
        state.art9 = []
    state.asked += 1
    state.record_id = record.id
    if field.step is Step.RECEIVED_AT:
        prompt = ctx.t("intake.ask.received_at", time=await card.value_of(ctx, record, field))
    elif field.step is Step.CASE_NUMBER:
        year = ctx.local(ctx.now).year
        prompt = ctx.t(
            "intake.ask.case_number", example=example(ctx.services.court_code.strip(), year)
        )
    else:
        prompt = ctx.t(f"intake.ask.{field.step.value}")
    if field.step is Step.INTERMEDIARY_NAME and inquirer_movable(record):
        prompt += "\n" + ctx.t("intake.inquirer_is_the_cadre", name=record.inquirer_name)
    if field.step is Step.CHANNEL and (likely := _likely_channels(ctx, record, field)):
        prompt += "\n" + likely
    if (caption := offered_caption(record, field)) is not None:
        key = (
            "intake.message_offer"
            if record.fields.get(CAPTION_IS_MESSAGE)
            else "intake.caption_offer"
        )
        prompt += "\n" + ctx.t(key, caption=quote(caption))
    offers = await earlier(ctx, record, field)
    if offers:
        prompt += "\n" + ctx.t("intake.earlier_offer")
    if field.step is Step.STAFF_PRESENT and (moved := await staff_named_elsewhere(ctx, record)):
        names = join(ctx.language, (person.name for person in moved))
        prompt = ctx.t("intake.staff_in_persons", names=names) + "\n" + prompt
    buttons = await question_buttons(ctx, record, field, offers=offers)
    if isinstance(refusal, Offer) and refusal.choices:  # each choice a button, then the rest
        buttons = (refusal.buttons_with(cb(field.step, "v", "")), *buttons)
    if isinstance(refusal, FarBack):
        # The question is now the far-back time's alone: its two buttons, none of the
        # question's (whose confirm would keep the time asked about, without a word).
        buttons = (far_back_buttons(ctx, cb(field.step, "")),)
    current = await card.value_of(ctx, record, field)
    if field.answered(record) and field.step is not Step.RECEIVED_AT:
        prompt += "\n" + ctx.t(current_key(field), value=current)
    if await far_back_elsewhere(ctx, refusal, field.step):
        assert refusal is not None
        prompt = ctx.t(refusal.key, **refusal.values)
    elif refusal is not None:
        prompt = ctx.t(refusal.key, **refusal.values) + "\n\n" + prompt
    # Art. 9 where the transport has a multiple-choice control (WeCom's vote card): the items
    # go on it, and the question's other buttons (back, skip) beside it.
    multi = _art9_choice(ctx) if field.input is Input.MULTI and _multi_select(ctx) else None
    if isinstance(refusal, FarBack):
        multi = None
    ctx.reply(prompt, buttons, multi)
    return question(field.step)


def current_key(field: Field) -> str:
    """The catalog key of the line showing a re-asked question's current answer: "reply with
    a new value" where typed text is an answer, "press a button" where only a button is
    (a choice, yes/no, Art. 9's items), so the line never invites what is then refused."""
    return "intake.current_choice" if field.input in PRESSED_ONLY else "intake.current"


def _multi_select(ctx: Context) -> bool:
    """Whether the sender's transport shows a ``MultiChoice`` as one control."""
    return ctx.services.can(ctx.message.transport).multi_select


async def question_buttons(
    ctx: Context, record: Record, field: Field, *, offers: list[str] | None = None
) -> Buttons:
    """The buttons under ``field``'s question: its choices, then back and skip. ``offers``:
    ``earlier``'s answers when the caller has read them already (None: read here)."""
    state = await ctx.state()
    buttons: list[tuple[Button, ...]] = []
    if field.step is Step.RECEIVED_AT:
        buttons.append((Button(ctx.t("intake.confirm_time"), cb(field.step, "v", "ok")),))
    elif field.step is Step.INQUIRY_AT:
        moment = caption_moment(record, ctx.services.tz)
        if moment is not None:  # the time a caption began with, as the judge wrote it
            label = ctx.t("intake.proposed.caption_time", time=when(ctx, moment))
            buttons.append((Button(label, cb(field.step, "v", CAPTION_VALUE)),))
        buttons.append((Button(ctx.t("intake.same_time"), cb(field.step, "v", "same")),))
    elif field.step is Step.CASE_NUMBER:
        buttons.append((Button(ctx.t("card.not_filed"), cb(field.step, "v", "not_filed")),))
    elif field.input is Input.CHOICE:
        buttons.extend(choice_buttons(ctx, field, cb(field.step, "v", "")))
    elif field.input is Input.YES_NO:
        buttons.append(
            (
                Button(ctx.t("intake.yes"), cb(field.step, "v", YES)),
                Button(ctx.t("intake.no"), cb(field.step, "v", NO)),
            )
        )
    elif field.input is Input.MULTI:
        # The items keep their numbers in a numbered list; the one-tap "none, not serious"
        # comes after them, nearest the judge's thumb at the foot of the message. It stays
        # there while items are ticked (pressed then, it is refused), and "done, not serious"
        # stays beside "done" while nothing is ticked (pressed then, it is refused), so every
        # button keeps its number while the judge ticks: the number seen a moment ago presses
        # the same.
        if not _multi_select(ctx):
            buttons.extend(_art9_buttons(ctx, set(state.art9)))
        at = len(buttons) - 1 if buttons else 0
        buttons.insert(at, (Button(ctx.t("intake.art9_clear"), cb(field.step, CLEAR)),))
    elif field.step is Step.STAFF_PRESENT:
        moved = await staff_named_elsewhere(ctx, record)
        if moved:  # Art. 3: court staff named among the others present, offered to move
            names = join(ctx.language, (person.name for person in moved))
            ids = ",".join(str(person.id) for person in moved)
            buttons.append(
                (Button(ctx.t("intake.move_staff", names=names), cb(field.step, "v", ids)),)
            )
        if state.data.get(STAFF_TYPED):
            press = cb(field.step, "v", STAFF_OFFLINE_PRESS)
            buttons.append((Button(ctx.t("intake.staff_offline_button"), press),))
        buttons.append((Button(ctx.t("common.none"), cb(field.step, "v", NONE_ANSWER)),))
    elif field.step is Step.PERSONS_PRESENT:
        buttons.append((Button(ctx.t("common.none"), cb(field.step, "v", NONE_ANSWER)),))
    elif field.step is Step.INTERMEDIARY_NAME and inquirer_movable(record):
        # Art. 2: the inquirer is the cadre on whose behalf; the person written there may
        # be the one who passed it on.
        label = ctx.t("intake.move_inquirer", name=record.inquirer_name)
        buttons.append((Button(label, cb(field.step, "v", INQUIRER_IS_INTERMEDIARY)),))
    elif field.step is Step.DEPARTMENT:
        # The department's id travels on the button, never its name: a name of any length
        # fits the transports' button data (Telegram: 64 bytes), so no button's meaning is
        # held only in a process's memory.
        departments = await staff_repo.handling_departments(ctx.session, ctx.staff.department_id)
        row = [Button(d.name, cb(field.step, "v", f"#{d.id}")) for d in departments]
        buttons.extend(tuple(row[i : i + 2]) for i in range(0, len(row), 2))
    if offered_caption(record, field) is not None:
        key = (
            "intake.use_message" if record.fields.get(CAPTION_IS_MESSAGE) else "intake.use_caption"
        )
        buttons.append((Button(ctx.t(key), cb(field.step, CAPTION_PRESS)),))
    proposed = proposal(record, field)
    if proposed is not None and field.input is Input.TEXT:
        buttons.insert(0, (Button(proposed, cb(field.step, "p")),))
    if offers is None:
        offers = await earlier(ctx, record, field)
    for index, value in enumerate(offers):
        if value != proposed:
            buttons.append((Button(value, cb(field.step, EARLIER_PRESS, index)),))
    controls = _controls(ctx, field, await has_previous(ctx, record, field))
    if controls:
        buttons.append(controls)
    return tuple(buttons)


async def earlier(ctx: Context, record: Record, field: Field) -> list[str]:
    """What earlier records the judge may open wrote for this inquirer's name, offered at the
    unit question (the units) and the position question (the positions at the unit given),
    each one press; never taken unasked (``storage.inquirers``). Empty at other questions."""
    name, unit = record.inquirer_name, record.inquirer_unit
    if not name or field.step not in (Step.INQUIRER_UNIT, Step.INQUIRER_POSITION):
        return []
    if field.step is Step.INQUIRER_UNIT:
        return await inquirers.units(ctx.session, ctx.staff, name)
    return await inquirers.positions(ctx.session, ctx.staff, name, unit) if unit else []


def offered_caption(record: Record, field: Field) -> str | None:
    """The text that came with the files (``fields.CAPTION``), offered at the summary
    question as one press; None at any other question, or with none."""
    caption = record.fields.get(CAPTION)
    return caption if field.step is Step.SUMMARY and isinstance(caption, str) else None


PRESSED_ONLY = frozenset({Input.CHOICE, Input.YES_NO, Input.MULTI})
"""Questions answered only by their buttons (a typed word presses the button it names)."""
NUMBERED = frozenset({Input.CHOICE, Input.YES_NO, Input.TIME})
"""Questions whose buttons a typed number presses (``2`` for the second): a number is no
answer to them. At Art. 9 a number is an item; at a free-text question it is the answer
itself, unless the transport showed the buttons as a numbered list (WeCom)."""


async def typed_press(ctx: Context, record: Record, field: Field, text: str) -> str | None:
    """The data of the button ``text`` names (``handlers.intake.typed``): its label, at a
    choice also its leading word (``当面`` for ``当面（口头）``) or its number; None if none.
    While a day's hour is asked, the buttons are the hour question's (``hour_buttons``).

    Numbers count the buttons as shown, row by row, from 1. Raises ``UserError`` naming the
    buttons when the typed word is the leading word of several.
    """
    held = await open_hour(ctx, field.step.value)  # the hour question's own buttons, if open
    rows = await (
        hour_buttons(ctx, record, field, held) if held else question_buttons(ctx, record, field)
    )
    shown = [button for row in rows for button in row]
    listed = ctx.services.can(ctx.message.transport).max_buttons < ALL_BUTTONS
    choosing = field.input in NUMBERED or field.step is Step.DEPARTMENT
    numbered = field.input is not Input.MULTI and (choosing or listed)
    try:
        index = pressed(
            text,
            [button.label for button in shown],
            numbered=numbered,
            words=choosing or field.input is Input.MULTI,
        )
    except AmbiguousPress as several:
        raise UserError(
            "intake.error.ambiguous",
            text=text.strip(),
            options=join(ctx.language, (shown[i].label for i in several.indexes)),
        ) from None
    if index is None and field.input is Input.MULTI and listed and not _multi_select(ctx):
        # Listed, Art. 9's items come first, numbered as the article numbers them; a number
        # past them is the button listed there ("均不涉及，情节不严重", "均不涉及", …).
        beyond = parse_int(text, low=len(ART9_ITEMS) + 1, high=len(shown))
        index = beyond - 1 if beyond is not None else None
    return shown[index].data if index is not None else None


def _likely_channels(ctx: Context, record: Record, field: Field) -> str:
    """The line under the channel question naming the channels that fit what opened the
    draft (``fields.likely_channels``: a voice message: 微信, 电话); empty when nothing
    suggests one. The channel buttons
    keep ``field.choices``' one order on every path (``fields.choice_buttons``): a judge who
    types a channel's number from memory presses the same channel on every record."""
    likely = likely_channels(record)
    if not likely or field.labels is None:
        return ""
    render = field.labels
    return ctx.t(
        "intake.channel_likely", channels=join(ctx.language, (render(ctx, c) for c in likely))
    )


def _art9_buttons(ctx: Context, chosen: set[int]) -> list[tuple[Button, ...]]:
    buttons = [
        Button(
            ("✔ " if n in chosen else "") + f"({n}) {ART9_LABELS[n][ctx.language]}",
            cb(Step.ART9, "t", n),
        )
        for n in ART9_ITEMS
    ]
    rows: list[tuple[Button, ...]] = [(button,) for button in buttons]
    rows.append(
        (
            Button(ctx.t("intake.art9_none"), cb(Step.ART9, "v", "无")),
            Button(ctx.t("intake.art9_done"), cb(Step.ART9, "done")),
            Button(ctx.t("intake.art9_done_clear"), cb(Step.ART9, DONE_CLEAR)),
        )
    )
    return rows


def _art9_choice(ctx: Context) -> MultiChoice:
    """Art. 9's items as one multiple choice (ticked, then submitted once), "none of them"
    among the options; the answer comes back as ``set`` with the ticked items."""
    items = [Button(f"({n}) {ART9_LABELS[n][ctx.language]}", str(n)) for n in ART9_ITEMS]
    options = (*items, Button(ctx.t("intake.art9_none"), NONE_OF_ART9))
    return MultiChoice(options, Button(ctx.t("intake.art9_done"), cb(Step.ART9, "set", "")))


async def advance(ctx: Context, record: Record) -> StepName:
    """Ask the next missing question, or show the review card when nothing is missing.

    Proposals are put on a card of their own, except those that close the record and may be
    confirmed by submitting it (``proposals.ON_REVIEW``): those are shown on the review card,
    marked as proposed, and stored when the judge presses submit.
    """
    field = next_missing(record)
    if field is None:
        return await show_review(ctx, record)
    proposed = group(record) if ctx.services.propose else []
    if proposed and closing(record) and all(f.step in ON_REVIEW for f in proposed):
        return await show_review(ctx, record, proposed)
    if proposed:
        return await show(ctx, record, proposed)
    return await ask(ctx, record, field)


async def show_review(ctx: Context, record: Record, proposed: Sequence[Field] = ()) -> StepName:
    """The review card with its submit, edit and withdraw buttons; ``proposed``: the last
    missing answers, shown as proposed, which submitting confirms."""
    state = await ctx.state()
    history = list(state.history)
    state.fresh()
    state.history = history
    state.record_id = record.id
    if proposed:
        state.data = {"proposed": [field.step.value for field in proposed]}
    text = await card.render(
        ctx, record, evidence=await evidence_line(ctx, record), rules=ctx.services.rules
    )
    buttons: Buttons = (
        (
            Button(ctx.t("intake.submit"), cb("review", "submit")),
            Button(ctx.t("intake.edit"), cb("review", "edit")),
        ),
        (Button(ctx.t("intake.withdraw"), cb("review", "cancel")),),
    )
    head = ctx.t("intake.review")
    if proposed:
        head += "\n" + ctx.t("intake.review_proposed")
    warning = await screenshot_missing(ctx, record)
    if warning is not None:
        text += "\n\n" + warning
    ctx.reply(head + "\n\n" + text, buttons)
    return StepName.INTAKE_REVIEW


async def resume_step(ctx: Context, record: Record, step: StepName | None) -> StepName:
    """Ask again the question the draft was waiting at (``step``), or the next missing."""
    field = BY_STEP.get(step.question or "") if step is not None else None
    if field is not None:
        return await ask(ctx, record, field)
    return await advance(ctx, record)


# -- answering ----------------------------------------------------------------------------


async def _apply(
    ctx: Context, record: Record, field: Field, values: dict[str, Any], *, why: str | None = None
) -> None:
    """Store an answer's ``values`` (each change audited), then what follows from it: Art. 7's
    presumed main leader, and an electronic message's receipt time (``settle_receipt``).

    Every path that stores a draft's answer comes here. An answer that moves the receipt
    time after a breach counted from it was told (``handlers.told.must_hold``) raises
    ``Held``, nothing stored: it is kept only with a reason (``why``), each column changed
    as a correction (``storage.records.amend_draft``)."""
    given = dict(values)
    people = values.pop("_staff_present", None)
    offline = values.pop("_staff_offline", None)
    named = values.pop("_staff_named", None)
    only_day = values.pop("_day_only", None)
    typed_receipt = values.pop("_received_typed", None)
    fields = dict(record.fields)
    if named is not None:
        fields[STAFF_IN_PERSONS] = named
    if only_day is not None:
        fields[INQUIRY_DAY_ONLY] = only_day
    if typed_receipt:
        fields[RECEIVED_TYPED] = True
        fields.pop(RECEIVED_DAY_ONLY, None)
    skipped = [s for s in fields.get("skipped", []) if s != field.step.value]
    fields["skipped"] = skipped
    if why is None and await must_hold(ctx, record, values, fields):
        raise Held(field, given, fields)
    if people is not None:
        await records_repo.set_cosigners(
            ctx.session, record, people, actor=ctx.staff, at=ctx.now, offline=offline or []
        )
        for cosigner in record.cosigners:  # the card may follow at once: names loaded
            await ctx.session.refresh(cosigner, ["staff"])
        fields["staff_present_answered"] = True
        values.update(moved_out(record, fields, people))
        state = await ctx.state()
        state.data = {k: v for k, v in state.data.items() if k != STAFF_TYPED}
    record.fields = fields
    if values:
        await _store(ctx, record, values, why)
    _presume(ctx, record)
    await settle_receipt(ctx, record, why=why)
    await ctx.session.flush()


async def _store(ctx: Context, record: Record, values: dict[str, Any], why: str | None) -> None:
    """Set a draft's columns: as answers (``storage.records.set_fields``), or with ``why``
    each one changed as a correction keeping its old value (``storage.records.amend_draft``)."""
    if why is None:
        await records_repo.set_fields(ctx.session, record, values, actor=ctx.staff, at=ctx.now)
        return
    for name, value in values.items():
        if getattr(record, name) != value:
            await records_repo.amend_draft(
                ctx.session, record, name, value, reason=why, actor=ctx.staff, at=ctx.now
            )


def moved_out(record: Record, fields: dict[str, Any], people: list[Staff]) -> dict[str, Any]:
    """The persons present who are not court staff once the court staff named among them
    (``STAFF_IN_PERSONS``) are named as court staff present: their names leave that answer
    (Art. 3: they co-sign instead); ``persons_present`` with what is left, nothing when no
    name left it. A moved answer with nobody left is the answer none (``NONE_ANSWER``), not
    asked again."""
    moved = {p.name for p in people if p.id in set(fields.get(STAFF_IN_PERSONS) or [])}
    if not moved or not record.persons_present:
        return {}
    typed = record.persons_present.strip()
    splitter = LIST_PARTS if LIST_PARTS.search(typed) else NAME_PARTS  # spaces when nothing else
    parts = [p for p in splitter.split(typed) if p]
    left = [p for p in parts if p not in moved]
    if len(left) == len(parts):
        return {}
    fields[STAFF_IN_PERSONS] = [
        i for i in fields[STAFF_IN_PERSONS] if i not in {p.id for p in people}
    ]
    if not left:  # nobody else was present: the answer none, as typed (Art. 3: recorded)
        return {"persons_present": NONE_ANSWER}
    return {"persons_present": "、".join(left)}


async def settle_receipt(ctx: Context, record: Record, *, why: str | None = None) -> None:
    """An electronic message's receipt time, or a call's or a visit's, is the time the judge
    gives for the inquiry (``handlers.receipt``): after every answer, on every path (the
    proposals card, the questions one by one, a day alone, an edit from the review card), the
    receipt time is set to what the rule gives, confirmed, and the judge told when it moved;
    with ``why`` (a held answer, ``handlers.told``) the move is kept as a correction."""
    settled = receipt_of(record, ctx.services.tz)
    if settled is None:
        return
    moment, only_day = settled
    fields = dict(record.fields)
    fields[RECEIVED_DAY_ONLY] = only_day
    if not only_day:
        del fields[RECEIVED_DAY_ONLY]
    if fields != record.fields:
        record.fields = fields
    moved = moment != record.received_at
    values = {"received_at": moment, "received_confirmed": True}
    await _store(ctx, record, values, why)
    if moved:
        shown = when(ctx, moment, clock=None if only_day else True)
        why = "received_when_asked" if record.channel in ORAL_CHANNELS else "received_when_sent"
        ctx.reply(ctx.t(f"intake.proposed.{why}", time=shown))


def _presume(ctx: Context, record: Record) -> None:
    """Art. 7's same-level main leader as the unit and position now suggest it at the court's place
    (``handlers.units.presume_main_leader``), kept for the proposal; none: asked outright."""
    places = court_places(ctx.services.court_code, ctx.services.court_name)
    presumed = presume_main_leader(
        record.inquirer_unit, record.inquirer_position, record.unit_category, places
    )
    fields = dict(record.fields)
    if presumed is None:
        fields.pop(PRESUMED_MAIN_LEADER, None)
    else:
        fields[PRESUMED_MAIN_LEADER] = presumed
    if fields != record.fields:
        record.fields = fields


def repeats_last_answer(state: DraftState, field: Field, text: str) -> bool:
    """Is ``text`` exactly the answer typed to the question asked just before this one?

    The previous question's answer, sent again at the next question, is recognised once;
    sent again after that question was re-asked, it is taken as this question's answer
    (two questions may truly have one answer). A "none" or a skip (``NONE_WORDS``,
    ``SKIP_WORDS``) is never a repeat: it is the natural answer to many questions in a row.
    """
    last = state.answer
    word = " ".join(text.split()).casefold()
    return (
        last is not None
        and bool(word)
        and word not in NONE_WORDS
        and word not in SKIP_WORDS
        and last.text == text.strip()
        and last.question == state.asked - 1
        and last.step != field.step.value
    )


async def answer(ctx: Context, text: str) -> Next:
    """Text typed at a question: a button's label or number is its press; a refused answer
    gets its message above the question, asked again with its buttons."""
    state = await ctx.state()
    record = await current_draft(ctx)
    field = field_at(state)
    if record is None or field is None:
        raise no_draft(ctx)
    word = text.strip().lower()
    try:
        if word in BACK_WORDS:
            return await go_back(ctx, record, field)
        if word in SKIP_WORDS:
            return await skip(ctx, record, field)
        if repeats_last_answer(state, field, text):
            # The judge never saw this question (its reply was lost) and sent the last
            # answer again: it answers the previous question, not this one. Ask again.
            assert state.answer is not None
            previous = ctx.t(f"card.{state.answer.step}")
            ctx.reply(ctx.t("intake.repeat_answer", text=text.strip(), field=previous))
            return await ask_again(ctx, record, field)
    except UserError as refusal:
        return await ask_again(ctx, record, field, refusal=refusal)
    if field.step is Step.ART9:
        typed = await art9_typed(ctx, record, field, text)
        if typed is not None:
            return typed
    try:
        press = await typed_press(ctx, record, field, text)
    except UserError as refusal:
        return await ask_again(ctx, record, field, refusal=refusal)
    if press is not None:
        _prefix, step, rest = press.split(":", 2)
        action, _, argument = rest.partition(":")
        return await field_button(ctx, step, action, argument)
    asked = state.asked
    try:
        chosen = await take(ctx, record, field, text)
    except DateOnly as typed:
        return await ask_hour(ctx, record, field, typed)
    if chosen != question(field.step) and isinstance(chosen, StepName) and chosen.question:
        state.answer = LastAnswer(
            question=asked,
            step=field.step.value,
            text=text.strip(),
            message_id=ctx.message.message_id,
        )
    return chosen


async def art9_typed(ctx: Context, record: Record, field: Field, text: str) -> Next | None:
    """Item numbers or a "no" typed at the Art. 9 question; None for anything else.

    A number and a list of numbers (``1``, ``1,6``, ``1、6``) do the same as pressing those
    items' buttons: each is ticked (or unticked), and the question is sent again showing the
    ticks, until "选好了". A "no" (``否``, ``无``, ``没有``, ``no``) with nothing ticked means
    "none of Art. 9's items" and the seriousness question follows; with items ticked it is
    refused, naming them, so no ticked item is dropped unasked.
    """
    state = await ctx.state()
    if " ".join(text.split()).casefold() in NO_ITEM_WORDS:
        if state.art9:
            ticked = join(ctx.language, (f"({n})" for n in state.art9))
            refusal = UserError("intake.error.art9_no_ticked", items=ticked)
            return await ask(ctx, record, field, refusal=refusal)
        return await take(ctx, record, field, NONE_OF_ART9)
    items = parse_art9(text)
    if not items:
        return None
    state.art9 = sorted(set(state.art9).symmetric_difference(items))
    return await ask(ctx, record, field)


async def ask_hour(
    ctx: Context,
    record: Record,
    field: Field,
    typed: DateOnly,
    *,
    refusal: UserError | None = None,
) -> StepName:
    """A day without the hour: ask only the hour, or take the day with the time unknown. The
    day and the part of it given (``昨天下午``) are held for the answer, which is read within
    that part (``timeparse.read_time``'s ``part``: ``3点`` is 15:00); the question names them.
    After a ``refusal`` of an answer, its message heads the question, asked again whole."""
    state = await ctx.state()
    held = {HOUR_DAY: typed.day.isoformat(), HOUR_OF: field.step.value}
    if typed.part is not None:
        held[HOUR_PART] = typed.part.value
    state.data = {**_without_hour(state.data), **held}
    state.asked += 1
    day = day_part(ctx, typed.day, typed.part)
    if typed.part is None:
        prompt = ctx.t("intake.ask.hour", day=day)
    else:
        example = ctx.t(f"time.part_example.{typed.part}")
        prompt = ctx.t("intake.ask.hour_part", day=day, example=example)
    if refusal is not None:
        prompt = ctx.t(refusal.key, **refusal.values) + "\n\n" + prompt
    ctx.reply(prompt, await hour_buttons(ctx, record, field, typed))
    return question(field.step)


async def hour_buttons(ctx: Context, record: Record, field: Field, typed: DateOnly) -> Buttons:
    """The hour question's buttons: the day alone, its time unknown; then back and skip."""
    controls = _controls(ctx, field, await has_previous(ctx, record, field))
    day_alone = Button(
        ctx.t("intake.day_only"), cb(field.step, "v", DAY_ONLY + typed.day.isoformat())
    )
    return ((day_alone,), *((controls,) if controls else ()))


def _without_hour(data: dict[str, Any]) -> dict[str, Any]:
    """The dialogue state without a day whose hour was asked (``fields.open_hour``)."""
    return {k: v for k, v in data.items() if k not in (HOUR_DAY, HOUR_OF, HOUR_PART)}


async def ask_again(
    ctx: Context, record: Record, field: Field, *, refusal: UserError | None = None
) -> StepName:
    """``field``'s question again after ``refusal``: the hour question while a day's hour is
    asked (its day and part kept), otherwise the question itself."""
    held = await open_hour(ctx, field.step.value)
    if held is not None and not isinstance(refusal, (Offer, FarBack)):
        return await ask_hour(ctx, record, field, held, refusal=refusal)
    return await ask(ctx, record, field, refusal=refusal)


async def edited(ctx: Context, text: str) -> Next:
    """An answer edited after it was sent: while its draft is open and it is the last
    answer typed, the edit replaces that answer (the judge is told, and the open question is
    asked again; an edit the question refuses: that question again, with its buttons);
    otherwise the judge is told how to change the record (edit at review, or 更正 once
    submitted), under the open question's buttons. Nothing is changed silently."""
    state = await ctx.state()
    record = await current_draft(ctx)
    last = state.answer
    field = BY_STEP.get(last.step) if last is not None else None
    if (
        record is None
        or last is None
        or field is None
        or last.message_id is None
        or last.message_id != ctx.message.message_id
    ):
        raise UserError("intake.edited_ignored")
    try:
        values = await field.parse(ctx, record, text)
    except UserError as refusal:
        # The question edited is asked again, whole, with its buttons under the refusal.
        ctx.reply(ctx.t("intake.edited_refused", field=ctx.t(f"card.{field.step.value}")))
        return await ask(ctx, record, field, refusal=refusal)
    await _apply(ctx, record, field, values)
    last.text = text.strip()
    shown = await card.value_of(ctx, record, field)
    ctx.reply(ctx.t("intake.edited_applied", field=ctx.t(f"card.{field.step.value}"), value=shown))
    return await resume_step(ctx, record, state.step)


async def take(ctx: Context, record: Record, field: Field, value: str) -> Next:
    """Store ``value`` as the answer to ``field``; then the next question. A value the
    question refuses: its message, and the question again. A time is said back at once as it
    was understood (``11月28日（周六）15:00``); a day without its hour raises ``DateOnly``.
    """
    if field.step is Step.CASE_NAME and case_number_shaped(value):
        return await case_number_at_name(ctx, record, field, value)
    if field.step is Step.INQUIRER_NAME and value.startswith(ART14_PRESS):  # Art. 14, asked
        return await confirm_internal(ctx, record, named=value.removeprefix(ART14_PRESS))
    try:
        values = await field.parse(ctx, record, value)
    except DateOnly:
        raise
    except UserError as refusal:
        return await ask_again(ctx, record, field, refusal=refusal)
    if field.step is Step.SOURCE and values.get("kind") == RecordKind.INTERNAL:
        return await confirm_internal(ctx, record)
    await _apply(ctx, record, field, values)
    state = await ctx.state()
    state.data = _without_hour(state.data)
    if field.input is Input.TIME and value not in ("ok", "same", CAPTION_VALUE):
        moment = getattr(record, field.columns[0])
        shown = when(ctx, moment, clock=not (field.step is Step.INQUIRY_AT and day_only(record)))
        ctx.reply(ctx.t("intake.time_taken", field=ctx.t(f"card.{field.step.value}"), time=shown))
    state.history = [*state.history, field.step.value]
    state.art9 = []
    return await after_answer(ctx, record, field)


async def case_number_at_name(ctx: Context, record: Record, field: Field, text: str) -> StepName:
    """A text shaped as a case number (``storage.casenumber.case_number_shaped``) typed as the
    case's name: never stored as the name. Checked as the case-number question checks it (a
    court code that does not exist, another court's number: its refusal above the name
    question, nothing stored); a good one is stored as the case number when none is recorded
    yet (said so at once), and the name asked again."""
    number = BY_STEP[Step.CASE_NUMBER.value]
    if record.case_number:
        refusal = UserError("intake.error.case_name_is_number", number=text.strip())
        return await ask(ctx, record, field, refusal=refusal)
    try:
        values = await number.parse(ctx, record, text)
    except UserError as refusal:  # another court's number: said, nothing stored
        # Its hint names the case-number question's "not filed" button, not on this card.
        if "not_filed" in refusal.values:
            refusal.values["not_filed"] = ctx.t("intake.error.not_filed_at_name")
        return await ask(ctx, record, field, refusal=refusal)
    await _apply(ctx, record, number, values)
    state = await ctx.state()
    state.history = [*state.history, number.step.value]
    ctx.reply(ctx.t("intake.case_number_at_name", number=record.case_number))
    return await ask(ctx, record, field)


async def take_clear(ctx: Context, record: Record) -> Next:
    """The judge's "none of Art. 9's items, and not serious": both answers stored (each
    through its question's parser, each audited), then the next question."""
    state = await ctx.state()
    art9, serious = BY_STEP[Step.ART9.value], BY_STEP[Step.SERIOUS.value]
    await _apply(ctx, record, art9, await art9.parse(ctx, record, NONE_OF_ART9))
    await _apply(ctx, record, serious, await serious.parse(ctx, record, NO))
    state.history = [*state.history, art9.step.value, serious.step.value]
    state.art9 = []
    return await after_answer(ctx, record, serious)


async def take_done_clear(ctx: Context, record: Record) -> Next:
    """The judge's "these ticked items, and not serious": both answers stored (each through
    its question's parser, each audited), then the next question."""
    state = await ctx.state()
    art9, serious = BY_STEP[Step.ART9.value], BY_STEP[Step.SERIOUS.value]
    items = ",".join(str(n) for n in state.art9)
    await _apply(ctx, record, art9, await art9.parse(ctx, record, items))
    await _apply(ctx, record, serious, await serious.parse(ctx, record, NO))
    state.history = [*state.history, art9.step.value, serious.step.value]
    state.art9 = []
    return await after_answer(ctx, record, serious)


async def after_answer(ctx: Context, record: Record, field: Field) -> Next:
    """After a stored answer: the next question. Art. 7's alerts follow every change once,
    after the message (``Registry.after_change``: ``handlers.alerts.follow_touched``)."""
    return await advance(ctx, record)


async def confirm_internal(ctx: Context, record: Record, *, named: str | None = None) -> StepName:
    """Art. 14 withdraws the draft: asked first, since one wrong tap would end it. The
    answer is the source question's ``art14`` button (``yes`` withdraws, ``no`` asks again
    the question it came from: the source, or the inquirer's name where a court staff
    member was ``named``, ``fields.CourtStaffName``); nothing is stored until then."""
    state = await ctx.state()
    state.asked += 1
    title = card.title(ctx, record)
    text = (
        ctx.t("intake.art14_confirm", title=title)
        if named is None
        else ctx.t("intake.art14_confirm_named", name=named, title=title)
    )
    again = NO if named is None else f"{NO}:{Step.INQUIRER_NAME.value}"
    no = "intake.art14_no" if named is None else "intake.art14_no_named"
    ctx.reply(
        text,
        (
            (
                Button(ctx.t("intake.art14_yes"), cb(Step.SOURCE, "art14", YES)),
                Button(ctx.t(no), cb(Step.SOURCE, "art14", again)),
            ),
        ),
    )
    return question(Step.SOURCE)


async def close_internal(ctx: Context, record: Record) -> Next:
    """Art. 14: the court's own staff asking is recorded under other rules, not here."""
    await _apply(ctx, record, BY_STEP[Step.SOURCE.value], {"kind": RecordKind.INTERNAL})
    await records_repo.withdraw(
        ctx.session, record, reason=ctx.t("intake.art14_reason"), actor=ctx.staff, at=ctx.now
    )
    ctx.reply(ctx.t("intake.art14", title=card.title(ctx, record)))
    return END


async def back(ctx: Context, args: str) -> Next:
    """/back: the question before the one the draft waits at, or, at the review card, the
    last question. Raises ``UserError`` with no draft open."""
    state = await ctx.state()
    record = await current_draft(ctx)
    at_review = state.step in (StepName.INTAKE_REVIEW, StepName.INTAKE_EDIT)
    field = field_at(state)
    if record is None or (field is None and not at_review):
        raise no_draft(ctx)
    try:
        return await go_back(ctx, record, field)
    except UserError as refusal:
        if field is None:
            raise
        return await ask(ctx, record, field, refusal=refusal)


def previous_field(record: Record, field: Field | None, history: Sequence[str]) -> Field | None:
    """The question answered last in this draft (``history``: the steps answered, in order)
    that still applies to ``record`` and is not ``field`` itself; None when there is none.

    Only questions the judge answered count (typed, pressed, or a proposal confirmed): a
    value derived or proposed and never asked is never gone back to.
    """
    for step in reversed(history):
        earlier = BY_STEP.get(step)
        if earlier is not None and earlier is not field and earlier.applies(record):
            return earlier
    return None


async def has_previous(ctx: Context, record: Record, field: Field) -> bool:
    """Whether a question was answered before ``field`` in this draft (back is shown)."""
    return previous_field(record, field, (await ctx.state()).history) is not None


async def go_back(ctx: Context, record: Record, field: Field | None) -> StepName:
    """Back: the question answered last in this draft, whatever path led here; its answer
    and those after it leave the history, so a second back goes one further.

    Raises ``UserError`` when no question was answered yet.
    """
    state = await ctx.state()
    previous = previous_field(record, field, state.history)
    if previous is None:
        raise UserError("intake.error.no_back")
    last = len(state.history) - 1 - state.history[::-1].index(previous.step.value)
    state.history = state.history[:last]
    state.data = _without_hour(state.data)  # the hour question, if open, is left
    return await ask(ctx, record, previous)


async def skip(ctx: Context, record: Record, field: Field) -> StepName:
    """Skip an optional question and ask the next.

    Raises ``UserError`` (``intake.error.not_optional``) for a required question.
    """
    if not field.optional:
        raise UserError("intake.error.not_optional")
    fields = dict(record.fields)
    fields["skipped"] = sorted({*fields.get("skipped", []), field.step.value})
    record.fields = fields
    state = await ctx.state()
    state.history = [*state.history, field.step.value]
    await ctx.session.flush()
    return await advance(ctx, record)


async def field_button(ctx: Context, step: str, action: str, argument: str) -> Next:
    """A question's button: ``back``, ``skip``, ``v`` (a value), ``t`` (tick an Art. 9
    item) or ``done`` (the Art. 9 items ticked)."""
    state = await ctx.state()
    record = await current_draft(ctx)
    field = BY_STEP.get(step)
    if record is None or field is None or state.step != question(field.step):
        raise UserError("error.stale_button")
    if action == "back":
        try:
            return await go_back(ctx, record, field)
        except UserError as refusal:
            return await ask(ctx, record, field, refusal=refusal)
    if action == "skip":
        try:
            return await skip(ctx, record, field)
        except UserError as refusal:
            return await ask(ctx, record, field, refusal=refusal)
    if action == "v":
        return await take(ctx, record, field, argument)
    if action == FAR_OK:
        return await take(ctx, record, field, await far_back_answer(ctx))
    if action == FAR_NO:  # type it again: at the question where the time is typed
        again = BY_STEP.get(str(state.data.get(FAR_BACK_STEP, "")))
        await forget_far_back(ctx)
        return await ask_again(ctx, record, again or field)
    if action == CAPTION_PRESS:
        caption = offered_caption(record, field)
        if caption is None:
            raise UserError("error.stale_button")
        return await take(ctx, record, field, caption)
    if action == EARLIER_PRESS:
        offers = await earlier(ctx, record, field)
        index = parse_int(argument)
        if index is None or not 0 <= index < len(offers):
            raise UserError("error.stale_button")
        return await take(ctx, record, field, offers[index])
    if action == "p":
        proposed = proposal(record, field)
        if proposed is None:
            raise UserError("error.stale_button")
        return await take(ctx, record, field, proposed)
    if action == "art14" and field.step is Step.SOURCE:
        if argument == YES:
            return await close_internal(ctx, record)
        asked = BY_STEP.get(argument.partition(":")[2])  # the question the staff name was typed at
        return await ask(ctx, record, asked or field)
    if action == CLEAR and field.step is Step.ART9:
        if state.art9:
            return await ask(ctx, record, field, refusal=UserError("intake.error.art9_ticked"))
        return await take_clear(ctx, record)
    if action == "t" and field.step is Step.ART9:
        item = parse_int(argument)
        if item is None or item not in ART9_ITEMS:
            raise UserError("error.stale_button")
        state.art9 = sorted(set(state.art9) ^ {item})
        return await ask(ctx, record, field)
    if action == "set" and field.step is Step.ART9:
        ticked = [part.strip() for part in argument.split(",") if part.strip()]
        if NONE_OF_ART9 in ticked:
            return await take(ctx, record, field, NONE_OF_ART9)
        items = sorted({n for n in map(parse_int, ticked) if n is not None and n in ART9_ITEMS})
        if not items:
            raise UserError("intake.error.art9_empty")
        state.art9 = items
        return await take(ctx, record, field, ",".join(str(n) for n in items))
    if action == "done" and field.step is Step.ART9:
        if not state.art9:
            return await ask(ctx, record, field, refusal=UserError("intake.error.art9_empty"))
        return await take(ctx, record, field, ",".join(str(n) for n in state.art9))
    if action == DONE_CLEAR and field.step is Step.ART9:
        if not state.art9:
            return await ask(ctx, record, field, refusal=UserError("intake.error.art9_empty"))
        return await take_done_clear(ctx, record)
    raise UserError("error.stale_button")
