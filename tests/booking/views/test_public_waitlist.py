"""Joining the waitlist from the public pages when nothing fits."""

import pytest
import time_machine
from django.urls import reverse

from booking.models import AppointmentSource, WaitlistEntry
from patients.models import Patient
from tests.booking.views.public_flow import DETAILS
from tests.factories import NOW


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def waitlist_url(clinic, **params):
    url = reverse("booking:waitlist", args=[clinic.initial.slug, clinic.location.slug])
    return url + ("?practitioner=" + params["practitioner"] if params else "")


def join(client, url, **fields):
    data = (
        DETAILS
        | {"earliest_date": "2027-01-05", "latest_date": "2027-01-20", "time_of_day": "morning"}
        | fields
    )
    return client.post(url, data)


def test_it_adds_a_waitlist_entry_with_the_chosen_practitioner(client, clinic):
    page = join(client, waitlist_url(clinic, practitioner=str(clinic.bob.pk)))
    assert "on the waitlist" in page.text
    entry = WaitlistEntry.objects.get()
    assert (entry.practitioner, entry.location, entry.source, entry.time_of_day) == (
        clinic.bob,
        clinic.location,
        AppointmentSource.ONLINE,
        "morning",
    )
    assert entry.patient.email == DETAILS["email"]


def test_it_answers_the_same_for_a_known_patient(client, clinic, patient):
    known = join(
        client,
        waitlist_url(clinic),
        email=patient.email,
        date_of_birth=patient.date_of_birth.isoformat(),
    )
    new = join(client, waitlist_url(clinic))
    assert known.text == new.text
    assert Patient.objects.count() == 2
    assert WaitlistEntry.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"earliest_date": "2027-01-01"}, "today or a later day"),
        ({"latest_date": "3000-01-01"}, "Please choose a day until"),
        ({"latest_date": "2027-01-04", "earliest_date": "2027-01-10"}, "comes before the first"),
        ({"time_of_day": "midnight"}, "Select a valid choice"),
        ({"email": ""}, "This field is required"),
    ],
)
def test_it_rejects_bad_requests_and_saves_nothing(client, clinic, fields, message):
    page = join(client, waitlist_url(clinic), **fields)
    assert page.status_code == 400
    assert message in page.text
    assert DETAILS["last_name"] in page.text
    assert not WaitlistEntry.objects.exists()
    assert not Patient.objects.exists()


def test_it_ignores_a_tampered_practitioner(client, clinic):
    join(client, waitlist_url(clinic, practitioner="999"))
    assert WaitlistEntry.objects.get().practitioner is None
