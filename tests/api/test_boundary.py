"""Values checked at the boundary: every value a hostile client sent to make the service
answer 500 is answered 4xx instead, and nothing is written."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from fieldforce.audit.models import AuditEntry
from fieldforce.tracking.models import Ping
from fieldforce.zones.models import Zone
from tests.world import PASSWORD, World

NUL, SURROGATE = "\u0000", "\ud800"


def soon(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


def ping(**changes: Any) -> dict[str, Any]:
    item = {
        "id": str(uuid.uuid4()),
        "fix_time": soon(minutes=-5),
        "lon": 121.47,
        "lat": 31.23,
        "accuracy_m": 8,
    }
    return {**item, **changes}


def stored_pings(db: Session, world: World) -> int:
    db.expire_all()
    staff_id = world.staff["north.rep"].id
    return db.scalar(select(func.count()).select_from(Ping).where(Ping.staff_id == staff_id)) or 0


def audit_entries(db: Session) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEntry)) or 0


def as_json(headers: dict[str, str], body: Any) -> dict[str, Any]:
    """Request keywords for a JSON body; json.dumps escapes a lone surrogate as \\ud800, as
    a client would (httpx refuses to encode one)."""
    return {"content": json.dumps(body), "headers": {**headers, "Content-Type": "application/json"}}


def refused(response: Any, status: int = 422) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"]


# --- times ---


def test_a_task_due_in_year_9999_is_refused_and_task_lists_keep_working(
    client: TestClient, world: World, db: Session
) -> None:
    admin = world.headers("admin")
    body = {"assignee_id": world.staff_id("north.rep"), "title": "far away"}
    for due in ("9999-12-31T23:00:00-05:00", "2101-01-01T00:00:00Z", "1969-12-31T23:59:59Z"):
        refused(client.post("/api/v1/tasks", headers=admin, json={**body, "due_at": due}))
    assert audit_entries(db) == 0
    for who in ("admin", "north.rep"):
        r = client.get("/api/v1/tasks", headers=world.headers(who))
        assert r.status_code == 200
        assert r.json()["items"] == []


def test_a_task_stored_due_past_year_9999_reads_as_due_at_the_end_of_time(
    client: TestClient, world: World, db: Session
) -> None:
    """A row written before due times were checked: task lists answer, not 500."""
    admin = world.headers("admin")
    body = {"assignee_id": world.staff_id("north.rep"), "title": "far away"}
    task_id = client.post("/api/v1/tasks", headers=admin, json=body).json()["id"]
    db.execute(
        text("UPDATE task SET due_at = '10000-01-01 04:00:00+00' WHERE id = :id"), {"id": task_id}
    )
    db.commit()
    for who in ("admin", "north.rep"):
        r = client.get("/api/v1/tasks", headers=world.headers(who))
        assert r.status_code == 200, r.text
        assert r.json()["items"][0]["due_at"].startswith("9999-12-31T23:59:59")
    assert client.get(f"/api/v1/tasks/{task_id}", headers=admin).status_code == 200


@pytest.mark.parametrize("offset", ["+16:00", "-16:00", "+23:59", "-23:30"])
def test_utc_offsets_beyond_15_59_are_refused_everywhere(
    client: TestClient, world: World, db: Session, offset: str
) -> None:
    admin, rep = world.headers("admin"), world.headers("north.rep")
    stamp = f"2025-11-22T08:00:00{offset}"
    refused(client.post("/api/v1/pings", headers=rep, json={"pings": [ping(fix_time=stamp)]}))
    notice = {"title": "t", "body": "b", "org_unit_ids": [world.unit_id("root")]}
    refused(client.post("/api/v1/notices", headers=admin, json={**notice, "send_at": stamp}))
    staff = world.staff_id("north.rep")
    period = {"from": stamp, "to": "2025-11-23T08:00:00+08:00"}
    for url in (
        "/api/v1/events",
        f"/api/v1/staff/{staff}/track",
        f"/api/v1/staff/{staff}/pings",
        f"/api/v1/staff/{staff}/duty",
    ):
        refused(client.get(url, headers=admin, params=period))
    assert stored_pings(db, world) == 0
    assert audit_entries(db) == 0


def test_naive_times_are_refused_where_an_offset_is_promised(
    client: TestClient, world: World
) -> None:
    staff = world.staff_id("north.rep")
    params = {"from": "2025-11-22T08:00:00", "to": "2025-11-23T08:00:00"}
    for url in ("/api/v1/events", f"/api/v1/staff/{staff}/duty"):
        refused(client.get(url, headers=world.headers("admin"), params=params))


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_duty_summary_of_year_1_or_9999_is_refused(
    client: TestClient, world: World, day: str
) -> None:
    staff = world.staff_id("north.rep")
    r = client.get(
        f"/api/v1/staff/{staff}/duty-summary", headers=world.headers("admin"), params={"from": day}
    )
    refused(r)
    r = client.get(
        "/api/v1/duty-exceptions", headers=world.headers("admin"), params={"from": day, "to": day}
    )
    refused(r)


# --- numbers ---


@pytest.mark.parametrize(
    "changes",
    [
        {"altitude_m": 1e308},
        {"altitude_m": 20_001},
        {"speed_mps": 1e308},
        {"accuracy_m": 1e308},
        {"battery_pct": 101},
        {"bearing_deg": 361},
    ],
)
def test_measurements_out_of_range_are_refused(
    client: TestClient, world: World, db: Session, changes: dict[str, float]
) -> None:
    r = client.post(
        "/api/v1/pings", headers=world.headers("north.rep"), json={"pings": [ping(**changes)]}
    )
    refused(r)
    assert stored_pings(db, world) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("field", ["lon", "lat", "altitude_m", "speed_mps", "accuracy_m"])
def test_nan_and_infinity_in_pings_are_refused_not_stored_as_null(
    client: TestClient, world: World, db: Session, literal: str, field: str
) -> None:
    body = json.dumps({"pings": [ping(**{field: "@"})]}).replace('"@"', literal)
    r = client.post(
        "/api/v1/pings",
        headers={**world.headers("north.rep"), "Content-Type": "application/json"},
        content=body,
    )
    refused(r)
    assert stored_pings(db, world) == 0


def test_a_ping_out_of_lon_lat_range_is_still_rejected_per_item(
    client: TestClient, world: World
) -> None:
    r = client.post(
        "/api/v1/pings", headers=world.headers("north.rep"), json={"pings": [ping(lat=1e308)]}
    )
    assert r.status_code == 200
    assert r.json()["results"][0]["status"] == "rejected"


# --- zones ---


def square(*extra: float) -> list[list[list[float]]]:
    corners = [(121.40, 31.20), (121.41, 31.20), (121.41, 31.21), (121.40, 31.21), (121.40, 31.20)]
    return [[[lon, lat, *extra] for lon, lat in corners]]


def zone_body(coordinates: Any, kind: str = "Polygon") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": kind, "coordinates": coordinates},
        "properties": {"name": "Zone", "kind": "work_area"},
    }


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_zones_with_nan_or_infinite_coordinates_are_refused(
    client: TestClient, world: World, db: Session, literal: str
) -> None:
    headers = {**world.headers("admin"), "Content-Type": "application/json"}
    polygon = json.dumps(zone_body(square())).replace("121.41", literal, 1)
    circle = zone_body([121.4, "@"], "Point")
    circle["properties"]["radius_m"] = 100
    for body in (polygon, json.dumps(circle).replace('"@"', literal)):
        refused(client.post("/api/v1/zones", headers=headers, content=body))
    collection = json.dumps({"type": "FeatureCollection", "features": [json.loads(polygon)]})
    refused(client.post("/api/v1/zones/import", headers=headers, content=collection))
    radius = json.dumps({**circle, "geometry": {"type": "Point", "coordinates": [121.4, 31.2]}})
    radius = radius.replace('"radius_m": 100', f'"radius_m": {literal}')
    refused(client.post("/api/v1/zones", headers=headers, content=radius))
    assert db.scalar(select(func.count()).select_from(Zone)) == 0


def test_three_dimensional_zones_are_stored_flat(client: TestClient, world: World) -> None:
    headers = world.headers("admin")
    r = client.post("/api/v1/zones", headers=headers, json=zone_body(square(12.5)))
    assert r.status_code == 201, r.text
    ring = r.json()["geometry"]["coordinates"][0]
    assert all(len(position) == 2 for position in ring)
    circle = zone_body([121.4, 31.2, 30.0], "Point")
    circle["properties"]["radius_m"] = 100
    r = client.post("/api/v1/zones", headers=headers, json=circle)
    assert r.status_code == 201, r.text


def test_a_zone_property_that_cannot_be_stored_is_refused(
    client: TestClient, world: World, db: Session
) -> None:
    body = zone_body(square())
    for bad in ({"note": f"a{NUL}b"}, {"note": f"a{SURROGATE}b"}, {f"k{NUL}": 1}):
        body["properties"] = {"name": "Zone", **bad}
        refused(client.post("/api/v1/zones", **as_json(world.headers("admin"), body)))
    assert db.scalar(select(func.count()).select_from(Zone)) == 0


# --- cursors ---


def cursor(values: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


ANY_LIST = ("/api/v1/tasks", "/api/v1/staff", "/api/v1/zones", "/api/v1/events")
TIME_KEYED = ("/api/v1/tasks", "/api/v1/events", "/api/v1/notices", "/api/v1/inbox")


@pytest.mark.parametrize(
    ("values", "lists"),
    [
        ("[1e999, 1]", ANY_LIST),
        ([[["x"]], str(uuid.uuid4())], ANY_LIST),
        ([{"a": 1}, str(uuid.uuid4())], ANY_LIST),
        ([f"a{NUL}", str(uuid.uuid4())], ANY_LIST),
        ([f"a{SURROGATE}", str(uuid.uuid4())], ANY_LIST),
        ([None, None], ANY_LIST),
        ([1, 2, 3], ANY_LIST),
        (["9999-12-31T23:00:00-05:00", str(uuid.uuid4())], TIME_KEYED),
        (["2025-01-01T00:00:00+20:00", str(uuid.uuid4())], TIME_KEYED),
        (["2025-01-01T00:00:00", str(uuid.uuid4())], TIME_KEYED),
    ],
)
def test_crafted_cursors_answer_invalid_cursor(
    client: TestClient, world: World, values: Any, lists: tuple[str, ...]
) -> None:
    raw = (
        base64.urlsafe_b64encode(values.encode()).decode()
        if isinstance(values, str)
        else cursor(values)
    )
    for url in lists:
        r = client.get(url, headers=world.headers("admin"), params={"cursor": raw})
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["code"] == "invalid_cursor"


def test_duty_exceptions_page_through_their_cursor(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    for day in ("2025-05-01", "2025-05-02", "2025-05-03"):
        r = client.post(
            "/api/v1/duty-exceptions",
            headers=admin,
            json={"org_unit_id": world.unit_id("root"), "day": day, "kind": "off"},
        )
        assert r.status_code == 201, r.text
    first = client.get("/api/v1/duty-exceptions", headers=admin, params={"limit": 2}).json()
    assert first["next_cursor"]
    rest = client.get(
        "/api/v1/duty-exceptions",
        headers=admin,
        params={"limit": 2, "cursor": first["next_cursor"]},
    )
    assert rest.status_code == 200, rest.text
    assert [e["day"] for e in first["items"] + rest.json()["items"]] == [
        "2025-05-01",
        "2025-05-02",
        "2025-05-03",
    ]


# --- text: one walk over the endpoints that take text, with NUL and a lone surrogate ---

Request = tuple[str, str, dict[str, Any]]


def text_requests(world: World, bad: str) -> list[Request]:
    """(who, method url, request keywords) with ``bad`` in one text value each."""
    staff, unit = world.staff_id("north.rep"), world.unit_id("north-a")
    square_zone = zone_body(square())
    return [
        ("admin", "POST /api/v1/org-units", {"json": {"name": bad, "parent_id": unit}}),
        (
            "admin",
            "POST /api/v1/org-units",
            {"json": {"name": "U", "parent_id": unit, "code": bad}},
        ),
        ("admin", f"PATCH /api/v1/org-units/{unit}", {"json": {"name": bad}}),
        ("admin", "GET /api/v1/org-units", {"params": {"q": bad}}),
        ("admin", "GET /api/v1/staff", {"params": {"q": bad}}),
        (
            "admin",
            "POST /api/v1/staff",
            {"json": {"login": bad, "password": PASSWORD, "name": "N", "org_unit_id": unit}},
        ),
        (
            "admin",
            "POST /api/v1/staff",
            {"json": {"login": "n.new", "password": PASSWORD, "name": bad, "org_unit_id": unit}},
        ),
        (
            "admin",
            "POST /api/v1/staff",
            {
                "json": {
                    "login": "n.new",
                    "password": f"{PASSWORD}{bad}",
                    "name": "N",
                    "org_unit_id": unit,
                }
            },
        ),
        ("admin", f"PATCH /api/v1/staff/{staff}", {"json": {"name": bad}}),
        ("admin", f"PATCH /api/v1/staff/{staff}", {"json": {"employee_code": bad}}),
        (
            "admin",
            f"POST /api/v1/staff/{staff}/password",
            {"json": {"password": f"{PASSWORD}{bad}"}},
        ),
        (
            "north.rep",
            "POST /api/v1/me/password",
            {"json": {"current_password": bad, "new_password": f"{PASSWORD}x"}},
        ),
        (
            "north.rep",
            "POST /api/v1/me/password",
            {"json": {"current_password": PASSWORD, "new_password": f"{PASSWORD}{bad}"}},
        ),
        (
            "north.rep",
            "POST /api/v1/devices",
            {"json": {"staff_id": staff, "platform": "android", "protocol": "app", "name": bad}},
        ),
        ("admin", "PATCH /api/v1/tenant", {"json": {"name": bad}}),
        ("admin", "PATCH /api/v1/tenant", {"json": {"timezone": bad}}),
        (
            "admin",
            "POST /api/v1/tenant/sms-gateway/test",
            {"json": {"phone": "+8613800000000", "text": bad}},
        ),
        (
            "admin",
            "POST /api/v1/notices",
            {"json": {"title": bad, "body": "b", "org_unit_ids": [unit]}},
        ),
        (
            "admin",
            "POST /api/v1/notices",
            {"json": {"title": "t", "body": bad, "org_unit_ids": [unit]}},
        ),
        ("admin", "POST /api/v1/tasks", {"json": {"assignee_id": staff, "title": bad}}),
        (
            "admin",
            "POST /api/v1/tasks",
            {"json": {"assignee_id": staff, "title": "t", "description": bad}},
        ),
        (
            "admin",
            "POST /api/v1/tasks",
            {"json": {"assignee_id": staff, "title": "t", "place": bad}},
        ),
        ("admin", "POST /api/v1/zones", {"json": {**square_zone, "properties": {"name": bad}}}),
        (
            "admin",
            "POST /api/v1/zones",
            {"json": {**square_zone, "properties": {"name": "Z", "code": bad}}},
        ),
        (
            "admin",
            "POST /api/v1/zones/import",
            {
                "json": {
                    "type": "FeatureCollection",
                    "features": [{**square_zone, "properties": {"name": bad}}],
                }
            },
        ),
        (
            "admin",
            "POST /api/v1/schedules",
            {"json": {"staff_id": staff, "timezone": bad, "weekly": []}},
        ),
        (
            "admin",
            "POST /api/v1/schedules",
            {"json": {"staff_id": staff, "timezone": "Asia/Shanghai", "name": bad, "weekly": []}},
        ),
        (
            "admin",
            "POST /api/v1/schedules",
            {
                "json": {
                    "staff_id": staff,
                    "timezone": "Asia/Shanghai",
                    "weekly": [{"weekday": 0, "start": bad, "end": "18:00"}],
                }
            },
        ),
        (
            "admin",
            "POST /api/v1/duty-exceptions",
            {"json": {"staff_id": staff, "day": "2025-05-01", "kind": "off", "reason": bad}},
        ),
        ("admin", "GET /api/v1/positions", {"params": {"bbox": bad}}),
        ("admin", "GET /api/v1/positions", {"params": {"status": bad}}),
        ("admin", "GET /api/v1/tasks", {"params": {"cursor": bad}}),
        ("anyone", "POST /api/v1/auth/token", {"data": {"username": bad, "password": PASSWORD}}),
        ("anyone", "POST /api/v1/auth/token", {"data": {"username": "admin", "password": bad}}),
        (
            "anyone",
            "POST /api/v1/auth/token",
            {"data": {"username": "admin", "password": PASSWORD, "tenant": bad}},
        ),
        (
            "anyone",
            "POST /api/v1/auth/token",
            {
                "data": {
                    "username": "admin",
                    "password": PASSWORD,
                    "client_id": bad,
                    "client_secret": "x",
                }
            },
        ),
        ("anyone", "GET /ingest/osmand", {"params": {"id": bad, "lat": "31.2", "lon": "121.4"}}),
    ]


def free_json_requests(world: World, bad: str) -> list[Request]:
    """Free-form JSON objects: only what PostgreSQL JSONB cannot store is refused."""
    zone = zone_body(square())
    return [
        ("north.rep", "POST /api/v1/pings", {"json": {"pings": [ping(attributes={"n": bad})]}}),
        ("north.rep", "POST /api/v1/pings", {"json": {"pings": [ping(attributes={bad: 1})]}}),
        ("admin", "PATCH /api/v1/tenant", {"json": {"settings": {bad: 1}}}),
        ("admin", "POST /api/v1/zones", {"json": {**zone, "properties": {"name": "Z", "n": bad}}}),
        (
            "admin",
            "POST /api/v1/zones",
            {"json": {**zone, "properties": {"name": "Z", "settings": {bad: 1}}}},
        ),
    ]


def _send(client: TestClient, world: World, who: str, what: str, kwargs: dict[str, Any]) -> Any:
    method, url = what.split(" ", 1)
    headers = world.headers(who) if who != "anyone" else {}
    if "json" in kwargs:
        kwargs = as_json(headers, kwargs["json"])
    else:
        kwargs = {**kwargs, "headers": headers}
    for key in ("params", "data"):
        if key in kwargs:  # percent-encoded by hand: httpx cannot encode a lone surrogate
            encoded = "&".join(f"{k}={_quote(v)}" for k, v in kwargs.pop(key).items())
            if key == "params":
                url = f"{url}?{encoded}"
            else:
                kwargs["content"] = encoded
                kwargs["headers"] = {
                    **kwargs["headers"],
                    "Content-Type": "application/x-www-form-urlencoded",
                }
    return client.request(method, url, **kwargs)


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.mark.parametrize("bad", [NUL, SURROGATE, "\x1b[31m", "a\x7fb"], ids=repr)
def test_text_with_control_characters_or_lone_surrogates_is_refused(
    client: TestClient, world: World, db: Session, bad: str
) -> None:
    requests = text_requests(world, bad)
    if bad in (NUL, SURROGATE):
        requests += free_json_requests(world, bad)
    if bad == SURROGATE:  # only JSON can carry one: bytes of one in a URL decode to U+FFFD
        requests = [r for r in requests if "json" in r[2]]
    answers = {}
    for who, what, kwargs in requests:
        r = _send(client, world, who, what, kwargs)
        answers[f"{what} {kwargs}"] = r.status_code
    wrong = {k: v for k, v in answers.items() if not 400 <= v < 500}
    assert not wrong, wrong
    assert audit_entries(db) == 0
    assert stored_pings(db, world) == 0


def test_multi_line_text_keeps_tabs_and_newlines(client: TestClient, world: World) -> None:
    body = {
        "assignee_id": world.staff_id("north.rep"),
        "title": "Visit",
        "description": "line one\n\tline two\r\n",
    }
    r = client.post("/api/v1/tasks", headers=world.headers("admin"), json=body)
    assert r.status_code == 201, r.text
    assert r.json()["description"] == body["description"]
    r = client.post("/api/v1/tasks", headers=world.headers("admin"), json={**body, "title": "a\nb"})
    refused(r)


# --- tracker apps ---


def register(client: TestClient, world: World, protocol: str) -> dict[str, str]:
    r = client.post(
        "/api/v1/devices",
        headers=world.headers("north.rep"),
        json={"staff_id": world.staff_id("north.rep"), "platform": "android", "protocol": protocol},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def osmand_id(client: TestClient, world: World) -> str:
    return register(client, world, "osmand")["identifier"]


@pytest.mark.parametrize(
    "changes",
    [
        {"speed": "1e308"},
        {"altitude": "1e308"},
        {"accuracy": "inf"},
        {"lat": "nan"},
        {"lon": "Infinity"},
        {"batt": "1e400"},
        {"timestamp": "2025-11-22T08:00:00+20:00"},
        {"timestamp": "9999-12-31T23:00:00-05:00"},
        {"timestamp": "1e308"},
    ],
)
def test_osmand_numbers_and_times_out_of_range_are_refused(
    client: TestClient, world: World, db: Session, osmand_id: str, changes: dict[str, str]
) -> None:
    params = {"id": osmand_id, "lat": "31.23", "lon": "121.47", "accuracy": "8", **changes}
    r = client.get("/ingest/osmand", params=params)
    refused(r, 400)
    assert stored_pings(db, world) == 0


def test_osmand_attributes_that_cannot_be_stored_are_dropped(
    client: TestClient, world: World, db: Session, osmand_id: str
) -> None:
    r = client.post(
        "/ingest/osmand",
        content=f"id={osmand_id}&lat=31.23&lon=121.47&accuracy=8&hdop=0.9&note=a%00b&k%00=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200, r.text
    db.expire_all()
    stored = db.scalars(select(Ping)).one()
    assert stored.attributes == {"hdop": "0.9"}


def test_owntracks_numbers_out_of_range_leave_the_fix_unread(
    client: TestClient, world: World, db: Session
) -> None:
    device = register(client, world, "owntracks")
    auth = (device["identifier"], device["secret"])
    now = int(datetime.now(UTC).timestamp())
    base = {"_type": "location", "lat": 31.23, "lon": 121.47, "tst": now, "acc": 8}
    for changes in ({"vel": 1e300}, {"alt": -1e300}, {"tst": 99_999_999_999}, {"acc": 2e6}):
        r = client.post("/ingest/owntracks", auth=auth, json={**base, **changes})
        assert r.status_code < 500, r.text
    r = client.post(
        "/ingest/owntracks",
        auth=auth,
        content=json.dumps({**base, "extra": "@"}).replace('"@"', "NaN"),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    db.expire_all()
    stored = db.scalars(select(Ping)).all()
    assert [p.attributes for p in stored] == [None]
