"""The API's operations. Each checks its key's scope (``ScopedKey``) and calls the same
engine, selectors and services as the pages; a refused booking is a JSON 409 or 422."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Path, Query, Router, Status

from booking.api.auth import ScopedKey
from booking.api.schemas import (
    AppointmentOut,
    BookIn,
    CancelIn,
    ErrorOut,
    Id,
    PatientOut,
    Reference,
    RescheduleIn,
    SlotOut,
    Slug,
)
from booking.models import (
    ApiKey,
    ApiScope,
    Appointment,
    AppointmentSource,
    BookingPolicy,
    Practitioner,
    Service,
)
from booking.scheduling import availability
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from booking.services.booking import appointment_book
from booking.services.changes import appointment_cancel, appointment_reschedule
from clinic.models import Location
from patients.models import AccessVia, Patient
from patients.services import access_log_record

# The API books by the online rules: minimum notice, horizon, online services only.
ONLINE = AppointmentSource.ONLINE
MAX_DAYS = 31

router = Router()
REFUSED = {404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _appointment_out(appointment: Appointment) -> AppointmentOut:
    return AppointmentOut(
        reference=appointment.reference,
        status=appointment.status,
        start=appointment.start,
        end=appointment.end,
        service=appointment.service.slug,
        location=appointment.location.slug,
        practitioner_id=appointment.practitioner_id,
        room=appointment.room.name,
        patient_id=appointment.patient_id,
        course_id=appointment.course_id,
    )


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("service", "location", "room")


def _practitioner(practitioner_id: int | None) -> Practitioner | None:
    if practitioner_id is None:
        return None
    return get_object_or_404(Practitioner, pk=practitioner_id, is_active=True)


@router.get(
    "/availability",
    response={200: list[SlotOut], **REFUSED},
    auth=ScopedKey(ApiScope.AVAILABILITY_READ),
    summary="Free times for a service at a location",
)
def availability_list(
    request: HttpRequest,
    service: Query[Slug],
    location: Query[Slug],
    date: Query[dt.date],
    days: Query[int] = 1,
    practitioner_id: Query[Id | None] = None,
) -> Status:
    if not 1 <= days <= MAX_DAYS:
        return Status(422, ErrorOut(detail=f"days must be 1 to {MAX_DAYS}.", code="days"))
    offered = get_object_or_404(Service, slug=service, is_active=True, is_online_bookable=True)
    place = get_object_or_404(Location, slug=location, is_active=True)
    now = timezone.now()
    last_day = date + dt.timedelta(days=days - 1)
    loaded = load_schedule(
        service=offered,
        location=place,
        first_day=date,
        last_day=last_day,
        practitioner_id=practitioner_id,
        now=now,
    )
    rules = booking_rules(service=offered, policy=BookingPolicy.load(), now=now, source=ONLINE)
    slots = availability.free_slots(loaded.schedule, rules, date, last_day)
    return Status(
        200, [SlotOut(start=s.start, end=s.end, practitioner_id=s.practitioner_id) for s in slots]
    )


@router.post(
    "/appointments",
    response={201: AppointmentOut, **REFUSED},
    auth=ScopedKey(ApiScope.BOOKINGS_WRITE),
    summary="Book an appointment for a known patient",
)
def appointment_create(request: HttpRequest, payload: BookIn) -> Status:
    patient = get_object_or_404(Patient, pk=payload.patient_id, is_archived=False)
    booked = appointment_book(
        patient=patient,
        service=get_object_or_404(Service, slug=payload.service),
        location=get_object_or_404(Location, slug=payload.location),
        start=payload.start,
        practitioner=_practitioner(payload.practitioner_id),
        source=ONLINE,
        now=timezone.now(),
        patient_cap=True,
    )
    return Status(201, _appointment_out(booked))


@router.get(
    "/appointments",
    response={200: list[AppointmentOut], **REFUSED},
    auth=ScopedKey(ApiScope.APPOINTMENTS_READ),
    summary="Appointments starting in a window of up to 31 days",
)
def appointment_list(
    request: HttpRequest,
    start_after: Query[dt.datetime],
    start_before: Query[dt.datetime],
    practitioner_id: Query[Id | None] = None,
) -> Status:
    if start_after.tzinfo is None or start_before.tzinfo is None:
        return Status(422, ErrorOut(detail="Times must include their time zone.", code="naive"))
    if not dt.timedelta(0) < start_before - start_after <= dt.timedelta(days=MAX_DAYS):
        return Status(
            422, ErrorOut(detail=f"The window must be 1 second to {MAX_DAYS} days.", code="window")
        )
    found = _appointments().filter(start__gte=start_after, start__lt=start_before)
    if practitioner_id is not None:
        found = found.filter(practitioner_id=practitioner_id)
    return Status(200, [_appointment_out(a) for a in found.order_by("start", "pk")])


@router.get(
    "/appointments/{reference}",
    response={200: AppointmentOut, **REFUSED},
    auth=ScopedKey(ApiScope.APPOINTMENTS_READ),
)
def appointment_detail(request: HttpRequest, reference: Path[Reference]) -> Status:
    return Status(
        200, _appointment_out(get_object_or_404(_appointments(), reference=reference.upper()))
    )


@router.post(
    "/appointments/{reference}/reschedule",
    response={200: AppointmentOut, **REFUSED},
    auth=ScopedKey(ApiScope.BOOKINGS_WRITE),
    summary="Move an appointment (online rules: not inside the cancellation window)",
)
def appointment_move(
    request: HttpRequest, reference: Path[Reference], payload: RescheduleIn
) -> Status:
    appointment = get_object_or_404(_appointments(), reference=reference.upper())
    moved = appointment_reschedule(
        appointment=appointment,
        start=payload.start,
        now=timezone.now(),
        source=ONLINE,
        practitioner=_practitioner(payload.practitioner_id),
    )
    return Status(200, _appointment_out(moved))


@router.post(
    "/appointments/{reference}/cancel",
    response={200: AppointmentOut, **REFUSED},
    auth=ScopedKey(ApiScope.BOOKINGS_WRITE),
    summary="Cancel an appointment (online rules: not inside the cancellation window)",
)
def appointment_cancel_endpoint(
    request: HttpRequest, reference: Path[Reference], payload: CancelIn
) -> Status:
    appointment = get_object_or_404(_appointments(), reference=reference.upper())
    cancelled = appointment_cancel(
        appointment=appointment, now=timezone.now(), by_patient=True, reason=payload.reason
    )
    return Status(200, _appointment_out(cancelled))


@router.get(
    "/patients/{patient_id}",
    response={200: PatientOut, **REFUSED},
    auth=ScopedKey(ApiScope.PATIENTS_READ),
    summary="A patient's contact details (nothing clinical)",
)
def patient_detail(request: HttpRequest, patient_id: Path[Id]) -> Status:
    patient = get_object_or_404(Patient, pk=patient_id, is_archived=False)
    key = getattr(request, "auth", None)  # set by ScopedKey
    access_log_record(
        user=None,
        patient=patient,
        intake=None,
        record="contact details",
        via=AccessVia.API,
        detail=f"API key {key.prefix}: {key.name}" if isinstance(key, ApiKey) else "",
    )
    return Status(
        200,
        PatientOut(
            id=patient.pk,
            first_name=patient.first_name,
            last_name=patient.last_name,
            email=patient.email,
            phone=str(patient.phone),
            date_of_birth=patient.date_of_birth,
        ),
    )
