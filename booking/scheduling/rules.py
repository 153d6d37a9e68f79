"""The one place that turns the clinic's booking policy and the clock into the engine's rules.

Pages, services and the staff calendar all ask here, so "how far ahead" and "how soon"
mean the same everywhere.
"""

import datetime as dt

from booking.models import AppointmentSource, BookingPolicy, Service
from booking.scheduling.availability import Rules

# How far ahead the front desk may book (online booking has the policy's horizon).
FRONT_DESK_HORIZON = dt.timedelta(days=730)


def booking_rules(
    *, policy: BookingPolicy, now: dt.datetime, source: str, service: Service | None = None
) -> Rules:
    """Rules for booking ``service`` from ``source`` at ``now``.

    Online, the policy's minimum notice and horizon apply; the front desk may book from now
    up to FRONT_DESK_HORIZON. Without a service (the desk's calendar), a session is one grid
    step with no buffer, so every free grid cell shows.
    """
    interval = policy.slot_interval_minutes
    if service is None:
        duration, buffer = dt.timedelta(minutes=interval), dt.timedelta(0)
    else:
        duration = dt.timedelta(minutes=service.duration_minutes)
        buffer = dt.timedelta(minutes=service.buffer_after_minutes)
    if source == AppointmentSource.ONLINE:
        earliest = now + dt.timedelta(minutes=policy.min_notice_minutes)
        latest = now + dt.timedelta(days=policy.horizon_days)
    else:
        earliest, latest = now, now + FRONT_DESK_HORIZON
    return Rules(
        duration=duration,
        buffer=buffer,
        interval_minutes=interval,
        earliest=earliest,
        latest=latest,
    )
