"""Consent to texts from the intake forms: choosing texts agrees to them, moving away
withdraws; the same answer twice records nothing more."""

import pytest
from django.urls import reverse

from messaging.selectors import opted_out, text_consent
from patients import links
from tests.factories import NOW
from tests.patients.intake_posts import DETAILS


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def details(client, patient, contact: str):
    url = reverse("patients:intake_details", args=[links.intake_token(patient)])
    response = client.post(url, DETAILS | {"preferred_contact": contact})
    assert response.status_code == 302


def test_choosing_texts_at_intake_records_consent(client, patient):
    details(client, patient, "sms")
    consent = text_consent(patient)
    assert consent.given is True
    assert [(row.source, row.at, row.recorded_by) for row in consent.history] == [
        ("intake", NOW, None)
    ]


def test_saving_the_same_answer_again_adds_nothing(client, patient):
    details(client, patient, "sms")
    details(client, patient, "sms")
    assert len(text_consent(patient).history) == 1


def test_email_at_intake_records_nothing(client, patient):
    details(client, patient, "email")
    assert text_consent(patient).given is None
    assert not opted_out(patient)


def test_moving_away_from_texts_withdraws(client, patient):
    details(client, patient, "sms")
    details(client, patient, "phone")
    assert [row.given for row in text_consent(patient).history] == [False, True]
    assert opted_out(patient)
