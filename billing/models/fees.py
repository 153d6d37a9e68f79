"""Late cancellation and no-show fees: proposed when the appointment's status changes,
then charged to the saved card, invoiced for the patient to pay by link, or waived with a
reason by the desk (decision 0104). One proposal per appointment, so one fee at most."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from billing.models.cards import CancellationTerms, FeeKind, SavedCard
from billing.models.invoices import Invoice
from billing.models.payments import Payment


class FeeStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for the desk"
    CHARGED = "charged", "Charged"
    # No card to charge: the fee is an issued invoice the patient pays by link.
    INVOICED = "invoiced", "Invoiced"
    WAIVED = "waived", "Waived"
    # The card was declined or needs the patient: the invoice stays unpaid, with a link.
    FAILED = "failed", "Card charge failed"


class FeeProposal(models.Model):
    """A fee the cancellation terms allow for one appointment, waiting for the desk's
    decision. `amount` is worked out from the terms the patient agreed to when saving the
    card (the current terms when there is no card) and the service's price."""

    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.PROTECT, related_name="fee_proposal"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="fee_proposals"
    )
    kind = models.CharField(max_length=20, choices=FeeKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    terms = models.ForeignKey(CancellationTerms, on_delete=models.PROTECT, related_name="+")
    # The card in use when the fee was proposed (its terms set the amount); the one charged
    # is the card in use when the desk charges, never a removed one.
    card = models.ForeignKey(
        SavedCard, on_delete=models.PROTECT, null=True, blank=True, related_name="fees"
    )
    status = models.CharField(max_length=10, choices=FeeStatus.choices, default=FeeStatus.PROPOSED)
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    waive_reason = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="fee_proposal"
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="fee_proposal"
    )
    payment_intent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["status", "proposed_at"], name="fee_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="fee_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status=FeeStatus.WAIVED) | ~Q(waive_reason=""),
                name="fee_waived_with_reason",
                violation_error_message="A waived fee needs a reason.",
            ),
            models.CheckConstraint(
                condition=Q(status=FeeStatus.PROPOSED)
                | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="fee_decided_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} fee, {self.appointment}"
