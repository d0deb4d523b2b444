"""GET /api/v1/events, the daily summary, the map's status and plan changes mid-shift."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from fieldforce.monitoring import events as zone_events
from fieldforce.monitoring.machine import Event, EventType
from fieldforce.monitoring.models import ZoneEvent
from tests.monitoring.scene import Scene, at, inside, outside
from tests.world import World, all_pages

EVENTS = "/api/v1/events"


def events(scene: Scene, who: str, **params: Any) -> Any:
    r = scene.client.get(EVENTS, headers=scene.world.headers(who), params=params)
    assert r.status_code == 200, r.text
    return r.json()


def excursion(scene: Scene) -> None:
    """Out of the zone 60-75, phone off from 99: one off_zone and one no_signal."""
    scene.live(inside(0, 60) + outside(60, 75) + inside(75, 100), until=125)


def test_events_carry_their_times_and_duration(scene: Scene) -> None:
    excursion(scene)
    page = events(scene, "north.sup")
    assert page["next_cursor"] is None
    gap, away = page["items"]  # newest first
    assert away["type"] == "off_zone"
    assert away["staff_id"] == scene.world.staff_id("north.rep")
    assert (away["started_at"], away["ended_at"]) == (
        "2026-11-16T01:30:00Z",
        "2026-11-16T01:45:00Z",
    )
    assert away["duration_s"] == 900
    assert away["zone_id"] == scene.zone_id
    assert away["retracted_at"] is None
    assert gap["type"] == "no_signal"
    assert gap["ended_at"] is None
    assert gap["duration_s"] is None


def test_event_filters_and_pages(scene: Scene) -> None:
    excursion(scene)
    rep = scene.world.staff_id("north.rep")
    assert [e["type"] for e in events(scene, "admin", type="off_zone")["items"]] == ["off_zone"]
    both = events(scene, "admin", type=["off_zone", "no_signal"])["items"]
    assert len(both) == 2
    assert [e["type"] for e in events(scene, "admin", open="true")["items"]] == ["no_signal"]
    assert len(events(scene, "admin", staff_id=rep)["items"]) == 2
    # overlapping a time: 09:40 local is during the excursion
    during = events(
        scene, "admin", **{"from": "2026-11-16T09:40:00+08:00", "to": "2026-11-16T09:41:00+08:00"}
    )
    assert [e["type"] for e in during["items"]] == ["off_zone"]
    later = events(scene, "admin", **{"from": "2026-11-16T12:00:00+08:00"})
    assert [e["type"] for e in later["items"]] == ["no_signal"]
    items = all_pages(scene.client, EVENTS, scene.world.headers("admin"), {"limit": 1})
    assert [e["type"] for e in items] == ["no_signal", "off_zone"]


def test_bad_event_queries_are_refused(scene: Scene) -> None:
    headers = scene.world.headers("admin")
    for params in (
        {"type": "asleep"},
        {"from": "2026-11-16T09:00:00"},  # no offset
        {"from": "2026-11-16T10:00:00Z", "to": "2026-11-16T09:00:00Z"},
        {"limit": 0},
        {"staff_id": "not-a-uuid"},
    ):
        r = scene.client.get(EVENTS, headers=headers, params=params)
        assert r.status_code == 422, params
        assert "error" in r.json()


def test_events_are_seen_only_in_scope(scene: Scene) -> None:
    excursion(scene)
    rep = scene.world.staff_id("north.rep")
    for who in ("admin", "north.manager", "north.sup", "north.rep"):
        assert len(events(scene, who)["items"]) == 2, who
    for who in ("south.manager", "north.rep2", "other.admin"):
        assert events(scene, who)["items"] == [], who
    for who in ("south.manager", "other.admin"):
        r = scene.client.get(EVENTS, headers=scene.world.headers(who), params={"staff_id": rep})
        assert r.status_code == 404, who


def summary_of(scene: Scene, who: str, **params: Any) -> Any:
    rep = scene.world.staff_id("north.rep")
    return scene.client.get(
        f"/api/v1/staff/{rep}/duty-summary", headers=scene.world.headers(who), params=params
    )


def test_daily_summary_adds_up_to_the_day(scene: Scene) -> None:
    excursion(scene)
    r = summary_of(scene, "north.sup", **{"from": "2026-11-15", "to": "2026-11-16"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timezone"] == "Asia/Shanghai"
    sunday, monday = body["days"]
    assert sunday["off_duty_min"] == 1440
    assert sunday["events"] == {}
    # shift 08:30-18:00 is 570 min: in zone 0-60 and 75-99, off zone 60-75, then silent
    assert monday["in_zone_min"] == 84
    assert monday["off_zone_min"] == 15
    assert monday["no_signal_min"] == 471
    assert monday["unknown_min"] == 0
    assert monday["off_duty_min"] == 870
    assert monday["events"] == {"off_zone": 1, "no_signal": 1}


def test_bad_summary_queries_are_refused_and_scope_holds(scene: Scene) -> None:
    for params in (
        {},
        {"from": "2026-11-16", "to": "2026-11-15"},
        {"from": "2026-10-01", "to": "2026-11-16"},
        {"from": "yesterday"},
    ):
        assert summary_of(scene, "admin", **params).status_code == 422, params
    day = {"from": "2026-11-16"}
    assert summary_of(scene, "north.rep", **day).status_code == 200
    assert summary_of(scene, "north.manager", **day).status_code == 200
    assert summary_of(scene, "south.manager", **day).status_code == 404
    assert summary_of(scene, "other.admin", **day).status_code == 404


def test_the_map_shows_each_persons_status(scene: Scene, client: TestClient) -> None:
    scene.live(inside(0, 30) + outside(30, 45), until=44)
    fc = client.get("/api/v1/positions", headers=scene.world.headers("north.sup")).json()
    (feature,) = fc["features"]
    assert feature["properties"]["status"] == "off_zone"
    off = client.get(
        "/api/v1/positions", headers=scene.world.headers("admin"), params={"status": "off_zone"}
    ).json()
    assert [f["properties"]["name"] for f in off["features"]] == ["North Rep"]


def test_a_day_off_granted_mid_shift_takes_back_its_events(scene: Scene) -> None:
    scene.live(inside(0, 30) + outside(30, 50), until=50)
    assert [e.type for e in scene.events()] == ["off_zone"]
    r = scene.client.post(
        "/api/v1/duty-exceptions",
        headers=scene.world.headers("north.sup"),
        json={
            "staff_id": scene.world.staff_id("north.rep"),
            "day": "2026-11-16",
            "kind": "off",
            "reason": "sent home sick",
        },
    )
    assert r.status_code == 201, r.text
    scene.sweep(at(51))
    assert scene.status() == "off_duty"
    assert scene.events() == []
    assert [e.retracted_at is not None for e in scene.events(retracted=True)] == [True]


def test_moving_the_zone_judges_the_running_shift_again(scene: Scene) -> None:
    scene.live(inside(0, 30) + outside(30, 50), until=50)
    assert scene.status() == "off_zone"
    # the zone grows to take in where the rep has been: no excursion after all
    r = scene.client.patch(
        f"/api/v1/zones/{scene.zone_id}",
        headers=scene.world.headers("north.sup"),
        json={"radius_m": 2000},
    )
    assert r.status_code == 200, r.text
    scene.sweep(at(51))
    assert scene.status() == "in_zone"
    assert scene.events() == []


def test_an_upload_off_duty_is_acknowledged_and_discarded(client: TestClient, world: World) -> None:
    # a schedule whose only period starts two hours from now (Shanghai time): off duty now
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    begin = local + timedelta(hours=2)
    period = {
        "weekday": begin.weekday(),
        "start": begin.strftime("%H:00"),
        "end": (begin + timedelta(hours=1)).strftime("%H:00"),
    }
    r = client.post(
        "/api/v1/schedules",
        headers=world.headers("north.sup"),
        json={
            "staff_id": world.staff_id("north.rep"),
            "timezone": "Asia/Shanghai",
            "weekly": [period],
        },
    )
    assert r.status_code == 201, r.text
    fix = {
        "id": str(uuid.uuid4()),
        "fix_time": datetime.now(UTC).isoformat(),
        "lon": 121.47,
        "lat": 31.23,
        "accuracy_m": 10,
    }
    r = client.post("/api/v1/pings", headers=world.headers("north.rep"), json={"pings": [fix]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["results"] == [{"id": fix["id"], "status": "discarded", "reason": "off_duty"}]
    assert body["discarded"] == 1
    pings = client.get(
        f"/api/v1/staff/{world.staff_id('north.rep')}/pings",
        headers=world.headers("north.sup"),
        params={
            "from": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
            "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    assert pings.status_code == 200, pings.text
    assert pings.json()["items"] == []
    # south.rep, on the tenant's all-week default, is on duty: the same fix is kept
    r = client.post("/api/v1/pings", headers=world.headers("south.rep"), json={"pings": [fix]})
    assert r.json()["results"][0]["status"] == "accepted"


def _stored_events(scene: Scene) -> dict[str, str]:
    """One off-zone event each for north.rep (north-a), north.rep2 (north-b) and south.rep
    (south-a), and one for other.rep in the other tenant; by login, their ids."""
    ids = {}
    for n, who in enumerate(("north.rep", "north.rep2", "south.rep", "other.rep")):
        person = scene.world.staff[who]
        owner = zone_events.Owner(person.tenant_id, person.id)
        (row,) = zone_events.store(
            scene.db, owner, [Event(EventType.OFF_ZONE, at(10 * n), at(10 * n + 5))], at(0)
        )
        ids[who] = str(row.id)
    scene.db.commit()
    return ids


def test_events_of_an_org_unit_and_the_units_below(scene: Scene) -> None:
    ids = _stored_events(scene)
    w = scene.world

    def of_unit(who: str, unit: str) -> set[str]:
        items = all_pages(scene.client, EVENTS, w.headers(who), {"org_unit": w.unit_id(unit)})
        return {str(e["id"]) for e in items}

    assert of_unit("admin", "north-a") == {ids["north.rep"]}
    assert of_unit("admin", "north") == {ids["north.rep"], ids["north.rep2"]}
    assert of_unit("admin", "south") == {ids["south.rep"]}
    assert of_unit("admin", "root") == {ids[p] for p in ("north.rep", "north.rep2", "south.rep")}
    assert of_unit("north.manager", "north-b") == {ids["north.rep2"]}
    assert of_unit("north.sup", "north-a") == {ids["north.rep"]}
    assert of_unit("other.admin", "other-root") == {ids["other.rep"]}
    # with the other filters
    both = events(scene, "admin", org_unit=w.unit_id("north"), staff_id=w.staff_id("north.rep2"))
    assert [e["id"] for e in both["items"]] == [ids["north.rep2"]]
    assert events(scene, "admin", org_unit=w.unit_id("north"), type="no_signal")["items"] == []


def test_an_unknown_or_invalid_org_unit_is_refused(scene: Scene) -> None:
    _stored_events(scene)
    before = scene.db.scalar(select(func.count()).select_from(ZoneEvent))
    headers = scene.world.headers("admin")
    r = scene.client.get(EVENTS, headers=headers, params={"org_unit": str(uuid.uuid4())})
    assert r.status_code == 404, r.text
    assert r.json()["error"]["code"] == "not_found"
    r = scene.client.get(EVENTS, headers=headers, params={"org_unit": "north"})
    assert r.status_code == 422, r.text
    assert "error" in r.json()
    scene.db.expire_all()
    assert scene.db.scalar(select(func.count()).select_from(ZoneEvent)) == before


def test_an_org_unit_out_of_scope_is_not_found(scene: Scene) -> None:
    _stored_events(scene)
    w = scene.world
    for who, unit in (
        ("north.manager", "south"),  # another branch
        ("north.manager", "south-a"),
        ("south.manager", "north-a"),
        ("north.manager", "root"),  # above their own unit
        ("north.sup", "north-b"),  # a supervisor sees their own team only
        ("admin", "other-root"),  # another tenant
        ("other.admin", "north"),
    ):
        r = scene.client.get(EVENTS, headers=w.headers(who), params={"org_unit": w.unit_id(unit)})
        assert r.status_code == 404, (who, unit, r.text)
