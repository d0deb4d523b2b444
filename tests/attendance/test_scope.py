"""Who may call each attendance endpoint: own data, own subtree, another branch, another
tenant (the last two must fail), and what a lower role can do to a higher one's rules."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.attendance.models import AttendancePolicy, ZoneWifi
from tests.attendance.scene import POLICIES, PUNCHES, Office

WIFI = "/api/v1/zones/{}/wifi"


def _ids(office: Office, who: str, **params: str) -> set[str]:
    r = office.client.get(PUNCHES, headers=office.world.headers(who), params=params)
    assert r.status_code == 200, r.text
    return {p["staff_id"] for p in r.json()["items"]}


def test_punch_lists_by_scope(office: Office) -> None:
    for who in ("north.rep", "north.sup", "north.rep2"):
        office.punched(who)
    w = office.world
    assert _ids(office, "north.rep") == {w.staff_id("north.rep")}
    assert _ids(office, "north.sup") == {w.staff_id("north.rep"), w.staff_id("north.sup")}
    assert _ids(office, "north.manager") == {
        w.staff_id(x) for x in ("north.rep", "north.sup", "north.rep2")
    }
    assert _ids(office, "north.manager", org_unit_id=w.unit_id("north-b")) == {
        w.staff_id("north.rep2")
    }
    assert _ids(office, "south.manager") == set()
    assert _ids(office, "other.admin") == set()
    for who in ("south.manager", "other.admin", "north.rep2"):
        r = office.client.get(
            PUNCHES, headers=w.headers(who), params={"staff_id": w.staff_id("north.rep")}
        )
        assert r.status_code == 404, who
    r = office.client.get(
        PUNCHES, headers=w.headers("south.manager"), params={"org_unit_id": w.unit_id("north")}
    )
    assert r.status_code == 404


def test_pages_of_punches(office: Office) -> None:
    for _ in range(3):  # one clock-in, then two refused: both are listed
        office.send("north.rep")
    r = office.client.get(PUNCHES, headers=office.world.headers("north.rep"), params={"limit": 2})
    page = r.json()
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    rest = office.client.get(
        PUNCHES,
        headers=office.world.headers("north.rep"),
        params={"limit": 2, "cursor": page["next_cursor"]},
    ).json()
    assert len(rest["items"]) == 1
    assert {p["status"] for p in page["items"] + rest["items"]} == {"accepted", "refused"}


def _wifi_count(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(ZoneWifi)) or 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("north.sup", 201),  # directs the office's team
        ("north.manager", 201),
        ("north.rep", 403),
        ("south.manager", 404),
        ("other.admin", 404),
    ],
)
def test_who_registers_an_access_point(office: Office, who: str, status: int) -> None:
    before = _wifi_count(office.db)
    r = office.client.post(
        WIFI.format(office.office_id),
        headers=office.world.headers(who),
        json={"bssid": "10:20:30:40:50:60"},
    )
    assert r.status_code == status, r.text
    assert _wifi_count(office.db) == before + (status == 201)


def test_access_points_listed_refused_and_removed(office: Office) -> None:
    url = WIFI.format(office.office_id)
    sup = office.world.headers("north.sup")
    listed = office.client.get(url, headers=office.world.headers("north.rep")).json()["items"]
    assert [(a["bssid"], a["ssid"]) for a in listed] == [("aa:bb:cc:00:11:22", "HQ-Staff")]
    assert office.client.get(url, headers=office.world.headers("other.admin")).status_code == 404
    again = office.client.post(url, headers=sup, json={"bssid": "aabb.cc00.1122"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "duplicate_access_point")
    for bad in ("aa:bb:cc:00:11", "gg:bb:cc:00:11:22", "aa:bb:cc:00:11:22:33"):
        assert office.client.post(url, headers=sup, json={"bssid": bad}).status_code == 422
    ap = listed[0]["id"]
    assert (
        office.client.delete(f"{url}/{ap}", headers=office.world.headers("north.rep")).status_code
        == 403
    )
    assert (
        office.client.delete(
            f"{url}/{ap}", headers=office.world.headers("south.manager")
        ).status_code
        == 404
    )
    assert office.client.delete(f"{url}/{uuid.uuid4()}", headers=sup).status_code == 404
    assert office.client.delete(f"{url}/{ap}", headers=sup).status_code == 204
    assert office.client.get(url, headers=sup).json()["items"] == []


def _policies(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(AttendancePolicy)) or 0)


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("admin", "north", 200),
        ("north.manager", "north-a", 200),  # below their own unit
        ("north.manager", "north", 403),  # not their own: the admin's rules hold them
        ("north.sup", "north-a", 403),  # a lead cannot loosen the team's rules
        ("north.rep", "north-a", 403),
        ("south.manager", "north-a", 404),
        ("other.admin", "north-a", 404),
    ],
)
def test_who_sets_a_units_punch_rules(office: Office, who: str, unit: str, status: int) -> None:
    before = _policies(office.db)
    r = office.policy(unit, {"mock": "flag"}, who=who)
    assert r.status_code == status, r.text
    assert _policies(office.db) == before + (status == 200)


def test_unit_rules_read_back_replaced_and_refused(office: Office) -> None:
    url = f"{POLICIES}/{office.world.unit_id('north-a')}"
    admin = office.world.headers("admin")
    assert office.client.get(url, headers=admin).json()["rules"] == {
        "outside": None,
        "mock": None,
        "field_punches": None,
        "field_photo_required": None,
        "offline_window_h": None,
    }
    office.policy("north-a", {"outside": {"office": "refuse"}, "offline_window_h": 12})
    got = office.client.get(url, headers=office.world.headers("north.rep")).json()["rules"]
    assert (got["outside"], got["offline_window_h"]) == ({"office": "refuse"}, 12)
    for bad in (
        {"outside": {"kitchen": "refuse"}},
        {"outside": {"office": "maybe"}},
        {"mock": "ignore"},
        {"offline_window_h": 0},
        {"nonsense": True},
    ):
        r = office.policy("north-a", bad)
        assert r.status_code == 422, bad
    got = office.client.get(url, headers=admin).json()["rules"]
    assert got["offline_window_h"] == 12  # nothing half-written
    assert office.policy("north-a", {}).status_code == 200
    assert _policies(office.db) == 0
    assert office.client.get(url, headers=office.world.headers("other.admin")).status_code == 404
