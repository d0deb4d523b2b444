"""Zone events: storing what the state machine decided, and reading them back in scope.

Live steps store each event they open or close under its natural key (person, type,
start), so a step repeated by a second process changes nothing. A replay reconciles: each
event it finds is matched to the stored event of the same type it overlaps (which keeps
its id and is not announced again), new ones are added, and stored ones the replay no
longer finds are marked retracted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select, text, update
from sqlalchemy.orm import Session

from fieldforce.errors import Invalid
from fieldforce.monitoring.machine import Event, EventType
from fieldforce.monitoring.models import ZoneEvent
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.pagination import Page, paginate


@dataclass(frozen=True)
class Owner:
    tenant_id: uuid.UUID
    staff_id: uuid.UUID


def _duration(e: Event) -> int | None:
    return None if e.ended_at is None else int((e.ended_at - e.started_at).total_seconds())


def _values(owner: Owner, e: Event, shift_start: datetime) -> dict[str, object]:
    return {
        "tenant_id": owner.tenant_id,
        "staff_id": owner.staff_id,
        "type": e.type.value,
        "started_at": e.started_at,
        "ended_at": e.ended_at,
        "duration_s": _duration(e),
        "zone_id": e.zone_id,
        "shift_start": shift_start,
        "details": e.details,
    }


@dataclass(frozen=True)
class Step:
    """Events a live step opened or closed, for one person's shift."""

    owner: Owner
    shift_start: datetime
    events: Sequence[Event]


def store(
    session: Session, owner: Owner, events: Sequence[Event], shift_start: datetime
) -> list[ZoneEvent]:
    """Write events opened or closed by a live step; returns the ones new to the table."""
    return store_steps(session, [Step(owner, shift_start, events)])


def store_steps(session: Session, steps: Sequence[Step]) -> list[ZoneEvent]:
    """Write the events of several steps in one statement (the last word on each event
    counts); returns the ones new to the table."""
    values = {
        (s.owner.staff_id, e.type.value, e.started_at): _values(s.owner, e, s.shift_start)
        for s in steps
        for e in s.events
    }
    if not values:
        return []
    with session.no_autoflush:  # state rows are written together when the batch commits
        # ids and times as text (str(datetime) keeps its offset and microseconds)
        rows = session.execute(_UPSERT, {"rows": json.dumps(list(values.values()), default=str)})
    return [  # described, not loaded: callers only read them
        ZoneEvent(id=event_id, created_at=created_at, **values[(staff, kind, started)])
        for staff, kind, started, event_id, created_at, inserted in rows
        if inserted
    ]


# One statement with one parameter however many events a sweep batch has: a multi-row
# VALUES would be compiled afresh for each batch (a bind parameter per value).
_UPSERT = text("""
    INSERT INTO zone_event (tenant_id, staff_id, type, started_at, ended_at, duration_s,
                            zone_id, shift_start, details)
    SELECT tenant_id, staff_id, type, started_at, ended_at, duration_s, zone_id, shift_start,
           details
      FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
           tenant_id uuid, staff_id uuid, type text, started_at timestamptz,
           ended_at timestamptz, duration_s integer, zone_id uuid, shift_start timestamptz,
           details jsonb)
        ON CONFLICT (tenant_id, staff_id, type, started_at) DO UPDATE
       SET ended_at = excluded.ended_at, duration_s = excluded.duration_s,
           retracted_at = NULL, updated_at = excluded.updated_at
    RETURNING staff_id, type, started_at, id, created_at, xmax = 0
""")


def retract(
    session: Session,
    owner: Owner,
    keys: Sequence[tuple[EventType, datetime]],
    now: datetime,
) -> None:
    """Events that fixes arriving late showed never happened."""
    for kind, started in keys:
        session.execute(
            update(ZoneEvent)
            .where(
                ZoneEvent.tenant_id == owner.tenant_id,
                ZoneEvent.staff_id == owner.staff_id,
                ZoneEvent.type == kind.value,
                ZoneEvent.started_at == started,
                ZoneEvent.retracted_at.is_(None),
            )
            .values(retracted_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )


def reconcile(
    session: Session,
    owner: Owner,
    events: Sequence[Event],
    shift_start: datetime,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[ZoneEvent]:
    """Make the stored events starting in [start, end) those of a replay; returns the ones
    new to the table."""
    stored = list(
        session.scalars(
            select(ZoneEvent)
            .where(
                ZoneEvent.tenant_id == owner.tenant_id,
                ZoneEvent.staff_id == owner.staff_id,
                ZoneEvent.started_at >= start,
                ZoneEvent.started_at < end,
            )
            .order_by(ZoneEvent.started_at)
            .with_for_update()
        )
    )
    unmatched = {row.id: row for row in stored}
    pending: list[Event] = []
    for e in events:
        row = _match(e, unmatched.values())
        if row is None:
            pending.append(e)
            continue
        del unmatched[row.id]
        row.started_at, row.ended_at, row.duration_s = e.started_at, e.ended_at, _duration(e)
        row.zone_id, row.shift_start, row.retracted_at = e.zone_id, shift_start, None
        row.details = {**row.details, **e.details}
        row.updated_at = now
    for row in unmatched.values():
        if row.retracted_at is None:
            row.retracted_at = now
            row.updated_at = now
    session.flush()
    return store(session, owner, pending, shift_start)


def _match(e: Event, rows: Iterable[ZoneEvent]) -> ZoneEvent | None:
    """The stored event this one is: the same start, else the same type overlapping it."""
    candidates = [r for r in rows if r.type == e.type.value]
    for r in candidates:
        if r.started_at == e.started_at:
            return r
    for r in candidates:
        if r.retracted_at is None and _overlap(r, e):
            return r
    return None


def _overlap(r: ZoneEvent, e: Event) -> bool:
    """Whether two intervals meet; an open event runs on without end."""
    forever = datetime.max.replace(tzinfo=e.started_at.tzinfo)
    return r.started_at < (e.ended_at or forever) and e.started_at < (r.ended_at or forever)


# --- reading -----------------------------------------------------------------------------


def _scope(actor: Actor) -> ColumnElement[bool]:
    return (ZoneEvent.tenant_id == actor.tenant_id) & ZoneEvent.staff_id.in_(
        select(Staff.id).where(actor.staff_clause())
    )


def list_events(
    session: Session,
    actor: Actor,
    *,
    staff_id: uuid.UUID | None = None,
    org_unit_id: uuid.UUID | None = None,
    types: Sequence[EventType] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    open_only: bool = False,
    include_retracted: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[ZoneEvent]:
    """Events in the caller's scope, newest first; ``start``/``end`` select events that
    overlap that time; ``org_unit_id`` keeps the people of that unit and the units below
    it (a unit outside the scope is not found)."""
    if start is not None and end is not None and end <= start:
        raise Invalid("'to' must be after 'from'", code="invalid_range")
    if staff_id is not None:
        actor.visible_staff(session, staff_id)
    stmt = select(ZoneEvent).where(_scope(actor))
    if staff_id is not None:
        stmt = stmt.where(ZoneEvent.staff_id == staff_id)
    if org_unit_id is not None:
        unit = actor.visible_unit(session, org_unit_id)
        stmt = stmt.where(
            ZoneEvent.staff_id.in_(
                select(Staff.id)
                .join(OrgUnit, OrgUnit.id == Staff.org_unit_id)
                .where(
                    Staff.tenant_id == actor.tenant_id,
                    OrgUnit.tenant_id == actor.tenant_id,
                    OrgUnit.path.op("<@")(unit.path),
                )
            )
        )
    if types:
        stmt = stmt.where(ZoneEvent.type.in_([t.value for t in types]))
    if end is not None:
        stmt = stmt.where(ZoneEvent.started_at < end)
    if start is not None:
        stmt = stmt.where((ZoneEvent.ended_at.is_(None)) | (ZoneEvent.ended_at > start))
    if open_only:
        stmt = stmt.where(ZoneEvent.ended_at.is_(None))
    if not include_retracted:
        stmt = stmt.where(ZoneEvent.retracted_at.is_(None))
    return paginate(
        session,
        stmt,
        [ZoneEvent.started_at, ZoneEvent.id],
        limit=limit,
        cursor=cursor,
        descending=True,
    )
