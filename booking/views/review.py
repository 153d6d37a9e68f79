"""The last steps of the online booking flow: review, confirm, and the confirmation.

Confirming books through the booking service with the submission's idempotency key; after
the commit nothing that can fail runs before the answer (decision 0022).
"""

import datetime as dt
import secrets
from contextlib import nullcontext
from typing import TypedDict

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from billing.models import BookingCheckoutStatus, CancellationTerms, CheckoutKind
from billing.selectors.policies import Requirement, payment_required
from billing.services.deposits import (
    booking_checkout_of,
    booking_checkout_start,
    cancellation_terms,
)
from billing.services.errors import BillingError
from billing.services.vouchers import (
    NOT_VALID,
    tries_allowed,
    voucher_apply_at_booking,
    voucher_usable,
)
from billing.views.online import allowing_checkout
from booking.forms.public import ANY
from booking.models import (
    Appointment,
    AppointmentStatus,
    Practitioner,
    Service,
    SlotHold,
)
from booking.scheduling.availability import format_start, parse_start
from booking.selectors.catalogue import bookable_services
from booking.services.booking import online_book
from booking.services.holds import SESSION_KEY as HOLD_KEY
from booking.services.holds import hold_token_for
from booking.services.placement import BookingError
from booking.views.portal import portal_patient
from booking.views.public import SESSION_KEY, limited
from clinic import ratelimit
from clinic.headers import client_ip
from clinic.models import Location
from clinic.stripe_client import OnlinePaymentsOff
from patients.models import Patient


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
    patient = portal_patient(request)
    if pending["portal"] and (patient is None or patient.pk != pending["portal"]):
        del request.session[SESSION_KEY]  # signed out (or in as someone else) since
        return redirect("booking:book")
    requirement = _requirement(pending, patient, now=now)
    terms = cancellation_terms() if requirement.kind == CheckoutKind.CARD else None
    context: dict[str, object] = {
        "pending": pending,
        "held_until": hold.expires_at if hold else None,
        "requirement": requirement,
        "terms": terms,
    }
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
        if requirement.needed and not _booked(pending["key"]):
            step = _payment_step(
                request, pending, patient, requirement, context, voucher_code, now=now
            )
            if step is not None:
                return step
        try:
            _book(pending, patient, hold_token=token, voucher_code=voucher_code, now=now)
        except BillingError:
            # Whatever the reason (unknown, spent, expired): one answer, nothing booked.
            context["voucher_error"] = NOT_VALID
            return _page(request, context, status=400)
        except BookingError as error:
            context.update(
                error=error.message,
                alternatives=[
                    (slot.start, format_start(slot.start)) for slot in error.alternatives
                ],
            )
            return _page(request, context, status=409)
        # Committed. Nothing that can fail may run between here and the answer, so the
        # session is left as it is (a session write is a database write): the pending
        # booking's key now finds the appointment, for the confirmation page and for any
        # repeat of this submission.
        return redirect("booking:confirmed")
    return _page(request, context)


def _payment_step(
    request: HttpRequest,
    pending: PendingBooking,
    patient: Patient | None,
    requirement: Requirement,
    context: dict[str, object],
    voucher_code: str,
    *,
    now: dt.datetime,
) -> HttpResponse | None:
    """For a booking that asks for money or a card: the card page, or the review again
    with why not; None when a voucher covering the whole deposit stands in for the card
    and the booking is made here as any other."""
    terms = context["terms"]
    if voucher_code:
        if (refused := _voucher_instead(voucher_code, requirement, now=now)) is not None:
            context["voucher_error"] = refused
            return _page(request, context, status=400)
        return None
    if isinstance(terms, CancellationTerms) and request.POST.get("terms_version") != str(
        terms.version
    ):
        # The clinic published new terms since this page was shown: the patient agrees to
        # the text they read, so they read the new one first.
        context.update(
            error="Our cancellation policy has just changed: please read it again "
            "below before you continue."
        )
        return _page(request, context, status=409)
    return _to_payment(
        request,
        pending,
        patient,
        requirement,
        context,
        terms=terms if isinstance(terms, CancellationTerms) else None,
        now=now,
    )


def _book(
    pending: PendingBooking,
    patient: Patient | None,
    *,
    hold_token: str | None,
    voucher_code: str,
    now: dt.datetime,
) -> Appointment:
    """Book now (no payment asked, or a voucher covers it). With a code, the booking and
    the voucher's payment are one transaction (a refusal books nothing); without, the
    booking commits on its own as before."""
    with transaction.atomic() if voucher_code else nullcontext():
        appointment = online_book(
            patient=patient if pending["portal"] else None,
            details=pending["patient"],
            service=pending["service"],
            location=pending["location"],
            practitioner=pending["practitioner"],
            start=pending["start"],
            now=now,
            hold_token=hold_token,
            idempotency_key=pending["key"],
        )
        voucher_apply_at_booking(appointment=appointment, code=voucher_code, now=now)
    return appointment


def _voucher_instead(code: str, requirement: Requirement, *, now: dt.datetime) -> str | None:
    """Why a voucher cannot stand in for what this booking asks for, or None when it can:
    a deposit or prepayment the voucher's balance covers whole (the voucher then pays up
    to the session's price when the booking is made). A card kept for the cancellation
    policy, or a voucher worth less, goes through the card page; the desk puts the
    voucher towards the invoice. An unusable code gets the one answer every bad code
    gets, so nothing tells a guessed code from a spent one."""
    try:
        _voucher, balance = voucher_usable(code=code, now=now)
    except BillingError:
        return NOT_VALID
    if requirement.kind == CheckoutKind.CARD:
        return (
            "This booking saves a card for our cancellation policy, which a gift voucher "
            "cannot replace: continue without the code, and the clinic puts your voucher "
            "towards the session's invoice when you come."
        )
    if balance < requirement.amount:
        return (
            "This voucher does not cover what is asked now: continue without the code, "
            "and the clinic puts your voucher towards the session's invoice when you come."
        )
    return None


def _page(request: HttpRequest, context: dict[str, object], status: int = 200) -> HttpResponse:
    response = render(request, "booking/book_review.html", context, status=status)
    requirement = context.get("requirement")
    if isinstance(requirement, Requirement) and requirement.needed:
        return allowing_checkout(response)
    return response


def _requirement(
    pending: PendingBooking, patient: Patient | None, *, now: dt.datetime
) -> Requirement:
    """What this booking asks for. Only a patient signed in to the portal is known: a
    visitor's typed details are never matched to a record here, since asking a returning
    patient for less would tell anyone who types someone's email and date of birth that
    they are a patient (decision 0103). An unknown visitor is a new patient."""
    known = patient if pending["portal"] else None
    return payment_required(
        service=pending["service"],
        location=pending["location"],
        patient_or_details=known,
        now=now,
    )


def _to_payment(
    request: HttpRequest,
    pending: PendingBooking,
    patient: Patient | None,
    requirement: Requirement,
    context: dict[str, object],
    *,
    terms: CancellationTerms | None,
    now: dt.datetime,
) -> HttpResponse:
    """Open the provider's page for this booking, the time held until it lapses; the
    appointment is made by the provider's webhook once the payment succeeds."""
    key = pending["key"]
    earlier = booking_checkout_of(key)
    if key is None or (
        earlier is not None
        and (earlier.status != BookingCheckoutStatus.OPEN or earlier.expires_at <= now)
    ):
        # The last page for this booking ended unpaid (left, lapsed or refunded): this
        # confirmation is a new submission with a key of its own.
        key = secrets.token_urlsafe(24)
        request.session[SESSION_KEY] = {**request.session[SESSION_KEY], "key": key}
    back = request.build_absolute_uri(reverse("booking:payment_return"))
    try:
        checkout = booking_checkout_start(
            requirement=requirement,
            service=pending["service"],
            location=pending["location"],
            practitioner=pending["practitioner"],
            start=pending["start"],
            details=pending["patient"],
            patient=patient if pending["portal"] else None,
            hold_token=hold_token_for(request.session),
            holder=ratelimit.key("hold-holder", client_ip(request)),
            idempotency_key=key,
            success_url=f"{back}?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=request.build_absolute_uri(reverse("booking:payment_cancel")),
            now=now,
            terms=terms,
        )
    except BookingError as error:
        context.update(
            error=error.message,
            alternatives=[(slot.start, format_start(slot.start)) for slot in error.alternatives],
        )
        return _page(request, context, status=409)
    except OnlinePaymentsOff:
        context.update(error="Card payments are not offered online: please call us to book.")
        return _page(request, context, status=400)
    except BillingError as error:
        context.update(error=error.message)
        return _page(request, context, status=400)
    return HttpResponseRedirect(checkout.url, status=303)


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
            # A deposit or prepayment taken when booking (decision 0103).
            "paid": list(appointment.payments_towards.all()),
        },
    )
