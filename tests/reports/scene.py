"""A world with leave and travel claims whose report numbers are worked out by hand.

Leave in 2027 (Monday to Friday office hours; Monday 2027-03-01):
- north.rep: annual 10 days + 3 carried (expiring 2027-03-31); 1.5 days approved (Tue 2 and
  Wed 3 March, morning), an adjustment of -0.5, 1 day waiting for approval (Mon 8 March);
  personal leave 1 day approved (Thu 4 March) without an allocation;
- north.sup: annual 8 days;
- north.rep2: annual 12 days; 3 days approved (Wed 3 to Fri 5 March), 1 more approved and
  then cancelled (Mon 8 March: taken and given back);
- south.rep: annual 5 days.

Travel claims (CNY), lines by day:
- A, north.rep, paid: transport 2026-10-30 100.00, meals 2026-10-31 40.50 (sanctioned
  35.00), meals 2026-11-01 30.00, transport 2026-11-02 120.00;
- B, north.rep, in approval: meals 2026-11-05 25.00;
- C, north.rep, draft: transport 2026-11-10 500.00;
- D, north.rep2, approved: lodging 2026-11-03 300.00;
- E, south.rep, in approval: meals 2026-11-03 50.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from tests.leave.scene import OFFICE, REQUESTS, Leave
from tests.travel.scene import CLAIMS, HANGZHOU, Trip, leg
from tests.world import World

REPORTS = "/api/v1/reports"
MON = date(2027, 3, 1)


def d(n: int) -> date:
    return date.fromordinal(MON.toordinal() + n)


def line(category: str, day: str, amount: str) -> dict[str, Any]:
    return {"category": category, "date": day, "amount": amount, "currency": "CNY"}


class Reports(Trip):
    def __init__(self, client: TestClient, world: World, db: Session) -> None:
        super().__init__(client, world, db)
        self.leave = Leave(client, world, db)
        self.claims: dict[str, dict[str, Any]] = {}

    def get(self, who: str, report: str, **params: Any) -> Response:
        return self.client.get(
            f"{REPORTS}/{report}", headers=self.world.headers(who), params=params
        )

    def json(self, who: str, report: str, **params: Any) -> dict[str, Any]:
        r = self.get(who, report, **params)
        assert r.status_code == 200, r.text
        return dict(r.json())

    # leave ---------------------------------------------------------------------------
    def approved(
        self, who: str, approver: str, start: date, end: date, code: str = "annual", **kw: Any
    ) -> str:
        asked = self.leave.asked(who, start, end, code, **kw)
        r = self.leave.decide(approver, asked["approval"]["id"])
        assert r.status_code == 200, r.text
        return str(asked["id"])

    def leave_world(self) -> None:
        lv = self.leave
        for who in ("north.rep", "north.rep2", "south.rep"):
            lv.schedule(who, OFFICE)
        for who, days, extra in (
            ("north.rep", 10, {"carried_days": 3, "carry_expires_on": "2027-03-31"}),
            ("north.sup", 8, {}),
            ("north.rep2", 12, {}),
            ("south.rep", 5, {}),
        ):
            r = lv.allocate(who, days=days, **extra)
            assert r.status_code == 201, r.text
        self.approved("north.rep", "north.sup", d(1), d(2), end_half="am")
        self.approved("north.rep", "north.sup", d(3), d(3), "personal")
        r = self.client.post(
            "/api/v1/leave-adjustments",
            headers=self.world.headers("admin"),
            json={
                "staff_id": self.world.staff_id("north.rep"),
                "leave_type_id": lv.type_id("annual"),
                "year": 2027,
                "days": -0.5,
                "reason": "taken before the system",
            },
        )
        assert r.status_code == 201, r.text
        assert lv.asked("north.rep", d(7), d(7))["status"] == "in_approval"
        self.approved("north.rep2", "north.manager", d(2), d(4))
        back = self.approved("north.rep2", "north.manager", d(7), d(7))
        r = self.client.post(
            f"{REQUESTS}/{back}/cancel",
            headers=self.world.headers("north.manager"),
            json={"reason": "called back"},
        )
        assert r.status_code == 200, r.text

    # travel claims -------------------------------------------------------------------
    def make(self, who: str, start: str, end: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        body = self.body(
            start=date.fromisoformat(start),
            end=date.fromisoformat(end),
            legs=[leg(HANGZHOU, date=start)],
            lines=lines,
        )
        r = self.client.post(CLAIMS, headers=self.world.headers(who), json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def claims_world(self) -> None:
        a = self.make(
            "north.rep",
            "2026-10-30",
            "2026-11-02",
            [
                line("transport", "2026-10-30", "100.00"),
                line("meals", "2026-10-31", "40.50"),
                line("meals", "2026-11-01", "30.00"),
                line("transport", "2026-11-02", "120.00"),
            ],
        )
        a = self.submit(a["id"])
        r = self.client.patch(
            f"{CLAIMS}/{a['id']}/lines/{a['lines'][1]['id']}",
            headers=self.world.headers("north.sup"),
            json={"sanctioned_amount": "35.00", "reason": "meal cap"},
        )
        assert r.status_code == 200, r.text
        self.approve("north.sup", a["approval_id"])
        r = self.client.post(
            f"{CLAIMS}/pay",
            headers=self.world.headers("group.finance"),
            json={"claim_ids": [a["id"]]},
        )
        assert r.status_code == 200, r.text
        b = self.make("north.rep", "2026-11-05", "2026-11-05", [line("meals", "2026-11-05", "25")])
        self.submit(b["id"])
        self.make("north.rep", "2026-11-10", "2026-11-10", [line("transport", "2026-11-10", "500")])
        c = self.make(
            "north.rep2", "2026-11-03", "2026-11-03", [line("lodging", "2026-11-03", "300.00")]
        )
        c = self.submit(c["id"], "north.rep2")
        self.approve("north.manager", c["approval_id"])
        e = self.make("south.rep", "2026-11-03", "2026-11-03", [line("meals", "2026-11-03", "50")])
        self.submit(e["id"], "south.rep")


def days(value: float | int | str) -> Decimal:
    return Decimal(str(value))
