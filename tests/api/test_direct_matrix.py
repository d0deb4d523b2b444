"""Who may direct whom: actor role × target role × action, through the HTTP API.

The rule: one may direct a person (locate them, give them a task, name them in a notice,
assign them a zone, set their duty schedule or a duty exception) only when every role they
hold is one the actor directs: admins direct every role, managers reps and supervisors,
supervisors reps, reps nobody; finance only admins. A person outside the actor's scope
answers 404; one the actor sees but may not direct answers 403. Locating oneself, a task
for oneself and naming oneself in a notice are allowed to anyone who directs; one's own
zones and duty are set by those above (an admin sets their own)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api.test_role_matrix import ACTORS, OK, TARGETS, Cell
from tests.world import World, add_staff

# actor → target → OK or the refusal, for every action (oneself: see SELF_ACTIONS)
MATRIX: dict[str, dict[str, str | int]] = {
    "admin": {
        "admin": OK,
        "manager": OK,
        "finance": OK,
        "supervisor": OK,
        "rep": OK,
        "self": OK,
        "other branch": OK,
        "other tenant": 404,
    },
    "manager": {
        "admin": 403,
        "manager": 403,
        "finance": 403,
        "supervisor": OK,
        "rep": OK,
        "self": 403,
        "other branch": 404,
        "other tenant": 404,
    },
    "supervisor": {
        "admin": 403,
        "manager": 403,
        "finance": 403,
        "supervisor": 403,
        "rep": OK,
        "self": 403,
        "other branch": 404,
        "other tenant": 404,
    },
    # reps direct nobody: refused before the target is looked up
    "rep": dict.fromkeys(TARGETS, 403),
}
# what one may do to oneself whatever one's own roles, if one directs at all
SELF_ACTIONS = {"locate", "give a task", "name in a notice"}


def expected(actor: str, target: str, action: str) -> str | int:
    if target == "self" and action in SELF_ACTIONS and actor != "rep":
        return OK
    return MATRIX[actor][target]


class DirectCell(Cell):
    """One cell's world, as for staff administration, with a zone and a phone at hand."""

    def __init__(self, client: TestClient, world: World, db: Session, actor: str, target: str):
        super().__init__(client, world, db, actor, target)
        self.world = world

    def locate(self) -> httpx.Response:
        self.own_device()  # a phone to locate
        return self.post(f"/staff/{self.target_id}/locate")

    def assign_zone(self) -> httpx.Response:
        zone = north_a_zone(self.client, self.world)
        return self.post(f"/zones/{zone}/assignments", {"staff_id": self.target_id})


def north_a_zone(client: TestClient, world: World) -> str:
    r = client.post(
        "/api/v1/zones",
        headers=world.headers("admin"),
        json={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [120.155, 30.274]},
            "properties": {
                "name": "Hall 3",
                "kind": "customer_site",
                "radius_m": 100,
                "org_unit_id": world.unit_id("north-a"),
            },
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


WEEKDAYS = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]

ACTIONS: dict[str, tuple[int, Callable[[DirectCell], httpx.Response]]] = {
    "locate": (201, DirectCell.locate),
    "give a task": (
        201,
        lambda c: c.post("/tasks", {"assignee_id": c.target_id, "title": "Visit hall 3"}),
    ),
    "name in a notice": (
        201,
        lambda c: c.post("/notices", {"title": "t", "body": "b", "staff_ids": [c.target_id]}),
    ),
    "assign a zone": (201, DirectCell.assign_zone),
    "set a schedule": (
        201,
        lambda c: c.post(
            "/schedules", {"staff_id": c.target_id, "timezone": "UTC", "weekly": WEEKDAYS}
        ),
    ),
    "set a duty exception": (
        201,
        lambda c: c.post(
            "/duty-exceptions", {"staff_id": c.target_id, "day": "2026-11-26", "kind": "off"}
        ),
    ),
}

CELLS = [
    pytest.param(actor, target, action, id=f"{actor}-{target}-{action}".replace(" ", "_"))
    for actor in ACTORS
    for target in TARGETS
    for action in ACTIONS
]


@pytest.mark.parametrize(("actor", "target", "action"), CELLS)
def test_who_may_direct_whom(
    client: TestClient, world: World, db: Session, actor: str, target: str, action: str
) -> None:
    cell = DirectCell(client, world, db, actor, target)
    success, act = ACTIONS[action]
    want = expected(actor, target, action)
    r = act(cell)
    assert r.status_code == (success if want == OK else want), r.text


def test_the_matrix_covers_every_actor_and_target() -> None:
    assert set(MATRIX) == set(ACTORS)
    for row in MATRIX.values():
        assert list(row) == TARGETS


def test_removing_a_zone_assignment_follows_the_same_rule(
    client: TestClient, world: World, db: Session
) -> None:
    zone = north_a_zone(client, world)
    url = f"/api/v1/zones/{zone}/assignments"
    ids = {}
    for role in ("admin", "rep"):
        person = add_staff(db, world.units["north-a"], f"assigned.{role}", [role])
        db.commit()
        r = client.post(url, headers=world.headers("admin"), json={"staff_id": str(person.id)})
        assert r.status_code == 201, r.text
        ids[role] = r.json()["id"]
    supervisor = world.headers("north.sup")
    assert client.delete(f"{url}/{ids['admin']}", headers=supervisor).status_code == 403
    assert client.delete(f"{url}/{ids['rep']}", headers=supervisor).status_code == 204


def test_changing_the_schedule_of_someone_one_may_not_direct_is_refused(
    client: TestClient, world: World, db: Session
) -> None:
    person = add_staff(db, world.units["north-a"], "scheduled.manager", ["manager"])
    db.commit()
    body = {"staff_id": str(person.id), "timezone": "UTC", "weekly": WEEKDAYS}
    r = client.post("/api/v1/schedules", headers=world.headers("admin"), json=body)
    assert r.status_code == 201, r.text
    url = f"/api/v1/schedules/{r.json()['id']}"
    supervisor = world.headers("north.sup")
    assert client.get(url, headers=supervisor).status_code == 200  # seen, in the subtree
    assert client.patch(url, headers=supervisor, json={"weekly": []}).status_code == 403
    assert client.delete(url, headers=supervisor).status_code == 403


def test_broadcasts_to_a_unit_reach_everyone_in_it(
    client: TestClient, world: World, db: Session
) -> None:
    """A notice to an org unit directs nobody in particular: it reaches an admin placed
    there too, while naming that admin is refused."""
    admin = add_staff(db, world.units["north-a"], "placed.admin", ["admin"])
    db.commit()
    supervisor = world.headers("north.sup")
    body = {"title": "Q4 targets", "body": "b", "org_unit_ids": [world.unit_id("north-a")]}
    assert client.post("/api/v1/notices", headers=supervisor, json=body).status_code == 201
    inbox = client.get("/api/v1/inbox", headers=world.headers(admin)).json()["items"]
    assert [i["title"] for i in inbox] == ["Q4 targets"]
    named = {**body, "staff_ids": [str(admin.id)]}
    r = client.post("/api/v1/notices", headers=supervisor, json=named)
    assert (r.status_code, r.json()["error"]["details"]["roles"]) == (403, ["admin"])
