"""Attachments on leave requests and travel claims: the requester attaches their own
uploads; whoever may see the request or claim (scope, its approvers and their delegates)
may read them, nobody else; someone else's upload is refused with nothing written; a
type's certificate rule; a replaced attachment is detached (the cleanup then takes it)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attachments.models import Attachment
from fieldforce.leave.models import LeaveRequest
from tests.approvals.scene import Scene
from tests.attachments import files
from tests.attachments.test_api import URL, upload
from tests.leave.scene import OFFICE, REQUESTS, Leave, count
from tests.travel.scene import CLAIMS, Trip
from tests.world import World

MON = date(2027, 3, 1)
WED = date(2027, 3, 3)


def _subject(db: Session, attachment_id: object) -> tuple[str | None, str | None]:
    db.expire_all()
    found = db.scalars(
        select(Attachment).where(Attachment.id == uuid.UUID(str(attachment_id)))
    ).one()
    return found.subject_kind, None if found.subject_id is None else str(found.subject_id)


def _reads(client: TestClient, world: World, who: str, attachment_id: object) -> int:
    return client.get(f"{URL}/{attachment_id}/content", headers=world.headers(who)).status_code


@pytest.fixture
def leave(client: TestClient, world: World, db: Session) -> Leave:
    """The requester works Monday to Friday."""
    scene = Leave(client, world, db)
    scene.schedule("north.rep", OFFICE)
    return scene


def _only_they_read(client: TestClient, world: World, attachment_id: object) -> None:
    """The requester, the approver (their manager), the subtree and admins read it; others
    in the branch, another branch and another tenant are told it does not exist."""
    for who in ("north.rep", "north.sup", "north.manager", "admin"):
        assert _reads(client, world, who, attachment_id) == 200, who
    for who in ("north.rep2", "south.manager", "south.rep", "other.admin"):
        assert _reads(client, world, who, attachment_id) == 404, who


def _sick(leave: Leave, week: int = 0, **extra: Any) -> Any:
    """Sick leave Monday to Wednesday: 3 days, over the type's 2 without a certificate."""
    start, end = (date.fromordinal(d.toordinal() + 7 * week) for d in (MON, WED))
    return leave.ask("north.rep", start, end, "sick", **extra)


def test_leave_certificate_rule_and_who_reads_it(leave: Leave) -> None:
    client, world, db = leave.client, leave.world, leave.db
    r = _sick(leave)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "attachment_required"
    assert count(db, LeaveRequest) == 0
    # two days need none
    assert leave.ask("north.rep", MON, date(2027, 3, 2), "sick", draft=True).status_code == 201
    # a draft may wait for it; submitting it may not
    draft = _sick(leave, 1, draft=True)
    assert draft.status_code == 201, draft.text
    assert draft.json()["attachment_id"] is None
    submit = f"{REQUESTS}/{draft.json()['id']}/submit"
    r = client.post(submit, headers=world.headers("north.rep"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "attachment_required")

    cert = upload(client, world, "north.rep", files.pdf(), "certificate.pdf")
    asked = _sick(leave, 2, attachment_id=cert["id"])
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["attachment_id"]) == ("in_approval", cert["id"])
    assert _subject(db, cert["id"]) == ("leave_request", request["id"])
    assert leave.get("north.sup", request["id"]).json()["approval"]["status"] == "in_approval"
    _only_they_read(client, world, cert["id"])
    # a delegate of the approver stands in for them, and reads it too
    Scene(client, world, db).delegate("north.sup", "north.rep2")
    assert _reads(client, world, "north.rep2", cert["id"]) == 200
    r = leave.decide("north.sup", request["approval"]["id"])
    assert r.status_code == 200, r.text
    assert _reads(client, world, "north.sup", cert["id"]) == 200  # waited on: still


def test_someone_elses_upload_is_refused_with_nothing_written(leave: Leave) -> None:
    client, world, db = leave.client, leave.world, leave.db
    theirs = upload(client, world, "north.rep2", files.pdf(), "theirs.pdf")
    foreign = upload(client, world, "other.rep", files.pdf(), "foreign.pdf")
    for attachment in (theirs, foreign):
        r = _sick(leave, attachment_id=attachment["id"])
        assert r.status_code == 404, r.text
        assert count(db, LeaveRequest) == 0
    draft = leave.asked("north.rep", MON, WED, "sick", draft=True)
    r = client.patch(
        f"{REQUESTS}/{draft['id']}",
        headers=world.headers("north.rep"),
        json={"attachment_id": theirs["id"], "reason": "changed"},
    )
    assert r.status_code == 404, r.text
    got = leave.get("north.rep", draft["id"]).json()
    assert (got["attachment_id"], got["reason"]) == (None, "family")
    assert _subject(db, theirs["id"]) == (None, None)
    assert _subject(db, foreign["id"]) == (None, None)
    # an upload already attached elsewhere is a conflict
    cert = upload(client, world, "north.rep", files.pdf(), "c.pdf")
    leave.asked("north.rep", date(2027, 3, 8), date(2027, 3, 8), "sick", attachment_id=cert["id"])
    r = client.patch(
        f"{REQUESTS}/{draft['id']}",
        headers=world.headers("north.rep"),
        json={"attachment_id": cert["id"]},
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_attached")


def test_replacing_a_certificate_detaches_the_old_one(leave: Leave) -> None:
    client, world, db = leave.client, leave.world, leave.db
    first = upload(client, world, "north.rep", files.pdf(), "first.pdf")
    second = upload(client, world, "north.rep", files.jpeg(), "second.jpg")
    draft = leave.asked("north.rep", MON, WED, "sick", draft=True, attachment_id=first["id"])
    url = f"{REQUESTS}/{draft['id']}"
    r = client.patch(url, headers=world.headers("north.rep"), json={"attachment_id": second["id"]})
    assert r.status_code == 200, r.text
    assert r.json()["attachment_id"] == second["id"]
    assert _subject(db, first["id"]) == (None, None)  # an unattached upload again
    assert _subject(db, second["id"]) == ("leave_request", draft["id"])
    # the old one is the uploader's alone again: the manager no longer reads it
    assert _reads(client, world, "north.manager", first["id"]) == 404
    assert (
        client.delete(f"{URL}/{first['id']}", headers=world.headers("north.rep")).status_code == 204
    )
    r = client.patch(url, headers=world.headers("north.rep"), json={"attachment_id": None})
    assert (r.status_code, r.json()["attachment_id"]) == (200, None)
    assert _subject(db, second["id"]) == (None, None)
    r = client.post(f"{url}/submit", headers=world.headers("north.rep"))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "attachment_required")


def _lines(trip: Trip, *receipts: object) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = trip.body()["lines"]
    for line, receipt in zip(lines, receipts, strict=False):
        line["receipt_attachment_id"] = receipt
    return lines


def test_travel_receipts_attached_to_the_claim(
    client: TestClient, world: World, db: Session
) -> None:
    trip = Trip(client, world, db)
    fuel = upload(client, world, "north.rep", files.jpeg(), "fuel.jpg")
    hotel = upload(client, world, "north.rep", files.pdf(), "hotel.pdf")
    r = client.post(
        CLAIMS,
        headers=world.headers("north.rep"),
        json={**trip.body(), "lines": _lines(trip, fuel["id"], hotel["id"])},
    )
    assert r.status_code == 201, r.text
    claim = r.json()
    assert [x["receipt_attachment_id"] for x in claim["lines"]] == [fuel["id"], hotel["id"]]
    assert _subject(db, fuel["id"]) == ("travel_claim", claim["id"])
    done = trip.submit(claim["id"])
    _only_they_read(client, world, hotel["id"])
    # returned, the hotel receipt replaced: the old one is detached
    r = trip.decide("north.sup", done["approval_id"], "return", "wrong receipt")
    assert r.status_code == 200, r.text
    better = upload(client, world, "north.rep", files.png(), "hotel.png")
    r = client.patch(
        f"{CLAIMS}/{claim['id']}",
        headers=world.headers("north.rep"),
        json={"lines": _lines(trip, fuel["id"], better["id"])},
    )
    assert r.status_code == 200, r.text
    assert _subject(db, hotel["id"]) == (None, None)
    assert _subject(db, better["id"]) == ("travel_claim", claim["id"])
    assert _subject(db, fuel["id"]) == ("travel_claim", claim["id"])
    assert _reads(client, world, "north.sup", better["id"]) == 200


def test_travel_receipt_of_someone_else_is_refused(
    client: TestClient, world: World, db: Session
) -> None:
    trip = Trip(client, world, db)
    theirs = upload(client, world, "north.rep2", files.jpeg(), "theirs.jpg")
    body = {**trip.body(), "lines": _lines(trip, theirs["id"])}
    r = client.post(CLAIMS, headers=world.headers("north.rep"), json=body)
    assert r.status_code == 404, r.text
    assert trip.rows() == (0, 0, 0)
    claim = trip.create()
    r = client.patch(
        f"{CLAIMS}/{claim['id']}",
        headers=world.headers("north.rep"),
        json={"lines": _lines(trip, theirs["id"])},
    )
    assert r.status_code == 404, r.text
    assert trip.rows() == (1, 3, 2)
    got = trip.claim(claim["id"]).json()
    assert [x["receipt_attachment_id"] for x in got["lines"]] == [None, None]
    assert _subject(db, theirs["id"]) == (None, None)
