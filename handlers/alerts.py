"""Art. 7 at once, and co-sign requests at submission.

A serious case goes to discipline inspection and the court's leaders the moment the field is
set, draft or not; a same-level main leader puts the record on the list to report upward and
tells trial management. Each happens once per record; those alerted then hear of every change
to the flag and of the draft's withdrawal (``check_art7``).
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
from handlers.ports import Button
from storage import audit
from storage import records as records_repo
from storage.audit import AuditKind
from storage.models import AuditEvent, Record, RecordAmendment, Staff
from storage.vocabulary import CosignStatus, RecordStatus, Role

ALERTS: tuple[tuple[str, str, tuple[Role, ...]], ...] = (
    ("serious", "serious", (Role.DISCIPLINE, Role.LEADER)),
    ("upward", "main_leader", (Role.DISCIPLINE, Role.TRIAL_MANAGEMENT, Role.COMPILER)),
)
"""Each Art. 7 alert: its name (the ``alerts.<name>`` message and the audit payload's
``alert``), the record's column it is about, and the roles it goes to."""

WITHDRAWN = "withdrawn"
"""The ``value`` an alert's audit event holds once its record's withdrawal was told."""


@dataclass
class Told:
    """What the people alerted about one fact of a record were told last: who (``people``,
    every staff id ever alerted, in the order first told), the value (``value``: the flag as
    last told, or ``WITHDRAWN``) and when (``at``, UTC)."""

    people: list[int] = field(default_factory=list)
    value: bool | str = True
    at: datetime | None = None


async def told(session: AsyncSession, record_id: int) -> dict[str, Told]:
    """Each alert of ``record_id`` as the audit chain (``ALERT_SENT`` events) holds it: the
    people told and the value last told. An event without ``value`` is a first alert (True).
    """
    rows = await session.execute(
        select(AuditEvent.at, AuditEvent.payload)
        .where(
            AuditEvent.subject == f"record:{record_id}",
            AuditEvent.kind == AuditKind.ALERT_SENT.value,
        )
        .order_by(AuditEvent.seq)
    )
    found: dict[str, Told] = {}
    for at, payload in rows:
        body = json.loads(payload)
        entry = found.setdefault(str(body.get("alert")), Told())
        entry.people += [int(p) for p in body.get("to", []) if int(p) not in entry.people]
        entry.value = body.get("value", True)
        entry.at = at
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
    await audit.append(
        ctx.session,
        AuditKind.ALERT_SENT,
        at=ctx.now,
        actor_staff_id=ctx.staff.id,
        actor=ctx.staff.name,
        subject=f"record:{record.id}",
        payload={"alert": alert, "to": [p.id for p in people], "value": value},
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
    to) is no change: the next answer is.
    """
    flagged = record.serious or record.main_leader
    if not flagged and record.serious_alerted_at is None and record.upward_listed_at is None:
        return
    earlier = await told(ctx.session, record.id)
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
    await ctx.session.flush()


async def _first(
    ctx: Context, record: Record, alert: str, column: str, roles: tuple[Role, ...]
) -> None:
    """The first alert about ``column`` being set: to the roles' present holders."""
    stamp = "serious_alerted_at" if column == "serious" else "upward_listed_at"
    if getattr(record, stamp) is None:
        setattr(record, stamp, ctx.now)
    people = await notify.with_roles(ctx, *roles)
    await notify.tell(ctx, people, f"alerts.{alert}", _facts(ctx, record))
    await _audit(ctx, record, alert, people, True)


async def follow_touched(ctx: Context) -> None:
    """After any message: ``check_art7`` for each record it changed, so no path that sets,
    unsets or withdraws (a correction, /back, an edit at the review card, /cancel, Art. 14)
    leaves the people alerted untold."""
    for record in records_repo.touched_records(ctx.session).values():
        await check_art7(ctx, record)


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
) -> None:
    """Send each pending co-signer (of the staff ids ``only``, if given) ``key``
    (``cosign.request``, ``cosign.reconfirm``) with the card in their language and the
    confirm and dispute buttons (Art. 3); under the card, ``changes`` (a correction's
    amendments), each old → new as /record shows them."""
    pending = [
        c
        for c in record.cosigners
        if c.status == CosignStatus.PENDING and (only is None or c.staff_id in only)
    ]
    for cosigner in pending:
        ctx.speaking = notify.language_of(ctx, cosigner.staff)
        try:
            viewer_card = await card.render(ctx, record)
            if changes:
                viewer_card += "\n" + "\n".join(
                    card.amendment_line(ctx, a, record) for a in changes
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
            ctx.reply(ctx.t("cosign.unreachable", name=person.name))
