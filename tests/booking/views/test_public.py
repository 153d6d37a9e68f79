"""The public booking flow through the test client, and everything a visitor can get wrong."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from booking.models import Appointment, AppointmentStatus, TimeOff
from patients.models import Patient
from tests import factories
from tests.booking.views.public_flow import DETAILS, choose, details_url
from tests.factories import MONDAY, NOW, at


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def times_url(clinic, service=None):
    service = service or clinic.initial
    return reverse("booking:times", args=[service.slug, clinic.location.slug])


def test_it_books_a_first_visit_end_to_end(client, clinic):
    assert clinic.initial.name in client.get(reverse("booking:book")).text
    where = client.get(reverse("booking:where", args=[clinic.initial.slug]))
    assert clinic.location.name in where.text
    assert "Alice" in where.text

    times = client.get(times_url(clinic), {"practitioner": "any", "date": MONDAY.isoformat()})
    assert times.status_code == 200
    assert "09:00" in times.text
    assert "20270111T0900Z" in times.text
    assert "11:15" not in times.text  # a 60-minute session would run into lunch

    details = client.get(details_url(clinic), {"start": "20270111T0900Z", "practitioner": "any"})
    assert details.status_code == 200
    assert "Monday 11 January 2027, 09:00 GMT" in details.text

    assert choose(client, clinic).url == reverse("booking:review")
    review = client.get(reverse("booking:review"))
    assert "Dana Visitor" in review.text
    assert "09:00–10:00 GMT" in review.text

    confirmed = client.post(reverse("booking:review"), follow=True)
    appointment = Appointment.objects.get()
    assert appointment.reference in confirmed.text
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.start == dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    assert appointment.patient.email == "dana@example.com"
    # Any practitioner: both are free and unbooked, so the lower id gets it.
    assert appointment.practitioner == clinic.alice


def test_it_treats_a_second_confirm_click_as_harmless(client, clinic):
    choose(client, clinic)
    client.post(reverse("booking:review"))
    again = client.post(reverse("booking:review"))
    assert again.url == reverse("booking:confirmed")
    assert Appointment.objects.count() == 1


def test_it_shows_times_in_the_locations_zone_in_summer(client, clinic):
    with time_machine.travel(dt.datetime(2027, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        page = client.get(times_url(clinic), {"date": "2027-07-05"})
    assert "09:00 BST" in page.text
    assert "20270705T0800Z" in page.text  # 09:00 BST is 08:00 UTC


def test_it_books_a_follow_up_as_a_request(client, clinic):
    choose(client, clinic, service=clinic.follow_up)
    page = client.post(reverse("booking:review"), follow=True)
    assert "Request received" in page.text
    assert Appointment.objects.get().status == AppointmentStatus.REQUESTED


def test_it_points_a_full_day_to_the_next_free_day(client, clinic):
    saturday = MONDAY + dt.timedelta(days=5)
    page = client.get(times_url(clinic), {"date": saturday.isoformat()})
    assert "No free times on this day" in page.text
    assert "date=2027-01-18" in page.text  # the following Monday


def test_it_does_not_reveal_an_existing_patient(client, clinic, patient):
    newcomer = choose(client, clinic, email="someone-new@example.com")
    client.post(reverse("booking:review"))
    client.cookies.clear()
    existing = choose(
        client,
        clinic,
        start="20270111T1000Z",
        email=patient.email.upper(),
        date_of_birth=patient.date_of_birth.isoformat(),
        phone="07400 999999",
    )
    assert existing.status_code == newcomer.status_code == 302
    page = client.post(reverse("booking:review"), follow=True)
    assert "booked in" in page.text
    patient.refresh_from_db()
    assert str(patient.phone) == "+441134960000"  # a public form never edits a record
    assert Patient.objects.count() == 2
    assert Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date": "3000-01-01"}, "Online booking is open until"),
        ({"date": "2026-12-01"}, "That day has passed"),
        ({"date": "not-a-date"}, "Enter a valid date"),
        ({"practitioner": "999999"}, "Select a valid choice"),
        ({"practitioner": "1 OR 1=1"}, "Select a valid choice"),
    ],
)
def test_it_rejects_bad_days_and_practitioners(client, clinic, params, message):
    page = client.get(times_url(clinic), params)
    assert page.status_code == 400
    assert message in page.text


def test_it_404s_a_tampered_service_or_location(client, clinic):
    assert (
        client.get(reverse("booking:times", args=["nope", clinic.location.slug])).status_code == 404
    )
    assert (
        client.get(reverse("booking:times", args=[clinic.initial.slug, "nope"])).status_code == 404
    )


@pytest.mark.parametrize("start", ["", "garbage", "2027-01-11T09:00", "99999999T9999Z"])
def test_it_rejects_an_unreadable_time(client, clinic, start):
    page = client.get(details_url(clinic), {"start": start, "practitioner": "any"})
    assert page.status_code == 400
    assert "See free times" in page.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "This field is required"),
        ("email", "not-an-email", "Enter a valid email address"),
        ("phone", "12", "Enter a valid phone number"),
        ("date_of_birth", "3000-01-01", "cannot be in the future"),
        ("date_of_birth", "1800-01-01", "check the year of birth"),
        ("last_name", "x" * 5000, "at most 100 characters"),
        ("email", "a" * 300 + "@example.com", "at most 254 characters"),
    ],
)
def test_it_keeps_what_was_typed_when_details_are_wrong(client, clinic, field, value, message):
    page = choose(client, clinic, **{field: value})
    assert page.status_code == 400
    assert message in page.text
    kept = next(v for k, v in DETAILS.items() if k != field)
    assert kept in page.text
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("20270111T0907Z", "Sessions start at set times"),
        ("20270103T0900Z", "already passed"),
        ("20270104T1000Z", "too soon to book online"),
        ("30000101T0900Z", "Online booking opens 60 days ahead"),
        ("20270111T1130Z", "no longer free"),  # would run into lunch
        ("20270116T1000Z", "no longer free"),  # a Saturday: not working
    ],
)
def test_it_refuses_a_bad_time_at_confirmation_and_saves_nothing(client, clinic, start, message):
    choose(client, clinic, start=start)
    page = client.post(reverse("booking:review"))
    assert page.status_code == 409
    assert message in page.text
    assert not Appointment.objects.exists()
    assert not Patient.objects.exists()


def test_it_offers_nearby_times_when_the_time_was_just_taken(client, clinic, patient, erin):
    # Two patients: one patient is never in two rooms at once.
    for practitioner, room, someone in zip(
        (clinic.alice, clinic.bob), clinic.rooms, (patient, erin), strict=True
    ):
        factories.appointment(
            clinic, someone, factories.at(9), practitioner=practitioner, room=room
        )
    choose(client, clinic, start="20270111T0900Z")
    page = client.post(reverse("booking:review"))
    assert page.status_code == 409
    assert "no longer free" in page.text
    assert "start=20270111T1015Z" in page.text  # the first time after the buffer
    assert Appointment.objects.count() == 2


def test_it_sends_an_empty_review_back_to_the_start(client, clinic):
    assert client.get(reverse("booking:review")).url == reverse("booking:book")
    assert client.post(reverse("booking:review")).url == reverse("booking:book")
    assert client.get(reverse("booking:confirmed")).url == reverse("booking:book")


def test_the_strip_of_days_is_labelled_with_its_days(client, clinic):
    wednesday = MONDAY + dt.timedelta(days=2)
    page = client.get(times_url(clinic), {"practitioner": "any", "date": wednesday.isoformat()})
    assert "Wed 13 Jan to Tue 19 Jan" in page.text
    assert "This week" not in page.text
    assert "Morning" in page.text
    assert "Afternoon" in page.text


def test_the_where_step_shows_the_team_and_how_to_get_there(client, clinic):
    clinic.location.directions = "Blue door beside the bakery."
    clinic.location.save()
    clinic.alice.bio = "Twelve years treating runners."
    clinic.alice.save()
    page = client.get(reverse("booking:where", args=[clinic.initial.slug]))
    assert "Blue door beside the bakery." in page.text
    assert "https://www.openstreetmap.org/search?query=1+River+Street" in page.text
    assert "Twelve years treating runners." in page.text
    assert '<span class="avatar" aria-hidden="true">AP</span>' in page.text


@pytest.mark.parametrize("who", ["any", "bob"])
def test_it_opens_on_the_first_day_with_free_times(client, clinic, who):
    # Bob has the week off until Thursday; Alice is fully booked on Monday and Tuesday.
    away = [(clinic.bob, MONDAY, MONDAY + dt.timedelta(days=3))]
    away += [(clinic.alice, MONDAY, MONDAY + dt.timedelta(days=2))]
    for practitioner, first, until in away:
        TimeOff.objects.create(
            practitioner=practitioner, starts_at=at(0, day=first), ends_at=at(0, day=until)
        )
    practitioner = clinic.bob.pk if who == "bob" else "any"
    with time_machine.travel(at(7), tick=False):  # Monday morning, before opening
        page = client.get(times_url(clinic), {"practitioner": practitioner})
    expected = "Thursday 14 January 2027" if who == "bob" else "Wednesday 13 January 2027"
    assert expected in page.text
    assert "No free times on this day" not in page.text
