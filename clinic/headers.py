"""Request header values made fit to store: what a client sends is whatever it chose."""

import ipaddress
import unicodedata

from django.conf import settings
from django.http import HttpRequest


def header_text(value: str, *, max_length: int) -> str:
    """Printable text only (NUL and other control characters dropped), trimmed to fit."""
    printable = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return printable.strip()[:max_length]


def ip_or_none(value: str | None) -> str | None:
    """The address if it is one, else None: stored as unknown rather than refused."""
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The visitor's address, or "unknown". Behind the TLS proxy (BEHIND_TLS_PROXY) it is
    the last X-Forwarded-For entry, the one the proxy itself appended; earlier entries are
    whatever the client sent."""
    if settings.CLINIC_BEHIND_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "").split(",")[-1]
        return ip_or_none(forwarded) or "unknown"
    return ip_or_none(request.META.get("REMOTE_ADDR")) or "unknown"
