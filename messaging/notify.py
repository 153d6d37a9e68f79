"""Texts beside the emails (decision 0108): the notification tasks call these after the
email, for patients who want texts. Each builds the short link and the words, and queues
the text; queue_text applies the rules (STOP, landline, limit, quiet hours)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from booking import links as booking_links
from booking.links import RECALL_DECLINE_MAX_AGE
from booking.models import Appointment, Practitioner, Service
from clinic.models import Location
from messaging.links import short_url
from messaging.models import TextMessage
from messaging.placeholders import (
    appointment_placeholders,
    patient_placeholders,
    render_text,
    when,
)
from messaging.selectors import wants_texts
from messaging.services.texts import queue_text
from patients.models import Patient


def text_appointment(appointment: Appointment, kind: str) -> TextMessage | None:
    """booked, requested, rescheduled, cancelled or reminder; None if the patient does not
    want texts. The link is the appointment's manage page, for as long as that link works."""
    if not wants_texts(appointment.patient):
        return None
    now = timezone.now()
    link = short_url(
        booking_links.manage_path(appointment),
        expires_at=now + dt.timedelta(days=settings.CLINIC_MANAGE_LINK_DAYS),
    )
    body = render_text(kind, appointment_placeholders(appointment, link=link))
    return queue_text(appointment.patient, kind=kind, body=body, appointment=appointment, now=now)


def text_waitlist_offer(
    patient: Patient,
    *,
    start: dt.datetime,
    location: Location,
    service: Service,
    practitioner: Practitioner,
    claim_path: str,
) -> TextMessage | None:
    """The freed time, with a short link to claim it until it starts."""
    if not wants_texts(patient):
        return None
    link = short_url(claim_path, expires_at=start)
    placeholders = patient_placeholders(patient, link=link) | {
        "when": when(start, location.zone),
        "place": location.name,
        "service": service.name,
        "practitioner": practitioner.name,
    }
    body = render_text("waitlist_offer", placeholders)
    return queue_text(patient, kind="waitlist_offer", body=body)


def text_sign_in(patient: Patient, *, sign_in_path: str) -> TextMessage | None:
    """The portal's sign-in link, short, and expiring with the link itself."""
    if not wants_texts(patient):
        return None
    minutes = settings.CLINIC_SIGN_IN_LINK_MINUTES
    link = short_url(sign_in_path, expires_at=timezone.now() + dt.timedelta(minutes=minutes))
    placeholders = patient_placeholders(patient, link=link) | {"minutes": str(minutes)}
    return queue_text(patient, kind="sign_in", body=render_text("sign_in", placeholders))


def text_recall(patient: Patient, *, book_path: str, decline_path: str) -> TextMessage | None:
    """The invitation to book again (decision 0111), with short links to the booking page
    and to "not needed", each for as long as the decline link works."""
    if not wants_texts(patient):
        return None
    expires_at = timezone.now() + RECALL_DECLINE_MAX_AGE
    placeholders = patient_placeholders(
        patient, link=short_url(book_path, expires_at=expires_at)
    ) | {"decline_link": short_url(decline_path, expires_at=expires_at)}
    return queue_text(patient, kind="recall", body=render_text("recall", placeholders))


def text_follow_up(
    patient: Patient, *, survey_path: str, expires_at: dt.datetime
) -> TextMessage | None:
    """The follow-up survey's link (decision 0112), short, expiring with the survey."""
    if not wants_texts(patient):
        return None
    placeholders = patient_placeholders(patient, link=short_url(survey_path, expires_at=expires_at))
    return queue_text(patient, kind="follow_up", body=render_text("follow_up", placeholders))
