"""The accountant's CSV rows: every invoice and credit-note line, every payment and every
refund of a period, in a fixed number of queries (decision 0101). Amounts are Decimals
(written as plain numbers with a dot; credit notes negative), dates ISO in the clinic's
time zone, the patient named by account number only (nothing clinical)."""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Prefetch
from django.utils import timezone

from billing.models import (
    CreditNoteLine,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Refund,
)
from clinic.spreadsheets import Cell

LINES_HEADER = [
    "date",
    "document",
    "number",
    "patient reference",
    "description",
    "nominal code",
    "net",
    "VAT rate %",
    "VAT",
    "gross",
    "currency",
]
PAYMENTS_HEADER = [
    "date",
    "method",
    "reference",
    "patient reference",
    "amount",
    "currency",
    "allocated invoices",
]
REFUNDS_HEADER = [
    "date",
    "method",
    "reference",
    "patient reference",
    "credit note",
    "amount",
    "currency",
]


def patient_reference(patient_id: int) -> str:
    """The patient's account number: enough to match a ledger, says nothing else."""
    return f"P{patient_id:06d}"


def _day(moment: dt.datetime | None) -> str:
    return timezone.localdate(moment).isoformat() if moment else ""


def document_lines(start: dt.datetime, end: dt.datetime) -> Iterator[list[Cell]]:
    """Lines of invoices issued and credit notes issued in [start, end) (two queries)."""
    lines = (
        InvoiceLine.objects.filter(
            invoice__status=InvoiceStatus.ISSUED,
            invoice__issued_at__gte=start,
            invoice__issued_at__lt=end,
        )
        .select_related("invoice")
        .order_by("invoice__issued_at", "invoice__pk", "pk")
    )
    for line in lines:
        invoice = line.invoice
        yield [
            _day(invoice.issued_at),
            "invoice",
            invoice.number,
            patient_reference(invoice.patient_id),
            line.description,
            line.nominal_code,
            line.net,
            line.vat_rate,
            line.tax,
            line.gross,
            invoice.currency,
        ]
    credits = (
        CreditNoteLine.objects.filter(
            credit_note__issued_at__gte=start, credit_note__issued_at__lt=end
        )
        .select_related("credit_note__invoice", "invoice_line")
        .order_by("credit_note__issued_at", "credit_note__pk", "pk")
    )
    for credit in credits:
        note, of_line = credit.credit_note, credit.invoice_line
        yield [
            _day(note.issued_at),
            "credit note",
            note.number,
            patient_reference(note.invoice.patient_id),
            credit.description,
            of_line.nominal_code if of_line else "",
            -credit.net,
            of_line.vat_rate if of_line else "",
            -credit.tax,
            -credit.gross,
            note.invoice.currency,
        ]


def payments(start: dt.datetime, end: dt.datetime) -> Iterator[list[Cell]]:
    """Payments received in [start, end) with the invoices they were put against (two
    queries)."""
    rows = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .prefetch_related(
            Prefetch("allocations", PaymentAllocation.objects.select_related("invoice"))
        )
        .order_by("received_at", "pk")
    )
    for payment in rows:
        yield [
            _day(payment.received_at),
            payment.method,
            payment.provider_reference or payment.reference,
            patient_reference(payment.patient_id),
            payment.amount,
            payment.currency,
            " ".join(a.invoice.number or "" for a in payment.allocations.all()),
        ]


def refunds(start: dt.datetime, end: dt.datetime) -> Iterator[list[Cell]]:
    """Refunds made in [start, end) (one query)."""
    rows = (
        Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
        .select_related("credit_note")
        .order_by("refunded_at", "pk")
    )
    for refund in rows:
        yield [
            _day(refund.refunded_at),
            refund.method,
            refund.provider_reference or refund.reference,
            patient_reference(refund.patient_id),
            refund.credit_note.number if refund.credit_note else "",
            refund.amount,
            refund.currency,
        ]
