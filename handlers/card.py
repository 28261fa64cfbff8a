"""The record's summary card: the review before submission, /record, co-sign requests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from handlers.engine import Context
from handlers.fields import (
    CAPTION,
    CAPTION_IS_MESSAGE,
    EVERY,
    NO,
    YES,
    Field,
    Input,
    Step,
    as_proposed,
    day_only,
    on_card,
    proposal,
)
from handlers.i18n import day_words, join
from reminders.deadlines import DeadlineRules, clock_started
from reminders.planner import DoneLate, cosign_disputed, last_day, met_at, unmet
from reports.amendment import ENUMS, value_words
from reports.columns import RECEIVED_DAY_ONLY, day_only_values
from reports.facts import Names, resolved
from storage import records as records_repo
from storage import staff as staff_repo
from storage.models import Record, RecordAmendment, RecordCosigner, Staff
from storage.records import EarlierAnswer
from storage.vocabulary import (
    ART9_LABELS,
    NONE_ANSWER,
    Channel,
    CosignStatus,
    Intermediary,
    MaterialRoute,
    Milestone,
    OriginalsDestination,
    RecordStatus,
    UnitCategory,
    at_start,
    label,
    label_at_start,
)


def stamp(ctx: Context, moment: datetime | None) -> str:
    """``moment`` as local ``YYYY-MM-DD HH:MM`` in the court's zone, or the catalog's "missing"."""
    return ctx.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ctx.t("card.missing")


def deadline_text(ctx: Context, moment: datetime) -> str:
    """A deadline that ends at 24:00 of its last day, said that way, with ``unconfirmed``'s
    caveat when it was counted past the holidays loaded."""
    last_day = (ctx.local(moment) - timedelta(seconds=1)).strftime("%Y-%m-%d")
    return ctx.t("card.deadline_at", day=last_day) + unconfirmed(ctx, moment)


def unconfirmed(ctx: Context, deadline: datetime) -> str:
    """``card.calendar_unconfirmed`` naming the years whose official holidays computing
    ``deadline`` needed and that are not loaded (``DeadlineRules.unconfirmed``), else ``""``:
    every deadline a person reads (the card, /record, the reminders, /overdue) carries it."""
    years = ctx.services.rules.unconfirmed(deadline)
    if not years:
        return ""
    return ctx.t("card.calendar_unconfirmed", years=join(ctx.language, map(str, years)))


def days_past(ctx: Context, deadline: datetime, now: datetime) -> int:
    """Calendar days in the court's time zone from the deadline's last day to ``now``'s day:
    negative while it is still to come, 0 on the last day, N when overdue by N days.

    The one count behind every deadline's state: the card, ``/mine`` and the reminders.
    """
    last = (ctx.local(deadline) - timedelta(seconds=1)).date()
    return (ctx.local(now).date() - last).days


def deadline_state(ctx: Context, record: Record, milestone: Milestone, deadline: datetime) -> str:
    """A deadline with its state today: still to come (``2026-03-09 24:00 前``), due today
    (``今天到期``), overdue by N calendar days (``已逾期 N 天``), done on time or late, or,
    for the co-signature a staff member present disputes, 有异议 (``cosign_disputed``)."""
    due = deadline_text(ctx, deadline)
    met = met_at(record, milestone)
    if met is None and milestone is Milestone.COSIGNED and cosign_disputed(record):
        return ctx.t("card.cosign_disputed_step")  # Art. 3: not done, and not overdue either
    if met is not None:
        key = "card.done_on_time" if met <= deadline else "card.done_late"
        return ctx.t(key, at=stamp(ctx, met), deadline=due)
    past = days_past(ctx, deadline, ctx.now)
    if past == 0:
        return ctx.t("card.due_today", deadline=due)
    if past > 0:
        return ctx.t("card.overdue", days=past, deadline=due)
    return due


def deadline_lines(ctx: Context, record: Record, rules: DeadlineRules) -> list[str]:
    """One line for each deadline the record owes, open ones first, earliest first; then the
    steps done. None for a withdrawn record. The steps are those of
    ``DeadlineRules.for_record``, the one list the form and the reminders read too (the staff
    present's co-signature of an in-person record among them, Art. 3), so none is left out.
    A draft's are those submitting it now gives: the co-signature counts from submission."""
    if record.status == RecordStatus.WITHDRAWN:
        return []
    draft = record.status == RecordStatus.DRAFT
    deadlines = rules.for_record(record, submitted_at=ctx.now if draft else None)
    order = list(Milestone)
    steps = sorted(
        deadlines, key=lambda m: (met_at(record, m) is not None, deadlines[m], order.index(m))
    )
    return [
        ctx.t(
            "card.deadline",
            milestone=label_at_start(milestone, ctx.language),
            deadline=deadline_state(ctx, record, milestone, deadlines[milestone]),
        )
        for milestone in steps
    ]


def earliest_open(ctx: Context, record: Record, rules: DeadlineRules) -> str:
    """The earliest deadline still open, with its state; ``card.not_started`` for a draft
    whose deadlines do not run yet (``clock_started``); when none is open, ``card.all_done``, or
    ``card.cosign_disputed`` while a staff member present disputes the record (Art. 3)."""
    if not clock_started(record):  # a bare /new's draft: nothing is owed, nothing done yet
        return ctx.t("card.not_started")
    open_steps = unmet(record, rules)
    if not open_steps:
        return ctx.t("card.cosign_disputed" if cosign_disputed(record) else "card.all_done")
    milestone, deadline = min(open_steps.items(), key=lambda item: item[1])
    return ctx.t(
        "card.next_deadline",
        milestone=label_at_start(milestone, ctx.language),
        deadline=deadline_state(ctx, record, milestone, deadline),
    )


def title(ctx: Context, record: Record) -> str:
    """A record's title: its record number once submitted, ``草稿 #<id>`` while a draft."""
    if record.number:
        return record.number
    return ctx.t("card.draft_title", id=record.id)


def _yes_no(ctx: Context, value: bool | None) -> str:
    if value is None:
        return ctx.t("card.missing")
    return ctx.t("intake.yes" if value else "intake.no")


def _enum(ctx: Context, enum: type, value: str | None) -> str:
    if value is None:
        return ctx.t("card.missing")
    try:
        # A label's value: ``Unit category: Government``, as its button reads.
        return label_at_start(enum(value), ctx.language)
    except ValueError:
        return value


async def value_of(ctx: Context, record: Record, field: Field) -> str:
    """The field's current value as a person reads it."""
    if field.step.value in record.fields.get("skipped", []):
        # A question skipped while drafting stays skipped once submitted: not answered,
        # which is not "none" (a none is typed: 无).
        return ctx.t("card.skipped")
    step = field.step
    missing = ctx.t("card.missing")
    if step is Step.RECEIVED_AT:
        if record.fields.get(RECEIVED_DAY_ONLY):
            day = ctx.local(record.received_at).strftime("%Y-%m-%d")
            return f"{day} {ctx.t('time.unknown_clock')}"
        return stamp(ctx, record.received_at)
    if step is Step.SOURCE:
        return ctx.t(f"intake.source.{record.kind}") if record.kind else missing
    if step is Step.INQUIRY_AT:
        if record.inquiry_at is not None and day_only(record):
            day = ctx.local(record.inquiry_at).strftime("%Y-%m-%d")
            return f"{day} {ctx.t('time.unknown_clock')}"
        return stamp(ctx, record.inquiry_at)
    if step is Step.CHANNEL:
        return _enum(ctx, Channel, record.channel)
    if step is Step.UNIT_CATEGORY:
        return _enum(ctx, UnitCategory, record.unit_category)
    if step in (Step.RETIRED, Step.MAIN_LEADER, Step.SERIOUS):
        return _yes_no(ctx, getattr(record, step.value))
    if step is Step.INTERMEDIARY:
        return _enum(ctx, Intermediary, record.intermediary)
    if step is Step.CASE_NUMBER:
        if record.case_not_filed:
            return ctx.t("card.not_filed")
        return record.case_number or missing
    if step is Step.DEPARTMENT:
        if record.department_id is None:
            return missing
        department = await staff_repo.find_department(ctx.session, str(record.department_id))
        return department.name if department else missing
    if step is Step.ART9:
        if record.art9_items is None:
            return missing
        if not record.art9_items:
            return ctx.t("common.none")
        items = [n for n in record.art9_items if n in ART9_LABELS]
        return join(
            ctx.language, (f"({n}) {ART9_LABELS[n][ctx.language]}" for n in items), strong=True
        )
    if step is Step.STAFF_PRESENT:
        if not record.fields.get("staff_present_answered"):
            return missing
        trail = await records_repo.cosign_trail(ctx.session, [record.id])
        removed = [await _removed_text(ctx, r) for r in trail.removed.get(record.id, [])]
        if not record.cosigners and not removed:
            return ctx.t("common.none")
        earlier = trail.earlier
        return join(
            ctx.language,
            [
                *(
                    cosigner_text(ctx, c, earlier.get((record.id, records_repo.key_of(c)), []))
                    for c in record.cosigners
                ),
                *removed,
            ],
        )
    if step is Step.ROUTE:
        return _enum(ctx, MaterialRoute, record.material_route)
    if step is Step.ORIGINALS:
        return _enum(ctx, OriginalsDestination, record.originals_destination)
    value = getattr(record, field.columns[0])
    if value == NONE_ANSWER:  # the answer none, in the reader's words
        return ctx.t("common.none")
    return str(value) if value is not None else missing


def cosigner_text(ctx: Context, cosigner: RecordCosigner, earlier: list[EarlierAnswer]) -> str:
    """One co-signer's confirmation history (Art. 3) as the card shows it: the current answer
    alone (王芳（有异议：…）), or every earlier answer with its time, then the answer after the
    correction (王芳（有异议：…（时间）；更正后待重新确认）). A dispute is never dropped."""
    status = CosignStatus(cosigner.status)
    if cosigner.offline and not earlier:  # Art. 3: signs the printed form by hand
        if status is CosignStatus.PENDING:
            return ctx.t("card.staff_offline", name=cosigner.who)
        at = stamp(ctx, cosigner.responded_at) if cosigner.responded_at else "-"
        return ctx.t("card.staff_paper_signed", name=cosigner.who, at=at)
    if not earlier:
        return ctx.t(
            "card.cosigner_disputed" if cosigner.reason else "card.cosigner",
            name=cosigner.who,
            status=label(status, ctx.language),
            reason=cosigner.reason,
        )
    rounds = [
        _round(
            ctx, CosignStatus.CONFIRMED if a.confirmed else CosignStatus.DISPUTED, a.reason, a.at
        )
        for a in earlier
    ]
    if status is CosignStatus.PENDING:
        rounds.append(ctx.t("card.cosign_again_pending"))
    else:
        answer = _round(ctx, status, cosigner.reason, cosigner.responded_at)
        rounds.append(ctx.t("card.cosign_again", answer=answer))
    return ctx.t(
        "card.cosigner_history",
        name=cosigner.who,
        rounds=ctx.t("common.strong_separator").join(rounds),
    )


async def _removed_text(ctx: Context, removed: records_repo.RemovedCosigner) -> str:
    """A co-signer a correction took off the staff present, with what they had answered
    (王芳（有异议：…（时间）；更正时移出）): a dispute is never dropped (Art. 3)."""
    person = await ctx.session.get(Staff, removed.staff_id) if removed.staff_id else None
    rounds = [
        _round(
            ctx, CosignStatus.CONFIRMED if a.confirmed else CosignStatus.DISPUTED, a.reason, a.at
        )
        for a in removed.answers
    ]
    rounds.append(ctx.t("card.cosign_removed", at=stamp(ctx, removed.removed_at)))
    return ctx.t(
        "card.cosigner_history",
        name=person.name if person is not None else removed.name or f"#{removed.staff_id}",
        rounds=ctx.t("common.strong_separator").join(rounds),
    )


def _round(ctx: Context, status: CosignStatus, reason: str | None, at: datetime | None) -> str:
    return ctx.t(
        "card.cosign_round_disputed" if reason else "card.cosign_round",
        status=label(status, ctx.language),
        reason=reason,
        at=stamp(ctx, at),
    )


def outline(ctx: Context, record: Record) -> list[tuple[Field, str | None]]:
    """The questions that apply to ``record``, each with its answer proposed and not yet
    confirmed (as ``fields.proposal`` gives it) or None.

    Pending: the receipt time until it is confirmed, and, where the intake proposes
    (``[intake] propose``), every answer it would propose — judged on the record as if its
    proposed choices were taken, as the intake's proposals are. The card and /mine describe
    these the same way: proposed, to be confirmed; never as recorded, never as missing.
    """
    propose = ctx.services.propose and record.status == RecordStatus.DRAFT
    view = as_proposed(record) if propose else record
    found: list[tuple[Field, str | None]] = []
    for field in EVERY:
        if not on_card(view, field):
            continue
        raw: str | None = None
        if not field.answered(record):
            if field.step is Step.RECEIVED_AT:
                raw = "ok"
            elif propose:
                raw = proposal(view, field)
        found.append((field, raw))
    return found


def proposed_value(ctx: Context, record: Record, field: Field, raw: str) -> str:
    """A pending answer (``outline``) as the card shows it, marked as proposed."""
    if field.step in (Step.RECEIVED_AT, Step.INQUIRY_AT):
        value = stamp(ctx, record.received_at)
    elif field.step is Step.SOURCE:
        value = ctx.t(f"intake.source.{raw}")
    elif field.input is Input.YES_NO and raw in (YES, NO):
        value = ctx.t("intake.yes" if raw == YES else "intake.no")
    elif field.labels is not None:
        value = at_start(field.labels(ctx, raw))  # a label's value, as its button reads
    else:
        value = raw
    return ctx.t("card.proposed", value=value)


async def render(
    ctx: Context, record: Record, *, evidence: str | None = None, rules: DeadlineRules | None = None
) -> str:
    """The record card: header, one line per applicable field, then ``evidence`` and state.

    ``evidence`` is a ready line about the stored files; with ``rules`` the card shows the
    Art. 6 deadlines (登记, 录入平台 within 2 days, 报送 within 3 days) and their state.
    """
    lines = [ctx.t("card.header", title=title(ctx, record), status=_status(ctx, record))]
    for field, raw in outline(ctx, record):
        value = (
            proposed_value(ctx, record, field, raw)
            if raw is not None
            else await value_of(ctx, record, field)
        )
        if field.step is Step.SUMMARY and from_caption(record):
            key = (
                "card.from_message"
                if record.fields.get(CAPTION_IS_MESSAGE)
                else "card.from_caption"
            )
            value = ctx.t(key, value=value)
        lines.append(ctx.t("card.line", label=ctx.t(f"card.{field.step.value}"), value=value))
    if evidence:
        lines.append(evidence)
    if record.withdraw_reason:
        lines.append(ctx.t("card.withdrawn", reason=record.withdraw_reason))
    if rules is not None:
        lines.extend(deadline_lines(ctx, record, rules))
    return "\n".join(lines)


def from_caption(record: Record) -> bool:
    """Whether the summary is the text that came with the files (``fields.CAPTION``), taken
    by the judge's press: the card says where it came from."""
    caption = record.fields.get(CAPTION)
    return record.summary is not None and caption is not None and record.summary == caption


def stored_value(
    ctx: Context, raw: str, *, name: str = "", day_only: bool = False, new: bool = False
) -> str:
    """An amendment's old or new value (canonical JSON) of field ``name`` as a person reads
    it: a choice by its label, as the form prints it (``reports.amendment.value_words``),
    never its stored code; a time that stood for a day only (``day_only``) as that day and
    the words for time unknown; nothing as "not filled" before, "cleared" after (``new``)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    if value is not None and (name in ENUMS or name == "art9_items"):
        return value_words(name, raw, ctx.language, ctx.services.tz)
    if value is None:
        return ctx.t("card.cleared" if new else "card.missing")
    if isinstance(value, bool):
        return ctx.t("intake.yes" if value else "intake.no")
    if isinstance(value, list):
        return join(ctx.language, (str(item) for item in value)) or ctx.t("common.none")
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None and day_only:
            day = ctx.local(moment).strftime("%Y-%m-%d")
            return f"{day} {ctx.t('time.unknown_clock')}"
        if moment.tzinfo is not None:
            return stamp(ctx, moment)
        return value
    return str(value)


def amendment_line(ctx: Context, amendment: RecordAmendment, record: Record, names: Names) -> str:
    """One amendment of ``record`` as /record and a co-signer's re-confirmation show it: the
    field, when, old → new, and why; a value that is an id (a department's,
    ``reports.facts.ID_FIELDS``) by the name in ``names`` (``reports.facts.load_names``)."""
    marked = day_only_values(record)
    old, new = amendment.old_value, amendment.new_value
    return ctx.t(
        "views.amendment",
        field=ctx.t(f"card.{amendment.field}"),
        at=stamp(ctx, amendment.at),
        old=stored_value(
            ctx, resolved(amendment.field, old, names), name=amendment.field, day_only=old in marked
        ),
        new=stored_value(
            ctx,
            resolved(amendment.field, new, names),
            name=amendment.field,
            day_only=new in marked,
            new=True,
        ),
        reason=amendment.reason,
    )


def _status(ctx: Context, record: Record) -> str:
    return label(RecordStatus(record.status), ctx.language)


def lapse_words(ctx: Context, lapses: Sequence[DoneLate]) -> str:
    """Steps done late (``reminders.planner.done_late``) as the overseers' notices say them:
    ``填表登记逾期 53 天（期限 10月9日（周五））``, joined; ``""`` for none."""
    rules = ctx.services.rules
    return ctx.t("reminders.lapse_separator").join(
        ctx.t(
            "reminders.done_late_step",
            step=label(lapse.milestone, ctx.language),
            days=lapse.days,
            day=day_words(ctx.language, last_day(lapse.deadline, rules)),
        )
        for lapse in lapses
    )


def deadline_words(ctx: Context, deadline: datetime, now: datetime) -> str:
    """A deadline as a person says it: today, tomorrow or the day, each with its date and
    weekday; once passed, overdue by N days (``days_past``, the card's count); with
    ``unconfirmed``'s caveat when it was counted past the holidays loaded."""
    last = last_day(deadline, ctx.services.rules)
    day = day_words(ctx.language, last)
    past = days_past(ctx, deadline, now)
    if past == 0:
        words = ctx.t("reminders.by_today", day=day)
    elif past > 0:
        words = ctx.t("reminders.passed", day=day, days=past)
    else:
        words = ctx.t("reminders.by_tomorrow" if past == -1 else "reminders.by_day", day=day)
    return words + unconfirmed(ctx, deadline)
