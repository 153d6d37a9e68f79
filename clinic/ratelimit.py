"""Counting attempts per key in a sliding window, in the database (clinic.RateLimitHit)."""

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.db.models import Count, Q

from clinic.models import RateLimitHit

# Failed staff sign-ins (passwords and second-factor codes) are counted over this window.
LOGIN_WINDOW = dt.timedelta(minutes=15)


# Hits are kept this long, longer than any window a caller counts over, so a check with a
# short window (staff sign-in, 15 minutes) never clears the hits a longer one (the portal's
# hour) still counts. Whoever checks next clears what is older.
RETENTION = dt.timedelta(days=1)


def key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def over_limit(limits: dict[str, int], *, now: dt.datetime, window: dt.timedelta) -> bool:
    """Whether any key already has its limit of hits in the window. Two queries."""
    RateLimitHit.objects.filter(created_at__lt=now - max(window, RETENTION)).delete()
    counts = RateLimitHit.objects.filter(key__in=limits, created_at__gte=now - window).aggregate(
        **{f"k{n}": Count("pk", filter=Q(key=k)) for n, k in enumerate(limits)}
    )
    return any(counts[f"k{n}"] >= limit for n, limit in enumerate(limits.values()))


def record(keys: Iterable[str], *, now: dt.datetime) -> None:
    RateLimitHit.objects.bulk_create([RateLimitHit(key=k, created_at=now) for k in keys])


def allow(limits: dict[str, int], *, now: dt.datetime, window: dt.timedelta) -> bool:
    """Count this attempt against every key; False (and not counted) once any is over."""
    if over_limit(limits, now=now, window=window):
        return False
    record(limits, now=now)
    return True


PUBLIC_WINDOW = dt.timedelta(hours=1)


def public_write_allowed(
    kind: str, *, ip: str, email: str = "", per_ip: int, per_email: int = 0, now: dt.datetime
) -> bool:
    """Count one public write (a hold, a booking, a waitlist sign-up) against the visitor's
    address and, if given, the email it is for; False once either is over its hourly limit."""
    limits = {key(f"{kind}-ip", ip): per_ip}
    if email and per_email:
        limits[key(f"{kind}-email", email.strip().lower())] = per_email
    return allow(limits, now=now, window=PUBLIC_WINDOW)
