"""SMS fallback: a gateway per tenant; outbox messages by channel (push or SMS)

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DUE = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.add_column(
        "tenant", sa.Column("sms_gateway", postgresql.JSONB(astext_type=sa.Text()), nullable=True)
    )
    op.add_column(
        "outbox_message",
        sa.Column("channel", sa.String(length=8), server_default="push", nullable=False),
    )
    op.add_column("outbox_message", sa.Column("phone", sa.String(length=32), nullable=True))
    op.alter_column("outbox_message", "device_id", existing_type=sa.Uuid(), nullable=True)
    op.create_check_constraint(
        op.f("ck_outbox_message_channel_target"),
        "outbox_message",
        "(channel = 'push' AND device_id IS NOT NULL) OR (channel = 'sms' AND phone IS NOT NULL)",
    )
    op.drop_index("ix_outbox_message_due", table_name="outbox_message", postgresql_where=_DUE)
    op.create_index(
        "ix_outbox_message_due",
        "outbox_message",
        ["channel", "next_attempt_at"],
        unique=False,
        postgresql_where=_DUE,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_message_due", table_name="outbox_message", postgresql_where=_DUE)
    op.create_index(
        "ix_outbox_message_due",
        "outbox_message",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=_DUE,
    )
    op.execute("DELETE FROM outbox_message WHERE channel <> 'push'")
    op.drop_constraint(op.f("ck_outbox_message_channel_target"), "outbox_message", type_="check")
    op.alter_column("outbox_message", "device_id", existing_type=sa.Uuid(), nullable=False)
    op.drop_column("outbox_message", "phone")
    op.drop_column("outbox_message", "channel")
    op.drop_column("tenant", "sms_gateway")
