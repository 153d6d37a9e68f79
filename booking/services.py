"""Write paths for appointments. Every booking, from any page, goes through here."""

import datetime as dt
import logging

from django.db import IntegrityError, OperationalError, connection, transaction

from booking import availability
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
    Service,
)
from booking.selectors import load_schedule, online_rules
from clinic.models import Location, Room
from patients.models import Patient
from patients.services import patient_find_or_create

logger = logging.getLogger(__name__)

# How long a booking waits for another booking's locks before giving up politely.
LOCK_TIMEOUT = "5s"
# How far ahead the front desk may book.
FRONT_DESK_HORIZON = dt.timedelta(days=730)
# How many nearby free times to offer when the chosen one has gone.
ALTERNATIVES = 4
# PostgreSQL's SQLSTATE for "deadlock detected".
DEADLOCK_DETECTED = "40P01"


class BookingError(Exception):
    """A booking that cannot be made, with a message fit to show the person booking."""

    def __init__(self, message: str, *, code: str, alternatives: tuple = ()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.alternatives: tuple[availability.Slot, ...] = alternatives


class SlotTaken(BookingError):
    pass


def _lock_rows(*, practitioner_ids: list[int], location: Location) -> None:
    """Lock the candidate practitioners, then the location's rooms, each by id.

    Every write path takes locks in this one order, so two bookings cannot deadlock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    list(
        Practitioner.objects.select_for_update()
        .filter(pk__in=practitioner_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        Room.objects.select_for_update()
        .filter(location=location)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check_request(
    *,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    source: str,
    policy: BookingPolicy,
    now: dt.datetime,
) -> availability.Rules:
    """Validate what does not depend on other bookings; return the rules for the engine."""
    if start.tzinfo is None:
        raise BookingError("The time must include its time zone.", code="naive")
    if not service.is_active or not location.is_active:
        raise BookingError("That service is not available.", code="unavailable")
    if source == AppointmentSource.ONLINE and not service.is_online_bookable:
        raise BookingError("Please call the clinic to book this service.", code="not_online")
    if practitioner is not None and not (
        practitioner.is_active
        and practitioner.services.filter(pk=service.pk).exists()
        and practitioner.locations.filter(pk=location.pk).exists()
    ):
        raise BookingError(
            "That practitioner does not offer this service at this location.", code="mismatch"
        )
    local = start.astimezone(location.zone)
    minutes = local.hour * 60 + local.minute
    if local.second or local.microsecond or minutes % policy.slot_interval_minutes:
        raise BookingError("Sessions start at set times; please pick one.", code="off_grid")
    if start <= now:
        raise BookingError("That time has already passed.", code="past")

    if source == AppointmentSource.ONLINE:
        rules = online_rules(service=service, policy=policy, now=now)
        if start < rules.earliest:
            raise BookingError(
                "That is too soon to book online; please call the clinic.", code="notice"
            )
        if start > rules.latest:
            raise BookingError(
                f"Online booking opens {policy.horizon_days} days ahead; "
                "please pick an earlier date.",
                code="horizon",
            )
        return rules
    return availability.Rules(
        duration=dt.timedelta(minutes=service.duration_minutes),
        buffer=dt.timedelta(minutes=service.buffer_after_minutes),
        interval_minutes=policy.slot_interval_minutes,
        earliest=now,
        latest=now + FRONT_DESK_HORIZON,
    )


def has_first_visit_before(patient: Patient, start: dt.datetime) -> bool:
    """Whether the patient has had, or is booked in for, a first-visit session before
    `start`: a course may be booked ahead, but never a follow-up before the assessment."""
    return patient.appointments.filter(
        status__in=[
            AppointmentStatus.CONFIRMED,
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.COMPLETED,
        ],
        service__allows_first_visit=True,
        start__lt=start,
    ).exists()


def _nearest(slots: list[availability.Slot], start: dt.datetime) -> tuple[availability.Slot, ...]:
    by_start = availability.slots_by_start(slots)
    nearest = sorted(by_start, key=lambda when: abs(when - start))[:ALTERNATIVES]
    return tuple(by_start[when][0] for when in sorted(nearest))


def appointment_book(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner: Practitioner | None,
    source: str,
    now: dt.datetime,
    status: str = AppointmentStatus.CONFIRMED,
) -> Appointment:
    """Book a session, or raise BookingError. ``practitioner=None`` means any practitioner:
    the least-loaded one free at that time is chosen.

    A follow-up service (not allowed as a first visit) is confirmed only for a patient who
    has been seen; callers that cannot tell who the patient is book it as ``requested``
    for the front desk to confirm.
    """
    policy = BookingPolicy.load()
    rules = _check_request(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        source=source,
        policy=policy,
        now=now,
    )
    if (
        status != AppointmentStatus.REQUESTED
        and not service.allows_first_visit
        and not has_first_visit_before(patient, start)
    ):
        raise BookingError(
            "A first visit must be an initial assessment; please choose that service.",
            code="first_visit",
        )
    if practitioner is not None:
        candidate_ids = [practitioner.pk]
    else:
        candidate_ids = list(
            Practitioner.objects.bookable(service=service, location=location).values_list(
                "pk", flat=True
            )
        )
    day = start.astimezone(location.zone).date()
    try:
        with transaction.atomic():
            _lock_rows(practitioner_ids=candidate_ids, location=location)
            # Re-check after the lock: everything booked before it is now visible.
            loaded = load_schedule(
                service=service,
                location=location,
                first_day=day,
                last_day=day,
                practitioner_id=practitioner.pk if practitioner else None,
            )
            slots = availability.free_slots(loaded.schedule, rules, day, day)
            free = [slot for slot in slots if slot.start == start]
            if not free:
                raise SlotTaken(
                    "Sorry, that time is no longer free; it may just have been taken.",
                    code="taken",
                    alternatives=_nearest(slots, start),
                )
            chosen = availability.least_loaded(free, loaded.schedule)
            appointment = Appointment(
                patient=patient,
                practitioner=loaded.practitioners[chosen.practitioner_id],
                service=service,
                location=location,
                room_id=chosen.room_id,
                start=chosen.start,
                end=chosen.end,
                occupied_until=chosen.end + rules.buffer,
                status=status,
                source=source,
            )
            # The related rows were checked above and are locked; the overlap constraints
            # are the database's to enforce (below), not another query's.
            appointment.full_clean(
                exclude={"patient", "practitioner", "service", "location", "room"}
            )
            appointment.save()
    except (IntegrityError, OperationalError) as error:
        # An IntegrityError is the exclusion constraint catching what the lock should have.
        # Two inserts breaking it at the same moment may instead wait on each other, and
        # PostgreSQL aborts one as a deadlock: that booking lost the slot just the same.
        lost = isinstance(error, IntegrityError) or (
            getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED
        )
        if lost:
            logger.warning("Booking at %s lost to the database constraint", start.isoformat())
            raise SlotTaken("Sorry, that time was just taken.", code="taken") from None
        logger.warning("Booking at %s timed out waiting for a lock", start.isoformat())
        raise BookingError(
            "The diary is busy right now; please try again in a moment.", code="busy"
        ) from None
    return appointment


def online_booking_make(
    *,
    details: dict[str, str],
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    now: dt.datetime,
) -> Appointment:
    """Book from the public pages: find or create the patient, then book, all or nothing.

    The visitor is not identified, so a service that cannot be a first visit becomes a
    request for the front desk to confirm, whoever the details match; the page says the
    same thing either way and reveals nothing about existing patients.
    """
    status = (
        AppointmentStatus.CONFIRMED if service.allows_first_visit else AppointmentStatus.REQUESTED
    )
    with transaction.atomic():
        patient = patient_find_or_create(
            first_name=details["first_name"],
            last_name=details["last_name"],
            email=details["email"],
            phone=details["phone"],
            date_of_birth=dt.date.fromisoformat(details["date_of_birth"]),
        )
        return appointment_book(
            patient=patient,
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            source=AppointmentSource.ONLINE,
            now=now,
            status=status,
        )
