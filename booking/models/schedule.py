"""Working hours, time off, closures and the booking policy."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from booking.models.practitioners import Practitioner
from clinic.models import Location


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyHours(models.Model):
    """A block of working time on one weekday at one location. Several make a split shift.

    Times are wall-clock times in the location's zone, so 09:00 stays 09:00 across
    daylight-saving changes.
    """

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["practitioner", "weekday", "start_time"]
        verbose_name_plural = "weekly hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="weekly_hours_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ExtraHours(models.Model):
    """Working time on one date in addition to the weekly pattern."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="extra_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "start_time"]
        verbose_name_plural = "extra hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="extra_hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, help_text="Staff only.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.practitioner}: {self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M}"
        )


class ClinicClosure(models.Model):
    """A period when a location (or, with no location, the whole clinic) takes no sessions."""

    location = models.ForeignKey(
        Location,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text="Leave empty to close every location.",
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, help_text="Shown to patients, e.g. Bank holiday.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="closure_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.location or 'all locations'})"


class BookingPolicy(models.Model):
    """The clinic's booking rules: one row, edited in the admin.

    Buffers: a service's buffer follows each of its sessions and keeps the practitioner
    and the room booked until it ends. Adjacent buffers never add up, because only the
    earlier session's buffer lies between two sessions; there is nothing to take the
    larger of. The database constraint enforces exactly this occupancy.
    """

    min_notice_minutes = models.PositiveIntegerField(
        help_text="No online booking closer to the start than this."
    )
    horizon_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="How far ahead patients may book online.",
    )
    slot_interval_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(120)],
        help_text="Sessions start on this grid, counted from midnight (e.g. every 15 minutes).",
    )
    cancellation_window_hours = models.PositiveSmallIntegerField(
        help_text="Inside this many hours before the start, patients must call to cancel."
    )
    max_upcoming_online = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)],
        help_text="How many upcoming appointments one patient may hold through online booking.",
    )
    course_min_gap_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(336)],
        help_text="Courses keep at least this many hours from the end of one session to the "
        "start of the next.",
    )
    courses_online = models.BooleanField(
        default=False,
        help_text="Returning patients may book a whole course in the portal.",
    )
    feed_patient_names = models.BooleanField(
        default=False,
        help_text="Practitioners' calendar feeds show patients' names (otherwise only the "
        "service, room and reference).",
    )
    late_cancellation_text = models.TextField(
        blank=True,
        default="Appointments cancelled inside the cancellation window, or missed, may be charged.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "booking policy"

    def __str__(self) -> str:
        return "Booking policy"

    @classmethod
    def load(cls) -> "BookingPolicy":
        policy, _ = cls.objects.get_or_create(pk=1, defaults=settings.CLINIC_BOOKING_DEFAULTS)
        return policy
