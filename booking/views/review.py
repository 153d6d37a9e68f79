"""The last steps of the online booking flow: review, confirm, and the confirmation.

Confirming books through the booking service with the submission's idempotency key; after
the commit nothing that can fail runs before the answer (decision 0022).
"""

import datetime as dt
from contextlib import nullcontext
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from billing.services.errors import BillingError
from billing.services.vouchers import NOT_VALID, tries_allowed, voucher_apply_at_booking
from booking.forms.public import ANY
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    Practitioner,
    Service,
    SlotHold,
)
from booking.scheduling.availability import format_start, parse_start
from booking.selectors.catalogue import bookable_services
from booking.services.booking import appointment_book, online_booking_make
from booking.services.holds import SESSION_KEY as HOLD_KEY
from booking.services.placement import BookingError
from booking.views.portal import portal_patient
from booking.views.public import SESSION_KEY, limited
from clinic import ratelimit
from clinic.headers import client_ip
from clinic.models import Location


class PendingBooking(TypedDict):
    """The booking a visitor is reviewing, rebuilt from what the session holds."""

    service: Service
    location: Location
    practitioner: Practitioner | None
    start: dt.datetime
    end: dt.datetime
    patient: dict[str, str]  # the details form's session_data()
    practitioner_param: int | str  # a practitioner's id or ANY
    start_param: str
    portal: int | None  # the signed-in patient's id, if booked from the portal
    key: str | None  # names this submission (its idempotency key)


def _pending(request: HttpRequest) -> PendingBooking | None:
    """The booking being reviewed, from the session, or None if there is none (any more)."""
    pending = request.session.get(SESSION_KEY)
    if not pending:
        return None
    service = bookable_services().filter(slug=pending["service"]).first()
    location = Location.objects.filter(slug=pending["location"], is_active=True).first()
    start = parse_start(pending["start"])
    if service is None or location is None or start is None:
        del request.session[SESSION_KEY]  # stale or unreadable: start again, not stuck
        return None
    practitioner = None
    if pending["practitioner"] != ANY:
        practitioner = (
            Practitioner.objects.bookable(service=service, location=location)
            .select_related("user")
            .filter(pk=pending["practitioner"])
            .first()
        )
        if practitioner is None:
            return None
    return {
        "service": service,
        "location": location,
        "practitioner": practitioner,
        "start": start,
        "end": start + dt.timedelta(minutes=service.duration_minutes),
        "patient": pending["patient"],
        "practitioner_param": pending["practitioner"],
        "start_param": pending["start"],
        "portal": pending.get("portal"),
        "key": pending.get("key"),
    }


@require_http_methods(["GET", "POST"])
def book_review(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("booking:book")
    if request.method == "GET" and _booked(pending["key"]):
        return redirect("booking:confirmed")  # back to a review already confirmed
    now = timezone.now()
    token = request.session.get(HOLD_KEY)
    hold = SlotHold.objects.filter(token=token, expires_at__gt=now).first() if token else None
    context: dict[str, object] = {
        "pending": pending,
        "held_until": hold.expires_at if hold else None,
    }
    patient = portal_patient(request)
    if pending["portal"] and (patient is None or patient.pk != pending["portal"]):
        del request.session[SESSION_KEY]  # signed out (or in as someone else) since
        return redirect("booking:book")
    if request.method == "POST":
        if not _booked(pending["key"]) and not ratelimit.public_write_allowed(
            "booking",
            ip=client_ip(request),
            email=pending["patient"]["email"],
            per_ip=settings.CLINIC_BOOKINGS_PER_IP,
            per_email=settings.CLINIC_BOOKINGS_PER_EMAIL,
            now=now,
        ):
            return limited(request, "bookings")
        # A gift voucher code, optional: tried (and counted) before the booking's
        # transaction, so a refusal that undoes the booking still counts the try.
        voucher_code = request.POST.get("voucher_code", "").strip()[:40]
        context["voucher_code"] = voucher_code
        if (
            voucher_code
            and not _booked(pending["key"])
            and not tries_allowed(code=voucher_code, ip=client_ip(request), now=now)
        ):
            return limited(request, "gift voucher codes")
        # With a code, the booking and the voucher's payment are one transaction (a
        # refusal books nothing); without, the booking commits on its own as before.
        together = transaction.atomic() if voucher_code else nullcontext()
        try:
            with together:
                if patient is not None and pending["portal"]:
                    # A signed-in patient is known: their own record, and a follow-up is
                    # confirmed if they have had their first visit (the service checks).
                    appointment = appointment_book(
                        patient=patient,
                        service=pending["service"],
                        location=pending["location"],
                        start=pending["start"],
                        practitioner=pending["practitioner"],
                        source=AppointmentSource.ONLINE,
                        now=now,
                        hold_token=token,
                        patient_cap=True,
                        idempotency_key=pending["key"],
                    )
                else:
                    appointment = online_booking_make(
                        details=pending["patient"],
                        service=pending["service"],
                        location=pending["location"],
                        practitioner=pending["practitioner"],
                        start=pending["start"],
                        now=now,
                        hold_token=token,
                        idempotency_key=pending["key"],
                    )
                voucher_apply_at_booking(appointment=appointment, code=voucher_code, now=now)
        except BillingError:
            # Whatever the reason (unknown, spent, expired): one answer, nothing booked.
            context["voucher_error"] = NOT_VALID
            return render(request, "booking/book_review.html", context, status=400)
        except BookingError as error:
            context.update(
                error=error.message,
                alternatives=[
                    (slot.start, format_start(slot.start)) for slot in error.alternatives
                ],
            )
            return render(request, "booking/book_review.html", context, status=409)
        # Committed. Nothing that can fail may run between here and the answer, so the
        # session is left as it is (a session write is a database write): the pending
        # booking's key now finds the appointment, for the confirmation page and for any
        # repeat of this submission.
        return redirect("booking:confirmed")
    return render(request, "booking/book_review.html", context)


def _booked(key: str | None) -> Appointment | None:
    """The appointment this submission made, if it made one."""
    if not key:
        return None
    return (
        Appointment.objects.select_related("service", "location", "practitioner__user", "patient")
        .filter(idempotency_key=key)
        .first()
    )


def book_confirmed(request: HttpRequest) -> HttpResponse:
    # Only the browser that booked sees its confirmation: references are not URLs, and the
    # key that finds it lives in this browser's session.
    pending = request.session.get(SESSION_KEY)
    appointment = _booked(pending.get("key")) if pending else None
    if appointment is None:
        return redirect("booking:book")
    return render(
        request,
        "booking/book_confirmed.html",
        {
            "appointment": appointment,
            "is_request": appointment.status == AppointmentStatus.REQUESTED,
        },
    )
