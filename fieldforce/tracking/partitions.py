"""Daily partitions of the ping table: created ahead, dropped past retention.

Partitions are shared by all tenants. A partition is dropped once it is older than the
longest retention of any tenant; tenants with a shorter retention have their rows deleted
from the partitions in between.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.models import Ping

_NAME = re.compile(r"^ping_p(\d{8})$")
# Days that certainly have a partition, per process and database: ingest skips the
# catalogue query.
_known: dict[str, set[date]] = {}


def _known_in(session: Session) -> set[date]:
    return _known.setdefault(str(session.get_bind().engine.url), set())


def partition_name(day: date) -> str:
    return f"ping_p{day:%Y%m%d}"


def existing_partitions(session: Session) -> dict[date, str]:
    rows = session.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'ping'::regclass"
        )
    ).scalars()
    found = {}
    for name in rows:
        match = _NAME.match(name)
        if match:
            found[datetime.strptime(match.group(1), "%Y%m%d").date()] = name  # noqa: DTZ007
    return found


def ensure_partitions(session: Session, days: set[date]) -> None:
    """Create the partitions these days need (idempotent, safe under concurrency).

    Only partitions found already in place are remembered: one created in this transaction
    could still be rolled back."""
    known = _known_in(session)
    missing = days - known
    if not missing:
        return
    have = existing_partitions(session)
    known.update(missing & have.keys())
    to_create = sorted(missing - have.keys())
    if to_create:
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('ping-partitions'))"))
    for day in to_create:
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        session.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {partition_name(day)} PARTITION OF ping "
                f"FOR VALUES FROM ('{start.isoformat()}') "
                f"TO ('{(start + timedelta(days=1)).isoformat()}')"
            )
        )


def forget_known_partitions() -> None:
    """After partitions were dropped by someone else (tests, retention in another process)."""
    _known.clear()


def ensure_window(session: Session, now: datetime, *, back_days: int, ahead_days: int) -> None:
    today = now.astimezone(UTC).date()
    ensure_partitions(
        session, {today + timedelta(days=d) for d in range(-back_days, ahead_days + 1)}
    )


def apply_retention(session: Session, now: datetime) -> list[str]:
    """Drop partitions older than every tenant's retention; delete older rows of tenants
    that keep less. Returns the dropped partitions' names."""
    today = now.astimezone(UTC).date()
    retention = {
        tenant_id: TenantSettings.model_validate(settings or {}).retention_days
        for tenant_id, settings in session.execute(select(Tenant.id, Tenant.settings))
    }
    longest = max(retention.values(), default=TenantSettings().retention_days)
    dropped = []
    for day, name in sorted(existing_partitions(session).items()):
        if day < today - timedelta(days=longest):
            session.execute(text(f"DROP TABLE {name}"))
            dropped.append(name)
    for tenant_id, days in retention.items():
        if days < longest:
            cutoff = datetime(today.year, today.month, today.day, tzinfo=UTC) - timedelta(days=days)
            session.execute(delete(Ping).where(Ping.tenant_id == tenant_id, Ping.fix_time < cutoff))
    known = _known_in(session)
    known.difference_update(d for d in list(known) if partition_name(d) in dropped)
    return dropped
