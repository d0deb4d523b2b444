"""Customers over HTTP: positions in WGS-84 whatever system they came in, duplicates
refused, stages moved and kept, found by box and distance, imported all or nothing, and
who sees and changes which."""

from __future__ import annotations

import io
import json
import math
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.customers.models import Customer, StageChange
from geo.crs import from_wgs84
from geo.distance import distance_m as haversine_m
from tests.world import World

URL = "/api/v1/customers"
HALL = (120.1551, 30.2741)  # WGS-84, Hangzhou


def east(metres: float, start: tuple[float, float] = HALL) -> tuple[float, float]:
    lon, lat = start
    return lon + metres / (111_320 * math.cos(math.radians(lat))), lat


def make(client: TestClient, world: World, who: str, **body: Any) -> Response:
    body.setdefault("name", "West Lake Hall")
    if "lon" not in body:
        body["lon"], body["lat"] = HALL
    return client.post(URL, headers=world.headers(who), json=body)


def made(client: TestClient, world: World, who: str, **body: Any) -> dict[str, Any]:
    r = make(client, world, who, **body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Customer)) or 0


def test_positions_from_amap_and_baidu_are_stored_in_wgs84(
    client: TestClient, world: World
) -> None:
    for crs in ("gcj02", "bd09"):
        lon, lat = from_wgs84(*east(1000 if crs == "bd09" else 0), crs)
        assert haversine_m(lon, lat, *HALL) > 100  # the shift a wrong system would leave
        c = made(client, world, "north.rep", name=f"Hall {crs}", lon=lon, lat=lat, crs=crs)
        truth = east(1000 if crs == "bd09" else 0)
        assert haversine_m(c["lon"], c["lat"], *truth) < 1.0, crs
        assert c["radius_m"] == 100  # the tenant's visit_radius_m
    outside = made(client, world, "north.rep", name="Paris", lon=2.35, lat=48.85, crs="gcj02")
    assert (outside["lon"], outside["lat"]) == (2.35, 48.85)  # GCJ-02 is WGS-84 there


def test_the_same_name_nearby_is_a_duplicate(client: TestClient, world: World, db: Session) -> None:
    first = made(client, world, "north.rep", name="West Lake Hall")
    r = make(
        client, world, "north.rep", name="  west lake ＨＡＬＬ ", lon=east(150)[0], lat=HALL[1]
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "duplicate_customer"
    assert r.json()["error"]["details"]["customer_id"] == first["id"]
    assert count(db) == 1
    far = make(client, world, "north.rep", name="West Lake Hall", lon=east(300)[0], lat=HALL[1])
    assert far.status_code == 201
    forced = client.post(
        URL,
        headers=world.headers("north.rep"),
        params={"allow_duplicate": "true"},
        json={"name": "West Lake Hall", "lon": HALL[0], "lat": HALL[1]},
    )
    assert forced.status_code == 201


def test_stages_move_forward_and_are_kept(client: TestClient, world: World) -> None:
    c = made(client, world, "north.rep")

    def move(stage: str, reason: str | None = None, who: str = "north.rep") -> Response:
        body = {"stage": stage} | ({"reason": reason} if reason else {})
        return client.post(f"{URL}/{c['id']}/stage", headers=world.headers(who), json=body)

    assert move("intended").json()["stage"] == "intended"
    assert move("partner").json()["stage"] == "partner"
    r = move("intended")
    assert (r.status_code, r.json()["error"]["code"]) == (409, "invalid_transition")
    r = move("lost")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "reason_required")
    lost = move("lost", "Moved to a competitor").json()
    assert (lost["stage"], lost["lost_reason"]) == ("lost", "Moved to a competitor")
    assert move("prospect").json()["lost_reason"] is None
    history = client.get(f"{URL}/{c['id']}/stages", headers=world.headers("north.sup")).json()
    assert [(h["from_stage"], h["to_stage"]) for h in history["items"]] == [
        (None, "prospect"),
        ("prospect", "intended"),
        ("intended", "partner"),
        ("partner", "lost"),
        ("lost", "prospect"),
    ]
    assert {h["changed_by"] for h in history["items"]} == {world.staff_id("north.rep")}
    assert history["items"][3]["reason"] == "Moved to a competitor"


def test_nearest_and_in_a_box(client: TestClient, world: World) -> None:
    for metres in (900, 100, 400, 2500):
        made(client, world, "north.sup", name=f"Outlet {metres}", lon=east(metres)[0], lat=HALL[1])
    r = client.get(
        f"{URL}/nearest",
        headers=world.headers("north.sup"),
        params={"lon": HALL[0], "lat": HALL[1], "limit": 3},
    )
    assert r.status_code == 200, r.text
    got = [(c["name"], c["distance_m"]) for c in r.json()["items"]]
    assert [name for name, _ in got] == ["Outlet 100", "Outlet 400", "Outlet 900"]
    for (name, metres), expected in zip(got, (100, 400, 900), strict=True):
        assert abs(metres - expected) < 2, name
    within = client.get(
        f"{URL}/nearest",
        headers=world.headers("north.sup"),
        params={"lon": HALL[0], "lat": HALL[1], "within_m": 500},
    ).json()["items"]
    assert [c["name"] for c in within] == ["Outlet 100", "Outlet 400"]
    # the point may be given as AMap gives it
    g = from_wgs84(*HALL, "gcj02")
    amap = client.get(
        f"{URL}/nearest",
        headers=world.headers("north.sup"),
        params={"lon": g[0], "lat": g[1], "crs": "gcj02", "limit": 1},
    ).json()["items"]
    assert abs(amap[0]["distance_m"] - 100) < 2
    west, _ = east(300)
    box = f"{west},{HALL[1] - 0.01},{east(1000)[0]},{HALL[1] + 0.01}"
    boxed = client.get(URL, headers=world.headers("north.sup"), params={"bbox": box}).json()
    assert sorted(c["name"] for c in boxed["items"]) == ["Outlet 400", "Outlet 900"]
    for bad in ("1,2,3", "10,10,0,20", "a,b,c,d"):
        r = client.get(URL, headers=world.headers("north.sup"), params={"bbox": bad})
        assert r.status_code == 422, bad


def test_who_sees_and_changes_which(client: TestClient, world: World) -> None:
    mine = made(client, world, "north.rep", name="Mine", owner_id=world.staff_id("north.rep"))
    team = made(
        client, world, "north.sup", name="Team's", lon=east(500)[0], lat=HALL[1]
    )  # unit north-a, nobody's
    south = made(client, world, "south.manager", name="South's", lon=east(900)[0], lat=HALL[1])

    def names(who: str) -> set[str]:
        r = client.get(URL, headers=world.headers(who))
        assert r.status_code == 200, r.text
        return {c["name"] for c in r.json()["items"]}

    assert names("north.rep") == {"Mine", "Team's"}
    assert names("north.rep2") == set()  # another team
    assert names("north.manager") == {"Mine", "Team's"}
    assert names("admin") == {"Mine", "Team's", "South's"}
    assert names("other.admin") == set()
    for who, cid in (
        ("north.rep2", mine["id"]),
        ("south.manager", mine["id"]),
        ("other.admin", team["id"]),
        ("north.manager", south["id"]),
    ):
        assert client.get(f"{URL}/{cid}", headers=world.headers(who)).status_code == 404, who
    # a rep sees the team's customer but changes only their own
    r = client.patch(f"{URL}/{team['id']}", headers=world.headers("north.rep"), json={"name": "X"})
    assert r.status_code == 403
    r = client.patch(
        f"{URL}/{mine['id']}", headers=world.headers("north.rep"), json={"name": "Still mine"}
    )
    assert (r.status_code, r.json()["name"]) == (200, "Still mine")
    # a rep places in their own unit only, and gives to nobody else
    r = make(client, world, "north.rep", name="Elsewhere", org_unit_id=world.unit_id("north-b"))
    assert r.status_code == 403
    r = make(client, world, "north.rep", name="Gift", owner_id=world.staff_id("north.rep2"))
    assert r.status_code == 403
    # the supervisor hands the team's customer to the rep
    r = client.patch(
        f"{URL}/{team['id']}",
        headers=world.headers("north.sup"),
        json={"owner_id": world.staff_id("north.rep")},
    )
    assert (r.status_code, r.json()["owner_id"]) == (200, world.staff_id("north.rep"))
    r = client.patch(
        f"{URL}/{team['id']}",
        headers=world.headers("north.sup"),
        json={"owner_id": world.staff_id("south.rep")},
    )
    assert r.status_code == 404  # not someone the supervisor sees


def test_bad_customers_are_refused_and_nothing_is_written(
    client: TestClient, world: World, db: Session
) -> None:
    for bad in (
        {"crs": "utm"},
        {"radius_m": 0},
        {"radius_m": 10001},
        {"kind": "shop"},
        {"stage": "lost"},  # no reason
        {"lon": 181},
        {"name": " "},
        {"tags": ["x" * 41]},
        {"surprise": 1},
    ):
        r = make(client, world, "north.sup", **bad)
        assert r.status_code == 422, (bad, r.text)
    assert count(db) == 0
    c = made(client, world, "north.sup", code="HZ-001")
    r = make(client, world, "north.sup", name="Other", code="HZ-001", lon=east(900)[0], lat=HALL[1])
    assert (r.status_code, r.json()["error"]["code"]) == (409, "code_taken")
    r = client.patch(f"{URL}/{c['id']}", headers=world.headers("north.sup"), json={"lon": 120.0})
    assert r.status_code == 422  # lon without lat
    r = client.patch(f"{URL}/{c['id']}", headers=world.headers("north.sup"), json={"name": None})
    assert r.status_code == 422


CSV_OK = """name,lon,lat,kind,stage,code,address,owner,tags,contact_name,contact_phone
Wulin Hall,{a0},{a1},service_hall,partner,HZ-100,1 Wulin Road,north.rep,vip;mall,Ms Li,13800000000
Hubin Outlet,{b0},{b1},partner_outlet,prospect,HZ-101,,,,,
"""


def test_import_csv_in_gcj02_and_geojson(client: TestClient, world: World, db: Session) -> None:
    truth_a, truth_b = HALL, east(1200)
    a, b = from_wgs84(*truth_a, "gcj02"), from_wgs84(*truth_b, "gcj02")
    text = CSV_OK.format(a0=a[0], a1=a[1], b0=b[0], b1=b[1])
    r = client.post(
        f"{URL}/import",
        headers=world.headers("north.sup"),
        params={"crs": "gcj02"},
        files={"file": ("outlets.csv", text.encode(), "text/csv")},
    )
    assert r.status_code == 201, r.text
    assert r.json()["imported"] == 2
    rows = {
        c["code"]: c for c in client.get(URL, headers=world.headers("north.sup")).json()["items"]
    }
    assert haversine_m(rows["HZ-100"]["lon"], rows["HZ-100"]["lat"], *truth_a) < 1
    assert haversine_m(rows["HZ-101"]["lon"], rows["HZ-101"]["lat"], *truth_b) < 1
    assert rows["HZ-100"]["owner_id"] == world.staff_id("north.rep")
    assert rows["HZ-100"]["tags"] == ["mall", "vip"]
    assert rows["HZ-100"]["contacts"] == [{"name": "Ms Li", "phone": "13800000000", "title": None}]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(east(3000))},
        "properties": {"name": "Xixi Outlet", "kind": "enterprise", "tags": ["park"]},
    }
    doc = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    r = client.post(
        f"{URL}/import",
        headers=world.headers("north.sup"),
        params={"format": "geojson"},
        files={"file": ("outlets.geojson", doc, "application/geo+json")},
    )
    assert (r.status_code, r.json()["imported"]) == (201, 1)


def test_an_import_with_bad_rows_saves_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    made(client, world, "north.sup", name="Wulin Hall")  # the second row duplicates it
    before = count(db)
    text = (
        "name,lon,lat,owner,kind\n"
        f"Fine Outlet,{east(2000)[0]},{HALL[1]},,\n"
        f"wulin hall,{HALL[0]},{HALL[1]},,\n"
        f"No Place,abc,{HALL[1]},,\n"
        f"Nobody's,{east(3000)[0]},{HALL[1]},ghost,\n"
        f"Odd Kind,{east(4000)[0]},{HALL[1]},,shop\n"
    )
    r = client.post(
        f"{URL}/import",
        headers=world.headers("north.sup"),
        files={"file": ("outlets.csv", text.encode(), "text/csv")},
    )
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "import_failed"
    assert [(f["row"], f.get("field") or f.get("code")) for f in error["details"]] == [
        (2, "duplicate_customer"),
        (3, "lon"),
        (4, "owner"),
        (5, "invalid_kind"),
    ]
    db.expire_all()
    assert count(db) == before  # the fine row was not kept either
    assert db.scalar(select(func.count()).select_from(StageChange)) == before
    for data, fmt in ((b"name;lon\nx;1\n", "csv"), (b"{}", "geojson"), (b"\xff\xfe", "csv")):
        r = client.post(
            f"{URL}/import",
            headers=world.headers("north.sup"),
            params={"format": fmt},
            files={"file": ("f", io.BytesIO(data).read(), "text/plain")},
        )
        assert r.status_code == 422, data
