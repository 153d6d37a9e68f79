"""Gift vouchers: sold like anything else (an issued invoice the buyer pays), spent on
invoices and online bookings (decision 0106).

The code is never stored: only its keyed hash (to find the voucher from a code typed in)
and its last four characters (for the desk to tell vouchers apart), so a read of the
database gives nobody a usable code. The balance is derived from the redemptions every
time, never kept as a running figure that could drift."""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from billing.models.invoices import Invoice
from billing.models.payments import Payment


def parse_amounts(text: str) -> list[Decimal]:
    """The amounts of a comma-separated list ("30, 50, 100"), in order, each a positive
    sum of money with at most two decimal places; a ValidationError names the bad one."""
    amounts: list[Decimal] = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        try:
            if not re.fullmatch(r"-?\d+(\.\d+)?", part):  # "1E+2", "NaN", "Infinity"
                raise InvalidOperation
            amount = Decimal(part)
        except InvalidOperation:
            raise ValidationError(
                f"“{part}” is not an amount: write amounts such as 30, 50, 100."
            ) from None
        exponent = amount.as_tuple().exponent
        if not isinstance(exponent, int) or amount <= 0 or exponent < -2:
            raise ValidationError(
                f"“{part}” is not an amount of money: each must be above zero, with at most "
                "two decimal places."
            )
        amounts.append(amount)
    return amounts


class VoucherTerms(models.Model):
    """The clinic's gift voucher terms: one row, edited by the manager in the admin (local
    law and the clinic's own practice decide them, not the server's set-up). A sale copies
    its expiry date onto the voucher, so changing the terms never changes a voucher sold."""

    valid_months = models.PositiveSmallIntegerField(
        "valid for (months)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="From the day of sale, 1 to 120 months. UK clinics commonly give 12 to 24 "
        "months; consumer law where the clinic trades may set a minimum (check it before "
        "shortening this). Vouchers already sold keep the expiry date they were sold with.",
    )
    amounts = models.CharField(
        "amounts offered online",
        max_length=200,
        default="30, 50, 100",
        help_text="The amounts the public gift voucher page offers, separated by commas "
        "(e.g. 30, 50, 100), each within the lowest and highest amount. Buyers may also "
        "choose another amount in that range.",
    )
    min_amount = models.DecimalField(
        "lowest amount",
        max_digits=10,
        decimal_places=2,
        default=Decimal("10.00"),
        help_text="The least a voucher can be sold for, online or at the desk.",
    )
    max_amount = models.DecimalField(
        "highest amount",
        max_digits=10,
        decimal_places=2,
        default=Decimal("500.00"),
        help_text="The most a voucher can be sold for, online or at the desk.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "gift voucher terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_months__gte=1, valid_months__lte=120),
                name="voucher_terms_valid_months_range",
                violation_error_message="A voucher is valid for 1 to 120 months.",
            ),
            models.CheckConstraint(
                condition=Q(min_amount__gt=0),
                name="voucher_terms_min_positive",
                violation_error_message="The lowest amount must be above zero.",
            ),
            models.CheckConstraint(
                condition=Q(max_amount__gte=F("min_amount")),
                name="voucher_terms_max_not_below_min",
                violation_error_message="The highest amount cannot be below the lowest.",
            ),
        ]

    def __str__(self) -> str:
        return "Gift voucher terms"

    @classmethod
    def load(cls) -> "VoucherTerms":
        terms, _ = cls.objects.get_or_create(pk=1)
        return terms

    @property
    def amounts_offered(self) -> list[Decimal]:
        """The public page's amounts; a row saved through clean() always parses."""
        return parse_amounts(self.amounts)

    def clean(self) -> None:
        """The friendly copy of the constraints, naming the field, plus what a constraint
        cannot say: every amount offered lies within the lowest and highest amount."""
        errors: dict[str, list[str]] = {}
        low, high = self.min_amount, self.max_amount
        if low is not None and low <= 0:
            errors.setdefault("min_amount", []).append("The lowest amount must be above zero.")
        if low is not None and high is not None and high < low:
            errors.setdefault("max_amount", []).append(
                "The highest amount cannot be below the lowest."
            )
        try:
            amounts = parse_amounts(self.amounts or "")
        except ValidationError as error:
            errors.setdefault("amounts", []).extend(error.messages)
        else:
            if not amounts:
                errors.setdefault("amounts", []).append(
                    "Offer at least one amount (buyers may also choose another)."
                )
            elif not errors and low is not None and high is not None:
                outside = [a for a in amounts if not low <= a <= high]
                if outside:
                    listed = ", ".join(str(a) for a in outside)
                    errors.setdefault("amounts", []).append(
                        f"{listed}: outside the lowest and highest amount ({low} to {high})."
                    )
            if amounts and "amounts" not in errors:
                self.amounts = ", ".join(str(a) for a in amounts)
        if errors:
            raise ValidationError(errors)


class VoucherStatus(models.TextChoices):
    # Sold; usable once its sale invoice is paid and a code was given out.
    ISSUED = "issued", "Issued"
    # Past its expiry date, marked by a nightly job (billing.periodic.expire_vouchers); a
    # voucher past its date is refused whether or not the job has run yet.
    EXPIRED = "expired", "Expired"


class GiftVoucher(models.Model):
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, editable=False)
    # HMAC-SHA256 of the normalised code (billing.services.vouchers.code_hash); empty until
    # the code is given out, after the sale is paid.
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    code_last4 = models.CharField("code ends", max_length=4, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who paid for it: a patient record (the sale invoice needs one; an online buyer gets
    # one from the details they give, as an online booking does).
    buyer = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="vouchers_bought"
    )
    recipient_name = models.CharField(max_length=100)
    recipient_email = models.EmailField(max_length=254, blank=True)
    message = models.CharField(max_length=300, blank=True, help_text="Plain text, on the email.")
    sale_invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="gift_voucher"
    )
    issued_at = models.DateTimeField()
    expires_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.ISSUED
    )
    # One submission of a sale form: the same submission again answers the same voucher.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="voucher_amount_positive"),
        ]

    def __str__(self) -> str:
        ends = f" …{self.code_last4}" if self.code_last4 else ""
        return f"Gift voucher {self.amount} {self.currency}{ends}"


class VoucherRedemption(models.Model):
    """Part of a voucher spent: the payment (method "voucher") it made, on an invoice or
    towards an appointment booked online. Never changed or deleted."""

    voucher = models.ForeignKey(GiftVoucher, on_delete=models.PROTECT, related_name="redemptions")
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="voucher_redemption"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="redemption_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of {self.voucher}"
