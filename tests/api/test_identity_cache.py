"""Who a token or tracker names, remembered per process (``devices.identity``): a change
committed by any process is heard within about a second and forgets everything; a
device's last contact or a person's sign-in is no change; nothing is kept while the
changes cannot be heard; a look-up that a change overtook is not kept. Runs on committed
data in a tenant of its own, deleted at the end."""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, delete, text
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.db import owned_session
from fieldforce.devices.identity import _IDENTITY, ChangeListener, IdentityCache
from fieldforce.devices.models import Device
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant
from tests.world import add_staff, add_tenant, add_unit

KEY = ("actor", "someone")
Committed = tuple[sessionmaker[Session], uuid.UUID, uuid.UUID, uuid.UUID]


@pytest.fixture
def committed(engine: Engine) -> Iterator[Committed]:
    factory = sessionmaker(engine, expire_on_commit=False)
    with owned_session(factory) as db:
        tenant = add_tenant(db, f"Identities {uuid.uuid4().hex[:8]}")
        unit = add_unit(db, tenant, "Field", None, "team")
        rep = add_staff(db, unit, f"{tenant.slug}.rep", ["rep"])
        device = Device(
            tenant_id=tenant.id,
            staff_id=rep.id,
            platform="android",
            protocol="osmand",
            identifier=f"phone-{uuid.uuid4().hex}",
            secret_hash="-",
        )
        db.add(device)
        db.flush()
        ids = (tenant.id, rep.id, device.id)
    try:
        yield factory, *ids
    finally:
        with owned_session(factory) as db:
            db.execute(delete(Tenant).where(Tenant.id == ids[0]))


@pytest.fixture
def following(database_url: str) -> Iterator[tuple[IdentityCache, ChangeListener]]:
    cache = IdentityCache(ttl_s=600)
    listener = cache.follow(database_url)
    _until(lambda: listener.connected, "the listener connects")
    try:
        yield cache, listener
    finally:
        listener.stop()


def _until(condition: Callable[[], bool], what: str, within_s: float = 5.0) -> float:
    began = time.monotonic()
    while not condition():
        assert time.monotonic() - began < within_s, f"not within {within_s} s: {what}"
        time.sleep(0.02)
    return time.monotonic() - began


def _commit(factory: sessionmaker[Session], sql: str, **params: object) -> None:
    with owned_session(factory) as db:
        db.execute(text(sql), params)


def _only_the_next_change_is_heard(
    factory: sessionmaker[Session], tenant: uuid.UUID, cache: IdentityCache, before: int
) -> None:
    """Commit a change and wait until it is heard: notifications arrive in commit order, so
    anything committed before it that notified has been heard too."""
    _commit(factory, "UPDATE tenant SET name = name || '.' WHERE id = :t", t=tenant)
    _until(lambda: cache.generation > before, "the tenant's change is heard")
    time.sleep(0.2)
    assert cache.generation == before + 1, "something before the change notified too"


def _remembered(cache: IdentityCache) -> bool:
    return cache.fresh(KEY) is not None


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE staff SET active = false WHERE id = :staff",
        "UPDATE device SET revoked_at = now() WHERE id = :device",
        "DELETE FROM device WHERE id = :device",
        "UPDATE tenant SET active = false WHERE id = :tenant",
        "UPDATE org_unit SET name = 'Renamed' WHERE tenant_id = :tenant",
    ],
)
def test_a_change_committed_elsewhere_is_heard_within_a_second(
    committed: Committed,
    following: tuple[IdentityCache, ChangeListener],
    change: str,
) -> None:
    factory, tenant, staff, device = committed
    cache, _ = following
    assert cache.remembered(KEY, lambda: "the rep") == "the rep"
    assert _remembered(cache)
    _commit(factory, change, tenant=tenant, staff=staff, device=device)
    heard = _until(lambda: not _remembered(cache), "the change forgets what was kept", 2.0)
    assert heard < 1.5


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE device SET last_seen_at = now() WHERE id = :device",
        "UPDATE staff SET last_login_at = now() WHERE id = :staff",
        "UPDATE device SET fcm_token = 'a-new-token', fcm_token_updated_at = now() "
        "WHERE id = :device",
        "UPDATE device SET name = 'My phone' WHERE id = :device",
        "UPDATE staff SET name = 'Someone else', phone = '+8613800000000' WHERE id = :staff",
    ],
)
def test_what_does_not_say_who_someone_is_is_no_change(
    committed: Committed, following: tuple[IdentityCache, ChangeListener], change: str
) -> None:
    factory, tenant, staff, device = committed
    cache, _ = following
    before = cache.generation
    _commit(factory, change, staff=staff, device=device)
    _only_the_next_change_is_heard(factory, tenant, cache, before)


def test_a_change_forgets_its_own_tenant_s_callers_only(
    committed: Committed, following: tuple[IdentityCache, ChangeListener]
) -> None:
    factory, tenant, staff, _ = committed
    cache, _ = following
    ours, theirs = ("actor", "ours"), ("actor", "theirs")
    cache.remembered(ours, lambda: SimpleNamespace(tenant_id=tenant))
    cache.remembered(theirs, lambda: SimpleNamespace(tenant_id=uuid.uuid4()))
    _commit(factory, "UPDATE staff SET roles = '{supervisor}' WHERE id = :s", s=staff)
    _until(lambda: cache.fresh(ours) is None, "the change forgets its tenant's callers", 2.0)
    assert cache.fresh(theirs) is not None


def test_a_rolled_back_change_is_not_heard(
    committed: Committed, following: tuple[IdentityCache, ChangeListener]
) -> None:
    factory, tenant, staff, _ = committed
    cache, _ = following
    before = cache.generation
    with factory() as db:
        db.execute(text("UPDATE staff SET active = false WHERE id = :s"), {"s": staff})
        db.rollback()
    _only_the_next_change_is_heard(factory, tenant, cache, before)


def test_nothing_is_kept_while_changes_cannot_be_heard(
    following: tuple[IdentityCache, ChangeListener],
) -> None:
    cache, listener = following
    listener.stop()
    assert not listener.connected
    looked_up = []
    for _ in range(2):
        cache.remembered(KEY, lambda: looked_up.append(1) or "the rep")
    assert len(looked_up) == 2
    assert not _remembered(cache)


def test_a_lost_connection_is_listened_on_again(
    committed: Committed, following: tuple[IdentityCache, ChangeListener]
) -> None:
    factory, tenant, _, _ = committed
    cache, listener = following
    _commit(
        factory,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE application_name = 'fieldforce-identity' AND pid <> pg_backend_pid()",
    )
    _until(lambda: not listener.connected, "the loss is noticed")
    _until(lambda: listener.connected, "the listener is back")
    cache.remembered(KEY, lambda: "the rep")
    _commit(factory, "UPDATE tenant SET name = name || '.' WHERE id = :t", t=tenant)
    _until(lambda: not _remembered(cache), "a change after the loss is heard")


def test_a_look_up_overtaken_by_a_change_is_not_kept() -> None:
    cache = IdentityCache(ttl_s=600)

    def read_then_overtaken() -> str:
        found = "the rep, as read before the change committed"
        cache.forget()  # the change is heard while the answer is on its way
        return found

    assert cache.remembered(KEY, read_then_overtaken).startswith("the rep")
    assert not _remembered(cache)
    cache.remembered(KEY, lambda: "the rep")
    assert _remembered(cache)


def test_this_process_forgets_at_the_flush_of_a_change_of_who_someone_is(
    committed: Committed, db: Session
) -> None:
    _, _, staff_id, _ = committed
    cache = IdentityCache(ttl_s=600)
    cache.remembered(KEY, lambda: "the rep")
    staff = db.get(Staff, (committed[1], staff_id))
    assert staff is not None
    theirs = ("actor", "theirs")
    cache.remembered(theirs, lambda: SimpleNamespace(tenant_id=uuid.uuid4()))
    staff.last_login_at = datetime.now(UTC)
    staff.name = "Someone else"
    db.flush()
    assert _remembered(cache)
    staff.roles = ["supervisor"]
    db.flush()
    assert not _remembered(cache)
    assert cache.fresh(theirs) is not None  # another tenant's caller


def test_this_process_and_the_triggers_judge_the_same_columns() -> None:
    migration = importlib.import_module(
        "fieldforce.migrations.versions.0024_identity_changes_by_tenant"
    )
    assert {
        model.__tablename__: columns and tuple(sorted(columns))  # type: ignore[attr-defined]
        for model, columns in _IDENTITY.items()
    } == {
        table: columns and tuple(sorted(columns))
        for table, columns in migration.IDENTITY_COLUMNS.items()
    }
