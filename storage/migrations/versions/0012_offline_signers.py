"""Court staff present who are not in the bot become co-signer rows (Art. 3).

They were kept as names in ``records.fields["staff_offline"]``, printed as signing by hand
and never counted; the 签字确认 step could stand as met while their paper signature was
never confirmed. Each name now is a ``record_cosigners`` row with no ``staff_id`` and the
name in ``name``, pending until the handler confirms the paper signature, so the step waits
for them like for anyone asked in the chat. Submitted records that gain a row are set back to
not done. The downgrade puts the names back into ``fields`` and drops the rows (a paper
signature confirmed since is lost with them; the audit chain keeps it).

Revision ID: offline_signers
Revises: 0011
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "offline_signers"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "staff_offline"

records = sa.table(
    "records",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
    sa.column("cosigners_done", sa.Boolean()),
    sa.column("fields", sa.JSON()),
)
cosigners = sa.table(
    "record_cosigners",
    sa.column("id", sa.Integer()),
    sa.column("record_id", sa.Integer()),
    sa.column("staff_id", sa.Integer()),
    sa.column("name", sa.String()),
    sa.column("status", sa.String()),
    sa.column("requested_at", sa.DateTime(timezone=True)),
)


def _fields(value: Any) -> dict[str, Any]:
    if isinstance(value, str):  # a JSON column some drivers return as text
        value = json.loads(value)
    return dict(value) if isinstance(value, dict) else {}


def upgrade() -> None:
    with op.batch_alter_table("record_cosigners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name", sa.String(length=100), nullable=True))
        batch_op.alter_column("staff_id", existing_type=sa.Integer(), nullable=True)
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(records.c.id, records.c.status, records.c.submitted_at, records.c.fields)
    ).all()
    for record_id, status, submitted_at, raw in rows:
        fields = _fields(raw)
        if KEY not in fields:
            continue
        names = [str(name) for name in fields.pop(KEY) or [] if str(name).strip()]
        for name in dict.fromkeys(names):
            connection.execute(
                cosigners.insert().values(
                    record_id=record_id,
                    staff_id=None,
                    name=name,
                    status="pending",
                    requested_at=submitted_at if status == "submitted" else None,
                )
            )
        values: dict[str, Any] = {"fields": fields}
        if names:
            values["cosigners_done"] = False
        connection.execute(records.update().where(records.c.id == record_id).values(**values))


def downgrade() -> None:
    connection = op.get_bind()
    offline = connection.execute(
        sa.select(cosigners.c.record_id, cosigners.c.name)
        .where(cosigners.c.staff_id.is_(None))
        .order_by(cosigners.c.id)
    ).all()
    names: dict[int, list[str]] = {}
    for record_id, name in offline:
        names.setdefault(record_id, []).append(name or "")
    for record_id, listed in names.items():
        raw = connection.execute(
            sa.select(records.c.fields).where(records.c.id == record_id)
        ).scalar_one()
        connection.execute(
            records.update()
            .where(records.c.id == record_id)
            .values(fields={**_fields(raw), KEY: listed})
        )
    connection.execute(cosigners.delete().where(cosigners.c.staff_id.is_(None)))
    op.execute(
        "UPDATE records SET cosigners_done = true WHERE status = 'submitted' AND id NOT IN "
        "(SELECT record_id FROM record_cosigners WHERE status <> 'confirmed')"
    )
    with op.batch_alter_table("record_cosigners", schema=None) as batch_op:
        batch_op.alter_column("staff_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("name")
