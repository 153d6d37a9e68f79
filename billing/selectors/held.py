"""Money the clinic holds for patients, and what deposits did to no-shows: the figures of
the manager's "Deposits, fees, packages and vouchers" report.

Every figure is computed in the database from the records (payments, allocations,
refunds, package uses, voucher redemptions), as of a moment, so a report of last month
reads the same next year."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, QuerySet, Sum

from billing.arithmetic import ZERO
from billing.models import (
    FeeProposal,
    FeeStatus,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
)
from billing.selectors import _sum_of
from booking.models import Appointment, AppointmentStatus

# Sessions due to be attended: a no-show is counted against these (as the manager's report).
DUE = [AppointmentStatus.COMPLETED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW]
# Either side of the day deposits began, at most this long.
COMPARISON_SPAN = dt.timedelta(days=90)


def deposits_held(*, at: dt.datetime) -> Decimal:
    """Deposits and prepayments taken online towards appointments, not yet put against an
    invoice nor given back, at ``at`` (one query)."""
    left = (
        Payment.objects.filter(
            method=PaymentMethod.ONLINE, appointment__isnull=False, received_at__lte=at
        )
        .annotate(
            allocated=_sum_of(
                PaymentAllocation.objects.filter(payment=OuterRef("pk"), allocated_at__lte=at),
                group="payment",
                field="amount",
            ),
            refunded=_sum_of(
                Refund.objects.filter(
                    payment=OuterRef("pk"), credit_note__isnull=True, refunded_at__lte=at
                ),
                group="payment",
                field="amount",
            ),
        )
        .values_list("amount", "allocated", "refunded")
    )
    return sum((amount - allocated - refunded for amount, allocated, refunded in left), ZERO)


@dataclass(frozen=True)
class NoShows:
    """No-shows among the sessions due to be attended in a span."""

    no_shows: int
    due: int
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    @property
    def rate(self) -> float | None:
        return self.no_shows / self.due if self.due else None

    @property
    def percent(self) -> str:
        """The rate as the report shows it: "12.5 %", or a dash with nothing due."""
        return "—" if self.rate is None else f"{self.rate * 100:.1f} %"


@dataclass(frozen=True)
class DepositEffect:
    """No-shows of sessions booked with a deposit beside those without, in the period; and
    of every session in the span before the first deposit was taken beside the span since
    (None when no deposit was ever taken)."""

    with_deposit: NoShows
    without_deposit: NoShows
    began: dt.datetime | None
    before: NoShows | None
    since: NoShows | None

    def rows(self) -> list[tuple[str, NoShows]]:
        """Each comparison with its label, as the report lists them."""
        rows = [
            ("In the period, booked with a deposit", self.with_deposit),
            ("In the period, without a deposit", self.without_deposit),
        ]
        for label, span in (("before deposits began", self.before), ("since", self.since)):
            if span is not None:
                rows.append(
                    (
                        f"All sessions {label}, {span.first_day:%-d %b %Y} to "
                        f"{span.last_day:%-d %b %Y}",
                        span,
                    )
                )
        return rows


def _count(appointments: QuerySet[Appointment]) -> tuple[int, int]:
    row = appointments.filter(status__in=DUE).aggregate(
        due=Count("pk"), no_shows=Count("pk", filter=Q(status=AppointmentStatus.NO_SHOW))
    )
    return row["no_shows"], row["due"]


def _span(
    start: dt.datetime, end: dt.datetime, zone: dt.tzinfo, location_id: int | None
) -> NoShows:
    found = Appointment.objects.filter(start__gte=start, start__lt=end)
    if location_id is not None:
        found = found.filter(location_id=location_id)
    no_shows, due = _count(found)
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    return NoShows(no_shows, due, start.astimezone(zone).date(), last)


def deposit_effect(
    *,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    zone: dt.tzinfo,
    location_id: int | None = None,
) -> DepositEffect:
    """No-show rates with and without a deposit for sessions starting in [start, end), and
    in the COMPARISON_SPAN before the first session booked with a deposit beside the span
    since (up to COMPARISON_SPAN, never past ``now``): rates, so spans of unequal length
    compare. Five queries."""
    in_period = Appointment.objects.filter(start__gte=start, start__lt=end)
    if location_id is not None:
        in_period = in_period.filter(location_id=location_id)
    deposit = Q(
        payments_towards__method=PaymentMethod.ONLINE,
    )
    with_deposit = NoShows(*_count(in_period.filter(deposit).distinct()))
    without_deposit = NoShows(*_count(in_period.exclude(deposit)))
    first = (
        Payment.objects.filter(method=PaymentMethod.ONLINE, appointment__isnull=False)
        .order_by("appointment__start")
        .values_list("appointment__start", flat=True)
        .first()
    )
    if first is None:
        return DepositEffect(with_deposit, without_deposit, None, None, None)
    since = None
    if now > first:
        since = _span(first, min(now, first + COMPARISON_SPAN), zone, location_id)
    return DepositEffect(
        with_deposit,
        without_deposit,
        first,
        before=_span(first - COMPARISON_SPAN, first, zone, location_id),
        since=since,
    )


@dataclass(frozen=True)
class FeeLine:
    status: str
    label: str
    count: int
    amount: Decimal


def fee_figures(*, start: dt.datetime, end: dt.datetime) -> list[FeeLine]:
    """Late-cancellation and no-show fees decided in [start, end) by outcome (charged to
    the card, invoiced for a pay link, waived, card charge failed), and those still
    waiting for the desk that were proposed in it. One query."""
    decided = Q(decided_at__gte=start, decided_at__lt=end)
    waiting = Q(status=FeeStatus.PROPOSED, proposed_at__gte=start, proposed_at__lt=end)
    rows: dict[str, tuple[int, Decimal]] = {
        row["status"]: (row["count"], row["amount"])
        for row in FeeProposal.objects.filter(decided | waiting)
        .values("status")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    }
    return [
        FeeLine(status, label, *rows.get(status, (0, ZERO))) for status, label in FeeStatus.choices
    ]
