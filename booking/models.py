"""Services, practitioners, their schedules, the booking policy and appointments."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.urls import reverse

from clinic.constraints import PostgresExclusionConstraint
from clinic.models import Location, Room


class Service(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    buffer_after_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(120)],
        help_text="Time after the session for cleaning and needle disposal. "
        "The practitioner and the room stay booked until it ends.",
    )
    price = models.DecimalField(max_digits=8, decimal_places=2)
    allows_first_visit = models.BooleanField(
        default=False,
        help_text="May be a patient's first visit (for example the initial assessment).",
    )
    is_online_bookable = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    display_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name


class PractitionerQuerySet(models.QuerySet):
    def bookable(self, *, service: Service, location: Location) -> "PractitionerQuerySet":
        return self.filter(is_active=True, services=service, locations=location)


class Practitioner(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="practitioner"
    )
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=100, help_text="For example: Physiotherapist")
    credentials = models.CharField(max_length=200, blank=True, help_text="For example: MSc, MCSP")
    bio = models.TextField(blank=True)
    services = models.ManyToManyField(Service, related_name="practitioners", blank=True)
    locations = models.ManyToManyField(Location, related_name="practitioners", blank=True)
    is_active = models.BooleanField(default=True)

    objects = PractitionerQuerySet.as_manager()

    class Meta:
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("booking:practitioner", args=[self.slug])

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


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
    late_cancellation_text = models.TextField(
        blank=True,
        default="Appointments cancelled inside the cancellation window, or missed, may be charged.",
    )

    class Meta:
        verbose_name_plural = "booking policy"

    def __str__(self) -> str:
        return "Booking policy"

    @classmethod
    def load(cls) -> "BookingPolicy":
        policy, _ = cls.objects.get_or_create(pk=1, defaults=settings.CLINIC_BOOKING_DEFAULTS)
        return policy


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Late cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that no longer hold a practitioner or a room. A no-show is past, so freeing
# its time changes nothing in the future and lets staff rebook a late arrival.
RELEASED_STATUSES = [
    AppointmentStatus.CANCELLED,
    AppointmentStatus.LATE_CANCELLED,
    AppointmentStatus.NO_SHOW,
]


class AppointmentSource(models.TextChoices):
    ONLINE = "online", "Online"
    FRONT_DESK = "front_desk", "Front desk"


# No 0/O or 1/I/L: references are read out over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class AppointmentQuerySet(models.QuerySet):
    def active(self) -> "AppointmentQuerySet":
        return self.exclude(status__in=RELEASED_STATUSES)


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def _no_overlap(field: str, message: str) -> PostgresExclusionConstraint:
    """No two active appointments of one practitioner (or room) may share any moment from
    start to the end of the buffer."""
    return PostgresExclusionConstraint(
        name=f"appointment_no_{field}_overlap",
        expressions=[
            (TsTzRange("start", "occupied_until", RangeBoundary()), RangeOperators.OVERLAPS),
            (field, RangeOperators.EQUAL),
        ],
        condition=~Q(status__in=RELEASED_STATUSES),
        violation_error_message=message,
    )


class Appointment(models.Model):
    """A booked session. Never deleted: cancelling is a status."""

    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    # end + the service's buffer, copied at booking so a later change to the service does
    # not move existing appointments' turnover time.
    occupied_until = models.DateTimeField()
    status = models.CharField(
        max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.CONFIRMED
    )
    source = models.CharField(max_length=20, choices=AppointmentSource.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The staff member who booked it; empty for online bookings.",
    )
    hours_override = models.BooleanField(
        default=False, help_text="Booked by staff outside the practitioner's published hours."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "start"], name="appointment_practitioner_idx"),
            models.Index(fields=["room", "start"], name="appointment_room_idx"),
            models.Index(fields=["location", "start"], name="appointment_location_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(occupied_until__gte=models.F("end")),
                name="appointment_buffer_not_negative",
            ),
            _no_overlap("practitioner", "The practitioner already has a session at that time."),
            _no_overlap("room", "The room is already in use at that time."),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.service} with {self.practitioner}"

    @property
    def is_active(self) -> bool:
        return self.status not in RELEASED_STATUSES


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
        ]

    def __str__(self) -> str:
        return f"{self.patient} for {self.service}"


class SlotHold(models.Model):
    """A time a patient has picked, kept from others for a few minutes while they finish.

    It occupies one practitioner and one room like an appointment, until ``expires_at``;
    the holder (``token``, from their session) is never blocked by it. Lapsed holds are
    ignored by every read, so nothing needs to clear them up.
    """

    token = models.CharField(max_length=64, db_index=True)
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    occupied_until = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["expires_at", "start"], name="slot_hold_expiry_idx")]

    def __str__(self) -> str:
        return f"Hold {self.start:%Y-%m-%d %H:%M} until {self.expires_at:%H:%M}"
