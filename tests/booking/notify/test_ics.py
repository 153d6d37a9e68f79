"""Calendar files: the right instant on daylight-saving days, one UID for life."""

import datetime as dt

import time_machine
from django.contrib.auth import get_user_model
from icalendar import Calendar

from booking.models import Appointment, AppointmentStatus, Practitioner, Service
from booking.notify import ics
from booking.services.changes import appointment_cancel, appointment_reschedule
from clinic.models import Location
from patients.models import Patient
from tests import factories
from tests.factories import NOW, at


def in_memory(start: dt.datetime, *, time_zone: str) -> Appointment:
    """A 60-minute appointment built in memory only: a calendar file needs no database."""
    alice = Practitioner(user=get_user_model()(first_name="Alice", last_name="Practitioner"))
    return Appointment(
        pk=1,
        reference="ABC123",
        patient=Patient(first_name="Charlie", email="charlie@example.com"),
        practitioner=alice,
        service=Service(name="Initial assessment and dry needling", duration_minutes=60),
        location=Location(name="Riverside", address="1 River Street", time_zone=time_zone),
        start=start,
        end=start + dt.timedelta(hours=1),
        created_at=NOW,
        updated_at=NOW,
    )


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")[0]


def test_it_puts_the_session_at_the_right_instant_on_the_spring_forward_day():
    # London's clocks go forward at 01:00 UTC on Sunday 28 March 2027: 10:00 BST is 09:00 UTC.
    start = dt.datetime(2027, 3, 28, 9, tzinfo=dt.UTC)
    appointment = in_memory(start, time_zone="Europe/London")
    calendar, event = parse(ics.appointment_ics(appointment, manage_url="https://x/m"))

    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("dtstart").astimezone(dt.UTC) == start
    assert event.decoded("dtend").astimezone(dt.UTC) == start + dt.timedelta(hours=1)
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event.decoded("dtstart").hour == 10  # the wall clock the patient sees
    assert calendar.walk("VTIMEZONE"), "the zone travels with the file"


def test_it_handles_the_autumn_change_in_new_york():
    # 7 November 2027, 01:30 happens twice; the first (EDT, UTC-4) is 05:30 UTC.
    start = dt.datetime(2027, 11, 7, 5, 30, tzinfo=dt.UTC)
    appointment = in_memory(start, time_zone="America/New_York")
    _, event = parse(ics.appointment_ics(appointment, manage_url="https://x/m"))
    assert event.decoded("dtstart").astimezone(dt.UTC) == start
    assert event.decoded("dtend").astimezone(dt.UTC) == start + dt.timedelta(hours=1)


def test_it_keeps_the_uid_across_a_reschedule_and_cancels_it(clinic, patient):
    with time_machine.travel(NOW, tick=False):
        appointment = factories.appointment(clinic, patient, at(9))
        _, booked = parse(ics.appointment_ics(appointment, manage_url="https://x/m"))
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        moved = appointment_reschedule(
            appointment=appointment,
            start=at(14),
            now=NOW + dt.timedelta(minutes=5),
            source="online",
        )
        _, rescheduled = parse(ics.appointment_ics(moved, manage_url="https://x/m"))
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        cancelled = appointment_cancel(
            appointment=moved, now=NOW + dt.timedelta(minutes=10), by_patient=True
        )
        calendar, cancel = parse(
            ics.appointment_ics(cancelled, manage_url="https://x/m", cancel=True)
        )

    assert cancelled.status == AppointmentStatus.CANCELLED
    assert booked["UID"] == rescheduled["UID"] == cancel["UID"]
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(cancel["STATUS"]) == "CANCELLED"
    assert booked["SEQUENCE"] < rescheduled["SEQUENCE"] < cancel["SEQUENCE"]
    assert rescheduled.decoded("dtstart").astimezone(dt.UTC).hour == 14
