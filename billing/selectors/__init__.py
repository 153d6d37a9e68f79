"""Reads of money the pages need, each in a fixed number of queries whatever the number of
invoices: an invoice's balance, a patient's credit, the money state of many appointments."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
)
from django.db.models.functions import Coalesce

from billing.arithmetic import ZERO
from billing.models import (
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    Refund,
)
from patients.models import Patient


class MoneyState(TextChoices):
    DRAFT = "draft", "Draft"
    UNPAID = "unpaid", "Unpaid"
    PART_PAID = "part_paid", "Part paid"
    PAID = "paid", "Paid"
    CREDITED = "credited", "Credited"


def _sum_of(rows: QuerySet[Any], *, group: str, field: str) -> Coalesce:
    """Σ field of `rows` per `group` (correlated to the outer row), 0 when none: a subquery
    rather than a join, so two sums never multiply each other's rows."""
    summed = rows.values(group).annotate(s=Sum(field)).values("s")
    money = DecimalField(max_digits=10, decimal_places=2)
    return Coalesce(Subquery(summed, output_field=money), ZERO, output_field=money)


def with_balances(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Invoices with `credited` (credit notes), `paid` (allocations) and `refunded`
    (refunds out of its credit notes) annotated: read them with InvoiceBalance.of."""
    return invoices.annotate(
        credited=_sum_of(
            CreditNote.objects.filter(invoice=OuterRef("pk")), group="invoice", field="total"
        ),
        paid=_sum_of(
            PaymentAllocation.objects.filter(invoice=OuterRef("pk")),
            group="invoice",
            field="amount",
        ),
        refunded=_sum_of(
            Refund.objects.filter(credit_note__invoice=OuterRef("pk")),
            group="credit_note__invoice",
            field="amount",
        ),
    )


@dataclass(frozen=True)
class InvoiceBalance:
    """What an invoice asks for and what it has had. `due` is its total less credit notes;
    `settled` what was paid to it less what its credit notes refunded; `outstanding` may be
    negative after a credit note on a paid invoice: that much can be refunded."""

    issued: bool
    total: Decimal
    credited: Decimal
    paid: Decimal
    refunded: Decimal

    @classmethod
    def of(cls, invoice: Invoice) -> "InvoiceBalance":
        """From an invoice read through with_balances."""
        return cls(
            issued=invoice.status == InvoiceStatus.ISSUED,
            total=invoice.total if invoice.total is not None else ZERO,
            credited=invoice.credited,  # type: ignore[attr-defined]
            paid=invoice.paid,  # type: ignore[attr-defined]
            refunded=invoice.refunded,  # type: ignore[attr-defined]
        )

    @property
    def due(self) -> Decimal:
        return self.total - self.credited

    @property
    def settled(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.settled

    @property
    def refundable(self) -> Decimal:
        """Paid beyond what is now due (after a credit note)."""
        return max(ZERO, -self.outstanding)

    @property
    def state(self) -> MoneyState:
        if not self.issued:
            return MoneyState.DRAFT
        if self.credited and self.due <= 0:
            return MoneyState.CREDITED
        if self.outstanding <= 0:
            return MoneyState.PAID
        return MoneyState.PART_PAID if self.settled > 0 else MoneyState.UNPAID


def invoice_balance(invoice: Invoice) -> InvoiceBalance:
    """One invoice's balance (one query)."""
    return InvoiceBalance.of(with_balances(Invoice.objects.filter(pk=invoice.pk)).get())


def patient_invoices(patient_id: int) -> list[Invoice]:
    """The patient's invoices, newest first, with balances and lines (two queries); each
    has `.balance`."""
    invoices = list(
        with_balances(Invoice.objects.filter(patient_id=patient_id))
        .select_related("payer")
        .prefetch_related("lines")
    )
    for invoice in invoices:
        invoice.balance = InvoiceBalance.of(invoice)  # type: ignore[attr-defined]
    return invoices


def invoices_to_pay(patient_id: int) -> list[Invoice]:
    """The patient's issued invoices they pay themselves (no insurer) and still owe,
    oldest first, each with `.balance` (one query)."""
    invoices = with_balances(
        Invoice.objects.filter(
            patient_id=patient_id, status=InvoiceStatus.ISSUED, payer__isnull=True
        ).order_by("issued_at", "pk")
    )
    owing = []
    for invoice in invoices:
        invoice.balance = InvoiceBalance.of(invoice)  # type: ignore[attr-defined]
        if invoice.balance.outstanding > 0:  # type: ignore[attr-defined]
            owing.append(invoice)
    return owing


def patient_credit(patient_id: int) -> Decimal:
    """Payments not allocated to any invoice, less refunds of credit (one query). Derived
    from the records every time: there is no running balance to drift."""
    row = (
        Patient.objects.filter(pk=patient_id)
        .annotate(
            received=_sum_of(
                Payment.objects.filter(patient=OuterRef("pk")), group="patient", field="amount"
            ),
            allocated=_sum_of(
                PaymentAllocation.objects.filter(payment__patient=OuterRef("pk")),
                group="payment__patient",
                field="amount",
            ),
            refunded=_sum_of(
                Refund.objects.filter(patient=OuterRef("pk"), credit_note__isnull=True),
                group="patient",
                field="amount",
            ),
        )
        .values("received", "allocated", "refunded")
        .get()
    )
    return row["received"] - row["allocated"] - row["refunded"]


def payments_with_unallocated(patient_id: int) -> QuerySet[Payment]:
    """The patient's payments with `allocated` and `refunded` (given back from this very
    payment: to the card, or back on a gift voucher) annotated, oldest first."""
    return _with_spent(Payment.objects.filter(patient_id=patient_id)).order_by("received_at", "pk")


def _with_spent(payments: QuerySet[Payment]) -> QuerySet[Payment]:
    """Payments with `allocated` (put against invoices) and `refunded` (given back from
    this very payment, not out of a credit note) annotated."""
    return payments.annotate(
        allocated=_sum_of(
            PaymentAllocation.objects.filter(payment=OuterRef("pk")),
            group="payment",
            field="amount",
        ),
        refunded=_sum_of(
            Refund.objects.filter(payment=OuterRef("pk"), credit_note__isnull=True),
            group="payment",
            field="amount",
        ),
    )


def held_for_appointments(appointment_ids: Iterable[int]) -> list[tuple[Payment, Decimal]]:
    """Payments taken towards these appointments (deposits, prepayments, vouchers used at
    booking) with what is left of each: not yet put against an invoice nor given back.
    Oldest first; one query."""
    ids = list(appointment_ids)
    if not ids:
        return []
    payments = _with_spent(Payment.objects.filter(appointment_id__in=ids)).order_by(
        "received_at", "pk"
    )
    held = [(p, p.amount - p.allocated - p.refunded) for p in payments]  # type: ignore[attr-defined]
    return [(payment, left) for payment, left in held if left > 0]


def appointment_money_states(appointment_ids: Iterable[int]) -> dict[int, MoneyState]:
    """The money state of each invoiced appointment among `appointment_ids` (one query, as
    many appointments as a calendar shows); appointments not invoiced are left out."""
    ids = list(appointment_ids)
    if not ids:
        return {}
    lines = (
        InvoiceLine.objects.filter(appointment_id__in=ids)
        .select_related("invoice")
        .annotate(
            credited=_sum_of(
                CreditNote.objects.filter(invoice=OuterRef("invoice")),
                group="invoice",
                field="total",
            ),
            paid=_sum_of(
                PaymentAllocation.objects.filter(invoice=OuterRef("invoice")),
                group="invoice",
                field="amount",
            ),
            refunded=_sum_of(
                Refund.objects.filter(credit_note__invoice=OuterRef("invoice")),
                group="credit_note__invoice",
                field="amount",
            ),
        )
    )
    states = {}
    for line in lines:
        invoice = line.invoice
        balance = InvoiceBalance(
            issued=invoice.status == InvoiceStatus.ISSUED,
            total=invoice.total if invoice.total is not None else ZERO,
            credited=line.credited,
            paid=line.paid,
            refunded=line.refunded,
        )
        assert line.appointment_id is not None
        states[line.appointment_id] = balance.state
    return states


def patient_documents(patient_id: int) -> dict[str, list[Any]]:
    """What the patient may download in the portal, newest first (three queries):
    `invoices` (issued only, each with `.balance`), `credit_notes` and `payments` (each a
    receipt)."""
    invoices = list(
        with_balances(
            Invoice.objects.filter(patient_id=patient_id, status=InvoiceStatus.ISSUED)
        ).order_by("-issued_at", "-pk")
    )
    for invoice in invoices:
        invoice.balance = InvoiceBalance.of(invoice)  # type: ignore[attr-defined]
    credit_notes = list(
        CreditNote.objects.filter(invoice__patient_id=patient_id).select_related("invoice")
    )
    payments = list(Payment.objects.filter(patient_id=patient_id))
    return {"invoices": invoices, "credit_notes": credit_notes, "payments": payments}


def day_bounds(first_day: dt.date, last_day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, ...]:
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end
