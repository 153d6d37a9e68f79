"""Real revenue beside the manager's report at list prices (decision 0101): invoiced and
paid at a location in a period."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from billing.arithmetic import ZERO, to_pennies
from billing.models import (
    CreditNoteLine,
    InvoiceLine,
    InvoiceStatus,
    Payment,
)
from billing.selectors import day_bounds
from billing.selectors.cash_ups import payment_location
from billing.selectors.takings import NOT_TAKINGS
from clinic.models import Location


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
    start, end = day_bounds(first_day, last_day, location.zone)
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
        .exclude(method__in=NOT_TAKINGS)
        .annotate(location_id=payment_location())
        .filter(location_id=location.pk)
        .aggregate(s=Sum("amount"))["s"]
    )
    invoiced = (issued or ZERO) - (credited or ZERO)
    return Revenue(invoiced=to_pennies(invoiced), paid=paid or ZERO)
