"""leave: types, allocations, the balance ledger and requests. The default leave types
are written at a tenant's first use, so no rows are written here.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leave_type",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("allow_negative", sa.Boolean(), nullable=False),
        sa.Column("max_consecutive_days", sa.Numeric(precision=7, scale=2), nullable=True),
        sa.Column("counts_holidays_and_rest_days", sa.Boolean(), nullable=False),
        sa.Column(
            "attachment_required_above_days", sa.Numeric(precision=7, scale=2), nullable=True
        ),
        sa.Column("half_days_allowed", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_leave_type_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_leave_type")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_leave_type_tenant_id_code")),
    )
    op.create_table(
        "leave_allocation",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("leave_type_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("days", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("carried_days", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("carry_expires_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "leave_type_id"],
            ["leave_type.tenant_id", "leave_type.id"],
            name=op.f("fk_leave_allocation_tenant_id_leave_type_id_leave_type"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_leave_allocation_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_leave_allocation_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_leave_allocation")),
        sa.UniqueConstraint(
            "tenant_id",
            "staff_id",
            "leave_type_id",
            "year",
            name=op.f("uq_leave_allocation_tenant_id_staff_id_leave_type_id_year"),
        ),
    )
    op.create_table(
        "leave_ledger",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("leave_type_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("allocation_id", sa.Uuid(), nullable=True),
        sa.Column("on_day", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('allocation', 'carry_over', 'taken', 'restored', 'adjustment')",
            name=op.f("ck_leave_ledger_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "leave_type_id"],
            ["leave_type.tenant_id", "leave_type.id"],
            name=op.f("fk_leave_ledger_tenant_id_leave_type_id_leave_type"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_leave_ledger_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_leave_ledger_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_leave_ledger")),
    )
    op.create_index(
        "ix_leave_ledger_tenant_id_staff_id",
        "leave_ledger",
        ["tenant_id", "staff_id", "leave_type_id", "year", "at"],
        unique=False,
    )
    op.create_table(
        "leave_request",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("leave_type_id", sa.Uuid(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("start_half", sa.String(length=2), nullable=True),
        sa.Column("end_half", sa.String(length=2), nullable=True),
        sa.Column("days", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("parts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("cancel_approval_id", sa.Uuid(), nullable=True),
        sa.Column("attachment_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'in_approval', 'approved', 'rejected', 'returned', 'withdrawn', 'cancelled')",
            name=op.f("ck_leave_request_status"),
        ),
        sa.CheckConstraint('"end" >= start', name=op.f("ck_leave_request_period")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "leave_type_id"],
            ["leave_type.tenant_id", "leave_type.id"],
            name=op.f("fk_leave_request_tenant_id_leave_type_id_leave_type"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_leave_request_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_leave_request_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_leave_request")),
    )
    op.create_index(
        "ix_leave_request_tenant_id_created_at",
        "leave_request",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_leave_request_tenant_id_staff_id",
        "leave_request",
        ["tenant_id", "staff_id", "start"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("leave_request")
    op.drop_table("leave_ledger")
    op.drop_table("leave_allocation")
    op.drop_table("leave_type")
