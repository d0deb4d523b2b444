"""off-zone monitoring: per-person monitor state and zone events

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitor_state",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("duty_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duty_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("zone_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("zone_key", sa.String(length=64), nullable=True),
        sa.Column("machine", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('in_zone', 'off_zone', 'no_signal', 'off_duty', 'unknown')",
            name=op.f("ck_monitor_state_status"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_monitor_state_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_monitor_state_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "staff_id", name=op.f("pk_monitor_state")),
    )
    op.create_index(
        "ix_monitor_state_next_check_at", "monitor_state", ["next_check_at"], unique=False
    )
    op.create_table(
        "zone_event",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("zone_id", sa.Uuid(), nullable=True),
        sa.Column("shift_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("retracted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "type IN ('off_zone', 'no_signal', 'late_arrival')", name=op.f("ck_zone_event_type")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_zone_event_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_zone_event_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_zone_event")),
        sa.UniqueConstraint(
            "tenant_id",
            "staff_id",
            "type",
            "started_at",
            name=op.f("uq_zone_event_tenant_id_staff_id_type_started_at"),
        ),
    )
    op.create_index(
        "ix_zone_event_tenant_id_started_at",
        "zone_event",
        ["tenant_id", "started_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_zone_event_tenant_id_started_at", table_name="zone_event")
    op.drop_table("zone_event")
    op.drop_index("ix_monitor_state_next_check_at", table_name="monitor_state")
    op.drop_table("monitor_state")
