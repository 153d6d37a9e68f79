"""Money received and given back. Each row records something that happened: none is ever
changed or deleted (migration 0002). A patient's credit is derived from these rows
(billing.selectors.patient_credit), never kept as a running balance that could drift."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models.credit_notes import CreditNote
from billing.models.invoices import Invoice


class PaymentMethod(models.TextChoices):
    CASH = "cash", "Cash"
    CARD = "card", "Card (clinic terminal)"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    INSURER = "insurer", "Insurer remittance"
    # Card payments through the payment provider's hosted page; recorded by its webhook.
    ONLINE = "online", "Online"
    # Part of a gift voucher spent (billing.models.vouchers): the money came in when the
    # voucher was sold, so takings and cash-ups never count it again.
    VOUCHER = "voucher", "Gift voucher"


# What the desk records by hand; online payments come from the provider alone.
DESK_METHODS = [
    PaymentMethod.CASH,
    PaymentMethod.CARD,
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.INSURER,
]


class Payment(models.Model):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, editable=False)
    received_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who took it at the desk; empty for online payments.",
    )
    reference = models.CharField(
        max_length=100, blank=True, help_text="Terminal receipt, transfer or remittance reference."
    )
    # The payment provider's id of an online payment: recording it twice is refused.
    provider_reference = models.CharField(max_length=255, unique=True, null=True, blank=True)
    # One submission of the desk's form: the same submission again records nothing more.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Taken for one appointment before it was invoiced (a deposit or prepayment at online
    # booking, a voucher used when booking): what is left of it goes to that appointment's
    # invoice when the invoice is issued (billing.services.invoices.invoice_issue). Until
    # then it is the patient's credit, like any payment not put against an invoice.
    appointment = models.ForeignKey(
        "booking.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payments_towards",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["received_at"], name="payment_received_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(provider_reference__isnull=True) | Q(method=PaymentMethod.ONLINE),
                name="payment_provider_reference_online_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency}"


class PaymentAllocation(models.Model):
    """Part of a payment put against one invoice. One payment may pay several invoices; the
    rest of it is the patient's credit until allocated."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    allocated_at = models.DateTimeField()
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.invoice}"


class RefundMethod(models.TextChoices):
    CASH = "cash", "Cash"
    # Back to the card through the payment provider.
    ONLINE = "online", "Online"
    # What was left of a gift voucher spent towards an appointment cancelled in time, put
    # back on that voucher (billing.services.voucher_returns): no money leaves the clinic,
    # so takings never count it as a refund.
    VOUCHER = "voucher", "Back on the gift voucher"


class Refund(models.Model):
    """Money given back: what a credit note took off a paid invoice, or the patient's
    unused credit (no credit note)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="refunds"
    )
    credit_note = models.ForeignKey(
        CreditNote, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    method = models.CharField(max_length=20, choices=RefundMethod.choices)
    # The online payment an online refund went back to (a card can only take back what
    # it paid), or the voucher payment a voucher refund puts back on its voucher.
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds"
    )
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, editable=False)
    refunded_at = models.DateTimeField()
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reference = models.CharField(max_length=100, blank=True)
    provider_reference = models.CharField(max_length=255, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-refunded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(provider_reference__isnull=True) | Q(method=RefundMethod.ONLINE),
                name="refund_provider_reference_online_only",
            ),
            models.CheckConstraint(
                condition=Q(payment__isnull=True)
                | Q(method__in=[RefundMethod.ONLINE, RefundMethod.VOUCHER]),
                name="refund_payment_online_or_voucher_only",
            ),
            # Back on a voucher means back on the voucher its payment spent: the refund
            # names that payment, and gives back credit, not part of a credit note.
            models.CheckConstraint(
                condition=~Q(method=RefundMethod.VOUCHER)
                | Q(payment__isnull=False, credit_note__isnull=True),
                name="refund_voucher_names_its_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.currency}"
