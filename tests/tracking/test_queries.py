from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import gpxpy
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.schemas.tracking import PositionCollection, PositionFeature
from fieldforce.tenancy.models import TenantSettings
from fieldforce.tracking.ingest import PingIn, Uploader, ingest_pings
from tests.world import World, all_pages

LON, LAT = 121.4737, 31.2304
M_PER_DEG_LAT = 110_900.0


def upload(
    db: Session, world: World, who: str, fixes: list[tuple[datetime, float, float]], **extra: object
) -> None:
    staff = world.staff[who]
    uploader = Uploader(staff.tenant_id, staff.id, None, TenantSettings())
    results = ingest_pings(
        db,
        uploader,
        [
            PingIn(id=uuid.uuid4(), fix_time=t, lon=x, lat=y, accuracy_m=10, **extra)  # type: ignore[arg-type]
            for t, x, y in fixes
        ],
    )
    assert all(r.status.value == "accepted" for r in results)
    db.commit()


def positions(client: TestClient, world: World, who: str, **params: str) -> dict[str, object]:
    r = client.get("/api/v1/positions", headers=world.headers(who), params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/geo+json"
    return r.json()


def names(fc: dict[str, object]) -> set[str]:
    return {f["properties"]["name"] for f in fc["features"]}  # type: ignore[index, union-attr]


@pytest.fixture
def placed(db: Session, world: World) -> World:
    now = datetime.now(UTC)
    upload(db, world, "north.rep", [(now - timedelta(minutes=5), LON, LAT)])
    upload(db, world, "north.rep2", [(now - timedelta(minutes=3), LON + 0.05, LAT)])
    upload(db, world, "south.rep", [(now - timedelta(minutes=2), 120.1551, 30.2741)])
    upload(db, world, "other.rep", [(now - timedelta(minutes=1), LON, LAT)])
    return world


def test_positions_hold_exactly_the_callers_scope(client: TestClient, placed: World) -> None:
    assert names(positions(client, placed, "admin")) == {"North Rep", "North Rep2", "South Rep"}
    assert names(positions(client, placed, "north.manager")) == {"North Rep", "North Rep2"}
    assert names(positions(client, placed, "north.sup")) == {"North Rep"}
    assert names(positions(client, placed, "north.rep")) == {"North Rep"}
    assert names(positions(client, placed, "south.manager")) == {"South Rep"}
    assert names(positions(client, placed, "other.admin")) == {"Other Rep"}


def test_position_features_carry_what_the_map_shows(client: TestClient, placed: World) -> None:
    fc = positions(client, placed, "north.sup")
    assert fc["type"] == "FeatureCollection"
    feature = fc["features"][0]  # type: ignore[index]
    assert feature["geometry"] == {"type": "Point", "coordinates": [LON, LAT]}
    props = feature["properties"]
    assert props["staff_id"] == placed.staff_id("north.rep")
    assert props["accuracy_m"] == 10
    assert props["status"] == "unknown"
    assert datetime.fromisoformat(props["fix_time"]).tzinfo is not None


def test_positions_are_written_as_documented(
    client: TestClient, placed: World, db: Session
) -> None:
    """The map's answer is written as JSON text, not through its model: it must still be
    one, names with quotes and non-ASCII letters included."""
    placed.staff["north.rep"].name = 'Zhāng "Wěi" \\ 张伟'
    db.commit()
    fc = PositionCollection.model_validate(positions(client, placed, "admin"))
    assert {f.properties.name for f in fc.features if f.properties} == {
        'Zhāng "Wěi" \\ 张伟',
        "North Rep2",
        "South Rep",
    }
    url = f"/api/v1/staff/{placed.staff_id('north.rep')}/position"
    one = PositionFeature.model_validate(client.get(url, headers=placed.headers("admin")).json())
    assert one.id == placed.staff_id("north.rep")
    assert one.properties is not None
    assert one.properties.fix_time.tzinfo is not None


def test_position_filters(client: TestClient, placed: World) -> None:
    shanghai = f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"
    assert names(positions(client, placed, "admin", bbox=shanghai)) == {"North Rep"}
    assert names(positions(client, placed, "admin", org_unit=placed.unit_id("north-b"))) == {
        "North Rep2"
    }
    assert names(positions(client, placed, "admin", status="unknown")) == {
        "North Rep",
        "North Rep2",
        "South Rep",
    }
    assert names(positions(client, placed, "admin", status="off_zone")) == set()
    antimeridian = "170,-10,-170,10"
    assert names(positions(client, placed, "admin", bbox=antimeridian)) == set()
    headers = placed.headers("admin")
    for params in ({"bbox": "1,2,3"}, {"bbox": "0,50,10,40"}, {"status": "lost"}):
        r = client.get("/api/v1/positions", headers=headers, params=params)
        assert r.status_code == 422, params
    r = client.get(
        "/api/v1/positions", headers=headers, params={"org_unit": placed.unit_id("other-root")}
    )
    assert r.status_code == 404
    r = client.get(
        "/api/v1/positions",
        headers=placed.headers("north.manager"),
        params={"org_unit": placed.unit_id("south")},
    )
    assert r.status_code == 404


def test_one_persons_position_and_its_scope(client: TestClient, placed: World) -> None:
    url = f"/api/v1/staff/{placed.staff_id('north.rep')}/position"
    for who, status in (
        ("north.rep", 200),
        ("north.sup", 200),
        ("north.manager", 200),
        ("admin", 200),
        ("north.rep2", 404),
        ("south.manager", 404),
        ("other.admin", 404),
    ):
        assert client.get(url, headers=placed.headers(who)).status_code == status, who
    r = client.get(
        f"/api/v1/staff/{placed.staff_id('north.sup')}/position", headers=placed.headers("admin")
    )
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "no_position"


def day_of_work(start: datetime) -> list[tuple[datetime, float, float]]:
    """30 min at a customer, 3 km walk north in 30 min, 20 min at another customer."""
    fixes = [(start + timedelta(minutes=i), LON, LAT) for i in range(30)]
    fixes += [
        (start + timedelta(minutes=30 + i), LON, LAT + (i + 1) * 100 / M_PER_DEG_LAT)
        for i in range(30)
    ]
    end_lat = fixes[-1][2]
    fixes += [
        (start + timedelta(minutes=61 + i), LON + (i % 2) * 0.0001, end_lat) for i in range(20)
    ]
    return fixes


def test_track_with_stops_trips_and_distance(client: TestClient, world: World, db: Session) -> None:
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    upload(db, world, "north.rep", day_of_work(start))
    # a mocked fix far away never counts
    upload(db, world, "north.rep", [(start + timedelta(minutes=45), LON + 1, LAT)], mock=True)
    # the first stop is at a customer the supervisor sees
    shop = client.post(
        "/api/v1/customers",
        headers=world.headers("north.sup"),
        json={"name": "Corner Shop", "stage": "partner", "lon": LON, "lat": LAT + 0.0003},
    )
    assert shop.status_code == 201, shop.text
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/track"
    params = {
        "from": (start - timedelta(minutes=1)).isoformat(),
        "to": (start + timedelta(hours=2)).isoformat(),
    }
    r = client.get(url, headers=world.headers("north.sup"), params=params)
    assert r.status_code == 200, r.text
    fc = r.json()
    at = [
        f["properties"]["customer_name"]
        for f in fc["features"]
        if f["properties"]["kind"] == "stop"
    ]
    assert at == ["Corner Shop", None]  # 33 m from the first; 3 km from the second
    assert fc["distance_m"] == pytest.approx(3000, rel=0.01)
    kinds = [f["properties"]["kind"] for f in fc["features"]]
    assert kinds.count("track") == 1
    assert kinds.count("stop") == 2
    stops = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
    assert stops[0]["properties"]["duration_s"] == 30 * 60
    assert stops[1]["properties"]["duration_s"] >= 19 * 60
    trips = [f for f in fc["features"] if f["properties"]["kind"] == "trip"]
    assert len(trips) == 1
    assert trips[0]["properties"]["distance_m"] == pytest.approx(3000, rel=0.01)
    line = fc["features"][kinds.index("track")]
    assert line["properties"]["fixes"] == 80
    simplified = client.get(
        url, headers=world.headers("north.sup"), params={**params, "tolerance_m": 50}
    ).json()
    assert simplified["features"][0]["properties"]["points"] < 10
    assert simplified["distance_m"] == fc["distance_m"]


def test_track_as_gpx(client: TestClient, world: World, db: Session) -> None:
    start = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    upload(db, world, "north.rep", day_of_work(start))
    r = client.get(
        f"/api/v1/staff/{world.staff_id('north.rep')}/track",
        headers=world.headers("north.rep"),
        params={
            "from": start.isoformat(),
            "to": (start + timedelta(hours=2)).isoformat(),
            "format": "gpx",
            "download": "true",
        },
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/gpx+xml")
    assert "attachment" in r.headers["content-disposition"]
    gpx = gpxpy.parse(r.text)
    assert len(gpx.tracks[0].segments[0].points) == 80
    assert len(gpx.waypoints) == 2
    assert gpx.tracks[0].segments[0].points[0].time == start


def test_track_period_and_scope(client: TestClient, world: World) -> None:
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/track"
    now = datetime.now(UTC)
    ok = {"from": (now - timedelta(hours=1)).isoformat(), "to": now.isoformat()}
    headers = world.headers("admin")
    assert client.get(url, headers=headers, params=ok).json()["features"] == []
    for params in (
        {"from": ok["to"], "to": ok["from"]},
        {"from": (now - timedelta(days=8)).isoformat(), "to": ok["to"]},
        {"from": "2026-11-22T10:00:00", "to": ok["to"]},
        {"to": ok["to"]},
    ):
        assert client.get(url, headers=headers, params=params).status_code == 422, params
    for who, status in (
        ("north.rep2", 404),
        ("south.manager", 404),
        ("other.admin", 404),
        ("north.manager", 200),
    ):
        assert client.get(url, headers=world.headers(who), params=ok).status_code == status


def test_stored_pings_include_flagged_ones_for_audit(
    client: TestClient, world: World, db: Session
) -> None:
    start = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    upload(db, world, "north.rep", [(start + timedelta(minutes=i), LON, LAT) for i in range(5)])
    upload(
        db, world, "north.rep", [(start + timedelta(minutes=2, seconds=30), LON, LAT)], mock=True
    )
    url = f"/api/v1/staff/{world.staff_id('north.rep')}/pings"
    period = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    headers = world.headers("north.sup")
    items = all_pages(client, url, headers, {**period, "limit": 2})
    assert len(items) == 6
    assert [i["fix_time"] for i in items] == sorted(i["fix_time"] for i in items)
    assert [i["flags"] for i in items].count(["mock"]) == 1
    assert items[0]["lon"] == LON
    flagged = client.get(url, headers=headers, params={**period, "flagged": "true"}).json()
    assert [i["flags"] for i in flagged["items"]] == [["mock"]]
    good = client.get(url, headers=headers, params={**period, "flagged": "false"}).json()
    assert len(good["items"]) == 5
    for who, status in (
        ("north.rep", 200),
        ("north.rep2", 404),
        ("south.manager", 404),
        ("other.admin", 404),
    ):
        assert client.get(url, headers=world.headers(who), params=period).status_code == status
    bad = {"from": period["to"], "to": period["from"]}
    assert client.get(url, headers=headers, params=bad).status_code == 422


def test_device_reports_are_listed_newest_first(client: TestClient, world: World) -> None:
    device = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "ios", "protocol": "owntracks"},
    ).json()
    auth = (device["identifier"], device["secret"])
    for event in ("enter", "leave"):
        client.post(
            "/ingest/owntracks",
            auth=auth,
            json={"_type": "transition", "event": event, "desc": "Office"},
        )
    url = f"/api/v1/devices/{device['id']}/reports"
    items = client.get(url, headers=world.headers("north.manager")).json()["items"]
    assert [(i["kind"], i["payload"]["event"]) for i in items] == [
        ("transition", "leave"),
        ("transition", "enter"),
    ]
    assert client.get(url, headers=world.headers("south.manager")).status_code == 404
    assert client.get(url, headers=world.headers("other.admin")).status_code == 404
