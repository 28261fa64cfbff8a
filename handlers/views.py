"""Looking back: /mine for a handler's drafts and records, /record for one record's card."""

from __future__ import annotations

from handlers import card, copy_state, cosign
from handlers.engine import Context, Registry, UserError
from handlers.evidence_link import evidence_line
from handlers.i18n import join
from handlers.invites import READS_WITHDRAWN, registers
from handlers.ports import Button
from handlers.refs import find_record
from reminders.planner import cosign_disputed
from reports.facts import load_names
from reports.figures import on_art7_list
from storage import form_copies
from storage import records as records_repo
from storage.models import Record, Staff
from storage.vocabulary import CosignStatus, RecordStatus, Role

LIST_LIMIT = 20


def _missing(ctx: Context, record: Record) -> str:
    """What a draft still lacks, and apart from it what is proposed and awaits confirmation,
    named as the draft's card marks them (``card.outline``)."""
    open_fields = [(f, raw) for f, raw in card.outline(ctx, record) if not f.answered(record)]
    missing = [ctx.t(f"card.{f.step.value}") for f, raw in open_fields if raw is None]
    proposed = [ctx.t(f"card.{f.step.value}") for f, raw in open_fields if raw is not None]
    parts: list[str] = []
    if missing or not proposed:
        parts.append(
            ctx.t("views.missing", fields=join(ctx.language, missing) or ctx.t("common.none"))
        )
    if proposed:
        parts.append(ctx.t("views.proposed", fields=join(ctx.language, proposed)))
    return ctx.t("views.todo_separator").join(parts)


async def mine(ctx: Context, args: str) -> None:
    """/mine: the handler's open drafts and submitted records with the next deadline of each."""
    drafts = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.DRAFT])
    submitted = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.SUBMITTED])
    withdrawn_count = len(
        await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.WITHDRAWN])
    )
    lines, buttons = await to_confirm(ctx)
    if not drafts and not submitted and not lines:
        empty = ctx.t("views.mine_empty")
        if registers(ctx):  # forwarding and /new invited only to who may register
            empty += ctx.t("views.mine_empty_new")
        if withdrawn_count:
            empty += "\n" + ctx.t("views.withdrawn_note", count=withdrawn_count)
        ctx.reply(empty)
        return
    rules = ctx.services.rules
    if drafts:
        lines.append(ctx.t("views.drafts", count=len(drafts)))
        for record in drafts:
            lines.append(
                ctx.t(
                    "views.draft_row",
                    title=card.title(ctx, record),
                    received=card.stamp(ctx, record.received_at),
                    todo=_missing(ctx, record),
                    deadline=card.earliest_open(ctx, record, rules),
                )
            )
        lines.append(ctx.t("views.resume_hint", id=drafts[0].id))  # an example that works
    if submitted:
        lines.append(ctx.t("views.submitted", count=len(submitted)))
        for record in submitted[-LIST_LIMIT:]:
            lines.append(
                ctx.t(
                    "views.record_row",
                    title=card.title(ctx, record),
                    inquirer=record.inquirer_name or "-",
                    case=record.case_number or record.case_name or "-",
                    deadline=card.earliest_open(ctx, record, rules),
                )
            )
            disputes = _disputes(ctx, record)
            if disputes:
                lines.append(disputes)
    if withdrawn_count:
        lines.append(ctx.t("views.withdrawn_note", count=withdrawn_count))
    ctx.reply("\n".join(lines), tuple(buttons))


def _disputes(ctx: Context, record: Record) -> str:
    """The handler's next step on a submitted record a staff member present disputes
    (Art. 3): who disputes it, awaiting a correction (``views.disputed``); "" when none does
    in the current round (``reminders.planner.cosign_disputed``)."""
    if not cosign_disputed(record):
        return ""
    names = [c.who for c in record.cosigners if c.status == CosignStatus.DISPUTED]
    return ctx.t("views.disputed", names=join(ctx.language, names), title=card.title(ctx, record))


async def to_confirm(ctx: Context) -> tuple[list[str], list[tuple[Button, ...]]]:
    """Art. 3: the records this person was present at and has still to confirm, with the
    buttons that confirm or dispute each (the ``cs:<record id>:<ok|no>`` presses)."""
    owed = await records_repo.pending_cosign(ctx.session, ctx.staff.id)
    if not owed:
        return [], []
    lines = [ctx.t("views.to_confirm", count=len(owed))]
    buttons: list[tuple[Button, ...]] = []
    for cosigner in owed:
        record = await records_repo.get(ctx.session, cosigner.record_id)
        if record is None:
            continue
        handler = await ctx.session.get(Staff, record.handler_id)
        title = card.title(ctx, record)
        lines.append(
            ctx.t(
                "views.to_confirm_row",
                title=title,
                handler=handler.name if handler else "-",
                asked=card.stamp(ctx, cosigner.requested_at),
            )
        )
        buttons.append(
            (
                Button(ctx.t("views.to_confirm_ok", title=title), f"cs:{record.id}:ok"),
                Button(ctx.t("views.to_confirm_no", title=title), f"cs:{record.id}:no"),
            )
        )
    lines.append(ctx.t("views.to_confirm_hint"))
    return lines, buttons


async def find(ctx: Context, ref: str) -> Record:
    """A record by its record number, a draft by ``草稿 #N`` (``handlers.refs``); one the
    person may not see does not exist for them. Raises ``UserError`` when not found."""
    ref = ref.strip()
    record = await find_record(ctx, ref)
    if record is None or not await records_repo.may_view(ctx.session, ctx.staff, record):
        raise UserError("views.not_found", ref=ref)
    return record


async def show(ctx: Context, args: str) -> None:
    """/record REF: the card with evidence and amendments, as ``can_view`` allows the sender.

    Raises ``UserError`` without a reference or for a record the sender may not see.
    """
    if not args.strip():
        raise UserError("views.record_usage")
    record = await find(ctx, args)
    text = await card.render(
        ctx, record, evidence=await evidence_line(ctx, record), rules=ctx.services.rules
    )
    text += "".join("\n" + line for line in await stamped_lines(ctx, record))
    amendments = await records_repo.amendments(ctx.session, record.id)
    if amendments:
        names = await load_names(ctx.session)
        text += "".join("\n" + card.amendment_line(ctx, a, record, names) for a in amendments)
    text += "".join("\n" + line for line in await copy_lines(ctx, record))
    buttons: tuple[tuple[Button, ...], ...] = ()
    if record.handler_id == ctx.staff.id and record.status == RecordStatus.SUBMITTED:
        buttons = (
            *cosign.paper_buttons(ctx, record),
            (Button(ctx.t("views.amend"), f"in:amend:start:{record.id}"),),
        )
    elif record.handler_id == ctx.staff.id and record.status == RecordStatus.DRAFT:
        buttons = ((Button(ctx.t("views.resume"), f"in:amend:resume:{record.id}"),),)
    ctx.reply(text, buttons)


async def copy_lines(ctx: Context, record: Record) -> list[str]:
    """Each form copy of ``record`` (Art. 6), as /record lists it: when it went (the first
    copy counts as delivered only once both offices have it, until then it is shown as
    sent and still open) and, under it, each recipient and whether their copy arrived; a
    corrected copy still to arrive names the copy the person holds meanwhile, and an older
    copy that never arrived is shown as superseded."""
    lines: list[str] = []
    delivered = await form_copies.copies(ctx.session, record.id)
    if not delivered:
        first = await form_copies.recipients(ctx.session, record)
        by_hand = await form_copies.offices_handed(ctx.session, record)
        if first or by_hand:
            lines.append(copy_state.open_line(ctx, first, by_hand))
            lines.extend(copy_state.lines(ctx, first))
            lines.extend(await copy_state.office_state(ctx, record))
        return lines
    later = await form_copies.latest(ctx.session, record)
    held: dict[int, str] = {}
    for before, copy in zip([None, *delivered], delivered, strict=False):
        at = card.stamp(ctx, copy.at)
        if before is None:
            lines.append(ctx.t("views.form_copy", at=at, version=copy.version))
        else:
            previous = card.stamp(ctx, before.at)
            key = f"views.form_copy_{copy_state.resend_reason(copy)}"
            lines.append(ctx.t(key, at=at, version=copy.version, previous=previous))
        people = await form_copies.recipients(ctx.session, record, copy.version)
        by_hand = await form_copies.offices_handed(ctx.session, record)
        if copy.version == 1 and record.form_delivered_at is None and people:
            lines.append(copy_state.open_line(ctx, people, by_hand))  # not yet at each office
        lines.extend(copy_state.lines(ctx, people, version=copy.version, later=later, held=held))
        if copy.version == 1:  # an office with nobody registered: its printed copy
            lines.extend(await copy_state.office_state(ctx, record))
        for person in people:
            if person.arrived:
                how = ctx.t(f"views.held_{person.state.value}")
                held[person.staff_id] = ctx.t(
                    "views.copy_held",
                    version=copy.version,
                    how=how,
                    at=card.stamp(ctx, person.at),
                )
    return lines


async def stamped_lines(ctx: Context, record: Record) -> list[str]:
    """What the form prints that guowen itself gave the record, as /record shows it below
    the card: the handler (in the card's title only their draft number), and when Art. 7's
    alerts went (a serious case to discipline inspection and the leaders, a same-level main
    leader onto the list to report upward), each once it happened."""
    handler = await ctx.session.get(Staff, record.handler_id)
    lines = [ctx.t("views.handler", name=handler.name if handler else "-")]
    if record.serious_alerted_at is not None:
        lines.append(ctx.t("views.serious_alerted", at=card.stamp(ctx, record.serious_alerted_at)))
    if record.upward_listed_at is not None:  # whether it is on the list now, not only once
        listed = record.main_leader and on_art7_list(record)
        key = "views.upward_listed" if listed else "views.upward_unlisted"
        lines.append(ctx.t(key, at=card.stamp(ctx, record.upward_listed_at)))
    return lines


async def withdrawn(ctx: Context, args: str) -> None:
    """Withdrawn drafts: the department's for its integrity officer, all for discipline, a
    handler's own for the handler."""
    whole_court = Role.DISCIPLINE in ctx.roles
    department = None if whole_court else ctx.staff.department_id
    officer = whole_court or Role.INTEGRITY_OFFICER in ctx.roles
    rows: list[tuple[Record, str]] = []
    if not officer:  # a handler sees their own withdrawn drafts
        own = await records_repo.of_handler(ctx.session, ctx.staff.id, [RecordStatus.WITHDRAWN])
        rows = [(record, ctx.staff.name) for record in own]
    elif whole_court or department is not None:  # an officer of no department sees none
        rows = list(await records_repo.withdrawn(ctx.session, department_id=department))
    if not rows:
        ctx.reply(ctx.t("views.withdrawn_empty"))
        return
    lines = [ctx.t("views.withdrawn", count=len(rows))]
    for record, handler in rows[-LIST_LIMIT:]:
        lines.append(
            ctx.t(
                "views.withdrawn_row",
                title=card.title(ctx, record),
                handler=handler,
                received=card.stamp(ctx, record.received_at),
                at=card.stamp(ctx, record.withdrawn_at),
                reason=record.withdraw_reason or "-",
            )
        )
    ctx.reply("\n".join(lines))


def register(registry: Registry) -> None:
    """Register /mine, /withdrawn and /record."""
    # Anyone bound: a co-signer of any role finds there what they still have to confirm.
    registry.command("mine", mine, "help.mine")
    registry.command(
        "withdrawn",
        withdrawn,
        "help.withdrawn",
        set(READS_WITHDRAWN),
    )
    # Anyone bound may ask: a co-signer of any role (or none) opens the record they
    # co-sign; ``find`` shows each person only what ``can_view`` lets them see.
    registry.command("record", show, "help.record")
