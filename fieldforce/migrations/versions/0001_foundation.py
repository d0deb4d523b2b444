"""foundation: tenants, org tree, staff, devices, audit trail, login attempts

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fieldforce.db import LTree

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.execute("CREATE EXTENSION IF NOT EXISTS ltree")
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("login_key", sa.String(length=200), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index("ix_login_attempt_ip_at", "login_attempt", ["ip", "at"], unique=False)
    op.create_index(
        "ix_login_attempt_login_key_at", "login_attempt", ["login_key", "at"], unique=False
    )
    op.create_table(
        "tenant",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("settings", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("modules", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant")),
        sa.UniqueConstraint("name", name=op.f("uq_tenant_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenant_slug")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_audit_entry_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_audit_entry")),
    )
    op.create_index(
        "ix_audit_entry_tenant_id_at", "audit_entry", ["tenant_id", "at", "id"], unique=False
    )
    op.create_index(
        "ix_audit_entry_tenant_id_entity_id",
        "audit_entry",
        ["tenant_id", "entity_id"],
        unique=False,
    )
    op.create_table(
        "org_unit",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("path", LTree(), nullable=False),
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
        sa.ForeignKeyConstraint(
            ["tenant_id", "parent_id"],
            ["org_unit.tenant_id", "org_unit.id"],
            name=op.f("fk_org_unit_tenant_id_parent_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_org_unit_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_org_unit")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_org_unit_tenant_id_code")),
    )
    op.create_index("ix_org_unit_path", "org_unit", ["path"], unique=False, postgresql_using="gist")
    op.create_index(
        "ix_org_unit_tenant_id_parent_id", "org_unit", ["tenant_id", "parent_id"], unique=False
    )
    op.create_index(
        "uq_org_unit_tenant_id_root",
        "org_unit",
        ["tenant_id"],
        unique=True,
        postgresql_where=sa.text("parent_id IS NULL"),
    )
    op.create_table(
        "staff",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("employee_code", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("org_unit_id", sa.Uuid(), nullable=False),
        sa.Column("manager_id", sa.Uuid(), nullable=True),
        sa.Column("roles", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["tenant_id", "manager_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_staff_tenant_id_manager_id_staff"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "org_unit_id"],
            ["org_unit.tenant_id", "org_unit.id"],
            name=op.f("fk_staff_tenant_id_org_unit_id_org_unit"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_staff_tenant_id_tenant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_staff")),
        sa.UniqueConstraint(
            "tenant_id", "employee_code", name=op.f("uq_staff_tenant_id_employee_code")
        ),
        sa.UniqueConstraint("tenant_id", "login", name=op.f("uq_staff_tenant_id_login")),
    )
    op.create_index(
        "ix_staff_tenant_id_manager_id", "staff", ["tenant_id", "manager_id"], unique=False
    )
    op.create_index("ix_staff_tenant_id_name", "staff", ["tenant_id", "name", "id"], unique=False)
    op.create_index(
        "ix_staff_tenant_id_org_unit_id", "staff", ["tenant_id", "org_unit_id"], unique=False
    )
    op.create_table(
        "device",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("staff_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("identifier", sa.String(length=64), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("fcm_token", sa.String(length=4096), nullable=True),
        sa.Column("fcm_token_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
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
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_device_tenant_id_staff_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_device_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_device")),
        sa.UniqueConstraint("tenant_id", "identifier", name=op.f("uq_device_tenant_id_identifier")),
    )
    op.create_index("ix_device_identifier", "device", ["identifier"], unique=False)
    op.create_index(
        "ix_device_tenant_id_staff_id", "device", ["tenant_id", "staff_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_device_tenant_id_staff_id", table_name="device")
    op.drop_index("ix_device_identifier", table_name="device")
    op.drop_table("device")
    op.drop_index("ix_staff_tenant_id_org_unit_id", table_name="staff")
    op.drop_index("ix_staff_tenant_id_name", table_name="staff")
    op.drop_index("ix_staff_tenant_id_manager_id", table_name="staff")
    op.drop_table("staff")
    op.drop_index(
        "uq_org_unit_tenant_id_root",
        table_name="org_unit",
        postgresql_where=sa.text("parent_id IS NULL"),
    )
    op.drop_index("ix_org_unit_tenant_id_parent_id", table_name="org_unit")
    op.drop_index("ix_org_unit_path", table_name="org_unit", postgresql_using="gist")
    op.drop_table("org_unit")
    op.drop_index("ix_audit_entry_tenant_id_entity_id", table_name="audit_entry")
    op.drop_index("ix_audit_entry_tenant_id_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_table("tenant")
    op.drop_index("ix_login_attempt_login_key_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_ip_at", table_name="login_attempt")
    op.drop_table("login_attempt")
