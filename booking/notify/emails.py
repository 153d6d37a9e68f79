"""Patients' emails, built from templates/emails/<kind>.txt and .html.

They carry the minimum: the time, the place, the practitioner, the service's name and a
link. Never screening answers, intake contents or anything clinical: an email can be read
by whoever shares the inbox.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from booking import links
from booking.models import Appointment, AppointmentStatus
from booking.notify import ics
from patients.links import PRE_VISIT_SALT, visit_token
from patients.models import Patient

SUBJECTS = {
    "booked": "Your appointment is booked",
    "requested": "We have your appointment request",
    "rescheduled": "Your appointment has moved",
    "cancelled": "Your appointment is cancelled",
    "reminder": "Reminder: your appointment",
    "intake": "Your pre-visit forms",
    "sign_in": "Your sign-in link",
    "waitlist_offer": "A time has come free",
    "aftercare": "After your visit",
    "check_in": "How are you since your visit?",
    "course_booked": "Your course of appointments is booked",
    "course_cancelled": "Your remaining appointments are cancelled",
    "recall": "Time to book your next visit?",
    "follow_up": "How are you getting on?",
}


def _message(kind: str, *, to: str, context: dict[str, object]) -> EmailMultiAlternatives:
    context = {
        "CLINIC_NAME": settings.CLINIC_NAME,
        "CLINIC_PHONE": settings.CLINIC_PHONE,
        **context,
    }
    message = EmailMultiAlternatives(
        subject=f"{SUBJECTS[kind]} · {settings.CLINIC_NAME}",
        body=render_to_string(f"emails/{kind}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"emails/{kind}.html", context), "text/html")
    return message


def appointment_email(appointment: Appointment, kind: str) -> EmailMultiAlternatives:
    """booked, requested, rescheduled, cancelled or reminder."""
    manage_url = links.absolute(links.manage_path(appointment))
    context: dict[str, object] = {"appointment": appointment, "manage_url": manage_url}
    if kind == "reminder":
        # The questions before the visit (what has changed, pain today): the re-check.
        token = visit_token(appointment.pk, salt=PRE_VISIT_SALT)
        context["pre_visit_url"] = links.absolute(reverse("visit_links:pre_visit", args=[token]))
    message = _message(kind, to=appointment.patient.email, context=context)
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
    message = _message(kind, to=patient.email, context={"patient": patient, "sessions": sessions})
    cancel = kind == "course_cancelled"
    message.attach(
        "course.ics",
        ics.appointments_ics(sessions, cancel=cancel),
        "text/calendar; method=" + ("CANCEL" if cancel else "REQUEST"),
    )
    return message


def intake_email(patient: Patient, *, intake_url: str) -> EmailMultiAlternatives:
    return _message(
        "intake",
        to=patient.email,
        context={"patient": patient, "intake_url": links.absolute(intake_url)},
    )


def sign_in_email(patient: Patient) -> EmailMultiAlternatives:
    path = reverse("booking:portal_enter", args=[links.sign_in_token(patient)])
    return _message(
        "sign_in",
        to=patient.email,
        context={
            "patient": patient,
            "sign_in_url": links.absolute(path),
            "minutes": settings.CLINIC_SIGN_IN_LINK_MINUTES,
        },
    )


def waitlist_offer_email(
    *, patient: Patient, offer: dict[str, object], claim_url: str
) -> EmailMultiAlternatives:
    return _message(
        "waitlist_offer",
        to=patient.email,
        context={"patient": patient, "offer": offer, "claim_url": claim_url},
    )


def aftercare_email(appointment: Appointment, *, advice: str) -> EmailMultiAlternatives:
    """The clinic's general aftercare advice (patients.models.AftercareAdvice), the same
    for everyone: nothing about this patient's treatment."""
    return _message(
        "aftercare",
        to=appointment.patient.email,
        context={"patient": appointment.patient, "advice": advice},
    )


def check_in_email(appointment: Appointment, *, check_in_path: str) -> EmailMultiAlternatives:
    return _message(
        "check_in",
        to=appointment.patient.email,
        context={"patient": appointment.patient, "check_in_url": links.absolute(check_in_path)},
    )


def _flat(patient: Patient) -> dict[str, object]:
    """The placeholders every patient message shares (flat strings, issue 22)."""
    return {
        "first_name": patient.first_name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
    }


def recall_email(
    patient: Patient, *, service: str, practitioner: str, place: str, link: str, decline_link: str
) -> EmailMultiAlternatives:
    """An invitation to book again (decision 0111): the service's name, and who and where
    the link offers, never why the patient came."""
    context = _flat(patient) | {
        "service": service,
        "practitioner": practitioner,
        "place": place,
        "link": link,
        "decline_link": decline_link,
    }
    return _message("recall", to=patient.email, context=context)


def follow_up_email(patient: Patient, *, link: str, days: int) -> EmailMultiAlternatives:
    """A few questions on how the patient is since their course ended (decision 0112)."""
    context = _flat(patient) | {"link": link, "days": days}
    return _message("follow_up", to=patient.email, context=context)
