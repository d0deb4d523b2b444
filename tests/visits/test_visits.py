"""Visits over HTTP: verification by distance and accuracy (also at an outlet placed from
AMap), the tenant's refuse policy, cold → intended → partner through visits, follow-ups
linked and turned into tasks, retries, one open visit, auto-close, and scope."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.visits.models import Visit
from fieldforce.visits.service import close_forgotten
from geo.crs import from_wgs84
from tests.world import World

VISITS = "/api/v1/visits"
HALL = (120.1551, 30.2741)


def east(metres: float, start: tuple[float, float] = HALL) -> tuple[float, float]:
    lon, lat = start
    return lon + metres / (111_320 * math.cos(math.radians(lat))), lat


def now() -> datetime:
    return datetime.now(UTC)


def customer(client: TestClient, world: World, stage: str = "partner", **body: Any) -> str:
    body = {"name": f"Outlet {uuid.uuid4().hex[:6]}", "lon": HALL[0], "lat": HALL[1]} | body
    body |= {"stage": stage, "owner_id": world.staff_id("north.rep")}
    r = client.post("/api/v1/customers", headers=world.headers("north.sup"), json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def fix(
    where: tuple[float, float] = HALL, accuracy: float | None = 10, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"time": (now() - timedelta(seconds=30)).isoformat()}
    body |= {"lon": where[0], "lat": where[1], "accuracy_m": accuracy} | extra
    return body


def check_in(
    client: TestClient, world: World, kind: str, who: str = "north.rep", **body: Any
) -> Response:
    body.setdefault("check_in", fix())
    return client.post(VISITS, headers=world.headers(who), json={"type": kind} | body)


def check_out(
    client: TestClient, world: World, visit_id: str, who: str = "north.rep", **body: Any
) -> Response:
    return client.post(
        f"{VISITS}/{visit_id}/check-out", headers=world.headers(who), json=fix() | body
    )


def settings(client: TestClient, world: World, **values: Any) -> None:
    r = client.patch("/api/v1/tenant", headers=world.headers("admin"), json={"settings": values})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("metres", "accuracy", "verification"),
    [
        (60, 10, "verified"),  # inside the 100 m radius
        (120, 30, "verified"),  # within 100 + 30
        (120, 10, "unverified"),  # beyond 100 + 10
        (140, 200, "verified"),  # the accuracy counts up to the 50 m cap: 150
        (160, 200, "unverified"),  # a coarse fix does not stretch the circle further
        (160, None, "unverified"),  # no accuracy: the cap
    ],
)
def test_verified_by_distance_and_accuracy(
    client: TestClient, world: World, metres: float, accuracy: float | None, verification: str
) -> None:
    partner = customer(client, world)
    r = check_in(
        client, world, "routine", customer_id=partner, check_in=fix(east(metres), accuracy)
    )
    assert r.status_code == 201, r.text
    assert r.json()["verification"] == verification
    assert abs(r.json()["distance_m"] - metres) < 1


def test_an_outlet_placed_from_amap_verifies_a_visit_at_its_door(
    client: TestClient, world: World
) -> None:
    g = from_wgs84(*HALL, "gcj02")
    outlet = customer(client, world, lon=g[0], lat=g[1], crs="gcj02")
    r = check_in(client, world, "routine", customer_id=outlet, check_in=fix(HALL, 8))
    assert (r.json()["verification"], r.json()["distance_m"] < 2) == ("verified", True)
    r = check_out(client, world, r.json()["id"])
    assert r.json()["check_out_verification"] == "verified"
    # the same outlet stored as AMap gives it, without saying so, is hundreds of metres off
    wrong = customer(client, world, lon=g[0], lat=g[1], name="Mistaken")
    r = check_in(client, world, "routine", customer_id=wrong, check_in=fix(HALL, 8))
    assert r.json()["verification"] == "unverified"
    assert r.json()["distance_m"] > 300


def test_the_refuse_policy_writes_nothing(client: TestClient, world: World, db: Session) -> None:
    partner = customer(client, world)
    settings(client, world, visit_policy="refuse")
    r = check_in(client, world, "routine", customer_id=partner, check_in=fix(east(400)))
    assert r.status_code == 422
    error = r.json()["error"]
    assert (error["code"], round(error["details"]["distance_m"])) == ("not_at_customer", 400)
    r = check_in(client, world, "routine", customer_id=partner, check_in=fix(mock=True))
    assert r.status_code == 422  # a mock location is never at the customer
    assert db.scalar(select(func.count()).select_from(Visit)) == 0


def test_cold_to_intended_to_partner_through_visits(client: TestClient, world: World) -> None:
    r = check_in(
        client, world, "cold", customer={"name": "Lakeside Mobile Shop", "kind": "partner_outlet"}
    )
    assert r.status_code == 201, r.text
    cold = r.json()
    assert (cold["verification"], cold["distance_m"]) == ("verified", 0)
    r = check_out(client, world, cold["id"], stage="intended", outcome="Interested in 5G plans")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["stage_to"]) == ("closed", "intended")
    assert r.json()["duration_s"] >= 0
    shop = cold["customer_id"]
    r = check_in(client, world, "routine", customer_id=shop)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "wrong_visit_type")
    follow = check_in(client, world, "follow_up", customer_id=shop).json()
    assert follow["previous_visit_id"] == cold["id"]
    r = check_out(client, world, follow["id"], stage="partner", outcome="Signed")
    assert r.json()["stage_to"] == "partner"
    stages = client.get(
        f"/api/v1/customers/{shop}/stages", headers=world.headers("north.sup")
    ).json()["items"]
    assert [(s["to_stage"], s["visit_id"]) for s in stages] == [
        ("prospect", None),
        ("intended", cold["id"]),
        ("partner", follow["id"]),
    ]
    assert check_in(client, world, "routine", customer_id=shop).status_code == 201


def test_a_follow_up_date_becomes_a_task(client: TestClient, world: World) -> None:
    partner = customer(client, world)
    visit = check_in(client, world, "routine", customer_id=partner).json()
    later = (now() + timedelta(days=3)).date()
    r = check_out(client, world, visit["id"], follow_up_on=str(later), outcome="Bring brochures")
    assert r.status_code == 200, r.text
    task_id = r.json()["follow_up_task_id"]
    tasks = client.get("/api/v1/tasks", headers=world.headers("north.rep")).json()["items"]
    task = next(t for t in tasks if t["id"] == task_id)
    assert task["title"].startswith("Follow up: Outlet")
    assert task["due_at"].startswith(str(later))
    r = check_out(client, world, visit["id"])
    assert (r.status_code, r.json()["error"]["code"]) == (409, "visit_closed")


def test_retries_one_open_visit_and_bad_check_outs(client: TestClient, world: World) -> None:
    a, b = customer(client, world), customer(client, world, name="Other", lon=east(900)[0])
    same = str(uuid.uuid4())
    first = check_in(client, world, "routine", id=same, customer_id=a)
    again = check_in(client, world, "routine", id=same, customer_id=a)
    assert (first.status_code, again.status_code, again.json()["duplicate"]) == (201, 200, True)
    assert again.json()["id"] == first.json()["id"] == same
    r = check_in(client, world, "routine", customer_id=b)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "visit_open")
    r = check_out(client, world, same, time=(now() - timedelta(hours=1)).isoformat())
    assert (r.status_code, r.json()["error"]["code"]) == (422, "out_before_in")
    r = check_out(client, world, same, who="north.sup")
    assert r.status_code == 403  # the supervisor sees the visit but does not check out
    r = check_out(client, world, same, who="south.manager")
    assert r.status_code == 404
    for bad in (
        {"type": "social"},
        {"check_in": fix() | {"lon": 200}},
        {"check_in": fix() | {"time": (now() + timedelta(hours=2)).isoformat()}},
        {"check_in": fix() | {"time": (now() - timedelta(days=30)).isoformat()}},
        {"customer_id": None},
    ):
        r = client.post(
            VISITS,
            headers=world.headers("north.rep2"),
            json={"type": "routine", "check_in": fix()} | bad,
        )
        assert r.status_code == 422, (bad, r.text)


def test_forgotten_visits_are_closed_by_the_tenants_limit(
    client: TestClient, world: World, db: Session
) -> None:
    partner = customer(client, world)
    visit = check_in(client, world, "routine", customer_id=partner).json()
    assert close_forgotten(db, now() + timedelta(hours=3)) == 0
    assert close_forgotten(db, now() + timedelta(hours=4, minutes=1)) == 1
    r = client.get(f"{VISITS}/{visit['id']}", headers=world.headers("north.rep"))
    assert (r.json()["status"], r.json()["duration_s"]) == ("auto_closed", None)
    assert check_in(client, world, "routine", customer_id=partner).status_code == 201


def test_who_sees_which_visits(client: TestClient, world: World) -> None:
    partner = customer(client, world)
    visit = check_in(client, world, "routine", customer_id=partner).json()
    for who, seen in (
        ("north.rep", True),
        ("north.sup", True),
        ("north.manager", True),
        ("admin", True),
        ("north.rep2", False),
        ("south.manager", False),
        ("other.admin", False),
    ):
        r = client.get(f"{VISITS}/{visit['id']}", headers=world.headers(who))
        assert r.status_code == (200 if seen else 404), who
        listed = client.get(VISITS, headers=world.headers(who)).json()["items"]
        assert (visit["id"] in [v["id"] for v in listed]) is seen, who
