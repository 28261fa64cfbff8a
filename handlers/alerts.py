"""Art. 7 at once, and co-sign requests at submission.

A serious case, and a same-level main leader (the record goes on the list to report upward),
each alert the same people (``ART7_ROLES``: discipline inspection, trial management and the
court's leaders) the moment the field is set, draft or not. Each happens once per record;
those alerted then hear of every change to the flag and to the person the alert named, of
the draft's withdrawal, and once of its submission with the record number and the case
(``check_art7``). A withdrawn draft
is also told to those who oversee its Art. 9 special report items and to everyone a
reminder about it reached (``tell_withdrawal``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import card, notify
from handlers.engine import Context
from handlers.fields import BY_STEP, Step
from handlers.invites import READS_WITHDRAWN, may
from handlers.ports import Button
from reports.facts import load_names
from reports.figures import on_art7_list
from storage import audit
from storage import records as records_repo
from storage import staff as staff_repo
from storage.audit import AuditKind
from storage.models import Record, RecordAmendment, Reminder, Staff
from storage.vocabulary import CosignStatus, RecordKind, RecordStatus, ReminderStatus, Role

ART7_ROLES: tuple[Role, ...] = (
    Role.DISCIPLINE,
    Role.TRIAL_MANAGEMENT,
    Role.COMPILER,
    Role.LEADER,
)
"""Who both Art. 7 alerts go to: discipline inspection (Art. 7, 10), trial management and
the compiler of its lists (who report upward to the higher Party committee, political-legal
committee and court, and report a serious case up to the Supreme People's Court), and the
court's leaders (``leader``). One list, so neither alert misses an office the other reaches."""

ALERTS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("serious", "serious", ART7_ROLES),
    ("upward", "main_leader", ART7_ROLES),
)
"""Each Art. 7 alert: its name (the ``alerts.<name>`` message and the audit payload's
``alert``), the record's column it is about, and the roles it goes to."""

LISTED = "art7_list"
"""The ``alert`` of the audit event recording whether those alerted under Art. 7 were told
the record is on the Art. 7 list (``reports.figures.on_art7_list``): its ``value``, set at
the first alert and at each change of it (``_tell_listing``)."""

SUBMITTED = "submitted"
"""The ``alert`` of the audit event telling those alerted about a draft that it was
submitted, with its record number and case (``alerts.submitted``)."""

WITHDRAWN = "withdrawn"
"""The ``value`` an alert's audit event holds once its record's withdrawal was told."""

WITHDRAWAL = "withdrawal"
"""The ``alert`` of the audit event telling a draft's withdrawal to those who oversee what
it carried or were told of it beyond Art. 7's flags (``tell_withdrawal``)."""

NAMED = "named"
"""The payload key of every Art. 7 audit event (``_audit``) holding the person its message
named, ``[name, unit]``, and the ``alert`` of the event telling those alerted that the
person changed (``_tell_named``)."""

NAMING = frozenset({alert for alert, _, _ in ALERTS} | {LISTED, SUBMITTED, NAMED})
"""The Art. 7 events whose message names the inquirer (``NAMED``)."""

INQUIRER = (Step.INQUIRER_NAME, Step.INQUIRER_UNIT)
"""The questions whose answers name the person in every Art. 7 message."""


@dataclass
class Told:
    """What the people alerted about one fact of a record were told last: who (``people``,
    every staff id ever alerted, in the order first told), the value (``value``: the flag as
    last told, or ``WITHDRAWN``) and when (``at``, UTC)."""

    people: list[int] = field(default_factory=list)
    value: bool | str = True
    at: datetime | None = None
    numbered: set[int] = field(default_factory=set)
    """The people told in an event that carried the record number (the payload's
    ``number``): sent once the record was submitted."""


async def told(session: AsyncSession, record_id: int) -> dict[str, Told]:
    """Each alert of ``record_id`` as the audit chain (``ALERT_SENT`` events) holds it: the
    people told and the value last told. An event without ``value`` is a first alert (True).
    The submission notice is the entry ``SUBMITTED``.
    """
    found: dict[str, Told] = {}
    for event in await audit.record_events(session, record_id, AuditKind.ALERT_SENT):
        body = event.payload
        entry = found.setdefault(str(body.get("alert")), Told())
        entry.people += [int(p) for p in body.get("to", []) if int(p) not in entry.people]
        entry.value = body.get("value", True)
        entry.at = event.at
        if body.get("number"):
            entry.numbered.update(int(p) for p in body.get("to", []))
    return found


def _facts(ctx: Context, record: Record) -> dict[str, object]:
    unknown = ctx.t("card.missing")
    return {
        "title": card.title(ctx, record),
        "handler": ctx.staff.name,
        "inquirer": record.inquirer_name or unknown,
        "unit": record.inquirer_unit or unknown,
        "case": record.case_number or record.case_name or unknown,
    }


def _yes_no(ctx: Context, value: bool | str) -> str:
    return ctx.t("intake.yes") if value is True else ctx.t("intake.no")


async def _reason(ctx: Context, record: Record, column: str) -> str:
    """Why the flag changed: the latest correction's reason on a submitted record, the
    withdrawal's on a withdrawn draft; a draft's answer changed before submission has none
    of its own, and says so."""
    if record.status == RecordStatus.WITHDRAWN:
        return record.withdraw_reason or ctx.t("card.missing")
    if record.status == RecordStatus.SUBMITTED:
        for amendment in reversed(await records_repo.amendments(ctx.session, record.id)):
            if amendment.field == column:
                return amendment.reason
    return ctx.t("alerts.draft_reason")


async def _tell_each(
    ctx: Context, people: Sequence[Staff], key: str, values: Callable[[], dict[str, object]]
) -> None:
    """``key`` to each of ``people``, its values worked out in that person's language."""
    for person in people:
        ctx.speaking = notify.language_of(ctx, person)
        try:
            rendered = values()
        finally:
            ctx.speaking = None
        await notify.tell(ctx, [person], key, rendered)


async def _audit(
    ctx: Context, record: Record, alert: str, people: Sequence[Staff], value: bool | str
) -> None:
    """The audit event of an Art. 7 message: ``alert_sent`` with the value told and the
    person the message named (``NAMED``)."""
    named = [record.inquirer_name, record.inquirer_unit]
    await alert_sent(ctx, record, alert, people, value=value, **{NAMED: named})


async def _named_as_told(session: AsyncSession, record_id: int) -> dict[int, list[str | None]]:
    """The person (``[name, unit]``) each staff id was last named in an Art. 7 message about
    ``record_id`` (``NAMING`` events); a person told before events kept it is not in it."""
    found: dict[int, list[str | None]] = {}
    for event in await audit.record_events(session, record_id, AuditKind.ALERT_SENT):
        body = event.payload
        named = body.get(NAMED)
        if body.get("alert") in NAMING and isinstance(named, list):
            found.update((int(p), named) for p in body.get("to", []))
    return found


def _pending(record: Record, earlier: dict[str, Told]) -> bool:
    """Whether ``record`` is being answered again where an Art. 7 message reads it: a flag
    whose alert went out unanswered (a question gone back to, the inquirer moved to the
    intermediary: ``handlers.fields.INQUIRER_IS_INTERMEDIARY``), or the inquirer's name or
    unit not answered. The next answer is the change, told then."""
    flags = (column for alert, column, _ in ALERTS if alert in earlier)
    if any(getattr(record, column) is None for column in flags):
        return True
    return not all(BY_STEP[step.value].answered(record) for step in INQUIRER)


async def alert_sent(
    ctx: Context, record: Record, alert: str, people: Sequence[Staff], **detail: object
) -> None:
    """The ``alert_sent`` audit event of ``record``'s ``alert``, sent by ``ctx.staff`` to
    ``people``, with ``detail`` (the value, the changes, the reason) and the record's
    number once it has one."""
    await audit.append(
        ctx.session,
        AuditKind.ALERT_SENT,
        at=ctx.now,
        actor_staff_id=ctx.staff.id,
        actor=ctx.staff.name,
        subject=f"record:{record.id}",
        payload={
            "alert": alert,
            "to": [p.id for p in people],
            **detail,
            **({"number": record.number} if record.number else {}),
        },
    )


async def _staff(ctx: Context, ids: Sequence[int]) -> list[Staff]:
    people = [await ctx.session.get(Staff, staff_id) for staff_id in ids]
    return [p for p in people if p is not None]


async def check_art7(ctx: Context, record: Record) -> None:
    """Art. 7's immediate alerts for ``record``, and what follows them.

    A serious case (may cause a wrongful judgment) goes to ``discipline`` and ``leader`` at
    once; a record involving a main leader of the same-level Party committee or
    political-legal committee goes to ``discipline``, ``trial_management`` and ``compiler``
    for reporting upward. The first alert stamps the record (``serious_alerted_at``,
    ``upward_listed_at``). Everyone alerted about a fact is told of each later change to it
    (是 → 否 and back, by a correction or in the draft; old → new and the reason) and of the
    draft's withdrawal (with its reason); a flag set again also reaches the role's present
    holders. Each sending is an ``ALERT_SENT`` audit event naming the people told and the
    value told (``told`` reads them back). An unanswered flag (None, a question gone back
    to) is no change: the next answer is. A change of the person the alerts named is told
    to everyone they reached once the answers stand (``_tell_named``).

    Once the record is submitted, everyone alerted while it was a draft is told once its
    record number, case name and case number and both flags as they stand
    (``alerts.submitted``). The alert itself does not wait for the case: a serious case is
    reported at once (Art. 7), and a discipline office would rather know the same day that a
    same-level main leader inquired than not at all if the draft is never finished; the
    case in a draft may still change, and the record number, by which the upward list and
    the form copies (Art. 6) name the record, exists only at submission, so the one
    follow-up comes then.
    """
    flagged = record.serious or record.main_leader
    if not flagged and record.serious_alerted_at is None and record.upward_listed_at is None:
        return
    earlier = await told(ctx.session, record.id)
    flags_told = False
    for alert, column, roles in ALERTS:
        value = getattr(record, column)
        before = earlier.get(alert)
        if before is None:
            if value and record.status != RecordStatus.WITHDRAWN:
                await _first(ctx, record, alert, column, roles)
            continue
        if before.value == WITHDRAWN:
            continue
        people = await _staff(ctx, before.people)
        if record.status == RecordStatus.WITHDRAWN:
            reason = record.withdraw_reason or ""

            def withdrawn(column: str = column, reason: str = reason) -> dict[str, object]:
                return {
                    **_facts(ctx, record),
                    "flag": ctx.t(f"card.{column}"),
                    "reason": reason or ctx.t("card.missing"),
                }

            await _tell_each(ctx, people, "alerts.withdrawn", withdrawn)
            await _audit(ctx, record, alert, people, WITHDRAWN)
            continue
        if value is None or bool(value) == before.value:
            continue
        if value:
            for person in await notify.with_roles(ctx, *roles):
                if person.id not in before.people:
                    people.append(person)
        reason = await _reason(ctx, record, column)
        old, new = before.value, bool(value)

        def changed(
            column: str = column, old: bool | str = old, new: bool = new, reason: str = reason
        ) -> dict[str, object]:
            return {
                **_facts(ctx, record),
                "flag": ctx.t(f"card.{column}"),
                "old": _yes_no(ctx, old),
                "new": _yes_no(ctx, new),
                "reason": reason,
            }

        await _tell_each(ctx, people, "alerts.changed", changed)
        await _audit(ctx, record, alert, people, new)
        flags_told = True
    if record.status != RecordStatus.WITHDRAWN and not _pending(record, earlier):
        await _tell_listing(ctx, record, await told(ctx.session, record.id), flags_told)
    if record.status == RecordStatus.SUBMITTED:
        await _submitted(ctx, record)
    if record.status != RecordStatus.WITHDRAWN and not _pending(record, earlier):
        await _tell_named(ctx, record, await told(ctx.session, record.id))
    await ctx.session.flush()


async def _tell_named(ctx: Context, record: Record, earlier: dict[str, Told]) -> None:
    """Tell everyone an Art. 7 alert of ``record`` reached whose last message named another
    person than the record now does (the inquirer's name or unit answered anew in the draft
    or corrected, the inquirer moved to the intermediary and the cadre given) the person it
    now names, with the one named before and the reason (``alerts.named``), as a flag's
    change is told; kept as a ``NAMED`` event. A message told just now names the person
    already (a flag's change, the listing, the submission): nothing more."""
    ids = [p for alert, _, _ in ALERTS if alert in earlier for p in earlier[alert].people]
    if not ids:
        return
    now = [record.inquirer_name, record.inquirer_unit]
    as_told = await _named_as_told(ctx.session, record.id)
    stale = [p for p in dict.fromkeys(ids) if p in as_told and as_told[p] != now]
    if not stale:
        return
    people = await _staff(ctx, stale)
    reason = await _latest_reason(ctx, record)
    for person in people:
        name, unit = as_told[person.id]

        def values(name: str | None = name, unit: str | None = unit) -> dict[str, object]:
            missing = ctx.t("card.missing")
            old = ctx.t("alerts.person", inquirer=name or missing, unit=unit or missing)
            return {**_facts(ctx, record), "old": old, "reason": reason}

        await _tell_each(ctx, [person], "alerts.named", values)
    await _audit(ctx, record, NAMED, people, True)


async def _listed_as_told(ctx: Context, record: Record, earlier: dict[str, Told]) -> bool:
    """Whether those alerted were last told ``record`` is on the Art. 7 list: the last
    ``LISTED`` event's value; for an alert sent before those events were kept, the flags as
    last told with the record's source before its first correction."""
    entry = earlier.get(LISTED)
    if entry is not None:
        return entry.value is True
    flagged = any(earlier[alert].value is True for alert, _, _ in ALERTS if alert in earlier)
    kind = record.kind
    for amendment in await records_repo.amendments(ctx.session, record.id):
        if amendment.field == "kind":
            kind = json.loads(amendment.old_value)
            break
    return flagged and kind not in (RecordKind.INTERNAL, RecordKind.REFERENCE_OPINION)


async def _tell_listing(
    ctx: Context, record: Record, earlier: dict[str, Told], flags_told: bool
) -> None:
    """A change that takes ``record`` off the Art. 7 list, or puts it back, whatever field
    changed it (its source to an Art. 5 reference opinion, or back): told to everyone any
    of its Art. 7 alerts reached (``alerts.listed`` / ``alerts.unlisted``, with the
    reason), and kept as a ``LISTED`` event. A flag's change told just now
    (``flags_told``, ``alerts.changed``) says it already: only kept. Nothing is told while
    no alert was sent."""
    people_ids = [p for alert, _, _ in ALERTS if alert in earlier for p in earlier[alert].people]
    if not people_ids:
        return
    now = on_art7_list(record)
    if now == await _listed_as_told(ctx, record, earlier):
        return
    people = await _staff(ctx, list(dict.fromkeys(people_ids)))
    reason = await _latest_reason(ctx, record)

    def values() -> dict[str, object]:
        return {**_facts(ctx, record), "reason": reason}

    if not flags_told:
        await _tell_each(ctx, people, "alerts.listed" if now else "alerts.unlisted", values)
    await _audit(ctx, record, LISTED, people, now)


async def _latest_reason(ctx: Context, record: Record) -> str:
    """The latest correction's reason on a submitted record; a draft's answer changed
    before submission has none of its own, and says so."""
    if record.status == RecordStatus.SUBMITTED:
        amendments = await records_repo.amendments(ctx.session, record.id)
        if amendments:
            return amendments[-1].reason
    return ctx.t("alerts.draft_reason")


def _case_number(ctx: Context, record: Record) -> str:
    if record.case_not_filed:
        return ctx.t("card.not_filed")
    return record.case_number or ctx.t("card.missing")


async def _submitted(ctx: Context, record: Record) -> None:
    """Tell each person alerted about ``record`` who has not yet had its record number (every
    alert of theirs was sent while it was a draft) that it was submitted: the number, the
    draft's title they were alerted under, the case and both flags as they stand."""
    await ctx.session.flush()
    now = await told(ctx.session, record.id)
    knows = set().union(*(entry.numbered for entry in now.values()))
    ids: list[int] = []
    for alert, _column, _roles in ALERTS:
        if alert in now:
            ids += [p for p in now[alert].people if p not in ids and p not in knows]
    if not ids:
        return
    people = await _staff(ctx, ids)

    def values() -> dict[str, object]:
        return {
            **_facts(ctx, record),
            "draft": ctx.t("card.draft_title", id=record.id),
            "case_name": record.case_name or ctx.t("card.missing"),
            "case_number": _case_number(ctx, record),
            "serious": _yes_no(ctx, bool(record.serious)),
            "main_leader": _yes_no(ctx, bool(record.main_leader)),
        }

    await _tell_each(ctx, people, "alerts.submitted", values)
    await _audit(ctx, record, SUBMITTED, people, True)


async def _first(
    ctx: Context, record: Record, alert: str, column: str, roles: tuple[Role, ...]
) -> None:
    """The first alert about ``column`` being set: to the roles' present holders."""
    stamp = "serious_alerted_at" if column == "serious" else "upward_listed_at"
    if getattr(record, stamp) is None:
        setattr(record, stamp, ctx.now)
    people = await notify.with_roles(ctx, *roles)
    await notify.tell(ctx, people, _first_key(record, alert), _facts(ctx, record))
    await _audit(ctx, record, alert, people, True)
    if LISTED not in await told(ctx.session, record.id):
        await _audit(ctx, record, LISTED, people, on_art7_list(record))


def _first_key(record: Record, alert: str) -> str:
    """The words of ``record``'s first ``alert``: the upward one says the record is on the
    list to report upward only as ``reports.figures.on_art7_list`` puts it there, the one
    decision the quarterly report follows: a draft on it as an unsubmitted draft
    (``alerts.upward_draft``), a record not on it without the claim
    (``alerts.upward_unlisted``)."""
    if alert != "upward":
        return f"alerts.{alert}"
    if not on_art7_list(record):
        return "alerts.upward_unlisted"
    if record.status != RecordStatus.SUBMITTED:
        return "alerts.upward_draft"
    return "alerts.upward"


async def follow_touched(ctx: Context) -> None:
    """After any message: ``check_art7`` and ``tell_withdrawal`` for each record it changed,
    so no path that sets, unsets or withdraws (a correction, /back, an edit at the review
    card, /cancel, Art. 14) leaves the people alerted untold."""
    for record in records_repo.touched_records(ctx.session).values():
        await check_art7(ctx, record)
        await tell_withdrawal(ctx, record)


async def overseers(ctx: Context, record: Record) -> list[Staff]:
    """The integrity officers of ``record``'s department and the discipline inspection
    office: those told of a breach (DESIGN.md §4), of a changed verdict and of a withdrawn
    draft's special report items."""
    officers = [
        person
        for person in await staff_repo.with_role(ctx.session, Role.INTEGRITY_OFFICER)
        if record.department_id is not None and person.department_id == record.department_id
    ]
    return [*officers, *await notify.with_roles(ctx, Role.DISCIPLINE)]


async def _reminded(ctx: Context, record: Record) -> list[int]:
    """Who other than its handler a reminder about ``record`` reached: the integrity
    officers and discipline told of its breach, those told a delivery failed."""
    rows = await ctx.session.execute(
        select(Reminder.recipient_staff_id)
        .where(
            Reminder.record_id == record.id,
            Reminder.status == ReminderStatus.SENT,
            Reminder.recipient_staff_id != record.handler_id,
        )
        .order_by(Reminder.id)
    )
    return list(dict.fromkeys(rows.scalars()))


async def tell_withdrawal(ctx: Context, record: Record) -> None:
    """Once ``record`` is withdrawn, tell (``alerts.withdrawn_draft``, with the reason and
    its Art. 9 special report items) the department's integrity officers and discipline
    (``overseers``) when it carried special report items (Art. 9: they are reported, and a
    draft that drops them is what Art. 10 supervises), and everyone a reminder about it
    reached besides the handler (a breach's overseers): nobody who was told of the draft
    is left chasing one that is gone. Those Art. 7's alerts reached hear of the withdrawal
    from ``check_art7``; they are told here as well only of special report items. The
    person withdrawing is not told. Once per record, audited (``ALERT_SENT``, alert
    ``WITHDRAWAL``, with the reason and the items)."""
    if record.status != RecordStatus.WITHDRAWN:
        return
    earlier = await told(ctx.session, record.id)
    if WITHDRAWAL in earlier:
        return
    items = list(record.art9_items or [])
    ids = await _reminded(ctx, record)
    if items:
        ids += [p.id for p in await overseers(ctx, record)]
    else:
        heard = {p for alert, _c, _r in ALERTS if alert in earlier for p in earlier[alert].people}
        ids = [p for p in ids if p not in heard]
    people = [p for p in await _staff(ctx, list(dict.fromkeys(ids))) if p.id != ctx.staff.id]
    if not people:
        return
    field = BY_STEP[Step.ART9.value]

    async def values() -> dict[str, object]:
        words = await card.value_of(ctx, record, field) if items else ctx.t("common.none")
        if record.art9_other:
            words += ctx.t("alerts.art9_other", other=record.art9_other)
        return {
            **_facts(ctx, record),
            "reason": record.withdraw_reason or ctx.t("card.missing"),
            "items": words,
        }

    for person in people:
        ctx.speaking = notify.language_of(ctx, person)
        try:
            rendered = await values()
            # /withdrawn invited only to those who may use it
            see = may(person.roles, READS_WITHDRAWN)
            rendered["see"] = ctx.t("alerts.withdrawn_draft_see") if see else ""
        finally:
            ctx.speaking = None
        await notify.tell(ctx, [person], "alerts.withdrawn_draft", rendered)
    reason = record.withdraw_reason or ""
    await alert_sent(ctx, record, WITHDRAWAL, people, reason=reason, items=items)


async def after_submit(ctx: Context, record: Record) -> None:
    """After submitting: ask the persons present to co-sign (Art. 3). Art. 7's alerts follow
    the submission as every change, once, after the message (``follow_touched``)."""
    await ask_cosigners(ctx, record, "cosign.request")


async def ask_cosigners(
    ctx: Context,
    record: Record,
    key: str,
    changes: Sequence[RecordAmendment] = (),
    *,
    only: Collection[int] | None = None,
) -> set[int]:
    """Send each pending co-signer (of the staff ids ``only``, if given) ``key``
    (``cosign.request``, ``cosign.reconfirm``) with the card in their language and the
    confirm and dispute buttons (Art. 3); under the card, ``changes`` (a correction's
    amendments), each old → new as /record shows them. The handler is told of each who has
    no bound account (``cosign.unreachable``); their staff ids are returned, so that no
    reply says they were asked."""
    pending = [
        c
        for c in record.cosigners
        if c.status == CosignStatus.PENDING and (only is None or c.staff_id in only)
    ]
    names = await load_names(ctx.session) if changes else None
    unasked: set[int] = set()
    for cosigner in pending:
        if cosigner.staff is None:  # not in the bot: signs the printed form (Art. 3)
            continue
        ctx.speaking = notify.language_of(ctx, cosigner.staff)
        try:
            viewer_card = await card.render(ctx, record)
            if changes and names is not None:
                viewer_card += "\n" + "\n".join(
                    card.amendment_line(ctx, a, record, names) for a in changes
                )
            buttons = (
                (
                    Button(ctx.t("cosign.confirm"), f"cs:{record.id}:ok"),
                    Button(ctx.t("cosign.dispute"), f"cs:{record.id}:no"),
                ),
            )
        finally:
            ctx.speaking = None
        missing = await notify.tell(
            ctx,
            [cosigner.staff],
            key,
            {"handler": ctx.staff.name, "card": viewer_card},
            buttons,
        )
        for person in missing:
            unasked.add(person.id)
            ctx.reply(ctx.t("cosign.unreachable", name=person.name))
    return unasked
