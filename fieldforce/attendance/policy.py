"""Punch policies: the tenant's settings, and what org units set for their own people.

A unit sets only what differs; the rest comes from the units above it and then from the
tenant. For punches outside the zones, each zone kind is looked up on its own, so a
branch may refuse outside punches at offices and still flag them in work areas."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attendance.models import AttendancePolicy
from fieldforce.audit import service as audit
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import PUNCH_OUTSIDE_KEYS, Module, PunchAction, TenantSettings


class Rules(BaseModel):
    """What an org unit sets; unset fields come from above."""

    model_config = ConfigDict(extra="forbid")
    outside: dict[str, PunchAction] | None = Field(
        default=None,
        description="by the kind of the nearest zone ('default' for the rest): refuse or flag",
    )
    mock: PunchAction | None = None
    field_punches: bool | None = None
    field_photo_required: bool | None = None
    offline_window_h: int | None = Field(default=None, ge=1, le=720)

    @field_validator("outside")
    @classmethod
    def _outside_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        unknown = set(value or {}) - set(PUNCH_OUTSIDE_KEYS)
        if unknown:
            raise ValueError(f"keys are {', '.join(PUNCH_OUTSIDE_KEYS)}; not {sorted(unknown)}")
        return value


@dataclass(frozen=True)
class Policy:
    """The rules one person's punches are judged by."""

    outside: dict[str, str]
    mock: str
    field_punches: bool
    field_photo_required: bool
    offline_window_h: int

    def outside_action(self, zone_kind: str | None) -> str:
        return self.outside.get(zone_kind or "default", self.outside.get("default", "flag"))


def _tenant_policy(settings: TenantSettings) -> dict[str, Any]:
    return {
        "outside": dict(settings.attendance_outside),
        "mock": settings.attendance_mock,
        "field_punches": settings.attendance_field_punches,
        "field_photo_required": settings.attendance_field_photo_required,
        "offline_window_h": settings.attendance_offline_window_h,
    }


def policy_for(session: Session, staff: Staff, settings: TenantSettings) -> Policy:
    """The tenant's rules, overridden by each unit from the root down to the person's."""
    unit = session.get(OrgUnit, (staff.tenant_id, staff.org_unit_id))
    assert unit is not None
    rows = session.execute(
        select(OrgUnit.path, AttendancePolicy.rules)
        .join(
            AttendancePolicy,
            (AttendancePolicy.tenant_id == OrgUnit.tenant_id)
            & (AttendancePolicy.org_unit_id == OrgUnit.id),
        )
        .where(OrgUnit.tenant_id == staff.tenant_id, OrgUnit.path.op("@>")(unit.path))
    ).all()
    merged = _tenant_policy(settings)
    for _, raw in sorted(rows, key=lambda r: len(str(r[0]).split("."))):
        rules = Rules.model_validate(raw)
        if rules.outside:
            merged["outside"] = {**merged["outside"], **rules.outside}
        for key in ("mock", "field_punches", "field_photo_required", "offline_window_h"):
            value = getattr(rules, key)
            if value is not None:
                merged[key] = value
    return Policy(**merged)


def get_rules(session: Session, actor: Actor, org_unit_id: uuid.UUID) -> Rules:
    actor.require_module(Module.ATTENDANCE.value)
    actor.visible_unit(session, org_unit_id)
    row = session.get(AttendancePolicy, (actor.tenant_id, org_unit_id))
    return Rules.model_validate(row.rules if row else {})


def put_rules(session: Session, actor: Actor, org_unit_id: uuid.UUID, rules: Rules) -> Rules:
    """A unit's rules replaced; empty rules remove its own. Administrators set any unit's,
    managers those of units below their own (a supervisor cannot loosen what is set above
    their team)."""
    actor.require_module(Module.ATTENDANCE.value)
    actor.require_can_change_unit(session, org_unit_id)
    row = session.get(AttendancePolicy, (actor.tenant_id, org_unit_id))
    before = None if row is None else dict(row.rules)
    stored = rules.model_dump(mode="json", exclude_none=True)
    if not stored:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(
            AttendancePolicy(
                tenant_id=actor.tenant_id,
                org_unit_id=org_unit_id,
                rules=stored,
                updated_by=actor.staff_id,
            )
        )
    else:
        row.rules = stored
        row.updated_by = actor.staff_id
    session.flush()
    audit.record_by(
        session,
        actor,
        "attendance_policy.put",
        "org_unit",
        org_unit_id,
        {"from": before, "to": stored or None},
    )
    return Rules.model_validate(stored)
