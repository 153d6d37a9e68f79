"""Courses of treatment: propose a series from the engine, book it whole, cancel the rest.

Booking a course is all or none: every session goes through the same checks, locks and
re-check as a single booking (``placement``), inside one transaction; if any session has
gone, nothing is booked and the error names that session.
"""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from booking.models import (
    Appointment,
    AppointmentSource,
    AppointmentStatus,
    BookingPolicy,
    Course,
    Practitioner,
    Service,
)
from booking.notify import tasks
from booking.scheduling import availability
from booking.scheduling.courses import (
    CoursePlan,
    ProposedSession,
    gaps_kept,
    propose_course,
)
from booking.scheduling.rules import booking_rules
from booking.scheduling.schedule import load_schedule
from booking.services.changes import cancel_locked
from booking.services.placement import (
    UPCOMING,
    BookingError,
    SlotTaken,
    check_request,
    constraint_lost,
    first_visit_required,
    lock_patient,
    lock_rows,
    patient_free,
    place,
    save_appointment,
)
from clinic.models import Location
from patients.models import Patient

if TYPE_CHECKING:
    from clinic.access import StaffUser


@dataclass(frozen=True)
class SessionChoice:
    """One session as the person booking settled it: a start, and a practitioner or any."""

    start: dt.datetime
    practitioner: Practitioner | None


def course_propose(
    *,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    plan: CoursePlan,
    source: str,
    now: dt.datetime,
) -> list[ProposedSession]:
    """The series the engine offers for ``plan``: one read of the schedule (five queries)."""
    policy = BookingPolicy.load()
    rules = booking_rules(service=service, policy=policy, now=now, source=source)
    loaded = load_schedule(
        service=service,
        location=location,
        first_day=plan.first_day - dt.timedelta(days=plan.search_days),
        last_day=plan.last_day(),  # the same window as the slots below
        practitioner_id=practitioner.pk if practitioner else None,
        now=now,
    )
    first_day = plan.first_day - dt.timedelta(days=plan.search_days)
    slots = availability.free_slots(loaded.schedule, rules, first_day, plan.last_day())
    return propose_course(slots, plan=plan, rules=rules, zone=location.zone)


def min_gap(policy: BookingPolicy) -> dt.timedelta:
    return dt.timedelta(hours=policy.course_min_gap_hours)


def _check_sessions(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    sessions: list[SessionChoice],
    source: str,
    policy: BookingPolicy,
    now: dt.datetime,
) -> availability.Rules:
    """Everything that does not depend on other bookings, for every session."""
    if not sessions:
        raise BookingError("A course needs at least one session.", code="empty")
    rules = booking_rules(service=service, policy=policy, now=now, source=source)
    spans = [(s.start, s.start + rules.duration) for s in sessions]
    if not gaps_kept(spans, max(min_gap(policy), rules.buffer)):
        raise BookingError(
            f"Sessions of a course must be at least {policy.course_min_gap_hours} hours apart.",
            code="gap",
        )
    for number, session in enumerate(sessions, start=1):
        try:
            check_request(
                service=service,
                location=location,
                practitioner=session.practitioner,
                start=session.start,
                source=source,
                policy=policy,
                now=now,
            )
            first_visit_required(patient=patient, service=service, start=session.start)
        except BookingError as error:
            raise _for_session(error, number, session.start, location) from None
    return rules


def _patient_free_for_each(
    *,
    patient: Patient,
    sessions: list[SessionChoice],
    rules: availability.Rules,
    source: str,
    location: Location,
) -> None:
    """Under the patient's lock: no session may overlap another of their appointments."""
    for number, session in enumerate(sessions, start=1):
        try:
            patient_free(
                patient=patient,
                start=session.start,
                end=session.start + rules.duration,
                source=source,
            )
        except BookingError as error:
            raise _for_session(error, number, session.start, location) from None


def _for_session(
    error: BookingError, number: int, start: dt.datetime, location: Location
) -> BookingError:
    when = start.astimezone(location.zone)
    message = f"Session {number} ({when:%a %d %b %H:%M}): {error.message} Nothing was booked."
    kind = SlotTaken if isinstance(error, SlotTaken) else BookingError
    return kind(message, code=error.code, alternatives=error.alternatives)


def course_book(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    every_days: int,
    sessions: list[SessionChoice],
    source: str,
    now: dt.datetime,
    booked_by: "StaffUser | None" = None,
) -> Course:
    """Book every session of a course in one transaction, or none of them.

    Locks every candidate practitioner of every session, then the location's rooms, once
    and in the one order (``placement.lock_rows``); each session then re-checks with the
    engine and sees the course's earlier sessions. One email lists every session.
    """
    policy = BookingPolicy.load()
    sessions = sorted(sessions, key=lambda session: session.start)
    rules = _check_sessions(
        patient=patient,
        service=service,
        location=location,
        sessions=sessions,
        source=source,
        policy=policy,
        now=now,
    )
    candidates = set(
        Practitioner.objects.bookable(service=service, location=location).values_list(
            "pk", flat=True
        )
    )
    chosen = {s.practitioner.pk for s in sessions if s.practitioner is not None}
    anyone = any(s.practitioner is None for s in sessions)
    with constraint_lost(sessions[0].start), transaction.atomic():
        # The patient first, then practitioners and rooms: the one lock order.
        lock_patient(patient)
        _patient_free_for_each(
            patient=patient, sessions=sessions, rules=rules, source=source, location=location
        )
        if source == AppointmentSource.ONLINE:
            _one_online_course(patient=patient, now=now)
        lock_rows(
            practitioner_ids=sorted(chosen | (candidates if anyone else set())), location=location
        )
        course = Course(
            patient=patient,
            service=service,
            location=location,
            practitioner=practitioner,
            every_days=every_days,
            source=source,
            booked_by=booked_by,
        )
        course.full_clean(exclude={"patient", "service", "location", "practitioner"})
        course.save()
        booked = [
            _book_session(course, session, number, rules=rules, now=now)
            for number, session in enumerate(sessions, start=1)
        ]
        tasks.after_course_booked(course, booked)
    return course


def _book_session(
    course: Course,
    session: SessionChoice,
    number: int,
    *,
    rules: availability.Rules,
    now: dt.datetime,
) -> Appointment:
    try:
        # A savepoint per session: a lost race rolls back to here, then out of the course.
        with constraint_lost(session.start), transaction.atomic():
            slot, practitioners = place(
                service=course.service,
                location=course.location,
                start=session.start,
                practitioner=session.practitioner,
                rules=rules,
                now=now,
            )
            appointment = Appointment(
                patient=course.patient,
                practitioner=practitioners[slot.practitioner_id],
                service=course.service,
                location=course.location,
                room_id=slot.room_id,
                start=slot.start,
                end=slot.end,
                occupied_until=slot.end + rules.buffer,
                status=AppointmentStatus.CONFIRMED,
                source=course.source,
                booked_by=course.booked_by,
                course=course,
            )
            save_appointment(appointment)
    except BookingError as error:
        raise _for_session(error, number, session.start, course.location) from None
    return appointment


def _one_online_course(*, patient: Patient, now: dt.datetime) -> None:
    """Online, a patient holds at most one upcoming course (the patient's row is locked
    first, as for the online cap, so two tabs cannot both pass)."""
    Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk").first()
    if Appointment.objects.filter(
        patient=patient,
        course__isnull=False,
        source=AppointmentSource.ONLINE,
        status__in=UPCOMING,
        start__gt=now,
    ).exists():
        raise BookingError(
            "You already have a course booked; to change it, please call the clinic.",
            code="course_cap",
        )


def course_cancel_rest(
    *, course: Course, now: dt.datetime, reason: str, by_patient: bool = False
) -> list[Appointment]:
    """Cancel every session of the course that has not started yet, in one action.

    Each follows the single-cancel rules (late inside the window for the desk; a patient
    inside the window is refused and nothing is cancelled). One email lists them all.
    """
    policy = BookingPolicy.load()
    with transaction.atomic():
        upcoming = list(
            Appointment.objects.select_for_update()
            .filter(course=course, status__in=UPCOMING, start__gt=now)
            .order_by("start", "pk")
        )
        if not upcoming:
            raise BookingError("No sessions of this course are left to cancel.", code="none_left")
        cancelled = [
            cancel_locked(locked, policy=policy, now=now, by_patient=by_patient, reason=reason)
            for locked in upcoming
        ]
        tasks.after_course_cancelled(cancelled)
    return cancelled
