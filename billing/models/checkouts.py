"""Booking with payment (decision 0103): a time the patient picked, kept while they pay a
deposit, the whole price or save a card on the provider's hosted page. Nothing is booked
until the provider's signed webhook says the payment (or the card's set-up) succeeded;
this row carries everything needed to book then, and what became of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CheckoutKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    PREPAYMENT = "prepayment", "Full prepayment"
    CARD = "card", "Card saved for the cancellation policy"


class BookingCheckoutStatus(models.TextChoices):
    OPEN = "open", "Waiting for the payment"
    BOOKED = "booked", "Booked"
    # Paid, but the time could not be booked (taken meanwhile), or paid after the
    # checkout ended: the money went back to the card.
    REFUNDED = "refunded", "Refunded"
    # A card was saved, but the time could not be booked (nothing was charged).
    NOT_BOOKED = "not_booked", "Not booked"
    # The provider's page lapsed unpaid.
    EXPIRED = "expired", "Expired"
    # The patient pressed cancel on the provider's page.
    ABANDONED = "abandoned", "Abandoned"


class BookingCheckout(models.Model):
    """One hosted payment page opened for one pending online booking."""

    session_id = models.CharField(max_length=255, unique=True)
    url = models.URLField(max_length=2000)
    kind = models.CharField(max_length=12, choices=CheckoutKind.choices)
    # What we asked for, computed on the server from the service's price (None: a card
    # saved without a charge).
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default=settings.CLINIC_CURRENCY)
    status = models.CharField(
        max_length=12, choices=BookingCheckoutStatus.choices, default=BookingCheckoutStatus.OPEN
    )
    # The pending booking, as the booking pages kept it in the visitor's session: the
    # details form's data, and the time they hold.
    details = models.JSONField()
    hold_token = models.CharField(max_length=64)
    service = models.ForeignKey("booking.Service", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinic.Location", on_delete=models.PROTECT, related_name="+")
    practitioner = models.ForeignKey(
        "booking.Practitioner", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    # Known when the patient booked signed in to the portal; otherwise found or created
    # from the details when the webhook books.
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="booking_checkouts",
    )
    # The pending booking's submission key: the appointment's idempotency key too, so a
    # replayed event finds the appointment it made.
    idempotency_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    payment_intent = models.CharField(max_length=255, blank=True)
    appointment = models.OneToOneField(
        "booking.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="booking_checkout",
    )
    # For a card saved at booking: the version of the cancellation terms shown on the
    # review page (the one the patient agreed to), and the card once recorded.
    terms = models.ForeignKey(
        "billing.CancellationTerms",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    card = models.ForeignKey(
        "billing.SavedCard", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why it was not booked, in words for the patient, and the nearest free times then
    # (ISO starts), shown on the return page.
    message = models.CharField(max_length=300, blank=True)
    alternatives = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "expires_at"], name="booking_checkout_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=CheckoutKind.CARD) & Q(amount__isnull=True))
                | (~Q(kind=CheckoutKind.CARD) & Q(amount__isnull=False, amount__gt=0)),
                name="booking_checkout_amount_for_payments",
            ),
            models.CheckConstraint(
                condition=Q(appointment__isnull=True) | Q(status=BookingCheckoutStatus.BOOKED),
                name="booking_checkout_appointment_when_booked",
            ),
            models.CheckConstraint(
                condition=Q(kind=CheckoutKind.CARD, terms__isnull=False)
                | ~Q(kind=CheckoutKind.CARD),
                name="booking_checkout_card_has_terms",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} checkout {self.session_id}"
