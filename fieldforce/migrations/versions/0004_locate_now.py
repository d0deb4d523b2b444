"""locate now: requests for a fresh fix and the fix that answers them

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "locate_request",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column(
            "requested_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ping_id", sa.Uuid(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "device_id"],
            ["device.tenant_id", "device.id"],
            name=op.f("fk_locate_request_tenant_id_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_locate_request_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_locate_request")),
    )
    op.create_index(
        "ix_locate_request_tenant_id_staff_id",
        "locate_request",
        ["tenant_id", "staff_id", "requested_at"],
        unique=False,
    )
    op.create_index(
        "ix_locate_request_waiting",
        "locate_request",
        ["tenant_id", "device_id"],
        unique=False,
        postgresql_where=sa.text("delivered_at IS NULL AND channel = 'next_reply'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_locate_request_waiting",
        table_name="locate_request",
        postgresql_where=sa.text("delivered_at IS NULL AND channel = 'next_reply'"),
    )
    op.drop_index("ix_locate_request_tenant_id_staff_id", table_name="locate_request")
    op.drop_table("locate_request")
