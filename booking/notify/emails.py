"""Patients' emails about their appointments, through the clinic's one email layout
(messaging.rendering, decision 0110): each function gathers a kind's placeholders, its
button and its appointment cards; the wording is the manager's or the default file
(templates/emails/<kind>.txt).

They carry the minimum: the time, the place, the practitioner, the service's name and a
link. Never screening answers, intake contents or anything clinical: an email can be read
by whoever shares the inbox.
"""

import datetime as dt

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import dateformat, timezone

from booking import links
from booking.models import Appointment, AppointmentStatus, Practitioner, Service
from booking.notify import ics
from booking.templatetags.clinic_format import time_range, zoned
from clinic.models import Location
from messaging.rendering import Action, Card, email_message
from patients.links import PRE_VISIT_SALT, visit_token
from patients.models import Patient

ACTIONS = {
    "booked": "Change or cancel your appointment",
    "requested": "See or cancel your request",
    "rescheduled": "Change or cancel your appointment",
    "cancelled": "See your appointment",
    "reminder": "Change or cancel your appointment",
}


def short_when(start: dt.datetime, location: Location) -> str:
    """The placeholder ``when``: "Tue 8 Dec, 14:30" in the location's zone."""
    return dateformat.format(start.astimezone(location.zone), "D j M, H:i")


def appointment_placeholders(appointment: Appointment) -> dict[str, str]:
    return {
        "first_name": appointment.patient.first_name,
        "when": short_when(appointment.start, appointment.location),
        "place": appointment.location.name,
        "practitioner": appointment.practitioner.name,
        "service": appointment.service.name,
    }


def appointment_card(
    appointment: Appointment, *, heading: str = "", action: Action | None = None
) -> Card:
    location = appointment.location
    with timezone.override(location.zone):
        when = time_range(appointment.start, appointment.end, "l j F Y")
    return Card(
        service=appointment.service.name,
        practitioner=appointment.practitioner.name,
        when=when,
        place=location.name,
        address=", ".join(line.strip() for line in location.address.splitlines() if line.strip()),
        reference=appointment.reference,
        heading=heading,
        action=action,
    )


def appointment_email(appointment: Appointment, kind: str) -> EmailMultiAlternatives:
    """booked, requested, rescheduled, cancelled or reminder."""
    manage_url = links.absolute(links.manage_path(appointment))
    context = appointment_placeholders(appointment) | {"link": manage_url}
    if kind == "reminder":
        # The questions before the visit (what has changed, pain today): the re-check.
        token = visit_token(appointment.pk, salt=PRE_VISIT_SALT)
        context["pre_visit_link"] = links.absolute(reverse("visit_links:pre_visit", args=[token]))
    message = email_message(
        kind,
        to=appointment.patient.email,
        patient=appointment.patient,
        context=context,
        action=Action(ACTIONS[kind], manage_url),
        cards=[appointment_card(appointment)],
    )
    if appointment.status != AppointmentStatus.REQUESTED and kind != "reminder":
        message.attach(
            "appointment.ics",
            ics.appointment_ics(appointment, manage_url=manage_url, cancel=kind == "cancelled"),
            "text/calendar; method=" + ("CANCEL" if kind == "cancelled" else "REQUEST"),
        )
    return message


def course_email(appointments: list[Appointment], kind: str) -> EmailMultiAlternatives:
    """course_booked or course_cancelled: every session in one email, with one calendar
    file holding them all (each event with the UID of its own appointment)."""
    sessions = [(a, links.absolute(links.manage_path(a))) for a in appointments]
    patient = appointments[0].patient
    cancel = kind == "course_cancelled"
    cards = [
        appointment_card(
            appointment,
            heading="" if cancel else f"Session {number}",
            action=None if cancel else Action("Change or cancel this session", url),
        )
        for number, (appointment, url) in enumerate(sessions, start=1)
    ]
    message = email_message(
        kind,
        to=patient.email,
        patient=patient,
        context={"first_name": patient.first_name, "count": str(len(sessions))},
        cards=cards,
    )
    message.attach(
        "course.ics",
        ics.appointments_ics(sessions, cancel=cancel),
        "text/calendar; method=" + ("CANCEL" if cancel else "REQUEST"),
    )
    return message


def intake_email(patient: Patient, *, intake_url: str) -> EmailMultiAlternatives:
    url = links.absolute(intake_url)
    return email_message(
        "intake",
        to=patient.email,
        patient=patient,
        context={"first_name": patient.first_name, "link": url},
        action=Action("Complete your pre-visit forms", url),
    )


def sign_in_email(patient: Patient) -> EmailMultiAlternatives:
    url = links.absolute(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))
    return email_message(
        "sign_in",
        to=patient.email,
        patient=patient,
        context={
            "first_name": patient.first_name,
            "link": url,
            "minutes": str(settings.CLINIC_SIGN_IN_LINK_MINUTES),
        },
        action=Action("Sign in", url),
    )


def waitlist_offer_email(
    *,
    patient: Patient,
    service: Service,
    location: Location,
    practitioner: Practitioner | None,
    start: dt.datetime,
    claim_url: str,
) -> EmailMultiAlternatives:
    with timezone.override(location.zone):
        when = zoned(start, "l j F Y")
    who = practitioner.name if practitioner else ""
    card = Card(
        service=service.name,
        practitioner=who,
        when=when,
        place=location.name,
        address=", ".join(line.strip() for line in location.address.splitlines() if line.strip()),
    )
    context = {
        "first_name": patient.first_name,
        "when": short_when(start, location),
        "place": location.name,
        "practitioner": who,
        "service": service.name,
        "link": claim_url,
    }
    return email_message(
        "waitlist_offer",
        to=patient.email,
        patient=patient,
        context=context,
        action=Action("Claim this time", claim_url),
        cards=[card],
    )


def aftercare_email(appointment: Appointment, *, advice: str) -> EmailMultiAlternatives:
    """The clinic's general aftercare advice (patients.models.AftercareAdvice), the same
    for everyone: nothing about this patient's treatment."""
    return email_message(
        "aftercare",
        to=appointment.patient.email,
        patient=appointment.patient,
        context={"first_name": appointment.patient.first_name, "advice": advice},
    )


def check_in_email(appointment: Appointment, *, check_in_path: str) -> EmailMultiAlternatives:
    url = links.absolute(check_in_path)
    return email_message(
        "check_in",
        to=appointment.patient.email,
        patient=appointment.patient,
        context={"first_name": appointment.patient.first_name, "link": url},
        action=Action("Answer the questions", url),
    )


def recall_email(
    patient: Patient, *, service: str, practitioner: str, place: str, link: str, decline_link: str
) -> EmailMultiAlternatives:
    """An invitation to book again (decision 0111): the service's name, and who and where
    the link offers, never why the patient came."""
    context = {
        "first_name": patient.first_name,
        "service": service,
        "practitioner": practitioner,
        "place": place,
        "link": link,
        "decline_link": decline_link,
    }
    label = f"Choose a time with {practitioner}" if practitioner else "Choose a time"
    return email_message(
        "recall", to=patient.email, patient=patient, context=context, action=Action(label, link)
    )


def follow_up_email(patient: Patient, *, link: str) -> EmailMultiAlternatives:
    """A few questions on how the patient is since their course ended (decision 0112)."""
    return email_message(
        "follow_up",
        to=patient.email,
        patient=patient,
        context={"first_name": patient.first_name, "link": link},
        action=Action("Answer the questions", link),
    )
