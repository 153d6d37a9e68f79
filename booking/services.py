"""Write paths for appointments. Every booking, from any page, goes through here."""

import datetime as dt
import logging
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction

from booking import availability, tasks
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
    Service,
    SlotHold,
)
from booking.selectors import load_schedule, online_rules
from booking.waitlist import FreedTime
from clinic.models import Location, Room
from patients.models import Patient
from patients.services import patient_from_details

if TYPE_CHECKING:
    from clinic.access import StaffUser

logger = logging.getLogger(__name__)

# How long a booking waits for another booking's locks before giving up politely.
LOCK_TIMEOUT = "5s"
# How far ahead the front desk may book.
FRONT_DESK_HORIZON = dt.timedelta(days=730)
# How many nearby free times to offer when the chosen one has gone.
ALTERNATIVES = 4
# Appointments that can still be moved, cancelled, checked in or missed.
UPCOMING = frozenset({AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED})
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


def _first_visit_required(*, patient: Patient, service: Service, start: dt.datetime) -> None:
    if not service.allows_first_visit and not has_first_visit_before(patient, start):
        raise BookingError(
            "A first visit must be an initial assessment; please choose that service.",
            code="first_visit",
        )


def _patient_free(patient: Patient, start: dt.datetime, end: dt.datetime, *, exclude=None):
    clash = patient.appointments.active().filter(start__lt=end, end__gt=start)
    if exclude is not None:
        clash = clash.exclude(pk=exclude.pk)
    if clash.exists():
        raise BookingError("The patient already has an appointment at that time.", code="patient")


def _place(
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
    _lock_rows(practitioner_ids=sorted({*candidate_ids, *also_lock}), location=location)
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
            alternatives=_nearest(slots, start),
        )
    return availability.least_loaded(free, loaded.schedule), loaded.practitioners


def _save(appointment: Appointment) -> None:
    # The related rows were checked by the caller and are locked; the overlap constraints
    # are the database's to enforce (see _constraint_lost), not another query's.
    appointment.full_clean(exclude={"patient", "practitioner", "service", "location", "room"})
    appointment.save()


@contextmanager
def _constraint_lost(start: dt.datetime):
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
    room: Room | None = None,
    override_hours: bool = False,
    booked_by: "StaffUser | None" = None,
    hold_token: str | None = None,
    patient_cap: bool = False,
) -> Appointment:
    """Book a session, or raise BookingError. ``practitioner=None`` means any practitioner:
    the least-loaded one free at that time is chosen.

    A follow-up service (not allowed as a first visit) is confirmed only for a patient who
    has had a first visit before it; callers that cannot tell who the patient is book it as
    ``requested`` for the front desk to confirm. ``override_hours`` (front desk only) sets
    aside working hours, time off and closures, never another booking or a taken room.

    Another patient's live slot hold counts as a booking; ``hold_token`` names the
    caller's own holds, which never block it and are released once it books. With
    ``patient_cap`` (every page where patients book themselves), a patient may hold at
    most the policy's ``max_upcoming_online`` upcoming online appointments.
    The patient's emails and reminder are enqueued once the booking commits.
    """
    if override_hours and source != AppointmentSource.FRONT_DESK:
        raise BookingError("Only the front desk may book outside hours.", code="override")
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
    if status != AppointmentStatus.REQUESTED:
        _first_visit_required(patient=patient, service=service, start=start)
    if source == AppointmentSource.FRONT_DESK:
        # Online, this would tell a visitor that someone with these details has a booking.
        _patient_free(patient, start, start + rules.duration)
    with _constraint_lost(start), transaction.atomic():
        if patient_cap:
            _within_online_cap(patient=patient, policy=policy, now=now)
        slot, practitioners = _place(
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            rules=rules,
            room=room,
            within_hours=not override_hours,
            hold_token=hold_token,
            now=now,
        )
        appointment = Appointment(
            patient=patient,
            practitioner=practitioners[slot.practitioner_id],
            service=service,
            location=location,
            room_id=slot.room_id,
            start=slot.start,
            end=slot.end,
            occupied_until=slot.end + rules.buffer,
            status=status,
            source=source,
            booked_by=booked_by,
            hours_override=override_hours,
        )
        _save(appointment)
        if hold_token:
            SlotHold.objects.filter(token=hold_token).delete()
        tasks.after_booked(appointment)
    return appointment


def _within_online_cap(*, patient: Patient, policy: BookingPolicy, now: dt.datetime) -> None:
    """Refuse a booking beyond the policy's cap of upcoming online appointments.

    The patient's row is locked first (before practitioners and rooms: one order for
    every path), so two bookings by one patient cannot both pass the count.
    """
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
    upcoming = patient.appointments.filter(
        source=AppointmentSource.ONLINE, status__in=UPCOMING, start__gt=now
    ).count()
    if upcoming >= policy.max_upcoming_online:
        raise BookingError(
            f"You already have {upcoming} upcoming appointments booked online, the most we "
            f"take online at once. To book another, please call us on {settings.CLINIC_PHONE}.",
            code="cap",
        )


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    now: dt.datetime,
    source: str,
    practitioner: Practitioner | None = None,
    room: Room | None = None,
    override_hours: bool = False,
) -> Appointment:
    """Move an upcoming appointment to another time, practitioner or room, under the same
    locks and checks as a new booking. ``practitioner=None`` keeps the current one.

    Patients (``source=online``) may move only outside the cancellation window.
    """
    if override_hours and source != AppointmentSource.FRONT_DESK:
        raise BookingError("Only the front desk may book outside hours.", code="override")
    if appointment.status not in UPCOMING:
        raise BookingError(
            f"A {appointment.get_status_display().lower()} appointment cannot be moved.",
            code="status",
        )
    if appointment.start <= now:
        raise BookingError("An appointment that has started cannot be moved.", code="past")
    policy = BookingPolicy.load()
    if source == AppointmentSource.ONLINE and inside_cancellation_window(
        appointment, policy=policy, now=now
    ):
        raise BookingError(
            f"It is too late to change this appointment online; please call us on "
            f"{settings.CLINIC_PHONE}.",
            code="window",
        )
    service, location = appointment.service, appointment.location
    practitioner = practitioner or appointment.practitioner
    rules = _check_request(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        source=source,
        policy=policy,
        now=now,
    )
    if appointment.status != AppointmentStatus.REQUESTED:
        _first_visit_required(patient=appointment.patient, service=service, start=start)
    _patient_free(appointment.patient, start, start + rules.duration, exclude=appointment)
    with _constraint_lost(start), transaction.atomic():
        slot, practitioners = _place(
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            rules=rules,
            room=room,
            within_hours=not override_hours,
            moving=appointment,
            also_lock=(appointment.practitioner_id,),
            now=now,
        )
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in UPCOMING or locked.updated_at != appointment.updated_at:
            raise BookingError(
                "Someone changed this appointment just now; please look again.", code="changed"
            )
        freed = FreedTime.of(locked)
        appointment.practitioner = practitioners[slot.practitioner_id]
        appointment.room_id = slot.room_id
        appointment.start = slot.start
        appointment.end = slot.end
        appointment.occupied_until = slot.end + rules.buffer
        appointment.hours_override = override_hours
        _save(appointment)
        tasks.after_rescheduled(appointment, freed=freed)
    return appointment


def inside_cancellation_window(
    appointment: Appointment, *, policy: BookingPolicy, now: dt.datetime
) -> bool:
    return appointment.start - now < dt.timedelta(hours=policy.cancellation_window_hours)


def appointment_cancel(
    *,
    appointment: Appointment,
    now: dt.datetime,
    by_patient: bool,
    reason: str = "",
) -> Appointment:
    """Cancel an upcoming appointment. Inside the policy's window a patient is refused (they
    must call), and the front desk's cancellation is recorded as late."""
    policy = BookingPolicy.load()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if locked.status not in UPCOMING:
            raise BookingError(
                f"A {locked.get_status_display().lower()} appointment cannot be cancelled.",
                code="status",
            )
        if locked.start <= now:
            raise BookingError(
                "An appointment that has started cannot be cancelled; mark it as a no-show "
                "or complete it instead.",
                code="past",
            )
        late = inside_cancellation_window(locked, policy=policy, now=now)
        if late and by_patient:
            raise BookingError(
                f"It is too late to cancel online; please call us on {settings.CLINIC_PHONE}.",
                code="window",
            )
        locked.status = AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED
        locked.cancelled_at = now
        locked.cancellation_reason = reason.strip()[:200]
        locked.full_clean(exclude={"patient", "practitioner", "service", "location", "room"})
        locked.save()
        tasks.after_cancelled(locked)
    return locked


@dataclass(frozen=True)
class Transition:
    label: str  # the button
    done: str  # "cannot be ..."
    sources: frozenset[str]
    target: str


TRANSITIONS = {
    "confirm": Transition(
        "Confirm",
        "confirmed",
        frozenset({AppointmentStatus.REQUESTED}),
        AppointmentStatus.CONFIRMED,
    ),
    "check_in": Transition("Check in", "checked in", UPCOMING, AppointmentStatus.CHECKED_IN),
    "complete": Transition(
        "Complete",
        "completed",
        UPCOMING | {AppointmentStatus.CHECKED_IN},
        AppointmentStatus.COMPLETED,
    ),
    "no_show": Transition("No-show", "marked a no-show", UPCOMING, AppointmentStatus.NO_SHOW),
}


def appointment_transition(*, appointment: Appointment, action: str, now: dt.datetime):
    """Confirm, check in, complete or mark a no-show, refusing what makes no sense:
    a cancelled appointment cannot be checked in, a future one cannot be completed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise BookingError("Unknown action.", code="action")
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update()
            .select_related("location", "service", "patient")
            .get(pk=appointment.pk)
        )
        if locked.status not in transition.sources:
            raise BookingError(
                f"A {locked.get_status_display().lower()} appointment cannot be {transition.done}.",
                code="status",
            )
        zone = locked.location.zone
        if (
            action == "check_in"
            and locked.start.astimezone(zone).date() != now.astimezone(zone).date()
        ):
            raise BookingError("Patients can be checked in only on the day.", code="day")
        if action == "complete" and locked.start > now:
            raise BookingError("A session cannot be completed before it starts.", code="future")
        if action == "no_show" and locked.start > now:
            raise BookingError(
                "A patient can be marked a no-show only once the session has started.",
                code="future",
            )
        if action == "confirm":
            _first_visit_required(
                patient=locked.patient, service=locked.service, start=locked.start
            )
        locked.status = transition.target
        locked.full_clean(exclude={"patient", "practitioner", "service", "location", "room"})
        locked.save()
    return locked


def online_booking_make(
    *,
    details: dict[str, str],
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    now: dt.datetime,
    hold_token: str | None = None,
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
        patient = patient_from_details(details)
        return appointment_book(
            patient=patient,
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            source=AppointmentSource.ONLINE,
            now=now,
            status=status,
            hold_token=hold_token,
            patient_cap=True,
        )
