"""Zones over HTTP: shapes and their validation, scope, import and export, assignments."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.zones.models import Zone, ZoneAssignment
from tests.world import World

ZONES = "/api/v1/zones"
LON, LAT = 120.1551, 30.2741  # Hangzhou


def square(lon: float = LON, lat: float = LAT, d: float = 0.01) -> dict[str, Any]:
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"name": "West Lake area", "kind": "work_area", **props},
    }


def create(client: TestClient, world: World, who: str = "north.manager", **props: Any) -> dict:
    geometry = props.pop("geometry", square())
    r = client.post(ZONES, headers=world.headers(who), json=feature(geometry, **props))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def zone_count(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Zone)) or 0


def test_polygon_and_circle_zones(client: TestClient, world: World) -> None:
    z = create(client, world, code="HZ-01", org_unit_id=world.unit_id("north"), owner="Li")
    assert z["type"] == "Feature"
    props = z["properties"]
    assert props["name"] == "West Lake area"
    assert props["shape"] == "polygon"
    assert props["owner"] == "Li"  # other properties are kept
    assert props["area_m2"] == pytest.approx(2.0 * 1113 * 2.0 * 961, rel=0.01)
    assert z["geometry"]["type"] == "Polygon"
    assert z["geometry"]["coordinates"][0][0] == pytest.approx([LON - 0.01, LAT - 0.01])
    c = create(
        client,
        world,
        name="Hall 3",
        kind="customer_site",
        geometry={"type": "Point", "coordinates": [LON, LAT]},
        radius_m=120,
        settings={"offzone_margin_m": 50},
    )
    assert c["geometry"] == {"type": "Point", "coordinates": [LON, LAT]}
    assert c["properties"]["radius_m"] == 120
    assert c["properties"]["settings"] == {"offzone_margin_m": 50}
    assert c["properties"]["area_m2"] == pytest.approx(45238.9, rel=1e-3)
    headers = world.headers("north.manager")
    got = client.get(f"{ZONES}/{c['id']}", headers=headers).json()
    assert got["properties"]["name"] == "Hall 3"
    listed = client.get(ZONES, headers=headers).json()
    assert [f["properties"]["name"] for f in listed["items"]] == ["Hall 3", "West Lake area"]
    kinds = client.get(ZONES, headers=headers, params={"kind": "customer_site"}).json()
    assert len(kinds["items"]) == 1
    r = client.patch(
        f"{ZONES}/{z['id']}", headers=headers, json={"name": "Lake", "geometry": square(d=0.02)}
    )
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["area_m2"] == pytest.approx(4 * props["area_m2"], rel=0.01)
    assert client.delete(f"{ZONES}/{z['id']}", headers=headers).status_code == 204
    assert client.get(f"{ZONES}/{z['id']}", headers=headers).status_code == 404
    trail = client.get("/api/v1/audit", headers=world.headers("admin")).json()["items"]
    assert [e["action"] for e in trail[:4]] == [
        "zone.delete",
        "zone.update",
        "zone.create",
        "zone.create",
    ]


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01], [LON, LAT]]
    ],
}


@pytest.mark.parametrize(
    ("geometry", "props", "says"),
    [
        (BOWTIE, {}, "Self-intersection"),
        (square(lat=89.5, d=0.1), {}, "latitudes must be within"),
        (square(lon=200), {}, "longitudes must be within"),
        (square(d=0.00001), {}, "too small"),
        (square(d=20), {}, "too large"),
        (
            {"type": "Polygon", "coordinates": [[[-170, 0], [170, 0], [170, 1], [-170, 0]]]},
            {},
            "antimeridian",
        ),
        ({"type": "Point", "coordinates": [LON, LAT]}, {}, "radius_m"),
        ({"type": "Point", "coordinates": [LON, LAT]}, {"radius_m": 500_000}, "radius_m"),
        (square(), {"radius_m": 50}, "only for Point"),
        ({"type": "LineString", "coordinates": [[LON, LAT], [LON, LAT + 1]]}, {}, "type"),
        ({"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT + 1]]]}, {}, "coordinates"),
        (square(), {"kind": "playground"}, "kind"),
        (square(), {"name": ""}, "name"),
        (square(), {"settings": {"offzone_dwell_s": -5}}, "offzone_dwell_s"),
        (square(), {"settings": {"colour": "red"}}, "colour"),
    ],
)
def test_bad_zones_are_refused_clearly_and_nothing_is_written(
    client: TestClient,
    world: World,
    db: Session,
    geometry: dict[str, Any],
    props: dict[str, Any],
    says: str,
) -> None:
    before = zone_count(db)
    r = client.post(ZONES, headers=world.headers("admin"), json=feature(geometry, **props))
    assert r.status_code == 422, r.text
    assert says in r.text
    assert zone_count(db) == before


def test_too_many_vertices(client: TestClient, world: World) -> None:
    import math

    n = 10_001
    ring = [
        [LON + 0.1 * math.cos(2 * math.pi * k / n), LAT + 0.1 * math.sin(2 * math.pi * k / n)]
        for k in range(n)
    ]
    geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
    r = client.post(ZONES, headers=world.headers("admin"), json=feature(geometry))
    assert r.status_code == 422
    assert "too many vertices" in r.text


def test_codes_are_unique_per_tenant(client: TestClient, world: World) -> None:
    create(client, world, code="Z1")
    r = client.post(ZONES, headers=world.headers("admin"), json=feature(square(), code="Z1"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "duplicate_code")
    other = client.post(
        ZONES, headers=world.headers("other.admin"), json=feature(square(), code="Z1")
    )
    assert other.status_code == 201


def test_zones_are_managed_within_scope(client: TestClient, world: World) -> None:
    north = create(client, world, org_unit_id=world.unit_id("north"))
    north_a = create(client, world, "north.sup", name="Team A patch")
    assert north_a["properties"]["org_unit_id"] == world.unit_id("north-a")
    body = feature(square(), org_unit_id=world.unit_id("north"))
    assert client.post(ZONES, headers=world.headers("north.sup"), json=body).status_code == 404
    assert client.post(ZONES, headers=world.headers("north.rep"), json=body).status_code == 404
    own_unit = feature(square())  # a rep's own unit: visible, but not theirs to manage
    r = client.post(ZONES, headers=world.headers("north.rep"), json=own_unit)
    assert r.status_code == 403
    url = f"{ZONES}/{north['id']}"
    for who in ("south.manager", "other.admin", "north.sup"):
        headers = world.headers(who)
        assert client.get(url, headers=headers).status_code == 404, who
        assert client.patch(url, headers=headers, json={"name": "x"}).status_code == 404, who
        assert client.delete(url, headers=headers).status_code == 404, who
    names = lambda who: [  # noqa: E731
        f["properties"]["name"]
        for f in client.get(ZONES, headers=world.headers(who)).json()["items"]
    ]
    assert names("north.manager") == ["Team A patch", "West Lake area"]
    assert names("north.sup") == ["Team A patch"]
    assert names("south.manager") == []
    assert names("other.admin") == []
    assert len(names("admin")) == 2
    assert names("north.rep") == ["Team A patch"]  # their own team's zones, read-only


def test_import_and_export(client: TestClient, world: World, db: Session) -> None:
    admin = world.headers("admin")
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature(square(), name="A", code="A"),
            feature(square(LON + 0.1), name="B", code="B", kind="office"),
            feature({"type": "Point", "coordinates": [LON, LAT]}, name="C", radius_m=80),
        ],
    }
    r = client.post(f"{ZONES}/import", headers=admin, json=collection)
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["updated"]) == (3, 0)
    exported = client.get(f"{ZONES}/export", headers=admin).json()
    assert exported["type"] == "FeatureCollection"
    assert [f["properties"]["name"] for f in exported["features"]] == ["A", "B", "C"]
    # the export goes straight back in: zones with codes are updated, the rest created
    exported["features"][0]["properties"]["name"] = "A2"
    r = client.post(f"{ZONES}/import", headers=admin, json=exported)
    assert (r.json()["created"], r.json()["updated"]) == (1, 2)
    # one bad feature: nothing saved, every failure listed
    before = zone_count(db)
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature(square(), name="fine", code="new-1"),
            feature(BOWTIE, name="bow", code="new-2"),
            feature(square(), name="dup", code="new-1", org_unit_id=world.unit_id("south")),
        ],
    }
    r = client.post(f"{ZONES}/import", headers=admin, json=bad)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "import_failed"
    assert [d["index"] for d in error["details"]] == [1]
    assert zone_count(db) == before
    # another tenant's codes are not ours to update
    theirs = {"type": "FeatureCollection", "features": [feature(square(), name="X", code="A")]}
    r = client.post(f"{ZONES}/import", headers=world.headers("other.admin"), json=theirs)
    assert r.json()["created"] == 1


def test_assignments_to_staff_and_to_units(client: TestClient, world: World, db: Session) -> None:
    manager = world.headers("north.manager")
    branch = create(client, world, name="Branch area", org_unit_id=world.unit_id("north"))
    own = create(client, world, name="Rep patch")
    url = lambda z: f"{ZONES}/{z['id']}/assignments"  # noqa: E731
    r = client.post(url(branch), headers=manager, json={"org_unit_id": world.unit_id("north")})
    assert r.status_code == 201, r.text
    r = client.post(
        url(own),
        headers=manager,
        json={
            "staff_id": world.staff_id("north.rep"),
            "valid_from": "2026-12-01",
            "valid_to": "2026-12-31",
        },
    )
    assert r.status_code == 201, r.text
    assignment_id = r.json()["id"]
    rep = world.staff_id("north.rep")

    def zones_of(who: str, on: str, as_: str = "north.rep") -> list[tuple[str, str]]:
        r = client.get(
            f"/api/v1/staff/{world.staff_id(who)}/zones",
            headers=world.headers(as_),
            params={"on": on},
        )
        assert r.status_code == 200, r.text
        assert r.json()["next_cursor"] is None
        return [(z["zone"]["properties"]["name"], z["via"]) for z in r.json()["items"]]

    assert zones_of("north.rep", "2026-12-15") == [
        ("Rep patch", "staff"),
        ("Branch area", "org_unit"),
    ]
    assert zones_of("north.rep", "2027-01-01") == [("Branch area", "org_unit")]
    assert zones_of("north.rep2", "2026-12-15", "north.manager") == [("Branch area", "org_unit")]
    assert zones_of("south.rep", "2026-12-15", "admin") == []
    assert (
        client.get(f"/api/v1/staff/{rep}/zones", headers=world.headers("south.manager")).status_code
        == 404
    )
    # overlapping dates for the same person: refused; bad dates: refused
    r = client.post(url(own), headers=manager, json={"staff_id": rep, "valid_from": "2026-12-30"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "duplicate_assignment")
    r = client.post(
        url(own),
        headers=manager,
        json={"staff_id": rep, "valid_from": "2027-02-01", "valid_to": "2027-01-01"},
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_dates")
    r = client.post(url(own), headers=manager, json={})
    assert r.status_code == 422
    # who may assign
    body = {"staff_id": rep}
    assert client.post(url(own), headers=world.headers("north.rep"), json=body).status_code == 404
    south = {"staff_id": world.staff_id("south.rep"), "valid_from": "2028-01-01"}
    assert client.post(url(own), headers=manager, json=south).status_code == 404
    assert (
        client.post(url(own), headers=world.headers("south.manager"), json=body).status_code == 404
    )
    assert client.post(url(own), headers=world.headers("other.admin"), json=body).status_code == 404
    listed = client.get(url(own), headers=manager).json()
    assert [a["id"] for a in listed["items"]] == [assignment_id]
    assert listed["next_cursor"] is None
    r = client.delete(f"{url(own)}/{assignment_id}", headers=manager)
    assert r.status_code == 204
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ZoneAssignment)) == 1
