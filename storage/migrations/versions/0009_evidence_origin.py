"""Each evidence item keeps the caption it came with and its forward's origin.

The caption a judge typed on a file (the second photo of an album's too) and, for a forward,
the original sender (or a hidden user's chosen name), the original chat and the original date
were known when the file came and are now stored with the item, not only in its audit event.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.append_only import drop_append_only, make_append_only

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("caption", "forward_sender", "forward_chat", "forward_sent_at")


def upgrade() -> None:
    op.add_column("evidence_items", sa.Column("caption", sa.Text(), nullable=True))
    op.add_column("evidence_items", sa.Column("forward_sender", sa.String(255), nullable=True))
    op.add_column("evidence_items", sa.Column("forward_chat", sa.String(255), nullable=True))
    op.add_column(
        "evidence_items",
        sa.Column("forward_sent_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    # SQLite drops a column by copying the table, which loses its triggers: they are taken
    # off first and put back after, so the table stays append-only on every database.
    drop_append_only("evidence_items")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
    make_append_only("evidence_items")
