"""Uploading, attaching, reading and deleting attachments.

Who may see one: its uploader and the tenant's admins always; once attached, also whoever
may see its subject, as the subject's domain says (a ``SubjectCheck`` per subject kind,
handed in by the caller: ``fieldforce.flows.ATTACHMENT_SUBJECTS``). Anyone else is told
it does not exist (404)."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attachments import content
from fieldforce.attachments.models import Attachment, SubjectKind
from fieldforce.attachments.store import Store
from fieldforce.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from fieldforce.org.scope import Actor

# may this actor see the subject with this id (of the kind the check was registered for)?
SubjectCheck = Callable[[Session, Actor, uuid.UUID], bool]
FILENAME_MAX = 200


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_pixels: int


def sanitise_filename(name: str | None) -> str:
    """The last part of a client's file name, without control or format characters,
    path separators or surrounding space and dots, at most 200 characters; ``file`` when
    nothing is left."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        " " if unicodedata.category(c) == "Zs" else c
        for c in base
        if unicodedata.category(c) not in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
    )
    kept = kept.strip(" .")
    if len(kept) > FILENAME_MAX:
        stem, dot, ext = kept.rpartition(".")
        kept = (
            stem[: FILENAME_MAX - len(ext) - 1] + dot + ext
            if dot and 0 < len(ext) <= 16
            else kept[:FILENAME_MAX]
        )
    return kept or "file"


def upload(
    session: Session,
    actor: Actor,
    store: Store,
    data: bytes,
    filename: str | None,
    limits: Limits,
) -> Attachment:
    """Checks the bytes (size, then type by content, then for images the pixel count) and
    refuses them with nothing written; else keeps them (once per content) and adds a row."""
    if len(data) > limits.max_bytes:
        raise TooLarge(
            f"the file is larger than {limits.max_bytes} bytes",
            code="attachment_too_large",
            details={"max_bytes": limits.max_bytes, "size_bytes": len(data)},
        )
    if not data:
        raise Invalid("the file is empty", code="empty_file")
    checked = content.check(data, max_pixels=limits.max_pixels)
    sha256 = store.put(data)
    if checked.thumbnail is not None:
        store.put_thumbnail(sha256, checked.thumbnail)
    attachment = Attachment(
        tenant_id=actor.tenant_id,
        uploader_id=actor.staff_id,
        sha256=sha256,
        size_bytes=len(data),
        content_type=checked.content_type,
        filename=sanitise_filename(filename),
        width=checked.width,
        height=checked.height,
    )
    session.add(attachment)
    session.flush()
    session.refresh(attachment)
    return attachment


def _row(session: Session, tenant_id: uuid.UUID, attachment_id: uuid.UUID) -> Attachment:
    row = session.get(Attachment, (tenant_id, attachment_id))
    if row is None:
        raise NotFound("no such attachment", details={"attachment_id": str(attachment_id)})
    return row


def may_see(
    session: Session, actor: Actor, row: Attachment, subjects: Mapping[str, SubjectCheck]
) -> bool:
    if row.tenant_id != actor.tenant_id:
        return False
    if row.uploader_id == actor.staff_id or actor.is_admin:
        return True
    if row.subject_kind is None or row.subject_id is None:
        return False
    check = subjects.get(row.subject_kind)
    return check is not None and check(session, actor, row.subject_id)


def get(
    session: Session,
    actor: Actor,
    attachment_id: uuid.UUID,
    subjects: Mapping[str, SubjectCheck],
) -> Attachment:
    """The attachment, if this actor may see it; else ``NotFound``."""
    row = _row(session, actor.tenant_id, attachment_id)
    if not may_see(session, actor, row, subjects):
        raise NotFound("no such attachment", details={"attachment_id": str(attachment_id)})
    return row


def read_content(store: Store, row: Attachment) -> bytes:
    data = store.read(row.sha256)
    if data is None:
        raise NotFound("the attachment's file is missing", code="file_missing")
    return data


def read_thumbnail(store: Store, row: Attachment, limits: Limits) -> bytes:
    """The thumbnail of an image, made again (and kept) when it is not on disk."""
    if not row.has_thumbnail:
        raise NotFound("this attachment has no thumbnail", code="no_thumbnail")
    thumb = store.read_thumbnail(row.sha256)
    if thumb is None:
        with content.open_image(
            read_content(store, row), row.content_type, max_pixels=limits.max_pixels
        ) as image:
            thumb = content.thumbnail_of(image)
        store.put_thumbnail(row.sha256, thumb)
    return thumb


def attach(
    session: Session,
    actor: Actor,
    attachment_id: uuid.UUID,
    subject_kind: SubjectKind | str,
    subject_id: uuid.UUID,
    *,
    now: datetime | None = None,
) -> Attachment:
    """Attaches one's own upload to a subject (a leave request, a claim line…) that the
    calling domain has checked the actor may change. Attaching it again to the same
    subject changes nothing; to another subject is a conflict (upload it again)."""
    kind = SubjectKind(subject_kind)
    row = _row(session, actor.tenant_id, attachment_id)
    if row.uploader_id != actor.staff_id:
        raise NotFound("no such attachment", details={"attachment_id": str(attachment_id)})
    if row.subject_kind == kind.value and row.subject_id == subject_id:
        return row
    if row.subject_id is not None:
        raise Conflict(
            "the attachment is already attached to something else",
            code="already_attached",
            details={"attachment_id": str(attachment_id)},
        )
    row.subject_kind = kind.value
    row.subject_id = subject_id
    row.attached_at = now or datetime.now(UTC)
    session.flush()
    return row


def link(
    session: Session,
    actor: Actor,
    subject_kind: SubjectKind | str,
    subject_id: uuid.UUID,
    attachment_ids: Collection[uuid.UUID],
    *,
    now: datetime | None = None,
) -> list[Attachment]:
    """Makes these (the actor's own uploads) the subject's attachments: each attached as
    ``attach`` does, and the subject's others detached (unattached uploads again, which the
    cleanup removes after a day). Returns those detached."""
    wanted = set(attachment_ids)
    for attachment_id in sorted(wanted):
        attach(session, actor, attachment_id, subject_kind, subject_id, now=now)
    dropped = [
        row
        for row in attached_to(session, actor.tenant_id, subject_kind, subject_id)
        if row.id not in wanted
    ]
    for row in dropped:
        row.subject_kind = row.subject_id = row.attached_at = None
    session.flush()
    return dropped


def detach(
    session: Session, tenant_id: uuid.UUID, subject_kind: SubjectKind | str, subject_id: uuid.UUID
) -> int:
    """Frees every attachment of a subject (a draft's line removed, a draft deleted): they
    become unattached uploads again, which the cleanup removes after a day."""
    rows = attached_to(session, tenant_id, subject_kind, subject_id)
    for row in rows:
        row.subject_kind = row.subject_id = row.attached_at = None
    session.flush()
    return len(rows)


def attached_to(
    session: Session, tenant_id: uuid.UUID, subject_kind: SubjectKind | str, subject_id: uuid.UUID
) -> list[Attachment]:
    """A subject's attachments, oldest first."""
    return list(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.tenant_id == tenant_id,
                Attachment.subject_kind == SubjectKind(subject_kind).value,
                Attachment.subject_id == subject_id,
            )
            .order_by(Attachment.created_at, Attachment.id)
        )
    )


def delete(
    session: Session,
    actor: Actor,
    attachment_id: uuid.UUID,
    subjects: Mapping[str, SubjectCheck],
) -> None:
    """Deletes one's own unattached upload. Its bytes go with the cleanup, once no row
    refers to them (the same bytes may have been uploaded again)."""
    row = get(session, actor, attachment_id, subjects)
    if row.uploader_id != actor.staff_id:
        raise Forbidden("only the uploader may delete an upload", code="not_uploader")
    if row.subject_id is not None:
        raise Conflict(
            "the attachment is attached; remove it from its subject instead",
            code="attached",
            details={"subject_kind": row.subject_kind, "subject_id": str(row.subject_id)},
        )
    session.delete(row)
    session.flush()
