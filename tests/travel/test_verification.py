"""The GPS verification of travel claims on synthetic trips sent through the real ingest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.travel.scene import NINGBO, ROUTE, ROUTE_KM, WENZHOU, Trip, leg


def test_an_honest_claim_passes(trip: Trip) -> None:
    trip.drive()
    claim = trip.create()
    assert claim["status"] == "draft"
    assert claim["verification"] is None
    done = trip.submit(claim["id"])
    v = done["verification"]
    assert done["status"] == "in_approval"
    assert v["flags"] == []
    assert [(d["place"], d["reached"]) for d in v["destinations"]] == [(p[0], True) for p in ROUTE]
    assert v["tracked_km"] == pytest.approx(ROUTE_KM, rel=0.02)
    assert v["claimed_km"] == round(ROUTE_KM)
    assert v["days"][0]["tracked_km"] == pytest.approx(ROUTE_KM, rel=0.02)
    assert v["days"][1]["tracked_km"] == 0
    assert done["approval"]["waiting_on"] == [trip.world.staff_id("north.sup")]


def test_inflated_kilometres_are_flagged(trip: Trip) -> None:
    trip.drive()
    claim = trip.create(km=round(ROUTE_KM * 1.2 + 10))
    v = trip.submit(claim["id"])["verification"]
    assert v["flags"] == ["distance_overclaimed"]


def test_a_little_over_is_within_the_slack(trip: Trip) -> None:
    trip.drive()
    claim = trip.create(km=round(ROUTE_KM * 1.2 + 3))
    assert trip.submit(claim["id"])["verification"]["flags"] == []


def test_a_never_visited_destination_is_flagged(trip: Trip) -> None:
    trip.drive()
    claim = trip.create(legs=[leg(p) for p in [*ROUTE, WENZHOU]])
    v = trip.submit(claim["id"])["verification"]
    assert v["flags"] == ["destination_unverified"]
    wenzhou = v["destinations"][-1]
    assert wenzhou["place"] == "Wenzhou"
    assert wenzhou["reached"] is False
    assert wenzhou["nearest_m"] > 100_000
    assert v["destinations"][2]["reached_at"] is not None


def test_a_trip_without_pings_is_flagged(trip: Trip) -> None:
    trip.drive(day=trip.start - timedelta(days=1))  # the day before: outside the trip
    claim = trip.create(km=1, legs=[leg(NINGBO)])
    v = trip.submit(claim["id"])["verification"]
    assert v["tracked_km"] == 0
    assert v["flags"] == ["destination_unverified", "no_tracking"]


def test_mock_pings_are_flagged_and_never_count(trip: Trip) -> None:
    trip.drive(mock=True)
    claim = trip.create()
    v = trip.submit(claim["id"])["verification"]
    assert v["mock_fixes"] > 0
    assert v["tracked_km"] == 0
    assert set(v["flags"]) == {
        "distance_overclaimed",
        "destination_unverified",
        "no_tracking",
        "mock_location",
    }


def test_late_pings_change_the_verification(trip: Trip) -> None:
    claim = trip.create()
    before = trip.submit(claim["id"])["verification"]
    assert "no_tracking" in before["flags"]
    trip.drive()  # the phone was offline on the trip and uploads its buffer now
    r = trip.claim(claim["id"])
    after = r.json()["verification"]
    assert after["flags"] == []
    assert after["tracked_km"] == pytest.approx(ROUTE_KM, rel=0.02)
    assert after["computed_at"] > before["computed_at"]


def test_late_pings_of_someone_else_or_other_days_change_nothing(trip: Trip) -> None:
    claim = trip.create()
    before = trip.submit(claim["id"])["verification"]
    trip.drive("north.rep2")
    trip.drive(day=trip.end + timedelta(days=1))
    assert trip.claim(claim["id"]).json()["verification"] == before


def test_a_draft_is_not_verified_by_late_pings(trip: Trip) -> None:
    claim = trip.create()
    trip.drive()
    assert trip.claim(claim["id"]).json()["verification"] is None
