"""The words of reminders: the outbox decides what is due and to whom, this says it.

Each reminder names the record, what is missing and the deadline in words ("今天 24:00 前"),
in the recipient's language, with the buttons that act on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import card, copy_state, cosign, held, reports_cmd
from handlers.access import join_names
from handlers.engine import Context, Services
from handlers.ports import Button, Delivery, DeliveryStatus, IncomingMessage, OutgoingMessage, Reply
from reminders.dispatch import (
    BREACH_NOTICE_KINDS,
    COSIGNER_KINDS,
    PAPER_KINDS,
    Facts,
    Outcome,
    SendResult,
    planned_after_due,
)
from reminders.outbox import ReminderKind
from reminders.planner import OVERSEER, done_late, unmet
from reports.figures import on_art7_list
from storage import form_copies
from storage import staff as staff_repo
from storage.models import Record
from storage.vocabulary import Milestone, RecordKind, RecordStatus, label

Buttons = tuple[tuple[Button, ...], ...]
Deliver = Callable[[Reply], Awaitable[Delivery]]

HANDLER_KINDS = frozenset({ReminderKind.DAY_BEFORE, ReminderKind.LAST_DAY, ReminderKind.BREACH})
COSIGN_KINDS = COSIGNER_KINDS
RECORD_BREACH_KINDS = frozenset(
    {ReminderKind.BREACH, ReminderKind.BREACH_OFFICER, ReminderKind.ESCALATION}
)
"""The notices of a record's breach: each names who owes each step still open."""
COMPILER_KINDS = frozenset(
    {ReminderKind.QUARTER_END, ReminderKind.QUARTER_DUE_SOON, ReminderKind.QUARTER_DUE_TODAY}
)


def record_buttons(
    ctx: Context, record: Record, owed: frozenset[Milestone] | None = None
) -> Buttons:
    """What the handler can do from the reminder itself: a button for each step the
    reminder is about (``owed``; None: every step still open), no other."""
    if record.status == RecordStatus.DRAFT:
        return ((Button(ctx.t("views.resume"), f"in:amend:resume:{record.id}"),),)
    row: list[Button] = []
    if (
        record.platform_entered_at is None
        and Milestone.PLATFORM_ENTERED in ctx.services.rules.for_record(record)
        and (owed is None or Milestone.PLATFORM_ENTERED in owed)
    ):
        row.append(Button(ctx.t("milestones.platform_button"), f"ms:{record.id}:platform"))
    if record.form_delivered_at is None and (owed is None or Milestone.FORM_DELIVERED in owed):
        row.append(Button(ctx.t("milestones.deliver_button"), f"ms:{record.id}:deliver"))
    return (tuple(row),) if row else ()


COSIGNERS_NAMED_KINDS = frozenset(
    {ReminderKind.DAY_BEFORE, ReminderKind.LAST_DAY, ReminderKind.BREACH}
)
"""The handler's notices that name the co-signers still owing the co-signature (Art. 3)."""


def reach_words(ctx: Context, facts: Facts, reminded: str) -> str:
    """What the bot does about the co-signers still owing the co-signature
    (``Facts.cosigners``), true of each: those in the bot are reminded in their own chat
    (the catalog key ``reminded``, with ``{names}``); of those who sign on paper
    (``Facts.on_paper``) the bot can tell nobody, so the handler is told to have the printed
    form signed by them and to confirm it with the button (``reminders.cosign_paper_yours``).
    Empty when nobody owes it."""
    in_bot = list(facts.cosigners)
    for name in facts.on_paper:
        in_bot.remove(name)
    parts = []
    if in_bot:
        parts.append(ctx.t(reminded, names=join_names(in_bot, ctx.language)))
    if facts.on_paper:
        paper = join_names(facts.on_paper, ctx.language)
        parts.append(ctx.t("reminders.cosign_paper_yours", names=paper))
    return ctx.t("reminders.reach_separator").join(parts)


def owed_words(ctx: Context, kind: ReminderKind, facts: Facts, handler: object) -> tuple[str, str]:
    """The catalog key of a breach notice and its steps still open, each with the person who
    owes it: the handler's steps (登记, 录入平台, 报送) and the co-signature (签字确认, Art. 3)
    of the co-signers who have not answered (``Facts.cosigners``), never the handler's.

    The handler's own notice (``BREACH``) lists the handler's steps only (the co-signers
    follow on a line of their own); when only the co-signature is open it says so
    (``reminders.breach_cosigners``), not that the handler is late."""
    key = f"reminders.{kind.value}"
    names = join_names(facts.cosigners, ctx.language)
    if not names:  # no co-signer owes a step (none named yet): the handler owes them all
        return key, join_names([label(m, ctx.language) for m, _ in facts.owed], ctx.language)
    own = [m for m, _ in facts.owed if m is not Milestone.COSIGNED]
    steps = join_names([label(m, ctx.language) for m in own], ctx.language)
    if kind is ReminderKind.BREACH:
        if not own:
            return "reminders.breach_cosigners", names
        return key, steps
    parts = []
    if own:
        parts.append(ctx.t("reminders.owed_by_handler", steps=steps, name=handler))
    parts.append(ctx.t("reminders.owed_by_cosigners", names=names))
    return key, ctx.t("reminders.owed_separator").join(parts)


async def _held_words(ctx: Context, payload: dict[str, Any]) -> dict[str, object]:
    """The values of ``reminders.staff_disabled``: who was disabled and what they held
    (``handlers.held.lines``)."""
    department = str(payload.get("department") or "-")
    found = await held.lines(ctx.session, ctx.language, payload, department)
    return {"name": payload.get("name", "-"), "department": department, "list": "\n".join(found)}


class ChatNotifier:
    """``reminders.dispatch.Notifier`` for chats: renders a reminder and sends it.

    The reminder goes to the account the recipient wrote from last (every bound account
    when none was used yet), in the recipient's language, with its buttons and files (the
    form copy, the draft report).
    """

    def __init__(self, services: Services, deliver: Deliver) -> None:
        self.services = services
        self.deliver = deliver

    async def prepare(self, session: AsyncSession, facts: Facts) -> list[Reply] | None:
        """The replies for one reminder; None when the recipient has no bound account."""
        accounts = staff_repo.used_last(await staff_repo.identities_of(session, facts.recipient.id))
        if not accounts:
            return None
        message = IncomingMessage(
            transport=accounts[0].transport,
            chat_id=accounts[0].chat_id,
            user_id=accounts[0].external_id,
            received_at=facts.now,
        )
        ctx = Context(session, message, facts.recipient, accounts[0], self.services, facts.now)
        text, buttons = await self.render(ctx, facts)
        extra = await self.documents(ctx, facts)
        return [
            Reply(account.transport, account.chat_id, outgoing)
            for account in accounts
            for outgoing in (OutgoingMessage(text, buttons), *extra)
        ]

    async def documents(self, ctx: Context, facts: Facts) -> list[OutgoingMessage]:
        """Files that go with the words: the form with a form copy, the draft report with
        the quarter's end."""
        kind = ReminderKind(facts.reminder.kind)
        if kind is ReminderKind.FORM_COPY and facts.record is not None:
            return await reports_cmd.form_copy(ctx, facts.record, facts.reminder.payload)
        if kind is ReminderKind.QUARTER_END and facts.reminder.quarter:
            return await reports_cmd.quarter_draft(ctx, facts.reminder.quarter)
        return []

    async def send(self, prepared: Any) -> SendResult:
        """The first message to each chat decides; its files follow only if it went."""
        replies: list[Reply] = list(prepared)
        results: list[Delivery] = []
        went: dict[tuple[str, str], bool] = {}
        for reply in replies:
            chat = (reply.transport, reply.chat_id)
            if chat in went:
                if went[chat]:
                    await self.deliver(reply)
                continue
            result = await self.deliver(reply)
            went[chat] = result.status is DeliveryStatus.SENT
            results.append(result)
        if any(r.status is DeliveryStatus.SENT for r in results):
            return SendResult(Outcome.SENT)
        details = "; ".join(r.detail for r in results if r.detail)
        if any(r.status is DeliveryStatus.RETRY for r in results):
            return SendResult(Outcome.RETRY, details)
        return SendResult(Outcome.FAILED, details)

    async def render(self, ctx: Context, facts: Facts) -> tuple[str, Buttons]:
        """A reminder's text and buttons: what is missing, for which record, and by when."""
        kind = ReminderKind(facts.reminder.kind)
        key = f"reminders.{kind.value}"
        reminder = facts.reminder
        values: dict[str, object] = {}
        buttons: Buttons = ()
        record = facts.record
        if record is not None:
            values["title"] = card.title(ctx, record)
            values["case"] = record.case_number or record.case_name or ctx.t("card.missing")
            values["handler"] = facts.handler.name if facts.handler else "-"
            department = record.department_id and await staff_repo.find_department(
                ctx.session, str(record.department_id)
            )
            values["department"] = department.name if department else "-"
        if facts.owed:
            values["missing"] = join_names(
                [label(m, ctx.language) for m, _ in facts.owed], ctx.language
            )
        pending = join_names(facts.cosigners, ctx.language)
        values["names"] = pending
        values["reach"] = reach_words(ctx, facts, "reminders.cosign_reminded_again")
        if kind in RECORD_BREACH_KINDS and facts.owed:
            key, values["missing"] = owed_words(ctx, kind, facts, values["handler"])
        if kind is ReminderKind.ESCALATION and reminder.payload.get(OVERSEER):
            key = "reminders.escalation_overseer"  # every officer of the department is in it
        elif kind in BREACH_NOTICE_KINDS and not facts.officers_told:
            key += "_discipline"  # the officer is in breach: discipline was told instead
        if reminder.deadline is not None:
            values["deadline"] = card.deadline_words(ctx, reminder.deadline, facts.now)
        if reminder.quarter is not None:
            values["quarter"] = reminder.quarter
        if kind in HANDLER_KINDS and record is not None:
            about = frozenset(m for m, _ in facts.owed) if facts.owed else None
            buttons = record_buttons(ctx, record, about)
            if facts.on_paper and kind in COSIGNERS_NAMED_KINDS:  # the handler confirms them
                buttons = (*buttons, *cosign.paper_buttons(ctx, record))
        elif kind in COSIGN_KINDS and record is not None:
            buttons = (
                (
                    Button(ctx.t("cosign.confirm"), f"cs:{record.id}:ok"),
                    Button(ctx.t("cosign.dispute"), f"cs:{record.id}:no"),
                ),
            )
        elif kind in PAPER_KINDS and record is not None:
            values["names"] = join_names(facts.paper, ctx.language)
            buttons = cosign.paper_buttons(ctx, record)
        elif kind in COMPILER_KINDS and reminder.quarter is not None:
            buttons = (
                (Button(ctx.t("milestones.quarter_button"), f"ms:q:{reminder.quarter}:done"),),
            )
        if kind is ReminderKind.QUARTER_END:
            values["count"] = len(facts.incomplete)
            lines = []
            for item in facts.incomplete[:50]:
                owed = unmet(item, ctx.services.rules)
                row = ctx.t(
                    "reminders.incomplete_row",
                    title=card.title(ctx, item),
                    missing=join_names(
                        [label(m, ctx.language) for m in Milestone if m in owed],
                        ctx.language,
                    ),
                )
                if on_art7_list(item):  # the report lists it under Art. 7, a draft or not
                    flags = [
                        ctx.t(f"card.{column}")
                        for column in ("main_leader", "serious")
                        if getattr(item, column)
                    ]
                    flagged = join_names(flags, ctx.language)
                    row += ctx.t("reminders.incomplete_art7", flags=flagged)
                lines.append(row)
            values["list"] = "\n".join(lines) or ctx.t("common.none")
        elif kind is ReminderKind.STAFF_DISABLED:
            values.update(await _held_words(ctx, reminder.payload))
            change = reminder.payload.get("change")
            if isinstance(change, dict):  # ``guowen staff set --force``, not a disabling
                key = "reminders.staff_changed"
                values["before"] = held.person(ctx.language, change.get("before"))
                values["after"] = held.person(ctx.language, change.get("after"))
        elif kind is ReminderKind.HOLIDAYS_MISSING:
            values["year"] = reminder.payload.get("year", "")
        elif kind is ReminderKind.DELIVERY_FAILED:
            values["name"] = facts.failed_recipient.name if facts.failed_recipient else "-"
            values["detail"] = copy_state.failure_words(ctx, reminder.payload.get("detail"))
            values["what"] = ctx.t(f"reminders.kind.{facts.failed.kind}") if facts.failed else "-"
            failed = facts.failed
            if (
                failed is not None
                and record is not None
                and failed.kind == ReminderKind.FORM_COPY
                and failed.recipient_staff_id != record.handler_id
            ):
                # A form copy (Art. 6), the first or a corrected one: printed and handed
                # over, then confirmed here for that copy.
                payload = failed.payload or {}
                version = int(payload.get("version", 1))
                key = "reminders.form_copy_failed"
                if "supersedes" in payload:
                    key = "reminders.form_copy_corrected_failed"
                    if payload.get("supplemented"):
                        key = "reminders.form_copy_supplemented_failed"
                    delivered = await form_copies.copies(ctx.session, record.id)
                    copy = delivered[version - 1] if version <= len(delivered) else None
                    values["copy"] = copy_state.copy_words(ctx, version, copy)
                if reminder.recipient_staff_id == record.handler_id:
                    key += "_handler"
                    person = form_copies.Recipient(
                        staff_id=failed.recipient_staff_id,
                        name=str(values["name"]),
                        offices=(),
                        state=form_copies.Arrival.FAILED,
                        at=None,
                        detail=None,
                    )
                    buttons = ((copy_state.handover_button(ctx, record.id, person, version),),)
            if record is None:  # a quarter's or the holidays' reminder: no record to name
                key = "reminders.delivery_failed_other"
                if facts.failed is not None and facts.failed.quarter:
                    values["what"] = f"{values['what']} {facts.failed.quarter}"
        elif kind is ReminderKind.COPY_OUTSTANDING and record is not None:
            # A corrected copy not yet at each holder (Art. 6): the handler gets the
            # hand-over buttons, an integrity officer the words alone.
            version = int(reminder.payload.get("version", 0))
            delivered = await form_copies.copies(ctx.session, record.id)
            copy = delivered[version - 1] if 0 < version <= len(delivered) else None
            values["copy"] = copy_state.copy_words(ctx, version, copy)
            values["names"] = join_names([p.name for p in facts.copies_due], ctx.language)
            if reminder.recipient_staff_id == record.handler_id:
                buttons = copy_state.handover_buttons(
                    ctx, record.id, [(version, person) for person in facts.copies_due]
                )
            else:
                key = "reminders.copy_outstanding_officer"
        elif kind is ReminderKind.DRAFT_UNTIMED and record is not None:
            values["opened"] = card.stamp(ctx, record.created_at)
        elif kind is ReminderKind.DONE_LATE:
            values["lapses"] = card.lapse_words(ctx, facts.lapses)
        elif kind is ReminderKind.FORM_COPY and record is not None:
            values["number"] = record.number or values.get("title", "")
            values["card"] = await card.render(ctx, record)
            if reminder.payload.get("copy") == "own":  # the handler's own, for the sub-file
                key = "reminders.form_copy_own"
                # Where the others' copies are now, not a claim that they arrived (Art. 6).
                version = int(reminder.payload.get("version", 1))
                values["copies"] = await copy_state.state_words(ctx, record, version)
            superseded = reminder.payload.get("supersedes")
            if superseded:  # a corrected copy, after a correction or added evidence (Art. 6)
                if reminder.payload.get("supplemented"):
                    key += "_supplemented"
                elif reminder.payload.get("cosigned"):  # the co-signers answered (Art. 3)
                    key += "_cosigned"
                else:
                    key += "_corrected"
                values["previous"] = card.stamp(ctx, datetime.fromisoformat(str(superseded)))
        text = ctx.t(key, **values)
        if (
            kind in HANDLER_KINDS
            and record is not None
            and record.kind == RecordKind.REFERENCE_OPINION
            and any(m is Milestone.FORM_DELIVERED for m, _ in facts.owed or ())
        ):  # Art. 5 lifts the platform entry only: the form copy is still owed (Art. 6)
            text += "\n" + ctx.t("reminders.art5_form_copy")
        if kind in RECORD_BREACH_KINDS and record is not None and facts.owed:
            # Steps already done late are lapses too (Art. 10): the breach lists them.
            lapses = done_late(record, ctx.services.rules)
            if lapses:
                words = card.lapse_words(ctx, lapses)
                text += "\n" + ctx.t("reminders.done_late_also", lapses=words)
        if kind in COSIGNERS_NAMED_KINDS and (
            pending and not key.startswith("reminders.breach_cosigners")
        ):  # the handler hears who owes the co-signature, not as if the handler owed it
            reach = reach_words(ctx, facts, "reminders.cosign_reminded")
            text += "\n" + ctx.t("reminders.cosigners_pending", names=pending, reach=reach)
        due = ctx.local(reminder.due_at).strftime("%Y-%m-%d %H:%M")
        told_late = kind is ReminderKind.DONE_LATE  # planned when the step was done: on time
        if record is not None and planned_after_due(reminder) and not told_late:
            # Not the bot's delay: the record came (or was corrected) after the step was due.
            if record.created_at > reminder.due_at:
                head = ctx.t(
                    "reminders.registered_late",
                    registered=card.stamp(ctx, record.created_at),
                    received=card.stamp(ctx, record.received_at),
                    due=due,
                )
            else:
                head = ctx.t(
                    "reminders.planned_late", planned=card.stamp(ctx, reminder.created_at), due=due
                )
            text = head + "\n" + text
        elif facts.late:
            text = ctx.t("reminders.late", due=due) + "\n" + text
        if reminder.repeat:
            text += "\n" + ctx.t("reminders.repeat")
        return text, buttons
