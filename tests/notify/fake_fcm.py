"""A local stand-in for Google's OAuth token endpoint and the FCM HTTP v1 endpoint, so that
tests drive the real firebase-admin SDK over real HTTP on loopback."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PROJECT = "fieldforce-test"


def fcm_error(status: int, grpc: str, fcm_code: str | None = None) -> tuple[int, dict[str, Any]]:
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]
        if fcm_code
        else []
    )
    return status, {
        "error": {
            "code": status,
            "message": f"{grpc} {fcm_code or ''}",
            "status": grpc,
            "details": details,
        }
    }


UNREGISTERED = fcm_error(404, "NOT_FOUND", "UNREGISTERED")
QUOTA_EXCEEDED = fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED")


@dataclass
class FakeFcm:
    base: str = ""
    delivered: list[dict[str, Any]] = field(default_factory=list)  # messages answered 200
    scripted: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    token_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    # after this many deliveries, hold every send until `release` is set, then fail it
    stall_after: int | None = None
    release: threading.Event = field(default_factory=threading.Event)
    stalled: int = 0
    # while above zero, OAuth token requests are dropped unanswered (and counted down)
    drop_token_requests: int = 0

    def answer_next(self, token: str, *responses: tuple[int, dict[str, Any]]) -> None:
        """The next sends to this device token get these answers, then success."""
        self.scripted.setdefault(token, []).extend(responses)

    def keys(self) -> list[str]:
        return [m["data"]["idempotency_key"] for m in self.delivered]


def _handler(fake: FakeFcm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            if self.path == "/token":
                with fake.lock:
                    fake.token_requests += 1
                    drop = fake.drop_token_requests > 0
                    fake.drop_token_requests -= drop
                if drop:
                    self.close_connection = True
                    return
                self._reply(
                    200,
                    {
                        "access_token": "test-access-token",
                        "expires_in": 3600,
                        "token_type": "Bearer",
                    },
                )
                return
            if not self.path.endswith("/messages:send"):
                self._reply(404, {"error": {"code": 404, "message": "no such path"}})
                return
            if self.headers.get("Authorization") != "Bearer test-access-token":
                self._reply(*fcm_error(401, "UNAUTHENTICATED"))
                return
            message = json.loads(raw)["message"]
            with fake.lock:
                stall = fake.stall_after is not None and len(fake.delivered) >= fake.stall_after
                fake.stalled += stall
            if stall:
                fake.release.wait(30)
                with contextlib.suppress(OSError):  # the sender may be gone
                    self._reply(*fcm_error(503, "UNAVAILABLE"))
                return
            with fake.lock:
                queue = fake.scripted.get(message.get("token"), [])
                scripted = queue.pop(0) if queue else None
                if scripted is None:
                    fake.delivered.append(message)
                    name = f"projects/{PROJECT}/messages/{len(fake.delivered)}"
            if scripted is not None:
                self._reply(*scripted)
            else:
                self._reply(200, {"name": name})

    return Handler


def service_account(path: Path, token_uri: str) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": PROJECT,
                "private_key_id": "test-key",
                "private_key": pem,
                "client_email": f"push@{PROJECT}.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": token_uri,
            }
        )
    )
    return path


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5; two senders open 20 connections at once,
    # and a connection left waiting in a full queue can be reset before it is answered.
    request_queue_size = 128


@contextmanager
def running_fake_fcm() -> Iterator[FakeFcm]:
    fake = FakeFcm()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
