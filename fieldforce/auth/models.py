"""Login attempts, counted to slow down password guessing. Not tenant-owned: an attempt
may name a tenant or login that does not exist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Identity, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from fieldforce.db import Base


class LoginAttempt(Base):
    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    login_key: Mapped[str] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(Boolean)

    __table_args__ = (
        Index("ix_login_attempt_login_key_at", "login_key", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )
