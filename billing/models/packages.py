"""Packages of sessions (decision 0105): the types the manager sells, a patient's purchase
of one, and each credit drawn from it by a completed session.

Money is on the sale invoice, the only record of it: a package is usable once that
invoice is paid, derived from its balance every time (billing.selectors.packages), never
kept as a flag that could drift. The credits used are the PackageUse rows, numbered 1, 2,
3… within the package under the package's row lock; the database refuses a second use of
one number, a second use for one appointment and a number beyond the package's sessions
(migration trigger), so one package's credits never go below zero."""

from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from billing.arithmetic import PENNY, ZERO
from billing.models.invoices import Invoice, VatStatus


class RefundRule(models.TextChoices):
    NONE = "none", "No refund of unused credits"
    PRO_RATA = "pro_rata", "Pro rata: the price per credit for each unused credit"
    MANAGER = "manager", "The manager decides, up to the pro-rata amount"


class ValidityUnit(models.TextChoices):
    MONTHS = "months", "Months"
    DAYS = "days", "Days"


class PackageType(models.Model):
    """What the clinic sells, for example "6 follow-up sessions for the price of 5, valid 6
    months". Edited by the manager in the admin; a sale copies what it needs, so a later
    change of the type never changes a package already sold."""

    name = models.CharField(max_length=100, help_text="Shown on the invoice and to patients.")
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="For the whole package, before VAT (as on an invoice line).",
    )
    vat_status = models.CharField(
        "VAT", max_length=10, choices=VatStatus.choices, default=VatStatus.EXEMPT
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)", max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    nominal_code = models.CharField(max_length=20, blank=True)
    validity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="How long credits can be used after the sale."
    )
    validity_unit = models.CharField(
        max_length=6, choices=ValidityUnit.choices, default=ValidityUnit.MONTHS
    )
    services = models.ManyToManyField(
        "booking.Service", related_name="+", help_text="The sessions a credit pays for."
    )
    refund_rule = models.CharField(
        "refund of unused credits",
        max_length=10,
        choices=RefundRule.choices,
        default=RefundRule.PRO_RATA,
    )
    is_active = models.BooleanField("on sale", default=True)
    is_public = models.BooleanField(
        "sold online", default=False, help_text="Patients can buy it in their portal."
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gte=1), name="packagetype_sessions"),
            models.CheckConstraint(condition=Q(price__gt=0), name="packagetype_price_positive"),
            models.CheckConstraint(condition=Q(validity__gte=1), name="packagetype_validity"),
            models.CheckConstraint(
                condition=(
                    Q(vat_status=VatStatus.STANDARD, vat_rate__gt=0, vat_rate__lte=100)
                    | Q(vat_status__in=[VatStatus.EXEMPT, VatStatus.ZERO], vat_rate=0)
                ),
                name="packagetype_vat_rate_fits_status",
                violation_error_message=(
                    "A standard-rated package needs a VAT rate above 0 %%; an exempt or "
                    "zero-rated one has a VAT rate of 0 %%."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def validity_text(self) -> str:
        unit = self.get_validity_unit_display().lower()
        return f"{self.validity} {unit[:-1] if self.validity == 1 else unit}"


class PackageStatus(models.TextChoices):
    # Bought; usable once its sale invoice is paid (derived), until it expires.
    ACTIVE = "active", "Active"
    # Past its last day: credits left are forfeited (the expiry task).
    EXPIRED = "expired", "Expired"
    # Unused credits given back through a credit note on the sale invoice.
    REFUNDED = "refunded", "Refunded"


def credit_value(price: Decimal, sessions: int) -> Decimal:
    """The price of one credit: the price shared by the sessions, rounded down to the
    penny. The pennies left over belong to the last credit, so what the credits are
    worth always adds up to the price: used credits are worth this much each, and the
    unused ones the rest of the price (billing.selectors.packages.unused_value)."""
    return (price / sessions).quantize(PENNY, rounding=ROUND_DOWN)


class Package(models.Model):
    """A patient's package, sold on its own invoice. The sessions, price and expiry are
    copied at the sale."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="packages"
    )
    type = models.ForeignKey(PackageType, on_delete=models.PROTECT, related_name="packages")
    sessions = models.PositiveSmallIntegerField()
    # What the patient pays for the whole package, VAT included: the sale invoice's total.
    price = models.DecimalField(max_digits=10, decimal_places=2)
    # price / sessions rounded down (credit_value); the last credit carries the remainder.
    price_per_credit = models.DecimalField(max_digits=10, decimal_places=2)
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="package")
    bought_at = models.DateTimeField()
    # The last day a session can be paid by it (the clinic's zone), inclusive.
    expires_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=PackageStatus.choices, default=PackageStatus.ACTIVE
    )
    # When it stopped being usable: expired by the task, or refunded.
    closed_at = models.DateTimeField(null=True, blank=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient bought it online.",
    )

    class Meta:
        ordering = ["expires_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gte=1), name="package_sessions"),
            models.CheckConstraint(condition=Q(price__gt=0), name="package_price_positive"),
            models.CheckConstraint(
                condition=Q(price_per_credit__gte=0), name="package_credit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status=PackageStatus.ACTIVE, closed_at__isnull=True)
                | (~Q(status=PackageStatus.ACTIVE) & Q(closed_at__isnull=False)),
                name="package_closed_iff_not_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type.name} ({self.patient})"

    def value_of_unused(self, used: int) -> Decimal:
        """What the credits not yet used are worth: the price less the used ones."""
        if used >= self.sessions:
            return ZERO
        return self.price - self.price_per_credit * used


class PackageUse(models.Model):
    """One credit paying for one session. `number` is the credit's place in the package
    (credit 3 of 6), given under the package's lock."""

    package = models.ForeignKey(Package, on_delete=models.PROTECT, related_name="uses")
    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.PROTECT, related_name="package_use"
    )
    number = models.PositiveSmallIntegerField()
    used_at = models.DateTimeField()
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who applied it by hand; empty when drawn as the session was completed.",
    )

    class Meta:
        ordering = ["package", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="packageuse_number"),
            models.UniqueConstraint(
                fields=["package", "number"],
                name="packageuse_one_per_credit",
                violation_error_message="This credit is used already.",
            ),
        ]

    def __str__(self) -> str:
        return f"Credit {self.number} of {self.package}"
