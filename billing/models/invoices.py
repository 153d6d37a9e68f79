"""Invoices and their lines. A draft changes freely; issuing gives it a number and stores
every figure, after which the database refuses any change (migration 0002)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from billing.arithmetic import Amounts, line_amounts, total
from billing.models.payers import Payer
from booking.models import AppointmentStatus

# What may be invoiced: a session that took place, or the fee for one missed or cancelled
# late.
INVOICEABLE_STATUSES = [
    AppointmentStatus.COMPLETED,
    AppointmentStatus.LATE_CANCELLED,
    AppointmentStatus.NO_SHOW,
]

# Every amount of money: DecimalField(max_digits=10, decimal_places=2) (decision 0090).


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"


class VatStatus(models.TextChoices):
    # Medical care by a registered health professional (HMRC VAT Notice 701/57).
    EXEMPT = "exempt", "Exempt"
    STANDARD = "standard", "Standard rate"
    ZERO = "zero", "Zero rate"
    # Not a supply: a multi-purpose voucher's sale (HMRC VAT Notice 700/7); VAT, if any,
    # falls on what it is spent on (decision 0106).
    OUTSIDE_SCOPE = "outside", "Outside the scope of VAT"


class Invoice(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="invoices"
    )
    payer = models.ForeignKey(
        Payer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        help_text="Leave empty when the patient pays.",
    )
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    # Given at issue (CLINIC_INVOICE_PREFIX and the gap-free sequence), never before.
    number = models.CharField(max_length=30, unique=True, null=True, blank=True, editable=False)
    issued_at = models.DateTimeField(null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    due_on = models.DateField("due date", null=True, blank=True)
    currency = models.CharField(max_length=3, editable=False)
    policy_number = models.CharField("insurer policy number", max_length=50, blank=True)
    authorisation_number = models.CharField("pre-authorisation number", max_length=50, blank=True)
    notes = models.TextField(max_length=1000, blank=True, help_text="Printed on the invoice.")
    # The figures as issued: empty on a draft, whose figures come from its lines.
    net_total = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    tax_total = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    total = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        status=InvoiceStatus.DRAFT,
                        number__isnull=True,
                        issued_at__isnull=True,
                        total__isnull=True,
                        net_total__isnull=True,
                        tax_total__isnull=True,
                    )
                    | Q(
                        status=InvoiceStatus.ISSUED,
                        number__isnull=False,
                        issued_at__isnull=False,
                        due_on__isnull=False,
                        total__isnull=False,
                        net_total__isnull=False,
                        tax_total__isnull=False,
                    )
                ),
                name="invoice_number_iff_issued",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total=F("net_total") + F("tax_total")),
                name="invoice_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0),
                name="invoice_total_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Draft invoice {self.pk}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT

    def amounts(self) -> Amounts:
        """As issued; a draft's from its lines (read them with prefetch_related)."""
        if self.total is not None and self.net_total is not None and self.tax_total is not None:
            return Amounts(self.net_total, self.tax_total, self.total)
        return total(line.amounts() for line in self.lines.all())


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    description = models.CharField(max_length=200)
    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )
    service = models.ForeignKey(
        "booking.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="Before VAT.",
    )
    vat_status = models.CharField(
        "VAT", max_length=10, choices=VatStatus.choices, default=VatStatus.EXEMPT
    )
    vat_rate = models.DecimalField(
        "VAT rate (%)", max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    nominal_code = models.CharField(
        max_length=20, blank=True, help_text="The accountant's code for this kind of income."
    )
    # Stored at issue, with the invoice's totals.
    net = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    tax = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )
    gross = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="invoiceline_quantity"),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="invoiceline_price_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(vat_status=VatStatus.STANDARD, vat_rate__gt=0, vat_rate__lte=100)
                    | Q(
                        vat_status__in=[
                            VatStatus.EXEMPT,
                            VatStatus.ZERO,
                            VatStatus.OUTSIDE_SCOPE,
                        ],
                        vat_rate=0,
                    )
                ),
                name="invoiceline_vat_rate_fits_status",
                violation_error_message=(
                    "A standard-rated line needs a VAT rate above 0 %%; an exempt, "
                    "zero-rated or outside-the-scope line has a VAT rate of 0 %%."
                ),
            ),
            models.CheckConstraint(
                condition=Q(gross__isnull=True) | Q(gross=F("net") + F("tax")),
                name="invoiceline_gross_adds_up",
            ),
            # One invoice per appointment: a correction is a credit note, not a second bill.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False),
                name="invoiceline_one_per_appointment",
                violation_error_message="This appointment is already invoiced.",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def amounts(self) -> Amounts:
        if self.net is not None and self.tax is not None and self.gross is not None:
            return Amounts(self.net, self.tax, self.gross)
        return line_amounts(
            quantity=self.quantity, unit_price=self.unit_price, vat_rate=self.vat_rate
        )
