"""Evidence: content-addressed blobs and the items that link them to records, append-only.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.append_only import drop_append_only, make_append_only

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("damaged", sa.Boolean(), nullable=False),
        sa.Column("damage_reason", sa.String(length=40), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_evidence_blobs")),
    )
    with op.batch_alter_table("evidence_blobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_blobs_kind"), ["kind"], unique=False)

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=True),
        sa.Column("declared_mime", sa.String(length=100), nullable=True),
        sa.Column("declared_size", sa.BigInteger(), nullable=True),
        sa.Column("transport", sa.String(length=20), nullable=False),
        sa.Column("transport_file_id", sa.String(length=255), nullable=True),
        sa.Column("source_message_id", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("over_cap", sa.Boolean(), nullable=False),
        sa.Column("unavailable_reason", sa.String(length=40), nullable=True),
        sa.Column("disguised", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_evidence_items_added_by_staff_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["blob_sha256"],
            ["evidence_blobs.sha256"],
            name=op.f("fk_evidence_items_blob_sha256_evidence_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_evidence_items_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
    )
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evidence_items_blob_sha256"), ["blob_sha256"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_evidence_items_record_id"), ["record_id"], unique=False
        )

    make_append_only("evidence_blobs")
    make_append_only("evidence_items")


def downgrade() -> None:
    drop_append_only("evidence_items")
    drop_append_only("evidence_blobs")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_items_record_id"))
        batch_op.drop_index(batch_op.f("ix_evidence_items_blob_sha256"))

    op.drop_table("evidence_items")
    with op.batch_alter_table("evidence_blobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_blobs_kind"))

    op.drop_table("evidence_blobs")
