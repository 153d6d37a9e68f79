"""The patient chooses, in the portal, how the clinic contacts them: texts agree to
texts (again after a STOP), another choice stops them; each change is in the consent
history with the portal as its source."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from messaging.models import ConsentSource, TextConsent
from messaging.selectors import opted_out, text_consent
from patients.models import ContactMethod
from tests.booking.views.test_portal import sign_in

URL = reverse("booking:portal_contact")


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, db):
    assert client.get(URL).url == reverse("booking:portal_sign_in")
    assert client.post(URL, {"preferred_contact": "sms"}).url == reverse("booking:portal_sign_in")
    assert not TextConsent.objects.exists()


def test_choosing_texts_agrees_and_another_choice_withdraws(client, patient):
    sign_in(client, patient)
    page = client.get(URL)
    assert page.status_code == 200
    assert "How should we contact you?" in page.text

    assert client.post(URL, {"preferred_contact": "sms"}).url == reverse("booking:portal")
    patient.refresh_from_db()
    assert patient.preferred_contact == ContactMethod.SMS
    client.post(URL, {"preferred_contact": "sms"})  # the same answer again: no new row
    client.post(URL, {"preferred_contact": "email"})
    history = text_consent(patient).history
    assert [(row.given, row.source) for row in history] == [
        (False, ConsentSource.PORTAL),
        (True, ConsentSource.PORTAL),
    ]
    assert opted_out(patient)


def test_texts_chosen_again_after_stop_restart_them(client, patient):
    patient.preferred_contact = ContactMethod.SMS
    patient.save()
    TextConsent.objects.create(
        patient=patient,
        given=False,
        at=timezone.now() - dt.timedelta(days=1),
        source=ConsentSource.REPLY,
    )
    assert opted_out(patient)
    sign_in(client, patient)
    client.post(URL, {"preferred_contact": "sms"})
    assert not opted_out(patient)
    assert text_consent(patient).latest.source == ConsentSource.PORTAL


@pytest.mark.parametrize("choice", ["", "pigeon"])
def test_a_bad_choice_is_refused_and_nothing_changes(client, patient, choice):
    sign_in(client, patient)
    page = client.post(URL, {"preferred_contact": choice})
    assert page.status_code == 200
    assert "is-invalid" in page.text
    patient.refresh_from_db()
    assert patient.preferred_contact == ContactMethod.EMAIL
    assert not TextConsent.objects.exists()
