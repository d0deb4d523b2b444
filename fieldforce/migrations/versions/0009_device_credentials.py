"""device identifiers are credentials: only their SHA-256 is stored, with a short
fingerprint (first and last four characters) for lists and logs

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("device", sa.Column("identifier_hash", sa.String(length=64), nullable=True))
    op.add_column("device", sa.Column("fingerprint", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE device"
        "   SET identifier_hash = encode(sha256(convert_to(identifier, 'UTF8')), 'hex'),"
        "       fingerprint = left(identifier, 4) || '…' || right(identifier, 4)"
    )
    op.alter_column("device", "identifier_hash", nullable=False)
    op.alter_column("device", "fingerprint", nullable=False)
    op.drop_index("ix_device_identifier", table_name="device")
    op.drop_constraint("uq_device_tenant_id_identifier", "device", type_="unique")
    op.drop_column("device", "identifier")
    op.create_unique_constraint(
        op.f("uq_device_tenant_id_identifier_hash"), "device", ["tenant_id", "identifier_hash"]
    )
    op.create_index("ix_device_identifier_hash", "device", ["identifier_hash"], unique=False)


def downgrade() -> None:
    """The identifiers cannot come back: each device gets its hash as identifier, which
    no app knows, so tracker apps and phones must be given new credentials."""
    op.drop_index("ix_device_identifier_hash", table_name="device")
    op.drop_constraint(op.f("uq_device_tenant_id_identifier_hash"), "device", type_="unique")
    op.add_column("device", sa.Column("identifier", sa.String(length=64), nullable=True))
    op.execute("UPDATE device SET identifier = identifier_hash")
    op.alter_column("device", "identifier", nullable=False)
    op.drop_column("device", "fingerprint")
    op.drop_column("device", "identifier_hash")
    op.create_unique_constraint(
        "uq_device_tenant_id_identifier", "device", ["tenant_id", "identifier"]
    )
    op.create_index("ix_device_identifier", "device", ["identifier"], unique=False)
