"""inspections: versioned checklists, inspections of outlets with their answers, score and
grade, and corrective actions.

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant"), ondelete="CASCADE"
    )


def _ids() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
    ]


def _created() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "inspection_template",
        *_ids(),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scoring", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("sections", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        _created(),
        _tenant_fk("inspection_template"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_inspection_template")),
        sa.UniqueConstraint(
            "tenant_id", "key", "version", name=op.f("uq_inspection_template_tenant_id_key_version")
        ),
    )
    op.create_table(
        "inspection",
        *_ids(),
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.Column("accuracy_m", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=False),
        sa.Column("verification", sa.String(length=10), nullable=False),
        sa.Column("answers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("critical_failed", sa.Boolean(), nullable=False),
        _created(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_inspection_tenant_id_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_inspection_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "template_id"],
            ["inspection_template.tenant_id", "inspection_template.id"],
            name=op.f("fk_inspection_tenant_id_template_id_inspection_template"),
            ondelete="RESTRICT",
        ),
        _tenant_fk("inspection"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_inspection")),
    )
    op.create_index(
        "ix_inspection_tenant_id_customer_id_in_at",
        "inspection",
        ["tenant_id", "customer_id", "in_at"],
        unique=False,
    )
    op.create_index(
        "ix_inspection_tenant_id_in_at", "inspection", ["tenant_id", "in_at"], unique=False
    )
    op.create_table(
        "corrective_action",
        *_ids(),
        sa.Column("inspection_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=True),
        sa.Column("closed_by_inspection_id", sa.Uuid(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.ForeignKeyConstraint(
            ["tenant_id", "inspection_id"],
            ["inspection.tenant_id", "inspection.id"],
            name=op.f("fk_corrective_action_tenant_id_inspection_id_inspection"),
            ondelete="CASCADE",
        ),
        _tenant_fk("corrective_action"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_corrective_action")),
    )
    op.create_index(
        "ix_corrective_action_customer",
        "corrective_action",
        ["tenant_id", "customer_id", "item_key", "status"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_corrective_action_customer", table_name="corrective_action")
    op.drop_table("corrective_action")
    op.drop_index("ix_inspection_tenant_id_in_at", table_name="inspection")
    op.drop_index("ix_inspection_tenant_id_customer_id_in_at", table_name="inspection")
    op.drop_geospatial_table("inspection")
    op.drop_table("inspection_template")
