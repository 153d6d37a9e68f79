"""Credit notes (the manager's correction of an issued invoice) and refunds at the desk,
in cash: out of a credit note on a paid invoice, or out of the patient's credit."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from billing.arithmetic import ZERO, Amounts, part_of, total
from billing.models import (
    CreditNote,
    CreditNoteLine,
    DocumentKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Refund,
    RefundMethod,
)
from billing.selectors import InvoiceBalance, patient_credit, with_balances
from billing.services.amounts import checked_amount
from billing.services.errors import BillingError
from billing.services.locks import lock_invoices, lock_patient
from billing.services.numbers import next_number
from clinic.money import format_money
from patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


@dataclass(frozen=True)
class CreditLine:
    """How much (VAT included) of one invoice line to take back."""

    invoice_line_id: int
    amount: Decimal


def _credit_lines(
    invoice: Invoice, lines: Sequence[CreditLine], amount: Decimal | None
) -> list[tuple[InvoiceLine | None, str, Amounts]]:
    """(invoice line, description, figures) of each credit note line."""
    if amount is not None:
        if lines:
            raise BillingError("Credit either lines or an amount, not both.", code="both")
        checked_amount(amount)
        return [(None, "Credit on the invoice", part_of(invoice.amounts(), gross=amount))]
    if not lines:
        raise BillingError("Choose what to credit.", code="empty")
    by_id = {
        line.pk: line
        for line in invoice.lines.annotate(credited=Sum("credits__gross")).order_by("pk")
    }
    result: list[tuple[InvoiceLine | None, str, Amounts]] = []
    for credit in lines:
        line = by_id.get(credit.invoice_line_id)
        if line is None:
            raise BillingError("That line is not on this invoice.", code="other_line")
        checked_amount(credit.amount)
        left = line.amounts().gross - (line.credited or ZERO)
        if credit.amount > left:
            raise BillingError(
                f"“{line.description}” has {format_money(left)} left to credit.",
                code="over_line",
            )
        result.append((line, line.description, part_of(line.amounts(), gross=credit.amount)))
    return result


@transaction.atomic
def credit_note_issue(
    *,
    invoice: Invoice,
    reason: str,
    issued_by: "StaffUser",
    now: dt.datetime,
    lines: Sequence[CreditLine] = (),
    amount: Decimal | None = None,
) -> CreditNote:
    """Take back part or all of an issued invoice: given lines, or an amount of the whole.
    Never more than the invoice's total less earlier credit notes. If the invoice was paid
    beyond what is now due, that much can be refunded from the note (refund_cash)."""
    if not reason.strip():
        raise BillingError("Say why the invoice is credited.", code="reason")
    lock_patient(invoice.patient_id)
    locked = lock_invoices([invoice.pk])[invoice.pk]
    if locked.status != InvoiceStatus.ISSUED:
        raise BillingError("Only an issued invoice can be credited.", code="draft")
    balance = InvoiceBalance.of(with_balances(Invoice.objects.filter(pk=locked.pk)).get())
    parts = _credit_lines(locked, lines, amount)
    figures = total(part for _, _, part in parts)
    if figures.gross > balance.due:
        raise BillingError(
            f"The invoice has {format_money(balance.due, locked.currency)} left to credit.",
            code="over_credited",
        )
    note = CreditNote(
        invoice=locked,
        reason=reason.strip()[:300],
        issued_at=now,
        issued_by=issued_by,
        net_total=figures.net,
        tax_total=figures.tax,
        total=figures.gross,
        number=next_number(kind=DocumentKind.CREDIT_NOTE),
    )
    # The invoice is locked and the user signed in: checking them would cost a query each.
    note.clean_fields(exclude=["invoice", "issued_by"])
    note.save()
    CreditNoteLine.objects.bulk_create(
        CreditNoteLine(
            credit_note=note,
            invoice_line=line,
            description=description,
            net=part.net,
            tax=part.tax,
            gross=part.gross,
        )
        for line, description, part in parts
    )
    return note


def _refundable_from_note(note: CreditNote) -> Decimal:
    """What the note may still give back: not more than it credited less its refunds,
    nor more than the invoice was paid beyond what is now due."""
    balance = InvoiceBalance.of(with_balances(Invoice.objects.filter(pk=note.invoice_id)).get())
    refunded = note.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
    return min(note.total - refunded, balance.refundable)


def refund_cash(
    *,
    patient: Patient,
    amount: Decimal,
    refunded_by: "StaffUser",
    now: dt.datetime,
    credit_note: CreditNote | None = None,
    reference: str = "",
    idempotency_key: str | None = None,
) -> Refund:
    """Give cash back at the desk: out of a credit note on an invoice paid beyond what is
    now due, or (no note) out of the patient's credit. Never more than was paid: a second
    refund of the same money is refused. The same `idempotency_key` again returns the
    first refund."""
    amount = checked_amount(amount)
    with transaction.atomic():
        lock_patient(patient.pk)
        if idempotency_key:
            earlier = Refund.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None:
                if earlier.patient_id != patient.pk:
                    raise BillingError(
                        "This form was already used: open it again.", code="key_reused"
                    )
                return earlier
        if credit_note is not None:
            invoice = lock_invoices([credit_note.invoice_id])[credit_note.invoice_id]
            if invoice.patient_id != patient.pk:
                raise BillingError("That credit note is not this patient's.", code="other_patient")
            left = _refundable_from_note(credit_note)
        else:
            left = patient_credit(patient.pk)
        if amount > left:
            raise BillingError(
                f"Only {format_money(left)} can be refunded: no more than was paid.",
                code="over_paid",
            )
        refund = Refund(
            patient=patient,
            credit_note=credit_note,
            method=RefundMethod.CASH,
            amount=amount,
            currency=settings.CLINIC_CURRENCY,
            refunded_at=now,
            refunded_by=refunded_by,
            reference=reference,
            idempotency_key=idempotency_key or None,
        )
        refund.clean_fields(exclude=["patient", "credit_note", "refunded_by"])
        refund.save()
        return refund
