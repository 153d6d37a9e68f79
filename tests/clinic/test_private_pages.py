"""Private pages stay private: headers, single-use sign-in links, closed waitlist offers,
no tokens in logs, and the safe defaults of the settings."""

import datetime as dt
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from booking import links
from booking.forms.public import PatientDetailsForm
from booking.models import Appointment, WaitlistEntry, WaitlistStatus
from booking.services.booking import appointment_book
from clinic.env import debug_secret_key
from clinic.forms import strip_control_characters
from clinic.roles import RECEPTIONIST
from patients.links import intake_token
from patients.models import Patient
from tests import factories
from tests.factories import MONDAY, NOW

NINE = dt.datetime.combine(MONDAY, dt.time(9), tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def booked(clinic, patient) -> Appointment:
    return appointment_book(
        patient=patient,
        service=clinic.initial,
        location=clinic.location,
        start=NINE,
        practitioner=clinic.alice,
        source="online",
        now=NOW,
    )


# --- Headers -------------------------------------------------------------------------------


def test_private_pages_are_never_cached(client, clinic, patient):
    appointment = booked(clinic, patient)
    private = [
        reverse("booking:manage", args=[links.manage_token(appointment)]),
        reverse("patients:intake", args=[intake_token(patient)]),
        reverse("booking:portal_sign_in"),
        reverse("booking:portal_enter", args=[links.sign_in_token(patient)]),
        reverse("login"),
        reverse("admin:login"),
    ]
    for url in private:
        response = client.get(url)
        assert "no-store" in response.headers.get("Cache-Control", ""), url
    factories.signed_in(client, factories.staff(username="rita", role=RECEPTIONIST))
    for url in (
        reverse("staff:day", args=[clinic.location.slug]),
        reverse("patients_staff:patient", args=[patient.pk]),
        reverse("billing_staff:account", args=[patient.pk]),
        reverse("admin:index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))
    assert "no-store" in client.get(reverse("booking:portal")).headers["Cache-Control"]
    documents = client.get(reverse("billing_portal:documents"))
    assert "no-store" in documents.headers["Cache-Control"]


def test_every_response_carries_a_permissions_policy(client, db):
    for url in ("/", "/book/", "/staff/login/", "/no-such-page/", "/staff/"):
        policy = client.get(url).headers.get("Permissions-Policy", "")
        assert "camera=()" in policy, url
        assert "geolocation=()" in policy, url


def test_public_pages_may_be_cached(client, db):
    assert "no-store" not in client.get("/book/").headers.get("Cache-Control", "")


# --- Links ---------------------------------------------------------------------------------


def test_a_sign_in_link_works_once(client, patient):
    url = reverse("booking:portal_enter", args=[links.sign_in_token(patient)])
    assert client.post(url).status_code == 302
    assert client.get(reverse("booking:portal")).status_code == 200
    client.post(reverse("booking:portal_sign_out"))
    again = client.post(url)
    assert again.status_code == 400
    assert "already been used" in again.text
    assert client.get(reverse("booking:portal")).status_code == 302  # not signed in


def test_entering_spends_older_links_too(client, patient):
    older = links.sign_in_token(patient)
    newer = links.sign_in_token(patient)
    client.post(reverse("booking:portal_enter", args=[newer]))
    client.post(reverse("booking:portal_sign_out"))
    assert client.post(reverse("booking:portal_enter", args=[older])).status_code == 400


def _claim_url(clinic, entry) -> str:
    token = links.claim_token(
        entry_id=entry.pk, location_id=clinic.location.pk, start=NINE, practitioner_id=None
    )
    return reverse("booking:waitlist_claim", args=[token])


def _entry(clinic, patient, **fields) -> WaitlistEntry:
    return WaitlistEntry.objects.create(
        patient=patient,
        service=clinic.initial,
        earliest_date=fields.pop("earliest_date", MONDAY),
        latest_date=fields.pop("latest_date", MONDAY),
        source="online",
        **fields,
    )


def test_a_withdrawn_entrys_claim_link_books_nothing(client, clinic, patient):
    entry = _entry(clinic, patient)
    url = _claim_url(clinic, entry)
    assert client.get(url).status_code == 200  # open while waiting
    entry.status = WaitlistStatus.WITHDRAWN
    entry.save()
    page = client.get(url)
    assert page.status_code == 400
    assert "withdrawn" in page.text
    assert client.post(url).status_code == 400
    assert not Appointment.objects.exists()


def test_an_expired_entrys_claim_link_books_nothing(client, clinic, patient):
    entry = _entry(clinic, patient, earliest_date=NOW.date(), latest_date=NOW.date())
    url = _claim_url(clinic, entry)
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        page = client.post(url)
    assert page.status_code == 400
    assert "passed" in page.text
    assert not Appointment.objects.exists()


def test_a_withdrawal_between_opening_and_confirming_books_nothing(client, clinic, patient):
    from booking.services.placement import BookingError
    from booking.services.waitlist import load_claim, waitlist_claim

    entry = _entry(clinic, patient)
    token = _claim_url(clinic, entry).rstrip("/").rsplit("/", 1)[1]
    loaded, offer = load_claim(token, now=NOW)
    WaitlistEntry.objects.filter(pk=entry.pk).update(status=WaitlistStatus.WITHDRAWN)
    with pytest.raises(BookingError, match="withdrawn"):
        waitlist_claim(entry=loaded, now=NOW, **offer)
    assert not Appointment.objects.exists()


# --- Logs ----------------------------------------------------------------------------------


def test_no_token_reaches_a_log_record_of_a_4xx_request(client, clinic, patient, caplog):
    appointment = booked(clinic, patient)
    tokens = [
        links.manage_token(appointment) + "x",  # tampered: 400
        intake_token(patient)[:-3] + "abc",  # tampered: 400
        links.sign_in_token(patient),
    ]
    paths = [
        reverse("booking:manage", args=[tokens[0]]),
        reverse("patients:intake", args=[tokens[1]]),
        reverse("booking:portal_enter", args=[tokens[2]]) + "missing/",  # 404
    ]
    with caplog.at_level(logging.DEBUG):
        statuses = [client.get(path).status_code for path in paths]
    assert all(400 <= status < 500 for status in statuses), statuses
    warnings = [r for r in caplog.records if r.name == "django.request"]
    assert len(warnings) == len(paths)  # Django did log each request...
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.msg)
        for token in tokens:
            assert token not in text, record  # ...without its token
            assert token.split(":")[0] not in text, record


def test_the_redaction_keeps_the_rest_of_the_line():
    from clinic.logs import redact

    line = '"GET /appointment/eyJhIjoxfQ:1vN2:abcdefghijklmnopqrstuvwx/ HTTP/1.1" 400 12'
    assert redact(line) == '"GET /appointment/[redacted]/ HTTP/1.1" 400 12'
    assert redact("Booked 12:30 on 2027-01-11") == "Booked 12:30 on 2027-01-11"


# --- Safe defaults -------------------------------------------------------------------------


def test_the_debug_key_is_random_made_once_and_private(tmp_path: Path):
    path = tmp_path / ".secret_key"
    first = debug_secret_key(path)
    assert len(first) >= 50
    assert debug_secret_key(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert debug_secret_key(tmp_path / "other") != first


def _settings_error(**env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"} | env
    result = subprocess.run(
        [sys.executable, "-c", "import clinic.settings"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stderr


def test_production_refuses_immediate_tasks():
    assert "development only" in _settings_error(
        DEBUG="false", SECRET_KEY="x" * 50, TASKS_BACKEND="immediate"
    )
    assert _settings_error(DEBUG="true", TASKS_BACKEND="immediate") == ""


def test_production_needs_its_own_secret_key():
    environment = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import clinic.settings"],
        env=environment | {"DEBUG": "false"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "SECRET_KEY must be set" in result.stderr


def test_forms_strip_control_characters_from_names_and_free_text():
    form = PatientDetailsForm(
        {
            "first_name": "Ann\x00a\x1b[31m",
            "last_name": "Smith\u202e\r\nBcc: someone",
            "email": "ann@example.com",
            "phone": "+441134960000",
            "date_of_birth": "1980-05-17",
        },
        today=NOW.date(),
    )
    form.is_valid()
    assert form.cleaned_data["first_name"] == "Anna[31m"
    assert form.cleaned_data["last_name"] == "SmithBcc: someone"
    assert strip_control_characters("line one\nline two\x07", multiline=True) == (
        "line one\nline two"
    )


def test_a_name_with_control_characters_is_stored_clean(client, clinic, db):
    from patients.forms import PatientForm

    form = PatientForm(
        {
            "first_name": "Erin\x1b",
            "last_name": "\x00Wait",
            "email": "erin@example.com",
            "phone": "+441134960002",
            "date_of_birth": "1980-01-01",
        },
        today=NOW.date(),
    )
    assert form.is_valid(), form.errors
    patient = form.save()
    patient.refresh_from_db()
    assert (patient.first_name, patient.last_name) == ("Erin", "Wait")
    assert Patient.objects.count() == 1


def test_the_admin_strips_control_characters_too(admin_client, patient):
    data = {
        "first_name": "Char\x1blie",
        "last_name": "Pat\u202eient",
        "email": patient.email,
        "phone": "+441134960000",
        "date_of_birth": "1980-05-17",
        "preferred_contact": "email",
    }
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    assert admin_client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert (patient.first_name, patient.last_name) == ("Charlie", "Patient")
