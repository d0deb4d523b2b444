"""Duty schedules and exceptions over HTTP, and which schedule applies to whom."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.audit.models import AuditEntry
from tests.world import World

SCHEDULES = "/api/v1/schedules"
EXCEPTIONS = "/api/v1/duty-exceptions"
WEEKDAYS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
# Monday 2026-11-23 .. Sunday 2026-11-29
WEEK = {"from": "2026-11-22T16:00:00+00:00", "to": "2026-11-29T16:00:00+00:00"}


def duty(client: TestClient, world: World, who: str, as_: str = "admin", **params: str) -> Any:
    r = client.get(
        f"/api/v1/staff/{world.staff_id(who)}/duty",
        headers=world.headers(as_),
        params={**WEEK, **params},
    )
    assert r.status_code == 200, r.text
    return r.json()


def schedule(client: TestClient, world: World, who: str, **body: Any) -> Any:
    r = client.post(SCHEDULES, headers=world.headers(who), json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_the_nearest_schedule_applies(client: TestClient, world: World) -> None:
    mon_sat = [{"weekday": d, "start": "08:30", "end": "18:00"} for d in range(6)]
    r = client.patch(
        "/api/v1/tenant",
        headers=world.headers("admin"),
        json={"timezone": "Asia/Shanghai", "settings": {"default_duty_week": mon_sat}},
    )
    assert r.status_code == 200, r.text
    # nothing set: the tenant's default week, Monday to Saturday 08:30-18:00
    d = duty(client, world, "north.rep")
    assert d["source"] == "tenant"
    assert d["timezone"] == "Asia/Shanghai"
    assert len(d["shifts"]) == 6
    assert d["shifts"][0]["start"] == "2026-11-23T00:30:00Z"
    # the branch's schedule reaches every team below it
    schedule(
        client,
        world,
        "north.manager",
        org_unit_id=world.unit_id("north"),
        timezone="Asia/Shanghai",
        weekly=WEEKDAYS,
    )
    d = duty(client, world, "north.rep")
    assert (d["source"], len(d["shifts"])) == ("org_unit", 5)
    assert d["shifts"][0] == {
        "start": "2026-11-23T01:00:00Z",
        "end": "2026-11-23T09:00:00Z",
        "day": "2026-11-23",
    }
    assert duty(client, world, "south.rep")["source"] == "tenant"
    # a team's own schedule is nearer than the branch's; a person's own is nearest
    schedule(
        client,
        world,
        "north.sup",
        org_unit_id=world.unit_id("north-a"),
        timezone="UTC",
        weekly=[{"weekday": 0, "start": "08:00", "end": "12:00"}],
    )
    assert duty(client, world, "north.rep")["timezone"] == "UTC"
    assert duty(client, world, "north.rep2")["timezone"] == "Asia/Shanghai"
    night = schedule(
        client,
        world,
        "north.sup",
        staff_id=world.staff_id("north.rep"),
        timezone="Europe/Berlin",
        weekly=[{"weekday": 4, "start": "22:00", "end": "06:00"}],
    )
    d = duty(client, world, "north.rep")
    assert d["source"] == "staff"
    assert d["shifts"] == [
        {"start": "2026-11-27T21:00:00Z", "end": "2026-11-28T05:00:00Z", "day": "2026-11-27"}
    ]
    # changing and removing
    r = client.patch(
        f"{SCHEDULES}/{night['id']}",
        headers=world.headers("north.sup"),
        json={"weekly": [{"weekday": 5, "start": "10:00", "end": "24:00"}]},
    )
    assert r.status_code == 200, r.text
    assert duty(client, world, "north.rep")["shifts"][0]["end"] == "2026-11-28T23:00:00Z"
    assert (
        client.delete(f"{SCHEDULES}/{night['id']}", headers=world.headers("north.sup")).status_code
        == 204
    )
    assert duty(client, world, "north.rep")["timezone"] == "UTC"
    listed = client.get(SCHEDULES, headers=world.headers("north.manager")).json()["items"]
    assert len(listed) == 2
    assert client.get(SCHEDULES, headers=world.headers("south.manager")).json()["items"] == []


def test_bad_schedules_are_refused(client: TestClient, world: World) -> None:
    manager = world.headers("north.manager")
    unit = world.unit_id("north")
    for weekly, code in (
        ([{"weekday": 7, "start": "09:00", "end": "17:00"}], "invalid_periods"),
        ([{"weekday": 0, "start": "9:00", "end": "17:00"}], "invalid_periods"),
        ([{"weekday": 0, "start": "09:00", "end": "09:00"}], "invalid_periods"),
        ([{"weekday": 0, "start": "09:00", "end": "25:00"}], "invalid_periods"),
    ):
        r = client.post(
            SCHEDULES,
            headers=manager,
            json={"org_unit_id": unit, "timezone": "UTC", "weekly": weekly},
        )
        assert (r.status_code, r.json()["error"]["code"]) == (422, code), weekly
    r = client.post(
        SCHEDULES,
        headers=manager,
        json={"org_unit_id": unit, "timezone": "Mars/Base", "weekly": []},
    )
    assert r.json()["error"]["code"] == "invalid_timezone"
    r = client.post(SCHEDULES, headers=manager, json={"timezone": "UTC", "weekly": []})
    assert r.json()["error"]["code"] == "one_target"
    schedule(client, world, "north.manager", org_unit_id=unit, timezone="UTC", weekly=WEEKDAYS)
    r = client.post(
        SCHEDULES, headers=manager, json={"org_unit_id": unit, "timezone": "UTC", "weekly": []}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "duplicate_schedule")


def test_schedules_within_scope(client: TestClient, world: World) -> None:
    body = {"staff_id": world.staff_id("north.rep"), "timezone": "UTC", "weekly": WEEKDAYS}
    assert client.post(SCHEDULES, headers=world.headers("north.rep"), json=body).status_code == 403
    assert (
        client.post(SCHEDULES, headers=world.headers("south.manager"), json=body).status_code == 404
    )
    assert (
        client.post(SCHEDULES, headers=world.headers("other.admin"), json=body).status_code == 404
    )
    created = schedule(client, world, "north.sup", **body)
    url = f"{SCHEDULES}/{created['id']}"
    for who in ("south.manager", "other.admin"):
        assert client.get(url, headers=world.headers(who)).status_code == 404
        assert client.delete(url, headers=world.headers(who)).status_code == 404
    assert client.get(url, headers=world.headers("north.rep")).status_code == 200  # their own
    assert client.delete(url, headers=world.headers("north.rep")).status_code == 403
    # duty of someone out of scope
    r = client.get(
        f"/api/v1/staff/{world.staff_id('north.rep')}/duty", headers=world.headers("south.manager")
    )
    assert r.status_code == 404
    assert duty(client, world, "north.rep", as_="north.rep")["source"] == "staff"


def test_exceptions_holidays_and_make_up_days(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    schedule(
        client, world, "admin", org_unit_id=world.unit_id("root"), timezone="UTC", weekly=WEEKDAYS
    )
    holiday = {"day": "2026-11-26", "kind": "off", "reason": "Company day"}
    r = client.post(EXCEPTIONS, headers=admin, json=holiday)  # the whole tenant
    assert r.status_code == 201, r.text
    days = [s["day"] for s in duty(client, world, "north.rep")["shifts"]]
    assert days == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27"]
    # the north branch works on Thursday after all, mornings only; north.rep has Monday off
    r = client.post(
        EXCEPTIONS,
        headers=world.headers("north.manager"),
        json={
            "org_unit_id": world.unit_id("north"),
            "day": "2026-11-26",
            "kind": "work",
            "periods": [{"start": "08:00", "end": "12:00"}],
        },
    )
    assert r.status_code == 201, r.text
    r = client.post(
        EXCEPTIONS,
        headers=world.headers("north.sup"),
        json={"staff_id": world.staff_id("north.rep"), "day": "2026-11-23", "kind": "off"},
    )
    assert r.status_code == 201, r.text
    shifts = duty(client, world, "north.rep")["shifts"]
    assert [s["day"] for s in shifts] == ["2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
    assert shifts[2] == {
        "start": "2026-11-26T08:00:00Z",
        "end": "2026-11-26T12:00:00Z",
        "day": "2026-11-26",
    }
    south_days = [s["day"] for s in duty(client, world, "south.rep")["shifts"]]
    assert "2026-11-26" not in south_days
    assert "2026-11-23" in south_days
    # bad input and scope
    for body, status in (
        ({"day": "2026-11-27", "kind": "off"}, 403),  # a manager cannot close the tenant
        ({"org_unit_id": world.unit_id("north"), "day": "2026-11-26", "kind": "off"}, 409),
        ({"org_unit_id": world.unit_id("north"), "day": "2026-11-28", "kind": "work"}, 422),
        (
            {
                "org_unit_id": world.unit_id("north"),
                "day": "2026-11-28",
                "kind": "off",
                "periods": [{"start": "08:00", "end": "12:00"}],
            },
            422,
        ),
        ({"org_unit_id": world.unit_id("south"), "day": "2026-11-28", "kind": "off"}, 404),
        ({"org_unit_id": world.unit_id("north"), "day": "2026-11-31", "kind": "off"}, 422),
    ):
        r = client.post(EXCEPTIONS, headers=world.headers("north.manager"), json=body)
        assert r.status_code == status, (body, r.text)
    listed = client.get(
        EXCEPTIONS, headers=world.headers("south.manager"), params={"from": "2026-11-01"}
    )
    assert [e["reason"] for e in listed.json()["items"]] == ["Company day"]  # not the north's
    other = client.get(EXCEPTIONS, headers=world.headers("other.admin")).json()["items"]
    assert other == []


def test_a_schedule_update_changes_what_was_sent_and_records_from_and_to(
    client: TestClient, world: World, db: Session
) -> None:
    made = schedule(
        client,
        world,
        "north.sup",
        staff_id=world.staff_id("north.rep"),
        name="Early",
        timezone="UTC",
        weekly=WEEKDAYS,
    )
    url, sup = f"{SCHEDULES}/{made['id']}", world.headers("north.sup")
    r = client.patch(url, headers=sup, json={"timezone": "Mars/Olympus"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_timezone")
    r = client.patch(url, headers=sup, json={"name": "Late", "timezone": "Asia/Shanghai"})
    assert r.status_code == 200, r.text
    assert (r.json()["name"], r.json()["timezone"], r.json()["weekly"]) == (
        "Late",
        "Asia/Shanghai",
        made["weekly"],
    )
    changes = db.scalars(
        select(AuditEntry.changes).where(
            AuditEntry.tenant_id == world.tenant.id,
            AuditEntry.action == "schedule.update",
            AuditEntry.entity_id == uuid.UUID(made["id"]),
        )
    ).all()
    assert changes == [
        {
            "name": {"from": "Early", "to": "Late"},
            "timezone": {"from": "UTC", "to": "Asia/Shanghai"},
        }
    ]
