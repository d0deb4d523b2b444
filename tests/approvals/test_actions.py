"""Actions on a request: own requests refused, return and resubmit, withdraw, delegation,
reminders and escalation, flow versions, and who is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.approvals.jobs import remind_and_escalate
from fieldforce.approvals.models import RequestKind
from fieldforce.audit.models import AuditEntry
from fieldforce.tenancy.service import bootstrap
from tests.approvals.scene import APPROVALS, FLOWS, Scene
from tests.world import World, add_staff

TWO_LEVELS = [{"rule": {"type": "manager"}}, {"rule": {"type": "manager", "levels": 2}}]


def test_nobody_approves_their_own_request(scene: Scene) -> None:
    request = scene.start("north.rep", amount=100)
    r = scene.decide("north.rep", request)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "own_request"
    # not even as someone's delegate
    scene.delegate("north.sup", "north.rep")
    assert scene.decide("north.rep", request).json()["error"]["code"] == "own_request"
    assert scene.state(request)["status"] == "in_approval"
    # someone in scope it does not wait on may not decide either
    r = scene.decide("admin", request)
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_an_approver")


def test_return_and_resubmit_from_the_first_step(scene: Scene) -> None:
    scene.flow("travel_claim", TWO_LEVELS)
    request = scene.start("north.rep", amount=900)
    scene.approve("north.sup", request)
    r = scene.decide("north.manager", request, "return")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "comment_required")
    r = scene.decide("north.manager", request, "return", "receipt missing for the hotel")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["step"], r.json()["waiting_on"]) == ("returned", 2, [])
    assert scene.inbox("north.rep")[-1] == "Returned for changes: Travel claim from North Rep"
    scene.resubmit("north.rep", request, amount=850)
    state = scene.state(request)
    assert (state["status"], state["round"], state["step"]) == ("in_approval", 2, 1)
    assert state["facts"]["amount"] == "850"
    assert scene.waiting_on(request) == ["north.sup"]
    # a decision aimed at the first round's step is stale
    r = scene.decide("north.sup", request, round=1)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_decided")
    scene.approve("north.sup", request)
    assert scene.approve("north.manager", request)["status"] == "approved"


def test_resubmit_restarts_from_the_step_that_returned_it(scene: Scene) -> None:
    scene.flow("travel_claim", TWO_LEVELS, restart="returning_step")
    request = scene.start("north.rep", amount=900)
    scene.approve("north.sup", request)
    scene.decide("north.manager", request, "return", "which project?")
    scene.resubmit("north.rep", request, amount=900)
    assert scene.waiting_on(request) == ["north.manager"]
    assert scene.story(request)[-2:] == [
        ("resubmit", 2, "north.rep", None, None, []),
        ("wait", 2, None, None, None, ["north.manager"]),
    ]


def test_reject_ends_the_chain(scene: Scene) -> None:
    scene.flow("travel_claim", TWO_LEVELS)
    request = scene.start("north.rep", amount=900)
    r = scene.decide("north.sup", request, "reject", "not a business trip")
    assert r.json()["status"] == "rejected"
    assert scene.waiting_for("north.manager") == []
    assert scene.inbox("north.manager") == []
    r = scene.decide("north.sup", request)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_decided")
    assert scene.inbox("north.rep")[-1] == "Rejected: Travel claim from North Rep"


def test_withdraw_before_the_last_decision(scene: Scene) -> None:
    scene.flow("travel_claim", TWO_LEVELS)
    request = scene.start("north.rep", amount=900)
    scene.approve("north.sup", request)
    url = f"{APPROVALS}/{request}/withdraw"
    r = scene.client.post(url, headers=scene.world.headers("north.sup"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "not_requester")
    r = scene.client.post(
        url, headers=scene.world.headers("north.rep"), json={"comment": "cancelled"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn"
    assert scene.inbox("north.manager")[-1] == "Withdrawn: Travel claim from North Rep"
    assert scene.decide("north.manager", request).status_code == 409
    r = scene.client.post(url, headers=scene.world.headers("north.rep"))
    assert (r.status_code, r.json()["error"]["code"]) == (409, "already_decided")


def test_a_delegate_decides_on_behalf_of_the_approver(scene: Scene) -> None:
    delegation_id = scene.delegate("north.sup", "north.rep2")
    request = scene.start("north.rep", amount=100)
    assert "Waiting for your approval: Travel claim from North Rep" in scene.inbox("north.rep2")
    assert scene.waiting_for("north.rep2") == [request]
    counts = scene.client.get(
        f"{APPROVALS}/counts", headers=scene.world.headers("north.rep2")
    ).json()
    assert counts == {"total": 1, "by_kind": {"travel_claim": 1}}
    done = scene.approve("north.rep2", request)
    assert done["status"] == "approved"
    assert ("approve", 1, "north.rep2", "north.sup", None, []) in scene.story(request)
    assert scene.inbox("north.rep")[-1] == "Approved: Travel claim from North Rep"
    # the delegation is audited, and so is the decision with both names
    audit = scene.db.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == scene.id("north.rep2"))
    ).all()
    assert "approval.approve" in audit
    # once it is over, the delegate no longer sees what waits on the approver
    gone = scene.client.delete(
        f"/api/v1/delegations/{delegation_id}", headers=scene.world.headers("north.sup")
    )
    assert gone.status_code == 204
    later = scene.start("north.rep", amount=100)
    assert scene.waiting_for("north.rep2") == []
    assert scene.get("north.rep2", later).status_code == 404


def test_reminder_then_escalation_after_the_wait(scene: Scene, db: Session) -> None:
    scene.flow("travel_claim", TWO_LEVELS)
    start = datetime.now(UTC)
    request = scene.start("north.rep", amount=100, now=start)
    assert remind_and_escalate(db, start + timedelta(hours=23), push=False) == 0
    assert remind_and_escalate(db, start + timedelta(hours=25), push=False) == 1
    assert remind_and_escalate(db, start + timedelta(hours=26), push=False) == 0  # once
    db.commit()
    assert (
        scene.inbox("north.sup")[-1]
        == "Still waiting for your approval: Travel claim from North Rep"
    )
    assert remind_and_escalate(db, start + timedelta(hours=73), push=False) == 1
    db.commit()
    assert scene.waiting_on(request) == ["north.manager"]
    assert [a for a, *_ in scene.story(request)][-3:] == ["remind", "escalate", "wait"]
    assert scene.inbox("north.sup")[-1] == "Escalated: Travel claim from North Rep"
    assert scene.decide("north.sup", request).status_code == 409
    # the escalated step is still step 1: its approval moves on to step 2, the same person
    scene.approve("north.manager", request)
    assert scene.state(request)["step"] == 2


def test_tenant_settings_set_the_waits(scene: Scene, db: Session) -> None:
    admin = scene.world.headers("admin")
    r = scene.client.patch(
        "/api/v1/tenant", headers=admin, json={"settings": {"approval_remind_after_h": 80}}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_settings")
    r = scene.client.patch(
        "/api/v1/tenant",
        headers=admin,
        json={"settings": {"approval_remind_after_h": 2, "approval_escalate_after_h": 4}},
    )
    assert r.status_code == 200, r.text
    start = datetime.now(UTC)
    request = scene.start("north.rep", amount=100, now=start)
    assert remind_and_escalate(db, start + timedelta(hours=3), push=False) == 1
    assert remind_and_escalate(db, start + timedelta(hours=5), push=False) == 1
    db.commit()
    assert scene.waiting_on(request) == ["north.manager"]


def test_a_request_keeps_its_flow_version(scene: Scene) -> None:
    before = scene.start("north.rep", amount=100)
    changed = scene.flow("travel_claim", TWO_LEVELS)
    assert changed["version"] == 2
    after = scene.start("north.rep", amount=100)
    assert scene.approve("north.sup", before)["status"] == "approved"  # one step, as it began
    assert scene.approve("north.sup", after)["status"] == "in_approval"
    assert (scene.state(before)["flow_version"], scene.state(after)["flow_version"]) == (1, 2)
    old = scene.client.get(
        f"{FLOWS}/travel_claim", headers=scene.world.headers("admin"), params={"version": 1}
    )
    assert old.json()["steps"] == [
        {"rule": {"type": "manager", "levels": 1}, "conditions": [], "limit": None}
    ]


def test_a_new_tenant_has_a_default_flow_for_every_kind(
    scene: Scene, db: Session, world: World
) -> None:
    made = bootstrap(
        db, tenant_name="Fresh Mobile", admin_login="boss", admin_password="a-long-passw0rd"
    )
    db.commit()
    admin = made.admin
    r = scene.client.get(FLOWS, headers=world.headers(admin))
    assert r.status_code == 200, r.text
    flows = {f["kind"]: f for f in r.json()["items"]}
    assert set(flows) == {k.value for k in RequestKind}
    for flow in flows.values():
        assert (flow["version"], flow["created_by"]) == (1, None)
        assert flow["steps"] == [
            {"rule": {"type": "manager", "levels": 1}, "conditions": [], "limit": None}
        ]
    root = db.get(type(world.units["root"]), (made.tenant.id, admin.org_unit_id))
    assert root is not None
    rep = add_staff(db, root, "fresh.rep", ["rep"], admin)
    world.staff["fresh.rep"] = rep
    db.commit()
    request = scene.start("fresh.rep", RequestKind.LEAVE, days=2, leave_type="annual")
    r = scene.client.get(APPROVALS, headers=world.headers(admin), params={"waiting_on": "me"})
    assert [i["id"] for i in r.json()["items"]] == [request]
    assert r.json()["items"][0]["step"] == 1


def test_everyone_concerned_is_told(scene: Scene) -> None:
    scene.flow("travel_claim", TWO_LEVELS)
    request = scene.start("north.rep", amount=100)
    assert scene.inbox("north.sup") == ["Waiting for your approval: Travel claim from North Rep"]
    assert scene.inbox("north.manager") == []
    r = scene.client.post(
        f"{APPROVALS}/{request}/comments",
        headers=scene.world.headers("north.sup"),
        json={"comment": "which customer was this for?"},
    )
    assert r.status_code == 200, r.text
    assert scene.inbox("north.rep") == ["Comment on Travel claim from North Rep"]
    scene.approve("north.sup", request)
    assert scene.inbox("north.manager") == [
        "Waiting for your approval: Travel claim from North Rep"
    ]
    assert scene.inbox("north.rep")[-1] == "Step 1 of 2 approved: Travel claim from North Rep"
    scene.approve("north.manager", request)
    assert scene.inbox("north.rep")[-1] == "Approved: Travel claim from North Rep"
    for nobody in ("south.manager", "north.rep2", "admin", "other.admin"):
        assert scene.inbox(nobody) == []
