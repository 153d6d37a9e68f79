"""The email to a patient whose payment at online booking went back to their card
because the booking could not be made (the time was taken while they paid, or the page
had lapsed), or whose card was saved for a booking that could not be made (nothing
charged): the amount refunded and the nearest free times then. No service, nothing
clinical: a time, an amount and a link to book again."""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse

from billing.models import BookingCheckout, BookingCheckoutStatus, CheckoutKind
from booking import links


@task
def send_booking_refunded(*, checkout_id: int) -> str:
    checkout = (
        BookingCheckout.objects.select_related("location")
        .filter(
            pk=checkout_id,
            status__in=[BookingCheckoutStatus.REFUNDED, BookingCheckoutStatus.NOT_BOOKED],
        )
        .first()
    )
    if checkout is None:
        return "skipped"
    to = checkout.patient.email if checkout.patient else checkout.details.get("email", "")
    if not to:
        return "skipped: no address"
    zone = checkout.location.zone
    context = {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        "first_name": checkout.details.get("first_name", ""),
        "checkout": checkout,
        "start": checkout.start.astimezone(zone),
        "alternatives": [
            dt.datetime.fromisoformat(s).astimezone(zone) for s in checkout.alternatives
        ],
        "book_url": links.absolute(reverse("booking:book")),
    }
    outcome = "nothing charged" if checkout.kind == CheckoutKind.CARD else "payment refunded"
    message = EmailMultiAlternatives(
        subject=f"Your booking was not made: {outcome} · {settings.CLINIC_NAME}",
        body=render_to_string("emails/booking_refunded.txt", context),
        to=[to],
    )
    message.attach_alternative(
        render_to_string("emails/booking_refunded.html", context), "text/html"
    )
    message.send()
    return "sent"


def after_booking_refunded(checkout: BookingCheckout) -> None:
    pk = checkout.pk
    transaction.on_commit(lambda: send_booking_refunded.enqueue(checkout_id=pk), robust=True)
