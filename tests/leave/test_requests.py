"""Types, allocations and balances, requests through the approval chain, cancellation,
and what each endpoint refuses (nothing written) and who may see what."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.auth.service import actor_for
from fieldforce.duty.models import DutyException
from fieldforce.leave import service
from fieldforce.leave.models import LeaveAllocation, LeaveEntry, LeaveRequest, LeaveType
from tests.leave.scene import ALLOCATIONS, LEDGER, OFFICE, REQUESTS, TYPES, Leave, count
from tests.world import all_pages

MON = date(2027, 3, 1)


def d(n: int) -> date:
    return date.fromordinal(MON.toordinal() + n)


def test_every_tenant_has_the_default_types(leave: Leave) -> None:
    codes = leave.types("north.rep")
    assert {"annual", "sick", "personal", "marriage", "maternity"} <= set(codes)
    other = leave.types("other.rep")
    assert set(other) == set(codes)
    assert set(other.values()).isdisjoint(codes.values())


def test_admin_creates_and_changes_types(leave: Leave) -> None:
    admin = leave.world.headers("admin")
    r = leave.client.post(TYPES, headers=admin, json={"code": "study", "name": "Study leave"})
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["allow_negative"], made["half_days_allowed"], made["active"]) == (
        False,
        True,
        True,
    )
    again = leave.client.post(TYPES, headers=admin, json={"code": "study", "name": "Again"})
    assert again.status_code == 409
    r = leave.client.patch(
        f"{TYPES}/{made['id']}", headers=admin, json={"max_consecutive_days": 2, "active": False}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["max_consecutive_days"], r.json()["active"]) == (2.0, False)
    assert "study" not in leave.types("north.rep")
    before = count(leave.db, LeaveType)
    for who, body, status in (
        ("north.manager", {"code": "x", "name": "X"}, 403),
        ("admin", {"code": "Bad Code", "name": "X"}, 422),
        ("admin", {"code": "x"}, 422),
        ("admin", {"code": "x", "name": "X", "max_consecutive_days": -1}, 422),
    ):
        assert (
            leave.client.post(TYPES, headers=leave.world.headers(who), json=body).status_code
            == status
        )
    assert (
        leave.client.patch(
            f"{TYPES}/{made['id']}",
            headers=leave.world.headers("other.admin"),
            json={"paid": False},
        ).status_code
        == 404
    )
    assert (
        leave.client.patch(f"{TYPES}/{made['id']}", headers=admin, json={"name": None}).status_code
        == 422
    )
    assert count(leave.db, LeaveType) == before


def test_allocations_balances_and_the_ledger(leave: Leave) -> None:
    r = leave.allocate("north.rep", days=10, by="north.manager")
    assert r.status_code == 201, r.text
    assert leave.allocate("north.rep", days=3).status_code == 409
    b = leave.balance("north.rep")
    assert (b["allocated"], b["balance"], b["available"]) == (10.0, 10.0, 10.0)
    adj = leave.client.post(
        "/api/v1/leave-adjustments",
        headers=leave.world.headers("admin"),
        json={
            "staff_id": leave.world.staff_id("north.rep"),
            "leave_type_id": leave.type_id("annual"),
            "year": 2027,
            "days": -1.5,
            "reason": "taken before the system",
        },
    )
    assert adj.status_code == 201, adj.text
    assert leave.balance("north.rep", by="north.sup")["balance"] == 8.5
    before_entries = count(leave.db, LeaveEntry)
    for who, body, status in (
        ("admin", {"days": 0, "reason": "none"}, 422),
        ("admin", {"days": 1, "reason": ""}, 422),
        ("admin", {"days": 1}, 422),
        ("north.rep", {"days": 1, "reason": "self"}, 403),
        ("south.manager", {"days": 1, "reason": "other branch"}, 404),
        ("other.admin", {"days": 1, "reason": "other tenant"}, 404),
    ):
        r = leave.client.post(
            "/api/v1/leave-adjustments",
            headers=leave.world.headers(who),
            json={
                "staff_id": leave.world.staff_id("north.rep"),
                "leave_type_id": leave.type_id("annual"),
                "year": 2027,
                **body,
            },
        )
        assert r.status_code == status, (who, body)
    assert count(leave.db, LeaveEntry) == before_entries
    rows = all_pages(
        leave.client,
        LEDGER,
        leave.world.headers("north.rep"),
        {"staff_id": leave.world.staff_id("north.rep"), "leave_type_id": leave.type_id("annual")},
    )
    assert [(e["kind"], e["days"]) for e in rows] == [
        ("allocation", 10.0),
        ("adjustment", -1.5),
    ]
    # scope: others' balances and allocations
    for who, status in (("south.manager", 404), ("other.admin", 404), ("north.rep2", 404)):
        r = leave.client.get(
            "/api/v1/leave-balances",
            headers=leave.world.headers(who),
            params={"staff_id": leave.world.staff_id("north.rep")},
        )
        assert r.status_code == status, who
        r = leave.client.get(
            LEDGER,
            headers=leave.world.headers(who),
            params={"staff_id": leave.world.staff_id("north.rep")},
        )
        assert r.status_code == status, who
    before = count(leave.db, LeaveAllocation), count(leave.db, LeaveEntry)
    for by, status in (
        ("south.manager", 404),
        ("north.rep", 403),
        ("north.sup", 403),
        ("other.admin", 404),
    ):
        assert leave.allocate("north.rep", year=2028, by=by).status_code == status, by
    assert leave.allocate("north.rep", year=2028, days=-1).status_code == 422
    assert leave.allocate("north.rep", year=1800).status_code == 422
    assert count(leave.db, LeaveAllocation), count(leave.db, LeaveEntry) == before


def test_carry_over_lapses_unused(leave: Leave, db: Session) -> None:
    r = leave.allocate("north.rep", days=5, carried_days=3, carry_expires_on="2027-03-31")
    assert r.status_code == 201, r.text
    actor = actor_for(db, leave.world.tenant.id, leave.world.staff["north.rep"].id)
    rep = leave.world.staff["north.rep"].id

    def balance(on: datetime) -> Decimal:
        ((_, b),) = [
            x
            for x in service.staff_balances(db, actor, rep, year=2027, now=on)
            if x[0].code == "annual"
        ]
        return b.balance

    assert balance(datetime(2027, 3, 15, tzinfo=UTC)) == 8
    assert balance(datetime(2027, 4, 15, tzinfo=UTC)) == 5  # all three lapsed
    # one day taken in March uses one carried day: two lapse
    db.add(
        LeaveEntry(
            tenant_id=leave.world.tenant.id,
            staff_id=rep,
            leave_type_id=uuid.UUID(leave.type_id("annual")),
            year=2027,
            kind="taken",
            days=Decimal(-1),
            on_day=date(2027, 3, 10),
        )
    )
    db.flush()
    assert balance(datetime(2027, 3, 15, tzinfo=UTC)) == 7
    assert balance(datetime(2027, 4, 15, tzinfo=UTC)) == 5
    r = leave.allocate("north.rep", year=2028, carried_days=1, carry_expires_on="2027-03-31")
    assert r.status_code == 422


def test_overlap_and_insufficient_balance(leave: Leave) -> None:
    leave.schedule("north.rep", OFFICE)
    leave.allocate("north.rep", days=3)
    first = leave.asked("north.rep", d(0), d(1), end_half="am")  # 1.5 days, in approval
    assert first["status"] == "in_approval"
    before = count(leave.db, LeaveRequest)
    r = leave.ask("north.rep", d(1), d(2), "personal")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "overlapping_leave"
    r = leave.ask("north.rep", d(3), d(4))  # 2 days, 1.5 left once the first is approved
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "insufficient_balance"
    assert count(leave.db, LeaveRequest) == before
    # the afternoon of Tuesday is free; personal leave may go negative
    ok = leave.asked("north.rep", d(1), d(4), "personal", start_half="pm")
    assert ok["days"] == 3.5
    # too many consecutive days of marriage leave (3)
    r = leave.ask("north.rep", d(7), d(11), "marriage")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "too_many_days")
    r = leave.ask("north.rep", d(8), d(8), "maternity", start_half="pm")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "half_days_not_allowed")
    r = leave.ask("north.rep", d(9), d(8))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_period")
    r = leave.ask("north.rep", d(8), d(8), start_half="pm", end_half="am")
    assert r.status_code == 422
    r = leave.client.post(REQUESTS, headers=leave.world.headers("north.rep"), json={"start": "x"})
    assert r.status_code == 422
    assert count(leave.db, LeaveRequest) == before + 1


def test_approval_chain_end_to_end_and_cancellation(leave: Leave, db: Session) -> None:
    leave.schedule("north.rep", OFFICE)
    leave.allocate("north.rep", days=10)
    asked = leave.asked("north.rep", d(1), d(2), end_half="am")  # Tue and Wed morning
    assert (asked["status"], asked["days"]) == ("in_approval", 1.5)
    approval = asked["approval"]
    assert approval["kind"] == "leave"
    assert approval["facts"]["leave_type"] == "annual"
    assert Decimal(approval["facts"]["days"]) == Decimal("1.5")
    assert leave.balance("north.rep")["pending"] == 1.5
    assert leave.decide("north.rep", approval["id"]).status_code == 403  # one's own
    r = leave.decide("north.sup", approval["id"])
    assert r.status_code == 200, r.text
    got = leave.get("north.rep", asked["id"]).json()
    assert (got["status"], got["approval"]["status"]) == ("approved", "approved")
    b = leave.balance("north.rep")
    assert (b["taken"], b["balance"], b["pending"]) == (1.5, 8.5, 0.0)
    db.expire_all()
    exceptions = {
        e.day: (e.kind, e.periods, e.source)
        for e in db.scalars(
            select(DutyException).where(DutyException.source_id == uuid.UUID(asked["id"]))
        )
    }
    assert exceptions == {
        d(1): ("off", [], "leave"),
        d(2): ("work", [{"start": "12:00", "end": "18:00"}], "leave"),
    }
    duty = leave.client.get(
        f"/api/v1/staff/{leave.world.staff_id('north.rep')}/duty",
        headers=leave.world.headers("north.sup"),
        params={"from": "2027-03-01T16:00:00Z", "to": "2027-03-03T16:00:00Z"},
    ).json()
    assert [(s["day"], s["start"], s["end"]) for s in duty["shifts"]] == [
        ("2027-03-03", "2027-03-03T04:00:00Z", "2027-03-03T10:00:00Z")
    ]
    # the requester may not cancel approved leave; another branch may not see it
    assert (
        leave.client.post(
            f"{REQUESTS}/{asked['id']}/cancel", headers=leave.world.headers("north.rep")
        ).status_code
        == 403
    )
    for who in ("south.manager", "other.admin", "north.rep2"):
        assert (
            leave.client.post(
                f"{REQUESTS}/{asked['id']}/cancel", headers=leave.world.headers(who)
            ).status_code
            == 404
        )
        assert leave.get(who, asked["id"]).status_code == 404
    assert leave.get("north.manager", asked["id"]).status_code == 200  # subtree
    r = leave.client.post(
        f"{REQUESTS}/{asked['id']}/cancel",
        headers=leave.world.headers("north.manager"),
        json={"reason": "called back"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    b = leave.balance("north.rep")
    assert (b["taken"], b["balance"]) == (0.0, 10.0)
    db.expire_all()
    assert (
        db.scalars(
            select(DutyException).where(DutyException.source_id == uuid.UUID(asked["id"]))
        ).all()
        == []
    )
    kinds = [
        e["kind"]
        for e in all_pages(
            leave.client,
            LEDGER,
            leave.world.headers("north.rep"),
            {"staff_id": leave.world.staff_id("north.rep")},
        )
    ]
    assert kinds == ["allocation", "taken", "restored"]


def test_draft_edit_submit_return_resubmit_withdraw(leave: Leave) -> None:
    leave.schedule("north.rep", OFFICE)
    leave.allocate("north.rep", days=10)
    rep = leave.world.headers("north.rep")
    draft = leave.asked("north.rep", d(0), d(0), draft=True)
    assert (draft["status"], draft["approval"]) == ("draft", None)
    url = f"{REQUESTS}/{draft['id']}"
    assert (
        leave.client.patch(
            url, headers=leave.world.headers("north.sup"), json={"reason": "x"}
        ).status_code
        == 403
    )
    assert leave.client.patch(url, headers=rep, json={"start": None}).status_code == 422
    r = leave.client.patch(url, headers=rep, json={"end": d(1).isoformat()})
    assert (r.status_code, r.json()["days"]) == (200, 2.0)
    r = leave.client.post(f"{url}/submit", headers=rep)
    assert r.status_code == 200, r.text
    approval = r.json()["approval"]["id"]
    assert leave.client.patch(url, headers=rep, json={"reason": "x"}).status_code == 409
    assert leave.decide("north.sup", approval, "return", "one day only").status_code == 200
    assert leave.get("north.rep", draft["id"]).json()["status"] == "returned"
    r = leave.client.patch(url, headers=rep, json={"end": d(0).isoformat()})
    assert r.json()["days"] == 1.0
    r = leave.client.post(f"{url}/submit", headers=rep)
    assert (r.json()["status"], r.json()["approval"]["round"]) == ("in_approval", 2)
    r = leave.client.post(f"{url}/cancel", headers=rep, json={"reason": "plans changed"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn"
    listed = all_pages(leave.client, REQUESTS, rep, {"mine": "true", "status": "withdrawn"})
    assert [i["id"] for i in listed] == [draft["id"]]
    for who, seen in (
        ("north.manager", 1),
        ("north.sup", 1),
        ("south.manager", 0),
        ("other.admin", 0),
    ):
        assert len(all_pages(leave.client, REQUESTS, leave.world.headers(who), {})) == seen, who
    # rejected
    other = leave.asked("north.rep", d(7), d(7))
    assert (
        leave.decide("north.sup", other["approval"]["id"], "reject", "busy week").status_code == 200
    )
    assert leave.get("north.rep", other["id"]).json()["status"] == "rejected"
    assert leave.balance("north.rep")["balance"] == 10.0


def test_requests_refused_in_another_tenant(leave: Leave) -> None:
    r = leave.client.post(
        REQUESTS,
        headers=leave.world.headers("other.rep"),
        json={"leave_type_id": leave.type_id("annual"), "start": "2027-03-01", "end": "2027-03-01"},
    )
    assert r.status_code == 404
    r = leave.client.post(
        ALLOCATIONS,
        headers=leave.world.headers("admin"),
        json={
            "staff_id": leave.world.staff_id("other.rep"),
            "leave_type_id": leave.type_id("annual"),
            "year": 2027,
            "days": 1,
        },
    )
    assert r.status_code == 404


def test_cancellation_through_the_leave_flow(leave: Leave, db: Session) -> None:
    leave.schedule("north.rep", OFFICE)
    leave.allocate("north.rep", days=10)
    tenant = leave.world.tenant
    tenant.settings = {**tenant.settings, "leave_cancel_needs_approval": True}
    db.commit()
    rep = leave.world.headers("north.rep")
    asked = leave.asked("north.rep", d(1), d(2))
    assert leave.decide("north.sup", asked["approval"]["id"]).status_code == 200
    url = f"{REQUESTS}/{asked['id']}/cancel"
    r = leave.client.post(url, headers=rep, json={"reason": "not needed"})
    assert r.status_code == 200, r.text
    cancel = r.json()["cancel_approval"]
    assert (r.json()["status"], cancel["status"]) == ("approved", "in_approval")
    assert cancel["waiting_on"] == [leave.world.staff_id("north.sup")]
    assert leave.client.post(url, headers=rep).status_code == 409  # already asked
    assert leave.decide("north.sup", cancel["id"], "reject", "we need you off").status_code == 200
    got = leave.get("north.rep", asked["id"]).json()
    assert (got["status"], got["cancel_approval"]) == ("approved", None)
    assert leave.balance("north.rep")["balance"] == 8.0
    again = leave.client.post(url, headers=rep).json()["cancel_approval"]
    assert leave.decide("north.sup", again["id"]).status_code == 200
    got = leave.get("north.rep", asked["id"]).json()
    assert got["status"] == "cancelled"
    assert leave.balance("north.rep")["balance"] == 10.0
    db.expire_all()
    gone = db.scalars(
        select(DutyException).where(DutyException.source_id == uuid.UUID(asked["id"]))
    )
    assert gone.all() == []


def test_an_approver_outside_ones_scope_reads_the_request_they_decide(leave: Leave) -> None:
    """A flow may name someone who does not oversee the requester (finance, another
    branch's manager): they read the request and its approval while it waits on them and
    after; those it never waited on still do not."""
    r = leave.client.put(
        "/api/v1/approval-flows/leave",
        headers=leave.world.headers("admin"),
        json={
            "steps": [
                {"rule": {"type": "person", "staff_id": leave.world.staff_id("south.manager")}}
            ]
        },
    )
    assert r.status_code == 200, r.text
    leave.schedule("north.rep", OFFICE)
    leave.allocate("north.rep", days=10)
    asked = leave.asked("north.rep", d(1), d(1))
    assert leave.get("south.manager", asked["id"]).status_code == 200
    assert leave.get("north.rep2", asked["id"]).status_code == 404
    assert leave.decide("south.manager", asked["approval"]["id"]).status_code == 200
    got = leave.get("south.manager", asked["id"])
    assert (got.status_code, got.json()["status"]) == (200, "approved")
    assert leave.get("south.rep", asked["id"]).status_code == 404
