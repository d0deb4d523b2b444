"""The cleanup: uploads never attached are deleted after a day, and files no row refers
to (deleted uploads, uploads whose transaction rolled back) are removed from the disk."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.attachments.models import Attachment
from fieldforce.attachments.store import Store
from fieldforce.db import owned_session

UNATTACHED_KEPT = timedelta(days=1)
# files written more recently may belong to an upload whose row is not committed yet
FILE_GRACE = timedelta(hours=1)
_BATCH = 500


def clean_attachments(
    factory: sessionmaker[Session], now: datetime, *, store: Store
) -> tuple[int, int]:
    """Answers (rows deleted, files removed). Rows go first, in their own transaction, so
    that a file is removed only once no committed row refers to it."""
    with owned_session(factory) as session:
        rows = len(
            session.execute(
                delete(Attachment)
                .where(
                    Attachment.subject_id.is_(None),
                    Attachment.created_at < now - UNATTACHED_KEPT,
                )
                .returning(Attachment.id)
            ).all()
        )
    files = 0
    stored = store.stored(FILE_GRACE.total_seconds())
    while hashes := list(islice(stored, _BATCH)):
        with owned_session(factory) as session:
            used = set(
                session.scalars(
                    select(Attachment.sha256).where(Attachment.sha256.in_(hashes)).distinct()
                )
            )
        for sha256 in hashes:
            if sha256 not in used:
                store.remove(sha256)
                files += 1
    return rows, files
