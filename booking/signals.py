"""Every write that can change a booking page gives the locations it touches a new
schedule version, in the writer's own transaction (decision 0031).

Signals, not calls in each service, so that no path is missed: the services, the admin
(its delete action included: a queryset delete sends these signals per row while a
receiver is connected), the demo clinic and the shell. A bulk ``QuerySet.update()`` or
``bulk_create()`` of these models sends none: a caller that uses one bumps the version
itself (``bump_schedule_versions``).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from booking.models import (
    Appointment,
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    Practitioner,
    ScheduleVersion,
    Service,
    SlotHold,
    TimeOff,
    WeeklyHours,
    bump_every_schedule_version,
    bump_schedule_versions,
)
from clinic.models import Location, Room

# Sent by the status services (booking.services.status and .changes) once an appointment's
# new status is saved, inside their transaction and under the appointment's row lock, with
# ``appointment``, ``previous`` (the status before), ``now`` and ``by`` (the staff member,
# or None for the patient or the system). Other apps act on a status here (billing: a
# package credit drawn at completion, a fee proposed for a no-show, a deposit given back
# at a cancellation in time) rather than the booking services knowing about them; a
# receiver that raises undoes the status change with it.
appointment_status_changed = Signal()

# Staff edits, rare: a new version everywhere rather than working out where.
CLINIC_WIDE = (
    BookingPolicy,
    ClinicClosure,
    ExtraHours,
    Location,
    Practitioner,
    Room,
    Service,
    TimeOff,
    WeeklyHours,
)


def _bookings(instance: Appointment | SlotHold, **_kwargs: Any) -> None:
    """A booking or hold takes its practitioner's time wherever they work and its room's
    time where the room is; a moved appointment also frees the time where it was."""
    was_practitioner, was_room = getattr(instance, "_placed_as", (None, None))
    bump_schedule_versions(
        practitioner_ids=(instance.practitioner_id, was_practitioner),
        room_ids=(instance.room_id, was_room),
    )
    instance._placed_as = (instance.practitioner_id, instance.room_id)  # type: ignore[union-attr]


def _clinic_wide(**_kwargs: Any) -> None:
    bump_every_schedule_version()


def _team_changed(action: str, **_kwargs: Any) -> None:
    if action.startswith("post_"):
        bump_every_schedule_version()


def _new_location(instance: Location, created: bool, raw: bool, **_kwargs: Any) -> None:
    if created and not raw:
        ScheduleVersion.objects.get_or_create(location=instance)


def _practitioner_user(
    instance: AbstractBaseUser, update_fields: frozenset[str] | None, **_kwargs: Any
) -> None:
    """A practitioner's name shows on the booking pages; a sign-in changes nothing there."""
    if update_fields == frozenset({"last_login"}):
        return
    if Practitioner.objects.filter(user_id=instance.pk).exists():
        bump_every_schedule_version()


def connect() -> None:
    for model in (Appointment, SlotHold):
        post_save.connect(_bookings, sender=model, dispatch_uid=f"schedule-{model.__name__}")
        post_delete.connect(_bookings, sender=model, dispatch_uid=f"schedule-{model.__name__}")
    for edited in CLINIC_WIDE:
        uid = f"schedule-{edited.__name__}"
        post_save.connect(_clinic_wide, sender=edited, dispatch_uid=uid)
        post_delete.connect(_clinic_wide, sender=edited, dispatch_uid=uid)
    for through in (Practitioner.services.through, Practitioner.locations.through):
        m2m_changed.connect(_team_changed, sender=through, dispatch_uid=f"schedule-{through}")
    post_save.connect(_new_location, sender=Location, dispatch_uid="schedule-new-location")
    post_save.connect(
        _practitioner_user, sender=get_user_model(), dispatch_uid="schedule-practitioner-user"
    )
