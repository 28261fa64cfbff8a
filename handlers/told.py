"""A draft's receipt time moved after a breach that counted from it was told (Art. 6, 10).

Art. 6's deadlines count from the receipt time, at the draft already; once the bot told the
handler, the department's integrity officers or discipline inspection that a step is overdue
(``reminders.outbox.breach_told``), an answer that moves the receipt time (the receipt time
typed, the inquiry's time or the channel the receipt follows, ``handlers.receipt``) would
silently unsay what the oversight offices were told, and so would an answer that makes a
step overdue not owed (a source answered as an Art. 5 opinion). Such an answer is then held
(``Held``) on every path that stores a draft's answer (``handlers.intake.ask._apply``): it is
kept only as a correction is (``handlers.intake.held``: the verdicts it changes said first,
a reason asked, the old values kept, those told of a breach told of the change). Before any
breach notice went out, an answer is stored as it always was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handlers.dependents import copy_of
from handlers.engine import Context
from handlers.fields import Field
from handlers.receipt import receipt_of
from handlers.verdicts import changes
from reminders.outbox import breach_told
from storage.models import Record

TIMES = frozenset({"received_at", "inquiry_at"})
"""The columns an answer gives as a time (kept in the dialogue state as ISO 8601)."""


class Held(Exception):
    """An answer to ``field`` held until its reason is given: ``values`` (the field parser's
    columns, its ``_`` flags included) and ``fields`` (the draft's ``Record.fields`` as the
    answer leaves them)."""

    def __init__(self, field: Field, values: Mapping[str, Any], fields: Mapping[str, Any]):
        super().__init__(field.step.value)
        self.field = field
        self.values = dict(values)
        self.fields = dict(fields)


def after(
    ctx: Context, record: Record, values: Mapping[str, Any], fields: Mapping[str, Any]
) -> Record:
    """A copy of the draft ``record`` as the answer (``values``, ``fields``) leaves it, its
    receipt time settled by the receipt rule (``handlers.receipt.receipt_of``)."""
    shadow = copy_of(record, values)
    shadow.fields = dict(fields)
    settled = receipt_of(shadow, ctx.services.tz)
    if settled is not None:
        shadow.received_at = settled[0]
    return shadow


async def must_hold(
    ctx: Context, record: Record, values: Mapping[str, Any], fields: Mapping[str, Any]
) -> bool:
    """The one decision: whether the answer (``values``, ``fields``), after a notice of a
    breach of the draft ``record`` was sent, moves its receipt time or its department
    (``moves_department``) or changes any step's verdict (``handlers.verdicts.changes``: a
    source answered as an Art. 5 opinion makes an overdue platform entry not owed, 逾期未办 →
    不需办理, and the reverse)."""
    shadow = after(ctx, record, values, fields)
    if (
        shadow.received_at == record.received_at
        and not moves_department(record, values)
        and not changes(ctx, copy_of(record), shadow)
    ):
        return False
    return await breach_told(ctx.session, record.id)


def moves_department(record: Record, values: Mapping[str, Any]) -> bool:
    """Whether the answer ``values`` moves the draft ``record`` from the department it was
    in (承办部门): whose integrity officer oversees it, and was told of its breach, changes
    (``handlers.moved``)."""
    new = values.get("department_id", record.department_id)
    return record.department_id is not None and new != record.department_id


def encode(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` as the dialogue state keeps them (JSON): each time as ISO 8601."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def decode(kept: Mapping[str, Any]) -> dict[str, Any]:
    """The values ``encode`` kept, each time read back (timezone-aware, as given)."""
    return {
        k: datetime.fromisoformat(v) if k in TIMES and isinstance(v, str) else v
        for k, v in kept.items()
    }
