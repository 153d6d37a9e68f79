"""Follow-up outcome surveys: the episode's own measures asked again at discharge and at
intervals after it, through a single-use link (decision 0112)."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from patients.models.episodes import Episode


class FollowUpInterval(models.Model):
    """When after discharge a survey goes: the manager's list (for example at discharge,
    6 weeks, 3 months). Editing it changes the surveys of episodes discharged later."""

    label = models.CharField(max_length=40, unique=True, help_text="For example: 6 weeks")
    days_after_discharge = models.PositiveSmallIntegerField(
        unique=True, validators=[MaxValueValidator(730)]
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["days_after_discharge"]

    def __str__(self) -> str:
        return self.label


class SurveyState(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    NOT_SENT = "not_sent", "Not sent"


class FollowUpSurvey(models.Model):
    """One survey of one episode. The link is a signed token naming this row, valid for
    LINK_DAYS after sending; `answered_at` makes it single-use."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="surveys")
    label = models.CharField(max_length=40)
    days_after_discharge = models.PositiveSmallIntegerField()
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=SurveyState.choices, default=SurveyState.PLANNED
    )
    reason = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["state", "due_at"], name="survey_state_due_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "days_after_discharge"], name="survey_one_per_interval"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True) | Q(sent_at__isnull=False),
                name="survey_answered_after_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} follow-up of {self.episode}"
