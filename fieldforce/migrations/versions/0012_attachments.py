"""attachments: files stored by content hash, and each use of one

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("uploader_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("subject_kind", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("attached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(subject_kind IS NULL) = (subject_id IS NULL)", name=op.f("ck_attachment_subject")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "uploader_id"],
            ["staff.tenant_id", "staff.id"],
            name=op.f("fk_attachment_tenant_id_uploader_id_staff"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_attachment_tenant_id_tenant"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_attachment")),
    )
    op.create_index("ix_attachment_sha256", "attachment", ["sha256"], unique=False)
    op.create_index(
        "ix_attachment_tenant_id_subject",
        "attachment",
        ["tenant_id", "subject_kind", "subject_id"],
        unique=False,
    )
    op.create_index(
        "ix_attachment_tenant_id_uploader_id",
        "attachment",
        ["tenant_id", "uploader_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_attachment_tenant_id_uploader_id", table_name="attachment")
    op.drop_index("ix_attachment_tenant_id_subject", table_name="attachment")
    op.drop_index("ix_attachment_sha256", table_name="attachment")
    op.drop_table("attachment")
