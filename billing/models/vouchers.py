"""Gift vouchers: sold like anything else (an issued invoice the buyer pays), spent on
invoices and online bookings (decision 0106).

The code is never stored: only its keyed hash (to find the voucher from a code typed in)
and its last four characters (for the desk to tell vouchers apart), so a read of the
database gives nobody a usable code. The balance is derived from the redemptions every
time, never kept as a running figure that could drift."""

from django.db import models
from django.db.models import Q

from billing.models.invoices import Invoice
from billing.models.payments import Payment


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
