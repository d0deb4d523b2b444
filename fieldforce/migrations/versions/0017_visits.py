"""visits: check-in and check-out where the customer is, verified by distance, one open
visit per person.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _point(name: str, *, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        name,
        Geometry(
            geometry_type="POINT",
            srid=4326,
            dimension=2,
            spatial_index=False,
            from_text="ST_GeomFromEWKT",
            name="geometry",
            nullable=nullable,
        ),
        nullable=nullable,
    )


def upgrade() -> None:
    op.create_table(
        "visit",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("previous_visit_id", sa.Uuid(), nullable=True),
        sa.Column("in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("in_received_at", sa.DateTime(timezone=True), nullable=False),
        _point("in_geom", nullable=False),
        sa.Column("in_accuracy_m", sa.Float(), nullable=True),
        sa.Column("in_distance_m", sa.Float(), nullable=False),
        sa.Column("in_verification", sa.String(length=10), nullable=False),
        sa.Column("mock", sa.Boolean(), nullable=False),
        sa.Column("out_at", sa.DateTime(timezone=True), nullable=True),
        _point("out_geom", nullable=True),
        sa.Column("out_accuracy_m", sa.Float(), nullable=True),
        sa.Column("out_distance_m", sa.Float(), nullable=True),
        sa.Column("out_verification", sa.String(length=10), nullable=True),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("stage_to", sa.String(length=10), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_task_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "type IN ('routine', 'cold', 'follow_up')", name=op.f("ck_visit_type_known")
        ),
        sa.CheckConstraint("out_at IS NULL OR out_at >= in_at", name=op.f("ck_visit_out_after_in")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_visit_tenant_id_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_visit_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_visit_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_visit")),
    )
    op.create_index(
        "uq_visit_one_open",
        "visit",
        ["tenant_id", "staff_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_visit_tenant_id_staff_id_in_at",
        "visit",
        ["tenant_id", "staff_id", "in_at"],
        unique=False,
    )
    op.create_index(
        "ix_visit_tenant_id_customer_id_in_at",
        "visit",
        ["tenant_id", "customer_id", "in_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_visit_tenant_id_customer_id_in_at", table_name="visit")
    op.drop_index("ix_visit_tenant_id_staff_id_in_at", table_name="visit")
    op.drop_index(
        "uq_visit_one_open", table_name="visit", postgresql_where=sa.text("status = 'open'")
    )
    op.drop_geospatial_table("visit")
