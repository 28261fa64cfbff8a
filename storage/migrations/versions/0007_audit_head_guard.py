"""The audit chain's head guarded: never deleted or doubled, only moved one step forward.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

from storage.append_only import HEAD, drop_append_only, make_append_only

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    make_append_only(HEAD)


def downgrade() -> None:
    drop_append_only(HEAD)
