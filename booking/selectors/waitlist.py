"""The waitlist: patients who would take a time if one came free.

Entries are matched to freed time by service, location (or any), practitioner (or any),
the local date and the time of day of the freed start, oldest entry first, so the front
desk (and the emails that offer freed time) always ask the longest-waiting patient first.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from booking.models import (
    Appointment,
    Practitioner,
    Service,
    TimeOfDay,
    WaitlistEntry,
    WaitlistStatus,
)
from clinic.models import Location

# The hours each time of day covers, in the location's zone: [from, to).
TIME_OF_DAY_HOURS = {
    TimeOfDay.MORNING: (0, 12),
    TimeOfDay.AFTERNOON: (12, 17),
    TimeOfDay.EVENING: (17, 24),
}


def time_of_day(local_start: dt.datetime) -> str:
    """Morning, afternoon or evening, of a start in the location's zone."""
    return next(
        part
        for part, (first, last) in TIME_OF_DAY_HOURS.items()
        if first <= local_start.hour < last
    )


def entries_matching(
    *,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    end: dt.datetime,
) -> QuerySet[WaitlistEntry]:
    """Waiting entries that would take [start, end) with this practitioner here, oldest
    first. ``practitioner=None`` matches only entries that accept any practitioner."""
    del end  # A freed time is offered whole; the start decides the day and time of day.
    local = start.astimezone(location.zone)
    day = local.date()
    practitioner_q = Q(practitioner__isnull=True)
    if practitioner is not None:
        practitioner_q |= Q(practitioner=practitioner)
    return (
        WaitlistEntry.objects.filter(
            practitioner_q,
            Q(location__isnull=True) | Q(location=location),
            status=WaitlistStatus.WAITING,
            service=service,
            earliest_date__lte=day,
            latest_date__gte=day,
            time_of_day__in=[TimeOfDay.ANY, time_of_day(local)],
        )
        .select_related("patient", "service", "practitioner__user", "location")
        .order_by("created_at", "pk")
    )


def entry_matches(
    entry: WaitlistEntry,
    *,
    service_id: int,
    location: Location,
    practitioner_id: int,
    start: dt.datetime,
) -> bool:
    """The same test as entries_matching, in Python, for a list loaded once (the calendar
    matches many freed times against one query's entries)."""
    local = start.astimezone(location.zone)
    return (
        entry.status == WaitlistStatus.WAITING
        and entry.service_id == service_id
        and entry.location_id in (None, location.pk)
        and entry.practitioner_id in (None, practitioner_id)
        and entry.earliest_date <= local.date() <= entry.latest_date
        and entry.time_of_day in (TimeOfDay.ANY, time_of_day(local))
    )


def waiting_on(
    *, location: Location, first_day: dt.date, last_day: dt.date
) -> QuerySet[WaitlistEntry]:
    """Every waiting entry that could take time here on these days, oldest first."""
    return (
        WaitlistEntry.objects.filter(
            Q(location__isnull=True) | Q(location=location),
            status=WaitlistStatus.WAITING,
            earliest_date__lte=last_day,
            latest_date__gte=first_day,
        )
        .select_related("patient", "service")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class FreedTime:
    """A time an appointment gave up, by cancelling or by moving elsewhere."""

    service_id: int
    location_id: int
    practitioner_id: int
    patient_id: int  # who gave it up: never offered their own time back
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, appointment: Appointment) -> "FreedTime":
        return cls(
            service_id=appointment.service_id,
            location_id=appointment.location_id,
            practitioner_id=appointment.practitioner_id,
            patient_id=appointment.patient_id,
            start=appointment.start,
            end=appointment.end,
        )
