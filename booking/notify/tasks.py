"""Background tasks (Django's tasks framework; `manage.py db_worker` runs them).

Every patient gets the email (it carries the calendar file); those who want texts get a
text too, queued after it (messaging.notify, decision 0108).

Tasks take ids, never model instances, and look again at the database when they run: an
appointment may have moved or been cancelled since. The ``after_*`` helpers enqueue once
the surrounding transaction commits, so no email goes out for a booking that rolled back.
"""

import datetime as dt
import logging
from dataclasses import asdict

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from booking import links
from booking.models import Appointment, AppointmentStatus, Course, WebhookEvent
from booking.notify import emails, offers, webhooks
from booking.selectors.waitlist import FreedTime
from messaging import notify as texts
from patients.links import CHECK_IN_SALT, intake_url, visit_token
from patients.models import AftercareAdvice, CheckIn, Patient
from patients.selectors import needs_intake

logger = logging.getLogger(__name__)

UPCOMING = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)


def _appointment(appointment_id: int) -> Appointment | None:
    return (
        Appointment.objects.select_related("service", "location", "practitioner__user", "patient")
        .filter(pk=appointment_id)
        .first()
    )


@task
def send_appointment_email(*, appointment_id: int, kind: str) -> str:
    appointment = _appointment(appointment_id)
    if appointment is None:
        return "missing"
    emails.appointment_email(appointment, kind).send()
    texts.text_appointment(appointment, kind)
    return "sent"


@task
def send_course_email(*, appointment_ids: list[int], kind: str) -> str:
    appointments = list(
        Appointment.objects.select_related(
            "service", "location", "practitioner__user", "patient"
        ).filter(pk__in=appointment_ids)
    )
    if not appointments:
        return "missing"
    emails.course_email(appointments, kind).send()
    return "sent"


@task
def send_reminder(*, appointment_id: int, start: str) -> str:
    """Sent ``CLINIC_REMINDER_HOURS`` before ``start``; skipped if the appointment was
    cancelled, or moved (the move enqueued a reminder of its own)."""
    appointment = _appointment(appointment_id)
    if appointment is None or appointment.status not in UPCOMING:
        return "skipped: not upcoming"
    if appointment.start != dt.datetime.fromisoformat(start):
        return "skipped: moved"
    if appointment.start <= timezone.now():
        return "skipped: started"
    emails.appointment_email(appointment, "reminder").send()
    texts.text_appointment(appointment, "reminder")
    return "sent"


@task
def send_intake_request(*, patient_id: int) -> str:
    patient = Patient.objects.filter(pk=patient_id, is_archived=False).first()
    if patient is None or not needs_intake(patient):
        return "skipped"
    emails.intake_email(patient, intake_url=intake_url(patient)).send()
    return "sent"


@task
def send_sign_in_link(*, patient_ids: list[int]) -> int:
    """One link per patient record with the address asked for (a family may share one):
    each link opens only its own record. An address on no record gave an empty list,
    and sends nothing; the page that enqueued this said the same thing either way."""
    patients = Patient.objects.filter(pk__in=patient_ids, is_archived=False).order_by("pk")
    sent = 0
    for patient in patients:
        emails.sign_in_email(patient).send()
        texts.text_sign_in(
            patient,
            sign_in_path=reverse("booking:portal_enter", args=[links.sign_in_token(patient)]),
        )
        sent += 1
    return sent


def after_sign_in_asked(*, email: str) -> None:
    """Queue the sign-in links for the records with this address. The queue keeps only
    their ids: an address or a link in a task's arguments would sit in the database
    (and its backups) long after the email went. The same query and one task whatever
    the address, so neither the answer nor its timing tells whether it is on record."""
    ids = list(
        Patient.objects.filter(email__iexact=email.strip(), is_archived=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: send_sign_in_link.enqueue(patient_ids=ids))


@task
def offer_freed_time(*, freed: dict) -> int:
    times = {key: dt.datetime.fromisoformat(freed[key]) for key in ("start", "end")}
    return offers.offer_freed_time(FreedTime(**(freed | times)))


def _enqueue_offer(freed: FreedTime) -> None:
    # Task arguments travel as JSON.
    data = asdict(freed) | {"start": freed.start.isoformat(), "end": freed.end.isoformat()}
    offer_freed_time.enqueue(freed=data)


def reminder_time(start: dt.datetime) -> dt.datetime:
    return start - dt.timedelta(hours=settings.CLINIC_REMINDER_HOURS)


def _enqueue_reminder(appointment: Appointment) -> None:
    run_after = reminder_time(appointment.start)
    if run_after <= timezone.now():
        return  # Booked inside the reminder lead: the confirmation is reminder enough.
    send_reminder.using(run_after=run_after, backend=settings.DEFERRED_TASK_BACKEND).enqueue(
        appointment_id=appointment.pk, start=appointment.start.isoformat()
    )


# The check-in goes a day after the session: inside the 24 to 48 hours of usual soreness.
CHECK_IN_DELAY = dt.timedelta(hours=24)


@task
def send_aftercare(*, appointment_id: int) -> str:
    appointment = _appointment(appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.COMPLETED:
        return "skipped: not completed"
    advice = AftercareAdvice.objects.order_by("-updated_at", "-pk").first()
    if advice is None:
        return "skipped: no advice"
    emails.aftercare_email(appointment, advice=advice.body).send()
    return "sent"


@task
def send_check_in(*, appointment_id: int) -> str:
    appointment = _appointment(appointment_id)
    if appointment is None or appointment.status != AppointmentStatus.COMPLETED:
        return "skipped: not completed"
    if CheckIn.objects.filter(visit__appointment_id=appointment_id).exists():
        return "skipped: answered"
    token = visit_token(appointment.pk, salt=CHECK_IN_SALT)
    emails.check_in_email(
        appointment, check_in_path=reverse("visit_links:check_in", args=[token])
    ).send()
    return "sent"


def after_completed(appointment: Appointment) -> None:
    """Aftercare advice now, the check-in link a day later."""
    pk = appointment.pk

    def enqueue() -> None:
        send_aftercare.enqueue(appointment_id=pk)
        send_check_in.using(
            run_after=timezone.now() + CHECK_IN_DELAY, backend=settings.DEFERRED_TASK_BACKEND
        ).enqueue(appointment_id=pk)

    transaction.on_commit(enqueue, robust=True)


def after_booked(appointment: Appointment) -> None:
    kind = "requested" if appointment.status == AppointmentStatus.REQUESTED else "booked"
    pk, patient_id = appointment.pk, appointment.patient_id
    webhooks.emit(WebhookEvent.APPOINTMENT_CREATED, appointment)

    def enqueue() -> None:
        send_appointment_email.enqueue(appointment_id=pk, kind=kind)
        send_intake_request.enqueue(patient_id=patient_id)
        _enqueue_reminder(appointment)

    # robust: the change is committed; failing to queue its email (logged) must not turn
    # the visitor's answer into an error page.
    transaction.on_commit(enqueue, robust=True)


def after_rescheduled(appointment: Appointment, *, freed: FreedTime) -> None:
    pk = appointment.pk
    webhooks.emit(WebhookEvent.APPOINTMENT_CHANGED, appointment)

    def enqueue() -> None:
        send_appointment_email.enqueue(appointment_id=pk, kind="rescheduled")
        _enqueue_reminder(appointment)
        _enqueue_offer(freed)

    # robust: the change is committed; failing to queue its email (logged) must not turn
    # the visitor's answer into an error page.
    transaction.on_commit(enqueue, robust=True)


def after_cancelled(appointment: Appointment) -> None:
    pk = appointment.pk
    webhooks.emit(WebhookEvent.APPOINTMENT_CANCELLED, appointment)
    freed = FreedTime.of(appointment)

    def enqueue() -> None:
        send_appointment_email.enqueue(appointment_id=pk, kind="cancelled")
        _enqueue_offer(freed)

    # robust: the change is committed; failing to queue its email (logged) must not turn
    # the visitor's answer into an error page.
    transaction.on_commit(enqueue, robust=True)


def after_course_booked(course: Course, appointments: list[Appointment]) -> None:
    """One email for the whole course; a reminder before each session."""
    ids, patient_id = [a.pk for a in appointments], course.patient_id
    for appointment in appointments:
        webhooks.emit(WebhookEvent.APPOINTMENT_CREATED, appointment)

    def enqueue() -> None:
        send_course_email.enqueue(appointment_ids=ids, kind="course_booked")
        send_intake_request.enqueue(patient_id=patient_id)
        for appointment in appointments:
            _enqueue_reminder(appointment)

    transaction.on_commit(enqueue, robust=True)


def after_course_cancelled(appointments: list[Appointment]) -> None:
    """One email for the cancelled sessions; each freed time is offered to the waitlist."""
    ids = [a.pk for a in appointments]
    freed = [FreedTime.of(a) for a in appointments]
    for appointment in appointments:
        webhooks.emit(WebhookEvent.APPOINTMENT_CANCELLED, appointment)

    def enqueue() -> None:
        send_course_email.enqueue(appointment_ids=ids, kind="course_cancelled")
        for time in freed:
            _enqueue_offer(time)

    transaction.on_commit(enqueue, robust=True)


def after_status_changed(appointment: Appointment) -> None:
    """A desk's status change (confirm, check in, complete, no-show): webhooks only."""
    event = (
        WebhookEvent.APPOINTMENT_COMPLETED
        if appointment.status == AppointmentStatus.COMPLETED
        else WebhookEvent.APPOINTMENT_CHANGED
    )
    webhooks.emit(event, appointment)
