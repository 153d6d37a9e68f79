"""Card on file: the cancellation terms a patient agrees to when a card is saved, and the
saved card itself (decision 0104).

The terms are kept like the consent text (patients.models.ConsentDocument): each edit is a
new version and a version never changes (a database trigger refuses it), so a saved card
points at the exact wording and fees the patient agreed to. Only the payment provider
holds the card: we keep its ids, brand, last four digits and expiry, never a number."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.arithmetic import ZERO, to_pennies
from clinic.money import format_money


class FeeBasis(models.TextChoices):
    AMOUNT = "amount", "A fixed amount"
    PERCENT = "percent", "A percentage of the service's price"


class FeeKind(models.TextChoices):
    LATE_CANCELLATION = "late_cancellation", "Late cancellation"
    NO_SHOW = "no_show", "Missed appointment"


class CancellationTerms(models.Model):
    """One version of the cancellation policy: the text shown when a card is saved and the
    fees it allows. Publishing an edit inserts a new version and makes it the current one
    (billing.services.cards.cancellation_terms_publish); the version it came from, and
    every card saved under it, stay exactly as they were."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    body = models.TextField(
        help_text="The policy as the patient reads it; plain text, blank lines separate "
        "paragraphs. The fees and the window below are shown under it."
    )
    # Copied from the booking policy when the version is published: the window the patient
    # agreed to stays what it was if the clinic changes it later.
    window_hours = models.PositiveSmallIntegerField(editable=False)
    late_cancellation_basis = models.CharField(
        max_length=10, choices=FeeBasis.choices, default=FeeBasis.PERCENT
    )
    late_cancellation_value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="An amount, or a percentage (0 to 100) of the service's price; 0 for no fee.",
    )
    no_show_basis = models.CharField(
        max_length=10, choices=FeeBasis.choices, default=FeeBasis.PERCENT
    )
    no_show_value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        help_text="An amount, or a percentage (0 to 100) of the service's price; 0 for no fee.",
    )
    is_current = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = "cancellation terms"
        verbose_name_plural = "cancellation terms"
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="cancellation_terms_one_current",
                violation_error_message="Only one version of the terms can be current.",
            ),
            models.CheckConstraint(
                condition=Q(late_cancellation_value__gte=0)
                & (
                    ~Q(late_cancellation_basis=FeeBasis.PERCENT)
                    | Q(late_cancellation_value__lte=100)
                ),
                name="cancellation_terms_late_fee_valid",
                violation_error_message="A late cancellation fee is an amount or 0 to 100 %.",
            ),
            models.CheckConstraint(
                condition=Q(no_show_value__gte=0)
                & (~Q(no_show_basis=FeeBasis.PERCENT) | Q(no_show_value__lte=100)),
                name="cancellation_terms_no_show_fee_valid",
                violation_error_message="A missed appointment fee is an amount or 0 to 100 %.",
            ),
        ]

    def __str__(self) -> str:
        return f"Cancellation terms, version {self.version}"

    def _rule(self, kind: str) -> tuple[str, Decimal]:
        if kind == FeeKind.NO_SHOW:
            return self.no_show_basis, self.no_show_value
        return self.late_cancellation_basis, self.late_cancellation_value

    def fee_for(self, kind: str, *, price: Decimal) -> Decimal:
        """The fee these terms allow for `kind` on a service at `price`, to the penny."""
        basis, value = self._rule(kind)
        if basis == FeeBasis.AMOUNT:
            return to_pennies(value)
        # Decimal() again: a price set from a string on an unsaved or fresh instance.
        return max(ZERO, to_pennies(Decimal(price) * value / 100))

    def fee_wording(self, kind: str) -> str:
        basis, value = self._rule(kind)
        if value == 0:
            return "no fee"
        if basis == FeeBasis.AMOUNT:
            return format_money(value)
        return f"{value.normalize():f}% of the appointment's price"

    def summary(self) -> list[str]:
        """The fee rules in words, shown under the text wherever the terms are agreed to
        or read back: together with the body, the exact wording agreed."""
        return [
            f"Cancelling less than {self.window_hours} hours before the appointment: "
            f"{self.fee_wording(FeeKind.LATE_CANCELLATION)}.",
            f"Not coming to the appointment without cancelling: "
            f"{self.fee_wording(FeeKind.NO_SHOW)}.",
        ]


class CardSource(models.TextChoices):
    PORTAL = "portal", "Saved in the portal"
    BOOKING = "booking", "Saved when booking online"


class SavedCard(models.Model):
    """A card the patient saved with the payment provider for the clinic's cancellation
    fees, under one version of the terms. A patient has at most one card in use: saving
    another replaces it. A removed card (by the patient, or replaced) is never charged;
    its row stays, as the record of what was agreed."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="saved_cards"
    )
    # The provider's ids: its customer and the saved payment method. Recording the same
    # payment method twice (a webhook replayed) finds the first row.
    customer = models.CharField(max_length=255)
    payment_method = models.CharField(max_length=255, unique=True)
    brand = models.CharField(max_length=30)
    last4 = models.CharField(max_length=4)
    exp_month = models.PositiveSmallIntegerField()
    exp_year = models.PositiveSmallIntegerField()
    terms = models.ForeignKey(
        CancellationTerms, on_delete=models.PROTECT, related_name="saved_cards"
    )
    agreed_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=CardSource.choices)
    removed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-agreed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(removed_at__isnull=True),
                name="saved_card_one_in_use",
            ),
            models.CheckConstraint(
                condition=Q(exp_month__gte=1) & Q(exp_month__lte=12), name="saved_card_month"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand.title()} ending {self.last4}"

    @property
    def expiry(self) -> str:
        return f"{self.exp_month:02d}/{self.exp_year}"


class CardSetupStatus(models.TextChoices):
    OPEN = "open", "Open"
    SAVED = "saved", "Card saved"
    EXPIRED = "expired", "Expired"


class CardSetup(models.Model):
    """A hosted page opened for a patient to save a card from the portal, with the terms
    version shown to them. The provider's webhook for this session records the card under
    exactly these terms (never the page's return)."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="card_setups"
    )
    terms = models.ForeignKey(CancellationTerms, on_delete=models.PROTECT, related_name="+")
    session_id = models.CharField(max_length=255, unique=True)
    url = models.URLField(max_length=2000)
    status = models.CharField(
        max_length=10, choices=CardSetupStatus.choices, default=CardSetupStatus.OPEN
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    card = models.ForeignKey(
        SavedCard, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Card set-up {self.session_id}"
