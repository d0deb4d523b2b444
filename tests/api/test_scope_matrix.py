"""Who may see and act on whom, for every endpoint that takes a record: own record, own
subtree, another branch, another tenant. Outside the read scope answers 404 (existence is
not disclosed); visible but not changeable answers 403."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.world import World

# (actor, target staff, expected status of GET /staff/{id}, of PATCH /staff/{id})
STAFF_CASES = [
    ("admin", "admin", 200, 200),
    ("admin", "south.rep", 200, 200),
    ("admin", "other.rep", 404, 404),
    ("north.manager", "north.manager", 200, 403),
    ("north.manager", "north.rep", 200, 200),
    ("north.manager", "north.rep2", 200, 200),
    ("north.manager", "south.rep", 404, 404),
    ("north.manager", "other.rep", 404, 404),
    ("north.sup", "north.rep", 200, 403),
    ("north.sup", "north.rep2", 404, 404),
    ("north.sup", "south.rep", 404, 404),
    ("north.sup", "other.rep", 404, 404),
    ("north.rep", "north.rep", 200, 403),
    ("north.rep", "north.sup", 404, 404),
    ("north.rep", "south.rep", 404, 404),
    ("north.rep", "other.rep", 404, 404),
    ("other.admin", "north.rep", 404, 404),
    ("other.admin", "other.rep", 200, 200),
]


@pytest.mark.parametrize(("actor", "target", "read", "write"), STAFF_CASES)
def test_staff_record_scope(
    client: TestClient, world: World, actor: str, target: str, read: int, write: int
) -> None:
    url = f"/api/v1/staff/{world.staff_id(target)}"
    headers = world.headers(actor)
    assert client.get(url, headers=headers).status_code == read
    assert (
        client.patch(url, headers=headers, json={"phone": "+86 13800000000"}).status_code == write
    )
    assert client.post(
        f"{url}/password", headers=headers, json={"password": "new-pass-word-9"}
    ).status_code == (204 if write == 200 else write)


# (actor, unit, GET /org-units/{id}, PATCH /org-units/{id}, POST child / POST staff there)
UNIT_CASES = [
    ("admin", "root", 200, 200, 201),
    ("admin", "south-a", 200, 200, 201),
    ("admin", "other-root", 404, 404, 404),
    ("north.manager", "north", 200, 403, 201),
    ("north.manager", "north-a", 200, 200, 201),
    ("north.manager", "root", 404, 404, 404),
    ("north.manager", "south", 404, 404, 404),
    ("north.manager", "other-root", 404, 404, 404),
    ("north.sup", "north-a", 200, 403, 403),
    ("north.sup", "north-b", 404, 404, 404),
    ("north.sup", "south-a", 404, 404, 404),
    ("north.rep", "north-a", 200, 403, 403),
    ("north.rep", "north-b", 404, 404, 404),
    ("north.rep", "other-root", 404, 404, 404),
    ("other.admin", "north", 404, 404, 404),
]


@pytest.mark.parametrize(("actor", "unit", "read", "write", "add"), UNIT_CASES)
def test_org_unit_scope(
    client: TestClient, world: World, actor: str, unit: str, read: int, write: int, add: int
) -> None:
    headers = world.headers(actor)
    url = f"/api/v1/org-units/{world.unit_id(unit)}"
    assert client.get(url, headers=headers).status_code == read
    assert client.patch(url, headers=headers, json={"name": "Renamed"}).status_code == write
    r = client.post(
        "/api/v1/org-units",
        headers=headers,
        json={"name": "New Team", "parent_id": world.unit_id(unit)},
    )
    assert r.status_code == add, r.text
    r = client.post(
        "/api/v1/staff",
        headers=headers,
        json={
            "login": "new.person",
            "password": "pass-word-123",
            "name": "New Person",
            "org_unit_id": world.unit_id(unit),
        },
    )
    assert r.status_code == add, r.text


# (actor, device owner, register for owner, GET device, revoke device)
DEVICE_CASES = [
    ("north.rep", "north.rep", 201, 200, 200),
    ("north.rep2", "north.rep", 404, 404, 404),
    ("north.sup", "north.rep", 403, 200, 403),
    ("north.manager", "north.rep", 201, 200, 200),
    ("south.manager", "north.rep", 404, 404, 404),
    ("admin", "north.rep", 201, 200, 200),
    ("other.admin", "north.rep", 404, 404, 404),
]


@pytest.mark.parametrize(("actor", "owner", "register", "read", "revoke"), DEVICE_CASES)
def test_device_scope(
    client: TestClient, world: World, actor: str, owner: str, register: int, read: int, revoke: int
) -> None:
    body = {"staff_id": world.staff_id(owner), "platform": "android", "protocol": "app"}
    headers = world.headers(actor)
    assert client.post("/api/v1/devices", headers=headers, json=body).status_code == register
    device = client.post("/api/v1/devices", headers=world.headers(owner), json=body).json()
    url = f"/api/v1/devices/{device['id']}"
    assert client.get(url, headers=headers).status_code == read
    assert client.post(f"{url}/revoke", headers=headers).status_code == revoke
    # once revoked (by an actor allowed to), a device gets no new secret
    rotate = client.post(f"{url}/secret", headers=headers).status_code
    assert rotate == (422 if revoke == 200 else revoke)


LIST_CASES = {
    "admin": {
        "admin",
        "north.manager",
        "north.sup",
        "north.rep",
        "north.rep2",
        "south.manager",
        "south.rep",
    },
    "north.manager": {"north.manager", "north.sup", "north.rep", "north.rep2"},
    "north.sup": {"north.sup", "north.rep"},
    "north.rep": {"north.rep"},
    "other.admin": {"other.admin", "other.rep"},
}


@pytest.mark.parametrize("actor", sorted(LIST_CASES))
def test_staff_list_holds_exactly_the_scope(client: TestClient, world: World, actor: str) -> None:
    r = client.get("/api/v1/staff", headers=world.headers(actor), params={"limit": 500})
    assert r.status_code == 200
    assert {s["login"] for s in r.json()["items"]} == LIST_CASES[actor]


UNIT_LISTS = {
    "admin": {"root", "north", "north-a", "north-b", "south", "south-a"},
    "north.manager": {"north", "north-a", "north-b"},
    "north.sup": {"north-a"},
    "north.rep": {"north-a"},
    "other.admin": {"other-root"},
}


@pytest.mark.parametrize("actor", sorted(UNIT_LISTS))
def test_org_unit_list_holds_exactly_the_scope(
    client: TestClient, world: World, actor: str
) -> None:
    r = client.get("/api/v1/org-units", headers=world.headers(actor))
    assert r.status_code == 200
    names = {
        world_name
        for world_name, unit in world.units.items()
        if str(unit.id) in {u["id"] for u in r.json()["items"]}
    }
    assert names == UNIT_LISTS[actor]


def test_device_list_holds_exactly_the_scope(client: TestClient, world: World) -> None:
    for owner in ("north.rep", "south.rep", "other.rep"):
        r = client.post(
            "/api/v1/devices",
            headers=world.headers(owner),
            json={"staff_id": world.staff_id(owner), "platform": "ios", "protocol": "app"},
        )
        assert r.status_code == 201

    def owners(actor: str) -> set[str]:
        items = client.get("/api/v1/devices", headers=world.headers(actor)).json()["items"]
        by_id = {str(s.id): name for name, s in world.staff.items()}
        return {by_id[d["staff_id"]] for d in items}

    assert owners("admin") == {"north.rep", "south.rep"}
    assert owners("north.manager") == {"north.rep"}
    assert owners("north.rep2") == set()
    assert owners("other.admin") == {"other.rep"}


def test_tenant_settings_and_audit_are_for_admins_only(client: TestClient, world: World) -> None:
    for actor, status in (("admin", 200), ("north.manager", 403), ("north.rep", 403)):
        headers = world.headers(actor)
        assert client.get("/api/v1/tenant", headers=headers).status_code == 200
        assert (
            client.patch(
                "/api/v1/tenant", headers=headers, json={"timezone": "Asia/Shanghai"}
            ).status_code
            == status
        )
        assert client.get("/api/v1/audit", headers=headers).status_code == status
