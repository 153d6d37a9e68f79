"""The flat placeholders a patient's message is written with (first_name, clinic_name,
clinic_phone, when, place, practitioner, service, link), all strings, so the manager can
edit the templates without knowing our models. Nothing clinical: the service is its
public name, never a complaint or a note."""

import datetime as dt
import zoneinfo

from django.conf import settings

from booking.models import Appointment
from messaging.catalogue import TEXT
from messaging.rendering import render_message
from patients.models import Patient


def when(start: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """E.g. "Tue 8 Dec, 14:30", on the clock of the place the appointment is at."""
    local = start.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b, %H:%M}"


def patient_placeholders(patient: Patient, *, link: str) -> dict[str, str]:
    return {
        "first_name": patient.first_name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "link": link,
    }


def appointment_placeholders(appointment: Appointment, *, link: str) -> dict[str, str]:
    return patient_placeholders(appointment.patient, link=link) | {
        "when": when(appointment.start, appointment.location.zone),
        "place": appointment.location.name,
        "practitioner": appointment.practitioner.name,
        "service": appointment.service.name,
    }


def render_text(kind: str, placeholders: dict[str, str]) -> str:
    """The kind's text in the manager's wording (else templates/texts/<kind>.txt) with
    these placeholders, as one line of plain text."""
    return " ".join(render_message(kind, TEXT, placeholders).text.split())
