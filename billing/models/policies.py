"""What the clinic asks for when a patient books online (decision 0103): nothing, a
deposit (an amount or a share of the price), the whole price, or a card saved for the
cancellation policy. Set by the clinic manager per service and location, and for new or
returning patients; the most specific rule that matches wins
(billing.selectors.policies.payment_required)."""

from django.db import models
from django.db.models import Q


class PolicyPatients(models.TextChoices):
    ALL = "all", "All patients"
    NEW = "new", "New patients only"
    RETURNING = "returning", "Returning patients only"


class PolicyKind(models.TextChoices):
    NOTHING = "nothing", "Nothing at booking"
    DEPOSIT_AMOUNT = "deposit_amount", "Deposit: a fixed amount"
    DEPOSIT_PERCENT = "deposit_percent", "Deposit: a percentage of the price"
    PREPAYMENT = "prepayment", "Full prepayment"
    CARD = "card", "Card saved for the cancellation policy (no charge)"


ONE_RULE = (
    "There is already a rule for these patients, this service and this location: edit that one."
)


class PaymentPolicy(models.Model):
    """One rule: for this service (or every service) at this location (or every
    location), for these patients, ask for this at online booking.

    Rules never overlap: one rule per (service, location, patients); an empty service or
    location means "every" and counts as a value of its own in that uniqueness."""

    service = models.ForeignKey(
        "booking.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="payment_policies",
        help_text="Empty: every service (a rule naming the service wins over this one).",
    )
    location = models.ForeignKey(
        "clinic.Location",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="payment_policies",
        help_text="Empty: every location (a rule naming the location wins over this one).",
    )
    patients = models.CharField(
        max_length=10,
        choices=PolicyPatients.choices,
        default=PolicyPatients.ALL,
        help_text="A new patient has had no completed or checked-in appointment before; "
        "a visitor who is not signed in to the patient portal counts as new. A rule for new "
        "or returning patients wins over one for all patients with the same service and "
        "location.",
    )
    kind = models.CharField(
        max_length=20,
        choices=PolicyKind.choices,
        help_text="What the patient pays (or saves) on the card payment page before the "
        "booking is confirmed. A deposit goes towards the session's invoice and is given "
        "back to the card if the patient or the desk cancels in time.",
    )
    amount = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="For a fixed deposit only, in the clinic's currency; never more than the "
        "service's price is asked.",
    )
    percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="For a percentage deposit only: 1 to 100 (of the service's price).",
    )

    class Meta:
        verbose_name = "payment policy"
        verbose_name_plural = "payment policies"
        ordering = ["service__name", "location__name", "patients"]
        constraints = [
            # One rule per (service, location, patients), an empty service or location
            # counting as a value of its own ("every"): one constraint per combination.
            *(
                models.UniqueConstraint(
                    fields=fields,
                    condition=condition,
                    name=f"payment_policy_one_rule_{suffix}",
                    violation_error_message=ONE_RULE,
                )
                for fields, condition, suffix in (
                    (
                        ["service", "location", "patients"],
                        Q(service__isnull=False, location__isnull=False),
                        "service_location",
                    ),
                    (
                        ["service", "patients"],
                        Q(service__isnull=False, location__isnull=True),
                        "service",
                    ),
                    (
                        ["location", "patients"],
                        Q(service__isnull=True, location__isnull=False),
                        "location",
                    ),
                    (["patients"], Q(service__isnull=True, location__isnull=True), "clinic"),
                )
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=PolicyKind.DEPOSIT_AMOUNT, amount__isnull=False, amount__gt=0)
                    | (~Q(kind=PolicyKind.DEPOSIT_AMOUNT) & Q(amount__isnull=True))
                ),
                name="payment_policy_amount_for_fixed_deposit",
                violation_error_message="A fixed deposit needs an amount above zero; "
                "other kinds take no amount.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=PolicyKind.DEPOSIT_PERCENT,
                        percent__isnull=False,
                        percent__gte=1,
                        percent__lte=100,
                    )
                    | (~Q(kind=PolicyKind.DEPOSIT_PERCENT) & Q(percent__isnull=True))
                ),
                name="payment_policy_percent_for_share_deposit",
                violation_error_message="A percentage deposit needs a percentage from 1 to "
                "100; other kinds take none.",
            ),
        ]

    def __str__(self) -> str:
        service = self.service.name if self.service_id else "Every service"  # type: ignore[union-attr]
        location = self.location.name if self.location_id else "every location"  # type: ignore[union-attr]
        return f"{service} at {location}, {self.get_patients_display().lower()}"
