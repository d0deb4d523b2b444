"""attendance: punches with their verdicts, attendances (at most one open per person),
zones' Wi-Fi access points, org units' punch policies, the daily sheet and corrections.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attendance_policy",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "org_unit_id"],
            ["org_unit.tenant_id", "org_unit.id"],
            name=op.f("fk_attendance_policy_tenant_id_org_unit_id_org_unit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attendance_policy_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "org_unit_id", name=op.f("pk_attendance_policy")),
    )
    op.create_table(
        "attendance",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("in_punch_id", sa.Uuid(), nullable=False),
        sa.Column("in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("out_punch_id", sa.Uuid(), nullable=True),
        sa.Column("out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_automatically", sa.Boolean(), nullable=False),
        sa.Column("close_rule", sa.String(length=16), nullable=True),
        sa.CheckConstraint("out_at IS NULL OR out_at >= in_at", name=op.f("ck_attendance_period")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_attendance_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attendance_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attendance")),
    )
    op.create_index(
        "ix_attendance_tenant_id_staff_id_day",
        "attendance",
        ["tenant_id", "staff_id", "day"],
        unique=False,
    )
    op.create_index(
        "uq_attendance_open",
        "attendance",
        ["tenant_id", "staff_id"],
        unique=True,
        postgresql_where=sa.text("out_at IS NULL"),
    )
    op.create_table(
        "attendance_punch",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=True),
        sa.Column("punched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("mock", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=9), nullable=False),
        sa.Column("basis", sa.String(length=8), nullable=False),
        sa.Column("zone_id", sa.Uuid(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("wifi_bssid", sa.String(length=17), nullable=True),
        sa.Column("field", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("photo_id", sa.Uuid(), nullable=True),
        sa.Column("flags", postgresql.ARRAY(sa.String(length=16)), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("attendance_id", sa.Uuid(), nullable=True),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint("kind IN ('in', 'out')", name=op.f("ck_attendance_punch_kind")),
        sa.CheckConstraint(
            "status IN ('accepted', 'refused')", name=op.f("ck_attendance_punch_status")
        ),
        sa.CheckConstraint(
            "verdict IN ('inside', 'outside', 'uncertain')",
            name=op.f("ck_attendance_punch_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_attendance_punch_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attendance_punch_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attendance_punch")),
    )
    op.create_index(
        "ix_attendance_punch_tenant_id_field",
        "attendance_punch",
        ["tenant_id", "punched_at"],
        unique=False,
        postgresql_where=sa.text("field"),
    )
    op.create_index(
        "ix_attendance_punch_tenant_id_staff_id",
        "attendance_punch",
        ["tenant_id", "staff_id", "punched_at"],
        unique=False,
    )
    op.create_table(
        "zone_wifi",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("zone_id", sa.Uuid(), nullable=False),
        sa.Column("bssid", sa.String(length=17), nullable=False),
        sa.Column("ssid", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "zone_id"],
            ["zone.tenant_id", "zone.id"],
            name=op.f("fk_zone_wifi_tenant_id_zone_id_zone"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_zone_wifi_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_zone_wifi")),
        sa.UniqueConstraint(
            "tenant_id", "zone_id", "bssid", name=op.f("uq_zone_wifi_tenant_id_zone_id_bssid")
        ),
    )
    op.create_index(
        "ix_zone_wifi_tenant_id_bssid", "zone_wifi", ["tenant_id", "bssid"], unique=False
    )
    op.create_table(
        "attendance_day",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flags", postgresql.ARRAY(sa.String(length=24)), nullable=False),
        sa.Column("shift_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("shift_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_in", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_out", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worked_minutes", sa.Integer(), nullable=False),
        sa.Column("late_minutes", sa.Integer(), nullable=False),
        sa.Column("early_minutes", sa.Integer(), nullable=False),
        sa.Column("in_zone_minutes", sa.Integer(), nullable=False),
        sa.Column("off_zone_minutes", sa.Integer(), nullable=False),
        sa.Column("no_signal_minutes", sa.Integer(), nullable=False),
        sa.Column("leave_type", sa.String(length=64), nullable=True),
        sa.Column("leave_part", sa.String(length=4), nullable=True),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_attendance_day_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attendance_day_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attendance_day")),
        sa.UniqueConstraint(
            "tenant_id", "staff_id", "day", name=op.f("uq_attendance_day_tenant_id_staff_id_day")
        ),
    )
    op.create_index(
        "ix_attendance_day_tenant_id_day", "attendance_day", ["tenant_id", "day"], unique=False
    )
    op.create_table(
        "attendance_correction",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("punch_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('in', 'out')", name=op.f("ck_attendance_correction_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_attendance_correction_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attendance_correction_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attendance_correction")),
    )
    op.create_index(
        "ix_attendance_correction_tenant_id_staff_id",
        "attendance_correction",
        ["tenant_id", "staff_id", "day"],
        unique=False,
    )
    op.create_table(
        "attendance_period",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.Uuid(), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by", sa.Uuid(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "extract(day FROM month) = 1", name=op.f("ck_attendance_period_first_of_month")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attendance_period_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attendance_period")),
        sa.UniqueConstraint(
            "tenant_id", "month", name=op.f("uq_attendance_period_tenant_id_month")
        ),
    )


def downgrade() -> None:
    op.drop_table("attendance_period")
    op.drop_index("ix_attendance_correction_tenant_id_staff_id", table_name="attendance_correction")
    op.drop_table("attendance_correction")
    op.drop_index("ix_attendance_day_tenant_id_day", table_name="attendance_day")
    op.drop_table("attendance_day")
    op.drop_index("ix_zone_wifi_tenant_id_bssid", table_name="zone_wifi")
    op.drop_table("zone_wifi")
    op.drop_index("ix_attendance_punch_tenant_id_staff_id", table_name="attendance_punch")
    op.drop_index(
        "ix_attendance_punch_tenant_id_field",
        table_name="attendance_punch",
        postgresql_where=sa.text("field"),
    )
    op.drop_table("attendance_punch")
    op.drop_index(
        "uq_attendance_open", table_name="attendance", postgresql_where=sa.text("out_at IS NULL")
    )
    op.drop_index("ix_attendance_tenant_id_staff_id_day", table_name="attendance")
    op.drop_table("attendance")
    op.drop_table("attendance_policy")
