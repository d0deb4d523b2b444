# ruff: noqa: F811  (fixtures imported from the tests they come from)
"""The identity listener's health and reach: a connection that dies without a word is
noticed by the missing heartbeat, and a change that is no change of who someone is (a
push token) or a change in another tenant forgets nothing. Runs on committed data in a
tenant of its own, deleted at the end (fixtures of test_identity_cache)."""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from fieldforce.devices.identity import STALE_S, IdentityCache
from tests.api.test_identity_cache import (  # noqa: F401  (fixtures)
    KEY,
    Committed,
    _commit,
    _remembered,
    _until,
    committed,
    following,
)
from tests.world import World


class FreezableProxy:
    """Forwards a PostgreSQL socket; ``freeze`` stops forwarding without closing anything,
    as a network partition, a dropped NAT entry or a failed-over host does (no FIN, no RST)."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        host = url.query.get("host") or url.host or "127.0.0.1"
        port = int(url.query.get("port") or url.port or 5432)
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._dir: str | None = None
        if str(host).startswith("/"):
            self._target: object = os.path.join(str(host), f".s.PGSQL.{port}")
            self._family = socket.AF_UNIX
            self._dir = tempfile.mkdtemp(prefix="pxy")
            self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.server.bind(os.path.join(self._dir, f".s.PGSQL.{port}"))
            self.url = url.update_query_dict({"host": self._dir, "port": str(port)})
        else:
            self._target = (str(host), port)
            self._family = socket.AF_INET
            self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.server.bind(("127.0.0.1", 0))
            q = {k: v for k, v in url.query.items() if k not in ("host", "port")}
            self.url = url.set(host="127.0.0.1", port=self.server.getsockname()[1], query=q)
        self.server.listen(8)
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url_string(self) -> str:
        return self.url.render_as_string(hide_password=False)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.socket(self._family, socket.SOCK_STREAM)
            upstream.connect(self._target)  # type: ignore[arg-type]
            self._open += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peer = {a: b, b: a}
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([a, b], [], [], 0.1)
                if self.frozen.is_set():
                    continue  # bytes stay unread: nothing is forwarded, nothing is closed
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    peer[s].sendall(data)
        except OSError:
            return

    def close(self) -> None:
        self._stop.set()
        for s in [self.server, *self._open]:
            with contextlib.suppress(OSError):
                s.close()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)


@pytest.fixture
def proxy(database_url: str) -> Iterator[FreezableProxy]:
    p = FreezableProxy(database_url)
    try:
        yield p
    finally:
        p.close()


def test_a_connection_lost_without_a_word_keeps_nothing_and_is_opened_again(
    committed: Committed, proxy: FreezableProxy
) -> None:
    """Nothing kept while changes cannot be heard, even when the connection does not fail
    but stops carrying anything: within STALE_S the listener is no longer connected, and
    once the path is back it listens again."""
    factory, tenant, _, device = committed
    cache = IdentityCache(ttl_s=600)
    listener = cache.follow(proxy.url_string())
    try:
        _until(lambda: listener.connected, "the listener connects")
        # through the proxy, changes are heard as usual
        cache.remembered(KEY, lambda: "the rep")
        _commit(factory, "UPDATE tenant SET name = name || '.' WHERE id = :t", t=tenant)
        _until(lambda: not _remembered(cache), "a change is heard through the proxy", 2.0)
        cache.remembered(KEY, lambda: "the rep")
        assert _remembered(cache)

        proxy.frozen.set()  # the path to the database dies silently
        _commit(factory, "UPDATE device SET revoked_at = now() WHERE id = :d", d=device)
        lost = _until(lambda: not listener.connected, "the silence is noticed", STALE_S + 2)
        assert lost <= STALE_S + 1
        assert not _remembered(cache)
        cache.remembered(KEY, lambda: "the rep")
        assert not _remembered(cache)  # nothing kept meanwhile
        proxy.frozen.clear()
        _until(lambda: listener.connected, "the listener is back", 15.0)
        cache.remembered(KEY, lambda: "the rep")
        _commit(factory, "UPDATE tenant SET name = name || '.' WHERE id = :t", t=tenant)
        _until(lambda: not _remembered(cache), "a change after the silence is heard", 2.0)
    finally:
        listener.stop()


def test_a_push_token_is_no_change_of_identity(
    committed: Committed, following: tuple[IdentityCache, object]
) -> None:
    """A phone's FCM token (set by any signed-in person for their own device, cleared by
    the push worker) changes nobody's identity."""
    factory, _, _, device = committed
    cache, _ = following
    cache.remembered(KEY, lambda: "someone in another tenant")
    _commit(
        factory,
        "UPDATE device SET fcm_token = :t, fcm_token_updated_at = now() WHERE id = :d",
        t="a-new-fcm-token-" + os.urandom(8).hex(),
        d=device,
    )
    time.sleep(1.5)
    assert _remembered(cache), "a push-token change emptied every identity cache"


def test_a_rep_s_own_changes_do_not_empty_the_cache_in_the_serving_process(
    client: TestClient, world: World
) -> None:
    """The same in the serving process (the flush hook): a rep of another tenant sending
    push tokens again and again forgets nothing of the first tenant."""
    identities: IdentityCache = client.app.state.identities  # type: ignore[attr-defined]
    identities.remembered(("actor", "acme", "north.rep"), lambda: "north.rep of Acme")
    other = world.headers("other.rep")
    r = client.post(
        "/api/v1/devices",
        headers=other,
        json={"staff_id": world.staff_id("other.rep"), "platform": "android", "protocol": "app"},
    )
    assert r.status_code in (200, 201), r.text
    device_id = r.json()["id"]
    identities.remembered(("actor", "acme", "north.rep"), lambda: "north.rep of Acme")
    before = identities.generation
    for n in range(20):
        r = client.put(
            f"/api/v1/devices/{device_id}/push-token",
            headers=other,
            json={"fcm_token": f"token-number-{n:04d}"},
        )
        assert r.status_code == 200, r.text
    assert identities.generation == before, (
        f"20 push-token updates by Other's rep emptied every identity "
        f"{identities.generation - before} times"
    )
    assert identities.fresh(("actor", "acme", "north.rep")) is not None
