"""Recalls: one invitation to book again, for a patient in an open episode of care whose
last session was longer ago than its service's recall period (decision 0111)."""

from django.db import models
from django.db.models import Q

from booking.models.appointments import Appointment
from booking.models.practitioners import Service


class RecallState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    NOT_SENT = "not_sent", "Not sent"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"


class Recall(models.Model):
    """At most one per episode: once queued, an episode is never recalled again, whether
    the patient books, declines or does nothing."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="recalls"
    )
    episode = models.OneToOneField(
        "patients.Episode", on_delete=models.PROTECT, related_name="recall"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    last_visit = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The completed session the recall counts from.",
    )
    state = models.CharField(max_length=10, choices=RecallState.choices)
    reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    booked = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The appointment booked after the recall was sent.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="recall_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="sent") | Q(sent_at__isnull=False),
                name="recall_sent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="declined") | Q(declined_at__isnull=False),
                name="recall_declined_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(state="booked") | Q(booked__isnull=False),
                name="recall_booked_has_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"Recall of {self.patient} ({self.get_state_display()})"
