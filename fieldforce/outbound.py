"""Calls the server makes to addresses a tenant configured (SMS gateways; later LBS gateways
and webhooks).

Such a call never reaches loopback, private, link-local, unique-local, multicast,
unspecified, reserved or cloud-metadata destinations unless the operator lists the host or
its network in ``FIELDFORCE_OUTBOUND_ALLOW``. A URL is checked when it is saved (scheme, no
credentials, a literal address or a known internal name) and again on every connection: the
host is resolved, every address it resolves to is checked, and the connection goes to an
address that passed, so a DNS answer that changes in between cannot redirect it. Redirects
are never followed, proxies from the environment are not used, and an answer is read only
as far as a short excerpt.
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from string import Template
from typing import Any, Literal
from urllib.parse import quote_plus, urlsplit

import httpcore
import httpx
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, field_validator

from fieldforce.errors import Invalid

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
INTERNAL_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
EXCERPT_CHARS = 200
_READ_BYTES = 4096


class DestinationRefused(Invalid):
    code = "destination_refused"


def _normal_host(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself, in any form a resolver accepts: dotted, IPv6,
    and the legacy forms 2130706433, 0177.0.0.1 or 0x7f.1."""
    host = _normal_host(host).split("%")[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fx.]+", host) and re.search(r"[0-9]", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def why_refused(address: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for a public one."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return why_refused(inner)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address in _UNIQUE_LOCAL, "a unique-local address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((reason for refused, reason in checks if refused), None)


def _allow_entry(entry: str) -> IPNetwork | str:
    entry = entry.strip()
    try:
        return ipaddress.ip_network(entry.strip("[]"), strict=False)
    except ValueError:
        pass
    name = _normal_host(entry)
    if not re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", name):
        raise ValueError(f"{entry!r} is neither a host name nor an address or CIDR")
    return name


@dataclass(frozen=True)
class OutboundPolicy:
    """Which destinations outbound calls may reach: every public address, plus the hosts
    and networks the operator allows."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()
    resolver: Any = field(default=None, repr=False, compare=False)  # None: the system's

    @classmethod
    def parse(cls, allow: str) -> OutboundPolicy:
        """From the comma-separated setting, e.g. ``"10.20.0.0/16, sms.intranet"``."""
        entries = [_allow_entry(e) for e in allow.split(",") if e.strip()]
        return cls(
            hosts=frozenset(e for e in entries if isinstance(e, str)),
            networks=tuple(e for e in entries if not isinstance(e, str)),
        )

    def _allows(self, address: IPAddress) -> bool:
        inner = _embedded_ipv4(address)
        return any(a in n for n in self.networks for a in (address, inner) if a is not None)

    def check_address(self, host: str, address: IPAddress) -> None:
        if _normal_host(host) in self.hosts or self._allows(address):
            return
        reason = why_refused(address)
        if reason is None:
            return
        if literal_address(host) is not None:
            where = f"{host} is {reason}"
        else:  # neither the address nor its kind is told: internal DNS stays internal
            where = f"{host} resolves to an address that is not public"
        raise DestinationRefused(
            f"{where}; calls to such destinations are refused unless the operator allows "
            "them in FIELDFORCE_OUTBOUND_ALLOW"
        )

    def check_url(self, url: str) -> None:
        """Before a URL is stored: http(s) only, no credentials, and no host that is known
        to be internal without resolving it."""
        parsed = urlsplit(url)
        if parsed.scheme.lower() not in ("http", "https"):
            raise DestinationRefused("only http and https URLs are allowed")
        if parsed.username is not None or parsed.password is not None:
            raise DestinationRefused("the URL must not carry credentials; use a header")
        host = _normal_host(parsed.hostname or "")
        if not host:
            raise DestinationRefused("the URL has no host")
        if host in self.hosts:
            return
        address = literal_address(host)
        if address is not None:
            self.check_address(host, address)
        elif host in INTERNAL_NAMES or host.endswith(".localhost"):
            raise DestinationRefused(
                f"{host} is an internal name; calls to it are refused unless the operator "
                "allows it in FIELDFORCE_OUTBOUND_ALLOW"
            )

    def resolve(self, host: str, port: int) -> list[str]:
        """Every address the host resolves to, each checked; refused if any one fails."""
        try:
            resolve = self.resolver or socket.getaddrinfo
            infos = resolve(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            self.check_address(host, ipaddress.ip_address(address))
        return addresses

    def client(self) -> httpx.Client:
        return httpx.Client(
            transport=_CheckedTransport(self), follow_redirects=False, trust_env=False
        )


class _CheckedBackend(httpcore.SyncBackend):
    """Connects only to addresses the policy has checked, resolved here and not again."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in self.policy.resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure


class _CheckedTransport(httpx.HTTPTransport):
    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__(trust_env=False)
        # httpx offers no switch for the network backend, so the pool it made is replaced
        # by the same pool on the checking backend. TLS still verifies, and SNI still
        # names, the URL's host: only the TCP connection goes to the checked address.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_CheckedBackend(policy),
        )


# --- what a tenant may put in a gateway's request ---

_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")  # an RFC 7230 token
# visible ASCII, with spaces or tabs only between visible characters: no CR, LF or non-ASCII
_HEADER_VALUE = re.compile(r"[\x21-\x7e]([\x20\x21-\x7e\t]*[\x21-\x7e])?")
# set by the sender itself or by the HTTP layer: a tenant's auth header may not replace them
_RESERVED_HEADERS = {
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "te",
    "upgrade",
    "trailer",
    "keep-alive",
    "idempotency-key",
    "accept-encoding",
}


def check_template(template: str, allowed: set[str], required: set[str], what: str) -> str:
    """A ``$placeholder`` template using only ``allowed`` names and all ``required`` ones."""
    t = Template(template)
    if not t.is_valid():
        raise ValueError(f"{what} has a '$' that is not a placeholder; write '$$' for a dollar")
    used = set(t.get_identifiers())
    if unknown := sorted(used - allowed):
        raise ValueError(
            f"{what} uses unknown placeholders {', '.join('$' + u for u in unknown)}; "
            f"allowed: {', '.join('$' + a for a in sorted(allowed))}"
        )
    if missing := sorted(required - used):
        raise ValueError(f"{what} must contain {', '.join('$' + m for m in missing)}")
    return template


def check_header_name(name: str) -> str:
    """A header a tenant's gateway settings may set (not one the sender or HTTP sets)."""
    if not _HEADER_NAME.fullmatch(name):
        raise ValueError("not a valid HTTP header name")
    if name.lower() in _RESERVED_HEADERS:
        raise ValueError(f"{name} is set by the sender; choose another header name")
    return name


def check_header_value(value: str | None) -> str | None:
    if value is not None and not _HEADER_VALUE.fullmatch(value):
        raise ValueError(
            "must be visible ASCII characters (spaces allowed between them), without line breaks"
        )
    return value


class HttpGateway(BaseModel):
    """What every gateway a tenant configures has: an http(s) URL without credentials, an
    auth header (its value a secret), a body template filled per content type, a timeout.
    ``body_template`` is checked by each kind of gateway for its own placeholders."""

    model_config = ConfigDict(extra="forbid")

    url: AnyHttpUrl
    auth_header: str = "Authorization"
    auth_value: str | None = Field(default=None, max_length=2000)
    content_type: Literal["json", "form"] = "json"
    body_template: str = Field(max_length=4000)
    timeout_s: float = Field(default=10, gt=0, le=30)
    enabled: bool = True

    @field_validator("url")
    @classmethod
    def _http_only(cls, url: AnyHttpUrl) -> AnyHttpUrl:
        if url.scheme not in ("http", "https"):
            raise ValueError("the gateway URL must be http or https")
        if url.username or url.password:
            raise ValueError("the gateway URL must not carry credentials; use auth_header")
        return url

    @field_validator("auth_header")
    @classmethod
    def _header_name(cls, name: str) -> str:
        return check_header_name(name)

    @field_validator("auth_value")
    @classmethod
    def _header_value(cls, value: str | None) -> str | None:
        return check_header_value(value)

    def fill(self, values: dict[str, str]) -> str:
        """The request body with each value escaped for the content type."""
        if self.content_type == "json":
            escaped = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
        else:
            escaped = {k: quote_plus(v) for k, v in values.items()}
        return Template(self.body_template).substitute(escaped)

    def headers(self, idempotency_key: str) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json; charset=utf-8"
            if self.content_type == "json"
            else "application/x-www-form-urlencoded; charset=utf-8",
            "Idempotency-Key": idempotency_key,
        }
        if self.auth_value:
            headers[self.auth_header] = self.auth_value
        return headers


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str
    text: str = ""  # what was read of the answer, decoded (``max_bytes`` + 1 at most)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short, single-line, printable rendering of what a remote party said."""
    printable = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else ch
        for ch in text
    )
    return " ".join(printable.split())[:limit]


def post(
    client: httpx.Client,
    url: str,
    *,
    content: bytes,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int = _READ_BYTES,
) -> Answer:
    """POST and read the status and the start of the answer (uncompressed, ``max_bytes`` at
    most, a few KB unless asked, within ``timeout`` seconds overall). Raises httpx errors,
    and DestinationRefused before connecting anywhere that is not allowed."""
    deadline = time.monotonic() + timeout
    headers = {**headers, "Accept-Encoding": "identity"}
    with client.stream("POST", url, content=content, headers=headers, timeout=timeout) as r:
        head = b""
        for chunk in r.iter_raw():
            head += chunk
            if len(head) > max_bytes or time.monotonic() > deadline:
                break
        read = _decode(head[: max_bytes + 1], r.charset_encoding)  # one more: "too long"
        return Answer(r.status_code, excerpt(read), read)


def _decode(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return data.decode("utf-8", errors="replace")
