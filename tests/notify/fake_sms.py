"""A local stand-in for a tenant's SMS gateway: records what it is sent and answers as
scripted (status and body, or no answer at all)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = -1  # a scripted "status" meaning: do not answer until the client gives up


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeSmsGateway:
    url: str = ""
    received: list[Received] = field(default_factory=list)  # every request, answered or not
    scripted: list[tuple[int, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)

    def answer_next(self, *responses: tuple[int, str]) -> None:
        """The next requests get these answers, then 200."""
        with self.lock:
            self.scripted.extend(responses)

    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.headers.get("x-answered") == "200"]


def _handler(fake: FakeSmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with fake.lock:
                status, text = fake.scripted.pop(0) if fake.scripted else (200, '{"ok":true}')
                headers = {k.lower(): v for k, v in self.headers.items()}
                headers["x-answered"] = str(status)
                fake.received.append(Received(self.path, headers, body))
            if status == HANG:
                fake.released.wait(30)
                return
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if 300 <= status < 400:  # a redirect to a path of its own, which nobody may follow
                self.send_header("Location", "/moved")
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def running_fake_sms() -> Iterator[FakeSmsGateway]:
    fake = FakeSmsGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.released.set()
        with contextlib.suppress(Exception):
            server.shutdown()
        server.server_close()
