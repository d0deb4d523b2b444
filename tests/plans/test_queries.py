"""The field-sales lists cost the same number of statements for one row as for many: the
visits, the inspections and the team's planned-against-actual summary."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Connection

from tests.inspections.test_api import inspect, outlet, template
from tests.plans.test_plans import SHANGHAI, east, plan
from tests.queries import counted
from tests.visits.test_visits import check_in, check_out, customer
from tests.world import World


def statements(client: TestClient, connection: Connection, url: str, world: World, **q: str) -> int:
    with counted(connection) as seen:
        r = client.get(url, headers=world.headers("north.manager"), params=q)
        assert r.status_code == 200, r.text
    return len(seen)


def test_visits_listed_at_one_cost_per_page(
    client: TestClient, world: World, connection: Connection
) -> None:
    def visit() -> None:
        r = check_in(client, world, "routine", customer_id=customer(client, world))
        assert r.status_code == 201, r.text
        assert check_out(client, world, r.json()["id"]).status_code == 200

    visit()
    one = statements(client, connection, "/api/v1/visits", world)
    for _ in range(4):
        visit()
    listed = client.get("/api/v1/visits", headers=world.headers("north.manager")).json()
    assert len(listed["items"]) == 5
    assert all(v["staff_name"] == "North Rep" for v in listed["items"])
    assert statements(client, connection, "/api/v1/visits", world) == one


def test_inspections_listed_at_one_cost_per_page(
    client: TestClient, world: World, connection: Connection
) -> None:
    t = template(client, world)
    assert inspect(client, world, t, outlet(client, world)).status_code == 201
    one = statements(client, connection, "/api/v1/inspections", world)
    for _ in range(3):
        assert inspect(client, world, t, outlet(client, world)).status_code == 201
    listed = client.get("/api/v1/inspections", headers=world.headers("north.manager")).json()
    assert len(listed["items"]) == 4
    assert all(i["template_name"] == t["name"] for i in listed["items"])
    assert statements(client, connection, "/api/v1/inspections", world) == one


def test_the_team_summary_costs_the_same_for_a_day_and_a_month(
    client: TestClient, world: World, connection: Connection
) -> None:
    today = datetime.now(SHANGHAI).date()
    stops = [
        {"customer_id": customer(client, world, name=f"S{k}", lon=east(100 * k)[0])}
        for k in range(3)
    ]
    for ahead in range(5):
        day = (today + timedelta(days=ahead)).isoformat()
        assert plan(client, world, "north.sup", "north.rep", day, stops=stops).status_code == 200
    url = "/api/v1/work-plans/summary"
    a_day = statements(
        client, connection, url, world, **{"from": today.isoformat(), "to": today.isoformat()}
    )
    month = {"from": today.isoformat(), "to": (today + timedelta(days=30)).isoformat()}
    assert statements(client, connection, url, world, **month) == a_day
    rows = client.get(url, headers=world.headers("north.manager"), params=month).json()["items"]
    rep = next(r for r in rows if r["login"] == "north.rep")
    assert (rep["planned"], rep["to_come"]) == (15, 15)
