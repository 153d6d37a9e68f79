import datetime as dt

import time_machine
from django.template import Context, Template

from booking.models import Appointment, AppointmentSource
from patients.links import intake_url
from patients.testing import NOW, make_patient, submitted_intake

TEMPLATE = Template("{% load intake %}{% intake_invitation appointment %}")


def book(clinic, patient) -> Appointment:
    start = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    return Appointment.objects.create(
        patient=patient,
        practitioner=clinic.alice,
        service=clinic.initial,
        location=clinic.location,
        room=clinic.rooms[0],
        start=start,
        end=start + dt.timedelta(hours=1),
        occupied_until=start + dt.timedelta(minutes=70),
        source=AppointmentSource.ONLINE,
    )


def invitation(appointment) -> str:
    return TEMPLATE.render(Context({"appointment": appointment}))


def test_it_invites_a_patient_new_with_this_booking(clinic):
    with time_machine.travel(NOW, tick=False):
        patient = make_patient("Charlie", "charlie@example.com")
        appointment = book(clinic, patient)
    html = invitation(appointment)
    assert "Start your pre-visit forms" in html
    assert intake_url(patient).split("/")[2] in html


def test_it_gives_no_link_for_a_record_the_booking_matched(clinic):
    with time_machine.travel(NOW - dt.timedelta(days=300), tick=False):
        patient = make_patient("Charlie", "charlie@example.com")
    with time_machine.travel(NOW, tick=False):
        appointment = book(clinic, patient)
    assert invitation(appointment).strip() == ""


def test_it_gives_no_link_once_the_forms_are_in(clinic):
    with time_machine.travel(NOW, tick=False):
        patient = make_patient("Charlie", "charlie@example.com")
        submitted_intake(patient)
        appointment = book(clinic, patient)
    assert invitation(appointment).strip() == ""
