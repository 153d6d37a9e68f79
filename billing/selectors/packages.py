"""Reads of packages: a patient's with credits used and left, the packages that can pay
for a session, and what the clinic owes in credits sold and not used (a liability).

Whether a package is paid is read from its sale invoice's balance every time: the same
records as the invoice page, so the two never disagree (decision 0105)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.arithmetic import ZERO
from billing.models import (
    CreditNote,
    Package,
    PackageStatus,
    PackageType,
    PackageUse,
    PaymentAllocation,
    Refund,
)
from billing.selectors import _sum_of
from booking.models import Appointment, AppointmentStatus


def _with_money(packages: QuerySet[Package]) -> QuerySet[Package]:
    """Packages with `used` (credits drawn) and their sale invoice's `paid`, `credited`
    and `refunded` annotated, each a subquery (one query in all)."""
    used = (
        PackageUse.objects.filter(package=OuterRef("pk"))
        .values("package")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return packages.annotate(
        used=Coalesce(Subquery(used, output_field=IntegerField()), 0),
        paid=_sum_of(
            PaymentAllocation.objects.filter(invoice=OuterRef("invoice")),
            group="invoice",
            field="amount",
        ),
        credited=_sum_of(
            CreditNote.objects.filter(invoice=OuterRef("invoice")), group="invoice", field="total"
        ),
        refunded=_sum_of(
            Refund.objects.filter(credit_note__invoice=OuterRef("invoice")),
            group="credit_note__invoice",
            field="amount",
        ),
    )


@dataclass(frozen=True)
class PackageBalance:
    """One package as the desk and the patient see it."""

    package: Package
    used: int
    paid: bool
    today: dt.date

    @property
    def left(self) -> int:
        return self.package.sessions - self.used

    @property
    def expired(self) -> bool:
        return self.package.status == PackageStatus.EXPIRED or self.today > self.package.expires_on

    @property
    def usable(self) -> bool:
        """Can pay for a session now: active, paid, in date, a credit left."""
        return (
            self.package.status == PackageStatus.ACTIVE
            and self.paid
            and not self.expired
            and self.left > 0
        )

    @property
    def unused_value(self) -> Decimal:
        return self.package.value_of_unused(self.used)

    @property
    def state(self) -> str:
        """In words, for the pages."""
        if self.package.status == PackageStatus.REFUNDED:
            return "Refunded"
        if self.expired:
            return "Expired"
        if not self.paid:
            return "Waiting for payment"
        if self.left <= 0:
            return "Used up"
        return "Active"


def _balance(package: Package, today: dt.date) -> PackageBalance:
    # Paid: the whole total received and nothing of it credited back by hand (a credit
    # note on the sale invoice other than the package's own refund stops its use: the
    # manager decided the sale does not stand as it was).
    paid = (
        package.invoice.total is not None
        and package.credited == ZERO  # type: ignore[attr-defined]
        and package.paid - package.refunded >= package.invoice.total  # type: ignore[attr-defined]
    )
    return PackageBalance(package=package, used=package.used, paid=paid, today=today)  # type: ignore[attr-defined]


def patient_packages(patient_id: int, *, now: dt.datetime) -> list[PackageBalance]:
    """The patient's packages, those expiring first first, each with its credits (one
    query)."""
    today = timezone.localdate(now)
    packages = _with_money(
        Package.objects.filter(patient_id=patient_id).select_related("type", "invoice")
    ).order_by("status", "expires_on", "pk")
    return [_balance(package, today) for package in packages]


def package_balance(package: Package, *, now: dt.datetime) -> PackageBalance:
    """One package's balance (one query)."""
    row = _with_money(Package.objects.filter(pk=package.pk).select_related("type", "invoice"))
    return _balance(row.get(), timezone.localdate(now))


def packages_for_session(
    *, patient_id: int, service_id: int, day: dt.date, now: dt.datetime
) -> list[PackageBalance]:
    """The patient's packages that can pay for a session of this service on `day`:
    active, paid, covering the service, in date that day, a credit left; the one
    expiring first first (its credits would be lost first). Two queries."""
    today = timezone.localdate(now)
    packages = _with_money(
        Package.objects.filter(
            patient_id=patient_id,
            status=PackageStatus.ACTIVE,
            expires_on__gte=max(day, today),
            type__services=service_id,
        ).select_related("type", "invoice")
    ).order_by("expires_on", "pk")
    balances = [_balance(package, today) for package in packages]
    return [balance for balance in balances if balance.usable]


@dataclass(frozen=True)
class TypeLiability:
    type: PackageType
    packages: int
    credits: int
    value: Decimal


def _liable(at: dt.datetime) -> list[tuple[Package, int]]:
    """Packages the clinic owed sessions for at `at`, with the credits left then: sold
    by then, paid in full by then, not expired nor refunded by then (one query)."""
    day = timezone.localdate(at)
    used = (
        PackageUse.objects.filter(package=OuterRef("pk"), used_at__lte=at)
        .values("package")
        .annotate(n=Count("pk"))
        .values("n")
    )
    packages = (
        Package.objects.filter(bought_at__lte=at, expires_on__gte=day)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=at))
        .select_related("type", "invoice")
        .annotate(
            used_then=Coalesce(Subquery(used, output_field=IntegerField()), 0),
            paid_then=_sum_of(
                PaymentAllocation.objects.filter(invoice=OuterRef("invoice"), allocated_at__lte=at),
                group="invoice",
                field="amount",
            ),
        )
        .order_by("type", "pk")
    )
    return [
        (package, package.used_then)
        for package in packages
        if package.invoice.total is not None
        and package.paid_then >= package.invoice.total
        and package.used_then < package.sessions
    ]


def package_liabilities(*, at: dt.datetime) -> Decimal:
    """What the credits sold, paid for and not yet used were worth at `at`: the sessions
    the clinic owes its patients, priced as sold (credit_value; the last credit carries
    the pennies left over). Expired and refunded packages owe nothing. One query."""
    return sum((package.value_of_unused(used) for package, used in _liable(at)), ZERO)


def package_liabilities_by_type(*, at: dt.datetime) -> list[TypeLiability]:
    """package_liabilities per package type: how many packages, credits left and their
    value, by type name (one query)."""
    rows: dict[int, list[tuple[Package, int]]] = defaultdict(list)
    for package, used in _liable(at):
        rows[package.type_id].append((package, used))
    result = [
        TypeLiability(
            type=items[0][0].type,
            packages=len(items),
            credits=sum(package.sessions - used for package, used in items),
            value=sum((package.value_of_unused(used) for package, used in items), ZERO),
        )
        for items in rows.values()
    ]
    return sorted(result, key=lambda row: (row.type.name, row.type.pk))


def package_types_on_sale(*, public_only: bool = False) -> QuerySet[PackageType]:
    """The types the desk (or, public only, the portal) can sell, with their services."""
    types = PackageType.objects.filter(is_active=True).prefetch_related("services")
    return types.filter(is_public=True) if public_only else types


__all__ = [
    "PackageBalance",
    "TypeLiability",
    "package_balance",
    "package_liabilities",
    "package_liabilities_by_type",
    "package_types_on_sale",
    "packages_for_session",
    "patient_packages",
    "sessions_to_pay_by_package",
]


def sessions_to_pay_by_package(patient_id: int) -> QuerySet[Appointment]:
    """The patient's completed sessions neither invoiced nor paid by a package yet: what
    the desk may pay with a credit by hand, latest first."""
    return (
        Appointment.objects.filter(
            patient_id=patient_id,
            status=AppointmentStatus.COMPLETED,
            invoice_lines__isnull=True,
            package_use__isnull=True,
        )
        .select_related("service")
        .order_by("-start")
    )
