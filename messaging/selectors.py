"""Reads about texts: who wants them, in which time zone, and which numbers fail."""

import zoneinfo

from django.conf import settings

from booking.models import Appointment
from messaging.models import MessagingSettings, TextConsent, TextMessage, TextState
from patients.models import ContactMethod, Patient

# A number whose last this-many texts all failed is flagged on the patient page.
FAILING_AFTER = 3


def opted_out(patient: Patient) -> bool:
    """Whether the patient's latest word on texts is a withdrawal (STOP, or at the desk)."""
    latest = TextConsent.objects.filter(patient=patient).order_by("-at", "-pk").first()
    return latest is not None and not latest.given


def wants_texts(patient: Patient, *, rules: MessagingSettings | None = None) -> bool:
    """Texts as well as emails: the patient chose texts, or the manager texts everyone as a
    second channel. Opt-outs, landlines and the other rules are queue_text's to apply, so
    a text blocked by one is still recorded (as not sent, with the reason)."""
    if not patient.phone:
        return False
    if patient.preferred_contact == ContactMethod.SMS:
        return True
    return (rules or MessagingSettings.load()).texts_to_everyone


def patient_zone(patient: Patient, appointment: Appointment | None = None) -> zoneinfo.ZoneInfo:
    """The time zone the patient's night is in: the appointment's location's, else that of
    the patient's most recent appointment, else the clinic's."""
    if appointment is not None:
        return appointment.location.zone
    latest = (
        Appointment.objects.filter(patient=patient)
        .select_related("location")
        .order_by("-start", "-pk")
        .first()
    )
    if latest is not None:
        return latest.location.zone
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def failing_number(patient: Patient) -> bool:
    """Whether the last FAILING_AFTER texts that left for the patient's current number all
    failed: the desk should check the number. Texts never sent (opted out, a limit) do not
    count either way. One query."""
    if not patient.phone:
        return False
    states = list(
        TextMessage.objects.filter(patient=patient, to=str(patient.phone))
        .exclude(state__in=[TextState.NOT_SENT, TextState.QUEUED])
        .order_by("-created_at", "-pk")
        .values_list("state", flat=True)[:FAILING_AFTER]
    )
    return len(states) == FAILING_AFTER and all(s == TextState.FAILED for s in states)
