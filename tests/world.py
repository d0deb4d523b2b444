"""A small, typed world shared by the API tests: two tenants, an org tree with two
branches, and staff in every role. Built fresh inside each test's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fieldforce.auth.tokens import issue_token
from fieldforce.devices.models import Device
from fieldforce.org.models import OrgUnit, Staff, path_label
from fieldforce.org.passwords import hash_password
from fieldforce.settings import Settings
from fieldforce.tenancy.models import ALL_MODULES, Tenant
from fieldforce.zones.models import Zone, ZoneAssignment
from fieldforce.zones.service import circle_columns

PASSWORD = "correct-horse-1"


@lru_cache(maxsize=1)
def password_hash() -> str:
    return hash_password(PASSWORD)


@dataclass
class World:
    settings: Settings
    tenant: Tenant
    other_tenant: Tenant
    units: dict[str, OrgUnit] = field(default_factory=dict)
    staff: dict[str, Staff] = field(default_factory=dict)

    def headers(self, who: str | Staff, device: Device | None = None) -> dict[str, str]:
        person = self.staff[who] if isinstance(who, str) else who
        token, _ = issue_token(
            self.settings,
            tenant_id=person.tenant_id,
            staff_id=person.id,
            device_id=device.id if device else None,
        )
        return {"Authorization": f"Bearer {token}"}

    def unit_id(self, name: str) -> str:
        return str(self.units[name].id)

    def staff_id(self, name: str) -> str:
        return str(self.staff[name].id)


ALWAYS_ON_DUTY = [{"weekday": d, "start": "00:00", "end": "24:00"} for d in range(7)]


def add_tenant(db: Session, name: str) -> Tenant:
    tenant = Tenant(
        name=name,
        slug=name.lower().replace(" ", "-"),
        timezone="Asia/Shanghai",
        # on duty around the clock, so that tests sending fixes "now" never see them
        # discarded as off duty; tests of duty hours set their own schedules
        settings={"default_duty_week": ALWAYS_ON_DUTY},
        modules=list(ALL_MODULES),
        active=True,
    )
    db.add(tenant)
    db.flush()
    return tenant


def add_unit(
    db: Session, tenant: Tenant, name: str, parent: OrgUnit | None, kind: str = "team"
) -> OrgUnit:
    unit_id = uuid.uuid4()
    path = f"{parent.path}.{path_label(unit_id)}" if parent else path_label(unit_id)
    unit = OrgUnit(
        tenant_id=tenant.id,
        id=unit_id,
        parent_id=parent.id if parent else None,
        name=name,
        kind=kind,
        path=path,
    )
    db.add(unit)
    db.flush()
    return unit


def add_staff(
    db: Session,
    unit: OrgUnit,
    login: str,
    roles: list[str],
    manager: Staff | None = None,
    *,
    active: bool = True,
) -> Staff:
    staff = Staff(
        tenant_id=unit.tenant_id,
        login=login,
        name=login.replace(".", " ").title(),
        password_hash=password_hash(),
        org_unit_id=unit.id,
        manager_id=manager.id if manager else None,
        roles=roles,
        active=active,
    )
    db.add(staff)
    db.flush()
    return staff


def add_work_area(db: Session, unit: OrgUnit, center: tuple[float, float], radius_m: float) -> Zone:
    """A circular work area that the whole unit is assigned to."""
    zone = Zone(
        tenant_id=unit.tenant_id,
        org_unit_id=unit.id,
        name="Area",
        kind="work_area",
        **circle_columns(*center, radius_m),
    )
    db.add(zone)
    db.flush()
    db.add(ZoneAssignment(tenant_id=unit.tenant_id, zone_id=zone.id, org_unit_id=unit.id))
    return zone


def build_world(db: Session, settings: Settings) -> World:
    """
    Acme (tenant)                          Other (tenant)
      root ─ admin                           other-root ─ other.admin, other.rep
      ├─ north (branch) ─ north.manager
      │   ├─ north-a (team) ─ north.sup, north.rep
      │   └─ north-b (team) ─ north.rep2
      └─ south (branch) ─ south.manager
          └─ south-a (team) ─ south.rep
    """
    acme = add_tenant(db, "Acme")
    other = add_tenant(db, "Other")
    w = World(settings, acme, other)
    u = w.units
    u["root"] = add_unit(db, acme, "Acme Group", None, "group")
    u["north"] = add_unit(db, acme, "North Branch", u["root"], "branch")
    u["north-a"] = add_unit(db, acme, "North Team A", u["north"])
    u["north-b"] = add_unit(db, acme, "North Team B", u["north"])
    u["south"] = add_unit(db, acme, "South Branch", u["root"], "branch")
    u["south-a"] = add_unit(db, acme, "South Team A", u["south"])
    u["other-root"] = add_unit(db, other, "Other Group", None, "group")
    s = w.staff
    s["admin"] = add_staff(db, u["root"], "admin", ["admin"])
    s["north.manager"] = add_staff(db, u["north"], "north.manager", ["manager"])
    s["north.sup"] = add_staff(db, u["north-a"], "north.sup", ["supervisor"], s["north.manager"])
    s["north.rep"] = add_staff(db, u["north-a"], "north.rep", ["rep"], s["north.sup"])
    s["north.rep2"] = add_staff(db, u["north-b"], "north.rep2", ["rep"], s["north.manager"])
    s["south.manager"] = add_staff(db, u["south"], "south.manager", ["manager"])
    s["south.rep"] = add_staff(db, u["south-a"], "south.rep", ["rep"], s["south.manager"])
    s["other.admin"] = add_staff(db, u["other-root"], "other.admin", ["admin"])
    s["other.rep"] = add_staff(db, u["other-root"], "other.rep", ["rep"], s["other.admin"])
    db.commit()
    return w


def all_pages(
    client: TestClient, url: str, headers: dict[str, str], params: dict[str, object]
) -> list[dict[str, object]]:
    """Walk a list endpoint through its cursors; returns every item in order."""
    items: list[dict[str, object]] = []
    cursor = None
    while True:
        page = client.get(
            url, headers=headers, params={**params, **({"cursor": cursor} if cursor else {})}
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items
