"""tracking: time-partitioned pings, latest positions, device reports

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "latest_position",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("ping_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column("fix_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("accuracy_m", sa.REAL(), nullable=True),
        sa.Column("speed_mps", sa.REAL(), nullable=True),
        sa.Column("bearing_deg", sa.REAL(), nullable=True),
        sa.Column("battery_pct", sa.REAL(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_latest_position_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_latest_position_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "staff_id", name=op.f("pk_latest_position")),
    )
    op.create_geospatial_index(
        "ix_latest_position_geom",
        "latest_position",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_geospatial_table(
        "ping",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("fix_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=True),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
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
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("accuracy_m", sa.REAL(), nullable=True),
        sa.Column("altitude_m", sa.REAL(), nullable=True),
        sa.Column("speed_mps", sa.REAL(), nullable=True),
        sa.Column("bearing_deg", sa.REAL(), nullable=True),
        sa.Column("battery_pct", sa.REAL(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=True),
        sa.Column("flags", sa.SmallInteger(), nullable=False),
        sa.Column("attributes", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_ping_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ping_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", "fix_time", name=op.f("pk_ping")),
        postgresql_partition_by="RANGE (fix_time)",
    )
    op.create_index(
        "ix_ping_tenant_id_staff_id_fix_time",
        "ping",
        ["tenant_id", "staff_id", "fix_time"],
        unique=False,
    )
    op.create_table(
        "device_report",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "device_id"],
            ["device.tenant_id", "device.id"],
            name=op.f("fk_device_report_tenant_id_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_device_report_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_device_report")),
    )
    op.create_index(
        "ix_device_report_tenant_id_device_id_received_at",
        "device_report",
        ["tenant_id", "device_id", "received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_device_report_tenant_id_device_id_received_at", table_name="device_report")
    op.drop_table("device_report")
    op.drop_index("ix_ping_tenant_id_staff_id_fix_time", table_name="ping")
    op.drop_geospatial_table("ping")
    op.drop_geospatial_index(
        "ix_latest_position_geom",
        table_name="latest_position",
        postgresql_using="gist",
        column_name="geom",
    )
    op.drop_geospatial_table("latest_position")
