"""A record keeps what the other behaviour was when Art. 9 item (14) is among its items.

Item (14), "other behaviour that should be reported specially", names no behaviour: the
judge says which, in words, and the record keeps them beside the item.

Revision ID: chat_art9_other
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("records", sa.Column("art9_other", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("art9_other")
