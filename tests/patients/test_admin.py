import pytest
from django.urls import reverse

from patients.models import (
    ConsentSignature,
    Intake,
    IntakeReview,
    Patient,
    PatientAccessLog,
    ScreeningResult,
)
from patients.services import intake_review
from tests.factories import NOW, submitted_intake


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:patients_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def intake(admin_user, patient):
    intake = submitted_intake(patient, "pacemaker", "diabetes")
    intake_review(intake=intake, reviewer=admin_user, outcome="cleared", note="Fine", now=NOW)
    return intake


def test_it_shows_intake_records_read_only_in_the_admin(admin_client, intake):
    records = [
        intake,
        intake.screening,
        intake.consent,
        IntakeReview.objects.get(),
    ]
    for obj in records:
        model = type(obj)
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200, model
        assert admin_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model
        assert admin_client.get(admin_url(model, "add")).status_code == 403, model
        assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403, model


def test_it_logs_admin_views_of_an_intake(admin_client, admin_user, intake):
    admin_client.get(admin_url(Intake, "change", intake.pk))
    assert PatientAccessLog.objects.get().user == admin_user
    assert admin_client.get(admin_url(PatientAccessLog, "changelist")).status_code == 200


def test_it_shows_the_rules_beside_a_screening_result(admin_client, intake):
    r = admin_client.get(admin_url(ScreeningResult, "change", intake.screening.pk))
    assert "Do you have diabetes?" in r.text
    assert "Hold until a practitioner clears it" in r.text


def test_it_keeps_the_new_contact_fields_on_the_record(admin_client, patient):
    r = admin_client.get(admin_url(Patient, "change", patient.pk))
    for label in ["Emergency contact name", "GP or physician", "Preferred contact"]:
        assert label in r.text
    assert ConsentSignature.objects.count() == 0
