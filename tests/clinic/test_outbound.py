"""Webhooks reach public addresses only: the address rules, the check when a URL is saved,
and the connection, which goes to the address it checked. Names are resolved by the
system's resolver (``localhost``) or by a stand-in for ``socket.getaddrinfo`` alone."""

import ipaddress
import socket
import ssl

import pytest
import trustme
from django.core.exceptions import ImproperlyConfigured, ValidationError

from clinic import outbound
from clinic.env import env_networks

NOT_PUBLIC = {
    "loopback": "127.0.0.1",
    "loopback, elsewhere in 127/8": "127.1.2.3",
    "IPv6 loopback": "::1",
    "RFC 1918 10/8": "10.0.0.5",
    "RFC 1918 172.16/12": "172.16.0.1",
    "RFC 1918 192.168/16": "192.168.1.10",
    "cloud metadata": "169.254.169.254",
    "IPv4 link-local": "169.254.1.1",
    "IPv6 link-local": "fe80::1",
    "IPv6 unique local": "fd12:3456::1",
    "IPv6 unique local fc00": "fc00::1",
    "unspecified": "0.0.0.0",
    "IPv6 unspecified": "::",
    "multicast": "224.0.0.1",
    "multicast, organisation": "239.1.2.3",
    "IPv6 multicast": "ff02::1",
    "IPv6 global multicast": "ff0e::1",
    "reserved 240/4": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "shared (CGNAT)": "100.64.0.1",
    "this network 0/8": "0.1.2.3",
    "benchmarking": "198.18.0.1",
    "documentation": "203.0.113.7",
    "IPv4-mapped loopback": "::ffff:127.0.0.1",
    "IPv4-mapped metadata": "::ffff:169.254.169.254",
    "IPv4-mapped private": "::ffff:10.0.0.1",
    "IPv4-compatible loopback": "::127.0.0.1",
    "NAT64 loopback": "64:ff9b::7f00:1",
    "6to4 of loopback": "2002:7f00:1::1",
    "Teredo": "2001::1",
}
PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.fixture
def resolver(monkeypatch):
    """The system resolver, except for the names given answers: each call for a name
    gets its next answer (the last one repeats). Records every name asked."""
    real = socket.getaddrinfo
    answers: dict[str, list[list[str]]] = {}
    asked: list[str] = []

    def getaddrinfo(host, port, *args, **kwargs):
        asked.append(host)
        if host not in answers:
            return real(host, port, *args, **kwargs)
        queue = answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port),
            )
            for address in addresses
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def answer(host: str, *per_call: list[str]):
        answers[host] = list(per_call)
        return asked

    return answer


@pytest.mark.parametrize("address", NOT_PUBLIC.values(), ids=NOT_PUBLIC.keys())
def test_it_refuses_every_address_that_is_not_public(address):
    assert not outbound.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_it_allows_public_addresses(address):
    assert outbound.address_allowed(ipaddress.ip_address(address))


def test_the_operator_opens_exactly_the_networks_listed(settings):
    settings.CLINIC_WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    assert outbound.address_allowed(ipaddress.ip_address("10.20.3.4"))
    assert outbound.address_allowed(ipaddress.ip_address("::ffff:10.20.3.4"))
    assert not outbound.address_allowed(ipaddress.ip_address("10.21.0.1"))
    assert not outbound.address_allowed(ipaddress.ip_address("169.254.169.254"))


def test_a_network_that_is_not_one_stops_start_up(monkeypatch):
    monkeypatch.setenv("CLINIC_WEBHOOK_ALLOWED_NETWORKS", "10.0.0.0/8, the office")

    with pytest.raises(ImproperlyConfigured, match="'the office' is not a network"):
        env_networks("CLINIC_WEBHOOK_ALLOWED_NETWORKS")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://[::1]:8443/hooks",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:169.254.169.254]/",
        "https://10.0.0.5:8080/",
        "https://[fd00::1]/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://2130706433/",  # 127.0.0.1 as one number: resolvers accept it
        "https://0177.0.0.1/",  # in octal
        "https://0x7f.1/",  # in hex, shortened
        "https://localhost/hooks",  # the system resolver: 127.0.0.1 and ::1
    ],
)
def test_a_url_that_points_inside_is_refused_on_save(url):
    with pytest.raises(ValidationError) as refused:
        outbound.validate_outbound_url(url)

    assert refused.value.code == "address"
    assert "only to public addresses" in refused.value.message


def test_a_name_is_refused_if_any_of_its_addresses_is_not_public(resolver):
    resolver("hooks.example.com", ["8.8.8.8", "10.0.0.1"])

    with pytest.raises(ValidationError):
        outbound.validate_outbound_url("https://hooks.example.com/clinic")


def test_a_name_with_public_addresses_only_is_accepted(resolver):
    resolver("hooks.example.com", ["8.8.8.8", "2606:4700:4700::1111"])

    outbound.validate_outbound_url("https://hooks.example.com/clinic")


def test_a_name_that_cannot_be_found_is_refused_with_its_own_message(resolver):
    resolver("hooks.example.com", [])

    with pytest.raises(ValidationError) as refused:
        outbound.validate_outbound_url("https://hooks.example.com/clinic")

    assert refused.value.code == "unresolved"


def test_production_wants_https(settings):
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = True

    with pytest.raises(ValidationError, match="Use an https address"):
        outbound.validate_outbound_url("http://8.8.8.8/hooks")
    outbound.validate_outbound_url("https://8.8.8.8/hooks")

    settings.CLINIC_WEBHOOK_HTTPS_ONLY = False
    outbound.validate_outbound_url("http://8.8.8.8/hooks")
    with pytest.raises(ValidationError, match="Use an https or http address"):
        outbound.validate_outbound_url("ftp://8.8.8.8/hooks")


def test_credentials_in_the_url_are_refused():
    with pytest.raises(ValidationError) as refused:
        outbound.validate_outbound_url("https://user:secret@8.8.8.8/hooks")

    assert refused.value.code == "credentials"


def test_it_connects_to_the_address_it_checked(settings, resolver, receiver_factory):
    """Pinned: one resolution per connection. A name that answers 127.0.0.1 (opened
    here) to the check and 127.0.0.2 (not opened) afterwards reaches 127.0.0.1, with
    the name in the Host header."""
    settings.CLINIC_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = False
    checked = receiver_factory([200])
    elsewhere = receiver_factory([200], host="127.0.0.2", port=checked.port)
    asked = resolver("hooks.example.com", ["127.0.0.1"], ["127.0.0.2"])

    status = outbound.post(
        f"http://hooks.example.com:{checked.port}/hooks?clinic=1",
        body=b"{}",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )

    assert status == 200
    [(headers, body)] = checked.received
    assert headers["Host"] == f"hooks.example.com:{checked.port}"
    assert body == b"{}"
    assert elsewhere.received == []
    assert asked.count("hooks.example.com") == 1


def test_loopback_is_refused_at_connection_through_the_system_resolver(settings, receiver_factory):
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = False
    receiver = receiver_factory([200])

    with pytest.raises(outbound.AddressRefused):
        outbound.post(f"http://localhost:{receiver.port}/hooks", body=b"{}", headers={}, timeout=5)

    assert receiver.received == []


def test_plain_http_is_refused_at_connection_in_production(settings, receiver_factory):
    settings.CLINIC_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.CLINIC_WEBHOOK_HTTPS_ONLY = True
    receiver = receiver_factory([200])

    with pytest.raises(outbound.AddressRefused):
        outbound.post(receiver.url, body=b"{}", headers={}, timeout=5)

    assert receiver.received == []


@pytest.fixture
def tls_for(tmp_path, monkeypatch):
    """A server context with a certificate for the name given, from a test authority the
    client trusts (through OpenSSL's SSL_CERT_FILE, as a system's store would)."""
    authority = trustme.CA()
    authority.cert_pem.write_to_path(str(tmp_path / "authority.pem"))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "authority.pem"))

    def context(name: str) -> ssl.SSLContext:
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        authority.issue_cert(name).configure_cert(server)
        return server

    return context


def test_https_checks_the_certificate_against_the_name_not_the_address(
    loopback_webhooks, resolver, receiver_factory, tls_for
):
    receiver = receiver_factory([200], tls=tls_for("hooks.example.com"))
    resolver("hooks.example.com", ["127.0.0.1"])

    status = outbound.post(
        f"https://hooks.example.com:{receiver.port}/hooks", body=b"{}", headers={}, timeout=5
    )

    assert status == 200
    assert len(receiver.received) == 1


def test_https_refuses_a_certificate_for_another_name(
    loopback_webhooks, resolver, receiver_factory, tls_for
):
    receiver = receiver_factory([200], tls=tls_for("elsewhere.example.com"))
    resolver("hooks.example.com", ["127.0.0.1"])

    with pytest.raises(ssl.SSLCertVerificationError):
        outbound.post(
            f"https://hooks.example.com:{receiver.port}/hooks", body=b"{}", headers={}, timeout=5
        )

    assert receiver.received == []
