import datetime as dt

from django import template

from patients.links import intake_url
from patients.models import IntakeStatus
from patients.selectors import needs_intake

register = template.Library()


@register.inclusion_tag("patients/_intake_badge.html")
def intake_badge(status: str) -> dict:
    """{% intake_badge status %}: the one way every page shows an intake status."""
    status = status or IntakeStatus.MISSING
    return {"status": status, "label": IntakeStatus(status).label}


# A patient record made by the booking itself was made moments before the appointment.
NEW_PATIENT_WINDOW = dt.timedelta(minutes=2)


@register.inclusion_tag("patients/_intake_invitation.html")
def intake_invitation(appointment) -> dict:
    """The link to the intake forms on a booking confirmation, for a patient new with this
    booking only. A booking that matched an existing record gets no link here (it would
    open that record's forms to whoever typed the email and birth date); the emailed link
    reaches its owner instead."""
    patient = appointment.patient
    is_new = appointment.created_at - patient.created_at < NEW_PATIENT_WINDOW
    show = is_new and needs_intake(patient)
    return {"url": intake_url(patient) if show else None}
