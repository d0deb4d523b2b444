"""One row per upload: who uploaded which bytes (by content hash) and, once a leave
request, a claim line or a visit references it, what it is attached to."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base, TenantOwned


class SubjectKind(StrEnum):
    """What an attachment can belong to: a closed list that grows with the domains using
    attachments (each says who may see its attachments, see ``fieldforce.flows``)."""

    LEAVE_REQUEST = "leave_request"
    TRAVEL_CLAIM = "travel_claim"
    TRAVEL_LINE = "travel_line"
    VISIT = "visit"
    ATTENDANCE_PUNCH = "attendance_punch"
    INSPECTION = "inspection"


class Attachment(TenantOwned, Base):
    __tablename__ = "attachment"

    uploader_id: Mapped[uuid.UUID]
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    width: Mapped[int | None] = mapped_column(Integer)  # images Pillow reads
    height: Mapped[int | None] = mapped_column(Integer)
    subject_kind: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[uuid.UUID | None]
    attached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )

    @property
    def has_thumbnail(self) -> bool:
        """Images Pillow reads (JPEG, PNG, WebP) have one; HEIC images and PDFs do not."""
        return self.width is not None

    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "uploader_id"], ["staff.tenant_id", "staff.id"], ondelete="CASCADE"
        ),
        CheckConstraint("(subject_kind IS NULL) = (subject_id IS NULL)", name="subject"),
        Index("ix_attachment_tenant_id_subject", "tenant_id", "subject_kind", "subject_id"),
        Index("ix_attachment_tenant_id_uploader_id", "tenant_id", "uploader_id"),
        Index("ix_attachment_sha256", "sha256"),
    )
