"""Booking models, by sub-domain; importable from ``booking.models`` as one namespace."""

from booking.models.api import ApiKey, ApiKeyUse, ApiScope, api_key_hash
from booking.models.appointments import (
    REFERENCE_ALPHABET,
    RELEASED_STATUSES,
    Appointment,
    AppointmentQuerySet,
    AppointmentSource,
    AppointmentStatus,
    SlotHold,
    TsTzRange,
    new_reference,
)
from booking.models.courses import Course
from booking.models.feeds import CalendarFeed, feed_token_hash
from booking.models.photos import PhotoType, PractitionerPhoto
from booking.models.practitioners import Practitioner, PractitionerQuerySet, Service
from booking.models.recalls import Recall, RecallState
from booking.models.schedule import (
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    TimeOff,
    Weekday,
    WeeklyHours,
)
from booking.models.versions import (
    ScheduleVersion,
    Version,
    bump_every_schedule_version,
    bump_schedule_versions,
    schedule_version,
)
from booking.models.waitlist import TimeOfDay, WaitlistEntry, WaitlistStatus
from booking.models.webhooks import (
    DeliveryStatus,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
)

__all__ = [
    "REFERENCE_ALPHABET",
    "RELEASED_STATUSES",
    "ApiKey",
    "ApiKeyUse",
    "ApiScope",
    "Appointment",
    "AppointmentQuerySet",
    "AppointmentSource",
    "AppointmentStatus",
    "BookingPolicy",
    "CalendarFeed",
    "ClinicClosure",
    "Course",
    "DeliveryStatus",
    "ExtraHours",
    "PhotoType",
    "Practitioner",
    "PractitionerPhoto",
    "PractitionerQuerySet",
    "Recall",
    "RecallState",
    "ScheduleVersion",
    "Service",
    "SlotHold",
    "TimeOfDay",
    "TimeOff",
    "TsTzRange",
    "Version",
    "WaitlistEntry",
    "WaitlistStatus",
    "Webhook",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEvent",
    "Weekday",
    "WeeklyHours",
    "api_key_hash",
    "bump_every_schedule_version",
    "bump_schedule_versions",
    "feed_token_hash",
    "new_reference",
    "schedule_version",
]
