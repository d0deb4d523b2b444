"""The monitoring sweep: timers that fire when no fix arrives (dwell, no signal, late
arrival, shift starts and ends), and who is monitored at all.

Each person's row says when it next needs a look (``next_check_at``), so a sweep reads only
the rows that are due. Rows are claimed with ``FOR UPDATE SKIP LOCKED``: sweeps in several
processes share the work, and a row an ingest request holds is skipped (that request
brings it up to date itself).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fieldforce.monitoring.judge import Shared
from fieldforce.monitoring.models import MonitorState
from fieldforce.monitoring.monitor import STATE_COLUMNS, Monitor, StateRow, state_row
from fieldforce.org.models import Staff
from fieldforce.tenancy.models import Tenant

# Monitored: active staff of tenants with tracking who have a phone or sent a fix lately.
_MONITORED = """
    s.active AND 'tracking' = ANY(t.modules) AND (
        EXISTS (SELECT 1 FROM device d WHERE d.tenant_id = s.tenant_id AND d.staff_id = s.id
                 AND d.revoked_at IS NULL)
        OR EXISTS (SELECT 1 FROM latest_position p WHERE p.tenant_id = s.tenant_id
                    AND p.staff_id = s.id AND p.fix_time > :now - interval '7 days'))
"""
_ENROL = text(f"""
    INSERT INTO monitor_state (tenant_id, staff_id, status, on_duty, zone_ids, next_check_at,
                               stale)
    SELECT s.tenant_id, s.id, 'unknown', false, '{{}}', :now, true
      FROM staff s JOIN tenant t ON t.id = s.tenant_id
     WHERE {_MONITORED}
    ON CONFLICT DO NOTHING
""")  # noqa: S608
_RETIRE = text(f"""
    DELETE FROM monitor_state m
     WHERE NOT EXISTS (SELECT 1 FROM staff s JOIN tenant t ON t.id = s.tenant_id
                        WHERE s.tenant_id = m.tenant_id AND s.id = m.staff_id
                          AND {_MONITORED})
""")  # noqa: S608


def enrol(session: Session, now: datetime) -> None:
    """Rows for everyone monitored, none for anyone else."""
    session.execute(_ENROL, {"now": now})
    session.execute(_RETIRE, {"now": now})


def due_batch(session: Session, now: datetime, limit: int) -> list[tuple[StateRow, Staff]]:
    """Up to ``limit`` due state rows not locked by another sweep, locked, each with its
    person (read in the same statement: an IN list of hundreds of keys costs more)."""
    return [
        (state_row(found), found[-1])
        for found in session.execute(
            select(*STATE_COLUMNS, Staff)
            .join(
                Staff,
                (Staff.tenant_id == MonitorState.tenant_id) & (Staff.id == MonitorState.staff_id),
            )
            .where(MonitorState.next_check_at <= now)
            .order_by(MonitorState.next_check_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=MonitorState),
            execution_options={"populate_existing": True},
        )
    ]


def sweep_batch(session: Session, now: datetime, limit: int = 500) -> Iterator[Monitor]:
    """Bring up to ``limit`` due people up to ``now``; yields each one's monitor (with the
    events it stored) for the caller to announce. Meant for a session of its own: what the
    session held before is detached."""
    due = due_batch(session, now, limit)
    if not due:
        return
    # the people are only read: detaching everything at once costs a fraction of one at a time
    session.expunge_all()
    tenant_ids = {row.tenant_id for row, _ in due}
    tenants = {t.id: t for t in session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids)))}
    shared = Shared(session, [person for _, person in due])
    for row, person in due:
        monitor = Monitor(session, row, person, tenants[row.tenant_id], now, shared, defer=True)
        monitor.fire_timers()
        yield monitor
