"""Who a tracker's request comes from, remembered briefly by each serving process.

A phone sends a fix every few seconds; reading its account, tenant and device for each one
is most of a single-fix request's reads. The ingest endpoints look the caller up here
instead: an answer is kept for ``identity_cache_s`` seconds. A change to any account,
device or tenant made by this process forgets everything at once (when it is flushed);
one made by another process takes effect here within those seconds. Only successful
look-ups are kept: a refusal is always decided by the database.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TTLCache
from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldforce.auth.service import load_actor
from fieldforce.auth.tokens import TokenClaims
from fieldforce.devices.models import Device
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant

_WATCHED = (Staff, Device, Tenant, OrgUnit)


def actor_key(claims: TokenClaims) -> tuple[object, ...]:
    return ("actor", claims.tenant_id, claims.staff_id, claims.device_id, claims.version)


_caches: weakref.WeakSet[IdentityCache] = weakref.WeakSet()
T = TypeVar("T")


class IdentityCache:
    def __init__(self, ttl_s: float, size: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._entries: TTLCache[tuple[object, ...], Any] = TTLCache(maxsize=size, ttl=ttl_s)
        self.ttl_s = ttl_s
        _caches.add(self)

    def actor(self, session: Session, claims: TokenClaims) -> Actor:
        """The token's actor (``load_actor``), from memory when it is fresh."""
        return self.remembered(actor_key(claims), lambda: load_actor(session, claims))

    def remembered(self, key: tuple[object, ...], look_up: Callable[[], T]) -> T:
        """What ``look_up`` answers for ``key`` (e.g. a tracker's identifier), from memory
        when it is fresh. ``look_up`` raises for a refusal: nothing is kept then."""
        found: T | None = self.fresh(key)
        if found is not None:
            return found
        value = look_up()
        self.keep(key, value)
        return value

    def fresh(self, key: tuple[object, ...]) -> Any:
        """What is remembered for ``key`` and still fresh, or None."""
        if self.ttl_s <= 0:
            return None
        with self._lock:
            return self._entries.get(key)

    def keep(self, key: tuple[object, ...], value: object) -> None:
        if self.ttl_s > 0:
            with self._lock:
                self._entries[key] = value

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """Accounts, devices, units or tenants changed by this process: every cache forgets."""
    changed = (*session.dirty, *session.deleted)
    if any(isinstance(obj, _WATCHED) for obj in changed):
        for cache in list(_caches):
            cache.forget()
