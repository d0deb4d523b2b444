"""The outbound policy: what a tenant-configured call may reach. Nothing here sends a
packet anywhere but loopback: every refusal happens before connecting."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fieldforce import outbound
from fieldforce.outbound import DestinationRefused, OutboundPolicy
from fieldforce.settings import Settings
from tests.notify.fake_sms import FakeSmsGateway, running_fake_sms

OPEN = OutboundPolicy.parse("")


@pytest.fixture
def gateway() -> Iterator[FakeSmsGateway]:
    with running_fake_sms() as fake:
        yield fake


def answering(policy: OutboundPolicy, *addresses: str) -> OutboundPolicy:
    """The policy with a DNS that answers these addresses, in this order, for any name."""

    def resolve(host: str, port: int, **_: object) -> list[tuple[Any, ...]]:
        family = {4: socket.AF_INET, 6: socket.AF_INET6}
        return [
            (family[6 if ":" in a else 4], socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses
        ]

    return dataclasses.replace(policy, resolver=resolve)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f000001/",
        "http://127.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
        "http://[2002:a00:1::]/",  # 6to4 of 10.0.0.1
        "http://[fd00:ec2::254]/",
        "http://[fe80::1%25eth0]/",
        "http://100.64.0.1/",  # shared address space (carrier NAT)
        "http://255.255.255.255/",
        "http://[ff02::1]/",
        "http://[::]/",
        "http://metadata.google.internal/",
        "http://METADATA.google.internal./",
        "http://localhost/",
        "http://printer.localhost/",
        "ftp://sms.example.com/",
        "file:///etc/passwd",
        "http://user:pw@sms.example.com/",
    ],
)
def test_refused_destinations(url: str) -> None:
    with pytest.raises(DestinationRefused):
        OPEN.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://sms.example.com/send",
        "http://8.8.8.8/",
        "http://[2001:4860:4860::8888]/",
        "http://[::ffff:8.8.8.8]/",
        "https://sms.example.com:8443/v2",
    ],
)
def test_public_destinations_pass(url: str) -> None:
    OPEN.check_url(url)


def test_the_operator_opens_hosts_and_networks() -> None:
    policy = OutboundPolicy.parse(" 127.0.0.1, 10.20.0.0/16 ,sms.intranet., fd12::/16")
    for url in (
        "http://127.0.0.1:9000/",
        "http://10.20.3.4/",
        "http://[::ffff:10.20.3.4]/",
        "http://sms.intranet/",
        "http://[fd12::1]/",
    ):
        policy.check_url(url)
    for url in ("http://10.21.0.1/", "http://127.0.0.2/", "http://169.254.169.254/"):
        with pytest.raises(DestinationRefused):
            policy.check_url(url)
    # a listed name may resolve to anything; another name only to public addresses
    assert answering(OutboundPolicy.parse("sms.intranet"), "10.1.1.1").resolve(
        "sms.intranet", 80
    ) == ["10.1.1.1"]


def test_a_bad_allow_entry_stops_the_settings() -> None:
    with pytest.raises(ValueError, match="neither a host name nor an address"):
        Settings(mode="test", outbound_allow="10.0.0.0/8, http://x/")
    assert Settings(mode="test", outbound_allow="10.0.0.0/8, sms.corp").outbound_policy.hosts == {
        "sms.corp"
    }


def test_every_resolved_address_is_checked() -> None:
    policy = answering(OPEN, "93.184.216.34", "10.0.0.1")
    with pytest.raises(
        DestinationRefused, match=r"sms\.example\.com resolves to an address that is not public"
    ):
        policy.resolve("sms.example.com", 443)
    assert answering(OPEN, "93.184.216.34").resolve("sms.example.com", 443) == ["93.184.216.34"]


def test_a_name_is_refused_by_what_it_resolves_to_before_connecting(
    gateway: FakeSmsGateway,
) -> None:
    url = gateway.url.replace("127.0.0.1", "localhost")
    with OPEN.client() as client, pytest.raises(DestinationRefused, match="not public"):
        outbound.post(client, url, content=b"{}", headers={}, timeout=2)
    assert gateway.received == []


def test_the_connection_goes_to_the_checked_address_under_the_original_name(
    gateway: FakeSmsGateway,
) -> None:
    """The name is resolved once, checked, and the TCP connection made to that address;
    the request still names the host it was written for."""
    port = gateway.url.split(":")[2].split("/")[0]
    url = f"http://sms.example.com:{port}/send"
    refused = answering(OPEN, "127.0.0.1")
    with refused.client() as client, pytest.raises(DestinationRefused):
        outbound.post(client, url, content=b"{}", headers={}, timeout=2)
    assert gateway.received == []
    allowed = answering(OutboundPolicy.parse("sms.example.com"), "127.0.0.1")
    with allowed.client() as client:
        answer = outbound.post(client, url, content=b"{}", headers={}, timeout=2)
    assert answer == outbound.Answer(200, '{"ok":true}', '{"ok":true}')
    [got] = gateway.received
    assert got.headers["host"] == f"sms.example.com:{port}"


def test_proxies_from_the_environment_are_not_used(
    gateway: FakeSmsGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.9.9.9:3128")
    with OutboundPolicy.parse("127.0.0.1").client() as client:
        answer = outbound.post(client, gateway.url, content=b"{}", headers={}, timeout=2)
    assert answer.status == 200
    assert len(gateway.received) == 1


def test_an_excerpt_is_one_printable_line_of_at_most_200_characters() -> None:
    said = "ok\r\n\tdone\x00\x1b[0m \u202eevil\u2028" + "é" * 300
    got = outbound.excerpt(said)
    assert got.startswith("ok done [0m evil éé")
    assert len(got) == 200
    assert outbound.excerpt("short") == "short"


def test_client_errors_are_httpx_errors_and_never_reach_other_hosts() -> None:
    with (
        answering(OPEN).client() as client,
        pytest.raises(httpx.ConnectError, match="resolves to no address"),
    ):
        outbound.post(client, "http://sms.example.com/", content=b"", headers={}, timeout=1)
