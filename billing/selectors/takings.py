"""The takings of a period, read once (decision 0101): what was received by day, method and
practitioner, refunds, what is owed by age and the credit held, in a fixed number of
queries; billing.takings does the arithmetic."""

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Sum,
)
from django.db.models.functions import NullIf, TruncDate

from billing import takings
from billing.arithmetic import ZERO, to_pennies
from billing.models import (
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
    RefundMethod,
)
from billing.selectors import day_bounds
from booking.models import Practitioner

# Spending a gift voucher is no money coming in: it came in when the voucher was sold
# (decision 0106). Takings, practitioners' shares and revenue leave it out.
NOT_TAKINGS = [PaymentMethod.VOUCHER]
# Nor is giving a voucher's spend back on the voucher (a session cancelled in time) money
# going out: the refunds on the report leave it out.
NOT_MONEY_OUT = [RefundMethod.VOUCHER]


def _received(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> list[takings.Received]:
    rows = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(method__in=NOT_TAKINGS)
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
        .exclude(payment__method__in=NOT_TAKINGS)
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
        .exclude(method__in=NOT_MONEY_OUT)
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
    start, end = day_bounds(first_day, last_day, zone)
    _, as_of_end = day_bounds(as_of, as_of, zone)
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
