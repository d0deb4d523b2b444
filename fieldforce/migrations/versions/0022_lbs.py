"""the operator's LBS platform: the tenant's gateway, people's consent, the requests.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owned(table: str) -> list[Any]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f(f"fk_{table}_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f(f"fk_{table}_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.add_column(
        "tenant", sa.Column("lbs_gateway", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.alter_column("locate_request", "device_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column("latest_position", sa.Column("source", sa.String(length=8), nullable=True))
    op.add_column(
        "latest_position",
        sa.Column("good", sa.Boolean(), server_default=sa.text("true"), nullable=False),
    )
    op.create_table(
        "lbs_consent",
        *_owned("lbs_consent"),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.UniqueConstraint(
            "tenant_id", "staff_id", name=op.f("uq_lbs_consent_tenant_id_staff_id")
        ),
    )
    op.create_table(
        "lbs_request",
        *_owned("lbs_request"),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=8), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=True),
        sa.Column("locate_request_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ping_id", sa.Uuid(), nullable=True),
        sa.Column("fix_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("accuracy_m", sa.Float(), nullable=True),
    )
    op.create_index("ix_lbs_request_staff", "lbs_request", ["tenant_id", "staff_id", "created_at"])
    op.create_index("ix_lbs_request_day", "lbs_request", ["tenant_id", "created_at"])
    op.create_index(
        "ix_lbs_request_due",
        "lbs_request",
        ["created_at"],
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )


def downgrade() -> None:
    op.drop_table("lbs_request")
    op.drop_table("lbs_consent")
    op.execute("DELETE FROM locate_request WHERE device_id IS NULL")
    op.alter_column("locate_request", "device_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_column("latest_position", "good")
    op.drop_column("latest_position", "source")
    op.drop_column("tenant", "lbs_gateway")
