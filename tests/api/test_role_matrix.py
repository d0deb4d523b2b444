"""Who may act on whom: actor role × target role × action, through the HTTP API.

The rule: an actor may act on a person only when the actor could grant every role that
person holds (admins grant every role, managers only rep and supervisor, supervisors and
reps none), within their scope. A person outside the actor's scope answers 404; one the
actor sees but may not act on answers 403. One's own devices are always one's own."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.world import World, add_staff

ACTORS = {
    "admin": "admin",
    "manager": "north.manager",
    "supervisor": "north.sup",
    "rep": "north.rep",
}
# Every target of a role sits in north-a, inside the manager's and the supervisor's subtree.
TARGET_ROLES = ["admin", "manager", "finance", "supervisor", "rep"]
TARGETS = [*TARGET_ROLES, "self", "other branch", "other tenant"]

OK = "ok"  # the action's success status
# actor → target → OK or the refusal, for every action (exceptions below)
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
        "rep": 403,
        "self": 403,
        "other branch": 404,
        "other tenant": 404,
    },
    "rep": {
        "admin": 404,
        "manager": 404,
        "finance": 404,
        "supervisor": 404,
        "rep": 404,
        "self": 403,
        "other branch": 404,
        "other tenant": 404,
    },
}
DEVICE_ACTIONS = {"register device", "revoke device", "rotate device secret"}


def expected(actor: str, target: str, action: str) -> str | int:
    if target == "self" and action in DEVICE_ACTIONS:
        return OK  # one's own phone
    if (actor, target, action) == ("admin", "self", "deactivate"):
        return 422  # self_lockout
    return MATRIX[actor][target]


class Cell:
    """The world of one cell: the actor's headers, the target person and a device of theirs."""

    def __init__(self, client: TestClient, world: World, db: Session, actor: str, target: str):
        self.client = client
        self.actor = world.headers(ACTORS[actor])
        if target in TARGET_ROLES:
            person = add_staff(db, world.units["north-a"], f"target.{target}", [target])
            db.commit()
        else:
            name = {"self": ACTORS[actor], "other branch": "south.rep", "other tenant": "other.rep"}
            person = world.staff[name[target]]
        self.target_id = str(person.id)
        self.target_roles = list(person.roles)
        self.target_headers = world.headers(person)

    def own_device(self) -> str:
        r = self.client.post(
            "/api/v1/devices",
            headers=self.target_headers,
            json={"staff_id": self.target_id, "platform": "android", "protocol": "app"},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def patch(self, body: dict[str, object]) -> httpx.Response:
        return self.client.patch(f"/api/v1/staff/{self.target_id}", headers=self.actor, json=body)

    def post(self, path: str, body: dict[str, object] | None = None) -> httpx.Response:
        return self.client.post(f"/api/v1{path}", headers=self.actor, json=body)


def one_more_role(roles: list[str]) -> list[str]:
    return [*roles, "supervisor" if "supervisor" not in roles else "rep"]


ACTIONS: dict[str, tuple[int, Callable[[Cell], httpx.Response]]] = {
    "edit": (200, lambda c: c.patch({"phone": "+86 138 0000 2222"})),
    "change roles": (200, lambda c: c.patch({"roles": one_more_role(c.target_roles)})),
    "deactivate": (200, lambda c: c.patch({"active": False})),
    "reset password": (
        204,
        lambda c: c.post(f"/staff/{c.target_id}/password", {"password": "taken-over-77"}),
    ),
    "register device": (
        201,
        lambda c: c.post(
            "/devices", {"staff_id": c.target_id, "platform": "android", "protocol": "app"}
        ),
    ),
    "revoke device": (200, lambda c: c.post(f"/devices/{c.own_device()}/revoke")),
    "rotate device secret": (200, lambda c: c.post(f"/devices/{c.own_device()}/secret")),
    "sign out everywhere": (204, lambda c: c.post(f"/staff/{c.target_id}/sign-out-everywhere")),
}

CELLS = [
    pytest.param(actor, target, action, id=f"{actor}-{target}-{action}".replace(" ", "_"))
    for actor in ACTORS
    for target in TARGETS
    for action in ACTIONS
]


@pytest.mark.parametrize(("actor", "target", "action"), CELLS)
def test_who_may_act_on_whom(
    client: TestClient, world: World, db: Session, actor: str, target: str, action: str
) -> None:
    cell = Cell(client, world, db, actor, target)
    success, act = ACTIONS[action]
    want = expected(actor, target, action)
    r = act(cell)
    assert r.status_code == (success if want == OK else want), r.text


def test_the_matrix_covers_every_actor_and_target() -> None:
    assert set(MATRIX) == set(ACTORS)
    for row in MATRIX.values():
        assert list(row) == TARGETS
