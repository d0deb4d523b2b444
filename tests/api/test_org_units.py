from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from fieldforce.audit.models import AuditEntry
from fieldforce.org.models import OrgUnit, path_label
from tests.world import World, add_staff, all_pages

UNITS = "/api/v1/org-units"


def unit_count(db: Session, world: World) -> int:
    return db.scalar(select(func.count()).where(OrgUnit.tenant_id == world.tenant.id)) or 0


def test_create_unit_and_read_it_back(client: TestClient, world: World, db: Session) -> None:
    r = client.post(
        UNITS,
        headers=world.headers("admin"),
        json={
            "name": "  East Branch ",
            "parent_id": world.unit_id("root"),
            "kind": "branch",
            "code": "EAST",
        },
    )
    assert r.status_code == 201, r.text
    unit = r.json()
    assert unit["name"] == "East Branch"
    assert unit["depth"] == 1
    assert unit["parent_id"] == world.unit_id("root")
    assert client.get(f"{UNITS}/{unit['id']}", headers=world.headers("admin")).json() == unit
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity_id == uuid.UUID(unit["id"])))
    assert entry is not None
    assert entry.action == "org_unit.create"
    assert entry.actor_id == world.staff["admin"].id


def test_bad_unit_input_is_refused_and_writes_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    before = unit_count(db, world)
    admin = world.headers("admin")
    cases = [
        ({"parent_id": world.unit_id("root")}, 422, "validation_error"),
        ({"name": "", "parent_id": world.unit_id("root")}, 422, "validation_error"),
        ({"name": "X", "parent_id": "not-a-uuid"}, 422, "validation_error"),
        (
            {"name": "X", "parent_id": world.unit_id("root"), "kind": "planet"},
            422,
            "validation_error",
        ),
        ({"name": "X", "parent_id": world.unit_id("root"), "extra": 1}, 422, "validation_error"),
        ({"name": "X", "parent_id": str(uuid.uuid4())}, 404, "not_found"),
    ]
    for body, status, code in cases:
        r = client.post(UNITS, headers=admin, json=body)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["code"] == code
    client.post(
        UNITS, headers=admin, json={"name": "A", "parent_id": world.unit_id("root"), "code": "DUP"}
    )
    r = client.post(
        UNITS, headers=admin, json={"name": "B", "parent_id": world.unit_id("root"), "code": "DUP"}
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "code_taken"
    assert unit_count(db, world) == before + 1


def test_move_subtree_carries_descendants_and_changes_who_sees_them(
    client: TestClient, world: World, db: Session
) -> None:
    admin = world.headers("admin")
    deep = client.post(
        UNITS, headers=admin, json={"name": "North A Squad", "parent_id": world.unit_id("north-a")}
    ).json()
    south = world.headers("south.manager")
    north = world.headers("north.manager")
    assert (
        client.get(f"/api/v1/staff/{world.staff_id('north.rep')}", headers=south).status_code == 404
    )

    r = client.post(
        f"{UNITS}/{world.unit_id('north-a')}/move",
        headers=admin,
        json={"parent_id": world.unit_id("south")},
    )
    assert r.status_code == 200, r.text
    assert r.json()["parent_id"] == world.unit_id("south")
    assert r.json()["depth"] == 2
    moved_deep = client.get(f"{UNITS}/{deep['id']}", headers=admin).json()
    assert moved_deep["depth"] == 3
    # the moved subtree now belongs to the south branch manager, no longer to the north one
    assert (
        client.get(f"/api/v1/staff/{world.staff_id('north.rep')}", headers=south).status_code == 200
    )
    assert (
        client.get(f"/api/v1/staff/{world.staff_id('north.rep')}", headers=north).status_code == 404
    )
    assert client.get(f"{UNITS}/{deep['id']}", headers=south).status_code == 200
    paths = dict(
        db.execute(
            select(OrgUnit.id, OrgUnit.path).where(OrgUnit.tenant_id == world.tenant.id)
        ).all()
    )
    south_path = paths[world.units["south"].id]
    assert paths[uuid.UUID(deep["id"])].startswith(south_path + ".")


def test_move_refuses_cycles_root_and_foreign_parents(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    r = client.post(
        f"{UNITS}/{world.unit_id('north')}/move",
        headers=admin,
        json={"parent_id": world.unit_id("north-a")},
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "tree_cycle"
    r = client.post(
        f"{UNITS}/{world.unit_id('north')}/move",
        headers=admin,
        json={"parent_id": world.unit_id("north")},
    )
    assert r.json()["error"]["code"] == "tree_cycle"
    r = client.post(
        f"{UNITS}/{world.unit_id('root')}/move",
        headers=admin,
        json={"parent_id": world.unit_id("north")},
    )
    assert r.json()["error"]["code"] == "root_unit"
    r = client.post(
        f"{UNITS}/{world.unit_id('north')}/move",
        headers=admin,
        json={"parent_id": world.unit_id("other-root")},
    )
    assert r.status_code == 404
    # a manager cannot move their subtree out to a branch they do not run
    r = client.post(
        f"{UNITS}/{world.unit_id('north-a')}/move",
        headers=world.headers("north.manager"),
        json={"parent_id": world.unit_id("south")},
    )
    assert r.status_code == 404
    r = client.post(
        f"{UNITS}/{world.unit_id('north-a')}/move",
        headers=world.headers("north.manager"),
        json={"parent_id": world.unit_id("north-b")},
    )
    assert r.status_code == 200


def test_delete_only_empty_units(client: TestClient, world: World, db: Session) -> None:
    admin = world.headers("admin")
    r = client.delete(f"{UNITS}/{world.unit_id('north')}", headers=admin)
    assert r.status_code == 409
    assert r.json()["error"]["details"] == {"sub_units": 2, "staff": 1}
    empty = client.post(
        UNITS, headers=admin, json={"name": "Tmp", "parent_id": world.unit_id("north")}
    ).json()
    assert client.delete(f"{UNITS}/{empty['id']}", headers=admin).status_code == 204
    assert client.get(f"{UNITS}/{empty['id']}", headers=admin).status_code == 404
    assert client.delete(f"{UNITS}/{world.unit_id('root')}", headers=admin).status_code == 422


def test_list_filters_and_pages(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    for i in range(7):
        client.post(
            UNITS, headers=admin, json={"name": f"Squad {i}", "parent_id": world.unit_id("north-b")}
        )
    page1 = client.get(UNITS, headers=admin, params={"q": "squad", "limit": 3}).json()
    assert [u["name"] for u in page1["items"]] == ["Squad 0", "Squad 1", "Squad 2"]
    assert page1["next_cursor"]
    seen = [u["name"] for u in all_pages(client, UNITS, admin, {"q": "squad", "limit": 3})]
    assert seen == [f"Squad {i}" for i in range(7)]
    within = client.get(
        UNITS, headers=admin, params={"within": world.unit_id("north"), "limit": 100}
    ).json()
    assert len(within["items"]) == 3 + 7
    children = client.get(UNITS, headers=admin, params={"parent_id": world.unit_id("root")})
    assert {u["name"] for u in children.json()["items"]} == {"North Branch", "South Branch"}
    assert client.get(UNITS, headers=admin, params={"cursor": "garbage"}).status_code == 422
    assert client.get(UNITS, headers=admin, params={"limit": 0}).status_code == 422


def test_subtree_queries_stay_correct_for_thousands_of_units(
    client: TestClient, world: World, db: Session
) -> None:
    """3,000+ units several levels deep; the subtree answer comes from one indexed query."""
    top = world.units["north-b"]
    rows: list[dict[str, object]] = []
    parents = [(top.id, top.path)]
    while len(rows) < 3000:
        level = []
        for parent_id, parent_path in parents:
            for _ in range(6):
                uid = uuid.uuid4()
                level.append((uid, f"{parent_path}.{path_label(uid)}"))
                rows.append(
                    {
                        "tenant_id": world.tenant.id,
                        "id": uid,
                        "parent_id": parent_id,
                        "name": f"u{len(rows)}",
                        "kind": "team",
                        "path": level[-1][1],
                    }
                )
        parents = level
    db.execute(insert(OrgUnit), rows)
    deepest = db.get(OrgUnit, (world.tenant.id, parents[-1][0]))
    assert deepest is not None
    add_staff(db, deepest, "deep.rep", ["rep"])
    db.commit()
    north = world.headers("north.manager")
    r = client.get("/api/v1/staff", headers=north, params={"q": "deep.rep"})
    assert [s["login"] for s in r.json()["items"]] == ["deep.rep"]
    r = client.get(
        "/api/v1/staff", headers=world.headers("south.manager"), params={"q": "deep.rep"}
    )
    assert r.json()["items"] == []


def test_search_wildcards_match_themselves(client: TestClient, world: World) -> None:
    admin = world.headers("admin")
    for name, code in (("Top 10% Team", None), ("Plain Team", "T_1")):
        body = {"name": name, "parent_id": world.unit_id("north"), "code": code}
        assert client.post(UNITS, headers=admin, json=body).status_code == 201

    def names(q: str) -> set[str]:
        return {
            u["name"] for u in client.get(UNITS, headers=admin, params={"q": q}).json()["items"]
        }

    assert names("%") == {"Top 10% Team"}
    assert names("_") == {"Plain Team"}
    assert names("team") == {
        "Top 10% Team",
        "Plain Team",
        "North Team A",
        "North Team B",
        "South Team A",
    }
