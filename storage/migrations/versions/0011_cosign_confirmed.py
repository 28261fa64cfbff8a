"""A record's co-signing is done only when every co-signer has confirmed (Art. 3).

``records.cosigners_done`` used to turn true once every co-signer had answered, a dispute
included; a dispute is not a confirmation, so a record with a disputing co-signer in the
current round is set back to not done. No column changes.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE records SET cosigners_done = false WHERE id IN "
        "(SELECT record_id FROM record_cosigners WHERE status <> 'confirmed')"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE records SET cosigners_done = true WHERE status = 'submitted' AND id IN "
        "(SELECT record_id FROM record_cosigners GROUP BY record_id "
        "HAVING SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) = 0)"
    )
