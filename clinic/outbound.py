"""Requests the server sends to a URL a manager typed (webhooks), and only to public addresses.

Otherwise a manager, or whoever holds a manager's session, could aim a webhook at the
server itself, the clinic's network or the cloud's metadata service and learn from the
delivery log what answers there (server-side request forgery). So (decision 0075):

- a destination must be a public unicast address: never loopback, private (RFC 1918,
  fc00::/7), link-local (169.254/16 with the metadata address, fe80::/10), unspecified,
  multicast, reserved, shared (100.64/10), nor an IPv6 form of one of these;
- a name is judged by every address it resolves to, when the URL is saved
  (``validate_outbound_url``) and again at every connection (``post``);
- ``post`` connects to the very address it checked, with the name kept for the Host
  header and TLS (certificate and SNI), so a DNS answer that changes between the check
  and the connection (rebinding) reaches nothing new;
- no redirect is followed, nothing of the answer is read beyond its status line and
  headers (http.client bounds those), and one deadline covers the whole exchange.

The operator may open chosen networks (``CLINIC_WEBHOOK_ALLOWED_NETWORKS``), e.g. for a
receiver on the clinic's own network; ``CLINIC_WEBHOOK_HTTPS_ONLY`` (on in production)
refuses plain http.
"""

import http.client
import io
import ipaddress
import socket
import ssl
import time
from collections.abc import Buffer
from typing import cast, override
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
type SocketAddress = tuple[socket.AddressFamily, tuple]

# The NAT64 prefix: on an IPv6-only network, 64:ff9b::7f00:1 is 127.0.0.1.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class AddressRefused(Exception):
    """The URL's scheme, or one of its host's addresses, is not allowed."""


def address_allowed(address: IPAddress) -> bool:
    """A public unicast address, or one in a network the operator opened."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return address_allowed(embedded)
    if any(address in network for network in _opened_networks()):
        return True
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for, where the network delivers it there."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _opened_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(network, strict=False)
        for network in settings.CLINIC_WEBHOOK_ALLOWED_NETWORKS
    ]


def _schemes() -> tuple[str, ...]:
    return ("https",) if settings.CLINIC_WEBHOOK_HTTPS_ONLY else ("https", "http")


def resolve(host: str, port: int) -> list[SocketAddress]:
    """Every address of ``host``, each one allowed; ``AddressRefused`` if any is not (a
    name with one private address among public ones is refused, since a client may pick
    any of them). A name that cannot be resolved raises ``OSError``."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for *_, sockaddr in found:
        if not address_allowed(ipaddress.ip_address(sockaddr[0])):
            raise AddressRefused(f"{host} resolves to {sockaddr[0]}, which is not allowed")
    return [(family, sockaddr) for family, _, _, _, sockaddr in found]


def validate_outbound_url(url: str) -> None:
    """The check on save: a clear message for the manager, naming no address."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return  # not a URL at all: the URL field's own validator says so
    if not parts.hostname:
        return
    if parts.scheme not in _schemes():
        raise ValidationError(f"Use an {' or '.join(_schemes())} address.", code="scheme")
    if parts.username or parts.password:
        raise ValidationError(
            "Leave the user name and password out of the address: the receiver checks "
            "each delivery's signature instead.",
            code="credentials",
        )
    try:
        resolve(parts.hostname, port)
    except AddressRefused:
        raise ValidationError(
            "Webhooks are sent only to public addresses; this one is on a private, local "
            "or reserved network.",
            code="address",
        ) from None
    except (OSError, UnicodeError, ValueError):
        raise ValidationError(
            "This address's name could not be found; check it, or try again later.",
            code="unresolved",
        ) from None


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body`` to ``url`` and return the answer's HTTP status, redirects included
    (never followed). Raises ``AddressRefused``, ``OSError`` (``TimeoutError``,
    ``ssl.SSLError``, refused or reset connections, unknown names) or
    ``http.client.HTTPException`` (an answer that is not HTTP)."""
    deadline = time.monotonic() + timeout
    parts = urlsplit(url)
    if parts.scheme not in _schemes() or not parts.hostname:
        raise AddressRefused(f"{parts.scheme}:// is not allowed")
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    sock = _connect(resolve(parts.hostname, port), deadline)
    try:
        if https:
            sock.settimeout(_remaining(deadline))  # the handshake as a whole, in CPython
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
        connection_class = http.client.HTTPSConnection if https else http.client.HTTPConnection
        connection = connection_class(parts.hostname, port)
        # Already connected to the checked address: http.client must not resolve again.
        connection.sock = cast(socket.socket, _DeadlineSocket(sock, deadline))
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()  # status line and headers; the body is left unread
        response.close()
        return response.status
    finally:
        sock.close()


def _connect(addresses: list[SocketAddress], deadline: float) -> socket.socket:
    """A TCP connection to the first of the checked addresses that answers."""
    error: OSError = OSError("no address")
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect(sockaddr)
        except OSError as failure:
            sock.close()
            error = failure
            continue
        return sock
    raise error


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("the receiver took too long")
    return remaining


class _DeadlineSocket:
    """The connected socket as http.client uses it (``sendall``, ``makefile``, ``close``),
    each read and write given only the time left, so that a receiver dripping its
    answer a byte at a time still times out."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock, self.deadline = sock, deadline

    def sendall(self, data: Buffer) -> None:
        self.sock.settimeout(_remaining(self.deadline))
        self.sock.sendall(data)

    def makefile(self, _mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        self.sock.close()


class _DeadlineReader(io.RawIOBase):
    def __init__(self, connection: _DeadlineSocket) -> None:
        self.connection = connection

    @override
    def readable(self) -> bool:
        return True

    @override
    def readinto(self, buffer: Buffer) -> int:
        self.connection.sock.settimeout(_remaining(self.connection.deadline))
        return self.connection.sock.recv_into(memoryview(buffer))
