"""The shared core of every write path that places an appointment: validate the request,
lock in one order, re-check with the engine, and turn a lost race into "just taken"."""

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection

from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
    Service,
    new_reference,
)
from booking.scheduling import availability
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from clinic.models import Location, Room
from patients.models import Patient

logger = logging.getLogger(__name__)

# How long a booking waits for another booking's locks before giving up politely.
LOCK_TIMEOUT = "5s"
# How many nearby free times to offer when the chosen one has gone.
ALTERNATIVES = 4
# Appointments that can still be moved, cancelled, checked in or missed.
UPCOMING = frozenset({AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED})
# PostgreSQL's SQLSTATE for "deadlock detected".
DEADLOCK_DETECTED = "40P01"


class BookingError(Exception):
    """A booking that cannot be made, with a message fit to show the person booking."""

    def __init__(self, message: str, *, code: str, alternatives: tuple = ()) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.alternatives: tuple[availability.Slot, ...] = alternatives


class SlotTaken(BookingError):
    pass


def lock_rows(*, practitioner_ids: list[int], location: Location) -> None:
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


def check_request(
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

    rules = booking_rules(service=service, policy=policy, now=now, source=source)
    if source == AppointmentSource.ONLINE:
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


def nearest_slots(
    slots: list[availability.Slot], start: dt.datetime
) -> tuple[availability.Slot, ...]:
    by_start = availability.slots_by_start(slots)
    nearest = sorted(by_start, key=lambda when: abs(when - start))[:ALTERNATIVES]
    return tuple(by_start[when][0] for when in sorted(nearest))


def first_visit_required(*, patient: Patient, service: Service, start: dt.datetime) -> None:
    if not service.allows_first_visit and not has_first_visit_before(patient, start):
        raise BookingError(
            "A first visit must be an initial assessment; please choose that service.",
            code="first_visit",
        )


def lock_patient(patient: Patient) -> None:
    """Inside the caller's transaction, before the practitioners and rooms (one order for
    every path): two bookings of one patient then run one after the other."""
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()


def patient_free(
    *,
    patient: Patient,
    start: dt.datetime,
    end: dt.datetime,
    source: str,
    exclude: Appointment | None = None,
) -> None:
    """Under the patient's lock (lock_patient), refuse a time that overlaps another of
    their active appointments. On PostgreSQL the exclusion constraint
    ``appointment_no_patient_overlap`` is the backstop."""
    clash = patient.appointments.active().filter(start__lt=end, end__gt=start)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if not clash.exists():
        return
    if source == AppointmentSource.FRONT_DESK:
        raise BookingError("The patient already has an appointment at that time.", code="patient")
    # Online, the visitor may not be who the details name: say no more than "not this time".
    raise BookingError(
        "That time cannot be booked online; please choose another time or call us on "
        f"{settings.CLINIC_PHONE}.",
        code="patient",
    )


def place(
    *,
    service: Service,
    location: Location,
    start: dt.datetime,
    practitioner: Practitioner | None,
    rules: availability.Rules,
    room: Room | None = None,
    within_hours: bool = True,
    moving: Appointment | None = None,
    also_lock: tuple[int, ...] = (),
    hold_token: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[availability.Slot, dict[int, Practitioner]]:
    """Inside the caller's transaction: lock, re-check with the engine, pick the slot.

    Other patients' live slot holds count as taken; the holds of ``hold_token`` do not.
    Raises SlotTaken, with nearby free times, when the time is no longer free.
    """
    if practitioner is not None:
        candidate_ids = [practitioner.pk]
    else:
        candidate_ids = list(
            Practitioner.objects.bookable(service=service, location=location).values_list(
                "pk", flat=True
            )
        )
    lock_rows(practitioner_ids=sorted({*candidate_ids, *also_lock}), location=location)
    # Re-check after the lock: everything booked before it is now visible.
    day = start.astimezone(location.zone).date()
    loaded = load_schedule(
        service=service,
        location=location,
        first_day=day,
        last_day=day,
        practitioner_id=practitioner.pk if practitioner else None,
        exclude_appointment_id=moving.pk if moving else None,
        hold_token=hold_token,
        now=now,
    )
    free = [
        slot
        for pid in loaded.schedule.practitioner_ids
        if (
            slot := availability.slot_at(
                loaded.schedule,
                rules,
                start,
                pid,
                room_id=room.pk if room else None,
                within_hours=within_hours,
            )
        )
    ]
    if not free:
        slots = availability.free_slots(loaded.schedule, rules, day, day)
        raise SlotTaken(
            "Sorry, that time is no longer free; it may just have been taken.",
            code="taken",
            alternatives=nearest_slots(slots, start),
        )
    return availability.least_loaded(free, loaded.schedule), loaded.practitioners


# How many fresh references to try when a new one is already taken.
REFERENCE_ATTEMPTS = 5


def save_appointment(appointment: Appointment) -> None:
    # The related rows were checked by the caller and are locked; the overlap constraints
    # are the database's to enforce (see constraint_lost), not another query's.
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            appointment.full_clean(
                exclude={"patient", "practitioner", "service", "location", "room", "course"}
            )
        except ValidationError as error:
            # Six characters give about 890 million references: a clinic with many
            # appointments will now and then draw one already used. Draw again.
            taken = set(error.message_dict) == {"reference"}
            if not taken or attempt == REFERENCE_ATTEMPTS - 1:
                raise
            appointment.reference = new_reference()
        else:
            break
    appointment.save()


@contextmanager
def constraint_lost(start: dt.datetime) -> Iterator[None]:
    """Turn the database's refusal into the same friendly answer as the engine's."""
    try:
        yield
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
