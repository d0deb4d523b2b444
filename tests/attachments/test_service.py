"""Attaching, the file names kept, and the cleanup job."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.attachments import service
from fieldforce.attachments.jobs import clean_attachments
from fieldforce.attachments.models import Attachment, SubjectKind
from fieldforce.attachments.store import Store
from fieldforce.auth.service import actor_for
from fieldforce.errors import Conflict, NotFound
from fieldforce.jobs import jobs_for
from fieldforce.org.scope import Actor
from fieldforce.settings import Settings
from tests.attachments import files
from tests.world import World

LIMITS = service.Limits(max_bytes=1024 * 1024, max_pixels=1_000_000)


def _actor(db: Session, world: World, who: str) -> Actor:
    return actor_for(db, world.staff[who].tenant_id, world.staff[who].id)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("receipt.jpg", "receipt.jpg"),
        ("C:\\Users\\me\\Desktop\\发票.pdf", "发票.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\u202e\r\nc.png", "abc.png"),
        ("  ..hidden. ", "hidden"),
        ("", "file"),
        (None, "file"),
        ("x" * 300 + ".jpeg", "x" * 195 + ".jpeg"),
    ],
)
def test_file_names_are_cleaned(given: str | None, kept: str) -> None:
    assert service.sanitise_filename(given) == kept


def test_attach(db: Session, world: World, settings: Settings) -> None:
    store = Store(settings.data_dir)
    rep = _actor(db, world, "north.rep")
    row = service.upload(db, rep, store, files.pdf(), "a.pdf", LIMITS)
    leave = uuid.uuid4()
    attached = service.attach(db, rep, row.id, SubjectKind.LEAVE_REQUEST, leave)
    assert (attached.subject_kind, attached.subject_id) == ("leave_request", leave)
    assert attached.attached_at is not None
    # again to the same subject: nothing changes; to another: a conflict
    assert service.attach(db, rep, row.id, "leave_request", leave) is attached
    with pytest.raises(Conflict):
        service.attach(db, rep, row.id, SubjectKind.LEAVE_REQUEST, uuid.uuid4())
    # only one's own upload, in one's own tenant; only known kinds
    with pytest.raises(NotFound):
        service.attach(db, _actor(db, world, "admin"), row.id, "visit", uuid.uuid4())
    with pytest.raises(NotFound):
        service.attach(db, _actor(db, world, "other.rep"), row.id, "visit", uuid.uuid4())
    with pytest.raises(ValueError, match="not a valid SubjectKind"):
        service.attach(db, rep, row.id, "payslip", uuid.uuid4())
    assert service.attached_to(db, rep.tenant_id, SubjectKind.LEAVE_REQUEST, leave) == [row]
    assert service.detach(db, rep.tenant_id, SubjectKind.LEAVE_REQUEST, leave) == 1
    assert row.subject_id is None
    assert service.attached_to(db, rep.tenant_id, SubjectKind.LEAVE_REQUEST, leave) == []


def _age(path: os.PathLike[str], hours: float) -> None:
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def test_cleanup(
    db: Session, world: World, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    store = Store(settings.data_dir)
    rep = _actor(db, world, "north.rep")
    now = datetime.now(UTC)
    old_unattached = service.upload(db, rep, store, files.png(), "old.png", LIMITS)
    old_attached = service.upload(db, rep, store, files.pdf(), "kept.pdf", LIMITS)
    service.attach(db, rep, old_attached.id, SubjectKind.TRAVEL_LINE, uuid.uuid4())
    fresh = service.upload(db, rep, store, files.jpeg(), "new.jpg", LIMITS)
    db.execute(
        update(Attachment)
        .where(Attachment.id.in_([old_unattached.id, old_attached.id]))
        .values(created_at=now - timedelta(days=1, minutes=1))
    )
    # bytes no row refers to: one written long ago, one just now (its row may be coming)
    orphan = store.put(files.webp())
    recent_orphan = store.put(files.pdf() + b"%recent")
    for sha in (old_unattached.sha256, old_attached.sha256, fresh.sha256, orphan):
        _age(store.path(sha), hours=2)
    db.commit()
    ids = {old_unattached.id, old_attached.id, fresh.id}
    gone_sha, kept_sha, fresh_sha = old_unattached.sha256, old_attached.sha256, fresh.sha256

    rows, removed = clean_attachments(session_factory, now, store=store)

    assert (rows, removed) == (1, 2)
    db.expire_all()
    left = set(db.scalars(select(Attachment.id).where(Attachment.id.in_(ids))))
    assert left == {old_attached.id, fresh.id}
    assert not store.path(gone_sha).exists()
    assert not store.thumbnail_path(gone_sha).exists()
    assert not store.path(orphan).exists()
    for sha in (kept_sha, fresh_sha, recent_orphan):
        assert store.path(sha).exists()
    assert store.thumbnail_path(fresh_sha).exists()
    # nothing more to do
    assert clean_attachments(session_factory, now, store=store) == (0, 0)


def test_cleanup_runs_periodically(settings: Settings) -> None:
    job = next(j for j in jobs_for(settings) if j.name == "attachment_cleanup")
    assert job.every == timedelta(hours=1)
    assert job.run_batches is not None
