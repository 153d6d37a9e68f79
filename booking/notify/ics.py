"""Calendar files (.ics) for appointment emails.

One UID per appointment, kept across reschedules, so a calendar updates its event rather
than adding a second one; SEQUENCE grows with each change; a cancellation is METHOD:CANCEL
with the same UID. Times carry the location's zone (with its VTIMEZONE), so the event
shows at the right instant on daylight-saving days and in any other zone; a wall time
that happens twice (the autumn change) is written in UTC instead.
"""

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from booking.models import Appointment


def uid(appointment: Appointment) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "clinic.example"
    return f"appointment-{appointment.pk}@{host}"


def _local(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant in the location's zone, or in UTC when its wall-clock time happens
    twice that night (the autumn change): iCalendar reads a repeated local time as its
    first occurrence, so a session ending in the second one needs UTC to be right."""
    local = instant.astimezone(zone)
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        return instant.astimezone(dt.UTC)
    return local


def _calendar(method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.CLINIC_NAME}//Appointments//EN")
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    return calendar


def event(appointment: Appointment, *, summary: str, description: str, cancel: bool) -> Event:
    """The appointment's event: the same UID and times in the patient's emails and the
    practitioner's feed, so each calendar holds it once and follows its changes."""
    zone = appointment.location.zone
    event = Event()
    event.add("uid", uid(appointment))
    # Seconds since booking: grows with every change, as SEQUENCE must.
    event.add("sequence", int((appointment.updated_at - appointment.created_at).total_seconds()))
    event.add("dtstamp", appointment.updated_at.astimezone(dt.UTC))
    event.add("dtstart", _local(appointment.start, zone))
    event.add("dtend", _local(appointment.end, zone))
    event.add("summary", summary)
    event.add("location", f"{appointment.location.name}, {appointment.location.address}")
    event.add("description", description)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    return event


def _patient_event(appointment: Appointment, *, manage_url: str, cancel: bool) -> Event:
    patient_event = event(
        appointment,
        summary=f"{appointment.service.name} at {settings.CLINIC_NAME}",
        description=(
            f"With {appointment.practitioner.name}. Reference {appointment.reference}.\n"
            f"Change or cancel: {manage_url}\nCall us: {settings.CLINIC_PHONE}"
        ),
        cancel=cancel,
    )
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(settings.CLINIC_NAME)
    patient_event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{appointment.patient.email}")
    attendee.params["rsvp"] = vText("FALSE")
    patient_event.add("attendee", attendee)
    return patient_event


def appointment_ics(appointment: Appointment, *, manage_url: str, cancel: bool = False) -> bytes:
    """The appointment as an iTIP REQUEST, or as a CANCEL of the same event."""
    return appointments_ics([(appointment, manage_url)], cancel=cancel)


def appointments_ics(appointments: list[tuple[Appointment, str]], *, cancel: bool = False) -> bytes:
    """Several appointments (a course), each with its manage link, in one calendar file:
    one event per appointment, with the same UID as its own emails' file."""
    calendar = _calendar("CANCEL" if cancel else "REQUEST")
    for appointment, manage_url in appointments:
        calendar.add_component(_patient_event(appointment, manage_url=manage_url, cancel=cancel))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def practitioner_feed_ics(
    practitioner_name: str, appointments: list[Appointment], *, names: bool
) -> bytes:
    """A practitioner's diary as a published calendar: time, service, room and reference,
    and the patient's name only if the clinic enables it. The events share their UIDs
    with the patients' emails (and nothing clinical is in them)."""
    calendar = _calendar("PUBLISH")
    calendar.add("x-wr-calname", f"{practitioner_name} · {settings.CLINIC_NAME}")
    for appointment in appointments:
        summary = appointment.service.name
        if names:
            summary = f"{appointment.patient.full_name}: {summary}"
        calendar.add_component(
            event(
                appointment,
                summary=summary,
                description=f"{appointment.room.name}. Reference {appointment.reference}.",
                cancel=False,
            )
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()
