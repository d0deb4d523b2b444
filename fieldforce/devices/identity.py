"""Who a tracker's request comes from, remembered by each serving process.

A phone sends a fix every few seconds to every half minute; reading its account, tenant
and device for each one is most of a single-fix request's reads. The ingest endpoints look
the caller up here instead. Only successful look-ups are kept: a refusal is always decided
by the database. What is kept is forgotten:

- at once, in the process that changes an account, device, unit or tenant (at the flush);
- within about a second in every other process, when it follows the database's changes
  (``follow``): triggers on those tables send a notification on ``CHANNEL`` when a change
  commits, and a listener thread empties the cache. While the listener is not connected
  (starting, or the database gone) nothing is kept, so no change can be missed;
- in any case after ``identity_cache_s`` seconds.
"""

from __future__ import annotations

import select
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg2
from cachetools import TTLCache
from sqlalchemy import event, inspect, make_url
from sqlalchemy.orm import Session

from fieldforce.auth.service import load_actor
from fieldforce.auth.tokens import TokenClaims
from fieldforce.devices.models import Device
from fieldforce.logs import get_logger
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant

_WATCHED = (Staff, Device, Tenant, OrgUnit)
# written with every upload or sign-in, and no change of who someone is
_VOLATILE = {"last_seen_at", "last_login_at", "updated_at"}
CHANNEL = "fieldforce_identity"  # the triggers of migration 0023 notify here
log = get_logger("fieldforce.identity")


def actor_key(claims: TokenClaims) -> tuple[object, ...]:
    return ("actor", claims.tenant_id, claims.staff_id, claims.device_id, claims.version)


_caches: weakref.WeakSet[IdentityCache] = weakref.WeakSet()
T = TypeVar("T")


class IdentityCache:
    def __init__(self, ttl_s: float, size: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._entries: TTLCache[tuple[object, ...], Any] = TTLCache(maxsize=size, ttl=ttl_s)
        self.ttl_s = ttl_s
        # bumped by every forget: a look-up that began before it is not kept after it
        self._generation = 0
        self._listener: ChangeListener | None = None
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
        began = self._generation
        value = look_up()
        self._keep(key, value, began)
        return value

    def fresh(self, key: tuple[object, ...]) -> Any:
        """What is remembered for ``key`` and still fresh, or None."""
        if not self._keeping():
            return None
        with self._lock:
            return self._entries.get(key)

    def _keeping(self) -> bool:
        return self.ttl_s > 0 and (self._listener is None or self._listener.connected)

    def _keep(self, key: tuple[object, ...], value: object, began: int) -> None:
        if not self._keeping():
            return
        with self._lock:
            if self._generation == began:  # nothing changed while it was read
                self._entries[key] = value

    @property
    def generation(self) -> int:
        """How many times everything was forgotten."""
        return self._generation

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def follow(self, url: str) -> ChangeListener:
        """Forget whatever any process changes, from now on (see the module's text)."""
        self._listener = ChangeListener(url, self)
        self._listener.start()
        return self._listener


class ChangeListener:
    """A thread with a connection of its own that LISTENs on ``CHANNEL`` and empties the
    cache on every notification, reconnecting when the connection is lost."""

    def __init__(self, url: str, cache: IdentityCache, retry_s: float = 1.0) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self.cache = cache
        self.retry_s = retry_s
        self.connected = False
        self._failing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="identity-changes", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except Exception as exc:  # whatever it was, listen again
                if not self._failing:  # said once an outage, not at every retry
                    log.warning(
                        "identity_listener_lost",
                        error=str(exc).strip()[:200],
                        effect="callers are looked up on every request until it is back",
                    )
                self._failing = True
            finally:
                self.connected = False
            self._stop.wait(self.retry_s)

    def _listen(self) -> None:
        conn = psycopg2.connect(self.dsn, application_name="fieldforce-identity")
        try:
            conn.autocommit = True
            conn.cursor().execute(f"LISTEN {CHANNEL}")
            # nothing was kept while not listening; whatever was is dropped all the same
            self.cache.forget()
            self.connected = True
            if self._failing:
                log.info("identity_listener_back")
                self._failing = False
            while not self._stop.is_set():
                if select.select([conn], [], [], 0.5) == ([], [], []):
                    continue
                conn.poll()
                if conn.notifies:
                    conn.notifies.clear()
                    self.cache.forget()
        finally:
            conn.close()


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """Accounts, devices, units or tenants changed by this process: every cache forgets."""
    if any(isinstance(obj, _WATCHED) for obj in session.deleted) or any(
        isinstance(obj, _WATCHED) and _changes_who(obj) for obj in session.dirty
    ):
        for cache in list(_caches):
            cache.forget()


def _changes_who(obj: object) -> bool:
    """Changed in more than its last contact or sign-in (the triggers judge alike)."""
    state = inspect(obj)
    return any(
        state.attrs[a.key].history.has_changes()
        for a in state.mapper.column_attrs
        if a.key not in _VOLATILE
    )
