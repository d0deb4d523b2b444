"""The test world with leave: types by code, allocations, schedules and holidays, and
short ways to ask for leave and approve it over HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.world import World

TYPES = "/api/v1/leave-types"
ALLOCATIONS = "/api/v1/leave-allocations"
REQUESTS = "/api/v1/leave-requests"
BALANCES = "/api/v1/leave-balances"
LEDGER = "/api/v1/leave-ledger"
# Monday to Friday, 08:30 to 18:00 (Monday 2027-03-01)
OFFICE = [{"weekday": d, "start": "08:30", "end": "18:00"} for d in range(5)]
# Monday to Friday nights, 22:00 to 06:00 the next morning
NIGHTS = [{"weekday": d, "start": "22:00", "end": "06:00"} for d in range(5)]


def count(db: Session, model: Any) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


class Leave:
    def __init__(self, client: TestClient, world: World, db: Session) -> None:
        self.client, self.world, self.db = client, world, db
        self._types: dict[str, str] | None = None

    def types(self, who: str = "north.rep") -> dict[str, str]:
        r = self.client.get(TYPES, headers=self.world.headers(who))
        assert r.status_code == 200, r.text
        return {t["code"]: t["id"] for t in r.json()["items"]}

    def type_id(self, code: str) -> str:
        if self._types is None:
            self._types = self.types("admin")
        return self._types[code]

    def schedule(self, who: str, weekly: list[dict[str, str | int]]) -> None:
        r = self.client.post(
            "/api/v1/schedules",
            headers=self.world.headers("admin"),
            json={
                "staff_id": self.world.staff_id(who),
                "timezone": "Asia/Shanghai",
                "weekly": weekly,
            },
        )
        assert r.status_code == 201, r.text

    def holiday(self, day: date) -> None:
        r = self.client.post(
            "/api/v1/duty-exceptions",
            headers=self.world.headers("admin"),
            json={"day": day.isoformat(), "kind": "off", "reason": "holiday"},
        )
        assert r.status_code == 201, r.text

    def allocate(
        self, who: str, code: str = "annual", days: float = 10, year: int = 2027, **extra: Any
    ) -> Response:
        return self.client.post(
            ALLOCATIONS,
            headers=self.world.headers(extra.pop("by", "admin")),
            json={
                "staff_id": self.world.staff_id(who),
                "leave_type_id": self.type_id(code),
                "year": year,
                "days": days,
                **extra,
            },
        )

    def ask(self, who: str, start: date, end: date, code: str = "annual", **extra: Any) -> Response:
        return self.client.post(
            REQUESTS,
            headers=self.world.headers(who),
            json={
                "leave_type_id": self.type_id(code),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "reason": "family",
                **extra,
            },
        )

    def asked(
        self, who: str, start: date, end: date, code: str = "annual", **extra: Any
    ) -> dict[str, Any]:
        r = self.ask(who, start, end, code, **extra)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def days(self, who: str, start: date, end: date, code: str = "annual", **extra: Any) -> Decimal:
        """What a draft for those days counts."""
        return Decimal(self.asked(who, start, end, code, draft=True, **extra)["days"])

    def decide(
        self, who: str, approval_id: str, action: str = "approve", comment: str | None = None
    ) -> Response:
        body = {"action": action, **({"comment": comment} if comment else {})}
        return self.client.post(
            f"/api/v1/approvals/{approval_id}/decisions", headers=self.world.headers(who), json=body
        )

    def get(self, who: str, request_id: str) -> Response:
        return self.client.get(f"{REQUESTS}/{request_id}", headers=self.world.headers(who))

    def balance(
        self, who: str, code: str = "annual", year: int = 2027, by: str | None = None
    ) -> dict[str, Any]:
        r = self.client.get(
            BALANCES,
            headers=self.world.headers(by or who),
            params={"staff_id": self.world.staff_id(who), "year": year},
        )
        assert r.status_code == 200, r.text
        return next(dict(b) for b in r.json()["items"] if b["code"] == code)
