"""recurring plans: a customer in a person's plan every N weeks.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_plan_rule",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("every_weeks", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("stopped_on", sa.Date(), nullable=True),
        sa.Column("planned_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('visit', 'inspection')", name=op.f("ck_work_plan_rule_kind_known")
        ),
        sa.CheckConstraint(
            "every_weeks BETWEEN 1 AND 52", name=op.f("ck_work_plan_rule_every_weeks_range")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customer.tenant_id", "customer.id"],
            name=op.f("fk_work_plan_rule_tenant_id_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_work_plan_rule_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_work_plan_rule_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_work_plan_rule")),
    )
    op.create_index(
        "uq_work_plan_rule_running",
        "work_plan_rule",
        ["tenant_id", "staff_id", "customer_id", "kind"],
        unique=True,
        postgresql_where=sa.text("stopped_on IS NULL"),
    )
    op.create_index(
        "ix_work_plan_rule_due",
        "work_plan_rule",
        ["planned_until"],
        postgresql_where=sa.text("stopped_on IS NULL"),
    )
    op.add_column("work_plan_stop", sa.Column("rule_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("work_plan_stop", "rule_id")
    op.drop_index("ix_work_plan_rule_due", table_name="work_plan_rule")
    op.drop_index("uq_work_plan_rule_running", table_name="work_plan_rule")
    op.drop_table("work_plan_rule")
