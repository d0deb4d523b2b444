"""Work plans over HTTP: a day's stops in the shortest order from the start, planned
against actual (done by a visit or inspection that day, missed once the day is over,
unplanned work), the team summary, who may plan for whom, and bad plans refused."""

from __future__ import annotations

import io
import itertools
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.auth.service import actor_for
from fieldforce.plans import service as plans
from fieldforce.plans.models import WorkPlan
from geo.route import path_length
from tests.world import World

START = (120.1551, 30.2741)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def east(metres: float, north: float = 0) -> tuple[float, float]:
    lon, lat = START
    return lon + metres / (111_320 * math.cos(math.radians(lat))), lat + north / 111_320


def outlet(client: TestClient, world: World, where: tuple[float, float], name: str) -> str:
    r = client.post(
        "/api/v1/customers",
        headers=world.headers("north.sup"),
        json={"name": name, "stage": "partner", "lon": where[0], "lat": where[1]},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def today() -> str:
    return datetime.now(SHANGHAI).date().isoformat()


def plan(client: TestClient, world: World, who: str, for_whom: str, day: str, **body: Any) -> Any:
    return client.put(
        f"/api/v1/work-plans/{world.staff_id(for_whom)}/{day}",
        headers=world.headers(who),
        json=body,
    )


def visit(client: TestClient, world: World, customer_id: str, where: tuple[float, float]) -> str:
    r = client.post(
        "/api/v1/visits",
        headers=world.headers("north.rep"),
        json={
            "type": "routine",
            "customer_id": customer_id,
            "check_in": {
                "time": (datetime.now(UTC) - timedelta(seconds=10)).isoformat(),
                "lon": where[0],
                "lat": where[1],
                "accuracy_m": 10,
            },
        },
    )
    assert r.status_code == 201, r.text
    out = client.post(
        f"/api/v1/visits/{r.json()['id']}/check-out",
        headers=world.headers("north.rep"),
        json={"time": datetime.now(UTC).isoformat(), "lon": where[0], "lat": where[1]},
    )
    assert out.status_code == 200, out.text
    return str(r.json()["id"])


def test_the_shortest_order_and_planned_against_actual(client: TestClient, world: World) -> None:
    places = [east(3000), east(500, 800), east(-1200), east(1500, -400), east(200, 2500)]
    ids = [outlet(client, world, p, f"Stop {k}") for k, p in enumerate(places)]
    r = plan(
        client,
        world,
        "north.rep",
        "north.rep",
        today(),
        stops=[{"customer_id": c} for c in ids],
        order="shortest",
        start={"lon": START[0], "lat": START[1]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    got = [ids.index(s["customer_id"]) for s in body["stops"]]
    best = min(itertools.permutations(range(5)), key=lambda o: path_length(START, places, o))
    assert path_length(START, places, got) <= path_length(START, places, best) + 1
    assert {s["status"] for s in body["stops"]} == {"to_come"}
    second = body["stops"][1]["customer_id"]
    done = visit(client, world, second, places[ids.index(second)])
    extra = outlet(client, world, east(9000), "Not planned")
    visit(client, world, extra, east(9000))
    day = client.get(
        f"/api/v1/work-plans/{world.staff_id('north.rep')}/{today()}",
        headers=world.headers("north.sup"),
    ).json()
    assert [(s["position"], s["status"]) for s in day["stops"]][:2] == [(1, "to_come"), (2, "done")]
    assert day["stops"][1]["done_id"] == done
    assert [u["customer_name"] for u in day["unplanned"]] == ["Not planned"]
    assert day["counts"] == {"planned": 5, "done": 1, "missed": 0, "to_come": 4, "unplanned": 1}
    summary = client.get(
        "/api/v1/work-plans/summary",
        headers=world.headers("north.manager"),
        params={"from": today(), "to": today()},
    ).json()["items"]
    rep = next(x for x in summary if x["login"] == "north.rep")
    assert (rep["planned"], rep["done"], rep["unplanned"]) == (5, 1, 1)


def test_stops_not_done_by_the_end_of_the_day_are_missed(
    client: TestClient, world: World, db: Session
) -> None:
    a = outlet(client, world, east(100), "A")
    assert (
        plan(
            client, world, "north.sup", "north.rep", today(), stops=[{"customer_id": a}]
        ).status_code
        == 200
    )
    actor = actor_for(db, world.tenant.id, world.staff["north.sup"].id)
    day = datetime.now(SHANGHAI).date()
    later = datetime.now(UTC) + timedelta(days=1)
    progress = plans.day_progress(db, actor, world.staff["north.rep"].id, day, now=later)
    assert [s.status for s in progress.stops] == ["missed"]


def test_who_plans_for_whom_and_bad_plans(client: TestClient, world: World, db: Session) -> None:
    a = outlet(client, world, east(100), "A")
    stops = [{"customer_id": a}]
    assert plan(client, world, "north.sup", "north.rep", today(), stops=stops).status_code == 200
    assert plan(client, world, "north.rep2", "north.rep", today(), stops=stops).status_code == 403
    assert (
        plan(client, world, "south.manager", "north.rep", today(), stops=stops).status_code == 404
    )
    assert plan(client, world, "other.admin", "north.rep", today(), stops=stops).status_code == 404
    r = client.get(
        f"/api/v1/work-plans/{world.staff_id('north.rep')}/{today()}",
        headers=world.headers("south.manager"),
    )
    assert r.status_code == 404
    before = db.scalar(select(func.count()).select_from(WorkPlan))
    yesterday = (datetime.now(SHANGHAI).date() - timedelta(days=1)).isoformat()
    r = plan(client, world, "north.sup", "north.rep", yesterday, stops=stops)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "past_day")
    r = plan(client, world, "north.sup", "north.rep", today(), stops=stops * 2)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "twice_planned")
    r = plan(
        client, world, "north.sup", "north.rep", today(), stops=[{"customer_id": str(uuid.uuid4())}]
    )
    assert r.status_code == 404
    r = plan(client, world, "north.sup", "north.rep", today(), stops=stops, order="random")
    assert r.status_code == 422
    assert db.scalar(select(func.count()).select_from(WorkPlan)) == before


def test_the_summary_as_a_spreadsheet(client: TestClient, world: World) -> None:
    a = outlet(client, world, east(100), "A")
    assert (
        plan(
            client, world, "north.sup", "north.rep", today(), stops=[{"customer_id": a}]
        ).status_code
        == 200
    )
    r = client.get(
        "/api/v1/work-plans/summary",
        headers=world.headers("north.manager"),
        params={"from": today(), "to": today(), "format": "xlsx"},
    )
    assert r.status_code == 200, r.text
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = {row[1]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["north.rep"][3:] == (1, 0, 0, 1, 0)
    bad = client.get(
        "/api/v1/work-plans/summary",
        headers=world.headers("north.manager"),
        params={"from": today(), "to": today(), "format": "pdf"},
    )
    assert bad.status_code == 422
