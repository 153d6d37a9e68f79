"""Booking a new appointment, from the front desk, the public pages or the portal."""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
    Service,
    SlotHold,
)
from booking.notify import tasks
from booking.services.placement import (
    UPCOMING,
    BookingError,
    check_request,
    constraint_lost,
    first_visit_required,
    lock_patient,
    patient_free,
    place,
    save_appointment,
)
from clinic.models import Location, Room
from patients.models import Patient
from patients.services import patient_from_details

if TYPE_CHECKING:
    from clinic.access import StaffUser


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
    idempotency_key: str | None = None,
    notify: bool = True,
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

    ``idempotency_key`` names one submission of a booking form: submitting it again (a
    retry after an error page, a double click, the back button) returns the appointment
    it already made instead of booking twice.

    The emails are left out when ``notify`` is off (the demo clinic's invented bookings
    email no one).
    """
    if idempotency_key and (done := _already_booked(idempotency_key)):
        return done
    if override_hours and source != AppointmentSource.FRONT_DESK:
        raise BookingError("Only the front desk may book outside hours.", code="override")
    policy = BookingPolicy.load()
    rules = check_request(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        source=source,
        policy=policy,
        now=now,
    )
    if status != AppointmentStatus.REQUESTED:
        first_visit_required(patient=patient, service=service, start=start)
    with constraint_lost(start), transaction.atomic():
        lock_patient(patient)
        # Under the lock: the same form posted twice at once books once.
        if idempotency_key and (done := _already_booked(idempotency_key)):
            return done
        patient_free(patient=patient, start=start, end=start + rules.duration, source=source)
        if patient_cap:
            _within_online_cap(patient=patient, policy=policy, now=now)
        slot, practitioners = place(
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
            idempotency_key=idempotency_key,
        )
        save_appointment(appointment)
        if hold_token:
            SlotHold.objects.filter(token=hold_token).delete()
        if notify:
            tasks.after_booked(appointment)
    return appointment


def _already_booked(idempotency_key: str) -> Appointment | None:
    return Appointment.objects.filter(idempotency_key=idempotency_key).first()


def _within_online_cap(*, patient: Patient, policy: BookingPolicy, now: dt.datetime) -> None:
    """Refuse a booking beyond the policy's cap of upcoming online appointments.

    The caller holds the patient's row lock (lock_patient), so two bookings by one
    patient cannot both pass the count.
    """
    upcoming = patient.appointments.filter(
        source=AppointmentSource.ONLINE, status__in=UPCOMING, start__gt=now
    ).count()
    if upcoming >= policy.max_upcoming_online:
        raise BookingError(
            f"You already have {upcoming} upcoming appointments booked online, the most we "
            f"take online at once. To book another, please call us on {settings.CLINIC_PHONE}.",
            code="cap",
        )


def online_booking_make(
    *,
    details: dict[str, str],
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    now: dt.datetime,
    hold_token: str | None = None,
    idempotency_key: str | None = None,
) -> Appointment:
    """Book from the public pages: find or create the patient, then book, all or nothing.

    The visitor is not identified, so a service that cannot be a first visit becomes a
    request for the front desk to confirm, whoever the details match; the page says the
    same thing either way and reveals nothing about existing patients.
    """
    status = (
        AppointmentStatus.CONFIRMED if service.allows_first_visit else AppointmentStatus.REQUESTED
    )
    if idempotency_key and (done := _already_booked(idempotency_key)):
        return done
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
            idempotency_key=idempotency_key,
        )


def online_book(
    *,
    patient: Patient | None,
    details: dict[str, str],
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    now: dt.datetime,
    hold_token: str | None,
    idempotency_key: str | None,
) -> Appointment:
    """Book as the public pages do: a patient signed in to the portal as themselves (a
    follow-up confirmed if they have had their first visit), within the cap of online
    bookings; a visitor by the details they typed (online_booking_make). The review page
    books this way at once, and the payment provider's webhook after a deposit."""
    if patient is not None:
        return appointment_book(
            patient=patient,
            service=service,
            location=location,
            start=start,
            practitioner=practitioner,
            source=AppointmentSource.ONLINE,
            now=now,
            hold_token=hold_token,
            patient_cap=True,
            idempotency_key=idempotency_key,
        )
    return online_booking_make(
        details=details,
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        now=now,
        hold_token=hold_token,
        idempotency_key=idempotency_key,
    )
