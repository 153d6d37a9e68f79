"""Which status changes are allowed, and what each does."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from booking.models import Appointment, AppointmentStatus
from booking.services.placement import UPCOMING, BookingError, first_visit_required


@dataclass(frozen=True)
class Transition:
    label: str  # the button
    done: str  # "cannot be ..."
    sources: frozenset[str]
    target: str


TRANSITIONS = {
    "confirm": Transition(
        "Confirm",
        "confirmed",
        frozenset({AppointmentStatus.REQUESTED}),
        AppointmentStatus.CONFIRMED,
    ),
    "check_in": Transition("Check in", "checked in", UPCOMING, AppointmentStatus.CHECKED_IN),
    "complete": Transition(
        "Complete",
        "completed",
        UPCOMING | {AppointmentStatus.CHECKED_IN},
        AppointmentStatus.COMPLETED,
    ),
    "no_show": Transition("No-show", "marked a no-show", UPCOMING, AppointmentStatus.NO_SHOW),
}


def appointment_transition(*, appointment: Appointment, action: str, now: dt.datetime):
    """Confirm, check in, complete or mark a no-show, refusing what makes no sense:
    a cancelled appointment cannot be checked in, a future one cannot be completed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise BookingError("Unknown action.", code="action")
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update()
            .select_related("location", "service", "patient")
            .get(pk=appointment.pk)
        )
        if locked.status not in transition.sources:
            raise BookingError(
                f"A {locked.get_status_display().lower()} appointment cannot be {transition.done}.",
                code="status",
            )
        zone = locked.location.zone
        if (
            action == "check_in"
            and locked.start.astimezone(zone).date() != now.astimezone(zone).date()
        ):
            raise BookingError("Patients can be checked in only on the day.", code="day")
        if action == "complete" and locked.start > now:
            raise BookingError("A session cannot be completed before it starts.", code="future")
        if action == "no_show" and locked.start > now:
            raise BookingError(
                "A patient can be marked a no-show only once the session has started.",
                code="future",
            )
        if action == "confirm":
            first_visit_required(patient=locked.patient, service=locked.service, start=locked.start)
        locked.status = transition.target
        locked.full_clean(exclude={"patient", "practitioner", "service", "location", "room"})
        locked.save()
    return locked
