"""Reminders outbox, loaded holiday schedules, quarterly reports, record milestones.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "holiday_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_schedules")),
    )
    with op.batch_alter_table("holiday_schedules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_holiday_schedules_year"), ["year"], unique=False)

    op.create_table(
        "quarter_reports",
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_by_staff_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reported_by_staff_id"],
            ["staff.id"],
            name=op.f("fk_quarter_reports_reported_by_staff_id_staff"),
        ),
        sa.PrimaryKeyConstraint("quarter", name=op.f("pk_quarter_reports")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("quarter", sa.String(length=7), nullable=True),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipient_staff_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=100), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("repeat", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_staff_id"], ["staff.id"], name=op.f("fk_reminders_recipient_staff_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_reminders_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("key", name=op.f("uq_reminders_key")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reminders_recipient_staff_id"), ["recipient_staff_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reminders_record_id"), ["record_id"], unique=False)
        batch_op.create_index("ix_reminders_status_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("platform_entered_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("platform_ref", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("form_delivered_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_column("form_delivered_at")
        batch_op.drop_column("platform_ref")
        batch_op.drop_column("platform_entered_at")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_status_due")
        batch_op.drop_index(batch_op.f("ix_reminders_record_id"))
        batch_op.drop_index(batch_op.f("ix_reminders_recipient_staff_id"))

    op.drop_table("reminders")
    op.drop_table("quarter_reports")
    with op.batch_alter_table("holiday_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_holiday_schedules_year"))

    op.drop_table("holiday_schedules")
