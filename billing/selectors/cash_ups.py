"""The desk's day-end cash-up (decision 0102): what the records expect at a location on a
day, by method, and the cash-ups kept."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    OuterRef,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce

from billing.arithmetic import ZERO
from billing.models import (
    CashUp,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from billing.selectors import day_bounds
from booking.models import Appointment
from clinic.models import Location

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
    start, end = day_bounds(day, day, location.zone)
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
