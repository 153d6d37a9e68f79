"""Strict parsing of settings from the environment.

A bad value stops the process at start-up with a message naming the variable,
rather than surfacing later as a confusing error on some request.
"""

import ipaddress
import os
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import is_currency
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ImproperlyConfigured(f"{name}={value} must be {bounds}.")
    return value


def env_key(name: str, *, prefixes: tuple[str, ...]) -> str:
    """A provider's key, empty when unset; one of another kind (a publishable key where the
    secret one belongs) is refused by its prefix."""
    value = os.environ.get(name, "").strip()
    if value and not value.startswith(prefixes):
        raise ImproperlyConfigured(f"{name} must start with {' or '.join(prefixes)}.")
    return value


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_networks(name: str, default: str = "") -> list[str]:
    """Comma-separated networks in CIDR form (``10.20.0.0/16,fd00:1::/64``)."""
    networks = env_list(name, default)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {network!r} is not a network.") from None
    return networks


def env_timezone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(f"{name}={value!r} is not an IANA time zone.") from None
    return value


def env_locale(name: str, default: str) -> str:
    """A locale Babel knows (en_GB, en_IE, fr_FR...), for formatting money."""
    value = os.environ.get(name, default)
    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError, TypeError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known locale (e.g. en_GB)."
        ) from None
    return value


def env_currency(name: str, default: str) -> str:
    """An ISO 4217 currency code Babel knows (GBP, EUR, AUD...)."""
    value = os.environ.get(name, default)
    if not is_currency(value):
        raise ImproperlyConfigured(f"{name}={value!r} is not an ISO 4217 currency code.")
    return value


def parse_database_url(url: str, *, base_dir: Path) -> dict:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into DATABASES["default"].

    SQLite runs with ``transaction_mode: IMMEDIATE`` so that a write transaction takes the
    write lock when it begins: two bookings serialise instead of failing with "database is
    locked" half-way through.
    """
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    if parts.scheme == "sqlite":
        # sqlite:///relative.sqlite3 and sqlite:////absolute/path.sqlite3
        path = unquote(parts.path)[1:] if parts.path.startswith("/") else unquote(parts.path)
        if not path:
            raise ImproperlyConfigured("DATABASE_URL for SQLite needs a file name.")
        name = Path(path) if Path(path).is_absolute() else base_dir / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 10} | options,
        }
    if parts.scheme in {"postgres", "postgresql"}:
        if not parts.path.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL needs a database name.")
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured("DATABASE_URL has an invalid port.") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.strip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            # Safe behind PgBouncer in transaction mode: a server-side cursor would outlive
            # the transaction its server connection was lent for. (Django's psycopg 3
            # default already binds parameters client-side, with no prepared statements;
            # our locks are all transaction-scoped: SET LOCAL, pg_advisory_xact_lock.)
            "DISABLE_SERVER_SIDE_CURSORS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported; use sqlite:/// or postgres://."
    )


def debug_secret_key(path: Path) -> str:
    """The checkout's own random key for debug runs, made on first use and kept in `path`
    (git-ignored) so sessions and links survive restarts. Created exclusively: two
    processes starting at once agree on one key."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # the other process may still be writing it
            if key := path.read_text().strip():
                return key
            time.sleep(0.02)
        raise ImproperlyConfigured(f"{path} is empty; delete it to make a new key.") from None
    with os.fdopen(descriptor, "w") as file:
        key = secrets.token_urlsafe(50)
        file.write(key + "\n")
    return key
