"""Process-wide settings, read once from the environment (prefix ``FIELDFORCE_``)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fieldforce.outbound import OutboundPolicy

# Keys seen in examples and earlier releases: refused in every mode.
KNOWN_PLACEHOLDER_SECRETS = frozenset(
    {
        "dev-only-insecure-secret-change-me",
        "change-me",
        "changeme",
        "secret",
        "your-secret-key",
    }
)
MIN_SECRET_LENGTH = 32
ATTEMPTS_KEPT_DAYS = 7  # sign-in and tracker attempts older than this are deleted


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FIELDFORCE_", extra="ignore")

    mode: Literal["development", "production", "test"] = "development"
    database_url: str | None = None
    data_dir: Path = Path(".fieldforce")
    pg_bindir: Path | None = None  # the embedded database's binaries, when not Debian's
    # unset: a random key is generated and kept in the data directory (fieldforce keys)
    secret_key: str | None = Field(default=None, repr=False)
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_minutes: int = Field(default=12 * 60, ge=1, le=30 * 24 * 60)
    # sign-in: failures free per account and client address, then a wait of
    # login_backoff_s doubling per failure up to the cap; a success clears it
    login_free_failures: int = Field(default=3, ge=1)
    login_backoff_s: float = Field(default=1, gt=0)
    login_backoff_cap_s: int = Field(default=300, ge=1)
    # older failures are forgotten
    login_memory_hours: int = Field(default=24, ge=1, le=ATTEMPTS_KEPT_DAYS * 24)
    # proxies whose X-Forwarded-For is believed: comma-separated IPs or CIDRs; empty: none
    trusted_proxies: str = ""
    # OwnTracks device secrets: failures free per device and address, and per address,
    # before a backoff (1 s, doubling per failure, capped at the window) answers 429
    tracker_auth_free_failures: int = Field(default=5, ge=1)
    tracker_auth_free_failures_per_ip: int = Field(default=20, ge=1)
    tracker_auth_window_s: int = Field(default=900, ge=1, le=ATTEMPTS_KEPT_DAYS * 86400)
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
    # destinations tenants' gateways may reach although they are loopback, private or
    # link-local: comma-separated host names or CIDRs (see fieldforce/outbound.py)
    outbound_allow: str = ""
    api_docs: bool = True  # /docs, /redoc and /openapi.json; off: they answer 404

    @property
    def push_enabled(self) -> bool:
        return self.fcm_credentials_file is not None

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def outbound_policy(self) -> OutboundPolicy:
        return OutboundPolicy.parse(self.outbound_allow)

    @field_validator("outbound_allow")
    @classmethod
    def _outbound_allow_parses(cls, value: str) -> str:
        OutboundPolicy.parse(value)  # a bad entry stops the start, not the first SMS
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(
                        f"FIELDFORCE_TRUSTED_PROXIES: '{item}' is not an IP address or CIDR"
                    ) from exc
        return value

    @model_validator(mode="after")
    def _refuse_weak_secret_keys(self) -> Settings:
        key = self.secret_key
        if key is None:
            return self
        weak = (
            key.strip().lower() in KNOWN_PLACEHOLDER_SECRETS
            or len(key) < MIN_SECRET_LENGTH
            or len(set(key)) < 10
        )
        if weak:
            raise ValueError(
                "FIELDFORCE_SECRET_KEY is a known placeholder or too weak: give a random "
                f"value of at least {MIN_SECRET_LENGTH} characters, or leave it unset to have "
                "a key generated and kept in the data directory"
            )
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
