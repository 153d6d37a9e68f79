"""Who reads clinical records: the practitioners treating the patient and the manager;
the front desk never; every read logged. Patients see only their own progress."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from booking.views.portal import PORTAL_KEY
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from patients.models import PatientAccessLog
from patients.selectors import may_read_clinical
from tests import factories


@pytest.fixture
def treated(clinic, patient):
    """Charlie: an episode from his intake (NPRS 4), two signed sessions with alice, and
    a pain score of 1 since: a meaningful improvement."""
    episode = factories.episode(patient, user=clinic.alice.user)
    factories.signed_visit(clinic, patient, 0)
    factories.signed_visit(clinic, patient, 1)
    factories.nprs_score(episode, 1, at=factories.FIRST_SESSION + dt.timedelta(weeks=2))
    return episode


def client_for(user) -> Client:
    client = Client()
    factories.signed_in(client, user)
    return client


def test_the_rule_follows_the_treatment(clinic, patient, treated, settings):
    alice = factories.in_role(clinic.alice.user, PRACTITIONER)
    bob = factories.in_role(clinic.bob.user, PRACTITIONER)

    assert may_read_clinical(alice, patient)
    assert not may_read_clinical(bob, patient)
    assert may_read_clinical(factories.staff(username="mona", role=MANAGER), patient)
    assert not may_read_clinical(factories.staff(username="rita", role=RECEPTIONIST), patient)
    settings.CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS = True
    assert may_read_clinical(bob, patient)
    assert not may_read_clinical(factories.staff(username="rosa", role=RECEPTIONIST), patient)


def test_another_practitioner_is_refused_and_the_reads_are_logged(clinic, patient, treated):
    reference = treated.visits.first().appointment.reference
    urls = [
        reverse("patients_staff:episode", args=[treated.pk]),
        reverse("patients_staff:visit", args=[reference]),
        reverse("patients_staff:discharge_summary", args=[treated.pk]),
    ]
    bob = client_for(factories.in_role(clinic.bob.user, PRACTITIONER))
    alice = client_for(factories.in_role(clinic.alice.user, PRACTITIONER))

    assert [bob.get(url).status_code for url in urls] == [403, 403, 403]
    assert not PatientAccessLog.objects.filter(user=clinic.bob.user).exists()
    assert [alice.get(url).status_code for url in urls] == [200, 200, 200]
    logged = PatientAccessLog.objects.filter(user=clinic.alice.user, patient=patient)
    assert sorted(logged.values_list("record", flat=True)) == [
        "discharge summary",
        "episode",
        "visit",
    ]


def test_the_patient_page_lists_episodes_only_for_clinical_readers(clinic, patient, treated):
    url = reverse("patients_staff:patient", args=[patient.pk])
    desk = client_for(factories.staff(username="rita", role=RECEPTIONIST)).get(url).content.decode()
    alice = client_for(factories.in_role(clinic.alice.user, PRACTITIONER)).get(url).content.decode()

    assert "Episodes of care" not in desk
    assert treated.complaint not in desk
    assert "Episodes of care" in alice
    assert "Pain score (NPRS) 4 → 1: meaningful improvement reached" in alice


def test_the_portal_shows_a_patient_only_their_own_progress(clinic, patient, treated):
    dana = factories.patient(first_name="Dana", email="dana@example.com")
    own = factories.episode(dana)
    own.complaint = "Dana's sore knee"
    own.save()
    client = Client()
    session = client.session
    session[PORTAL_KEY] = dana.pk
    session.save()

    page = client.get(reverse("booking:portal_progress")).content.decode()

    assert "Dana&#x27;s sore knee" in page
    assert treated.complaint not in page
    assert "<svg" in page
    assert "<table" in page
    assert Client().get(reverse("booking:portal_progress")).status_code == 302


def test_the_portal_chart_marks_baseline_threshold_and_verdict(clinic, patient, treated):
    client = Client()
    session = client.session
    session[PORTAL_KEY] = patient.pk
    session.save()

    page = client.get(reverse("booking:portal_progress")).content.decode()

    assert "Meaningful improvement reached" in page
    assert 'class="chart-baseline"' in page
    assert 'class="chart-threshold"' in page
    assert "(baseline)" in page
    assert "style=" not in page  # strict CSP: no inline styles
    assert "<script" not in page
