"""The waitlist: patients who would take a time if one came free."""

from django.db import models
from django.db.models import Q

from booking.models.appointments import Appointment, AppointmentSource
from booking.models.practitioners import Practitioner, Service
from clinic.models import Location


class TimeOfDay(models.TextChoices):
    ANY = "any", "Any time"
    MORNING = "morning", "Morning (before 12:00)"
    AFTERNOON = "afternoon", "Afternoon (12:00 to 17:00)"
    EVENING = "evening", "Evening (from 17:00)"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistEntry(models.Model):
    """A patient who would take an earlier or different time if one comes free."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any location.",
    )
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: any practitioner.",
    )
    earliest_date = models.DateField()
    latest_date = models.DateField()
    time_of_day = models.CharField(max_length=10, choices=TimeOfDay.choices, default=TimeOfDay.ANY)
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    source = models.CharField(max_length=20, choices=AppointmentSource.choices)
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The appointment the entry turned into.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["status", "service"], name="waitlist_status_service_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latest_date__gte=models.F("earliest_date")),
                name="waitlist_dates_in_order",
            ),
            # "Booked" always says which appointment: only a booking sets it.
            models.CheckConstraint(
                condition=~Q(status=WaitlistStatus.BOOKED) | Q(appointment__isnull=False),
                name="waitlist_booked_has_appointment",
                violation_error_message="A booked entry must name its appointment.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} for {self.service}"
