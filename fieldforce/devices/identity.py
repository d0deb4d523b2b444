"""Who a tracker's request comes from, remembered by each serving process.

A phone sends a fix every few seconds to every half minute; reading its account, tenant
and device for each one is most of a single-fix request's reads. The ingest endpoints look
the caller up here instead. Only successful look-ups are kept: a refusal is always decided
by the database. What is kept is forgotten:

- at once, in the process that changes an account, device, unit or tenant (at the flush);
- within about a second in every other process, when it follows the database's changes
  (``follow``): triggers on those tables send the tenant's id on ``CHANNEL`` when a change
  commits (migration 0024), and a listener thread forgets that tenant's callers. While the
  listener is not connected (starting, the database gone, or its own heartbeat not heard
  back for ``STALE_S``: a connection lost without a word) nothing is kept, so no change can
  be missed;
- in any case after ``identity_cache_s`` seconds.

Only changes of who someone is count: a person's last sign-in, a phone's last contact or
push token, an admin renaming someone change nothing here.
"""

from __future__ import annotations

import secrets
import select
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import psycopg2
from cachetools import TTLCache
from psycopg2 import extensions
from sqlalchemy import event, inspect, make_url
from sqlalchemy.orm import Session

from fieldforce.auth.service import load_actor
from fieldforce.auth.tokens import TokenClaims
from fieldforce.devices.models import Device
from fieldforce.logs import get_logger
from fieldforce.org.models import OrgUnit, Staff
from fieldforce.org.scope import Actor
from fieldforce.tenancy.models import Tenant

# the columns that say who someone is (as migration 0024's triggers judge); None: all
_IDENTITY: dict[type, frozenset[str] | None] = {
    Staff: frozenset({"tenant_id", "active", "roles", "org_unit_id", "token_version"}),
    Device: frozenset(
        {
            "tenant_id",
            "staff_id",
            "protocol",
            "identifier_hash",
            "fingerprint",
            "secret_hash",
            "revoked_at",
        }
    ),
    Tenant: None,
    OrgUnit: None,
}
CHANNEL = "fieldforce_identity"  # the triggers of migrations 0023/0024 notify here
# a listener's own round trip through the channel: sent every BEAT_S, and the connection
# counts as lost when none came back for STALE_S
BEAT_S = 1.0
STALE_S = 3.0
_BEAT = "beat:"
# the listener's connection notices a dead peer by itself too (libpq's TCP options)
_KEEPALIVES: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "connect_timeout": 5,
}
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
            entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def _keeping(self) -> bool:
        return self.ttl_s > 0 and (self._listener is None or self._listener.connected)

    def _keep(self, key: tuple[object, ...], value: object, began: int) -> None:
        if not self._keeping():
            return
        with self._lock:
            if self._generation == began:  # nothing changed while it was read
                self._entries[key] = (_tenant_of(value), value)

    @property
    def generation(self) -> int:
        """How many times everything was forgotten."""
        return self._generation

    def forget(self, tenants: Iterable[uuid.UUID] | None = None) -> None:
        """Forget the callers of these tenants (and whatever names no tenant), or all."""
        with self._lock:
            self._generation += 1
            if tenants is None:
                self._entries.clear()
                return
            gone = set(tenants)
            for key in [k for k, (t, _) in self._entries.items() if t is None or t in gone]:
                self._entries.pop(key, None)

    def follow(self, url: str) -> ChangeListener:
        """Forget whatever any process changes, from now on (see the module's text)."""
        self._listener = ChangeListener(url, self)
        self._listener.start()
        return self._listener


def _tenant_of(value: object) -> uuid.UUID | None:
    """The tenant a remembered value belongs to (an actor, a token's claims, a tracker's
    uploader with its fingerprint), or None."""
    if isinstance(value, tuple) and value:
        value = value[0]
    tenant = getattr(value, "tenant_id", None)
    return tenant if isinstance(tenant, uuid.UUID) else None


class ChangeListener:
    """A thread with a connection of its own that LISTENs on ``CHANNEL`` and forgets the
    callers of each tenant named there, reconnecting when the connection is lost. It sends
    itself a heartbeat on the channel every ``BEAT_S``: a connection that stops carrying
    notifications without failing (a frozen proxy, a dropped NAT entry) is not
    ``connected`` once no heartbeat came back for ``STALE_S``, and is opened again. Every
    call is non-blocking, so a dead peer cannot hang the thread."""

    def __init__(
        self,
        url: str,
        cache: IdentityCache,
        retry_s: float = 1.0,
        beat_s: float = BEAT_S,
        stale_s: float = STALE_S,
    ) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
        self.cache = cache
        self.retry_s, self.beat_s, self.stale_s = retry_s, beat_s, stale_s
        self._open = False
        self._heard_at = 0.0
        self._beat = f"{_BEAT}{secrets.token_hex(8)}"
        self._failing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="identity-changes", daemon=True)

    @property
    def connected(self) -> bool:
        """Listening, and the channel carried our own heartbeat lately."""
        return self._open and time.monotonic() - self._heard_at < self.stale_s

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
                self._open = False
            self._stop.wait(self.retry_s)

    def _listen(self) -> None:
        conn = psycopg2.connect(
            self.dsn, application_name="fieldforce-identity", async_=1, **_KEEPALIVES
        )
        try:
            _settle(conn, time.monotonic() + self.stale_s)
            cursor = conn.cursor()
            cursor.execute(f"LISTEN {CHANNEL}")
            _settle(conn, time.monotonic() + self.stale_s)
            # nothing was kept while not listening; whatever was is dropped all the same
            self.cache.forget()
            self._heard_at = time.monotonic()
            self._open = True
            if self._failing:
                log.info("identity_listener_back")
                self._failing = False
            self._follow(conn, cursor)
        finally:
            conn.close()

    def _follow(self, conn: extensions.connection, cursor: extensions.cursor) -> None:
        beat_due, busy = 0.0, False
        while not self._stop.is_set():
            now = time.monotonic()
            if now - self._heard_at >= self.stale_s:
                raise ConnectionError(f"no heartbeat came back for {self.stale_s:g} s")
            if not busy and now >= beat_due:
                cursor.execute(f"NOTIFY {CHANNEL}, %s", (self._beat,))
                busy, beat_due = True, now + self.beat_s
            state = conn.poll()
            if state == extensions.POLL_OK:
                busy = False
            self._hear(conn)
            writing = [conn] if state == extensions.POLL_WRITE else []
            select.select([conn], writing, [], 0.25)

    def _hear(self, conn: extensions.connection) -> None:
        if not conn.notifies:
            return
        tenants: set[uuid.UUID] = set()
        everyone = False
        for note in conn.notifies:
            if note.payload == self._beat:
                self._heard_at = time.monotonic()
            elif note.payload.startswith(_BEAT):
                continue  # another process's heartbeat
            else:
                try:
                    tenants.add(uuid.UUID(note.payload))
                except ValueError:  # an older trigger's empty payload, or anything else
                    everyone = True
        conn.notifies.clear()
        if everyone:
            self.cache.forget()
        elif tenants:
            self.cache.forget(tenants)


def _settle(conn: extensions.connection, deadline: float) -> None:
    """Wait for an asynchronous connection's pending work (connecting, a statement)."""
    while True:
        state = conn.poll()
        if state == extensions.POLL_OK:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise ConnectionError("the database did not answer in time")
        if state == extensions.POLL_READ:
            select.select([conn], [], [], left)
        else:
            select.select([], [conn], [], left)


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    """Who someone is changed in this process: every cache forgets that tenant's callers."""
    tenants = {_tenant_id(obj) for obj in session.deleted if type(obj) in _IDENTITY} | {
        _tenant_id(obj) for obj in session.dirty if type(obj) in _IDENTITY and _changes_who(obj)
    }
    if tenants:
        for cache in list(_caches):
            cache.forget(tenants)


def _tenant_id(obj: object) -> uuid.UUID:
    tenant: uuid.UUID = obj.id if isinstance(obj, Tenant) else obj.tenant_id  # type: ignore[attr-defined]
    return tenant


def _changes_who(obj: object) -> bool:
    """Changed in a column that says who someone is (the triggers judge alike)."""
    columns = _IDENTITY[type(obj)]
    state = inspect(obj)
    return any(
        state.attrs[a.key].history.has_changes()
        for a in state.mapper.column_attrs
        if columns is None or a.key in columns
    )
