"""Reply outbox: the replies a message's transaction owes, sent after it commits.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=100), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_outbox")),
    )
    with op.batch_alter_table("reply_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reply_outbox_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reply_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_outbox_created_at"))
    op.drop_table("reply_outbox")
