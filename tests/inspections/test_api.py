"""Inspections over HTTP: the shared template is every tenant's, versions are kept, an
inspection at the outlet is scored and graded, a failed critical item opens a corrective
action (a task for the outlet's owner) that a later inspection closes, and scope."""

from __future__ import annotations

import copy
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.inspections.models import Inspection
from tests.world import World

HALL = (120.1551, 30.2741)
TEMPLATES = "/api/v1/inspection-templates"
INSPECTIONS = "/api/v1/inspections"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "PNG")
    return out.getvalue()


def template(client: TestClient, world: World, who: str = "north.rep") -> dict[str, Any]:
    r = client.get(TEMPLATES, headers=world.headers(who))
    assert r.status_code == 200, r.text
    return next(t for t in r.json()["items"] if t["key"] == "service-hall-standard")


def outlet(client: TestClient, world: World) -> str:
    r = client.post(
        "/api/v1/customers",
        headers=world.headers("north.sup"),
        json={
            "name": f"Hall {uuid.uuid4().hex[:6]}",
            "kind": "service_hall",
            "stage": "partner",
            "lon": HALL[0],
            "lat": HALL[1],
            "owner_id": world.staff_id("north.rep"),
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def photo(client: TestClient, world: World, who: str) -> str:
    r = client.post(
        "/api/v1/attachments",
        headers=world.headers(who),
        files={"file": ("hall.png", png(), "image/png")},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def answers(t: dict[str, Any], photo_id: str | None, **changed: str) -> list[dict[str, Any]]:
    out = []
    for section in t["sections"]:
        for item in section["items"]:
            a: dict[str, Any] = {"item": item["key"], "answer": changed.get(item["key"], "yes")}
            if item.get("photo") and photo_id:
                a["photo_id"] = photo_id
            out.append(a)
    return out


def inspect(
    client: TestClient,
    world: World,
    t: dict[str, Any],
    customer_id: str,
    who: str = "north.sup",
    where: tuple[float, float] = HALL,
    **changed: str,
) -> Response:
    started = datetime.now(UTC) - timedelta(minutes=40)
    return client.post(
        INSPECTIONS,
        headers=world.headers(who),
        json={
            "template_id": t["id"],
            "customer_id": customer_id,
            "check_in": {
                "time": started.isoformat(),
                "lon": where[0],
                "lat": where[1],
                "accuracy_m": 10,
            },
            "finished_at": (started + timedelta(minutes=35)).isoformat(),
            "answers": answers(t, photo(client, world, who), **changed),
        },
    )


def test_every_tenant_has_the_shared_template(client: TestClient, world: World) -> None:
    t = template(client, world)
    assert (t["version"], t["name"]["zh"]) == (1, "营业厅服务规范检查")
    assert sum(len(s["items"]) for s in t["sections"]) == 20
    other = template(client, world, "other.rep")
    assert other["id"] != t["id"]  # the other tenant's own copy
    r = client.get(f"{TEMPLATES}/{t['id']}", headers=world.headers("other.admin"))
    assert r.status_code == 404


def test_a_critical_failure_opens_an_action_a_later_pass_closes(
    client: TestClient, world: World
) -> None:
    t, hall = template(client, world), outlet(client, world)
    r = inspect(client, world, t, hall, safety="no", weather="na", closing="na")
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["score"], first["grade"], first["critical_failed"]) == (92.3, "D", True)  # 36/39
    assert (first["verification"], first["duration_s"]) == ("verified", 35 * 60)
    (action,) = first["corrective_actions"]
    assert (action["item_key"], action["status"]) == ("safety", "open")
    assert action["assignee_id"] == world.staff_id("north.rep")  # the outlet's owner
    tasks = client.get("/api/v1/tasks", headers=world.headers("north.rep")).json()["items"]
    task = next(x for x in tasks if x["id"] == action["task_id"])
    assert task["title"].startswith("Correct: Hall")
    # failing again keeps the same action open; passing closes it and settles the task
    again = inspect(client, world, t, hall, safety="no").json()
    assert again["corrective_actions"] == []
    passed = inspect(client, world, t, hall).json()
    assert (passed["score"], passed["grade"]) == (100.0, "A")
    (closed,) = passed["corrective_actions"]
    assert (closed["id"], closed["status"]) == (action["id"], "closed")
    assert closed["closed_by_inspection_id"] == passed["id"]
    task = client.get(f"/api/v1/tasks/{action['task_id']}", headers=world.headers("north.rep"))
    assert task.json()["status"] == "done"
    open_ones = client.get(
        "/api/v1/corrective-actions", headers=world.headers("north.sup"), params={"status": "open"}
    ).json()["items"]
    assert open_ones == []
    history = client.get(
        INSPECTIONS, headers=world.headers("north.sup"), params={"customer_id": hall}
    ).json()["items"]
    assert [i["grade"] for i in history] == ["A", "D", "D"]  # the outlet's score history


def test_a_template_change_is_a_new_version(client: TestClient, world: World) -> None:
    t, hall = template(client, world, "admin"), outlet(client, world)
    before = inspect(client, world, t, hall).json()
    changed = {"key": t["key"], "name": t["name"], "scoring": t["scoring"]}
    changed["sections"] = copy.deepcopy(t["sections"])
    changed["sections"][0]["items"].append(
        {
            "key": "wifi",
            "zh": "厅内免费无线网络可用",
            "en": "Free Wi-Fi in the hall works",
            "weight": 1,
        }
    )
    r = client.put(f"{TEMPLATES}/{t['id']}", headers=world.headers("admin"), json=changed)
    assert r.status_code == 201, r.text
    v2 = r.json()
    assert (v2["version"], v2["key"]) == (2, t["key"])
    assert template(client, world)["id"] == v2["id"]  # the newest is listed
    kept = client.get(f"{INSPECTIONS}/{before['id']}", headers=world.headers("north.sup")).json()
    assert (kept["template_id"], kept["template_version"]) == (t["id"], 1)
    # version 2 asks the new item; version 1 still takes inspections without it
    r = inspect(client, world, v2, hall)
    assert r.status_code == 201
    old = client.put(f"{TEMPLATES}/{t['id']}", headers=world.headers("admin"), json=changed)
    assert (old.status_code, old.json()["error"]["code"]) == (409, "stale_version")
    r = client.put(f"{TEMPLATES}/{v2['id']}", headers=world.headers("north.manager"), json=changed)
    assert r.status_code == 403
    broken = changed | {"scoring": {"grades": [{"grade": "A", "min": 90}]}}  # no grade from 0
    r = client.put(f"{TEMPLATES}/{v2['id']}", headers=world.headers("admin"), json=broken)
    assert r.status_code == 422


def test_bad_inspections_write_nothing(client: TestClient, world: World, db: Session) -> None:
    t, hall = template(client, world), outlet(client, world)
    base = answers(t, photo(client, world, "north.sup"))
    cases: list[list[dict[str, Any]]] = [
        base[1:],  # one item not answered
        [*base, {"item": "nonsense", "answer": "yes"}],
        [a | {"answer": "na"} if a["item"] == "signage" else a for a in base],  # always applies
        [{k: v for k, v in a.items() if k != "photo_id"} for a in base],  # photos missing
        [a | {"answer": "maybe"} if a["item"] == "zones" else a for a in base],
    ]
    for body in cases:
        r = client.post(
            INSPECTIONS,
            headers=world.headers("north.sup"),
            json={
                "template_id": t["id"],
                "customer_id": hall,
                "check_in": {"time": datetime.now(UTC).isoformat(), "lon": HALL[0], "lat": HALL[1]},
                "answers": body,
            },
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_answers"
    assert db.scalar(select(func.count()).select_from(Inspection)) == 0
    far = inspect(client, world, t, hall, where=(HALL[0] + 0.01, HALL[1]))
    assert far.json()["verification"] == "unverified"


def test_who_sees_which_inspections(client: TestClient, world: World) -> None:
    t, hall = template(client, world), outlet(client, world)
    done = inspect(client, world, t, hall).json()
    for who, seen in (
        ("north.sup", True),
        ("north.rep", True),  # the outlet is theirs
        ("north.manager", True),
        ("north.rep2", False),
        ("south.manager", False),
        ("other.admin", False),
    ):
        r = client.get(f"{INSPECTIONS}/{done['id']}", headers=world.headers(who))
        assert r.status_code == (200 if seen else 404), who
    r = inspect(client, world, t, hall, who="south.manager")
    assert r.status_code == 404  # not an outlet they see
