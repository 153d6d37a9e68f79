"""Moving and cancelling an appointment."""

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
)
from booking.notify import tasks
from booking.selectors.waitlist import FreedTime
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
from booking.signals import appointment_status_changed
from clinic.models import Room

if TYPE_CHECKING:
    from clinic.access import StaffUser


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: dt.datetime,
    now: dt.datetime,
    source: str,
    practitioner: Practitioner | None = None,
    any_practitioner: bool = False,
    room: Room | None = None,
    override_hours: bool = False,
    by: "StaffUser | None" = None,
) -> Appointment:
    """Move an upcoming appointment to another time, practitioner or room, under the same
    locks and checks as a new booking. ``practitioner=None`` keeps the current one;
    ``any_practitioner`` lets the re-check place it with whoever offers the service here
    and is free then (the least loaded), as a booking with "any practitioner" does.

    Patients (``source=online``) may move only outside the cancellation window.

    Moved to another practitioner, it counts as booked by whoever moved it (``by``, the
    staff member; None for the patient): a practitioner who moves a colleague's patient to
    themselves has booked for themselves, which opens no record (decision 0077).
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
    practitioner = None if any_practitioner else practitioner or appointment.practitioner
    rules = check_request(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        source=source,
        policy=policy,
        now=now,
    )
    if appointment.status != AppointmentStatus.REQUESTED:
        first_visit_required(patient=appointment.patient, service=service, start=start)
    with constraint_lost(start), transaction.atomic():
        lock_patient(appointment.patient)
        patient_free(
            patient=appointment.patient,
            start=start,
            end=start + rules.duration,
            source=source,
            exclude=appointment,
        )
        slot, practitioners = place(
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
        if slot.practitioner_id != locked.practitioner_id:
            appointment.booked_by = by
        if slot.start != locked.start:
            appointment.patient_confirmed_at = None  # they confirmed the old time
        appointment.practitioner = practitioners[slot.practitioner_id]
        appointment.room_id = slot.room_id
        appointment.start = slot.start
        appointment.end = slot.end
        appointment.occupied_until = slot.end + rules.buffer
        appointment.hours_override = override_hours
        save_appointment(appointment)
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
    by: "StaffUser | None" = None,
) -> Appointment:
    """Cancel an upcoming appointment. Inside the policy's window a patient is refused (they
    must call), and the front desk's cancellation is recorded as late. ``by`` is the staff
    member who cancelled (None for the patient)."""
    policy = BookingPolicy.load()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
        cancel_locked(locked, policy=policy, now=now, by_patient=by_patient, reason=reason, by=by)
        tasks.after_cancelled(locked)
    return locked


def cancel_locked(
    locked: Appointment,
    *,
    policy: BookingPolicy,
    now: dt.datetime,
    by_patient: bool,
    reason: str,
    by: "StaffUser | None" = None,
) -> Appointment:
    """Cancel an appointment the caller has locked (select_for_update); the caller tells
    the patient. Shared by a single cancellation and a course's "cancel the rest"."""
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
    previous = locked.status
    locked.status = AppointmentStatus.LATE_CANCELLED if late else AppointmentStatus.CANCELLED
    locked.cancelled_at = now
    locked.cancellation_reason = reason.strip()[:200]
    locked.full_clean(exclude={"patient", "practitioner", "service", "location", "room", "course"})
    locked.save()
    appointment_status_changed.send(
        Appointment, appointment=locked, previous=previous, now=now, by=by
    )
    return locked
