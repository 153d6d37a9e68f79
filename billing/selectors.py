"""Reads of money the pages need, each in a fixed number of queries whatever the number of
invoices: an invoice's balance, a patient's credit, the money state of many appointments."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    TextChoices,
    When,
)
from django.db.models.functions import Coalesce, NullIf, TruncDate

from billing import takings
from billing.arithmetic import ZERO, to_pennies
from billing.models import (
    CashUp,
    CreditNote,
    CreditNoteLine,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
)
from booking.models import Appointment, Practitioner
from clinic.models import Location
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
    """The patient's payments with `unallocated` annotated, oldest first."""
    return (
        Payment.objects.filter(patient_id=patient_id)
        .annotate(
            allocated=_sum_of(
                PaymentAllocation.objects.filter(payment=OuterRef("pk")),
                group="payment",
                field="amount",
            )
        )
        .order_by("received_at", "pk")
    )


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
# --- Takings (billing.takings does the arithmetic; decision 0101) --------------------------


def _day_bounds(first_day: dt.date, last_day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, ...]:
    start = dt.datetime.combine(first_day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start, end


def _received(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> list[takings.Received]:
    rows = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values("day", "method")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [takings.Received(r["day"], r["method"], r["total"]) for r in rows]


def _shares(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> list[takings.Share]:
    """Each allocation spread over its invoice's lines by their gross, summed by the
    payment's day and method and the line's practitioner, in SQL."""
    money = DecimalField(max_digits=20, decimal_places=10)
    share = ExpressionWrapper(
        F("amount") * F("invoice__lines__gross") / NullIf(F("invoice__total"), ZERO),
        output_field=money,
    )
    rows = (
        PaymentAllocation.objects.filter(
            payment__received_at__gte=start, payment__received_at__lt=end
        )
        .annotate(
            day=TruncDate("payment__received_at", tzinfo=zone),
            method=F("payment__method"),
            practitioner=F("invoice__lines__appointment__practitioner"),
        )
        .values("day", "method", "practitioner")
        .annotate(share=Sum(share))
        .filter(share__isnull=False)
        .order_by()
    )
    return [takings.Share(r["day"], r["method"], r["practitioner"], r["share"]) for r in rows]


# Each sum grouped once and joined, rather than three correlated subqueries per invoice: a
# year of a busy clinic's invoices in a tenth of the time (benchmarks/bench_takings.py).
_OWED_SQL = """
SELECT i.issued_at,
       i.total - COALESCE(c.s, 0) - COALESCE(p.s, 0) + COALESCE(r.s, 0) AS outstanding
FROM billing_invoice i
LEFT JOIN (SELECT invoice_id, SUM(total) AS s FROM billing_creditnote
           WHERE issued_at < %(end)s GROUP BY invoice_id) c ON c.invoice_id = i.id
LEFT JOIN (SELECT invoice_id, SUM(amount) AS s FROM billing_paymentallocation
           WHERE allocated_at < %(end)s GROUP BY invoice_id) p ON p.invoice_id = i.id
LEFT JOIN (SELECT n.invoice_id, SUM(f.amount) AS s FROM billing_refund f
           JOIN billing_creditnote n ON n.id = f.credit_note_id
           WHERE f.refunded_at < %(end)s GROUP BY n.invoice_id) r ON r.invoice_id = i.id
WHERE i.status = %(issued)s AND i.issued_at < %(end)s
  AND i.total - COALESCE(c.s, 0) - COALESCE(p.s, 0) + COALESCE(r.s, 0) > 0
"""


def _owed(as_of_end: dt.datetime) -> list[takings.Owed]:
    """Issued invoices still owed at the end of as_of, by what was recorded until then
    (their total less credit notes and allocations, plus refunds out of credit notes, as
    InvoiceBalance.outstanding)."""
    zone = as_of_end.tzinfo
    with connection.cursor() as cursor:
        cursor.execute(_OWED_SQL, {"end": as_of_end, "issued": InvoiceStatus.ISSUED.value})
        found = cursor.fetchall()
    return [
        takings.Owed(_local_date(issued_at, zone), to_pennies(Decimal(str(outstanding))))
        for issued_at, outstanding in found
    ]


def _local_date(moment: dt.datetime | str, zone: dt.tzinfo | None) -> dt.date:
    # SQLite (the demo) answers raw queries with text.
    when = dt.datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(zone).date()


def _credit_held(as_of_end: dt.datetime) -> Decimal:
    """Σ of every patient's credit (patient_credit) at the end of as_of: three sums."""
    received = Payment.objects.filter(received_at__lt=as_of_end).aggregate(s=Sum("amount"))
    allocated = PaymentAllocation.objects.filter(allocated_at__lt=as_of_end).aggregate(
        s=Sum("amount")
    )
    refunded = Refund.objects.filter(credit_note__isnull=True, refunded_at__lt=as_of_end).aggregate(
        s=Sum("amount")
    )
    return (received["s"] or ZERO) - (allocated["s"] or ZERO) - (refunded["s"] or ZERO)


def _refunded(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> list[takings.Refunded]:
    rows = (
        Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
        .annotate(day=TruncDate("refunded_at", tzinfo=zone))
        .values("day", "method")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return [takings.Refunded(r["day"], r["method"], r["total"]) for r in rows]


def load_takings(
    *,
    first_day: dt.date,
    last_day: dt.date,
    as_of: dt.date,
    zone: dt.tzinfo,
    practitioner_id: int | None = None,
) -> takings.Takings:
    """The takings of first_day..last_day (days in `zone`), and what is owed and held as
    credit at the end of as_of: eight queries, however many payments; with
    practitioner_id, that practitioner's takings alone (two queries)."""
    start, end = _day_bounds(first_day, last_day, zone)
    _, as_of_end = _day_bounds(as_of, as_of, zone)
    everything = practitioner_id is None
    received = _received(start, end, zone) if everything else []  # query 1
    shares = _shares(start, end, zone)  # query 2
    names = {  # query 3
        p.pk: p.name for p in Practitioner.objects.select_related("user").order_by()
    }
    return takings.takings(
        first_day=first_day,
        last_day=last_day,
        as_of=as_of,
        received=received,
        shares=shares,
        names=names,
        owed=_owed(as_of_end) if everything else [],  # query 4
        refunded=_refunded(start, end, zone) if everything else [],  # query 5
        credit_held=_credit_held(as_of_end) if everything else ZERO,  # queries 6 to 8
        method_order=PaymentMethod.values,
        practitioner_id=practitioner_id,
    )


# --- The desk's cash-up (decision 0102) -----------------------------------------------------

# What a desk's drawer and card terminal hold at the end of a day; transfers and insurers'
# remittances reach the bank, not the desk.
CASH_UP_METHODS = [PaymentMethod.CASH, PaymentMethod.CARD]


@dataclass(frozen=True)
class Expected:
    by_method: dict[str, Decimal]
    # Desk payments of that day with no location to put them at (see payment_locations).
    unplaced: Decimal


def payment_location() -> Coalesce:
    """Where a payment was taken: the location of the earliest session on the invoices it
    pays, else of the patient's latest session up to the payment (credit paid in before an
    invoice), else none."""
    paid_session = (
        PaymentAllocation.objects.filter(
            payment=OuterRef("pk"), invoice__lines__appointment__isnull=False
        )
        .order_by("invoice__lines__appointment__start")
        .values("invoice__lines__appointment__location")[:1]
    )
    latest_session = (
        Appointment.objects.filter(patient=OuterRef("patient"), start__lte=OuterRef("received_at"))
        .order_by("-start")
        .values("location")[:1]
    )
    return Coalesce(Subquery(paid_session), Subquery(latest_session))


def cash_up_expected(*, location: Location, day: dt.date) -> Expected:
    """The desk payments (taken by someone, cash or card) of `day` at `location`, by
    method (one query)."""
    start, end = _day_bounds(day, day, location.zone)
    rows = (
        Payment.objects.filter(
            received_at__gte=start,
            received_at__lt=end,
            taken_by__isnull=False,
            method__in=CASH_UP_METHODS,
        )
        .annotate(location_id=payment_location())
        .values("location_id", "method")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    by_method = {str(method): ZERO for method in CASH_UP_METHODS}
    unplaced = ZERO
    for row in rows:
        if row["location_id"] == location.pk:
            by_method[row["method"]] += row["total"]
        elif row["location_id"] is None:
            unplaced += row["total"]
    return Expected(by_method, unplaced)


def recent_cash_ups(*, location: Location, limit: int = 14) -> list[CashUp]:
    """The location's latest cash-ups with their lines (two queries)."""
    return list(
        CashUp.objects.filter(location=location)
        .select_related("closed_by")
        .prefetch_related("lines")
        .order_by("-day")[:limit]
    )


def cash_up_of(*, location: Location, day: dt.date) -> CashUp | None:
    """The day's cash-up at the location, if closed, with its lines (two queries)."""
    return (
        CashUp.objects.filter(location=location, day=day)
        .select_related("closed_by")
        .prefetch_related("lines")
        .first()
    )


# --- Real revenue beside the manager's report at list prices (decision 0101) ---------------


@dataclass(frozen=True)
class Revenue:
    """At a location in a period: invoiced (invoices issued less credit notes issued) and
    paid (payments received there, payment_location)."""

    invoiced: Decimal
    paid: Decimal


def _location_share(location: Location) -> ExpressionWrapper:
    """The part of a credit note line that falls at `location`: all of it when it credits a
    line of a session there, none for a session elsewhere, and for an amount off the whole
    invoice, the share of the invoice's gross in sessions there."""
    there = (
        InvoiceLine.objects.filter(
            invoice=OuterRef("credit_note__invoice"), appointment__location=location
        )
        .values("invoice")
        .annotate(s=Sum("gross"))
        .values("s")
    )
    money = DecimalField(max_digits=20, decimal_places=10)
    whole = ExpressionWrapper(
        F("gross")
        * Coalesce(Subquery(there, output_field=money), ZERO)
        / NullIf(F("credit_note__invoice__total"), ZERO),
        output_field=money,
    )
    return ExpressionWrapper(
        Case(
            When(invoice_line__appointment__location=location, then=F("gross")),
            When(invoice_line__isnull=True, then=whole),
            default=ZERO,
        ),
        output_field=money,
    )


def revenue(*, location: Location, first_day: dt.date, last_day: dt.date) -> Revenue:
    """Three queries: lines invoiced, credit notes, payments received."""
    start, end = _day_bounds(first_day, last_day, location.zone)
    issued = InvoiceLine.objects.filter(
        invoice__status=InvoiceStatus.ISSUED,
        invoice__issued_at__gte=start,
        invoice__issued_at__lt=end,
        appointment__location=location,
    ).aggregate(s=Sum("gross"))["s"]
    credited = (
        CreditNoteLine.objects.filter(
            credit_note__issued_at__gte=start, credit_note__issued_at__lt=end
        )
        .annotate(share=_location_share(location))
        .aggregate(s=Sum("share"))["s"]
    )
    paid = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(location_id=payment_location())
        .filter(location_id=location.pk)
        .aggregate(s=Sum("amount"))["s"]
    )
    invoiced = (issued or ZERO) - (credited or ZERO)
    return Revenue(invoiced=to_pennies(invoiced), paid=paid or ZERO)
