"""Two desks booking overlapping courses at once, with real threads and requests on
PostgreSQL: each course is booked whole or not at all, and nothing overlaps.

These tests commit (``transaction=True``): inside the test's own transaction nothing
would race."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from booking.models import Appointment, Course
from tests.booking.views.test_staff_concurrency import (
    assert_no_overlaps,
    desk_clients,
    make_patients,
    race,
)
from tests.factories import MONDAY, NOW, at

WEEK = dt.timedelta(weeks=1)
DESKS = 6


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def course_request(clinic, client, patient, first_week: int, practitioner):
    """Four weekly sessions at 10:00 from ``first_week``: desks n and n+1 share weeks."""
    query = {
        "service": clinic.initial.pk,
        "practitioner": practitioner.pk if practitioner else "",
        "sessions": 4,
        "every_days": 7,
        "from_date": MONDAY.isoformat(),
        "time": "10:00",
    }
    url = reverse("staff:course_new", args=[clinic.location.slug, patient.pk])
    data = {"form-TOTAL_FORMS": 4, "form-INITIAL_FORMS": 4}
    for n in range(4):
        start = at(10) + (first_week + n) * WEEK
        data |= {
            f"form-{n}-date": start.date().isoformat(),
            f"form-{n}-time": "10:00",
            f"form-{n}-practitioner": practitioner.pk if practitioner else "",
        }
    return client, f"{url}?{urlencode(query)}", data


@pytest.mark.django_db(transaction=True)
def test_overlapping_courses_booked_at_once_never_overlap(clinic):
    patients = make_patients(DESKS)
    clients = desk_clients(DESKS)
    # Half ask for alice, half for anyone; every course overlaps another in some week.
    requests = [
        course_request(
            clinic, client, patient, first_week=n // 2, practitioner=clinic.alice if n % 2 else None
        )
        for n, (client, patient) in enumerate(zip(clients, patients, strict=True))
    ]

    responses = race(requests)

    assert {r.status_code for r in responses} <= {302, 400}  # never a 500
    booked = Course.objects.count()
    assert booked == sum(r.status_code == 302 for r in responses) >= 1
    for course in Course.objects.all():
        assert course.appointments.count() == 4  # whole courses only
    assert Appointment.objects.count() == 4 * booked
    assert_no_overlaps()


@pytest.mark.django_db(transaction=True)
def test_two_desks_booking_the_same_course_book_it_once(clinic):
    patients = make_patients(2)
    clients = desk_clients(2)
    requests = [
        course_request(clinic, client, patient, first_week=0, practitioner=clinic.alice)
        for client, patient in zip(clients, patients, strict=True)
    ]

    responses = race(requests)

    assert sorted(r.status_code for r in responses) == [302, 400]
    (course,) = Course.objects.all()
    assert sorted(course.appointments.values_list("start", flat=True)) == [
        at(10) + n * WEEK for n in range(4)
    ]
    assert Appointment.objects.count() == 4
    assert_no_overlaps()
