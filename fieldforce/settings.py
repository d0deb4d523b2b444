"""Process-wide settings, read once from the environment (prefix ``FIELDFORCE_``)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
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


class TileSource(BaseModel):
    """A base map the console offers: a tile URL template (``{z}``, ``{x}``, ``{y}``, and
    ``{s}`` for one of ``subdomains``) and the coordinate system its tiles are drawn in:
    ``wgs84`` (OpenStreetMap and most others), ``gcj02`` (AMap/Gaode, Tencent) or ``bd09``
    (Baidu). Browsers fetch the tiles; the server never does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60)
    url: str = Field(min_length=1, max_length=500)
    attribution: str = Field(default="", max_length=300)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"
    max_zoom: int = Field(default=19, ge=1, le=22)
    subdomains: str = Field(default="abc", max_length=10)

    @field_validator("url")
    @classmethod
    def _url_is_a_tile_template(cls, value: str) -> str:
        tile_origin(value)
        if not all(part in value for part in ("{z}", "{x}", "{y}")):
            raise ValueError("a tile URL template has {z}, {x} and {y}")
        return value


def tile_origin(url: str) -> str:
    """Where a tile template's images come from, as a Content-Security-Policy source: its
    origin, with a ``{s}`` subdomain in the first label written ``*``."""
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if sep == "" or scheme not in {"http", "https"} or not host:
        raise ValueError("a tile URL is an absolute http(s) URL")
    first, dot, others = host.partition(".")
    source_host = ("*" if "{" in first else first) + dot + others
    if not _TILE_HOST.fullmatch(source_host):
        raise ValueError("a tile host is a name or address; only its first label may vary ({s})")
    return f"{scheme}://{source_host}"


_TILE_HOST = re.compile(r"(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?")


OPENSTREETMAP = TileSource(
    name="OpenStreetMap",
    url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    attribution="© OpenStreetMap contributors",
    max_zoom=19,
)


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
    # FastAPI's own OpenTelemetry spans, metrics and logs (to the providers the process
    # configures); off, a request does not even look for a provider
    opentelemetry: bool = False
    db_pool_size: int = Field(default=10, ge=1)
    # fixes of concurrent requests are written together (``fieldforce.gathering``): a
    # lone request waits at most this long for others, a group holds at most this many
    ingest_gather_ms: float = Field(default=2.0, ge=0, le=100)
    ingest_gather_fixes: int = Field(default=2000, ge=1, le=100_000)
    # who a token or tracker identifier names is looked up again after this long at most:
    # any change committed anywhere is heard and forgets it sooner (``devices.identity``)
    identity_cache_s: float = Field(default=300.0, ge=0, le=3600)
    # how often each process sweeps the off-zone monitors that are due (timers: no signal,
    # late arrival, dwell); any number of processes may sweep at once
    monitoring_sweep_s: int = Field(default=60, ge=1, le=3600)
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    # an uploaded attachment's size (the upload endpoint's body may be this plus the
    # multipart framing, whatever max_body_bytes says) and an image's pixel count
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=1024**3)
    attachment_max_pixels: int = Field(default=50_000_000, ge=1, le=100_000_000)
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
    # the console's base maps, as JSON: [{"name", "url", "attribution", "crs", ...}]; the
    # first is shown first; [] draws the data on a plain background (no internet needed)
    console_tiles: list[TileSource] = Field(default_factory=lambda: [OPENSTREETMAP])
    # where the built console is served from (api/console/dist of the source tree)
    console_dir: Path | None = None

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
