"""travel claims: trips, legs, expense lines and their GPS verification

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _owned() -> list[sa.Column[object]]:
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
    ]


def _tenant(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{name}_tenant_id_tenant"), ondelete="CASCADE"
    )


def _staff(name: str, column: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        ["staff.tenant_id", "staff.id"],
        name=op.f(f"fk_{name}_tenant_id_{column}_staff"),
        ondelete=ondelete,
    )


def _claim(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", "claim_id"],
        ["travel_claim.tenant_id", "travel_claim.id"],
        name=op.f(f"fk_{name}_tenant_id_claim_id_travel_claim"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "travel_claim",
        *_owned(),
        sa.Column("requester_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("verification_computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification_stale", sa.Boolean(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_by_id", sa.Uuid(), nullable=True),
        sa.Column("paid_batch_id", sa.Uuid(), nullable=True),
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
            ["tenant_id", "approval_id"],
            ["approval_request.tenant_id", "approval_request.id"],
            name=op.f("fk_travel_claim_tenant_id_approval_id_approval_request"),
        ),
        _staff("travel_claim", "paid_by_id"),
        _staff("travel_claim", "requester_id", "CASCADE"),
        _tenant("travel_claim"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_travel_claim")),
    )
    op.create_index(
        "ix_travel_claim_tenant_id_requester_id_period",
        "travel_claim",
        ["tenant_id", "requester_id", "start_date", "end_date"],
    )
    op.create_index(
        "ix_travel_claim_tenant_id_created_at", "travel_claim", ["tenant_id", "created_at", "id"]
    )
    op.create_index("ix_travel_claim_tenant_id_paid_at", "travel_claim", ["tenant_id", "paid_at"])

    op.create_table(
        "travel_leg",
        *_owned(),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT", srid=4326, spatial_index=False, from_text="ST_GeomFromEWKT"
            ),
            nullable=False,
        ),
        sa.Column("day", sa.Date(), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=True),
        sa.Column("city_tier", sa.SmallInteger(), nullable=True),
        _claim("travel_leg"),
        _tenant("travel_leg"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_travel_leg")),
    )
    op.create_index(
        "ix_travel_leg_tenant_id_claim_id", "travel_leg", ["tenant_id", "claim_id", "position"]
    )

    op.create_table(
        "travel_line",
        *_owned(),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(12, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("claimed_km", sa.Numeric(9, 1), nullable=True),
        sa.Column("limit_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("over_limit", sa.Boolean(), nullable=False),
        sa.Column("sanctioned_amount", sa.Numeric(12, 2), nullable=True),
        sa.Column("sanction_reason", sa.Text(), nullable=True),
        sa.Column("sanctioned_by_id", sa.Uuid(), nullable=True),
        # the receipt in the attachments store: no foreign key, that store is its own domain
        sa.Column("receipt_attachment_id", sa.Uuid(), nullable=True),
        _claim("travel_line"),
        _staff("travel_line", "sanctioned_by_id"),
        _tenant("travel_line"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_travel_line")),
    )
    op.create_index(
        "ix_travel_line_tenant_id_claim_id", "travel_line", ["tenant_id", "claim_id", "position"]
    )


def downgrade() -> None:
    op.drop_table("travel_line")
    op.drop_table("travel_leg")
    op.drop_table("travel_claim")
