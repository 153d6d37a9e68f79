"""Least privilege: who may change accounts, read which patient's clinical records, edit
whose hours, and set statuses in the admin; the roles table in the README is the code's."""

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from booking.models import AppointmentStatus, TimeOff, WeeklyHours
from clinic import roles
from clinic.roles import MANAGER, PRACTITIONER, RECEPTIONIST
from patients.models import Intake, PatientAccessLog, ScreeningResult
from tests import factories
from tests.factories import at, book, submitted_intake

User = get_user_model()


def admin_url(obj_or_model, view: str, *args) -> str:
    opts = obj_or_model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def manager_client(client, db):
    factories.signed_in(client, factories.staff(username="mona", role=MANAGER))
    return client


# --- Accounts --------------------------------------------------------------------------------


def _user_post(user, **changes) -> dict:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "date_joined_0": "2027-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2027-01-01",
        "initial-date_joined_1": "09:00:00",
    }
    return data | changes


def test_a_manager_cannot_grant_superuser_or_groups(manager_client):
    rita = factories.staff(username="rita", role=RECEPTIONIST)
    response = manager_client.post(
        admin_url(rita, "change", rita.pk),
        _user_post(rita, first_name="Rita", is_superuser="on", groups=[1, 2, 3]),
    )
    assert response.status_code == 302
    rita.refresh_from_db()
    assert rita.first_name == "Rita"  # the manager may correct a name...
    assert not rita.is_superuser  # ...but not grant superuser
    assert list(rita.groups.values_list("name", flat=True)) == [RECEPTIONIST]


def test_a_manager_cannot_change_a_superuser(manager_client):
    boss = User.objects.create_superuser("boss", "boss@example.com", first_name="Boss")
    assert manager_client.get(admin_url(boss, "change", boss.pk)).status_code == 200  # sees
    response = manager_client.post(
        admin_url(boss, "change", boss.pk), _user_post(boss, first_name="Mallory")
    )
    assert response.status_code == 403
    boss.refresh_from_db()
    assert boss.first_name == "Boss"


def test_a_manager_cannot_set_anyones_password(manager_client):
    rita = factories.staff(username="rita", role=RECEPTIONIST)
    rita.set_password("the old one")
    rita.save()
    url = reverse("admin:auth_user_password_change", args=[rita.pk])
    assert manager_client.get(url).status_code == 403
    new = {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    assert manager_client.post(url, new | {"usable_password": "true"}).status_code == 403
    rita.refresh_from_db()
    assert rita.check_password("the old one")
    # Nor make a new account (which sets a password and groups), nor delete one.
    assert manager_client.get(admin_url(User, "add")).status_code == 403
    assert manager_client.get(admin_url(rita, "delete", rita.pk)).status_code == 403


def test_a_superuser_still_can(admin_client):
    rita = factories.staff(username="rita", role=RECEPTIONIST)
    url = reverse("admin:auth_user_password_change", args=[rita.pk])
    new = {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    assert admin_client.post(url, new | {"usable_password": "true"}).status_code == 302
    rita.refresh_from_db()
    assert rita.check_password("a brand new passphrase")


# --- Clinical records: the patients a practitioner treats ---------------------------------------


@pytest.fixture
def alices_patient_intake(clinic, patient):
    book(clinic, patient, at(10), practitioner=clinic.alice)
    return submitted_intake(patient)


def test_a_practitioner_gets_403_on_another_practitioners_patient(
    client, clinic, alices_patient_intake
):
    factories.signed_in(client, factories.in_role(clinic.bob.user, PRACTITIONER))
    intake = alices_patient_intake
    assert client.get(reverse("patients_staff:intake", args=[intake.pk])).status_code == 403
    review = reverse("patients_staff:review", args=[intake.pk])
    assert client.post(review, {"outcome": "cleared", "note": "ok"}).status_code == 403
    assert client.get(admin_url(intake, "change", intake.pk)).status_code == 403
    screening = ScreeningResult.objects.get(intake=intake)
    assert client.get(admin_url(screening, "change", screening.pk)).status_code == 403
    listing = client.get(reverse("patients_staff:intakes"))
    assert intake not in listing.context["intakes"]
    assert not PatientAccessLog.objects.filter(user=clinic.bob.user).exists()


def test_the_practitioner_who_treats_them_reads_them(client, clinic, alices_patient_intake):
    factories.signed_in(client, factories.in_role(clinic.alice.user, PRACTITIONER))
    intake = alices_patient_intake
    assert client.get(reverse("patients_staff:intake", args=[intake.pk])).status_code == 200
    assert client.get(admin_url(intake, "change", intake.pk)).status_code == 200


def test_the_clinic_may_let_every_practitioner_read_every_patient(
    client, clinic, alices_patient_intake, settings
):
    settings.CLINIC_PRACTITIONERS_SEE_ALL_PATIENTS = True
    factories.signed_in(client, factories.in_role(clinic.bob.user, PRACTITIONER))
    intake = alices_patient_intake
    assert client.get(reverse("patients_staff:intake", args=[intake.pk])).status_code == 200


def test_the_manager_reads_every_patient(manager_client, alices_patient_intake):
    intake = alices_patient_intake
    url = reverse("patients_staff:intake", args=[intake.pk])
    assert manager_client.get(url).status_code == 200


def test_a_receptionist_reads_no_clinical_record(client, alices_patient_intake):
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    intake = alices_patient_intake
    assert client.get(reverse("patients_staff:intake", args=[intake.pk])).status_code == 403
    assert client.get(admin_url(Intake, "changelist")).status_code == 403


# --- Own hours and time off ------------------------------------------------------------------


def test_a_practitioner_edits_only_their_own_time_off(client, clinic):
    factories.signed_in(client, factories.in_role(clinic.bob.user, PRACTITIONER))
    starts = dt.datetime(2027, 2, 1, 9, tzinfo=dt.UTC)
    alices = TimeOff.objects.create(
        practitioner=clinic.alice, starts_at=starts, ends_at=starts + dt.timedelta(days=1)
    )
    bobs = TimeOff.objects.create(
        practitioner=clinic.bob, starts_at=starts, ends_at=starts + dt.timedelta(days=1)
    )
    post = {
        "starts_at_0": "2027-02-01",
        "starts_at_1": "09:00",
        "ends_at_0": "2027-02-03",
        "ends_at_1": "09:00",
        "reason": "Longer",
    }
    assert client.post(admin_url(alices, "change", alices.pk), post).status_code == 403
    assert client.post(admin_url(alices, "delete", alices.pk), {"post": "yes"}).status_code == 403
    own = client.post(admin_url(bobs, "change", bobs.pk), post | {"practitioner": clinic.bob.pk})
    assert own.status_code == 302, own.context["adminform"].form.errors if own.context else own
    alices.refresh_from_db()
    bobs.refresh_from_db()
    assert alices.reason == ""
    assert bobs.reason == "Longer"
    # New time off can only be the practitioner's own.
    other = post | {"practitioner": clinic.alice.pk, "reason": "Not mine"}
    assert client.post(admin_url(TimeOff, "add"), other).status_code == 200  # refused choice
    assert not TimeOff.objects.filter(reason="Not mine").exists()


def test_a_practitioner_edits_their_own_hours_only(client, clinic):
    factories.signed_in(client, factories.in_role(clinic.bob.user, PRACTITIONER))
    alices = client.get(admin_url(clinic.alice, "change", clinic.alice.pk))
    assert alices.status_code == 200
    assert not alices.context["has_change_permission"]
    assert client.post(admin_url(clinic.alice, "change", clinic.alice.pk), {}).status_code == 403
    own = client.get(admin_url(clinic.bob, "change", clinic.bob.pk))
    assert own.context["has_change_permission"]
    formsets = own.context["inline_admin_formsets"]
    assert all(formset.has_change_permission for formset in formsets)
    # Only the hours: the practitioner's title, services and locations stay the manager's.
    assert "title" in own.context["adminform"].readonly_fields
    assert WeeklyHours.objects.filter(practitioner=clinic.alice).count() == 10


# --- Statuses in the admin -------------------------------------------------------------------


def test_a_receptionist_cannot_set_a_status_in_the_admin(client, clinic, patient):
    appointment = book(clinic, patient, at(10))
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    url = admin_url(appointment, "change", appointment.pk)
    page = client.get(url)
    assert "status" in page.context["adminform"].readonly_fields
    client.post(url, {"status": AppointmentStatus.COMPLETED})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


# --- The table --------------------------------------------------------------------------------


def test_the_readme_shows_the_capability_table_of_the_code():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name, description, has in roles.capability_table():
        cells = " | ".join("yes" if allowed else "—" for allowed in has.values())
        assert f"| {name} | {description} | {cells} |" in readme, name
