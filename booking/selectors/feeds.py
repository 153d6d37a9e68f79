"""Reads for practitioners' calendar feeds, each one query."""

import datetime as dt
import hashlib

from django.db.models import Count, Max, QuerySet

from booking.models import Appointment, CalendarFeed, feed_token_hash

# What a feed holds: the last month (for notes and looking back) and the next year.
FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=365)


def live_feed(token: str) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.select_related("practitioner__user")
        .filter(
            token_hash=feed_token_hash(token),
            revoked_at__isnull=True,
            practitioner__is_active=True,
        )
        .first()
    )


def feed_appointments(feed: CalendarFeed, *, now: dt.datetime) -> QuerySet[Appointment]:
    """The practitioner's active appointments in the feed's window (day-aligned, so the
    window, and with it the ETag, changes once a day, not on every request)."""
    first = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC) - FEED_PAST
    return Appointment.objects.active().filter(
        practitioner_id=feed.practitioner_id,
        start__gte=first,
        start__lt=first + FEED_PAST + FEED_AHEAD,
    )


def feed_etag(feed: CalendarFeed, *, now: dt.datetime, names: bool) -> str:
    """Changes whenever an appointment in the window is booked, moved or changes status
    (``updated_at``), leaves the window, or the names setting changes. One query."""
    found = feed_appointments(feed, now=now).aggregate(count=Count("pk"), last=Max("updated_at"))
    last = found["last"].timestamp() if found["last"] else 0
    state = f"{feed.pk}|{now.date()}|{found['count']}|{last}|{names}"
    return '"' + hashlib.sha256(state.encode()).hexdigest()[:32] + '"'
