"""Approved leave through the existing monitoring: a day on leave raises no off-zone
event, and events already raised on a day later approved as leave are marked covered
(the person's running shift judged again)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from fieldforce.leave.service import COVERED
from fieldforce.monitoring.models import MonitorState
from tests.leave.scene import Leave
from tests.monitoring.scene import Scene, outside
from tests.world import World


@pytest.fixture
def scene(
    client: TestClient, world: World, db: Session, session_factory: sessionmaker[Session]
) -> Scene:
    return Scene(client, world, db, session_factory)


def _approved_leave(leave: Leave, day: str) -> dict[str, Any]:
    assert leave.allocate("north.rep", year=2026, days=5).status_code == 201
    r = leave.client.post(
        "/api/v1/leave-requests",
        headers=leave.world.headers("north.rep"),
        json={"leave_type_id": leave.type_id("annual"), "start": day, "end": day, "reason": "x"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["days"] == 1.0
    assert leave.decide("north.sup", r.json()["approval"]["id"]).status_code == 200
    return dict(r.json())


def test_a_day_on_leave_raises_no_off_zone_event(scene: Scene, leave: Leave) -> None:
    _approved_leave(leave, "2026-11-16")  # the Monday of the scene
    scene.live(outside(0, 40), until=40)
    assert [e.type for e in scene.events()] == []  # neither off zone nor late
    assert scene.alerts() == []


def test_events_already_raised_are_covered(scene: Scene, leave: Leave, db: Session) -> None:
    scene.live(outside(0, 30), until=30)
    raised = scene.events()
    assert [e.type for e in raised] == ["late_arrival", "off_zone"]
    asked = _approved_leave(leave, "2026-11-16")
    covered = scene.events()
    assert [e.details.get(COVERED) for e in covered] == [asked["id"]] * 2
    state = db.get(MonitorState, (scene.world.tenant.id, scene.rep.id))
    assert state is not None
    assert state.stale
    events = leave.client.get(
        "/api/v1/events",
        headers=leave.world.headers("north.sup"),
        params={"staff_id": leave.world.staff_id("north.rep")},
    ).json()["items"]
    assert [e["details"].get(COVERED) for e in events] == [asked["id"]] * 2
    # cancelled: no longer covered
    r = leave.client.post(
        f"/api/v1/leave-requests/{asked['id']}/cancel", headers=leave.world.headers("north.manager")
    )
    assert r.status_code == 200, r.text
    assert [COVERED in e.details for e in scene.events()] == [False, False]
