"""Payments at the desk, put against one or several of the patient's issued invoices (the
rest is the patient's credit), and the patient's credit used on an invoice later."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing.models import DESK_METHODS, Invoice, InvoiceStatus, Payment, PaymentAllocation
from billing.notify import documents as notify
from billing.selectors import (
    InvoiceBalance,
    patient_credit,
    payments_with_unallocated,
    with_balances,
)
from billing.services.amounts import checked_amount
from billing.services.errors import BillingError
from billing.services.locks import lock_invoices, lock_patient
from clinic.money import format_money
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


@dataclass(frozen=True)
class Allocation:
    invoice_id: int
    amount: Decimal


def _checked_allocations(allocations: Sequence[Allocation], *, amount: Decimal) -> None:
    ids = [allocation.invoice_id for allocation in allocations]
    if len(set(ids)) != len(ids):
        raise BillingError("Each invoice may appear once in a payment.", code="duplicate")
    for allocation in allocations:
        checked_amount(allocation.amount, what="The amount put against an invoice")
    if sum(allocation.amount for allocation in allocations) > amount:
        raise BillingError(
            "The amounts put against invoices add up to more than the payment.",
            code="over_allocated",
        )


def _owed(patient: Patient, invoice_ids: list[int]) -> dict[int, InvoiceBalance]:
    """The patient's issued invoices among `invoice_ids`, locked, with balances (two
    queries). Another patient's invoice is refused as if it did not exist."""
    locked = lock_invoices(invoice_ids)
    mine = Invoice.objects.filter(pk__in=invoice_ids, patient_id=patient.pk)
    balances = {invoice.pk: InvoiceBalance.of(invoice) for invoice in with_balances(mine)}
    for invoice_id in invoice_ids:
        invoice = locked.get(invoice_id)
        if invoice is None or invoice.patient_id != patient.pk:
            raise BillingError("That invoice is not one of this patient's.", code="other_patient")
        if invoice.status != InvoiceStatus.ISSUED:
            raise BillingError("Issue the invoice before taking payment for it.", code="draft")
    return balances


def _allocate(
    *,
    payment: Payment,
    allocations: Sequence[Allocation],
    balances: dict[int, InvoiceBalance],
    allocated_by: "StaffUser | None",
    now: dt.datetime,
) -> list[PaymentAllocation]:
    rows = []
    for allocation in allocations:
        outstanding = balances[allocation.invoice_id].outstanding
        if allocation.amount > outstanding:
            raise BillingError(
                f"That is more than the invoice's outstanding {format_money(outstanding)}.",
                code="over_owed",
            )
        rows.append(
            PaymentAllocation(
                payment=payment,
                invoice_id=allocation.invoice_id,
                amount=allocation.amount,
                allocated_at=now,
                allocated_by=allocated_by,
            )
        )
    return PaymentAllocation.objects.bulk_create(rows)


def _same_patient(earlier: Payment, patient: Patient) -> Payment:
    """The payment a repeated submission already recorded: only ever the same patient's."""
    if earlier.patient_id != patient.pk:
        raise BillingError("This form was already used: open it again.", code="key_reused")
    return earlier


def payment_take(
    *,
    patient: Patient,
    method: str,
    amount: Decimal,
    allocations: Sequence[Allocation],
    taken_by: "StaffUser",
    now: dt.datetime,
    reference: str = "",
    idempotency_key: str | None = None,
    notify_patient: bool = True,
) -> Payment:
    """Record a payment taken at the desk and put it against the listed invoices of this
    patient; what is left over is the patient's credit. The same `idempotency_key` again
    (a double click) returns the first payment and records nothing. A fixed number of
    queries whatever the number of invoices. The patient is emailed a link to the receipt
    after the commit unless `notify_patient` is off."""
    if method not in DESK_METHODS:
        raise BillingError("Choose how the patient paid.", code="method")
    amount = checked_amount(amount)
    _checked_allocations(allocations, amount=amount)
    try:
        with transaction.atomic():
            lock_patient(patient.pk)
            if idempotency_key:
                earlier = Payment.objects.filter(idempotency_key=idempotency_key).first()
                if earlier is not None:
                    return _same_patient(earlier, patient)
            balances = _owed(patient, [a.invoice_id for a in allocations]) if allocations else {}
            payment = Payment(
                patient=patient,
                method=method,
                amount=amount,
                currency=settings.CLINIC_CURRENCY,
                received_at=now,
                taken_by=taken_by,
                reference=reference,
                idempotency_key=idempotency_key or None,
            )
            # Field checks only: the patient is locked, the user signed in (checking them
            # costs a query each), and the key's uniqueness is the lock's and the constraint's.
            payment.clean_fields(exclude=["patient", "taken_by"])
            payment.save()
            _allocate(
                payment=payment,
                allocations=allocations,
                balances=balances,
                allocated_by=taken_by,
                now=now,
            )
            if notify_patient:
                notify.after_payment_recorded(payment)
            return payment
    except ValidationError as error:
        raise BillingError(" ".join(error.messages), code="invalid") from None
    except IntegrityError:
        # The same form sent twice at once: the first one recorded it.
        earlier = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key and earlier is not None:
            return _same_patient(earlier, patient)
        raise


@transaction.atomic
def credit_apply(
    *,
    patient: Patient,
    invoice_id: int,
    amount: Decimal,
    allocated_by: "StaffUser",
    now: dt.datetime,
) -> list[PaymentAllocation]:
    """Use the patient's credit (payments not yet put against an invoice) on one of their
    invoices, from the oldest payment first."""
    amount = checked_amount(amount)
    lock_patient(patient.pk)
    balances = _owed(patient, [invoice_id])
    if amount > patient_credit(patient.pk):
        raise BillingError("That is more than the patient's credit.", code="over_credit")
    if amount > balances[invoice_id].outstanding:
        raise BillingError(
            "That is more than the invoice's outstanding "
            f"{format_money(balances[invoice_id].outstanding)}.",
            code="over_owed",
        )
    rows = []
    left = amount
    for payment in payments_with_unallocated(patient.pk):
        # A payment given back (a deposit to the card, a voucher's spend back on the
        # voucher) has that much less to put against an invoice.
        free = payment.amount - payment.allocated - payment.refunded  # type: ignore[attr-defined]
        if free <= 0:
            continue
        take = min(free, left)
        rows.append(
            PaymentAllocation(
                payment=payment,
                invoice_id=invoice_id,
                amount=take,
                allocated_at=now,
                allocated_by=allocated_by,
            )
        )
        left -= take
        if not left:
            break
    return PaymentAllocation.objects.bulk_create(rows)
