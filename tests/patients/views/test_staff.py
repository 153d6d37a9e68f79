"""Patient search, the new-patient form and the patient page for staff."""

import datetime as dt

import pytest
from django.urls import reverse

from booking.models import AppointmentStatus
from booking.services.changes import appointment_cancel
from booking.services.status import appointment_transition
from clinic.roles import RECEPTIONIST
from patients.models import Patient, PatientAccessLog
from tests import factories
from tests.factories import MONDAY, NOW, at, book


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


NEW_PATIENT = {
    "first_name": "Dana",
    "last_name": "New",
    "email": "dana@example.com",
    "phone": "0113 496 0123",
    "date_of_birth": "1990-03-04",
}


@pytest.mark.parametrize(
    "query",
    [
        "charlie",
        "Patient",
        "CHARLIE PAT",
        "charlie@example",
        "1980-05-17",
        "17/05/1980",
        "0113 496 0000",
        "+44 113 496 0000",
    ],
)
def test_it_finds_a_patient_by_name_email_birthday_or_phone(patient, erin, desk, query):
    response = desk.get(reverse("patients_staff:patients"), {"q": query})

    assert list(response.context["results"]) == [patient]


def test_it_finds_nobody_for_an_empty_search(patient, desk):
    response = desk.get(reverse("patients_staff:patients"), {"q": ""})
    assert list(response.context["results"]) == []


def test_it_creates_a_patient_and_returns_to_the_booking(clinic, desk):
    back = reverse("staff:book", args=[clinic.location.slug]) + "?start=20270111T1000Z"
    data = NEW_PATIENT | {"next": back}

    response = desk.post(reverse("patients_staff:patient_new"), data)

    dana = Patient.objects.get(first_name="Dana")
    assert str(dana.phone) == "+441134960123"
    assert response.url == f"{back}&patient={dana.pk}"


def test_it_shows_form_errors_for_a_bad_patient(desk):
    response = desk.post(
        reverse("patients_staff:patient_new"),
        {
            "first_name": "Dana",
            "last_name": "",
            "email": "nope",
            "phone": "12",
            "date_of_birth": "2999-01-01",
        },
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"last_name", "email", "phone", "date_of_birth"}
    assert not Patient.objects.filter(first_name="Dana").exists()


def test_it_refuses_an_offsite_next(desk):
    data = NEW_PATIENT | {"next": "https://evil.example/"}
    response = desk.post(reverse("patients_staff:patient_new"), data)
    assert response.url == reverse(
        "patients_staff:patient", args=[Patient.objects.get(first_name="Dana").pk]
    )


def test_it_shows_the_patient_record(clinic, patient, desk, time_machine):
    past = book(clinic, patient, at(9))
    missed = book(clinic, patient, at(14), service=clinic.follow_up)
    late = book(clinic, patient, at(10, day=MONDAY + dt.timedelta(days=1)))
    upcoming = book(clinic, patient, at(10, day=MONDAY + dt.timedelta(days=7)))
    time_machine.move_to(at(15), tick=False)
    appointment_transition(appointment=past, action="complete", now=at(15), by=None)
    appointment_transition(appointment=missed, action="no_show", now=at(15), by=None)
    appointment_cancel(
        appointment=late,
        now=at(10, day=MONDAY + dt.timedelta(days=1)) - dt.timedelta(hours=2),
        by_patient=False,
    )
    factories.signed_in(desk, factories.staff(username="rachel", role=RECEPTIONIST))

    response = desk.get(reverse("patients_staff:patient", args=[patient.pk]))

    assert response.status_code == 200
    assert response.context["counts"] == {"no_shows": 1, "late_cancels": 1}
    assert response.context["upcoming"] == [late, upcoming]
    assert response.context["past"] == [missed, past]
    body = response.content.decode()
    assert "charlie@example.com" in body
    assert "0113 496 0000" in body  # as people write it, not E.164
    assert AppointmentStatus.LATE_CANCELLED.label in body


def test_it_logs_who_viewed_the_patient_record(patient, desk):
    desk.get(reverse("patients_staff:patient", args=[patient.pk]))
    [entry] = PatientAccessLog.objects.all()
    assert (entry.user.username, entry.patient, entry.record) == ("rita", patient, "patient page")
