"""Adverse events, the clinic's aftercare advice, and the patient's check-in after a
session."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from patients.models.episodes import Episode, Visit


class EventType(models.TextChoices):
    BLEEDING = "bleeding", "Bleeding"
    BRUISING = "bruising", "Bruising"
    SORENESS = "soreness", "Soreness"
    FATIGUE = "fatigue", "Fatigue or drowsiness"
    FAINTING = "fainting", "Fainting"
    PNEUMOTHORAX = "pneumothorax", "Suspected pneumothorax"
    OTHER = "other", "Other"


class EventSeverity(models.TextChoices):
    """DOMAIN.md, after Brady et al. 2014."""

    MILD = "mild", "Mild: short-lived, no treatment needed, daily life unaffected"
    SIGNIFICANT = "significant", "Significant: distressing, needed advice or treatment"
    SERIOUS = "serious", "Serious: needed medical care or admission"


class EventSource(models.TextChoices):
    NOTE = "note", "With the treatment note"
    PHONE = "phone", "Reported later (phone or visit)"
    CHECK_IN = "check_in", "The patient's check-in answers"


class AdverseEvent(models.Model):
    """Something that happened after needling. Significant and serious events alert the
    manager and stay on the staff list until closed with a review note. Never deleted:
    an entry made in error is closed saying so."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="adverse_events")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="adverse_events"
    )
    type = models.CharField(max_length=20, choices=EventType.choices)
    severity = models.CharField(max_length=12, choices=EventSeverity.choices)
    description = models.TextField(max_length=4000)
    action_taken = models.TextField(max_length=4000, blank=True)
    follow_up_due = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=EventSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when it came from the patient's check-in.",
    )
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField(max_length=4000, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["closed_at", "severity"], name="adverse_event_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closed_by__isnull=True)
                | Q(closed_at__isnull=False, closed_by__isnull=False) & ~Q(review_note=""),
                name="adverse_event_closed_with_review",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} ({self.severity})"

    @property
    def needs_review(self) -> bool:
        return self.severity != EventSeverity.MILD


class AftercareAdvice(models.Model):
    """The general aftercare advice emailed after every completed session. The newest row
    is the one sent; edit it in the admin. General advice only: nothing about the
    patient."""

    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "aftercare advice"

    def __str__(self) -> str:
        return f"Aftercare advice ({self.updated_at:%d %b %Y})"


class Soreness(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild, easing"
    STRONG = "strong", "Strong, or not easing after 48 hours"


class CheckIn(models.Model):
    """The patient's answers to the private check-in link sent a day after a session."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="check_in")
    soreness = models.CharField(max_length=10, choices=Soreness.choices)
    bruising_spreading = models.BooleanField(default=False)
    fainted = models.BooleanField(default=False)
    breathless_or_chest_pain = models.BooleanField(default=False)
    pain_now = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    comments = models.TextField(max_length=2000, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pain_now__lte=10), name="check_in_pain_0_10"),
        ]

    def __str__(self) -> str:
        return f"Check-in for visit {self.visit_id}"
