"""After an online booking the intake link reaches the patient by email only: the
confirmation page says the same words whether or not the details matched a patient."""

import re

import pytest
import time_machine
from django.urls import reverse

from patients.links import intake_url
from patients.models import Patient
from tests.booking.views.public_flow import choose
from tests.factories import NOW


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def confirm(client, clinic, **details) -> str:
    choose(client, clinic, **details)
    page = client.post(reverse("booking:review"), follow=True).text
    # The reference differs per booking; everything else on the page must not.
    return re.sub(r"<strong class=\"fs-4\">\w+</strong>", "", page)


def test_it_shows_the_same_page_for_a_new_and_a_known_patient(
    client, clinic, patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = confirm(
            client,
            clinic,
            first_name="Dana",
            last_name="Visitor",
            email=patient.email,
            date_of_birth=patient.date_of_birth.isoformat(),
            start="20270111T0900Z",
        )
    client.cookies.clear()
    with django_capture_on_commit_callbacks(execute=True):
        new = confirm(
            client,
            clinic,
            first_name="Dana",
            last_name="Visitor",
            start="20270111T0900Z",
            practitioner=str(clinic.bob.pk),
        )
    assert "/intake/" not in known
    assert "/intake/" not in new
    assert known.replace(clinic.alice.name, "X") == new.replace(clinic.bob.name, "X")
    assert "we have emailed you a private link" in new


def test_it_emails_the_new_patient_their_own_link(
    client, clinic, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirm(client, clinic, email="dana@example.com")
    newcomer = Patient.objects.get(email="dana@example.com")
    [invite] = [m for m in mailoutbox if "pre-visit forms" in m.subject]
    assert invite.to == ["dana@example.com"]
    assert intake_url(newcomer) in invite.body
