"""Art. 7 at once, and co-sign requests at submission.

A serious case goes to discipline inspection and the court's leaders the moment the field is
set, draft or not; a same-level main leader puts the record on the list to report upward and
tells trial management. Each happens once per record.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from handlers import card, notify
from handlers.engine import Context
from handlers.ports import Button
from storage import audit
from storage.audit import AuditKind
from storage.models import Record, RecordAmendment
from storage.vocabulary import CosignStatus, Role


def _facts(ctx: Context, record: Record) -> dict[str, object]:
    unknown = ctx.t("card.missing")
    return {
        "title": card.title(ctx, record),
        "handler": ctx.staff.name,
        "inquirer": record.inquirer_name or unknown,
        "unit": record.inquirer_unit or unknown,
        "case": record.case_number or record.case_name or unknown,
    }


async def check_art7(ctx: Context, record: Record) -> None:
    """Art. 7's immediate alerts for ``record``, each sent at most once.

    A serious case (may cause a wrongful judgment) goes to ``discipline`` and ``leader`` at
    once; a record involving a main leader of the same-level Party committee or
    political-legal committee goes to ``discipline``, ``trial_management`` and ``compiler``
    for reporting upward. Each sending stamps the record and is audited.
    """
    if record.serious and record.serious_alerted_at is None:
        record.serious_alerted_at = ctx.now
        people = await notify.with_roles(ctx, Role.DISCIPLINE, Role.LEADER)
        await notify.tell(ctx, people, "alerts.serious", _facts(ctx, record))
        await audit.append(
            ctx.session,
            AuditKind.ALERT_SENT,
            at=ctx.now,
            actor_staff_id=ctx.staff.id,
            actor=ctx.staff.name,
            subject=f"record:{record.id}",
            payload={"alert": "serious", "to": [p.id for p in people]},
        )
    if record.main_leader and record.upward_listed_at is None:
        record.upward_listed_at = ctx.now
        people = await notify.with_roles(ctx, Role.DISCIPLINE, Role.TRIAL_MANAGEMENT, Role.COMPILER)
        await notify.tell(ctx, people, "alerts.upward", _facts(ctx, record))
        await audit.append(
            ctx.session,
            AuditKind.ALERT_SENT,
            at=ctx.now,
            actor_staff_id=ctx.staff.id,
            actor=ctx.staff.name,
            subject=f"record:{record.id}",
            payload={"alert": "upward", "to": [p.id for p in people]},
        )
    await ctx.session.flush()


async def after_submit(ctx: Context, record: Record) -> None:
    """After submitting: Art. 7 alerts, then ask the persons present to co-sign (Art. 3)."""
    await check_art7(ctx, record)
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
                viewer_card += "\n" + "\n".join(card.amendment_line(ctx, a) for a in changes)
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
