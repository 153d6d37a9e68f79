"""Demo replies for the demo clinic (booking's demo_clinic command): a patient who prefers
texts confirms the appointment a reminder was about, stops texts and starts them again,
and writes something for the desk; an unknown number writes too. Each goes through the
same service as the provider's webhook. Nothing when the demo replies exist already."""

import datetime as dt

from django.db.models import Q

from booking.models import Appointment, AppointmentStatus
from messaging.consent import text_consent_record
from messaging.models import ConsentSource, InboundText, TextMessage, TextState
from messaging.replies import reply_receive
from patients.models import ContactMethod, Patient

PREFIX = "SMdemo"
UNKNOWN_NUMBER = "+447700900461"  # Ofcom's range for drama: nobody's number


def seed_text_replies(*, patients: list[Patient], now: dt.datetime) -> Patient | None:
    """The demo patient who prefers texts, or None when there was none to use (or the
    replies were made on an earlier run)."""
    if InboundText.objects.filter(provider_id__startswith=PREFIX).exists():
        return None
    upcoming = Appointment.objects.filter(
        Q(status=AppointmentStatus.CONFIRMED), patient__in=patients, start__gt=now
    ).select_related("patient", "location")
    appointment = upcoming.order_by("start").first()
    if appointment is None:
        return None
    patient = appointment.patient
    patient.preferred_contact = ContactMethod.SMS
    patient.save(update_fields=["preferred_contact", "updated_at"])
    number = str(patient.phone)
    text_consent_record(
        patient=patient, given=True, source=ConsentSource.INTAKE, now=now - dt.timedelta(days=3)
    )
    TextMessage.objects.create(
        patient=patient,
        appointment=appointment,
        kind="reminder",
        to=number,
        body="Reminder from the clinic: your appointment. Reply C to confirm, X to cancel.",
        state=TextState.DELIVERED,
        send_after=now - dt.timedelta(hours=3),
        sent_at=now - dt.timedelta(hours=3),
        delivered_at=now - dt.timedelta(hours=3),
        provider_id=f"{PREFIX}-reminder",
    )
    replies = [
        ("confirm", number, "C", dt.timedelta(hours=2, minutes=50)),
        ("stop", number, "STOP", dt.timedelta(hours=2)),
        ("start", number, "START", dt.timedelta(hours=1, minutes=45)),
        ("desk", number, "Running 10 minutes late, sorry!", dt.timedelta(minutes=30)),
        ("unknown", UNKNOWN_NUMBER, "Hi, do you have anything on Saturday?", dt.timedelta(0)),
    ]
    for name, sender, body, ago in replies:
        reply_receive(
            provider_id=f"{PREFIX}-{name}", number=sender, raw_from=sender, body=body, now=now - ago
        )
    return patient
