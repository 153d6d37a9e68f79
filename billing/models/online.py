"""Our side of online payments: the Checkout Sessions we asked the payment provider for,
and every webhook event it sent, stored once (docs/decisions/0097). Payments and refunds
themselves are the rows of billing.models.payments, which never change: what is pending
lives here."""

from django.db import models
from django.db.models import Q

from billing.models.invoices import Invoice


class CheckoutStatus(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired"
    # The provider's event did not match what we asked for: logged, nothing recorded.
    MISMATCH = "mismatch", "Amount or currency did not match"


class CheckoutAttempt(models.Model):
    """A hosted payment page opened for an invoice, for the amount it owed then. The
    webhook that says it was paid is checked against this row, never against the page."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="checkouts")
    session_id = models.CharField(max_length=255, unique=True)
    url = models.URLField(max_length=2000)
    # What we asked for, computed on the server from the invoice's outstanding amount.
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    payment_intent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="checkout_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Checkout {self.session_id} for {self.invoice}"


class ProviderEvent(models.Model):
    """One webhook event of the payment provider, stored the first time it arrives (its
    id is unique): a replay or a second delivery finds it and does nothing more."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True)
    # The payment the event is about, when it names one: an event that arrives before
    # its payment's is kept unprocessed and taken up when the payment is recorded.
    payment_intent = models.CharField(max_length=255, blank=True, db_index=True)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
