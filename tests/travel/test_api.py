"""Every travel-claim endpoint: success, bad input (a clear 4xx, nothing written), scope
(own and subtree yes; another branch, another tenant no), the approval outcomes, and
finance paying in a batch with the export."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.travel.scene import CLAIMS, NINGBO, Trip, leg


def _set(trip: Trip, **settings: Any) -> None:
    tenant = trip.world.tenant
    trip.db.refresh(tenant)
    tenant.settings = {**(tenant.settings or {}), **settings}
    trip.db.commit()


def test_create_answers_the_draft(trip: Trip) -> None:
    claim = trip.create()
    assert claim["status"] == "draft"
    assert claim["requester_id"] == trip.world.staff_id("north.rep")
    assert claim["currency"] == "CNY"
    assert claim["total"] == "500.00"
    assert [x["place"] for x in claim["legs"]] == ["Hangzhou", "Shaoxing", "Ningbo"]
    assert [x["category"] for x in claim["lines"]] == ["mileage", "lodging"]
    assert claim["verification"] is None
    assert claim["approval"] is None
    assert trip.rows() == (1, 3, 2)


def _bad(trip: Trip) -> list[dict[str, Any]]:
    b = trip.body
    s, e = trip.start, trip.end
    line = {"category": "meals", "date": str(s), "amount": 10, "currency": "CNY"}
    return [
        b(start=e, end=s),
        b(start=s, end=s + timedelta(days=31)),
        b(lines=[{**line, "date": str(e + timedelta(days=1))}]),
        b(lines=[{**line, "amount": 0}]),
        b(lines=[{**line, "amount": -5}]),
        b(lines=[{**line, "amount": "NaN"}]),
        b(lines=[{**line, "amount": "Infinity"}]),
        b(lines=[{**line, "amount": "1.005"}]),
        b(lines=[{**line, "currency": "cny"}]),
        b(lines=[{**line, "currency": "USD"}]),
        b(lines=[{**line, "category": "mileage"}]),
        b(lines=[{**line, "category": "gifts"}]),
        b(legs=[{"place": "x", "lon": 200, "lat": 0}]),
        b(legs=[{"place": "x", "lon": "NaN", "lat": 0}]),
        b(legs=[{"place": "", "lon": 1, "lat": 1}]),
        b(legs=[leg(NINGBO, mode="rocket")]),
        b(legs=[leg(NINGBO, date=str(e + timedelta(days=1)))]),
        b(purpose=""),
        b(purpose="a\x00b"),
        b(unknown=1),
    ]


def test_bad_input_is_refused_and_nothing_written(trip: Trip) -> None:
    for body in _bad(trip):
        r = trip.client.post(CLAIMS, headers=trip.world.headers("north.rep"), json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"]
    assert trip.rows() == (0, 0, 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("north.rep", 200),
        ("north.sup", 200),
        ("north.manager", 200),
        ("admin", 200),
        ("north.rep2", 404),
        ("south.manager", 404),
        ("south.rep", 404),
        ("other.admin", 404),
    ],
)
def test_get_by_scope(trip: Trip, who: str, status: int) -> None:
    claim = trip.create()
    assert trip.claim(claim["id"], who).status_code == status


def test_get_unknown(trip: Trip) -> None:
    assert trip.claim(str(uuid.uuid4())).status_code == 404


def test_list_by_scope_with_filters_and_pages(trip: Trip) -> None:
    mine = trip.create()
    other = trip.create("north.rep2")
    south = trip.create("south.rep")
    trip.submit(mine["id"])

    def ids(who: str, **params: Any) -> list[str]:
        r = trip.client.get(CLAIMS, headers=trip.world.headers(who), params=params)
        assert r.status_code == 200, r.text
        return [c["id"] for c in r.json()["items"]]

    assert ids("north.rep") == [mine["id"]]
    assert sorted(ids("north.manager")) == sorted([other["id"], mine["id"]])
    assert ids("north.sup") == [mine["id"]]
    assert ids("south.manager") == [south["id"]]
    assert ids("other.admin") == []
    assert len(ids("admin")) == 3
    assert ids("admin", status="in_approval") == [mine["id"]]
    assert ids("admin", staff_id=trip.world.staff_id("south.rep")) == [south["id"]]
    assert ids("admin", mine="true") == []
    assert ids("admin", **{"from": str(trip.end + timedelta(days=1))}) == []
    assert len(ids("admin", **{"from": str(trip.end), "to": str(trip.end)})) == 3
    page = trip.client.get(CLAIMS, headers=trip.world.headers("admin"), params={"limit": 2})
    assert len(page.json()["items"]) == 2
    assert page.json()["next_cursor"]
    r = trip.client.get(CLAIMS, headers=trip.world.headers("admin"), params={"status": "nope"})
    assert r.status_code == 422


def test_patch_a_draft(trip: Trip) -> None:
    claim = trip.create()
    url = f"{CLAIMS}/{claim['id']}"
    r = trip.client.patch(
        url,
        headers=trip.world.headers("north.rep"),
        json={
            "purpose": "Ningbo only",
            "lines": [
                {"category": "meals", "date": str(trip.end), "amount": 80, "currency": "CNY"}
            ],
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["purpose"] == "Ningbo only"
    assert r.json()["total"] == "80.00"
    assert len(r.json()["legs"]) == 3
    # the new period must still hold the lines; nothing changes when it does not
    bad = trip.client.patch(
        url, headers=trip.world.headers("north.rep"), json={"end": str(trip.start)}
    )
    assert bad.status_code == 422
    assert (
        trip.client.patch(
            url, headers=trip.world.headers("north.rep"), json={"purpose": None}
        ).status_code
        == 422
    )
    assert trip.claim(claim["id"]).json()["end"] == str(trip.end)
    assert (
        trip.client.patch(
            url, headers=trip.world.headers("north.sup"), json={"purpose": "x"}
        ).status_code
        == 403
    )
    for who in ("south.manager", "other.admin"):
        r = trip.client.patch(url, headers=trip.world.headers(who), json={"purpose": "x"})
        assert r.status_code == 404


def test_submit_scope_and_twice(trip: Trip) -> None:
    claim = trip.create()
    url = f"{CLAIMS}/{claim['id']}/submit"
    assert trip.client.post(url, headers=trip.world.headers("south.manager")).status_code == 404
    assert trip.client.post(url, headers=trip.world.headers("other.admin")).status_code == 404
    assert trip.client.post(url, headers=trip.world.headers("north.sup")).status_code == 403
    done = trip.submit(claim["id"])
    assert done["approval"]["kind"] == "travel_claim"
    assert done["approval"]["facts"]["amount"] in ("500.00", "500")
    again = trip.client.post(url, headers=trip.world.headers("north.rep"))
    assert again.status_code == 409
    patch = trip.client.patch(
        f"{CLAIMS}/{claim['id']}", headers=trip.world.headers("north.rep"), json={"purpose": "x"}
    )
    assert patch.status_code == 409


def test_outcomes_reach_the_claim(trip: Trip) -> None:
    approved = trip.submit(trip.create()["id"])
    trip.approve("north.sup", approved["approval_id"])
    assert trip.claim(approved["id"]).json()["status"] == "approved"

    rejected = trip.submit(trip.create()["id"])
    r = trip.decide("north.sup", rejected["approval_id"], "reject", "not this trip")
    assert r.status_code == 200, r.text
    assert trip.claim(rejected["id"]).json()["status"] == "rejected"

    returned = trip.submit(trip.create()["id"])
    r = trip.decide("north.sup", returned["approval_id"], "return", "receipt missing")
    assert r.status_code == 200, r.text
    assert trip.claim(returned["id"]).json()["status"] == "returned"
    r = trip.client.patch(
        f"{CLAIMS}/{returned['id']}", headers=trip.world.headers("north.rep"), json={"purpose": "y"}
    )
    assert r.status_code == 200, r.text
    again = trip.submit(returned["id"])
    assert again["status"] == "in_approval"
    assert again["approval_id"] == returned["approval_id"]
    assert again["approval"]["round"] == 2

    withdrawn = trip.submit(trip.create()["id"])
    r = trip.client.post(
        f"/api/v1/approvals/{withdrawn['approval_id']}/withdraw",
        headers=trip.world.headers("north.rep"),
    )
    assert r.status_code == 200, r.text
    assert trip.claim(withdrawn["id"]).json()["status"] == "draft"


def test_approvers_sanction_lines_while_it_waits_on_them(trip: Trip) -> None:
    claim = trip.submit(trip.create()["id"])
    line = claim["lines"][1]["id"]
    url = f"{CLAIMS}/{claim['id']}/lines/{line}"

    def sanction(who: str, **body: Any) -> Any:
        return trip.client.patch(url, headers=trip.world.headers(who), json=body)

    assert sanction("north.sup", sanctioned_amount=400, reason="x").status_code == 422
    assert sanction("north.sup", sanctioned_amount=200).status_code == 422
    assert sanction("north.manager", sanctioned_amount=200, reason="cap").status_code == 403
    assert sanction("north.rep", sanctioned_amount=200, reason="cap").status_code == 403
    assert sanction("south.manager", sanctioned_amount=200, reason="cap").status_code == 404
    r = sanction("north.sup", sanctioned_amount="250.00", reason="hotel cap")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["lines"][1]["sanctioned_amount"] == "250.00"
    assert got["lines"][1]["sanction_reason"] == "hotel cap"
    assert got["payable"] == "430.00"
    assert got["total"] == "500.00"
    trip.approve("north.sup", claim["approval_id"])
    assert sanction("north.sup", sanctioned_amount=100, reason="late").status_code == 403


def _away(trip: Trip, who: str, to: str) -> None:
    now = datetime.now(UTC)
    r = trip.client.post(
        "/api/v1/delegations",
        headers=trip.world.headers(who),
        json={
            "delegate_id": trip.world.staff_id(to),
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=2)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text


def test_a_delegate_sanctions_lines_on_behalf_of_the_approver(trip: Trip) -> None:
    claim = trip.submit(trip.create()["id"])
    url = f"{CLAIMS}/{claim['id']}/lines/{claim['lines'][1]['id']}"
    body = {"sanctioned_amount": "300.00", "reason": "hotel cap"}

    def sanction(who: str) -> int:
        return trip.client.patch(url, headers=trip.world.headers(who), json=body).status_code

    assert sanction("north.rep2") == 404  # not theirs to see, until they stand in
    _away(trip, "north.sup", "north.rep2")
    assert sanction("north.rep2") == 200
    assert trip.claim(claim["id"]).json()["lines"][1]["sanctioned_amount"] == "300.00"
    # the requester never sanctions their own claim, even standing in for its approver
    _away(trip, "north.sup", "north.rep")
    assert sanction("north.rep") == 403


def test_lines_over_their_limit_are_flagged_not_refused(trip: Trip) -> None:
    _set(
        trip,
        travel_mileage_rate=0.8,
        travel_city_tiers={"Ningbo": 2},
        travel_daily_limits=[
            {"category": "lodging", "amount": 500},
            {"category": "lodging", "amount": 300, "tier": 2},
            {"category": "lodging", "amount": 450, "tier": 2, "role": "manager"},
        ],
    )
    claim = trip.create(legs=[leg(NINGBO, date=str(trip.start))], km=100)
    mileage, lodging = claim["lines"]
    assert (mileage["limit"], mileage["over_limit"]) == ("80.00", True)  # 180 for 100 km
    assert (lodging["limit"], lodging["over_limit"]) == ("300.00", True)  # 320 in tier 2
    boss = trip.create("north.manager", legs=[leg(NINGBO, city_tier=2)], km=300)
    assert [(x["limit"], x["over_limit"]) for x in boss["lines"]] == [
        ("240.00", False),
        ("450.00", False),
    ]


def test_finance_pays_in_a_batch_and_the_export_lists_them(trip: Trip) -> None:
    first = trip.submit(trip.create()["id"])
    second = trip.submit(trip.create("north.rep2")["id"], "north.rep2")
    waiting = trip.submit(trip.create("south.rep")["id"], "south.rep")
    trip.approve("north.sup", first["approval_id"])
    trip.approve("north.manager", second["approval_id"])
    batch = {"claim_ids": [first["id"], second["id"]]}

    def pay(who: str, body: dict[str, Any]) -> Any:
        return trip.client.post(f"{CLAIMS}/pay", headers=trip.world.headers(who), json=body)

    assert pay("north.rep", batch).status_code == 403
    assert pay("north.manager", batch).status_code == 403
    r = pay("group.finance", {"claim_ids": [first["id"], waiting["id"]]})
    assert r.status_code == 409
    assert trip.claim(first["id"]).json()["status"] == "approved"  # nothing paid
    assert pay("other.admin", batch).status_code == 404
    assert pay("group.finance", {"claim_ids": [str(uuid.uuid4())]}).status_code == 404
    assert pay("group.finance", {"claim_ids": []}).status_code == 422
    r = pay("group.finance", batch)
    assert r.status_code == 200, r.text
    assert [c["status"] for c in r.json()["items"]] == ["paid", "paid"]
    assert pay("group.finance", batch).status_code == 409  # paid once

    def export(who: str, **params: Any) -> Any:
        return trip.client.get(
            f"{CLAIMS}/export", headers=trip.world.headers(who), params={"status": "paid", **params}
        )

    r = export("group.finance")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["claim_id"] for row in rows} == {first["id"], second["id"]}
    assert {row["login"] for row in rows} == {"north.rep", "north.rep2"}
    assert {row["payable"] for row in rows} == {"500.00"}
    assert len({row["batch_id"] for row in rows}) == 1
    today = trip.claim(first["id"]).json()["paid_at"][:10]
    assert len(list(csv.DictReader(io.StringIO(export("admin", **{"from": today}).text)))) == 2
    later = str(trip.end + timedelta(days=30))
    assert list(csv.DictReader(io.StringIO(export("admin", **{"from": later}).text))) == []
    assert export("north.rep").status_code == 403
    assert list(csv.DictReader(io.StringIO(export("other.admin").text))) == []
    assert export("admin", status="nope").status_code == 422
