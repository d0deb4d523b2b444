"""Request ids, one structured access-log line per request, body limits and security
headers (pure ASGI, cheap)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import time
from collections.abc import Mapping

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import docs_pages
from fieldforce.context import request_id_var
from fieldforce.logs import get_logger

log = get_logger("fieldforce.access")
_VALID_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


def _new_request_id() -> str:
    # Only told apart, never guessed at or trusted: the process's own generator (seeded
    # from the system at start) spares every request a system call for 16 random bytes.
    return f"{random.getrandbits(128):032x}"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self._incoming_id(scope) or _new_request_id()
        token = request_id_var.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            state = scope.get("state") or {}
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                staff_id=state.get("staff_id"),
                tenant_id=state.get("tenant_id"),
            )
            structlog.contextvars.unbind_contextvars("request_id")
            request_id_var.reset(token)

    @staticmethod
    def _incoming_id(scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"x-request-id" and _VALID_ID.match(value):
                return str(value.decode())
        return None


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, whether or not they announce
    their length, before the application parses them."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # paths whose bodies may be larger (uploads), with their own limit
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max(self.max_bytes, self.larger.get(scope["path"], 0))
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(send, limit)
                return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit and not refused:
                    refused = True
                    await self._refuse(send, limit)
                if refused:
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if not refused:  # once refused, the application's own answer is dropped
                await send(message)

        await self.app(scope, counting_receive, guarded_send)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": f"the request body is larger than {limit} bytes",
                    "request_id": request_id_var.get(),
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# Pages the application renders itself are the API docs (Swagger UI and ReDoc): scripts
# and stylesheets from exactly the CDN files they load, their inline scripts by hash, never
# wholesale; inline styles, which both draw with.
HTML_CSP = (
    f"default-src 'none'; script-src {' '.join(a.url for a in docs_pages.SCRIPTS)} {{hashes}}; "
    f"style-src 'unsafe-inline' {' '.join(a.url for a in docs_pages.STYLESHEETS)}; "
    f"img-src data: {docs_pages.FAVICON}; connect-src 'self'; worker-src blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DATA_CSP = b"default-src 'none'; frame-ancestors 'none'"
ALWAYS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# what an answer sent outside this middleware (the framework's 500) should carry
OUTERMOST_HEADERS = {
    n.decode(): v.decode() for n, v in [*ALWAYS, (b"content-security-policy", DATA_CSP)]
}
_INLINE_SCRIPT = re.compile(
    rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE
)


def script_hashes(html: bytes) -> str:
    """CSP sources for each inline script of a page."""
    digests = (hashlib.sha256(body).digest() for body in _INLINE_SCRIPT.findall(html))
    return " ".join(f"'sha256-{base64.b64encode(d).decode()}'" for d in digests)


class SecurityHeadersMiddleware:
    """Every answer: no sniffing, no referrer, no framing, and no ``server`` header. HTML
    answers without a Content-Security-Policy of their own get one allowing exactly their
    inline scripts (the page is held until complete to hash them); other answers get a
    policy that allows nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        page = b""

        async def send_with_headers(message: Message) -> None:
            nonlocal held, page
            if message["type"] == "http.response.start":
                headers = self._headers(message.get("headers", []))
                message = {**message, "headers": headers}
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    if not self._is_html(headers):
                        message["headers"] = [*headers, (b"content-security-policy", DATA_CSP)]
                    else:
                        held = message
                        return
            elif message["type"] == "http.response.body" and held is not None:
                page += message.get("body", b"")
                if message.get("more_body", False):
                    return
                csp = HTML_CSP.format(hashes=script_hashes(page)).encode()
                start = {**held, "headers": [*held["headers"], (b"content-security-policy", csp)]}
                held = None
                await send(start)
                message = {**message, "body": page}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    def _headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        kept = [(n, v) for n, v in headers if n.lower() != b"server"]
        present = {n.lower() for n, _ in kept}
        return kept + [(n, v) for n, v in ALWAYS if n not in present]

    @staticmethod
    def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
        return any(
            n.lower() == b"content-type" and v.lower().startswith(b"text/html") for n, v in headers
        )
