"""Late cancellation and no-show fees (decision 0104): proposed when an appointment's
status changes, then decided by the desk: charged to the saved card, invoiced for the
patient to pay by link, or waived with a reason.

Never charged twice: the proposal's row is locked (after the patient's) and its status
checked before the provider is called, and the provider is asked with a key derived
from the proposal, so two desks at once, a double click or a retry after a failure
between the provider's answer and our commit all end in one charge."""

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from billing.gateways import stripe as gateway
from billing.models import (
    FeeKind,
    FeeProposal,
    FeeStatus,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentMethod,
)
from billing.notify import documents as notify
from billing.notify import tasks as pay_links
from billing.selectors.cards import card_in_use, current_terms
from billing.services.errors import BillingError
from billing.services.invoices import appointment_line, invoice_draft, invoice_issue
from billing.services.locks import lock_patient
from billing.services.payments import Allocation, _allocate, _owed
from booking.models import Appointment, AppointmentStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

FEE_KINDS = {
    AppointmentStatus.NO_SHOW: FeeKind.NO_SHOW,
    AppointmentStatus.LATE_CANCELLED: FeeKind.LATE_CANCELLATION,
}


def fee_propose(*, appointment: Appointment, now: dt.datetime) -> FeeProposal | None:
    """The fee the cancellation terms allow for a no-show or a late cancellation, waiting
    for the desk; None when there is none (another status, no terms, a fee of nothing, the
    appointment invoiced already). The amount follows the terms the patient agreed to when
    saving their card, or the current terms when they have none. Called under the
    appointment's row lock (booking's status services), so once per appointment."""
    kind = FEE_KINDS.get(appointment.status)  # type: ignore[call-overload]
    if kind is None:
        return None
    earlier = FeeProposal.objects.filter(appointment=appointment).first()
    if earlier is not None:
        return earlier
    if InvoiceLine.objects.filter(appointment=appointment).exists():
        return None
    card = card_in_use(appointment.patient_id)
    terms = card.terms if card is not None else current_terms()
    if terms is None:
        return None
    amount = terms.fee_for(kind, price=appointment.service.price)
    if amount <= 0:
        return None
    return FeeProposal.objects.create(
        appointment=appointment,
        patient_id=appointment.patient_id,
        kind=kind,
        amount=amount,
        terms=terms,
        card=card,
        proposed_at=now,
    )


def _lock_proposed(proposal: FeeProposal) -> FeeProposal:
    """The proposal locked after its patient, refused unless still waiting: the second of
    two desks finds it decided."""
    lock_patient(proposal.patient_id)
    locked = (
        FeeProposal.objects.select_for_update(of=("self",))
        .select_related("appointment__service", "appointment__location", "patient")
        .get(pk=proposal.pk)
    )
    if locked.status != FeeStatus.PROPOSED:
        raise BillingError(
            f"This fee was already dealt with ({locked.get_status_display().lower()}).",
            code="decided",
        )
    return locked


def _decided(proposal: FeeProposal, *, status: str, by: "StaffUser", now: dt.datetime) -> None:
    proposal.status = status
    proposal.decided_by = by
    proposal.decided_at = now


def _fee_invoice(proposal: FeeProposal, *, by: "StaffUser", now: dt.datetime) -> Invoice:
    """The fee as an issued invoice: the appointment's line ("Missed appointment fee: …")
    at the fee's amount. Issuing puts a deposit held for the appointment against it. The
    patient hears from the fee's outcome, not from issuing."""
    line = dataclasses.replace(appointment_line(proposal.appointment), unit_price=proposal.amount)
    draft = invoice_draft(patient=proposal.patient, lines=[line], created_by=by)
    return invoice_issue(invoice=draft, issued_by=by, now=now, notify_patient=False)


def fee_charge(*, proposal: FeeProposal, by: "StaffUser", now: dt.datetime) -> FeeProposal:
    """Charge the fee to the patient's saved card, with the patient absent: an invoice for
    the fee, what a deposit for the appointment does not cover charged off-session, the
    payment recorded against the invoice and the receipt emailed. A card the bank declines,
    or one it wants the patient present for, leaves the invoice unpaid and emails them its
    payment link; the proposal says why. A removed card is never charged."""
    if not settings.CLINIC_ONLINE_PAYMENTS:
        raise BillingError(
            "Card payments are off: issue the fee's invoice, or waive it.", code="online_off"
        )
    with transaction.atomic():
        locked = _lock_proposed(proposal)
        card = card_in_use(locked.patient_id)
        if card is None:
            raise BillingError(
                "The patient has no saved card: issue the fee's invoice for them to pay by "
                "link, or waive it.",
                code="no_card",
            )
        invoice = _fee_invoice(locked, by=by, now=now)
        balances = _owed(locked.patient, [invoice.pk])
        owed = balances[invoice.pk].outstanding
        _decided(locked, status=FeeStatus.CHARGED, by=by, now=now)
        locked.invoice = invoice
        locked.card = card
        if owed <= 0:
            # The deposit paid it all: nothing to charge.
            locked.save()
            notify.after_invoice_issued(invoice)
            return locked
        try:
            result = gateway.off_session_charge(
                customer=card.customer,
                payment_method=card.payment_method,
                amount=owed,
                currency=invoice.currency,
                description=f"Invoice {invoice.number}",
                # One key per fee: a retry or a second desk is answered the first charge.
                idempotency_key=f"clinic-fee-{locked.pk}",
                metadata={"invoice": str(invoice.pk), "fee": str(locked.pk)},
            )
        except gateway.GatewayError as error:
            raise BillingError(
                f"The card payment service could not be asked: {error} Nothing was charged; "
                "try again later.",
                code="gateway",
            ) from error
        locked.payment_intent = result.payment_intent
        if result.outcome != "succeeded":
            locked.status = FeeStatus.FAILED
            locked.failure_reason = (
                "The card's bank wants the patient to confirm the payment."
                if result.outcome == "authentication_required"
                else f"Declined: {result.message}"
            )[:200]
            locked.save()
            pay_links.after_fee_unpaid(invoice_id=invoice.pk, card_failed=True)
            return locked
        payment = Payment.objects.create(
            patient=locked.patient,
            method=PaymentMethod.ONLINE,
            amount=owed,
            currency=invoice.currency,
            received_at=now,
            taken_by=None,
            reference=f"Invoice {invoice.number}, saved card",
            provider_reference=result.payment_intent,
        )
        _allocate(
            payment=payment,
            allocations=[Allocation(invoice.pk, owed)],
            balances=balances,
            allocated_by=by,
            now=now,
        )
        locked.payment = payment
        locked.save()
        notify.after_payment_recorded(payment)
        return locked


def fee_invoice(*, proposal: FeeProposal, by: "StaffUser", now: dt.datetime) -> FeeProposal:
    """The fee as an invoice the patient pays by the link emailed to them (no saved card,
    or the desk prefers to ask)."""
    with transaction.atomic():
        locked = _lock_proposed(proposal)
        invoice = _fee_invoice(locked, by=by, now=now)
        _decided(locked, status=FeeStatus.INVOICED, by=by, now=now)
        locked.invoice = invoice
        locked.save()
        pay_links.after_fee_unpaid(invoice_id=invoice.pk, card_failed=False)
        return locked


def fee_waive(
    *, proposal: FeeProposal, by: "StaffUser", reason: str, now: dt.datetime
) -> FeeProposal:
    """No fee: nothing is invoiced or charged, and the reason is kept (illness, a first
    occasion...)."""
    reason = reason.strip()
    if not reason:
        raise BillingError("Say why the fee is waived.", code="reason")
    with transaction.atomic():
        locked = _lock_proposed(proposal)
        _decided(locked, status=FeeStatus.WAIVED, by=by, now=now)
        locked.waive_reason = reason[:200]
        locked.save()
        return locked
