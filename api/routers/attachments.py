"""Attachments: upload (multipart), metadata, the bytes and an image's thumbnail."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Response, UploadFile

from api.deps import ActorDep, SessionDep, SettingsDep
from api.schemas.attachments import AttachmentOut
from fieldforce import flows
from fieldforce.attachments import content
from fieldforce.attachments import service as attachments
from fieldforce.attachments.models import Attachment
from fieldforce.attachments.store import Store
from fieldforce.settings import Settings

PREFIX = "/api/v1/attachments"
UPLOAD_PATH = PREFIX
# room for the multipart framing around the file: boundaries, part headers, a long name
MULTIPART_OVERHEAD = 64 * 1024

router = APIRouter(prefix=PREFIX, tags=["attachments"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such attachment, or not one the caller may see"}
}


def upload_body_limit(settings: Settings) -> int:
    """The largest request body the upload endpoint reads: the file limit plus framing."""
    return settings.attachment_max_bytes + MULTIPART_OVERHEAD


def _limits(settings: Settings) -> attachments.Limits:
    return attachments.Limits(settings.attachment_max_bytes, settings.attachment_max_pixels)


def _out(row: Attachment) -> AttachmentOut:
    return AttachmentOut.model_validate(row)


@router.post(
    "",
    response_model=AttachmentOut,
    status_code=201,
    responses={
        413: {"description": "the file is over FIELDFORCE_ATTACHMENT_MAX_BYTES"},
        415: {"description": "not a JPEG, PNG, WebP or HEIC image or a PDF, by content"},
        422: {"description": "an image that cannot be read, or has too many pixels"},
    },
)
def upload(
    file: Annotated[UploadFile, File(description="the file (multipart field `file`)")],
    actor: ActorDep,
    session: SessionDep,
    settings: SettingsDep,
) -> AttachmentOut:
    """Uploads a file: a JPEG, PNG, WebP or HEIC image or a PDF, judged by its content
    (neither its name nor the declared type matter). It stays unattached, visible to the
    uploader and admins, until a leave request or claim line references it; unattached
    uploads are deleted after a day."""
    data = file.file.read(settings.attachment_max_bytes + 1)
    row = attachments.upload(
        session, actor, Store(settings.data_dir), data, file.filename, _limits(settings)
    )
    return _out(row)


@router.get("/{attachment_id}", response_model=AttachmentOut, responses=ERRORS)
def get_attachment(attachment_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> AttachmentOut:
    """An attachment's details: for its uploader, admins, and whoever may see what it is
    attached to."""
    return _out(attachments.get(session, actor, attachment_id, flows.ATTACHMENT_SUBJECTS))


_PRIVATE_CACHE = "private, max-age=3600"
_BINARY = {"type": "string", "format": "binary"}


@router.get(
    "/{attachment_id}/content",
    response_class=Response,
    responses={
        **ERRORS,
        200: {
            "description": "the bytes, with the type judged at upload",
            "content": {t: {"schema": _BINARY} for t in content.ALLOWED},
        },
    },
)
def get_content(
    attachment_id: uuid.UUID, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """The file itself. PDFs come as a download (``Content-Disposition: attachment``),
    images inline."""
    row = attachments.get(session, actor, attachment_id, flows.ATTACHMENT_SUBJECTS)
    data = attachments.read_content(Store(settings.data_dir), row)
    disposition = "inline" if row.content_type.startswith("image/") else "attachment"
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(row.filename)}",
            "Cache-Control": _PRIVATE_CACHE,
            "ETag": f'"{row.sha256}"',
        },
    )


@router.get(
    "/{attachment_id}/thumbnail",
    response_class=Response,
    responses={
        200: {
            "description": "a JPEG, longest side 320 px",
            "content": {"image/jpeg": {"schema": _BINARY}},
        },
        404: {"description": "no such attachment, or not an image with a thumbnail"},
    },
)
def get_thumbnail(
    attachment_id: uuid.UUID, actor: ActorDep, session: SessionDep, settings: SettingsDep
) -> Response:
    """A JPEG whose longest side is 320 px, upright, for images (not HEIC or PDF)."""
    row = attachments.get(session, actor, attachment_id, flows.ATTACHMENT_SUBJECTS)
    thumb = attachments.read_thumbnail(Store(settings.data_dir), row, _limits(settings))
    return Response(
        thumb,
        media_type="image/jpeg",
        headers={"Cache-Control": _PRIVATE_CACHE, "ETag": f'"{row.sha256}-thumb"'},
    )


@router.delete(
    "/{attachment_id}",
    status_code=204,
    responses={
        **ERRORS,
        403: {"description": "not the uploader"},
        409: {"description": "attached to something"},
    },
)
def delete_attachment(attachment_id: uuid.UUID, actor: ActorDep, session: SessionDep) -> Response:
    """Deletes one's own upload while it is not attached to anything."""
    attachments.delete(session, actor, attachment_id, flows.ATTACHMENT_SUBJECTS)
    return Response(status_code=204)
