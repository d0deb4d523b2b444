"""Zones' Wi-Fi access points: indoors, a punch that sees one of its zone's access points
counts as inside that zone whatever its GPS accuracy."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.attendance.models import ZoneWifi
from fieldforce.attendance.punches import normalise_bssid
from fieldforce.audit import service as audit
from fieldforce.db import refuse_clash
from fieldforce.errors import Invalid, NotFound
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Module
from fieldforce.zones import service as zones

MAX_PER_ZONE = 200


def list_access_points(session: Session, actor: Actor, zone_id: uuid.UUID) -> list[ZoneWifi]:
    actor.require_module(Module.ATTENDANCE.value)
    zone = zones.visible_zone(session, actor, zone_id)
    return list(
        session.scalars(
            select(ZoneWifi)
            .where(ZoneWifi.tenant_id == zone.tenant_id, ZoneWifi.zone_id == zone.id)
            .order_by(ZoneWifi.bssid)
        )
    )


def add_access_point(
    session: Session, actor: Actor, zone_id: uuid.UUID, bssid: str, ssid: str | None
) -> ZoneWifi:
    """Those who manage the zone register its access points (one BSSID once per zone)."""
    actor.require_module(Module.ATTENDANCE.value)
    zone = zones.managed_zone(session, actor, zone_id)
    normalised = normalise_bssid(bssid)
    refuse_clash(
        session,
        select(ZoneWifi.id).where(
            ZoneWifi.tenant_id == zone.tenant_id,
            ZoneWifi.zone_id == zone.id,
            ZoneWifi.bssid == normalised,
        ),
        "this access point is registered on the zone already",
        code="duplicate_access_point",
        name="access_point_id",
    )
    count = len(list_access_points(session, actor, zone_id))
    if count >= MAX_PER_ZONE:
        raise Invalid(f"a zone has at most {MAX_PER_ZONE} access points", code="too_many")
    row = ZoneWifi(
        tenant_id=zone.tenant_id,
        zone_id=zone.id,
        bssid=normalised,
        ssid=(ssid or "").strip() or None,
        created_by=actor.staff_id,
    )
    session.add(row)
    session.flush()
    audit.record_by(
        session, actor, "zone_wifi.add", "zone", zone.id, {"bssid": normalised, "ssid": row.ssid}
    )
    return row


def remove_access_point(
    session: Session, actor: Actor, zone_id: uuid.UUID, access_point_id: uuid.UUID
) -> None:
    actor.require_module(Module.ATTENDANCE.value)
    zone = zones.managed_zone(session, actor, zone_id)
    row = session.get(ZoneWifi, (zone.tenant_id, access_point_id))
    if row is None or row.zone_id != zone.id:
        raise NotFound(
            "no such access point on this zone",
            details={"access_point_id": str(access_point_id)},
        )
    session.delete(row)
    session.flush()
    audit.record_by(session, actor, "zone_wifi.remove", "zone", zone.id, {"bssid": row.bssid})
