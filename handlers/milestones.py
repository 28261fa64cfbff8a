"""Acting on deadlines: entered in the platform, form copy delivered, quarter reported;
and what supervisors see: /overdue and the Art. 10 figures (/compliance)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from handlers import card, copy_state, notify
from handlers.access import join_names
from handlers.engine import Context, Registry, UserError
from handlers.ports import Button
from handlers.refs import find_record, platform_ref, split_ref
from handlers.reports_cmd import chat_period, period_words
from handlers.state import END, Next
from reminders.outbox import Planned, ReminderKind, ensure
from reminders.owers import owed_by
from reminders.planner import plan_copy_chase
from reminders.quarters import Quarter
from reports.facts import MilestoneLine, State, timeliness_lines
from reports.figures import in_figures, timeliness_of
from storage import form_copies
from storage import records as records_repo
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.models import Record, Reminder, Staff
from storage.vocabulary import (
    CosignStatus,
    Milestone,
    RecordKind,
    RecordStatus,
    Role,
    label,
    label_at_start,
)

PLATFORM_REF = "ms.platform_ref"
REPORT_TO = (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT, Role.COMPILER)
SUPERVISORS = {Role.INTEGRITY_OFFICER, Role.DISCIPLINE}
# The payload of the form copy the handler keeps for the sub-file (Art. 4).
OWN_COPY = "own"


async def _own_submitted(
    ctx: Context, ref: str, *, by_id: bool = False, unsubmitted: str = "milestones.not_submitted"
) -> Record:
    """The sender's own submitted record that ``ref`` names (``handlers.refs``), or its id
    when ``by_id`` (a button's data). Raises ``UserError`` otherwise: for a draft, with
    the catalog key ``unsubmitted`` (what cannot be done before submission)."""
    ref = ref.strip()
    record = await find_record(ctx, f"#{ref}" if by_id else ref)
    if record is None or record.handler_id != ctx.staff.id:
        raise UserError("views.not_found", ref=ref)
    if record.status != RecordStatus.SUBMITTED:
        raise UserError(unsubmitted, title=card.title(ctx, record), id=record.id)
    return record


def _enters_platform(ctx: Context, record: Record) -> bool:
    """Whether ``record`` is entered in the court's platform (Art. 6): not an Art. 5
    reference opinion, which has no such step."""
    return Milestone.PLATFORM_ENTERED in ctx.services.rules.for_record(record)


async def mark_platform(ctx: Context, record: Record, reference: str | None) -> None:
    """Mark 录入平台 (Art. 6, entry into the court's platform) with an optional ``reference``.

    Raises ``UserError`` when the record needs no platform entry (an Art. 5 reference
    opinion), or for a ``reference`` another record carries already (one platform entry is one
    record; nothing is marked, the other record is named); a second mark only repeats the
    stored one, and a reference it brings that differs from the stored one is named as not
    stored, with the way to correct it.
    """
    if reference:
        reference = platform_ref(reference) or None
    if not _enters_platform(ctx, record):
        raise UserError("milestones.platform_not_needed", title=card.title(ctx, record))
    if reference and record.platform_entered_at is None:
        taken = await _reference_taken(ctx, record, reference)
        if taken is not None:
            raise UserError("milestones.platform_ref_taken", **taken)
    changed = await records_repo.mark_milestone(
        ctx.session,
        record,
        Milestone.PLATFORM_ENTERED,
        actor=ctx.staff,
        at=ctx.now,
        reference=reference,
        deadline=ctx.services.rules.for_record(record)[Milestone.PLATFORM_ENTERED],
    )
    await ctx.go(None)
    if not changed:
        lines = [
            ctx.t(
                "milestones.platform_already",
                title=card.title(ctx, record),
                at=card.stamp(ctx, record.platform_entered_at),
            )
        ]
        if reference and reference != record.platform_ref:
            # Never dropped silently: a stored reference changes only by a correction.
            lines.append(
                ctx.t(
                    "milestones.platform_ref_by_correction",
                    reference=reference,
                    number=record.number or "",
                )
            )
        ctx.reply("\n".join(lines))
        return
    key = "milestones.platform_done_ref" if reference else "milestones.platform_done"
    ctx.reply(ctx.t(key, title=card.title(ctx, record), reference=reference or ""))


async def _reference_taken(
    ctx: Context, record: Record, reference: str
) -> dict[str, object] | None:
    """The values of ``milestones.platform_ref_taken`` when another record, not withdrawn,
    carries ``reference`` already (``records_repo.platform_ref_holder``); else None."""
    other = await records_repo.platform_ref_holder(ctx.session, reference, other_than=record.id)
    if other is None:
        return None
    return {
        "reference": reference,
        "other": card.title(ctx, other),
        "title": card.title(ctx, record),
    }


async def _recipients(ctx: Context, record: Record) -> dict[int, tuple[Staff, str]]:
    """Who gets a form copy, each with where they are listed: the present holders of
    ``REPORT_TO``, and everyone an earlier copy of ``record`` went to (``FORM_COPY``
    reminders), so a corrected copy reaches each holder of an outdated one."""
    people: dict[int, tuple[Staff, str]] = {}
    for role in REPORT_TO:
        for person in await staff_repo.with_role(ctx.session, role):
            people.setdefault(person.id, (person, label_at_start(role, ctx.language)))
    earlier = await ctx.session.execute(
        select(Reminder.recipient_staff_id).where(
            Reminder.record_id == record.id,
            Reminder.kind == ReminderKind.FORM_COPY,
            Reminder.recipient_staff_id != record.handler_id,
        )
    )
    for staff_id in sorted(set(earlier.scalars())):
        if staff_id not in people:
            holder = await ctx.session.get(Staff, staff_id)
            if holder is not None and holder.active:
                people[staff_id] = (holder, ctx.t("milestones.earlier_recipient"))
    return people


def _planned(
    ctx: Context, record: Record, people: Sequence[int], suffix: str, extra: dict[str, Any]
) -> list[Planned]:
    planned = [
        Planned(
            key=f"f{record.id}:{person_id}{suffix}",
            kind=ReminderKind.FORM_COPY,
            recipient_staff_id=person_id,
            due_at=ctx.now,
            record_id=record.id,
            payload=dict(extra),
        )
        for person_id in people
    ]
    # Art. 4: the handler files a copy in the case's sub-file (副卷); sent like the others.
    planned.append(
        Planned(
            key=f"f{record.id}:own{suffix}",
            kind=ReminderKind.FORM_COPY,
            recipient_staff_id=record.handler_id,
            due_at=ctx.now,
            record_id=record.id,
            payload={**extra, "copy": OWN_COPY},
        )
    )
    return planned


async def deliver(ctx: Context, record: Record) -> None:
    """Send the form copy to every discipline and trial-management person, through the outbox.

    The step 报送表格复印件 (Art. 6) is done only once each office has the copy, by chat or
    handed over in print (``handover``). The answer says where each recipient's copy is at
    that moment (``copy_state.state_words``): going by chat, not received yet; or not able
    to go by chat (no bound account), with a hand-over button for each of those at once. A
    second /deliver before the step is done says which offices lack it and where each copy
    is, with a button for each copy still to be handed over.
    Once delivered, a second /deliver sends the corrected form when the record was corrected
    since the last copy (``redeliver``), and otherwise says when it was delivered.
    """
    if record.form_delivered_at is not None:
        delivered = await form_copies.copies(ctx.session, record.id)
        changes = await form_copies.changes_since(ctx.session, record.id, delivered)
        if changes:
            await redeliver(ctx, record, supplemented=AuditKind.AMENDED not in changes)
            return
        last = delivered[-1].at if delivered else record.form_delivered_at
        text = ctx.t(
            "milestones.deliver_already", title=card.title(ctx, record), at=card.stamp(ctx, last)
        )
        due = await form_copies.outstanding(ctx.session, record)
        if due:  # a corrected copy still to be handed over: said, with its buttons
            text += "\n" + await _outstanding_words(ctx, record, due)
        ctx.reply(text, copy_state.handover_buttons(ctx, record.id, due))
        return
    sent = await form_copies.recipients(ctx.session, record)
    delivered = await form_copies.copies(ctx.session, record.id)
    changes = await form_copies.changes_since(ctx.session, record.id, delivered)
    if sent and changes:  # changed since the copies went: the corrected form
        await redeliver(ctx, record, supplemented=AuditKind.AMENDED not in changes)
        return
    if sent:
        # Sent already, not yet at every office: an office that had nobody registered when
        # it went gets it now if someone is (``_newcomers``); say where each copy is, and
        # which copy each person still lacks when a corrected one went since.
        if await _newcomers(ctx, record, delivered):
            sent = await form_copies.recipients(ctx.session, record)
        due = await form_copies.outstanding(ctx.session, record)
        later = await form_copies.latest(ctx.session, record)
        by_hand = await form_copies.offices_handed(ctx.session, record)
        copies = "\n".join(
            [
                *copy_state.lines(ctx, sent, later=later),
                *await copy_state.office_state(ctx, record),
            ]
        )
        everyone = await form_copies.everyone(ctx.session, record)
        if any(version > 1 for version, _ in due):
            copies += "\n" + await _outstanding_words(ctx, record, due)
        ctx.reply(
            ctx.t(
                "milestones.deliver_waiting",
                title=card.title(ctx, record),
                offices=copy_state.lacking(ctx, sent, by_hand),
                copies=copies,
            ),
            (
                *copy_state.handover_buttons(ctx, record.id, due),
                *copy_state.office_buttons(ctx, record.id, everyone, by_hand),
            ),
        )
        return
    people = await _recipients(ctx, record)
    if not people:  # nobody registered in either office: both copies go in print
        await _paper_only(ctx, record)
        return
    # Art. 6 is met when each office has the copy: marked as the copies arrive
    # (``form_copies.settle``), not here.
    await ensure(ctx.session, _planned(ctx, record, list(people), "", {}), at=ctx.now)
    await form_copies.sent(ctx.session, record, to=list(people), actor=ctx.staff, at=ctx.now)
    if ctx.services.kick is not None:
        ctx.services.kick()
    values, buttons = await _sent_words(ctx, record, version=1)
    text = ctx.t("milestones.delivered", **values)
    first = await form_copies.recipients(ctx.session, record)
    for office in form_copies.unstaffed(first):  # nobody registered there: in print
        text += "\n" + ctx.t(
            "milestones.deliver_office_paper", office=label_at_start(office, ctx.language)
        )
    ctx.reply(text, (*buttons, *copy_state.office_buttons(ctx, record.id, first, ())))


async def _newcomers(ctx: Context, record: Record, delivered: Sequence[form_copies.Copy]) -> bool:
    """The copy in force of ``record``'s form (the last of ``delivered``) to everyone
    registered, since it went, in an office of ``form_copies.OFFICES`` that had nobody then
    and has not had a printed copy handed over (``form_copies.newcomers``, read now), through
    the outbox like the first copies (Art. 6); audited (``form_copies.joined``). Whether
    anyone was sent it."""
    everyone = await form_copies.everyone(ctx.session, record)
    offices = await form_copies.newcomers(ctx.session, record, everyone)
    people = sorted({p.id for holders in offices.values() for p in holders})
    if not people:
        return False
    version = delivered[-1].version if delivered else 1
    extra = await form_copies.version_payload(ctx.session, record, version)
    suffix = f":v{version}" if version > 1 else ""
    planned = _planned(ctx, record, people, suffix, extra)[:-1]  # not the handler's own again
    await ensure(ctx.session, planned, at=ctx.now)
    await form_copies.joined(
        ctx.session, record, version=version, to=people, actor=ctx.staff, at=ctx.now
    )
    if ctx.services.kick is not None:
        ctx.services.kick()
    return True


async def _paper_only(ctx: Context, record: Record) -> None:
    """/deliver with nobody registered in either office of ``form_copies.OFFICES``: nothing
    can go by chat; the handler is told to hand a printed copy to each office and given a
    button for each office not yet confirmed (``office_handover``). The step stays open
    until both are (Art. 6)."""
    by_hand = await form_copies.offices_handed(ctx.session, record)
    lines = [ctx.t("milestones.nobody_to_deliver", title=card.title(ctx, record))]
    lines += copy_state.office_lines(ctx, [], by_hand)
    ctx.reply("\n".join(lines), copy_state.office_buttons(ctx, record.id, [], by_hand))


async def office_handover(ctx: Context, record: Record, office_text: str) -> None:
    """The handler's word that a printed form copy was handed to an office of
    ``form_copies.OFFICES`` with nobody registered (``form_copies.unstaffed``): recorded
    (``form_copies.office_handed``) and the step 报送表格复印件 marked once every office has
    a copy (Art. 6). Raises ``UserError`` for an office that has people to hand it to (a
    person's own button counts then) or that is not one of them; a second press says when
    it was confirmed."""
    try:
        office = Role(office_text)
    except ValueError:
        raise UserError("error.stale_button") from None
    people = [
        p for copy in (await form_copies.every_copy(ctx.session, record)).values() for p in copy
    ]
    if office not in form_copies.unstaffed(people):
        raise UserError("error.stale_button")
    where = label_at_start(office, ctx.language)
    by_hand = await form_copies.offices_handed(ctx.session, record)
    title = card.title(ctx, record)
    if office in by_hand:
        at = card.stamp(ctx, by_hand[office])
        ctx.reply(ctx.t("milestones.office_already", title=title, office=where, at=at))
        return
    await form_copies.office_handed(ctx.session, record, office=office, actor=ctx.staff, at=ctx.now)
    deadline = ctx.services.rules.for_record(record).get(Milestone.FORM_DELIVERED)
    done = await form_copies.settle(ctx.session, record, deadline=deadline)
    text = ctx.t("milestones.office_handed", title=title, office=where)
    if done is not None:
        text += "\n" + ctx.t("milestones.deliver_done", at=card.stamp(ctx, done))
    else:
        by_hand = await form_copies.offices_handed(ctx.session, record)
        text += "\n" + copy_state.open_line(ctx, people, by_hand)
    due = await form_copies.outstanding(ctx.session, record)
    ctx.reply(
        text,
        (
            *copy_state.handover_buttons(ctx, record.id, due),
            *copy_state.office_buttons(ctx, record.id, people, by_hand),
        ),
    )


async def _sent_words(
    ctx: Context, record: Record, *, version: int, handler: Staff | None = None
) -> tuple[dict[str, object], tuple[tuple[Button, ...], ...]]:
    """What to say of copy ``version`` of ``record``'s form just planned: the catalog
    values ``title`` and ``copies`` (where each recipient's copy is now, from
    ``copy_state.state_words``: going by chat and not yet received, or unreachable by chat;
    then the handler's own copy, and for the unreachable the words to hand theirs over in
    print at once) and one hand-over button for each unreachable recipient."""
    people = await form_copies.recipients(ctx.session, record, version)
    copies = await copy_state.state_words(ctx, record, version)
    copies += "\n" + ctx.t(
        "milestones.delivered_to",
        where=ctx.t("milestones.own_copy"),
        names=(handler or ctx.staff).name,
    )
    away = copy_state.unreachable(people)
    if away:
        names = join_names([person.name for person in away], ctx.language)
        copies += "\n" + ctx.t("milestones.deliver_unreachable", names=names)
    buttons = copy_state.handover_buttons(ctx, record.id, [(version, p) for p in away])
    return {"title": card.title(ctx, record), "copies": copies}, buttons


async def _outstanding_words(
    ctx: Context, record: Record, due: Sequence[tuple[int, form_copies.Recipient]]
) -> str:
    """The copies still to be handed over, one line each: whose, and which copy."""
    delivered = await form_copies.copies(ctx.session, record.id)
    return "\n".join(
        ctx.t(
            "milestones.outstanding_row",
            name=person.name,
            copy=copy_state.copy_words(
                ctx, version, delivered[version - 1] if version <= len(delivered) else None
            ),
        )
        for version, person in due
    )


async def handover(ctx: Context, record: Record, target: str) -> None:
    """The handler's word that a printed form copy was handed to a person: ``target`` is
    ``<staff>:v<version>`` (a bare ``<staff>``: the first copy), a recipient whose copy did
    not arrive by chat. Recorded for that copy (``form_copies.handed``), and the step
    报送表格复印件 marked once every office has a copy (Art. 6). A button for a copy a later
    one superseded confirms nothing: it says so, with the button for the copy due now.

    Raises ``UserError`` for a person the copy did not go to, or whose copy arrived already.
    """
    staff_text, _, version_text = target.partition(":")
    try:
        staff_id = int(staff_text)
        version = int(version_text.removeprefix("v")) if version_text else 1
    except ValueError:
        raise UserError("error.stale_button") from None
    last = (await form_copies.latest(ctx.session, record)).get(staff_id)
    if last is None or version > last:
        raise UserError("error.stale_button")
    if version < last:
        await _superseded(ctx, record, staff_id, version, last)
        return
    people = await form_copies.recipients(ctx.session, record, version)
    person = next((p for p in people if p.staff_id == staff_id), None)
    if person is None or person.arrived:
        raise UserError("error.stale_button")
    to = await ctx.session.get(Staff, person.staff_id)
    assert to is not None
    await form_copies.handed(
        ctx.session, record, to=to, actor=ctx.staff, at=ctx.now, version=version
    )
    deadline = ctx.services.rules.for_record(record).get(Milestone.FORM_DELIVERED)
    done = await form_copies.settle(ctx.session, record, deadline=deadline)
    people = await form_copies.recipients(ctx.session, record, version)
    later = await form_copies.latest(ctx.session, record)
    copies = "\n".join(copy_state.lines(ctx, people, version=version, later=later))
    if version == 1:
        text = ctx.t(
            "milestones.handed", title=card.title(ctx, record), name=person.name, copies=copies
        )
    else:
        delivered = await form_copies.copies(ctx.session, record.id)
        words = copy_state.copy_words(
            ctx, version, delivered[version - 1] if version <= len(delivered) else None
        )
        text = ctx.t(
            "milestones.handed_version",
            title=card.title(ctx, record),
            name=person.name,
            copy=words,
            copies=copies,
        )
    if done is not None:
        text += "\n" + ctx.t("milestones.deliver_done", at=card.stamp(ctx, done))
    due = await form_copies.outstanding(ctx.session, record)
    first = await form_copies.recipients(ctx.session, record)
    by_hand = await form_copies.offices_handed(ctx.session, record)
    ctx.reply(
        text,
        (
            *copy_state.handover_buttons(ctx, record.id, due),
            *copy_state.office_buttons(ctx, record.id, first, by_hand),
        ),
    )


async def _superseded(ctx: Context, record: Record, staff_id: int, version: int, last: int) -> None:
    """A hand-over button for copy ``version`` pressed after copy ``last`` went to the same
    person: nothing is recorded; the reply names the copy that counts now, with its button
    while it is still to be handed over."""
    delivered = await form_copies.copies(ctx.session, record.id)
    words = copy_state.copy_words(
        ctx, last, delivered[last - 1] if last <= len(delivered) else None
    )
    people = await form_copies.recipients(ctx.session, record, last)
    person = next((p for p in people if p.staff_id == staff_id), None)
    assert person is not None
    values: dict[str, object] = {
        "title": card.title(ctx, record),
        "name": person.name,
        "old": version,
        "copy": words,
    }
    if person.arrived:
        ctx.reply(ctx.t("milestones.handed_superseded_arrived", **values))
        return
    button = copy_state.handover_button(ctx, record.id, person, last)
    ctx.reply(ctx.t("milestones.handed_superseded", **values), ((button,),))


async def redeliver(
    ctx: Context, record: Record, *, supplemented: bool = False, cosigned: bool = False
) -> None:
    """After a correction to a record whose form copy was delivered (Art. 6): the corrected
    form to everyone who holds a copy (and to the present holders of ``REPORT_TO``), marked
    as superseding the copy delivered before, and the handler's own copy for the sub-file.

    Each copy is its own ``FORM_COPY`` reminder (key ``f<id>:<staff>:v<version>``), and the
    delivery a ``form_resent`` audit event, so the record's history lists every copy. Does
    nothing for a record never delivered.

    ``supplemented``: evidence was added, the entries unchanged. ``cosigned``: the last
    co-signer answered (Art. 3, ``resend_cosigned``); the press was the co-signer's, so the
    handler is told in their own chat.
    """
    delivered = await form_copies.copies(ctx.session, record.id)
    if not delivered:
        return
    people = await _recipients(ctx, record)
    version = delivered[-1].version + 1
    previous = delivered[-1].at
    extra: dict[str, object] = {"supersedes": previous.isoformat(), "version": version}
    if supplemented:  # evidence added, the entries unchanged: said so, not "corrected"
        extra["supplemented"] = True
    if cosigned:  # the co-signatures answered, the entries unchanged: said so too
        extra["cosigned"] = True
    await ensure(
        ctx.session, _planned(ctx, record, list(people), f":v{version}", extra), at=ctx.now
    )
    await form_copies.resent(
        ctx.session,
        record,
        version=version,
        supersedes=previous,
        to=list(people),
        actor=ctx.staff,
        at=ctx.now,
        supplemented=supplemented,
        cosigned=cosigned,
    )
    # Chased like the first copy until it reaches each holder (Art. 6).
    await plan_copy_chase(
        ctx.session,
        record,
        version=version,
        sent_at=ctx.now,
        rules=ctx.services.rules,
        timing=ctx.services.timing,
    )
    if ctx.services.kick is not None:
        ctx.services.kick()
    if cosigned:
        handler = await ctx.session.get(Staff, record.handler_id)
        assert handler is not None
        values, buttons = await _sent_words(ctx, record, version=version, handler=handler)
        values["previous"] = card.stamp(ctx, previous)
        await notify.tell(ctx, [handler], "milestones.redelivered_cosigned", values, buttons)
        return
    values, buttons = await _sent_words(ctx, record, version=version)
    values["previous"] = card.stamp(ctx, previous)
    key = "milestones.redelivered_supplemented" if supplemented else "milestones.redelivered"
    ctx.reply(ctx.t(key, **values), buttons)


async def resend_cosigned(ctx: Context, record: Record) -> None:
    """Called on a co-signer's answer (Art. 3), just stored: when it was the last one the
    current round awaited, everyone who holds a form copy (Art. 6), each sent while an
    answer was awaited (it shows 待确认), gets the form with the answers, marked
    co-signatures completed (``redeliver``). Does nothing while an answer is still awaited,
    or for a record never delivered."""
    if any(c.status == CosignStatus.PENDING for c in record.cosigners):
        return
    await redeliver(ctx, record, cosigned=True)


async def button(ctx: Context, value: str) -> None:
    """The ``ms`` buttons: ``<id>:platform[_skip]``, ``<id>:deliver``, ``q:<quarter>:done``.

    ``platform`` asks for the platform's reference (skippable), ``deliver`` sends the form
    copy (报送), ``q:2026Q3:done`` marks the quarter's Art. 7 summary reported.

    Raises ``UserError`` for a stale or foreign button.
    """
    head, _, rest = value.partition(":")
    if head == "q":
        label_text, _, action = rest.partition(":")
        quarter = Quarter.parse(label_text)
        if quarter is None or action != "done":
            raise UserError("error.stale_button")
        await report_quarter(ctx, quarter)
        return
    record = await _own_submitted(ctx, head, by_id=True)
    if rest in ("platform", "platform_skip") and not _enters_platform(ctx, record):
        raise UserError("milestones.platform_not_needed", title=card.title(ctx, record))
    if rest == "platform":
        if record.platform_entered_at is not None:
            await mark_platform(ctx, record, None)
            return
        await ctx.go(PLATFORM_REF, record_id=record.id)
        _ask_reference(ctx, record)
    elif rest == "platform_skip":
        asked = await ctx.state()  # the reference question's Skip: only while it is asked
        if asked.step != PLATFORM_REF or asked.data.get("record_id") != record.id:
            raise UserError("error.stale_button")
        await mark_platform(ctx, record, None)
    elif rest == "deliver":
        await deliver(ctx, record)
    elif rest.startswith("handed:"):
        await handover(ctx, record, rest.removeprefix("handed:"))
    elif rest.startswith("office:"):
        await office_handover(ctx, record, rest.removeprefix("office:"))
    else:
        raise UserError("error.stale_button")


def _ask_reference(
    ctx: Context, record: Record, *, refusal: str | None = None, **values: object
) -> None:
    """Ask for the platform's reference, with the button that skips it; after the catalog's
    ``refusal`` (filled with ``values``) when one is given."""
    text = ctx.t("milestones.ask_reference", title=card.title(ctx, record))
    if refusal is not None:
        text = ctx.t(refusal, **values) + "\n\n" + text
    ctx.reply(text, ((Button(ctx.t("intake.skip"), f"ms:{record.id}:platform_skip"),),))


async def reference_back(ctx: Context, args: str) -> None:
    """/back at the platform reference, the dialogue's one question: it is asked again."""
    conversation = await ctx.state()
    record = await _own_submitted(ctx, str(conversation.data.get("record_id", "")), by_id=True)
    _ask_reference(ctx, record, refusal="intake.error.no_back")


async def reference_cancel(ctx: Context, args: str) -> Next:
    """/cancel at the platform reference: the record is not marked as entered."""
    conversation = await ctx.state()
    record = await _own_submitted(ctx, str(conversation.data.get("record_id", "")), by_id=True)
    ctx.reply(ctx.t("milestones.platform_cancelled", title=card.title(ctx, record)))
    return END


async def platform_reference(ctx: Context, text: str) -> None:
    """The platform reference typed after the platform button (``refs.platform_ref``); one
    refused is asked again."""
    conversation = await ctx.state()
    record = await _own_submitted(ctx, str(conversation.data.get("record_id", "")), by_id=True)
    try:
        reference = platform_ref(text)
    except UserError as refused:
        _ask_reference(ctx, record, refusal=refused.key, **refused.values)
        return
    if reference and record.platform_entered_at is None:
        taken = await _reference_taken(ctx, record, reference)
        if taken is not None:  # asked again: another reference, or Skip
            _ask_reference(ctx, record, refusal="milestones.platform_ref_taken", **taken)
            return
    await mark_platform(ctx, record, reference or None)


async def platform_command(ctx: Context, args: str) -> None:
    """/platform NUMBER [reference]: mark 录入平台 (Art. 6) for one of the sender's records.

    Raises ``UserError`` without a number or for a record that is not the sender's.
    """
    number, reference = split_ref(args)
    if not number:
        raise UserError("milestones.platform_usage")
    record = await _own_submitted(ctx, number, unsubmitted="milestones.platform_draft")
    await mark_platform(ctx, record, reference or None)


async def deliver_command(ctx: Context, args: str) -> None:
    """/deliver NUMBER: send the form copy to 纪检监察 and 审管办 (报送, Art. 6).

    Raises ``UserError`` without a number or for a record that is not the sender's.
    """
    if not args.strip():
        raise UserError("milestones.deliver_usage")
    await deliver(ctx, await _own_submitted(ctx, args, unsubmitted="milestones.deliver_draft"))


async def report_quarter(ctx: Context, quarter: Quarter) -> None:
    """Mark ``quarter``'s Art. 7 summary as reported (trial management or compiler only).

    Raises ``UserError`` for anyone else, as if the command did not exist.
    """
    if not ctx.roles & {Role.TRIAL_MANAGEMENT, Role.COMPILER}:
        raise UserError("error.unknown_command", command="report")
    changed = await records_repo.quarter_reported(
        ctx.session, quarter.label, actor=ctx.staff, at=ctx.now
    )
    key = "milestones.quarter_done" if changed else "milestones.quarter_already"
    ctx.reply(ctx.t(key, quarter=quarter.label))


async def _open_records(ctx: Context, department_id: int | None) -> list[Record]:
    query = select(Record).where(
        Record.status.in_([RecordStatus.DRAFT, RecordStatus.SUBMITTED]),
        or_(Record.kind.is_(None), Record.kind != RecordKind.INTERNAL),
        or_(
            Record.status == RecordStatus.DRAFT,
            Record.platform_entered_at.is_(None),
            Record.form_delivered_at.is_(None),
            Record.cosigners_done.is_(False),
        ),
    )
    if department_id is not None:  # its records, and those corrected away from it
        department = records_repo.department_json(department_id)
        query = query.where(records_repo.in_department(department_id, department))
    return list((await ctx.session.execute(query.order_by(Record.received_at))).scalars().all())


def _scope(ctx: Context) -> int | None:
    """Discipline sees the whole court; an integrity officer their department."""
    if Role.DISCIPLINE in ctx.roles:
        return None
    return ctx.staff.department_id if ctx.staff.department_id is not None else -1


def by_deadline(lines: Iterable[MilestoneLine]) -> list[tuple[datetime, list[Milestone]]]:
    """The steps of ``lines`` grouped by deadline, earliest first, the steps of one deadline
    in the order of ``Milestone`` (Art. 6): each step is said with its own deadline, never
    under another step's."""
    order = list(Milestone)
    groups: dict[datetime, list[Milestone]] = {}
    for line in sorted(lines, key=lambda line: (line.deadline, order.index(line.milestone))):
        groups.setdefault(line.deadline, []).append(line.milestone)
    return list(groups.items())


def _owed_step(ctx: Context, record: Record, milestone: Milestone) -> str:
    """A missed step as /overdue lists it beside the handler's name: 签字确认 (Art. 3) with
    the co-signers who owe it, so it never reads as the handler's."""
    names = [
        ower.cosigner.who
        for ower in owed_by(record, milestone)
        if ower.pending and ower.cosigner is not None
    ]
    if not names:
        return label(milestone, ctx.language)
    return ctx.t("reminders.owed_by_cosigners", names=join_names(names, ctx.language))


async def overdue(ctx: Context, args: str) -> None:
    """/overdue: open records (drafts too, once their receipt time is given:
    ``reminders.deadlines.clock_started``) with a step past its Art. 6 deadline; then the
    records whose 签字确认 a staff member present disputes (Art. 3), with who and why.

    A step listed here is one the report and ``/compliance`` count as missed (逾期未办): all
    three read ``reports.facts.timeliness_lines``. Discipline sees the whole court, an
    integrity officer their own department (Art. 10).
    """
    rules = ctx.services.rules
    lines: list[str] = []
    disputed: list[str] = []
    for record in await _open_records(ctx, _scope(ctx)):
        if not in_figures(record):
            continue
        states = timeliness_lines(record, rules, ctx.now)
        late = [line for line in states if line.state is State.MISSED]
        if any(line.state is State.DISPUTED for line in states):
            disputed.append(await _disputed_row(ctx, record))
        if not late:
            continue
        handler = await ctx.session.get(Staff, record.handler_id)
        steps = [
            ctx.t(
                "milestones.overdue_steps",
                missing=join_names([_owed_step(ctx, record, m) for m in which], ctx.language),
                deadline=card.deadline_words(ctx, deadline, ctx.now),
            )
            for deadline, which in by_deadline(late)
        ]
        lines.append(
            ctx.t(
                "milestones.overdue_row",
                title=card.title(ctx, record),
                handler=handler.name if handler else "-",
                steps=ctx.t("milestones.overdue_separator").join(steps),
            )
        )
    said = [ctx.t("milestones.overdue_title", count=len(lines)), *lines] if lines else []
    if not said:
        said.append(ctx.t("milestones.overdue_none"))
    if disputed:
        said += ["", ctx.t("milestones.disputed_title", count=len(disputed)), *disputed]
    ctx.reply("\n".join(said))


async def _disputed_row(ctx: Context, record: Record) -> str:
    """A record whose 签字确认 stands disputed (Art. 3), for /overdue: who disputes and why."""
    handler = await ctx.session.get(Staff, record.handler_id)
    disputes = [
        ctx.t("milestones.disputed_item", name=c.who, reason=c.reason or "-")
        for c in record.cosigners
        if c.status == CosignStatus.DISPUTED
    ]
    return ctx.t(
        "milestones.disputed_row",
        title=card.title(ctx, record),
        handler=handler.name if handler else "-",
        disputes=ctx.t("milestones.overdue_separator").join(disputes),
    )


async def compliance(ctx: Context, args: str) -> None:
    """/compliance [period]: Art. 10 figures per person, for the period (``2026Q4`` or two
    dates, as /report reads them; the current quarter by default) and overall: each handler,
    then each staff member present who owes a co-signature and handles no record; each step
    counts against who owes it (``reminders.owers.owed_by``), a co-signer's lateness against
    the co-signer.

    Submitted records, steps done late and steps missed (a draft's steps past deadline
    included, and a withdrawn draft's that passed before it was withdrawn), drafts open and
    withdrawn: ``reports.figures.timeliness_of``, the figures the quarterly report shows. A
    period still running says so, as of when.

    Raises ``UserError`` for a period /report refuses too (``reports_cmd.chat_period``: no
    period, not begun, or ended before the court's records begin: zeros there would read as
    "no breaches").
    """
    tz = ctx.services.tz
    period = await chat_period(ctx, args, command="/compliance", current=True)
    records = list((await ctx.session.execute(select(Record))).scalars().all())
    start, end = period.start(tz), period.end(tz)
    rules = ctx.services.rules
    staff = (await ctx.session.execute(select(Staff.id, Staff.name, Staff.department_id))).all()
    homes = {staff_id: department_id for staff_id, _, department_id in staff}
    names = {staff_id: name for staff_id, name, _ in staff}
    overall = timeliness_of(records, rules, ctx.now, homes)
    current = timeliness_of(
        (r for r in records if start <= r.received_at < end), rules, ctx.now, homes
    )
    if not overall.handlers:
        ctx.reply(ctx.t("milestones.compliance_none"))
        return
    if period.quarter is not None:
        named = ctx.t("milestones.compliance_quarter", label=period.quarter.label)
    else:
        named = period_words(ctx, period)
    lines = [ctx.t("milestones.compliance_title", period=named)]
    called = {p: p if isinstance(p, str) else names.get(p, str(p)) for p in overall.handlers}
    # Handlers first, then the staff present who handle nothing counted (in the bot by
    # their staff number, as before; not in it, by name).
    for person in sorted(
        called,
        key=lambda p: (
            not overall.handles(p),
            isinstance(p, str),
            p if isinstance(p, int) else 0,
            called[p],
        ),
    ):
        q = current.handler(person)
        a = overall.handler(person)
        name = called[person]
        # A co-signer who handles no record is listed by the signatures they owe (Art. 3).
        key = "compliance_row" if overall.handles(person) else "compliance_cosigner_row"
        lines.append(
            ctx.t(
                f"milestones.{key}",
                name=name,
                period=named,
                q_records=q.records,
                q_late=q.late,
                q_missed=q.missed,
                q_drafts=q.drafts,
                q_withdrawn=q.withdrawn,
                q_disputed=q.disputed,
                records=a.records,
                late=a.late,
                missed=a.missed,
                disputed=a.disputed,
                drafts=a.drafts,
                withdrawn=a.withdrawn,
            )
        )
    if not period.ended(ctx.now, tz):  # figures that will still move
        lines.append(ctx.t("milestones.compliance_running", at=card.stamp(ctx, ctx.now)))
    ctx.reply("\n".join(lines))


def register(registry: Registry) -> None:
    """Register /platform, /deliver, /overdue, /compliance, the ``ms`` buttons and the step."""
    registry.command("platform", platform_command, "help.platform", {Role.HANDLER})
    registry.command("deliver", deliver_command, "help.deliver", {Role.HANDLER})
    registry.command("overdue", overdue, "help.overdue", SUPERVISORS)
    registry.command("compliance", compliance, "help.compliance", {Role.DISCIPLINE})
    registry.callbacks["ms"] = button
    registry.steps[PLATFORM_REF] = platform_reference
    registry.backs[PLATFORM_REF] = reference_back
    registry.cancels[PLATFORM_REF] = reference_cancel
