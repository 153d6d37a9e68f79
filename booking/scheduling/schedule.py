"""Reads for the booking pages, each in a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass, replace
from typing import NamedTuple

from django.db.models import CharField, DateField, DateTimeField, IntegerField, Q, Value
from django.utils import timezone

from booking.models import (
    RELEASED_STATUSES,
    Appointment,
    ClinicClosure,
    ExtraHours,
    Practitioner,
    Service,
    SlotHold,
    TimeOff,
    WeeklyHours,
)
from booking.scheduling import availability
from clinic.models import Location, Room


@dataclass(frozen=True, slots=True)
class Hold:
    """A slot hold as loaded: whose it is and until when, so that the same load can be
    seen later, or by another visitor (``LoadedSchedule.seen_by``)."""

    booking: availability.Booking
    token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class LoadedSchedule:
    schedule: availability.Schedule  # as seen by the hold_token asked for, at now
    practitioners: dict[int, Practitioner]
    # Only with ``with_appointments``: the rows behind the bookings, every status.
    appointments: tuple[Appointment, ...] = ()
    # Without: the appointments' bookings, and every visitor's holds live at the load.
    booked: tuple[availability.Booking, ...] = ()
    holds: tuple[Hold, ...] = ()

    def seen_by(self, hold_token: str | None, now: dt.datetime) -> availability.Schedule:
        """The schedule as a visitor sees it at ``now`` (not before the load): their own
        holds, and those lapsed since, do not count."""
        return replace(self.schedule, bookings=self.booked + _held(self.holds, hold_token, now))


def _held(
    holds: tuple[Hold, ...], hold_token: str | None, now: dt.datetime
) -> tuple[availability.Booking, ...]:
    return tuple(h.booking for h in holds if h.expires_at > now and h.token != hold_token)


def local_day_bounds(
    first_day: dt.date, last_day: dt.date, location: Location
) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of local midnight before first_day and after last_day."""
    zone = location.zone
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end.astimezone(dt.UTC)


def working_hours(
    *, location: Location, practitioner_ids: list[int], first_day: dt.date, last_day: dt.date
) -> tuple[availability.Hours, ...]:
    """The practitioners' weekly and date-specific hours here: one query (a UNION)."""
    # Each UNION part drops its model's default ordering: SQLite refuses ORDER BY there.
    weekly = (
        WeeklyHours.objects.filter(location=location, practitioner_id__in=practitioner_ids)
        .order_by()
        .values_list(
            "practitioner_id", "start_time", "end_time", "weekday", Value(None, DateField())
        )
    )
    extra = (
        ExtraHours.objects.filter(
            location=location,
            practitioner_id__in=practitioner_ids,
            date__range=(first_day, last_day),
        )
        .order_by()
        .values_list(
            "practitioner_id", "start_time", "end_time", Value(None, IntegerField()), "date"
        )
    )
    return tuple(availability.Hours(*row) for row in weekly.union(extra, all=True))


def time_away(
    *, location: Location, practitioner_ids: list[int], start: dt.datetime, end: dt.datetime
) -> tuple[tuple[tuple[int, availability.Period], ...], tuple[availability.Period, ...]]:
    """The practitioners' time off and this location's closures overlapping [start, end):
    one query (a UNION)."""
    time_off = (
        TimeOff.objects.filter(
            practitioner_id__in=practitioner_ids, starts_at__lt=end, ends_at__gt=start
        )
        .order_by()
        .values_list("practitioner_id", "starts_at", "ends_at")
    )
    closures = (
        ClinicClosure.objects.filter(
            Q(location__isnull=True) | Q(location=location), starts_at__lt=end, ends_at__gt=start
        )
        .order_by()
        .values_list(Value(None, IntegerField()), "starts_at", "ends_at")
    )
    away: list[tuple[int, availability.Period]] = []
    closed: list[availability.Period] = []
    for owner, starts_at, ends_at in time_off.union(closures, all=True):
        period = availability.Period(starts_at, ends_at)
        if owner is None:
            closed.append(period)
        else:
            away.append((owner, period))
    return tuple(away), tuple(closed)


def active_room_ids(location: Location) -> list[int]:
    return list(
        Room.objects.filter(location=location, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


class Setup(NamedTuple):
    """What staff edit, as the engine takes it: working hours, time off, closures and the
    location's active rooms (the booking pages cache it against the setup version)."""

    hours: tuple[availability.Hours, ...]
    time_off: tuple[tuple[int, availability.Period], ...]
    closures: tuple[availability.Period, ...]
    room_ids: list[int]


def load_setup(
    *, location: Location, practitioner_ids: list[int], first_day: dt.date, last_day: dt.date
) -> Setup:
    """The setup of these practitioners here for these local days: three queries."""
    window_start, window_end = local_day_bounds(first_day, last_day, location)
    hours = working_hours(
        location=location,
        practitioner_ids=practitioner_ids,
        first_day=first_day,
        last_day=last_day,
    )
    time_off, closures = time_away(
        location=location, practitioner_ids=practitioner_ids, start=window_start, end=window_end
    )
    return Setup(hours, time_off, closures, active_room_ids(location))


def load_schedule(
    *,
    location: Location,
    first_day: dt.date,
    last_day: dt.date,
    service: Service | None = None,
    practitioner_id: int | None = None,
    exclude_appointment_id: int | None = None,
    hold_token: str | None = None,
    now: dt.datetime | None = None,
    with_appointments: bool = False,
    practitioners: list[Practitioner] | None = None,
    setup: Setup | None = None,
) -> LoadedSchedule:
    """Everything the engine needs for these local days, in five queries whatever the
    number of days, practitioners or appointments; four when the caller has already
    read ``practitioners`` (those who offer the service here, as the booking pages do).

    With a ``service``, the practitioners who offer it here; without, every active
    practitioner who works here (the front desk's calendar). Other patients' live slot
    holds count as bookings; the holds of ``hold_token`` (the visitor's own) do not, so a
    hold never blocks its holder. ``with_appointments`` (the calendar) loads the
    appointment rows instead, every status, holds left out, still in five queries.
    A ``setup`` read before for the same practitioners and days saves three.
    """
    window_start, window_end = local_day_bounds(first_day, last_day, location)

    if practitioners is None:
        # Query 1: the practitioners who offer this service here (or all who work here).
        if service is None:
            query = Practitioner.objects.filter(is_active=True, locations=location)
        else:
            query = Practitioner.objects.bookable(service=service, location=location)
        practitioners = list(query.select_related("user"))
    by_id = {p.pk: p for p in practitioners if practitioner_id is None or p.pk == practitioner_id}
    ids = list(by_id)

    if setup is None:  # queries 2 to 4
        setup = load_setup(
            location=location, practitioner_ids=ids, first_day=first_day, last_day=last_day
        )
    hours, time_off, closures, room_ids = setup

    # Query 5: what holds these practitioners (at any location) or these rooms.
    occupying = Q(practitioner_id__in=ids) | Q(room_id__in=room_ids)
    in_window = Q(start__lt=window_end, occupied_until__gt=window_start)
    rows: tuple[Appointment, ...] = ()
    holds: tuple[Hold, ...] = ()
    now = now or timezone.now()
    if with_appointments:
        rows = _appointment_rows(location, occupying, in_window, practitioner_id)
        booked = tuple(
            availability.Booking(a.practitioner_id, a.room_id, a.start, a.occupied_until)
            for a in rows
            if a.status not in RELEASED_STATUSES
        )
    else:
        booked, holds = _occupying(
            occupying & in_window, exclude_appointment_id=exclude_appointment_id, now=now
        )
    schedule = availability.Schedule(
        zone=location.zone,
        practitioner_ids=tuple(ids),
        room_ids=tuple(room_ids),
        hours=hours,
        time_off=time_off,
        closures=closures,
        bookings=booked + _held(holds, hold_token, now),
    )
    return LoadedSchedule(
        schedule=schedule, practitioners=by_id, appointments=rows, booked=booked, holds=holds
    )


def _occupying(
    where: Q, *, exclude_appointment_id: int | None, now: dt.datetime
) -> tuple[tuple[availability.Booking, ...], tuple[Hold, ...]]:
    """Active appointments, UNION the live slot holds (every visitor's): one query."""
    fields = ("practitioner_id", "room_id", "start", "occupied_until")
    appointments = (
        Appointment.objects.active()
        .filter(where)
        .exclude(pk=exclude_appointment_id)
        .order_by()
        .values_list(*fields, Value(None, CharField()), Value(None, DateTimeField()))
    )
    holds = SlotHold.objects.filter(where, expires_at__gt=now).order_by()
    booked: list[availability.Booking] = []
    held: list[Hold] = []
    for *booking, token, expires_at in appointments.union(
        holds.values_list(*fields, "token", "expires_at"), all=True
    ):
        if expires_at is None:
            booked.append(availability.Booking(*booking))
        else:
            held.append(Hold(availability.Booking(*booking), token, expires_at))
    return tuple(booked), tuple(held)


def _appointment_rows(
    location: Location, occupying: Q, in_window: Q, practitioner_id: int | None
) -> tuple[Appointment, ...]:
    """Every appointment here in the window (cancelled ones too: their time may go to the
    waitlist), and those holding these practitioners or rooms elsewhere: one query."""
    here = Q(location=location)
    if practitioner_id is not None:
        here &= Q(practitioner_id=practitioner_id)
    return tuple(
        Appointment.objects.filter(here | occupying, in_window)
        .select_related("patient", "service", "room", "practitioner__user")
        .order_by("start", "pk")
    )
