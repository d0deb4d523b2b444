"""approvals: flow definitions per tenant and request kind (versioned), the requests going
through them with their history, and delegations. The default flow of each kind is
written at a tenant's first use, so no rows are written here.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "approval_flow",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("steps", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("restart", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_approval_flow_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_approval_flow")),
        sa.UniqueConstraint(
            "tenant_id", "kind", "version", name=op.f("uq_approval_flow_tenant_id_kind_version")
        ),
    )
    op.create_table(
        "approval_delegation",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("delegator_id", sa.Uuid(), nullable=False),
        sa.Column("delegate_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "delegate_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_approval_delegation_tenant_id_delegate_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "delegator_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_approval_delegation_tenant_id_delegator_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_approval_delegation_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_approval_delegation")),
    )
    op.create_index(
        "ix_approval_delegation_tenant_id_delegate_id",
        "approval_delegation",
        ["tenant_id", "delegate_id", "ends_at"],
        unique=False,
    )
    op.create_index(
        "ix_approval_delegation_tenant_id_delegator_id",
        "approval_delegation",
        ["tenant_id", "delegator_id", "ends_at"],
        unique=False,
    )
    op.create_table(
        "approval_request",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("flow_id", sa.Uuid(), nullable=False),
        sa.Column("facts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("approver_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("involved_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("waiting_since", sa.DateTime(timezone=True), nullable=True),
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
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "flow_id"],
            ["approval_flow.tenant_id", "approval_flow.id"],
            name=op.f("fk_approval_request_tenant_id_flow_id_approval_flow"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "requester_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_approval_request_tenant_id_requester_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_approval_request_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_approval_request")),
    )
    op.create_index(
        "ix_approval_request_approver_ids",
        "approval_request",
        ["approver_ids"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_approval_request_involved_ids",
        "approval_request",
        ["involved_ids"],
        unique=False,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_approval_request_tenant_id_created_at",
        "approval_request",
        ["tenant_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_approval_request_tenant_id_requester_id",
        "approval_request",
        ["tenant_id", "requester_id"],
        unique=False,
    )
    op.create_index(
        "ix_approval_request_tenant_id_subject_id",
        "approval_request",
        ["tenant_id", "subject_id"],
        unique=False,
    )
    op.create_index(
        "ix_approval_request_waiting",
        "approval_request",
        ["waiting_since"],
        unique=False,
        postgresql_where=sa.text("status = 'in_approval'"),
    )
    op.create_table(
        "approval_event",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("on_behalf_of_id", sa.Uuid(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "request_id"],
            ["approval_request.tenant_id", "approval_request.id"],
            name=op.f("fk_approval_event_tenant_id_request_id_approval_request"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_approval_event_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_approval_event")),
    )
    op.create_index(
        "ix_approval_event_tenant_id_request_id",
        "approval_event",
        ["tenant_id", "request_id", "at"],
        unique=False,
    )
    op.create_index(
        "uq_approval_event_decision",
        "approval_event",
        ["tenant_id", "request_id", "round", "step", "level"],
        unique=True,
        postgresql_where=sa.text("action IN ('approve', 'reject', 'return')"),
    )


def downgrade() -> None:
    op.drop_table("approval_event")
    op.drop_table("approval_request")
    op.drop_table("approval_delegation")
    op.drop_table("approval_flow")
