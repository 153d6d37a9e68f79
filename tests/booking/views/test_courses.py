"""The front desk's course pages and the portal's, when the clinic allows it."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentSource, AppointmentStatus, Course
from tests import factories
from tests.booking.services.test_courses import book_course, weekly
from tests.factories import MONDAY, NOW, at, book


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def plan_query(clinic, **overrides) -> dict:
    return {
        "service": clinic.initial.pk,
        "practitioner": clinic.alice.pk,
        "sessions": 4,
        "every_days": 7,
        "from_date": MONDAY.isoformat(),
        "weekday": 0,
        "time": "10:00",
    } | overrides


def sessions_post(starts, practitioner) -> dict:
    data = {"form-TOTAL_FORMS": len(starts), "form-INITIAL_FORMS": len(starts)}
    for n, start in enumerate(starts):
        data |= {
            f"form-{n}-date": start.date().isoformat(),
            f"form-{n}-time": start.strftime("%H:%M"),
            f"form-{n}-practitioner": practitioner.pk,
        }
    return data


def test_the_desk_sees_the_proposed_series(clinic, patient, desk):
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])

    response = desk.get(url, plan_query(clinic))

    assert response.status_code == 200
    proposal = response.context["proposal"]
    assert [s.slot.start for s in proposal] == weekly(at(10), 4)


def test_the_desk_books_the_adjusted_series(clinic, patient, desk):
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])
    query = "?" + "&".join(f"{k}={v}" for k, v in plan_query(clinic).items())
    starts = weekly(at(10), 4)
    starts[2] = starts[2] + dt.timedelta(days=1, hours=4)  # moved to Tuesday 14:00

    response = desk.post(url + query, sessions_post(starts, clinic.alice))

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:course", args=[course.pk])
    assert sorted(course.appointments.values_list("start", flat=True)) == starts


def test_a_refused_course_shows_the_reason_and_books_nothing(clinic, patient, desk):
    other = patient.__class__.objects.create(
        first_name="Dana",
        last_name="Other",
        email="d@example.com",
        date_of_birth=dt.date(1990, 1, 1),
    )
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])
    query = "?" + "&".join(f"{k}={v}" for k, v in plan_query(clinic).items())
    starts = weekly(at(10), 4)
    book(clinic, other, starts[3])

    response = desk.post(url + query, sessions_post(starts, clinic.alice))

    assert response.status_code == 400
    assert "Session 4" in response.text
    assert not Course.objects.exists()


def test_the_desk_cancels_the_rest_from_the_course_page(clinic, patient, desk):
    course = book_course(clinic, patient, weekly(at(10), 3))

    page = desk.get(reverse("staff:course", args=[course.pk]))
    response = desk.post(reverse("staff:course_cancel", args=[course.pk]), {"reason": "Moved away"})

    assert page.status_code == 200
    assert "Cancel the rest of the course" in page.text
    assert response.status_code == 302
    assert not course.appointments.active().exists()


def test_course_pages_need_the_booking_permissions(clinic, patient, client):
    factories.signed_in(client, factories.staff(username="nobody", role=None))
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])

    assert client.get(url).status_code == 403


# The portal


def portal_sign_in(client, patient):
    from booking import links

    client.post(reverse("booking:portal_enter", args=[links.sign_in_token(patient)]))


def returning(clinic, patient):
    visit = book(clinic, patient, at(9) - 3 * dt.timedelta(days=7), now=NOW - dt.timedelta(days=30))
    Appointment.objects.filter(pk=visit.pk).update(status=AppointmentStatus.COMPLETED)


def portal_query(clinic) -> str:
    query = plan_query(clinic) | {"service": clinic.follow_up.pk}
    return "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_the_portal_offers_courses_only_if_the_clinic_allows_it(clinic, patient, client):
    returning(clinic, patient)
    portal_sign_in(client, patient)
    url = reverse("booking:portal_course", args=[clinic.location.slug])

    assert client.get(url).status_code == 404
    assert "Book a course" not in client.get(reverse("booking:portal")).text
    clinic.policy.courses_online = True
    clinic.policy.save()
    assert "Book a course" in client.get(reverse("booking:portal")).text
    assert client.get(url).status_code == 200


def test_a_returning_patient_books_a_course_in_the_portal(clinic, patient, client):
    clinic.policy.courses_online = True
    clinic.policy.save()
    returning(clinic, patient)
    portal_sign_in(client, patient)
    url = reverse("booking:portal_course", args=[clinic.location.slug]) + portal_query(clinic)
    starts = weekly(at(10), 4)

    response = client.post(url, sessions_post(starts, clinic.alice))
    again = client.post(url, sessions_post(weekly(at(14), 4), clinic.alice))

    assert response.status_code == 302
    course = Course.objects.get()
    assert course.source == AppointmentSource.ONLINE
    assert sorted(course.appointments.values_list("start", flat=True)) == starts
    assert again.status_code == 400  # one upcoming course at a time online
    assert "already have a course" in again.text
