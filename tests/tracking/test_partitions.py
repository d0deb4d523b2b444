from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.ingest import PingIn, Uploader, ingest_pings
from fieldforce.tracking.jobs import maintain_ping_partitions
from fieldforce.tracking.models import Ping
from fieldforce.tracking.partitions import (
    apply_retention,
    ensure_partitions,
    existing_partitions,
    forget_known_partitions,
)
from tests.world import World

NOW = datetime.now(UTC)


def test_partitions_cover_the_upload_window_and_days_ahead(db: Session, world: World) -> None:
    maintain_ping_partitions(db, NOW)
    days = existing_partitions(db)
    today = NOW.date()
    for d in range(-8, 4):
        assert today + timedelta(days=d) in days


def test_a_ping_for_a_day_without_partition_creates_it(db: Session, world: World) -> None:
    day = (NOW - timedelta(days=400)).date()
    assert day not in existing_partitions(db)
    staff = world.staff["north.rep"]
    who = Uploader(staff.tenant_id, staff.id, None, TenantSettings(upload_window_days=90))
    old = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    results = ingest_pings(
        db, who, [PingIn(uuid.uuid4(), old, 121.4, 31.2)], now=old + timedelta(hours=1)
    )
    assert results[0].status.value == "accepted"
    assert day in existing_partitions(db)


def test_retention_drops_old_partitions_and_trims_shorter_tenants(
    db: Session, world: World
) -> None:
    ancient = (NOW - timedelta(days=200)).date()
    ensure_partitions(db, {ancient})
    forget_known_partitions()
    world.other_tenant.settings = {"retention_days": 2}
    db.flush()
    for who, age in (("north.rep", 3), ("other.rep", 3), ("other.rep", 1)):
        staff = world.staff[who]
        ingest_pings(
            db,
            Uploader(staff.tenant_id, staff.id, None, TenantSettings()),
            [PingIn(uuid.uuid4(), NOW - timedelta(days=age), 121.4, 31.2)],
        )
    dropped = apply_retention(db, NOW)
    assert f"ping_p{ancient:%Y%m%d}" in dropped
    assert ancient not in existing_partitions(db)
    counts = dict(db.execute(select(Ping.tenant_id, func.count()).group_by(Ping.tenant_id)).all())
    assert counts == {world.tenant.id: 1, world.other_tenant.id: 1}
