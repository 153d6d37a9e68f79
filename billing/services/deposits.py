"""Booking with payment (decision 0103): a deposit, the whole price or a saved card taken
on the provider's hosted page while the picked time stays held; the appointment is made
only by the provider's signed webhook, never by the patient coming back to our pages.

The checkout row (BookingCheckout) is the one state machine: open, then booked,
refunded, expired or abandoned, each an end. Every event about one hosted page is
handled under that row's lock, so a replay, or completed and expired crossing, finds
the end already reached and changes nothing; money that arrives for a checkout that can
no longer book (it lapsed, the patient left it, or the time was taken meanwhile) goes
straight back to the card, with a key derived from the checkout so it goes back once.
"""

import datetime as dt
import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.tasks import task
from django.utils import timezone

from billing.arithmetic import ZERO
from billing.gateways import stripe as gateway
from billing.models import (
    BookingCheckout,
    BookingCheckoutStatus,
    CancellationTerms,
    CardSource,
    CheckoutKind,
    Payment,
    PaymentMethod,
    Refund,
    RefundMethod,
    SavedCard,
)
from billing.notify import deposits as notify
from billing.notify import documents as receipts
from billing.selectors.cards import current_terms
from billing.selectors.policies import Requirement
from billing.services.cards import card_on_file_record
from billing.services.errors import BillingError
from billing.services.locks import lock_patient
from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Practitioner,
    Service,
    SlotHold,
)
from booking.services.booking import online_book
from booking.services.holds import slot_hold
from booking.services.placement import BookingError, check_request
from clinic import ratelimit
from clinic.models import Location
from clinic.money import format_money
from patients.models import Patient
from patients.services import patient_from_details

logger = logging.getLogger(__name__)

# Stripe keeps a hosted page open at least 30 minutes; a minute more so the provider never
# refuses the time we ask for as too soon.
CHECKOUT_LIFETIME = dt.timedelta(minutes=31)
# The hold outlives the page a little: the provider's event can come a moment after the
# patient paid in the page's last minute.
HOLD_GRACE = dt.timedelta(minutes=5)

ENDED = [
    BookingCheckoutStatus.BOOKED,
    BookingCheckoutStatus.REFUNDED,
    BookingCheckoutStatus.EXPIRED,
    BookingCheckoutStatus.ABANDONED,
]


def cancellation_terms() -> CancellationTerms | None:
    """The version of the cancellation terms a patient agrees to when a card is saved at
    booking (decision 0104): the review page shows it, the checkout keeps it, the saved
    card records it. None before the clinic has published any: no card is asked then."""
    return current_terms()


def checkout_description(*, kind: str, start: dt.datetime, location: Location) -> str:
    """What the provider's page and the card statement say: the appointment's time, never
    the service (no clinical words leave the clinic)."""
    when = start.astimezone(location.zone).strftime("%-d %b %Y %H:%M")
    label = {
        CheckoutKind.DEPOSIT: "Deposit",
        CheckoutKind.PREPAYMENT: "Payment",
        CheckoutKind.CARD: "Card for",
    }[CheckoutKind(kind)]
    return f"{label} for your appointment on {when}"


# --- Starting: from the review page -------------------------------------------------


def booking_checkout_start(
    *,
    requirement: Requirement,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    details: dict[str, str],
    patient: Patient | None,
    hold_token: str,
    holder: str,
    idempotency_key: str,
    success_url: str,
    cancel_url: str,
    now: dt.datetime,
    terms: CancellationTerms | None = None,
) -> BookingCheckout:
    """The hosted page for this pending booking, its time held until the page lapses.

    The same submission again (a double click, the back button) answers the page still
    open for it. Raises BookingError when the time cannot be held (taken meanwhile, or
    too soon to still be bookable when the page lapses), BillingError when the provider
    cannot be reached; nothing is held longer or charged then."""
    if not requirement.needed:
        raise BillingError("This booking needs no payment.", code="not_needed")
    if not idempotency_key:
        raise BillingError("This form was already used: open it again.", code="key_missing")
    if requirement.kind == CheckoutKind.CARD and terms is None:
        raise BillingError(
            "Booking online needs a card saved for our cancellation policy, which is not "
            "available just now: please call us to book.",
            code="no_terms",
        )
    lapses = now + CHECKOUT_LIFETIME
    # Bookable still when the page lapses: a patient who pays in its last minute is booked.
    check_request(
        service=service,
        location=location,
        practitioner=practitioner,
        start=start,
        source=AppointmentSource.ONLINE,
        policy=BookingPolicy.load(),
        now=lapses,
    )
    with transaction.atomic():
        # Two submissions of one form at once: one opens the page, the other waits and
        # answers it (the provider would refuse one key asked with two lapse times).
        ratelimit.lock([ratelimit.key("booking-checkout", idempotency_key)])
        earlier = BookingCheckout.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.status == BookingCheckoutStatus.OPEN and earlier.expires_at > now:
                return earlier  # still payable: the patient may finish it
            raise BillingError(
                "This booking's payment page has closed: please confirm again.", code="ended"
            )
        # Take the time again (or renew it): refused if someone else has it now, and
        # counted against the address's caps like any hold.
        slot_hold(
            token=hold_token,
            service=service,
            location=location,
            practitioner=practitioner,
            start=start,
            now=now,
            holder=holder,
        )
        description = checkout_description(kind=requirement.kind, start=start, location=location)
        metadata = {"booking_checkout": idempotency_key}
        try:
            if requirement.kind == CheckoutKind.CARD:
                page = gateway.setup_checkout_create(
                    reference=idempotency_key,
                    description=description,
                    currency=requirement.currency,
                    success_url=success_url,
                    cancel_url=cancel_url,
                    idempotency_key=f"clinic-booking-{idempotency_key}",
                    metadata=metadata,
                    customer_email=details.get("email") or None,
                    expires_at=lapses,
                )
            else:
                page = gateway.checkout_create(
                    reference=idempotency_key,
                    description=description,
                    amount=requirement.amount,
                    currency=requirement.currency,
                    success_url=success_url,
                    cancel_url=cancel_url,
                    idempotency_key=f"clinic-booking-{idempotency_key}",
                    metadata=metadata,
                    expires_at=lapses,
                    customer_email=details.get("email") or None,
                )
        except gateway.GatewayError as error:
            raise BillingError(
                "Card payments are unavailable just now; please try again later.", code="gateway"
            ) from error
        checkout = BookingCheckout.objects.create(
            session_id=page.session_id,
            url=page.url,
            kind=requirement.kind,
            amount=requirement.amount if requirement.kind != CheckoutKind.CARD else None,
            currency=requirement.currency,
            details=details,
            hold_token=hold_token,
            service=service,
            location=location,
            practitioner=practitioner,
            start=start,
            patient=patient,
            idempotency_key=idempotency_key,
            created_at=now,
            expires_at=page.expires_at,
            terms=terms if requirement.kind == CheckoutKind.CARD else None,
        )
        # The time stays the patient's while the page is open (and a moment after).
        for hold in SlotHold.objects.filter(token=hold_token, start=start):
            hold.expires_at = page.expires_at + HOLD_GRACE
            hold.save(update_fields=["expires_at"])
        return checkout


def booking_checkout_of(idempotency_key: str | None) -> BookingCheckout | None:
    """The checkout of one pending booking (the browser session's own), if any."""
    if not idempotency_key:
        return None
    return (
        BookingCheckout.objects.select_related("appointment", "location")
        .filter(idempotency_key=idempotency_key)
        .first()
    )


def booking_checkout_abandon(*, checkout: BookingCheckout, now: dt.datetime) -> BookingCheckout:
    """The patient pressed cancel on the provider's page: close the page there (so it can
    no longer be paid) and free the time. If it was paid meanwhile (another tab), the
    provider refuses to close it and the webhook books as usual."""
    with transaction.atomic():
        locked = BookingCheckout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != BookingCheckoutStatus.OPEN:
            return locked
        try:
            gateway.checkout_expire(locked.session_id)
            closed = gateway.checkout_status(locked.session_id) == "expired"
        except gateway.GatewayError:
            logger.warning("Checkout %s could not be closed: left open", locked.session_id)
            return locked
        if not closed:
            return locked  # paid (or the card saved) meanwhile: the webhook books
        _close(locked, BookingCheckoutStatus.ABANDONED, now=now)
        return locked


# --- The provider's events ----------------------------------------------------------


def is_booking_checkout(session: dict[str, Any]) -> bool:
    return BookingCheckout.objects.filter(session_id=session.get("id", "")).exists()


def booking_checkout_completed(session: dict[str, Any], *, now: dt.datetime) -> str:
    """checkout.session.completed for one of our booking pages: book, and record the
    money towards the new appointment; or give the money back when it cannot book."""
    checkout = (
        BookingCheckout.objects.select_for_update(of=("self",))
        .select_related("service", "location", "practitioner", "patient")
        .get(session_id=session["id"])
    )
    if checkout.status in (
        BookingCheckoutStatus.BOOKED,
        BookingCheckoutStatus.REFUNDED,
        BookingCheckoutStatus.NOT_BOOKED,
    ):
        return f"checkout already {checkout.status}"
    if checkout.kind == CheckoutKind.CARD:
        return _card_saved(checkout, session, now=now)
    if session.get("payment_status") != "paid":
        return "not paid yet"
    intent = session.get("payment_intent") or ""
    assert checkout.amount is not None  # the database's constraint for payments
    asked = (gateway.minor_units(checkout.amount, checkout.currency), checkout.currency.lower())
    got = (session.get("amount_total"), str(session.get("currency", "")).lower())
    if not intent:
        logger.error("Checkout Session %s paid without a payment intent", checkout.session_id)
        return "no payment intent: nothing recorded"
    if got != asked:
        logger.error("Booking checkout %s paid %s, not the %s asked", checkout.pk, got, asked)
        return _refund(
            checkout,
            intent=intent,
            amount=gateway.from_minor_units(int(got[0] or 0), got[1].upper()),
            message="The payment did not match what was asked: it was refunded.",
            now=now,
        )
    if checkout.status != BookingCheckoutStatus.OPEN:
        # Expired or abandoned first (events out of order, a second tab): nothing books.
        return _refund(
            checkout,
            intent=intent,
            amount=checkout.amount,
            message="The payment came after the booking had ended: it was refunded.",
            now=now,
        )
    try:
        with transaction.atomic():
            appointment = _book(checkout, now=now)
    except BookingError as error:
        return _refund(
            checkout,
            intent=intent,
            amount=checkout.amount,
            message=error.message,
            now=now,
            alternatives=[slot.start.isoformat() for slot in error.alternatives],
        )
    payment = _payment_record(
        checkout, patient_id=appointment.patient_id, intent=intent, now=now, appointment=appointment
    )
    checkout.status = BookingCheckoutStatus.BOOKED
    checkout.appointment = appointment
    checkout.payment_intent = intent
    checkout.closed_at = now
    checkout.save(update_fields=["status", "appointment", "payment_intent", "closed_at"])
    receipts.after_payment_recorded(payment)
    return f"booked {appointment.reference} with payment {payment.pk}"


def _card_saved(checkout: BookingCheckout, session: dict[str, Any], *, now: dt.datetime) -> str:
    """A card saved on a booking's setup page: book, and record the card under the terms
    the review page showed. Nothing was charged, so a booking that cannot be made (or a
    page that had ended) leaves nothing to give back: the patient is told, with nearby
    times, and the card is not kept on file."""
    if session.get("status") != "complete":
        return "card not saved yet"
    if checkout.status != BookingCheckoutStatus.OPEN:
        return f"checkout already {checkout.status}: card not kept"
    card = gateway.saved_card_of_session(checkout.session_id)
    if card is None:
        logger.error("Booking checkout %s completed without a saved card", checkout.pk)
        return "no card saved: nothing booked"
    try:
        with transaction.atomic():
            appointment = _book(checkout, now=now)
    except BookingError as error:
        checkout.status = BookingCheckoutStatus.NOT_BOOKED
        checkout.closed_at = now
        checkout.message = error.message[:300]
        checkout.alternatives = [slot.start.isoformat() for slot in error.alternatives]
        checkout.save(update_fields=["status", "closed_at", "message", "alternatives"])
        _close_holds(checkout)
        notify.after_booking_refunded(checkout)
        return f"not booked ({error.message[:80]}): nothing was charged"
    assert checkout.terms is not None  # the database's constraint for card checkouts
    saved: SavedCard | None = None
    try:
        with transaction.atomic():
            saved = card_on_file_record(
                patient=appointment.patient,
                card=card,
                terms=checkout.terms,
                now=now,
                source=CardSource.BOOKING,
            )
    except BillingError:
        # Booked all the same: the card is the desk's to sort out, not a reason to undo.
        logger.exception("Card of booking checkout %s not recorded", checkout.pk)
    checkout.status = BookingCheckoutStatus.BOOKED
    checkout.appointment = appointment
    checkout.card = saved
    checkout.closed_at = now
    checkout.save(update_fields=["status", "appointment", "card", "closed_at"])
    return f"booked {appointment.reference} with a card saved"


def booking_checkout_expired(session: dict[str, Any], *, now: dt.datetime) -> str:
    checkout = BookingCheckout.objects.select_for_update().get(session_id=session["id"])
    if checkout.status != BookingCheckoutStatus.OPEN:
        return f"checkout already {checkout.status}"
    _close(checkout, BookingCheckoutStatus.EXPIRED, now=now)
    return "booking checkout expired: time released"


def _close(checkout: BookingCheckout, status: str, *, now: dt.datetime) -> None:
    """End an unpaid checkout and free its time (only the time this page held: the same
    visitor may hold another by now)."""
    checkout.status = status
    checkout.closed_at = now
    checkout.save(update_fields=["status", "closed_at"])
    _close_holds(checkout)


def _book(checkout: BookingCheckout, *, now: dt.datetime) -> Appointment:
    """The booking the review page would have made, made now with its submission key (a
    replay finds the appointment) and its hold (never blocked by itself)."""
    return online_book(
        patient=checkout.patient,
        details=checkout.details,
        service=checkout.service,
        location=checkout.location,
        practitioner=checkout.practitioner,
        start=checkout.start,
        now=now,
        hold_token=checkout.hold_token,
        idempotency_key=checkout.idempotency_key,
    )


def _payment_record(
    checkout: BookingCheckout,
    *,
    patient_id: int,
    intent: str,
    now: dt.datetime,
    appointment: Appointment | None = None,
    amount: Decimal | None = None,
) -> Payment:
    lock_patient(patient_id)
    earlier = Payment.objects.filter(provider_reference=intent).first()
    if earlier is not None:
        return earlier
    label = "Deposit" if checkout.kind == CheckoutKind.DEPOSIT else "Payment"
    paid = amount if amount is not None else checkout.amount
    assert paid is not None  # a card checkout records no payment
    return Payment.objects.create(
        patient_id=patient_id,
        method=PaymentMethod.ONLINE,
        amount=paid,
        currency=checkout.currency,
        received_at=now,
        taken_by=None,
        reference=(
            f"{label} at online booking {appointment.reference}"
            if appointment
            else "Online booking not made"
        ),
        provider_reference=intent,
        appointment=appointment,
    )


def _refund(
    checkout: BookingCheckout,
    *,
    intent: str,
    amount: Decimal,
    message: str,
    now: dt.datetime,
    alternatives: list[str] | None = None,
) -> str:
    """Record the money that came and give it all back to the card: nothing was booked.
    The provider is asked with a key derived from the checkout, so a retry of this event
    (our transaction failed after the provider refunded) gets the same refund."""
    patient = checkout.patient or patient_from_details(checkout.details)
    payment = _payment_record(
        checkout, patient_id=patient.pk, intent=intent, now=now, amount=amount
    )
    if not payment.refunds.exists():
        try:
            reference = gateway.refund_create(
                payment_intent=intent,
                amount=payment.amount,
                currency=payment.currency,
                idempotency_key=f"clinic-booking-refund-{checkout.pk}",
            )
        except gateway.GatewayError:
            logger.exception("Refund of booking checkout %s failed: retried", checkout.pk)
            raise  # the event is not stored: the provider sends it again later
        Refund.objects.create(
            patient=patient,
            method=RefundMethod.ONLINE,
            payment=payment,
            amount=payment.amount,
            currency=payment.currency,
            refunded_at=now,
            reference="Online booking not made",
            provider_reference=reference,
        )
    checkout.status = BookingCheckoutStatus.REFUNDED
    checkout.payment_intent = intent
    checkout.closed_at = now
    checkout.message = message[:300]
    checkout.alternatives = alternatives or []
    checkout.save(
        update_fields=["status", "payment_intent", "closed_at", "message", "alternatives"]
    )
    _close_holds(checkout)
    notify.after_booking_refunded(checkout)
    return f"not booked ({message[:80]}): {format_money(payment.amount, payment.currency)} refunded"


def _close_holds(checkout: BookingCheckout) -> None:
    """Free the time this page held, unless the same visitor has opened a new page for the
    same time since (their hold is that page's now)."""
    if (
        BookingCheckout.objects.filter(
            hold_token=checkout.hold_token,
            start=checkout.start,
            status=BookingCheckoutStatus.OPEN,
        )
        .exclude(pk=checkout.pk)
        .exists()
    ):
        return
    # One by one: each delete frees its time on the booking pages (booking.signals).
    for hold in SlotHold.objects.filter(token=checkout.hold_token, start=checkout.start):
        hold.delete()


# --- A cancellation in time gives the deposit back -----------------------------------


def appointment_status_changed(*, appointment: Appointment) -> None:
    """After booking.signals.appointment_status_changed (billing.receivers): a cancellation in time
    (by the patient or the desk) gives back what was paid towards the appointment, once
    the cancellation commits. A late cancellation or a no-show keeps it: it goes towards
    the fee's invoice."""
    if appointment.status != AppointmentStatus.CANCELLED:
        return
    if not Payment.objects.filter(
        appointment=appointment, method=PaymentMethod.ONLINE, provider_reference__isnull=False
    ).exists():
        return
    pk = appointment.pk
    transaction.on_commit(lambda: deposit_give_back.enqueue(appointment_id=pk), robust=True)


@task
def deposit_give_back(*, appointment_id: int) -> str:
    """Refund to the card what is left of each online payment towards a cancelled
    appointment (not put against an invoice, not refunded yet)."""
    done = [
        str(refund.amount)
        for payment_id in Payment.objects.filter(
            appointment_id=appointment_id,
            method=PaymentMethod.ONLINE,
            provider_reference__isnull=False,
        ).values_list("pk", flat=True)
        if (refund := deposit_refund(payment_id=payment_id, now=timezone.now())) is not None
    ]
    return f"refunded {', '.join(done)}" if done else "nothing to refund"


def deposit_refund(*, payment_id: int, now: dt.datetime) -> Refund | None:
    """Give back what is left of one payment taken at booking, if its appointment is still
    cancelled. Once: under the patient's lock, and the refund's key is the payment's."""
    key = f"deposit-back-{payment_id}"
    with transaction.atomic():
        payment = Payment.objects.select_related("appointment").get(pk=payment_id)
        lock_patient(payment.patient_id)
        if Refund.objects.filter(idempotency_key=key).exists():
            return None
        assert payment.appointment is not None
        if payment.appointment.status != AppointmentStatus.CANCELLED:
            return None
        back = payment.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
        used = payment.allocations.aggregate(s=Sum("amount"))["s"] or ZERO
        left = payment.amount - back - used
        if left <= 0:
            return None
        reference = gateway.refund_create(
            payment_intent=payment.provider_reference or "",
            amount=left,
            currency=payment.currency,
            idempotency_key=f"clinic-{key}",
        )
        # The provider's own refund event waits for the patient's lock, then finds this.
        return Refund.objects.create(
            patient_id=payment.patient_id,
            method=RefundMethod.ONLINE,
            payment=payment,
            amount=left,
            currency=payment.currency,
            refunded_at=now,
            reference=f"Cancelled in time: {payment.appointment.reference}",
            provider_reference=reference,
            idempotency_key=key,
        )
