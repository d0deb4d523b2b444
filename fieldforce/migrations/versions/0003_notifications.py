"""notifications: the in-app inbox, business notices, tasks and the push outbox

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox_item",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "recipient_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_inbox_item_tenant_id_recipient_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_inbox_item_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_inbox_item")),
    )
    op.create_index(
        "ix_inbox_item_recipient_created",
        "inbox_item",
        ["tenant_id", "recipient_id", "created_at", "id"],
        unique=False,
    )
    op.create_index("ix_inbox_item_source", "inbox_item", ["tenant_id", "source_id"], unique=False)
    op.create_index(
        "ix_inbox_item_unread",
        "inbox_item",
        ["tenant_id", "recipient_id"],
        unique=False,
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "notice",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("sender_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "sender_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_notice_tenant_id_sender_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_notice_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_notice")),
    )
    op.create_index(
        "ix_notice_due",
        "notice",
        ["send_at"],
        unique=False,
        postgresql_where=sa.text("sent_at IS NULL AND cancelled_at IS NULL"),
    )
    op.create_index(
        "ix_notice_tenant_id_created_at", "notice", ["tenant_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "task",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("assigner_id", sa.Uuid(), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["tenant_id", "assignee_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_task_tenant_id_assignee_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_task_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_task")),
    )
    op.create_index(
        "ix_task_due",
        "task",
        ["due_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('open', 'acknowledged') AND reminded_at IS NULL"),
    )
    op.create_index(
        "ix_task_tenant_id_assignee_id_status",
        "task",
        ["tenant_id", "assignee_id", "status"],
        unique=False,
    )
    op.create_index(
        "ix_task_tenant_id_created_at", "task", ["tenant_id", "created_at", "id"], unique=False
    )
    op.create_table(
        "outbox_message",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("recipient_id", sa.Uuid(), nullable=False),
        sa.Column("device_id", sa.Uuid(), nullable=False),
        sa.Column("inbox_item_id", sa.Uuid(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(length=200), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "device_id"],
            ["device.tenant_id", "device.id"],
            name=op.f("fk_outbox_message_tenant_id_device_id_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_outbox_message_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint(
            "tenant_id", "idempotency_key", name=op.f("uq_outbox_message_tenant_id_idempotency_key")
        ),
    )
    op.create_index(
        "ix_outbox_message_due",
        "outbox_message",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.create_table(
        "task_event",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "task_id"],
            ["task.tenant_id", "task.id"],
            name=op.f("fk_task_event_tenant_id_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_task_event_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_task_event")),
    )
    op.create_index(
        "ix_task_event_tenant_id_task_id",
        "task_event",
        ["tenant_id", "task_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_task_event_tenant_id_task_id", table_name="task_event")
    op.drop_table("task_event")
    op.drop_index(
        "ix_outbox_message_due",
        table_name="outbox_message",
        postgresql_where=sa.text("status IN ('pending', 'sending')"),
    )
    op.drop_table("outbox_message")
    op.drop_index("ix_task_tenant_id_created_at", table_name="task")
    op.drop_index("ix_task_tenant_id_assignee_id_status", table_name="task")
    op.drop_index(
        "ix_task_due",
        table_name="task",
        postgresql_where=sa.text("status IN ('open', 'acknowledged') AND reminded_at IS NULL"),
    )
    op.drop_table("task")
    op.drop_index("ix_notice_tenant_id_created_at", table_name="notice")
    op.drop_index(
        "ix_notice_due",
        table_name="notice",
        postgresql_where=sa.text("sent_at IS NULL AND cancelled_at IS NULL"),
    )
    op.drop_table("notice")
    op.drop_index(
        "ix_inbox_item_unread", table_name="inbox_item", postgresql_where=sa.text("read_at IS NULL")
    )
    op.drop_index("ix_inbox_item_source", table_name="inbox_item")
    op.drop_index("ix_inbox_item_recipient_created", table_name="inbox_item")
    op.drop_table("inbox_item")
