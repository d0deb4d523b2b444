"""The test world with a third level and finance people, and short ways to start requests
(through the service, as leave and travel will) and act on them over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.approvals import service
from fieldforce.approvals.models import RequestKind
from fieldforce.approvals.rules import Facts
from fieldforce.auth.service import actor_for
from fieldforce.notify.models import InboxItem
from fieldforce.org.models import Staff
from fieldforce.org.scope import Actor
from tests.world import World, add_staff

APPROVALS = "/api/v1/approvals"
FLOWS = "/api/v1/approval-flows"


def _facts(given: dict[str, Any]) -> Facts:
    return Facts(**{k: Decimal(str(v)) if k in ("amount", "days") else v for k, v in given.items()})


class Scene:
    """
    root ─ admin, group.director (manager), group.finance (finance)
    ├─ north (branch) ─ north.manager (reports to group.director), north.finance
    │   ├─ north-a ─ north.sup, north.rep (reports to north.sup)
    │   └─ north-b ─ north.rep2
    └─ south (branch) ─ south.manager (reports to nobody)
        └─ south-a ─ south.rep
    """

    def __init__(self, client: TestClient, world: World, db: Session) -> None:
        self.client, self.world, self.db = client, world, db
        s, u = world.staff, world.units
        s["group.director"] = add_staff(db, u["root"], "group.director", ["manager"])
        s["group.finance"] = add_staff(db, u["root"], "group.finance", ["finance"])
        s["north.finance"] = add_staff(db, u["north"], "north.finance", ["finance"])
        s["north.manager"].manager_id = s["group.director"].id
        db.commit()

    def actor(self, who: str) -> Actor:
        staff = self.world.staff[who]
        return actor_for(self.db, staff.tenant_id, staff.id)

    def id(self, who: str) -> uuid.UUID:
        return self.world.staff[who].id

    def who(self, staff_id: str | uuid.UUID | None) -> str | None:
        if staff_id is None:
            return None
        return next(k for k, v in self.world.staff.items() if str(v.id) == str(staff_id))

    def flow(self, kind: str, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        r = self.client.put(
            f"{FLOWS}/{kind}", headers=self.world.headers("admin"), json={"steps": steps, **extra}
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    def start(
        self,
        who: str,
        kind: RequestKind = RequestKind.TRAVEL_CLAIM,
        *,
        now: datetime | None = None,
        **facts: Any,
    ) -> str:
        """A request by ``who`` for a new subject, as the subject's domain would start it."""
        request = service.start(
            self.db,
            self.actor(who),
            kind=kind,
            subject_id=uuid.uuid4(),
            facts=_facts(facts),
            push=False,
            now=now,
        )
        self.db.commit()
        return str(request.id)

    def resubmit(self, who: str, approval_id: str, **facts: Any) -> None:
        service.resubmit(
            self.db, self.actor(who), uuid.UUID(approval_id), _facts(facts), push=False
        )
        self.db.commit()

    def decide(
        self,
        who: str,
        approval_id: str,
        action: str = "approve",
        comment: str | None = None,
        **extra: Any,
    ) -> Response:
        body = {"action": action, **({"comment": comment} if comment else {}), **extra}
        return self.client.post(
            f"{APPROVALS}/{approval_id}/decisions", headers=self.world.headers(who), json=body
        )

    def approve(self, who: str, approval_id: str) -> dict[str, Any]:
        r = self.decide(who, approval_id)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def delegate(self, who: str, to: str, days: int = 3) -> str:
        """``who`` is away from a minute ago for ``days``; ``to`` stands in."""
        now = datetime.now(UTC)
        r = self.client.post(
            "/api/v1/delegations",
            headers=self.world.headers(who),
            json={
                "delegate_id": str(self.id(to)),
                "starts_at": (now - timedelta(minutes=1)).isoformat(),
                "ends_at": (now + timedelta(days=days)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def get(self, who: str, approval_id: str) -> Response:
        return self.client.get(f"{APPROVALS}/{approval_id}", headers=self.world.headers(who))

    def state(self, approval_id: str) -> dict[str, Any]:
        r = self.get("admin", approval_id)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def waiting_on(self, approval_id: str) -> list[str | None]:
        return sorted(str(self.who(i)) for i in self.state(approval_id)["waiting_on"])

    def waiting_for(self, who: str) -> list[str]:
        r = self.client.get(APPROVALS, headers=self.world.headers(who), params={"waiting_on": "me"})
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    def story(self, approval_id: str) -> list[tuple[Any, ...]]:
        """The history as (action, step, who, on behalf of, reason, to whom)."""
        return [
            (
                e["action"],
                e["step"],
                self.who(e["actor_id"]),
                self.who(e["on_behalf_of_id"]),
                e["reason"],
                sorted(str(self.who(i)) for i in e["approver_ids"]),
            )
            for e in self.state(approval_id)["history"]
        ]

    def inbox(self, who: str) -> list[str]:
        self.db.expire_all()
        return list(
            self.db.scalars(
                select(InboxItem.title)
                .where(InboxItem.recipient_id == self.id(who), InboxItem.kind == "approval")
                .order_by(InboxItem.created_at)
            )
        )

    def deactivate(self, who: str) -> None:
        staff = self.db.get(Staff, (self.world.tenant.id, self.id(who)))
        assert staff is not None
        staff.active = False
        self.db.commit()
