"""Background work of the tracking module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldforce.logs import get_logger
from fieldforce.tenancy.models import Tenant, TenantSettings
from fieldforce.tracking.partitions import apply_retention, ensure_window

log = get_logger("fieldforce.tracking")
AHEAD_DAYS = 3  # clocks run ahead, and a day starts earlier east of UTC


def maintain_ping_partitions(session: Session, now: datetime) -> None:
    """Partitions exist for every day a ping may still be uploaded for; expired ones go."""
    windows = [
        TenantSettings.model_validate(s or {}).upload_window_days
        for s in session.scalars(select(Tenant.settings))
    ]
    back = max(windows, default=TenantSettings().upload_window_days) + 1
    ensure_window(session, now, back_days=back, ahead_days=AHEAD_DAYS)
    dropped = apply_retention(session, now)
    if dropped:
        log.info("ping_partitions_dropped", partitions=dropped)
