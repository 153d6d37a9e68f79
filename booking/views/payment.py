"""Back from the provider's payment page at online booking (decision 0103).

Nothing is booked here: the provider's signed webhook books. These pages read only the
checkout of this browser session's own pending booking; the session id in the return
address is never trusted, so a tampered or borrowed address shows nothing and books
nothing."""

import contextlib
import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing.models import BookingCheckout, BookingCheckoutStatus
from billing.services.deposits import booking_checkout_abandon, booking_checkout_of
from booking.scheduling.availability import format_start
from booking.views.public import SESSION_KEY
from clinic.stripe_client import OnlinePaymentsOff

# How often the waiting page looks again, and for how long, before it asks the patient
# to look later (the provider may retry a webhook for days; a booking then still comes).
REFRESH_SECONDS = 2
REFRESH_FOR_SECONDS = 180


def _own_checkout(request: HttpRequest) -> BookingCheckout | None:
    pending = request.session.get(SESSION_KEY)
    return booking_checkout_of(pending.get("key")) if pending else None


def _nothing(request: HttpRequest) -> HttpResponse:
    return render(request, "booking/payment_unknown.html", status=404)


@require_GET
def payment_return(request: HttpRequest) -> HttpResponse:
    """The provider's success address: "confirming your payment" until the webhook has
    booked, then the confirmation; or why nothing was booked."""
    checkout = _own_checkout(request)
    claimed = request.GET.get("session_id")
    if checkout is None or (claimed is not None and claimed != checkout.session_id):
        return _nothing(request)
    if checkout.status == BookingCheckoutStatus.BOOKED:
        return redirect("booking:confirmed")
    zone = checkout.location.zone
    context = {
        "checkout": checkout,
        "refresh_seconds": REFRESH_SECONDS,
        "refresh_for_seconds": REFRESH_FOR_SECONDS,
        "alternatives": [
            (start, format_start(start))
            for start in (
                dt.datetime.fromisoformat(value).astimezone(zone) for value in checkout.alternatives
            )
        ],
    }
    return render(request, "booking/payment_return.html", context)


@require_GET
def payment_cancel(request: HttpRequest) -> HttpResponse:
    """The provider's cancel address: the patient left its page. The page is closed there
    and the time freed (a GET, as the provider's link is one: it acts only on this
    browser's own pending payment, and doing it twice changes nothing)."""
    checkout = _own_checkout(request)
    if checkout is None:
        return _nothing(request)
    with contextlib.suppress(OnlinePaymentsOff):  # payments since turned off: it lapses
        checkout = booking_checkout_abandon(checkout=checkout, now=timezone.now())
    if checkout.status not in (BookingCheckoutStatus.ABANDONED, BookingCheckoutStatus.EXPIRED):
        # Paid meanwhile (another tab): the provider would not close it; the webhook books
        # (or refunds), and the return page says which.
        return redirect(f"{reverse('booking:payment_return')}?session_id={checkout.session_id}")
    return render(request, "booking/payment_cancelled.html", {"checkout": checkout})
