"""Appointments, and the slot holds that keep a picked time."""

import secrets
from typing import Any, override

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from simple_history.models import HistoricalRecords

from booking.models.practitioners import Practitioner, Service
from clinic.constraints import PostgresExclusionConstraint
from clinic.models import Location, Room


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


def _no_overlap(
    field: str, message: str, *, until: str = "occupied_until"
) -> PostgresExclusionConstraint:
    """No two active appointments of one practitioner (or room) may share any moment from
    start to the end of the buffer; of one patient, from start to end (the buffer is the
    room's cleaning time, not the patient's)."""
    return PostgresExclusionConstraint(
        name=f"appointment_no_{field}_overlap",
        expressions=[
            (TsTzRange("start", until, RangeBoundary()), RangeOperators.OVERLAPS),
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
    # Who saw the patient arrive: a practitioner's care relationship with a patient they
    # booked themselves rests on it being someone else (patients.selectors, decision 0077).
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=(
            "The staff member who recorded the patient's arrival: checked them in, or "
            "completed a session nobody checked in. Empty before it took place, and for "
            "sessions whose history does not say."
        ),
    )
    hours_override = models.BooleanField(
        default=False, help_text="Booked by staff outside the practitioner's published hours."
    )
    course = models.ForeignKey(
        "booking.Course",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        help_text="The course this session was booked in, if any.",
    )
    # One submission of a booking form (a random key in the visitor's session): the same
    # submission again returns this appointment instead of booking a second.
    idempotency_key = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When the patient confirmed it by replying to a text (messaging.replies): the desk
    # sees who has said they are coming.
    patient_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancellation_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()
    # Who changed what, when, from what to what (django-simple-history; decision 0045).
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        # Only the clinic manager's role has it (clinic.roles: "booking.*" for the manager).
        permissions = [("view_reports", "Can see the manager's reports")]
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
            _no_overlap(
                "patient", "The patient already has an appointment at that time.", until="end"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.service} with {self.practitioner}"

    @classmethod
    @override
    def from_db(cls, *args: Any, **kwargs: Any) -> "Appointment":
        instance = super().from_db(*args, **kwargs)
        # Whose time and which room it took when read: moving it frees them (and
        # booking.signals gives their locations a new schedule version).
        instance._placed_as = (  # type: ignore[attr-defined]
            instance.__dict__.get("practitioner_id"),
            instance.__dict__.get("room_id"),
        )
        return instance

    @property
    def is_active(self) -> bool:
        return self.status not in RELEASED_STATUSES


class SlotHold(models.Model):
    """A time a patient has picked, kept from others for a few minutes while they finish.

    It occupies one practitioner and one room like an appointment, until ``expires_at``;
    the holder (``token``, from their session) is never blocked by it. Lapsed holds are
    ignored by every read, so nothing needs to clear them up.
    """

    token = models.CharField(max_length=64, db_index=True)
    # Who asked, as a hash of their address (clinic.ratelimit.key): one address may hold
    # only a few times at once, and only a share of a day's. Empty: not from the pages.
    holder = models.CharField(max_length=64, blank=True, default="")
    practitioner = models.ForeignKey(Practitioner, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    occupied_until = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["expires_at", "start"], name="slot_hold_expiry_idx"),
            models.Index(fields=["holder", "expires_at"], name="slot_hold_holder_idx"),
        ]

    def __str__(self) -> str:
        return f"Hold {self.start:%Y-%m-%d %H:%M} until {self.expires_at:%H:%M}"
