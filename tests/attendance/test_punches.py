"""Punches (DESIGN §6 attendance): each verdict (GPS, Wi-Fi, field), the policies of the
tenant and of org units, mock locations, offline punches, idempotency, and the one open
attendance a person may have."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.attendance.models import Attendance, Punch
from tests.attendance.scene import AP, OFFICE, OFFICE_RADIUS, WORK_AREA, Office, now, spot


def _count(db: Session, model: type[Punch] | type[Attendance]) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_punch_inside_the_office_opens_and_a_clock_out_closes(office: Office) -> None:
    got = office.punched("north.rep", "in")
    assert (got["status"], got["verdict"], got["basis"]) == ("accepted", "inside", "gps")
    assert got["zone_id"] == office.office_id
    assert got["flags"] == []
    assert got["distance_m"] > OFFICE_RADIUS - 20  # the centre is deep inside
    assert got["attendance_id"] is not None
    out = office.punched("north.rep", "out", where=spot(100))
    assert (out["status"], out["verdict"]) == ("accepted", "inside")
    assert out["attendance_id"] == got["attendance_id"]
    row = office.db.get(Attendance, (office.world.tenant.id, uuid.UUID(got["attendance_id"])))
    assert row is not None
    assert row.out_at is not None
    assert not row.closed_automatically


def test_outside_is_flagged_by_default_and_refused_where_a_unit_says_so(office: Office) -> None:
    far = spot(OFFICE_RADIUS + 500)
    got = office.punched("north.rep", where=far)
    assert (got["status"], got["verdict"], got["flags"]) == ("accepted", "outside", ["outside"])
    assert got["distance_m"] < -400
    r = office.policy("north-a", {"outside": {"office": "refuse"}})
    assert r.status_code == 200, r.text
    refused = office.punched("north.sup", where=far)
    assert (refused["status"], refused["reason"]) == ("refused", "outside")
    assert refused["attendance_id"] is None
    # the rule is by zone kind: North Team B's work area still flags
    assert office.punched("north.rep2", where=spot(3000, WORK_AREA))["status"] == "accepted"
    # and only below the unit that set it
    tenant_wide = office.punched("north.rep2", "out", where=spot(3000, WORK_AREA))
    assert tenant_wide["flags"] == ["outside"]


def test_a_fix_across_the_border_is_uncertain_and_never_refused(office: Office) -> None:
    office.policy("north-a", {"outside": {"default": "refuse", "office": "refuse"}})
    got = office.punched("north.rep", where=spot(OFFICE_RADIUS), accuracy_m=80)
    assert (got["status"], got["verdict"], got["flags"]) == (
        "accepted",
        "uncertain",
        ["uncertain"],
    )


def test_the_office_wifi_makes_a_poor_fix_inside(office: Office) -> None:
    """Indoors: 'on the office Wi-Fi, and it marked me outside' no more."""
    office.policy("north-a", {"outside": {"office": "refuse"}})
    poor = {"where": spot(OFFICE_RADIUS + 200), "accuracy_m": 900}
    got = office.punched("north.rep", wifi=[{"bssid": "aa:bb:cc:00:11:22"}], **poor)
    assert (got["status"], got["verdict"], got["basis"]) == ("accepted", "inside", "wifi")
    assert got["wifi_bssid"] == "aa:bb:cc:00:11:22"
    # an access point the zone does not know changes nothing: the GPS decides
    other = office.punched("north.sup", wifi=[{"bssid": "aa:bb:cc:00:11:23"}], **poor)
    assert (other["basis"], other["verdict"]) == ("gps", "uncertain")
    # Wi-Fi alone, without a location
    alone = office.punched("north.rep", "out", where=None, wifi=[{"bssid": AP}])
    assert (alone["status"], alone["verdict"]) == ("accepted", "inside")
    # someone of another team seeing that access point is not in their own zones
    stranger = office.punched("north.rep2", where=None, wifi=[{"bssid": AP}])
    assert (stranger["verdict"], stranger["basis"]) == ("uncertain", "wifi")


def test_field_punches_need_a_note_and_follow_the_policy(office: Office, db: Session) -> None:
    far = spot(5000)
    before = _count(db, Punch)
    r = office.send("north.rep", where=far, field=True)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "note_required")
    assert _count(db, Punch) == before
    got = office.punched("north.rep", where=far, field=True, note="Visiting the Xuhui outlets")
    assert (got["status"], got["verdict"], got["field"]) == ("accepted", "outside", True)
    assert got["flags"] == ["field"]  # outside, but that is what field work is
    office.policy("north-a", {"field_photo_required": True})
    refused = office.punched("north.sup", where=far, field=True, note="Outlet audit")
    assert (refused["status"], refused["reason"]) == ("refused", "photo_required")
    office.policy("north-a", {"field_punches": False})
    refused = office.punched("north.sup", where=far, field=True, note="Outlet audit")
    assert refused["reason"] == "field_not_allowed"
    # supervisors see the field punches of their people
    r = office.client.get(
        "/api/v1/attendance/punches",
        headers=office.world.headers("north.sup"),
        params={"field": "true", "status": "accepted"},
    )
    assert [p["id"] for p in r.json()["items"]] == [got["id"]]


def test_a_field_punch_with_its_photo(office: Office) -> None:
    office.policy("north-a", {"field_photo_required": True})
    upload = office.client.post(
        "/api/v1/attachments",
        headers=office.world.headers("north.rep"),
        files={"file": ("shop.png", _png(), "image/png")},
    )
    assert upload.status_code == 201, upload.text
    photo = upload.json()["id"]
    got = office.punched("north.rep", where=spot(5000), field=True, note="Outlet", photo_id=photo)
    assert (got["status"], got["photo_id"]) == ("accepted", photo)
    sup = office.client.get(
        f"/api/v1/attachments/{photo}", headers=office.world.headers("north.sup")
    )
    assert sup.status_code == 200
    other = office.client.get(
        f"/api/v1/attachments/{photo}", headers=office.world.headers("south.manager")
    )
    assert other.status_code == 404
    # somebody else's upload is not one's photo
    theirs = office.send("north.sup", where=spot(5000), field=True, note="Outlet", photo_id=photo)
    assert theirs.status_code == 404


def test_mock_locations_are_refused_unless_the_policy_flags_them(office: Office) -> None:
    got = office.punched("north.rep", mock=True)
    assert (got["status"], got["reason"]) == ("refused", "mock_location")
    office.policy("north-a", {"mock": "flag"})
    got = office.punched("north.rep", mock=True)
    assert (got["status"], got["flags"]) == ("accepted", ["mock"])


def test_offline_punches_within_the_window(office: Office) -> None:
    late = office.punched("north.rep", at=now() - timedelta(hours=2))
    assert (late["status"], late["flags"]) == ("accepted", ["offline"])
    assert late["received_at"] > late["time"]
    too_old = office.punched("north.sup", at=now() - timedelta(hours=80))
    assert (too_old["status"], too_old["reason"]) == ("refused", "too_old")
    office.policy("north-a", {"offline_window_h": 100})
    assert office.punched("north.sup", at=now() - timedelta(hours=80))["status"] == "accepted"
    ahead = office.punched("north.rep2", at=now() + timedelta(minutes=30), where=WORK_AREA)
    assert (ahead["status"], ahead["reason"]) == ("refused", "future_time")


def test_a_retried_punch_is_a_duplicate(office: Office, db: Session) -> None:
    punch_id = uuid.uuid4()
    first = office.punched("north.rep", punch_id=punch_id)
    again = office.punched("north.rep", punch_id=punch_id, where=spot(5000))
    assert again["status"] == "duplicate"
    assert (again["verdict"], again["attendance_id"]) == (first["verdict"], first["attendance_id"])
    assert _count(db, Punch) == 1
    taken = office.send("north.sup", punch_id=punch_id)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "id_in_use")
    assert _count(db, Punch) == 1


def test_one_open_attendance_and_the_last_clock_out_counts(office: Office, db: Session) -> None:
    t = now() - timedelta(hours=3)
    assert office.punched("north.rep", "out", at=t)["reason"] == "not_clocked_in"
    opened = office.punched("north.rep", "in", at=t)
    assert office.punched("north.rep", "in", at=t + timedelta(minutes=5))["reason"] == (
        "already_clocked_in"
    )
    first = office.punched("north.rep", "out", at=t + timedelta(hours=1))
    later = office.punched("north.rep", "out", at=t + timedelta(hours=2))
    assert first["attendance_id"] == later["attendance_id"] == opened["attendance_id"]
    earlier = office.punched("north.rep", "out", at=t + timedelta(minutes=90))
    assert earlier["reason"] == "already_clocked_out"
    row = db.get(Attendance, (office.world.tenant.id, uuid.UUID(opened["attendance_id"])))
    assert row is not None
    db.refresh(row)
    assert row.out_at is not None
    assert abs((row.out_at - (t + timedelta(hours=2))).total_seconds()) < 1


def test_bad_punches_are_refused_and_nothing_is_written(office: Office, db: Session) -> None:
    before = _count(db, Punch)
    bad = [
        {"kind": "lunch"},
        {"time": "2026-12-02T08:00:00"},  # no offset
        {"lon": 200},
        {"lat": float("nan")},
        {"accuracy_m": -1},
        {"wifi": [{"bssid": "not-a-mac"}]},
        {"note": "x" * 501},
        {"unknown": 1},
    ]
    for extra in bad:
        body = {"id": str(uuid.uuid4()), "kind": "in", "time": now().isoformat()}
        body |= {"lon": OFFICE[0], "lat": OFFICE[1], "accuracy_m": 10}
        body |= extra
        r = office.client.post(
            "/api/v1/attendance/punches",
            headers=office.world.headers("north.rep"),
            content=_json(body),
        )
        assert r.status_code == 422, (extra, r.text)
    r = office.send("north.rep", where=None)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unlocated")
    r = office.send("north.rep", where=None, lon=OFFICE[0])
    assert r.status_code == 422
    assert _count(db, Punch) == before


def test_module_switched_off(office: Office, db: Session) -> None:
    tenant = office.world.tenant
    db.refresh(tenant)
    tenant.modules = [m for m in tenant.modules if m != "attendance"]
    db.commit()
    assert office.send("north.rep").status_code == 403


def _json(body: dict[str, object]) -> bytes:
    import json

    return json.dumps(body, allow_nan=True).encode()


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()
