"""Field-sales reports: visits per rep and kind, coverage of partner outlets, the funnel,
inspection scores with their trend and open actions; scoped, and as XLSX read back."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.world import World

HALL = (120.1551, 30.2741)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def customer(client: TestClient, world: World, name: str, stage: str, east_deg: float) -> str:
    r = client.post(
        "/api/v1/customers",
        headers=world.headers("north.sup"),
        json={"name": name, "stage": stage, "lon": HALL[0] + east_deg, "lat": HALL[1]},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def visit(client: TestClient, world: World, who: str, kind: str, cid: str, east_deg: float) -> None:
    where = {"lon": HALL[0] + east_deg, "lat": HALL[1], "accuracy_m": 10}
    r = client.post(
        "/api/v1/visits",
        headers=world.headers(who),
        json={
            "type": kind,
            "customer_id": cid,
            "check_in": {"time": (datetime.now(UTC) - timedelta(minutes=30)).isoformat()} | where,
        },
    )
    assert r.status_code == 201, r.text
    out = client.post(
        f"/api/v1/visits/{r.json()['id']}/check-out",
        headers=world.headers(who),
        json={"time": (datetime.now(UTC) - timedelta(minutes=10)).isoformat()} | where,
    )
    assert out.status_code == 200, out.text


def period() -> dict[str, str]:
    today = datetime.now(SHANGHAI).date()
    return {"from": str(today - timedelta(days=6)), "to": str(today)}


def test_visits_coverage_and_funnel(client: TestClient, world: World) -> None:
    a = customer(client, world, "A", "partner", 0.0)
    customer(client, world, "B", "partner", 0.01)
    c = customer(client, world, "C", "prospect", 0.02)
    customer(client, world, "D", "intended", 0.03)
    visit(client, world, "north.sup", "routine", a, 0.0)
    visit(client, world, "north.sup", "cold", c, 0.02 + 0.01)  # ~960 m away: unverified
    r = client.get(
        "/api/v1/reports/visits", headers=world.headers("north.manager"), params=period()
    )
    assert r.status_code == 200, r.text
    sup = next(x for x in r.json()["items"] if x["login"] == "north.sup")
    assert (sup["routine"], sup["cold"], sup["total"], sup["verified"]) == (1, 1, 2, 1)
    assert sup["verified_share"] == 0.5
    assert sup["minutes_on_site"] == 20.0
    cov = client.get(
        "/api/v1/reports/coverage", headers=world.headers("north.manager"), params=period()
    )
    (row,) = cov.json()["items"]
    assert (row["org_unit"], row["partners"], row["visited"], row["share"]) == (
        "North Team A",
        2,
        1,
        0.5,
    )
    funnel = client.get("/api/v1/reports/funnel", headers=world.headers("north.sup")).json()
    assert funnel == {"prospect": 1, "intended": 1, "partner": 2, "lost": 0}
    # XLSX, and scope: the south sees none of it; a rep runs no reports
    x = client.get(
        "/api/v1/reports/visits",
        headers=world.headers("north.manager"),
        params=period() | {"format": "xlsx"},
    )
    sheet = load_workbook(io.BytesIO(x.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["org_unit", "staff_id", "login", "name"]
    south = client.get("/api/v1/reports/funnel", headers=world.headers("south.manager")).json()
    assert south == {"prospect": 0, "intended": 0, "partner": 0, "lost": 0}
    assert (
        client.get("/api/v1/reports/funnel", headers=world.headers("north.rep")).status_code == 403
    )
    r = client.get(
        "/api/v1/reports/coverage",
        headers=world.headers("south.manager"),
        params=period() | {"org_unit": world.unit_id("north")},
    )
    assert r.status_code == 404
    bad = {"from": period()["to"], "to": period()["from"]}
    assert (
        client.get("/api/v1/reports/visits", headers=world.headers("admin"), params=bad).status_code
        == 422
    )


def _inspect(client: TestClient, world: World, t: dict[str, Any], cid: str, **no: str) -> None:
    photo = client.post(
        "/api/v1/attachments",
        headers=world.headers("north.sup"),
        files={"file": ("p.png", _png(), "image/png")},
    ).json()["id"]
    answers = [
        {"item": i["key"], "answer": no.get(i["key"], "yes")}
        | ({"photo_id": photo} if i.get("photo") else {})
        for s in t["sections"]
        for i in s["items"]
    ]
    r = client.post(
        "/api/v1/inspections",
        headers=world.headers("north.sup"),
        json={
            "id": str(uuid.uuid4()),
            "template_id": t["id"],
            "customer_id": cid,
            "check_in": {"time": datetime.now(UTC).isoformat(), "lon": HALL[0], "lat": HALL[1]},
            "answers": answers,
        },
    )
    assert r.status_code == 201, r.text


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG")
    return out.getvalue()


def test_inspection_scores_and_their_trend(client: TestClient, world: World) -> None:
    hall = customer(client, world, "Hall", "partner", 0.0)
    t = next(
        x
        for x in client.get(
            "/api/v1/inspection-templates", headers=world.headers("north.sup")
        ).json()["items"]
        if x["key"] == "service-hall-standard"
    )
    _inspect(client, world, t, hall, safety="no")  # 38/41 = 92.7, D, an action
    _inspect(client, world, t, hall, seating="no")  # 40/41 = 97.6, A; safety passed: closed
    r = client.get(
        "/api/v1/reports/inspections", headers=world.headers("north.manager"), params=period()
    )
    assert r.status_code == 200, r.text
    (row,) = r.json()["items"]
    assert (row["inspections"], row["first_score"], row["last_score"]) == (2, 92.7, 97.6)
    assert (row["trend"], row["last_grade"], row["mean_score"]) == (4.9, "A", 95.2)
    assert row["open_actions"] == 0  # the second inspection passed the safety item
    csv = client.get(
        "/api/v1/reports/inspections",
        headers=world.headers("north.manager"),
        params=period() | {"format": "csv"},
    )
    assert csv.text.splitlines()[1].split(",")[1] == "Hall"
    teams = client.get(
        "/api/v1/reports/inspections/teams",
        headers=world.headers("north.manager"),
        params=period(),
    )
    assert teams.status_code == 200, teams.text
    (week,) = teams.json()["items"]
    today = datetime.now(SHANGHAI).date()
    assert week["week"] == str(today - timedelta(days=today.weekday()))
    assert (week["org_unit"], week["inspections"]) == ("North Team A", 2)
    assert (week["mean_score"], week["critical_failed"]) == (95.2, 1)
    for who, status in (("south.manager", 404), ("north.rep", 403), ("other.admin", 404)):
        r = client.get(
            "/api/v1/reports/inspections/teams",
            headers=world.headers(who),
            params=period() | {"org_unit": world.unit_id("north")},
        )
        assert r.status_code == status, (who, r.text)
    south = client.get(
        "/api/v1/reports/inspections/teams", headers=world.headers("south.manager"), params=period()
    )
    assert (south.status_code, south.json()["items"]) == (200, [])
