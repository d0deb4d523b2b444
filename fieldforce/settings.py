"""Process-wide settings, read once from the environment (prefix ``FIELDFORCE_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "dev-only-insecure-secret-change-me"  # noqa: S105 - refused in production


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDFORCE_", extra="ignore")

    mode: Literal["development", "production", "test"] = "development"
    database_url: str | None = None
    data_dir: Path = Path(".fieldforce")
    secret_key: str = PLACEHOLDER_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(default=12 * 60, ge=1, le=30 * 24 * 60)
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_login: int = Field(default=5, ge=1)
    login_max_failures_per_ip: int = Field(default=30, ge=1)
    log_format: Literal["json", "console"] = "json"
    log_level: str = "INFO"
    db_pool_size: int = Field(default=10, ge=1)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # push (Firebase Cloud Messaging); without a service-account file push is off
    fcm_credentials_file: Path | None = None
    fcm_url: str | None = None  # an FCM-compatible endpoint instead of Google's (emulators)
    push_batch: int = Field(default=500, ge=1, le=500)  # messages per send_each call
    push_lease_s: int = Field(default=120, ge=1)  # a claimed batch is retried after this
    push_max_attempts: int = Field(default=8, ge=1)
    push_backoff_s: float = Field(default=10, gt=0)  # doubled each attempt
    push_backoff_cap_s: float = Field(default=3600, gt=0)
    # SMS fallback: each tenant configures its own gateway; these bound the sending
    sms_batch: int = Field(default=50, ge=1, le=500)  # messages claimed at once
    sms_concurrency: int = Field(default=4, ge=1, le=64)  # requests in flight per worker

    @property
    def push_enabled(self) -> bool:
        return self.fcm_credentials_file is not None

    @model_validator(mode="after")
    def _refuse_placeholder_secrets_in_production(self) -> Settings:
        weak = self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 32
        if self.mode == "production" and weak:
            raise ValueError(
                "FIELDFORCE_SECRET_KEY must be set to a random value of at least 32 "
                "characters in production mode"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
