"""Records: every intake field, co-signers, amendments (append-only) and yearly numbering.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.append_only import drop_append_only, make_append_only

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "record_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_record_counters")),
    )
    op.create_table(
        "record_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=False),
        sa.Column("new_value", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_staff_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["by_staff_id"], ["staff.id"], name=op.f("fk_record_amendments_by_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_amendments_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_amendments")),
    )
    with op.batch_alter_table("record_amendments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_amendments_record_id"), ["record_id"], unique=False
        )

    op.create_table(
        "record_cosigners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_cosigners_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_record_cosigners_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_cosigners")),
        sa.UniqueConstraint("record_id", "staff_id", name=op.f("uq_record_cosigners_record_id")),
    )
    with op.batch_alter_table("record_cosigners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_cosigners_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_record_cosigners_staff_id"), ["staff_id"], unique=False
        )

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("received_confirmed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdraw_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("inquiry_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("channel", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("channel_other", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("inquirer_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("inquirer_unit", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("inquirer_position", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("unit_category", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("retired", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("main_leader", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("intermediary", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("intermediary_name", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("intermediary_relation", sa.String(length=100), nullable=True)
        )
        batch_op.add_column(sa.Column("case_name", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("case_number", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("case_not_filed", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("summary", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("art9_items", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("serious", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("place", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("persons_present", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("material_route", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("originals_destination", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("originals_note", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("cosigners_done", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("serious_alerted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("upward_listed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_records_case_number"), ["case_number"], unique=False)

    make_append_only("record_amendments")


def downgrade() -> None:
    drop_append_only("record_amendments")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_case_number"))
        batch_op.drop_column("upward_listed_at")
        batch_op.drop_column("serious_alerted_at")
        batch_op.drop_column("cosigners_done")
        batch_op.drop_column("originals_note")
        batch_op.drop_column("originals_destination")
        batch_op.drop_column("material_route")
        batch_op.drop_column("persons_present")
        batch_op.drop_column("place")
        batch_op.drop_column("serious")
        batch_op.drop_column("art9_items")
        batch_op.drop_column("summary")
        batch_op.drop_column("case_not_filed")
        batch_op.drop_column("case_number")
        batch_op.drop_column("case_name")
        batch_op.drop_column("intermediary_relation")
        batch_op.drop_column("intermediary_name")
        batch_op.drop_column("intermediary")
        batch_op.drop_column("main_leader")
        batch_op.drop_column("retired")
        batch_op.drop_column("unit_category")
        batch_op.drop_column("inquirer_position")
        batch_op.drop_column("inquirer_unit")
        batch_op.drop_column("inquirer_name")
        batch_op.drop_column("channel_other")
        batch_op.drop_column("channel")
        batch_op.drop_column("inquiry_at")
        batch_op.drop_column("withdraw_reason")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("received_confirmed")
        batch_op.drop_column("kind")

    with op.batch_alter_table("record_cosigners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_cosigners_staff_id"))
        batch_op.drop_index(batch_op.f("ix_record_cosigners_record_id"))

    op.drop_table("record_cosigners")
    with op.batch_alter_table("record_amendments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_amendments_record_id"))

    op.drop_table("record_amendments")
    op.drop_table("record_counters")
