"""Every endpoint: what it answers, what it refuses (with nothing written), and who may
see what: one's own, those it waits on, administrators; not the rest of the subtree,
another branch or another tenant (404)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldforce.approvals.models import ApprovalEvent, ApprovalFlow, Delegation, RequestKind
from tests.approvals.scene import APPROVALS, FLOWS, Scene
from tests.world import all_pages

DELEGATIONS = "/api/v1/delegations"


def _count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_who_sees_a_request(scene: Scene) -> None:
    request = scene.start("north.rep", amount=100)
    for who, status in (
        ("north.rep", 200),  # own
        ("north.sup", 200),  # waits on them
        ("admin", 200),
        ("north.manager", 404),  # the subtree, but not asked
        ("north.rep2", 404),
        ("south.manager", 404),  # another branch
        ("other.admin", 404),  # another tenant
    ):
        assert scene.get(who, request).status_code == status, who
        listed = all_pages(scene.client, APPROVALS, scene.world.headers(who), {})
        assert ([i["id"] for i in listed] == [request]) is (status == 200), who
    for who in ("north.manager", "south.manager", "other.admin"):
        for path, body in (
            ("decisions", {"action": "approve"}),
            ("comments", {"comment": "hello"}),
            ("withdraw", {}),
        ):
            r = scene.client.post(
                f"{APPROVALS}/{request}/{path}", headers=scene.world.headers(who), json=body
            )
            assert r.status_code == 404, (who, path)
    scene.approve("north.sup", request)
    assert scene.get("north.sup", request).status_code == 200  # has waited on them


def test_lists_and_filters(scene: Scene) -> None:
    leave = scene.start("north.rep", RequestKind.LEAVE, days=3, leave_type="annual")
    claim = scene.start("north.rep", amount=500)
    other = scene.start("north.rep2", amount=20)
    sup = scene.world.headers("north.sup")
    waiting = all_pages(scene.client, APPROVALS, sup, {"waiting_on": "me"})
    assert [i["id"] for i in waiting] == [claim, leave]
    item = waiting[0]
    assert {k: item[k] for k in ("kind", "requester_id", "step", "status", "steps")} == {
        "kind": "travel_claim",
        "requester_id": str(scene.id("north.rep")),
        "step": 1,
        "status": "in_approval",
        "steps": 1,
    }
    assert set(item) >= {"id", "subject_id", "waiting_on", "facts", "round", "flow_version"}
    page = scene.client.get(APPROVALS, headers=sup, params={"waiting_on": "me", "limit": 1})
    assert page.json()["next_cursor"]
    one = all_pages(scene.client, APPROVALS, sup, {"waiting_on": "me", "kind": "leave"})
    assert [i["id"] for i in one] == [leave]
    counts = scene.client.get(f"{APPROVALS}/counts", headers=sup, params={"waiting_on": "me"})
    assert counts.json() == {"total": 2, "by_kind": {"leave": 1, "travel_claim": 1}}
    scene.approve("north.sup", claim)
    assert [i["id"] for i in all_pages(scene.client, APPROVALS, sup, {"waiting_on": "me"})] == [
        leave
    ]
    decided = all_pages(scene.client, APPROVALS, sup, {"status": "approved"})
    assert [i["id"] for i in decided] == [claim]
    rep = scene.world.headers("north.rep")
    mine = all_pages(scene.client, APPROVALS, rep, {"mine": "true"})
    assert [i["id"] for i in mine] == [claim, leave]
    assert all_pages(scene.client, APPROVALS, rep, {"waiting_on": "me"}) == []
    manager = scene.world.headers("north.manager")
    assert [i["id"] for i in all_pages(scene.client, APPROVALS, manager, {"waiting_on": "me"})] == [
        other
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"waiting_on": "you"}, "waiting_on"),
        ({"kind": "lunch"}, "kind"),
        ({"status": "pending"}, "status"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_list_filters(scene: Scene, params: dict[str, Any], field: str) -> None:
    r = scene.client.get(APPROVALS, headers=scene.world.headers("north.sup"), params=params)
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["loc"][-1] == field


def test_bad_decisions_write_nothing(scene: Scene, db: Session) -> None:
    request = scene.start("north.rep", amount=100)
    before = _count(db, ApprovalEvent)
    for body, code in (
        ({"action": "maybe"}, "validation_error"),
        ({"action": "reject"}, "comment_required"),
        ({"action": "return", "comment": "   "}, "comment_required"),
        ({"action": "approve", "step": 0}, "validation_error"),
        ({"action": "approve", "surprise": 1}, "validation_error"),
        ({"action": "reject", "comment": "bad\x00byte"}, "validation_error"),
    ):
        r = scene.decide("north.sup", request, **body)  # type: ignore[arg-type]
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == code, body
    r = scene.client.post(
        f"{APPROVALS}/{request}/comments",
        headers=scene.world.headers("north.sup"),
        json={"comment": ""},
    )
    assert r.status_code == 422
    r = scene.decide("north.sup", request, step=2)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_decided")
    assert _count(db, ApprovalEvent) == before
    assert scene.state(request)["status"] == "in_approval"


def test_flows_are_edited_by_administrators(scene: Scene) -> None:
    admin = scene.world.headers("admin")
    listed = scene.client.get(FLOWS, headers=admin).json()
    assert {f["kind"] for f in listed["items"]} == {
        "leave",
        "travel_claim",
        "attendance_correction",
    }
    assert listed["next_cursor"] is None
    flow = scene.flow(
        "leave",
        [
            {"rule": {"type": "manager"}},
            {
                "rule": {"type": "unit_head", "levels": 2},
                "conditions": [
                    {"type": "days_over", "value": 3},
                    {"type": "leave_type_in", "values": ["annual", "personal"]},
                    {"type": "unit_within", "org_unit_id": scene.world.unit_id("north")},
                ],
            },
            {"rule": {"type": "role", "role": "finance"}, "limit": 20000},
        ],
        restart="returning_step",
    )
    assert (flow["version"], flow["restart"], len(flow["steps"])) == (2, "returning_step", 3)
    assert flow["created_by"] == str(scene.id("admin"))
    got = scene.client.get(f"{FLOWS}/leave", headers=admin).json()
    assert got == flow
    assert (
        scene.client.get(f"{FLOWS}/leave", headers=admin, params={"version": 9}).status_code == 404
    )
    for who in ("north.manager", "north.rep"):
        headers = scene.world.headers(who)
        assert scene.client.get(FLOWS, headers=headers).status_code == 403
        r = scene.client.put(f"{FLOWS}/leave", headers=headers, json={"steps": flow["steps"]})
        assert r.status_code == 403
    # another tenant's administrator sees their own tenant's flows only
    theirs = scene.client.get(f"{FLOWS}/leave", headers=scene.world.headers("other.admin"))
    assert theirs.json()["version"] == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"steps": []}, "validation_error"),
        ({"steps": [{"rule": {"type": "chairman"}}]}, "validation_error"),
        ({"steps": [{"rule": {"type": "manager", "levels": 0}}]}, "validation_error"),
        ({"steps": [{"rule": {"type": "role", "role": "king"}}]}, "validation_error"),
        ({"steps": [{"rule": {"type": "manager"}, "limit": -1}]}, "validation_error"),
        (
            {"steps": [{"rule": {"type": "manager"}, "conditions": [{"type": "moon_phase"}]}]},
            "validation_error",
        ),
        (
            {
                "steps": [
                    {
                        "rule": {"type": "manager"},
                        "conditions": [{"type": "days_over", "value": "NaN"}],
                    }
                ]
            },
            "validation_error",
        ),
        ({"steps": [{"rule": {"type": "manager"}}], "restart": "somewhere"}, "validation_error"),
        ({"steps": [{"rule": {"type": "person", "staff_id": "OTHER_REP"}}]}, "unknown_staff"),
        (
            {
                "steps": [
                    {
                        "rule": {"type": "manager"},
                        "conditions": [{"type": "unit_within", "org_unit_id": "OTHER_ROOT"}],
                    }
                ]
            },
            "unknown_org_unit",
        ),
    ],
)
def test_bad_flows_write_nothing(
    scene: Scene, db: Session, body: dict[str, Any], code: str
) -> None:
    ids = {
        "OTHER_REP": scene.world.staff_id("other.rep"),
        "OTHER_ROOT": scene.world.unit_id("other-root"),
    }

    def real(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: real(v) for k, v in value.items()}
        if isinstance(value, list):
            return [real(v) for v in value]
        return ids.get(value, value) if isinstance(value, str) else value

    before = _count(db, ApprovalFlow)
    r = scene.client.put(f"{FLOWS}/leave", headers=scene.world.headers("admin"), json=real(body))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == code
    assert _count(db, ApprovalFlow) == before
    assert (
        scene.client.put(
            f"{FLOWS}/lunch", headers=scene.world.headers("admin"), json={}
        ).status_code
        == 422
    )


def test_preview_shows_who_would_approve(scene: Scene) -> None:
    scene.flow(
        "travel_claim",
        [
            {"rule": {"type": "manager"}, "limit": 1000},
            {"rule": {"type": "manager", "levels": 2}},
            {
                "rule": {"type": "role", "role": "finance"},
                "conditions": [{"type": "amount_over", "value": 5000}],
            },
        ],
    )
    admin = scene.world.headers("admin")
    url = f"{FLOWS}/travel_claim/preview"
    r = scene.client.post(
        url,
        headers=admin,
        json={"requester_id": scene.world.staff_id("north.rep"), "facts": {"amount": 3000}},
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["version"] == 2
    steps = [
        (
            s["step"],
            s["applies"],
            [scene.who(i) for i in s["approver_ids"]],
            s["above_limit"],
            [scene.who(i) for i in s["above_limit_ids"]],
        )
        for s in out["steps"]
    ]
    assert steps == [
        (1, True, ["north.sup"], True, ["north.manager"]),
        (2, True, ["north.manager"], False, []),
        (3, False, [], False, []),
    ]
    assert out["names"][scene.world.staff_id("north.sup")] == "North Sup"
    # a draft, for a requester whose manager post is vacant
    scene.deactivate("north.sup")
    r = scene.client.post(
        url,
        headers=admin,
        json={
            "requester_id": scene.world.staff_id("north.rep"),
            "draft": {"steps": [{"rule": {"type": "manager"}}]},
        },
    )
    assert r.json()["version"] is None
    (only,) = r.json()["steps"]
    assert [p["reason"] for p in only["passes"]] == ["vacant"]
    assert [scene.who(i) for i in only["approver_ids"]] == ["north.manager"]
    for who, requester, status in (
        ("admin", "other.rep", 404),
        ("other.admin", "north.rep", 404),
        ("north.manager", "north.rep", 403),
    ):
        r = scene.client.post(
            url,
            headers=scene.world.headers(who),
            json={"requester_id": scene.world.staff_id(requester)},
        )
        assert r.status_code == status, who
    r = scene.client.post(
        url,
        headers=admin,
        json={"requester_id": scene.world.staff_id("north.rep"), "facts": {"amount": -5}},
    )
    assert r.status_code == 422


def test_delegations(scene: Scene, db: Session) -> None:
    now = datetime.now(UTC)
    period = {
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=5)).isoformat(),
    }
    sup = scene.world.headers("north.sup")
    r = scene.client.post(
        DELEGATIONS, headers=sup, json={"delegate_id": scene.world.staff_id("north.rep2"), **period}
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["delegator_id"], made["created_by"]) == (str(scene.id("north.sup")),) * 2
    # both names, though the delegate is outside the delegator's scope
    assert (made["delegator_name"], made["delegate_name"]) == (
        scene.world.staff["north.sup"].name,
        scene.world.staff["north.rep2"].name,
    )
    listed = scene.client.get(DELEGATIONS, headers=scene.world.headers("north.rep2")).json()
    assert [d["delegator_name"] for d in listed["items"]] == [scene.world.staff["north.sup"].name]
    before = _count(db, Delegation)
    for who, body, status, code in (
        (
            "north.sup",
            {"delegate_id": scene.world.staff_id("north.rep2"), **period},
            409,
            "delegation_overlaps",
        ),
        (
            "north.sup",
            {"delegate_id": scene.world.staff_id("north.sup"), **period},
            422,
            "self_delegation",
        ),
        (
            "north.sup",
            {"delegate_id": scene.world.staff_id("other.rep"), **period},
            404,
            "not_found",
        ),
        (
            "north.sup",
            {
                "delegate_id": scene.world.staff_id("north.manager"),
                "starts_at": period["ends_at"],
                "ends_at": period["starts_at"],
            },
            422,
            "invalid_period",
        ),
        (
            "north.sup",
            {
                "delegate_id": scene.world.staff_id("north.manager"),
                "starts_at": (now - timedelta(days=3)).isoformat(),
                "ends_at": (now - timedelta(days=1)).isoformat(),
            },
            422,
            "invalid_period",
        ),
        (
            "north.sup",
            {
                "delegate_id": scene.world.staff_id("north.manager"),
                "starts_at": "2026-01-01T00:00:00",
                "ends_at": period["ends_at"],
            },
            422,
            "validation_error",
        ),
        (
            "north.rep",
            {
                "delegate_id": scene.world.staff_id("north.rep2"),
                "delegator_id": scene.world.staff_id("north.sup"),
                **period,
            },
            403,
            "forbidden",
        ),
    ):
        r = scene.client.post(DELEGATIONS, headers=scene.world.headers(who), json=body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    assert _count(db, Delegation) == before
    # an administrator sets one for someone else
    r = scene.client.post(
        DELEGATIONS,
        headers=scene.world.headers("admin"),
        json={
            "delegate_id": scene.world.staff_id("north.rep"),
            "delegator_id": scene.world.staff_id("north.manager"),
            **period,
        },
    )
    assert r.status_code == 201, r.text
    for who, expected in (
        ("north.sup", 1),
        ("north.rep2", 1),
        ("north.manager", 1),
        ("south.manager", 0),
        ("admin", 2),
        ("other.admin", 0),
    ):
        assert (
            len(all_pages(scene.client, DELEGATIONS, scene.world.headers(who), {})) == expected
        ), who
    url = f"{DELEGATIONS}/{made['id']}"
    assert scene.client.delete(url, headers=scene.world.headers("other.admin")).status_code == 404
    assert scene.client.delete(url, headers=scene.world.headers("north.rep2")).status_code == 403
    assert scene.client.delete(url, headers=sup).status_code == 204
    assert scene.client.delete(url, headers=sup).status_code == 404
