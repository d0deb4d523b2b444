"""Token signing keys: the configured one, or random keys kept in the data directory.

With no ``FIELDFORCE_SECRET_KEY`` the first start generates a random key and keeps it in
``<data dir>/keys/signing-keys.json`` (directory 0700, file 0600). ``fieldforce keys
rotate`` adds a new current key; the previous ones stay accepted until every token they
signed has expired. Tokens name their key in the JWT header (``kid``). Running processes
notice a rotation by the file's modification time (looked at no more than once a second).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from fieldforce.errors import Invalid
from fieldforce.settings import Settings

KEY_BYTES = 48  # 384 bits, enough for HS512
_RECHECK_S = 1.0


@dataclass(frozen=True)
class SigningKey:
    kid: str
    secret: str
    created_at: datetime
    retired_at: datetime | None = None

    def as_json(self) -> dict[str, str | None]:
        return {
            "kid": self.kid,
            "secret": self.secret,
            "created_at": self.created_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
        }

    @classmethod
    def from_json(cls, raw: dict[str, str | None]) -> SigningKey:
        retired = raw.get("retired_at")
        return cls(
            kid=str(raw["kid"]),
            secret=str(raw["secret"]),
            created_at=datetime.fromisoformat(str(raw["created_at"])),
            retired_at=datetime.fromisoformat(retired) if retired else None,
        )


@dataclass(frozen=True)
class KeyRing:
    """The key that signs new tokens and every key still accepted."""

    current: SigningKey
    accepted: tuple[SigningKey, ...]
    source: str  # "FIELDFORCE_SECRET_KEY" or "file"
    path: Path | None = None

    def find(self, kid: str | None) -> SigningKey | None:
        for key in self.accepted:
            if key.kid == kid:
                return key
        return None


def new_key(now: datetime | None = None) -> SigningKey:
    return SigningKey(
        kid=secrets.token_hex(6),
        secret=secrets.token_urlsafe(KEY_BYTES),
        created_at=now or datetime.now(UTC),
    )


@lru_cache(maxsize=8)
def configured_ring(secret: str) -> KeyRing:
    kid = "cfg-" + hashlib.sha256(secret.encode()).hexdigest()[:8]
    key = SigningKey(kid=kid, secret=secret, created_at=datetime.fromtimestamp(0, UTC))
    return KeyRing(current=key, accepted=(key,), source="FIELDFORCE_SECRET_KEY")


class KeyFile:
    """The keys kept in the data directory, created on first use."""

    def __init__(self, data_dir: Path, token_lifetime: timedelta) -> None:
        self.dir = data_dir.resolve() / "keys"
        self.path = self.dir / "signing-keys.json"
        self.token_lifetime = token_lifetime

    def load_or_create(self) -> KeyRing:
        if not self.path.exists():
            with self._locked():
                if not self.path.exists():
                    self._write([new_key()])
        return self._ring(self._read())

    def rotate(self, now: datetime | None = None, *, drop_old: bool = False) -> KeyRing:
        """A new current key; the old ones are kept while tokens they signed can live,
        or dropped at once (``drop_old``: a key has leaked; everyone signs in again)."""
        now = now or datetime.now(UTC)
        with self._locked():
            keys = [] if drop_old or not self.path.exists() else self._read()
            retired = [k if k.retired_at else _retire(k, now) for k in keys]
            alive = [k for k in retired if self._may_have_live_tokens(k, now)]
            self._write([new_key(now), *alive])
        return self._ring(self._read())

    def _may_have_live_tokens(self, key: SigningKey, now: datetime) -> bool:
        return key.retired_at is not None and key.retired_at + self.token_lifetime > now

    def _ring(self, keys: list[SigningKey]) -> KeyRing:
        if not keys:
            raise Invalid(f"{self.path} holds no signing key", code="no_signing_key")
        return KeyRing(current=keys[0], accepted=tuple(keys), source="file", path=self.path)

    def _read(self) -> list[SigningKey]:
        if stat.S_IMODE(self.path.stat().st_mode) & 0o077:
            self.path.chmod(0o600)  # copied or restored with looser modes: private again
        try:
            raw = json.loads(self.path.read_text())
            return [SigningKey.from_json(k) for k in raw["keys"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise Invalid(
                f"the signing keys in {self.path} cannot be read: {exc}", code="no_signing_key"
            ) from exc

    def _write(self, keys: list[SigningKey]) -> None:
        """Atomically: a reader sees the old file or the new one, never half of one."""
        body = json.dumps({"keys": [k.as_json() for k in keys]}, indent=2)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def _retire(key: SigningKey, now: datetime) -> SigningKey:
    return SigningKey(key.kid, key.secret, key.created_at, retired_at=now)


def key_file(settings: Settings) -> KeyFile:
    return KeyFile(settings.data_dir, timedelta(minutes=settings.access_token_minutes))


class _Cache:
    """Per process: the ring of each key file, reloaded when the file changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rings: dict[Path, tuple[float, int, KeyRing]] = {}

    def ring(self, store: KeyFile) -> KeyRing:
        now = time.monotonic()
        cached = self._rings.get(store.path)
        if cached and now - cached[0] < _RECHECK_S:
            return cached[2]
        with self._lock:
            mtime = _mtime_ns(store.path)
            if cached and cached[1] == mtime and mtime:
                self._rings[store.path] = (now, mtime, cached[2])
                return cached[2]
            ring = store.load_or_create()
            self._rings[store.path] = (now, _mtime_ns(store.path), ring)
            return ring

    def clear(self) -> None:
        with self._lock:
            self._rings.clear()


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


_cache = _Cache()
forget_cached_keys = _cache.clear


def signing_keys(settings: Settings) -> KeyRing:
    """The configured key, else the data directory's keys (generated on first use)."""
    if settings.secret_key is not None:
        return configured_ring(settings.secret_key)
    return _cache.ring(key_file(settings))
