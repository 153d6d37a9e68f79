"""The email to a patient whose payment at online booking went back to their card
because the booking could not be made (the time was taken while they paid, or the page
had lapsed), or whose card was saved for a booking that could not be made (nothing
charged): the amount refunded and the nearest free times then. No service, nothing
clinical: a time, an amount and a link to book again."""

import datetime as dt

from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import dateformat

from billing.models import BookingCheckout, BookingCheckoutStatus, CheckoutKind
from booking import links
from clinic.money import format_money
from messaging.rendering import Action, email_message

DATE = "l j F Y, H:i"


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
    nearby = [
        "- " + dateformat.format(dt.datetime.fromisoformat(s).astimezone(zone), DATE)
        for s in checkout.alternatives
    ]
    card = checkout.kind == CheckoutKind.CARD
    book_url = links.absolute(reverse("booking:book"))
    context = {
        "first_name": checkout.details.get("first_name", ""),
        "time_chosen": dateformat.format(checkout.start.astimezone(zone), DATE),
        "reason": checkout.message,
        "amount": format_money(checkout.amount, checkout.currency) if checkout.amount else "",
        "nearby_times": "\n".join(["Free times near the one you chose:", *nearby])
        if nearby
        else "",
        "link": book_url,
    }
    email_message(
        "booking_not_made" if card else "booking_refunded",
        to=to,
        patient=checkout.patient,
        context=context,
        action=Action("Book again", book_url),
    ).send()
    return "sent"


def after_booking_refunded(checkout: BookingCheckout) -> None:
    pk = checkout.pk
    transaction.on_commit(lambda: send_booking_refunded.enqueue(checkout_id=pk), robust=True)
