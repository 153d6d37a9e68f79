"""Online payments: the hosted payment page opened for an invoice, the provider's signed
webhook events recorded once each, and refunds back to the card (decision 0097).

A payment is recorded from the provider's event alone, never from the patient coming
back to our pages, and only for the amount and currency we asked for. Every event is
stored the first time it arrives and processed in the same transaction: a replay, or the
same event twice at once, finds the row and records nothing more."""

import datetime as dt
import logging
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum

from billing.arithmetic import ZERO
from billing.gateways import stripe as gateway
from billing.models import (
    CheckoutAttempt,
    CheckoutStatus,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    ProviderEvent,
    Refund,
    RefundMethod,
)
from billing.notify import documents as notify
from billing.selectors import invoice_balance
from billing.services import deposits
from billing.services.amounts import checked_amount
from billing.services.cards import card_setup_event, is_card_setup_event
from billing.services.credit_notes import _refundable_from_note
from billing.services.errors import BillingError
from billing.services.locks import lock_invoices, lock_patient
from billing.services.payments import Allocation, _allocate, _owed
from billing.services.voucher_delivery import voucher_sale_paid
from clinic.money import format_money

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

logger = logging.getLogger(__name__)

# An open page this close to expiring is not offered again: the patient needs time to pay.
REUSE_MARGIN = dt.timedelta(minutes=10)


# --- The hosted payment page ----------------------------------------------------------


def payable(invoice: Invoice) -> bool:
    """An invoice the patient may pay online: issued, theirs to pay (not an insurer's)."""
    return invoice.status == InvoiceStatus.ISSUED and invoice.payer_id is None


@transaction.atomic
def checkout_start(
    *, invoice: Invoice, success_url: str, cancel_url: str, now: dt.datetime
) -> CheckoutAttempt:
    """The hosted payment page for what the invoice owes now. A page still open for that
    amount is answered again (a double click, the back button), so a patient is never
    asked twice at once; the provider is called with the invoice locked."""
    if not payable(invoice):
        raise BillingError("This invoice cannot be paid online.", code="not_payable")
    lock_patient(invoice.patient_id)
    lock_invoices([invoice.pk])
    owed = invoice_balance(invoice).outstanding
    if owed <= 0:
        raise BillingError("This invoice has nothing left to pay.", code="settled")
    earlier = CheckoutAttempt.objects.filter(
        invoice=invoice,
        status=CheckoutStatus.OPEN,
        amount=owed,
        expires_at__gt=now + REUSE_MARGIN,
    ).first()
    if earlier is not None:
        return earlier
    # Derived from our rows, so a retry after our commit failed gets the same session
    # from the provider instead of a second one.
    tries = CheckoutAttempt.objects.filter(invoice=invoice).count()
    try:
        page = gateway.checkout_create(
            reference=str(invoice.pk),
            description=f"Invoice {invoice.number}",
            amount=owed,
            currency=invoice.currency,
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=f"clinic-checkout-{invoice.pk}-{tries}-{owed}",
            metadata={"invoice": str(invoice.pk)},
        )
    except gateway.GatewayError as error:
        raise BillingError(
            "Card payments are unavailable just now; please try again later.", code="gateway"
        ) from error
    return CheckoutAttempt.objects.create(
        invoice=invoice,
        session_id=page.session_id,
        url=page.url,
        amount=owed,
        currency=invoice.currency,
        created_at=now,
        expires_at=page.expires_at,
    )


# --- Webhook events -------------------------------------------------------------------


def event_receive(*, event: dict[str, Any], now: dt.datetime) -> str:
    """Store a verified event and act on it, in one transaction; what happened, in words.
    A second delivery of the same event (a replay, or two at once) records nothing."""
    obj = event["data"]["object"]
    try:
        with transaction.atomic():
            row = ProviderEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                object_id=str(obj.get("id") or ""),
                payment_intent=_payment_intent_of(event["type"], obj),
                received_at=now,
                payload=event,
            )
            _process(row, now=now)
            return row.outcome
    except IntegrityError:
        # The event id is already stored: this is a repeat of an event taken care of
        # (or being taken care of at this moment, whose transaction this one waited for).
        if ProviderEvent.objects.filter(event_id=event["id"]).exists():
            return "repeat: already received"
        raise


def _payment_intent_of(event_type: str, obj: dict[str, Any]) -> str:
    if event_type.startswith("checkout.session."):
        return ""  # Its payment is recorded by this event itself.
    value = obj.get("payment_intent") or ""
    return value if isinstance(value, str) else str(value.get("id", ""))


def _process(row: ProviderEvent, *, now: dt.datetime) -> None:
    obj = row.payload["data"]["object"]
    outcome: str | None
    match row.type:
        case "checkout.session.completed" | "checkout.session.expired" if is_card_setup_event(obj):
            outcome = card_setup_event(row.type, obj, now=now)
        case "checkout.session.completed" | "checkout.session.async_payment_succeeded" if (
            deposits.is_booking_checkout(obj)
        ):
            outcome = deposits.booking_checkout_completed(obj, now=now)
            if obj.get("payment_intent"):
                _process_waiting(str(obj["payment_intent"]), now=now)
        case "checkout.session.completed" | "checkout.session.async_payment_succeeded":
            outcome = _session_paid(obj, now=now)
        case "checkout.session.expired" if deposits.is_booking_checkout(obj):
            outcome = deposits.booking_checkout_expired(obj, now=now)
        case "checkout.session.expired":
            outcome = _session_expired(obj)
        case "refund.created" | "refund.updated":
            outcome = _refund_seen(obj, now=now)
        case "charge.refunded":
            refunds = (obj.get("refunds") or {}).get("data") or []
            outcomes = [_refund_seen(refund, now=now) for refund in refunds]
            if None in outcomes:
                outcome = None
            else:
                outcome = "; ".join(filter(None, outcomes)) or "no refund listed on the charge"
        case _:
            outcome = "ignored"
    if outcome is None:
        row.outcome = "waiting for its payment's event"
    else:
        row.outcome = outcome[:200]
        row.processed_at = now
    row.save(update_fields=["outcome", "processed_at"])


def _session_paid(session: dict[str, Any], *, now: dt.datetime) -> str:
    attempt = (
        CheckoutAttempt.objects.select_related("invoice")
        .filter(session_id=session.get("id", ""))
        .first()
    )
    if attempt is None:
        logger.warning("Stripe event for an unknown Checkout Session %s", session.get("id"))
        return "unknown session: nothing recorded"
    if session.get("payment_status") != "paid":
        return "not paid yet"
    asked = (gateway.minor_units(attempt.amount, attempt.currency), attempt.currency.lower())
    got = (session.get("amount_total"), str(session.get("currency", "")).lower())
    intent = session.get("payment_intent") or ""
    if got != asked or not intent:
        logger.error(
            "Checkout Session %s paid %s, not the %s asked for: nothing recorded",
            attempt.session_id,
            got,
            asked,
        )
        CheckoutAttempt.objects.filter(pk=attempt.pk).update(status=CheckoutStatus.MISMATCH)
        return "amount or currency mismatch: nothing recorded"
    if Payment.objects.filter(provider_reference=intent).exists():
        return "payment already recorded"
    payment = _online_payment_record(attempt=attempt, payment_intent=intent, now=now)
    if payment is None:
        return "payment already recorded"
    _process_waiting(intent, now=now)
    # A gift voucher's sale: its code is emailed once paid (decision 0106).
    voucher_sale_paid(invoice_id=attempt.invoice_id)
    return f"payment {payment.pk} recorded"


def _online_payment_record(
    *, attempt: CheckoutAttempt, payment_intent: str, now: dt.datetime
) -> Payment | None:
    """The payment, put against the invoice up to what it still owes; the rest (paid at
    the desk meanwhile) is the patient's credit, never lost. None if another event about
    the same payment recorded it while this one waited for the lock."""
    invoice = attempt.invoice
    patient = lock_patient(invoice.patient_id)
    if Payment.objects.filter(provider_reference=payment_intent).exists():
        return None
    balances = _owed(patient, [invoice.pk])
    towards = min(attempt.amount, max(ZERO, balances[invoice.pk].outstanding))
    payment = Payment.objects.create(
        patient=patient,
        method=PaymentMethod.ONLINE,
        amount=attempt.amount,
        currency=attempt.currency,
        received_at=now,
        taken_by=None,
        reference=f"Invoice {invoice.number}",
        provider_reference=payment_intent,
    )
    if towards > 0:
        _allocate(
            payment=payment,
            allocations=[Allocation(invoice.pk, towards)],
            balances=balances,
            allocated_by=None,
            now=now,
        )
    CheckoutAttempt.objects.filter(pk=attempt.pk).update(
        status=CheckoutStatus.PAID, payment_intent=payment_intent
    )
    # The receipt's link, as for a payment at the desk (decision 0100).
    notify.after_payment_recorded(payment)
    return payment


def _process_waiting(payment_intent: str, *, now: dt.datetime) -> None:
    """Events about this payment that arrived before it (a refund first): now they can."""
    waiting = ProviderEvent.objects.filter(
        payment_intent=payment_intent, processed_at__isnull=True
    ).order_by("received_at", "pk")
    for row in waiting.select_for_update():
        _process(row, now=now)


def _session_expired(session: dict[str, Any]) -> str:
    changed = CheckoutAttempt.objects.filter(
        session_id=session.get("id", ""), status=CheckoutStatus.OPEN
    ).update(status=CheckoutStatus.EXPIRED)
    return "checkout expired" if changed else "no open checkout of ours"


def _refund_seen(refund: dict[str, Any], *, now: dt.datetime) -> str | None:
    """A refund the provider made: ours already (recorded when we asked for it), or one
    made from the provider's dashboard, recorded now so the books show the money that
    went back. None when its payment's event has not come yet."""
    if refund.get("status") in ("failed", "canceled"):
        return "refund not made"
    if Refund.objects.filter(provider_reference=refund.get("id")).exists():
        return "refund already recorded"
    payment = Payment.objects.filter(provider_reference=refund.get("payment_intent") or "").first()
    if payment is None:
        return None
    lock_patient(payment.patient_id)
    # Our own refund commits before this lock is ours: look again.
    if Refund.objects.filter(provider_reference=refund.get("id")).exists():
        return "refund already recorded"
    amount = gateway.from_minor_units(int(refund["amount"]), payment.currency)
    logger.warning(
        "A refund of %s made outside the clinic's pages (%s) was recorded against the "
        "patient's credit: issue a credit note if it corrects an invoice",
        amount,
        refund.get("id"),
    )
    Refund.objects.create(
        patient_id=payment.patient_id,
        method=RefundMethod.ONLINE,
        payment=payment,
        amount=amount,
        currency=payment.currency,
        refunded_at=now,
        reference="Refunded from the payment provider's dashboard",
        provider_reference=refund["id"],
    )
    return "refund from the provider's dashboard recorded"


# --- Refunds back to the card ---------------------------------------------------------


def online_refundable(note: CreditNote) -> tuple[Payment | None, Decimal]:
    """The online payment of the note's invoice that can take the largest refund back to
    its card, and how much: never more than the note may refund, nor more than that
    payment put against the invoice less what went back to it already. (None, 0) when
    nothing of the invoice was paid online."""
    left = _refundable_from_note(note)
    payments = (
        Payment.objects.filter(method=PaymentMethod.ONLINE, allocations__invoice=note.invoice_id)
        .annotate(
            towards=Sum("allocations__amount"),
        )
        .order_by("-received_at", "-pk")
    )
    best: tuple[Payment | None, Decimal] = (None, ZERO)
    for payment in payments:
        back = payment.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
        room = min(left, payment.towards - back)
        if best[0] is None or room > best[1]:
            best = (payment, room)
    return best


def refund_online(
    *,
    credit_note: CreditNote,
    amount: Decimal,
    refunded_by: "StaffUser",
    now: dt.datetime,
    idempotency_key: str,
) -> Refund:
    """Give back part of an invoice paid online to the card it came from, out of a credit
    note. Never more than was paid online: a second refund beyond it is refused. The
    same key again (a double click, two at once) answers the first refund; the provider
    is asked with a key derived from ours, so it never refunds twice either."""
    amount = checked_amount(amount)
    if not idempotency_key:
        raise BillingError("This form was already used: open it again.", code="key_missing")
    with transaction.atomic():
        patient = lock_patient(credit_note.invoice.patient_id)
        earlier = Refund.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.patient_id != patient.pk:
                raise BillingError("This form was already used: open it again.", code="key_reused")
            return earlier
        lock_invoices([credit_note.invoice_id])
        payment, room = online_refundable(credit_note)
        if payment is None or amount > room:
            raise BillingError(
                f"Only {format_money(room)} can go back to the card: no more than was paid "
                "online and credited.",
                code="over_paid",
            )
        try:
            reference = gateway.refund_create(
                payment_intent=payment.provider_reference or "",
                amount=amount,
                currency=payment.currency,
                idempotency_key=f"clinic-refund-{idempotency_key}",
            )
        except gateway.GatewayError as error:
            raise BillingError(
                f"The card payment service refused the refund: {error}", code="gateway"
            ) from error
        return Refund.objects.create(
            patient=patient,
            credit_note=credit_note,
            method=RefundMethod.ONLINE,
            payment=payment,
            amount=amount,
            currency=settings.CLINIC_CURRENCY,
            refunded_at=now,
            refunded_by=refunded_by,
            provider_reference=reference,
            idempotency_key=idempotency_key,
        )
