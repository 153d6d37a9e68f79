"""A course of treatment: sessions booked together, cancelled together."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from booking.models.appointments import AppointmentSource
from booking.models.practitioners import Practitioner, Service
from clinic.models import Location


class Course(models.Model):
    """Sessions of one service for one patient, booked in one step. Its appointments are
    ordinary appointments (``Appointment.course``), each moved or cancelled on its own, or
    the rest of the course at once."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="courses"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="courses")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="courses")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        help_text="The practitioner asked for; empty when any practitioner would do.",
    )
    every_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    source = models.CharField(max_length=20, choices=AppointmentSource.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Course of {self.service} for patient {self.patient_id}"
