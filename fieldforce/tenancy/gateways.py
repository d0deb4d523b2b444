"""A tenant's gateway settings (its SMS platform, its operator's LBS platform): stored as
JSON on the tenant, replaced whole by an administrator, the secret kept when left out,
the URL checked against the outbound policy when saved, every change audited without
the secret."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from fieldforce.audit import service as audit
from fieldforce.errors import Invalid, NotFound
from fieldforce.org.scope import Actor
from fieldforce.outbound import OutboundPolicy
from fieldforce.tenancy.service import get_tenant

Column = Literal["sms_gateway", "lbs_gateway"]
G = TypeVar("G", bound=BaseModel)
_LABELS = {"sms_gateway": "SMS", "lbs_gateway": "LBS"}


def replace(
    session: Session,
    actor: Actor,
    column: Column,
    model: type[G],
    changes: dict[str, Any],
    outbound: OutboundPolicy,
) -> G:
    actor.require_admin()
    tenant = get_tenant(session, actor.tenant_id)
    previous = getattr(tenant, column) or {}
    if "auth_value" not in changes and previous.get("auth_value"):
        changes = {**changes, "auth_value": previous["auth_value"]}
    try:
        gateway = model.model_validate(changes)
    except ValidationError as exc:
        raise Invalid.from_validation(
            f"invalid {_LABELS[column]} gateway settings", f"invalid_{column}", exc
        ) from exc
    stored = gateway.model_dump(mode="json")
    outbound.check_url(str(stored["url"]))
    setattr(tenant, column, stored)
    session.flush()
    shown = {k: v for k, v in stored.items() if k != "auth_value"}
    shown["auth_value_changed"] = previous.get("auth_value") != stored.get("auth_value")
    audit.record_by(session, actor, f"tenant.{column}.set", "tenant", tenant.id, shown)
    return gateway


def remove(session: Session, actor: Actor, column: Column) -> None:
    actor.require_admin()
    tenant = get_tenant(session, actor.tenant_id)
    if getattr(tenant, column) is None:
        raise NotFound(f"no {_LABELS[column]} gateway is configured", code=f"no_{column}")
    setattr(tenant, column, None)
    session.flush()
    audit.record_by(session, actor, f"tenant.{column}.remove", "tenant", tenant.id, {})
