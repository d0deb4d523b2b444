"""customers: customers and outlets with their stage, owner and place (WGS-84), and every
change of stage.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=10), nullable=False),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
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
        sa.Column("visit_radius_m", sa.Float(), nullable=False),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("contacts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=40)), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
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
            "visit_radius_m > 0 AND visit_radius_m <= 10000", name=op.f("ck_customer_visit_radius")
        ),
        sa.CheckConstraint(
            "stage IN ('prospect', 'intended', 'partner', 'lost')",
            name=op.f("ck_customer_stage_known"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "org_unit_id"],
            ["org_unit.tenant_id", "org_unit.id"],
            name=op.f("fk_customer_tenant_id_org_unit_id_org_unit"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_customer_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_customer_tenant_id_code")),
    )
    op.create_geospatial_index(
        "ix_customer_geom",
        "customer",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_index(
        "ix_customer_tenant_id_org_unit_id", "customer", ["tenant_id", "org_unit_id"], unique=False
    )
    op.create_index(
        "ix_customer_tenant_id_owner_id", "customer", ["tenant_id", "owner_id"], unique=False
    )
    op.create_index(
        "ix_customer_tenant_id_name_key", "customer", ["tenant_id", "name_key"], unique=False
    )
    op.create_table(
        "customer_stage_change",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.String(length=10), nullable=True),
        sa.Column("to_stage", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Uuid(), nullable=True),
        sa.Column("visit_id", sa.Uuid(), nullable=True),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_customer_stage_change_tenant_id_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_customer_stage_change_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_customer_stage_change")),
    )
    op.create_index(
        "ix_customer_stage_change_customer",
        "customer_stage_change",
        ["tenant_id", "customer_id", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_customer_stage_change_customer", table_name="customer_stage_change")
    op.drop_table("customer_stage_change")
    op.drop_index("ix_customer_tenant_id_name_key", table_name="customer")
    op.drop_index("ix_customer_tenant_id_owner_id", table_name="customer")
    op.drop_index("ix_customer_tenant_id_org_unit_id", table_name="customer")
    op.drop_geospatial_index(
        "ix_customer_geom", table_name="customer", postgresql_using="gist", column_name="geom"
    )
    op.drop_geospatial_table("customer")
