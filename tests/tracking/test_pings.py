from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.app import create_app
from fieldforce.auth.keys import forget_cached_keys, key_file
from fieldforce.auth.tokens import issue_token
from fieldforce.org.scope import Actor
from fieldforce.settings import Settings
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.ingest import PingIn, Uploader, ingest_pings
from fieldforce.tracking.models import LatestPosition, Ping
from fieldforce.tracking.service import uploader_for_actor
from tests.conftest import TEST_SECRET
from tests.world import World

PINGS = "/api/v1/pings"
TENANT = uuid.uuid4()
# People's Square, Shanghai
LON, LAT = 121.4737, 31.2304


def fix(
    minutes_ago: float, dlon: float = 0.0, dlat: float = 0.0, **extra: object
) -> dict[str, object]:
    t = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "id": str(uuid.uuid4()),
        "fix_time": t.isoformat(),
        "lon": LON + dlon,
        "lat": LAT + dlat,
        "accuracy_m": 8,
        **extra,
    }


def stored(db: Session, world: World, who: str = "north.rep") -> int:
    return (
        db.scalar(
            select(func.count()).select_from(Ping).where(Ping.staff_id == world.staff[who].id)
        )
        or 0
    )


def latest(db: Session, world: World, who: str = "north.rep") -> LatestPosition | None:
    db.expire_all()
    return db.get(LatestPosition, (world.tenant.id, world.staff[who].id))


def test_batch_is_stored_with_one_result_per_item(
    client: TestClient, world: World, db: Session
) -> None:
    batch = [fix(3), fix(2, 0.001), fix(1, 0.002)]
    r = client.post(PINGS, headers=world.headers("north.rep"), json={"pings": batch})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [x["id"] for x in body["results"]] == [p["id"] for p in batch]
    assert {x["status"] for x in body["results"]} == {"accepted"}
    assert body["accepted"] == 3
    assert stored(db, world) == 3
    pos = latest(db, world)
    assert pos is not None
    assert str(pos.ping_id) == batch[2]["id"]


def test_resending_a_batch_stores_nothing_twice(
    client: TestClient, world: World, db: Session
) -> None:
    batch = [fix(3), fix(2)]
    headers = world.headers("north.rep")
    client.post(PINGS, headers=headers, json={"pings": batch})
    again = client.post(PINGS, headers=headers, json={"pings": [*batch, fix(1)]}).json()
    assert [x["status"] for x in again["results"]] == ["duplicate", "duplicate", "accepted"]
    assert stored(db, world) == 3
    same_twice = client.post(PINGS, headers=headers, json={"pings": [batch[0], batch[0]]}).json()
    assert [x["status"] for x in same_twice["results"]] == ["duplicate", "duplicate"]


def test_rejections_carry_reasons_and_store_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    batch = [
        fix(1, dlat=70),  # latitude 101
        {**fix(1), "lon": 0.0, "lat": 0.0},
        fix(-10),  # ten minutes in the future
        fix(8 * 24 * 60),  # eight days old
        fix(1),
    ]
    r = client.post(PINGS, headers=world.headers("north.rep"), json={"pings": batch}).json()
    assert [(x["status"], x.get("reason")) for x in r["results"]] == [
        ("rejected", "invalid_coordinates"),
        ("rejected", "null_island"),
        ("rejected", "fix_in_future"),
        ("rejected", "older_than_upload_window"),
        ("accepted", None),
    ]
    assert stored(db, world) == 1


def test_flagged_pings_are_kept_but_never_move_the_position(
    client: TestClient, world: World, db: Session
) -> None:
    headers = world.headers("north.rep")
    client.post(PINGS, headers=headers, json={"pings": [fix(10)]})
    first = latest(db, world)
    assert first is not None
    batch = [
        fix(9, 0.001, accuracy_m=500),  # worse than the 150 m limit
        fix(8, 0.001, mock=True),
        fix(7.9, 0.1),  # 10 km in 6 s after the fix 2 minutes before: a jump
        fix(7, 0.002),  # 200 m in 3 minutes after the last good fix: fine
    ]
    r = client.post(PINGS, headers=headers, json={"pings": batch}).json()
    assert [x.get("flags") for x in r["results"]] == [["inaccurate"], ["mock"], ["jump"], None]
    assert stored(db, world) == 5
    pos = latest(db, world)
    assert pos is not None
    assert str(pos.ping_id) == batch[3]["id"]
    flags = dict(db.execute(select(Ping.id, Ping.flags)).all())
    assert flags[uuid.UUID(batch[2]["id"])] == 2


def test_offline_buffer_uploaded_late_is_used_in_fix_time_order(
    client: TestClient, world: World, db: Session
) -> None:
    headers = world.headers("north.rep")
    newest = fix(1, 0.010)
    client.post(PINGS, headers=headers, json={"pings": [newest]})
    # an hour-old buffer arrives afterwards, newest first; the latest position stays put
    buffer = [fix(50 - i, 0.0002 * (9 - i)) for i in range(10)][::-1]
    r = client.post(PINGS, headers=headers, json={"pings": buffer}).json()
    assert r["accepted"] == 10
    pos = latest(db, world)
    assert pos is not None
    assert str(pos.ping_id) == newest["id"]
    # a fix placed between two stored ones is judged against the one just before it in time
    between = fix(45, 0.3)  # 30 km from its neighbours five minutes apart
    r = client.post(PINGS, headers=headers, json={"pings": [between]}).json()
    assert r["results"][0]["flags"] == ["jump"]


def test_off_duty_pings_are_discarded_unless_the_tenant_tracks_off_duty(
    db: Session, world: World
) -> None:
    now = datetime.now(UTC)
    pings = [PingIn(id=uuid.uuid4(), fix_time=now - timedelta(minutes=1), lon=LON, lat=LAT)]
    private = Uploader(world.tenant.id, world.staff["north.rep"].id, None, TenantSettings())
    results = ingest_pings(db, private, pings, on_duty=lambda at: False)
    assert [(r.status.value, r.reason and r.reason.value) for r in results] == [
        ("discarded", "off_duty")
    ]
    tracked = Uploader(
        world.tenant.id, world.staff["north.rep"].id, None, TenantSettings(track_off_duty=True)
    )
    results = ingest_pings(db, tracked, pings, on_duty=lambda at: False)
    assert results[0].status.value == "accepted"


def test_bad_batches_are_refused_whole(client: TestClient, world: World, db: Session) -> None:
    headers = world.headers("north.rep")
    for body in (
        {"pings": []},
        {"pings": [fix(1)] * 1001},
        {"pings": [{"lon": 1, "lat": 2}]},
        {"pings": [fix(1, accuracy_m=-5)]},
        {"pings": [{**fix(1), "fix_time": "2026-11-22T10:00:00"}]},
    ):
        r = client.post(PINGS, headers=headers, json=body)
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "validation_error"
    assert stored(db, world) == 0


def test_oversized_bodies_get_413_with_or_without_a_length(
    world: World, session_factory: object
) -> None:
    settings = Settings(mode="test", secret_key=TEST_SECRET, max_body_bytes=2048)
    app = create_app(settings, session_factory)  # type: ignore[arg-type]
    big = {"pings": [fix(1) for _ in range(40)]}
    headers = world.headers("north.rep")
    payload = json.dumps(big).encode()
    with TestClient(app) as c:
        r = c.post(PINGS, headers=headers, json=big)
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"
        chunks = iter([payload[i : i + 1000] for i in range(0, len(payload), 1000)])
        r = c.post(
            PINGS, headers={**headers, "Content-Type": "application/json"}, content=chunks
        )  # chunked: no Content-Length
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"


def test_tracking_switched_off_refuses_pings(client: TestClient, world: World) -> None:
    client.patch("/api/v1/tenant", headers=world.headers("admin"), json={"modules": ["visits"]})
    r = client.post(PINGS, headers=world.headers("north.rep"), json={"pings": [fix(1)]})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "module_disabled"


def test_a_changed_tenant_setting_applies_to_the_next_upload(
    client: TestClient, world: World
) -> None:
    """The uploader's validated settings are kept with the remembered caller and go with
    it when the tenant changes."""
    headers = world.headers("north.rep")
    r = client.post(PINGS, headers=headers, json={"pings": [fix(3, accuracy_m=120)]})
    assert r.json()["results"][0].get("flags") is None  # within the default 150 m
    admin = world.headers("admin")
    r = client.patch("/api/v1/tenant", headers=admin, json={"settings": {"accuracy_limit_m": 100}})
    assert r.status_code == 200
    r = client.post(PINGS, headers=headers, json={"pings": [fix(2, accuracy_m=120)]})
    assert r.json()["results"][0]["flags"] == ["inaccurate"]
    other = world.headers("other.admin")
    client.patch("/api/v1/tenant", headers=other, json={"settings": {"accuracy_limit_m": 500}})
    r = client.post(PINGS, headers=headers, json={"pings": [fix(1, accuracy_m=120)]})
    assert r.json()["results"][0]["flags"] == ["inaccurate"]  # another tenant's change


def test_a_tenant_s_settings_are_validated_once_for_all_its_uploaders() -> None:
    def caller(settings: dict[str, object]) -> Actor:
        return Actor(
            tenant_id=TENANT,
            staff_id=uuid.uuid4(),
            roles=frozenset({"rep"}),
            org_unit_id=uuid.uuid4(),
            unit_path="t",
            modules=frozenset({"tracking"}),
            tenant_settings=settings,
        )

    first = uploader_for_actor(caller({"accuracy_limit_m": 90})).settings
    assert first.accuracy_limit_m == 90
    assert uploader_for_actor(caller({"accuracy_limit_m": 90})).settings is first
    changed = uploader_for_actor(caller({"accuracy_limit_m": 70})).settings
    assert changed.accuracy_limit_m == 70


def test_a_remembered_token_still_expires(
    client: TestClient, world: World, settings: Settings
) -> None:
    staff = world.staff["north.rep"]
    life = timedelta(minutes=settings.access_token_minutes)
    issued = datetime.now(UTC) - life + timedelta(seconds=1.5)  # 1.5 s left
    token, _ = issue_token(settings, tenant_id=staff.tenant_id, staff_id=staff.id, now=issued)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(PINGS, headers=headers, json={"pings": [fix(1)]}).status_code == 200
    time.sleep(2)
    r = client.post(PINGS, headers=headers, json={"pings": [fix(2)]})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_expired"


def test_a_remembered_token_is_checked_again_when_the_keys_change(
    client: TestClient, world: World, settings: Settings, tmp_path: Path
) -> None:
    """Served from a key file: once its key is gone from the file, a token it signed is
    refused although it was accepted (and remembered) a moment before."""
    served = Settings(mode="test", data_dir=tmp_path, log_format="console")
    client.app.state.settings = served  # type: ignore[attr-defined]
    staff = world.staff["north.rep"]
    token, _ = issue_token(served, tenant_id=staff.tenant_id, staff_id=staff.id)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post(PINGS, headers=headers, json={"pings": [fix(1)]}).status_code == 200
    key_file(served).path.unlink()
    forget_cached_keys()  # as the next look at the file, a few seconds on, would
    r = client.post(PINGS, headers=headers, json={"pings": [fix(2)]})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_token"


def test_pings_always_land_on_the_caller_only(
    client: TestClient, world: World, db: Session
) -> None:
    client.post(PINGS, headers=world.headers("other.rep"), json={"pings": [fix(1)]})
    assert stored(db, world, "other.rep") == 1
    assert (
        db.scalar(select(func.count()).select_from(Ping).where(Ping.tenant_id == world.tenant.id))
        == 0
    )


def test_fixes_older_than_the_retention_are_refused(db: Session, world: World) -> None:
    staff = world.staff["north.rep"]
    who = Uploader(
        staff.tenant_id, staff.id, None, TenantSettings(upload_window_days=30, retention_days=2)
    )
    now = datetime.now(UTC)
    results = ingest_pings(
        db,
        who,
        [
            PingIn(uuid.uuid4(), now - timedelta(days=3), LON, LAT),
            PingIn(uuid.uuid4(), now - timedelta(days=1), LON, LAT),
        ],
    )
    assert [(r.status.value, r.reason and r.reason.value) for r in results] == [
        ("rejected", "older_than_upload_window"),
        ("accepted", None),
    ]


def test_one_fix_and_a_copied_batch_store_every_column_alike(db: Session, world: World) -> None:
    staff = world.staff["north.rep"]
    who = Uploader(staff.tenant_id, staff.id, None, TenantSettings())
    now = datetime.now(UTC).replace(microsecond=0)

    def full(k: int) -> PingIn:  # every column set, a quote and a comma in the attributes
        return PingIn(
            uuid.uuid4(),
            now - timedelta(minutes=30 - k),
            LON + k * 1e-4,
            LAT,
            accuracy_m=7.5,
            altitude_m=12.25,
            speed_mps=1.5,
            bearing_deg=270.0,
            battery_pct=64.0,
            source="gps",
            mock=True,
            attributes={"note": 'say "hi", then', "n": k},
        )

    def bare(k: int) -> PingIn:
        return PingIn(uuid.uuid4(), now - timedelta(minutes=30 - k), LON + k * 1e-4, LAT)

    alone = [full(0)], [bare(1)]  # one INSERT each
    batch = [full(k) if k % 2 else bare(k) for k in range(2, 14)]  # staged with COPY
    for pings in (*alone, batch):
        ingest_pings(db, who, pings)

    def columns(row: Ping) -> tuple[object, ...]:
        return (
            row.accuracy_m,
            row.altitude_m,
            row.speed_mps,
            row.bearing_deg,
            row.battery_pct,
            row.source,
            row.flags,
            row.staff_id,
            row.device_id,
        )

    rows = {row.id: row for row in db.scalars(select(Ping).where(Ping.staff_id == staff.id))}
    for pings in (*alone, batch):
        for p in pings:
            row = rows[p.id]
            assert row.fix_time == p.fix_time
            assert row.attributes == p.attributes
            assert columns(row) == columns(rows[(alone[0] if p.mock else alone[1])[0].id])
    assert columns(rows[alone[0][0].id])[:6] == (7.5, 12.25, 1.5, 270.0, 64.0, "gps")
    assert columns(rows[alone[1][0].id])[:7] == (None, None, None, None, None, None, 0)
    assert columns(rows[alone[0][0].id])[6] != 0  # the mock flag
