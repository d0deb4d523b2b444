from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import Field

from api.schemas.common import ORM


class AttachmentOut(ORM):
    id: uuid.UUID
    uploader_id: uuid.UUID
    filename: str = Field(description="the uploaded file's name, cleaned")
    content_type: str = Field(description="judged from the content, never from the name")
    size_bytes: int
    sha256: str
    width: int | None = Field(description="images: width in pixels as stored")
    height: int | None
    has_thumbnail: bool
    subject_kind: str | None = Field(description="what it is attached to, once attached")
    subject_id: uuid.UUID | None
    attached_at: datetime | None
    created_at: datetime
