"""Which status changes are allowed, and what each does: the one home of the rules.

The front desk's buttons, the admin and the patient's own pages all go through
``appointment_status_change`` (or ``appointment_cancel`` for a patient), so a status can
never be set in a way the rules refuse, and every change has the same side effects.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from booking.models import Appointment, AppointmentStatus
from booking.notify import tasks
from booking.services.changes import appointment_cancel
from booking.services.placement import UPCOMING, BookingError, first_visit_required
from booking.signals import appointment_status_changed

if TYPE_CHECKING:
    from clinic.access import StaffUser

CANCEL = "cancel"


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
# Every action staff may take on a status, with its button label.
ACTIONS = {name: transition.label for name, transition in TRANSITIONS.items()} | {CANCEL: "Cancel"}


def _refusal(appointment: Appointment, action: str, *, now: dt.datetime) -> BookingError | None:
    """Why ``action`` cannot be taken on the appointment now, or None if it can.

    Checks the status and the clock only; confirming also needs a first visit, checked
    under the lock in ``appointment_transition``.
    """
    transition = TRANSITIONS[action]
    if appointment.status not in transition.sources:
        status = appointment.get_status_display().lower()
        return BookingError(f"A {status} appointment cannot be {transition.done}.", code="status")
    zone = appointment.location.zone
    if (
        action == "check_in"
        and appointment.start.astimezone(zone).date() != now.astimezone(zone).date()
    ):
        return BookingError("Patients can be checked in only on the day.", code="day")
    if action == "complete" and appointment.start > now:
        return BookingError("A session cannot be completed before it starts.", code="future")
    if action == "no_show" and appointment.start > now:
        return BookingError(
            "A patient can be marked a no-show only once the session has started.",
            code="future",
        )
    return None


def available_actions(appointment: Appointment, *, now: dt.datetime) -> list[tuple[str, str]]:
    """The status actions that can succeed now, as (action, label): the buttons to offer."""
    actions = [
        (name, ACTIONS[name])
        for name in TRANSITIONS
        if _refusal(appointment, name, now=now) is None
    ]
    if appointment.status in UPCOMING and appointment.start > now:
        actions.append((CANCEL, ACTIONS[CANCEL]))
    return actions


def appointment_transition(
    *, appointment: Appointment, action: str, now: dt.datetime, by: "StaffUser | None"
) -> Appointment:
    """Confirm, check in, complete or mark a no-show, refusing what makes no sense:
    a cancelled appointment cannot be checked in, a future one cannot be completed.

    ``by`` is the staff member taking the action (None for the system). Checking the
    patient in, or completing a session nobody checked in, records them as the one who
    saw the patient arrive: a practitioner's care relationship with a patient they booked
    themselves needs that to be someone else (decision 0077)."""
    if action not in TRANSITIONS:
        raise BookingError("Unknown action.", code="action")
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update()
            .select_related("location", "service", "patient")
            .get(pk=appointment.pk)
        )
        if (refused := _refusal(locked, action, now=now)) is not None:
            raise refused
        if action == "confirm":
            first_visit_required(patient=locked.patient, service=locked.service, start=locked.start)
        if action == "check_in" or (action == "complete" and locked.status in UPCOMING):
            locked.checked_in_by = by
        previous = locked.status
        locked.status = TRANSITIONS[action].target
        # The related rows exist: read under the lock, or the signed-in user.
        locked.full_clean(
            exclude={
                "patient",
                "practitioner",
                "service",
                "location",
                "room",
                "course",
                "checked_in_by",
            }
        )
        locked.save()
        appointment_status_changed.send(
            Appointment, appointment=locked, previous=previous, now=now, by=by
        )
        if action == "complete":
            tasks.after_completed(locked)
        tasks.after_status_changed(locked)
    return locked


def appointment_status_change(
    *,
    appointment: Appointment,
    action: str,
    now: dt.datetime,
    by: "StaffUser | None",
    reason: str = "",
) -> Appointment:
    """A status action taken by staff (front desk or admin): a transition, or a
    cancellation (late inside the policy's window), with the same side effects wherever
    it is taken from."""
    if action == CANCEL:
        return appointment_cancel(
            appointment=appointment, now=now, by_patient=False, reason=reason, by=by
        )
    return appointment_transition(appointment=appointment, action=action, now=now, by=by)
