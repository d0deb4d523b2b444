"""Background work of the auth domain."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from fieldforce.auth.models import LoginAttempt
from fieldforce.settings import ATTEMPTS_KEPT_DAYS


def forget_old_attempts(session: Session, now: datetime) -> int:
    """Sign-in and tracker attempts are kept only as long as any throttle looks back."""
    cutoff = now - timedelta(days=ATTEMPTS_KEPT_DAYS)
    result = session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
