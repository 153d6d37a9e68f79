"""Episodes of care, and each visit's safety re-check."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models.records import Intake, PainDuration, Patient


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"


class Episode(models.Model):
    """One complaint treated as one course of care. It starts from an intake (whose
    complaint, regions, duration and goals it copies, so the intake and its scores stay
    the baseline); a returning patient with a new problem starts a new one with a new
    intake and screening."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    intake = models.OneToOneField(
        Intake, on_delete=models.PROTECT, null=True, blank=True, related_name="episode"
    )
    complaint = models.CharField(max_length=300)
    regions = models.JSONField("Body regions", default=list, blank=True)
    duration = models.CharField(max_length=4, choices=PainDuration.choices, blank=True)
    goals = models.TextField(max_length=2000, blank=True)
    started_on = models.DateField()
    status = models.CharField(
        max_length=12, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    practitioners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="clinical_episodes",
        blank=True,
        verbose_name="treating practitioners",
    )
    discharged_on = models.DateField(null=True, blank=True)
    discharge_advice = models.TextField(
        max_length=4000, blank=True, help_text="Advice for the patient and their GP."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=EpisodeStatus.ACTIVE, discharged_on__isnull=True)
                | Q(status=EpisodeStatus.DISCHARGED, discharged_on__isnull=False),
                name="episode_discharge_date_iff_discharged",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} ({self.started_on:%d %b %Y})"


class Visit(models.Model):
    """The clinical side of one appointment: the episode it belongs to, the safety
    re-check before the session, and a practitioner's clearance when the re-check raised
    an absolute item. Needling is recorded only on a visit whose re-check allows it."""

    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.PROTECT, related_name="visit"
    )
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="visits")
    recheck_answers = models.JSONField(
        default=dict, blank=True, help_text="Screening item code → changed since last visit."
    )
    recheck_at = models.DateTimeField(null=True, blank=True)
    recheck_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient answered through their pre-visit link.",
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    clearance_reason = models.TextField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True, cleared_by__isnull=True)
                | Q(cleared_at__isnull=False, cleared_by__isnull=False) & ~Q(clearance_reason=""),
                name="visit_clearance_has_author_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.appointment_id} in {self.episode}"
