import datetime as dt

import pytest
from django.urls import reverse

from clinic.roles import PRACTITIONER, RECEPTIONIST
from patients.models import Intake, IntakeReview, IntakeStatus, PatientAccessLog
from patients.selectors import intake_statuses
from tests import factories
from tests.factories import NOW, submitted_intake

LIST = reverse("patients_staff:intakes")


def detail(intake) -> str:
    return reverse("patients_staff:intake", args=[intake.pk])


def review(intake) -> str:
    return reverse("patients_staff:review", args=[intake.pk])


@pytest.fixture(autouse=True)
def shared_patients(settings):
    # These tests are about reviewing; tests/clinic/test_least_privilege.py covers which
    # practitioner reads which patient's intake.
    settings.CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS = True


@pytest.fixture
def practitioner_client(client, db):
    factories.signed_in(client, factories.staff(username="pat", role=PRACTITIONER))
    return client


@pytest.fixture
def reception_client(client, db):
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    return client


def test_it_lists_intakes_awaiting_review_oldest_first(practitioner_client, patient):
    dana = factories.patient(first_name="Dana")
    eve = factories.patient(first_name="Eve")
    newer = submitted_intake(patient, "diabetes", at=NOW + dt.timedelta(hours=1))
    older = submitted_intake(dana, "needle_phobia", at=NOW)
    submitted_intake(eve)  # cleared: nothing to review

    r = practitioner_client.get(LIST)
    assert list(r.context["intakes"]) == [older, newer]
    assert "Eve" not in r.text
    assert "Hold" in r.text
    assert "Needs review" in r.text


def test_it_shows_answers_to_practitioners_and_logs_it(practitioner_client, patient):
    intake = submitted_intake(patient, "pregnancy", "pacemaker")
    r = practitioner_client.get(detail(intake))
    assert r.status_code == 200
    assert "Are you pregnant, or could you be?" in r.text
    assert "Electrical stimulation: <strong>not allowed</strong>" in r.text
    log = PatientAccessLog.objects.get()
    assert (log.user.username, log.patient, log.intake, log.record) == (
        "pat",
        patient,
        intake,
        "intake",
    )


def test_it_forbids_receptionists_the_answers(reception_client, patient):
    intake = submitted_intake(patient, "pregnancy")
    assert reception_client.get(LIST).status_code == 403
    assert reception_client.get(detail(intake)).status_code == 403
    r = reception_client.post(review(intake), {"outcome": "cleared", "note": "ok"})
    assert r.status_code == 403
    assert reception_client.get(reverse("patients_staff:rules")).status_code == 403
    assert not PatientAccessLog.objects.exists()
    # What the front desk gets instead: the status.
    assert intake_statuses([patient.pk]) == {patient.pk: "needs_review"}


def test_it_sends_anonymous_visitors_to_sign_in(client, patient):
    intake = submitted_intake(patient, "pregnancy")
    r = client.get(detail(intake))
    assert r.status_code == 302
    assert "/staff/login/" in r.url


def test_it_clears_with_a_note_and_keeps_history(practitioner_client, patient):
    intake = submitted_intake(patient, "needle_phobia")
    r = practitioner_client.post(review(intake), {"outcome": "hold", "note": "Call first"})
    assert r.status_code == 302
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.HOLD
    assert intake.reviewed_at is not None
    assert practitioner_client.get(LIST).context["intakes"].count() == 0

    practitioner_client.post(review(intake), {"outcome": "cleared", "note": "Talked it through"})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.CLEARED
    assert [(r.outcome, r.note) for r in IntakeReview.objects.all()] == [
        ("hold", "Call first"),
        ("cleared", "Talked it through"),
    ]
    assert intake_statuses([patient.pk]) == {patient.pk: "cleared"}


def test_it_requires_a_note(practitioner_client, patient):
    intake = submitted_intake(patient, "diabetes")
    r = practitioner_client.post(review(intake), {"outcome": "cleared", "note": ""})
    assert r.status_code == 400
    assert "This field is required" in r.text
    assert Intake.objects.get().status == IntakeStatus.NEEDS_REVIEW
    r = practitioner_client.post(review(intake), {"outcome": "cleared", "note": "x" * 2001})
    assert r.status_code == 400


def test_it_accepts_reviews_by_post_only(practitioner_client, patient):
    intake = submitted_intake(patient, "diabetes")
    assert practitioner_client.get(review(intake)).status_code == 405


def test_it_shows_the_screening_rules(practitioner_client):
    r = practitioner_client.get(reverse("patients_staff:rules"))
    assert "Do you have a pacemaker or an implanted defibrillator (ICD)?" in r.text


@pytest.mark.parametrize("count", [1, 15])
def test_it_lists_in_constant_queries(practitioner_client, django_assert_num_queries, count):
    for n in range(count):
        submitted_intake(factories.patient(first_name=f"P{n}"), "diabetes")
    with django_assert_num_queries(6):
        # 1. the session
        # 2. the signed-in user
        # 3. the second factor that verified this session (django-otp)
        # 4. the user's own permissions (staff_required)
        # 5. the user's permissions through their groups
        # 6. the awaiting intakes with patient and screening joined
        r = practitioner_client.get(LIST)
    assert len(r.context["intakes"]) == count
